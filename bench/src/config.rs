//! The scale and the paths of a run, from `RCS_BENCH_*` environment variables.
//!
//! The defaults are the full scale. `RCS_BENCH_QUICK=1` shrinks every size for a
//! development run of about a minute; any variable set explicitly still wins.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{bail, Context};
use serde::Serialize;

/// A database engine rcs runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Everything a run is parameterised by (written into the results as `scale`).
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub quick: bool,
    /// Distinct phones in the boot storm (`RCS_BENCH_PHONES`, 10000).
    pub phones: usize,
    /// Boot storm connections in flight (`RCS_BENCH_CONCURRENCY`, 256).
    pub concurrency: usize,
    /// Boot storms per server (`RCS_BENCH_STORM_ROUNDS`, 3): the median round is reported,
    /// and each rcs round runs right after a round of nginx, so the ratio compares storms
    /// measured side by side rather than minutes apart.
    pub storm_rounds: usize,
    /// Phones in the native boot storm (`RCS_BENCH_NATIVE_PHONES`, the boot storm's): the
    /// first of the storm's phones, with their certificates.
    pub native_phones: usize,
    /// Native boot storms per server (`RCS_BENCH_NATIVE_ROUNDS`, the boot storm's; 0 skips
    /// it), alternating with nginx's like the boot storm.
    pub native_rounds: usize,
    /// Kept-alive lookups in all (`RCS_BENCH_KEEPALIVE_REQUESTS`, 50000) ...
    pub keepalive_requests: usize,
    /// ... over this many connections, one phone each (`RCS_BENCH_KEEPALIVE_CONNECTIONS`, 64).
    pub keepalive_connections: usize,
    /// Firmware image size in MiB (`RCS_BENCH_FIRMWARE_MIB`, 16).
    pub firmware_mib: usize,
    /// Downloads of the image (`RCS_BENCH_FIRMWARE_DOWNLOADS`, 32) ...
    pub firmware_downloads: usize,
    /// ... this many at a time (`RCS_BENCH_FIRMWARE_CONCURRENCY`, 4).
    pub firmware_concurrency: usize,
    /// Device traffic (boot storm, kept-alive lookups, firmware) on rcs (`RCS_BENCH_DEVICE`,
    /// `run`; `skip` measures only the imports and the list, for import work).
    pub device: bool,
    /// CSV import sizes (`RCS_BENCH_IMPORT_SIZES`, "100000,1000000").
    pub import_sizes: Vec<usize>,
    /// Phones in the account the list is measured on (`RCS_BENCH_LIST_PHONES`, 1000000).
    pub list_phones: usize,
    /// Requests per list query (`RCS_BENCH_LIST_REQUESTS`, 300).
    pub list_requests: usize,
    /// What to run against (`RCS_BENCH_TARGETS`, "nginx,sqlite,postgres").
    pub nginx: bool,
    pub engines: Vec<Engine>,
    /// HTTP workers for rcs (`RCS_BENCH_RCS_WORKERS`; 0 = rcs's default, one per core).
    pub rcs_workers: usize,
    /// Server to create the run's database on (`RCS_BENCH_POSTGRES_URL`).
    pub postgres_url: String,
    pub rcs_bin: PathBuf,
    pub nginx_bin: String,
    /// Scratch folder, emptied at the start (`RCS_BENCH_WORK_DIR`, target/bench).
    pub work_dir: PathBuf,
    pub results_dir: PathBuf,
    pub benchmarks_md: PathBuf,
    pub web_dist: PathBuf,
    /// Shown in the report as the command that produced it.
    pub command: String,
}

fn var<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?}: {e}")),
        _ => Ok(default),
    }
}

/// The local server's Unix socket when it has one, else 127.0.0.1:5432.
///
/// rcs and PostgreSQL share the machine in this benchmark, as in a single-host deployment,
/// which would connect over the socket. Over TCP, clients negotiate TLS (`sslmode=prefer`)
/// with Debian's server, and on loopback that costs about a third of a device lookup
/// (measured with pgbench, 20,000 lookups, CPU time per query: server 100 µs and client
/// 43 µs over TCP with TLS; 62-81 µs and 22-30 µs over the socket).
fn default_postgres_url() -> String {
    if std::path::Path::new("/var/run/postgresql/.s.PGSQL.5432").exists() {
        "postgres://postgres@localhost/postgres?host=/var/run/postgresql".into()
    } else {
        "postgres://postgres@127.0.0.1:5432/postgres".into()
    }
}

fn text(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// `scripts/bench` preceded by the `RCS_BENCH_*` variables that shaped this run.
fn command_line() -> String {
    let mut vars: Vec<String> = std::env::vars()
        .filter(|(k, v)| k.starts_with("RCS_BENCH_") && k != "RCS_BENCH_COMMAND" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    vars.sort();
    vars.push(text("RCS_BENCH_COMMAND", "target/release/rcs-bench"));
    vars.join(" ")
}

impl Config {
    /// Reads the environment; `root` is the repository (paths default inside it).
    pub fn from_env(root: PathBuf) -> anyhow::Result<Config> {
        let quick = var("RCS_BENCH_QUICK", 0u8)? != 0;
        let pick = |full: usize, small: usize| if quick { small } else { full };
        let import_sizes = text(
            "RCS_BENCH_IMPORT_SIZES",
            if quick {
                "10000,100000"
            } else {
                "100000,1000000"
            },
        )
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().replace('_', "").parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .context("RCS_BENCH_IMPORT_SIZES: comma-separated row counts")?;
        let mut nginx = false;
        let mut engines = Vec::new();
        for t in text("RCS_BENCH_TARGETS", "nginx,sqlite,postgres").split(',') {
            match t.trim() {
                "nginx" => nginx = true,
                "sqlite" => engines.push(Engine::Sqlite),
                "postgres" => engines.push(Engine::Postgres),
                "" => {}
                other => bail!("RCS_BENCH_TARGETS: unknown target {other:?}"),
            }
        }
        let path = |name: &str, default: PathBuf| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map_or(default, PathBuf::from)
        };
        let phones = var("RCS_BENCH_PHONES", pick(10_000, 1_000))?.max(1);
        let storm_rounds = var("RCS_BENCH_STORM_ROUNDS", 3)?.max(1);
        Ok(Config {
            quick,
            phones,
            concurrency: var("RCS_BENCH_CONCURRENCY", 256)?.max(1),
            storm_rounds,
            native_phones: var("RCS_BENCH_NATIVE_PHONES", phones)?.clamp(1, phones),
            native_rounds: var("RCS_BENCH_NATIVE_ROUNDS", storm_rounds)?,
            keepalive_requests: var("RCS_BENCH_KEEPALIVE_REQUESTS", pick(50_000, 5_000))?,
            keepalive_connections: var("RCS_BENCH_KEEPALIVE_CONNECTIONS", 64)?.max(1),
            firmware_mib: var("RCS_BENCH_FIRMWARE_MIB", 16)?.max(1),
            firmware_downloads: var("RCS_BENCH_FIRMWARE_DOWNLOADS", pick(32, 8))?,
            firmware_concurrency: var("RCS_BENCH_FIRMWARE_CONCURRENCY", 4)?.max(1),
            device: match text("RCS_BENCH_DEVICE", "run").as_str() {
                "run" => true,
                "skip" => false,
                other => bail!("RCS_BENCH_DEVICE must be run or skip, not {other:?}"),
            },
            import_sizes,
            list_phones: var("RCS_BENCH_LIST_PHONES", pick(1_000_000, 100_000))?,
            list_requests: var("RCS_BENCH_LIST_REQUESTS", pick(300, 100))?.max(1),
            nginx,
            engines,
            rcs_workers: var("RCS_BENCH_RCS_WORKERS", 0)?,
            postgres_url: text("RCS_BENCH_POSTGRES_URL", &default_postgres_url()),
            rcs_bin: path("RCS_BENCH_RCS_BIN", root.join("target/release/rcs")),
            nginx_bin: text("RCS_BENCH_NGINX", "nginx"),
            work_dir: path("RCS_BENCH_WORK_DIR", root.join("target/bench")),
            results_dir: path("RCS_BENCH_RESULTS_DIR", root.join("bench/results")),
            benchmarks_md: path("RCS_BENCH_MARKDOWN", root.join("BENCHMARKS.md")),
            web_dist: path("RCS_BENCH_WEB_DIST", root.join("web/dist")),
            command: command_line(),
        })
    }

    /// Firmware image size in bytes.
    pub fn firmware_bytes(&self) -> usize {
        self.firmware_mib << 20
    }
}
