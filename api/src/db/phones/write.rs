//! Writing phones in bulk: the upsert and the plain insert of an import's or a request's
//! rows, written the way each engine takes them fastest.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use super::{NewPhone, JSON_CHUNK_ROWS};
use crate::db::Dialect;

/// Inserts or updates `rows` (distinct MACs) for the account. On SQLite, rows that give a
/// phone the same server, branding and firmware (in an import, nearly all rows share one of a
/// handful of such combinations) go together: one statement per combination and
/// [`JSON_CHUNK_ROWS`] MACs, the MACs as one JSON array of strings and the properties as
/// three parameters. SQLite then reads each MAC straight from the array, where an array of
/// per-row arrays had it rebuild and reparse every row's text (profiled: a tenth of SQLite's
/// time in a 1,000,000-row import). PostgreSQL takes the rows in MAC order instead
/// ([`write_in_mac_order`]). The `WHERE` of the upsert leaves alone a MAC held by another
/// account, and a phone of this account whose server, branding and firmware are already
/// those of its row: re-importing an unchanged file rewrote every phone (a new row version
/// and new index entries for each, 24 s for a million phones on PostgreSQL) only to move
/// `updated_at`. Either way the returned count of written rows falls short; callers tell
/// the two apart by looking for phones of other accounts ([`super::foreign_macs`]).
pub async fn upsert(
    conn: &mut AnyConnection,
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    let sql = (UPSERT_SQLITE, UPSERT_POSTGRES);
    write_rows(conn, sql, account_id, rows, now).await
}

/// Inserts `rows`, none of whose MACs was registered when the caller checked (an import's
/// chunk of new phones), as [`upsert`] does but without its conflict clause, which PostgreSQL
/// pays for on every row (a speculative insertion: 1-2 s of a million-row import,
/// BENCHMARKS.md). A MAC registered since the check fails the statement with a unique
/// violation; the caller then rolls these inserts back and upserts instead.
pub async fn insert_new(
    conn: &mut AnyConnection,
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    let sql = (INSERT_SQLITE, INSERT_POSTGRES);
    write_rows(conn, sql, account_id, rows, now).await
}

/// Runs [`upsert`]'s or [`insert_new`]'s statement (`sqlite` or `postgres`, by the engine) on
/// `rows`; answers the rows written.
async fn write_rows(
    conn: &mut AnyConnection,
    (sqlite, postgres): (&str, &str),
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    match Dialect::of(conn) {
        Dialect::Sqlite => write_by_properties(conn, sqlite, account_id, rows, now).await,
        Dialect::Postgres => write_in_mac_order(conn, postgres, account_id, rows, now).await,
    }
}

/// SQLite: `sql` once per combination of properties and [`JSON_CHUNK_ROWS`] MACs.
async fn write_by_properties(
    conn: &mut AnyConnection,
    sql: &str,
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    type Properties<'a> = (Option<i64>, Option<i64>, Option<&'a str>);
    // Ordered by the properties, so the statements go in the same order on every run.
    let mut groups: BTreeMap<Properties, Vec<&str>> = BTreeMap::new();
    for r in rows {
        let key = (r.server_id, r.branding_id, r.firmware.as_deref());
        groups.entry(key).or_default().push(r.mac.as_str());
    }
    let mut written = 0;
    for ((server_id, branding_id, firmware), macs) in &groups {
        for macs in macs.chunks(JSON_CHUNK_ROWS) {
            let json = serde_json::to_string(macs).expect("strings serialize");
            written += sqlx::query(sql)
                .bind(account_id)
                .bind(now)
                .bind(json)
                .bind(server_id)
                .bind(branding_id)
                .bind(firmware)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
    }
    Ok(written)
}

/// PostgreSQL: `sql` once per [`JSON_CHUNK_ROWS`] rows in MAC order, each row's properties
/// beside its MAC (four JSON arrays that `ROWS FROM` reads in step). Statements per
/// combination of properties interleaved their MACs (an import's lines cycle through its
/// servers), so each statement's inserts landed between the last one's all over every
/// B-tree and split its pages in the middle; in MAC order they land next to each other. The
/// same million rows with psql: 8.9-9.6 s per combination, 7.7-7.8 s in MAC order, `COPY`
/// 6.8-7.0 s (BENCHMARKS.md). The order is also the one row locks are taken in.
async fn write_in_mac_order(
    conn: &mut AnyConnection,
    sql: &str,
    account_id: i64,
    rows: &[NewPhone],
    now: i64,
) -> sqlx::Result<u64> {
    let mut sorted: Vec<&NewPhone> = rows.iter().collect();
    sorted.sort_unstable_by(|a, b| a.mac.cmp(&b.mac));
    let json = |values: Vec<serde_json::Value>| serde_json::Value::Array(values).to_string();
    let mut written = 0;
    for part in sorted.chunks(JSON_CHUNK_ROWS) {
        let column =
            |f: fn(&NewPhone) -> serde_json::Value| json(part.iter().map(|r| f(r)).collect());
        written += sqlx::query(sql)
            .bind(account_id)
            .bind(now)
            .bind(column(|r| r.mac.as_str().into()))
            .bind(column(|r| r.server_id.into()))
            .bind(column(|r| r.branding_id.into()))
            .bind(column(|r| r.firmware.as_deref().into()))
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(written)
}

/// [`upsert`] on SQLite: `$3` is a JSON array of MACs, `$4`..`$6` server, branding, firmware.
/// (`WHERE true` is SQLite's documented way to let an `INSERT ... SELECT` take an upsert
/// clause.)
const UPSERT_SQLITE: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT $1, $2, $2, value, $4, $5, $6 FROM json_each($3) WHERE true \
     ON CONFLICT (mac) DO UPDATE SET server_id = excluded.server_id, \
     branding_id = excluded.branding_id, firmware = excluded.firmware, \
     updated_at = excluded.updated_at WHERE phones.account_id = excluded.account_id \
     AND (phones.server_id IS NOT excluded.server_id \
     OR phones.branding_id IS NOT excluded.branding_id OR phones.firmware IS NOT excluded.firmware)";

/// [`upsert`] on PostgreSQL: `$3`..`$6` are JSON arrays of the rows' MACs, servers,
/// brandings and firmware, in step ([`write_in_mac_order`]; a JSON null is an SQL NULL).
const UPSERT_POSTGRES: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($2 AS BIGINT), m, \
     CAST(s AS BIGINT), CAST(b AS BIGINT), f \
     FROM ROWS FROM (json_array_elements_text(CAST($3 AS json)), \
     json_array_elements_text(CAST($4 AS json)), json_array_elements_text(CAST($5 AS json)), \
     json_array_elements_text(CAST($6 AS json))) AS t(m, s, b, f) \
     ON CONFLICT (mac) DO UPDATE SET server_id = excluded.server_id, \
     branding_id = excluded.branding_id, firmware = excluded.firmware, \
     updated_at = excluded.updated_at WHERE phones.account_id = excluded.account_id \
     AND (phones.server_id, phones.branding_id, phones.firmware) \
     IS DISTINCT FROM (excluded.server_id, excluded.branding_id, excluded.firmware)";

/// [`insert_new`] on SQLite: the parameters of [`UPSERT_SQLITE`].
const INSERT_SQLITE: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT $1, $2, $2, value, $4, $5, $6 FROM json_each($3)";

/// [`insert_new`] on PostgreSQL: the parameters of [`UPSERT_POSTGRES`].
const INSERT_POSTGRES: &str = "INSERT INTO phones \
     (account_id, created_at, updated_at, mac, server_id, branding_id, firmware) \
     SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($2 AS BIGINT), m, \
     CAST(s AS BIGINT), CAST(b AS BIGINT), f \
     FROM ROWS FROM (json_array_elements_text(CAST($3 AS json)), \
     json_array_elements_text(CAST($4 AS json)), json_array_elements_text(CAST($5 AS json)), \
     json_array_elements_text(CAST($6 AS json))) AS t(m, s, b, f)";
