//! The `rcs` binary itself: operator commands and `rcs serve` with no configuration.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{start, Engine, TestEnv, PASSWORD};
use crate::on_both_engines;

on_both_engines!(cli_creates_and_lists_accounts_on_either_database);

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
        .post(format!("{base}/api/v1/auth/login"))
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

async fn cli_creates_and_lists_accounts_on_either_database(engine: Engine) {
    let env = TestEnv::new(engine).await;

    let mut create = rcs(&env);
    create.args([
        "account",
        "create",
        "--name",
        "Acme Telecom",
        "--super-user",
        "admin@acme.example",
        "--password-stdin",
    ]);
    let (ok, stdout, stderr) = run(create, Some(&format!("{PASSWORD}\n"))).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Created account \"Acme Telecom\""),
        "{stdout}"
    );
    assert!(
        !stdout.contains("One-time password"),
        "no password printed when one was given"
    );

    let mut generated = rcs(&env);
    generated.args([
        "account",
        "create",
        "--name",
        "Globex",
        "--super-user",
        "boss@globex.example",
    ]);
    let (ok, stdout, stderr) = run(generated, None).await;
    assert!(ok, "{stderr}");
    let one_time = stdout
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .expect("a generated password is printed")
        .to_string();
    assert!(one_time.len() >= 16);

    let mut duplicate = rcs(&env);
    duplicate.args([
        "account",
        "create",
        "--name",
        "Acme Telecom",
        "--super-user",
        "other@acme.example",
    ]);
    let (ok, _, stderr) = run(duplicate, None).await;
    assert!(!ok);
    assert!(stderr.contains("already exists"), "{stderr}");

    let mut weak = rcs(&env);
    weak.args([
        "account",
        "create",
        "--name",
        "Weak",
        "--super-user",
        "weak@weak.example",
        "--password-stdin",
    ]);
    let (ok, _, stderr) = run(weak, Some("short")).await;
    assert!(!ok);
    assert!(stderr.contains("at least 10 characters"), "{stderr}");

    let mut user = rcs(&env);
    user.args([
        "user",
        "add",
        "--account",
        "Acme Telecom",
        "--email",
        "staff@acme.example",
        "--role",
        "user",
    ]);
    let (ok, stdout, stderr) = run(user, None).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Added User staff@acme.example"), "{stdout}");

    let mut list = rcs(&env);
    list.args(["account", "list"]);
    let (ok, stdout, stderr) = run(list, None).await;
    assert!(ok, "{stderr}");
    let acme = stdout
        .lines()
        .find(|l| l.contains("Acme Telecom"))
        .expect("Acme listed");
    assert!(
        acme.split_whitespace().any(|w| w == "2"),
        "two users: {acme}"
    );
    assert!(stdout.contains("Globex"));
    assert!(
        !stdout.contains("Weak"),
        "a refused account was not created"
    );

    // Both passwords work against the running service on the same database.
    let app = start(env).await;
    assert_eq!(
        app.login("admin@acme.example", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        app.login("boss@globex.example", &one_time).await.status(),
        200
    );
}

/// `rcs serve` with nothing but a data directory: it starts, serves, and on SIGTERM lets an
/// in-flight request finish before exiting cleanly.
#[tokio::test]
async fn serve_starts_with_defaults_and_shuts_down_gracefully() {
    let env = TestEnv::new(Engine::Sqlite).await;
    create_account(&env, "Acme", "admin@acme.example").await;

    let data_dir = env.data_dir();
    let (mut child, port, _) = serve(&[
        ("RUST_LOG", "info".as_ref()),
        ("RCS_DATA_DIR", data_dir.as_os_str()),
    ]);

    let cert = std::fs::read(env.data_dir().join("tls/server.crt")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A login whose body arrives in two parts, the second after SIGTERM.
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = "{\"email\": \"admin@acme.example\", ".to_string();
    let second = format!("\"password\": \"{PASSWORD}\"}}");
    let body = futures_util::stream::unfold((0, Some(released)), move |(step, gate)| {
        let (first, second) = (first.clone(), second.clone());
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first), (1, gate))),
                1 => {
                    let _ = gate.unwrap().await;
                    Some((Ok(second), (2, None)))
                }
                _ => None,
            }
        }
    });
    let in_flight = tokio::spawn(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    release.send(()).unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);

    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "rcs exits cleanly on SIGTERM: {status}");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}
