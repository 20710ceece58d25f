//! Mutual TLS: a phone's certificate must be trusted, current, for the MAC asked about and not
//! revoked; device CAs and revocation lists added on the command line are followed by running
//! nodes without a restart.

use std::time::{Duration, Instant};

use rcs_shared::BootOutcome;

use crate::helpers::cli::{rcs, run};
use crate::helpers::device::{booth, events, provision, MAC, UA_NEW};
use crate::helpers::pki::{pem_crl, phone_client, PhoneCert, TestCa};
use crate::helpers::{error_body, internals, spawn_app_with, Engine};
use crate::on_both_engines;

on_both_engines!(
    certificates_must_be_trusted_current_and_for_the_mac_asked_about,
    device_cas_added_on_the_command_line_are_followed_by_running_nodes,
    revoked_certificates_are_refused_once_the_cas_revocation_list_is_added,
);

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
        404,
        "unknown_device_file",
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

    // Refusals of a sender with a trusted certificate are in the account's history; those
    // without one (device/attribution.rs) and the stranger are counted for the operator.
    let history = events(&b.app, &p.token, MAC, 8).await;
    let refusals: Vec<&str> = history
        .items
        .iter()
        .filter(|e| e.outcome == BootOutcome::Refused)
        .map(|e| e.detail.split(':').next().unwrap())
        .collect();
    for code in [
        "certificate_mac_mismatch",
        "user_agent_mac_mismatch",
        "invalid_device_request",
    ] {
        assert!(refusals.contains(&code), "{code} in {refusals:?}");
    }
    for code in [
        "certificate_required",
        "certificate_untrusted",
        "certificate_expired",
        "certificate_not_yet_valid",
    ] {
        assert!(!refusals.contains(&code), "{code} in {refusals:?}");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let unknown = internals::unknown_macs(&b.app.db, 0, 10).await.unwrap();
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

async fn device_cas_added_on_the_command_line_are_followed_by_running_nodes(engine: Engine) {
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
    let phone = phone_client(&app.env.data_dir(), Some(&cert));
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

/// `rcs device-crl`: a revocation list signed by a trusted CA makes running nodes refuse the
/// certificates it lists (and only those); a newer list replaces it, an older one or one
/// signed by anybody else is refused, and removing it restores the phones.
async fn revoked_certificates_are_refused_once_the_cas_revocation_list_is_added(engine: Engine) {
    let app = spawn_app_with(engine, |_| {}).await;
    provision(&app, "Acme", MAC, None).await;
    let vendor = TestCa::new("Vendor Phone CA");
    let revoked = vendor.issue_numbered(MAC, 1001);
    let fresh = vendor.issue_numbered(MAC, 1002);
    let phone = |cert: &PhoneCert| phone_client(&app.env.data_dir(), Some(cert));
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
