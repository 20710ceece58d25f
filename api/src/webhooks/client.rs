//! The HTTP client deliveries go through: no redirects, no proxy, a time limit, and every
//! address checked when connecting (see [`super::address`]).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use super::address;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The answer's status, when one came.
    pub status: Option<u16>,
    /// Why it did not succeed, in words (never a secret); `None` for a 2xx.
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// One signed request to send.
pub struct Request<'a> {
    pub url: &'a str,
    pub event_id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: &'a str,
}

/// Resolves names with the system resolver and keeps only the addresses a webhook may reach.
struct CheckedResolver;

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| address::refused(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let why = found
                    .first()
                    .and_then(|a| address::refused(a.ip()))
                    .unwrap_or("no address");
                let message = format!(
                    "address not allowed: {host} resolves to {why} \
                     (webhook_allow_private is off)"
                );
                return Err(message.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends deliveries. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_private: bool,
}

impl Client {
    pub fn new(timeout: Duration, allow_private: bool) -> anyhow::Result<Client> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("rcs-webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(CheckedResolver));
        }
        Ok(Client {
            http: builder.build()?,
            allow_private,
        })
    }

    /// Posts one delivery; any answer but a 2xx, and any failure to get one, is an error.
    pub async fn send(&self, req: &Request<'_>) -> Outcome {
        let started = Instant::now();
        let elapsed = |started: Instant| i64::try_from(started.elapsed().as_millis()).unwrap_or(0);
        if let Err(error) = self.check_literal(req.url) {
            return Outcome {
                status: None,
                error: Some(error),
                latency_ms: 0,
            };
        }
        let sent = self
            .http
            .post(req.url)
            .header("content-type", "application/json")
            .header("webhook-id", req.event_id)
            .header("webhook-timestamp", req.timestamp.to_string())
            .header("webhook-signature", req.signature)
            .body(req.body.to_string())
            .send()
            .await;
        let outcome = match sent {
            Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16()), None),
            Ok(answer) => {
                let status = answer.status();
                // Read (and drop) a little of the body so the connection can be reused.
                let _ = tokio::time::timeout(Duration::from_secs(1), answer.bytes()).await;
                (Some(status.as_u16()), Some(format!("answered {status}")))
            }
            Err(e) => (None, Some(describe(&e))),
        };
        Outcome {
            status: outcome.0,
            error: outcome.1,
            latency_ms: elapsed(started),
        }
    }

    /// Refuses a URL whose host is a literal address in a refused range (the resolver is not
    /// asked about those).
    fn check_literal(&self, url: &str) -> Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        let url = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        match literal_ip(&url).and_then(|ip| address::refused(ip).map(|why| (ip, why))) {
            Some((ip, why)) => Err(format!(
                "address not allowed: {ip} is {why} (webhook_allow_private is off)"
            )),
            None => Ok(()),
        }
    }
}

/// The address a URL names literally, if it does.
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// A failed request in words: what kind of failure, then its causes (a refused address
/// among them), without the URL's query (which could carry a token).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_redirect() {
        "redirect not followed"
    } else {
        "request failed"
    };
    let mut words = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !words.contains(&text) {
            words.push_str(": ");
            words.push_str(&text);
        }
        source = cause.source();
    }
    words.chars().take(500).collect()
}
