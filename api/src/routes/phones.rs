//! `/api/v1/phones`: phones by MAC, their properties, bulk edits, CSV import and export.
//!
//! MACs are accepted in any usual spelling (path and bodies) and answered canonical.
//! Bulk delete is `POST /phones/delete` rather than `DELETE /phones` with a body, because
//! proxies and HTTP clients may drop the body of a DELETE. Fixed paths (`export`, `import`,
//! `delete`) are registered before `/phones/{mac}`.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use rcs_shared::{
    AddPhones, AddPhonesResult, ApiError, BulkEdit, Changed, ImportQuery, ImportResult, InvalidCsv,
    MacList, Phone, PhoneChanges, PhonePage, PhoneQuery, PhoneSort,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::phones::{self, Cursor, Filter, Page};
use crate::domain::mac::Mac;
use crate::error::{Error, Result};
use crate::registry::{self, ImportOptions, MAX_IMPORT_BYTES};
use crate::state::AppState;

use super::body;

/// Rows per page of a streamed export.
const EXPORT_PAGE: u32 = 1000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_phones)
        .service(import_phones)
        .service(bulk_delete)
        .service(list_phones)
        .service(add_phones)
        .service(bulk_edit)
        .service(get_phone)
        .service(update_phone)
        .service(delete_phone);
}

fn path_mac(raw: &str) -> Result<Mac> {
    Mac::parse(raw).map_err(|m| Error::unprocessable("invalid_mac", m))
}

/// A page of the account's phones, filtered and sorted, with a cursor for the next page.
#[utoipa::path(tag = "phones", security(("bearer" = [])), params(PhoneQuery), responses(
    (status = 200, description = "One page of phones", body = PhonePage),
    (status = 400, description = "Malformed query or cursor", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 422, description = "limit outside 1..=1000", body = ApiError),
))]
#[get("/phones")]
pub async fn list_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PhoneQuery>,
) -> Result<web::Json<PhonePage>> {
    let Some((filter, page)) = phones::plan(query.into_inner())? else {
        // A search no MAC can match.
        return Ok(web::Json(PhonePage {
            items: vec![],
            next_cursor: None,
        }));
    };
    let (limit, sort, order) = (page.limit, page.sort, page.order);
    let page = Page {
        limit: limit + 1,
        ..page
    };
    let mut rows = phones::list(&state.db, user.account_id, &filter, &page).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows
        .last()
        .filter(|_| more)
        .map(|r| Cursor::after(r, sort).encode(order));
    let items = rows.iter().map(|r| r.to_dto()).collect();
    Ok(web::Json(PhonePage { items, next_cursor }))
}

/// Registers MACs: with a server they are redirected at once, without one they stay
/// unaffiliated. MACs the account already has are updated to the given properties.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = AddPhones, responses(
    (status = 200, description = "How many phones were added and updated", body = AddPhonesResult),
    (status = 400, description = "Malformed JSON", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "A MAC is registered to another account (mac_owned_by_other_account)", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs, too_many_macs, invalid_firmware, unknown_firmware (not in the catalog), unknown_server or unknown_branding", body = ApiError),
))]
#[post("/phones")]
pub async fn add_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<AddPhones>,
) -> Result<web::Json<AddPhonesResult>> {
    let result = registry::register(&state.db, &user, body.into_inner()).await?;
    after_bulk_write(&state, result.added + result.updated);
    Ok(web::Json(result))
}

/// Writes of at least this many phones refresh the planner's statistics afterwards.
const BULK_WRITE_ROWS: u64 = 10_000;

/// After a large write, refreshes the database's statistics in the background (the answer
/// does not wait for it); see [`phones::refresh_statistics`].
fn after_bulk_write(state: &web::Data<AppState>, rows: u64) {
    if rows < BULK_WRITE_ROWS {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = phones::refresh_statistics(&state.db).await {
            tracing::warn!(error = %e, "cannot refresh the phone table's statistics");
        }
    });
}

/// Sets the same properties on every listed phone; an absent field is unchanged, `null`
/// clears it. All or nothing: a MAC not in the account changes nothing.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = BulkEdit, responses(
    (status = 200, description = "How many phones were changed", body = Changed),
    (status = 400, description = "Malformed JSON", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "A MAC is not in the account (phone_not_found); nothing changed", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs, too_many_macs, no_changes, invalid_firmware, unknown_firmware (not in the catalog), unknown_server or unknown_branding", body = ApiError),
))]
#[patch("/phones")]
pub async fn bulk_edit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<BulkEdit>,
) -> Result<web::Json<Changed>> {
    let BulkEdit { macs, set } = body.into_inner();
    let macs = registry::parse_macs(&macs)?;
    let count = registry::edit(&state.db, &user, &macs, set).await?;
    after_bulk_write(&state, count);
    Ok(web::Json(Changed { count }))
}

/// Deletes every listed phone, or none when one is not in the account.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = MacList, responses(
    (status = 200, description = "How many phones were deleted", body = Changed),
    (status = 400, description = "Malformed JSON", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "A MAC is not in the account (phone_not_found); nothing deleted", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs or too_many_macs", body = ApiError),
))]
#[post("/phones/delete")]
pub async fn bulk_delete(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<MacList>,
) -> Result<web::Json<Changed>> {
    let macs = registry::parse_macs(&body.macs)?;
    let count = registry::remove(&state.db, &user, &macs).await?;
    Ok(web::Json(Changed { count }))
}

/// One phone by MAC (any spelling).
#[utoipa::path(tag = "phones", security(("bearer" = [])),
    params(("mac" = String, Path, description = "MAC in any usual spelling")), responses(
    (status = 200, description = "The phone", body = Phone),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "No such phone in the account", body = ApiError),
    (status = 422, description = "Not a valid MAC (invalid_mac)", body = ApiError),
))]
#[get("/phones/{mac}")]
pub async fn get_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    mac: web::Path<String>,
) -> Result<web::Json<Phone>> {
    let mac = path_mac(&mac)?;
    find(&state, &user, &mac).await.map(web::Json)
}

async fn find(state: &AppState, user: &AuthUser, mac: &Mac) -> Result<Phone> {
    phones::find(&state.db, user.account_id, mac.as_str())
        .await?
        .map(|row| row.to_dto())
        .ok_or_else(|| {
            Error::not_found(
                "phone_not_found",
                format!("There is no phone {mac} in your account."),
            )
        })
}

/// Changes one phone's properties; an absent field is unchanged, `null` clears it.
#[utoipa::path(tag = "phones", security(("bearer" = [])),
    params(("mac" = String, Path, description = "MAC in any usual spelling")),
    request_body = PhoneChanges, responses(
    (status = 200, description = "The changed phone", body = Phone),
    (status = 400, description = "Malformed JSON", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "No such phone in the account", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_changes, invalid_firmware, unknown_firmware (not in the catalog), unknown_server or unknown_branding", body = ApiError),
))]
#[patch("/phones/{mac}")]
pub async fn update_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    mac: web::Path<String>,
    body: web::Json<PhoneChanges>,
) -> Result<web::Json<Phone>> {
    let mac = path_mac(&mac)?;
    registry::edit(
        &state.db,
        &user,
        std::slice::from_ref(&mac),
        body.into_inner(),
    )
    .await?;
    find(&state, &user, &mac).await.map(web::Json)
}

/// Deletes one phone; its MAC is free to be registered again (by any account).
#[utoipa::path(tag = "phones", security(("bearer" = [])),
    params(("mac" = String, Path, description = "MAC in any usual spelling")), responses(
    (status = 204, description = "Deleted"),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "No such phone in the account", body = ApiError),
    (status = 422, description = "Not a valid MAC (invalid_mac)", body = ApiError),
))]
#[delete("/phones/{mac}")]
pub async fn delete_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    mac: web::Path<String>,
) -> Result<HttpResponse> {
    let mac = path_mac(&mac)?;
    registry::remove(&state.db, &user, std::slice::from_ref(&mac)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Imports a CSV file sent as the raw body (`Content-Type: text/csv`) or as the `file` field
/// of a `multipart/form-data` form: first column the MAC,
/// optional header naming `server`, `branding`, `firmware` columns that override the query's
/// values per row. Any bad line rejects the whole file with every problem listed.
#[utoipa::path(tag = "phones", security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, at most 64 MiB"),
    responses(
    (status = 200, description = "Imported (or, with dry_run, what would be)", body = ImportResult),
    (status = 400, description = "Malformed query, unreadable body, or a form without a file field", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 413, description = "The file is larger than 64 MiB", body = ApiError),
    (status = 422, description = "invalid_csv with every bad line, or unknown_server, unknown_branding, invalid_firmware, unknown_firmware for the query", body = InvalidCsv),
))]
#[post("/phones/import")]
pub async fn import_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<web::Json<ImportResult>> {
    let body = body::read_limited(&req, payload, MAX_IMPORT_BYTES).await?;
    let q = query.into_inner();
    let options = ImportOptions {
        server_id: q.server_id,
        branding_id: q.branding_id,
        firmware: q.firmware,
        dry_run: q.dry_run.unwrap_or(false),
    };
    let result = registry::import_csv(&state.db, &user, body, options).await?;
    if !result.dry_run {
        state.metrics.imported(result.added + result.updated);
        after_bulk_write(&state, result.added + result.updated);
    }
    Ok(web::Json(result))
}

/// The account's phones as CSV (`mac,server,branding,firmware`) that the import accepts,
/// streamed a page at a time so memory stays flat at any account size.
#[utoipa::path(tag = "phones", security(("bearer" = [])), responses(
    (status = 200, description = "CSV of every phone", content_type = "text/csv", body = String),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/phones/export")]
pub async fn export_phones(state: web::Data<AppState>, user: AuthUser) -> HttpResponse {
    let db = state.db.clone();
    let account_id = user.account_id;
    let header_line = futures_util::stream::once(async {
        Ok::<_, Error>(web::Bytes::from_static(b"mac,server,branding,firmware\n"))
    });
    // State: Some(cursor) while pages remain (None = first page), None when done.
    let pages = futures_util::stream::unfold(Some(None), move |state: Option<Option<Cursor>>| {
        let db = db.clone();
        async move {
            let after = state?;
            let page = Page {
                sort: PhoneSort::Mac,
                order: Default::default(),
                after,
                limit: EXPORT_PAGE,
            };
            match phones::list(&db, account_id, &Filter::default(), &page).await {
                Ok(rows) => {
                    let next = (rows.len() == EXPORT_PAGE as usize)
                        .then(|| rows.last().map(|r| Some(Cursor::after(r, PhoneSort::Mac))))
                        .flatten();
                    Some((csv_rows(&rows), next))
                }
                Err(e) => Some((Err(Error::from(e)), None)),
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"phones.csv\"",
        ))
        .streaming(header_line.chain(pages))
}

fn csv_rows(rows: &[phones::PhoneRow]) -> Result<web::Bytes> {
    let mut out = String::with_capacity(rows.len() * 40);
    for r in rows {
        let cells = [
            Some(r.mac.as_str()),
            r.server_name.as_deref(),
            r.branding_name.as_deref(),
            r.firmware.as_deref(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c.unwrap_or(""))).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Ok(web::Bytes::from(out))
}

/// A CSV field, quoted when it holds a comma, quote, line break or edge space.
fn csv_cell(value: &str) -> String {
    let needs_quotes = value.contains([',', '"', '\n', '\r']) || value.trim() != value;
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}
