//! The load generators: the boot storm (one fresh mutual-TLS connection per phone, with one
//! lookup or with an Aastra phone's native boot files), repeat lookups on kept-alive
//! connections, and firmware downloads. Each runs identically against nginx and rcs, so the
//! two numbers of a run can be compared directly.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde::Serialize;

use crate::fixtures::MODEL;
use crate::http::{self, Conn, Response};
use crate::pki::Phone;

/// The firmware version the simulated phones report (older than any benchmark release). The
/// storm phones have no release pinned, so whatever they report, no firmware step is due:
/// rcs answers their native image check (`6757i.st`) with 404, as it does for a phone that
/// already runs its pinned release.
pub const REPORTED_VERSION: &str = "3.2.2.1136";

/// What each phone of a boot storm does on its one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    /// rcs's own protocol: `GET /phone/<MAC>`, one request.
    Lookup,
    /// An Aastra 6757i's native boot: the files of [`aastra_files`], kept alive.
    Aastra,
}

impl Sequence {
    pub fn label(self) -> &'static str {
        match self {
            Sequence::Lookup => "boot storm",
            Sequence::Aastra => "native boot storm (Aastra)",
        }
    }
}

/// The files an Aastra 6757i fetches at boot, in its order, and the status each must get:
/// `aastra.cfg`, `<model>.cfg`, `<MAC>.cfg`, then the image check `<model>.st`, which is 404
/// because no firmware step is due (see [`REPORTED_VERSION`]), so no image is sent.
pub fn aastra_files(mac: &str) -> [(String, u16); 4] {
    [
        ("/phone/aastra.cfg".to_string(), 200),
        (format!("/phone/{MODEL}.cfg"), 200),
        (format!("/phone/{mac}.cfg"), 200),
        (format!("/phone/{MODEL}.st"), 404),
    ]
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles (nearest rank) of durations in microseconds.
    pub fn of(mut micros: Vec<u64>) -> Latency {
        if micros.is_empty() {
            return Latency::default();
        }
        micros.sort_unstable();
        let at = |p: f64| {
            let rank = ((p / 100.0) * micros.len() as f64).ceil() as usize;
            micros[rank.clamp(1, micros.len()) - 1] as f64 / 1000.0
        };
        Latency {
            count: micros.len(),
            mean_ms: micros.iter().sum::<u64>() as f64 / micros.len() as f64 / 1000.0,
            p50_ms: at(50.0),
            p90_ms: at(90.0),
            p99_ms: at(99.0),
            max_ms: *micros.last().unwrap_or(&0) as f64 / 1000.0,
        }
    }
}

/// Outcome of one load phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Run {
    pub requests: usize,
    pub concurrency: usize,
    pub seconds: f64,
    /// Successful requests per second (phones per second for the boot storm).
    pub per_second: f64,
    /// Megabytes (10^6 bytes) per second of response bodies; set for downloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mb_per_second: Option<f64>,
    pub latency: Latency,
    pub errors: usize,
    /// The first few distinct errors, for the report.
    pub error_samples: Vec<String>,
}

/// What every worker of a phase collects.
#[derive(Default)]
struct Tally {
    micros: Vec<u64>,
    errors: usize,
    samples: Vec<String>,
    bytes: u64,
}

impl Tally {
    fn error(&mut self, message: String) {
        self.errors += 1;
        if self.samples.len() < 5 && !self.samples.contains(&message) {
            self.samples.push(message);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        for s in other.samples {
            if self.samples.len() < 5 && !self.samples.contains(&s) {
                self.samples.push(s);
            }
        }
        self.bytes += other.bytes;
    }

    fn into_run(self, requests: usize, concurrency: usize, started: Instant) -> Run {
        let seconds = started.elapsed().as_secs_f64();
        let ok = self.micros.len();
        Run {
            requests,
            concurrency,
            seconds,
            per_second: ok as f64 / seconds,
            mb_per_second: (self.bytes > 0).then(|| self.bytes as f64 / 1e6 / seconds),
            latency: Latency::of(self.micros),
            errors: self.errors,
            error_samples: self.samples,
        }
    }
}

/// One phone's boot: connect with its certificate, `GET /phone/<mac>`, read the answer.
async fn boot(addr: SocketAddr, phone: &Phone) -> anyhow::Result<()> {
    let mut conn = http::connect(addr, phone.tls.clone()).await?;
    let ua = phone.user_agent(REPORTED_VERSION);
    let head = http::head(
        "GET",
        &format!("/phone/{}", phone.mac),
        &[("User-Agent", &ua), ("Connection", "close")],
        0,
    );
    let response = conn.request(&head, &[], true).await?;
    if response.status != 200 {
        bail!("HTTP {}: {}", response.status, response.text());
    }
    conn.wait_for_close().await;
    Ok(())
}

/// One Aastra phone's native boot on one connection: the files of [`aastra_files`] in order,
/// the last with `Connection: close`; any other status than the one expected is an error.
/// Answers the latency, from `connect()` to the last byte of the last answer, and the answers.
async fn aastra_boot(addr: SocketAddr, phone: &Phone) -> anyhow::Result<(Duration, Vec<Response>)> {
    let started = Instant::now();
    let mut conn = http::connect(addr, phone.tls.clone()).await?;
    let ua = phone.user_agent(REPORTED_VERSION);
    let files = aastra_files(&phone.mac);
    let mut answers = Vec::with_capacity(files.len());
    for (i, (path, expected)) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let mut headers = vec![("User-Agent", ua.as_str())];
        if last {
            headers.push(("Connection", "close"));
        }
        let head = http::head("GET", path, &headers, 0);
        let response = conn
            .request(&head, &[], true)
            .await
            .with_context(|| format!("GET {path}"))?;
        if response.status != *expected {
            bail!(
                "GET {path}: HTTP {} instead of {expected}: {}",
                response.status,
                response.text().chars().take(200).collect::<String>()
            );
        }
        if response.close && !last {
            bail!("GET {path}: the server closed the connection after it");
        }
        answers.push(response);
    }
    let latency = started.elapsed();
    conn.wait_for_close().await;
    Ok((latency, answers))
}

/// One phone's native boot with its answers kept (for the report and the comparison of
/// rcs's files with nginx's).
pub async fn aastra_answers(addr: SocketAddr, phone: &Phone) -> anyhow::Result<Vec<Response>> {
    aastra_boot(addr, phone).await.map(|(_, answers)| answers)
}

/// The boot storm: every phone once, `concurrency` at a time, each on a fresh connection
/// doing `sequence`.
pub async fn boot_storm(
    addr: SocketAddr,
    phones: Arc<Vec<Phone>>,
    concurrency: usize,
    sequence: Sequence,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, phones) = (next.clone(), phones.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(phone) = phones.get(i) else { break };
                    let t = Instant::now();
                    let latency = match sequence {
                        Sequence::Lookup => boot(addr, phone).await.map(|()| t.elapsed()),
                        Sequence::Aastra => aastra_boot(addr, phone).await.map(|(l, _)| l),
                    };
                    match latency {
                        Ok(latency) => tally.micros.push(latency.as_micros() as u64),
                        Err(e) => tally.error(format!("{e:#}")),
                    }
                }
                tally
            })
        })
        .collect();
    collect(workers, phones.len(), concurrency, started).await
}

/// The round with the median rate (the lower middle for an even count), carrying the errors of
/// every round (the error target is zero over all of them).
pub fn median_run(mut runs: Vec<Run>) -> Option<Run> {
    let errors: usize = runs.iter().map(|r| r.errors).sum();
    let mut samples: Vec<String> = Vec::new();
    for sample in runs.iter().flat_map(|r| &r.error_samples) {
        if samples.len() < 5 && !samples.contains(sample) {
            samples.push(sample.clone());
        }
    }
    runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    let mut median = runs.swap_remove(lower_middle(runs.len())?);
    median.errors = errors;
    median.error_samples = samples;
    Some(median)
}

/// The median of `values` (the lower middle for an even count), `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(lower_middle(v.len())?).copied()
}

/// Index of the median of `len` sorted items, `None` when there are none.
fn lower_middle(len: usize) -> Option<usize> {
    len.checked_sub(1).map(|last| last / 2)
}

async fn collect(
    workers: Vec<tokio::task::JoinHandle<Tally>>,
    requests: usize,
    concurrency: usize,
    started: Instant,
) -> Run {
    let mut total = Tally::default();
    for worker in workers {
        match worker.await {
            Ok(tally) => total.merge(tally),
            Err(e) => total.error(format!("worker failed: {e}")),
        }
    }
    total.into_run(requests, concurrency, started)
}

/// Repeat lookups: `connections` phones each keep one connection open and ask again and
/// again until `requests` answers have been received in all.
pub async fn keep_alive(
    addr: SocketAddr,
    phones: Arc<Vec<Phone>>,
    connections: usize,
    requests: usize,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections.min(phones.len()))
        .map(|w| {
            let (next, phone) = (next.clone(), phones[w].clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let ua = phone.user_agent(REPORTED_VERSION);
                let path = format!("/phone/{}", phone.mac);
                let head = http::head("GET", &path, &[("User-Agent", &ua)], 0);
                let mut conn: Option<Conn> = None;
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    let t = Instant::now();
                    let result = async {
                        if conn.is_none() {
                            conn = Some(http::connect(addr, phone.tls.clone()).await?);
                        }
                        let c = conn.as_mut().expect("connected above");
                        let response = c.request(&head, &[], false).await?;
                        if response.close {
                            conn = None;
                        }
                        if response.status != 200 {
                            bail!("HTTP {}", response.status);
                        }
                        Ok(())
                    }
                    .await;
                    match result {
                        Ok(()) => tally.micros.push(t.elapsed().as_micros() as u64),
                        Err(e) => {
                            conn = None;
                            tally.error(format!("{e:#}"));
                        }
                    }
                }
                tally
            })
        })
        .collect();
    collect(workers, requests, connections, started).await
}

/// Firmware delivery: `downloads` fetches of `/phone/<mac>/firmware`, `concurrency` at a time,
/// each on a fresh connection; every body must be `size` bytes.
pub async fn downloads(
    addr: SocketAddr,
    phones: Arc<Vec<Phone>>,
    concurrency: usize,
    downloads: usize,
    size: u64,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, phones) = (next.clone(), phones.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= downloads {
                        break;
                    }
                    let phone = &phones[i % phones.len()];
                    let t = Instant::now();
                    match download(addr, phone, size).await {
                        Ok(()) => {
                            tally.micros.push(t.elapsed().as_micros() as u64);
                            tally.bytes += size;
                        }
                        Err(e) => tally.error(format!("{e:#}")),
                    }
                }
                tally
            })
        })
        .collect();
    collect(workers, downloads, concurrency, started).await
}

async fn download(addr: SocketAddr, phone: &Phone, size: u64) -> anyhow::Result<()> {
    let mut conn = http::connect(addr, phone.tls.clone()).await?;
    let ua = phone.user_agent(REPORTED_VERSION);
    let head = http::head(
        "GET",
        &format!("/phone/{}/firmware", phone.mac),
        &[("User-Agent", &ua), ("Connection", "close")],
        0,
    );
    let response = conn.request(&head, &[], false).await?;
    if response.status != 200 {
        bail!("HTTP {}", response.status);
    }
    if response.body_len != size {
        bail!("{} bytes instead of {size}", response.body_len);
    }
    conn.wait_for_close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aastra_boot_asks_for_its_files_in_the_phones_order() {
        let files = aastra_files("00085D000001");
        let paths: Vec<(&str, u16)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        assert_eq!(
            paths,
            [
                ("/phone/aastra.cfg", 200),
                ("/phone/6757i.cfg", 200),
                ("/phone/00085D000001.cfg", 200),
                ("/phone/6757i.st", 404),
            ]
        );
    }

    #[test]
    fn the_median_round_carries_every_rounds_errors() {
        let round = |per_second, errors| Run {
            per_second,
            errors,
            error_samples: vec![format!("e{errors}")],
            ..Run::default()
        };
        let m = median_run(vec![round(3.0, 1), round(1.0, 0), round(2.0, 2)]).unwrap();
        assert_eq!(m.per_second, 2.0);
        assert_eq!(m.errors, 3);
        assert_eq!(m.error_samples, ["e1", "e0", "e2"]);
    }
}
