//! How the MAC search (`q`) finds its phones: rcs's choice between the trigram index and a
//! walk of the account, measured against the data as it is when the search runs, and on
//! PostgreSQL the transaction settings that leave the trigram index the only plan.

use rcs_shared::TOTAL_COUNT_LIMIT;
use sqlx::{Any, AnyConnection, Transaction};

use super::phone_list::Filter;
use super::{Db, Dialect};

/// How the MAC search finds its phones. rcs chooses ([`plan_search`]), never the engine's
/// planner: PostgreSQL's weighs the two from its statistics, whose estimate for a rare
/// fragment is a guess (2,525 phones for one 756 hold, right after a million-row import), and
/// it walked 67,000 phones of the account for a page the trigram index answers from 756
/// (12 ms against 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MacSearch {
    /// `p.mac LIKE '%…%'` on the account's phones, walked in the page's order: the cheapest
    /// when the fragment is common, as the page and its capped total fill within a few rows.
    /// PostgreSQL's planner may still take its trigram index for it.
    #[default]
    Scan,
    /// The rows the trigram index names (each fetched and rechecked with `LIKE`), and no other
    /// plan: the cheapest when the fragment is rare, where a walk would visit every phone of
    /// the account to find a handful. SQLite's index is `phone_macs`; PostgreSQL's is
    /// `phones_mac_trgm_idx`, the only index its statements can then use
    /// ([`plan_from_trigrams`]).
    Trigrams,
}

/// Candidates from the trigram index (in all accounts) from which on the MAC search walks the
/// account instead. Fetching a candidate costs a few times what walking past a phone does
/// (about 1.5 µs against 0.2 µs), and a fragment this common fills a page within a few
/// thousand phones of a walk; below it the index's cost is bounded at a few milliseconds
/// whatever the account's size.
pub const TRIGRAM_CANDIDATES: i64 = 4_000;

/// The FTS5 query for `fragment`'s trigrams (all of them: without positions in the index,
/// `detail=none`, a phrase cannot be asked for, so a candidate holds each of them somewhere
/// and the `LIKE` decides). `fragment` is canonical hex, which needs no escaping.
pub(super) fn trigram_query(fragment: &str) -> String {
    (0..fragment.len().saturating_sub(2))
        .map(|i| format!("\"{}\"", &fragment[i..i + 3]))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How to look for `fragment` (canonical hex) in `account_id`'s phones: [`MacSearch::Scan`]
/// below three digits (the trigram indexes' unit), else what the engine's own measure says.
/// A MAC's first digits are its maker's (a fleet of one maker's phones shares them), so a
/// fragment may be in every phone or in one: the measure tells which.
pub async fn plan_search(db: &Db, account_id: i64, fragment: &str) -> sqlx::Result<MacSearch> {
    if fragment.len() < 3 {
        return Ok(MacSearch::Scan);
    }
    match db.dialect {
        Dialect::Sqlite => plan_search_sqlite(db, fragment).await,
        Dialect::Postgres => Ok(sample_phones(db, account_id, fragment).await?.plan()),
    }
}

/// SQLite: [`MacSearch::Trigrams`] when fewer than [`TRIGRAM_CANDIDATES`] phones of any
/// account hold the fragment's trigrams, counted from the index alone (a fraction of a
/// millisecond; the index knows no accounts).
async fn plan_search_sqlite(db: &Db, fragment: &str) -> sqlx::Result<MacSearch> {
    let candidates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM phone_macs WHERE phone_macs MATCH $1 LIMIT $2)",
    )
    .bind(trigram_query(fragment))
    .bind(TRIGRAM_CANDIDATES)
    .fetch_one(&db.pool)
    .await?;
    Ok(if candidates < TRIGRAM_CANDIDATES {
        MacSearch::Trigrams
    } else {
        MacSearch::Scan
    })
}

/// Blocks of `phones` [`sample_phones`] reads: about 1,600 phones, 0.37 ms in the server at a
/// million phones (40 blocks took 0.63 ms).
const SAMPLE_BLOCKS: i64 = 16;

/// What finding one candidate in PostgreSQL's trigram index costs (its bitmap, the fetch of
/// the row, the recheck, its share of the sort), in phones walked past in the account's MAC
/// index: measured at a million phones, 0.7-1.0 µs a candidate warm against 0.16-0.18 µs a
/// phone walked; rounded up, as a candidate's row is more often out of the cache.
const WALK_PER_CANDIDATE: f64 = 8.0;

/// Counts from a sample of PostgreSQL's `phones`, which [`Sample::plan`] turns into a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// The share of the table's blocks read (0 to 1).
    pub fraction: f64,
    /// Phones of the account in the sample.
    pub account_rows: i64,
    /// Phones of any account in the sample holding the fragment.
    pub matches: i64,
    /// Phones of the account in the sample holding the fragment.
    pub account_matches: i64,
}

impl Sample {
    /// [`MacSearch::Trigrams`] when fetching every candidate the trigram index holds (in all
    /// accounts: the index knows none) costs less than the walk a list page costs, else
    /// [`MacSearch::Scan`]. A page's walk ends when its capped total does: at the
    /// [`TOTAL_COUNT_LIMIT`]-and-first match, or at the account's last phone when fewer match.
    /// An account too small to be sampled is walked: the walk is as short as the account.
    pub fn plan(&self) -> MacSearch {
        if self.fraction <= 0.0 || self.account_rows == 0 {
            return MacSearch::Scan;
        }
        let account = self.account_rows as f64 / self.fraction;
        let walk = if self.account_matches == 0 {
            account
        } else {
            let per_match = self.account_rows as f64 / self.account_matches as f64;
            account.min((TOTAL_COUNT_LIMIT + 1) as f64 * per_match)
        };
        let candidates = self.matches as f64 / self.fraction;
        if candidates * WALK_PER_CANDIDATE < walk {
            MacSearch::Trigrams
        } else {
            MacSearch::Scan
        }
    }
}

/// PostgreSQL: counts of a fixed sample of `phones` (`SAMPLE_BLOCKS` blocks, chosen by
/// `REPEATABLE (0)`, so the same table gives the same plan), read whole each time: the
/// planner's statistics are a sample taken once, by the last `ANALYZE`, and put a fragment
/// held by 756 phones of a million at 2,525. A block holds phones
/// registered together, so a maker's prefix is sampled in proportion to its phones.
pub async fn sample_phones(db: &Db, account_id: i64, fragment: &str) -> sqlx::Result<Sample> {
    let (percent, account_rows, matches, account_matches): (f64, i64, i64, i64) = sqlx::query_as(
        "WITH share AS (SELECT LEAST(100.0, $3 * 100.0 / GREATEST(1, \
             pg_relation_size('phones') / current_setting('block_size')::bigint)) AS percent) \
             SELECT CAST((SELECT percent FROM share) AS DOUBLE PRECISION), \
             COUNT(*) FILTER (WHERE account_id = $1), \
             COUNT(*) FILTER (WHERE mac LIKE $2), \
             COUNT(*) FILTER (WHERE account_id = $1 AND mac LIKE $2) \
             FROM phones TABLESAMPLE SYSTEM ((SELECT percent FROM share)) REPEATABLE (0)",
    )
    .bind(account_id)
    .bind(format!("%{fragment}%"))
    .bind(SAMPLE_BLOCKS)
    .fetch_one(&db.pool)
    .await?;
    Ok(Sample {
        fraction: percent / 100.0,
        account_rows,
        matches,
        account_matches,
    })
}

/// `filter` with its MAC search planned by [`plan_search`]: what every statement on a
/// filtered selection is given, so each reads the trigram index exactly when it pays.
pub async fn planned(db: &Db, account_id: i64, mut filter: Filter) -> sqlx::Result<Filter> {
    if let Some(fragment) = &filter.mac_fragment {
        filter.mac_search = plan_search(db, account_id, fragment).await?;
    }
    Ok(filter)
}

/// On PostgreSQL, when `filter` reads the trigram index: leaves the rest of the transaction
/// on `conn` only bitmap scans to plan with. The account's condition is written so that no
/// index serves it (`phone_list::Conditions::new`), so the trigram index's bitmap is the one
/// plan left for the filter's phones (the settings are `LOCAL`: they end with the
/// transaction). Other statements of the transaction keep their indexes, through bitmaps.
pub async fn plan_from_trigrams(conn: &mut AnyConnection, filter: &Filter) -> sqlx::Result<()> {
    if filter.reads_trigrams() && Dialect::of(conn) == Dialect::Postgres {
        sqlx::query(
            "SELECT set_config('enable_seqscan', 'off', true), \
             set_config('enable_indexscan', 'off', true), \
             set_config('enable_indexonlyscan', 'off', true)",
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A read-only transaction planned by [`plan_from_trigrams`] when `filter` needs one (a
/// PostgreSQL search from the trigram index), else `None`: the statement runs on the pool.
#[allow(clippy::disallowed_methods)] // read-only: no write lock to take up front
pub async fn trigram_reader(
    db: &Db,
    filter: &Filter,
) -> sqlx::Result<Option<Transaction<'static, Any>>> {
    if !(filter.reads_trigrams() && db.dialect == Dialect::Postgres) {
        return Ok(None);
    }
    let mut tx = db.pool.begin_with("BEGIN READ ONLY").await?;
    plan_from_trigrams(&mut tx, filter).await?;
    Ok(Some(tx))
}

#[cfg(test)]
mod tests {
    use super::{MacSearch, Sample};

    /// A sample of 4,000 phones out of a million (`fraction` 0.004).
    fn sample(account_rows: i64, matches: i64, account_matches: i64) -> MacSearch {
        Sample {
            fraction: 0.004,
            account_rows,
            matches,
            account_matches,
        }
        .plan()
    }

    #[test]
    fn a_rare_fragment_in_a_large_account_reads_the_trigram_index() {
        // None sampled, or 3 (750 phones of a million): either way a page's total walks the
        // whole account.
        assert_eq!(sample(4_000, 0, 0), MacSearch::Trigrams);
        assert_eq!(sample(4_000, 3, 3), MacSearch::Trigrams);
    }

    #[test]
    fn a_common_fragment_walks_the_account() {
        // In every phone: the walk ends at the total's cap, 1,001 phones in.
        assert_eq!(sample(4_000, 4_000, 4_000), MacSearch::Scan);
        // In one phone in twenty: 50,000 candidates cost more than the 20,020-phone walk.
        assert_eq!(sample(4_000, 200, 200), MacSearch::Scan);
        // In one phone in a hundred: 10,000 candidates cost less than the 100,100-phone walk.
        assert_eq!(sample(4_000, 40, 40), MacSearch::Trigrams);
    }

    #[test]
    fn a_small_account_walks_itself() {
        // Not sampled at all, or 4 sampled (about 1,000 phones): a walk of a thousand phones
        // beats fetching the other accounts' candidates.
        assert_eq!(sample(0, 0, 0), MacSearch::Scan);
        assert_eq!(sample(4, 3, 0), MacSearch::Scan);
        // A fragment common in another account and absent from ours: every candidate is
        // theirs.
        assert_eq!(sample(2_000, 2_000, 0), MacSearch::Scan);
        // An empty table.
        assert_eq!(
            Sample {
                fraction: 0.0,
                ..Default::default()
            }
            .plan(),
            MacSearch::Scan
        );
    }
}
