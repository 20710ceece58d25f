//! `/api/v1/users`: an account's users (Super User only).
//!
//! A User gets 403 on every route here; ids of other accounts' users answer 404.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use rcs_shared::{ApiError, NewUser, User, UserPatch};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::password_reset::mail_invitation;
use crate::auth::AuthUser;
use crate::error::Result;
use crate::services::{second_factor, users, Actor};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user)
        .service(invite_user)
        .service(reset_second_factor);
}

/// The users of the caller's account, by username.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The account's users", body = Vec<User>),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<Vec<User>>> {
    Ok(web::Json(
        users::list(&state.db, &Actor::from(&user)).await?,
    ))
}

/// Add a User or Super User to the caller's account. Without a password the user is invited:
/// a mail with a single-use link lets them choose their own.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewUser, responses(
    (status = 201, description = "Created", body = User),
    (status = 400, description = "Malformed request body (an unknown role included)", body = ApiError),
    (status = 413, description = "The request body is too large", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 409, description = "The username is in use, in this or another account (`username_taken`)", body = ApiError),
    (status = 422, description = "Invalid email, password or name (`invalid_email`, `invalid_password`, `invalid_name`)", body = ApiError),
))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewUser>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    let ttl = state.settings.invitation_ttl_secs;
    let created = users::create(&state.db, &actor, &body, ttl).await?;
    if let Some(token) = &created.invitation {
        mail_invitation(&state, &created.user.email, &actor.name, token);
    }
    Ok(HttpResponse::Created().json(created.user))
}

/// Send a user a new invitation mail: a fresh single-use link to choose a password (the
/// older link stops working; the current password keeps working until the link is used).
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "The user's id")), responses(
    (status = 204, description = "The invitation mail is queued"),
    (status = 400, description = "Malformed id", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 403, description = "The caller is not a Super User", body = ApiError),
    (status = 404, description = "No such user in the caller's account", body = ApiError),
))]
#[post("/users/{id}/invitation")]
pub async fn invite_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    let ttl = state.settings.invitation_ttl_secs;
    let invited = users::invite_again(&state.db, &actor, id.into_inner(), ttl).await?;
    if let Some(token) = &invited.invitation {
        mail_invitation(&state, &invited.user.email, &actor.name, token);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// One user of the caller's account.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such user in the account", body = ApiError),
))]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<User>> {
    Ok(web::Json(
        users::get(&state.db, &Actor::from(&user), *id).await?,
    ))
}

/// Change a user's role, name or password. A new role or password ends the user's sessions.
/// Usernames never change.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Updated", body = User),
        (status = 400, description = "Malformed request body (an unknown role included)", body = ApiError),
        (status = 413, description = "The request body is too large", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such user in the account", body = ApiError),
        (status = 409, description = "That would demote the account's last Super User (`last_super_user`)", body = ApiError),
        (status = 422, description = "An `email` was sent (`username_immutable`), or an invalid name or password", body = ApiError),
))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<UserPatch>,
) -> Result<web::Json<User>> {
    let actor = Actor::from(&user);
    Ok(web::Json(
        users::update(&state.db, &actor, *id, &body).await?,
    ))
}

/// Delete a user of the caller's account; their sessions end at once.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such user in the account", body = ApiError),
        (status = 409, description = "The user is the caller (`cannot_delete_self`) or the last Super User (`last_super_user`)", body = ApiError),
))]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    users::delete(&state.db, &Actor::from(&user), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reset a user's second factor (a lost phone): it is removed with its recovery codes, the
/// user's sessions end at once, and the audit trail records it. The user then logs in with
/// the password, and sets up a new one at once where the account or platform requires it.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Reset; the user's sessions ended"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The caller is not a Super User", body = ApiError),
        (status = 404, description = "No such user in the account (`user_not_found`), or the user has no second factor (`second_factor_not_found`)", body = ApiError),
        (status = 409, description = "The user is the caller (`cannot_reset_own_second_factor`): turn it off in the preferences", body = ApiError),
))]
#[delete("/users/{id}/second-factor")]
pub async fn reset_second_factor(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse> {
    second_factor::reset(&state.db, &Actor::from(&user), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
