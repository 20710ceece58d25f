//! The second factor's pure parts: TOTP secrets and codes (RFC 6238: HMAC-SHA1, six digits,
//! 30-second steps, one step of clock skew either way, which every authenticator app reads),
//! the enrolment QR code, and recovery codes.
//!
//! Which code was used when, and what is stored, is `services::second_factor`'s.

use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Bytes of a TOTP secret: 160 bits, the HMAC-SHA1 key length RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// The issuer authenticator apps show above the username.
const ISSUER: &str = "rcs";
/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (5 bits each: 80 bits).
const RECOVERY_CODE_CHARS: usize = 16;
/// The recovery codes' alphabet: RFC 4648 base32 in lower case, 32 symbols.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A new random TOTP secret, base32 (as stored and as typed into an app by hand).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

/// The TOTP of a stored secret for `username`; `None` for a secret that does not decode.
fn totp(secret: &str, username: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    // The otpauth label cannot hold a colon; usernames do not have one, but a label is only
    // shown, so one would be replaced rather than refused.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(bytes)
        .with_account_name(username.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The `otpauth://totp/...` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &str, username: &str) -> anyhow::Result<String> {
    let totp = totp(secret, username).ok_or_else(|| anyhow::anyhow!("invalid TOTP secret"))?;
    totp.to_url()
        .map_err(|e| anyhow::anyhow!("cannot build the otpauth URL: {e:?}"))
}

/// The QR code of `text` as an SVG document (black on white, with the quiet zone).
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build())
}

/// The time step (Unix seconds / 30) whose code `code` is for `secret`, checked at `now`
/// with one step of skew either way; `None` for a wrong code.
pub fn check(secret: &str, code: &str, now: i64) -> Option<i64> {
    let totp = totp(secret, "")?;
    let step = totp.check(code, u64::try_from(now).ok()?)?;
    i64::try_from(step).ok()
}

/// The code of `secret` at `unix` seconds (the tests' authenticator app).
pub fn code_at(secret: &str, unix: u64) -> Option<String> {
    Some(totp(secret, "")?.generate(unix).to_string())
}

/// What a user typed as a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the authenticator app (spaces removed).
    Totp(String),
    /// A recovery code, normalised (lower case, without spaces and dashes).
    Recovery(String),
    /// Neither: refused without any lookup.
    Malformed,
}

impl Code {
    pub fn parse(input: &str) -> Code {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            Code::Totp(compact)
        } else if compact.len() == RECOVERY_CODE_CHARS
            && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
        {
            Code::Recovery(compact)
        } else {
            Code::Malformed
        }
    }
}

/// Fresh recovery codes, as shown once to the user (`abcd-efgh-ijkl-mnop`).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_CODE_CHARS];
            rng.fill_bytes(&mut bytes);
            // 256 is a multiple of 32: every symbol is equally likely.
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char)
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its normalised form, in hex.
///
/// A fast hash suffices: a code has 80 random bits, so even billions of guesses a second
/// against a stolen database would take longer than the age of the universe, while argon2
/// would make every login with a code cost ten hashes.
pub fn recovery_hash(normalised: &str) -> String {
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 test vectors (8 digits there; the last six here).
    #[test]
    fn codes_follow_the_rfc_6238_test_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(&secret, time).as_deref(), Some(code), "{time}");
            let step = check(&secret, code, time as i64).unwrap();
            assert_eq!(step, time as i64 / 30);
        }
        // One step of skew either way, no more.
        assert!(check(&secret, "287082", 59 + 30).is_some());
        assert!(check(&secret, "287082", 59 + 61).is_none());
        assert!(check(&secret, "287083", 59).is_none());
    }

    #[test]
    fn secrets_are_160_random_bits_and_make_a_scannable_url() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(Secret::try_from_base32(&a).unwrap().as_bytes().len(), 20);
        let url = otpauth_url(&a, "admin@acme.example").unwrap();
        assert!(
            url.starts_with("otpauth://totp/rcs:admin%40acme.example?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={a}")) && url.contains("issuer=rcs"));
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
    }

    #[test]
    fn codes_are_told_apart_and_recovery_codes_are_80_bits() {
        assert_eq!(Code::parse(" 123 456 "), Code::Totp("123456".into()));
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes[0].len(), 19);
        let typed = codes[0].to_uppercase().replace('-', " ");
        let Code::Recovery(normalised) = Code::parse(&typed) else {
            panic!("{typed} is a recovery code");
        };
        assert_eq!(normalised, codes[0].replace('-', ""));
        assert_eq!(recovery_hash(&normalised).len(), 64);
        for junk in [
            "",
            "12345",
            "1234567",
            "abcd-efgh-ijkl-mno1",
            &"a".repeat(300),
        ] {
            assert_eq!(Code::parse(junk), Code::Malformed, "{junk}");
        }
    }
}
