//! Passwords: the policy for new ones and argon2id hashing.
//!
//! The policy is OWASP ASVS 5.0's (V6.2): at least 12 characters, no composition rules (any
//! character, spaces included, so passphrases work), and not a common or breached password.
//! The list of those ships in the binary (`common_passwords.txt`, about 49,000 entries from
//! leaked-password corpora): nothing is looked up over the network. A password is refused when
//! it is on the list, or when it is a listed password dressed up with digits and symbols at
//! either end (`Password123!`, `dragon2024!!`), or one character repeated.
//!
//! Hashing uses argon2id with the OWASP-recommended parameters (19 MiB, 2 passes, 1 lane),
//! which are the `argon2` crate's defaults. Hashing costs tens of milliseconds of CPU, so
//! async code calls [`hash`] and [`verify`], which run it on the blocking pool (the one place
//! that does), never on an async worker.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted for a new or changed password (ASVS 5.0: 12).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest accepted: argon2 over megabytes of input would be a denial-of-service lever.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// A password that meets the policy, not yet hashed.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(input: &str) -> Result<NewPassword, String> {
        let len = input.chars().count();
        if len < MIN_PASSWORD_LEN {
            return Err(format!(
                "The password must be at least {MIN_PASSWORD_LEN} characters long."
            ));
        }
        if len > MAX_PASSWORD_LEN {
            return Err(format!(
                "The password must be at most {MAX_PASSWORD_LEN} characters long."
            ));
        }
        if is_common(input) {
            return Err("This password is too common: it appears in lists of leaked passwords. Choose another, such as a few unrelated words.".into());
        }
        Ok(NewPassword(SecretString::from(input.to_string())))
    }

    /// A random password for operator-created accounts: 20 characters from an unambiguous
    /// alphabet (about 115 bits).
    pub fn generate() -> (NewPassword, String) {
        use rand::Rng;
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::rngs::OsRng;
        let text: String = (0..20)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        (NewPassword(SecretString::from(text.clone())), text)
    }

    /// Hashes with a fresh salt (blocking: async code calls [`hash`]).
    pub fn hash(&self) -> anyhow::Result<PasswordHash> {
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(self.0.expose_secret().as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))?;
        Ok(PasswordHash(hash.to_string()))
    }
}

/// A stored argon2id hash in PHC string form.
#[derive(Debug, Clone)]
pub struct PasswordHash(pub String);

impl PasswordHash {
    /// Constant-work check of `candidate` (blocking: async code calls [`verify`]).
    pub fn verify(&self, candidate: &str) -> bool {
        let Ok(parsed) = argon2::PasswordHash::new(&self.0) else {
            return false;
        };
        Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok()
    }

    /// A hash of a random password, verified against when the email is unknown so that a
    /// failed login costs the same time whether or not the user exists.
    pub fn dummy() -> &'static PasswordHash {
        static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
        DUMMY.get_or_init(|| {
            NewPassword::generate()
                .0
                .hash()
                .expect("hashing a generated password cannot fail")
        })
    }
}

/// The common and breached passwords, lower-cased and sorted (see the module's docs).
const COMMON: &str = include_str!("common_passwords.txt");

/// Whether `password` is common: listed (ignoring case), a listed one with only digits and
/// symbols added at its ends, or a single character repeated. The list is searched in place
/// (binary search over its lines, indexed once), so it costs no memory until a password is set.
pub fn is_common(password: &str) -> bool {
    static INDEX: OnceLock<Vec<&'static str>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        COMMON
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    });
    let lower = password.to_lowercase();
    let core =
        lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    let listed = |w: &str| index.binary_search(&w).is_ok();
    let mut chars = lower.chars();
    let first = chars.next();
    let repeated = chars.all(|c| Some(c) == first);
    repeated || listed(&lower) || (core.chars().count() >= 4 && listed(core))
}

/// Hashes `password` with a fresh salt on the blocking pool.
pub async fn hash(password: NewPassword) -> anyhow::Result<PasswordHash> {
    off_the_async_workers(move || password.hash()).await?
}

/// Checks `candidate` against `hash` on the blocking pool (constant work, see
/// [`PasswordHash::verify`]).
pub async fn verify(hash: PasswordHash, candidate: String) -> anyhow::Result<bool> {
    off_the_async_workers(move || hash.verify(&candidate)).await
}

/// Runs argon2 work where it cannot stall the async workers that answer other requests.
async fn off_the_async_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow::anyhow!("password hashing panicked: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password_and_is_argon2id() {
        let pw = NewPassword::parse("correct horse battery").unwrap();
        let hash = pw.hash().unwrap();
        assert!(
            hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.0
        );
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse batterx"));
    }

    #[test]
    fn policy_bounds() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("eleven char").is_err());
        assert!(NewPassword::parse(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }

    #[test]
    fn common_and_breached_passwords_are_refused() {
        for common in [
            "password1234",
            "Password123!",
            "qwerty123456",
            "1qaz2wsx3edc",
            "QAZWSXEDCRFV",
            "dragon2024!!",
            "letmein12345",
            "aaaaaaaaaaaa",
            "111111111111",
        ] {
            assert!(is_common(common), "{common}");
            assert!(NewPassword::parse(common).is_err(), "{common}");
        }
        for fine in [
            "correct horse battery",
            "staff password 1",
            "Tr0ub4dour&3xyz",
        ] {
            assert!(!is_common(fine), "{fine}");
        }
        assert!(COMMON.lines().filter(|l| !l.starts_with('#')).count() > 40_000);
        let lines: Vec<&str> = COMMON.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "sorted, for the binary search"
        );
    }
}
