//! Domain values that parse on construction: once one exists, it is valid.

pub mod branding;
pub mod email;
pub mod firmware;
pub mod mac;
pub mod password;
pub mod profile;
pub mod second_factor;
pub mod server;
pub mod vendor;

pub use email::Email;
pub use firmware::FirmwareRelease;
pub use mac::Mac;
pub use password::{NewPassword, PasswordHash};
pub use profile::{Address, PersonName, PhoneNumber};
pub use server::{ServerName, ServerUrl};
pub use vendor::Vendor;

#[cfg(test)]
mod tests {
    use super::branding::{BrandingName, FileName};
    use super::*;

    /// Every name staff can type that later reaches a list, an export or a log refuses control
    /// characters (issue 19): NUL, BEL, ESC, tab, CR, LF, DEL and the C1 range.
    #[test]
    fn every_name_refuses_control_characters() {
        let controls = [
            '\0', '\u{7}', '\u{1b}', '\t', '\r', '\n', '\u{7f}', '\u{85}',
        ];
        for c in controls {
            let name = format!("a{c}b");
            assert!(ServerName::parse(&name).is_err(), "server {c:?}");
            assert!(BrandingName::parse(&name).is_err(), "branding {c:?}");
            assert!(FileName::parse(&name).is_err(), "file {c:?}");
            assert!(PersonName::parse(&name).is_err(), "person {c:?}");
            assert!(
                ServerUrl::parse(&format!("https://x.example/a{c}b")).is_err(),
                "url {c:?}"
            );
        }
        assert!(
            ServerName::parse("=HYPERLINK(1)").is_ok(),
            "formulas are made inert on export"
        );
    }
}
