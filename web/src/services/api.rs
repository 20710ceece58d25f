//! Calls to the rcs JSON API (`/api/v1`).
//!
//! Every call goes through [`request`], so there is exactly one place that adds the bearer
//! token, sends JSON and turns failures into an [`Error`]. Error answers carry the contract's
//! `{code, message}` body; the server promises that `message` is safe to show, so pages display
//! it as-is. Technical details (a failed fetch, a body that does not parse) go to the browser
//! console instead of the page.
//!
//! URLs are relative: the app is served by the same rcs binary that answers `/api`, so the
//! page's origin is the API's origin and no base URL is baked in at compile time.

use std::fmt;

use gloo_net::http::{Method, RequestBuilder};
use rcs_shared::{
    ApiError, EnrolledLogin, EnrolmentStart, LoginAnswer, LoginRequest, LoginResponse,
    PasswordResetAccepted, PasswordResetConfirm, PasswordResetRequest, SecondFactorEnrolment,
    SecondFactorLogin, User,
};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;

/// Why an API call failed. `Clone + PartialEq` so it can live in component state.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The server answered with an error status. `body` is its `{code, message}` answer, or
    /// one made up from the status when the body was not the contract's (e.g. a proxy page).
    Server { status: u16, body: ApiError },
    /// No answer arrived: network down, server unreachable, request blocked.
    Network,
    /// An answer arrived but was not what the contract promises.
    Unexpected,
}

impl Error {
    /// The token was missing, expired or revoked (or the login was refused).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Server { status: 401, .. })
    }

    /// The contract's `code` (`invalid_mac`, `server_in_use`, ...), "" when no answer arrived.
    pub fn code(&self) -> &str {
        match self {
            Error::Server { body, .. } => &body.code,
            _ => "",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Server { body, .. } => f.write_str(&body.message),
            Error::Network => f.write_str("Could not reach the server. Please try again."),
            Error::Unexpected => f.write_str("The server sent an unexpected answer."),
        }
    }
}

/// Pass as `body` to [`request`] for calls without a request body.
pub const NO_BODY: Option<&()> = None;

/// Sends one API call and decodes its JSON answer.
///
/// `path` is relative to the page's origin (e.g. `/api/v1/me`). With `token`, the call sends
/// `Authorization: Bearer <token>`; with `body`, it sends the value as JSON. An empty success
/// body (204 No Content) decodes as JSON `null`, so `()` or [`IgnoredAny`] fit such calls.
pub async fn request<B, T>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, Error>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let mut builder = RequestBuilder::new(path)
        .method(method)
        .header("Accept", "application/json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    };
    finish(request, path).await
}

/// Sends `body` (a `File` or `Blob`) as the raw request body with its content type: branding
/// files are stored byte for byte, and the browser streams the file instead of the app
/// copying it into wasm memory.
pub async fn request_raw<T: DeserializeOwned>(
    method: Method,
    path: &str,
    token: &str,
    body: &wasm_bindgen::JsValue,
    content_type: &str,
) -> Result<T, Error> {
    let content_type = if content_type.is_empty() {
        "application/octet-stream"
    } else {
        content_type
    };
    let request = RequestBuilder::new(path)
        .method(method)
        .header("Accept", "application/json")
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", content_type)
        .body(body.clone());
    finish(request, path).await
}

/// Sends a built request and decodes the answer (see [`request`]).
async fn finish<T: DeserializeOwned>(
    request: Result<gloo_net::http::Request, gloo_net::Error>,
    path: &str,
) -> Result<T, Error> {
    let request = request.map_err(|e| log(Error::Unexpected, path, &e))?;
    let response = request
        .send()
        .await
        .map_err(|e| log(Error::Network, path, &e))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| log(Error::Network, path, &e))?;

    decode(status, &response.status_text(), &text, path)
}

/// Turns a status and body into the decoded answer or an [`Error`]; shared with the
/// XMLHttpRequest upload, which receives its answer the same way.
pub fn decode<T: DeserializeOwned>(
    status: u16,
    status_text: &str,
    text: &str,
    path: &str,
) -> Result<T, Error> {
    if (200..300).contains(&status) {
        let json = if text.trim().is_empty() { "null" } else { text };
        serde_json::from_str(json).map_err(|e| log(Error::Unexpected, path, &e))
    } else {
        let body = serde_json::from_str::<ApiError>(text).unwrap_or_else(|_| {
            ApiError::new(
                format!("http_{status}"),
                format!("The server answered {status} {status_text}."),
            )
        });
        Err(Error::Server { status, body })
    }
}

/// `path?query` from name/value pairs, skipping absent values and encoding the rest.
pub fn with_query(path: &str, pairs: &[(&str, Option<String>)]) -> String {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return path.to_string();
    };
    for (name, value) in pairs {
        if let Some(value) = value {
            params.append(name, value);
        }
    }
    let query = String::from(params.to_string());
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Sends a call whose success body is empty or ignored (204 No Content and the like).
pub async fn request_empty<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    token: &str,
    body: Option<&B>,
) -> Result<(), Error> {
    request::<B, IgnoredAny>(method, path, Some(token), body)
        .await
        .map(|_| ())
}

/// POST /api/v1/auth/login: a session (200), or the second step a user with a second factor
/// takes (202).
pub async fn login(credentials: &LoginRequest) -> Result<LoginAnswer, Error> {
    request(Method::POST, "/api/v1/auth/login", None, Some(credentials)).await
}

/// POST /api/v1/auth/login/second-factor: the challenge and a code give the session.
pub async fn login_second_factor(body: &SecondFactorLogin) -> Result<LoginResponse, Error> {
    let path = "/api/v1/auth/login/second-factor";
    request(Method::POST, path, None, Some(body)).await
}

/// POST /api/v1/auth/login/enrolment: starts setting up a required second factor.
pub async fn login_enrolment(body: &EnrolmentStart) -> Result<SecondFactorEnrolment, Error> {
    request(
        Method::POST,
        "/api/v1/auth/login/enrolment",
        None,
        Some(body),
    )
    .await
}

/// POST /api/v1/auth/login/enrolment/confirm: a code from the new app finishes the set-up
/// and the login.
pub async fn login_enrolment_confirm(body: &SecondFactorLogin) -> Result<EnrolledLogin, Error> {
    let path = "/api/v1/auth/login/enrolment/confirm";
    request(Method::POST, path, None, Some(body)).await
}

/// POST /api/v1/auth/logout: ends the session; the token is rejected from then on.
pub async fn logout(token: &str) -> Result<(), Error> {
    request::<_, IgnoredAny>(Method::POST, "/api/v1/auth/logout", Some(token), NO_BODY)
        .await
        .map(|_| ())
}

/// GET /api/v1/me: the user the token belongs to.
pub async fn me(token: &str) -> Result<User, Error> {
    request(Method::GET, "/api/v1/me", Some(token), NO_BODY).await
}

/// POST /api/v1/auth/password-reset: asks for a reset link by mail. The answer is the same
/// whether or not the account exists.
pub async fn request_password_reset(
    body: &PasswordResetRequest,
) -> Result<PasswordResetAccepted, Error> {
    request(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(body),
    )
    .await
}

/// POST /api/v1/auth/password-reset/confirm: sets a new password with a link's token.
pub async fn confirm_password_reset(body: &PasswordResetConfirm) -> Result<(), Error> {
    request::<_, IgnoredAny>(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(body),
    )
    .await
    .map(|_| ())
}

/// Writes the technical cause of `error` to the browser console and returns `error`.
pub fn log(error: Error, path: &str, cause: &dyn fmt::Display) -> Error {
    web_sys::console::error_1(&format!("rcs: {path}: {error}: {cause}").into());
    error
}
