//! Native device protocols: the files each vendor's phones fetch at boot, in their syntax.
//!
//! A real phone does not read rcs's JSON answer. Pointed at `https://rcs/phone/`, it fetches
//! its vendor's files (`aastra.cfg`, `<model>.cfg`, `<MAC>.cfg`, ...) and acts on what they
//! say. Each vendor is one module implementing [`Adapter`]: how its phones are recognised
//! (User-Agent, requested file name; the MAC's maker prefix as a fallback), which files they
//! fetch, and how the guide's three steps (branding, firmware, redirect, worked out once in
//! [`plan`]) are written in their syntax. The route (`routes::device::native`) checks the
//! certificate, picks the adapter and records the boot ([`session`]).
//!
//! Vendor facts, with their sources, are in `docs/device-protocols-research.md`; how to point
//! each vendor's phones at rcs is in `docs/pointing-phones-at-rcs.md`.

pub mod aastra;
pub mod grandstream;
pub mod plan;
pub mod polycom;
pub mod session;
pub mod snom;
pub mod url;
pub mod yealink;

use rcs_shared::BootOutcome;

use crate::device::user_agent::{Malformed, Reported};
use crate::domain::{Mac, Vendor};
pub use plan::Plan;

/// What a requested file is to a vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The file name as requested.
    pub file: String,
    pub kind: Kind,
    /// The first file of the vendor's boot sequence: a new history entry begins with it.
    pub starts_boot: bool,
    /// A model the file name implies (`6757i.cfg`), for a phone whose User-Agent did not say.
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A file every phone of the vendor fetches, with no MAC in its name: the client
    /// certificate says which phone asks.
    Common,
    /// A file named after a MAC, which must be one the certificate names.
    PerPhone(Mac),
    /// A firmware image under its native name.
    Image,
}

/// A configuration file's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `None`: answer 404, as the vendor's phones expect where there is nothing for them
    /// (they go on with their next file).
    pub body: Option<String>,
    pub content_type: &'static str,
    /// What the file told the phone, for the boot's history entry.
    pub said: String,
    pub outcome: BootOutcome,
}

impl Rendered {
    /// A file with `body` that changes nothing but the history (`said`).
    pub fn text(content_type: &'static str, body: String, said: impl Into<String>) -> Rendered {
        Rendered {
            body: Some(body),
            content_type,
            said: said.into(),
            outcome: BootOutcome::Redirected,
        }
    }

    pub fn missing(said: impl Into<String>) -> Rendered {
        Rendered {
            body: None,
            content_type: "text/plain; charset=utf-8",
            said: said.into(),
            outcome: BootOutcome::Redirected,
        }
    }
}

/// One vendor's native boot sequence.
pub trait Adapter: Send + Sync {
    fn vendor(&self) -> Vendor;

    /// Reads a User-Agent: `None` when it is not this vendor's, `Some(Err)` when it is but a
    /// part rcs acts on (MAC, version, model) is malformed: guessing could send the wrong
    /// firmware.
    fn user_agent(&self, user_agent: &str) -> Option<Result<Reported, Malformed>>;

    /// What `file` is to this vendor; `None` when its phones never fetch such a file.
    fn classify(&self, file: &str) -> Option<Requested>;

    /// A model name as this vendor's catalog releases spell it (from a query parameter or a
    /// file name).
    fn model(&self, raw: &str) -> Result<String, Malformed>;

    /// Whether this request begins a new boot (history entry). Most vendors' first file
    /// does; a vendor whose phones fetch it twice per power-on (Poly's Updater, then its
    /// application) says which of the two begins it.
    fn starts_boot(&self, requested: &Requested, _user_agent: Option<&str>) -> bool {
        requested.starts_boot
    }

    /// The answer to a configuration file (never an image: the route streams those).
    fn render(&self, requested: &Requested, plan: &Plan) -> Rendered;
}

/// Every vendor rcs speaks, in the order ambiguous file names are tried (Aastra first: the
/// family rcs began with).
pub fn adapters() -> &'static [&'static dyn Adapter] {
    &[
        &aastra::Aastra,
        &yealink::Yealink,
        &snom::Snom,
        &polycom::Polycom,
        &grandstream::Grandstream,
    ]
}

/// The adapter of `vendor`.
pub fn adapter(vendor: Vendor) -> Option<&'static dyn Adapter> {
    adapters().iter().copied().find(|a| a.vendor() == vendor)
}

/// Families whose phones rcs recognises but does not provision natively (yet): a clear
/// refusal beats answering them another vendor's file.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("fanvil", "Fanvil"),
    ("gigaset", "Gigaset"),
    ("cisco", "Cisco"),
    ("linksys", "Linksys"),
    ("avaya", "Avaya"),
];

/// What a User-Agent says about who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recognised {
    /// A phone of a vendor rcs speaks, and what it reported.
    Vendor(Vendor, Reported),
    /// A phone of a family rcs does not provision natively (its name).
    Unsupported(&'static str),
    /// Anything else (curl, a script, a browser): it reports nothing.
    Nothing,
}

/// Reads a User-Agent against every vendor.
pub fn recognise(user_agent: &str) -> Result<Recognised, Malformed> {
    if user_agent.len() > crate::device::user_agent::MAX_USER_AGENT {
        return Err(Malformed(format!(
            "The User-Agent is longer than {} bytes.",
            crate::device::user_agent::MAX_USER_AGENT
        )));
    }
    for adapter in adapters() {
        if let Some(read) = adapter.user_agent(user_agent) {
            let mut reported = read?;
            reported.vendor = Some(adapter.vendor());
            return Ok(Recognised::Vendor(adapter.vendor(), reported));
        }
    }
    let lower = user_agent.to_ascii_lowercase();
    let first = lower.split_ascii_whitespace().next().unwrap_or("");
    for (prefix, name) in UNSUPPORTED {
        if first.starts_with(prefix) {
            return Ok(Recognised::Unsupported(name));
        }
    }
    Ok(Recognised::Nothing)
}

/// `s` without `prefix`, compared ignoring ASCII case (User-Agent tokens such as `MAC:`).
pub(crate) fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Whether `name` is a MAC's 12 hex digits in the given case (vendors that document one
/// case for file names get exactly that case).
pub fn mac_in_case(name: &str, upper: bool) -> Option<Mac> {
    let ok = name.len() == 12
        && name.bytes().all(|b| {
            b.is_ascii_digit()
                || if upper {
                    (b'A'..=b'F').contains(&b)
                } else {
                    (b'a'..=b'f').contains(&b)
                }
        });
    ok.then(|| Mac::parse(name).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_clients_report_nothing_and_other_families_are_named() {
        assert_eq!(recognise("curl/8.5.0").unwrap(), Recognised::Nothing);
        assert_eq!(recognise("").unwrap(), Recognised::Nothing);
        assert_eq!(
            recognise("Fanvil X4 2.10.2.6887 0c383e07e16c").unwrap(),
            Recognised::Unsupported("Fanvil")
        );
        assert!(recognise(&"x".repeat(600)).is_err());
    }

    #[test]
    fn every_vendor_has_one_adapter() {
        for a in adapters() {
            assert_eq!(adapter(a.vendor()).unwrap().vendor(), a.vendor());
        }
    }

    #[test]
    fn macs_in_file_names_keep_their_documented_case() {
        assert!(mac_in_case("00085D1A2B3C", true).is_some());
        assert!(mac_in_case("00085d1a2b3c", true).is_none());
        assert!(mac_in_case("00085d1a2b3c", false).is_some());
        assert!(mac_in_case("00085D1A2B3", true).is_none());
    }
}
