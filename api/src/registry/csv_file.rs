//! Reading a CSV file of phones, as the original's CSV dialog accepted them.
//!
//! The first column is the MAC. A header row is optional: it is recognised when the first
//! cell is the word `mac` (or `MAC address`) rather than a MAC, and then names further columns
//! `server`, `branding` and `firmware` (by server/branding name and catalog release) that
//! override the defaults given for the whole file. Without a header, further columns are
//! ignored. Parsing is pure: names are resolved through maps the caller read from the database, so
//! every problem of every line is found in one pass and reported together.

use std::collections::{HashMap, HashSet};

use rcs_shared::LineProblem;

use crate::db::phones::NewPhone;
use crate::domain::firmware::FirmwareRelease;
use crate::domain::mac::Mac;
use crate::error::Error;

/// Lines listed in a rejection at most; the message still gives the total.
pub const MAX_PROBLEMS: usize = 100;
/// Distinct phones per file at most, so memory stays bounded (about 100 MB at the cap).
pub const MAX_ROWS: usize = 1_000_000;

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

/// The phones of a valid file: distinct MACs (the last line of a duplicate wins), each
/// with the line it came from, for reporting problems found later in the database.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<NewPhone>,
    pub lines: Vec<u64>,
}

/// Collects bad lines up to [`MAX_PROBLEMS`] while counting all of them.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<LineProblem>,
    total: usize,
}

impl Problems {
    pub fn add(&mut self, line: u64, message: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(LineProblem {
                line,
                message: message.into(),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds `other`'s problems, keeping the list in line order and within the cap.
    pub fn merge(&mut self, other: Problems) {
        self.total += other.total;
        self.list.extend(other.list);
        self.list.sort_by_key(|p| p.line);
        self.list.truncate(MAX_PROBLEMS);
    }

    /// The 422 answer: the whole file is rejected.
    pub fn into_error(self) -> Error {
        let shown = if self.total > self.list.len() {
            format!(" (the first {} are listed)", self.list.len())
        } else {
            String::new()
        };
        Error::InvalidCsv(
            format!(
                "The file has {} invalid line(s){shown}; nothing was imported.",
                self.total
            ),
            self.list,
        )
    }
}

/// A problem with the file as a whole (no line to point at).
fn whole_file(message: &str) -> Error {
    Error::InvalidCsv(message.to_string(), Vec::new())
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

fn read_header(record: &[String], line: u64, problems: &mut Problems) -> Columns {
    let mut columns = Columns::default();
    for (i, name) in record.iter().enumerate().skip(1) {
        match name.to_ascii_lowercase().as_str() {
            "server" => columns.server = Some(i),
            "branding" => columns.branding = Some(i),
            "firmware" => columns.firmware = Some(i),
            "" => {}
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
/// quote inside); quoted line breaks are not supported, as no MAC file needs them.
fn fields(line: &str) -> Result<Vec<String>, String> {
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
        } else if c == ',' {
            out.push(current.trim().to_string());
            current.clear();
            was_quoted = false;
        } else {
            current.push(c);
        }
    }
    if in_quotes {
        return Err("A quoted value is not closed on this line.".into());
    }
    out.push(current.trim().to_string());
    Ok(out)
}

/// A named cell: empty or absent means the default; otherwise `resolve` decides.
fn cell<T: Clone>(
    record: &[String],
    column: Option<usize>,
    default: &Option<T>,
    resolve: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match column.and_then(|i| record.get(i)).filter(|v| !v.is_empty()) {
        Some(value) => resolve(value).map(Some),
        None => Ok(default.clone()),
    }
}

/// Reads `bytes` into the phones of its good lines and the problems of its bad lines (the
/// caller adds what only the database knows, then rejects the file if any line is bad).
/// A file that is not text, or holds no MAC at all, is an error at once.
pub fn parse(
    bytes: &[u8],
    defaults: &Defaults,
    names: &Names,
) -> Result<(Parsed, Problems), Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| whole_file("The file is not a CSV text file (it is not UTF-8 text)."))?;
    if text.contains('\0') {
        return Err(whole_file(
            "The file is not a CSV text file (it holds binary data).",
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Problems::default();
    let mut columns = Columns::default();
    let mut parsed = Parsed::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut first = true;
    for (n, raw) in text.split('\n').enumerate() {
        let line = n as u64 + 1;
        let record = match fields(raw.strip_suffix('\r').unwrap_or(raw)) {
            Ok(record) => record,
            Err(message) => {
                problems.add(line, message);
                continue;
            }
        };
        if record.iter().all(String::is_empty) {
            continue;
        }
        if std::mem::take(&mut first) && is_header(&record[0]) {
            columns = read_header(&record, line, &mut problems);
            continue;
        }
        let mac = Mac::parse(&record[0]);
        let server = cell(&record, columns.server, &defaults.server_id, |name| {
            names
                .servers
                .get(name)
                .copied()
                .ok_or_else(|| format!("There is no server named {name:?} in your account."))
        });
        let branding = cell(&record, columns.branding, &defaults.branding_id, |name| {
            names
                .brandings
                .get(name)
                .copied()
                .ok_or_else(|| format!("There is no branding named {name:?} in your account."))
        });
        let firmware = cell(&record, columns.firmware, &defaults.firmware, |v| {
            let release = FirmwareRelease::parse(v)?.into_string();
            if names.releases.contains(&release) {
                Ok(release)
            } else {
                Err(format!("There is no firmware {release} in the catalog."))
            }
        });
        let (mac, server_id, branding_id, firmware) = match (mac, server, branding, firmware) {
            (Ok(m), Ok(s), Ok(b), Ok(f)) => (m.into_string(), s, b, f),
            (m, s, b, f) => {
                let errors = [m.err(), s.err(), b.err(), f.err()];
                problems.add(
                    line,
                    errors.into_iter().flatten().collect::<Vec<_>>().join(" "),
                );
                continue;
            }
        };
        let phone = NewPhone {
            mac: mac.clone(),
            server_id,
            branding_id,
            firmware,
        };
        match index.get(&mac) {
            Some(&i) => {
                parsed.rows[i] = phone;
                parsed.lines[i] = line;
            }
            None if parsed.rows.len() >= MAX_ROWS => {
                return Err(whole_file(&format!(
                    "The file has more than {MAX_ROWS} phones; split it into smaller files."
                )));
            }
            None => {
                index.insert(mac, parsed.rows.len());
                parsed.rows.push(phone);
                parsed.lines.push(line);
            }
        }
    }
    if parsed.rows.is_empty() && problems.is_empty() {
        return Err(whole_file("The file contains no MAC addresses."));
    }
    Ok((parsed, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            servers: [("Main".to_string(), 7)].into(),
            brandings: HashMap::new(),
            releases: ["4.2.0.181".to_string()].into(),
        }
    }

    fn problems(bytes: &[u8]) -> Vec<u64> {
        let error = match parse(bytes, &Defaults::default(), &names()) {
            Ok((_, problems)) if !problems.is_empty() => problems.into_error(),
            Err(error) => error,
            Ok(_) => panic!("{bytes:?} accepted"),
        };
        match error {
            Error::InvalidCsv(_, list) => list.iter().map(|p| p.line).collect(),
            other => panic!("expected invalid_csv, got {other:?}"),
        }
    }

    #[test]
    fn bom_crlf_quotes_blank_lines_trailing_commas_and_spaces_are_read() {
        let file = "\u{feff}mac,server,firmware\r\n\"00:08:5D:1A:2B:3C\" , Main ,\r\n\r\n 0008.5d1a.2b3d ,,4.2.0.181,\r\n";
        let (parsed, problems) = parse(file.as_bytes(), &Defaults::default(), &names()).unwrap();
        assert!(problems.is_empty());
        assert_eq!(parsed.lines, vec![2, 4]);
        assert_eq!(parsed.rows[0].mac, "00085D1A2B3C");
        assert_eq!(parsed.rows[0].server_id, Some(7));
        assert_eq!(parsed.rows[1].server_id, None);
        assert_eq!(parsed.rows[1].firmware.as_deref(), Some("4.2.0.181"));
        assert_eq!(
            fields(r#" "a ""b"", c" , d,"#).unwrap(),
            ["a \"b\", c", "d", ""]
        );
    }

    #[test]
    fn without_a_header_extra_columns_are_ignored_and_duplicates_count_once() {
        let defaults = Defaults {
            server_id: Some(7),
            ..Defaults::default()
        };
        let file = "00085D1A2B3C,whatever\n00085D1A2B3D\n00:08:5d:1a:2b:3c\n";
        let (parsed, _) = parse(file.as_bytes(), &defaults, &names()).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.lines, vec![3, 2]);
        assert!(parsed.rows.iter().all(|r| r.server_id == Some(7)));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let file = "mac,server\n00085D1A2B3C\nnope\n00085D1A2B3D,Nowhere\n010000000000\n";
        assert_eq!(problems(file.as_bytes()), vec![3, 4, 5]);
        assert_eq!(problems(b"mac,colour\n00085D1A2B3C\n"), vec![1]);
        assert_eq!(problems(b"00085D1A2B3C\n\"00085D1A2B3D\n"), vec![2]);
    }

    #[test]
    fn empty_and_binary_files_are_rejected_as_a_whole() {
        for bad in [
            &b""[..],
            b"\r\n\r\n",
            b"mac\n",
            b"\xff\xfe\x00\x01",
            b"\x00\x00\x00",
        ] {
            assert_eq!(problems(bad), Vec::<u64>::new(), "{bad:?}");
        }
    }

    #[test]
    fn the_report_is_capped_but_counts_everything() {
        let file = "x\n".repeat(MAX_PROBLEMS + 5);
        let (_, problems) = parse(file.as_bytes(), &Defaults::default(), &names()).unwrap();
        match problems.into_error() {
            Error::InvalidCsv(message, list) => {
                assert_eq!(list.len(), MAX_PROBLEMS);
                assert!(
                    message.contains(&format!("{}", MAX_PROBLEMS + 5)),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
