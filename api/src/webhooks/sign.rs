//! Secrets, event ids and signatures (Standard Webhooks).
//!
//! A secret is `whsec_` and the base64 of 32 random bytes from the operating system. A
//! delivery is signed with HMAC-SHA256 keyed by those bytes over `"{id}.{timestamp}.{body}"`,
//! sent as `webhook-signature: v1,<base64>`: the receiver recomputes it and compares, and the
//! timestamp in the signed text lets it refuse old replays.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

/// The start of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// A new event id: `msg_` + 22 random base62 characters (131 bits).
pub fn generate_event_id() -> String {
    format!("msg_{}", Alphanumeric.sample_string(&mut OsRng, 22))
}

/// The `webhook-signature` value of `body` sent as event `id` at `timestamp`; `None` when the
/// secret is not one rcs made (it always is: it never comes from a request).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_ids_have_their_shape() {
        let secret = generate_secret();
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, generate_secret());
        let id = generate_event_id();
        assert_eq!(id.len(), 26);
        assert!(id[4..].chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The test vector of the Standard Webhooks reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let got = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(got, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_foreign_secret_signs_nothing() {
        assert_eq!(signature("nope", "id", 1, "{}"), None);
        assert_eq!(signature("whsec_!!!", "id", 1, "{}"), None);
    }
}
