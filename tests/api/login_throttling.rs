//! Login throttling that cannot lock the owner out: failures count per (username, address)
//! and per address with hard limits, and per username only as a bounded slowdown for the
//! addresses that keep failing.
//!
//! The service trusts `X-Forwarded-For` here, so one test client plays many addresses.

use std::time::Duration;

use serde_json::json;

use crate::helpers::routes;
use crate::helpers::{error_body, retry_after, spawn_app_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    the_owner_logs_in_during_a_username_targeted_attack_from_other_addresses,
    an_owner_who_failed_during_an_attack_waits_seconds_not_the_window,
    each_attacking_address_is_stopped_by_its_own_limits,
);

const OWNER: &str = "admin@acme.example";

/// POST /api/v1/auth/login as if sent from `address`.
async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(routes::LOGIN))
        .header("x-forwarded-for", address)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("request sent")
}

/// `rounds` wrong passwords for the owner's username from each of `addresses` addresses
/// (`10.0.<n>.<n>`); every answer is a refusal, never a session.
async fn attack(app: &TestApp, addresses: u32, rounds: u32) -> (u32, u32) {
    let (mut unauthorized, mut throttled) = (0, 0);
    for round in 0..rounds {
        for n in 0..addresses {
            let address = format!("10.0.{}.{}", n / 250, n % 250 + 1);
            let guess = format!("guess {round} from {address}");
            match login_from(app, &address, OWNER, &guess)
                .await
                .status()
                .as_u16()
            {
                401 => unauthorized += 1,
                429 => throttled += 1,
                other => panic!("an attacker's guess answered {other}"),
            }
        }
    }
    (unauthorized, throttled)
}

/// With the default limits (10 per username and address, 50 per address, slowdown after 20
/// per username), an attack from 30 addresses makes 60 guesses at the owner's username; the
/// owner, at an address that has not failed, logs in at once with the right password.
async fn the_owner_logs_in_during_a_username_targeted_attack_from_other_addresses(engine: Engine) {
    let app = spawn_app_with(engine, |s| s.trust_forwarded_for = true).await;
    app.create_account("Acme", OWNER).await;

    let (unauthorized, throttled) = attack(&app, 30, 2).await;
    let owner = login_from(&app, "198.51.100.7", OWNER, PASSWORD).await;
    assert_eq!(owner.status(), 200, "{}", owner.text().await.unwrap());

    // Every address's first guess was checked; the username is under attack, so an
    // attacking address that keeps guessing is slowed down.
    assert!(unauthorized >= 30, "{unauthorized} guesses were checked");
    assert!(throttled > 0, "no attacker was slowed down");
    let slowed = login_from(&app, "10.0.0.1", OWNER, "yet another guess").await;
    assert_eq!(slowed.status(), 429);
    assert!((1..=30).contains(&retry_after(&slowed)));
    // The owner's success does not reset the attack's count for the attackers.
    let still_slowed = login_from(&app, "10.0.0.2", OWNER, "a guess after").await;
    assert_eq!(still_slowed.status(), 429);
    assert_eq!(error_body(still_slowed).await.code, "too_many_requests");
}

/// An owner whose address has a failure of its own (a typo) while the username is under
/// attack waits a bounded, growing delay (here at most 4 seconds), never the whole window.
async fn an_owner_who_failed_during_an_attack_waits_seconds_not_the_window(engine: Engine) {
    let app = spawn_app_with(engine, |s| {
        s.trust_forwarded_for = true;
        s.login_slowdown_after_failures_per_email = 5;
        s.login_max_slowdown_secs = 4;
    })
    .await;
    app.create_account("Acme", OWNER).await;
    let home = "203.0.113.9";
    // The attack first, then the owner's typo: the wait counts from the typo, so how long the
    // attack took on a loaded machine cannot use the wait up before the owner tries again.
    attack(&app, 10, 1).await;
    let typo = login_from(&app, home, OWNER, "correct horse batery").await;
    assert_eq!(typo.status(), 401);

    let waiting = login_from(&app, home, OWNER, PASSWORD).await;
    assert_eq!(waiting.status(), 429);
    let wait = retry_after(&waiting);
    assert!((1..=4).contains(&wait), "{wait}");

    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(200)).await;
    let owner = login_from(&app, home, OWNER, PASSWORD).await;
    assert_eq!(owner.status(), 200, "{}", owner.text().await.unwrap());
}

/// One address guessing one username is stopped by the (username, address) limit, and
/// guessing many usernames by the per-address limit; the limits are race-free: guesses sent
/// all at once are counted before any password is checked.
async fn each_attacking_address_is_stopped_by_its_own_limits(engine: Engine) {
    let app = spawn_app_with(engine, |s| {
        s.trust_forwarded_for = true;
        s.login_max_failures_per_email_and_client = 3;
        s.login_max_failures_per_client = 8;
    })
    .await;
    app.create_account("Acme", OWNER).await;
    let attacker = "192.0.2.66";

    // Twelve guesses at once from one address: at most three are checked.
    let guesses = (0..12).map(|i| {
        let app = &app;
        async move {
            login_from(app, attacker, OWNER, &format!("parallel guess {i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked, 3, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
    // Even the right password is refused from that address until its window passes...
    let blocked = login_from(&app, attacker, OWNER, PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    assert!((1..=900).contains(&retry_after(&blocked)));
    // ...while another address logs in.
    let owner = login_from(&app, "192.0.2.1", OWNER, PASSWORD).await;
    assert_eq!(owner.status(), 200);

    // The same address guessing other usernames runs into its per-address limit (8).
    for i in 0..5 {
        let other = format!("guess{i}@acme.example");
        let status = login_from(&app, attacker, &other, "wrong").await.status();
        assert_eq!(status, 401, "attempt {i}");
    }
    let refused = login_from(&app, attacker, "guess9@acme.example", "wrong").await;
    assert_eq!(refused.status(), 429);
}
