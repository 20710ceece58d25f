//! Settings: defaults, then a TOML file, then `RCS_*` environment variables, then flags.
//!
//! Every setting has one name used in all three places: `data_dir` in the file,
//! `RCS_DATA_DIR` in the environment, `--data-dir` on the command line (for the settings that
//! have a flag). A later layer wins. Unknown keys in the file are an error, so a typo does not
//! silently fall back to a default.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context};
use secrecy::SecretString;
use serde::Deserialize;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log shippers.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?} (use human or json)")),
        }
    }
}

/// Declares the settings once: the layer struct (every field optional), the list of keys,
/// the environment reader and the merge all follow from this one list.
macro_rules! settings_layer {
    ($($(#[doc = $doc:literal])* $field:ident : $ty:ty),* $(,)?) => {
        /// One layer of configuration: a file, the environment, or the command line.
        #[derive(Debug, Default, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Layer {
            $($(#[doc = $doc])* pub $field: Option<$ty>,)*
        }

        impl Layer {
            /// Every setting's name, as written in the TOML file.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Reads `RCS_<NAME>` for every setting from `lookup` (the process environment in
            /// production, a map in tests). Empty values count as unset.
            pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Layer> {
                let mut layer = Layer::default();
                $(
                    let var = format!("RCS_{}", stringify!($field).to_ascii_uppercase());
                    if let Some(value) = lookup(&var).filter(|v| !v.is_empty()) {
                        layer.$field = Some(value.parse::<$ty>().map_err(|e| {
                            anyhow::anyhow!("{var}={value:?} is not valid: {e}")
                        })?);
                    }
                )*
                Ok(layer)
            }

            /// This layer on top of `lower`: a value set here wins.
            pub fn over(self, lower: Layer) -> Layer {
                Layer { $($field: self.$field.or(lower.$field),)* }
            }
        }
    };
}

settings_layer! {
    /// Where rcs keeps its SQLite database, generated certificates and stored files.
    data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; default: `rcs.db` in the data directory.
    database_url: String,
    /// Largest number of pooled database connections.
    database_max_connections: u32,
    /// The HTTPS listener (web UI, API and device route).
    https_addr: String,
    /// An optional plain-HTTP listener, for running behind a TLS-terminating reverse proxy.
    http_addr: String,
    /// Address of the plain-HTTP Prometheus `/metrics` listener (keep it private); off when
    /// unset.
    metrics_addr: String,
    /// PEM server certificate chain; with `tls_key`. Default: generated self-signed.
    tls_cert: PathBuf,
    /// PEM private key for `tls_cert`.
    tls_key: PathBuf,
    /// PEM bundle of CAs that sign phone certificates. Default: a generated development CA.
    device_ca: PathBuf,
    /// HS256 secret for session tokens. Default: generated once and kept in the database.
    jwt_secret: String,
    /// How long a session token is valid, in seconds.
    token_ttl_secs: u64,
    /// Failed logins allowed per username (email) from one client address within
    /// `login_window_secs`; then that address may not try that username until the window
    /// passes. Other addresses are not affected.
    login_max_failures_per_email_and_client: u32,
    /// The old name of `login_max_failures_per_email_and_client`, still read (the new name
    /// wins). It used to block the username from every address, which let anyone lock its
    /// owner out.
    login_max_failures_per_email: u32,
    /// Failed logins allowed per client address (any username) within `login_window_secs`.
    login_max_failures_per_client: u32,
    /// Failed logins per username (from any address) within `login_window_secs` after which
    /// addresses that failed that username themselves must wait between attempts. Never a
    /// block: an address without failures of its own is not slowed down at all.
    login_slowdown_after_failures_per_email: u32,
    /// The longest wait of that slowdown, in seconds: it starts at 1 and doubles with every
    /// further failure of the username, up to this.
    login_max_slowdown_secs: u64,
    /// Length of the failed-login window, in seconds.
    login_window_secs: u64,
    /// Failed API-key attempts (an `rcs_` bearer that is unknown, revoked or expired) allowed
    /// per client address within `api_key_window_secs`; then that address's key attempts are
    /// refused (429) until the window passes. Valid keys are never counted.
    api_key_max_failures_per_client: u32,
    /// Length of the failed-API-key window, in seconds.
    api_key_window_secs: u64,
    /// Every user of the platform must log in with a second factor (TOTP); users without one
    /// set it up at their next login. Accounts can also require it for themselves.
    require_second_factor: bool,
    /// Password-reset requests allowed per email address within `login_window_secs`.
    reset_max_requests_per_email: u32,
    /// Password-reset requests allowed per client address within `login_window_secs`.
    reset_max_requests_per_client: u32,
    /// How long an emailed password-reset link stays valid, in seconds.
    reset_token_ttl_secs: u64,
    /// How long a new user's invitation link (to choose their password) stays valid, in
    /// seconds.
    invitation_ttl_secs: u64,
    /// The largest firmware release archive the console accepts, in bytes (512 MiB); what it
    /// unpacks to is bounded at twice this.
    firmware_upload_max_bytes: u64,
    /// CSV imports one node reads and parses at once (each may hold a 64 MiB file and its
    /// rows in memory); one more is answered 429 `imports_busy` with `Retry-After`.
    max_concurrent_imports: usize,
    /// Device answers a node keeps in memory (the device directory), so a phone asking again
    /// (a kept-alive connection, the files of a native boot, the next boot) costs no query;
    /// 0 turns it off. A change reaches the answers on its own node at once and on the
    /// others within a second.
    device_cache_entries: usize,
    /// Where mail goes: `smtp://host:port`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host`. Unset: mail is written to the log instead (development mode).
    smtp_url: String,
    /// The sender of rcs's mail (`rcs@example.com` or `rcs <rcs@example.com>`).
    mail_from: String,
    /// The address users reach rcs at, the base of links in mail. Default:
    /// `https://localhost:<port of https_addr>`.
    public_url: String,
    /// The address phones reach rcs at, the base of the download links in their boot answer
    /// (an `https://` URL). Default: `public_url`; with neither, the address the phone's
    /// connection arrived on. Request headers never choose it, unless `trust_forwarded_for`.
    device_url: String,
    /// Take the client address from `X-Forwarded-For`, and (with neither `device_url` nor
    /// `public_url`) the host of phones' links from `Forwarded`/`X-Forwarded-Host`/`Host`:
    /// only behind a trusted proxy.
    trust_forwarded_for: bool,
    /// Largest branding file, in bytes.
    branding_max_file_bytes: u64,
    /// Largest total of one branding's files, in bytes.
    branding_max_total_bytes: u64,
    /// HTTP worker threads; default: one per CPU core.
    workers: usize,
    /// TLS handshakes in progress at once, per worker; more connections wait in the kernel's
    /// accept queue, so a boot storm cannot exhaust CPU or memory with half-open handshakes.
    max_tls_handshakes: usize,
    /// Open connections per worker; beyond it new connections wait to be accepted.
    max_connections: usize,
    /// Seconds a client has to complete the TLS handshake and, separately, to send each
    /// request's headers (every request of a kept-alive connection, counted from its first
    /// byte): slow clients are cut off instead of holding a connection.
    request_timeout_secs: u64,
    /// Seconds a kept-alive connection may sit idle between an answer and the next request's
    /// first byte; 0 closes every connection after its answer.
    keep_alive_secs: u64,
    /// Least average rate, in bytes per second over each `min_rate_window_secs` the server
    /// spends waiting for it, at which a request body must arrive; 0: no minimum.
    request_body_min_bytes_per_sec: u64,
    /// Least average rate, in bytes per second over each `min_rate_window_secs` the server
    /// spends unable to write, at which a client must take its answer; 0: no minimum.
    response_min_bytes_per_sec: u64,
    /// The window, in seconds, over which the two minimum rates are measured: a transfer that
    /// stops is cut after one window of silence, one that trickles within two windows.
    min_rate_window_secs: u64,
    /// Open connections per client address on the HTTPS listener (IPv6: per /64); more are
    /// closed at once, before their TLS handshake. 0: no limit. Not applied to `http_addr`,
    /// whose clients are the proxy's addresses.
    max_connections_per_address: usize,
    /// `Strict-Transport-Security` max-age sent on the HTTPS listener, in seconds; 0 sends
    /// none. Browsers then refuse plain HTTP and certificate click-through for the host.
    hsts_max_age_secs: u64,
    /// Days boot events are kept; older ones are deleted. 0 keeps them forever.
    boot_event_retention_days: u64,
    /// Most boot events kept that belong to no account (unregistered MACs, requests without
    /// a trusted certificate: anybody can cause them); housekeeping deletes the oldest beyond.
    unattributed_boot_events_max: u64,
    /// Let webhooks reach loopback, private (RFC 1918), link-local, CGNAT, unique-local and
    /// other non-public addresses. Off: such addresses are refused when a webhook is saved
    /// (literal IPs) and whenever a delivery connects (names), against DNS rebinding.
    webhook_allow_private: bool,
    /// Most deliveries waiting per webhook; events beyond are not queued (counted as dropped).
    webhook_queue_max: u64,
    /// Seconds one delivery attempt may take (connecting, sending, the answer's head).
    webhook_timeout_secs: u64,
    /// Seconds before the first retry; each further retry waits twice as long (at most an
    /// hour).
    webhook_backoff_secs: u64,
    /// Seconds after an event during which its delivery is retried; then it is failed.
    webhook_retry_for_secs: u64,
    /// Milliseconds between looks for due deliveries (events queued by other nodes, retries
    /// coming due); this node's own events are delivered at once.
    webhook_poll_ms: u64,
    /// Days finished (delivered or failed) deliveries are kept; 0 keeps them forever.
    webhook_delivery_retention_days: u64,
    /// `human` or `json`.
    log_format: LogFormat,
    /// A tracing filter such as `info` or `rcs=debug,info`.
    log_filter: String,
}

/// The resolved configuration the application runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub https_addr: String,
    pub http_addr: Option<String>,
    pub metrics_addr: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub device_ca: Option<PathBuf>,
    pub jwt_secret: Option<SecretString>,
    pub token_ttl_secs: u64,
    pub login_max_failures_per_email_and_client: u32,
    pub login_max_failures_per_client: u32,
    pub login_slowdown_after_failures_per_email: u32,
    pub login_max_slowdown_secs: u64,
    pub require_second_factor: bool,
    pub login_window_secs: u64,
    pub api_key_max_failures_per_client: u32,
    pub api_key_window_secs: u64,
    pub reset_max_requests_per_email: u32,
    pub reset_max_requests_per_client: u32,
    pub reset_token_ttl_secs: u64,
    pub invitation_ttl_secs: u64,
    pub firmware_upload_max_bytes: u64,
    pub max_concurrent_imports: usize,
    pub device_cache_entries: usize,
    /// Kept secret: the URL may carry the SMTP password.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// Without a trailing slash. `None`: derived from the bound HTTPS port at start-up.
    pub public_url: Option<String>,
    /// `https://`, without a trailing slash. `None`: `public_url`, else the connection's
    /// address.
    pub device_url: Option<String>,
    pub trust_forwarded_for: bool,
    /// Largest branding file, in bytes (at least 1).
    pub branding_max_file_bytes: u64,
    /// Largest total of one branding's files, in bytes (at least 1).
    pub branding_max_total_bytes: u64,
    pub workers: usize,
    pub max_tls_handshakes: usize,
    pub max_connections: usize,
    pub request_timeout_secs: u64,
    pub keep_alive_secs: u64,
    pub request_body_min_bytes_per_sec: u64,
    pub response_min_bytes_per_sec: u64,
    /// At least 1.
    pub min_rate_window_secs: u64,
    pub max_connections_per_address: usize,
    pub hsts_max_age_secs: u64,
    pub boot_event_retention_days: u64,
    pub unattributed_boot_events_max: u64,
    pub webhook_allow_private: bool,
    /// At least 1.
    pub webhook_queue_max: u64,
    /// At least 1.
    pub webhook_timeout_secs: u64,
    pub webhook_backoff_secs: u64,
    pub webhook_retry_for_secs: u64,
    /// At least 10.
    pub webhook_poll_ms: u64,
    pub webhook_delivery_retention_days: u64,
    pub log_format: LogFormat,
    pub log_filter: String,
}

impl Settings {
    /// Defaults for a data directory: SQLite inside it, HTTPS on 0.0.0.0:8443.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Settings {
        Settings::resolve(Layer {
            data_dir: Some(data_dir.into()),
            ..Layer::default()
        })
        .expect("defaults are valid")
    }

    /// Fills every unset value of `layer` with its default.
    pub fn resolve(layer: Layer) -> anyhow::Result<Settings> {
        let (public_url, device_url) = parse_urls(&layer)?;
        let data_dir = layer.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        let database_url = layer
            .database_url
            .unwrap_or_else(|| default_sqlite_url(&data_dir));
        if layer.tls_cert.is_some() != layer.tls_key.is_some() {
            bail!("tls_cert and tls_key must be set together");
        }
        let token_ttl_secs = at_least_one(layer.token_ttl_secs.unwrap_or(3600), "token_ttl_secs")?;
        let reset_token_ttl_secs = at_least_one(
            layer.reset_token_ttl_secs.unwrap_or(1800),
            "reset_token_ttl_secs",
        )?;
        Ok(Settings {
            database_url,
            database_max_connections: layer.database_max_connections.unwrap_or(16).max(1),
            https_addr: layer.https_addr.unwrap_or_else(|| "0.0.0.0:8443".into()),
            http_addr: layer.http_addr,
            metrics_addr: layer.metrics_addr,
            tls_cert: layer.tls_cert,
            tls_key: layer.tls_key,
            device_ca: layer.device_ca,
            jwt_secret: layer.jwt_secret.map(SecretString::from),
            token_ttl_secs,
            login_max_failures_per_email_and_client: layer
                .login_max_failures_per_email_and_client
                .or(layer.login_max_failures_per_email)
                .unwrap_or(10),
            login_max_failures_per_client: layer.login_max_failures_per_client.unwrap_or(50),
            login_slowdown_after_failures_per_email: layer
                .login_slowdown_after_failures_per_email
                .unwrap_or(20),
            login_max_slowdown_secs: layer.login_max_slowdown_secs.unwrap_or(30),
            require_second_factor: layer.require_second_factor.unwrap_or(false),
            login_window_secs: layer.login_window_secs.unwrap_or(900).max(1),
            api_key_max_failures_per_client: layer.api_key_max_failures_per_client.unwrap_or(20),
            api_key_window_secs: layer.api_key_window_secs.unwrap_or(900).max(1),
            reset_max_requests_per_email: layer.reset_max_requests_per_email.unwrap_or(3),
            reset_max_requests_per_client: layer.reset_max_requests_per_client.unwrap_or(20),
            reset_token_ttl_secs,
            invitation_ttl_secs: layer.invitation_ttl_secs.unwrap_or(7 * 86_400).max(60),
            firmware_upload_max_bytes: layer
                .firmware_upload_max_bytes
                .unwrap_or(512 * 1024 * 1024)
                .max(1024),
            max_concurrent_imports: layer.max_concurrent_imports.unwrap_or(2).max(1),
            device_cache_entries: layer.device_cache_entries.unwrap_or(100_000),
            smtp_url: layer.smtp_url.map(SecretString::from),
            mail_from: layer.mail_from.unwrap_or_else(|| "rcs@localhost".into()),
            public_url,
            device_url,
            trust_forwarded_for: layer.trust_forwarded_for.unwrap_or(false),
            branding_max_file_bytes: layer.branding_max_file_bytes.unwrap_or(1 << 20).max(1),
            branding_max_total_bytes: layer.branding_max_total_bytes.unwrap_or(8 << 20).max(1),
            workers: layer.workers.unwrap_or(0),
            max_tls_handshakes: layer.max_tls_handshakes.unwrap_or(256).max(1),
            max_connections: layer.max_connections.unwrap_or(25_000).max(1),
            request_timeout_secs: layer.request_timeout_secs.unwrap_or(10).max(1),
            keep_alive_secs: layer.keep_alive_secs.unwrap_or(5),
            request_body_min_bytes_per_sec: layer.request_body_min_bytes_per_sec.unwrap_or(1024),
            response_min_bytes_per_sec: layer.response_min_bytes_per_sec.unwrap_or(1024),
            min_rate_window_secs: layer.min_rate_window_secs.unwrap_or(10).max(1),
            max_connections_per_address: layer.max_connections_per_address.unwrap_or(1024),
            hsts_max_age_secs: layer.hsts_max_age_secs.unwrap_or(31_536_000),
            boot_event_retention_days: layer.boot_event_retention_days.unwrap_or(90),
            unattributed_boot_events_max: layer.unattributed_boot_events_max.unwrap_or(100_000),
            webhook_allow_private: layer.webhook_allow_private.unwrap_or(false),
            webhook_queue_max: layer.webhook_queue_max.unwrap_or(10_000).max(1),
            webhook_timeout_secs: layer.webhook_timeout_secs.unwrap_or(10).max(1),
            webhook_backoff_secs: layer.webhook_backoff_secs.unwrap_or(5),
            webhook_retry_for_secs: layer.webhook_retry_for_secs.unwrap_or(86_400),
            webhook_poll_ms: layer.webhook_poll_ms.unwrap_or(1_000).max(10),
            webhook_delivery_retention_days: layer.webhook_delivery_retention_days.unwrap_or(30),
            log_format: layer.log_format.unwrap_or(LogFormat::Human),
            log_filter: layer.log_filter.unwrap_or_else(|| "info".into()),
            data_dir,
        })
    }

    /// Layers flags over the environment over the file named by `config` (if any).
    pub fn load(config: Option<&Path>, flags: Layer) -> anyhow::Result<Settings> {
        let file = match config {
            Some(path) => Layer::from_toml_file(path)?,
            None => Layer::default(),
        };
        let env = Layer::from_env(|k| std::env::var(k).ok())?;
        Settings::resolve(flags.over(env.over(file)))
    }

    /// True when the database is a file in the data directory (embedded SQLite).
    pub fn database_is_embedded(&self) -> bool {
        crate::db::Dialect::from_url(&self.database_url).is_ok_and(|d| d.is_embedded())
    }
}

/// A lifetime of zero would make every token expire as it is issued: refused at start-up
/// rather than silently raised, since it is almost certainly a typo.
fn at_least_one(value: u64, name: &str) -> anyhow::Result<u64> {
    if value == 0 {
        bail!("{name} must be at least 1");
    }
    Ok(value)
}

impl Layer {
    pub fn from_toml_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        Layer::from_toml(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Layer> {
        Ok(toml::from_str(text)?)
    }
}

/// Checks that the setting `name` is an absolute URL with one of `schemes` and drops a
/// trailing slash, so links are `{public_url}/reset-password?...` without a double slash.
fn parse_base_url(name: &str, input: &str, schemes: &[&str]) -> anyhow::Result<String> {
    let url = input.trim().trim_end_matches('/');
    let host = schemes.iter().find_map(|scheme| url.strip_prefix(scheme));
    match host {
        Some(rest) if !rest.is_empty() && !rest.contains(['?', '#', ' ']) => Ok(url.to_string()),
        _ => bail!(
            "{name} {input:?} must be an absolute {} URL",
            schemes.join(" or ")
        ),
    }
}

/// `public_url` and `device_url`, checked (see [`parse_base_url`]).
fn parse_urls(layer: &Layer) -> anyhow::Result<(Option<String>, Option<String>)> {
    let public_url = layer
        .public_url
        .as_deref()
        .map(|u| parse_base_url("public_url", u, &["https://", "http://"]))
        .transpose()?;
    let device_url = layer
        .device_url
        .as_deref()
        .map(|u| parse_base_url("device_url", u, &["https://"]))
        .transpose()?;
    Ok((public_url, device_url))
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("rcs.db").display())
}

#[cfg(test)]
mod tests;
