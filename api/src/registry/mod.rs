//! The phone registry: registering phones (a JSON list or a CSV file), bulk edits and deletes.
//!
//! Every operation is all-or-nothing: inputs are parsed and checked first (MAC spellings,
//! server and branding ids of the account, firmware releases of the catalog, MACs held by
//! other accounts), then written in one transaction with its audit entry, so a rejected or
//! interrupted request leaves nothing behind. Writes go through multi-row statements ([`db::phones::upsert`]) because a
//! provider's import is tens of thousands of phones.

pub mod csv_file;

use std::collections::HashSet;

use rcs_shared::{AddPhones, AddPhonesResult, ImportResult, PhoneChanges};
use sqlx::AnyConnection;

use crate::auth::AuthUser;
use crate::db::audit::{self, AuditEntry};
use crate::db::firmware;
use crate::db::phones::{self, Named, NewPhone};
use crate::db::LockFor;
use crate::db::{self, now, Db};
use crate::domain::firmware::FirmwareRelease;
use crate::domain::mac::Mac;
use crate::error::{Error, Result};

use csv_file::{Chunk, Defaults, Names, Problems, Reader};

/// MACs per JSON request at most (registration, bulk edit, bulk delete).
pub const MAX_MACS_PER_REQUEST: usize = 10_000;
/// Largest CSV body accepted. A constant until the setting exists in config.rs.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

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
        let mac = Mac::parse(raw).map_err(|m| Error::unprocessable("invalid_mac", m))?;
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

/// 422 `unknown_firmware` unless `firmware` (when given) names a release in the catalog.
async fn check_firmware(conn: &mut AnyConnection, firmware: Option<&str>) -> Result<()> {
    match firmware {
        Some(version) if !firmware::versions(conn).await?.contains(version) => {
            Err(unknown_firmware(version))
        }
        _ => Ok(()),
    }
}

/// The answer for a release the catalog does not have; it names the release.
pub fn unknown_firmware(version: &str) -> Error {
    Error::unprocessable(
        "unknown_firmware",
        format!("There is no firmware {version} in the catalog (GET /api/v1/firmware lists it)."),
    )
}

/// 422 unless the server and branding (when given) belong to the account.
async fn check_refs(
    conn: &mut AnyConnection,
    account_id: i64,
    server_id: Option<i64>,
    branding_id: Option<i64>,
) -> Result<()> {
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

fn target(macs: &[&str]) -> String {
    match macs {
        [one] => one.to_string(),
        many => format!("{} phones", many.len()),
    }
}

fn as_strs(rows: &[NewPhone]) -> Vec<&str> {
    rows.iter().map(|r| r.mac.as_str()).collect()
}

/// Counts, upserts and audits `rows` (distinct MACs already checked against other accounts).
async fn write(
    conn: &mut AnyConnection,
    user: &AuthUser,
    rows: &[NewPhone],
    action: &str,
) -> Result<AddPhonesResult> {
    let macs = as_strs(rows);
    let updated = phones::own_macs(conn, user.account_id, &macs).await?.len() as u64;
    let written = phones::upsert(conn, user.account_id, rows, now()).await?;
    if written < rows.len() as u64 {
        // Another account claimed one of these MACs after the check: roll everything back.
        let foreign = phones::foreign_macs(conn, user.account_id, &macs).await?;
        return Err(owned_elsewhere(foreign.first().map_or("?", |m| m.as_str())));
    }
    let added = rows.len() as u64 - updated;
    let detail = format!("added {added}, updated {updated}");
    let target = target(&macs);
    let entry = AuditEntry {
        action,
        target: &target,
        count: rows.len() as i64,
        detail: &detail,
    };
    audit::record(&mut *conn, user.author(), entry).await?;
    Ok(AddPhonesResult { added, updated })
}

/// POST /phones: registers (or re-registers) MACs with the given properties.
pub async fn register(db: &Db, user: &AuthUser, req: AddPhones) -> Result<AddPhonesResult> {
    let macs = parse_macs(&req.macs)?;
    let firmware = parse_firmware(req.firmware.as_deref())?;
    let mut tx = db.begin_write().await?;
    check_refs(&mut tx, user.account_id, req.server_id, req.branding_id).await?;
    check_firmware(&mut tx, firmware.as_deref()).await?;
    let rows: Vec<NewPhone> = macs
        .into_iter()
        .map(|mac| NewPhone {
            mac: mac.into_string(),
            server_id: req.server_id,
            branding_id: req.branding_id,
            firmware: firmware.clone(),
        })
        .collect();
    let foreign = phones::foreign_macs(&mut tx, user.account_id, &as_strs(&rows)).await?;
    if let Some(mac) = foreign.first() {
        return Err(owned_elsewhere(mac));
    }
    let result = write(&mut tx, user, &rows, "phone.add").await?;
    tx.commit().await?;
    Ok(result)
}

/// Defaults for every row of an imported file, from the query string.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
    pub dry_run: bool,
}

/// POST /phones/import: reads the file chunk by chunk and writes each good chunk as soon as
/// it is checked, in one transaction that commits only when every line of the file was good
/// (or, with `dry_run`, only says what it would do).
///
/// Parsing runs on a blocking thread and hands chunks over a small channel, so the next chunk
/// is parsed while the database writes the last one, and memory holds the body and two or
/// three chunks rather than every row of the file. A bad line anywhere stops the writing (the
/// rest is still read, to report every problem) and the transaction is rolled back.
pub async fn import_csv(
    db: &Db,
    user: &AuthUser,
    body: actix_web::web::Bytes,
    options: ImportOptions,
) -> Result<ImportResult> {
    let firmware = parse_firmware(options.firmware.as_deref())?;
    let mut tx = db.begin_write().await?;
    check_refs(
        &mut tx,
        user.account_id,
        options.server_id,
        options.branding_id,
    )
    .await?;
    check_firmware(&mut tx, firmware.as_deref()).await?;
    let names = Names {
        servers: phones::names(&mut tx, Named::Servers, user.account_id).await?,
        brandings: phones::names(&mut tx, Named::Brandings, user.account_id).await?,
        releases: firmware::versions(&mut tx).await?,
    };
    let defaults = Defaults {
        server_id: options.server_id,
        branding_id: options.branding_id,
        firmware,
    };
    let (chunks, mut received) = tokio::sync::mpsc::channel::<Chunk>(2);
    let reader = tokio::task::spawn_blocking(move || -> Result<Problems> {
        let mut reader = Reader::new(&body, &defaults, &names, csv_file::CHUNK_ROWS)?;
        while let Some(chunk) = reader.next_chunk()? {
            if chunks.blocking_send(chunk).is_err() {
                break; // the writer failed; its error is the answer
            }
        }
        reader.finish()
    });
    let cache = db::widen_sqlite_cache(&mut tx).await?;
    let mut import = Import::new(user.account_id, options.dry_run);
    let mut outcome = Ok(());
    while let Some(chunk) = received.recv().await {
        outcome = import.chunk(&mut tx, chunk).await;
        if outcome.is_err() {
            break;
        }
    }
    drop(received);
    let parsed = reader
        .await
        .map_err(|e| anyhow::anyhow!("CSV parsing panicked: {e}"))?;
    let restored = db::restore_sqlite_cache(&mut tx, cache).await;
    outcome?;
    restored?;
    let mut problems = parsed?;
    problems.merge(std::mem::take(&mut import.owned));
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    let result = ImportResult {
        added: import.added,
        updated: import.updated,
        dry_run: options.dry_run,
    };
    if options.dry_run {
        return Ok(result);
    }
    let detail = format!("added {}, updated {}", result.added, result.updated);
    let count = result.added + result.updated;
    let target = match import.first {
        Some(mac) if count == 1 => csv_file::mac_text(mac),
        _ => format!("{count} phones"),
    };
    let entry = AuditEntry {
        action: "phone.import",
        target: &target,
        count: count as i64,
        detail: &detail,
    };
    audit::record(&mut *tx, user.author(), entry).await?;
    tx.commit().await?;
    Ok(result)
}

/// The running state of an import: counts, and the lines whose MAC another account holds.
struct Import {
    account_id: i64,
    dry_run: bool,
    now: i64,
    added: u64,
    updated: u64,
    first: Option<u64>,
    owned: Problems,
}

impl Import {
    fn new(account_id: i64, dry_run: bool) -> Import {
        Import {
            account_id,
            dry_run,
            now: now(),
            added: 0,
            updated: 0,
            first: None,
            owned: Problems::default(),
        }
    }

    /// Checks one chunk's new MACs against the database (counting those the account has,
    /// reporting those another account has), then writes the chunk if nothing is wrong so far.
    async fn chunk(&mut self, conn: &mut AnyConnection, chunk: Chunk) -> Result<()> {
        let fresh: Vec<String> = chunk
            .rows
            .iter()
            .filter(|r| !r.repeated)
            .map(|r| csv_file::mac_text(r.mac))
            .collect();
        self.first = self.first.or(chunk.rows.first().map(|r| r.mac));
        if !fresh.is_empty() {
            let json = serde_json::to_string(&fresh).expect("strings serialize");
            let (registered, foreign) =
                phones::count_registered(conn, self.account_id, json).await?;
            self.updated += registered - foreign;
            self.added += fresh.len() as u64 - registered;
            if foreign > 0 {
                let fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
                self.report_foreign(conn, &chunk, &fresh).await?;
            }
        }
        if !chunk.clean || !self.owned.is_empty() || self.dry_run {
            return Ok(());
        }
        let rows: Vec<NewPhone> = chunk
            .rows
            .iter()
            .map(|r| NewPhone {
                mac: csv_file::mac_text(r.mac),
                server_id: r.server_id,
                branding_id: r.branding_id,
                firmware: r.firmware.as_deref().map(str::to_string),
            })
            .collect();
        let written = phones::upsert(conn, self.account_id, &rows, self.now).await?;
        if written < chunk.rows.len() as u64 {
            // Another account claimed one of these MACs after the check: roll everything back.
            let macs: Vec<String> = chunk
                .rows
                .iter()
                .map(|r| csv_file::mac_text(r.mac))
                .collect();
            let macs: Vec<&str> = macs.iter().map(String::as_str).collect();
            let foreign = phones::foreign_macs(conn, self.account_id, &macs).await?;
            return Err(owned_elsewhere(foreign.first().map_or("?", |m| m.as_str())));
        }
        Ok(())
    }

    /// Adds a problem for each MAC of `macs` (from `chunk`) that another account holds.
    async fn report_foreign(
        &mut self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
        macs: &[&str],
    ) -> Result<()> {
        let foreign = phones::foreign_macs(conn, self.account_id, macs).await?;
        let mut lines: Vec<(u64, &str)> = foreign
            .iter()
            .map(|m| {
                let n = u64::from_str_radix(m, 16).unwrap_or_default();
                (chunk.line_of(n).unwrap_or_default(), m.as_str())
            })
            .collect();
        lines.sort_unstable();
        for (line, mac) in lines {
            self.owned.add(
                line,
                format!("The MAC address {mac} is registered to another account."),
            );
        }
        Ok(())
    }
}

/// 404 naming the first MAC of `macs` the account does not have (and how many more);
/// otherwise the phones stay locked for `purpose` until the transaction ends.
async fn ensure_own(
    conn: &mut AnyConnection,
    account_id: i64,
    macs: &[&str],
    purpose: LockFor,
) -> Result<()> {
    let own = phones::lock_own(conn, account_id, macs, purpose).await?;
    let missing: Vec<&&str> = macs.iter().filter(|m| !own.contains(**m)).collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => {
            let more = match missing.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            Err(Error::not_found(
                "phone_not_found",
                format!("There is no phone {first} in your account{more}; nothing was changed."),
            ))
        }
    }
}

/// PATCH /phones and /phones/{mac}: the same changes for every listed phone, or none.
pub async fn edit(
    db: &Db,
    user: &AuthUser,
    macs: &[Mac],
    mut changes: PhoneChanges,
) -> Result<u64> {
    if changes.is_empty() {
        return Err(Error::unprocessable(
            "no_changes",
            "Say what to change: server_id, branding_id or firmware.",
        ));
    }
    if let Some(firmware) = &changes.firmware {
        changes.firmware = Some(parse_firmware(firmware.as_deref())?);
    }
    let macs: Vec<&str> = macs.iter().map(Mac::as_str).collect();
    let mut tx = db.begin_write().await?;
    check_refs(
        &mut tx,
        user.account_id,
        changes.server_id.flatten(),
        changes.branding_id.flatten(),
    )
    .await?;
    check_firmware(&mut tx, changes.firmware.clone().flatten().as_deref()).await?;
    ensure_own(&mut tx, user.account_id, &macs, LockFor::Update).await?;
    let count = phones::update(&mut tx, user.account_id, &macs, &changes, now()).await?;
    let detail = describe(&changes);
    let target = target(&macs);
    let entry = AuditEntry {
        action: "phone.update",
        target: &target,
        count: count as i64,
        detail: &detail,
    };
    audit::record(&mut *tx, user.author(), entry).await?;
    tx.commit().await?;
    Ok(count)
}

/// The audit detail of an edit: which properties were set to what.
fn describe(changes: &PhoneChanges) -> String {
    fn show<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map_or_else(|| "none".to_string(), T::to_string)
    }
    let mut parts = Vec::new();
    if let Some(v) = &changes.server_id {
        parts.push(format!("server_id={}", show(v)));
    }
    if let Some(v) = &changes.branding_id {
        parts.push(format!("branding_id={}", show(v)));
    }
    if let Some(v) = &changes.firmware {
        parts.push(format!("firmware={}", show(v)));
    }
    parts.join(", ")
}

/// DELETE /phones/{mac} and POST /phones/delete: removes every listed phone, or none.
pub async fn remove(db: &Db, user: &AuthUser, macs: &[Mac]) -> Result<u64> {
    let macs: Vec<&str> = macs.iter().map(Mac::as_str).collect();
    let mut tx = db.begin_write().await?;
    ensure_own(&mut tx, user.account_id, &macs, LockFor::Delete).await?;
    let count = phones::delete(&mut tx, user.account_id, &macs).await?;
    let target = target(&macs);
    let entry = AuditEntry {
        action: "phone.delete",
        target: &target,
        count: count as i64,
        detail: "",
    };
    audit::record(&mut *tx, user.author(), entry).await?;
    tx.commit().await?;
    Ok(count)
}
