//! `/api/v1/admin/accounts`: the service providers, as the operator runs them.

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use rcs_shared::{
    AdminAccount, AdminAccountPatch, ApiError, NewAdminAccount, PhoneQuota, Suspension,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorUser;
use crate::domain::password::NewPassword;
use crate::domain::Email;
use crate::error::{Error, Result};
use crate::services::accounts::console::{self, AccountDraft};
use crate::services::operators::OperatorActor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_accounts)
        .service(create_account)
        .service(get_account)
        .service(rename_account)
        .service(set_account_quota)
        .service(suspend_account)
        .service(resume_account)
        .service(delete_account);
}

/// Every service provider's account with its phones, users and last contact, by name.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "The accounts", body = Vec<AdminAccount>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
))]
#[get("/accounts")]
pub async fn list_accounts(
    state: web::Data<AppState>,
    _operator: OperatorUser,
) -> Result<web::Json<Vec<AdminAccount>>> {
    Ok(web::Json(console::list(&state.db).await?))
}

/// Create an account and its first Super User, who is mailed a link to choose a password
/// (no password is shown to anyone).
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewAdminAccount, responses(
    (status = 201, description = "Created; the invitation mail is on its way", body = AdminAccount),
    (status = 400, description = "Malformed request body", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
    (status = 409, description = "The name (`account_name_taken`) or the username (`username_taken`) is taken", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 422, description = "Invalid name (`invalid_account_name`), email (`invalid_email`) or quota (`invalid_quota`)", body = ApiError),
))]
#[post("/accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    operator: OperatorUser,
    body: web::Json<NewAdminAccount>,
) -> Result<HttpResponse> {
    let email = Email::parse(&body.super_user_email)
        .map_err(|m| Error::unprocessable("invalid_email", m))?;
    console::parse_name(&body.name)?;
    console::parse_quota(body.phone_quota)?;
    let password_hash = crate::domain::password::hash(NewPassword::generate().0)
        .await
        .map_err(Error::Internal)?;
    let draft = AccountDraft {
        name: body.name.clone(),
        super_user: email,
        password_hash,
        phone_quota: body.phone_quota,
    };
    let actor = OperatorActor::from(&operator);
    let ttl = state.settings.invitation_ttl_secs;
    let created = console::create(&state.db, &actor, &draft, Some(ttl)).await?;
    if let Some(token) = &created.invitation {
        let by = format!("{} (platform operator)", operator.email);
        crate::auth::password_reset::mail_invitation(&state, draft.super_user.as_str(), &by, token);
    }
    Ok(HttpResponse::Created().json(created.account))
}

/// One account with its counts.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = AdminAccount),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
))]
#[get("/accounts/{id}")]
pub async fn get_account(
    state: web::Data<AppState>,
    _operator: OperatorUser,
    id: web::Path<i64>,
) -> Result<web::Json<AdminAccount>> {
    Ok(web::Json(console::get(&state.db, *id).await?))
}

/// Rename an account; absent fields stay as they are.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = AdminAccountPatch,
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "Updated", body = AdminAccount),
        (status = 400, description = "Malformed request body", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
        (status = 409, description = "Another account has that name (`account_name_taken`)", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 422, description = "Invalid name (`invalid_account_name`)", body = ApiError),
))]
#[patch("/accounts/{id}")]
pub async fn rename_account(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
    body: web::Json<AdminAccountPatch>,
) -> Result<web::Json<AdminAccount>> {
    let actor = OperatorActor::from(&operator);
    let account = match &body.name {
        Some(name) => console::rename(&state.db, &actor, *id, name).await?,
        None => console::get(&state.db, *id).await?,
    };
    Ok(web::Json(account))
}

/// Set the account's phone quota, or remove it with `null`. Every path that adds phones
/// (add, import, an operator's assignment) refuses to go over it (409
/// `phone_quota_exceeded`); a quota below what the account holds removes nothing.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = PhoneQuota,
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "Set", body = AdminAccount),
        (status = 400, description = "Malformed request body", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 422, description = "Not 0 to 100,000,000 (`invalid_quota`)", body = ApiError),
))]
#[put("/accounts/{id}/quota")]
pub async fn set_account_quota(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
    body: web::Json<PhoneQuota>,
) -> Result<web::Json<AdminAccount>> {
    let actor = OperatorActor::from(&operator);
    let account = console::set_quota(&state.db, &actor, *id, body.phone_quota).await?;
    Ok(web::Json(account))
}

/// Suspend an account: its staff are logged out and cannot log in, its API keys are refused
/// and its phones are answered 403 `account_suspended` (recorded in their history), until it
/// is resumed. Nothing of its data changes.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = Suspension,
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "Suspended (or already was)", body = AdminAccount),
        (status = 400, description = "Malformed request body", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 422, description = "The reason is over 500 characters (`invalid_reason`)", body = ApiError),
))]
#[post("/accounts/{id}/suspend")]
pub async fn suspend_account(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
    body: web::Json<Suspension>,
) -> Result<web::Json<AdminAccount>> {
    let actor = OperatorActor::from(&operator);
    let account = console::suspend(&state.db, &actor, *id, &body.reason).await?;
    Ok(web::Json(account))
}

/// Resume a suspended account: its staff, keys and phones work again.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "Active (again)", body = AdminAccount),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
))]
#[post("/accounts/{id}/resume")]
pub async fn resume_account(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
) -> Result<web::Json<AdminAccount>> {
    let actor = OperatorActor::from(&operator);
    Ok(web::Json(console::resume(&state.db, &actor, *id).await?))
}

/// Whether to delete an account that still holds phones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteAccountQuery {
    /// `true`: delete its phones (and their history) with it.
    pub force: Option<bool>,
}

/// Delete an account with its users, keys, servers, brandings, webhooks and history, all or
/// nothing. Refused while it holds phones unless `force=true`.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Account id"), DeleteAccountQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed query string", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not an operator (`operator_only`)", body = ApiError),
        (status = 404, description = "No such account (`account_not_found`)", body = ApiError),
        (status = 409, description = "It holds phones and `force` was not given (`account_has_phones`; the message gives the count)", body = ApiError),
))]
#[delete("/accounts/{id}")]
pub async fn delete_account(
    state: web::Data<AppState>,
    operator: OperatorUser,
    id: web::Path<i64>,
    query: web::Query<DeleteAccountQuery>,
) -> Result<HttpResponse> {
    let actor = OperatorActor::from(&operator);
    let force = query.force.unwrap_or(false);
    console::delete(&state.db, &actor, *id, force).await?;
    Ok(HttpResponse::NoContent().finish())
}
