//! Device CA certificates as operators hand them over (PEM files with one or more CAs), kept
//! in the database and followed by every running node.

use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use x509_parser::prelude::{CertificateRevocationList, FromDer, X509Certificate};

use crate::db::device_crls::{self, NewCrl, Stored};
use crate::db::{device_cas, Db};
use crate::device::trust::{DeviceTrust, Trusted};
use crate::error::{Error, Result};
use crate::storage::sha256_hex;

/// One CA certificate, with what `rcs device-ca list` shows of it.
#[derive(Debug, Clone)]
pub struct CaCert {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub subject: String,
    /// SHA-256 of the DER, lower-case hex: the certificate's identity.
    pub sha256: String,
    /// Unix seconds.
    pub not_after: i64,
}

/// Every certificate in a PEM text, each checked to be a CA (basic constraints `CA:TRUE`).
pub fn parse_bundle(pem: &str) -> Result<Vec<CaCert>, String> {
    let ders = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("invalid PEM: {e}"))?;
    if ders.is_empty() {
        return Err("no certificate found (expected -----BEGIN CERTIFICATE-----)".into());
    }
    ders.into_iter().map(describe).collect()
}

/// Reads the facts of one CA certificate.
pub fn describe(der: CertificateDer<'static>) -> Result<CaCert, String> {
    let (_, cert) =
        X509Certificate::from_der(&der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let subject = cert.subject().to_string();
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    if !is_ca {
        return Err(format!(
            "{subject} is not a CA certificate (basic constraints CA:TRUE is missing)"
        ));
    }
    let not_after = cert.validity().not_after.timestamp();
    let pem = pem_of(&der);
    Ok(CaCert {
        sha256: sha256_hex(&der),
        der,
        pem,
        subject,
        not_after,
    })
}

fn pem_of(der: &[u8]) -> String {
    pem_block("CERTIFICATE", der)
}

fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Adds every CA of a PEM text to the trusted set in the database; returns (added, already
/// there). Nothing is added when one certificate of the bundle is unusable.
pub async fn register(db: &Db, pem: &str, what: &str) -> Result<(Vec<CaCert>, usize)> {
    let certs = parse_bundle(pem)
        .map_err(|e| Error::unprocessable("invalid_device_ca", format!("{what}: {e}")))?;
    let now = crate::db::now();
    let mut added = Vec::new();
    let mut existing = 0;
    for cert in certs {
        match device_cas::add(
            db,
            &cert.subject,
            &cert.sha256,
            &cert.pem,
            cert.not_after,
            now,
        )
        .await?
        {
            Some(_) => added.push(cert),
            None => existing += 1,
        }
    }
    Ok((added, existing))
}

/// One revocation list, checked to be signed by a trusted device CA.
#[derive(Debug, Clone)]
pub struct Crl {
    pub issuer: String,
    pub sha256: String,
    pub pem: String,
    /// Unix seconds.
    pub this_update: i64,
    pub next_update: Option<i64>,
    pub revoked: i64,
}

/// Reads a revocation list as CAs publish it (DER, or PEM `X509 CRL`) and checks that one of
/// `trusted` signed it: a list nobody trusted could otherwise revoke any phone.
pub fn parse_crl(bytes: &[u8], trusted: &[CertificateDer<'_>]) -> Result<Crl, String> {
    let der: CertificateRevocationListDer<'static> = if bytes.starts_with(b"-----BEGIN") {
        let mut lists = CertificateRevocationListDer::pem_slice_iter(bytes);
        match lists.next() {
            Some(Ok(der)) if lists.next().is_none() => der,
            Some(Ok(_)) => return Err("one revocation list per file, please".into()),
            Some(Err(e)) => return Err(format!("invalid PEM: {e}")),
            None => {
                return Err("no revocation list found (expected -----BEGIN X509 CRL-----)".into())
            }
        }
    } else {
        CertificateRevocationListDer::from(bytes.to_vec())
    };
    let (rest, crl) = CertificateRevocationList::from_der(&der)
        .map_err(|e| format!("unreadable revocation list: {e}"))?;
    if !rest.is_empty() {
        return Err("unreadable revocation list: trailing bytes".into());
    }
    let issuer = crl.issuer().to_string();
    let signer = trusted
        .iter()
        .filter_map(|ca| X509Certificate::from_der(ca).ok().map(|(_, c)| c))
        .filter(|ca| ca.subject() == crl.issuer())
        .find(|ca| crl.verify_signature(ca.public_key()).is_ok());
    if signer.is_none() {
        return Err(format!(
            "the revocation list of {issuer} is not signed by a trusted device CA \
             (add the CA first with `rcs device-ca add`)"
        ));
    }
    Ok(Crl {
        sha256: sha256_hex(&der),
        pem: pem_block("X509 CRL", &der),
        issuer,
        this_update: crl.last_update().timestamp(),
        next_update: crl.next_update().map(|t| t.timestamp()),
        revoked: crl.iter_revoked_certificates().count() as i64,
    })
}

/// Stores a revocation list read from `what`; a newer list of the same CA replaces the older.
pub async fn register_crl(
    db: &Db,
    bytes: &[u8],
    what: &str,
    configured: &[CertificateDer<'static>],
) -> Result<(Crl, Stored)> {
    let (_, mut trusted) = stored_cas(db).await?;
    trusted.extend(configured.iter().cloned());
    let crl = parse_crl(bytes, &trusted)
        .map_err(|e| Error::unprocessable("invalid_device_crl", format!("{what}: {e}")))?;
    let stored = device_crls::store(
        db,
        &NewCrl {
            issuer: &crl.issuer,
            sha256: &crl.sha256,
            pem: &crl.pem,
            this_update: crl.this_update,
            next_update: crl.next_update,
            revoked: crl.revoked,
        },
        crate::db::now(),
    )
    .await?;
    Ok((crl, stored))
}

/// Trust in the configured bundle plus the database's CAs and revocation lists, as of now.
pub async fn load_trust(
    db: &Db,
    configured: Vec<CertificateDer<'static>>,
) -> anyhow::Result<DeviceTrust> {
    DeviceTrust::new(crate::tls::provider(), configured, stored(db).await?)
}

/// The stamp of what the database holds: CAs and revocation lists.
async fn stamp(db: &Db) -> sqlx::Result<String> {
    Ok(format!(
        "{}|{}",
        device_cas::stamp(db).await?,
        device_crls::stamp(db).await?
    ))
}

async fn stored_cas(db: &Db) -> sqlx::Result<(String, Vec<CertificateDer<'static>>)> {
    let stamp = device_cas::stamp(db).await?;
    let rows = device_cas::list(db).await?;
    let certs = rows
        .iter()
        .filter_map(|r| match CertificateDer::from_pem_slice(r.pem.as_bytes()) {
            Ok(der) => Some(der),
            Err(e) => {
                tracing::warn!(id = r.id, error = %e, "skipping an unreadable device CA");
                None
            }
        })
        .collect();
    Ok((stamp, certs))
}

async fn stored(db: &Db) -> sqlx::Result<Trusted> {
    let stamp = stamp(db).await?;
    let (_, cas) = stored_cas(db).await?;
    let crls = device_crls::list(db)
        .await?
        .iter()
        .filter_map(
            |r| match CertificateRevocationListDer::from_pem_slice(r.pem.as_bytes()) {
                Ok(der) => Some(der),
                Err(e) => {
                    tracing::warn!(id = r.id, error = %e, "skipping an unreadable revocation list");
                    None
                }
            },
        )
        .collect();
    Ok(Trusted { stamp, cas, crls })
}

/// How often a node looks for CAs and revocation lists changed on any node.
const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// Keeps `state`'s trusted CAs and revocation lists in step with the database, so
/// `rcs device-ca` and `rcs device-crl` take effect on every running node within seconds,
/// without a restart.
pub async fn follow_trust(db: Db, trust: Arc<DeviceTrust>) {
    let mut tick = tokio::time::interval(FOLLOW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let stamp = match stamp(&db).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "cannot check the device CAs");
                continue;
            }
        };
        if stamp == trust.stamp() {
            continue;
        }
        match stored(&db).await {
            Ok(next) => match trust.replace(next) {
                Ok(()) => tracing::info!(
                    anchors = trust.anchors(),
                    "device CAs and revocation lists reloaded"
                ),
                Err(e) => tracing::warn!(error = %e, "cannot reload the device CAs"),
            },
            Err(e) => tracing::debug!(error = %e, "cannot read the device CAs"),
        }
    }
}
