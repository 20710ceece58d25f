//! Which phone a device certificate speaks for.
//!
//! Vendors put the MAC in the subject common name (`00085D1A2B3C`, `Aastra 6757i
//! 00:08:5D:1A:2B:3C`) or in a subject alternative name (a DNS name such as
//! `00085d1a2b3c.phones.example.net`, a `urn:dev:mac:` URI, an e-mail-like name). rcs reads
//! every such name and finds MACs in it in any usual spelling, bounded so that digits of a
//! longer hex string never count as a MAC.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::domain::Mac;

/// The names of a certificate that may carry a MAC: subject CNs and SAN entries.
/// The issuer's distinguished name of a certificate, `None` when it cannot be read.
pub fn issuer(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.issuer().to_string())
}

pub fn names(der: &[u8]) -> Result<Vec<String>, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                    names.push((*s).to_string())
                }
                GeneralName::DirectoryName(dn) => names.extend(
                    dn.iter_common_name()
                        .filter_map(|cn| cn.as_str().ok().map(str::to_string)),
                ),
                GeneralName::OtherName(_, value) => {
                    // Usually a DER string; its printable bytes are enough to find a MAC in.
                    names.push(value.iter().map(|&b| printable(b)).collect())
                }
                _ => {}
            }
        }
    }
    Ok(names)
}

fn printable(b: u8) -> char {
    if b.is_ascii_graphic() {
        char::from(b)
    } else {
        ' '
    }
}

/// Every MAC written in `text`, in the spellings [`Mac::parse`] accepts. A candidate must not
/// touch a hex digit on either side, and must not be followed by its separator and another
/// hex digit (so `00:08:5D:1A:2B:3C:4D` does not yield `00085D1A2B3C`'s neighbours by
/// accident, and `0008.5d1a.2b3c` inside a longer dotted run does not count).
pub fn macs_in(text: &str) -> Vec<Mac> {
    let bytes = text.as_bytes();
    let mut found: Vec<Mac> = Vec::new();
    for start in 0..bytes.len() {
        if start > 0 && bytes[start - 1].is_ascii_hexdigit() {
            continue;
        }
        if !bytes[start].is_ascii_hexdigit() {
            continue;
        }
        for len in [12usize, 14, 17] {
            let end = start + len;
            let Some(candidate) = text.get(start..end) else {
                continue;
            };
            let next = bytes.get(end).copied();
            if next.is_some_and(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            if let Some(sep) = next.filter(|b| matches!(b, b':' | b'-' | b'.')) {
                let continues = candidate.as_bytes().contains(&sep)
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_hexdigit);
                if continues {
                    continue;
                }
            }
            if let Ok(mac) = Mac::parse(candidate) {
                if !found.contains(&mac) {
                    found.push(mac);
                }
            }
        }
    }
    found
}

/// Every MAC the names of a certificate identify.
pub fn macs_of(names: &[String]) -> Vec<Mac> {
    let mut macs: Vec<Mac> = Vec::new();
    for mac in names.iter().flat_map(|n| macs_in(n)) {
        if !macs.contains(&mac) {
            macs.push(mac);
        }
    }
    macs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        macs_in(text).into_iter().map(Mac::into_string).collect()
    }

    #[test]
    fn finds_every_usual_spelling() {
        for text in [
            "00085D1A2B3C",
            "00085d1a2b3c",
            "00:08:5D:1A:2B:3C",
            "00-08-5d-1a-2b-3c",
            "0008.5d1a.2b3c",
            "Aastra 6757i 00085D1A2B3C",
            "MAC:00-08-5D-1A-2B-3C",
            "MAC=00:08:5D:1A:2B:3C",
            "urn:dev:mac:00085d1a2b3c",
            "00085d1a2b3c.phones.example.net",
            "phone-00085D1A2B3C@example.net",
        ] {
            assert_eq!(found(text), ["00085D1A2B3C"], "{text}");
        }
    }

    #[test]
    fn ignores_digits_of_longer_runs() {
        for text in [
            "",
            "00085D1A2B3C4D",
            "A00085D1A2B3C",
            "00:08:5D:1A:2B:3C:4D:5E",
            "0008.5d1a.2b3c.4d5e",
            "not a mac",
            "01005E000001", // multicast
            "000000000000",
        ] {
            assert!(
                found(text).iter().all(|m| m != "00085D1A2B3C")
                    && !found(text).contains(&"01005E000001".to_string()),
                "{text}: {:?}",
                found(text)
            );
        }
        assert!(found("00085D1A2B3C4D").is_empty());
        assert!(found("A00085D1A2B3C").is_empty());
    }

    #[test]
    fn several_macs_are_all_found() {
        assert_eq!(
            found("00085D1A2B3C, 00:08:5d:00:00:01"),
            ["00085D1A2B3C", "00085D000001"]
        );
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "é00085D1A2B3Cé",
            "00:08:5D:1A:2B:3Ç",
            "\u{0}\u{ffff}",
            "::::::::::::::::::",
        ] {
            let _ = macs_in(text);
        }
    }
}
