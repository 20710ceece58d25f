//! The documents that make promises name their proofs: a proof that was renamed, moved or
//! deleted would leave a promise standing on nothing, so every test SECURITY.md names must
//! exist where it says.

use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A named proof: the files it may live in, and the test function's name.
#[derive(Debug)]
struct Proof {
    name: String,
    candidates: Vec<PathBuf>,
    function: String,
}

/// `api/src/x.rs::f` names a file; `a::b::f` names an integration test in
/// `tests/api/a/b.rs` or `tests/api/a/b/mod.rs`.
fn proof(token: &str) -> Option<Proof> {
    let (module, function) = token.rsplit_once("::")?;
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !is_name(function) || !function.contains('_') {
        return None;
    }
    let root = Path::new(ROOT);
    let candidates = if module.ends_with(".rs") {
        vec![root.join(module)]
    } else if module.split("::").all(is_name) {
        let folder = module.replace("::", "/");
        vec![
            root.join(format!("tests/api/{folder}.rs")),
            root.join(format!("tests/api/{folder}/mod.rs")),
        ]
    } else {
        return None;
    };
    Some(Proof {
        name: token.to_string(),
        candidates,
        function: function.to_string(),
    })
}

/// Every backticked `…::test_name` in the "proven by" column of a table, and every
/// backticked `path.rs::test_name` anywhere.
fn named_proofs(markdown: &str) -> Vec<Proof> {
    let mut proofs = Vec::new();
    for line in markdown.lines() {
        let proven_by = line
            .trim()
            .strip_prefix('|')
            .and_then(|row| row.trim_end_matches('|').rsplit('|').next());
        for (i, token) in line.split('`').enumerate() {
            let in_proof_column = proven_by.is_some_and(|cell| cell.contains(token));
            if i % 2 == 1 && (in_proof_column || token.contains(".rs::")) {
                proofs.extend(proof(token));
            }
        }
    }
    proofs
}

#[test]
fn every_proof_security_md_names_is_a_test_that_exists() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("SECURITY.md")).expect("SECURITY.md");
    let proofs = named_proofs(&text);
    assert!(
        proofs.len() > 40,
        "SECURITY.md names {} proofs: the reader has lost its way",
        proofs.len()
    );
    let missing: Vec<&Proof> = proofs
        .iter()
        .filter(|p| {
            !p.candidates.iter().any(|file| {
                std::fs::read_to_string(file).is_ok_and(|source| {
                    source.contains(&format!("fn {}(", p.function))
                        || source.contains(&format!("fn {}<", p.function))
                })
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "SECURITY.md names proofs that do not exist: {:#?}",
        missing
            .iter()
            .map(|p| (&p.name, &p.candidates))
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_proof_reader_finds_what_it_should_and_misses_what_is_gone() {
    let proofs = named_proofs(
        "| a promise | `auth::a_token_stops_working_when_it_expires`, `api/src/x.rs::some_test` |\n\
         | a parser | `Mac::parse` | `scripts/fuzz` |\n",
    );
    let names: Vec<&str> = proofs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "auth::a_token_stops_working_when_it_expires",
            "api/src/x.rs::some_test"
        ]
    );
    assert!(proofs[0].candidates[0].ends_with("tests/api/auth.rs"));
}
