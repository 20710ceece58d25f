//! `/api/v1/me/second-factor` (the signed-in user's two-factor login), `/api/v1/account`
//! (the account's requirement) and a Super User's reset of a user's second factor.

use gloo_net::http::Method;
use rcs_shared::{
    Account, AccountPatch, RecoveryCodes, SecondFactorCode, SecondFactorDisable,
    SecondFactorEnrolment, SecondFactorSetup, SecondFactorStatus,
};

use super::api::{request, request_empty, Error, NO_BODY};

const PATH: &str = "/api/v1/me/second-factor";

/// GET /api/v1/me/second-factor.
pub async fn status(token: String) -> Result<SecondFactorStatus, Error> {
    request(Method::GET, PATH, Some(&token), NO_BODY).await
}

/// POST /api/v1/me/second-factor: the password starts the set-up.
pub async fn start(token: &str, body: &SecondFactorSetup) -> Result<SecondFactorEnrolment, Error> {
    request(Method::POST, PATH, Some(token), Some(body)).await
}

/// POST /api/v1/me/second-factor/confirm: a code from the app turns it on.
pub async fn confirm(token: &str, body: &SecondFactorCode) -> Result<RecoveryCodes, Error> {
    let path = format!("{PATH}/confirm");
    request(Method::POST, &path, Some(token), Some(body)).await
}

/// POST /api/v1/me/second-factor/disable.
pub async fn disable(token: &str, body: &SecondFactorDisable) -> Result<(), Error> {
    let path = format!("{PATH}/disable");
    request_empty(Method::POST, &path, token, Some(body)).await
}

/// GET /api/v1/account.
pub async fn account(token: String) -> Result<Account, Error> {
    request(Method::GET, "/api/v1/account", Some(&token), NO_BODY).await
}

/// PATCH /api/v1/account.
pub async fn update_account(token: &str, body: &AccountPatch) -> Result<Account, Error> {
    request(Method::PATCH, "/api/v1/account", Some(token), Some(body)).await
}

/// DELETE /api/v1/users/{id}/second-factor.
pub async fn reset(token: &str, user_id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/users/{user_id}/second-factor");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}
