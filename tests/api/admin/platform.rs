//! The platform in the console: phones nobody registered (with their certificate's issuer)
//! and placing them in an account, device trust managed by upload, and the platform's figures.

use std::time::{Duration, Instant};

use rcs_shared::{
    AssignedPhones, DeviceCa, DeviceCasAdded, DeviceCrl, PlatformSummary, UnknownPhonePage,
};
use serde_json::json;

use super::operators::operator_token;
use crate::helpers::device::{booth, events, provision, user_agent_of};
use crate::helpers::pki::{pem_crl, phone_client, TestCa};
use crate::helpers::{
    error_body, routes, spawn_app, until_a_session_waits_on_a_lock, Engine, TestApp,
};
use crate::on_both_engines;

on_both_engines!(
    unknown_phones_are_listed_with_their_issuer_and_assigned_all_or_nothing,
    device_trust_is_managed_by_upload_and_followed_by_the_device_route,
    the_platform_summary_counts_across_accounts_and_refusals_by_reason,
);

const UNKNOWN: &str = "/api/v1/admin/unknown-phones";

/// Waits (bounded) until the unknown list holds `count` phones.
async fn unknown(app: &TestApp, token: &str, query: &str, count: i64) -> UnknownPhonePage {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app.get(&format!("{UNKNOWN}{query}"), token).await;
        assert_eq!(response.status(), 200);
        let page: UnknownPhonePage = response.json().await.unwrap();
        if page.total >= count {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} unknown",
            page.total
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn unknown_phones_are_listed_with_their_issuer_and_assigned_all_or_nothing(engine: Engine) {
    let b = booth(engine).await;
    let app = &b.app;
    let ops = operator_token(app, "ops@platform.example").await;
    let p = provision(app, "Acme", "00085D000009", None).await;
    let (globex_id, globex) = app.admin_of("Globex").await;
    let macs = ["00085D1A2B01", "00085D1A2B02", "00085D1A2B03"];
    for mac in macs {
        let path = format!("/phone/{mac}");
        let phone = b.phone_for(mac);
        for _ in 0..2 {
            let response = b.boot(&phone, &path, &user_agent_of(mac)).await;
            assert_eq!(response.status(), 404);
        }
    }
    let page = unknown(app, &ops, "", 3).await;
    assert_eq!(page.total, 3);
    let first = &page.items[0];
    assert_eq!(first.contacts, 2);
    assert_eq!(first.model.as_deref(), Some("6757i"));
    assert!(
        first
            .issuer
            .as_deref()
            .unwrap_or_default()
            .contains("Test Phone Vendor CA"),
        "{first:?}"
    );
    assert!(first.first_contact <= first.last_contact);
    // Pages walk the list with the cursor.
    let one = unknown(app, &ops, "?limit=2", 3).await;
    assert_eq!(one.items.len(), 2);
    let cursor = one.next_cursor.clone().expect("a second page");
    let two = unknown(app, &ops, &format!("?limit=2&cursor={cursor}"), 3).await;
    assert_eq!(two.items.len(), 1);
    assert_eq!(two.next_cursor, None);
    let bad = app.get(&format!("{UNKNOWN}?cursor=nonsense"), &ops).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(error_body(bad).await.code, "invalid_cursor");

    // One MAC of the list is Acme's: the assignment is refused whole.
    let assign = "/api/v1/admin/unknown-phones/assign";
    let refused = app
        .post(
            assign,
            &ops,
            &json!({"account_id": globex_id, "macs": [macs[0], "00085D000009"]}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(error_body(refused).await.code, "invalid_phones");
    let missing = app
        .post(
            assign,
            &ops,
            &json!({"account_id": 999_999, "macs": [macs[0]]}),
        )
        .await;
    assert_eq!(error_body(missing).await.code, "account_not_found");
    assert_eq!(unknown(app, &ops, "", 3).await.total, 3);

    let assigned = app
        .post(
            assign,
            &ops,
            &json!({"account_id": globex_id, "macs": [macs[0], macs[1]]}),
        )
        .await;
    assert_eq!(assigned.status(), 200);
    assert_eq!(assigned.json::<AssignedPhones>().await.unwrap().assigned, 2);
    let left = unknown(app, &ops, "", 1).await;
    assert_eq!(left.total, 1);
    assert_eq!(left.items[0].mac, macs[2]);
    // The phones are Globex's now: its staff see them, and they boot.
    let page: rcs_shared::PhonePage = app.get(routes::PHONES, &globex).await.json().await.unwrap();
    assert_eq!(page.total, 2);
    let path = format!("/phone/{}", macs[0]);
    let booted = b
        .boot(&b.phone_for(macs[0]), &path, &user_agent_of(macs[0]))
        .await;
    assert_eq!(booted.status(), 200);
    events(app, &globex, macs[0], 1).await;
    // Globex's trail names the operator; Acme's has nothing of it.
    let audit = app.audit_actions(globex_id).await;
    assert!(audit.contains(&"phone.add".to_string()), "{audit:?}");
    let acme = app.audit_actions(p.account_id).await;
    assert!(!acme.contains(&"phones.assign".to_string()), "{acme:?}");
    // Staff cannot see or assign unknown phones.
    assert_eq!(app.get(UNKNOWN, &globex).await.status(), 403);
}

async fn device_trust_is_managed_by_upload_and_followed_by_the_device_route(engine: Engine) {
    let app = spawn_app(engine).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let mac = "00085D1A2B3C";
    provision(&app, "Acme", mac, None).await;
    let vendor = TestCa::new("Vendor Phone CA");
    let phone = phone_client(&app.env.data_dir(), Some(&vendor.issue_numbered(mac, 1001)));
    let status = |client: reqwest::Client| {
        let url = app.url(&format!("/phone/{mac}"));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    let wait_for = |want: u16| {
        let phone = phone.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let got = status(phone.clone()).await;
                if got == want {
                    return;
                }
                assert!(Instant::now() < deadline, "still {got}, want {want}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let upload = |path: &'static str, bytes: Vec<u8>| {
        let request = app
            .client
            .post(app.url(path))
            .bearer_auth(&ops)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send();
        async move { request.await.unwrap() }
    };
    assert_eq!(status(phone.clone()).await, 401);

    // A revocation list of a CA not yet trusted is refused.
    let crl = vendor.crl(1, 2, &[1001]);
    let response = upload("/api/v1/admin/device-crls", crl.clone()).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "invalid_device_crl");
    let response = upload("/api/v1/admin/device-cas", b"not a certificate".to_vec()).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_body(response).await.code, "invalid_device_ca");

    let response = upload("/api/v1/admin/device-cas", vendor.pem().into_bytes()).await;
    assert_eq!(response.status(), 200);
    let added: DeviceCasAdded = response.json().await.unwrap();
    assert_eq!(added.added.len(), 1);
    assert_eq!(added.added[0].subject, "CN=Vendor Phone CA");
    assert_eq!(added.added[0].sha256.len(), 64);
    let again = upload("/api/v1/admin/device-cas", vendor.pem().into_bytes()).await;
    assert_eq!(
        again
            .json::<DeviceCasAdded>()
            .await
            .unwrap()
            .already_trusted,
        1
    );
    wait_for(200).await;

    // The list revokes the phone (PEM works as well as DER); removing it trusts it again.
    let response = upload("/api/v1/admin/device-crls", pem_crl(&crl).into_bytes()).await;
    assert_eq!(response.status(), 200);
    let list: DeviceCrl = response.json().await.unwrap();
    assert_eq!(
        (list.issuer.as_str(), list.revoked),
        ("CN=Vendor Phone CA", 1)
    );
    wait_for(401).await;
    let crls: Vec<DeviceCrl> = app
        .get("/api/v1/admin/device-crls", &ops)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(crls.len(), 1);
    let removed = app
        .delete(&format!("/api/v1/admin/device-crls/{}", list.id), &ops)
        .await;
    assert_eq!(removed.status(), 204);
    wait_for(200).await;
    // Removing the CA stops the phone.
    let cas: Vec<DeviceCa> = app
        .get("/api/v1/admin/device-cas", &ops)
        .await
        .json()
        .await
        .unwrap();
    let ours = cas
        .iter()
        .find(|c| c.subject == "CN=Vendor Phone CA")
        .unwrap();
    let removed = app
        .delete(&format!("/api/v1/admin/device-cas/{}", ours.id), &ops)
        .await;
    assert_eq!(removed.status(), 204);
    wait_for(401).await;
    let gone = app
        .delete(&format!("/api/v1/admin/device-cas/{}", ours.id), &ops)
        .await;
    assert_eq!(error_body(gone).await.code, "device_ca_not_found");
    let trail: rcs_shared::OperatorAuditPage = app
        .get("/api/v1/admin/audit", &ops)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = trail
        .items
        .iter()
        .filter(|e| e.action.starts_with("device_"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "device_ca.remove",
            "device_crl.remove",
            "device_crl.add",
            "device_ca.add"
        ]
    );
}

async fn the_platform_summary_counts_across_accounts_and_refusals_by_reason(engine: Engine) {
    let b = booth(engine).await;
    let app = &b.app;
    let ops = operator_token(app, "ops@platform.example").await;
    let mac = "00085D1A2B3C";
    let p = provision(app, "Acme", mac, None).await;
    let (_, globex) = app.admin_of("Globex").await;
    let added = app
        .register_phones(&globex, &json!({"macs": ["00085D000001", "00085D000002"]}))
        .await;
    assert_eq!(added.status(), 200);
    let path = format!("/phone/{mac}");
    assert_eq!(
        b.boot(&b.phone_for(mac), &path, &user_agent_of(mac))
            .await
            .status(),
        200
    );
    // Refused: no certificate (twice), and an unknown MAC.
    let anonymous = b.phone(None);
    for _ in 0..2 {
        assert_eq!(
            b.boot(&anonymous, &path, &user_agent_of(mac))
                .await
                .status(),
            401
        );
    }
    let stranger = "00085D1A2B99";
    let response = b
        .boot(
            &b.phone_for(stranger),
            &format!("/phone/{stranger}"),
            &user_agent_of(stranger),
        )
        .await;
    assert_eq!(response.status(), 404);
    let suspend = format!("/api/v1/admin/accounts/{}/suspend", p.account_id);
    assert_eq!(app.post(&suspend, &ops, &json!({})).await.status(), 200);
    assert_eq!(
        b.boot(&b.phone_for(mac), &path, &user_agent_of(mac))
            .await
            .status(),
        403
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let summary = loop {
        let response = app.get("/api/v1/admin/summary", &ops).await;
        assert_eq!(response.status(), 200);
        let summary: PlatformSummary = response.json().await.unwrap();
        let contacts: i64 = summary.boots_per_day.iter().map(|d| d.contacts).sum();
        if contacts >= 5 {
            break summary;
        }
        assert!(Instant::now() < deadline, "{summary:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(summary.accounts, 2);
    assert_eq!(summary.suspended_accounts, 1);
    assert_eq!(summary.phones, 3);
    assert_eq!(summary.unknown_phones, 1);
    assert_eq!(summary.firmware_releases, 6);
    assert_eq!(summary.boots_per_day.len(), 30);
    let contacts: i64 = summary.boots_per_day.iter().map(|d| d.contacts).sum();
    let refused: i64 = summary.boots_per_day.iter().map(|d| d.refused).sum();
    assert_eq!((contacts, refused), (5, 3));
    let reasons: Vec<(&str, i64)> = summary
        .refusals
        .iter()
        .map(|r| (r.reason.as_str(), r.count))
        .collect();
    assert_eq!(
        reasons,
        [("certificate_required", 2), ("account_suspended", 1)]
    );
    assert_eq!(
        app.get("/api/v1/admin/summary", &p.token).await.status(),
        401
    );
    assert_eq!(
        app.get("/api/v1/admin/summary", &globex).await.status(),
        403
    );
}

/// An operator's assignment into an account that is being deleted waits for the deletion and
/// then answers 404 `account_not_found`, writing nothing, not 401 (which would tell the
/// operator their own session had ended). PostgreSQL only: SQLite's write transactions take
/// turns from their start, so the assignment cannot read the account before the deletion.
#[tokio::test]
async fn an_assignment_into_an_account_deleted_meanwhile_is_404_and_writes_nothing_on_postgres() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    let app = spawn_app(Engine::Postgres).await;
    let ops = operator_token(&app, "ops@platform.example").await;
    let (globex_id, _) = app.admin_of("Globex").await;
    let mac = "00085D1A2B01";

    // The deletion, outside rcs, holds the account row until it commits.
    let mut deletion = app.db.begin_write().await.unwrap();
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(globex_id)
        .execute(&mut *deletion)
        .await
        .unwrap();
    let body = json!({"account_id": globex_id, "macs": [mac]});
    let assign = "/api/v1/admin/unknown-phones/assign";
    let (response, ()) = tokio::join!(app.post(assign, &ops, &body), async {
        until_a_session_waits_on_a_lock(&app.db.pool, "the assignment").await;
        deletion.commit().await.unwrap();
    });
    assert_eq!(response.status(), 404);
    assert_eq!(error_body(response).await.code, "account_not_found");
    let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phones WHERE mac = $1")
        .bind(mac)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing written");
    // The operator's session is intact.
    assert_eq!(app.get(UNKNOWN, &ops).await.status(), 200);
}
