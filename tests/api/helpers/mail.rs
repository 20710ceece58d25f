//! Mail for the tests: a small SMTP server on loopback that records what it receives, and the
//! application configured to send through it (`spawn_app_with_mail`).
//!
//! rcs sends through its real lettre transport to this server, so the tests cover the whole
//! path a mail takes (queue, SMTP conversation, MIME) rather than a stub. It speaks the part of
//! RFC 5321 a plain-text client needs: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET,
//! NOOP and QUIT; anything else gets 502.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcs::config::Settings;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::app::{spawn_app_with, Engine, TestApp};
use super::client::routes;

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA section: headers and MIME body, CRLF line ends, dots unstuffed.
    pub data: String,
}

impl ReceivedMail {
    /// The decoded value of the `Subject:` header (plain ASCII subjects only).
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }

    /// The text of the message with the quoted-printable parts decoded (soft breaks and
    /// escapes undone) and the others as they are, so links and sentences can be searched
    /// for whatever transfer encoding lettre picked for each part.
    ///
    /// Only parts that declare quoted-printable are decoded: decoding a 7bit part would turn
    /// the `=3d` of a link whose token starts with `3d` into `=`, and one reset test in 256
    /// then read a token two characters short.
    pub fn decoded(&self) -> String {
        let mut out = String::new();
        let mut part = String::new();
        let mut quoted_printable = false;
        let finish = |part: &str, qp: bool| {
            if qp {
                decode_quoted_printable(part)
            } else {
                part.to_string()
            }
        };
        for line in self.data.split("\r\n") {
            let boundary =
                line.len() > 2 && line.starts_with("--") && !line.contains(char::is_whitespace);
            if boundary {
                out.push_str(&finish(&part, quoted_printable));
                part.clear();
                quoted_printable = false;
                out.push_str(line);
                out.push_str("\r\n");
                continue;
            }
            if line.eq_ignore_ascii_case("content-transfer-encoding: quoted-printable") {
                quoted_printable = true;
            }
            part.push_str(line);
            part.push_str("\r\n");
        }
        out.push_str(&finish(&part, quoted_printable));
        out
    }

    /// The token of the first `/reset-password?token=` link in the message.
    pub fn reset_token(&self) -> Option<String> {
        let text = self.decoded();
        let start = text.find("/reset-password?token=")? + "/reset-password?token=".len();
        let token: String = text[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        (!token.is_empty()).then_some(token)
    }

    /// The whole first reset link (`https://...`).
    pub fn reset_link(&self) -> Option<String> {
        let text = self.decoded();
        let end = text.find("/reset-password?token=")?;
        let start = text[..end].rfind("http")?;
        let token = self.reset_token()?;
        Some(format!(
            "{}/reset-password?token={token}",
            &text[start..end]
        ))
    }
}

fn decode_quoted_printable(input: &str) -> String {
    let joined = input.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The server: its port and everything it has received so far.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (r, a) = (received.clone(), arrived.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, r.clone(), a.clone()));
            }
        });
        SmtpServer {
            port,
            received,
            arrived,
            task,
        }
    }

    /// The `smtp_url` that points rcs here.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to ten seconds) until `count` messages have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            let mails = self.received();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {count} mails, got {}: {mails:#?}", mails.len());
            }
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client connection, answered command by command.
async fn session(stream: TcpStream, received: Arc<Mutex<Vec<ReceivedMail>>>, arrived: Arc<Notify>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write
        .write_all(b"220 test-smtp ESMTP ready\r\n")
        .await
        .is_err()
    {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: String = match verb.as_str() {
            "EHLO" => "250-test-smtp greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into(),
            "HELO" => "250 test-smtp\r\n".into(),
            "MAIL" => {
                from = address_in(&command);
                to.clear();
                "250 OK\r\n".into()
            }
            "RCPT" => {
                to.push(address_in(&command));
                "250 OK\r\n".into()
            }
            "DATA" if to.is_empty() => "503 RCPT first\r\n".into(),
            "DATA" => {
                if write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else {
                    return;
                };
                received.lock().unwrap().push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                arrived.notify_waiters();
                "250 OK queued\r\n".into()
            }
            "RSET" => {
                from.clear();
                to.clear();
                "250 OK\r\n".into()
            }
            "NOOP" => "250 OK\r\n".into(),
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => "502 Command not implemented\r\n".into(),
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The DATA section up to the lone dot, with leading dots unstuffed.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == ".\r\n" || line == ".\n" {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

/// `<a@b>` from `MAIL FROM:<a@b> BODY=8BITMIME` or `RCPT TO:<a@b>`.
fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(addr, _)| addr.to_string())
        .unwrap_or_default()
}

/// The reading of received mail itself: a 7bit link whose token starts with `3d` (which a
/// quoted-printable decoder would read as an escaped `=`) keeps all 64 characters.
/// The app with its mail going to a fresh test SMTP server.
pub async fn spawn_app_with_mail(
    engine: Engine,
    tweak: impl FnOnce(&mut Settings),
) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_app_with(engine, |s| {
        s.smtp_url = Some(url.into());
        s.mail_from = "rcs@test.example".into();
        tweak(s);
    })
    .await;
    (app, smtp)
}

impl TestApp {
    pub async fn request_reset(&self, email: &str) -> reqwest::Response {
        self.client
            .post(self.url(routes::PASSWORD_RESET))
            .json(&json!({ "email": email }))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn confirm_reset(&self, token: &str, new_password: &str) -> reqwest::Response {
        self.client
            .post(self.url(routes::PASSWORD_RESET_CONFIRM))
            .json(&json!({ "token": token, "new_password": new_password }))
            .send()
            .await
            .expect("request sent")
    }
}

#[test]
fn a_seven_bit_link_is_read_whole_whatever_its_token_starts_with() {
    let token = format!("3d{}", "a".repeat(62));
    let data = format!(
        "Subject: Reset\r\nContent-Type: multipart/alternative; boundary=\"XYZ\"\r\n\r\n--XYZ\r\n\
         Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
         https://rcs.example/reset-password?token={token}\r\n--XYZ\r\n\
         Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         <a href=3D\"https://rcs.example/reset-password?token=3D{token}\">Reset</a>\r\n--XYZ--\r\n"
    );
    let mail = ReceivedMail {
        from: String::new(),
        to: Vec::new(),
        data,
    };
    assert_eq!(mail.reset_token().as_deref(), Some(token.as_str()));
    assert!(mail.decoded().contains(&format!(
        "href=\"https://rcs.example/reset-password?token={token}\""
    )));
}
