//! The boot answer: a registered phone is told its branding, then its firmware, then its
//! server, in JSON or in the phones' own configuration syntax. The README's newcomer flow,
//! with curl playing the phones, is in `readme_curl.rs`.

use rcs_shared::{BootOutcome, DeviceAction, DeviceAnswer};
use serde_json::json;

use crate::helpers::device::{
    booth, events, kinds, provision, IMAGE_SHA, IMAGE_SIZE, MAC, PNG, UA_NEW, UA_OLD,
};
use crate::helpers::{routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_registered_phone_is_told_branding_then_firmware_then_its_server,
    the_redirect_is_also_served_in_the_phones_configuration_syntax,
    firmware_goes_up_and_down_but_never_to_a_phone_already_running_it,
);

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
    let phone_path = routes::phone(MAC);
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
            &routes::branding(p.branding_id),
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
            &routes::branding(p.branding_id),
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
    let expected = "download protocol: HTTPS\nhttps server: pbx.example.net\nhttps path: cfg/\nhttps port: 8443\n";

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
            &routes::phone(MAC),
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
