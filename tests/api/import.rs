//! CSV import and export: a corpus of good and bad files, all-or-nothing imports, and the
//! export → import round trip.

use rcs::services::phones::csv_file::POSTGRES_CHUNK_ROWS;
use rcs_shared::{ImportResult, InvalidCsv, Phone};
use serde_json::json;

use crate::helpers::phones::{macs, Ctx};
use crate::helpers::routes;
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    good_files_are_imported_whatever_their_dialect,
    header_columns_override_the_defaults_per_row,
    a_bad_file_is_rejected_whole_with_every_bad_line_listed,
    empty_and_binary_files_are_422_not_500,
    a_dry_run_counts_without_writing,
    an_import_that_fails_in_the_database_leaves_nothing_behind,
    export_then_import_round_trips,
    a_formula_named_server_exports_as_text_and_imports_back,
    an_oversized_file_gets_413,
    a_file_uploaded_as_a_multipart_form_is_imported,
    a_large_file_bad_only_in_its_last_chunk_writes_nothing,
    a_mac_repeated_across_chunks_counts_once_and_its_last_line_wins,
);

impl Ctx {
    pub async fn import(&self, query: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.app.import_csv(&self.token, query, body).await
    }

    pub async fn import_ok(&self, query: &str, body: &str) -> ImportResult {
        let response = self.import(query, body.to_string()).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn import_rejected(&self, body: impl Into<reqwest::Body>) -> InvalidCsv {
        let response = self.import("", body).await;
        assert_eq!(response.status(), 422);
        let report: InvalidCsv = response.json().await.unwrap();
        assert_eq!(report.code, "invalid_csv");
        report
    }

    pub async fn export(&self) -> String {
        let response = self.app.get(routes::PHONES_EXPORT, &self.token).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        response.text().await.unwrap()
    }
}

async fn good_files_are_imported_whatever_their_dialect(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let corpus = [
        ("plain", "00085D000001\n00085D000002\n", 2),
        (
            "BOM and CRLF",
            "\u{feff}00:08:5D:00:00:03\r\n00-08-5D-00-00-04\r\n",
            2,
        ),
        (
            "header and quotes",
            "MAC,server\n\"0008.5d00.0005\",\n\" 00085d000006 \"\n",
            2,
        ),
        (
            "blank lines, spaces, trailing commas",
            "\n  00085D000007 ,,\n\n\t00085D000008,\n\n",
            2,
        ),
        (
            "duplicates count once",
            "00085D000009\n00:08:5d:00:00:09\n00085D000009\n",
            1,
        ),
        ("no final newline", "00085D00000A", 1),
    ];
    let mut total = 0;
    for (name, file, added) in corpus {
        let result = ctx.import_ok("", file).await;
        assert_eq!((result.added, result.updated), (added, 0), "{name}");
        assert!(!result.dry_run);
        total += added;
    }
    assert_eq!(ctx.all_macs().await.len() as u64, total);
    let again = ctx.import_ok("", "00085D000001\n00085D00000B\n").await;
    assert_eq!((again.added, again.updated), (1, 1));
    let audit: i64 = ctx
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'phone.import'")
        .await;
    assert_eq!(audit, 7);
}

async fn header_columns_override_the_defaults_per_row(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "Main Office").await;
    let backup = ctx.server(ctx.account_id, "backup").await;
    let file = "mac,server,firmware\n00085D000001,,\n00085D000002,backup,\n00085D000003,\"Main Office\",3.3.1.4322\n";
    let result = ctx
        .import_ok(&format!("server_id={main}&firmware=4.2.0.181"), file)
        .await;
    assert_eq!(result.added, 3);
    let phone = |mac| ctx.phone(mac);
    let one: Phone = phone("00085D000001").await;
    assert_eq!(
        (one.server_id, one.firmware.as_deref()),
        (Some(main), Some("4.2.0.181"))
    );
    let two = phone("00085D000002").await;
    assert_eq!(
        (two.server_id, two.firmware.as_deref()),
        (Some(backup), Some("4.2.0.181"))
    );
    let three = phone("00085D000003").await;
    assert_eq!(
        (three.server_id, three.firmware.as_deref()),
        (Some(main), Some("3.3.1.4322"))
    );

    for (query, code) in [
        ("server_id=999999", "unknown_server"),
        ("branding_id=1", "unknown_branding"),
        ("firmware=new", "invalid_firmware"),
    ] {
        let response = ctx.import(query, "00085D000004\n").await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_body(response).await.code, code);
    }
}

async fn a_bad_file_is_rejected_whole_with_every_bad_line_listed(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    ctx.server(ctx.account_id, "main").await;
    let theirs = ctx.add(&other, json!({ "macs": ["00085D0000FF"] })).await;
    assert_eq!(theirs.status(), 200);
    let file = "mac,server\n\
                00085D000001,main\n\
                00085D000002\n\
                00085D0000FF\n\
                00085D000003,Nowhere\n\
                00085D000004\n\
                00085D00000Z\n\
                00085D000005\n";
    let report = ctx.import_rejected(file.to_string()).await;
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [4, 5, 7], "{report:?}");
    assert!(report.problems[0].message.contains("another account"));
    assert!(!report.problems[0].message.contains("Globex"));
    assert!(report.problems[1].message.contains("Nowhere"));
    let bad_mac = &report.problems[2].message;
    assert!(bad_mac.contains("Reenter a valid MAC address"), "{bad_mac}");
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM phones").await,
        1,
        "nothing written"
    );

    // Only the other account's MAC is wrong: still per line, still nothing written.
    let report = ctx
        .import_rejected("00085D000001\n00:08:5D:00:00:FF\n".to_string())
        .await;
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].line, 2);

    // A long list is capped but the message counts every bad line.
    let report = ctx.import_rejected("nope\n".repeat(250)).await;
    assert_eq!(report.problems.len(), 100);
    assert!(report.message.contains("250"), "{}", report.message);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 1);
}

async fn empty_and_binary_files_are_422_not_500(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let corpus: [(&str, Vec<u8>); 5] = [
        ("empty", vec![]),
        ("blank lines", b"\r\n\r\n  \n".to_vec()),
        ("header only", b"mac,server\n".to_vec()),
        (
            "binary junk",
            vec![0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 0x13],
        ),
        ("NUL bytes", b"00085D000001\n\0\0\0\n".to_vec()),
    ];
    for (name, body) in corpus {
        let response = ctx.import("", body).await;
        assert_eq!(response.status(), 422, "{name}");
        let report: InvalidCsv = response.json().await.unwrap();
        assert_eq!(report.code, "invalid_csv", "{name}");
        assert!(!report.message.is_empty());
    }
    let multipart = ctx
        .app
        .client
        .post(ctx.app.url(routes::PHONES_IMPORT))
        .bearer_auth(&ctx.token)
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--")
        .send()
        .await
        .unwrap();
    assert_eq!(multipart.status(), 400);
    assert!(ctx.all_macs().await.is_empty());
}

async fn a_dry_run_counts_without_writing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.add_ok(json!({ "macs": ["00085D000001"] })).await;
    let result = ctx
        .import_ok("dry_run=true", "00085D000001\n00085D000002\n00085D000003\n")
        .await;
    assert_eq!((result.added, result.updated, result.dry_run), (2, 1, true));
    assert_eq!(ctx.all_macs().await, ["00085D000001"]);
    let report = ctx.import("dry_run=true", "00085D000001\nbad\n").await;
    assert_eq!(report.status(), 422);
}

async fn an_import_that_fails_in_the_database_leaves_nothing_behind(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    // Sabotage: the database refuses the very last phone of the file, after the first chunks
    // of the import have already been written inside the transaction.
    let all = macs(3, 2_500);
    let last = all.last().unwrap().clone();
    let statements: Vec<String> = match engine {
        Engine::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_last BEFORE INSERT ON phones WHEN NEW.mac = '{last}' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )],
        Engine::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_last() RETURNS trigger AS $$ BEGIN \
                 IF NEW.mac = '{last}' THEN RAISE EXCEPTION 'refused'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_last BEFORE INSERT ON phones \
             FOR EACH ROW EXECUTE FUNCTION refuse_last()"
                .to_string(),
        ],
    };
    for sql in statements {
        sqlx::raw_sql(&sql).execute(&ctx.app.db.pool).await.unwrap();
    }
    let response = ctx.import("", all.join("\n")).await;
    assert_eq!(response.status(), 500, "the sabotaged write fails");
    assert_eq!(error_body(response).await.code, "internal_error");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 0);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM audit_events").await, 0);
    // Without the last phone the same file goes through.
    let result = ctx.import_ok("", &all[..2_499].join("\n")).await;
    assert_eq!(result.added, 2_499);
}

async fn export_then_import_round_trips(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "Main, \"HQ\"").await;
    ctx.add_ok(json!({ "macs": macs(5, 1_500), "server_id": main, "firmware": "4.2.0.181" }))
        .await;
    ctx.add_ok(json!({ "macs": macs(6, 700) })).await;
    let before = ctx.page("limit=1000").await.items;
    let exported = ctx.export().await;
    assert!(exported.starts_with(
        "mac,server,branding,firmware,reported_firmware,model,vendor,last_seen,last_address,\
         state,created\n"
    ));
    assert_eq!(exported.lines().count(), 1 + 2_200);

    let all: Vec<String> = ctx.all_macs().await;
    for chunk in all.chunks(10_000) {
        let response = ctx
            .app
            .post(routes::PHONES_DELETE, &ctx.token, &json!({ "macs": chunk }))
            .await;
        assert_eq!(response.status(), 200);
    }
    assert!(ctx.all_macs().await.is_empty());
    let result = ctx.import_ok("", &exported).await;
    assert_eq!((result.added, result.updated), (2_200, 0));
    let after = ctx.page("limit=1000").await.items;
    let key = |p: &Phone| (p.mac.clone(), p.server_id, p.firmware.clone());
    assert_eq!(
        after.iter().map(key).collect::<Vec<_>>(),
        before.iter().map(key).collect::<Vec<_>>()
    );
    // The same file again, but for `created` (the last column): the phones are new rows.
    let without_created = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l[..l.rfind(',').unwrap()].to_string())
            .collect()
    };
    assert!(without_created(&ctx.export().await) == without_created(&exported));
}

/// Found by the second penetration test: a User could name a server `=cmd|' /C calc'!A0`
/// and it ran in the spreadsheet of whoever opened the export (OWASP "CSV injection").
async fn a_formula_named_server_exports_as_text_and_imports_back(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let formula = "=cmd|' /C calc'!A0";
    let evil = ctx.server(ctx.account_id, formula).await;
    let link = ctx.server(ctx.account_id, "@HYPERLINK(1)").await;
    ctx.add_ok(json!({ "macs": ["00085D000001"], "server_id": evil }))
        .await;
    ctx.add_ok(json!({ "macs": ["00085D000002"], "server_id": link }))
        .await;
    let exported = ctx.export().await;
    let cells: Vec<&str> = exported
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        cells,
        ["'=cmd|' /C calc'!A0", "'@HYPERLINK(1)"],
        "{exported}"
    );
    for line in exported.lines() {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{line}");
        }
    }
    // The export is also an import file: the names read back as the servers they were.
    ctx.app
        .post(
            routes::PHONES_DELETE,
            &ctx.token,
            &json!({ "macs": ["00085D000001", "00085D000002"] }),
        )
        .await;
    let result = ctx.import_ok("", &exported).await;
    assert_eq!(result.added, 2);
    let servers: Vec<Option<i64>> = ctx
        .page("")
        .await
        .items
        .iter()
        .map(|p| p.server_id)
        .collect();
    assert_eq!(servers, [Some(evil), Some(link)]);
}

async fn an_oversized_file_gets_413(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let line = "00085D000001\n";
    let body = line.repeat(64 * 1024 * 1024 / line.len() + 1);
    let response = ctx.import("", body).await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_body(response).await.code, "payload_too_large");
    assert!(ctx.all_macs().await.is_empty());
}

/// A large import leaves PostgreSQL with fresh planner statistics for the phone table (so the
/// filtered, sorted list walks its index right away instead of sorting a whole server's
/// phones); a small one does not trigger it.
#[tokio::test]
async fn a_large_import_refreshes_the_planners_statistics_on_postgres() {
    if crate::helpers::skip_without_postgres() {
        return;
    }
    let ctx = Ctx::new(Engine::Postgres).await;
    let analyzed = || async {
        let (at,): (Option<String>,) = sqlx::query_as(
            "SELECT CAST(last_analyze AS TEXT) FROM pg_stat_user_tables WHERE relname = 'phones'",
        )
        .fetch_one(&ctx.app.db.pool)
        .await
        .unwrap();
        at
    };
    ctx.import_ok("", &macs(8, 100).join("\n")).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(analyzed().await, None, "100 rows are not a bulk write");

    let result = ctx.import_ok("", &macs(9, 10_000).join("\n")).await;
    assert_eq!(result.added, 10_000);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while analyzed().await.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "phones was not analyzed after a 10,000-row import"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn a_file_uploaded_as_a_multipart_form_is_imported(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let file =
        reqwest::multipart::Part::bytes(b"mac\r\n00:08:5d:00:00:01\r\n00085D000002\r\n".to_vec())
            .file_name("phones.csv")
            .mime_str("text/csv")
            .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("note", "fields before the file are skipped")
        .part("file", file);
    let response = ctx
        .app
        .client
        .post(
            ctx.app
                .url(&format!("{}?firmware=4.2.0.181", routes::PHONES_IMPORT)),
        )
        .bearer_auth(&ctx.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result: ImportResult = response.json().await.unwrap();
    assert_eq!((result.added, result.updated), (2, 0));
    assert_eq!(ctx.all_macs().await, ["00085D000001", "00085D000002"]);
}

/// The import writes chunk by chunk while it reads from the file it spooled to disk (chunks of
/// `CHUNK_ROWS` lines on SQLite, [`POSTGRES_CHUNK_ROWS`] on PostgreSQL; the files here are
/// sized by the larger): a problem found only in the last chunk, a bad line, another
/// account's MAC or a line that is not text (far past the block the file's dialect is read
/// from), still leaves nothing behind, and neither does the spooled file.
async fn a_large_file_bad_only_in_its_last_chunk_writes_nothing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    let theirs = ctx.add(&other, json!({ "macs": ["00085D0000FF"] })).await;
    assert_eq!(theirs.status(), 200);
    // The chunks before the last are written before the last shows the problem.
    let rows = (POSTGRES_CHUNK_ROWS + POSTGRES_CHUNK_ROWS / 2) as u32;
    let all = macs(4, rows);
    let line = rows as u64 + 1;
    for last in ["nope", "00:08:5D:00:00:FF"] {
        let file = format!("{}\n{last}\n", all.join("\n"));
        let report = ctx.import_rejected(file).await;
        let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [line], "{report:?}");
        assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 1, "{last}");
        assert_eq!(
            ctx.count("SELECT COUNT(*) FROM audit_events WHERE action = 'phone.import'")
                .await,
            0
        );
    }
    for (last, message) in [(&b"\xff\xfe"[..], "not UTF-8"), (b"\0\0", "binary data")] {
        let mut file = format!("{}\n", all.join("\n")).into_bytes();
        file.extend_from_slice(last);
        let report = ctx.import_rejected(file).await;
        assert!(report.message.contains(message), "{report:?}");
        assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 1);
    }
    let result = ctx.import_ok("", &all.join("\n")).await;
    assert_eq!((result.added, result.updated), (rows as u64, 0));
    let uploads = ctx.app.env.data_dir().join("uploads");
    let left: Vec<_> = std::fs::read_dir(&uploads).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

async fn a_mac_repeated_across_chunks_counts_once_and_its_last_line_wins(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "main").await;
    ctx.add_ok(json!({ "macs": ["00085D000001"] })).await;
    let rows = POSTGRES_CHUNK_ROWS as u32 + 5_000;
    let all = macs(5, rows);
    let file = format!(
        "mac,server\n00085D000001\n{}\n{},main\n00:08:5d:00:00:01,main\n",
        all.join("\n"),
        all[0]
    );
    let dry = ctx.import_ok("dry_run=true", &file).await;
    assert_eq!(
        (dry.added, dry.updated, dry.dry_run),
        (rows as u64, 1, true)
    );
    let result = ctx.import_ok("", &file).await;
    assert_eq!((result.added, result.updated), (rows as u64, 1));
    assert_eq!(ctx.phone(&all[0]).await.server_id, Some(main));
    assert_eq!(ctx.phone("00085D000001").await.server_id, Some(main));
    assert_eq!(ctx.phone(&all[1]).await.server_id, None);
    let again = ctx.import_ok("", &file).await;
    assert_eq!((again.added, again.updated), (0, rows as u64 + 1));
}

/// A node reads and parses at most `max_concurrent_imports` files at once: one more is
/// refused before its body is read (429 `imports_busy`, `Retry-After`) and imports nothing,
/// and the slot is free again as soon as the running import ends.
#[tokio::test]
async fn one_import_more_than_the_node_allows_is_refused_until_a_slot_frees() {
    let app =
        crate::helpers::spawn_app_with(Engine::Sqlite, |s| s.max_concurrent_imports = 1).await;
    app.create_account("Acme", "admin@acme.example").await;
    let token = app.token("admin@acme.example").await;

    // An import whose file arrives in two parts, the second only when the test says so; then
    // dry runs (which write nothing) until it is seen holding the only slot. Should a dry run
    // have taken the slot first, the slow import was refused and starts again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (mut running, mut release) = slow_import(&app, &token);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the import never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if running.is_finished() {
            let early = running.await.unwrap().expect("answered");
            assert_eq!(
                early.status(),
                429,
                "only a race with a dry run ends it early"
            );
            (running, release) = slow_import(&app, &token);
            continue;
        }
        let probe = app
            .import_csv(&token, "dry_run=true", "mac\n00085D0000AA\n")
            .await;
        if probe.status() == 429 && !running.is_finished() {
            break;
        }
        assert!(
            [200, 429].contains(&probe.status().as_u16()),
            "{}",
            probe.status()
        );
    }
    let refused = app.import_csv(&token, "", "mac\n00085D000003\n").await;
    assert_eq!(refused.status(), 429);
    let wait = crate::helpers::retry_after(&refused);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(error_body(refused).await.code, "imports_busy");
    let phone = app.get("/api/v1/phones/00085D000003", &token).await;
    assert_eq!(phone.status(), 404, "the refused file imported nothing");

    release.send(()).unwrap();
    let done = running
        .await
        .unwrap()
        .expect("the running import is answered");
    assert_eq!(done.status(), 200);
    let done: ImportResult = done.json().await.unwrap();
    assert_eq!(done.added, 2);

    let again = app.import_csv(&token, "", "mac\n00085D000003\n").await;
    assert_eq!(
        again.status(),
        200,
        "the slot is free once the import ended"
    );
    let again: ImportResult = again.json().await.unwrap();
    assert_eq!(again.added, 1);
}

/// Starts an import of a two-line file whose second line is sent only when the returned
/// sender is used (or dropped).
fn slow_import(
    app: &crate::helpers::TestApp,
    token: &str,
) -> (
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (body, release) = crate::helpers::gated_body(
        "mac\n00085D000001\n".to_string(),
        "00085D000002\n".to_string(),
    );
    let running = tokio::spawn(
        app.client
            .post(app.url(routes::PHONES_IMPORT))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(body)
            .send(),
    );
    (running, release)
}
