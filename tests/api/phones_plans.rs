//! On PostgreSQL the phone list's plans do not hang on the planner's statistics of the
//! moment (issue 24): a page in MAC order and its capped total walk the account's own index
//! even when the account holds nearly every phone and another account's MACs sort first
//! (where the primary key, which gives MAC order too, used to win by a hair and then skip
//! every other account's phones), the unaffiliated phones walk their own partial index, and a
//! MAC search is answered by the trigram index instead of a pass over the table. Proven with
//! PostgreSQL's own per-index scan counters.

use std::time::{Duration, Instant};

use rcs_shared::TOTAL_COUNT_LIMIT;

use crate::helpers::phones::{macs, Ctx};
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
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = |s: &Scans| s.account_mac >= 24 && s.unaffiliated >= 16 && s.trigram >= 8;
    let scans = loop {
        let now = scans(&ctx).await;
        if done(&now) || Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
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
