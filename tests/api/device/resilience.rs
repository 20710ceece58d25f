//! The boot service when the database goes away or the service stops: 503 with Retry-After
//! while PostgreSQL is down, recovery by itself, and no answered boot lost to a restart or a
//! clean shutdown.

use std::time::{Duration, Instant};

use rcs_shared::BootOutcome;
use serde_json::json;

use crate::helpers::device::{
    booth, booth_behind_proxy, booth_on, events, provision, user_agent_of, Booth, MAC, UA_NEW,
};
use crate::helpers::postgres::OwnPostgres;
use crate::helpers::{skip_without_postgres, Engine, TestApp, TestEnv};

#[tokio::test]
async fn while_postgres_is_down_phones_get_503_with_retry_after_and_service_resumes_by_itself() {
    if skip_without_postgres() {
        return;
    }
    let (b, mut proxy) = booth_behind_proxy().await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let phone = b.phone_for(MAC);
    let path = format!("/phone/{MAC}");
    assert_eq!(b.boot(&phone, &path, UA_NEW).await.status(), 200);
    events(&b.app, &p.token, MAC, 1).await;

    proxy.down().await;
    // The node's device directory could answer this phone from memory until it notices that
    // the database is gone (its next look at the directory's version, within a second); from
    // then on the phone's answer needs the database.
    tokio::time::sleep(Duration::from_millis(2000)).await;
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
    let Some(pg) = OwnPostgres::create().await else {
        return;
    };
    let pg = Arc::new(pg);
    // The engine of the environment only decides where its own database would be; the
    // service uses the test's server.
    let b = booth_on(TestEnv::new(Engine::Sqlite).await, pg.url()).await;
    let macs: Vec<String> = (0..PHONES).map(|i| format!("00085D77{i:04X}")).collect();
    let p = provision(&b.app, "Acme", &macs[0], None).await;
    let added = b
        .app
        .register_phones(
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
    let TestApp {
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
