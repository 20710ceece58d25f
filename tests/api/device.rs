//! The phone boot service: `/phone/{mac}` over mutual TLS, downloads, and the boot history.
//!
//! Every certificate is generated here: a device CA the service trusts (configured as its
//! `device_ca` bundle), a foreign CA it does not, and per-phone certificates with the MAC in
//! the CN or only in a SAN, one expired, one not yet valid.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rcs_shared::{BootEventPage, BootOutcome, DeviceAction, DeviceAnswer};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::helpers::{error_body, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_registered_phone_is_told_branding_then_firmware_then_its_server,
    the_redirect_is_also_served_in_the_phones_configuration_syntax,
    firmware_goes_up_and_down_but_never_to_a_phone_already_running_it,
    certificates_must_be_trusted_current_and_for_the_mac_asked_about,
    downloads_honour_range_and_etag_with_the_right_length,
    every_contact_is_in_the_history_of_its_own_account_only,
);

const MAC: &str = "00085D1A2B3C";
const UA_OLD: &str = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP";
const UA_NEW: &str = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP";
/// The sample catalog's 4.2.0.181 image for the 6757i (firmware/4.2.0.181/manifest.toml).
const IMAGE_SHA: &str = "3fc5fd09cc8ae6c0cd99365c3e514c5ef4ee1b9242d26c79213fc0ace36d5d3c";
const IMAGE_SIZE: u64 = 480;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-acme-logo";

/// A certificate authority made for the test.
pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A phone's certificate and key, PEM.
pub struct PhoneCert {
    pub cert: String,
    pub key: String,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        TestCa { cert, key }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A phone certificate valid from `from_days` to `to_days` around now.
    pub fn issue_between(
        &self,
        cn: Option<&str>,
        dns_sans: &[&str],
        from_days: i64,
        to_days: i64,
    ) -> PhoneCert {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        if let Some(cn) = cn {
            params.distinguished_name.push(DnType::CommonName, cn);
        }
        params.subject_alt_names = dns_sans
            .iter()
            .map(|s| SanType::DnsName((*s).try_into().unwrap()))
            .collect();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from_days);
        params.not_after = now + time::Duration::days(to_days);
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        PhoneCert {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    /// A phone certificate valid now, for a year.
    pub fn issue(&self, cn: Option<&str>, dns_sans: &[&str]) -> PhoneCert {
        self.issue_between(cn, dns_sans, -1, 365)
    }

    /// A phone certificate for `mac` (in the CN) with serial number `serial`.
    pub fn issue_numbered(&self, mac: &str, serial: u64) -> PhoneCert {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, mac);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        PhoneCert {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    /// A revocation list issued `age_hours` ago, listing `serials`, DER.
    pub fn crl(&self, number: u64, age_hours: i64, serials: &[u64]) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        let issued = now - time::Duration::hours(age_hours);
        rcgen::CertificateRevocationListParams {
            this_update: issued,
            next_update: issued + time::Duration::days(7),
            crl_number: rcgen::SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|&serial| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(serial),
                    revocation_time: issued,
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&self.cert, &self.key)
        .unwrap()
        .der()
        .to_vec()
    }
}

/// The service with the test's device CA configured, and the CA.
struct Booth {
    app: TestApp,
    ca: TestCa,
    _ca_dir: tempfile::TempDir,
}

async fn booth(engine: Engine) -> Booth {
    let ca = TestCa::new("Test Phone Vendor CA");
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("device-ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    let app = spawn_app_with(engine, |s| s.device_ca = Some(path)).await;
    Booth {
        app,
        ca,
        _ca_dir: dir,
    }
}

impl Booth {
    /// A client presenting `cert` (none: a browser or a phone without one).
    fn phone(&self, cert: Option<&PhoneCert>) -> reqwest::Client {
        let server = std::fs::read(self.app.env.data_dir().join("tls/server.crt")).unwrap();
        let mut builder = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&server).unwrap());
        if let Some(c) = cert {
            let pem = format!("{}{}", c.cert, c.key);
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
        }
        builder.build().unwrap()
    }

    fn phone_for(&self, mac: &str) -> reqwest::Client {
        self.phone(Some(&self.ca.issue(Some(mac), &[])))
    }

    async fn boot(&self, client: &reqwest::Client, path: &str, ua: &str) -> reqwest::Response {
        client
            .get(self.app.url(path))
            .header("user-agent", ua)
            .send()
            .await
            .expect("request sent")
    }
}

/// An account with a server, a branding with a file, the sample catalog, and one phone.
struct Provisioned {
    account_id: i64,
    token: String,
    server_id: i64,
    branding_id: i64,
}

async fn provision(app: &TestApp, account: &str, mac: &str, firmware: Option<&str>) -> Provisioned {
    let email = format!("admin@{}.example", account.to_lowercase());
    let (account_id, _) = app.create_account(account, &email).await;
    let token = app.token(&email).await;
    let server: Value = app
        .post(
            "/api/v1/servers",
            &token,
            &json!({"name": "Main PBX", "url": "https://pbx.example.net:8443/cfg/"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let server_id = server["id"].as_i64().unwrap();
    let branding: Value = app
        .post(
            "/api/v1/brandings",
            &token,
            &json!({"name": format!("{account} brand"), "is_default": false}),
        )
        .await
        .json()
        .await
        .unwrap();
    let branding_id = branding["id"].as_i64().unwrap();
    let put = app
        .put_bytes(
            &format!("/api/v1/brandings/{branding_id}/files/logo.png"),
            &token,
            PNG,
        )
        .await;
    assert_eq!(put.status(), 200);
    if rcs::db::firmware::releases(&app.db)
        .await
        .unwrap()
        .is_empty()
    {
        app.load_sample_firmware().await;
    }
    let added = app
        .post(
            "/api/v1/phones",
            &token,
            &json!({"macs": [mac], "server_id": server_id, "branding_id": branding_id, "firmware": firmware}),
        )
        .await;
    assert!(
        added.status().is_success(),
        "{}",
        added.text().await.unwrap()
    );
    Provisioned {
        account_id,
        token,
        server_id,
        branding_id,
    }
}

fn kinds(answer: &DeviceAnswer) -> Vec<&'static str> {
    answer
        .actions
        .iter()
        .map(|a| match a {
            DeviceAction::Branding { .. } => "branding",
            DeviceAction::Firmware { .. } => "firmware",
            DeviceAction::Redirect { .. } => "redirect",
        })
        .collect()
}

/// Waits (bounded) until the phone's history holds `count` events, and returns them.
async fn events(app: &TestApp, token: &str, mac: &str, count: usize) -> BootEventPage {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .get(&format!("/api/v1/phones/{mac}/events?limit=500"), token)
            .await;
        assert_eq!(response.status(), 200);
        let page: BootEventPage = response.json().await.unwrap();
        if page.items.len() >= count {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} events, have {:?}",
            page.items
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_registered_phone_is_told_branding_then_firmware_then_its_server(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let phone = b.phone_for(MAC);

    let response = b.boot(&phone, &format!("/phone/{MAC}"), UA_OLD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let answer: DeviceAnswer = response.json().await.unwrap();
    assert_eq!(answer.mac, MAC);
    assert_eq!(kinds(&answer), ["branding", "firmware", "redirect"]);
    match &answer.actions[0] {
        DeviceAction::Branding { name, files } => {
            assert_eq!(name, "Acme brand");
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].name, "logo.png");
            assert_eq!(files[0].size, PNG.len() as u64);
            assert_eq!(files[0].sha256, rcs::storage::sha256_hex(PNG));
            assert_eq!(
                files[0].url,
                b.app.url(&format!("/phone/{MAC}/branding/logo.png"))
            );
        }
        other => panic!("branding first, got {other:?}"),
    }
    match &answer.actions[1] {
        DeviceAction::Firmware {
            release,
            model,
            url,
            size,
            sha256,
        } => {
            assert_eq!((release.as_str(), model.as_str()), ("4.2.0.181", "6757i"));
            assert_eq!((*size, sha256.as_str()), (IMAGE_SIZE, IMAGE_SHA));
            assert_eq!(url, &b.app.url(&format!("/phone/{MAC}/firmware")));
        }
        other => panic!("firmware second, got {other:?}"),
    }
    assert_eq!(
        answer.actions[2],
        DeviceAction::Redirect {
            server: "Main PBX".into(),
            url: "https://pbx.example.net:8443/cfg/".into()
        }
    );

    // Any spelling of the MAC in the path; the old short model name reads as the 6757i.
    let response = b
        .boot(
            &phone,
            "/phone/00:08:5d:1a:2b:3c",
            "Aastra57i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP",
        )
        .await;
    let answer: DeviceAnswer = response.json().await.unwrap();
    assert_eq!(kinds(&answer), ["branding", "firmware", "redirect"]);

    // Without a branding of its own the phone gets the account's default; without a server
    // and a release, nothing at all.
    let token = &p.token;
    let phone_path = format!("/api/v1/phones/{MAC}");
    let cleared = b
        .app
        .patch(
            &phone_path,
            token,
            &json!({"branding_id": null, "firmware": null}),
        )
        .await;
    assert_eq!(cleared.status(), 200);
    let answer: DeviceAnswer = b
        .boot(&phone, &format!("/phone/{MAC}"), UA_OLD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kinds(&answer),
        ["redirect"],
        "no branding and no default yet"
    );
    let made_default = b
        .app
        .patch(
            &format!("/api/v1/brandings/{}", p.branding_id),
            token,
            &json!({"is_default": true}),
        )
        .await;
    assert_eq!(made_default.status(), 200);
    let answer: DeviceAnswer = b
        .boot(&phone, &format!("/phone/{MAC}"), UA_OLD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kinds(&answer),
        ["branding", "redirect"],
        "the default branding"
    );
    let unaffiliated = b
        .app
        .patch(
            &format!("/api/v1/brandings/{}", p.branding_id),
            token,
            &json!({"is_default": false}),
        )
        .await;
    assert_eq!(unaffiliated.status(), 200);
    let no_server = b
        .app
        .patch(&phone_path, token, &json!({"server_id": null}))
        .await;
    assert_eq!(no_server.status(), 200);
    let response = b.boot(&phone, &format!("/phone/{MAC}"), UA_OLD).await;
    assert_eq!(response.status(), 200);
    let answer: DeviceAnswer = response.json().await.unwrap();
    assert!(answer.actions.is_empty(), "{answer:?}");
    let _ = p.server_id;
}

async fn the_redirect_is_also_served_in_the_phones_configuration_syntax(engine: Engine) {
    let b = booth(engine).await;
    provision(&b.app, "Acme", MAC, None).await;
    let phone = b.phone_for(MAC);
    let expected = "download protocol: HTTPS\nhttps server: \"pbx.example.net\"\nhttps path: \"cfg/\"\nhttps port: 8443\n";

    let response = phone
        .get(b.app.url(&format!("/phone/{MAC}")))
        .header("accept", "text/plain")
        .header("user-agent", UA_NEW)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.contains(expected), "{text}");

    let response = b.boot(&phone, &format!("/phone/{MAC}.cfg"), UA_NEW).await;
    assert_eq!(response.status(), 200);
    let cfg = response.text().await.unwrap();
    assert_eq!(cfg, text, "the .cfg form is the same text");

    // JSON stays the default, and wins when both are acceptable.
    let response = phone
        .get(b.app.url(&format!("/phone/{MAC}")))
        .header("accept", "application/json, text/plain")
        .send()
        .await
        .unwrap();
    let answer: DeviceAnswer = response.json().await.unwrap();
    assert_eq!(kinds(&answer), ["branding", "redirect"]);
}

async fn firmware_goes_up_and_down_but_never_to_a_phone_already_running_it(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let phone = b.phone_for(MAC);
    let firmware_of = |answer: &DeviceAnswer| {
        answer.actions.iter().find_map(|a| match a {
            DeviceAction::Firmware { release, .. } => Some(release.clone()),
            _ => None,
        })
    };
    let ask = |ua: &'static str| {
        let (b, phone) = (&b, &phone);
        async move {
            let r = b.boot(phone, &format!("/phone/{MAC}"), ua).await;
            assert_eq!(r.status(), 200);
            r.json::<DeviceAnswer>().await.unwrap()
        }
    };
    // Upgrade from 3.3.1.4322; nothing when already on 4.2.0.181.
    assert_eq!(
        firmware_of(&ask(UA_OLD).await).as_deref(),
        Some("4.2.0.181")
    );
    assert_eq!(firmware_of(&ask(UA_NEW).await), None);
    // Downgrade: pin 3.3.1.4322 to a phone running 4.2.0.181.
    let pinned = b
        .app
        .patch(
            &format!("/api/v1/phones/{MAC}"),
            &p.token,
            &json!({"firmware": "3.3.1.4322"}),
        )
        .await;
    assert_eq!(pinned.status(), 200);
    assert_eq!(
        firmware_of(&ask(UA_NEW).await).as_deref(),
        Some("3.3.1.4322")
    );
    assert_eq!(firmware_of(&ask(UA_OLD).await), None);
    // A model the release has no image for: no firmware action, a warning in the history.
    let answer = ask("Aastra6867i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP").await;
    assert_eq!(kinds(&answer), ["branding", "redirect"]);
    // The query parameters speak for a phone whose User-Agent does not.
    let r = phone
        .get(
            b.app
                .url(&format!("/phone/{MAC}?model=6757i&firmware=4.2.0.181")),
        )
        .send()
        .await
        .unwrap();
    let answer: DeviceAnswer = r.json().await.unwrap();
    assert_eq!(firmware_of(&answer).as_deref(), Some("3.3.1.4322"));

    let history = events(&b.app, &p.token, MAC, 6).await;
    let warning = history
        .items
        .iter()
        .find(|e| e.model.as_deref() == Some("6867i"))
        .expect("the 6867i contact");
    assert!(
        warning
            .detail
            .contains("warning: firmware 3.3.1.4322 has no image for model 6867i"),
        "{warning:?}"
    );
    assert_eq!(warning.outcome, BootOutcome::BrandingSent);
    let upgrades = history
        .items
        .iter()
        .filter(|e| e.outcome == BootOutcome::FirmwareSent)
        .count();
    assert_eq!(upgrades, 3);
}

async fn certificates_must_be_trusted_current_and_for_the_mac_asked_about(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let path = format!("/phone/{MAC}");
    let refused = |response: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(response.status(), status, "{code}");
        assert_eq!(error_body(response).await.code, code);
    };

    // No certificate at all: the UI and API still work over the same listener.
    let browser = b.phone(None);
    refused(
        b.boot(&browser, &path, UA_NEW).await,
        401,
        "certificate_required",
    )
    .await;
    assert_eq!(
        browser
            .get(b.app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // A foreign CA, an expired and a not-yet-valid certificate.
    let foreign = TestCa::new("Someone Else CA").issue(Some(MAC), &[]);
    refused(
        b.boot(&b.phone(Some(&foreign)), &path, UA_NEW).await,
        401,
        "certificate_untrusted",
    )
    .await;
    let expired = b.ca.issue_between(Some(MAC), &[], -30, -1);
    refused(
        b.boot(&b.phone(Some(&expired)), &path, UA_NEW).await,
        401,
        "certificate_expired",
    )
    .await;
    let early = b.ca.issue_between(Some(MAC), &[], 2, 30);
    refused(
        b.boot(&b.phone(Some(&early)), &path, UA_NEW).await,
        401,
        "certificate_not_yet_valid",
    )
    .await;
    // Another phone's certificate, or one without any MAC.
    let other = b.phone_for("00085D000001");
    refused(
        b.boot(&other, &path, UA_NEW).await,
        403,
        "certificate_mac_mismatch",
    )
    .await;
    let nameless = b.phone(Some(&b.ca.issue(Some("Aastra phone"), &[])));
    refused(
        b.boot(&nameless, &path, UA_NEW).await,
        403,
        "certificate_mac_mismatch",
    )
    .await;
    // The right certificate, but a User-Agent naming another MAC.
    let phone = b.phone_for(MAC);
    refused(
        b.boot(
            &phone,
            &path,
            "Aastra6757i MAC:00-08-5D-00-00-01 V:4.2.0.181-SIP",
        )
        .await,
        403,
        "user_agent_mac_mismatch",
    )
    .await;
    // Malformed inputs are 400s, not guesses.
    refused(
        b.boot(&phone, "/phone/not-a-mac", UA_NEW).await,
        400,
        "invalid_mac",
    )
    .await;
    refused(
        b.boot(&phone, "/phone/..%2F..%2Fetc%2Fpasswd", UA_NEW)
            .await,
        400,
        "invalid_mac",
    )
    .await;
    refused(
        b.boot(&phone, &path, &format!("Aastra6757i {}", "x".repeat(600)))
            .await,
        400,
        "invalid_device_request",
    )
    .await;
    refused(
        b.boot(&phone, &format!("{path}?firmware=latest"), UA_NEW)
            .await,
        400,
        "invalid_device_request",
    )
    .await;

    // The MAC in a SAN only, in other spellings, is as good as the CN.
    for san in [
        "00085d1a2b3c.phones.example.net",
        "mac-00-08-5d-1a-2b-3c.example.net",
    ] {
        let san_only = b.phone(Some(&b.ca.issue(Some("Aastra 6757i"), &[san])));
        let response = b.boot(&san_only, &path, UA_NEW).await;
        assert_eq!(response.status(), 200, "SAN {san}");
    }
    let spelled = b.phone(Some(
        &b.ca.issue(Some("Aastra 6757i 00:08:5D:1A:2B:3C"), &[]),
    ));
    assert_eq!(b.boot(&spelled, &path, UA_NEW).await.status(), 200);

    // A trusted phone that nobody registered.
    let stranger = b.phone_for("00085D0000FF");
    refused(
        b.boot(&stranger, "/phone/00085D0000FF", "").await,
        404,
        "phone_not_registered",
    )
    .await;

    // Refusals of the account's phone are in its history; the stranger is counted for the
    // operator, in no account.
    let history = events(&b.app, &p.token, MAC, 12).await;
    let refusals: Vec<&str> = history
        .items
        .iter()
        .filter(|e| e.outcome == BootOutcome::Refused)
        .map(|e| e.detail.split(':').next().unwrap())
        .collect();
    for code in [
        "certificate_required",
        "certificate_untrusted",
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_mac_mismatch",
        "user_agent_mac_mismatch",
        "invalid_device_request",
    ] {
        assert!(refusals.contains(&code), "{code} in {refusals:?}");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let unknown = rcs::db::boot_events::unknown_macs(&b.app.db, 0, 10)
            .await
            .unwrap();
        if unknown
            .iter()
            .any(|(mac, n, _)| mac == "00085D0000FF" && *n == 1)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "unknown MAC counted: {unknown:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = p.account_id;
}

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

async fn every_contact_is_in_the_history_of_its_own_account_only(engine: Engine) {
    let b = booth(engine).await;
    let acme = provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let other = provision(&b.app, "Other", "00085D000002", None).await;
    let phone = b.phone_for(MAC);
    assert_eq!(
        b.boot(&phone, &format!("/phone/{MAC}"), UA_OLD)
            .await
            .status(),
        200
    );
    let download = phone
        .get(b.app.url(&format!("/phone/{MAC}/firmware")))
        .header("user-agent", UA_OLD)
        .send()
        .await
        .unwrap();
    assert_eq!(download.bytes().await.unwrap().len() as u64, IMAGE_SIZE);
    assert_eq!(
        b.boot(&phone, &format!("/phone/{MAC}"), UA_NEW)
            .await
            .status(),
        200
    );

    let history = events(&b.app, &acme.token, MAC, 3).await;
    let outcomes: Vec<BootOutcome> = history.items.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            BootOutcome::BrandingSent,
            BootOutcome::FirmwareSent,
            BootOutcome::FirmwareSent
        ],
        "newest first"
    );
    let newest = &history.items[0];
    assert_eq!(newest.mac, MAC);
    assert_eq!(newest.user_agent.as_deref(), Some(UA_NEW));
    assert_eq!(newest.model.as_deref(), Some("6757i"));
    assert_eq!(newest.firmware.as_deref(), Some("4.2.0.181"));
    assert_eq!(newest.addr.as_deref(), Some("127.0.0.1"));
    assert!(
        newest.detail.contains("firmware 4.2.0.181 already running"),
        "{newest:?}"
    );
    assert!(history.items[1]
        .detail
        .contains("image for 6757i downloaded"));

    // Pages, newest first, with a cursor.
    let first: BootEventPage = b
        .app
        .get(&format!("/api/v1/phones/{MAC}/events?limit=2"), &acme.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("an older page");
    let second: BootEventPage = b
        .app
        .get(
            &format!("/api/v1/phones/{MAC}/events?limit=2&cursor={cursor}"),
            &acme.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_cursor, None);
    assert_eq!(second.items[0].id, history.items[2].id);
    for bad in ["limit=0", "limit=501", "cursor=x", "cursor=-1"] {
        let r = b
            .app
            .get(&format!("/api/v1/phones/{MAC}/events?{bad}"), &acme.token)
            .await;
        assert!(
            r.status() == 400 || r.status() == 422,
            "{bad}: {}",
            r.status()
        );
    }

    // The phone's last-seen facts and the summary count the contacts.
    let phone_row: Value = b
        .app
        .get(&format!("/api/v1/phones/{MAC}"), &acme.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(phone_row["model"], "6757i");
    assert_eq!(phone_row["reported_firmware"], "4.2.0.181");
    assert_eq!(phone_row["last_seen_addr"], "127.0.0.1");
    assert!(phone_row["last_seen_at"].is_string());
    let summary: Value = b
        .app
        .get("/api/v1/summary", &acme.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["seen_last_24h"], 1);
    let today = summary["contacts_per_day"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(today["contacts"], 3);

    // Another account sees none of it: not the history, not the phone.
    let r = b
        .app
        .get(&format!("/api/v1/phones/{MAC}/events"), &other.token)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(error_body(r).await.code, "phone_not_found");
    let theirs = events(&b.app, &other.token, "00085D000002", 0).await;
    assert!(theirs.items.is_empty());
    let summary: Value = b
        .app
        .get("/api/v1/summary", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["seen_last_24h"], 0);

    // Retention: events older than the configured days are pruned.
    sqlx::query("UPDATE boot_events SET at = at - 200 * 86400 WHERE id = $1")
        .bind(history.items[2].id)
        .execute(&b.app.db.pool)
        .await
        .unwrap();
    let pruned = rcs::db::boot_events::prune(&b.app.db, rcs::db::now() - 90 * 86400, 1000)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let after: BootEventPage = b
        .app
        .get(&format!("/api/v1/phones/{MAC}/events"), &acme.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after.items.len(), 2);
    let _ = (acme.account_id, acme.server_id, other.branding_id);
}

on_both_engines!(device_cas_added_on_the_command_line_are_followed_by_running_nodes);

async fn device_cas_added_on_the_command_line_are_followed_by_running_nodes(engine: Engine) {
    use crate::cli::{rcs, run};
    // No configured bundle: the service generated a development CA and trusts it.
    let app = spawn_app_with(engine, |_| {}).await;
    let (ok, listed, _) = run(
        {
            let mut c = rcs(&app.env);
            c.args(["device-ca", "list"]);
            c
        },
        None,
    )
    .await;
    assert!(ok);
    assert!(listed.contains("rcs development device CA"), "{listed}");

    let p = provision(&app, "Acme", MAC, None).await;
    let vendor = TestCa::new("Vendor Phone CA");
    let cert = vendor.issue(Some(MAC), &[]);
    let server = std::fs::read(app.env.data_dir().join("tls/server.crt")).unwrap();
    let phone = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&server).unwrap())
        .identity(
            reqwest::Identity::from_pem(format!("{}{}", cert.cert, cert.key).as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let status = || async {
        phone
            .get(app.url(&format!("/phone/{MAC}")))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(status().await, 401, "the vendor CA is not trusted yet");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vendor.pem");
    std::fs::write(&file, vendor.pem()).unwrap();
    let cmd = |args: &[&str]| {
        let mut c = rcs(&app.env);
        c.args(args);
        run(c, None)
    };
    let (ok, out, err) = cmd(&["device-ca", "add", file.to_str().unwrap()]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Trusting CN=Vendor Phone CA"), "{out}");
    let (ok, out, _) = cmd(&["device-ca", "add", file.to_str().unwrap()]).await;
    assert!(ok && out.contains("already trusted"), "{out}");
    // A leaf certificate is not a CA.
    std::fs::write(&file, &cert.cert).unwrap();
    let (ok, _, err) = cmd(&["device-ca", "add", file.to_str().unwrap()]).await;
    assert!(!ok && err.contains("not a CA certificate"), "{err}");

    // The running node follows within seconds, without a restart.
    let deadline = Instant::now() + Duration::from_secs(20);
    while status().await != 200 {
        assert!(Instant::now() < deadline, "the new CA is followed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, listed, _) = cmd(&["device-ca", "list"]).await;
    let id = listed
        .lines()
        .find(|l| l.contains("Vendor Phone CA"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let (ok, out, err) = cmd(&["device-ca", "remove", &id]).await;
    assert!(ok, "{out}{err}");
    let (ok, _, err) = cmd(&["device-ca", "remove", &id]).await;
    assert!(!ok && err.contains("no trusted device CA"), "{err}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while status().await != 401 {
        assert!(Instant::now() < deadline, "the removed CA is dropped");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = p.account_id;
}

on_both_engines!(revoked_certificates_are_refused_once_the_cas_revocation_list_is_added);

/// `rcs device-crl`: a revocation list signed by a trusted CA makes running nodes refuse the
/// certificates it lists (and only those); a newer list replaces it, an older one or one
/// signed by anybody else is refused, and removing it restores the phones.
async fn revoked_certificates_are_refused_once_the_cas_revocation_list_is_added(engine: Engine) {
    use crate::cli::{rcs, run};
    let app = spawn_app_with(engine, |_| {}).await;
    provision(&app, "Acme", MAC, None).await;
    let vendor = TestCa::new("Vendor Phone CA");
    let revoked = vendor.issue_numbered(MAC, 1001);
    let fresh = vendor.issue_numbered(MAC, 1002);
    let server = std::fs::read(app.env.data_dir().join("tls/server.crt")).unwrap();
    let phone = |cert: &PhoneCert| {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&server).unwrap())
            .identity(
                reqwest::Identity::from_pem(format!("{}{}", cert.cert, cert.key).as_bytes())
                    .unwrap(),
            )
            .build()
            .unwrap()
    };
    let (revoked_phone, fresh_phone) = (phone(&revoked), phone(&fresh));
    let answer = |client: &reqwest::Client| {
        let request = client.get(app.url(&format!("/phone/{MAC}"))).send();
        async move {
            let response = request.await.unwrap();
            let status = response.status().as_u16();
            let code = if status == 200 {
                String::new()
            } else {
                error_body(response).await.code
            };
            (status, code)
        }
    };
    let wait_for = |client: &reqwest::Client, want: (u16, &'static str), why: &'static str| {
        let client = client.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let (status, code) = answer(&client).await;
                if (status, code.as_str()) == want {
                    return;
                }
                assert!(Instant::now() < deadline, "{why}: still {status} {code}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let cmd = |args: Vec<String>| {
        let mut c = rcs(&app.env);
        c.args(args);
        run(c, None)
    };
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let crl_add = |path: String| cmd(vec!["device-crl".into(), "add".into(), path]);

    // A list can only be added for a CA that is trusted.
    let list = file("vendor-1.crl", &vendor.crl(1, 2, &[1001]));
    let (ok, _, err) = crl_add(list.clone()).await;
    assert!(
        !ok && err.contains("not signed by a trusted device CA"),
        "{err}"
    );
    let (ok, out, err) = cmd(vec![
        "device-ca".into(),
        "add".into(),
        file("vendor.pem", vendor.pem().as_bytes()),
    ])
    .await;
    assert!(ok, "{out}{err}");
    wait_for(&revoked_phone, (200, ""), "the vendor CA is followed").await;

    // Garbage, and a list made by an impostor CA with the vendor's name, change nothing.
    let (ok, _, err) = crl_add(file("garbage.crl", b"\x30\x03\x02\x01")).await;
    assert!(!ok && err.contains("unreadable revocation list"), "{err}");
    let impostor = TestCa::new("Vendor Phone CA");
    let (ok, _, err) = crl_add(file("impostor.crl", &impostor.crl(9, 1, &[1002]))).await;
    assert!(
        !ok && err.contains("not signed by a trusted device CA"),
        "{err}"
    );

    let (ok, out, err) = crl_add(list.clone()).await;
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Using the revocation list of CN=Vendor Phone CA (1 revoked)"),
        "{out}"
    );
    wait_for(
        &revoked_phone,
        (401, "certificate_revoked"),
        "the revocation list is followed",
    )
    .await;
    assert_eq!(answer(&fresh_phone).await, (200, String::new()));
    let (ok, out, _) = crl_add(list).await;
    assert!(ok && out.contains("in use already"), "{out}");
    let (ok, _, err) = crl_add(file("vendor-0.crl", &vendor.crl(0, 30, &[]))).await;
    assert!(
        !ok && err.contains("older than the revocation list"),
        "{err}"
    );

    // A newer list (PEM this time) that no longer lists 1001 replaces it.
    let pem = pem_crl(&vendor.crl(2, 1, &[]));
    let (ok, out, err) = crl_add(file("vendor-2.pem", pem.as_bytes())).await;
    assert!(
        ok && out.contains("Replaced the revocation list"),
        "{out}{err}"
    );
    wait_for(&revoked_phone, (200, ""), "the newer list is followed").await;

    let (ok, out, _) = cmd(vec!["device-crl".into(), "list".into()]).await;
    assert!(ok, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("CN=Vendor Phone CA"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        out.lines().filter(|l| l.contains("Vendor")).count(),
        1,
        "one list per CA: {out}"
    );
    let id = line.split_whitespace().next().unwrap().to_string();
    let (ok, out, err) = cmd(vec!["device-crl".into(), "remove".into(), id.clone()]).await;
    assert!(ok, "{out}{err}");
    let (ok, _, err) = cmd(vec!["device-crl".into(), "remove".into(), id]).await;
    assert!(!ok && err.contains("no revocation list"), "{err}");
}

/// `der` as a PEM `X509 CRL` block.
fn pem_crl(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        lines.join("\n")
    )
}

/// The README's newcomer flow against the real binary: `rcs device-ca issue` signs a phone
/// certificate with the development CA, and curl plays the phone.
#[tokio::test]
async fn curl_plays_a_phone_against_the_running_binary() {
    use std::process::Command;

    use crate::cli::{rcs, run};
    use crate::helpers::TestEnv;

    if Command::new("curl").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "curl is required for this test"
        );
        eprintln!("curl not installed: skipped");
        return;
    }
    let env = TestEnv::new(Engine::Sqlite).await;
    let data_dir = env.data_dir();
    let (mut child, port, _) = crate::cli::serve(&[("RCS_DATA_DIR", data_dir.as_os_str())]);

    // An account with a server and the phone, through the operator CLI and the API.
    crate::cli::create_account(&env, "Acme", "admin@acme.example").await;
    let dir = tempfile::tempdir().unwrap();
    let mut issue = rcs(&env);
    issue.args(["device-ca", "issue", "00:08:5d:1a:2b:3c", "--out"]);
    issue.arg(dir.path());
    let (ok, out, err) = run(issue, None).await;
    assert!(ok, "{out}{err}");

    let base = format!("https://localhost:{port}");
    let cacert = env.data_dir().join("tls/server.crt");
    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(&cacert)
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.success(),
        )
    };
    let (login, ok) = curl(&[
        "-H",
        "content-type: application/json",
        "-d",
        &format!(
            "{{\"email\":\"admin@acme.example\",\"password\":\"{}\"}}",
            crate::helpers::PASSWORD
        ),
        &format!("{base}/api/v1/auth/login"),
    ]);
    assert!(ok, "{login}");
    let token = serde_json::from_str::<Value>(&login).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = format!("authorization: Bearer {token}");
    let (server, _) = curl(&[
        "-H",
        &auth,
        "-H",
        "content-type: application/json",
        "-d",
        "{\"name\":\"Main PBX\",\"url\":\"https://pbx.example.net/cfg/\"}",
        &format!("{base}/api/v1/servers"),
    ]);
    let server_id = serde_json::from_str::<Value>(&server).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, ok) = curl(&[
        "-f",
        "-H",
        &auth,
        "-H",
        "content-type: application/json",
        "-d",
        &format!("{{\"macs\":[\"00085D1A2B3C\"],\"server_id\":{server_id}}}"),
        &format!("{base}/api/v1/phones"),
    ]);
    assert!(ok);

    let cert = dir.path().join("00085D1A2B3C.crt");
    let key = dir.path().join("00085D1A2B3C.key");
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let ua = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP";
    let (answer, ok) = curl(&[
        "--cert",
        cert,
        "--key",
        key,
        "-A",
        ua,
        &format!("{base}/phone/00085D1A2B3C"),
    ]);
    assert!(ok, "{answer}");
    let answer: DeviceAnswer = serde_json::from_str(&answer).unwrap();
    assert_eq!(kinds(&answer), ["redirect"]);
    let (text, _) = curl(&[
        "--cert",
        cert,
        "--key",
        key,
        "-A",
        ua,
        &format!("{base}/phone/00085D1A2B3C.cfg"),
    ]);
    assert!(text.contains("https server: \"pbx.example.net\""), "{text}");
    // Without the certificate: refused.
    let (refused, _) = curl(&["-A", ua, &format!("{base}/phone/00085D1A2B3C")]);
    assert!(refused.contains("certificate_required"), "{refused}");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    // The answered contacts were written before the process exited.
    let db = rcs::db::Db::connect(&env.settings.database_url, 1)
        .await
        .unwrap();
    let contacts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM boot_events WHERE mac = '00085D1A2B3C'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(contacts, 3);
}

/// A loopback TCP proxy in front of PostgreSQL that the test can take down (listener closed,
/// every open connection cut, as when the server stops) and bring back on the same port.
struct DbProxy {
    port: u16,
    upstream: String,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl DbProxy {
    async fn start(upstream: String) -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = DbProxy {
            port,
            upstream,
            running: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        self.running = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            // Dropping the set when this task is aborted cuts every connection.
        }));
    }

    /// The database is gone: nothing listens, open connections are reset.
    async fn down(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// The database is back, at the same address.
    async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        self.serve(listener);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
        }
    }
}

/// `postgres://user@host:port/db?q` with its host and port replaced.
fn via_port(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((u, r)) => (format!("{u}@"), r),
        None => (String::new(), rest),
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    let hostport = &rest[..slash];
    let upstream = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    (
        format!("{scheme}://{userinfo}127.0.0.1:{port}{}", &rest[slash..]),
        upstream,
    )
}

/// A booth whose service runs in `env` with its database at `database_url` instead.
async fn booth_on(mut env: crate::helpers::TestEnv, database_url: String) -> Booth {
    let ca = TestCa::new("Test Phone Vendor CA");
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("device-ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    env.settings.database_url = database_url;
    env.settings.device_ca = Some(ca_path);
    Booth {
        app: crate::helpers::start(env).await,
        ca,
        _ca_dir: dir,
    }
}

/// A booth on PostgreSQL whose every database connection goes through a [`DbProxy`].
async fn booth_behind_proxy() -> (Booth, DbProxy) {
    let env = crate::helpers::TestEnv::new(Engine::Postgres).await;
    let (_, upstream) = via_port(&env.settings.database_url, 0);
    let proxy = DbProxy::start(upstream).await;
    let (proxied, _) = via_port(&env.settings.database_url, proxy.port);
    (booth_on(env, proxied).await, proxy)
}

#[tokio::test]
async fn while_postgres_is_down_phones_get_503_with_retry_after_and_service_resumes_by_itself() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    let (b, mut proxy) = booth_behind_proxy().await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let phone = b.phone_for(MAC);
    let path = format!("/phone/{MAC}");
    assert_eq!(b.boot(&phone, &path, UA_NEW).await.status(), 200);
    events(&b.app, &p.token, MAC, 1).await;

    proxy.down().await;
    // The first request may find a pooled connection that was just cut, later ones find no
    // database at all: every one is a 503 with Retry-After, never a 500 or a hang.
    for _ in 0..3 {
        let response = b.boot(&phone, &path, UA_NEW).await;
        assert_eq!(response.status(), 503, "{}", response.text().await.unwrap());
        assert!(response.headers().contains_key("retry-after"));
        let body: rcs_shared::ApiError = response.json().await.unwrap();
        assert_eq!(body.code, "unavailable");
    }
    let ready = b.app.client.get(b.app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    proxy.up().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = b.boot(&phone, &path, UA_NEW).await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "rcs did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both answered boots are in the history; the refused-for-outage ones left nothing.
    let history = events(&b.app, &p.token, MAC, 2).await;
    let answered = history
        .items
        .iter()
        .filter(|e| !matches!(e.outcome, BootOutcome::Refused | BootOutcome::Unknown))
        .count();
    assert_eq!(answered, 2, "{:?}", history.items);
}

/// What a 6757i on 4.2.0.181 with this MAC sends as its User-Agent.
fn user_agent_of(mac: &str) -> String {
    let pairs: Vec<&str> = (0..6).map(|i| &mac[i * 2..i * 2 + 2]).collect();
    format!("Aastra6757i MAC:{} V:4.2.0.181-SIP", pairs.join("-"))
}

/// A PostgreSQL server of the test's own: `initdb` in a temporary folder, run as the
/// `postgres` user on a free loopback port, so the test can restart it (`pg_ctl stop -m fast`,
/// then `start`, as `pg_ctl restart` does) without disturbing the server the rest of the suite
/// shares. Stopped at once when dropped.
struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl OwnPostgres {
    /// `None` (after saying so) where there are no PostgreSQL server binaries or no root to
    /// run them as `postgres`; CI has both.
    fn create() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("pg_ctl").exists());
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let (Some(bin), true) = (bin, root) else {
            eprintln!("skipped: no PostgreSQL server binaries, or not root");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = OwnPostgres { dir, bin, port };
        let owned = std::process::Command::new("chown")
            .arg("postgres")
            .arg(pg.dir.path())
            .status()
            .unwrap();
        assert!(owned.success());
        let data = pg.data();
        pg.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"],
        );
        pg.start();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self, mode: &str) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

/// A boot storm while PostgreSQL restarts: 16 phones boot without pause on their own
/// connections while the server is stopped (`pg_ctl stop -m fast`: every connection ended),
/// stays down longer than the pool's 5 s acquire timeout, and starts again at the same
/// address. While it is down each boot is a 503 with `Retry-After`, never a 500 or a hang;
/// rcs recovers by itself; and every boot that was answered 200 (including those whose event
/// was still queued when the server went) is in the history afterwards. Events are written at
/// least once: a batch whose commit was cut mid-flight is written again, so the history may
/// hold a duplicate but never fewer.
#[tokio::test]
async fn a_boot_storm_through_a_postgres_restart_loses_no_answered_boot() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    const PHONES: u64 = 16;
    let Some(pg) = tokio::task::spawn_blocking(OwnPostgres::create)
        .await
        .unwrap()
    else {
        return;
    };
    let pg = Arc::new(pg);
    // The engine of the environment only decides where its own database would be; the
    // service uses the test's server.
    let b = booth_on(crate::helpers::TestEnv::new(Engine::Sqlite).await, pg.url()).await;
    let macs: Vec<String> = (0..PHONES).map(|i| format!("00085D77{i:04X}")).collect();
    let p = provision(&b.app, "Acme", &macs[0], None).await;
    let added = b
        .app
        .post(
            "/api/v1/phones",
            &p.token,
            &json!({"macs": macs[1..], "server_id": p.server_id}),
        )
        .await;
    assert!(added.status().is_success());
    let b = Arc::new(b);
    let stop = Arc::new(AtomicBool::new(false));
    let mut storm = tokio::task::JoinSet::new();
    for mac in macs.clone() {
        let (b, stop) = (b.clone(), stop.clone());
        storm.spawn(async move {
            let phone = b.phone_for(&mac);
            let path = format!("/phone/{mac}");
            let ua = user_agent_of(&mac);
            let (mut answered, mut unavailable) = (0usize, 0usize);
            while !stop.load(Ordering::Relaxed) {
                let response = b.boot(&phone, &path, &ua).await;
                match response.status().as_u16() {
                    200 => answered += 1,
                    503 => {
                        assert!(response.headers().contains_key("retry-after"));
                        unavailable += 1;
                    }
                    other => panic!("{mac}: {other} {}", response.text().await.unwrap()),
                }
                // At most ~50 boots a second per phone: a history page holds them all.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (mac, answered, unavailable)
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let server = pg.clone();
    tokio::task::spawn_blocking(move || server.stop("fast"))
        .await
        .unwrap();
    // Longer than the pool's 5 s acquire timeout: a request that finds no connection waits
    // that long for the database before it is answered 503.
    tokio::time::sleep(Duration::from_millis(7000)).await;
    let server = pg.clone();
    tokio::task::spawn_blocking(move || server.start())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    stop.store(true, Ordering::Relaxed);
    let mut results = Vec::new();
    while let Some(result) = storm.join_next().await {
        results.push(result.unwrap());
    }
    let unavailable: usize = results.iter().map(|r| r.2).sum();
    assert!(unavailable > 0, "the outage was seen by the phones");
    // Recovered by itself: every phone is answered again.
    for mac in &macs {
        let response = b
            .boot(
                &b.phone_for(mac),
                &format!("/phone/{mac}"),
                &user_agent_of(mac),
            )
            .await;
        assert_eq!(response.status(), 200, "{mac} after the outage");
    }
    for (mac, answered, _) in &results {
        let expected = answered + 1;
        assert!(*answered > 0, "{mac} was answered during the storm");
        let history = events(&b.app, &p.token, mac, expected).await;
        let recorded = history
            .items
            .iter()
            .filter(|e| !matches!(e.outcome, BootOutcome::Refused | BootOutcome::Unknown))
            .count();
        assert!(
            recorded >= expected,
            "{mac}: {expected} boots answered, {recorded} recorded"
        );
    }
}

on_both_engines!(boots_refusals_and_downloads_are_counted_on_the_private_metrics_listener);

/// The value of the sample `name` (with its labels, exactly as rendered) in a scrape.
fn sample(scrape: &str, name: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn boots_refusals_and_downloads_are_counted_on_the_private_metrics_listener(engine: Engine) {
    let ca = TestCa::new("Test Phone Vendor CA");
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("device-ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    let app = spawn_app_with(engine, |s| {
        s.device_ca = Some(path);
        s.metrics_addr = Some("127.0.0.1:0".into());
    })
    .await;
    let b = Booth {
        app,
        ca,
        _ca_dir: dir,
    };
    provision(&b.app, "Acme", MAC, Some("4.2.0.181")).await;
    let phone = b.phone_for(MAC);
    let boot = format!("/phone/{MAC}");
    assert_eq!(b.boot(&phone, &boot, UA_OLD).await.status(), 200);
    assert_eq!(b.boot(&phone, &boot, UA_OLD).await.status(), 200);
    let firmware = b
        .boot(&phone, &format!("/phone/{MAC}/firmware"), UA_OLD)
        .await;
    assert_eq!(firmware.status(), 200);
    assert_eq!(firmware.bytes().await.unwrap().len() as u64, IMAGE_SIZE);
    let stranger = b.phone_for("00085D0000AA");
    assert_eq!(
        b.boot(
            &stranger,
            "/phone/00085D0000AA",
            "Aastra6757i MAC:00-08-5D-00-00-AA V:3.3.1.4322-SIP"
        )
        .await
        .status(),
        404
    );
    assert_eq!(b.boot(&b.phone(None), &boot, UA_OLD).await.status(), 401);
    assert_eq!(b.boot(&stranger, &boot, UA_OLD).await.status(), 403);
    let expired = b.ca.issue_between(Some(MAC), &[], -30, -1);
    assert_eq!(
        b.boot(&b.phone(Some(&expired)), &boot, UA_OLD)
            .await
            .status(),
        401
    );

    let port = b.app.metrics_port.expect("metrics listener");
    let scrape = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.unwrap();
    let value = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("no {name} in\n{text}"));
    assert_eq!(
        value("rcs_device_boots_total{outcome=\"firmware_sent\"}"),
        2.0
    );
    assert_eq!(value("rcs_device_boots_total{outcome=\"unknown\"}"), 1.0);
    assert_eq!(
        value("rcs_device_refusals_total{reason=\"certificate_required\"}"),
        1.0
    );
    assert_eq!(
        value("rcs_device_refusals_total{reason=\"certificate_mac_mismatch\"}"),
        1.0
    );
    assert_eq!(
        value("rcs_device_refusals_total{reason=\"certificate_expired\"}"),
        1.0
    );
    assert_eq!(value("rcs_device_downloads_total{kind=\"firmware\"}"), 1.0);
    // Requests by route template, never by raw path (the MAC is not a label).
    assert_eq!(
        value("rcs_http_requests_total{route=\"/phone/{mac}\",status=\"200\"}"),
        2.0
    );
    assert_eq!(
        value("rcs_http_requests_total{route=\"/phone/{mac}\",status=\"401\"}"),
        2.0
    );
    assert!(value("rcs_http_request_duration_seconds_count{route=\"/phone/{mac}\"}") >= 6.0);
    assert!(!text.contains(MAC), "a MAC leaked into the labels");
    assert!(value("rcs_db_pool_max_connections") >= 1.0);
    assert!(sample(&text, "rcs_boot_events_queued").is_some());
    // CSV rows written by imports.
    let token = provision(&b.app, "Beta", "00085D0000BB", None).await.token;
    let csv = "mac\n00085D0000C1\n00085D0000C2\n";
    let imported = b
        .app
        .client
        .post(b.app.url("/api/v1/phones/import"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sample(&text, "rcs_import_rows_total"), Some(2.0));

    // The metrics listener serves only /metrics; the public listener does not serve metrics.
    let api = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let public = b
        .app
        .client
        .get(b.app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert!(!public
        .text()
        .await
        .unwrap()
        .contains("rcs_device_boots_total"));
}

/// A clean shutdown writes every boot event that was answered, even when the database is
/// slow at that moment: here another connection holds SQLite's write lock while phones boot
/// and while the service stops, and lets go only after the stop began.
#[tokio::test]
async fn a_clean_shutdown_writes_every_answered_boot_event_first() {
    use sqlx::Connection;
    let b = booth(Engine::Sqlite).await;
    provision(&b.app, "Acme", MAC, None).await;
    let phone = b.phone_for(MAC);
    let path = format!("/phone/{MAC}");
    let db_path = b.app.env.data_dir().join("rcs.db");
    let mut blocker = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    for _ in 0..20 {
        assert_eq!(b.boot(&phone, &path, UA_NEW).await.status(), 200);
    }
    let stop = tokio::spawn({
        let handle = b.app.handle.clone();
        async move { handle.stop(true).await }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    stop.await.unwrap();
    let Booth { app, .. } = b;
    let crate::helpers::TestApp {
        server, db, env, ..
    } = app;
    // Promptly: once the queues are written nothing may keep the workers waiting (a
    // background task that held the state once made every stop wait out 40 s of timeouts).
    tokio::time::timeout(Duration::from_secs(15), server)
        .await
        .expect("the service stopped within 15 s")
        .unwrap()
        .unwrap();
    let (written,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM boot_events WHERE mac = $1")
        .bind(MAC)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(written, 20, "answered boots lost at shutdown");
    drop(env);
}
