//! Outgoing mail: a queue in front of an SMTP server, or the log when none is configured.
//!
//! Handlers never talk to the SMTP server themselves. [`Mailer::send`] puts the mail on a
//! bounded queue and returns at once; one worker task delivers the queue in order. A slow or
//! unreachable mail server therefore delays only other mail, never an HTTP answer, and a
//! failed delivery is logged with what the mail was for and to whom, never shown to a client
//! (a reset request must look the same whether or not a mail went out).
//!
//! Without `smtp_url` the worker writes every mail, link included, to the log (development
//! mode, announced at start-up), so a mail is never dropped silently.

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::Settings;

/// Mails waiting beyond this are dropped (and logged): a flood of requests must not grow
/// memory without bound while the mail server is down.
const QUEUE_CAPACITY: usize = 1000;
/// Longest one SMTP conversation may take before the worker gives up on that mail.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// One mail to send: a plain-text part and an HTML part with the same content.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// What the mail is for (`password_reset`, `password_changed`), for the logs.
    pub kind: &'static str,
}

/// The sending side of the mail queue. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Mailer {
    queue: mpsc::Sender<Mail>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development mode: mail goes to the log.
    Log,
}

impl Mailer {
    /// Checks `smtp_url` and `mail_from` and starts the delivery worker on the current tokio
    /// runtime. The worker ends once every [`Mailer`] is dropped and the queue is empty.
    pub fn start(settings: &Settings) -> anyhow::Result<(Mailer, JoinHandle<()>)> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .with_context(|| format!("mail_from {:?} is not a mail address", settings.mail_from))?;
        let transport = match &settings.smtp_url {
            Some(url) => {
                let url = url.expose_secret();
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("smtp_url is not valid (use smtp://host:port, smtps://host, or smtp://user:pass@host:587?tls=required)")?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                tracing::info!(server = %server_of(url), from = %from, "mail goes out over SMTP");
                Transport::Smtp(transport)
            }
            None => {
                tracing::warn!(
                    "no SMTP server configured (smtp_url): development mode, mail (password \
                     reset links included) is written to this log instead of being sent"
                );
                Transport::Log
            }
        };
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let worker = tokio::spawn(deliver_all(receiver, from, transport));
        Ok((Mailer { queue }, worker))
    }

    /// Queues `mail` without waiting. A full or closed queue is logged, not returned: the
    /// caller's answer must not depend on mail.
    pub fn send(&self, mail: Mail) {
        if let Err(e) = self.queue.try_send(mail) {
            let (reason, mail) = match e {
                mpsc::error::TrySendError::Full(m) => ("the mail queue is full", m),
                mpsc::error::TrySendError::Closed(m) => ("the mail worker has stopped", m),
            };
            tracing::error!(kind = mail.kind, to = %mail.to, "mail dropped: {reason}");
        }
    }
}

/// The worker: delivers queued mail one after the other until the queue closes.
async fn deliver_all(mut receiver: mpsc::Receiver<Mail>, from: Mailbox, transport: Transport) {
    while let Some(mail) = receiver.recv().await {
        match &transport {
            Transport::Log => tracing::warn!(
                kind = mail.kind,
                to = %mail.to,
                subject = %mail.subject,
                body = %mail.text,
                "mail not sent (no SMTP server configured); its text follows"
            ),
            Transport::Smtp(smtp) => deliver(smtp, &from, mail).await,
        }
    }
}

async fn deliver(smtp: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox, mail: Mail) {
    let message = match build(from, &mail) {
        Ok(message) => message,
        Err(e) => {
            tracing::error!(kind = mail.kind, to = %mail.to, error = %e, "cannot build mail");
            return;
        }
    };
    match smtp.send(message).await {
        Ok(_) => tracing::info!(kind = mail.kind, to = %mail.to, "mail sent"),
        Err(e) => tracing::error!(
            kind = mail.kind,
            to = %mail.to,
            error = %e,
            "cannot send mail through the SMTP server"
        ),
    }
}

fn build(from: &Mailbox, mail: &Mail) -> anyhow::Result<Message> {
    let to: Mailbox = mail
        .to
        .parse()
        .with_context(|| format!("{:?} is not a mail address", mail.to))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(plain_body(&mail.text)),
                )
                .singlepart(SinglePart::html(mail.html.clone())),
        )
        .context("cannot assemble the message")
}

/// The plain-text part, unencoded (7bit) whenever that is valid: ASCII, lines shorter than
/// RFC 5322's 998 characters. lettre would otherwise pick quoted-printable for any line over
/// 76 characters, and a link broken by soft line breaks and `=3D` escapes cannot be copied
/// from a raw mail (as a local SMTP debugging server prints it). Anything else gets the
/// encoding lettre chooses.
fn plain_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let seven_bit = crlf.is_ascii()
        && !crlf.contains('\0')
        && crlf
            .split("\r\n")
            .all(|line| line.len() < 998 && !line.contains('\r'));
    if seven_bit {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_string())
    }
}

/// `host:port` of an SMTP URL without its scheme, credentials, path or query: safe to log.
pub(crate) fn server_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// Escapes text for an HTML body.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logged_server_name_carries_no_credentials() {
        assert_eq!(
            server_of("smtp://user:p@ss@mail.example:587?tls=required"),
            "mail.example:587"
        );
        assert_eq!(server_of("smtps://mail.example"), "mail.example");
        assert_eq!(server_of("smtp://127.0.0.1:2525/ehlo"), "127.0.0.1:2525");
    }

    #[test]
    fn plain_text_with_a_long_link_stays_readable() {
        let link = format!(
            "https://rcs.example/reset-password?token={}",
            "a".repeat(64)
        );
        let body = plain_body(&format!("Open:\n\n{link}\n"));
        assert_eq!(body.encoding(), ContentTransferEncoding::SevenBit);
        let raw = String::from_utf8(body.into_vec()).unwrap();
        assert_eq!(raw, format!("Open:\r\n\r\n{link}\r\n"));
        assert_ne!(
            plain_body("Grüße").encoding(),
            ContentTransferEncoding::SevenBit
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[tokio::test]
    async fn a_bad_smtp_url_or_sender_stops_start_up() {
        let mut settings = Settings::with_data_dir("/nonexistent");
        settings.smtp_url = Some("ftp://mail.example".to_string().into());
        assert!(Mailer::start(&settings).is_err());
        settings.smtp_url = None;
        settings.mail_from = "not an address".into();
        assert!(Mailer::start(&settings).is_err());
    }
}
