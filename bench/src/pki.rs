//! The certificates of a run: a server certificate that rcs and nginx both present, a device
//! CA, and one certificate per phone, each wrapped in its own rustls client configuration.
//!
//! A client configuration is built once per phone, up front, so a connection only clones an
//! `Arc`: the boot storm measures the servers, not our set-up. Session resumption is off in
//! every configuration, so each connection is a full handshake with client authentication,
//! as a phone booting from factory default does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::client::Resumption;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

/// One simulated phone: its MAC (the certificate's CN) and its TLS identity.
#[derive(Clone)]
pub struct Phone {
    pub mac: String,
    pub tls: Arc<ClientConfig>,
}

impl Phone {
    /// The User-Agent an Aastra 6757i running `version` sends.
    pub fn user_agent(&self, version: &str) -> String {
        let m = &self.mac;
        format!(
            "Aastra6757i MAC:{}-{}-{}-{}-{}-{} V:{version}-SIP",
            &m[0..2],
            &m[2..4],
            &m[4..6],
            &m[6..8],
            &m[8..10],
            &m[10..12]
        )
    }
}

/// Files written for the servers, and what clients need to trust the server.
pub struct Pki {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub device_ca: PathBuf,
    roots: Arc<RootCertStore>,
    device_ca_cert: Certificate,
    device_ca_key: KeyPair,
}

fn validity(params: &mut CertificateParams) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(30);
}

fn ca(name: &str) -> anyhow::Result<(Certificate, KeyPair)> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut params);
    Ok((params.self_signed(&key)?, key))
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Pki {
    /// Generates a server CA and a `localhost` certificate it signs, and the device CA.
    pub fn generate(dir: &Path) -> anyhow::Result<Pki> {
        std::fs::create_dir_all(dir)?;
        let (server_ca, server_ca_key) = ca("rcs-bench server CA")?;
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        validity(&mut params);
        let server = params.signed_by(&key, &server_ca, &server_ca_key)?;
        let (device_ca_cert, device_ca_key) = ca("rcs-bench device CA")?;

        let pki = Pki {
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            device_ca: dir.join("device-ca.crt"),
            roots: Arc::new({
                let mut roots = RootCertStore::empty();
                roots.add(server_ca.der().clone())?;
                roots
            }),
            device_ca_cert,
            device_ca_key,
        };
        std::fs::write(&pki.server_cert, server.pem())?;
        std::fs::write(&pki.server_key, key.serialize_pem())?;
        std::fs::write(&pki.device_ca, pki.device_ca_cert.pem())?;
        Ok(pki)
    }

    /// A client configuration without a certificate (staff calling the API).
    pub fn api_client(&self) -> anyhow::Result<Arc<ClientConfig>> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.roots.clone())
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// One phone certificate (CN = the MAC) signed by the device CA, and its configuration.
    pub fn phone(&self, mac: &str) -> anyhow::Result<Phone> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, mac);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        validity(&mut params);
        let cert = params.signed_by(&key, &self.device_ca_cert, &self.device_ca_key)?;
        let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.roots.clone())
            .with_client_auth_cert(chain, key)
            .context("phone certificate rejected by rustls")?;
        config.resumption = Resumption::disabled();
        Ok(Phone {
            mac: mac.to_string(),
            tls: Arc::new(config),
        })
    }

    /// Phones for `macs`, generated on every core.
    pub fn phones(&self, macs: &[String]) -> anyhow::Result<Vec<Phone>> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = macs.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = macs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || part.iter().map(|m| self.phone(m)).collect::<Vec<_>>())
                })
                .collect();
            let mut phones = Vec::with_capacity(macs.len());
            for handle in handles {
                for phone in handle.join().expect("certificate thread panicked") {
                    phones.push(phone?);
                }
            }
            Ok(phones)
        })
    }
}
