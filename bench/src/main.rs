//! `rcs-bench`: measures rcs against the nginx set-up it replaces, on SQLite and PostgreSQL,
//! and writes `bench/results/latest.json`, `bench/results/chart.svg` and the results section
//! of BENCHMARKS.md. `scripts/bench` builds it and rcs in release mode and runs it from the
//! repository root; the scale comes from `RCS_BENCH_*` variables (see `config.rs`).
//!
//! Everything is set up by the run itself, in `target/bench`: a device CA and one certificate
//! per phone, the server certificate, an nginx configuration, rcs data directories, and a
//! fresh PostgreSQL database that is dropped at the end.
#![forbid(unsafe_code)]

mod config;
mod fixtures;
mod floor;
mod http;
mod load;
mod machine;
mod nginx;
mod pki;
mod procs;
mod rcs;
mod report;
mod suite;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use crate::config::Config;
use crate::machine::Machine;
use crate::report::Results;

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = tokio::select! {
        outcome = run() => outcome,
        signal = interrupted() => Err(anyhow::anyhow!(
            "stopped by {signal}; the servers it started are stopped too"
        )),
    };
    procs::kill_running();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rcs-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for the signals that stop a run from a terminal, a service manager or `kill`.
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return "SIGINT";
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term.recv() => "SIGTERM",
        _ = hangup.recv() => "SIGHUP",
    }
}

async fn run() -> anyhow::Result<()> {
    let clock = Instant::now();
    let config = Config::from_env(std::env::current_dir()?)?;
    let started_at = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)?
        .format(&time::format_description::well_known::Rfc3339)?;
    let machine = Machine::describe(&config.nginx_bin, &config.postgres_url);
    let _ = std::fs::remove_dir_all(&config.work_dir);
    std::fs::create_dir_all(&config.work_dir)
        .with_context(|| format!("cannot create {}", config.work_dir.display()))?;
    std::fs::create_dir_all(&config.results_dir)?;

    let log = suite::Log::new(clock);
    log.say(&format!(
        "certificates: device CA and {} phones",
        config.phones + config.firmware_concurrency
    ));
    let pki = pki::Pki::generate(&config.work_dir.join("pki"))?;
    let storm = Arc::new(pki.phones(&fixtures::storm_macs(config.phones))?);
    let fw = Arc::new(pki.phones(&fixtures::firmware_macs(config.firmware_concurrency))?);
    let (release, image) =
        fixtures::firmware_release(&config.work_dir.join("firmware"), config.firmware_bytes())?;
    let ctx = suite::Context {
        config: config.clone(),
        api_tls: pki.api_client()?,
        pki,
        storm,
        fw,
        release,
        image,
        log,
        notes: Default::default(),
    };

    let mut results = Results {
        schema: 1,
        started_at,
        duration_seconds: 0.0,
        command: config.command.clone(),
        machine,
        scale: config.clone(),
        peers: Vec::new(),
        imports: Vec::new(),
        lists: Vec::new(),
        web: None,
        goals: Vec::new(),
        notes: Vec::new(),
    };
    let mut nginx = None;
    if config.nginx {
        match suite::nginx(&ctx).await {
            Ok((peer, server)) => {
                results.peers.push(peer);
                nginx = Some(server);
            }
            Err(e) => results.notes.push(format!("nginx was not measured: {e:#}")),
        }
    }
    let nginx_addr = nginx.as_ref().map(|n| n.addr);
    for &engine in &config.engines {
        if let Err(e) = suite::rcs(&ctx, engine, nginx_addr, &mut results).await {
            ctx.log.say(&format!("rcs on {}: {e:#}", engine.label()));
            results
                .notes
                .push(format!("rcs on {} stopped early: {e:#}", engine.label()));
        }
    }
    if let Some(server) = nginx {
        server.stop().await;
    }
    match suite::web_sizes(&config.web_dist) {
        Ok(web) => results.web = Some(web),
        Err(e) => results.notes.push(format!("web UI not measured: {e:#}")),
    }

    results
        .notes
        .append(&mut ctx.notes.lock().unwrap_or_else(|e| e.into_inner()));
    results.duration_seconds = clock.elapsed().as_secs_f64();
    results.machine.load_at_end = machine::load_average();
    results.evaluate();
    let json = config.results_dir.join("latest.json");
    results.write_json(&json)?;
    let chart = config.results_dir.join("chart.svg");
    std::fs::write(&chart, report::chart_svg(&results))?;
    let chart_link = chart
        .strip_prefix(std::env::current_dir()?)
        .unwrap_or(&chart)
        .display()
        .to_string();
    report::update_markdown(
        &config.benchmarks_md,
        &report::markdown(&results, &chart_link),
    )?;
    ctx.log.say(&format!(
        "done: {}, {} and {}",
        json.display(),
        chart.display(),
        config.benchmarks_md.display()
    ));
    for goal in &results.goals {
        let mark = match goal.met {
            Some(true) => "met   ",
            Some(false) => "MISSED",
            None => "  –   ",
        };
        eprintln!(
            "  {mark} {}: {} (goal {})",
            goal.goal, goal.value, goal.target
        );
    }
    Ok(())
}
