//! Which device certificates rcs trusts, and the TLS-level half of checking them.
//!
//! Checking happens in two places on purpose:
//! - during the handshake, [`HandshakeVerifier`] asks every client for a certificate, lets
//!   browsers connect without one, and for a certificate that is offered checks only that the
//!   client holds its private key (the handshake signature). It never fails a handshake over
//!   the chain: a phone with an expired or foreign certificate then reaches HTTP, where it gets
//!   an answer that says why and leaves a `refused` boot event for the operator to see
//!   (`rcs phones refused`; not for the account, since anybody can send such a certificate),
//!   instead of a bare TLS alert nobody can diagnose.
//! - on a device route, [`DeviceTrust::verify`] checks the chain against the current CA set:
//!   the configured bundle plus the CAs operators add with `rcs device-ca add` (kept in the
//!   database, so every node sees them; nodes reload them every few seconds), and against
//!   the revocation lists added with `rcs device-crl add` (same storage, same reload). A CA
//!   without a list is not an error: revocation is checked where a list is known.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};

/// What the database contributes to trust: CAs and revocation lists, with the stamp that
/// identifies this set.
pub struct Trusted {
    pub stamp: String,
    pub cas: Vec<CertificateDer<'static>>,
    pub crls: Vec<CertificateRevocationListDer<'static>>,
}

/// Why a device certificate was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainProblem {
    /// Not signed by a trusted device CA (or no CA is configured at all).
    Untrusted,
    /// Past its `notAfter`.
    Expired,
    /// Before its `notBefore`.
    NotYetValid,
    /// Listed in a revocation list.
    Revoked,
    /// Not usable for client authentication, or unreadable.
    Invalid,
}

impl ChainProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            ChainProblem::Untrusted => "certificate_untrusted",
            ChainProblem::Expired => "certificate_expired",
            ChainProblem::NotYetValid => "certificate_not_yet_valid",
            ChainProblem::Revoked => "certificate_revoked",
            ChainProblem::Invalid => "certificate_invalid",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            ChainProblem::Untrusted => {
                "The device certificate is not signed by a trusted device CA."
            }
            ChainProblem::Expired => "The device certificate has expired.",
            ChainProblem::NotYetValid => "The device certificate is not valid yet.",
            ChainProblem::Revoked => "The device certificate has been revoked.",
            ChainProblem::Invalid => "The device certificate cannot be used to identify a phone.",
        }
    }

    fn from_rustls(e: &rustls::Error) -> ChainProblem {
        use CertificateError as C;
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                C::Expired | C::ExpiredContext { .. } => ChainProblem::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => ChainProblem::NotYetValid,
                C::Revoked => ChainProblem::Revoked,
                C::UnknownIssuer | C::BadSignature => ChainProblem::Untrusted,
                _ => ChainProblem::Invalid,
            },
            _ => ChainProblem::Invalid,
        }
    }
}

/// The current set of trusted device CAs.
pub struct DeviceTrust {
    provider: Arc<CryptoProvider>,
    /// The configured bundle (`device_ca`), fixed for the life of the process.
    configured: Vec<CertificateDer<'static>>,
    current: RwLock<Current>,
    /// Bumped whenever the set changes, so connections re-check their chain.
    generation: AtomicU64,
}

struct Current {
    /// What the database CAs were when `verifier` was built (ids and fingerprints).
    stamp: String,
    /// `None` when no CA is trusted at all: every certificate is then untrusted.
    verifier: Option<Arc<dyn ClientCertVerifier>>,
    anchors: usize,
}

impl DeviceTrust {
    /// Trust in `configured` plus `stored` (the database's CAs and revocation lists).
    pub fn new(
        provider: Arc<CryptoProvider>,
        configured: Vec<CertificateDer<'static>>,
        stored: Trusted,
    ) -> anyhow::Result<DeviceTrust> {
        let current = build(&provider, &configured, stored)?;
        Ok(DeviceTrust {
            provider,
            configured,
            current: RwLock::new(current),
            generation: AtomicU64::new(0),
        })
    }

    /// The stamp of the database CAs in use; [`DeviceTrust::replace`] when it changed.
    pub fn stamp(&self) -> String {
        self.read().stamp.clone()
    }

    /// How many CA certificates are trusted now.
    pub fn anchors(&self) -> usize {
        self.read().anchors
    }

    /// Swaps in a new set of database CAs and lists (after `rcs device-ca` or `rcs device-crl`
    /// on any node).
    pub fn replace(&self, stored: Trusted) -> anyhow::Result<()> {
        let next = build(&self.provider, &self.configured, stored)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Changes whenever the trusted set changes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Checks a client chain (leaf first) against the trusted CAs, now.
    pub fn verify(&self, chain: &[CertificateDer<'static>]) -> Result<(), ChainProblem> {
        let verifier = self.read().verifier.clone();
        let Some(verifier) = verifier else {
            return Err(ChainProblem::Untrusted);
        };
        let Some((leaf, intermediates)) = chain.split_first() else {
            return Err(ChainProblem::Invalid);
        };
        verifier
            .verify_client_cert(leaf, intermediates, UnixTime::now())
            .map(|_| ())
            .map_err(|e| ChainProblem::from_rustls(&e))
    }

    /// The subjects of the trusted CAs, sent to clients as hints in the handshake.
    pub fn hints(&self) -> Vec<DistinguishedName> {
        self.read()
            .verifier
            .as_ref()
            .map(|v| v.root_hint_subjects().to_vec())
            .unwrap_or_default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn build(
    provider: &Arc<CryptoProvider>,
    configured: &[CertificateDer<'static>],
    stored: Trusted,
) -> anyhow::Result<Current> {
    let Trusted { stamp, cas, crls } = stored;
    let mut roots = RootCertStore::empty();
    for ca in configured.iter().cloned().chain(cas) {
        // A CA that webpki cannot use is skipped (and reported by `rcs device-ca add`), so
        // one bad row cannot stop every phone from booting.
        if let Err(e) = roots.add(ca) {
            tracing::warn!(error = %e, "skipping an unusable device CA certificate");
        }
    }
    let anchors = roots.len();
    let verifier = if roots.is_empty() {
        None
    } else {
        let v: Arc<dyn ClientCertVerifier> =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .with_crls(crls)
                // Revocation is checked where a CA published a list; phones of CAs without
                // one are not refused for it.
                .allow_unknown_revocation_status()
                .build()
                .map_err(|e| {
                    anyhow::anyhow!("cannot build the device certificate verifier: {e}")
                })?;
        Some(v)
    };
    Ok(Current {
        stamp,
        verifier,
        anchors,
    })
}

/// The handshake half: offer client authentication, never require it, and check only that a
/// client holds the key of the certificate it presents. See the module docs for why the chain
/// is checked later.
#[derive(Debug)]
pub struct HandshakeVerifier {
    provider: Arc<CryptoProvider>,
    hints: Vec<DistinguishedName>,
}

impl HandshakeVerifier {
    pub fn new(provider: Arc<CryptoProvider>, hints: Vec<DistinguishedName>) -> HandshakeVerifier {
        HandshakeVerifier { provider, hints }
    }
}

impl ClientCertVerifier for HandshakeVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
