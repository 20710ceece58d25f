//! One module per screen; each page is a component that [`crate::app`] picks.

mod forgot;
mod home;
mod login;
mod reset;

pub use home::HomePage;
pub use login::LoginPage;
pub use reset::{reset_link_token, ResetPasswordPage};
