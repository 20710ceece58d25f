//! `rcs config check`: reads the configuration the way `rcs serve` would and says, line by
//! line, what is right and what is wrong, without starting anything. Meant for the moment
//! before a restart or a deployment: a node that would fail at start-up fails here first,
//! with the file and the reason.

use std::net::SocketAddr;
use std::path::Path;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use secrecy::ExposeSecret;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::config::Settings;
use crate::db::Db;
use crate::device::ca;
use crate::tls;

/// Certificates closer than this to their end are reported as a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// How one item fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Works now, but needs attention (a certificate about to expire, a development default).
    Warning,
    /// `rcs serve` would fail, or would run without doing its job.
    Error,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Finding {
    pub verdict: Verdict,
    pub item: &'static str,
    pub detail: String,
}

impl Finding {
    fn new(verdict: Verdict, item: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            verdict,
            item,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = match self.verdict {
            Verdict::Ok => "ok     ",
            Verdict::Warning => "warning",
            Verdict::Error => "error  ",
        };
        write!(f, "{mark}  {:<12} {}", self.item, self.detail)
    }
}

/// Checks every part of `settings` that can be checked without serving: listen addresses,
/// certificates and keys, the device CA bundle, the database, mail, the data directory.
pub async fn run(settings: &Settings) -> Vec<Finding> {
    let mut findings = vec![Finding::new(
        Verdict::Ok,
        "settings",
        "the configuration file and RCS_* variables are valid",
    )];
    findings.extend(addresses(settings));
    findings.push(data_dir(&settings.data_dir));
    findings.extend(server_certificate(settings));
    findings.extend(device_ca(settings));
    findings.push(database(settings).await);
    findings.extend(mail(settings));
    findings.extend(secrets(settings));
    findings
}

fn addresses(settings: &Settings) -> Vec<Finding> {
    let listeners = [
        ("https_addr", Some(&settings.https_addr)),
        ("http_addr", settings.http_addr.as_ref()),
        ("metrics_addr", settings.metrics_addr.as_ref()),
    ];
    listeners
        .into_iter()
        .filter_map(|(name, addr)| addr.map(|a| (name, a)))
        .map(|(name, addr)| match addr.parse::<SocketAddr>() {
            Ok(a) => Finding::new(Verdict::Ok, name, format!("listens on {a}")),
            Err(_) => Finding::new(
                Verdict::Error,
                name,
                format!("{addr:?} is not an address and port such as 0.0.0.0:8443"),
            ),
        })
        .collect()
}

fn data_dir(dir: &Path) -> Finding {
    match crate::storage::ensure_writable(dir) {
        Ok(()) => Finding::new(
            Verdict::Ok,
            "data_dir",
            format!("{} is writable", dir.display()),
        ),
        Err(e) => Finding::new(Verdict::Error, "data_dir", format!("{e:#}")),
    }
}

fn server_certificate(settings: &Settings) -> Vec<Finding> {
    let (Some(cert), Some(key)) = (&settings.tls_cert, &settings.tls_key) else {
        return vec![Finding::new(
            Verdict::Warning,
            "tls_cert",
            "not set: a self-signed certificate in the data directory is used (browsers and \
             phones will not trust it)",
        )];
    };
    let chain = match tls::read_certs(cert) {
        Ok(chain) => chain,
        Err(e) => return vec![Finding::new(Verdict::Error, "tls_cert", format!("{e:#}"))],
    };
    let key_der = match PrivateKeyDer::from_pem_file(key) {
        Ok(k) => k,
        Err(e) => {
            return vec![Finding::new(
                Verdict::Error,
                "tls_key",
                format!("cannot read the private key {}: {e}", key.display()),
            )]
        }
    };
    let mut findings = vec![validity("tls_cert", cert, &chain[0])];
    let config = ServerConfig::builder_with_provider(tls::provider())
        .with_safe_default_protocol_versions()
        .map(|b| b.with_no_client_auth().with_single_cert(chain, key_der));
    findings.push(match config {
        Ok(Ok(_)) => Finding::new(
            Verdict::Ok,
            "tls_key",
            format!("{} matches the certificate", key.display()),
        ),
        Ok(Err(e)) | Err(e) => Finding::new(
            Verdict::Error,
            "tls_key",
            format!(
                "{} does not match the certificate {}: {e}",
                key.display(),
                cert.display()
            ),
        ),
    });
    findings
}

/// The subject and validity of a certificate, as a finding about `item`.
fn validity(
    item: &'static str,
    path: &Path,
    der: &rustls_pki_types::CertificateDer<'_>,
) -> Finding {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Finding::new(
            Verdict::Error,
            item,
            format!("{}: the certificate cannot be parsed", path.display()),
        );
    };
    let now = crate::db::now();
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let subject = cert.subject().to_string();
    let until = crate::db::rfc3339(not_after);
    if now < not_before {
        Finding::new(
            Verdict::Error,
            item,
            format!(
                "{} ({subject}) is not valid before {}",
                path.display(),
                crate::db::rfc3339(not_before)
            ),
        )
    } else if now >= not_after {
        Finding::new(
            Verdict::Error,
            item,
            format!("{} ({subject}) expired on {until}", path.display()),
        )
    } else if not_after - now < EXPIRY_WARNING_DAYS * 86_400 {
        Finding::new(
            Verdict::Warning,
            item,
            format!("{} ({subject}) expires soon, on {until}", path.display()),
        )
    } else {
        Finding::new(
            Verdict::Ok,
            item,
            format!("{} ({subject}), valid until {until}", path.display()),
        )
    }
}

fn device_ca(settings: &Settings) -> Vec<Finding> {
    let Some(path) = &settings.device_ca else {
        return vec![Finding::new(
            Verdict::Warning,
            "device_ca",
            "not set: only the development CA in the data directory and CAs added with \
             `rcs device-ca add` are trusted",
        )];
    };
    let pem = match std::fs::read_to_string(path) {
        Ok(pem) => pem,
        Err(e) => {
            return vec![Finding::new(
                Verdict::Error,
                "device_ca",
                format!("cannot read {}: {e}", path.display()),
            )]
        }
    };
    match ca::parse_bundle(&pem) {
        Ok(cas) => cas
            .iter()
            .map(|c| validity("device_ca", path, &c.der))
            .collect(),
        Err(e) => vec![Finding::new(
            Verdict::Error,
            "device_ca",
            format!("{}: {e}", path.display()),
        )],
    }
}

async fn database(settings: &Settings) -> Finding {
    let shown = redact(&settings.database_url);
    match Db::connect(&settings.database_url, 1).await {
        Ok(db) if db.is_ready().await => {
            let pending = db.pending_migrations().await.unwrap_or(0);
            if pending == 0 {
                Finding::new(
                    Verdict::Ok,
                    "database",
                    format!("{shown} answers; the schema is up to date"),
                )
            } else {
                Finding::new(
                    Verdict::Warning,
                    "database",
                    format!(
                        "{shown} answers; {pending} migration(s) are pending (`rcs migrate`, or \
                         the next `rcs serve`, applies them)"
                    ),
                )
            }
        }
        Ok(_) => Finding::new(
            Verdict::Error,
            "database",
            format!("{shown} does not answer"),
        ),
        Err(e) => Finding::new(
            Verdict::Error,
            "database",
            format!("{shown}: {}", e.root_cause()),
        ),
    }
}

fn mail(settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.push(match settings.mail_from.parse::<Mailbox>() {
        Ok(_) => Finding::new(Verdict::Ok, "mail_from", settings.mail_from.clone()),
        Err(e) => Finding::new(
            Verdict::Error,
            "mail_from",
            format!("{:?} is not a mail address: {e}", settings.mail_from),
        ),
    });
    findings.push(match &settings.smtp_url {
        None => Finding::new(
            Verdict::Warning,
            "smtp_url",
            "not set: mail (password reset links included) is written to the log",
        ),
        Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret()) {
            Ok(_) => Finding::new(
                Verdict::Ok,
                "smtp_url",
                format!(
                    "mail goes to {}",
                    crate::mail::server_of(url.expose_secret())
                ),
            ),
            Err(e) => Finding::new(
                Verdict::Error,
                "smtp_url",
                format!("not a valid SMTP URL (smtp://host:port, smtps://host): {e}"),
            ),
        },
    });
    findings
}

fn secrets(settings: &Settings) -> Vec<Finding> {
    match &settings.jwt_secret {
        None => vec![Finding::new(
            Verdict::Ok,
            "jwt_secret",
            "not set: a random secret kept in the database is used (shared by every node)",
        )],
        Some(s) if s.expose_secret().len() < 32 => vec![Finding::new(
            Verdict::Error,
            "jwt_secret",
            "shorter than 32 characters: session tokens could be forged by guessing it",
        )],
        Some(_) => vec![Finding::new(Verdict::Ok, "jwt_secret", "set")],
    }
}

/// A database URL without its password, for printing.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_printed_database_urls() {
        assert_eq!(
            redact("postgres://rcs:s3cret@db.example:5432/rcs"),
            "postgres://rcs:***@db.example:5432/rcs"
        );
        assert_eq!(
            redact("postgres://rcs@db.example/rcs"),
            "postgres://rcs@db.example/rcs"
        );
        assert_eq!(redact("sqlite://data/rcs.db"), "sqlite://data/rcs.db");
    }

    #[test]
    fn listen_addresses_must_be_socket_addresses() {
        let mut settings = Settings::with_data_dir("unused");
        settings.metrics_addr = Some("localhost:9100".into());
        let found = addresses(&settings);
        assert_eq!(found[0].verdict, Verdict::Ok);
        assert_eq!(found[1].verdict, Verdict::Error);
        assert!(found[1].detail.contains("localhost:9100"));
    }
}
