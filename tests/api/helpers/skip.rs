//! Visible skips: a test that cannot run here (no PostgreSQL, no Chromium, not root, a tool
//! missing) says so and is counted as skipped, never as passed; in CI it fails instead.
//!
//! Cargo hides what a passing test prints, and a test that returns early passes. So a skip
//! also appends `SKIPPED <test name>: <reason>` to a file (`RCS_TEST_SKIP_LOG`, which
//! `scripts/test` sets and empties at the start of each run; by default `skipped-tests.txt` in
//! cargo's per-target temporary folder), and `scripts/test` prints those lines and counts them
//! as skipped instead of passed.
//!
//! With `CI` set (CI runs `.ci/run` with `CI=true`) a missing prerequisite is a failure: CI
//! installs everything, so a skip there would hide a broken machine behind a green run.

use std::io::Write;
use std::path::PathBuf;

/// True where the suite must run whole: `CI` is set (and not `false` or `0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// True when this process runs as root (mounting a tmpfs, running PostgreSQL as `postgres`).
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Marks the running test skipped for `reason`; the test then returns. In CI it panics.
///
/// Call it on the test's own thread (not in `spawn_blocking`): the thread's name is the test's.
#[track_caller]
pub fn skip(reason: &str) {
    skip_unless_required(in_ci().then_some("CI is set"), reason);
}

/// [`skip`], for a browser story: also a failure where `RCS_REQUIRE_BROWSER` is set.
#[track_caller]
pub fn skip_browser(reason: &str) {
    let required = if in_ci() {
        Some("CI is set")
    } else if std::env::var_os("RCS_REQUIRE_BROWSER").is_some() {
        Some("RCS_REQUIRE_BROWSER is set")
    } else {
        None
    };
    skip_unless_required(required, reason);
}

#[track_caller]
fn skip_unless_required(required: Option<&str>, reason: &str) {
    let name = test_name();
    if let Some(why) = required {
        panic!(
            "{name} cannot run: {reason} ({why}: a missing prerequisite is a failure, not a skip)"
        );
    }
    let line = format!("SKIPPED {name}: {reason}");
    eprintln!("{line}");
    let log = log_path();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
    if let Err(e) = written {
        panic!(
            "{name}: the skip could not be recorded in {}: {e}",
            log.display()
        );
    }
}

/// The running test's name, as libtest names its thread (`device::boot::story::postgres`).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string()
}

fn log_path() -> PathBuf {
    match std::env::var_os("RCS_TEST_SKIP_LOG") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt"),
    }
}
