//! `/api/v1/users`: an account's users (Super User only).
//!
//! A User gets 403 on every route here; ids of other accounts' users answer 404.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use rcs_shared::{ApiError, NewUser, User, UserPatch};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::users::{self, UserChanges};
use crate::domain::{Email, NewPassword, PasswordHash, PersonName};
use crate::error::{Error, Result};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user);
}

/// Parses a new password against the policy (422 `invalid_password`) and hashes it on the
/// blocking pool: argon2 takes tens of milliseconds of CPU an async worker must not spend.
pub(crate) async fn hash_new_password(input: &str) -> Result<PasswordHash> {
    let password =
        NewPassword::parse(input).map_err(|m| Error::unprocessable("invalid_password", m))?;
    crate::domain::password::hash(password)
        .await
        .map_err(Error::Internal)
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
    user.require_super_user()?;
    let rows = users::list_in_account(&state.db, user.account_id).await?;
    Ok(web::Json(rows.iter().map(|u| u.to_dto()).collect()))
}

/// Add a User or Super User to the caller's account.
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
    user.require_super_user()?;
    let email = Email::parse(&body.email).map_err(|m| Error::unprocessable("invalid_email", m))?;
    let name = PersonName::parse(&body.name)?;
    let hash = hash_new_password(&body.password).await?;
    let row = users::create(&state.db, &user, &email, body.role, &name, &hash).await?;
    Ok(HttpResponse::Created().json(row.to_dto()))
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
    user.require_super_user()?;
    let row = users::find_in_account(&state.db, user.account_id, *id)
        .await?
        .ok_or_else(users::user_not_found)?;
    Ok(web::Json(row.to_dto()))
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
    user.require_super_user()?;
    if body.email.is_some() {
        return Err(Error::unprocessable(
            "username_immutable",
            "The username (email) cannot be changed. Add a new user instead.",
        ));
    }
    let name = body.name.as_deref().map(PersonName::parse).transpose()?;
    let password_hash = match &body.password {
        Some(p) => Some(hash_new_password(p).await?),
        None => None,
    };
    let changes = UserChanges {
        role: body.role,
        name,
        password_hash,
    };
    let row = users::update(&state.db, &user, *id, changes).await?;
    Ok(web::Json(row.to_dto()))
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
    user.require_super_user()?;
    users::delete(&state.db, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
