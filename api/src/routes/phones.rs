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
    AddPhones, AddPhonesResult, ApiError, BulkEdit, Changed, ExportQuery, ExportSelection,
    ImportQuery, ImportResult, InvalidCsv, InvalidPhones, MacList, Phone, PhoneChanges,
    PhoneFilter, PhonePage, PhoneQuery,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::phone_list::Cursor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::services::phones::{
    self, parse_mac, Export, ImportOptions, Selection, MAX_IMPORT_BYTES,
};
use crate::services::Actor;
use crate::state::AppState;

use super::body;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_phones)
        .service(export_selected)
        .service(import_template)
        .service(import_phones)
        .service(bulk_delete)
        .service(list_phones)
        .service(add_phones)
        .service(bulk_edit)
        .service(get_phone)
        .service(update_phone)
        .service(delete_phone);
}

/// A page of the account's phones, filtered and sorted, with how many match in all
/// (`total`) and cursors for the next (`cursor=next_cursor`) and previous
/// (`before=prev_cursor`) pages; `last=true` gives the last page. Cursors are opaque and only
/// valid with the sort and order they were issued for.
#[utoipa::path(tag = "phones", security(("bearer" = [])), params(PhoneQuery), responses(
    (status = 200, description = "One page of phones", body = PhonePage),
    (status = 400, description = "Malformed query, a cursor of another sort (invalid_cursor), or more than one of cursor, before and last=true (conflicting_page)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 422, description = "limit outside 1..=1000", body = ApiError),
))]
#[get("/phones")]
pub async fn list_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PhoneQuery>,
) -> Result<web::Json<PhonePage>> {
    let page = phones::list(&state.db, &Actor::from(&user), query.into_inner()).await?;
    Ok(web::Json(page))
}

/// Registers MACs: with a server they are redirected at once, without one they stay
/// unaffiliated. MACs the account already has are updated to the given properties. Entries
/// that are not MACs, repeat an earlier entry or are registered to another account refuse the
/// whole list, every one of them listed with its index (422 `invalid_phones`); with
/// `skip_invalid: true` the others are registered and those entries answered in `skipped`.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = AddPhones, responses(
    (status = 200, description = "How many phones were added and updated, and (with skip_invalid) the entries skipped", body = AddPhonesResult),
    (status = 400, description = "Malformed JSON", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "Another account registered one of the MACs while this request ran (mac_owned_by_other_account); or the phones would take the account over its phone quota (`phone_quota_exceeded`); nothing was added", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_phones with every entry that cannot be registered (invalid_mac, duplicate_mac, mac_owned_by_other_account), or with the usual {code, message}: no_macs, too_many_macs, invalid_firmware, unknown_firmware (not in the catalog), firmware_vendor_mismatch (a release of another vendor than the phone's), unknown_server or unknown_branding", body = InvalidPhones),
))]
#[post("/phones")]
pub async fn add_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<AddPhones>,
) -> Result<web::Json<AddPhonesResult>> {
    let result = phones::register(
        &state.db,
        &state.webhooks,
        &Actor::from(&user),
        body.into_inner(),
    )
    .await?;
    Ok(web::Json(result))
}

/// Sets the same properties on every selected phone: the listed ones (`macs`) or every phone
/// of the account matching the list's filter (`filter`), in one transaction however many.
/// An absent field is unchanged, `null` clears it. All or nothing: a MAC not in the account,
/// or a selection whose count differs from `expected_count`, changes nothing.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = BulkEdit, responses(
    (status = 200, description = "How many phones were changed", body = Changed),
    (status = 400, description = "Malformed JSON, both macs and filter (ambiguous_selection) or neither (missing_selection)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "A MAC is not in the account (phone_not_found); nothing changed", body = ApiError),
    (status = 409, description = "The selection has another number of phones than expected_count (selection_changed, the message gives the current count); nothing changed", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs, too_many_macs, no_changes, invalid_firmware, unknown_firmware (not in the catalog), firmware_vendor_mismatch (a release of another vendor than the phone's), unknown_server or unknown_branding", body = ApiError),
))]
#[patch("/phones")]
pub async fn bulk_edit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<BulkEdit>,
) -> Result<web::Json<Changed>> {
    let BulkEdit {
        macs,
        filter,
        expected_count,
        set,
    } = body.into_inner();
    let selection = Selection::parse(macs, filter, expected_count)?;
    let count = phones::edit_selected(&state.db, &Actor::from(&user), selection, set).await?;
    Ok(web::Json(Changed { count }))
}

/// Deletes every selected phone (the listed ones, or every phone matching `filter`), or none
/// when a MAC is not in the account or the selection's count differs from `expected_count`.
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = MacList, responses(
    (status = 200, description = "How many phones were deleted", body = Changed),
    (status = 400, description = "Malformed JSON, both macs and filter (ambiguous_selection) or neither (missing_selection)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "A MAC is not in the account (phone_not_found); nothing deleted", body = ApiError),
    (status = 409, description = "The selection has another number of phones than expected_count (selection_changed, the message gives the current count); nothing deleted", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs or too_many_macs", body = ApiError),
))]
#[post("/phones/delete")]
pub async fn bulk_delete(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<MacList>,
) -> Result<web::Json<Changed>> {
    let MacList {
        macs,
        filter,
        expected_count,
    } = body.into_inner();
    let selection = Selection::parse(macs, filter, expected_count)?;
    let count =
        phones::remove_selected(&state.db, &state.webhooks, &Actor::from(&user), selection).await?;
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
    let mac = parse_mac(&mac)?;
    Ok(web::Json(
        phones::get(&state.db, &Actor::from(&user), &mac).await?,
    ))
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
    (status = 422, description = "invalid_mac, no_changes, invalid_firmware, unknown_firmware (not in the catalog), firmware_vendor_mismatch (a release of another vendor than the phone's), unknown_server or unknown_branding", body = ApiError),
))]
#[patch("/phones/{mac}")]
pub async fn update_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    mac: web::Path<String>,
    body: web::Json<PhoneChanges>,
) -> Result<web::Json<Phone>> {
    let mac = parse_mac(&mac)?;
    let actor = Actor::from(&user);
    let phone = phones::update(&state.db, &actor, &mac, body.into_inner()).await?;
    Ok(web::Json(phone))
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
    let mac = parse_mac(&mac)?;
    phones::remove(
        &state.db,
        &state.webhooks,
        &Actor::from(&user),
        std::slice::from_ref(&mac),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Imports a CSV file sent as the raw body (`Content-Type: text/csv`) or as the `file` field
/// of a `multipart/form-data` form: first column the MAC,
/// optional header naming `server`, `branding`, `firmware` columns that override the query's
/// values per row. Cells are separated by commas, semicolons or tabs (detected unless
/// `separator` is given; the answer says which). Any bad line rejects the whole file with
/// every problem listed, unless `skip_invalid=true`: then the good lines are imported and the
/// bad ones come back with their text and problem. A MAC on several lines is imported once,
/// from its last line, and the answer lists the repeats.
#[utoipa::path(tag = "phones", security(("bearer" = [])), params(ImportQuery),
    request_body(description = "The CSV file, at most 64 MiB: the raw body, or the `file` field of a form", content(
        (inline(crate::openapi::CsvBody) = "text/csv"),
        (crate::openapi::CsvUpload = "multipart/form-data"),
    )),
    responses(
    (status = 200, description = "Imported (or, with dry_run, what would be)", body = ImportResult),
    (status = 400, description = "Malformed query, unreadable body, or a form without a file field", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 409, description = "The phones the file adds would take the account over its phone quota (`phone_quota_exceeded`; a dry run says so too); nothing was imported", body = ApiError),
    (status = 413, description = "The file is larger than 64 MiB", body = ApiError),
    (status = 422, description = "invalid_csv with every bad line, or unknown_server, unknown_branding, invalid_firmware, unknown_firmware for the query", body = InvalidCsv),
    (status = 429, description = "The node is already importing `max_concurrent_imports` files (`imports_busy`; nothing was read or imported), or too many failed API-key attempts came from this address (`too_many_requests`); see Retry-After", body = ApiError,
        headers(("Retry-After" = u32, description = "Seconds to wait"))),
))]
#[post("/phones/import")]
pub async fn import_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<web::Json<ImportResult>> {
    // Taken before the file is read: a refused import never held its body.
    let _slot = state.imports.clone().try_acquire_owned().map_err(|_| {
        Error::Busy(
            "imports_busy",
            format!(
                "This node is running as many imports as it allows at once ({}); try again in \
                 a few seconds.",
                state.settings.max_concurrent_imports
            ),
            5,
        )
    })?;
    // The file goes to disk as it arrives and is read from there a line at a time: memory
    // stays the same for a file of 100 lines or of a million.
    let max = MAX_IMPORT_BYTES as u64;
    let file = body::spool_unnamed(&req, payload, max, &state.settings.data_dir).await?;
    let q = query.into_inner();
    let options = ImportOptions {
        server_id: q.server_id,
        branding_id: q.branding_id,
        firmware: q.firmware,
        dry_run: q.dry_run.unwrap_or(false),
        skip_invalid: q.skip_invalid.unwrap_or(false),
        separator: q.separator,
    };
    let result = phones::import_csv(
        &state.db,
        &state.webhooks,
        &Actor::from(&user),
        file,
        options,
    )
    .await?;
    if !result.dry_run {
        state.metrics.imported(result.added + result.updated);
    }
    Ok(web::Json(result))
}

/// An empty import file: the header row naming the columns the import reads, to fill in.
#[utoipa::path(tag = "phones", security(("bearer" = [])), responses(
    (status = 200, description = "CSV with the header row only", content_type = "text/csv", body = String),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/phones/import/template")]
pub async fn import_template(_user: AuthUser) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"phones-template.csv\"",
        ))
        .body(phones::IMPORT_TEMPLATE)
}

/// The phones a user ticked (`macs`) or those matching `filter`, as CSV exactly as
/// GET /api/v1/phones/export writes it: the export of a selection, which a query string
/// cannot carry (up to 10,000 MACs).
#[utoipa::path(tag = "phones", security(("bearer" = [])), request_body = ExportSelection, responses(
    (status = 200, description = "CSV of the selected phones", content_type = "text/csv", body = String),
    (status = 400, description = "Malformed JSON, both macs and filter (ambiguous_selection) or neither (missing_selection)", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "A listed MAC is not in the account (phone_not_found); nothing exported", body = ApiError),
    (status = 413, description = "The body is too large", body = ApiError),
    (status = 422, description = "invalid_mac, no_macs or too_many_macs", body = ApiError),
))]
#[post("/phones/export")]
pub async fn export_selected(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ExportSelection>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&user);
    let export = Export::selected(&state.db, &actor, body.into_inner()).await?;
    Ok(csv_response(state.db.clone(), actor, export))
}

/// The phones matching the list's filters as CSV (RFC 4180 quoting, lines ended by `\n`), in the
/// list's sort, streamed a page at a time so memory stays flat at any account size. The first
/// column is the MAC. By default (`columns=all`) every column of the list is written, and the
/// import reads the file back (ignoring what it cannot set, such as `last_seen`);
/// `columns=import` writes only `mac,server,branding,firmware`.
/// Cells a spreadsheet would run as a formula are written as text.
#[utoipa::path(tag = "phones", security(("bearer" = [])), params(PhoneFilter, ExportQuery), responses(
    (status = 200, description = "CSV of the matching phones", content_type = "text/csv", body = String),
    (status = 400, description = "Malformed query", body = ApiError),
    (status = 401, description = "Not logged in", body = ApiError),
))]
#[get("/phones/export")]
pub async fn export_phones(
    state: web::Data<AppState>,
    user: AuthUser,
    filter: web::Query<PhoneFilter>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let export = Export::new(&filter, &query);
    csv_response(state.db.clone(), Actor::from(&user), export)
}

/// The export streamed as a CSV attachment, a page of rows at a time.
fn csv_response(db: Db, actor: Actor, export: Export) -> HttpResponse {
    let header_line = web::Bytes::from_static(export.header().as_bytes());
    let header_line = futures_util::stream::once(async move { Ok::<_, Error>(header_line) });
    // State: Some(cursor) while pages remain (None = first page), None when done.
    let pages = futures_util::stream::unfold(Some(None), move |state: Option<Option<Cursor>>| {
        let (db, actor, export) = (db.clone(), actor.clone(), export.clone());
        async move {
            let after = state?;
            match phones::export_page(&db, &actor, &export, after).await {
                Ok((lines, next)) => Some((Ok(web::Bytes::from(lines)), next.map(Some))),
                Err(e) => Some((Err(e), None)),
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
