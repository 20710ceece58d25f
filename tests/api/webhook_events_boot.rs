//! The webhook events of phone contacts, from real mTLS contacts through the boot recorder
//! to a real HTTP receiver: `phone.first_contact` once, `phone.boot` for each boot (a native
//! boot of several files is one), `phone.boot_refused` for a refused contact of a registered
//! phone; nothing for an unregistered phone, another account, or a webhook not subscribed.

use std::time::Duration;

use crate::device::native::aastra::{AastraPhone, Ended};
use crate::device::native::{fetch, history_when};
use crate::helpers::device::{booth_with, provision, Booth, Provisioned, MAC, UA_OLD};
use crate::helpers::Engine;
use crate::on_both_engines;
use crate::webhook_events::{add_webhook, fast_hooks, queued, Received, Receiver};

on_both_engines!(
    a_phones_first_contact_is_told_once_and_each_boot_every_time,
    a_native_boot_of_several_files_is_one_boot,
    a_refused_contact_of_a_registered_phone_is_told,
);

const CONTACTS: [&str; 3] = ["phone.first_contact", "phone.boot", "phone.boot_refused"];

/// A booth with fast deliveries, "Acme" with the phone [`MAC`], and a receiver taking the
/// contact events of Acme's phones.
async fn setup(engine: Engine) -> (Booth, Provisioned, Receiver, i64) {
    let b = booth_with(engine, fast_hooks).await;
    let p = provision(&b.app, "Acme", MAC, None).await;
    let receiver = Receiver::start().await;
    let hook = add_webhook(&b.app, p.account_id, "contacts", &receiver.url, &CONTACTS).await;
    (b, p, receiver, hook)
}

fn kinds(got: &[Received]) -> Vec<&str> {
    got.iter().map(Received::kind).collect()
}

/// Waits a little longer than the recorder and the dispatcher need, then answers what came:
/// to show that nothing more does.
async fn settled(receiver: &Receiver, n: usize) -> Vec<Received> {
    receiver.wait_for(n).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    receiver.received()
}

async fn a_phones_first_contact_is_told_once_and_each_boot_every_time(engine: Engine) {
    let (b, p, receiver, hook) = setup(engine).await;
    let (other_id, _) = b.app.admin_of("Globex").await;
    let theirs = add_webhook(&b.app, other_id, "theirs", &receiver.url, &CONTACTS).await;
    let unsubscribed = ["phones.added", "phones.removed"];
    let other_events =
        add_webhook(&b.app, p.account_id, "lists", &receiver.url, &unsubscribed).await;

    let phone = b.phone_for(MAC);
    for _ in 0..2 {
        let response = b.boot(&phone, &format!("/phone/{MAC}"), UA_OLD).await;
        assert_eq!(response.status(), 200);
    }
    let got = settled(&receiver, 3).await;
    assert_eq!(
        kinds(&got),
        ["phone.first_contact", "phone.boot", "phone.boot"]
    );
    let data = &got[0].body["data"];
    assert_eq!(data["mac"], "00:08:5D:1A:2B:3C");
    assert_eq!(data["model"], "6757i");
    assert_eq!(data["addr"], "127.0.0.1");
    assert!(data["outcome"].as_str().is_some_and(|o| o != "refused"));
    assert_eq!(got[1].body["data"]["mac"], "00:08:5D:1A:2B:3C");
    assert_ne!(got[1].header("webhook-id"), got[2].header("webhook-id"));

    // A third boot, later: one more boot, no second first contact.
    let response = b.boot(&phone, &format!("/phone/{MAC}"), UA_OLD).await;
    assert_eq!(response.status(), 200);
    let got = settled(&receiver, 4).await;
    assert_eq!(kinds(&got[3..]), ["phone.boot"]);
    assert_eq!(queued(&b.app, hook).await, 4);
    assert_eq!(queued(&b.app, theirs).await, 0, "another account");
    assert_eq!(queued(&b.app, other_events).await, 0, "not subscribed");

    // An unregistered phone's contact belongs to nobody: nobody is told.
    let stranger = "00085D99AA01";
    let unknown = b
        .boot(&b.phone_for(stranger), &format!("/phone/{stranger}"), "")
        .await;
    assert!(unknown.status().is_client_error());
    let got = settled(&receiver, 4).await;
    assert_eq!(got.len(), 4, "{got:#?}");
}

async fn a_native_boot_of_several_files_is_one_boot(engine: Engine) {
    let (b, p, receiver, hook) = setup(engine).await;
    let client = b.phone_for(MAC);
    let mut phone = AastraPhone::new(MAC, "6757i", "3.3.1.4322");
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    let files = phone.fetched.len();
    assert!(files >= 3, "{:?}", phone.paths());
    let settled_history = |items: &[rcs_shared::BootEvent]| {
        items.len() == 1 && items[0].detail.matches(" | ").count() + 1 == files
    };
    history_when(&b.app, &p.token, MAC, settled_history).await;
    let got = settled(&receiver, 2).await;
    assert_eq!(kinds(&got), ["phone.first_contact", "phone.boot"]);
    let data = &got[1].body["data"];
    assert_eq!(data["mac"], "00:08:5D:1A:2B:3C");
    assert_eq!(data["vendor"], "aastra");

    // The next boot is one more event, whatever number of files it fetches.
    assert_eq!(phone.boot(&b, &client).await, Ended::Configured);
    let history = |items: &[rcs_shared::BootEvent]| items.len() == 2;
    history_when(&b.app, &p.token, MAC, history).await;
    let got = settled(&receiver, 3).await;
    assert_eq!(kinds(&got[2..]), ["phone.boot"]);
    assert_eq!(queued(&b.app, hook).await, 3);
}

async fn a_refused_contact_of_a_registered_phone_is_told(engine: Engine) {
    let (b, p, receiver, hook) = setup(engine).await;
    // A trusted certificate of another phone asking for this phone's file: refused, and in
    // this phone's history.
    let other = b.phone_for("00085D99AA02");
    let got = fetch(&b, &other, &format!("/phone/{MAC}.cfg"), "").await;
    assert_eq!(got.status, 403);
    history_when(&b.app, &p.token, MAC, |items| !items.is_empty()).await;
    let got = settled(&receiver, 1).await;
    assert_eq!(kinds(&got), ["phone.boot_refused"]);
    let data = &got[0].body["data"];
    assert_eq!(data["mac"], "00:08:5D:1A:2B:3C");
    assert_eq!(data["outcome"], "refused");
    assert!(
        data["detail"]
            .as_str()
            .unwrap()
            .contains("certificate_mac_mismatch"),
        "{data}"
    );
    assert_eq!(
        queued(&b.app, hook).await,
        1,
        "a refusal is no first contact"
    );

    // A sender without a trusted certificate proves nothing: nobody is told.
    let anonymous = b.phone(None);
    let got = fetch(&b, &anonymous, &format!("/phone/{MAC}.cfg"), UA_OLD).await;
    assert_eq!(got.status, 401);
    let got = settled(&receiver, 1).await;
    assert_eq!(got.len(), 1, "{got:#?}");
}
