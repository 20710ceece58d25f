//! The main flows from the keyboard alone: no clicks, only Tab, Enter, Space, Escape and
//! typing, each control reached in the page's tab order. Dialogs take the focus to their
//! first field when they open and give it back to the button that opened them.

use crate::helpers::browser::acme_in_a_browser;
use crate::helpers::PASSWORD;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const SPACE: &str = "\u{E00D}";
const BACKSPACE: &str = "\u{E003}";

#[tokio::test]
async fn a_user_works_the_main_screens_from_the_keyboard_alone() {
    let Some((browser, app, _)) = acme_in_a_browser().await else {
        return;
    };
    app.load_sample_firmware().await;
    browser.resize(1280, 900).await;

    // Log in: the cursor starts in the username field; Tab to the password; Enter.
    browser.goto(&app.url("/")).await;
    browser.wait_focus("username").await;
    browser
        .keys(&format!("admin@acme.example{TAB}{PASSWORD}{ENTER}"))
        .await;
    browser
        .wait_text("#account-name", |t| t == "Acme Telecom")
        .await;

    // Servers: reach the menu entry and the Add button with Tab; the dialog opens on its
    // first field; Enter in the last field saves.
    browser.tab_to("nav-servers").await;
    browser.keys(ENTER).await;
    browser.find("#server-add").await;
    browser.tab_to("server-add").await;
    browser.keys(ENTER).await;
    browser.wait_focus("server-name").await;
    browser
        .keys(&format!(
            "Main PBX{TAB}https://pbx.acme.example/cfg/{ENTER}"
        ))
        .await;
    browser
        .wait_text("#servers-notice", |t| t == "Server Main PBX added.")
        .await;
    browser.wait_gone("#server-dialog").await;
    browser.wait_focus("server-add").await;

    // Escape closes a dialog and the focus goes back to where it was.
    browser.keys(ENTER).await;
    browser.wait_focus("server-name").await;
    browser.keys(ESCAPE).await;
    browser.wait_gone("#server-dialog").await;
    browser.wait_focus("server-add").await;

    // Add Phones: type a MAC and Enter adds it to the list; an invalid one is refused at the
    // field; the server is picked by typing its first letters on the select.
    browser.tab_to("nav-phones").await;
    browser.keys(ENTER).await;
    browser
        .wait_text("#phones-empty", |t| t == "No phones match.")
        .await;
    browser.tab_to("phones-add").await;
    browser.keys(ENTER).await;
    browser.wait_focus("add-mac").await;
    browser.keys(&format!("00085D1A2B3G{ENTER}")).await;
    browser
        .wait_text("#add-mac-error", |t| {
            t.contains("Reenter a valid MAC address")
        })
        .await;
    browser.keys(&BACKSPACE.repeat(12)).await;
    browser.wait_gone("#add-mac-error").await;
    browser
        .keys(&format!("00085D1A2B3C{ENTER}00085D1A2B3D{ENTER}"))
        .await;
    browser.wait_count("#mac-list option", 2).await;
    browser.tab_to("add-server").await;
    browser.keys("Main").await;
    assert_ne!(browser.value("#add-server").await, "", "a server is chosen");
    browser.tab_to("add-phones-submit").await;
    browser.keys(ENTER).await;
    browser
        .wait_text("#phones-notice", |t| t == "Added 2 phone(s), updated 0.")
        .await;
    browser.wait_count("#phones-table tbody tr", 2).await;
    browser
        .wait_text("#phones-table", |t| t.matches("Main PBX").count() == 2)
        .await;
    browser.wait_focus("phones-add").await;

    // Select a phone with Space and delete it after confirming with the keyboard.
    browser.tab_to("select-00085D1A2B3D").await;
    browser.keys(SPACE).await;
    browser
        .wait_text("#selected-count", |t| t.starts_with("1 selected"))
        .await;
    browser.tab_to("phones-delete").await;
    browser.keys(ENTER).await;
    browser.find("#delete-phones-confirm").await;
    browser.tab_to("delete-phones-confirm").await;
    browser.keys(ENTER).await;
    browser
        .wait_text("#phones-notice", |t| t == "Deleted 1 phone(s).")
        .await;
    browser.wait_count("#phones-table tbody tr", 1).await;

    // A phone's detail is a link in the table, followed with Enter.
    browser.tab_to("phone-link-00085D1A2B3C").await;
    browser.keys(ENTER).await;
    browser
        .wait_text("#phone-facts", |t| t.contains("Main PBX"))
        .await;

    // Log out.
    browser.tab_to("logout-button").await;
    browser.keys(ENTER).await;
    browser
        .wait_text("#logout-message", |t| t == "Logout Successful.")
        .await;
    browser.quit().await;
}
