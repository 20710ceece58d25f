//! The platform operator's maintenance commands, apart from the service itself:
//! checking a configuration before it goes live ([`check`]), online SQLite backups
//! ([`backup`]), and moving an installation between engines ([`transfer`]).

pub mod backup;
pub mod check;
pub mod transfer;
