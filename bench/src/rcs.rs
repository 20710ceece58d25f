//! rcs under test: its operator CLI (accounts, firmware catalog), the `rcs serve` process on
//! one engine, and a small client for the staff API (login, servers, phones, import, list).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use rustls::ClientConfig;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

use crate::http::{self, Conn, Response};
use crate::pki::Pki;
use crate::procs::{self, Memory};

/// The JWT secret of every bench instance (fixed: nothing secret is at stake).
const JWT_SECRET: &str = "rcs-bench-jwt-secret-rcs-bench-jwt-secret";

/// How to run the `rcs` binary against one database.
#[derive(Clone)]
pub struct Instance {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub device_ca: PathBuf,
    pub workers: usize,
    pub addr: SocketAddr,
}

impl Instance {
    pub fn new(
        bin: &Path,
        data_dir: PathBuf,
        database_url: String,
        pki: &Pki,
        workers: usize,
    ) -> anyhow::Result<Instance> {
        std::fs::create_dir_all(&data_dir)?;
        Ok(Instance {
            bin: bin.to_path_buf(),
            data_dir,
            database_url,
            tls_cert: pki.server_cert.clone(),
            tls_key: pki.server_key.clone(),
            device_ca: pki.device_ca.clone(),
            workers,
            addr: procs::free_addr()?,
        })
    }

    /// `rcs <args>` with this instance's settings and nothing inherited from our own `RCS_*`.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("RCS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("RCS_DATA_DIR", &self.data_dir)
            .env("RCS_DATABASE_URL", &self.database_url)
            .env("RCS_TLS_CERT", &self.tls_cert)
            .env("RCS_TLS_KEY", &self.tls_key)
            .env("RCS_DEVICE_CA", &self.device_ca)
            .env("RCS_JWT_SECRET", JWT_SECRET)
            .env("RCS_HTTPS_ADDR", self.addr.to_string())
            // Every simulated phone connects from this one machine's address: the per-address
            // limit (256 by default) would refuse the boot storm's 256 connections in flight.
            .env("RCS_MAX_CONNECTIONS_PER_ADDRESS", "0")
            .env(
                "RCS_PUBLIC_URL",
                format!("https://localhost:{}", self.addr.port()),
            );
        if self.workers > 0 {
            cmd.env("RCS_WORKERS", self.workers.to_string());
        }
        if let Ok(n) = std::env::var("RCS_BENCH_RCS_DB_CONNECTIONS") {
            cmd.env("RCS_DATABASE_MAX_CONNECTIONS", n);
        }
        cmd.stdin(Stdio::null()).kill_on_drop(true);
        cmd
    }

    /// Runs an operator command (`account create`, `firmware import`, ...).
    pub async fn cli(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
        let mut cmd = self.command();
        cmd.args(args);
        let Some(input) = stdin else {
            return procs::output(&mut cmd).await;
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut pipe = child.stdin.take().context("no stdin")?;
        pipe.write_all(input.as_bytes()).await?;
        drop(pipe);
        let out = child.wait_with_output().await?;
        if !out.status.success() {
            bail!(
                "rcs {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Creates an account whose Super User logs in with `password`.
    pub async fn create_account(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.cli(
            &[
                "account",
                "create",
                "--name",
                name,
                "--super-user",
                email,
                "--password-stdin",
            ],
            Some(password),
        )
        .await
        .map(drop)
    }

    /// Starts `rcs serve`, logging to `rcs.log` in the data directory, and waits for /healthz.
    pub async fn serve(&self, probe: Arc<ClientConfig>) -> anyhow::Result<Server> {
        let log = std::fs::File::create(self.data_dir.join("rcs.log"))?;
        let mut child = self
            .command()
            .arg("serve")
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", self.bin.display()))?;
        procs::started(&child);
        procs::wait_until_ready(
            &mut child,
            self.addr,
            probe,
            "/healthz",
            Duration::from_secs(120),
        )
        .await
        .with_context(|| {
            format!(
                "rcs did not start; see {}",
                self.data_dir.join("rcs.log").display()
            )
        })?;
        let memory = Memory::of_tree(child.id().unwrap_or_default());
        Ok(Server { child, memory })
    }
}

/// A running `rcs serve`.
pub struct Server {
    child: Child,
    pub memory: Memory,
}

impl Server {
    pub async fn stop(mut self) {
        procs::stop(&mut self.child).await;
    }
}

/// A staff session on the API over one kept-alive connection.
pub struct Api {
    addr: SocketAddr,
    tls: Arc<ClientConfig>,
    conn: Option<Conn>,
    token: Option<String>,
}

impl Api {
    pub fn new(addr: SocketAddr, tls: Arc<ClientConfig>) -> Api {
        Api {
            addr,
            tls,
            conn: None,
            token: None,
        }
    }

    /// One call; reconnects once when a kept-alive connection turns out to be closed.
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<Response> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", content_type)];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        let head = http::head(method, path, &headers, body.len());
        for attempt in 0..2 {
            let reused = self.conn.is_some();
            if self.conn.is_none() {
                self.conn = Some(http::connect(self.addr, self.tls.clone()).await?);
            }
            let conn = self.conn.as_mut().expect("connected above");
            match conn.request(&head, body, true).await {
                Ok(response) => {
                    if response.close {
                        self.conn = None;
                    }
                    return Ok(response);
                }
                Err(e) if reused && attempt == 0 => {
                    self.conn = None;
                    let _ = e;
                }
                Err(e) => return Err(e.context(format!("{method} {path}"))),
            }
        }
        unreachable!("the second attempt returns")
    }

    /// A call that must succeed (2xx), answering its JSON.
    pub async fn json(&mut self, method: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body)?
        };
        let response = self.call(method, path, "application/json", &bytes).await?;
        ok(&response, method, path)?;
        response.json()
    }

    pub async fn login(&mut self, email: &str, password: &str) -> anyhow::Result<()> {
        let answer = self
            .json(
                "POST",
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await?;
        self.token = Some(
            answer["token"]
                .as_str()
                .context("login answered no token")?
                .to_string(),
        );
        Ok(())
    }

    /// Creates a configuration server; answers its id.
    pub async fn create_server(&mut self, name: &str, url: &str) -> anyhow::Result<i64> {
        let answer = self
            .json(
                "POST",
                "/api/v1/servers",
                &json!({"name": name, "url": url}),
            )
            .await?;
        answer["id"].as_i64().context("server without id")
    }

    /// Registers MACs (10,000 per call, the API's limit) on a server, optionally pinned.
    pub async fn add_phones(
        &mut self,
        macs: &[String],
        server_id: i64,
        firmware: Option<&str>,
    ) -> anyhow::Result<()> {
        for batch in macs.chunks(10_000) {
            self.json(
                "POST",
                "/api/v1/phones",
                &json!({"macs": batch, "server_id": server_id, "firmware": firmware}),
            )
            .await?;
        }
        Ok(())
    }
}

/// Fails unless the response is 2xx, quoting its body.
pub fn ok(response: &Response, method: &str, path: &str) -> anyhow::Result<()> {
    if !(200..300).contains(&response.status) {
        bail!(
            "{method} {path}: HTTP {}: {}",
            response.status,
            response.text().chars().take(500).collect::<String>()
        );
    }
    Ok(())
}
