//! Domain values that parse on construction: once one exists, it is valid.

pub mod email;
pub mod password;

pub use email::Email;
pub use password::{NewPassword, PasswordHash};
