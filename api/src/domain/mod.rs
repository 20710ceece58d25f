//! Domain values that parse on construction: once one exists, it is valid.

pub mod branding;
pub mod email;
pub mod firmware;
pub mod mac;
pub mod password;
pub mod profile;
pub mod second_factor;
pub mod server;

pub use email::Email;
pub use firmware::FirmwareRelease;
pub use mac::Mac;
pub use password::{NewPassword, PasswordHash};
pub use profile::{Address, PersonName, PhoneNumber};
pub use server::{ServerName, ServerUrl};
