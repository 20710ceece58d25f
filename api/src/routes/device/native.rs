//! `/phone/{file}`: the files real phones fetch at boot, answered in their vendor's syntax
//! (`device::native`), for the phone the client certificate names.
//!
//! Order of checks: the certificate first (so every later refusal comes from a trusted
//! sender, see [`Refusal::from_trusted_sender`]), then who the User-Agent says asks, then
//! which vendor fetches such a file, then which MAC: the one in the file name (it must be
//! the certificate's) or, for a file without one, the certificate's.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rcs_shared::{ApiError, BootOutcome};

use super::{base_url, look_up, send_blob, Contact, DeviceQuery};
use crate::db::boot_events::NewBootEvent;
use crate::db::device;
use crate::device::native::{self, Adapter, Kind, Plan, Recognised, Requested};
use crate::device::user_agent::{self, Reported};
use crate::device::{PeerChain, Refusal};
use crate::domain::{Mac, Vendor};
use crate::error::Error;
use crate::routes::auth::client_address;
use crate::state::AppState;

/// Whether some vendor's phones fetch `file` (for names without a dot).
pub(super) fn fetched_by_some_vendor(file: &str) -> bool {
    native::adapters()
        .iter()
        .any(|a| a.classify(file).is_some())
}

/// Answers `file` for the phone the certificate names.
pub(super) async fn serve(
    req: &HttpRequest,
    state: &AppState,
    file: &str,
    query: &DeviceQuery,
) -> actix_web::Result<HttpResponse> {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let asked = match identify(req, state, file, query, user_agent.as_deref()) {
        Ok(asked) => asked,
        Err((refusal, mac)) => {
            refused(req, state, file, mac, user_agent, &refusal).await;
            return Err(refusal.into());
        }
    };
    let Asked {
        adapter,
        mut requested,
        mac,
        reported,
    } = asked;
    requested.starts_boot = adapter.starts_boot(&requested, user_agent.as_deref());
    let contact = Contact {
        mac,
        reported,
        addr: client_address(req, state.settings.trust_forwarded_for),
        user_agent: user_agent.map(|ua| ua.chars().take(user_agent::MAX_USER_AGENT).collect()),
        vendor: Some(adapter.vendor()),
        boot_key: None,
    };
    let Some(phone) = look_up(state, &contact).await? else {
        return Err(unregistered(req, state, contact, &requested).await.into());
    };
    if phone.suspended {
        return Err(super::suspended(state, &contact, phone.account_id)
            .await
            .into());
    }
    // A request that does not say which release runs (Poly's Updater) is taken to run what
    // the phone last said it ran, so a phone on its pinned release is not offered it again.
    // That changes with every boot, so it is read from the database, not the directory.
    let running = match contact.reported.firmware.clone() {
        Some(running) => Some(running),
        None => device::reported_firmware(&state.db, contact.mac.as_str())
            .await
            .map_err(Error::from)?,
    };
    let plan = Plan::new(
        contact.mac.clone(),
        adapter.vendor(),
        &phone,
        contact.reported.model.clone(),
        running,
        &base_url(req, state),
    );
    if requested.kind == Kind::Image {
        return image(req, state, contact, &requested, &plan, phone.account_id).await;
    }
    configuration(state, contact, adapter, &requested, &plan, phone.account_id).await
}

/// A configuration file in the vendor's syntax, recorded as one more file of the boot.
async fn configuration(
    state: &AppState,
    mut contact: Contact,
    adapter: &dyn Adapter,
    requested: &Requested,
    plan: &Plan,
    account_id: i64,
) -> actix_web::Result<HttpResponse> {
    let rendered = adapter.render(requested, plan);
    if rendered.said.contains("warning:") {
        tracing::warn!(mac = %contact.mac, detail = %rendered.said, "native boot answered with a warning");
    }
    let boot = state.device.sessions.file(
        &contact.mac,
        Some(account_id),
        requested.starts_boot,
        rendered.outcome,
    );
    if boot.new {
        state.metrics.boot(boot.outcome);
    }
    contact.boot_key = Some(boot.key);
    state
        .device
        .recorder
        .record(contact.event(Some(account_id), boot.outcome, rendered.said))
        .await;
    match rendered.body {
        Some(body) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type(rendered.content_type)
            .body(body)),
        None => Ok(not_for_this_phone(&requested.file)),
    }
}

/// An unregistered MAC: 404, recorded as one unknown boot however many files it tries.
async fn unregistered(
    req: &HttpRequest,
    state: &AppState,
    mut contact: Contact,
    requested: &Requested,
) -> Error {
    let boot = state.device.sessions.file(
        &contact.mac,
        None,
        requested.starts_boot,
        BootOutcome::Unknown,
    );
    if boot.new {
        state.metrics.boot(BootOutcome::Unknown);
    }
    contact.boot_key = Some(boot.key);
    let said = format!("{}: MAC not registered", requested.file);
    let detail = super::unknown_detail(req, &said);
    state
        .device
        .recorder
        .record(contact.event(None, BootOutcome::Unknown, detail))
        .await;
    Error::not_found(
        "phone_not_registered",
        "This phone is not registered with any service provider.",
    )
}

/// A firmware image under its native name: the pinned one when the phone must switch to it;
/// otherwise 404, which is how the vendors' phones learn there is nothing to take.
async fn image(
    req: &HttpRequest,
    state: &AppState,
    mut contact: Contact,
    requested: &Requested,
    plan: &Plan,
    account_id: i64,
) -> actix_web::Result<HttpResponse> {
    let due = plan
        .image()
        .filter(|(_, image)| image.name.eq_ignore_ascii_case(&requested.file));
    let outcome = if due.is_some() {
        BootOutcome::FirmwareSent
    } else {
        BootOutcome::Redirected
    };
    let boot = state.device.sessions.file(
        &contact.mac,
        Some(account_id),
        requested.starts_boot,
        outcome,
    );
    if boot.new {
        state.metrics.boot(boot.outcome);
    }
    contact.boot_key = Some(boot.key);
    let Some((release, image)) = due else {
        let why = match plan.image() {
            Some((release, image)) => {
                format!("firmware {release} is due as {}, not this file", image.name)
            }
            None => plan.steps_note(),
        };
        let detail = format!("{}: no image sent ({why})", requested.file);
        state
            .device
            .recorder
            .record(contact.event(Some(account_id), boot.outcome, detail))
            .await;
        return Ok(not_for_this_phone(&requested.file));
    };
    let detail = format!(
        "{}: firmware {} -> {release} downloaded",
        requested.file,
        plan.running.as_deref().unwrap_or("unknown")
    );
    let file = crate::db::device::StoredFile {
        name: image.name.clone(),
        sha256: image.sha256.clone(),
        size: image.size,
    };
    send_blob(
        req,
        state,
        &contact,
        account_id,
        &file,
        boot.outcome,
        detail,
    )
    .await
}

fn not_for_this_phone(file: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ApiError::new(
            "not_for_this_phone",
            format!("rcs has no {file} for this phone now."),
        ))
}

/// Who asks for what: the adapter, the file, the phone and what it reported.
struct Asked {
    adapter: &'static dyn Adapter,
    requested: Requested,
    mac: Mac,
    reported: Reported,
}

/// The checks, in order. A refusal carries the MAC it concerns when one is known (the file's,
/// the certificate's, or the User-Agent's), for the history.
fn identify(
    req: &HttpRequest,
    state: &AppState,
    file: &str,
    query: &DeviceQuery,
    user_agent: Option<&str>,
) -> Result<Asked, (Refusal, Option<Mac>)> {
    // Every vendor that fetches such a file, classified once.
    let candidates: Vec<(&'static dyn Adapter, Requested)> = native::adapters()
        .iter()
        .filter_map(|a| a.classify(file).map(|r| (*a, r)))
        .collect();
    let file_mac = candidates.iter().find_map(|(_, r)| match &r.kind {
        Kind::PerPhone(mac) => Some(mac.clone()),
        _ => None,
    });
    let chain = req
        .conn_data::<PeerChain>()
        .ok_or((Refusal::NoCertificate, file_mac.clone()))?;
    let macs = chain
        .identify(&state.device.trust)
        .map_err(|p| (Refusal::Certificate(p), file_mac.clone()))?;
    let single = (macs.len() == 1).then(|| macs[0].clone());
    let about = file_mac.clone().or_else(|| single.clone());
    let fail = |refusal| (refusal, about.clone());

    let recognised = match user_agent {
        Some(ua) => native::recognise(ua).map_err(|e| fail(Refusal::Malformed(e.0)))?,
        None => Recognised::Nothing,
    };
    let (ua_vendor, mut reported) = match recognised {
        Recognised::Vendor(v, r) => (Some(v), r),
        Recognised::Unsupported(name) => return Err(fail(Refusal::UnsupportedVendor(name))),
        Recognised::Nothing => (None, Reported::default()),
    };
    let (adapter, requested) =
        pick_adapter(file, &candidates, ua_vendor, about.as_ref()).map_err(fail)?;
    let mac = which_mac(&requested, single.as_ref(), &reported, macs)
        .map_err(|(r, m)| (r, m.or_else(|| about.clone())))?;
    let fail = |refusal| (refusal, Some(mac.clone()));
    if !macs.contains(&mac) {
        return Err(fail(Refusal::MacMismatch {
            found: macs.iter().map(ToString::to_string).collect(),
        }));
    }
    if reported.mac.as_ref().is_some_and(|m| *m != mac) {
        return Err(fail(Refusal::UserAgentMismatch));
    }
    if let Some(model) = &query.model {
        reported.model = Some(
            adapter
                .model(model)
                .map_err(|e| fail(Refusal::Malformed(e.0)))?,
        );
    }
    if reported.model.is_none() {
        reported.model = requested.model.clone();
    }
    if let Some(firmware) = &query.firmware {
        reported.firmware =
            Some(user_agent::firmware(firmware).map_err(|e| fail(Refusal::Malformed(e.0)))?);
    }
    Ok(Asked {
        adapter,
        requested,
        mac,
        reported,
    })
}

/// The vendor that fetches `file`: the User-Agent's (which must fetch such a file), else the
/// one whose maker prefix the MAC carries, else the first that fetches it.
fn pick_adapter(
    file: &str,
    candidates: &[(&'static dyn Adapter, Requested)],
    ua_vendor: Option<Vendor>,
    about: Option<&Mac>,
) -> Result<(&'static dyn Adapter, Requested), Refusal> {
    if candidates.is_empty() {
        return Err(Refusal::UnknownFile);
    }
    let by_vendor = |v: Vendor| candidates.iter().find(|(a, _)| a.vendor() == v);
    let chosen = match ua_vendor {
        Some(v) => by_vendor(v).ok_or_else(|| Refusal::VendorMismatch {
            user_agent: v,
            file: file.to_string(),
        })?,
        None => about
            .and_then(Vendor::of_mac)
            .and_then(by_vendor)
            .unwrap_or(&candidates[0]),
    };
    Ok(chosen.clone())
}

/// The phone asking: the file's MAC, or for a file without one the certificate's only MAC,
/// or the one of its MACs the User-Agent names. A refusal may name the MAC it concerns.
fn which_mac(
    requested: &Requested,
    single: Option<&Mac>,
    reported: &Reported,
    macs: &[Mac],
) -> Result<Mac, (Refusal, Option<Mac>)> {
    let found = || macs.iter().map(ToString::to_string).collect();
    match (&requested.kind, single, &reported.mac) {
        (Kind::PerPhone(mac), _, _) => Ok(mac.clone()),
        (_, Some(mac), _) => Ok(mac.clone()),
        (_, None, Some(ua_mac)) if macs.contains(ua_mac) => Ok(ua_mac.clone()),
        (_, None, Some(ua_mac)) => Err((
            Refusal::MacMismatch { found: found() },
            Some(ua_mac.clone()),
        )),
        (_, None, None) if macs.is_empty() => Err((Refusal::MacMismatch { found: vec![] }, None)),
        (_, None, None) => Err((Refusal::WhichPhone, None)),
    }
}

/// Counts and records a refusal of a native file, like [`super::refused`]: in the account
/// of the MAC asked about only when the sender's certificate was trusted; a sender with no
/// MAC to show is recorded with none, for the operator.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    file: &str,
    mac: Option<Mac>,
    user_agent: Option<String>,
    refusal: &Refusal,
) {
    state.metrics.refusal(refusal.code());
    let addr = client_address(req, state.settings.trust_forwarded_for);
    tracing::info!(file, ?mac, %addr, code = refusal.code(), "device request refused");
    let trusted = refusal.from_trusted_sender();
    let account = match (&mac, trusted) {
        (Some(mac), true) => device::account_of(&state.db, mac.as_str())
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    let keep = if trusted {
        user_agent::MAX_USER_AGENT
    } else {
        user_agent::MAX_UNPROVEN_USER_AGENT
    };
    let shown: String = file.chars().take(64).collect();
    state
        .device
        .recorder
        .record(NewBootEvent {
            account_id: account,
            mac: mac.map(Mac::into_string).unwrap_or_default(),
            at: crate::db::now(),
            addr: Some(addr),
            user_agent: user_agent.map(|ua| ua.chars().take(keep).collect()),
            model: None,
            firmware: None,
            outcome: BootOutcome::Refused,
            detail: format!("{shown:?}: {}: {refusal}", refusal.code()),
            vendor: None,
            boot_key: None,
        })
        .await;
}
