//! The periodic clean-up every node runs: expired sessions, login counters, reset links and
//! login challenges; boot events past their retention, and those of no account past their
//! count.

use std::time::Duration;

use actix_web::web;

use crate::db;
use crate::state::AppState;

/// Every few minutes: forget expired sessions, login and API-key counters, reset links and login
/// challenges; prune boot events by age, and those of no account by count.
pub(super) async fn housekeeping(state: web::Data<AppState>) {
    // The longest window of any counter (logins, API keys), so none is forgotten early.
    let longest = (state.settings.login_window_secs).max(state.settings.api_key_window_secs);
    let window = i64::try_from(longest).unwrap_or(i64::MAX / 4);
    let period = Duration::from_secs(300);
    // The first round waits a period too: start-up is busy enough without it.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        let now = db::now();
        if let Err(e) = db::sessions::delete_expired(&state.db, now).await {
            tracing::warn!(error = %e, "cannot delete expired sessions");
        }
        if let Err(e) = db::rate_limits::delete_expired(&state.db, window, now).await {
            tracing::warn!(error = %e, "cannot delete expired rate limits");
        }
        if let Err(e) = db::password_resets::delete_expired(&state.db, now).await {
            tracing::warn!(error = %e, "cannot delete expired password reset links");
        }
        if let Err(e) = db::second_factor::delete_expired_challenges(&state.db, now).await {
            tracing::warn!(error = %e, "cannot delete expired login challenges");
        }
        prune_boot_events(&state, now).await;
        prune_webhook_deliveries(&state, now).await;
        let keep = state.settings.unattributed_boot_events_max;
        if let Err(e) = db::boot_events::trim_unattributed(&state.db, keep, 10_000).await {
            tracing::warn!(error = %e, "cannot trim boot events that belong to no account");
        }
    }
}

/// Deletes boot events past the retention, a bounded batch at a time.
pub async fn prune_boot_events(state: &AppState, now: i64) {
    let days = state.settings.boot_event_retention_days;
    if days == 0 {
        return;
    }
    let cutoff = now.saturating_sub(i64::try_from(days).unwrap_or(i64::MAX / 4) * db::summary::DAY);
    loop {
        match db::boot_events::prune(&state.db, cutoff, 10_000).await {
            Ok(10_000) => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "cannot prune old boot events");
                break;
            }
        }
    }
}

/// Deletes delivered and failed webhook deliveries past their retention, a bounded batch at a
/// time (pending ones stay until they finish).
async fn prune_webhook_deliveries(state: &AppState, now: i64) {
    let days = state.settings.webhook_delivery_retention_days;
    if days == 0 {
        return;
    }
    let cutoff = now.saturating_sub(i64::try_from(days).unwrap_or(i64::MAX / 4) * db::summary::DAY);
    loop {
        match db::webhooks::prune_finished(&state.db, cutoff, 10_000).await {
            Ok(10_000) => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "cannot prune old webhook deliveries");
                break;
            }
        }
    }
}
