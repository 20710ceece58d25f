//! Webhooks (issue 23): managing them (`manage.rs`), delivering signed events to a real
//! receiver on loopback with retries, order and re-sending (`delivery.rs`), and deliveries
//! across restarts and nodes (`nodes.rs`). The receiver is `helpers/webhooks.rs`.

mod delivery;
mod manage;
mod nodes;
