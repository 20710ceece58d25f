//! axe-core, the accessibility checker, run in the real browser on the login page and every
//! main page, at desktop width and at a phone's (390 px): no violation of impact "serious" or
//! "critical" may remain. axe-core comes from npm through `scripts/setup-tools` into
//! `tools/axe/node_modules` (pinned by `tools/axe/package-lock.json`); the story injects that
//! file with WebDriver's "execute script" and never downloads anything.

use serde_json::{json, Value};

use super::narrow::{main_pages, open, seed};
use crate::helpers::browser::{acme_in_a_browser_on, Browser};
use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(
    axe_finds_no_serious_violation_on_the_main_pages_at_desktop_and_phone_width
);

pub fn axe_source() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tools/axe/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run scripts/setup-tools to install axe-core"))
}

/// Runs axe on the page as it is now; returns the serious and critical violations, one line
/// each with the elements concerned.
pub async fn serious_violations(browser: &Browser, axe: &str) -> Vec<String> {
    let injected = browser
        .script("return typeof window.axe === 'object';", json!([]))
        .await;
    if injected != Value::Bool(true) {
        browser
            .script(&format!("{axe}\n;return true;"), json!([]))
            .await;
    }
    let result = browser
        .script(
            "return window.axe.run(document, { resultTypes: ['violations'] })
               .then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) })));",
            json!([]),
        )
        .await;
    let violations = result
        .as_array()
        .unwrap_or_else(|| panic!("axe did not run: {result}"));
    violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            format!(
                "{} ({}): {}\n    {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"]
                    .as_array()
                    .map(|n| n
                        .iter()
                        .filter_map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join("\n    "))
                    .unwrap_or_default()
            )
        })
        .collect()
}

async fn axe_finds_no_serious_violation_on_the_main_pages_at_desktop_and_phone_width(
    engine: Engine,
) {
    let axe = axe_source();
    let Some((browser, app, account)) = acme_in_a_browser_on(engine).await else {
        return;
    };
    seed(&app, account).await;
    let mut found = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.resize(width, height).await;
        browser.goto(&app.url("/")).await;
        browser.find("#username").await;
        for v in serious_violations(&browser, &axe).await {
            found.push(format!("login at {width} px: {v}"));
        }
        browser.log_in(&app, "admin@acme.example", PASSWORD).await;
        for (name, hash, ready) in main_pages() {
            open(&browser, &app, &hash, ready).await;
            for v in serious_violations(&browser, &axe).await {
                found.push(format!("{name} at {width} px: {v}"));
            }
        }
        // The narrow menu, open.
        if width < 640 {
            browser.click("#menu-toggle").await;
            browser.find("#main-menu a").await;
            for v in serious_violations(&browser, &axe).await {
                found.push(format!("open menu at {width} px: {v}"));
            }
        }
        browser.log_out().await;
    }
    browser.quit().await;
    assert!(
        found.is_empty(),
        "axe-core found {} serious or critical violations:\n{}",
        found.len(),
        found.join("\n")
    );
}
