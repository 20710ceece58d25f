//! The import as a European spreadsheet user meets it: semicolon and tab files, importing the
//! good lines and getting the bad ones back, repeated MACs named, a file imported again
//! unchanged, and the template to fill in.

use rcs_shared::{CsvSeparator, ImportResult};
use serde_json::json;

use crate::helpers::phones::Ctx;
use crate::helpers::{error_body, Engine};
use crate::on_both_engines;

on_both_engines!(
    semicolon_and_tab_files_are_detected_and_said,
    a_separator_given_overrides_the_detection,
    a_rejected_semicolon_file_says_how_it_was_read,
    skip_invalid_imports_the_good_lines_and_returns_the_bad_ones,
    skipped_lines_include_those_only_the_database_can_fault,
    a_dry_run_with_skip_invalid_writes_nothing,
    repeated_macs_are_listed_at_the_line_used,
    the_template_is_the_header_the_import_reads,
    phones_registered_again_unchanged_are_left_as_they_were,
);

async fn semicolon_and_tab_files_are_detected_and_said(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "Main, east").await;
    // Excel in a locale with a decimal comma: semicolons, CRLF, a name holding a comma.
    let result = ctx
        .import_ok(
            "",
            "MAC;Server\r\n00:08:5D:00:00:01;Main, east\r\n00:08:5D:00:00:02;\r\n",
        )
        .await;
    assert_eq!(
        (result.added, result.separator),
        (2, CsvSeparator::Semicolon)
    );
    assert_eq!(ctx.phone("00085D000001").await.server_id, Some(main));
    // Without a header: the MAC in the first cell tells the separator.
    let result = ctx
        .import_ok("", "00085D000003;Main, east\n00085D000004;\n")
        .await;
    assert_eq!(
        (result.added, result.separator),
        (2, CsvSeparator::Semicolon)
    );
    // (Without a header, further columns are ignored, as the original did.)
    assert_eq!(ctx.phone("00085D000003").await.server_id, None);
    let result = ctx
        .import_ok("", "mac\tserver\n00085D000005\tMain, east\n")
        .await;
    assert_eq!((result.added, result.separator), (1, CsvSeparator::Tab));
    // Bare MACs, and ordinary commas.
    let result = ctx.import_ok("", "00085D000006\n00085D000007\n").await;
    assert_eq!(result.separator, CsvSeparator::Comma);
    let result = ctx
        .import_ok("", "mac,server\n00085D000008,\"Main, east\"\n")
        .await;
    assert_eq!((result.added, result.separator), (1, CsvSeparator::Comma));
    assert_eq!(ctx.phone("00085D000008").await.server_id, Some(main));
}

async fn a_separator_given_overrides_the_detection(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.server(ctx.account_id, "a;b").await;
    // Detected as semicolon (the header's "mac" ends at one), but the user says comma.
    let result = ctx
        .import_ok("separator=comma", "mac,server\n00085D000001,a;b\n")
        .await;
    assert_eq!((result.added, result.separator), (1, CsvSeparator::Comma));
    let response = ctx.import("separator=pipe", "00085D000002\n").await;
    assert_eq!(response.status(), 400);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 1);
}

async fn a_rejected_semicolon_file_says_how_it_was_read(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let report = ctx
        .import_rejected("mac;server\n00085D000001;Nowhere\n")
        .await;
    assert!(
        report.message.contains("read as semicolon-separated"),
        "{}",
        report.message
    );
    assert_eq!(report.problems.len(), 1);
    assert!(report.problems[0].message.contains("Nowhere"));
    assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 0);
}

async fn skip_invalid_imports_the_good_lines_and_returns_the_bad_ones(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    ctx.server(ctx.account_id, "Main").await;
    let file =
        "mac;server\n00085D000001;Main\n00085D0000;Main\n00085D000002;Backup\n\n00085D000003;\n";
    let result = ctx.import_ok("skip_invalid=true", file).await;
    assert_eq!((result.added, result.updated), (2, 0));
    assert_eq!(result.skipped_total, 2);
    let skipped: Vec<(u64, &str)> = result
        .skipped
        .iter()
        .map(|s| (s.line, s.text.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [(3, "00085D0000;Main"), (4, "00085D000002;Backup")]
    );
    assert!(result.skipped[0].message.contains("not a valid MAC"));
    assert!(result.skipped[1]
        .message
        .contains("no server named \"Backup\""));
    let mut stored = ctx.all_macs().await;
    stored.sort();
    assert_eq!(stored, ["00085D000001", "00085D000003"]);
    // The audit trail says lines were skipped.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'phone.import' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&ctx.app.db.pool)
    .await
    .unwrap();
    assert_eq!(detail, "added 2, updated 0, skipped 2 bad line(s)");
    // Without the choice, the same file is rejected whole.
    let report = ctx.import_rejected(file.replace("0001", "0009")).await;
    assert_eq!(report.problems.len(), 2);
    assert_eq!(ctx.all_macs().await.len(), 2);
}

async fn skipped_lines_include_those_only_the_database_can_fault(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let (_, other) = ctx.other_account().await;
    let response = ctx.add(&other, json!({ "macs": ["00085D0000AA"] })).await;
    assert_eq!(response.status(), 200);
    let file = "00085D000001\n00085d0000aa\n00085D000002\n";
    let result = ctx.import_ok("skip_invalid=true", file).await;
    assert_eq!((result.added, result.skipped_total), (2, 1));
    assert_eq!(result.skipped[0].line, 2);
    assert_eq!(result.skipped[0].text, "00085d0000aa");
    assert_eq!(
        result.skipped[0].message,
        "The MAC address 00:08:5D:00:00:AA is registered to another account."
    );
    let owner: i64 = sqlx::query_scalar("SELECT account_id FROM phones WHERE mac = '00085D0000AA'")
        .fetch_one(&ctx.app.db.pool)
        .await
        .unwrap();
    assert_ne!(owner, ctx.account_id, "the other account keeps its phone");
    assert_eq!(ctx.all_macs().await.len(), 2);
}

async fn a_dry_run_with_skip_invalid_writes_nothing(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let result = ctx
        .import_ok(
            "skip_invalid=true&dry_run=true",
            "00085D000001\nnot-a-mac\n00085D000002\n",
        )
        .await;
    assert!(result.dry_run);
    assert_eq!((result.added, result.skipped_total), (2, 1));
    assert_eq!(ctx.count("SELECT COUNT(*) FROM phones").await, 0);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_events WHERE action = 'phone.import'")
            .await,
        0
    );
}

async fn repeated_macs_are_listed_at_the_line_used(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "Main").await;
    let file = "mac,server\n00085D000001,\n00085D000002,\n00:08:5d:00:00:01,\n00085D000003,\n00-08-5D-00-00-01,Main\n";
    let result: ImportResult = ctx.import_ok("", file).await;
    assert_eq!((result.added, result.repeated_total), (3, 1));
    assert_eq!(result.repeated.len(), 1);
    assert_eq!(result.repeated[0].line, 6);
    assert_eq!(
        result.repeated[0].message,
        "00:08:5D:00:00:01 is also on line 2, 4; this line is used."
    );
    assert_eq!(ctx.phone("00085D000001").await.server_id, Some(main));
}

async fn the_template_is_the_header_the_import_reads(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let response = ctx
        .app
        .get("/api/v1/phones/import/template", &ctx.token)
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("phones-template.csv"));
    let template = response.text().await.unwrap();
    assert_eq!(template, "mac,server,branding,firmware\n");
    // Filled in, it imports.
    ctx.server(ctx.account_id, "Main").await;
    let filled = format!("{template}00085D000001,Main,,4.2.0.181\n");
    let result = ctx.import_ok("", &filled).await;
    assert_eq!(result.added, 1);
    let anonymous = ctx
        .app
        .client
        .get(ctx.app.url("/api/v1/phones/import/template"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(error_body(anonymous).await.code, "unauthorized");
}

/// Importing or registering again what is already there leaves those phones as they were,
/// `updated_at` included, and still counts them as updated; a line that changes a phone
/// (a server where there was none, too) writes it.
async fn phones_registered_again_unchanged_are_left_as_they_were(engine: Engine) {
    let ctx = Ctx::new(engine).await;
    let main = ctx.server(ctx.account_id, "Main").await;
    let backup = ctx.server(ctx.account_id, "backup").await;
    let file = "mac,server\n00085D000001,Main\n00085D000002,backup\n00085D000003,\n";
    assert_eq!(ctx.import_ok("", file).await.added, 3);
    sqlx::query("UPDATE phones SET updated_at = 0")
        .execute(&ctx.app.db.pool)
        .await
        .unwrap();
    let stamp = ctx.phone("00085D000001").await.updated_at;
    let unchanged = |mac: &'static str| {
        let ctx = &ctx;
        let stamp = stamp.clone();
        async move { ctx.phone(mac).await.updated_at == stamp }
    };

    let again = ctx.import_ok("", file).await;
    assert_eq!((again.added, again.updated), (0, 3));
    for mac in ["00085D000001", "00085D000002", "00085D000003"] {
        assert!(unchanged(mac).await, "{mac} rewritten");
    }
    let added = ctx
        .add_ok(json!({ "macs": ["00085D000001"], "server_id": main }))
        .await;
    assert_eq!((added.added, added.updated), (0, 1));
    assert!(
        unchanged("00085D000001").await,
        "rewritten by the JSON route"
    );

    let changed = "mac,server\n00085D000001,Main\n00085D000002,Main\n00085D000003,\n";
    let result = ctx.import_ok("", changed).await;
    assert_eq!((result.added, result.updated), (0, 3));
    assert_eq!(ctx.phone("00085D000002").await.server_id, Some(main));
    assert!(
        !unchanged("00085D000002").await,
        "the changed line was not written"
    );
    assert!(unchanged("00085D000001").await);
    assert!(unchanged("00085D000003").await);
    let added = ctx
        .add_ok(json!({ "macs": ["00085D000003"], "server_id": backup }))
        .await;
    assert_eq!((added.added, added.updated), (0, 1));
    assert_eq!(ctx.phone("00085D000003").await.server_id, Some(backup));
    assert!(
        !unchanged("00085D000003").await,
        "the unaffiliated phone was not written"
    );
}
