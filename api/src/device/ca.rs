//! Device CA certificates as operators hand them over (PEM files with one or more CAs), kept
//! in the database and followed by every running node.

use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::db::{device_cas, Db};
use crate::device::trust::DeviceTrust;
use crate::startup::AppState;
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
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Adds every CA of a PEM text to the trusted set in the database; returns (added, already
/// there). Nothing is added when one certificate of the bundle is unusable.
pub async fn register(db: &Db, pem: &str, what: &str) -> anyhow::Result<(Vec<CaCert>, usize)> {
    let certs = parse_bundle(pem).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
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

/// Trust in the configured bundle plus the database's CAs, as of now.
pub async fn load_trust(
    db: &Db,
    configured: Vec<CertificateDer<'static>>,
) -> anyhow::Result<DeviceTrust> {
    let (stamp, stored) = stored(db).await?;
    DeviceTrust::new(crate::tls::provider(), configured, stamp, stored)
}

async fn stored(db: &Db) -> sqlx::Result<(String, Vec<CertificateDer<'static>>)> {
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

/// How often a node looks for CAs added or removed on any node.
const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// Keeps `state`'s trusted CAs in step with the database, so `rcs device-ca add/remove` takes
/// effect on every running node within seconds, without a restart.
pub async fn follow_trust(state: actix_web::web::Data<AppState>) {
    let mut tick = tokio::time::interval(FOLLOW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let trust = &state.device.trust;
        let stamp = match device_cas::stamp(&state.db).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "cannot check the device CAs");
                continue;
            }
        };
        if stamp == trust.stamp() {
            continue;
        }
        match stored(&state.db).await {
            Ok((stamp, certs)) => match trust.replace(stamp, certs) {
                Ok(()) => tracing::info!(anchors = trust.anchors(), "device CAs reloaded"),
                Err(e) => tracing::warn!(error = %e, "cannot reload the device CAs"),
            },
            Err(e) => tracing::debug!(error = %e, "cannot read the device CAs"),
        }
    }
}
