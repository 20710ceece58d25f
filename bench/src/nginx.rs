//! The peer a provider would otherwise deploy: nginx (the Debian package) verifying the phone
//! certificate against the same device CA (`ssl_verify_client on`) and serving a static
//! redirect file per MAC, the Aastra files of a native boot (`aastra.cfg`, `6757i.cfg`, one
//! `<MAC>.cfg` per phone, no `6757i.st`) and the firmware image. It runs as our own child
//! process with a generated configuration in the work folder, never as the system service.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls::ClientConfig;
use tokio::process::{Child, Command};

use crate::fixtures::{MODEL, SERVER_NAME, SERVER_URL};
use crate::pki::{Phone, Pki};
use crate::procs::{self, Memory};

/// The redirect answer each phone gets, shaped like rcs's `GET /phone/<mac>` answer.
pub fn redirect_json(mac: &str) -> String {
    format!(
        r#"{{"mac":"{mac}","actions":[{{"type":"redirect","server":"{SERVER_NAME}","url":"{SERVER_URL}"}}]}}"#
    )
}

/// An Aastra file with no MAC in its name (`aastra.cfg`, `6757i.cfg`) as rcs words it for the
/// phone `mac`: comments only. nginx serves one static copy to every phone, so its copy says
/// `<MAC>` where rcs names the phone.
pub fn aastra_common_cfg(file: &str, mac: &str) -> String {
    format!("# rcs: {file} for Aastra/Mitel phones.\n# What this phone is told is in {mac}.cfg.\n")
}

/// `<MAC>.cfg` as rcs writes it for a storm phone (no branding, no release pinned): the
/// redirect to the storm's configuration server, as `key: value` lines. The run compares it
/// with rcs's answer for one phone and notes any difference.
pub fn aastra_phone_cfg(mac: &str) -> String {
    let rest = SERVER_URL.split_once("://").map_or(SERVER_URL, |(_, r)| r);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let mut out = format!(
        "# rcs: Aastra/Mitel configuration for {mac}\n\
         # configuration server: {SERVER_NAME}\n\
         download protocol: HTTPS\n\
         https server: {host}\n\
         https path: {path}\n"
    );
    if let Some(port) = port {
        out.push_str(&format!("https port: {port}\n"));
    }
    out
}

pub struct Nginx {
    child: Child,
    pub addr: SocketAddr,
    pub memory: Memory,
}

impl Nginx {
    /// Writes the site (the files of each phone, the Aastra files every phone shares, the
    /// firmware image) and the configuration, starts nginx and waits until it answers.
    pub async fn start(
        bin: &str,
        dir: &Path,
        pki: &Pki,
        phones: &[Phone],
        firmware: &Path,
        probe: Arc<ClientConfig>,
    ) -> anyhow::Result<Nginx> {
        let www = dir.join("www");
        std::fs::create_dir_all(www.join("phone"))?;
        for phone in phones {
            std::fs::write(
                www.join("phone").join(format!("{}.json", phone.mac)),
                redirect_json(&phone.mac),
            )?;
            std::fs::write(
                www.join("phone").join(format!("{}.cfg", phone.mac)),
                aastra_phone_cfg(&phone.mac),
            )?;
        }
        for file in ["aastra.cfg".to_string(), format!("{MODEL}.cfg")] {
            std::fs::write(
                www.join("phone").join(&file),
                aastra_common_cfg(&file, "<MAC>"),
            )?;
        }
        std::fs::copy(firmware, www.join("firmware.bin"))?;
        std::fs::write(www.join("healthz"), "ok\n")?;
        let addr = procs::free_addr()?;
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(dir, &www, pki, addr))?;
        let mut child = Command::new(bin)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {bin} (apt-get install -y nginx)"))?;
        procs::started(&child);
        // The readiness probe presents a phone certificate: nginx demands one for every path.
        procs::wait_until_ready(&mut child, addr, probe, "/healthz", Duration::from_secs(20))
            .await
            .with_context(|| {
                format!(
                    "nginx did not start; see {}",
                    dir.join("error.log").display()
                )
            })?;
        let memory = Memory::of_tree(child.id().unwrap_or_default());
        Ok(Nginx {
            child,
            addr,
            memory,
        })
    }

    pub async fn stop(mut self) {
        procs::stop(&mut self.child).await;
    }
}

/// One worker per core (as rcs runs one HTTP worker per core), no session cache or tickets
/// (every phone does a full handshake), the access log on and buffered, as deployed.
fn config(dir: &Path, www: &Path, pki: &Pki, addr: SocketAddr) -> String {
    let p = |path: &Path| path.display().to_string();
    let d = |name: &str| p(&dir.join(name));
    let (www, cert, key, ca) = (
        p(www),
        p(&pki.server_cert),
        p(&pki.server_key),
        p(&pki.device_ca),
    );
    let user = if is_root() { "user root;\n" } else { "" };
    let temp: PathBuf = dir.join("temp");
    let temp = p(&temp);
    format!(
        r#"# Generated by rcs-bench for one run.
{user}daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile 65536;
pid {pid};
error_log {error} warn;
events {{ worker_connections 16384; }}
http {{
    access_log {access} combined buffer=64k flush=1s;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen {addr} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_client_certificate {ca};
        ssl_verify_client on;
        ssl_session_cache off;
        ssl_session_tickets off;
        root {www};
        default_type application/json;
        location = /healthz {{ default_type text/plain; }}
        location ~ "^/phone/([0-9A-F]{{12}})$" {{ try_files /phone/$1.json =404; }}
        location ~ "^/phone/[0-9A-F]{{12}}/firmware$" {{
            default_type application/octet-stream;
            try_files /firmware.bin =404;
        }}
        # An Aastra phone's native boot: the .cfg files as they are; <model>.st is absent (404)
        # while the phones run the release they should.
        location ~ "^/phone/[0-9A-Za-z]+\.cfg$" {{
            default_type text/plain;
            charset utf-8;
            add_header Cache-Control no-store;
        }}
        location ~ "^/phone/[0-9A-Za-z]+\.st$" {{ default_type application/octet-stream; }}
        location / {{ return 404; }}
    }}
}}
"#,
        pid = d("nginx.pid"),
        error = d("error.log"),
        access = d("access.log"),
    )
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_file_is_the_redirect_rcs_writes_for_a_storm_phone() {
        // rcs's api/src/device/native/aastra.rs for a phone with no branding and no release
        // pinned, assigned to the storm's server.
        assert_eq!(
            aastra_phone_cfg("00085D000001"),
            "# rcs: Aastra/Mitel configuration for 00085D000001\n\
             # configuration server: Main PBX\n\
             download protocol: HTTPS\n\
             https server: pbx.example.net\n\
             https path: cfg/\n"
        );
    }
}
