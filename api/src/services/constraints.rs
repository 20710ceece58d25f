//! Constraint violations the services turn into 409s, beside `error::ResultExt`'s unique one.
//!
//! On SQLite a foreign key also keeps a server or branding from being deleted while a phone
//! still points at it; the service then answers as if it had seen the phone. (PostgreSQL
//! keeps no foreign key on the phones' references: the services lock the row before they
//! count its phones, migrations/postgres/0018 says why.) (This belongs beside
//! [`ResultExt`](crate::error::ResultExt) in `error.rs`; it lives here until that file's owner
//! moves it.)

use crate::error::{Error, Result};

/// Turns a foreign-key violation into a domain error; anything else maps as usual.
pub trait ForeignKeyExt<T> {
    fn on_foreign_key_violation(self, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T> ForeignKeyExt<T> for std::result::Result<T, sqlx::Error> {
    fn on_foreign_key_violation(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => f(),
            _ => Error::from(e),
        })
    }
}
