//! What the native route refuses, and that each refusal is a clear 4xx that is recorded:
//! an unregistered MAC, a certificate of a CA rcs does not trust, no certificate for a file
//! that names no MAC, a file no vendor fetches, one vendor's User-Agent asking for another
//! vendor's file, and a family rcs does not provision natively.

use rcs_shared::BootOutcome;

use super::aastra::{AastraPhone, Ended};
use super::{code, fetch, history_when};
use crate::helpers::device::{booth, provision, MAC, UA_OLD};
use crate::helpers::pki::TestCa;
use crate::helpers::Engine;
use crate::on_both_engines;

on_both_engines!(
    an_unregistered_phone_stops_at_its_first_file,
    a_foreign_certificate_or_none_is_refused,
    bad_file_requests_are_clear_refusals_in_the_phones_history,
);

async fn an_unregistered_phone_stops_at_its_first_file(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let stranger = "00085D99AA01";
    let mut phone = AastraPhone::new(stranger, "6757i", "3.3.1.4322");
    assert_eq!(
        phone.boot(&b, &b.phone_for(stranger)).await,
        Ended::Stopped(404)
    );
    assert_eq!(code(&phone.fetched[0].body), "phone_not_registered");
}

async fn a_foreign_certificate_or_none_is_refused(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let foreign = TestCa::new("Somebody Else's CA");
    let impostor = b.phone(Some(&foreign.issue(Some(MAC), &[])));
    for file in ["aastra.cfg", &format!("{MAC}.cfg"), "6757i.st"] {
        let got = fetch(&b, &impostor, &format!("/phone/{file}"), UA_OLD).await;
        assert_eq!(got.status, 401, "{file}");
        let refused = code(&got.body);
        assert!(
            ["untrusted", "invalid", "expired", "not_yet_valid"]
                .iter()
                .any(|c| refused.contains(c)),
            "{file}: {refused}"
        );
    }
    let anonymous = b.phone(None);
    let got = fetch(&b, &anonymous, "/phone/aastra.cfg", UA_OLD).await;
    assert_eq!(got.status, 401);
    assert_eq!(code(&got.body), "certificate_required");
    // A certificate for one phone does not fetch another's file.
    let got = fetch(
        &b,
        &b.phone_for("00085D99AA02"),
        &format!("/phone/{MAC}.cfg"),
        "",
    )
    .await;
    assert_eq!(got.status, 403);
    assert_eq!(code(&got.body), "certificate_mac_mismatch");

    // Only that last sender proved anything (a trusted certificate): it alone is in the
    // account's history. The recorder writes in order, so once it shows, the rest would too.
    let items = history_when(&b.app, &p.token, MAC, |items| !items.is_empty()).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    assert!(items[0].detail.contains("certificate_mac_mismatch"));

    // A certificate naming two phones must say which one asks for a file without a MAC.
    let two = b.phone(Some(&b.ca.issue(Some(MAC), &["00085D99AA03"])));
    let got = fetch(&b, &two, "/phone/aastra.cfg", "").await;
    assert_eq!(got.status, 400);
    assert_eq!(code(&got.body), "certificate_names_several_phones");
    let got = fetch(&b, &two, "/phone/aastra.cfg", UA_OLD).await;
    assert_eq!(got.status, 200, "the User-Agent names one of its MACs");
}

async fn bad_file_requests_are_clear_refusals_in_the_phones_history(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let phone = b.phone_for(MAC);
    let cases = [
        ("/phone/readme.txt", UA_OLD, 404, "unknown_device_file"),
        ("/phone/aastra.cfg.bak", UA_OLD, 404, "unknown_device_file"),
        (
            "/phone/aastra.cfg",
            "Yealink SIP-T46S 66.86.0.15 00:08:5d:1a:2b:3c",
            400,
            "file_of_another_vendor",
        ),
        (
            "/phone/00085d1a2b3c.cfg",
            "Fanvil X4 2.10.2.6887 00085d1a2b3c",
            400,
            "unsupported_vendor",
        ),
        (
            "/phone/aastra.cfg",
            "Aastra6757i MAC:00-08-5D-1A-2B-3C V:banana-SIP",
            400,
            "invalid_device_request",
        ),
    ];
    for (path, ua, status, expected) in cases {
        let got = fetch(&b, &phone, path, ua).await;
        assert_eq!(got.status, status, "{path} as {ua}");
        assert_eq!(code(&got.body), expected, "{path} as {ua}");
    }
    let items = history_when(&b.app, &p.token, MAC, |items| items.len() == cases.len()).await;
    assert!(items.iter().all(|e| e.outcome == BootOutcome::Refused));
    for (_, _, _, expected) in cases {
        assert!(
            items.iter().any(|e| e.detail.contains(expected)),
            "{expected} recorded: {items:#?}"
        );
    }
}
