//! The servers under test as child processes: free ports, waiting until they answer, memory
//! read from `/proc`, and a graceful stop.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rustls::ClientConfig;
use tokio::process::Child;

use crate::http;

/// A free port on 127.0.0.1 (bound and released; the server binds it right after).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Polls `GET path` until it answers 200, or fails after `limit` or when the child exits.
pub async fn wait_until_ready(
    child: &mut Child,
    addr: SocketAddr,
    tls: Arc<ClientConfig>,
    path: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let head = http::head("GET", path, &[("Connection", "close")], 0);
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited during start-up ({status})");
        }
        if let Ok(mut conn) = http::connect(addr, tls.clone()).await {
            if let Ok(r) = conn.request(&head, &[], false).await {
                if r.status == 200 {
                    return Ok(());
                }
            }
        }
        if started.elapsed() > limit {
            bail!("the server did not answer {path} within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The process groups of the servers running now (nginx and `rcs serve`), each started as
/// the leader of its own group so that one signal reaches nginx's workers too.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Remembers a server just started with `process_group(0)` until [`stop`] ends it.
pub fn started(child: &Child) {
    if let Some(pid) = child.id() {
        RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    }
}

/// Kills every server still running, group and all: the harness calls it when it is
/// interrupted (SIGINT, SIGTERM, SIGHUP), since a signal ends the harness without running a
/// single destructor and would otherwise leave nginx and rcs serving on their ports.
pub fn kill_running() {
    let pids = std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|e| e.into_inner()));
    for pid in pids {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
    }
}

/// Sends SIGTERM (through kill(1): no unsafe code here) and waits up to 20 s, then SIGKILL.
pub async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        RUNNING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&p| p != pid);
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .is_ok()
        {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Resident-set figures of one process, in kB.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A server's processes (nginx: the master and its workers) for memory readings.
#[derive(Debug, Clone)]
pub struct Memory {
    pids: Vec<u32>,
}

impl Memory {
    /// `pid` and its direct children.
    pub fn of_tree(pid: u32) -> Memory {
        let mut pids = vec![pid];
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let stat =
                    std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
                // Field 4 (after the parenthesised command) is the parent's pid.
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok());
                if ppid == Some(pid) {
                    pids.push(child);
                }
            }
        }
        Memory { pids }
    }

    /// Current resident size, MB (2^20 bytes), summed over the processes.
    pub fn rss_mb(&self) -> f64 {
        self.sum("VmRSS:")
    }

    /// Peak resident size since the last [`Memory::reset_peak`] (or since start), MB.
    pub fn peak_mb(&self) -> f64 {
        self.sum("VmHWM:")
    }

    fn sum(&self, field: &str) -> f64 {
        let kb: u64 = self.pids.iter().filter_map(|&p| status_kb(p, field)).sum();
        kb as f64 / 1024.0
    }

    /// Resets the kernel's peak (writing 5 to clear_refs); false when the kernel refuses.
    pub fn reset_peak(&self) -> bool {
        self.pids
            .iter()
            .all(|p| std::fs::write(format!("/proc/{p}/clear_refs"), "5").is_ok())
    }
}

/// Runs a command to completion and returns its standard output; fails with its stderr.
pub async fn output(cmd: &mut tokio::process::Command) -> anyhow::Result<String> {
    let out = cmd
        .output()
        .await
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
