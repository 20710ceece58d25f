//! API keys as a credential: what a key looks like, and which key (if any) a bearer is.
//!
//! A key is `rcs_` and 43 characters of URL-safe base64 (32 bytes from the OS RNG). The prefix
//! lets secret scanners find leaked keys and lets the extractor tell a key from a session
//! token without trying both. Only the SHA-256 of the whole secret is stored; 256 random bits
//! make a fast hash enough, and a lookup by hash on every request means a revocation is seen
//! at once by every node (there is no cache to expire).
//!
//! What a key may do is decided elsewhere: its role becomes the caller's role, and the
//! extractor refuses unsafe methods to read-only keys.

use base64::Engine as _;
use rand::RngCore;
use sha2::Digest as _;

use crate::config::Settings;
use crate::db::api_keys::{self, ApiKeyRow};
use crate::db::{rate_limits, Db};
use crate::error::{Error, Result};
use crate::services::sessions::Limit;

/// The start of every key.
pub const KEY_PREFIX: &str = "rcs_";
/// How many characters of the secret a listing shows (`rcs_` and 4 more).
const SHOWN_PREFIX_LEN: usize = 8;
/// A key's last use is written at most this often (seconds), not on every request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A new secret, its public prefix and its hash.
pub struct NewSecret {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

/// Generates a secret from the OS RNG.
pub fn generate() -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let secret = format!("{KEY_PREFIX}{body}");
    NewSecret {
        prefix: secret[..SHOWN_PREFIX_LEN].to_string(),
        hash: hash(&secret),
        secret,
    }
}

/// The stored form of a secret: SHA-256, hex.
pub fn hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Whether a bearer is meant as an API key (rather than a session token).
pub fn is_api_key(bearer: &str) -> bool {
    bearer.starts_with(KEY_PREFIX)
}

/// The live key `secret` names, used from `client`, or the same 401 as a bad session token
/// for any key that is unknown, revoked or expired (no oracle).
///
/// Only failures are throttled, per client address (`api_key_max_failures_per_client` per
/// `api_key_window_secs`, then 429): a valid key always works, so a script sharing an address
/// (a NAT) with a misconfigured one is not locked out, and a guesser gains nothing from
/// 256-bit secrets anyway; the limit bounds the noise and the lookups a guesser costs.
pub async fn authenticate(
    db: &Db,
    settings: &Settings,
    secret: &str,
    client: &str,
    now: i64,
) -> Result<ApiKeyRow> {
    let row = api_keys::find_by_hash(db, &hash(secret)).await?;
    let live = row.filter(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|e| e > now));
    let Some(key) = live else {
        let limit = Limit::new(
            settings.api_key_max_failures_per_client,
            settings.api_key_window_secs,
        );
        let counted =
            rate_limits::hit(db, &format!("apikey:client:{client}"), limit.window, now).await?;
        if counted.count > i64::from(limit.max) {
            tracing::warn!(client = %client, "API key attempts throttled");
            return Err(Error::TooManyRequests {
                retry_after: (counted.window_start + limit.window - now).max(1) as u64,
            });
        }
        tracing::info!(client = %client, "API key refused");
        return Err(Error::invalid_token());
    };
    if crate::db::accounts::is_suspended(&db.pool, key.account_id).await? {
        return Err(Error::account_suspended());
    }
    if key.last_used_at.is_none_or(|t| t + TOUCH_EVERY_SECS <= now) {
        api_keys::touch(db, key.id, client, now, TOUCH_EVERY_SECS).await?;
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_has_the_prefix_256_random_bits_and_a_matching_hash() {
        let a = generate();
        let b = generate();
        assert!(a.secret.starts_with(KEY_PREFIX));
        assert_eq!(a.secret.len(), KEY_PREFIX.len() + 43);
        assert!(a.secret[4..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, hash(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(a.secret.starts_with(&a.prefix));
        assert!(is_api_key(&a.secret));
        assert!(!is_api_key("eyJhbGciOiJIUzI1NiJ9.x.y"));
    }
}
