//! The device directory (`rcs::device::directory`): a node answers a phone that asks again
//! from memory, and every change still reaches the answers: at once when it is made through
//! the node's own API, within a second when it is made elsewhere (another node, the command
//! line, anything that moves the database's directory version), and at once with the
//! directory turned off.

use std::time::{Duration, Instant};

use rcs_shared::{DeviceAction, DeviceAnswer};
use serde_json::json;

use crate::helpers::cli::{rcs, run};
use crate::helpers::device::{booth, booth_with, provision, Booth, MAC, UA_NEW};
use crate::helpers::routes;
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    a_phone_asking_again_is_answered_from_memory_until_something_changes,
    with_the_directory_off_every_answer_is_read_from_the_database,
);

const FIRST: &str = "https://pbx.example.net:8443/cfg/";
const BEHIND: &str = "https://behind.example.net/cfg/";
const THROUGH_API: &str = "https://api.example.net/cfg/";

/// Where the phone is sent: the URL of its answer's redirect.
async fn redirect(b: &Booth) -> String {
    let response = b
        .boot(&b.phone_for(MAC), &format!("/phone/{MAC}"), UA_NEW)
        .await;
    assert_eq!(response.status(), 200);
    let answer: DeviceAnswer = response.json().await.unwrap();
    answer
        .actions
        .iter()
        .find_map(|a| match a {
            DeviceAction::Redirect { url, .. } => Some(url.clone()),
            _ => None,
        })
        .expect("a redirect")
}

/// Changes the server's URL in the database directly, as no rcs code path does: nothing
/// tells the directory.
async fn behind_rcs(b: &Booth, server_id: i64, url: &str) {
    sqlx::query("UPDATE servers SET url = $1 WHERE id = $2")
        .bind(url)
        .bind(server_id)
        .execute(&b.app.db.pool)
        .await
        .unwrap();
}

async fn a_phone_asking_again_is_answered_from_memory_until_something_changes(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    assert_eq!(redirect(&b).await, FIRST);

    // Nothing moved the directory's version: the node answers from memory.
    behind_rcs(&b, p.server_id, BEHIND).await;
    for _ in 0..3 {
        assert_eq!(redirect(&b).await, FIRST, "answered from memory");
    }

    // Another node (or `rcs account suspend`, `rcs firmware import`) moves the version on:
    // this node drops its answers within a second.
    rcs::db::settings::bump_directory_version(&b.app.db)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while redirect(&b).await != BEHIND {
        assert!(
            Instant::now() < deadline,
            "the version's move was not followed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A change through this node's API is in the very next answer.
    let patched = b
        .app
        .patch(
            &routes::server(p.server_id),
            &p.token,
            &json!({ "url": THROUGH_API }),
        )
        .await;
    assert_eq!(patched.status(), 200, "{}", patched.text().await.unwrap());
    assert_eq!(redirect(&b).await, THROUGH_API, "at once, on this node");

    // So is a refused change's absence: a bad PATCH (4xx) changes nothing and drops nothing.
    behind_rcs(&b, p.server_id, BEHIND).await;
    let refused = b
        .app
        .patch(
            &routes::server(p.server_id),
            &p.token,
            &json!({ "url": "not a url" }),
        )
        .await;
    assert!(refused.status().is_client_error());
    assert_eq!(redirect(&b).await, THROUGH_API, "still from memory");

    // The command line, another process, suspends the account: the phone is refused within
    // a second.
    let mut suspend = rcs(&b.app.env);
    suspend.args(["account", "suspend", "Acme", "--reason", "unpaid"]);
    let (ok, _, err) = run(suspend, None).await;
    assert!(ok, "{err}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let boot = b
            .boot(&b.phone_for(MAC), &format!("/phone/{MAC}"), UA_NEW)
            .await;
        if boot.status() == 403 {
            assert_eq!(error_body(boot).await.code, "account_suspended");
            break;
        }
        assert_eq!(boot.status(), 200);
        assert!(
            Instant::now() < deadline,
            "the suspension did not reach the phone"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn with_the_directory_off_every_answer_is_read_from_the_database(engine: Engine) {
    let b = booth_with(engine, |s| s.device_cache_entries = 0).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    assert_eq!(redirect(&b).await, FIRST);
    behind_rcs(&b, p.server_id, BEHIND).await;
    assert_eq!(redirect(&b).await, BEHIND, "no memory: read again");
}
