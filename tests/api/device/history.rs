//! What the service remembers of each contact: the boot history of the phone's own account
//! (paged, pruned), its last-seen facts, the summary, and the private metrics listener.

use rcs_shared::{BootEventPage, BootOutcome};
use serde_json::Value;

use crate::helpers::device::{
    booth, booth_with, events, provision, IMAGE_SIZE, MAC, UA_NEW, UA_OLD,
};
use crate::helpers::{error_body, internals, routes, Engine};
use crate::on_both_engines;

on_both_engines!(
    every_contact_is_in_the_history_of_its_own_account_only,
    boots_refusals_and_downloads_are_counted_on_the_private_metrics_listener,
);

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
        .contains("image 6757i.st downloaded"));

    // Pages, newest first, with a cursor.
    let first: BootEventPage = b
        .app
        .get(
            &format!("{}?limit=2", routes::phone_events(MAC)),
            &acme.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("an older page");
    let second: BootEventPage = b
        .app
        .get(
            &format!("{}?limit=2&cursor={cursor}", routes::phone_events(MAC)),
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
            .get(&format!("{}?{bad}", routes::phone_events(MAC)), &acme.token)
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
        .get(&routes::phone(MAC), &acme.token)
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
        .get(routes::SUMMARY, &acme.token)
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
    let r = b.app.get(&routes::phone_events(MAC), &other.token).await;
    assert_eq!(r.status(), 404);
    assert_eq!(error_body(r).await.code, "phone_not_found");
    let theirs = events(&b.app, &other.token, "00085D000002", 0).await;
    assert!(theirs.items.is_empty());
    let summary: Value = b
        .app
        .get(routes::SUMMARY, &other.token)
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
    let pruned = internals::prune_boot_events(&b.app.db, internals::now() - 90 * 86400, 1000)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let after: BootEventPage = b
        .app
        .get(&routes::phone_events(MAC), &acme.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after.items.len(), 2);
    let _ = (acme.account_id, acme.server_id, other.branding_id);
}

/// The value of the sample `name` (with its labels, exactly as rendered) in a scrape.
fn sample(scrape: &str, name: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn boots_refusals_and_downloads_are_counted_on_the_private_metrics_listener(engine: Engine) {
    let b = booth_with(engine, |s| s.metrics_addr = Some("127.0.0.1:0".into())).await;
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
        value("rcs_http_requests_total{route=\"/phone/{file}\",status=\"200\"}"),
        2.0
    );
    assert_eq!(
        value("rcs_http_requests_total{route=\"/phone/{file}\",status=\"401\"}"),
        2.0
    );
    assert!(value("rcs_http_request_duration_seconds_count{route=\"/phone/{file}\"}") >= 6.0);
    assert!(!text.contains(MAC), "a MAC leaked into the labels");
    assert!(value("rcs_db_pool_max_connections") >= 1.0);
    assert!(sample(&text, "rcs_boot_events_queued").is_some());
    // CSV rows written by imports.
    let token = provision(&b.app, "Beta", "00085D0000BB", None).await.token;
    let csv = "mac\n00085D0000C1\n00085D0000C2\n";
    let imported = b.app.import_csv(&token, "", csv).await;
    assert_eq!(imported.status(), 200);
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sample(&text, "rcs_import_rows_total"), Some(2.0));

    // The metrics listener serves only /metrics; the public listener does not serve metrics.
    let api = reqwest::get(format!("http://127.0.0.1:{port}{}", routes::ME))
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
