//! `/api/v1/admin/...`: the operator console's API. Every handler takes an
//! [`crate::auth::OperatorUser`], so staff and API keys get 403 `operator_only`; each calls
//! the same service as the matching `rcs` command, which records the action in the operator
//! audit trail.

pub mod accounts;
pub mod audit;
pub mod firmware;
pub mod platform;
pub mod trust;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers the console's routes under `/admin`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/admin")
            .configure(accounts::configure)
            .configure(audit::configure)
            .configure(firmware::configure)
            .configure(platform::configure)
            .configure(trust::configure),
    );
}
