//! Two-factor login in a real browser: setting it up from the preferences (the QR code shows
//! under the page's Content-Security-Policy), logging in with a code, an account-wide
//! requirement set on the Users page and met at the next login, and a Super User's reset.

use rcs_shared::{Account, Role};
use serde_json::{json, Value};

use crate::helpers::browser::{acme_in_a_browser, Browser};
use crate::helpers::second_factor::{current_code, next_code};
use crate::helpers::{routes, TestApp, PASSWORD};

const ADMIN: &str = "admin@acme.example";
const STAFF: &str = "staff@acme.example";

/// True once the QR code image has loaded: a `data:` SVG the CSP would block shows nothing.
async fn qr_code_is_shown(browser: &Browser) -> bool {
    let width = browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "const i = document.querySelector('#second-factor-qr'); \
                              return i && i.complete ? i.naturalWidth : 0;", "args": []}),
        )
        .await;
    width.as_u64().unwrap_or(0) > 0
}

/// Waits (up to ten seconds) for the QR code, and answers the secret shown under it.
async fn scanned_secret(browser: &Browser) -> String {
    browser.find("#second-factor-qr").await;
    let src = browser.attribute("#second-factor-qr", "src").await;
    assert!(src.starts_with("data:image/svg+xml;base64,"), "{src}");
    for _ in 0..100 {
        if qr_code_is_shown(browser).await {
            return browser.text("#second-factor-secret").await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the QR code image did not load");
}

/// Types the username and password on the login page and submits them.
async fn password_step(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/")).await;
    browser.type_into("#username", email).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#login-button").await;
}

/// Enters `code` at the second step of a login and submits it.
async fn code_step(browser: &Browser, code: &str) {
    browser.clear("#second-factor-code").await;
    browser.type_into("#second-factor-code", code).await;
    browser.click("#second-factor-submit").await;
}

#[tokio::test]
async fn a_user_sets_up_two_factor_login_in_the_preferences_and_logs_in_with_a_code() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    browser.resize(1024, 1400).await;
    browser.log_in(&app, ADMIN, PASSWORD).await;
    browser.click("#nav-preferences").await;
    browser.click("#tf-setup").await;
    browser.type_into("#tf-password", PASSWORD).await;
    browser.click("#tf-start").await;
    let secret = scanned_secret(&browser).await;
    browser.screenshot("preferences-two-factor-setup").await;
    browser.type_into("#tf-code", &current_code(&secret)).await;
    browser.click("#tf-confirm").await;
    let codes = browser
        .wait_text("#recovery-codes", |t| t.lines().count() == 10)
        .await;
    assert!(codes.lines().all(|c| c.len() == 19), "{codes}");
    browser.click("#tf-done").await;
    browser
        .wait_text("#tf-state", |t| t.starts_with("On"))
        .await;

    browser.log_out().await;
    password_step(&browser, &app, ADMIN).await;
    code_step(&browser, "000000").await;
    browser
        .wait_text("#second-factor-error", |t| t.contains("not correct"))
        .await;
    code_step(&browser, &next_code(&secret)).await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    browser.click("#nav-users").await;
    browser
        .wait_text("#users-table", |t| {
            t.lines()
                .any(|l| l.starts_with("admin@acme.example") && l.contains("Super User On"))
        })
        .await;
    browser.quit().await;
}

#[tokio::test]
async fn the_account_wide_requirement_is_met_at_the_next_login_and_a_super_user_resets_it() {
    let Some((browser, app, account)) = acme_in_a_browser().await else {
        return;
    };
    app.add_user(account, STAFF, Role::User).await;
    let admin_token = app.token(ADMIN).await;
    let admin = app.enrol(&admin_token).await;

    // The Super User requires two-factor login on the Users page.
    password_step(&browser, &app, ADMIN).await;
    code_step(&browser, &next_code(&admin.secret)).await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    browser.click("#nav-users").await;
    browser.click("#require-second-factor").await;
    for _ in 0..100 {
        let shown: Account = app
            .get(routes::ACCOUNT, &admin_token)
            .await
            .json()
            .await
            .unwrap();
        if shown.require_second_factor {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let shown: Account = app
        .get(routes::ACCOUNT, &admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(shown.require_second_factor);
    browser.log_out().await;

    // The staff member has none: the login leads through setting it up, and nowhere else.
    browser.resize(1024, 1200).await;
    password_step(&browser, &app, STAFF).await;
    let secret = scanned_secret(&browser).await;
    assert!(browser.find_all("#account-name").await.is_empty());
    browser.screenshot("login-two-factor-required").await;
    code_step(&browser, &current_code(&secret)).await;
    browser
        .wait_text("#recovery-codes", |t| t.lines().count() == 10)
        .await;
    browser.click("#recovery-continue").await;
    browser
        .wait_text("#logged-in-as", |t| t.contains("staff@acme.example (User)"))
        .await;
    browser.log_out().await;

    // The Super User, with a recovery code this time, resets the staff member's.
    password_step(&browser, &app, ADMIN).await;
    code_step(&browser, &admin.recovery_codes[0]).await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;
    browser.click("#nav-users").await;
    // The button is there because the staff member's second factor is on.
    browser
        .click("button[aria-label='Reset two-factor login of staff@acme.example']")
        .await;
    browser.click("#user-reset-2fa-confirm").await;
    browser
        .wait_text("#users-notice", |t| t.contains("staff@acme.example reset"))
        .await;
    let actions = app.audit_actions(account).await;
    assert!(
        actions.contains(&"user.second_factor_reset".to_string()),
        "{actions:?}"
    );
    let staff_login = app.login(STAFF, PASSWORD).await;
    let challenge: Value = staff_login.json().await.unwrap();
    assert_eq!(
        challenge["enrolment_required"], true,
        "required again at once"
    );
    browser.quit().await;
}
