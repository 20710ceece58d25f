//! Issuing and verifying session tokens.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use rcs_shared::Role;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// `iss` of every token rcs issues.
pub const ISSUER: &str = "rcs";
/// `aud` of session tokens: the rcs API.
pub const AUDIENCE: &str = "rcs-api";

/// The claims of a session token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's account id.
    pub acc: i64,
    /// `user` or `super_user` at the time of login (the database stays authoritative).
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub aud: String,
    pub iss: String,
    /// Session id: the key of the `sessions` row that keeps this token alive.
    pub jti: String,
}

/// Signing keys and validation rules, built once at start-up.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_secs: i64,
}

/// A freshly issued token.
pub struct Issued {
    pub token: String,
    pub jti: String,
    pub expires_at: i64,
}

impl Tokens {
    pub fn new(secret: &SecretString, ttl_secs: u64) -> Tokens {
        let key = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none` and RS/HS confusion fail before any claim is read.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "aud", "iss"]);
        Tokens {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        account_id: i64,
        role: Role,
        now: i64,
    ) -> anyhow::Result<Issued> {
        let mut id = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let jti = hex::encode(id);
        let expires_at = now.saturating_add(self.ttl_secs);
        let claims = Claims {
            sub: user_id.to_string(),
            acc: account_id,
            role: role.as_str().to_string(),
            iat: now,
            nbf: now,
            exp: expires_at,
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            jti: jti.clone(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(Issued {
            token,
            jti,
            expires_at,
        })
    }

    /// The claims of a well-signed, current token for this API; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        match decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Some(data.claims),
            Err(e) => {
                tracing::debug!(reason = %e, "token rejected");
                None
            }
        }
    }
}

/// A random signing secret for installations that configure none (512 bits, hex).
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
