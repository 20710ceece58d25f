//! The layering rules of this crate, checked on its source text.
//!
//! Storage (`db/`) only stores: it must not know about HTTP, sessions or services, so that a
//! service (and the CLI through it) decides policy and audit in one place. `AppState` must not
//! sit on an import circle: what it holds is built first, and handlers, metrics and the device
//! side depend on it, not the other way round. Functions stay short enough to read whole, and
//! so do the integration test files. These are read from the files as text, with no parser:
//! the code is rustfmt'd, which makes the shapes below reliable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest function, in lines, that reads as one piece.
const MAX_FUNCTION_LINES: usize = 80;
/// Longest integration test file.
const MAX_TEST_FILE_LINES: usize = 600;

/// Functions allowed to be longer, each with why.
const LONG_FUNCTIONS: &[(&str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir`, with its path relative to `base`.
fn rust_files(dir: &Path, base: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn storage_imports_nothing_from_routes_auth_services_or_the_http_error() {
    let forbidden = [
        "crate::routes",
        "crate::auth",
        "crate::services",
        "crate::error",
        "crate::state",
        "AuthUser",
    ];
    let mut found = Vec::new();
    for (file, text) in rust_files(&src().join("db"), &src()) {
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for f in forbidden.iter().filter(|f| line.contains(*f)) {
                found.push(format!("{file}:{}: {f}", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "db/ reaches up a layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn functions_stay_short() {
    let mut long = Vec::new();
    for (file, text) in rust_files(&src(), &src()) {
        for (name, lines) in functions(&text) {
            let allowed = LONG_FUNCTIONS.iter().any(|(f, n)| *f == file && *n == name);
            if lines > MAX_FUNCTION_LINES && !allowed {
                long.push(format!("{file}: fn {name} has {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn integration_test_files_stay_short() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let long: Vec<String> = rust_files(&tests, &tests)
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_TEST_FILE_LINES)
        .map(|(file, text)| format!("tests/{file}: {} lines", text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "test files over {MAX_TEST_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn app_state_is_on_no_import_circle() {
    let files = rust_files(&src(), &src());
    let known: BTreeSet<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = files
        .iter()
        .map(|(file, text)| (file.as_str(), imports(text, &known)))
        .collect();
    // Every file reachable from state.rs must not lead back to it.
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(String, Vec<String>)> = graph["state.rs"]
        .iter()
        .map(|f| (f.clone(), vec!["state.rs".to_string(), f.clone()]))
        .collect();
    while let Some((file, path)) = stack.pop() {
        assert!(file != "state.rs", "import circle: {}", path.join(" -> "));
        if !seen.insert(file.clone()) {
            continue;
        }
        for next in graph.get(file.as_str()).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next.clone());
            stack.push((next.clone(), p));
        }
    }
}

/// The files a source file names with `crate::a::b::...` paths (in `use` items or inline),
/// resolved to the longest prefix that is a module file.
fn imports(text: &str, known: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let path: Vec<&str> = rest
                .split("::")
                .map(|seg| {
                    let end = seg
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(seg.len());
                    &seg[..end]
                })
                .take_while(|seg| !seg.is_empty())
                .collect();
            if let Some(file) = module_file(&path, known) {
                out.insert(file);
            }
        }
        // `use crate::{a, b::c}` groups: each member names a module.
        if let Some(group) = line.trim().strip_prefix("use crate::{") {
            for member in group.trim_end_matches("};").split(',') {
                let path: Vec<&str> = member.trim().split("::").collect();
                if let Some(file) = module_file(&path, known) {
                    out.insert(file);
                }
            }
        }
    }
    out
}

fn module_file(path: &[&str], known: &BTreeSet<&str>) -> Option<String> {
    (1..=path.len()).rev().find_map(|n| {
        let base = path[..n].join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|f| known.contains(f.as_str()))
    })
}

/// `(name, lines)` of each function of a rustfmt'd file: from its `fn` line to the closing
/// brace at the same indentation.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let Some(name) = fn_name(trimmed) else {
            continue;
        };
        if trimmed.ends_with(';') {
            continue; // a declaration in a trait
        }
        let close = format!("{indent}}}");
        if let Some(end) = (i..lines.len()).find(|&j| lines[j] == close) {
            out.push((name, end - i + 1));
        }
    }
    out
}

fn fn_name(line: &str) -> Option<String> {
    let mut rest = line;
    for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    Some(rest[..end].to_string())
}

#[test]
fn the_function_reader_measures_what_it_should() {
    let text = "fn a() {\n    x();\n}\n\n    pub async fn b(\n        y: u8,\n    ) {\n    }\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 3), ("b".to_string(), 4)]
    );
}
