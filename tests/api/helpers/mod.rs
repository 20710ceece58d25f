//! Everything the stories share, and nothing else: the application under test and its typed
//! client, certificates, the `rcs` binary, PostgreSQL, mail, the browser, and visible skips.
//! No test file imports another test file; a fixture two stories need lives here.
//!
//! Uses of the library's internals (`rcs::db::...`, `rcs::services::firmware::import`, ...) stay here
//! where they can, so a moved path is fixed in one place.

pub mod app;
pub mod browser;
pub mod cli;
pub mod client;
pub mod device;
pub mod internals;
pub mod mail;
pub mod phones;
pub mod pki;
pub mod postgres;
pub mod second_factor;
pub mod skip;
pub mod webhooks;

pub use app::{
    error_body, gated_body, random_hex, raw_tls_client, retry_after, sample_firmware_dirs,
    spawn_app, spawn_app_with, start, Engine, TestApp, TestEnv, JWT_SECRET, PASSWORD,
};
pub use client::routes;
pub use postgres::{skip_without_postgres, until_a_session_waits_on_a_lock};

/// Runs a story as two tests, `sqlite` and `postgres`. The PostgreSQL one needs
/// `RCS_TEST_POSTGRES_URL` (CI and `scripts/test` set it); without it, it is reported as
/// skipped (a failure in CI), never as passed.
#[macro_export]
macro_rules! on_both_engines {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test]
            async fn sqlite() {
                super::$story($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::skip_without_postgres() {
                    return;
                }
                super::$story($crate::helpers::Engine::Postgres).await
            }
        }
    )*};
}
