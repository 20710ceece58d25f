//! The README's newcomer flow, with curl playing an Aastra 6757i and a Yealink T46S against
//! the real binary, as "Playing the phone" shows it.

use std::process::Command;

use rcs_shared::DeviceAnswer;
use serde_json::Value;

use crate::helpers::cli::{create_account, rcs, run, serve};
use crate::helpers::device::{kinds, IMAGE_SHA, IMAGE_SIZE, MAC};
use crate::helpers::skip::skip;
use crate::helpers::{internals, Engine, TestEnv, PASSWORD};
use crate::on_both_engines;

on_both_engines!(curl_plays_a_phone_against_the_running_binary);

/// The README, whose "Playing the phone" this story runs.
const README: &str = include_str!("../../../README.md");
/// The stand-in logo the README uploads (`printf '\211PNG\r\n\032\n' > logo.png`).
const README_LOGO: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The README's "Playing the phone" as a newcomer runs it against the real binary: the
/// operator CLI and the API set the stage, then curl plays an Aastra 6757i's and a Yealink
/// T46S's first two boots (the upgrade, then the redirect), the history shows them, and
/// rcs's own JSON protocol answers. Every command and answer the story relies on is checked to be in the README as
/// written, so the two cannot drift apart.
async fn curl_plays_a_phone_against_the_running_binary(engine: Engine) {
    if Command::new("curl").arg("--version").output().is_err() {
        skip("curl is not installed");
        return;
    }
    let env = TestEnv::new(engine).await;
    let (mut child, port, _) = serve(&[
        ("RCS_DATA_DIR", env.data_dir().as_os_str()),
        (
            "RCS_DATABASE_URL",
            std::ffi::OsStr::new(&env.settings.database_url),
        ),
    ]);
    // Commands run where the README runs them: a folder holding `data/`.
    let readme = Readme {
        dir: env.data_dir().parent().unwrap().to_path_buf(),
        port,
    };
    create_account(&env, "Acme Telecom", "admin@acme.example").await;
    let stage = readme.set_the_stage(&env).await;
    let token = stage.token.clone();

    // The Aastra 6757i: the first boot takes the image, the redirect is held back.
    let old = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.3.1.4322-SIP";
    let mac_cfg = "https://localhost:8443/phone/$MAC.cfg";
    let logo = "https://127.0.0.1:8443/phone/$MAC/branding/logo.png";
    let image = "https://localhost:8443/phone/6757i.st";
    for url in [
        "https://localhost:8443/phone/aastra.cfg",
        "https://localhost:8443/phone/6757i.cfg",
    ] {
        let (status, body) = readme.phone(MAC, old, url);
        assert_eq!(status, 200, "{url}");
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains("# What this phone is told is in 00085D1A2B3C.cfg.\n"),
            "{url}"
        );
    }
    let (status, first_cfg) = readme.phone(MAC, old, mac_cfg);
    assert_eq!(status, 200);
    let first_cfg = String::from_utf8(first_cfg).unwrap();
    readme.shows(&first_cfg);
    assert!(first_cfg.contains(&format!(
        "background image: https://127.0.0.1:{port}/phone/00085D1A2B3C/branding/logo.png\n"
    )));
    assert!(first_cfg.contains("# firmware 4.2.0.181 is due"));
    assert!(!first_cfg.contains("download protocol"), "{first_cfg}");
    assert_eq!(readme.phone(MAC, old, logo), (200, README_LOGO.to_vec()));
    let (status, bytes) = readme.phone(MAC, old, image);
    assert_eq!(status, 200, "the upgrade");
    assert_eq!(bytes.len() as u64, IMAGE_SIZE);
    assert_eq!(rcs::storage::sha256_hex(&bytes), IMAGE_SHA);

    // The second boot, running 4.2.0.181: no image, and the redirect.
    let new = "Aastra6757i MAC:00-08-5D-1A-2B-3C V:4.2.0.181-SIP";
    for url in [
        "https://localhost:8443/phone/aastra.cfg",
        "https://localhost:8443/phone/6757i.cfg",
    ] {
        assert_eq!(readme.phone(MAC, new, url).0, 200, "{url}");
    }
    let (status, second_cfg) = readme.phone(MAC, new, mac_cfg);
    assert_eq!(status, 200);
    let second_cfg = String::from_utf8(second_cfg).unwrap();
    readme.shows(&second_cfg);
    assert!(
        second_cfg.contains(
            "download protocol: HTTPS\nhttps server: pbx.example.net\nhttps path: cfg/\nhttps port: 8443\n"
        ),
        "{second_cfg}"
    );
    assert_eq!(readme.phone(MAC, new, logo).0, 200);
    let (status, refused) = readme.phone(MAC, new, image);
    assert_eq!(
        status, 404,
        "no image for a phone running the pinned release"
    );
    readme.shows(std::str::from_utf8(&refused).unwrap());

    // What the web UI's phone page shows: one history entry per boot, and the phone's record.
    let history = readme.history(&token, MAC, &[5, 5]).await;
    let (second, first) = (&history[0], &history[1]);
    assert_eq!(first["outcome"], "firmware_sent");
    assert_eq!(first["firmware"], "3.3.1.4322");
    let detail = first["detail"].as_str().unwrap();
    assert!(detail.contains("6757i.st: firmware 3.3.1.4322 -> 4.2.0.181 downloaded"));
    assert!(
        detail.contains("redirect to \"Main PBX\" held back"),
        "{detail}"
    );
    assert_eq!(second["outcome"], "branding_sent");
    assert_eq!(second["firmware"], "4.2.0.181");
    let detail = second["detail"].as_str().unwrap();
    assert!(detail.contains("firmware 4.2.0.181 already running; redirect to \"Main PBX\""));
    assert!(detail.contains("6757i.st: no image sent"), "{detail}");
    let phone: Value =
        serde_json::from_str(&readme.api(&token, &["$RCS/api/v1/phones/$MAC"])).unwrap();
    assert_eq!(phone["vendor"], "aastra");
    assert_eq!(phone["model"], "6757i");
    assert_eq!(phone["reported_firmware"], "4.2.0.181");

    // The Yealink T46S, registered and booted as the README goes on.
    yealink_t46s_boots_twice(&readme, &env, &stage).await;

    // Without the certificate: refused.
    let (refused, _) = readme.curl(&[
        "-A",
        new,
        &readme.url("https://localhost:8443/phone/aastra.cfg", MAC),
    ]);
    assert!(refused.contains("certificate_required"), "{refused}");

    // rcs's own protocol: the JSON answer, steps in order.
    let json = "\"https://localhost:8443/phone/$MAC?model=6757i&firmware=3.3.1.4322\"";
    readme.says(&format!("curl $PHONE {json}"));
    let (answer, ok) = readme.curl(&[
        "--cert",
        &format!("{MAC}.crt"),
        "--key",
        &format!("{MAC}.key"),
        &readme.url(json.trim_matches('"'), MAC),
    ]);
    assert!(ok, "{answer}");
    let answer: DeviceAnswer = serde_json::from_str(&answer).unwrap();
    assert_eq!(kinds(&answer), ["branding", "firmware", "redirect"]);

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    // The answered contacts, the JSON one last, were written before the process exited: two
    // boots and one JSON contact.
    let db = internals::Db::connect(&env.settings.database_url, 1)
        .await
        .unwrap();
    let contacts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM boot_events WHERE mac = '00085D1A2B3C'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(contacts, 3);
}

/// What "Set the stage" made: the session and the ids the README keeps in shell variables.
struct Stage {
    token: String,
    server: i64,
    branding: i64,
}

/// The README's commands, run as written: in a folder holding `data/`, with the README's
/// URLs (`https://localhost:8443/...`, `$MAC`) on the test server's port.
struct Readme {
    dir: std::path::PathBuf,
    port: u16,
}

impl Readme {
    /// Fails when the README no longer says `text` as written.
    fn says(&self, text: &str) {
        assert!(
            README.contains(text),
            "the README no longer says {text:?}: update the story and the README together"
        );
    }

    /// An answer the README shows (links on port 8443, as the README writes them).
    fn shows(&self, answer: &str) {
        self.says(&answer.replace(&format!(":{}/", self.port), ":8443/"));
    }

    /// A URL of rcs as the README writes it (`$RCS/...`, `https://localhost:8443/...`,
    /// `$MAC`), for this run.
    fn url(&self, readme_url: &str, mac: &str) -> String {
        let url = readme_url
            .replace("$RCS", "https://localhost:8443")
            .replace("$MAC", mac);
        let port = format!(":{}/", self.port);
        ["https://localhost:8443/", "https://127.0.0.1:8443/"]
            .iter()
            .find_map(|base| {
                url.strip_prefix(base)
                    .map(|rest| format!("{}{rest}", base.replace(":8443/", &port)))
            })
            .unwrap_or_else(|| panic!("{readme_url} is not a URL of rcs"))
    }

    /// `curl -sS --cacert data/tls/server.crt <args>` in the README's folder: stdout, success.
    fn curl(&self, args: &[&str]) -> (String, bool) {
        let out = Command::new("curl")
            .current_dir(&self.dir)
            .args(["-sS", "--cacert", "data/tls/server.crt"])
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.success(),
        )
    }

    /// `curl $PHONE -A "$UA" <url>` with the README's `UA='...'` and URL: status and body.
    fn phone(&self, mac: &str, ua: &str, readme_url: &str) -> (u16, Vec<u8>) {
        self.says(&format!("UA='{ua}'"));
        self.says(readme_url);
        let body = self.dir.join("answer");
        let (status, ok) = self.curl(&[
            "--cert",
            &format!("{mac}.crt"),
            "--key",
            &format!("{mac}.key"),
            "-A",
            ua,
            "-o",
            body.to_str().unwrap(),
            "-w",
            "%{http_code}",
            &self.url(readme_url, mac),
        ]);
        assert!(ok, "{readme_url}: curl failed");
        (status.parse().unwrap(), std::fs::read(&body).unwrap())
    }

    /// The README's `api <args>`: curl with the session token (`$RCS/...` for rcs's URL).
    fn api(&self, token: &str, args: &[&str]) -> String {
        let auth = format!("Authorization: Bearer {token}");
        let mut all = vec!["-H".to_string(), auth];
        all.extend(args.iter().map(|a| match a.starts_with("$RCS") {
            true => self.url(a, MAC),
            false => a.to_string(),
        }));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let (out, ok) = self.curl(&all);
        assert!(ok, "api {args:?}: {out}");
        out
    }

    /// "Set the stage": the catalog, the phone's certificate, a server, a branding with the
    /// stand-in logo, the phone pinned to 4.2.0.181.
    async fn set_the_stage(&self, env: &TestEnv) -> Stage {
        let firmware = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware");
        self.says("target/release/rcs firmware import firmware ");
        let mut import = rcs(env);
        import.args(["firmware", "import", firmware]);
        let (ok, out, err) = run(import, None).await;
        assert!(
            ok && out.contains("Imported firmware 4.2.0.181"),
            "{out}{err}"
        );
        self.says("target/release/rcs device-ca issue $MAC ");
        let mut issue = rcs(env);
        issue
            .current_dir(&self.dir)
            .args(["device-ca", "issue", MAC]);
        let (ok, out, err) = run(issue, None).await;
        assert!(ok, "{out}{err}");

        let (login, ok) = self.curl(&[
            &self.url("$RCS/api/v1/auth/login", MAC),
            "-H",
            "content-type: application/json",
            "-d",
            &format!("{{\"email\":\"admin@acme.example\",\"password\":\"{PASSWORD}\"}}"),
        ]);
        assert!(ok, "{login}");
        self.says(r#"-d '{"email":"admin@acme.example","password":"..."}'"#);
        let token = serde_json::from_str::<Value>(&login).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let id = |answer: String| {
            serde_json::from_str::<Value>(&answer).unwrap()["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("an id in {answer}"))
        };
        let json = "content-type: application/json";
        let server_body = r#"{"name":"Main PBX","url":"https://pbx.example.net:8443/cfg/"}"#;
        self.says(&format!("-d '{server_body}'"));
        let server = id(self.api(
            &token,
            &["$RCS/api/v1/servers", "-H", json, "-d", server_body],
        ));
        let branding_body = r#"{"name":"Acme"}"#;
        self.says(&format!(
            "$RCS/api/v1/brandings -H '{json}' -d '{branding_body}'"
        ));
        let branding = id(self.api(
            &token,
            &["$RCS/api/v1/brandings", "-H", json, "-d", branding_body],
        ));
        self.says(r"printf '\211PNG\r\n\032\n' > logo.png");
        std::fs::write(self.dir.join("logo.png"), README_LOGO).unwrap();
        self.says("api -X PUT $RCS/api/v1/brandings/$BRANDING/files/logo.png -H 'content-type: image/png' --data-binary @logo.png");
        let put = self.api(
            &token,
            &[
                "-X",
                "PUT",
                &format!("$RCS/api/v1/brandings/{branding}/files/logo.png"),
                "-H",
                "content-type: image/png",
                "--data-binary",
                "@logo.png",
            ],
        );
        assert!(put.contains("\"logo.png\""), "{put}");
        self.says(r#"-d "{\"macs\":[\"$MAC\"],\"server_id\":$SERVER,\"branding_id\":$BRANDING,\"firmware\":\"4.2.0.181\"}""#);
        let phone_body = format!(
            r#"{{"macs":["{MAC}"],"server_id":{server},"branding_id":{branding},"firmware":"4.2.0.181"}}"#
        );
        let added = self.api(
            &token,
            &["$RCS/api/v1/phones", "-H", json, "-d", &phone_body],
        );
        assert_eq!(added, r#"{"added":1,"updated":0,"skipped":[]}"#);
        self.says(&format!("# {added}"));
        Stage {
            token,
            server,
            branding,
        }
    }

    /// The phone's boot history, newest first, once it holds one entry per boot with the
    /// given numbers of files (the recorder writes in the background, and a boot's later
    /// files fold into its entry).
    async fn history(&self, token: &str, mac: &str, files: &[usize]) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let page: Value = serde_json::from_str(
                &self.api(token, &[&format!("$RCS/api/v1/phones/{mac}/events")]),
            )
            .unwrap();
            let items = page["items"].as_array().unwrap().clone();
            let counts: Vec<usize> = items
                .iter()
                .map(|e| e["detail"].as_str().unwrap().split(" | ").count())
                .collect();
            let settled = counts == files;
            if settled {
                return items;
            }
            assert!(std::time::Instant::now() < deadline, "{items:#?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// The README's Yealink T46S: registered with a Yealink MAC and pinned to 66.86.0.15, a first
/// boot from 66.85.0.5 (both boot files 404, the common and MAC files, the wallpaper, the
/// image: the upgrade), then the second boot (the same files but the image: the redirect).
async fn yealink_t46s_boots_twice(readme: &Readme, env: &TestEnv, stage: &Stage) {
    const YEALINK: &str = "0015654AA937";
    readme.says(&format!("MAC={YEALINK}\n"));
    let mut issue = rcs(env);
    issue
        .current_dir(&readme.dir)
        .args(["device-ca", "issue", YEALINK]);
    let (ok, out, err) = run(issue, None).await;
    assert!(ok, "{out}{err}");
    readme.says(r#"\"firmware\":\"66.86.0.15\"}""#);
    let added = readme.api(
        &stage.token,
        &[
            "$RCS/api/v1/phones",
            "-H",
            "content-type: application/json",
            "-d",
            &format!(
                r#"{{"macs":["{YEALINK}"],"server_id":{},"branding_id":{},"firmware":"66.86.0.15"}}"#,
                stage.server, stage.branding
            ),
        ],
    );
    assert_eq!(added, r#"{"added":1,"updated":0,"skipped":[]}"#);

    let old = "Yealink SIP-T46S 66.85.0.5 00:15:65:4a:a9:37";
    let boot_files = [
        "https://localhost:8443/phone/0015654aa937.boot",
        "https://localhost:8443/phone/y000000000000.boot",
    ];
    let common = "https://localhost:8443/phone/y000000000066.cfg";
    let mac_cfg = "https://localhost:8443/phone/0015654aa937.cfg";
    for url in boot_files {
        let (status, body) = readme.phone(YEALINK, old, url);
        assert_eq!(status, 404, "{url}");
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("not_for_this_phone"));
    }
    let (status, body) = readme.phone(YEALINK, old, common);
    assert_eq!(status, 200);
    assert!(String::from_utf8(body)
        .unwrap()
        .starts_with("#!version:1.0.0.1\n"));
    let (status, first_cfg) = readme.phone(YEALINK, old, mac_cfg);
    assert_eq!(status, 200);
    let first_cfg = String::from_utf8(first_cfg).unwrap();
    readme.shows(&first_cfg);
    assert!(!first_cfg.contains("auto_provision.server"), "{first_cfg}");
    let wallpaper = "https://127.0.0.1:8443/phone/0015654AA937/branding/logo.png";
    assert_eq!(
        readme.phone(YEALINK, old, wallpaper),
        (200, README_LOGO.to_vec())
    );
    let image = "https://127.0.0.1:8443/phone/T46S%28T48S%2CT42S%2CT41S%29-66.86.0.15.rom";
    assert!(first_cfg.contains(&format!(
        "static.firmware.url = {}\n",
        readme.url(image, YEALINK)
    )));
    let (status, bytes) = readme.phone(YEALINK, old, image);
    assert_eq!(status, 200, "the upgrade");
    let manifest: toml::Table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../firmware/66.86.0.15/manifest.toml"
    ))
    .unwrap()
    .parse()
    .unwrap();
    assert_eq!(
        Some(rcs::storage::sha256_hex(&bytes).as_str()),
        manifest["images"][0]["sha256"].as_str(),
        "the catalog's T46S image"
    );

    let new = "Yealink SIP-T46S 66.86.0.15 00:15:65:4a:a9:37";
    for url in boot_files {
        assert_eq!(readme.phone(YEALINK, new, url).0, 404, "{url}");
    }
    assert_eq!(readme.phone(YEALINK, new, common).0, 200);
    let (status, second_cfg) = readme.phone(YEALINK, new, mac_cfg);
    assert_eq!(status, 200);
    let second_cfg = String::from_utf8(second_cfg).unwrap();
    let redirect = "static.firmware.url = %NULL%\n# configuration server: Main PBX\n\
                    static.auto_provision.server.url = https://pbx.example.net:8443/cfg/\n";
    assert!(second_cfg.contains(redirect), "{second_cfg}");
    readme.shows(redirect);
    assert_eq!(readme.phone(YEALINK, new, wallpaper).0, 200);

    let history = readme.history(&stage.token, YEALINK, &[5, 6]).await;
    let (second, first) = (&history[0], &history[1]);
    assert_eq!(first["outcome"], "firmware_sent");
    assert_eq!(first["firmware"], "66.85.0.5");
    let detail = first["detail"].as_str().unwrap();
    assert!(detail.contains("held back"), "{detail}");
    assert!(
        detail.contains("66.85.0.5 -> 66.86.0.15 downloaded"),
        "{detail}"
    );
    assert_eq!(second["firmware"], "66.86.0.15");
    let detail = second["detail"].as_str().unwrap();
    assert!(detail.contains("redirect to \"Main PBX\""), "{detail}");
    assert!(!detail.contains("held back"), "{detail}");
    let phone: Value = serde_json::from_str(
        &readme.api(&stage.token, &[&format!("$RCS/api/v1/phones/{YEALINK}")]),
    )
    .unwrap();
    assert_eq!(phone["vendor"], "yealink");
    assert_eq!(phone["model"], "T46S");
    assert_eq!(phone["reported_firmware"], "66.86.0.15");
}
