//! Phone vendors: the families whose native boot sequence rcs speaks.
//!
//! A vendor is known three ways, in this order of trust: the User-Agent the phone sends, the
//! file it asks for, and the maker prefix (OUI) of its MAC. The catalog ties each firmware
//! release to one vendor, so a Yealink image can never be pinned to an Aastra phone.
//! The OUIs come from the vendors' DHCP classes as field-tested provisioning servers list
//! them (`docs/device-protocols-research.md` cites each).

use std::fmt;

use super::Mac;

/// A phone vendor rcs provisions natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Aastra, later Mitel: 67xxi, 68xxi, 69xx, 9xxxi.
    Aastra,
    Yealink,
    Snom,
    /// Polycom, now Poly: SoundPoint IP, VVX, Trio.
    Polycom,
    Grandstream,
}

impl Vendor {
    pub const ALL: [Vendor; 5] = [
        Vendor::Aastra,
        Vendor::Yealink,
        Vendor::Snom,
        Vendor::Polycom,
        Vendor::Grandstream,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Aastra => "aastra",
            Vendor::Yealink => "yealink",
            Vendor::Snom => "snom",
            Vendor::Polycom => "polycom",
            Vendor::Grandstream => "grandstream",
        }
    }

    /// How people write it.
    pub fn label(self) -> &'static str {
        match self {
            Vendor::Aastra => "Aastra/Mitel",
            Vendor::Yealink => "Yealink",
            Vendor::Snom => "Snom",
            Vendor::Polycom => "Poly (Polycom)",
            Vendor::Grandstream => "Grandstream",
        }
    }

    /// Parses a vendor name, case-insensitively; `mitel` and `poly` are the newer names.
    pub fn parse(input: &str) -> Result<Vendor, String> {
        let name = input.trim().to_ascii_lowercase();
        let vendor = match name.as_str() {
            "aastra" | "mitel" => Vendor::Aastra,
            "yealink" => Vendor::Yealink,
            "snom" => Vendor::Snom,
            "polycom" | "poly" => Vendor::Polycom,
            "grandstream" => Vendor::Grandstream,
            _ => {
                let shown: String = input.chars().take(40).collect();
                return Err(format!(
                    "{shown:?} is not a vendor rcs knows (aastra, yealink, snom, polycom, grandstream)."
                ));
            }
        };
        Ok(vendor)
    }

    /// The maker prefixes (first three bytes of the MAC, upper-case hex) of this vendor.
    pub fn ouis(self) -> &'static [&'static str] {
        match self {
            Vendor::Aastra => &["00085D", "08000F", "1400E9", "0010BC"],
            Vendor::Yealink => &[
                "001565", "E434D7", "805EC0", "805E0C", "249AD8", "3497D7", "44DBD2", "644F56",
                "B061A9", "C4FC22", "EC1DA9", "F01653",
            ],
            Vendor::Snom => &["000413", "00087B"],
            Vendor::Polycom => &["0004F2", "64167F", "482567"],
            Vendor::Grandstream => &["000B82", "C074AD", "EC74D7"],
        }
    }

    /// The vendor whose prefix the MAC carries, if any.
    pub fn of_mac(mac: &Mac) -> Option<Vendor> {
        let prefix = &mac.as_str()[..6];
        Vendor::ALL.into_iter().find(|v| v.ouis().contains(&prefix))
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for v in Vendor::ALL {
            assert_eq!(Vendor::parse(v.as_str()), Ok(v));
        }
        assert_eq!(Vendor::parse(" Mitel "), Ok(Vendor::Aastra));
        assert_eq!(Vendor::parse("POLY"), Ok(Vendor::Polycom));
        assert!(Vendor::parse("cisco").is_err());
        assert!(Vendor::parse("").is_err());
    }

    #[test]
    fn macs_name_their_maker() {
        let of = |m: &str| Vendor::of_mac(&Mac::parse(m).unwrap());
        assert_eq!(of("00:08:5d:1a:2b:3c"), Some(Vendor::Aastra));
        assert_eq!(of("001565AABBCC"), Some(Vendor::Yealink));
        assert_eq!(of("000413A11FA7"), Some(Vendor::Snom));
        assert_eq!(of("0004F2123456"), Some(Vendor::Polycom));
        assert_eq!(of("C074AD2BD859"), Some(Vendor::Grandstream));
        assert_eq!(of("02AA00000001"), None);
        for v in Vendor::ALL {
            for oui in v.ouis() {
                assert_eq!(oui.len(), 6);
                assert_eq!(oui.to_ascii_uppercase(), *oui);
            }
        }
    }
}
