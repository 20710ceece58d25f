//! One module per screen; each page is a component that [`crate::app`] picks.

mod home;
mod login;

pub use home::HomePage;
pub use login::LoginPage;
