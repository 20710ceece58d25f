//! The `rcs` binary as the tests run it: operator commands (`rcs(..)` then `run(..)`), and
//! `rcs serve` as a child process with its log collected.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use super::app::{TestEnv, PASSWORD};
use super::client::routes;

/// The `rcs` binary with the test's data directory and database, and no stray RCS_* settings.
pub fn rcs(env: &TestEnv) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcs"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("RCS_")) {
        cmd.env_remove(key);
    }
    cmd.arg("--data-dir").arg(env.data_dir());
    cmd.arg("--database-url").arg(&env.settings.database_url);
    cmd
}

/// What a running `rcs serve` logged: every line so far, collected by a thread so the child
/// never blocks on a full pipe.
pub type ServeLog = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Starts `rcs serve` on a free HTTPS port with `envs` as its only settings (no RCS_* variable
/// of the test's environment leaks in); returns once it logged its port.
pub fn serve(envs: &[(&str, &std::ffi::OsStr)]) -> (std::process::Child, u16, ServeLog) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcs"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("RCS_")) {
        cmd.env_remove(key);
    }
    cmd.envs(envs.iter().copied())
        .args(["serve", "--https-addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("rcs serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let log = ServeLog::default();
    let port = loop {
        let Some(Ok(line)) = lines.next() else {
            let seen = log.lock().unwrap().join("\n");
            panic!("rcs serve ended before it was ready:\n{seen}");
        };
        log.lock().unwrap().push(line.clone());
        if let Some(rest) = line.split("https_port=").nth(1) {
            break rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap();
        }
    };
    let collected = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    (child, port, log)
}

/// [`serve`] with owned settings, waited for off the async runtime.
pub async fn serve_with(
    settings: &[(&'static str, std::ffi::OsString)],
) -> (std::process::Child, u16, ServeLog) {
    let settings = settings.to_vec();
    tokio::task::spawn_blocking(move || {
        let envs: Vec<(&str, &std::ffi::OsStr)> =
            settings.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        serve(&envs)
    })
    .await
    .expect("rcs serve started")
}

/// A client that trusts the server certificate in `certs` (`server.crt`: the one `rcs serve`
/// generated in its data directory's `tls/`, or one a test configured).
pub fn trusting(certs: &std::path::Path) -> reqwest::ClientBuilder {
    let server = std::fs::read(certs.join("server.crt")).expect("server.crt");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&server).unwrap())
}

/// Logs `email` in at `base` (`https://localhost:PORT`) and returns the session token.
pub async fn login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let answer = client
        .post(format!("{base}{}", routes::LOGIN))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `rcs account create` for `name` with the Super User `email` and the test password, as an
/// operator would run it; panics with the command's output when it fails.
pub async fn create_account(env: &TestEnv, name: &str, email: &str) {
    let mut create = rcs(env);
    create.args([
        "account",
        "create",
        "--name",
        name,
        "--super-user",
        email,
        "--password-stdin",
    ]);
    let (ok, out, err) = run(create, Some(PASSWORD)).await;
    assert!(ok, "rcs account create failed: {out}{err}");
}

/// Runs `cmd` to the end; returns success, stdout and stderr.
///
/// The waiting happens on tokio's blocking pool, not on the test's own thread: the test
/// runtime is single-threaded and also drives the in-process service, which must keep
/// running meanwhile. (Waiting on the runtime thread froze a node in the middle of a write
/// transaction, and the command then timed out on SQLite's write lock.)
pub async fn run(cmd: Command, stdin: Option<&str>) -> (bool, String, String) {
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || run_blocking(cmd, stdin.as_deref()))
        .await
        .expect("the command runner does not panic")
}

fn run_blocking(mut cmd: Command, stdin: Option<&str>) -> (bool, String, String) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("rcs runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
