//! What a phone says about itself: model, running firmware and MAC.
//!
//! The phones announce themselves in the User-Agent, each vendor in its own form (read by
//! the vendor modules under `native`), e.g.
//! `Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP`. Scripts may send `model` and
//! `firmware` query parameters instead; those win.

use crate::domain::firmware::FirmwareRelease;
use crate::domain::Mac;

/// Longest User-Agent rcs reads; a longer one is refused rather than half-parsed.
pub const MAX_USER_AGENT: usize = 512;
/// Longest start of a User-Agent kept for a sender that presented no trusted certificate:
/// enough for a phone's own (`Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP` is 50),
/// so the operator sees what kind of client it was, but an anonymous sender cannot park
/// half a kilobyte of its text per request in the database.
pub const MAX_UNPROVEN_USER_AGENT: usize = 64;
/// Longest model name.
const MAX_MODEL: usize = 24;

/// The facts a phone reported. Every part is optional: a phone that says nothing still gets
/// its redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reported {
    /// The vendor whose User-Agent this is.
    pub vendor: Option<crate::domain::Vendor>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub mac: Option<Mac>,
}

/// Why a User-Agent or query parameter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// Reads a User-Agent with every vendor's rules (`native::recognise`). Anything that is no
/// phone's (a browser, curl) reports nothing; a MAC or version token that is present but
/// malformed is an error, since silently ignoring it could send the wrong firmware.
pub fn parse(user_agent: &str) -> Result<Reported, Malformed> {
    match crate::device::native::recognise(user_agent)? {
        crate::device::native::Recognised::Vendor(_, reported) => Ok(reported),
        _ => Ok(Reported::default()),
    }
}

/// A model name as the catalog spells it: `57i` → `6757i`, `6757i` stays.
pub fn normalise_model(model: &str) -> Result<String, Malformed> {
    let model = model.trim();
    let valid = !model.is_empty()
        && model.len() <= MAX_MODEL
        && model.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(Malformed(format!(
            "The phone model must be 1 to {MAX_MODEL} letters and digits."
        )));
    }
    let digits = model.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 2 && model[2..].starts_with(['i', 'I']) {
        return Ok(format!("67{model}"));
    }
    Ok(model.to_string())
}

/// A reported firmware version: the release numbers before any suffix (`3.2.2.1136-SIP`).
pub fn firmware(version: &str) -> Result<String, Malformed> {
    let numbers: &str = version
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap_or("");
    FirmwareRelease::parse(numbers)
        .map(FirmwareRelease::into_string)
        .map_err(|_| Malformed("The reported firmware version is not valid (expected numbers and dots such as 3.2.2.1136).".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_phones_user_agent() {
        let r = parse("Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP").unwrap();
        assert_eq!(r.model.as_deref(), Some("6757i"));
        assert_eq!(r.firmware.as_deref(), Some("3.2.2.1136"));
        assert_eq!(r.mac.unwrap().as_str(), "00085D1A2B3C");
    }

    #[test]
    fn older_units_name_the_short_model() {
        let r = parse("Aastra57i MAC:00-08-5D-1A-2B-3C V:2.5.3.26-SIP").unwrap();
        assert_eq!(r.model.as_deref(), Some("6757i"));
        assert_eq!(normalise_model("57iCT").unwrap(), "6757iCT");
        assert_eq!(normalise_model("6867i").unwrap(), "6867i");
        assert_eq!(normalise_model("9480i").unwrap(), "9480i");
    }

    #[test]
    fn other_clients_report_nothing() {
        assert_eq!(parse("curl/8.5.0").unwrap(), Reported::default());
        assert_eq!(parse("").unwrap(), Reported::default());
        assert_eq!(parse("Mozilla/5.0 (X11)").unwrap(), Reported::default());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(parse("Aastra6757i MAC:01-00-5E-00-00-01 V:3.2.2").is_err());
        assert!(parse("Aastra6757i MAC:zz V:3.2.2").is_err());
        assert!(parse("Aastra6757i V:banana").is_err());
        assert!(parse("Aastra67<script> V:3.2.2").is_err());
        assert!(parse(&format!("Aastra6757i {}", "x".repeat(600))).is_err());
    }

    #[test]
    fn odd_input_never_panics() {
        for ua in ["Aastra", "AastraÉ", "Aa", "Aastra6757i MAC: V:", "é", "V:é"] {
            let _ = parse(ua);
        }
    }
}
