//! Phones: registering them (a JSON list or a CSV file), bulk edits and deletes, listing, their
//! boot history, exporting.
//!
//! Every write is all-or-nothing: inputs are parsed and checked first (MAC spellings,
//! server and branding ids of the account, firmware releases of the catalog and of each
//! phone's vendor, MACs held by other accounts), then written in one transaction with its
//! audit entry, so a rejected or interrupted request leaves nothing behind. Writes go through multi-row statements
//! ([`crate::db::phones::upsert`]) because a provider's import is tens of thousands of phones.

mod batch;
pub mod csv_file;
mod edit;
mod history;
mod hooks;
mod import;
mod list;
mod pins;
mod selection;

use std::collections::HashSet;

use sqlx::AnyConnection;

use crate::db::{phones, Db};
use crate::domain::firmware::FirmwareRelease;
use crate::domain::mac::Mac;
use crate::error::{Error, Result};
use crate::services::accounts;

pub(crate) use edit::register_in;
pub use edit::{edit, register, remove, update};
pub use history::events;
pub(crate) use hooks::committed;
pub use import::{import_csv, ImportOptions};
pub use list::{export_page, get, list, Export};
pub use selection::{edit_selected, remove_selected, Selection};

/// MACs per JSON request at most (registration, bulk edit, bulk delete).
pub const MAX_MACS_PER_REQUEST: usize = 10_000;
/// Largest CSV body accepted. A constant until the setting exists in `config`.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// The file a user fills in to import phones: the header row of the columns the import reads
/// (the same columns as the export, so an export imports back).
pub const IMPORT_TEMPLATE: &str = "mac,server,branding,firmware\n";
/// Writes of at least this many phones refresh the planner's statistics afterwards.
const BULK_WRITE_ROWS: u64 = 10_000;

/// One MAC from a path or a query, in any usual spelling.
pub fn parse_mac(raw: &str) -> Result<Mac> {
    Mac::parse(raw).map_err(|m| Error::unprocessable("invalid_mac", m))
}

/// Parses a request's MAC list: every entry valid, 1..=10,000, duplicates dropped (first
/// occurrence keeps its place).
pub fn parse_macs(input: &[String]) -> Result<Vec<Mac>> {
    if input.is_empty() {
        return Err(Error::unprocessable(
            "no_macs",
            "List at least one MAC address.",
        ));
    }
    if input.len() > MAX_MACS_PER_REQUEST {
        return Err(Error::unprocessable(
            "too_many_macs",
            format!("At most {MAX_MACS_PER_REQUEST} MAC addresses per request; use the CSV import for more."),
        ));
    }
    let mut seen = HashSet::new();
    let mut macs = Vec::with_capacity(input.len());
    for raw in input {
        let mac = parse_mac(raw)?;
        if seen.insert(mac.clone()) {
            macs.push(mac);
        }
    }
    Ok(macs)
}

/// A firmware release from a request, or `None` to clear.
pub fn parse_firmware(input: Option<&str>) -> Result<Option<String>> {
    input
        .map(|f| FirmwareRelease::parse(f).map(FirmwareRelease::into_string))
        .transpose()
        .map_err(|m| Error::unprocessable("invalid_firmware", m))
}

/// The answer for a release the catalog does not have; it names the release.
pub fn unknown_firmware(version: &str) -> Error {
    Error::unprocessable(
        "unknown_firmware",
        format!("There is no firmware {version} in the catalog (GET /api/v1/firmware lists it)."),
    )
}

/// 422 unless the server and branding (when given) belong to the account, and 401 when the
/// account is gone. Every write that adds phones or points them at a server or branding calls
/// it first in its transaction; the account, then the server and branding found, stay locked
/// until the transaction ends, which is what keeps the phones it writes from pointing at a
/// deleted row on PostgreSQL ([`accounts::lock_for_phones`], [`phones::lock_row`]). The account
/// goes first, as its deletion locks it first: the two then take turns instead of each
/// waiting for a row the other holds.
async fn check_refs(
    conn: &mut AnyConnection,
    account_id: i64,
    server_id: Option<i64>,
    branding_id: Option<i64>,
) -> Result<()> {
    accounts::lock_for_phones(conn, account_id).await?;
    if let Some(id) = server_id {
        if !phones::server_in_account(conn, account_id, id).await? {
            return Err(Error::unprocessable(
                "unknown_server",
                format!("There is no server {id} in your account."),
            ));
        }
    }
    if let Some(id) = branding_id {
        if !phones::branding_in_account(conn, account_id, id).await? {
            return Err(Error::unprocessable(
                "unknown_branding",
                format!("There is no branding {id} in your account."),
            ));
        }
    }
    Ok(())
}

/// The one answer for MACs of another account: it names the MAC, never the account.
fn owned_elsewhere(mac: &str) -> Error {
    Error::conflict(
        "mac_owned_by_other_account",
        format!("The MAC address {mac} is registered to another account."),
    )
}

/// 404 for a MAC the account does not have.
fn phone_not_found(mac: &Mac) -> Error {
    Error::not_found(
        "phone_not_found",
        format!("There is no phone {mac} in your account."),
    )
}

/// The audit target of a change to `macs`: the MAC itself, or `N phones`.
fn target(macs: &[&str]) -> String {
    match macs {
        [one] => one.to_string(),
        many => format!("{} phones", many.len()),
    }
}

/// After a large write, refreshes the database's statistics in the background (the answer
/// does not wait for it); see [`phones::refresh_statistics`].
fn after_bulk_write(db: &Db, rows: u64) {
    if rows < BULK_WRITE_ROWS {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(e) = phones::refresh_statistics(&db).await {
            tracing::warn!(error = %e, "cannot refresh the phone table's statistics");
        }
    });
}

/// The canonical MACs of `macs`, as the statements take them.
fn as_strs(macs: &[Mac]) -> Vec<&str> {
    macs.iter().map(Mac::as_str).collect()
}
