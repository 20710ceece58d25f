//! Password recovery by email: a single-use link to a page that sets a new password.
//!
//! Asking for a link answers the same, in about the same time, whether or not the address
//! belongs to a user: the request path only validates the address and counts it against the
//! throttles (work that is identical for every address), and everything that depends on the
//! account existing (lookup, token, mail) runs in a task after the answer has gone.
//!
//! A token is 256 bits from the OS CSPRNG, sent only in the mail and stored only as its
//! SHA-256 (a slow hash adds nothing for a random 256-bit secret). It expires after
//! `reset_token_ttl_secs`, a newer request replaces it, and it is deleted by the transaction
//! that uses it, which also ends every session of the user: whoever held the old password
//! (or a stolen token) is logged out.

use actix_web::web;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{self, password_resets, users};
use crate::domain::Email;
use crate::error::{Error, Result};
use crate::mail::{escape_html, Mail};
use crate::services::sessions::Limit;
use crate::services::users::{invalid_reset_link, reset_password};
use crate::state::AppState;

/// The path of the web page the link opens.
pub const RESET_PAGE: &str = "/reset-password";

/// Bytes of randomness in a token (256 bits), sent as 64 hex digits.
const TOKEN_BYTES: usize = 32;

/// A fresh token and the hash to store for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Handles a request for a link: validates and throttles now, issues the link afterwards.
///
/// Requests are counted per address and per client whether or not the address is known, so
/// neither the answer nor the throttle tells the two apart.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn request(state: web::Data<AppState>, email: &str, client: &str) -> Result<()> {
    let email = Email::parse(email).map_err(|m| Error::unprocessable("invalid_email", m))?;
    throttle(&state, &email, client).await?;
    tokio::spawn(async move {
        if let Err(e) = issue(&state, &email).await {
            tracing::error!(error = ?e, "cannot issue a password reset link");
        }
    });
    Ok(())
}

async fn throttle(state: &AppState, email: &Email, client: &str) -> Result<()> {
    let s = &state.settings;
    let now = db::now();
    let limits = [
        (
            format!("reset:email:{email}"),
            Limit::new(s.reset_max_requests_per_email, s.login_window_secs),
        ),
        (
            format!("reset:client:{client}"),
            Limit::new(s.reset_max_requests_per_client, s.login_window_secs),
        ),
    ];
    for (key, limit) in &limits {
        limit.check(&state.db, key, now, "password reset").await?;
    }
    for (key, limit) in &limits {
        limit.hit(&state.db, key, now).await?;
    }
    Ok(())
}

/// Stores a new link for the user of `email`, if there is one, and queues the mail.
async fn issue(state: &AppState, email: &Email) -> anyhow::Result<()> {
    let Some(user) = users::find_by_email(&state.db, email.as_str()).await? else {
        tracing::info!("password reset asked for an address without a user");
        return Ok(());
    };
    let (token, hash) = new_token();
    let now = db::now();
    let ttl = i64::try_from(state.settings.reset_token_ttl_secs).unwrap_or(i64::MAX / 4);
    password_resets::replace(&state.db.pool, user.id, &hash, now, now.saturating_add(ttl)).await?;
    let link = format!("{}{RESET_PAGE}?token={token}", state.public_url);
    state.mailer.send(reset_link_mail(&user.email, &link, ttl));
    tracing::info!(user_id = user.id, "password reset link issued");
    Ok(())
}

/// Queues the invitation mail of a new user (or a repeated invitation): the link opens the
/// same page as a reset link, worded as a welcome.
pub fn mail_invitation(state: &AppState, to: &str, by: &str, token: &str) {
    let link = format!("{}{RESET_PAGE}?token={token}&welcome=1", state.public_url);
    let ttl = i64::try_from(state.settings.invitation_ttl_secs).unwrap_or(i64::MAX / 4);
    state.mailer.send(invitation_mail(to, by, &link, ttl));
}

/// Sets a new password with a link's token and ends every session of its user
/// ([`reset_password`]), then tells the user by mail.
#[tracing::instrument(skip_all)]
pub async fn confirm(state: &AppState, token: &str, new_password: &str) -> Result<()> {
    let token = token.trim();
    if token.len() != 2 * TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid_reset_link());
    }
    let token_hash = hash_token(&token.to_ascii_lowercase());
    let user = reset_password(&state.db, &token_hash, new_password).await?;
    state.mailer.send(password_changed_mail(&user.email));
    tracing::info!(user_id = user.id, "password reset with an emailed link");
    Ok(())
}

/// "30 minutes", "1 hour", "45 seconds": how long a link lasts, for the mail.
fn describe(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn reset_link_mail(to: &str, link: &str, ttl: i64) -> Mail {
    let valid = describe(ttl);
    let text = format!(
        "Hello,\r\n\r\nsomeone asked to reset the password of the rcs user {to}.\r\n\
         To choose a new password, open this link within {valid}:\r\n\r\n{link}\r\n\r\n\
         The link works once. If you did not ask for it, ignore this mail: your password \
         stays as it is.\r\n"
    );
    let (to_html, link_html) = (escape_html(to), escape_html(link));
    let html = format!(
        "<p>Hello,</p><p>someone asked to reset the password of the rcs user \
         <strong>{to_html}</strong>. To choose a new password, open this link within {valid}:</p>\
         <p><a href=\"{link_html}\">{link_html}</a></p>\
         <p>The link works once. If you did not ask for it, ignore this mail: your password \
         stays as it is.</p>"
    );
    Mail {
        to: to.to_string(),
        subject: "Reset your rcs password".into(),
        text,
        html,
        kind: "password_reset",
    }
}

fn invitation_mail(to: &str, by: &str, link: &str, ttl: i64) -> Mail {
    let valid = describe(ttl);
    let text = format!(
        "Hello,\r\n\r\n{by} added you to rcs, the service that sets up your organisation's \
         desk phones, with the username {to}.\r\nTo choose your password, open this link \
         within {valid}:\r\n\r\n{link}\r\n\r\nThe link works once. If you did not expect \
         this mail, ignore it: nobody can log in as you without the link.\r\n"
    );
    let (to_html, by_html, link_html) = (escape_html(to), escape_html(by), escape_html(link));
    let html = format!(
        "<p>Hello,</p><p>{by_html} added you to rcs, the service that sets up your \
         organisation's desk phones, with the username <strong>{to_html}</strong>. To choose \
         your password, open this link within {valid}:</p>\
         <p><a href=\"{link_html}\">{link_html}</a></p>\
         <p>The link works once. If you did not expect this mail, ignore it: nobody can log in \
         as you without the link.</p>"
    );
    Mail {
        to: to.to_string(),
        subject: "You are invited to rcs: choose your password".into(),
        text,
        html,
        kind: "invitation",
    }
}

fn password_changed_mail(to: &str) -> Mail {
    let text = format!(
        "Hello,\r\n\r\nthe password of the rcs user {to} was just changed with a password \
         reset link, and every session of the user was logged out.\r\n\r\nIf this was not \
         you, ask a Super User of your account to set a new password at once.\r\n"
    );
    let html = format!(
        "<p>Hello,</p><p>the password of the rcs user <strong>{}</strong> was just changed \
         with a password reset link, and every session of the user was logged out.</p>\
         <p>If this was not you, ask a Super User of your account to set a new password at \
         once.</p>",
        escape_html(to)
    );
    Mail {
        to: to.to_string(),
        subject: "Your rcs password was changed".into(),
        text,
        html,
        kind: "password_changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_stored_as_their_sha256() {
        let (token, hash) = new_token();
        let (other, _) = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, other);
        assert_eq!(hash, hash_token(&token));
        assert_ne!(hash, token);
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_invitation_names_the_inviter_and_escapes_html() {
        let mail = invitation_mail(
            "new@b.example",
            "<b>Admin</b>",
            "https://rcs.example/reset-password?token=ab&welcome=1",
            7 * 86_400,
        );
        assert!(mail.text.contains("<b>Admin</b> added you"));
        assert!(mail.html.contains("&lt;b&gt;Admin&lt;/b&gt; added you"));
        assert!(mail.text.contains("within 168 hours"), "{}", mail.text);
        assert!(mail.html.contains("token=ab&amp;welcome=1"));
    }

    #[test]
    fn link_lifetimes_read_naturally() {
        assert_eq!(describe(1800), "30 minutes");
        assert_eq!(describe(3600), "1 hour");
        assert_eq!(describe(90), "1 minute");
        assert_eq!(describe(1), "1 second");
    }

    #[test]
    fn the_mail_carries_the_link_in_both_parts() {
        let mail = reset_link_mail(
            "a@b.example",
            "https://rcs.example/reset-password?token=ab",
            1800,
        );
        assert!(mail
            .text
            .contains("https://rcs.example/reset-password?token=ab"));
        assert!(mail
            .html
            .contains("href=\"https://rcs.example/reset-password?token=ab\""));
        assert!(mail.text.contains("30 minutes"));
    }
}
