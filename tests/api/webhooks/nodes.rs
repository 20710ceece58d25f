//! Deliveries outlive the process and are not duplicated by a cluster: a delivery queued
//! while the receiver is down survives a restart and arrives once it is up; with two nodes on
//! one PostgreSQL database, each event is delivered exactly once.

use std::collections::HashMap;
use std::time::Duration;

use crate::helpers::webhooks::{
    create, deliveries, fast, free_port, send_test, wait_delivery, Receiver,
};
use crate::helpers::{skip_without_postgres, spawn_app_with, start, Engine};
use crate::on_both_engines;

on_both_engines!(a_delivery_queued_before_a_restart_arrives_after_it);

async fn a_delivery_queued_before_a_restart_arrives_after_it(engine: Engine) {
    let app = spawn_app_with(engine, fast).await;
    app.create_account("Acme", "admin@acme.example").await;
    let admin = app.token("admin@acme.example").await;
    let port = free_port().await;
    let url = format!("http://127.0.0.1:{port}/hook");
    let (id, _) = create(&app, &admin, "later", &url).await;
    send_test(&app, &admin, id).await;
    let refused = wait_delivery(&app, &admin, id, 10, |d| d["attempts"].as_i64() >= Some(1)).await;
    assert_eq!(refused["state"], "pending", "{refused}");
    assert!(
        refused["last_error"].as_str().unwrap().contains("connect"),
        "{refused}"
    );

    let app = start(app.stop().await).await;
    let receiver = Receiver::on(port).await;
    let got = receiver.wait_for(1, 20).await;
    assert_eq!(got[0].id(), refused["event_id"].as_str().unwrap());
    let admin = app.token("admin@acme.example").await;
    let d = wait_delivery(&app, &admin, id, 10, |d| d["state"] == "delivered").await;
    assert!(d["attempts"].as_i64().unwrap() >= 2, "{d}");
    app.stop().await;
}

#[tokio::test]
async fn two_nodes_on_one_postgres_deliver_each_event_exactly_once() {
    if skip_without_postgres() {
        return;
    }
    let one = spawn_app_with(Engine::Postgres, fast).await;
    let two = start(one.env.another_node()).await;
    one.create_account("Acme", "admin@acme.example").await;
    let admin = one.token("admin@acme.example").await;
    let receiver = Receiver::start().await;
    let (id, _) = create(&one, &admin, "once", &receiver.url()).await;
    const EVENTS: usize = 20;
    for i in 0..EVENTS {
        // Queued through both nodes: each wakes its own dispatcher, the other polls.
        let node = if i % 2 == 0 { &one } else { &two };
        send_test(node, &admin, id).await;
    }
    receiver.wait_for(EVENTS, 30).await;
    wait_delivery(&one, &admin, id, 10, |d| d["state"] == "delivered").await;
    // Give a duplicate time to show up.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in receiver.received() {
        *counts.entry(r.id()).or_default() += 1;
    }
    assert_eq!(counts.len(), EVENTS, "{counts:?}");
    assert!(
        counts.values().all(|&n| n == 1),
        "an event was delivered twice: {counts:?}"
    );
    let items = deliveries(&two, &admin, id).await;
    assert!(items
        .iter()
        .all(|d| d["state"] == "delivered" && d["attempts"] == 1));
    two.stop().await;
    one.stop().await;
}
