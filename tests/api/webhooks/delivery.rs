//! Deliveries to a real receiver on loopback: signed as Standard Webhooks says (checked with
//! an independent HMAC), a rotated secret retiring the old one at once, retries after error
//! answers and timeouts with the same `webhook-id`, strict order behind a failing head, and
//! re-sending.

use std::time::Duration;

use serde_json::json;

use crate::helpers::webhooks::{
    create, deliveries, fast, free_port, send_test, signed_with, wait_delivery, Answer, Receiver,
};
use crate::helpers::{error_body, spawn_app_with, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_test_event_arrives_signed_and_a_rotated_secret_retires_the_old_one,
    failed_attempts_and_timeouts_are_retried_with_the_same_id,
    events_queued_behind_a_failing_receiver_arrive_in_order,
    a_resent_delivery_arrives_again_with_the_same_id_and_body,
    a_full_queue_refuses_test_events_and_resends_and_pages_are_bounded,
);

/// The app, its account's Super User's token, and a receiver answering 204.
async fn setup(engine: Engine) -> (TestApp, String, Receiver) {
    let app = spawn_app_with(engine, fast).await;
    app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    (app, admin, Receiver::start().await)
}

/// Whether the audit trail of the app's only account has `action`.
async fn audited(app: &TestApp, action: &str) -> bool {
    let account = app
        .get("/api/v1/me", &app.token("admin@acme.example").await)
        .await;
    let me: serde_json::Value = account.json().await.unwrap();
    let id = me["account_id"].as_i64().expect("account_id in /me");
    app.audit_actions(id).await.iter().any(|a| a == action)
}

async fn a_test_event_arrives_signed_and_a_rotated_secret_retires_the_old_one(engine: Engine) {
    let (app, admin, receiver) = setup(engine).await;
    let (id, secret) = create(&app, &admin, "ticketing", &receiver.url()).await;
    send_test(&app, &admin, id).await;
    let got = receiver.wait_for(1, 10).await;
    let r = &got[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("user-agent").unwrap().starts_with("rcs-webhooks/"));
    assert!(r.id().starts_with("msg_"), "{:?}", r.headers);
    let ts: i64 = r.header("webhook-timestamp").unwrap().parse().unwrap();
    assert!((ts - rcs::db::now()).abs() < 60, "timestamp {ts}");
    assert!(
        signed_with(&secret, r),
        "signature does not verify: {:?}",
        r.headers
    );
    let body = r.json();
    assert_eq!(body["type"], "webhook.test");
    assert_eq!(
        body["data"],
        json!({"webhook": "ticketing", "by": "admin@acme.example"})
    );

    let d = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    assert_eq!(
        (d["attempts"].as_i64(), d["last_status"].as_i64()),
        (Some(1), Some(204))
    );
    assert_eq!(d["event_id"], r.id());
    assert_eq!(d["payload"], r.body);
    assert!(
        d["last_error"].is_null() && d["latency_ms"].as_i64().is_some(),
        "{d}"
    );
    let hook: serde_json::Value = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (hook["pending"].as_i64(), hook["last_delivery_ok"].as_bool()),
        (Some(0), Some(true))
    );

    // After rotation, deliveries are signed with the new secret only.
    let rotated: serde_json::Value = app
        .post(&format!("/api/v1/webhooks/{id}/secret"), &admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    send_test(&app, &admin, id).await;
    let got = receiver.wait_for(2, 10).await;
    assert!(
        signed_with(new_secret, &got[1]),
        "new secret does not verify"
    );
    assert!(
        !signed_with(&secret, &got[1]),
        "the old secret still verifies"
    );
    assert!(audited(&app, "webhook.test").await);
    app.stop().await;
}

async fn failed_attempts_and_timeouts_are_retried_with_the_same_id(engine: Engine) {
    let (app, admin, receiver) = setup(engine).await;
    let (id, _) = create(&app, &admin, "flaky", &receiver.url()).await;
    receiver.plan(&[Answer::Status(500), Answer::Status(500)]);
    send_test(&app, &admin, id).await;
    // The first failure is visible on the deliveries page, with the next attempt's time.
    let failed = wait_delivery(&app, &admin, id, 10, |d| d["attempts"] == 1).await;
    assert_eq!(
        (failed["state"].as_str(), failed["last_status"].as_i64()),
        (Some("pending"), Some(500))
    );
    assert!(
        failed["last_error"].as_str().unwrap().contains("500"),
        "{failed}"
    );
    assert!(failed["next_attempt_at"].is_string(), "{failed}");
    let got = receiver.wait_for(3, 20).await;
    assert!(
        got.iter().all(|r| r.id() == got[0].id()),
        "one webhook-id for all attempts"
    );
    let answered: Vec<u16> = got.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 500, 204]);
    let d = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    assert_eq!(d["attempts"], 3);
    assert!(
        d["last_error"].is_null() && d["next_attempt_at"].is_null(),
        "{d}"
    );

    // A receiver slower than webhook_timeout_secs: the attempt times out, and is retried
    // (twice stalled: the second retry waits 2 s, long enough to look at the page).
    let stall = Answer::Stall(Duration::from_secs(3));
    receiver.plan(&[stall, stall]);
    send_test(&app, &admin, id).await;
    let timed_out = wait_delivery(&app, &admin, id, 10, |d| d["attempts"] == 2).await;
    assert_eq!(timed_out["state"], "pending", "{timed_out}");
    assert!(timed_out["last_status"].is_null(), "{timed_out}");
    let error = timed_out["last_error"].as_str().unwrap();
    assert!(error.contains("timed out"), "{error}");
    assert!(
        timed_out["latency_ms"].as_i64().unwrap() >= 900,
        "{timed_out}"
    );
    let got = receiver.wait_for(6, 20).await;
    assert!(got[3..].iter().all(|r| r.id() == got[3].id()));
    assert_ne!(got[3].id(), got[0].id());
    assert_eq!(got[5].answered, 204);
    let d = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    assert_eq!(d["attempts"], 3);
    app.stop().await;
}

async fn events_queued_behind_a_failing_receiver_arrive_in_order(engine: Engine) {
    let (app, admin, receiver) = setup(engine).await;
    let (id, _) = create(&app, &admin, "ordered", &receiver.url()).await;
    receiver.answer_by_default(Answer::Status(503));
    for _ in 0..4 {
        send_test(&app, &admin, id).await;
    }
    receiver.wait_for(1, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    receiver.answer_by_default(Answer::Status(200));
    let queued: Vec<String> = deliveries(&app, &admin, id)
        .await
        .iter()
        .rev()
        .map(|d| d["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queued.len(), 4);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let accepted = loop {
        let accepted: Vec<String> = receiver
            .received()
            .iter()
            .filter(|r| r.answered == 200)
            .map(|r| r.id())
            .collect();
        if accepted.len() >= 4 || tokio::time::Instant::now() > deadline {
            break accepted;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        accepted, queued,
        "accepted in the order the events happened"
    );
    // While the head failed, nothing behind it was tried.
    let all = receiver.received();
    let refused: Vec<String> = all
        .iter()
        .filter(|r| r.answered == 503)
        .map(|r| r.id())
        .collect();
    assert!(refused.iter().all(|i| *i == queued[0]), "{refused:?}");
    app.stop().await;
}

async fn a_resent_delivery_arrives_again_with_the_same_id_and_body(engine: Engine) {
    let (app, admin, receiver) = setup(engine).await;
    let (id, _) = create(&app, &admin, "again", &receiver.url()).await;
    send_test(&app, &admin, id).await;
    let first = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    let resend = format!(
        "/api/v1/webhooks/{id}/deliveries/{}/resend",
        first["id"].as_i64().unwrap()
    );
    assert_eq!(app.post(&resend, &admin, &json!({})).await.status(), 202);
    let got = receiver.wait_for(2, 10).await;
    assert_eq!(got[1].id(), got[0].id());
    assert_eq!(got[1].body, got[0].body);
    let items = deliveries(&app, &admin, id).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["event_id"], items[1]["event_id"]);
    assert_eq!(items[0]["payload"], items[1]["payload"]);
    let again = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    assert_eq!(again["attempts"], 1);
    assert!(audited(&app, "webhook.resend").await);

    // Disabled: a re-send is refused, and nothing is queued.
    let path = format!("/api/v1/webhooks/{id}");
    app.patch(&path, &admin, &json!({"enabled": false})).await;
    assert_eq!(app.post(&resend, &admin, &json!({})).await.status(), 409);
    assert_eq!(deliveries(&app, &admin, id).await.len(), 2);
    app.stop().await;
}

async fn a_full_queue_refuses_test_events_and_resends_and_pages_are_bounded(engine: Engine) {
    let app = spawn_app_with(engine, |s| {
        fast(s);
        s.webhook_queue_max = 2;
    })
    .await;
    app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    // Nobody listens: deliveries stay pending.
    let url = format!("http://127.0.0.1:{}/hook", free_port().await);
    let (id, _) = create(&app, &admin, "down", &url).await;
    send_test(&app, &admin, id).await;
    send_test(&app, &admin, id).await;
    let test = format!("/api/v1/webhooks/{id}/test");
    let full = app.post(&test, &admin, &json!({})).await;
    assert_eq!(full.status(), 409);
    assert_eq!(error_body(full).await.code, "webhook_queue_full");
    let items = deliveries(&app, &admin, id).await;
    let resend = format!(
        "/api/v1/webhooks/{id}/deliveries/{}/resend",
        items[0]["id"].as_i64().unwrap()
    );
    let full = app.post(&resend, &admin, &json!({})).await;
    assert_eq!(error_body(full).await.code, "webhook_queue_full");
    assert_eq!(
        deliveries(&app, &admin, id).await.len(),
        2,
        "nothing was queued"
    );
    let hook: serde_json::Value = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (hook["pending"].as_i64(), hook["dropped"].as_i64()),
        (Some(2), Some(0))
    );

    // Pages: newest first, `next_before` leads to the older ones; `limit` is bounded.
    let path = format!("/api/v1/webhooks/{id}/deliveries");
    let page: serde_json::Value = app
        .get(&format!("{path}?limit=1"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], items[0]["id"]);
    let before = page["next_before"].as_i64().unwrap();
    let older: serde_json::Value = app
        .get(&format!("{path}?limit=1&before={before}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(older["items"][0]["id"], items[1]["id"]);
    let last: serde_json::Value = app
        .get(&format!("{path}?before={}", items[1]["id"]), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            last["items"].as_array().map(Vec::len),
            last["next_before"].is_null()
        ),
        (Some(0), true)
    );
    for bad in ["limit=0", "limit=201"] {
        let response = app.get(&format!("{path}?{bad}"), &admin).await;
        assert_eq!(error_body(response).await.code, "invalid_limit", "{bad}");
    }
    assert_eq!(
        app.get(&format!("{path}?before=x"), &admin).await.status(),
        400
    );
    app.stop().await;
}
