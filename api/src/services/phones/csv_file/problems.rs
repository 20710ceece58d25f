//! The bad lines of a file: listed up to a cap, counted in full, told as one 422 answer.

use rcs_shared::{CsvSeparator, LineProblem};

use super::MAX_PROBLEMS;
use crate::error::Error;

/// Collects bad lines up to [`MAX_PROBLEMS`] while counting all of them.
///
/// `lines` counts lines, not problems: one header line naming a million unknown columns is
/// one invalid line (the answer once said "1,000,000 invalid line(s)" for a two-line file).
/// Problems arrive in line order within a chunk and chunks hold consecutive lines, so a line
/// is new exactly when it differs from the last one counted.
#[derive(Debug)]
pub struct Problems {
    list: Vec<LineProblem>,
    total: usize,
    lines: usize,
    last_line: Option<u64>,
    /// Problems listed at most.
    cap: usize,
}

impl Default for Problems {
    fn default() -> Problems {
        Problems::with_cap(MAX_PROBLEMS)
    }
}

impl Problems {
    /// Collects problems listing at most `cap` of them.
    pub fn with_cap(cap: usize) -> Problems {
        Problems {
            list: Vec::new(),
            total: 0,
            lines: 0,
            last_line: None,
            cap,
        }
    }

    pub fn add(&mut self, line: u64, message: impl Into<String>) {
        self.total += 1;
        if self.last_line != Some(line) {
            self.lines += 1;
            self.last_line = Some(line);
        }
        if self.list.len() < self.cap {
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
        self.lines += other.lines;
        self.last_line = self.last_line.max(other.last_line);
        self.list.extend(other.list);
        self.list.sort_by_key(|p| p.line);
        self.list.truncate(self.cap);
    }

    /// Lines with a problem, in all.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// The listed problems, one per line (a line's messages joined), in line order.
    pub fn by_line(mut self) -> Vec<LineProblem> {
        self.list.sort_by_key(|p| p.line);
        let mut out: Vec<LineProblem> = Vec::with_capacity(self.list.len());
        for problem in self.list {
            match out.last_mut() {
                Some(last) if last.line == problem.line => {
                    last.message.push(' ');
                    last.message.push_str(&problem.message);
                }
                _ => out.push(problem),
            }
        }
        out
    }

    /// The 422 answer: the whole file is rejected.
    pub fn into_error(self) -> Error {
        self.into_error_read_with(CsvSeparator::Comma)
    }

    /// The 422 answer for a file read with `separator`, which the message names unless it is
    /// the usual comma (a file read with the wrong one is the likeliest cause of every line
    /// being bad).
    pub fn into_error_read_with(self, separator: CsvSeparator) -> Error {
        let shown = if self.total > self.list.len() {
            format!(" (the first {} problems are listed)", self.list.len())
        } else {
            String::new()
        };
        let read = match separator {
            CsvSeparator::Comma => String::new(),
            other => format!(" Its cells were read as {}-separated.", other.label()),
        };
        Error::InvalidCsv(
            format!(
                "The file has {} invalid line(s){shown}; nothing was imported.{read}",
                self.lines
            ),
            self.list,
        )
    }
}
