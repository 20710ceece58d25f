//! Firmware images and branding files: Range, If-Range and ETag with the right length, and
//! only for the phone's own certificate.

use rcs::config::Settings;
use rcs_shared::{DeviceAction, DeviceAnswer};

use crate::helpers::device::{
    booth, booth_with, provision, Booth, IMAGE_SHA, IMAGE_SIZE, MAC, PNG, UA_OLD,
};
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    downloads_honour_range_and_etag_with_the_right_length,
    download_links_come_from_the_settings_or_the_connection_never_from_forged_headers,
);

async fn downloads_honour_range_and_etag_with_the_right_length(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let phone = b.phone_for(MAC);
    let image = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/4.2.0.181/6757i.st"),
    )
    .unwrap();
    let url = b.app.url(&format!("/phone/{MAC}/firmware"));
    let get = |headers: Vec<(&'static str, String)>| {
        let mut request = phone.get(&url).header("user-agent", UA_OLD);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        request.send()
    };

    let whole = get(vec![]).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["etag"], format!("\"{IMAGE_SHA}\""));
    assert_eq!(whole.headers()["content-length"], IMAGE_SIZE.to_string());
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let bytes = whole.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), image.as_slice());
    assert_eq!(rcs::storage::sha256_hex(&bytes), IMAGE_SHA);

    let part = get(vec![("range", "bytes=10-19".into())]).await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 10-19/{IMAGE_SIZE}")
    );
    assert_eq!(part.headers()["content-length"], "10");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &image[10..20]);
    let tail = get(vec![("range", "bytes=-8".into())]).await.unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.bytes().await.unwrap().as_ref(),
        &image[image.len() - 8..]
    );
    let outside = get(vec![("range", format!("bytes={IMAGE_SIZE}-"))])
        .await
        .unwrap();
    assert_eq!(outside.status(), 416);
    assert_eq!(
        outside.headers()["content-range"],
        format!("bytes */{IMAGE_SIZE}")
    );
    // A stale If-Range gets the whole image, not a piece of another one.
    let stale = get(vec![
        ("range", "bytes=0-9".into()),
        ("if-range", "\"0000\"".into()),
    ])
    .await
    .unwrap();
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.bytes().await.unwrap().len() as u64, IMAGE_SIZE);

    let cached = get(vec![("if-none-match", format!("\"{IMAGE_SHA}\""))])
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert!(cached.bytes().await.unwrap().is_empty());
    let changed = get(vec![("if-none-match", "\"abc\"".into())])
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    // A model the release has no image for: 404, not some other model's image.
    let none = phone
        .get(&url)
        .header(
            "user-agent",
            "Aastra9480i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    assert_eq!(error_body(none).await.code, "firmware_not_found");

    // Branding files the same way; names that are not in the branding are 404s.
    let logo = b.app.url(&format!("/phone/{MAC}/branding/logo.png"));
    let response = phone.get(&logo).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], PNG.len().to_string());
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", rcs::storage::sha256_hex(PNG)));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    let part = phone
        .get(&logo)
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &PNG[..8]);
    let cached = phone
        .get(&logo)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    for name in ["nope.png", "..%2F..%2Fdata%2Frcs.db", "%2e%2e"] {
        let response = phone
            .get(b.app.url(&format!("/phone/{MAC}/branding/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{name}");
        let code = error_body(response).await.code;
        assert!(
            code == "branding_file_not_found" || code == "not_found",
            "{name}: {code}"
        );
    }
    // Downloads need the phone's own certificate like the boot answer does.
    let other = b.phone_for("00085D000001");
    assert_eq!(other.get(&url).send().await.unwrap().status(), 403);
    assert_eq!(b.phone(None).get(&logo).send().await.unwrap().status(), 401);
}

/// Request headers, as name and value.
type Headers = &'static [(&'static str, &'static str)];
/// A change to the service's settings.
type Tweak = fn(&mut Settings);

/// A sender's claims about the host it asked for, all three spellings.
const FORGED: Headers = &[
    ("host", "evil.example"),
    ("x-forwarded-host", "xfh.evil.example"),
    ("forwarded", "host=fwd.evil.example;proto=https"),
];

/// The download links a phone sending `headers` is given (JSON form), and the text form.
async fn links(b: &Booth, headers: &[(&str, &str)]) -> (Vec<String>, String) {
    let phone = b.phone_for(MAC);
    let get = |path: String| {
        let mut request = phone.get(b.app.url(&path)).header("user-agent", UA_OLD);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let response = get(format!("/phone/{MAC}")).await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: DeviceAnswer = response.json().await.unwrap();
    let urls: Vec<String> = answer
        .actions
        .iter()
        .flat_map(|a| match a {
            DeviceAction::Branding { files, .. } => files.iter().map(|f| f.url.clone()).collect(),
            DeviceAction::Firmware { url, .. } => vec![url.clone()],
            DeviceAction::Redirect { .. } => vec![],
        })
        .collect();
    assert_eq!(urls.len(), 2, "a branding file and a firmware image");
    let text = get(format!("/phone/{MAC}.cfg")).await.unwrap();
    assert_eq!(text.status(), 200);
    (urls, text.text().await.unwrap())
}

fn all_start_with(urls: &[String], base: &str) {
    for url in urls {
        assert!(
            url.starts_with(&format!("{base}/phone/{MAC}/")),
            "{url} from {base}"
        );
    }
}

/// Links given to phones come from `device_url`, else `public_url`; with neither, from the
/// address the connection arrived on. Host, X-Forwarded-Host and Forwarded count only when
/// `trust_forwarded_for` says a proxy sets them (and no URL is configured).
async fn download_links_come_from_the_settings_or_the_connection_never_from_forged_headers(
    engine: Engine,
) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let (urls, text) = links(&b, FORGED).await;
    all_start_with(&urls, &b.app.base);
    assert!(!text.contains("evil"), "{text}");
    drop(b);

    let cases: [(Tweak, Headers, &str); 3] = [
        (
            |s| s.public_url = Some("https://rcs.example.com".into()),
            FORGED,
            "https://rcs.example.com",
        ),
        (
            |s| {
                s.public_url = Some("https://rcs.example.com".into());
                s.device_url = Some("https://phones.example.net:9443".into());
                s.trust_forwarded_for = true;
            },
            FORGED,
            "https://phones.example.net:9443",
        ),
        (
            |s| s.trust_forwarded_for = true,
            &[("x-forwarded-host", "rcs.proxy.example")],
            "https://rcs.proxy.example",
        ),
    ];
    for (tweak, headers, base) in cases {
        let b = booth_with(engine, tweak).await;
        provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
        let (urls, text) = links(&b, headers).await;
        all_start_with(&urls, base);
        assert!(!text.contains("evil"), "{text}");
    }
}
