//! `/phone/{mac}`: the device route phones call at boot, over mutual TLS, and the downloads
//! it points them to. Not under `/api/v1`: the phones' firmware knows this path.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use rcs_shared::{ApiError, BootOutcome, DeviceAnswer};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::boot_events::NewBootEvent;
use crate::db::device::{self, DevicePhone};
use crate::device::answer::{self, Decision};
use crate::device::links;
use crate::device::user_agent::{self, Reported};
use crate::device::{ArrivedAt, PeerChain, Refusal};
use crate::domain::Mac;
use crate::error::Error;
use crate::routes::auth::client_address;
use crate::state::AppState;

mod download;
mod native;

use download::send_blob;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(boot)
        .service(firmware_image)
        .service(branding_file);
}

/// What a phone may add to its User-Agent in the query string (these win).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    /// The phone's model, e.g. `6757i` (`57i` is read as `6757i`).
    pub model: Option<String>,
    /// The firmware version the phone runs, e.g. `3.2.2.1136`.
    pub firmware: Option<String>,
}

/// A checked device request: the phone's MAC, what it reported, and how to reach it.
struct Contact {
    mac: Mac,
    reported: Reported,
    addr: String,
    user_agent: Option<String>,
    /// The vendor whose native files the phone fetches (`None`: rcs's JSON protocol).
    vendor: Option<crate::domain::Vendor>,
    /// The native boot this contact belongs to (one history entry per boot).
    boot_key: Option<String>,
}

impl Contact {
    fn event(&self, account_id: Option<i64>, outcome: BootOutcome, detail: String) -> NewBootEvent {
        NewBootEvent {
            account_id,
            mac: self.mac.to_string(),
            at: crate::db::now(),
            addr: Some(self.addr.clone()),
            user_agent: self.user_agent.clone(),
            model: self.reported.model.clone(),
            firmware: self.reported.firmware.clone(),
            outcome,
            detail,
            vendor: self.vendor.map(|v| v.as_str().to_string()),
            boot_key: self.boot_key.clone(),
        }
    }
}

/// Tells a booting phone what to do: rcs's own JSON protocol at `/phone/{MAC}`, and the
/// files real phones fetch at `/phone/{file}` in their vendor's syntax.
///
/// The client certificate must chain to a trusted device CA and name the phone's MAC (in the
/// subject CN or a SAN entry); a file without a MAC in its name (`aastra.cfg`) is answered
/// for the phone the certificate names. Every contact is recorded in the phone's boot
/// history; the files of one native boot are one entry.
///
/// - `/phone/{MAC}`: JSON (branding, firmware, redirect actions, in that order), for scripts
///   and tools; with `Accept: text/plain` the same as `/phone/{MAC}.cfg`.
/// - `/phone/{file}`: Aastra/Mitel `aastra.cfg`, `startup.cfg`, `<model>.cfg`, `<MAC>.cfg`,
///   `<model>.st`, and the other vendors' boot files (see docs/pointing-phones-at-rcs.md).
#[utoipa::path(
    tag = "device",
    security(("mutual_tls" = [])),
    params(
        ("file" = String, Path, description = "The phone's MAC in any usual spelling (JSON protocol), or a file name a phone fetches at boot", example = "00085D1A2B3C"),
        ("User-Agent" = Option<String>, Header, description = "As the phones send it: `Aastra6757i MAC:00-08-5D-1A-2B-3C V:3.2.2.1136-SIP`"),
        DeviceQuery,
    ),
    responses(
        (status = 200, description = "What to do: JSON actions in order, a configuration file in the vendor's syntax, or a firmware image", content(
            (DeviceAnswer = "application/json"),
            (String = "text/plain", example = "download protocol: HTTPS\nhttps server: pbx.example.net\nhttps path: cfg/\n"),
            (String = "application/xml"),
            (Vec<u8> = "application/octet-stream"),
        )),
        (status = 206, description = "A range of a firmware image", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The phone already has this image"),
        (status = 400, description = "Not a MAC (`invalid_mac`); a malformed User-Agent or query (`invalid_device_request`); a file of another vendor than the User-Agent's (`file_of_another_vendor`); a vendor rcs does not provision natively (`unsupported_vendor`); a certificate naming several MACs for a file without one (`certificate_names_several_phones`)", body = ApiError),
        (status = 401, description = "No client certificate (`certificate_required`), or one that is untrusted, expired, not yet valid or revoked", body = ApiError),
        (status = 403, description = "The certificate (`certificate_mac_mismatch`) or User-Agent (`user_agent_mac_mismatch`) names another MAC; the account that registered the phone is suspended (`account_suspended`)", body = ApiError),
        (status = 404, description = "No account registered this MAC (`phone_not_registered`); no vendor fetches such a file (`unknown_device_file`); nothing of this name for this phone now, which the phone's vendor expects (`not_for_this_phone`, e.g. `<model>.st` when its firmware is current)", body = ApiError),
        (status = 416, description = "The range lies outside the image", body = ApiError),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds", body = ApiError),
    )
)]
#[get("/phone/{file}")]
pub async fn boot(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DeviceQuery>,
) -> actix_web::Result<HttpResponse> {
    let segment = path.into_inner();
    let as_mac = (!segment.contains('.'))
        .then(|| Mac::parse(&segment).ok())
        .flatten();
    match as_mac {
        Some(mac) if wants_text(&req) => {
            native::serve(&req, &state, &format!("{mac}.cfg"), &query).await
        }
        Some(_) => json_boot(&req, &state, &segment, &query).await,
        // Not a MAC and no vendor's file either (Grandstream's `cfg<mac>` has no dot).
        None if !segment.contains('.') && !native::fetched_by_some_vendor(&segment) => {
            let refusal = check(&req, &state, &segment, &query).await.err();
            Err(refusal.unwrap_or(Refusal::InvalidMac).into())
        }
        None => native::serve(&req, &state, &segment, &query).await,
    }
}

/// rcs's own protocol: what to do, as JSON actions.
async fn json_boot(
    req: &HttpRequest,
    state: &AppState,
    mac_text: &str,
    query: &DeviceQuery,
) -> actix_web::Result<HttpResponse> {
    let contact = check(req, state, mac_text, query).await?;
    let device = &state.device;
    let phone = registered(req, state, &contact).await?;
    let Decision {
        answer,
        outcome,
        detail,
    } = answer::decide(
        &contact.mac,
        &phone,
        &contact.reported,
        &base_url(req, state),
    );
    if detail.contains("warning:") {
        tracing::warn!(mac = %contact.mac, %detail, "boot answered with a warning");
    }
    device
        .recorder
        .record(contact.event(Some(phone.account_id), outcome, detail))
        .await;
    state.metrics.boot(outcome);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// Streams the firmware image a boot answer pointed the phone to: the pinned release's image
/// for the model the phone reports. Supports `Range` and `If-None-Match` (the ETag is the
/// image's SHA-256).
#[utoipa::path(
    tag = "device",
    security(("mutual_tls" = [])),
    params(
        ("mac" = String, Path, description = "The phone's MAC", example = "00085D1A2B3C"),
        ("User-Agent" = Option<String>, Header, description = "Names the model the image is for"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "The image's SHA-256 in quotes"),
        DeviceQuery,
    ),
    responses(
        (status = 200, description = "The whole image", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The phone already has this image"),
        (status = 400, description = "Malformed MAC, User-Agent or query", body = ApiError),
        (status = 401, description = "No, or no valid, client certificate", body = ApiError),
        (status = 403, description = "The certificate or User-Agent names another MAC (`certificate_mac_mismatch`, `user_agent_mac_mismatch`), or the account is suspended (`account_suspended`)", body = ApiError),
        (status = 404, description = "Unknown MAC (`phone_not_registered`), or no image for this phone (`firmware_not_found`)", body = ApiError),
        (status = 416, description = "The range lies outside the image", body = ApiError),
        (status = 503, description = "The database is unavailable", body = ApiError),
    )
)]
#[get("/phone/{mac}/firmware")]
pub async fn firmware_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DeviceQuery>,
) -> actix_web::Result<HttpResponse> {
    let contact = check(&req, &state, &path, &query).await?;
    let phone = registered(&req, &state, &contact).await?;
    let (Some(release), Some(image)) = (&phone.firmware, &phone.image) else {
        let why = match (&phone.firmware, &contact.reported.model) {
            (None, _) => "no firmware release is pinned for this phone".to_string(),
            (Some(r), None) => {
                format!("firmware {r} is pinned but the phone did not report its model")
            }
            (Some(r), Some(m)) => format!("firmware {r} has no image for model {m}"),
        };
        record(
            &state,
            &contact,
            phone.account_id,
            BootOutcome::Redirected,
            format!("firmware download refused: {why}"),
        )
        .await;
        return Err(Error::not_found(
            "firmware_not_found",
            format!("No firmware image for this phone: {why}."),
        )
        .into());
    };
    let detail = format!("firmware {release} image {} downloaded", image.name);
    let (contact, detail) = in_native_boot(
        &state,
        contact,
        phone.account_id,
        BootOutcome::FirmwareSent,
        &image.name,
        detail,
    );
    send_blob(
        &req,
        &state,
        &contact,
        phone.account_id,
        image,
        BootOutcome::FirmwareSent,
        detail,
    )
    .await
}

/// Streams one file of the phone's branding (its own or the account's default). Supports
/// `Range` and `If-None-Match` (the ETag is the file's SHA-256).
#[utoipa::path(
    tag = "device",
    security(("mutual_tls" = [])),
    params(
        ("mac" = String, Path, description = "The phone's MAC", example = "00085D1A2B3C"),
        ("name" = String, Path, description = "The file's name in the branding", example = "logo.png"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "The file's SHA-256 in quotes"),
    ),
    responses(
        (status = 200, description = "The whole file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The phone already has this file"),
        (status = 400, description = "Malformed MAC or User-Agent", body = ApiError),
        (status = 401, description = "No, or no valid, client certificate", body = ApiError),
        (status = 403, description = "The certificate or User-Agent names another MAC (`certificate_mac_mismatch`, `user_agent_mac_mismatch`), or the account is suspended (`account_suspended`)", body = ApiError),
        (status = 404, description = "Unknown MAC (`phone_not_registered`), or no such file in the phone's branding (`branding_file_not_found`)", body = ApiError),
        (status = 416, description = "The range lies outside the file", body = ApiError),
        (status = 503, description = "The database is unavailable", body = ApiError),
    )
)]
#[get("/phone/{mac}/branding/{name}")]
pub async fn branding_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> actix_web::Result<HttpResponse> {
    let (mac, name) = path.into_inner();
    let contact = check(&req, &state, &mac, &DeviceQuery::default()).await?;
    let phone = registered(&req, &state, &contact).await?;
    let file = phone.branding.as_ref().and_then(|(branding, files)| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| (branding.clone(), f.clone()))
    });
    let Some((branding, file)) = file else {
        return Err(Error::not_found(
            "branding_file_not_found",
            "The phone's branding has no file of that name.",
        )
        .into());
    };
    let detail = format!("branding {branding:?} file {:?} downloaded", file.name);
    let (contact, detail) = in_native_boot(
        &state,
        contact,
        phone.account_id,
        BootOutcome::BrandingSent,
        &file.name,
        detail,
    );
    send_blob(
        &req,
        &state,
        &contact,
        phone.account_id,
        &file,
        BootOutcome::BrandingSent,
        detail,
    )
    .await
}

/// A download by a phone that booted natively (its User-Agent names its vendor) is one more
/// file of that boot: it joins the boot's history entry (as `<file>: <detail>`) instead of
/// making its own.
fn in_native_boot(
    state: &AppState,
    mut contact: Contact,
    account_id: i64,
    outcome: BootOutcome,
    file: &str,
    detail: String,
) -> (Contact, String) {
    let Some(vendor) = contact.reported.vendor else {
        return (contact, detail);
    };
    let native = state
        .device
        .sessions
        .file(&contact.mac, Some(account_id), false, outcome);
    contact.vendor = Some(vendor);
    contact.boot_key = Some(native.key);
    (contact, format!("{file}: {detail}"))
}

/// Checks the certificate, the MAC and what the phone reports; records refusals.
async fn check(
    req: &HttpRequest,
    state: &AppState,
    mac_text: &str,
    query: &DeviceQuery,
) -> Result<Contact, Refusal> {
    let Ok(mac) = Mac::parse(mac_text) else {
        state.metrics.refusal(Refusal::InvalidMac.code());
        tracing::info!(path = %req.path(), "device request refused: not a MAC");
        return Err(Refusal::InvalidMac);
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut contact = Contact {
        mac,
        reported: Reported::default(),
        addr: client_address(req, state.settings.trust_forwarded_for),
        user_agent: user_agent
            .as_deref()
            .map(|ua| ua.chars().take(user_agent::MAX_USER_AGENT).collect()),
        vendor: None,
        boot_key: None,
    };
    match identify(req, state, &contact, query, user_agent.as_deref()) {
        Ok(reported) => {
            contact.reported = reported;
            Ok(contact)
        }
        Err(refusal) => {
            refused(state, contact, &refusal).await;
            Err(refusal)
        }
    }
}

/// Counts and records a refusal. A sender with a trusted certificate is recorded in the
/// history of the account that registered the MAC it asked about; anybody else in no account
/// (the operator's `rcs phones refused`), with only the start of its User-Agent, where
/// housekeeping keeps the newest `unattributed_boot_events_max` contacts.
async fn refused(state: &AppState, mut contact: Contact, refusal: &Refusal) {
    state.metrics.refusal(refusal.code());
    tracing::info!(mac = %contact.mac, addr = %contact.addr, code = refusal.code(), "device request refused");
    let account = if refusal.from_trusted_sender() {
        device::account_of(&state.db, contact.mac.as_str())
            .await
            .ok()
            .flatten()
    } else {
        contact.user_agent = contact.user_agent.map(|ua| {
            ua.chars()
                .take(user_agent::MAX_UNPROVEN_USER_AGENT)
                .collect()
        });
        None
    };
    let detail = format!("{}: {refusal}", refusal.code());
    state
        .device
        .recorder
        .record(contact.event(account, BootOutcome::Refused, detail))
        .await;
}

/// What the phone reports, once its certificate speaks for `contact.mac`. The chain is checked
/// first: [`Refusal::from_trusted_sender`] relies on every later refusal having passed it.
fn identify(
    req: &HttpRequest,
    state: &AppState,
    contact: &Contact,
    query: &DeviceQuery,
    user_agent: Option<&str>,
) -> Result<Reported, Refusal> {
    let chain = req.conn_data::<PeerChain>().ok_or(Refusal::NoCertificate)?;
    let macs = chain
        .identify(&state.device.trust)
        .map_err(Refusal::Certificate)?;
    if !macs.contains(&contact.mac) {
        return Err(Refusal::MacMismatch {
            found: macs.iter().map(ToString::to_string).collect(),
        });
    }
    let mut reported = match user_agent {
        Some(ua) => user_agent::parse(ua).map_err(|e| Refusal::Malformed(e.0))?,
        None => Reported::default(),
    };
    if reported.mac.as_ref().is_some_and(|m| *m != contact.mac) {
        return Err(Refusal::UserAgentMismatch);
    }
    if let Some(model) = &query.model {
        reported.model =
            Some(user_agent::normalise_model(model).map_err(|e| Refusal::Malformed(e.0))?);
    }
    if let Some(firmware) = &query.firmware {
        reported.firmware =
            Some(user_agent::firmware(firmware).map_err(|e| Refusal::Malformed(e.0))?);
    }
    Ok(reported)
}

/// The answer for the phone making `contact` (by its MAC and the model it reports), from the
/// node's device directory or the database; `None`: no such phone is registered.
async fn look_up(state: &AppState, contact: &Contact) -> Result<Option<Arc<DevicePhone>>, Error> {
    state
        .device
        .directory
        .lookup(
            &state.db,
            contact.mac.as_str(),
            contact.reported.model.as_deref(),
        )
        .await
        .map_err(Error::from)
}

/// The registered phone, or a 404 recorded as an unknown contact.
async fn registered(
    req: &HttpRequest,
    state: &AppState,
    contact: &Contact,
) -> actix_web::Result<Arc<DevicePhone>> {
    match look_up(state, contact).await? {
        Some(phone) if phone.suspended => {
            Err(suspended(state, contact, phone.account_id).await.into())
        }
        Some(phone) => Ok(phone),
        None => Err(unknown(req, state, contact).await.into()),
    }
}

/// A phone of a suspended account: 403 `account_suspended`, recorded as a refusal in the
/// account's history (the operator's summary counts it by that code).
async fn suspended(state: &AppState, contact: &Contact, account_id: i64) -> Error {
    const CODE: &str = "account_suspended";
    state.metrics.refusal(CODE);
    tracing::info!(mac = %contact.mac, account_id, "device request refused: account suspended");
    let error = Error::account_suspended();
    let detail = format!("{CODE}: {error}");
    state
        .device
        .recorder
        .record(contact.event(Some(account_id), BootOutcome::Refused, detail))
        .await;
    error
}

/// The detail of an unknown contact: with the certificate's issuer, which tells the operator
/// whose phone it is (`db::platform` reads it back).
fn unknown_detail(req: &HttpRequest, said: &str) -> String {
    match req.conn_data::<PeerChain>().and_then(PeerChain::issuer) {
        Some(issuer) => format!("{said} {}{issuer})", crate::db::platform::ISSUER_MARK),
        None => said.to_string(),
    }
}

async fn unknown(req: &HttpRequest, state: &AppState, contact: &Contact) -> Error {
    state.metrics.boot(BootOutcome::Unknown);
    tracing::info!(mac = %contact.mac, addr = %contact.addr, "boot from an unregistered MAC");
    state
        .device
        .recorder
        .record(contact.event(
            None,
            BootOutcome::Unknown,
            unknown_detail(req, "MAC not registered"),
        ))
        .await;
    Error::not_found(
        "phone_not_registered",
        "This phone is not registered with any service provider.",
    )
}

async fn record(
    state: &AppState,
    contact: &Contact,
    account_id: i64,
    outcome: BootOutcome,
    detail: String,
) {
    state
        .device
        .recorder
        .record(contact.event(Some(account_id), outcome, detail))
        .await;
}

/// JSON unless the client prefers plain text.
fn wants_text(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    accept.contains("text/plain") && !accept.contains("application/json")
}

/// Where phones reach rcs, for the links in their answer: see [`links::base`]. The forwarded
/// host (actix's `Forwarded`, `X-Forwarded-Host`, then `Host`) is read only behind a trusted
/// proxy; otherwise no request header has a say.
fn base_url(req: &HttpRequest, state: &AppState) -> String {
    let info = state
        .settings
        .trust_forwarded_for
        .then(|| req.connection_info());
    links::base(
        &state.settings,
        &state.public_url,
        info.as_ref().map(|i| i.host()),
        req.conn_data::<ArrivedAt>().map(|a| a.0),
    )
}
