//! Prometheus metrics, served on their own listener (`metrics_addr`, off by default).
//!
//! A separate plain-HTTP listener keeps the numbers off the public HTTPS port: operators bind
//! it to a private address their Prometheus scrapes. Everything here is per node (counters
//! since this process started), as Prometheus expects; sum them across nodes in queries.
//!
//! The registry is a handful of atomics and small maps keyed by low-cardinality labels
//! (route templates, outcomes, refusal codes), rendered by hand in the text exposition
//! format: no metrics crate is needed for that.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use rcs_shared::BootOutcome;

/// Upper bounds (seconds) of the request latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Every counter rcs keeps. One per process, in the application state.
#[derive(Default)]
pub struct Metrics {
    boots: Mutex<BTreeMap<&'static str, u64>>,
    refusals: Mutex<BTreeMap<&'static str, u64>>,
    downloads: Mutex<BTreeMap<&'static str, u64>>,
    tls_failures: Mutex<BTreeMap<&'static str, u64>>,
    connection_cuts: Mutex<BTreeMap<&'static str, u64>>,
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    import_rows: AtomicU64,
    webhook_deliveries: Mutex<BTreeMap<&'static str, u64>>,
    webhook_dropped: AtomicU64,
}

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default() += 1;
}

impl Metrics {
    /// A phone contact that was answered (or found unregistered), by outcome.
    pub fn boot(&self, outcome: BootOutcome) {
        bump(&self.boots, outcome.as_str());
    }

    /// A device request refused, by its error code (`certificate_expired`, ...).
    pub fn refusal(&self, code: &'static str) {
        bump(&self.refusals, code);
    }

    /// A download started: `firmware` or `branding`.
    pub fn download(&self, kind: &'static str) {
        bump(&self.downloads, kind);
    }

    /// A TLS handshake on the HTTPS listener that did not complete, by reason
    /// ([`crate::tls::handshake_failure_reason`]).
    pub fn tls_failure(&self, reason: &'static str) {
        bump(&self.tls_failures, reason);
    }

    /// A connection rcs closed because a time limit ran out (`header_timeout`, `idle`,
    /// `body_rate`, `response_rate`), or refused because its address had too many
    /// (`per_address_limit`).
    pub fn connection_cut(&self, reason: &'static str) {
        bump(&self.connection_cuts, reason);
    }

    /// Rows written by CSV imports.
    pub fn imported(&self, rows: u64) {
        self.import_rows.fetch_add(rows, Ordering::Relaxed);
    }

    /// One webhook delivery attempt, by result: `delivered`, `retry` or `failed`.
    pub fn webhook_delivery(&self, result: &'static str) {
        bump(&self.webhook_deliveries, result);
    }

    /// Webhook events not queued because the webhook's queue was full.
    pub fn webhook_dropped(&self, events: u64) {
        self.webhook_dropped.fetch_add(events, Ordering::Relaxed);
    }

    /// One finished request: its route template (never the raw path), status and duration.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        bump(&self.requests, (route.to_string(), status));
        let mut latency = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = latency.entry(route.to_string()).or_default();
        for (slot, bound) in h.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *slot += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// How many contacts of `outcome` were counted (for tests and logs).
    pub fn boots_of(&self, outcome: BootOutcome) -> u64 {
        let boots = self.boots.lock().unwrap_or_else(|e| e.into_inner());
        boots.get(outcome.as_str()).copied().unwrap_or(0)
    }

    /// The text exposition of everything: this node's counters and the `gauges` read at
    /// the time of the scrape.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        self.render_device(&mut out);
        self.render_http(&mut out);
        self.render_webhooks(&mut out);
        gauges.render(&mut out);
        out
    }

    fn render_webhooks(&self, out: &mut String) {
        counter_family(
            out,
            "rcs_webhook_deliveries_total",
            "Webhook delivery attempts by this node, by result (delivered, retry, failed).",
            "result",
            &self
                .webhook_deliveries
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        let _ = writeln!(
            out,
            "# HELP rcs_webhook_events_dropped_total Webhook events not queued: the webhook's queue was full.\n\
             # TYPE rcs_webhook_events_dropped_total counter\n\
             rcs_webhook_events_dropped_total {}",
            self.webhook_dropped.load(Ordering::Relaxed)
        );
    }

    fn render_device(&self, out: &mut String) {
        counter_family(
            out,
            "rcs_device_boots_total",
            "Phone boots answered at /phone/ (a native boot of several files counts once), by outcome (unknown: not registered).",
            "outcome",
            &self.boots.lock().unwrap_or_else(|e| e.into_inner()),
        );
        counter_family(
            out,
            "rcs_device_refusals_total",
            "Device requests refused, by reason (the error code the phone got).",
            "reason",
            &self.refusals.lock().unwrap_or_else(|e| e.into_inner()),
        );
        counter_family(
            out,
            "rcs_device_downloads_total",
            "Firmware images and branding files sent to phones.",
            "kind",
            &self.downloads.lock().unwrap_or_else(|e| e.into_inner()),
        );
        counter_family(
            out,
            "rcs_tls_handshake_failures_total",
            "TLS handshakes on the HTTPS listener that did not complete, by reason.",
            "reason",
            &self.tls_failures.lock().unwrap_or_else(|e| e.into_inner()),
        );
        counter_family(
            out,
            "rcs_connections_cut_total",
            "Connections closed by rcs because a time limit ran out, or refused at accept because their address had too many open, by reason.",
            "reason",
            &self.connection_cuts.lock().unwrap_or_else(|e| e.into_inner()),
        );
        let _ = writeln!(
            out,
            "# HELP rcs_import_rows_total Phone rows written by CSV imports.\n\
             # TYPE rcs_import_rows_total counter\n\
             rcs_import_rows_total {}",
            self.import_rows.load(Ordering::Relaxed)
        );
    }

    fn render_http(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP rcs_http_requests_total HTTP requests by route template and status.\n\
             # TYPE rcs_http_requests_total counter"
        );
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "rcs_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP rcs_http_request_duration_seconds Time to answer HTTP requests, by route template.\n\
             # TYPE rcs_http_request_duration_seconds histogram"
        );
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let route = escape(route);
            for (n, bound) in h.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "rcs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "rcs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 rcs_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 rcs_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
    }
}

/// The gauges of a scrape, read from the pool and the boot recorder at that moment.
pub struct Gauges {
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
    pub boot_events_queued: usize,
}

impl Gauges {
    fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP rcs_db_pool_connections Database connections of this node's pool, by state.\n\
             # TYPE rcs_db_pool_connections gauge\n\
             rcs_db_pool_connections{{state=\"idle\"}} {}\n\
             rcs_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP rcs_db_pool_max_connections The pool's size limit.\n\
             # TYPE rcs_db_pool_max_connections gauge\n\
             rcs_db_pool_max_connections {}\n\
             # HELP rcs_boot_events_queued Boot events answered but not yet written to the database.\n\
             # TYPE rcs_boot_events_queued gauge\n\
             rcs_boot_events_queued {}",
            self.pool_idle,
            u64::from(self.pool_size).saturating_sub(self.pool_idle as u64),
            self.pool_max,
            self.boot_events_queued
        );
    }
}

fn counter_family(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    values: &BTreeMap<&'static str, u64>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (value, n) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
    }
}

/// A label value in the exposition format: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts every request by its matched route template (`unmatched` for the web
/// UI's fallback and unknown paths, so raw paths never become labels).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        // Asked after routing: actix answers from the resource it matched, where asking
        // before routing runs the routes' patterns once more for every request.
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_string());
        metrics.request(
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

/// The answer to `GET /metrics` on the metrics listener.
pub fn exposition(metrics: &Metrics, gauges: &Gauges) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(gauges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_lands_in_every_bucket_at_or_above_it() {
        let m = Metrics::default();
        m.request("/phone/{mac}", 200, 0.003);
        m.request("/phone/{mac}", 401, 2.0);
        let latency = m.latency.lock().unwrap();
        let h = &latency["/phone/{mac}"];
        assert_eq!(h.count, 2);
        assert_eq!(h.buckets, [0, 0, 1, 1, 1, 1, 1, 1, 1, 2]);
        assert_eq!(
            m.requests.lock().unwrap()[&("/phone/{mac}".to_string(), 401)],
            1
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
