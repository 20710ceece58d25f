use super::*;

const SHA: &str = "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c";

/// A manifest of `vendor` (no key when `None`) with one image per `(model, file)`.
fn manifest(vendor: Option<&str>, version: &str, images: &[(&str, &str)]) -> String {
    let mut text = vendor.map_or(String::new(), |v| format!("vendor = {v:?}\n"));
    text += &format!("version = {version:?}\nreleased = \"2021-08-20\"\n");
    for (model, file) in images {
        text += &format!(
            "[[images]]\nmodel = {model:?}\nfile = {file:?}\nsize = 448\nsha256 = \"{SHA}\"\n"
        );
    }
    text
}

fn refused(text: &str) -> (&'static str, String) {
    match parse_manifest(text, "manifest.toml") {
        Err(Error::Unprocessable(code, message)) => (code, message),
        other => panic!("accepted or another error: {other:?}"),
    }
}

#[test]
fn a_manifest_without_a_vendor_is_aastras_and_aliases_are_canonical() {
    let old = parse_manifest(&manifest(None, "4.2.0.181", &[("6757i", "6757i.st")]), "m").unwrap();
    assert_eq!(old.vendor, Vendor::Aastra);
    let mitel = manifest(Some("Mitel"), "4.2.0.181", &[("6757i", "6757i.st")]);
    assert_eq!(parse_manifest(&mitel, "m").unwrap().vendor, Vendor::Aastra);
    let poly = manifest(
        Some("poly"),
        "6.4.6.2100",
        &[("VVX400", "3111-46157-001.sip.ld")],
    );
    assert_eq!(parse_manifest(&poly, "m").unwrap().vendor, Vendor::Polycom);
}

#[test]
fn an_unknown_vendor_is_refused_naming_the_known_ones() {
    let (code, message) = refused(&manifest(Some("cisco"), "12.0.1", &[("8845", "a.bin")]));
    assert_eq!(code, "invalid_firmware_manifest");
    assert!(message.contains("\"cisco\""), "{message}");
    assert!(
        message.contains("aastra, yealink, snom, polycom, grandstream"),
        "{message}"
    );
}

#[test]
fn the_release_floor_is_an_aastra_rule() {
    let (code, message) = refused(&manifest(None, "2.3.9.1", &[("6757i", "6757i.st")]));
    assert_eq!(code, "firmware_too_old");
    assert!(message.contains("Aastra/Mitel"), "{message}");
    let grandstream = manifest(
        Some("grandstream"),
        "1.0.11.85",
        &[("GXP2170", "gxp2170fw.bin")],
    );
    assert_eq!(
        parse_manifest(&grandstream, "m").unwrap().version,
        "1.0.11.85"
    );
    let yealink = manifest(Some("yealink"), "2.3.9.1", &[("T46S", "T46S-2.3.9.1.rom")]);
    assert!(parse_manifest(&yealink, "m").is_ok());
}

#[test]
fn images_carry_their_vendors_native_file_names() {
    let good = [
        ("aastra", "6757i.st"),
        ("yealink", "T46S(T48S,T42S,T41S)-66.86.0.15.rom"),
        ("snom", "snomD785-10.1.215.13-SIP-r.bin"),
        ("snom", "snomD785-10.3.0.0-SIP-r.swu"),
        ("polycom", "3111-46157-001.sip.ld"),
        ("grandstream", "gxp2170fw.bin"),
        ("grandstream", "GXP2170FW.BIN"),
    ];
    for (vendor, file) in good {
        let text = manifest(Some(vendor), "66.86.0.15", &[("M1", file)]);
        let parsed = parse_manifest(&text, "m").unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(parsed.files().collect::<Vec<_>>(), [file]);
    }
    let wrong = [
        ("aastra", "6757i.rom"),
        ("yealink", "T46S-66.86.0.15.bin"),
        ("snom", "snomD785.st"),
        ("polycom", "3111-46157-001.sip"),
        ("grandstream", "gxp2170fw"),
        ("yealink", "rom"),
    ];
    for (vendor, file) in wrong {
        let (code, message) = refused(&manifest(Some(vendor), "66.86.0.15", &[("M1", file)]));
        assert_eq!(code, "invalid_firmware_manifest", "{file}");
        assert!(
            message.contains("image: its file name must end in"),
            "{message}"
        );
    }
    for file in [
        "T46S 66.86.rom",
        ".rom",
        "../T46S.rom",
        "T46S\\x.rom",
        "T46S\t.rom",
    ] {
        let (_, message) = refused(&manifest(Some("yealink"), "66.86.0.15", &[("M1", file)]));
        assert!(message.contains("is not a file name"), "{file}: {message}");
    }
}

#[test]
fn models_may_share_one_image_but_not_disagree_about_it() {
    let file = "T46S(T48S,T42S,T41S)-66.86.0.15.rom";
    let shared = manifest(
        Some("yealink"),
        "66.86.0.15",
        &[("T46S", file), ("T48S", file)],
    );
    let parsed = parse_manifest(&shared, "m").unwrap();
    assert_eq!(parsed.models().collect::<Vec<_>>(), ["T46S", "T48S"]);
    let disagreeing = shared.replacen("size = 448", "size = 447", 1);
    let (code, message) = refused(&disagreeing);
    assert_eq!(code, "invalid_firmware_manifest");
    assert!(message.contains("models T46S and T48S"), "{message}");
}
