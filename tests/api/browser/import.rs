//! Upload CSV as a user with European Excel meets it, in a real browser: a semicolon file is
//! read as such (and says so), the bad lines are skipped by choice and come back as a file to
//! fix, and a repeated MAC is named.

use crate::helpers::browser::acme_in_a_browser_on;
use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(
    a_semicolon_file_with_bad_lines_is_imported_by_choice_and_its_report_downloaded
);

async fn a_semicolon_file_with_bad_lines_is_imported_by_choice_and_its_report_downloaded(
    engine: Engine,
) {
    let Some((browser, app, _account)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    browser.resize(1280, 900).await;
    browser.log_in(&app, "admin@acme.example", PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("phones.csv");
    std::fs::write(
        &file,
        "MAC;Server\r\n00:08:5D:00:00:A1;\r\n00085D00;\r\n00:08:5D:00:00:A2;Nowhere\r\n00:08:5D:00:00:A3;\r\n00085d0000a1;\r\n",
    )
    .unwrap();
    browser.click("#nav-phones").await;
    browser.click("#phones-import").await;
    browser
        .type_into("#import-file", file.to_str().unwrap())
        .await;

    // Without the choice, the file is refused whole, and the message says how it was read.
    browser.click("#import-check").await;
    browser
        .wait_text("#import-problems", |t| {
            t.contains("2 invalid line(s)") && t.contains("read as semicolon-separated")
        })
        .await;

    // With it, a dry run tells what would be skipped; the upload imports the rest.
    browser.click("#import-skip-invalid").await;
    browser.click("#import-check").await;
    let verdict = browser
        .wait_text("#import-checked", |t| t.contains("would be skipped"))
        .await;
    assert!(
        verdict.contains("2 phone(s) would be added and 0 updated; 2 bad line(s) would be skipped"),
        "{verdict}"
    );
    assert!(
        verdict.contains("Cells were read as semicolon-separated."),
        "{verdict}"
    );
    assert!(
        verdict.contains("00:08:5D:00:00:A1 is also on line 2"),
        "{verdict}"
    );
    browser.click("#import-submit").await;
    let done = browser
        .wait_text("#import-done", |t| t.contains("skipped 2 bad line(s)"))
        .await;
    assert!(
        done.contains("Imported 2 new phone(s), updated 0"),
        "{done}"
    );
    browser.screenshot("import-skipped").await;

    browser.click("#import-skipped-download").await;
    let report = browser.downloaded("skipped-lines.csv").await;
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "line,content,problem");
    assert!(lines[1].starts_with("3,\"00085D00;\",\""), "{report}");
    assert!(
        lines[2].starts_with("4,\"00:08:5D:00:00:A2;Nowhere\",\""),
        "{report}"
    );
    assert!(
        lines[2].contains("no server named \"\"Nowhere\"\""),
        "{report}"
    );
    assert_eq!(lines.len(), 3, "{report}");

    // Closing reports the import and shows the phones.
    browser.click("#import-cancel").await;
    browser
        .wait_text("#phones-notice", |t| {
            t == "Imported 2 new phone(s), updated 0; skipped 2 bad line(s)."
        })
        .await;
    browser
        .wait_text("#phones-table", |t| {
            t.contains("00:08:5D:00:00:A1") && t.contains("00:08:5D:00:00:A3")
        })
        .await;
}
