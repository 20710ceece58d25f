//! Reading a CSV file of phones, as the original's CSV dialog accepted them.
//!
//! Cells are separated by commas, semicolons (the default of spreadsheets where the decimal
//! mark is a comma) or tabs: the caller may say which, else [`detect`] reads it off the file.
//! The first column is the MAC. A header row is optional: it is recognised when the first
//! cell is the word `mac` (or `MAC address`) rather than a MAC, and then names further columns
//! `server`, `branding` and `firmware` (by server/branding name and catalog release) that
//! override the defaults given for the whole file. Without a header, further columns are
//! ignored. Parsing is pure: names are resolved through maps the caller read from the database, so
//! every problem of every line is found in one pass and reported together.
//!
//! A file is read in chunks ([`Reader::next_chunk`]) so that the import can write one chunk
//! while the next is parsed, and memory stays bounded by a chunk rather than the file: rows
//! are MACs as 48-bit numbers with interned firmware names, and the only whole-file state is
//! the MACs seen (to count a repeated MAC once and cap a file at [`MAX_ROWS`]), kept as one
//! sorted vector of 8 bytes a phone.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[cfg(test)]
use rcs_shared::CsvSeparator;

use crate::db::phones::NewPhone;
use crate::domain::firmware::FirmwareRelease;
use crate::domain::mac::Mac;
use crate::error::Error;

mod problems;
mod reader;
mod separator;

pub use problems::Problems;
#[cfg(test)]
use reader::merge_sorted;
pub use reader::{Finished, Reader};
pub use separator::detect;

/// Lines listed in a rejection at most; the message still gives the total.
pub const MAX_PROBLEMS: usize = 100;
/// Bad lines listed at most when they are skipped rather than rejecting the file: enough to
/// hand every bad line of a typical file back as a file to fix.
pub const MAX_SKIPPED: usize = 10_000;
/// Distinct phones per file at most.
pub const MAX_ROWS: usize = 1_000_000;
/// Lines per chunk of [`Reader::next_chunk`]: what an import checks and writes at a time on
/// SQLite (and what a whole-file parse reads at a time).
pub const CHUNK_ROWS: usize = 10_000;
/// Lines per chunk of an import on PostgreSQL. There each chunk of new phones is inserted in
/// a savepoint of its own, and an import may use only so many (`import::write::SAVEPOINTS`,
/// 48): at 25,000 lines every chunk of the largest file ([`MAX_ROWS`]) has one, where at
/// 10,000 the chunks past the 480,000th line were upserted (measured: a million-row import
/// 9.8-10.0 s at 10,000, 8.3-8.8 s at 25,000, 8.6 s at 50,000, for 9 MB more at its peak;
/// BENCHMARKS.md). SQLite's import was as fast at either size, and its peak grew with the
/// chunk (101 MB in a full run at 25,000, over the 100 MB goal), so it keeps [`CHUNK_ROWS`].
pub const POSTGRES_CHUNK_ROWS: usize = 25_000;

/// What every row gets unless its own columns say otherwise (already checked).
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<String>,
}

/// The account's servers and brandings by name, and the catalog's firmware releases.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub servers: HashMap<String, i64>,
    pub brandings: HashMap<String, i64>,
    pub releases: HashSet<String>,
}

/// One good line: the MAC as a 48-bit number and what the phone gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub mac: u64,
    pub server_id: Option<i64>,
    pub branding_id: Option<i64>,
    pub firmware: Option<Arc<str>>,
    pub line: u64,
    /// An earlier chunk had this MAC already (it is written again, last line wins, but
    /// counted and checked once).
    pub repeated: bool,
}

/// The canonical spelling of a MAC held as a number (`00085D1A2B3C`).
pub fn mac_text(mac: u64) -> String {
    format!("{mac:012X}")
}

/// Consecutive lines of the file: distinct MACs in ascending order (within a chunk the last
/// line of a MAC wins).
#[derive(Debug, Default)]
pub struct Chunk {
    pub rows: Vec<Row>,
    /// No line of the file up to the end of this chunk was bad: the chunk may be written.
    pub clean: bool,
}

impl Chunk {
    /// The line `mac` came from, when it is in this chunk.
    pub fn line_of(&self, mac: u64) -> Option<u64> {
        self.rows
            .binary_search_by_key(&mac, |r| r.mac)
            .ok()
            .map(|i| self.rows[i].line)
    }
}

/// The phones of a valid file, read whole: distinct MACs (the last line of a duplicate
/// wins), each with the line it came from.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<NewPhone>,
    pub lines: Vec<u64>,
}

/// A problem with the file as a whole (no line to point at).
fn whole_file(message: &str) -> Error {
    Error::InvalidCsv(message.to_string(), Vec::new())
}

fn not_utf8() -> Error {
    whole_file("The file is not a CSV text file (it is not UTF-8 text).")
}

fn binary() -> Error {
    whole_file("The file is not a CSV text file (it holds binary data).")
}

/// Which columns (after the MAC) the header named.
#[derive(Debug, Default)]
struct Columns {
    server: Option<usize>,
    branding: Option<usize>,
    firmware: Option<usize>,
}

fn is_header(cell: &str) -> bool {
    let word: String = cell
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    word == "mac" || word == "macaddress"
}

fn read_header(record: &[Cow<str>], line: u64, problems: &mut Problems) -> Columns {
    let mut columns = Columns::default();
    for (i, name) in record.iter().enumerate().skip(1) {
        match name.to_ascii_lowercase().as_str() {
            "server" => columns.server = Some(i),
            "branding" => columns.branding = Some(i),
            "firmware" => columns.firmware = Some(i),
            // The export's other columns: facts phones report, which an import cannot set.
            "" | "reported_firmware" | "model" | "vendor" | "last_seen" | "last_address"
            | "state" | "created" => {}
            other => problems.add(
                line,
                format!(
                    "Unknown column {other:?} (the columns are mac, server, branding, firmware)."
                ),
            ),
        }
    }
    columns
}

/// Splits one line into trimmed fields. A field may be quoted (`"a,b"`, with `""` for a
/// quote inside); quoted line breaks are not supported, as no MAC file needs them. A line
/// without quotes (nearly all of them) is split without copying.
fn fields(line: &str, separator: char) -> Result<Vec<Cow<'_, str>>, String> {
    if !line.contains('"') {
        return Ok(line
            .split(separator)
            .map(|f| Cow::Borrowed(f.trim()))
            .collect());
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars().peekable();
    let (mut in_quotes, mut was_quoted) = (false, false);
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    current.push('"');
                }
                '"' => in_quotes = false,
                _ => current.push(c),
            }
        } else if c == '"' && !was_quoted && current.trim().is_empty() {
            (in_quotes, was_quoted) = (true, true);
            current.clear();
        } else if c == separator {
            out.push(Cow::Owned(current.trim().to_string()));
            current.clear();
            was_quoted = false;
        } else {
            current.push(c);
        }
    }
    if in_quotes {
        return Err("A quoted value is not closed on this line.".into());
    }
    out.push(Cow::Owned(current.trim().to_string()));
    Ok(out)
}

/// A named cell: empty or absent means the default; otherwise `resolve` decides.
fn cell<T: Clone>(
    record: &[Cow<str>],
    column: Option<usize>,
    default: &Option<T>,
    resolve: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match column.and_then(|i| record.get(i)).filter(|v| !v.is_empty()) {
        Some(value) => resolve(restore(value)).map(Some),
        None => Ok(default.clone()),
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP's list for CSV
/// injection): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A name as an exported cell: one that a spreadsheet would run as a formula (a server named
/// `=HYPERLINK(...)`, say) gets a leading `'`, which spreadsheets show as text.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The name a [`neutralise`]d cell stands for, so that an export imports back as it was.
fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// A MAC cell as a 48-bit number. The canonical spelling of a unicast, non-zero MAC is
/// read directly; everything else goes through [`Mac::parse`] (other spellings, and the
/// wording of its rejection).
fn mac_number(cell: &str) -> Result<u64, String> {
    let canonical = cell.len() == 12 && cell.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(n) = canonical
        .then(|| u64::from_str_radix(cell, 16).ok())
        .flatten()
        .filter(|&n| n != 0 && (n >> 40) & 1 == 0)
    {
        return Ok(n);
    }
    let mac = Mac::parse(cell)?;
    u64::from_str_radix(mac.as_str(), 16).map_err(|e| e.to_string())
}

/// One line: its phone, or `None` for a blank, header or bad line (recorded in `problems`).
#[allow(clippy::too_many_arguments)]
fn read_line(
    line: u64,
    raw: &str,
    names: &Names,
    releases: &mut HashMap<String, Arc<str>>,
    (server_id, branding_id, firmware): (Option<i64>, Option<i64>, &Option<Arc<str>>),
    columns: &mut Columns,
    first: &mut bool,
    problems: &mut Problems,
    separator: char,
) -> Option<Row> {
    let record = match fields(raw.strip_suffix('\r').unwrap_or(raw), separator) {
        Ok(record) => record,
        Err(message) => {
            problems.add(line, message);
            return None;
        }
    };
    if record.iter().all(|f| f.is_empty()) {
        return None;
    }
    if std::mem::take(first) && is_header(&record[0]) {
        *columns = read_header(&record, line, problems);
        return None;
    }
    let mac = mac_number(&record[0]);
    let server = cell(&record, columns.server, &server_id, |name| {
        names
            .servers
            .get(name)
            .copied()
            .ok_or_else(|| format!("There is no server named {name:?} in your account."))
    });
    let branding = cell(&record, columns.branding, &branding_id, |name| {
        names
            .brandings
            .get(name)
            .copied()
            .ok_or_else(|| format!("There is no branding named {name:?} in your account."))
    });
    let firmware = cell(&record, columns.firmware, firmware, |v| {
        let release = FirmwareRelease::parse(v)?.into_string();
        if let Some(known) = releases.get(&release) {
            Ok(known.clone())
        } else if names.releases.contains(&release) {
            let known: Arc<str> = Arc::from(release.as_str());
            releases.insert(release, known.clone());
            Ok(known)
        } else {
            Err(format!("There is no firmware {release} in the catalog."))
        }
    });
    match (mac, server, branding, firmware) {
        (Ok(mac), Ok(server_id), Ok(branding_id), Ok(firmware)) => Some(Row {
            mac,
            server_id,
            branding_id,
            firmware,
            line,
            repeated: false,
        }),
        (m, s, b, f) => {
            let errors = [m.err(), s.err(), b.err(), f.err()];
            problems.add(
                line,
                errors.into_iter().flatten().collect::<Vec<_>>().join(" "),
            );
            None
        }
    }
}

/// Reads `bytes` whole into the phones of its good lines and the problems of its bad lines
/// (the import itself goes chunk by chunk through [`Reader`]; this is the same reading for
/// tests and the fuzz target). A file that is not text, or holds no MAC at all, is an error.
pub fn parse(
    bytes: &[u8],
    defaults: &Defaults,
    names: &Names,
) -> Result<(Parsed, Problems), Error> {
    let mut reader = Reader::new(bytes, defaults, names, CHUNK_ROWS)?;
    let mut parsed = Parsed::default();
    let mut index: HashMap<u64, usize> = HashMap::new();
    while let Some(chunk) = reader.next_chunk()? {
        for row in chunk.rows {
            let phone = NewPhone {
                mac: mac_text(row.mac),
                server_id: row.server_id,
                branding_id: row.branding_id,
                firmware: row.firmware.as_deref().map(str::to_string),
            };
            match index.get(&row.mac) {
                Some(&i) => {
                    parsed.rows[i] = phone;
                    parsed.lines[i] = row.line;
                }
                None => {
                    index.insert(row.mac, parsed.rows.len());
                    parsed.rows.push(phone);
                    parsed.lines.push(row.line);
                }
            }
        }
    }
    Ok((parsed, reader.finish()?.problems))
}

#[cfg(test)]
mod tests;
