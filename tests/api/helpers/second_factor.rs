//! The tests' authenticator app and the two-factor calls the stories share.
//!
//! Codes are computed here, from the secret the enrolment answer shows, with HMAC-SHA1 and
//! RFC 6238's dynamic truncation written out: independent of the TOTP crate the service uses,
//! so a wrong implementation there cannot agree with itself here.

use hmac::{Hmac, Mac};
use rcs_shared::{LoginResponse, RecoveryCodes, SecondFactorChallenge, SecondFactorEnrolment};
use serde_json::json;
use sha1::Sha1;

use super::app::{TestApp, PASSWORD};
use super::client::routes;

/// RFC 4648 base32 without padding, as otpauth URLs carry secrets.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let index = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("a base32 secret") as u32;
        value = (value << 5) | index;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    out
}

/// The six-digit code of `secret` (base32) at `unix` seconds (RFC 6238: SHA-1, 30 s steps).
pub fn code_at(secret: &str, unix: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(&base32_decode(secret)).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The app's code right now.
pub fn current_code(secret: &str) -> String {
    code_at(secret, unix_now())
}

/// The code of the next 30-second step: the service accepts it now (one step of clock skew),
/// so a story gets a second unused code without waiting.
pub fn next_code(secret: &str) -> String {
    code_at(secret, unix_now() + 30)
}

/// A code of none of the steps the service accepts now.
pub fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let taken: Vec<String> = (0..3).map(|i| code_at(secret, now + i * 30 - 30)).collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !taken.contains(c))
        .unwrap()
}

/// A second factor set up from the preferences.
pub struct Enrolled {
    pub secret: String,
    /// The code that confirmed the set-up (its step is used up).
    pub confirmed_with: String,
    pub recovery_codes: Vec<String>,
}

impl TestApp {
    /// Sets up a second factor for the user of `token` from the preferences (the password,
    /// then the current code); checked to succeed. The current code's step is used up.
    pub async fn enrol(&self, token: &str) -> Enrolled {
        let start = self
            .post(
                routes::MY_SECOND_FACTOR,
                token,
                &json!({"password": PASSWORD}),
            )
            .await;
        assert_eq!(start.status(), 200, "{}", start.text().await.unwrap());
        let enrolment: SecondFactorEnrolment = start.json().await.unwrap();
        let code = current_code(&enrolment.secret);
        let confirm = self
            .post(
                routes::MY_SECOND_FACTOR_CONFIRM,
                token,
                &json!({"code": code}),
            )
            .await;
        assert_eq!(confirm.status(), 200, "{}", confirm.text().await.unwrap());
        let codes: RecoveryCodes = confirm.json().await.unwrap();
        Enrolled {
            secret: enrolment.secret,
            confirmed_with: code,
            recovery_codes: codes.recovery_codes,
        }
    }

    /// Logs in with the test password and expects the second step (202).
    pub async fn challenge(&self, email: &str) -> SecondFactorChallenge {
        let response = self.login(email, PASSWORD).await;
        assert_eq!(response.status(), 202, "login of {email} asks for a code");
        response.json().await.unwrap()
    }

    /// `POST /api/v1/auth/login/second-factor`; the answer unchecked.
    pub async fn second_factor(&self, challenge: &str, code: &str) -> reqwest::Response {
        self.client
            .post(self.url(routes::LOGIN_SECOND_FACTOR))
            .json(&json!({"challenge": challenge, "code": code}))
            .send()
            .await
            .expect("request sent")
    }

    /// Logs in with the password and a code: the session token.
    pub async fn token_with_code(&self, email: &str, code: &str) -> String {
        let challenge = self.challenge(email).await;
        let response = self.second_factor(&challenge.challenge, code).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json::<LoginResponse>().await.unwrap().token
    }
}

/// RFC 6238, appendix B, with the key of the SHA-1 vectors: the tests' app is right.
#[test]
fn the_test_authenticator_meets_the_rfc_vectors() {
    // base32 of "12345678901234567890".
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(base32_decode(secret), b"12345678901234567890");
    assert_eq!(code_at(secret, 59), "287082");
    assert_eq!(code_at(secret, 1_111_111_109), "081804");
    assert_eq!(code_at(secret, 2_000_000_000), "279037");
}
