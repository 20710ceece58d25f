//! The device side: phones booting against `/phone/{mac}`.
//!
//! [`trust`] decides which certificates count, [`identity`] which MACs a certificate speaks
//! for, [`user_agent`] what the phone says it runs, [`answer`] what it is told (with download
//! links from [`links`]), and [`recorder`] writes every contact to the boot history without
//! making the answer wait. [`native`] answers the files real phones fetch, in their own
//! syntax, one module per vendor.

pub mod answer;
pub mod ca;
pub mod directory;
pub mod identity;
pub mod links;
pub mod native;
pub mod recorder;
pub mod trust;
pub mod user_agent;

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use rcs_shared::ApiError;
use rustls_pki_types::CertificateDer;

use crate::domain::{Mac, Vendor};
pub use recorder::BootRecorder;
use trust::{ChainProblem, DeviceTrust};

/// The device side's shared state.
pub struct Device {
    pub trust: Arc<DeviceTrust>,
    pub recorder: BootRecorder,
    /// Native boots in progress, so each is one history entry.
    pub sessions: native::session::Sessions,
    /// The answers this node looked up, kept until something changes.
    pub directory: Arc<directory::Directory>,
}

/// The local address (and port) a client's connection arrived on, kept with the connection
/// when it is accepted: where download links point when no URL is configured.
#[derive(Debug, Clone, Copy)]
pub struct ArrivedAt(pub std::net::SocketAddr);

/// The certificate chain a client presented in the TLS handshake (leaf first), attached to
/// its connection. The MACs it names are read once per connection; the chain check is kept
/// for the connection's later requests until the trusted CAs change (so a removed CA stops
/// working on kept-alive connections too).
pub struct PeerChain {
    chain: Vec<CertificateDer<'static>>,
    macs: OnceLock<Result<Vec<Mac>, ChainProblem>>,
    /// The trust generation the chain was last checked against, and the result.
    checked: Mutex<Option<(u64, Result<(), ChainProblem>)>>,
}

impl PeerChain {
    pub fn new(chain: Vec<CertificateDer<'static>>) -> PeerChain {
        PeerChain {
            chain,
            macs: OnceLock::new(),
            checked: Mutex::new(None),
        }
    }

    /// The issuer of the leaf certificate (`CN=..., O=...`), for the operator's list of
    /// unknown phones; read only for those, so a registered phone's request never parses it.
    pub fn issuer(&self) -> Option<String> {
        identity::issuer(self.chain.first()?)
    }

    /// The MACs this chain's leaf identifies, once the chain is trusted.
    pub fn identify(&self, trust: &DeviceTrust) -> Result<&[Mac], ChainProblem> {
        let generation = trust.generation();
        let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        let verdict = match *checked {
            Some((g, verdict)) if g == generation => verdict,
            _ => {
                let verdict = trust.verify(&self.chain);
                *checked = Some((generation, verdict));
                verdict
            }
        };
        drop(checked);
        verdict?;
        self.macs
            .get_or_init(|| {
                let leaf = self.chain.first().ok_or(ChainProblem::Invalid)?;
                let names = identity::names(leaf).map_err(|_| ChainProblem::Invalid)?;
                Ok(identity::macs_of(&names))
            })
            .as_ref()
            .map(Vec::as_slice)
            .map_err(|p| *p)
    }
}

/// Why a device request was refused. Each has its own code so a phone's history (and the
/// logs) say exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The path does not hold a MAC.
    InvalidMac,
    /// No client certificate was presented: 401.
    NoCertificate,
    /// The chain is untrusted, expired, revoked or unusable: 401.
    Certificate(ChainProblem),
    /// The certificate is for other MACs: 403.
    MacMismatch { found: Vec<String> },
    /// The User-Agent names another MAC than the URL: 403.
    UserAgentMismatch,
    /// The User-Agent or a query parameter is malformed: 400.
    Malformed(String),
    /// A file no vendor's phones fetch: 404.
    UnknownFile,
    /// The User-Agent is one vendor's and the file another's: 400.
    VendorMismatch { user_agent: Vendor, file: String },
    /// A phone of a family rcs does not provision natively: 400.
    UnsupportedVendor(&'static str),
    /// A file without a MAC, asked with a certificate naming several MACs and no User-Agent
    /// saying which: 400.
    WhichPhone,
}

impl Refusal {
    /// Whether the sender had shown a certificate that chains to a trusted device CA when it
    /// was refused. Only such a sender's contact belongs in the history of the account that
    /// registered the MAC it asked about (for the phone itself, or a trusted phone asking
    /// about another MAC, which is worth the account's attention); anybody else could fill
    /// any tenant's history and skew its statistics, so it is counted for the operator only.
    ///
    /// The chain is checked before anything else about the request, so every refusal after
    /// it comes from a trusted sender. No certificate kind is trusted: webpki checks dates and
    /// key usage before signatures, so a self-made certificate is reported `expired`,
    /// `not_yet_valid` or `invalid` as readily as `untrusted`, and a revoked one no longer
    /// speaks for its phone.
    pub fn from_trusted_sender(&self) -> bool {
        match self {
            Refusal::InvalidMac | Refusal::NoCertificate | Refusal::Certificate(_) => false,
            Refusal::MacMismatch { .. }
            | Refusal::UserAgentMismatch
            | Refusal::Malformed(_)
            | Refusal::UnknownFile
            | Refusal::VendorMismatch { .. }
            | Refusal::UnsupportedVendor(_)
            | Refusal::WhichPhone => true,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Refusal::InvalidMac => "invalid_mac",
            Refusal::NoCertificate => "certificate_required",
            Refusal::Certificate(p) => p.as_str(),
            Refusal::MacMismatch { .. } => "certificate_mac_mismatch",
            Refusal::UserAgentMismatch => "user_agent_mac_mismatch",
            Refusal::Malformed(_) => "invalid_device_request",
            Refusal::UnknownFile => "unknown_device_file",
            Refusal::VendorMismatch { .. } => "file_of_another_vendor",
            Refusal::UnsupportedVendor(_) => "unsupported_vendor",
            Refusal::WhichPhone => "certificate_names_several_phones",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::InvalidMac => f.write_str("The address does not name a valid MAC address."),
            Refusal::NoCertificate => f.write_str(
                "A device certificate is required: connect with the phone's certificate.",
            ),
            Refusal::Certificate(p) => f.write_str(p.message()),
            Refusal::MacMismatch { found } if found.is_empty() => {
                f.write_str("The device certificate does not name a MAC address.")
            }
            Refusal::MacMismatch { found } => write!(
                f,
                "The device certificate is for {}, not for this MAC address.",
                found.join(", ")
            ),
            Refusal::UserAgentMismatch => {
                f.write_str("The User-Agent names another MAC address than the request.")
            }
            Refusal::Malformed(why) => f.write_str(why),
            Refusal::UnknownFile => {
                f.write_str("No phone vendor rcs serves fetches a file of this name.")
            }
            Refusal::VendorMismatch { user_agent, file } => write!(
                f,
                "The User-Agent is a {} phone's, but {file:?} is not a file {} phones fetch.",
                user_agent.label(),
                user_agent.label()
            ),
            Refusal::UnsupportedVendor(name) => write!(
                f,
                "rcs does not provision {name} phones natively; use the JSON protocol (/phone/<MAC>)."
            ),
            Refusal::WhichPhone => f.write_str(
                "The certificate names several MACs: send the User-Agent with the phone's MAC.",
            ),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::InvalidMac
            | Refusal::Malformed(_)
            | Refusal::VendorMismatch { .. }
            | Refusal::UnsupportedVendor(_)
            | Refusal::WhichPhone => StatusCode::BAD_REQUEST,
            Refusal::UnknownFile => StatusCode::NOT_FOUND,
            Refusal::NoCertificate | Refusal::Certificate(_) => StatusCode::UNAUTHORIZED,
            Refusal::MacMismatch { .. } | Refusal::UserAgentMismatch => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ApiError::new(self.code(), self.to_string()))
    }
}
