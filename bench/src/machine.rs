//! The machine a run happened on, for the report: CPU, memory, kernel, versions of what was
//! compared, the commit measured, and the load average (other work on the machine skews
//! absolute numbers; rcs and nginx measured in the same run share that noise).

use std::process::Command;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub os: String,
    pub kernel: String,
    pub rustc: String,
    pub nginx: String,
    pub postgres: String,
    pub commit: String,
    /// `/proc/loadavg` (1, 5, 15 minutes) when the run started and when it ended.
    pub load_at_start: String,
    pub load_at_end: String,
}

fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    let text = String::from_utf8_lossy(&text).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Machine {
    pub fn describe(nginx_bin: &str, postgres_url: &str) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kb: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown".into());
        let commit = run("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
        let dirty = run("git", &["status", "--porcelain", "--untracked-files=no"]).is_some();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_gib: (memory_kb / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            os,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            rustc: run("rustc", &["-V"]).unwrap_or_default(),
            nginx: run(nginx_bin, &["-v"]).unwrap_or_else(|| "not found".into()),
            postgres: run("psql", &[postgres_url, "-Atc", "show server_version"])
                .map(|v| format!("PostgreSQL {v}"))
                .unwrap_or_else(|| "not reachable".into()),
            commit: if dirty {
                format!("{commit} + uncommitted changes")
            } else {
                commit
            },
            load_at_start: load_average(),
            load_at_end: String::new(),
        }
    }
}
