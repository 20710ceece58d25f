//! HTTPS with rustls: the server certificate and the device CA that phones are checked against.
//!
//! Configured files are used as given. Without them, the first start generates a self-signed
//! server certificate and a development device CA in the data directory (and later starts
//! reuse them), so a newcomer gets working HTTPS and can sign a test phone certificate.
//!
//! The listener asks every client for a certificate but lets browsers connect without one;
//! device routes then insist on one that chains to a trusted device CA (see `device::trust`).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use crate::config::Settings;

/// Where generated material lives inside the data directory.
pub struct TlsPaths {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub device_ca_cert: PathBuf,
    pub device_ca_key: PathBuf,
}

impl TlsPaths {
    pub fn in_data_dir(data_dir: &Path) -> TlsPaths {
        TlsPaths {
            server_cert: data_dir.join("tls").join("server.crt"),
            server_key: data_dir.join("tls").join("server.key"),
            device_ca_cert: data_dir.join("device-ca").join("ca.crt"),
            device_ca_key: data_dir.join("device-ca").join("ca.key"),
        }
    }
}

/// The server's certificate and key, the configured device CAs, and notes on what was
/// generated. [`Tls::server_config`] turns it into the listener's rustls configuration.
pub struct Tls {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    key_path: PathBuf,
    pub server_cert: PathBuf,
    /// Where the configured device CA bundle, or the development CA, is.
    pub device_ca: PathBuf,
    /// The configured device CA bundle (`device_ca`); empty when none is configured.
    pub configured_cas: Vec<CertificateDer<'static>>,
    /// The development device CA when this start generated it: the caller registers it with
    /// the trusted CAs (visible in `rcs device-ca list`, removable like any other).
    pub new_dev_ca: Option<String>,
    /// Human-readable notes about generated files.
    pub generated: Vec<String>,
}

/// The ring provider, named explicitly so the choice never depends on cargo feature unification.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Loads configured certificates or generates development ones.
pub fn load_or_generate(settings: &Settings) -> anyhow::Result<Tls> {
    let paths = TlsPaths::in_data_dir(&settings.data_dir);
    let mut generated = Vec::new();

    let (cert_path, key_path) = match (&settings.tls_cert, &settings.tls_key) {
        (Some(c), Some(k)) => (c.clone(), k.clone()),
        _ => {
            if !paths.server_cert.exists() || !paths.server_key.exists() {
                generate_server_cert(&paths)?;
                generated.push(format!(
                    "generated a self-signed server certificate: {}",
                    paths.server_cert.display()
                ));
            }
            (paths.server_cert.clone(), paths.server_key.clone())
        }
    };
    let mut new_dev_ca = None;
    let (ca_path, configured_cas) = match &settings.device_ca {
        Some(p) => (p.clone(), read_certs(p)?),
        None => {
            if !paths.device_ca_cert.exists() || !paths.device_ca_key.exists() {
                generate_device_ca(&paths)?;
                generated.push(format!(
                    "generated a development device CA (sign test phone certificates with it: \
                     rcs device-ca issue MAC): {} and {}",
                    paths.device_ca_cert.display(),
                    paths.device_ca_key.display()
                ));
                new_dev_ca = Some(std::fs::read_to_string(&paths.device_ca_cert)?);
            }
            (paths.device_ca_cert.clone(), Vec::new())
        }
    };

    let chain = read_certs(&cert_path)?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| anyhow!("cannot read the private key {}: {e}", key_path.display()))?;
    Ok(Tls {
        chain,
        key,
        key_path,
        server_cert: cert_path,
        device_ca: ca_path,
        configured_cas,
        new_dev_ca,
        generated,
    })
}

impl Tls {
    /// The listener's configuration: this certificate, and `verifier` for client certificates.
    pub fn server_config(
        &self,
        verifier: Arc<dyn rustls::server::danger::ClientCertVerifier>,
    ) -> anyhow::Result<ServerConfig> {
        ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .with_context(|| {
                format!(
                    "the key {} does not match the certificate",
                    self.key_path.display()
                )
            })
    }
}

/// Signs a phone certificate for `mac` (in the CN and as a DNS SAN) with the development
/// device CA of `data_dir`: PEM certificate and key. For trying rcs with curl as a phone.
pub fn issue_phone_cert(data_dir: &Path, mac: &str, days: i64) -> anyhow::Result<(String, String)> {
    let paths = TlsPaths::in_data_dir(data_dir);
    let ca_pem = std::fs::read_to_string(&paths.device_ca_cert).with_context(|| {
        format!(
            "no development device CA at {} (start rcs once without device_ca to generate it)",
            paths.device_ca_cert.display()
        )
    })?;
    let ca_key_pem = std::fs::read_to_string(&paths.device_ca_key)
        .with_context(|| format!("cannot read {}", paths.device_ca_key.display()))?;
    let ca_key = KeyPair::from_pem(&ca_key_pem)?;
    // The issuer is rebuilt from the CA's key and name (rcgen signs with those; the bytes of
    // the name match because rcgen wrote the development CA too).
    let ca_der = CertificateDer::from_pem_slice(ca_pem.as_bytes())
        .map_err(|e| anyhow!("invalid PEM in {}: {e}", paths.device_ca_cert.display()))?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&ca_der)
        .map_err(|e| anyhow!("unreadable device CA certificate: {e}"))?;
    let ca_name = parsed
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or("rcs development device CA")
        .to_string();
    let mut ca_params = CertificateParams::default();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key)?;
    let key = KeyPair::generate()?;
    let mut params =
        CertificateParams::new(vec![format!("{}.phone.invalid", mac.to_ascii_lowercase())])?;
    params.distinguished_name.push(DnType::CommonName, mac);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    validity(&mut params, days);
    let cert = params.signed_by(&key, &ca, &ca_key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

pub(crate) fn read_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("invalid PEM in {}: {e}", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!("no certificate found in {}", path.display());
    }
    Ok(certs)
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(days);
}

fn generate_server_cert(paths: &TlsPaths) -> anyhow::Result<()> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params.subject_alt_names.extend([
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]);
    params
        .distinguished_name
        .push(DnType::CommonName, "rcs development server");
    validity(&mut params, 825);
    let cert = params.self_signed(&key)?;
    write_file(&paths.server_cert, cert.pem().as_bytes(), false)?;
    write_file(&paths.server_key, key.serialize_pem().as_bytes(), true)
}

fn generate_device_ca(paths: &TlsPaths) -> anyhow::Result<()> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "rcs development device CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, 3650);
    let cert = params.self_signed(&key)?;
    write_file(&paths.device_ca_cert, cert.pem().as_bytes(), false)?;
    write_file(&paths.device_ca_key, key.serialize_pem().as_bytes(), true)
}

/// Writes a file, creating its folder; private keys are readable by the owner only.
fn write_file(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

/// Why a TLS handshake on the HTTPS listener failed, as a metric label: `timeout` (the
/// client took longer than `request_timeout_secs`), `closed` (it went away, or sent nothing
/// TLS), or the kind of rustls error: `incompatible` (no common version or cipher suite),
/// `malformed` (not a well-formed TLS message), `alert` (the client refused us, typically
/// an untrusted server certificate), `client_certificate` (a client certificate whose key
/// signature does not verify), `protocol` (any other TLS violation).
pub fn handshake_failure_reason(
    error: &actix_tls::accept::TlsError<std::io::Error, std::convert::Infallible>,
) -> &'static str {
    use actix_tls::accept::TlsError;
    let io = match error {
        TlsError::Timeout => return "timeout",
        TlsError::Tls(io) => io,
        TlsError::Service(never) => match *never {},
    };
    match io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::PeerIncompatible(_)) => "incompatible",
        Some(rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. }) => {
            "malformed"
        }
        Some(rustls::Error::AlertReceived(_)) => "alert",
        Some(
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::InvalidCertRevocationList(_),
        ) => "client_certificate",
        Some(_) => "protocol",
        None => "closed",
    }
}
