//! One module per screen; each page is a component that [`crate::app`] picks.

mod api_keys;
mod audit;
mod brandings;
mod console;
mod firmware;
mod forgot;
mod login;
mod login_second_factor;
mod not_found;
mod password;
mod phones;
mod preferences;
mod reset;
mod servers;
mod summary;
mod timezone;
mod two_factor;
mod users;
mod webhooks;

pub use api_keys::ApiKeysPage;
pub use audit::AuditPage;
pub use brandings::BrandingsPage;
pub use console::Console;
pub use firmware::FirmwarePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use password::PasswordPage;
pub use phones::{PhonePage, PhonesPage};
pub use preferences::PreferencesPage;
pub use reset::{reset_link_token, ResetPasswordPage};
pub use servers::ServersPage;
pub use summary::SummaryPage;
pub use users::UsersPage;
pub use webhooks::{WebhookPage, WebhooksPage};
