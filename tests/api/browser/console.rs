//! The operator console in a real browser, on both engines: an operator runs the platform
//! without a shell. Accounts are created (the Super User invited by mail), given a quota,
//! suspended and resumed, renamed and deleted; a firmware release is uploaded as an archive;
//! a device CA is added by upload; an unknown phone is assigned; the trail shows it all; and
//! axe-core finds nothing serious on any console page.

use std::io::Write;

use super::accessibility::{axe_source, serious_violations};
use super::narrow::open;
use crate::admin::operators::operator_token;
use crate::helpers::browser::{assert_web_ui_built, Browser};
use crate::helpers::device::{booth, user_agent_of};
use crate::helpers::pki::TestCa;
use crate::helpers::{Engine, PASSWORD};

crate::on_both_engines!(an_operator_runs_the_platform_from_the_browser);

fn release_tar(version: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../firmware")
        .join(version);
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all(version, dir).unwrap();
    builder.into_inner().unwrap()
}

async fn an_operator_runs_the_platform_from_the_browser(engine: Engine) {
    assert_web_ui_built();
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = booth(engine).await;
    let app = &b.app;
    operator_token(app, "ops@platform.example").await;
    // A phone nobody registered calls twice.
    let stranger = "00085D1A2B77";
    for _ in 0..2 {
        let response = b
            .boot(
                &b.phone_for(stranger),
                &format!("/phone/{stranger}"),
                &user_agent_of(stranger),
            )
            .await;
        assert_eq!(response.status(), 404);
    }
    let files = tempfile::tempdir().unwrap();
    let tar = files.path().join("4.2.0.181.tar");
    std::fs::File::create(&tar)
        .unwrap()
        .write_all(&release_tar("4.2.0.181"))
        .unwrap();
    let vendor = TestCa::new("Vendor Phone CA");
    let pem = files.path().join("vendor.pem");
    std::fs::write(&pem, vendor.pem()).unwrap();

    browser.resize(1280, 900).await;
    browser.log_in(app, "ops@platform.example", PASSWORD).await;
    browser
        .wait_text("#account-name", |t| t == "Platform console")
        .await;
    browser.wait_text("#platform-unknown", |t| t == "1").await;
    assert_eq!(browser.text("#platform-accounts").await, "0");
    browser.screenshot("console-platform").await;

    // Create an account with a quota; its Super User is invited, no password shown.
    browser.click("#nav-accounts").await;
    browser.click("#account-create").await;
    browser
        .type_into("#new-account-name", "Globex Telecom")
        .await;
    browser
        .type_into("#account-email", "boss@globex.example")
        .await;
    browser.type_into("#account-quota", "2").await;
    browser.click("#account-create-save").await;
    browser
        .wait_text("#accounts-notice", |t| {
            t.contains("Globex Telecom created") && t.contains("boss@globex.example")
        })
        .await;
    browser
        .wait_text("#accounts-table", |t| {
            t.contains("Globex Telecom") && t.contains("Active")
        })
        .await;
    let account_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind("Globex Telecom")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let row = format!("#account-{account_id}");

    // Quota, suspension and resumption, rename.
    browser
        .click(&format!(
            "{row} button[aria-label='Quota of Globex Telecom']"
        ))
        .await;
    browser.clear("#quota-value").await;
    browser.type_into("#quota-value", "5").await;
    browser.click("#account-quota-save").await;
    browser
        .wait_text("#accounts-notice", |t| t.contains("quota set to 5 phones"))
        .await;
    browser
        .click(&format!(
            "{row} button[aria-label='Suspend Globex Telecom']"
        ))
        .await;
    browser.type_into("#suspend-reason", "unpaid invoice").await;
    browser.click("#account-suspend-confirm").await;
    browser.wait_text(&row, |t| t.contains("Suspended")).await;
    browser
        .click(&format!("{row} button[aria-label='Resume Globex Telecom']"))
        .await;
    browser.wait_text(&row, |t| t.contains("Active")).await;
    browser
        .click(&format!("{row} button[aria-label='Rename Globex Telecom']"))
        .await;
    browser.clear("#account-rename").await;
    browser.type_into("#account-rename", "Globex").await;
    browser.click("#account-rename-save").await;
    browser
        .wait_text("#accounts-notice", |t| t == "Renamed to Globex.")
        .await;
    browser.screenshot("console-accounts").await;

    // Upload a release; it is listed with its models.
    browser.click("#nav-catalog").await;
    browser
        .type_into("#firmware-file", tar.to_str().unwrap())
        .await;
    browser.click("#firmware-upload").await;
    browser
        .wait_text("#firmware-notice", |t| {
            t.contains("4.2.0.181") && t.contains("3 images")
        })
        .await;
    browser
        .wait_text("#catalog-table", |t| {
            t.contains("6757i") && t.contains("4.2.0.181")
        })
        .await;
    browser.screenshot("console-firmware").await;

    // Trust a CA by upload.
    browser.click("#nav-trust").await;
    browser.type_into("#ca-file", pem.to_str().unwrap()).await;
    browser.click("#ca-add").await;
    browser
        .wait_text("#cas-table", |t| t.contains("CN=Vendor Phone CA"))
        .await;

    // Assign the unknown phone to the account.
    browser.click("#nav-unknown").await;
    browser
        .wait_text("#unknown-table", |t| {
            t.contains("00:08:5D:1A:2B:77") && t.contains("Test Phone Vendor CA")
        })
        .await;
    browser.click(&format!("#unknown-{stranger}")).await;
    browser.choose("#assign-account", "Globex").await;
    browser.click("#assign-phones").await;
    browser
        .wait_text("#unknown-notice", |t| t == "1 phones assigned.")
        .await;
    let response = b
        .boot(
            &b.phone_for(stranger),
            &format!("/phone/{stranger}"),
            &user_agent_of(stranger),
        )
        .await;
    assert_eq!(response.status(), 200, "the phone is Globex's now");

    // Deleting the account asks for its phones too.
    browser.click("#nav-accounts").await;
    browser
        .click(&format!("{row} button[aria-label='Delete Globex']"))
        .await;
    browser.find("#account-delete-force").await;
    assert_eq!(
        browser
            .attribute("#account-delete-confirm", "disabled")
            .await,
        "true"
    );
    browser.click("#account-delete-force").await;
    browser.click("#account-delete-confirm").await;
    browser
        .wait_text("#accounts-notice", |t| t == "Account Globex deleted.")
        .await;

    // The trail holds every step, newest first.
    browser.click("#nav-operator-audit").await;
    browser
        .wait_text("#operator-audit-table", |t| {
            [
                "account.create",
                "account.quota",
                "account.suspend",
                "account.resume",
                "account.rename",
                "firmware.import",
                "device_ca.add",
                "phones.assign",
                "account.delete",
            ]
            .iter()
            .all(|a| t.contains(a))
        })
        .await;
    browser.screenshot("console-audit").await;

    // No serious accessibility problem on any console page, wide or narrow.
    let axe = axe_source();
    let mut found = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.resize(width, height).await;
        for (hash, ready) in [
            ("#/console", "#platform-accounts"),
            ("#/console/accounts", "#account-create"),
            ("#/console/firmware", "#catalog-table"),
            ("#/console/trust", "#cas-table"),
            ("#/console/unknown-phones", "h2"),
            ("#/console/audit", "#operator-audit-table"),
        ] {
            open(&browser, app, hash, ready).await;
            for v in serious_violations(&browser, &axe).await {
                found.push(format!("{hash} at {width} px: {v}"));
            }
        }
    }
    browser.log_out().await;
    browser.quit().await;
    assert!(found.is_empty(), "axe-core:\n{}", found.join("\n"));
}
