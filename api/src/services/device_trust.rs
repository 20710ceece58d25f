//! Device trust: the CAs whose phone certificates rcs accepts and the revocation lists that
//! refuse single phones again, as the operator manages them (`rcs device-ca`, `rcs device-crl`).
//!
//! Both sets live in the database, so every node follows a change within seconds
//! (`device::ca` reads them); this module is where they are changed. They are platform-wide,
//! not an account's, so there is no [`super::Actor`] and no account audit trail: only the
//! operator reaches them.

use std::path::Path;

use rustls_pki_types::CertificateDer;

use crate::db::device_cas::{self, DeviceCaRow};
use crate::db::device_crls::{self, DeviceCrlRow, Stored};
use crate::db::Db;
use crate::device::ca::{self, CaCert, Crl};
use crate::error::{Error, Result};

/// Trusts every CA of a PEM bundle read from `what` (a file name, for messages); returns the
/// ones added and how many were trusted already. Nothing is added when one certificate of
/// the bundle is unusable.
pub async fn add_cas(db: &Db, pem: &str, what: &str) -> Result<(Vec<CaCert>, usize)> {
    Ok(ca::register(db, pem, what).await?)
}

/// The trusted CAs, oldest first (the configured `device_ca` bundle is not among them).
pub async fn list_cas(db: &Db) -> Result<Vec<DeviceCaRow>> {
    Ok(device_cas::list(db).await?)
}

/// Stops trusting CA `id`; 404 `device_ca_not_found` when there is none with that id.
pub async fn remove_ca(db: &Db, id: i64) -> Result<()> {
    if !device_cas::remove(db, id).await? {
        return Err(Error::not_found(
            "device_ca_not_found",
            format!("no trusted device CA with id {id}"),
        ));
    }
    Ok(())
}

/// Uses the revocation list in `bytes` (DER or PEM, read from `what`), which a trusted CA (in
/// the database or the configured `device_ca` bundle) must have signed; a newer list of the
/// same CA replaces the older one.
pub async fn add_crl(
    db: &Db,
    bytes: &[u8],
    what: &str,
    configured_ca: Option<&Path>,
) -> Result<(Crl, Stored)> {
    let configured: Vec<CertificateDer<'static>> = match configured_ca {
        Some(path) => crate::tls::read_certs(path)?,
        None => Vec::new(),
    };
    Ok(ca::register_crl(db, bytes, what, &configured).await?)
}

/// The revocation lists in use, oldest first.
pub async fn list_crls(db: &Db) -> Result<Vec<DeviceCrlRow>> {
    Ok(device_crls::list(db).await?)
}

/// Stops using revocation list `id`; 404 `device_crl_not_found` when there is none.
pub async fn remove_crl(db: &Db, id: i64) -> Result<()> {
    if !device_crls::remove(db, id).await? {
        return Err(Error::not_found(
            "device_crl_not_found",
            format!("no revocation list with id {id}"),
        ));
    }
    Ok(())
}
