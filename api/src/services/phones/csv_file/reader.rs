//! The reader of a CSV file of phones: a line at a time from any `BufRead` (an import's
//! spooled file, a test's bytes), handing out sorted chunks and remembering the MACs seen.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use rcs_shared::CsvSeparator;

use super::{
    binary, detect, mac_text, not_utf8, read_line, whole_file, Chunk, Columns, Defaults, Names,
    Problems, Row, MAX_ROWS,
};
use crate::error::Error;

/// Reads a file chunk by chunk: the good lines' phones and the bad lines' problems (the
/// caller adds what only the database knows, and rejects the file if any line is bad).
pub struct Reader<'a, R> {
    /// The file, read a line at a time: an import reads it from the file it was spooled to,
    /// so memory does not grow with the file.
    source: R,
    /// The number of the line read last.
    line: u64,
    /// The line being read, reused from line to line.
    buf: Vec<u8>,
    names: &'a Names,
    server_id: Option<i64>,
    branding_id: Option<i64>,
    firmware: Option<Arc<str>>,
    /// Catalog releases named by the file, each allocated once.
    releases: HashMap<String, Arc<str>>,
    columns: Columns,
    first: bool,
    /// Every distinct MAC read so far, ascending. A sorted vector rather than a hash set: 8 MB
    /// at a million phones where the set took 18 MB, and 27 MB while it grew (measured with
    /// the benchmark's import). Chunks arrive sorted, so adding one is a single merge.
    pub(super) seen: Vec<u64>,
    problems: Problems,
    /// Lines whose MAC the file repeats, at the line that is used.
    repeats: Problems,
    separator: CsvSeparator,
    chunk_rows: usize,
}

/// What a file held besides its rows, once read to the end.
#[derive(Debug)]
pub struct Finished {
    /// Its bad lines.
    pub problems: Problems,
    /// Its repeated MACs, listed at the line that is used.
    pub repeats: Problems,
    pub separator: CsvSeparator,
}

impl<'a, R: BufRead> Reader<'a, R> {
    /// A reader of `source`, in chunks of `chunk_rows` lines. The separator is read off the
    /// file's first block; a first block that is not text is an error at once, and a later
    /// line that is not text is the same error when it is reached (an import then writes
    /// nothing: it runs in one transaction).
    pub fn new(
        mut source: R,
        defaults: &Defaults,
        names: &'a Names,
        chunk_rows: usize,
    ) -> Result<Reader<'a, R>, Error> {
        let head = source.fill_buf().map_err(anyhow::Error::from)?;
        let text = match std::str::from_utf8(head) {
            Ok(text) => text,
            // A character cut by the end of the block is not an error.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Err(not_utf8()),
        };
        if text.contains('\0') {
            return Err(binary());
        }
        // The separator is read off the first 20 lines; a block (64 KiB for an import) holds
        // many more of a phone file's lines.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Ok(Reader {
            separator: detect(text),
            repeats: Problems::default(),
            source,
            line: 0,
            buf: Vec::new(),
            names,
            server_id: defaults.server_id,
            branding_id: defaults.branding_id,
            firmware: defaults.firmware.as_deref().map(Arc::from),
            releases: HashMap::new(),
            columns: Columns::default(),
            first: true,
            seen: Vec::new(),
            problems: Problems::default(),
            chunk_rows: chunk_rows.max(1),
        })
    }

    /// Reads cells separated by `separator` rather than by the one detected.
    pub fn with_separator(mut self, separator: Option<CsvSeparator>) -> Reader<'a, R> {
        if let Some(separator) = separator {
            self.separator = separator;
        }
        self
    }

    /// Lists up to `cap` bad lines rather than [`MAX_PROBLEMS`].
    pub fn with_problem_cap(mut self, cap: usize) -> Reader<'a, R> {
        self.problems = Problems::with_cap(cap);
        self
    }

    /// The next chunk, or `None` at the end of the file. A file with more than
    /// [`MAX_ROWS`] distinct MACs is an error.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, Error> {
        let mut rows = Vec::with_capacity(self.chunk_rows);
        let mut ended = true;
        let mut buf = std::mem::take(&mut self.buf);
        loop {
            buf.clear();
            if self
                .source
                .read_until(b'\n', &mut buf)
                .map_err(anyhow::Error::from)?
                == 0
            {
                break;
            }
            self.line += 1;
            let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let raw = std::str::from_utf8(bytes).map_err(|_| not_utf8())?;
            if raw.contains('\0') {
                return Err(binary());
            }
            let raw = match self.line {
                1 => raw.strip_prefix('\u{feff}').unwrap_or(raw),
                _ => raw,
            };
            if let Some(row) = read_line(
                self.line,
                raw,
                self.names,
                &mut self.releases,
                (self.server_id, self.branding_id, &self.firmware),
                &mut self.columns,
                &mut self.first,
                &mut self.problems,
                self.separator.char(),
            ) {
                rows.push(row);
            }
            if rows.len() == self.chunk_rows {
                ended = false;
                break;
            }
        }
        self.buf = buf;
        if rows.is_empty() && ended {
            return Ok(None);
        }
        // Ascending MACs, the last line of each first; then one row per MAC.
        rows.sort_unstable_by_key(|r| (r.mac, Reverse(r.line)));
        self.note_repeats(&rows);
        rows.dedup_by_key(|r| r.mac);
        for row in &mut rows {
            row.repeated = self.seen.binary_search(&row.mac).is_ok();
            if row.repeated {
                let mac = rcs_shared::mac::pretty(&mac_text(row.mac));
                self.repeats.add(
                    row.line,
                    format!("{mac} is also on an earlier line; this line is used."),
                );
            }
        }
        let fresh: Vec<u64> = rows.iter().filter(|r| !r.repeated).map(|r| r.mac).collect();
        merge_sorted(&mut self.seen, &fresh);
        if self.seen.len() > MAX_ROWS {
            return Err(whole_file(&format!(
                "The file has more than {MAX_ROWS} phones; split it into smaller files."
            )));
        }
        Ok(Some(Chunk {
            rows,
            clean: self.problems.is_empty(),
        }))
    }

    /// Notes each MAC a chunk holds on several lines, at the line that is used (the last);
    /// `rows` are sorted by MAC, the last line of each first.
    fn note_repeats(&mut self, rows: &[Row]) {
        let mut start = 0;
        while start < rows.len() {
            let end = start + rows[start..].partition_point(|r| r.mac == rows[start].mac);
            if end - start > 1 {
                let mut others: Vec<String> = rows[start + 1..end]
                    .iter()
                    .map(|r| r.line.to_string())
                    .collect();
                others.reverse();
                let mac = rcs_shared::mac::pretty(&mac_text(rows[start].mac));
                let lines = others.join(", ");
                self.repeats.add(
                    rows[start].line,
                    format!("{mac} is also on line {lines}; this line is used."),
                );
            }
            start = end;
        }
    }

    /// Distinct MACs read so far.
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }

    /// The problems of the whole file, once every chunk is read. A file that holds no MAC
    /// at all is an error.
    pub fn finish(self) -> Result<Finished, Error> {
        if self.seen.is_empty() && self.problems.is_empty() {
            return Err(whole_file("The file contains no MAC addresses."));
        }
        Ok(Finished {
            problems: self.problems,
            repeats: self.repeats,
            separator: self.separator,
        })
    }
}

/// Merges `fresh` (ascending, none of them in `seen`) into `seen` (ascending) in place, from
/// the back: no second vector, and a chunk whose MACs all follow the earlier ones (a file in
/// MAC order) costs only its own length.
pub(super) fn merge_sorted(seen: &mut Vec<u64>, fresh: &[u64]) {
    let mut i = seen.len();
    let mut j = fresh.len();
    seen.resize(i + j, 0);
    let mut k = seen.len();
    while j > 0 {
        k -= 1;
        if i > 0 && seen[i - 1] > fresh[j - 1] {
            i -= 1;
            seen[k] = seen[i];
        } else {
            j -= 1;
            seen[k] = fresh[j];
        }
    }
}
