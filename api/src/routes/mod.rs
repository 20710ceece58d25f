//! HTTP routes. Each resource module exposes `configure`; this module assembles them so the
//! running app and the OpenAPI document come from the same registration.

pub mod account;
pub mod admin;
pub mod api_docs;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod body;
pub mod boot_events;
pub mod brandings;
pub mod device;
pub mod firmware;
pub mod health;
pub mod me;
pub mod phones;
pub mod second_factor;
pub mod servers;
pub mod summary;
pub mod users;
pub mod web_ui;
pub mod webhooks;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .configure(device::configure)
        .service(
            scope::scope("/api/v1")
                .configure(auth::configure)
                .configure(me::configure)
                .configure(second_factor::configure)
                .configure(account::configure)
                .configure(users::configure)
                .configure(servers::configure)
                .configure(summary::configure)
                .configure(audit::configure)
                .configure(api_keys::configure)
                .configure(boot_events::configure)
                .configure(phones::configure)
                .configure(firmware::configure)
                .configure(brandings::configure)
                .configure(webhooks::configure)
                .configure(admin::configure),
        );
}
