//! The measurements in order: nginx first, then rcs on each engine (device traffic, CSV
//! imports, the phone list), then the web UI's size. A phase that fails is recorded and the
//! run goes on, so a missing piece never hides the numbers of the others.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use crate::config::{Config, Engine};
use crate::load::{self, Latency, Run, Sequence};
use crate::nginx::{self, Nginx};
use crate::pki::{Phone, Pki};
use crate::procs::{self, Memory};
use crate::rcs::{self, Api, Instance};
use crate::report::{Import, ImportRun, List, ListQuery, Peer, PeerMemory, Results, Web, WebFile};
use crate::{fixtures, floor};

const PASSWORD: &str = "rcs-bench-password";

/// Progress lines on stderr, stamped with the time since the start.
pub struct Log(Instant);

impl Log {
    pub fn new(start: Instant) -> Log {
        Log(start)
    }

    pub fn say(&self, what: &str) {
        eprintln!("[{:7.1}s] {what}", self.0.elapsed().as_secs_f64());
    }
}

/// What every phase shares.
pub struct Context {
    pub config: Config,
    pub pki: Pki,
    pub storm: Arc<Vec<Phone>>,
    pub fw: Arc<Vec<Phone>>,
    pub release: PathBuf,
    pub image: PathBuf,
    /// TLS for staff API calls (no client certificate).
    pub api_tls: Arc<rustls::ClientConfig>,
    pub log: Log,
    /// What went wrong or differed without stopping a phase; added to the results' notes.
    pub notes: Mutex<Vec<String>>,
}

impl Context {
    /// Logs `what` and keeps it for the results' notes.
    pub fn note(&self, what: String) {
        self.log.say(&what);
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(what);
    }
}

/// A storm measured in rounds against one server.
struct Rounds {
    /// The median round, its errors counting every round.
    median: Option<Run>,
    /// Phones per second of every round, in order.
    rates: Vec<f64>,
    /// nginx's rate in the round run just before each (when nginx runs beside the server).
    nginx: Vec<f64>,
    /// The server's peak resident size over the rounds, MB.
    peak_mb: f64,
    /// Whether the kernel reset the peak before the rounds.
    peak_reset: bool,
}

/// The rounds of one storm against `addr`, each right after one against `nginx` when nginx
/// runs beside the server. The boot storm takes every storm phone; the native one the first
/// `native_phones` of them, with the same certificates.
async fn storm_rounds(
    ctx: &Context,
    name: &str,
    addr: SocketAddr,
    nginx: Option<SocketAddr>,
    memory: &Memory,
    sequence: Sequence,
) -> Rounds {
    let c = &ctx.config;
    let (phones, rounds) = match sequence {
        Sequence::Lookup => (ctx.storm.clone(), c.storm_rounds),
        Sequence::Aastra if c.native_phones >= ctx.storm.len() => {
            (ctx.storm.clone(), c.native_rounds)
        }
        Sequence::Aastra => (
            Arc::new(ctx.storm[..c.native_phones].to_vec()),
            c.native_rounds,
        ),
    };
    ctx.log.say(&format!(
        "{name}: {}, {} phones, {} at a time, {rounds} round(s){}",
        sequence.label(),
        phones.len(),
        c.concurrency,
        if nginx.is_some() {
            ", each after a round of nginx"
        } else {
            ""
        }
    ));
    // A warm-up of one connection per slot, not measured: the server opens its database
    // connections and fills its caches as a running service already has.
    let warm: Vec<Phone> = phones.iter().take(c.concurrency).cloned().collect();
    let _ = load::boot_storm(addr, Arc::new(warm), c.concurrency, sequence).await;
    let peak_reset = memory.reset_peak();
    let measure = async |at| load::boot_storm(at, phones.clone(), c.concurrency, sequence).await;
    let (median, rates, nginx) = alternating(
        ctx,
        name,
        sequence.label(),
        "phones/s",
        addr,
        nginx,
        rounds,
        measure,
    )
    .await;
    Rounds {
        median,
        rates,
        nginx,
        peak_mb: memory.peak_mb(),
        peak_reset,
    }
}

/// One native boot with its answers kept: their sizes go into the report, and rcs's
/// configuration files are compared with the ones nginx serves, since the comparison is only
/// fair while both send the same; a difference is noted in the results.
async fn native_answers(ctx: &Context, name: &str, addr: SocketAddr, rcs: bool, peer: &mut Peer) {
    let phone = &ctx.storm[0];
    let answers = match load::aastra_answers(addr, phone).await {
        Ok(answers) => answers,
        Err(e) => {
            ctx.note(format!(
                "{name}: the native boot of {} failed: {e:#}",
                phone.mac
            ));
            return;
        }
    };
    peer.native_answer_bytes = answers.iter().map(|a| a.body_len).collect();
    if !rcs {
        return;
    }
    let mac = &phone.mac;
    let nginx_files = [
        nginx::aastra_common_cfg("aastra.cfg", mac),
        nginx::aastra_common_cfg(&format!("{}.cfg", fixtures::MODEL), mac),
        nginx::aastra_phone_cfg(mac),
    ];
    for (((path, _), answer), expected) in load::aastra_files(mac)
        .iter()
        .zip(&answers)
        .zip(&nginx_files)
    {
        if answer.body != expected.as_bytes() {
            ctx.note(format!(
                "{name}: {path} differs from the file nginx serves (with this phone's MAC): \
                 rcs sent {:?}, nginx's is {expected:?}",
                answer.text()
            ));
        }
    }
}

/// Both boot storms, kept-alive lookups and firmware downloads against one server. With
/// `nginx` (the address of the nginx still running beside rcs), every storm round against the
/// server follows a round against nginx, and the ratio is taken between those side-by-side
/// rounds.
async fn device_traffic(
    ctx: &Context,
    name: &str,
    addr: SocketAddr,
    nginx: Option<SocketAddr>,
    memory: &Memory,
    peer: &mut Peer,
) {
    let c = &ctx.config;
    let storm = storm_rounds(ctx, name, addr, nginx, memory, Sequence::Lookup).await;
    peer.boot_storm = storm.median;
    peer.storm_rounds = storm.rates;
    peer.nginx_alternating = storm.nginx;
    peer.memory.boot_storm_peak_mb = storm.peak_mb;
    peer.memory.peak_reset = storm.peak_reset;

    if c.native_rounds > 0 {
        native_answers(ctx, name, addr, peer.engine.is_some(), peer).await;
        let native = storm_rounds(ctx, name, addr, nginx, memory, Sequence::Aastra).await;
        peer.native_storm = native.median;
        peer.native_rounds = native.rates;
        peer.nginx_native_alternating = native.nginx;
        peer.memory.native_storm_peak_mb = native.peak_mb;
    }

    let rounds = c.storm_rounds;
    if c.keepalive_requests > 0 {
        let measure = async |at| {
            load::keep_alive(
                at,
                ctx.storm.clone(),
                c.keepalive_connections,
                c.keepalive_requests,
            )
            .await
        };
        (
            peer.keep_alive,
            peer.keepalive_rounds,
            peer.nginx_keepalive_alternating,
        ) = alternating(
            ctx,
            name,
            "kept-alive",
            "req/s",
            addr,
            nginx,
            rounds,
            measure,
        )
        .await;
    }
    if c.firmware_downloads > 0 {
        let size = c.firmware_bytes() as u64;
        let measure = async |at| {
            load::downloads(
                at,
                ctx.fw.clone(),
                c.firmware_concurrency,
                c.firmware_downloads,
                size,
            )
            .await
        };
        (
            peer.firmware,
            peer.firmware_rounds,
            peer.nginx_firmware_alternating,
        ) = alternating(ctx, name, "firmware", "MB/s", addr, nginx, rounds, measure).await;
    }
}

/// One measure (a storm, kept-alive lookups, firmware downloads) in rounds against `addr`,
/// each right after a round against `nginx` when nginx runs beside the server: the machine's
/// speed drifts within a run (nginx's storm rate has halved from one phase to the next), so a
/// ratio against rounds measured minutes earlier carries the drift. Answers the median round
/// (its errors counting every round), every round's rate and nginx's beside each; rates are
/// MB/s for downloads.
#[allow(clippy::too_many_arguments)]
async fn alternating(
    ctx: &Context,
    name: &str,
    what: &str,
    unit: &str,
    addr: SocketAddr,
    nginx: Option<SocketAddr>,
    rounds: usize,
    measure: impl AsyncFn(SocketAddr) -> Run,
) -> (Option<Run>, Vec<f64>, Vec<f64>) {
    let rate = |run: &Run| run.mb_per_second.unwrap_or(run.per_second);
    let (mut runs, mut rates, mut nginx_rates) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        if let Some(nginx) = nginx {
            nginx_rates.push(rate(&measure(nginx).await));
        }
        let run = measure(addr).await;
        ctx.log.say(&format!(
            "{name}: {what} round {round}: {:.0} {unit}{}, p50 {:.2} ms, p99 {:.2} ms, {} errors {:?}",
            rate(&run),
            nginx_rates
                .last()
                .map_or(String::new(), |n| format!(" (nginx just before: {n:.0})")),
            run.latency.p50_ms,
            run.latency.p99_ms,
            run.errors,
            run.error_samples
        ));
        rates.push(rate(&run));
        runs.push(run);
    }
    (load::median_run(runs), rates, nginx_rates)
}

/// How long after start-up rcs's idle resident size is read. Starting builds each worker's
/// routes (and their OpenAPI entries) and frees most of it again; jemalloc gives freed pages
/// back over its decay time (`DECAY_MS` in api/src/main.rs, one second), gradually, so at one
/// second 2-5 MB of that was still resident (29.5-30.0 MB against 24.4-24.7 MB from three
/// seconds on, measured on SQLite; BENCHMARKS.md). Idle is what a node holds once that is done.
const IDLE_AFTER: Duration = Duration::from_secs(3);

/// Starts nginx and measures it; it keeps running (for the rcs storms to alternate with) until
/// the caller stops it.
pub async fn nginx(ctx: &Context) -> anyhow::Result<(Peer, Nginx)> {
    ctx.log.say("nginx: writing the site and starting it");
    let mut phones: Vec<Phone> = ctx.storm.iter().cloned().collect();
    phones.extend(ctx.fw.iter().cloned());
    let dir = ctx.config.work_dir.join("nginx");
    std::fs::create_dir_all(dir.join("temp"))?;
    let probe = ctx.storm[0].tls.clone();
    let server = Nginx::start(
        &ctx.config.nginx_bin,
        &dir,
        &ctx.pki,
        &phones,
        &ctx.image,
        probe,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut peer = Peer {
        name: "nginx".into(),
        memory: PeerMemory {
            idle_mb: server.memory.rss_mb(),
            ..PeerMemory::default()
        },
        ..Peer::default()
    };
    device_traffic(
        ctx,
        "nginx",
        server.addr,
        None,
        &server.memory.clone(),
        &mut peer,
    )
    .await;
    Ok((peer, server))
}

/// A fresh database for one engine: a SQLite file, or a new PostgreSQL database.
async fn database(
    ctx: &Context,
    engine: Engine,
    dir: &Path,
) -> anyhow::Result<(String, Option<String>)> {
    match engine {
        Engine::Sqlite => Ok((format!("sqlite://{}", dir.join("rcs.db").display()), None)),
        Engine::Postgres => {
            let name = format!("rcs_bench_{}", std::process::id());
            let url = &ctx.config.postgres_url;
            procs::output(tokio::process::Command::new("psql").args([
                url.as_str(),
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {name}"),
                "-c",
                &format!("CREATE DATABASE {name}"),
            ]))
            .await
            .context(
                "cannot create the PostgreSQL database (is psql installed and the server up?)",
            )?;
            let (base, query) = url
                .split_once('?')
                .map_or((url.as_str(), ""), |(b, q)| (b, q));
            let scheme_end = base.find("://").map_or(0, |i| i + 3);
            let host_end = base[scheme_end..]
                .find('/')
                .map_or(base.len(), |i| scheme_end + i);
            let mut db_url = format!("{}/{name}", &base[..host_end]);
            if !query.is_empty() {
                db_url = format!("{db_url}?{query}");
            }
            Ok((db_url, Some(name)))
        }
    }
}

async fn drop_database(ctx: &Context, name: &str) {
    let _ = procs::output(tokio::process::Command::new("psql").args([
        ctx.config.postgres_url.as_str(),
        "-qc",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    ]))
    .await;
}

/// Everything measured on rcs with one engine.
pub async fn rcs(
    ctx: &Context,
    engine: Engine,
    nginx: Option<SocketAddr>,
    results: &mut Results,
) -> anyhow::Result<()> {
    let dir = ctx.config.work_dir.join(format!("rcs-{}", engine.key()));
    std::fs::create_dir_all(&dir)?;
    let (url, pg_name) = database(ctx, engine, &dir).await?;
    let outcome = rcs_on(ctx, engine, dir, url, nginx, results).await;
    if let Some(name) = pg_name {
        drop_database(ctx, &name).await;
    }
    outcome
}

async fn rcs_on(
    ctx: &Context,
    engine: Engine,
    dir: PathBuf,
    url: String,
    nginx: Option<SocketAddr>,
    results: &mut Results,
) -> anyhow::Result<()> {
    let name = format!("rcs ({})", engine.label());
    let c = &ctx.config;
    ctx.log
        .say(&format!("{name}: account, firmware catalog, start"));
    let instance = Instance::new(&c.rcs_bin, dir, url, &ctx.pki, c.rcs_workers)?;
    instance
        .create_account("Bench", "bench@example.com", PASSWORD)
        .await?;
    instance
        .cli(
            &["firmware", "import", &ctx.release.display().to_string()],
            None,
        )
        .await?;
    let api_tls = ctx.api_tls.clone();
    let server = instance.serve(api_tls.clone()).await?;
    let outcome = async {
        tokio::time::sleep(IDLE_AFTER).await;
        let mut peer = Peer {
            name: name.clone(),
            engine: Some(engine),
            memory: PeerMemory { idle_mb: server.memory.rss_mb(), ..PeerMemory::default() },
            ..Peer::default()
        };
        ctx.log.say(&format!("{name}: idle RSS {:.1} MB; registering phones", peer.memory.idle_mb));
        let mut api = Api::new(instance.addr, api_tls.clone());
        api.login("bench@example.com", PASSWORD).await?;
        let server_id = api.create_server(fixtures::SERVER_NAME, fixtures::SERVER_URL).await?;
        let macs: Vec<String> = ctx.storm.iter().map(|p| p.mac.clone()).collect();
        api.add_phones(&macs, server_id, None).await?;
        let fw_macs: Vec<String> = ctx.fw.iter().map(|p| p.mac.clone()).collect();
        api.add_phones(&fw_macs, server_id, Some(fixtures::RELEASE)).await?;
        if c.device {
            device_traffic(ctx, &name, instance.addr, nginx, &server.memory, &mut peer).await;
            results.peers.push(peer);
        }

        let mut list_account = None;
        for (set, &rows) in c.import_sizes.iter().enumerate() {
            let (import, session, after_new) =
                import(ctx, &instance, engine, &server.memory, set as u8, rows).await?;
            ctx.log.say(&format!(
                "{name}: import {rows} rows: new {:.2} s (peak {:.0} MB), update {:.2} s (peak {:.0} MB)",
                import.new.seconds, import.new.peak_mb, import.update.seconds, import.update.peak_mb
            ));
            results.imports.push(import);
            if rows == c.list_phones {
                list_account = Some((session, after_new));
            }
        }
        if c.list_phones > 0 {
            let (session, after_new) = match list_account {
                Some(s) => s,
                None => {
                    ctx.log.say(&format!("{name}: filling an account with {} phones for the list", c.list_phones));
                    let set = c.import_sizes.len() as u8;
                    let mut s = account(ctx, &instance, set).await?;
                    post_csv(&mut s.0, &fixtures::import_csv(set, c.list_phones)).await?;
                    (s, Vec::new())
                }
            };
            let registered = macs.len()
                + fw_macs.len()
                + c.import_sizes.iter().sum::<usize>()
                + if c.import_sizes.contains(&c.list_phones) { 0 } else { c.list_phones };
            let list =
                phone_list(ctx, engine, session, &server.memory, registered, after_new).await?;
            ctx.log.say(&format!(
                "{name}: {:.1} MB resident after the list, {} phones registered",
                list.rss_mb, list.registered
            ));
            for q in &list.queries {
                ctx.log.say(&format!(
                    "{name}: list {}: p50 {:.2} ms, p99 {:.2} ms, {} errors",
                    q.name, q.latency.p50_ms, q.latency.p99_ms, q.errors
                ));
            }
            results.lists.push(list);
        }
        floors(ctx, &instance, engine, results).await;
        anyhow::Ok(())
    }
    .await;
    server.stop().await;
    outcome
}

/// Waits (10 s at most) until the server's resident size has stopped falling for 2 s: an
/// import starts on a node at rest, as one sent by a user does, not on the memory the
/// previous phase is still giving back. rcs gives freed pages back within a second or two, in
/// steps with pauses of up to a second between them, so a shorter window stopped on a pause
/// (measured: 50, 50, 48, 48, 48, 47, 47, 46, 38 MB at 0.5 s intervals after an import). What
/// is left is reported as the import's "before".
async fn settle(memory: &Memory) {
    const STEP: Duration = Duration::from_millis(250);
    const STILL: usize = 8; // readings, 2 s
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut readings = vec![memory.rss_mb()];
    while Instant::now() < deadline {
        tokio::time::sleep(STEP).await;
        readings.push(memory.rss_mb());
        let n = readings.len();
        if n > STILL && readings[n - 1 - STILL] - readings[n - 1] < 1.0 {
            return;
        }
    }
}

/// The engine's own bulk load of each import size (`crate::floor`), into a new account of the
/// same database, after every other phase so that its rows change nothing measured; kept
/// with the import of the same size. A failure is a note, not the end of the run.
async fn floors(ctx: &Context, instance: &Instance, engine: Engine, results: &mut Results) {
    let name = format!("rcs ({})", engine.label());
    for (set, &rows) in ctx.config.import_sizes.iter().enumerate() {
        let set = 0x10 + set as u8;
        let loaded = async {
            let (_, first_server) = account(ctx, instance, set).await?;
            let target = floor::Target {
                engine,
                database_url: &instance.database_url,
                sqlite_file: instance.database_url.strip_prefix("sqlite://"),
                first_server,
                set,
                rows,
            };
            floor::load(&target).await
        }
        .await;
        match loaded {
            Ok(seconds) => {
                ctx.log.say(&format!(
                    "{name}: the engine's own load of {rows} rows: {seconds:.2} s"
                ));
                if let Some(import) = results
                    .imports
                    .iter_mut()
                    .find(|i| i.engine == engine && i.rows == rows)
                {
                    import.floor_seconds = Some(seconds);
                }
            }
            Err(e) => ctx.note(format!(
                "{name}: the engine's own load of {rows} rows failed: {e:#}"
            )),
        }
    }
}

/// A logged-in Super User of a new account `Import <set>` with servers `PBX 0`..`PBX 6`;
/// answers the session and the id of `PBX 0`.
async fn account(ctx: &Context, instance: &Instance, set: u8) -> anyhow::Result<(Api, i64)> {
    let email = format!("import{set}@example.com");
    instance
        .create_account(&format!("Import {set}"), &email, PASSWORD)
        .await?;
    let mut api = Api::new(instance.addr, ctx.api_tls.clone());
    api.login(&email, PASSWORD).await?;
    let mut first = None;
    for (i, server) in fixtures::server_names().iter().enumerate() {
        let id = api
            .create_server(server, &format!("https://pbx{i}.example.net/cfg/"))
            .await?;
        first.get_or_insert(id);
    }
    Ok((api, first.context("no server created")?))
}

/// Posts a CSV file; answers (added, updated).
async fn post_csv(api: &mut Api, csv: &[u8]) -> anyhow::Result<(u64, u64)> {
    let path = "/api/v1/phones/import";
    let response = api.call("POST", path, "text/csv", csv).await?;
    rcs::ok(&response, "POST", path)?;
    let answer = response.json()?;
    Ok((
        answer["added"].as_u64().unwrap_or(0),
        answer["updated"].as_u64().unwrap_or(0),
    ))
}

/// Imports `rows` new phones into a new account, then the same file again (every phone
/// counted as updated). When `rows` is the list's size the list's queries are also measured
/// between the two, on the table as one import of new phones leaves it, so a plan that
/// depends on the table's state after a bulk write shows (PostgreSQL's MAC search once did:
/// 12 ms after one import, 3 ms after two).
async fn import(
    ctx: &Context,
    instance: &Instance,
    engine: Engine,
    memory: &Memory,
    set: u8,
    rows: usize,
) -> anyhow::Result<(Import, (Api, i64), Vec<ListQuery>)> {
    ctx.log
        .say(&format!("rcs ({}): importing {rows} rows", engine.label()));
    let mut session = account(ctx, instance, set).await?;
    let csv = fixtures::import_csv(set, rows);
    let mut runs = Vec::new();
    let mut after_new = Vec::new();
    for run in 0..2 {
        if run == 1 && rows == ctx.config.list_phones {
            after_new = list_queries(ctx, &mut session, " (after the first import)").await?;
        }
        settle(memory).await;
        memory.reset_peak();
        let before_mb = memory.rss_mb();
        let t = Instant::now();
        let (added, updated) = post_csv(&mut session.0, &csv).await?;
        let seconds = t.elapsed().as_secs_f64();
        if added + updated != rows as u64 {
            bail!("import of {rows} rows answered {added} added and {updated} updated");
        }
        runs.push(ImportRun {
            seconds,
            rows_per_second: rows as f64 / seconds,
            peak_mb: memory.peak_mb(),
            before_mb,
            added,
            updated,
        });
    }
    let update = runs.pop().unwrap_or_default();
    let new = runs.pop().unwrap_or_default();
    Ok((
        Import {
            engine,
            rows,
            new,
            update,
            floor_seconds: None,
        },
        session,
        after_new,
    ))
}

/// Percent-encodes a query value (cursors may hold `+`, `/` or `=`).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn phone_list(
    ctx: &Context,
    engine: Engine,
    mut session: (Api, i64),
    memory: &Memory,
    registered: usize,
    after_new: Vec<ListQuery>,
) -> anyhow::Result<List> {
    let mut queries = list_queries(ctx, &mut session, "").await?;
    queries.extend(after_new);
    Ok(List {
        engine,
        phones: ctx.config.list_phones,
        queries,
        rss_mb: memory.rss_mb(),
        registered,
    })
}

/// The list's queries on the account of `session`, `ctx.config.list_requests` times each;
/// `suffix` ends each query's name.
async fn list_queries(
    ctx: &Context,
    (api, server_id): &mut (Api, i64),
    suffix: &str,
) -> anyhow::Result<Vec<ListQuery>> {
    let first = format!("server_id={server_id}&sort=last_seen&order=desc&limit=50");
    let page = api
        .json(
            "GET",
            &format!("/api/v1/phones?{first}"),
            &serde_json::Value::Null,
        )
        .await?;
    let cursor = page["next_cursor"].as_str().map(encode).unwrap_or_default();
    let queries = [
        ("one server, by last contact, newest first", first.clone()),
        ("the same, next page", format!("{first}&cursor={cursor}")),
        ("all, by MAC", "limit=50".to_string()),
        (
            "unaffiliated, by MAC descending",
            "unaffiliated=true&order=desc&limit=50".to_string(),
        ),
        (
            "never seen, by last contact",
            "seen=false&sort=last_seen&limit=50".to_string(),
        ),
        ("MAC search", "q=3A7&limit=50".to_string()),
    ];
    let mut out = Vec::new();
    for (name, query) in queries {
        let path = format!("/api/v1/phones?{query}");
        let (mut micros, mut errors) = (Vec::new(), 0);
        for _ in 0..ctx.config.list_requests {
            let t = Instant::now();
            match api.call("GET", &path, "application/json", &[]).await {
                Ok(r) if r.status == 200 => micros.push(t.elapsed().as_micros() as u64),
                _ => errors += 1,
            }
        }
        out.push(ListQuery {
            name: format!("{name}{suffix}"),
            query,
            latency: Latency::of(micros),
            errors,
        });
    }
    Ok(out)
}

/// gzip -9 sizes of the wasm and JS files in `dist`: web/dist (trunk's build), or the folder
/// scripts/build-web-wasm filled with the same two files where trunk is not installed.
pub fn web_sizes(dist: &Path) -> anyhow::Result<Web> {
    let entries = std::fs::read_dir(dist).with_context(|| {
        format!(
            "{} is missing (run scripts/build-web first)",
            dist.display()
        )
    })?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js")) {
            continue;
        }
        let out = std::process::Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()?;
        if !out.status.success() {
            bail!("gzip failed on {}", path.display());
        }
        files.push(WebFile {
            name,
            bytes: entry.metadata()?.len(),
            gzip_bytes: out.stdout.len() as u64,
        });
    }
    if files.is_empty() {
        bail!("no .wasm or .js file in {}", dist.display());
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let sum = |ext: &str| {
        files
            .iter()
            .filter(|f| f.name.ends_with(ext))
            .map(|f| f.gzip_bytes)
            .sum()
    };
    Ok(Web {
        dir: std::env::current_dir()
            .ok()
            .and_then(|here| dist.strip_prefix(here).ok())
            .unwrap_or(dist)
            .display()
            .to_string(),
        wasm_gzip_bytes: sum(".wasm"),
        js_gzip_bytes: sum(".js"),
        files,
    })
}
