//! On PostgreSQL the phone list's plans do not hang on the planner's statistics of the
//! moment (issue 24): a page in MAC order and its capped total walk the account's own index
//! even when the account holds nearly every phone and another account's MACs sort first
//! (where the primary key, which gives MAC order too, used to win by a hair and then skip
//! every other account's phones), the unaffiliated phones walk their own partial index, and a
//! MAC search is answered by the trigram index instead of a pass over the table. Proven with
//! PostgreSQL's own per-index scan counters.
//!
//! A MAC search's plan is rcs's choice, not the planner's: on PostgreSQL from a sample of
//! the phones as they are, so statistics taken when the table held other phones do not
//! turn a rare fragment's page into a walk of the account.
//!
//! On SQLite a MAC search reads the trigram index (`phone_macs`) when its fragment is rare and
//! walks the account when it is common, both listing exactly what a plain `LIKE` lists, and
//! every write path keeps the index exact.

use std::time::{Duration, Instant};

use rcs::db::mac_search::{plan_search, MacSearch};
use rcs::db::phone_list::Cursor;
use rcs::db::Db;
use rcs::operations::{backup, transfer};
use rcs_shared::{SortOrder, TOTAL_COUNT_LIMIT};
use reqwest::Method;
use serde_json::json;

use crate::helpers::phones::{macs, walk, Ctx};
use crate::helpers::routes;
use crate::helpers::{skip_without_postgres, Engine};

/// Scans of `phones`' indexes, and sequential scans of the table, since `pg_stat_reset()`.
struct Scans {
    pkey: i64,
    account_mac: i64,
    unaffiliated: i64,
    trigram: i64,
    seq: i64,
}

/// The scans PostgreSQL has recorded so far.
async fn scans(ctx: &Ctx) -> Scans {
    let index = |name: &'static str| {
        let pool = ctx.app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(idx_scan, 0) FROM pg_stat_user_indexes WHERE indexrelname = $1",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    Scans {
        pkey: index("phones_pkey").await,
        account_mac: index("phones_account_mac_idx").await,
        unaffiliated: index("phones_account_unaffiliated_idx").await,
        trigram: index("phones_mac_trgm_idx").await,
        seq: ctx
            .count("SELECT COALESCE(seq_scan, 0) FROM pg_stat_user_tables WHERE relname = 'phones'")
            .await,
    }
}

/// The scans recorded once `done` holds, or after 30 s: the counters reach the statistics when
/// each backend next reports (within seconds).
async fn scans_once(ctx: &Ctx, done: impl Fn(&Scans) -> bool) -> Scans {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = scans(ctx).await;
        if done(&now) || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn postgres_list_pages_and_mac_search_use_the_account_and_trigram_indexes() {
    if skip_without_postgres() {
        return;
    }
    let ctx = Ctx::new(Engine::Postgres).await;
    let (other_id, _) = ctx.other_account().await;
    // Plans are chosen by size, so the phones are many, and written with SQL (registering
    // 220,000 phones through the API would be the slow part of this test). The other
    // account's MACs (00 0001 ...) sort before ours (00 0002 ...), and its rows come first in
    // the table. One phone in eight of each account has no server (is unaffiliated).
    let pool = &ctx.app.db.pool;
    let fixtures = [
        (
            other_id,
            ctx.server(other_id, "theirs").await,
            "000001",
            20_000,
        ),
        (
            ctx.account_id,
            ctx.server(ctx.account_id, "ours").await,
            "000002",
            200_000,
        ),
    ];
    for (account, server, prefix, n) in fixtures {
        sqlx::query(
            "INSERT INTO phones (mac, account_id, server_id, created_at, updated_at) \
             SELECT $1 || lpad(upper(to_hex(i)), 6, '0'), $2, \
                    CASE WHEN i % 8 = 7 THEN NULL ELSE $3 END, 0, 0 \
             FROM generate_series(0, $4 - 1) AS i",
        )
        .bind(prefix)
        .bind(account)
        .bind(server)
        .bind(n)
        .execute(pool)
        .await
        .unwrap();
    }
    let ours = macs(2, 200_000);
    sqlx::query("ANALYZE phones").execute(pool).await.unwrap();
    sqlx::query("SELECT pg_stat_reset()")
        .execute(pool)
        .await
        .unwrap();

    // Several runs of each, so a prepared statement's generic plan (from the sixth) is used.
    for _ in 0..8 {
        let page = ctx.page("limit=50").await;
        assert_eq!(page.items.first().map(|p| p.mac.as_str()), Some(&*ours[0]));
        assert_eq!((page.total, page.total_exact), (TOTAL_COUNT_LIMIT, false));
        let next = ctx
            .page(&format!("limit=50&cursor={}", page.next_cursor.unwrap()))
            .await;
        assert_eq!(next.items[0].mac, ours[50]);

        let unaffiliated = ctx.page("unaffiliated=true&order=desc&limit=50").await;
        let last_unaffiliated = ours
            .iter()
            .rev()
            .find(|m| m.ends_with('7') || m.ends_with('F'));
        assert_eq!(Some(&unaffiliated.items[0].mac), last_unaffiliated);
        assert!(unaffiliated.items.iter().all(|p| p.server_id.is_none()));
        assert_eq!(
            (unaffiliated.total, unaffiliated.total_exact),
            (TOTAL_COUNT_LIMIT, false)
        );

        // A three-digit fragment that both accounts' MACs hold; only ours are listed.
        let found = ctx.page("q=A7F&limit=50").await;
        let expected: Vec<&String> = ours.iter().filter(|m| m.contains("A7F")).collect();
        assert!(expected.len() > 50);
        assert_eq!(found.total as usize, expected.len());
        assert_eq!(
            found.items.iter().map(|p| &p.mac).collect::<Vec<_>>(),
            expected[..50]
        );
    }

    // The counters reach the statistics when each backend next reports (within seconds).
    // Each run above was a page and its total in each of the three views, and a second page.
    let scans = scans_once(&ctx, |s| {
        s.account_mac >= 24 && s.unaffiliated >= 16 && s.trigram >= 8
    })
    .await;
    assert!(
        scans.account_mac >= 24,
        "pages and totals by MAC walk (account_id, mac): {} scans",
        scans.account_mac
    );
    assert!(
        scans.unaffiliated >= 16,
        "the unaffiliated phones' pages and totals walk their own index: {} scans",
        scans.unaffiliated
    );
    assert!(
        scans.trigram >= 8,
        "the MAC search uses the trigram index: {} scans",
        scans.trigram
    );
    assert_eq!(scans.pkey, 0, "no list query walked the primary key");
    assert_eq!(scans.seq, 0, "no list query scanned the table");
}

#[tokio::test]
async fn postgres_mac_search_plan_is_chosen_by_rcs_not_by_stale_statistics() {
    if skip_without_postgres() {
        return;
    }
    let ctx = Ctx::new(Engine::Postgres).await;
    let (other_id, _) = ctx.other_account().await;
    let pool = &ctx.app.db.pool;
    // The planner's statistics say "A7F" is in every phone: they were taken (and autovacuum
    // is kept from taking new ones) when the account held 200,000 phones that all held it.
    // Those are then replaced by 200,000 of which 97 hold it. With those statistics the
    // planner walked the account's MAC index for a page, expecting a match in every row.
    sqlx::query("ALTER TABLE phones SET (autovacuum_enabled = false)")
        .execute(pool)
        .await
        .unwrap();
    let fill = |prefix: &'static str, account: i64, n: i64| {
        sqlx::query(
            "INSERT INTO phones (mac, account_id, created_at, updated_at) \
             SELECT $1 || lpad(upper(to_hex(i)), 6, '0'), $2, 0, 0 \
             FROM generate_series(0, $3 - 1) AS i",
        )
        .bind(prefix)
        .bind(account)
        .bind(n)
        .execute(pool)
    };
    fill("A7FA7F", ctx.account_id, 200_000).await.unwrap();
    sqlx::query("ANALYZE phones").execute(pool).await.unwrap();
    sqlx::query("DELETE FROM phones")
        .execute(pool)
        .await
        .unwrap();
    fill("000002", ctx.account_id, 200_000).await.unwrap();
    fill("000001", other_id, 2_000).await.unwrap();
    let ours = macs(2, 200_000);
    let expected = holding(&ours, "A7F");
    let n = expected.len() as u64;
    assert!(n > 50 && n < 200, "{n} phones hold A7F");

    // rcs samples the phones as they are: "A7F" is rare, "00000" is in every phone, and the
    // other account is too small to be worth anything but a walk.
    let db = &ctx.app.db;
    let plan = |account, fragment| plan_search(db, account, fragment);
    assert_eq!(
        plan(ctx.account_id, "A7F").await.unwrap(),
        MacSearch::Trigrams
    );
    assert_eq!(
        plan(ctx.account_id, "00000").await.unwrap(),
        MacSearch::Scan
    );
    assert_eq!(plan(other_id, "A7F").await.unwrap(), MacSearch::Scan);
    assert_eq!(plan(ctx.account_id, "A7").await.unwrap(), MacSearch::Scan);

    sqlx::query("SELECT pg_stat_reset()")
        .execute(pool)
        .await
        .unwrap();
    for _ in 0..8 {
        let page = ctx.page("q=A7F&limit=50").await;
        assert_eq!((page.total, page.total_exact), (n, true));
        let listed: Vec<&String> = page.items.iter().map(|p| &p.mac).collect();
        assert_eq!(listed, expected[..50]);
    }
    let listed = walk(&ctx, "q=A7F&limit=60").await;
    assert_eq!(listed.iter().collect::<Vec<_>>(), expected);
    // Past the last match the page is empty and still has its total.
    let past = Cursor::Mac(expected[expected.len() - 1].clone()).encode(SortOrder::Asc);
    let empty = ctx.page(&format!("q=A7F&limit=50&cursor={past}")).await;
    assert_eq!((empty.items.len(), empty.total), (0, n));
    let mut newest_first = walk(&ctx, "q=A7F&sort=last_seen&order=desc&limit=60").await;
    newest_first.reverse();
    assert_eq!(newest_first.iter().collect::<Vec<_>>(), expected);
    let scans = scans_once(&ctx, |s| s.trigram >= 12).await;
    assert!(
        scans.trigram >= 12,
        "each page and its total read the trigram index (once): {}",
        scans.trigram
    );
    assert_eq!(
        scans.account_mac, 0,
        "no search walked the account's MAC index"
    );
    assert_eq!(
        (scans.seq, scans.pkey),
        (0, 0),
        "no search scanned the table or the key"
    );

    // A selection edited and one removed by the same plan, in their write transactions.
    let server = ctx.server(ctx.account_id, "main").await;
    let edit = json!({ "filter": { "q": "A7F" }, "set": { "server_id": server } });
    let response = ctx
        .send(Method::PATCH, routes::PHONES, &ctx.token, Some(&edit))
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["count"].as_u64(), Some(n));
    let with_server =
        "SELECT COUNT(*) FROM phones WHERE server_id IS NOT NULL AND mac LIKE '%A7F%'";
    assert_eq!(ctx.count(with_server).await, n as i64);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM phones WHERE server_id IS NOT NULL")
            .await,
        n as i64
    );
    let remove = json!({ "filter": { "q": "A7F" } });
    let response = ctx
        .send(
            Method::POST,
            routes::PHONES_DELETE,
            &ctx.token,
            Some(&remove),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM phones").await,
        202_000 - n as i64
    );
    assert_eq!(ctx.page("q=A7F&limit=50").await.total, 0);
}

#[tokio::test]
async fn postgres_bulk_import_leaves_no_trigram_entries_pending() {
    if skip_without_postgres() {
        return;
    }
    let ctx = Ctx::new(Engine::Postgres).await;
    let pool = &ctx.app.db.pool;
    // pgstattuple reads the index's pending list (the test's own database; superuser).
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .execute(pool)
        .await
        .unwrap();
    let pending = "SELECT pending_tuples FROM pgstatginindex('phones_mac_trgm_idx')";
    // A few phones registered one at a time stay in the pending list: that is its purpose.
    ctx.add_ok(json!({ "macs": macs(1, 20) })).await;
    assert!(ctx.count(pending).await > 0);

    // 20,000 phones in one import (a bulk write): their entries are merged into the index in
    // the background right after the answer, so searches do not read them one by one.
    let csv: String = std::iter::once("mac".to_string())
        .chain(macs(2, 20_000))
        .collect::<Vec<_>>()
        .join("\n");
    let response = ctx.app.import_csv(&ctx.token, "", csv).await;
    assert_eq!(response.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    while ctx.count(pending).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ctx.count(pending).await, 0, "entries left pending");
    let all: Vec<String> = macs(1, 20).into_iter().chain(macs(2, 20_000)).collect();
    let expected = holding(&all, "A7F").len() as u64;
    assert_eq!(ctx.page("q=A7F&limit=50").await.total, expected);
}

/// The phones whose MAC holds `fragment`, in MAC order.
fn holding<'a>(macs: &'a [String], fragment: &str) -> Vec<&'a String> {
    macs.iter().filter(|m| m.contains(fragment)).collect()
}

/// The trigram index names exactly the rows that hold each of `fragments` (three digits: one
/// trigram, so the index's candidates are the answer itself), and FTS5's own check of the
/// index against the phones table passes.
async fn assert_index_exact(pool: &sqlx::AnyPool, fragments: &[&str]) {
    for fragment in fragments {
        let indexed: Vec<i64> = sqlx::query_scalar(
            "SELECT rowid FROM phone_macs WHERE phone_macs MATCH $1 ORDER BY rowid",
        )
        .bind(format!("\"{fragment}\""))
        .fetch_all(pool)
        .await
        .unwrap();
        let holding: Vec<i64> =
            sqlx::query_scalar("SELECT rowid FROM phones WHERE instr(mac, $1) > 0 ORDER BY rowid")
                .bind(*fragment)
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(indexed, holding, "the index's rows for {fragment}");
    }
    sqlx::query("INSERT INTO phone_macs (phone_macs, rank) VALUES ('integrity-check', 1)")
        .execute(pool)
        .await
        .expect("the trigram index matches the phones table");
}

#[tokio::test]
async fn sqlite_mac_search_reads_the_trigram_index_for_a_rare_fragment_only() {
    let ctx = Ctx::new(Engine::Sqlite).await;
    let (other_id, other) = ctx.other_account().await;
    let ours = macs(2, 20_000);
    for part in ours.chunks(10_000) {
        ctx.add_ok(json!({ "macs": part })).await;
    }
    let theirs = macs(1, 5_000);
    assert_eq!(
        ctx.add(&other, json!({ "macs": theirs })).await.status(),
        200
    );
    let db = &ctx.app.db;

    // Every MAC here starts 0000: a fragment of those is in all 25,000 phones and walks the
    // account; "A7F" is in six (five of ours) and reads the index; two digits are below its
    // unit.
    assert_eq!(
        plan_search(db, ctx.account_id, "A7F").await.unwrap(),
        MacSearch::Trigrams
    );
    assert_eq!(
        plan_search(db, ctx.account_id, "02A7F").await.unwrap(),
        MacSearch::Trigrams
    );
    assert_eq!(
        plan_search(db, ctx.account_id, "00000").await.unwrap(),
        MacSearch::Scan
    );
    assert_eq!(
        plan_search(db, ctx.account_id, "A7").await.unwrap(),
        MacSearch::Scan
    );

    // Either way the list is what LIKE gives, only ours, in each order and across pages.
    for fragment in ["A7F", "02A7F", "A7", "00000"] {
        let expected = holding(&ours, fragment);
        let limit = if expected.len() < 50 { 2 } else { 700 };
        let listed = walk(&ctx, &format!("q={fragment}&limit={limit}")).await;
        assert_eq!(listed.iter().collect::<Vec<_>>(), expected, "q={fragment}");
        let exact = ctx
            .page(&format!("q={fragment}&limit=2&exact_total=true"))
            .await;
        assert_eq!(exact.total as usize, expected.len(), "q={fragment}");
        let last = ctx.page(&format!("q={fragment}&limit=2&last=true")).await;
        let tail: Vec<&String> = last.items.iter().map(|p| &p.mac).collect();
        assert_eq!(
            tail,
            expected[expected.len() - tail.len()..],
            "q={fragment}"
        );
        let page = ctx.page(&format!("q={fragment}&limit=50")).await;
        let total = (expected.len() as u64).min(TOTAL_COUNT_LIMIT);
        assert_eq!(page.total, total, "q={fragment}");
        assert_eq!(page.total_exact, expected.len() as u64 <= TOTAL_COUNT_LIMIT);
    }
    let newest_first = walk(&ctx, "q=A7F&sort=last_seen&order=desc&limit=2").await;
    let mut expected = holding(&ours, "A7F");
    expected.reverse();
    assert_eq!(newest_first.iter().collect::<Vec<_>>(), expected);

    // The rare fragment's list comes from the index: a phone taken out of the index (by hand,
    // here) is not listed by it, while the common fragment's walk still finds it.
    let first = holding(&ours, "A7F")[0].clone();
    let pool = &db.pool;
    sqlx::query(
        "INSERT INTO phone_macs (phone_macs, rowid, mac) \
         SELECT 'delete', rowid, mac FROM phones WHERE mac = $1",
    )
    .bind(&first)
    .execute(pool)
    .await
    .unwrap();
    let listed = walk(&ctx, "q=A7F&limit=2").await;
    assert!(!listed.contains(&first));
    assert_eq!(listed.len(), holding(&ours, "A7F").len() - 1);
    let page = ctx.page("q=A7F&limit=50").await;
    assert_eq!(page.total as usize, holding(&ours, "A7F").len() - 1);
    assert!(walk(&ctx, "q=00000&limit=1000").await.contains(&first));
    sqlx::query("INSERT INTO phone_macs (phone_macs) VALUES ('rebuild')")
        .execute(pool)
        .await
        .unwrap();
    assert_index_exact(pool, &["A7F", "000", "2A7"]).await;

    // Every write path keeps the index exact: a selection edited and one deleted through the
    // index's plan, one phone deleted, phones added again, another account's phones deleted.
    let server = ctx.server(ctx.account_id, "main").await;
    let edit = json!({ "filter": { "q": "A7F" }, "set": { "server_id": server } });
    let response = ctx
        .send(Method::PATCH, routes::PHONES, &ctx.token, Some(&edit))
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["count"].as_u64(),
        Some(holding(&ours, "A7F").len() as u64)
    );
    let theirs_with_server = format!(
        "SELECT COUNT(*) FROM phones WHERE account_id = {other_id} AND server_id IS NOT NULL"
    );
    assert_eq!(ctx.count(&theirs_with_server).await, 0);
    let remove = json!({ "filter": { "q": "02A7F" } });
    let response = ctx
        .send(
            Method::POST,
            routes::PHONES_DELETE,
            &ctx.token,
            Some(&remove),
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = ctx
        .send(
            Method::DELETE,
            &format!("{}/{first}", routes::PHONES),
            &ctx.token,
            None,
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    ctx.add_ok(json!({ "macs": [first, "00000200FA7F"] })).await;
    // The other account goes, and its phones with it by the foreign key's cascade.
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(other_id)
        .execute(pool)
        .await
        .unwrap();
    let theirs = format!("SELECT COUNT(*) FROM phones WHERE account_id = {other_id}");
    assert_eq!(ctx.count(&theirs).await, 0);
    assert_index_exact(pool, &["A7F", "000", "2A7", "FA7", "001"]).await;
    let listed = walk(&ctx, "q=A7F&limit=700").await;
    let mut expected: Vec<String> = ours
        .iter()
        .filter(|m| m.contains("A7F") && !m.contains("02A7F"))
        .cloned()
        .collect();
    expected.extend([first, "00000200FA7F".to_string()]);
    expected.sort();
    expected.dedup();
    assert_eq!(listed, expected);

    // A data transfer's import writes the phones with plain INSERTs, which index them too.
    let mut exported = Vec::new();
    transfer::export(db, &mut exported).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("moved.db").display());
    let moved = Db::connect_and_migrate(&url, 2).await.unwrap();
    transfer::import(&moved, exported.as_slice()).await.unwrap();
    let count = "SELECT COUNT(*) FROM phones";
    let phones: i64 = sqlx::query_scalar(count)
        .fetch_one(&moved.pool)
        .await
        .unwrap();
    assert_eq!(phones, ctx.count(count).await);
    assert_index_exact(&moved.pool, &["A7F", "000", "2A7", "FA7", "001"]).await;

    // `rcs backup` (VACUUM INTO) keeps the rowids the index names.
    let copy = dir.path().join("backup.db");
    backup::sqlite(db, &copy).await.unwrap();
    let copied = Db::connect(&format!("sqlite://{}", copy.display()), 2)
        .await
        .unwrap();
    assert_index_exact(&copied.pool, &["A7F", "000", "2A7", "FA7", "001"]).await;
}
