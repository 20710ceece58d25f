//! Whose history a contact lands in: an account's boot history and statistics hold only
//! contacts whose sender presented a trusted certificate (for the phone, or for another MAC,
//! which is worth the account's attention). Anybody else is counted for the operator, in no
//! account, in a store whose size is bounded.

use std::time::{Duration, Instant};

use rcs_shared::BootOutcome;
use serde_json::Value;

use crate::helpers::cli::{rcs, run};
use crate::helpers::device::{booth, booth_with, events, provision, MAC, UA_NEW};
use crate::helpers::pki::TestCa;
use crate::helpers::{error_body, internals, routes, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    refusals_without_a_trusted_certificate_stay_out_of_the_accounts_history,
    contacts_of_no_account_are_shown_to_the_operator_and_bounded_in_number,
);

/// Contacts in the last 30 days, as the account's summary counts them.
async fn contacts(app: &TestApp, token: &str) -> i64 {
    let summary: Value = app.get(routes::SUMMARY, token).await.json().await.unwrap();
    summary["contacts_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["contacts"].as_i64().unwrap())
        .sum()
}

/// The ids of the events stored in no account, oldest first.
async fn unattributed(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM boot_events WHERE account_id IS NULL ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// Waits (bounded) until `count` refusals for `mac` are stored in no account.
async fn unattributed_refusals(app: &TestApp, mac: &str, count: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM boot_events \
             WHERE account_id IS NULL AND mac = $1 AND outcome = 'refused'",
        )
        .bind(mac)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if n >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} of {count} refusals stored in no account"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refusals_without_a_trusted_certificate_stay_out_of_the_accounts_history(engine: Engine) {
    let b = booth(engine).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let path = format!("/phone/{MAC}");
    assert_eq!(b.boot(&b.phone_for(MAC), &path, UA_NEW).await.status(), 200);
    let before = events(&b.app, &p.token, MAC, 1).await;
    assert_eq!(before.items.len(), 1);
    assert_eq!(contacts(&b.app, &p.token).await, 1);

    // No certificate (with a long User-Agent), a foreign CA's, and a self-made expired one:
    // webpki checks the dates before the signature, so the last is "expired", not "untrusted".
    let long_ua = format!("Aastra6757i {}", "x".repeat(480));
    let forger = TestCa::new("Forger CA");
    let senders = [
        (None, "certificate_required"),
        (Some(forger.issue(Some(MAC), &[])), "certificate_untrusted"),
        (
            Some(forger.issue_between(Some(MAC), &[], -30, -1)),
            "certificate_expired",
        ),
    ];
    for (cert, code) in &senders {
        let response = b.boot(&b.phone(cert.as_ref()), &path, &long_ua).await;
        assert_eq!(response.status(), 401, "{code}");
        assert_eq!(error_body(response).await.code, *code);
    }
    unattributed_refusals(&b.app, MAC, 3).await;
    let after = events(&b.app, &p.token, MAC, 1).await;
    assert_eq!(
        after.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        before.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        "the account's history is unchanged"
    );
    assert_eq!(contacts(&b.app, &p.token).await, 1, "the summary too");
    // What the operator keeps of a sender that proved nothing is short.
    let agents: Vec<Option<String>> =
        sqlx::query_scalar("SELECT user_agent FROM boot_events WHERE account_id IS NULL")
            .fetch_all(&b.app.db.pool)
            .await
            .unwrap();
    assert_eq!(agents.len(), 3);
    for agent in agents {
        let agent = agent.expect("the start of the User-Agent is kept");
        assert!(long_ua.starts_with(&agent) && agent.len() <= 64, "{agent}");
    }

    // A trusted certificate for another MAC is worth the account's attention.
    let neighbour = b.phone_for("00085D000001");
    let response = b.boot(&neighbour, &path, UA_NEW).await;
    assert_eq!(response.status(), 403);
    let history = events(&b.app, &p.token, MAC, 2).await;
    assert_eq!(history.items.len(), 2);
    let newest = &history.items[0];
    assert_eq!(newest.outcome, BootOutcome::Refused);
    assert!(
        newest.detail.starts_with("certificate_mac_mismatch"),
        "{newest:?}"
    );
    assert_eq!(newest.user_agent.as_deref(), Some(UA_NEW));
    assert_eq!(contacts(&b.app, &p.token).await, 2);
}

/// `rcs phones refused` and `rcs phones unknown` show the operator what belongs to no account;
/// housekeeping keeps only the newest `unattributed_boot_events_max` of it, whatever its age,
/// and leaves the accounts' histories alone.
async fn contacts_of_no_account_are_shown_to_the_operator_and_bounded_in_number(engine: Engine) {
    let b = booth_with(engine, |s| s.unattributed_boot_events_max = 3).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let path = format!("/phone/{MAC}");
    assert_eq!(b.boot(&b.phone_for(MAC), &path, UA_NEW).await.status(), 200);
    let anonymous = b.phone(None);
    for _ in 0..5 {
        assert_eq!(b.boot(&anonymous, &path, UA_NEW).await.status(), 401);
    }
    let stranger = b.phone_for("00085D0000FF");
    let response = b.boot(&stranger, "/phone/00085D0000FF", "").await;
    assert_eq!(response.status(), 404);
    unattributed_refusals(&b.app, MAC, 5).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while unattributed(&b.app).await.len() < 6 {
        assert!(Instant::now() < deadline, "the stranger is recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let operator = |args: &[&str]| {
        let mut c = rcs(&b.app.env);
        c.args(args);
        run(c, None)
    };
    let (ok, out, err) = operator(&["phones", "refused"]).await;
    assert!(ok, "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with(MAC))
        .unwrap_or_else(|| panic!("{out}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(columns[1], "5", "{line}");
    assert_eq!(columns.last(), Some(&"certificate_required"), "{line}");
    let (ok, out, _) = operator(&["phones", "unknown"]).await;
    assert!(ok && out.contains("00085D0000FF"), "{out}");

    // Housekeeping's trim, with the configured bound and a small batch to take several.
    let all = unattributed(&b.app).await;
    let keep = b.app.env.settings.unattributed_boot_events_max;
    let trimmed = internals::trim_unattributed_boot_events(&b.app.db, keep, 2)
        .await
        .unwrap();
    assert_eq!(trimmed, 3);
    assert_eq!(unattributed(&b.app).await, all[3..], "the newest are kept");
    let again = internals::trim_unattributed_boot_events(&b.app.db, keep, 2)
        .await
        .unwrap();
    assert_eq!(again, 0);
    let history = events(&b.app, &p.token, MAC, 1).await;
    assert_eq!(history.items.len(), 1, "the account's history is untouched");
    assert_eq!(history.items[0].outcome, BootOutcome::BrandingSent);
}
