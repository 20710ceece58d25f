//! A minimal HTTP/1.1 client over TLS: exactly what the measurements need and nothing that
//! would cost time per request (no header maps, no body copies for downloads).
//!
//! Both ends of every measurement are under our control (rcs and a generated nginx), so the
//! parser handles the framings they use: `Content-Length`, `chunked`, and read-to-close.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// One TLS connection with a read buffer.
pub struct Conn {
    io: BufReader<TlsStream<TcpStream>>,
}

/// A response; `body` is empty when the caller asked not to keep it.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub body_len: u64,
    /// The server will close the connection after this response.
    pub close: bool,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("HTTP {}: not JSON: {}", self.status, self.text()))
    }
}

/// Opens TCP and completes the TLS handshake (with the configuration's client certificate).
pub async fn connect(addr: SocketAddr, tls: Arc<ClientConfig>) -> anyhow::Result<Conn> {
    let tcp = TcpStream::connect(addr).await.context("TCP connect")?;
    tcp.set_nodelay(true)?;
    let stream = TlsConnector::from(tls)
        .connect(ServerName::try_from("localhost")?, tcp)
        .await
        .context("TLS handshake")?;
    Ok(Conn {
        io: BufReader::with_capacity(64 * 1024, stream),
    })
}

/// The bytes of a request head (`Host: localhost`), with `Content-Length` when there is a body.
pub fn head(method: &str, path: &str, headers: &[(&str, &str)], body_len: usize) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    if body_len > 0 || matches!(method, "POST" | "PUT" | "PATCH") {
        out.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

impl Conn {
    /// Sends a request and reads its response.
    pub async fn request(
        &mut self,
        head: &[u8],
        body: &[u8],
        keep_body: bool,
    ) -> anyhow::Result<Response> {
        let stream = self.io.get_mut();
        stream.write_all(head).await?;
        if !body.is_empty() {
            stream.write_all(body).await?;
        }
        stream.flush().await?;
        self.response(keep_body).await
    }

    async fn line(&mut self, buf: &mut Vec<u8>) -> anyhow::Result<()> {
        buf.clear();
        let n = self.io.read_until(b'\n', buf).await?;
        if n == 0 {
            bail!("connection closed before the response was complete");
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(())
    }

    async fn response(&mut self, keep_body: bool) -> anyhow::Result<Response> {
        let mut line = Vec::with_capacity(128);
        self.line(&mut line).await?;
        let status_line = String::from_utf8_lossy(&line).into_owned();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {status_line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            self.line(&mut line).await?;
            if line.is_empty() {
                break;
            }
            let header = String::from_utf8_lossy(&line);
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = Some(value.parse::<u64>()?),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut response = Response {
            status,
            body: Vec::new(),
            body_len: 0,
            close,
        };
        if status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(response);
        }
        if chunked {
            loop {
                self.line(&mut line).await?;
                let size = String::from_utf8_lossy(&line);
                let size = size.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size, 16)
                    .with_context(|| format!("bad chunk size {size:?}"))?;
                if size == 0 {
                    // Trailers, up to the empty line.
                    loop {
                        self.line(&mut line).await?;
                        if line.is_empty() {
                            break;
                        }
                    }
                    break;
                }
                self.body(size, keep_body, &mut response).await?;
                self.line(&mut line).await?;
            }
        } else if let Some(length) = length {
            self.body(length, keep_body, &mut response).await?;
        } else {
            response.close = true;
            let mut rest = Vec::new();
            self.io.read_to_end(&mut rest).await?;
            response.body_len = rest.len() as u64;
            if keep_body {
                response.body = rest;
            }
        }
        Ok(response)
    }

    async fn body(&mut self, mut n: u64, keep: bool, into: &mut Response) -> anyhow::Result<()> {
        while n > 0 {
            let available = self.io.fill_buf().await?;
            if available.is_empty() {
                bail!("connection closed in the middle of the body");
            }
            let take = available
                .len()
                .min(usize::try_from(n).unwrap_or(usize::MAX));
            if keep {
                into.body.extend_from_slice(&available[..take]);
            }
            self.io.consume(take);
            n -= take as u64;
            into.body_len += take as u64;
        }
        Ok(())
    }

    /// Waits (briefly) for the server to close, so the server side of the TCP connection is
    /// the one left in TIME_WAIT, as with real phones that send `Connection: close`.
    pub async fn wait_for_close(mut self) {
        let mut sink = [0u8; 512];
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Ok(n) = self.io.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    }
}
