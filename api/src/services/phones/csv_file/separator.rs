//! Which character separates a file's cells, read off the file itself.

use rcs_shared::CsvSeparator;

use super::{fields, is_header, mac_number};

/// Non-blank lines [`detect`] looks at.
const DETECT_LINES: usize = 20;

/// The separator of a file, read off its first non-blank lines: the one after which a header's
/// `mac` word ends; otherwise the one under which most lines start with a MAC, then the one
/// found on most lines, and on a tie comma, semicolon, tab in that order. So a semicolon file
/// whose names hold commas is read with semicolons, and a file of bare MACs with commas.
pub fn detect(text: &str) -> CsvSeparator {
    const CANDIDATES: [CsvSeparator; 3] = [
        CsvSeparator::Comma,
        CsvSeparator::Semicolon,
        CsvSeparator::Tab,
    ];
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
        .take(DETECT_LINES)
        .peekable();
    if let Some(first) = lines.peek() {
        let cut = first.char_indices().find_map(|(i, c)| {
            let separator = CANDIDATES.into_iter().find(|s| s.char() == c)?;
            Some((i, separator))
        });
        if let Some((i, separator)) = cut {
            if is_header(first[..i].trim().trim_matches('"')) {
                return separator;
            }
        }
    }
    let mut scores = [(0usize, 0usize); 3];
    for line in lines {
        for (score, separator) in scores.iter_mut().zip(CANDIDATES) {
            let Ok(cells) = fields(line, separator.char()) else {
                continue;
            };
            score.0 += usize::from(mac_number(&cells[0]).is_ok());
            score.1 += usize::from(cells.len() > 1);
        }
    }
    let best = scores.iter().max().copied().unwrap_or_default();
    let index = scores.iter().position(|s| *s == best).unwrap_or(0);
    CANDIDATES[index]
}
