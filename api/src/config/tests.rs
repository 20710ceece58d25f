//! Settings: layering, defaults, and the start-up refusals of impossible values.

use super::*;
use std::collections::HashMap;

#[test]
fn later_layers_win_and_defaults_fill_the_rest() {
    let file = Layer::from_toml(
        "https_addr = \"127.0.0.1:1\"\nlog_format = \"json\"\ndata_dir = \"/file\"",
    )
    .unwrap();
    let env: HashMap<&str, &str> = [
        ("RCS_HTTPS_ADDR", "127.0.0.1:2"),
        ("RCS_TOKEN_TTL_SECS", "60"),
    ]
    .into();
    let env = Layer::from_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
    let flags = Layer {
        data_dir: Some("/flag".into()),
        ..Layer::default()
    };
    let s = Settings::resolve(flags.over(env.over(file))).unwrap();
    assert_eq!(s.https_addr, "127.0.0.1:2");
    assert_eq!(s.token_ttl_secs, 60);
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(s.data_dir, PathBuf::from("/flag"));
    assert_eq!(s.database_url, "sqlite:///flag/rcs.db");
    assert!(s.http_addr.is_none());
}

#[test]
fn unknown_file_keys_and_bad_env_values_are_errors() {
    assert!(Layer::from_toml("htps_addr = \"x\"").is_err());
    let err =
        Layer::from_env(|k| (k == "RCS_TOKEN_TTL_SECS").then(|| "soon".to_string())).unwrap_err();
    assert!(err.to_string().contains("RCS_TOKEN_TTL_SECS"), "{err}");
}

#[test]
fn public_url_must_be_absolute_and_loses_its_trailing_slash() {
    let with = |url: &str| {
        Settings::resolve(Layer {
            public_url: Some(url.into()),
            ..Layer::default()
        })
    };
    assert_eq!(
        with("https://rcs.example/").unwrap().public_url.as_deref(),
        Some("https://rcs.example")
    );
    assert!(with("rcs.example").is_err());
    assert!(with("https://").is_err());
    let defaults = Settings::resolve(Layer::default()).unwrap();
    assert_eq!(defaults.reset_token_ttl_secs, 1800);
    assert_eq!(defaults.invitation_ttl_secs, 7 * 86_400);
    assert_eq!(defaults.mail_from, "rcs@localhost");
    assert!(defaults.smtp_url.is_none() && defaults.public_url.is_none());
}

#[test]
fn device_url_must_be_https_and_loses_its_trailing_slash() {
    let with = |url: &str| {
        Settings::resolve(Layer {
            device_url: Some(url.into()),
            ..Layer::default()
        })
    };
    assert_eq!(
        with("https://phones.example:9443/")
            .unwrap()
            .device_url
            .as_deref(),
        Some("https://phones.example:9443")
    );
    let err = with("http://phones.example").unwrap_err().to_string();
    assert!(
        err.contains("device_url") && err.contains("https://"),
        "{err}"
    );
    assert!(with("phones.example").is_err());
    let defaults = Settings::resolve(Layer::default()).unwrap();
    assert!(defaults.device_url.is_none());
    assert_eq!(defaults.unattributed_boot_events_max, 100_000);
    assert!(!defaults.webhook_allow_private);
    assert_eq!(defaults.webhook_queue_max, 10_000);
    assert_eq!(defaults.webhook_timeout_secs, 10);
    assert_eq!(defaults.webhook_backoff_secs, 5);
    assert_eq!(defaults.webhook_retry_for_secs, 86_400);
    assert_eq!(defaults.webhook_poll_ms, 1_000);
    assert_eq!(defaults.webhook_delivery_retention_days, 30);
    let set = Layer::from_toml(
        "webhook_allow_private = true\nwebhook_queue_max = 0\nwebhook_timeout_secs = 0\nwebhook_poll_ms = 1",
    )
    .unwrap();
    let s = Settings::resolve(set).unwrap();
    assert!(s.webhook_allow_private);
    assert_eq!(s.webhook_queue_max, 1, "a zero queue would drop everything");
    assert_eq!(s.webhook_timeout_secs, 1);
    assert_eq!(s.webhook_poll_ms, 10);
}

#[test]
fn the_old_name_of_the_per_username_and_address_limit_still_works() {
    let old = Layer::from_toml("login_max_failures_per_email = 4").unwrap();
    let s = Settings::resolve(old).unwrap();
    assert_eq!(s.login_max_failures_per_email_and_client, 4);
    let both = Layer::from_toml(
        "login_max_failures_per_email = 4\nlogin_max_failures_per_email_and_client = 6",
    )
    .unwrap();
    let s = Settings::resolve(both).unwrap();
    assert_eq!(s.login_max_failures_per_email_and_client, 6);
    let defaults = Settings::resolve(Layer::default()).unwrap();
    assert_eq!(defaults.login_max_failures_per_email_and_client, 10);
    assert_eq!(defaults.login_slowdown_after_failures_per_email, 20);
    assert_eq!(defaults.login_max_slowdown_secs, 30);
}

#[test]
fn api_key_failures_have_their_own_limit_and_window() {
    let defaults = Settings::resolve(Layer::default()).unwrap();
    assert_eq!(defaults.api_key_max_failures_per_client, 20);
    assert_eq!(defaults.api_key_window_secs, 900);
    let set =
        Layer::from_toml("api_key_max_failures_per_client = 5\napi_key_window_secs = 0").unwrap();
    let s = Settings::resolve(set).unwrap();
    assert_eq!(s.api_key_max_failures_per_client, 5);
    assert_eq!(s.api_key_window_secs, 1, "a zero window would never count");
}

#[test]
fn every_key_has_an_environment_variable() {
    for key in Layer::KEYS {
        let var = format!("RCS_{}", key.to_ascii_uppercase());
        let seen = std::cell::Cell::new(false);
        let _ = Layer::from_env(|k| {
            if k == var {
                seen.set(true);
            }
            None
        });
        assert!(seen.get(), "{var} is never read");
    }
}

/// deploy/rcs.toml documents every setting exactly once, and with every line uncommented
/// it is a valid configuration: a new setting without a sample line fails here.
#[test]
fn the_sample_configuration_names_every_setting_and_parses() {
    let sample = include_str!("../../../deploy/rcs.toml");
    let uncommented: Vec<&str> = sample
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            l.split_once(" = ")
                .is_some_and(|(k, _)| Layer::KEYS.contains(&k))
        })
        .collect();
    for key in Layer::KEYS {
        let lines = uncommented
            .iter()
            .filter(|l| l.starts_with(&format!("{key} = ")))
            .count();
        assert_eq!(lines, 1, "deploy/rcs.toml has {lines} lines for {key}");
    }
    let layer = Layer::from_toml(&uncommented.join("\n")).unwrap();
    Settings::resolve(layer).unwrap();
}
