//! Device trust: the CAs whose phone certificates rcs accepts and the revocation lists that
//! refuse single phones again, as the operator manages them (`rcs device-ca`, `rcs device-crl`).
//!
//! Both sets live in the database, so every node follows a change within seconds
//! (`device::ca` reads them); this module is where they are changed, by the console's
//! `/api/v1/admin/device-cas|device-crls` and the CLI alike. They are platform-wide, not an
//! account's: each change is recorded in the operator trail only.

use std::path::Path;

use rustls_pki_types::CertificateDer;

use crate::db::device_cas::{self, DeviceCaRow};
use crate::db::device_crls::{self, DeviceCrlRow, Stored};
use crate::db::operator_audit::OperatorEntry;
use crate::db::{rfc3339, Db};
use crate::device::ca::{self, CaCert, Crl};
use crate::error::{Error, Result};
use crate::services::operators::OperatorActor;

/// Trusts every CA of a PEM bundle read from `what` (a file name, for messages); returns the
/// ones added and how many were trusted already. Nothing is added when one certificate of
/// the bundle is unusable.
pub async fn add_cas(
    db: &Db,
    actor: &OperatorActor,
    pem: &str,
    what: &str,
) -> Result<(Vec<CaCert>, usize)> {
    let (added, existing) = ca::register(db, pem, what).await?;
    for cert in &added {
        let detail = format!("sha256 {}", cert.sha256);
        record(db, actor, "device_ca.add", &cert.subject, &detail).await?;
    }
    Ok((added, existing))
}

/// Records a trust change in the operator trail. The change itself is one statement already
/// committed (the trust tables are read by every node as they are), so the entry follows it.
async fn record(
    db: &Db,
    actor: &OperatorActor,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let entry = OperatorEntry {
        action,
        account: None,
        target,
        detail,
    };
    actor.record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The trusted CAs, oldest first (the configured `device_ca` bundle is not among them).
pub async fn list_cas(db: &Db) -> Result<Vec<DeviceCaRow>> {
    Ok(device_cas::list(db).await?)
}

/// Stops trusting CA `id`; 404 `device_ca_not_found` when there is none with that id.
pub async fn remove_ca(db: &Db, actor: &OperatorActor, id: i64) -> Result<()> {
    let subject = device_cas::list(db)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.subject);
    if !device_cas::remove(db, id).await? {
        return Err(Error::not_found(
            "device_ca_not_found",
            format!("There is no trusted device CA with id {id}."),
        ));
    }
    let target = subject.unwrap_or_else(|| format!("device CA {id}"));
    record(db, actor, "device_ca.remove", &target, "").await
}

/// Uses the revocation list in `bytes` (DER or PEM, read from `what`), which a trusted CA (in
/// the database or the configured `device_ca` bundle) must have signed; a newer list of the
/// same CA replaces the older one.
pub async fn add_crl(
    db: &Db,
    actor: &OperatorActor,
    bytes: &[u8],
    what: &str,
    configured_ca: Option<&Path>,
) -> Result<(Crl, Stored)> {
    let configured: Vec<CertificateDer<'static>> = match configured_ca {
        Some(path) => crate::tls::read_certs(path)?,
        None => Vec::new(),
    };
    let (crl, stored) = ca::register_crl(db, bytes, what, &configured).await?;
    if matches!(stored, Stored::Added | Stored::Replaced) {
        let detail = format!("{} revoked, sha256 {}", crl.revoked, crl.sha256);
        record(db, actor, "device_crl.add", &crl.issuer, &detail).await?;
    }
    Ok((crl, stored))
}

/// The revocation lists in use, oldest first.
pub async fn list_crls(db: &Db) -> Result<Vec<DeviceCrlRow>> {
    Ok(device_crls::list(db).await?)
}

/// Stops using revocation list `id`; 404 `device_crl_not_found` when there is none.
pub async fn remove_crl(db: &Db, actor: &OperatorActor, id: i64) -> Result<()> {
    let issuer = device_crls::list(db)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.issuer);
    if !device_crls::remove(db, id).await? {
        return Err(Error::not_found(
            "device_crl_not_found",
            format!("There is no revocation list with id {id}."),
        ));
    }
    let target = issuer.unwrap_or_else(|| format!("revocation list {id}"));
    record(db, actor, "device_crl.remove", &target, "").await
}

/// A trusted CA as the console shows it.
pub fn ca_dto(row: &DeviceCaRow) -> rcs_shared::DeviceCa {
    rcs_shared::DeviceCa {
        id: row.id,
        subject: row.subject.clone(),
        sha256: row.sha256.clone(),
        not_after: rfc3339(row.not_after),
        added_at: rfc3339(row.added_at),
    }
}

/// A revocation list as the console shows it.
pub fn crl_dto(row: &DeviceCrlRow) -> rcs_shared::DeviceCrl {
    rcs_shared::DeviceCrl {
        id: row.id,
        issuer: row.issuer.clone(),
        sha256: row.sha256.clone(),
        this_update: rfc3339(row.this_update),
        next_update: row.next_update.map(rfc3339),
        revoked: row.revoked,
        added_at: rfc3339(row.added_at),
    }
}
