//! Importing a CSV file of phones: every line checked, written in one transaction or not at
//! all.

use std::collections::{HashMap, HashSet};

use rcs_shared::webhooks::WebhookEventType;
use rcs_shared::{CsvSeparator, ImportResult, LineProblem, SkippedLine};
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;

use super::csv_file::{self, Chunk, Defaults, Finished, Names, Problems, Reader};
use super::hooks;
use super::pins::{check_firmware, release_of, release_vendors, vendor_mismatch};
use super::{after_bulk_write, check_refs, parse_firmware};
use crate::db::audit::{self, AuditEntry};
use crate::db::phones::{self, Named};
use crate::db::{self, firmware, now, Db, Dialect};
use crate::domain::Vendor;
use crate::error::Result;
use crate::services::accounts::check_phone_quota;
use crate::services::Actor;
use crate::webhooks::Outbox;

mod write;

/// Defaults for every row of an imported file, from the query string.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
    pub dry_run: bool,
    /// Import the good lines and list the bad ones, rather than rejecting the file.
    pub skip_invalid: bool,
    /// The cells' separator; detected when `None`.
    pub separator: Option<CsvSeparator>,
}

/// POST /phones/import: reads the file chunk by chunk and writes each good chunk as soon as
/// it is checked, in one transaction that commits only when every line of the file was good
/// (or, with `dry_run`, only says what it would do). With `skip_invalid` the user chose
/// otherwise: the good lines are written and the bad ones come back with their text, so they
/// can be fixed and imported again.
///
/// `file` is the uploaded file, spooled to disk by the route and read from its start.
/// Parsing runs on a blocking thread and hands chunks over a small channel, so the next chunk
/// is parsed while the database writes the last one, and memory holds two or three chunks
/// and the MACs seen, not the file (a million-row file is 19 MB; its MACs are 8 MB). A bad
/// line anywhere stops the writing (the rest is still read, to report every problem) and the
/// transaction is rolled back.
///
/// A finished import (not a dry run) queues its webhook events in its transaction:
/// `phones.added` for the phones it created (not those it updated), then `import.finished`.
pub async fn import_csv(
    db: &Db,
    outbox: &Outbox,
    actor: &Actor,
    file: std::fs::File,
    options: ImportOptions,
) -> Result<ImportResult> {
    let firmware = parse_firmware(options.firmware.as_deref())?;
    let mut tx = db.begin_write().await?;
    let (defaults, names, vendors) = prepare(&mut tx, actor.account_id, &options, firmware).await?;
    // A second handle on the same open file, for the skipped lines' text once it is read.
    let again = file.try_clone().map_err(anyhow::Error::from)?;
    let chunk_rows = match db.dialect {
        Dialect::Sqlite => csv_file::CHUNK_ROWS,
        Dialect::Postgres => csv_file::POSTGRES_CHUNK_ROWS,
    };
    let (reader, received) = spawn_reader(file, defaults, names, &options, chunk_rows);
    let cache = db::widen_sqlite_cache(&mut tx).await?;
    let mut import = Import::new(actor.account_id, &options, vendors);
    let subscribers = if options.dry_run {
        Vec::new()
    } else {
        hooks::subscribers(&mut tx, outbox, actor.account_id, &IMPORT_EVENTS).await?
    };
    import.created = (!subscribers.is_empty()).then(Vec::new);
    let outcome = import.write_chunks(&mut tx, received).await;
    let parsed = reader
        .await
        .map_err(|e| anyhow::anyhow!("CSV parsing panicked: {e}"))?;
    let restored = db::finish_bulk_write(&mut tx, cache).await;
    outcome?;
    restored?;
    let Finished {
        mut problems,
        repeats,
        separator,
    } = parsed?;
    problems.merge(std::mem::take(&mut import.found));
    if !problems.is_empty() && !options.skip_invalid {
        return Err(problems.into_error_read_with(separator));
    }
    let mut result = import.result(options.dry_run, separator, repeats);
    (result.skipped, result.skipped_total) =
        tokio::task::spawn_blocking(move || skipped_lines(again, problems))
            .await
            .map_err(|e| anyhow::anyhow!("reading skipped lines panicked: {e}"))?
            .map_err(anyhow::Error::from)?;
    if options.dry_run {
        return Ok(result);
    }
    audit::record(
        &mut *tx,
        actor.author(),
        import.audit_entry(&result).entry(),
    )
    .await?;
    let created = import.created.take().unwrap_or_default();
    let created: Vec<&str> = created.iter().map(String::as_str).collect();
    let counts = (result.added, result.updated);
    let queued =
        hooks::import_finished(&mut tx, outbox, &subscribers, actor, &created, counts).await?;
    tx.commit().await?;
    hooks::committed(outbox, queued);
    after_bulk_write(db, result.added + result.updated);
    Ok(result)
}

/// What an import tells webhooks.
const IMPORT_EVENTS: [WebhookEventType; 2] = [
    WebhookEventType::PhonesAdded,
    WebhookEventType::ImportFinished,
];

/// Checks the query's defaults (the account's server and branding, a catalog release) and
/// reads the names a file's columns may use, and each release's vendor (whether a release
/// fits a phone is a line's problem: it depends on the phone).
async fn prepare(
    tx: &mut Transaction<'static, Any>,
    account_id: i64,
    options: &ImportOptions,
    firmware: Option<String>,
) -> Result<(Defaults, Names, Vendors)> {
    check_refs(tx, account_id, options.server_id, options.branding_id).await?;
    check_firmware(tx, firmware.as_deref()).await?;
    let vendors = release_vendors(tx).await?;
    let names = Names {
        servers: phones::names(tx, Named::Servers, account_id).await?,
        brandings: phones::names(tx, Named::Brandings, account_id).await?,
        releases: vendors.keys().cloned().collect(),
    };
    let defaults = Defaults {
        server_id: options.server_id,
        branding_id: options.branding_id,
        firmware,
    };
    Ok((defaults, names, vendors))
}

/// The catalog's releases and their vendors.
type Vendors = HashMap<String, Option<Vendor>>;

/// The bad lines of the spooled `file` that `problems` lists, each with its text (at most
/// [`MAX_LINE_TEXT`] characters), and how many bad lines there were in all.
fn skipped_lines(
    mut file: std::fs::File,
    problems: Problems,
) -> std::io::Result<(Vec<SkippedLine>, u64)> {
    use std::io::{BufRead, Seek};
    let total = problems.lines() as u64;
    let listed: Vec<LineProblem> = problems.by_line();
    if listed.is_empty() {
        return Ok((Vec::new(), total));
    }
    file.seek(std::io::SeekFrom::Start(0))?;
    let mut lines = std::io::BufReader::with_capacity(READ_BLOCK, file)
        .split(b'\n')
        .zip(1u64..);
    let mut skipped = Vec::with_capacity(listed.len());
    for problem in listed {
        let Some((raw, _)) = lines.find(|(_, n)| *n == problem.line) else {
            break;
        };
        let raw = raw?;
        let raw = String::from_utf8_lossy(&raw);
        let raw = raw.strip_suffix('\r').unwrap_or(&raw);
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        skipped.push(SkippedLine {
            line: problem.line,
            text: raw.chars().take(MAX_LINE_TEXT).collect(),
            message: problem.message,
        });
    }
    Ok((skipped, total))
}

/// Bytes read from the spooled file at a time.
const READ_BLOCK: usize = 64 * 1024;

/// Characters of a skipped line given back at most.
const MAX_LINE_TEXT: usize = 1_000;

/// Parses `file` on a blocking thread, sending its chunks over a channel of two; the thread
/// answers every problem of the file once it has read to the end.
fn spawn_reader(
    file: std::fs::File,
    defaults: Defaults,
    names: Names,
    options: &ImportOptions,
    chunk_rows: usize,
) -> (JoinHandle<Result<Finished>>, Receiver<Chunk>) {
    let (chunks, received) = tokio::sync::mpsc::channel::<Chunk>(2);
    let (separator, cap) = (options.separator, problem_cap(options));
    let reader = tokio::task::spawn_blocking(move || -> Result<Finished> {
        let source = std::io::BufReader::with_capacity(READ_BLOCK, file);
        let mut reader = Reader::new(source, &defaults, &names, chunk_rows)?
            .with_separator(separator)
            .with_problem_cap(cap);
        while let Some(chunk) = reader.next_chunk()? {
            if chunks.blocking_send(chunk).is_err() {
                break; // the writer failed; its error is the answer
            }
        }
        reader.finish()
    });
    (reader, received)
}

/// Bad lines listed: a rejection shows the first few, a skipping import hands back many.
fn problem_cap(options: &ImportOptions) -> usize {
    if options.skip_invalid {
        csv_file::MAX_SKIPPED
    } else {
        csv_file::MAX_PROBLEMS
    }
}

/// The running state of an import: counts, and the lines only the database can fault.
struct Import {
    account_id: i64,
    dry_run: bool,
    /// Leave bad lines out rather than write nothing.
    skip: bool,
    now: i64,
    vendors: Vendors,
    added: u64,
    updated: u64,
    first: Option<u64>,
    /// Lines whose MAC another account holds, or whose phone is of another vendor than its
    /// release.
    found: Problems,
    /// The MACs created (not updated), for `phones.added`: collected only when a webhook
    /// takes an import's events.
    created: Option<Vec<String>>,
    /// Savepoints used so far ([`write::SAVEPOINTS`] at most).
    savepoints: usize,
}

/// The audit entry of a finished import, owning its texts.
struct ImportEntry {
    target: String,
    count: i64,
    detail: String,
}

impl ImportEntry {
    fn entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            action: "phone.import",
            target: &self.target,
            count: self.count,
            detail: &self.detail,
        }
    }
}

impl Import {
    fn new(account_id: i64, options: &ImportOptions, vendors: Vendors) -> Import {
        Import {
            account_id,
            dry_run: options.dry_run,
            skip: options.skip_invalid,
            now: now(),
            vendors,
            added: 0,
            updated: 0,
            first: None,
            found: Problems::with_cap(problem_cap(options)),
            created: None,
            savepoints: 0,
        }
    }

    /// The answer's counts, separator and repeated MACs (the skipped lines come after).
    fn result(&self, dry_run: bool, separator: CsvSeparator, repeats: Problems) -> ImportResult {
        ImportResult {
            added: self.added,
            updated: self.updated,
            dry_run,
            separator,
            skipped: Vec::new(),
            skipped_total: 0,
            repeated_total: repeats.lines() as u64,
            repeated: repeats.by_line(),
        }
    }

    /// Takes chunks until the reader is done or a write fails; the channel is closed on
    /// return, so a reader still parsing stops sending.
    async fn write_chunks(
        &mut self,
        conn: &mut AnyConnection,
        mut received: Receiver<Chunk>,
    ) -> Result<()> {
        while let Some(chunk) = received.recv().await {
            self.chunk(conn, chunk).await?;
        }
        Ok(())
    }

    /// `phone.import` naming the one MAC, or `N phones`, with the counts.
    fn audit_entry(&self, result: &ImportResult) -> ImportEntry {
        let count = result.added + result.updated;
        let target = match self.first {
            Some(mac) if count == 1 => csv_file::mac_text(mac),
            _ => format!("{count} phones"),
        };
        ImportEntry {
            target,
            count: count as i64,
            detail: match result.skipped_total {
                0 => format!("added {}, updated {}", result.added, result.updated),
                skipped => format!(
                    "added {}, updated {}, skipped {skipped} bad line(s)",
                    result.added, result.updated
                ),
            },
        }
    }

    /// Checks one chunk's new MACs against the database (counting those the account has,
    /// reporting those another account has) and its pinned phones against their release's
    /// vendor, then writes the chunk if nothing is wrong so far, or, when bad lines are
    /// skipped, writes its good rows whatever came before.
    async fn chunk(&mut self, conn: &mut AnyConnection, mut chunk: Chunk) -> Result<()> {
        self.first = self.first.or(chunk.rows.first().map(|r| r.mac));
        if self.insert_if_all_new(conn, &chunk).await? {
            return Ok(());
        }
        let mut found = Vec::new();
        let (fresh, mut counts) = self.registered(conn, &chunk).await?;
        if counts.1 > 0 {
            let fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
            found.extend(self.foreign(conn, &chunk, &fresh).await?);
        }
        found.extend(self.mismatched(conn, &chunk).await?);
        // Both lists are in line order; a line with both problems is one bad line.
        found.sort_by_key(|(line, _)| *line);
        if self.skip && !found.is_empty() {
            let bad: HashSet<u64> = found.iter().map(|(line, _)| *line).collect();
            chunk.rows.retain(|r| !bad.contains(&r.line));
            counts = self.registered(conn, &chunk).await?.1;
        }
        let (registered, foreign, fresh) = counts;
        self.updated += registered - foreign;
        self.added += fresh - registered;
        for (line, message) in found {
            self.found.add(line, message);
        }
        let writable = self.skip || (chunk.clean && self.found.is_empty());
        if !writable {
            return Ok(());
        }
        // A dry run writes nothing, so the database does not grow: weigh everything it would
        // have added so far. A real import weighs each chunk as it writes it.
        let adding = if self.dry_run {
            self.added
        } else {
            fresh - registered
        };
        check_phone_quota(conn, self.account_id, adding as i64).await?;
        if self.dry_run {
            return Ok(());
        }
        let all_new = registered == 0 && chunk.rows.iter().all(|r| !r.repeated);
        self.write(conn, &chunk, all_new).await
    }

    /// The chunk's MACs not seen in an earlier chunk, and how many of them are registered
    /// (to any account), how many to another account, and how many there are.
    async fn registered(
        &self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
    ) -> Result<(Vec<String>, (u64, u64, u64))> {
        let fresh: Vec<String> = chunk
            .rows
            .iter()
            .filter(|r| !r.repeated)
            .map(|r| csv_file::mac_text(r.mac))
            .collect();
        if fresh.is_empty() {
            return Ok((fresh, (0, 0, 0)));
        }
        let json = serde_json::to_string(&fresh).expect("strings serialize");
        let (registered, foreign) = phones::count_registered(conn, self.account_id, json).await?;
        let n = fresh.len() as u64;
        Ok((fresh, (registered, foreign, n)))
    }

    /// A problem for each MAC of `macs` (from `chunk`) that another account holds, by line.
    async fn foreign(
        &self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
        macs: &[&str],
    ) -> Result<Vec<(u64, String)>> {
        let foreign = phones::foreign_macs(conn, self.account_id, macs).await?;
        let mut lines: Vec<(u64, &str)> = foreign
            .iter()
            .map(|m| {
                let n = u64::from_str_radix(m, 16).unwrap_or_default();
                (chunk.line_of(n).unwrap_or_default(), m.as_str())
            })
            .collect();
        lines.sort_unstable();
        Ok(lines
            .into_iter()
            .map(|(line, mac)| {
                let mac = rcs_shared::mac::pretty(mac);
                let message = format!("The MAC address {mac} is registered to another account.");
                (line, message)
            })
            .collect())
    }

    /// A problem for each line of `chunk` that pins a phone to another vendor's release, by
    /// line; one query for the chunk reads the detected vendors (see `super::pins`).
    async fn mismatched(
        &self,
        conn: &mut AnyConnection,
        chunk: &Chunk,
    ) -> Result<Vec<(u64, String)>> {
        let pinned: Vec<(String, u64, &str, Vendor)> = chunk
            .rows
            .iter()
            .filter_map(|r| {
                let release = r.firmware.as_deref()?;
                let vendor = (*self.vendors.get(release)?)?;
                Some((csv_file::mac_text(r.mac), r.line, release, vendor))
            })
            .collect();
        if pinned.is_empty() {
            return Ok(Vec::new());
        }
        let macs: Vec<&str> = pinned.iter().map(|(mac, ..)| mac.as_str()).collect();
        let detected = firmware::detected_vendors(conn, self.account_id, &macs).await?;
        let mut found: Vec<(u64, String)> = pinned
            .iter()
            .filter_map(|(mac, line, release, vendor)| {
                let why = vendor_mismatch(mac, *vendor, &detected)?;
                Some((*line, format!("{}; {why}.", release_of(release, *vendor))))
            })
            .collect();
        found.sort_unstable_by_key(|(line, _)| *line);
        Ok(found)
    }
}
