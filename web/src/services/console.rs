//! `/api/v1/admin/...`: the operator console's calls.

use gloo_net::http::Method;
use rcs_shared::{
    AdminAccount, AdminAccountPatch, AdminFirmwareRelease, AssignUnknownPhones, AssignedPhones,
    DeviceCa, DeviceCasAdded, DeviceCrl, NewAdminAccount, OperatorAuditPage, PhoneQuota,
    PlatformSummary, Suspension, UnknownPhonePage,
};
use web_sys::File;
use yew::Callback;

use super::api::{self, request, request_empty, with_query, Error, NO_BODY};

/// GET /api/v1/admin/summary.
pub async fn summary(token: String) -> Result<PlatformSummary, Error> {
    request(Method::GET, "/api/v1/admin/summary", Some(&token), NO_BODY).await
}

/// GET /api/v1/admin/accounts.
pub async fn accounts(token: String) -> Result<Vec<AdminAccount>, Error> {
    request(Method::GET, "/api/v1/admin/accounts", Some(&token), NO_BODY).await
}

/// POST /api/v1/admin/accounts.
pub async fn create_account(token: &str, body: &NewAdminAccount) -> Result<AdminAccount, Error> {
    request(
        Method::POST,
        "/api/v1/admin/accounts",
        Some(token),
        Some(body),
    )
    .await
}

fn account(id: i64) -> String {
    format!("/api/v1/admin/accounts/{id}")
}

/// PATCH /api/v1/admin/accounts/{id}.
pub async fn rename(token: &str, id: i64, name: String) -> Result<AdminAccount, Error> {
    let body = AdminAccountPatch { name: Some(name) };
    request(Method::PATCH, &account(id), Some(token), Some(&body)).await
}

/// PUT /api/v1/admin/accounts/{id}/quota.
pub async fn set_quota(token: &str, id: i64, quota: Option<i64>) -> Result<AdminAccount, Error> {
    let body = PhoneQuota { phone_quota: quota };
    let path = format!("{}/quota", account(id));
    request(Method::PUT, &path, Some(token), Some(&body)).await
}

/// POST /api/v1/admin/accounts/{id}/suspend.
pub async fn suspend(token: &str, id: i64, reason: String) -> Result<AdminAccount, Error> {
    let path = format!("{}/suspend", account(id));
    request(
        Method::POST,
        &path,
        Some(token),
        Some(&Suspension { reason }),
    )
    .await
}

/// POST /api/v1/admin/accounts/{id}/resume.
pub async fn resume(token: &str, id: i64) -> Result<AdminAccount, Error> {
    let path = format!("{}/resume", account(id));
    request(Method::POST, &path, Some(token), NO_BODY).await
}

/// DELETE /api/v1/admin/accounts/{id}, with its phones when `force`.
pub async fn delete_account(token: &str, id: i64, force: bool) -> Result<(), Error> {
    let path = with_query(&account(id), &[("force", force.then(|| "true".into()))]);
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// GET /api/v1/admin/firmware.
pub async fn firmware(token: String) -> Result<Vec<AdminFirmwareRelease>, Error> {
    request(Method::GET, "/api/v1/admin/firmware", Some(&token), NO_BODY).await
}

/// POST /api/v1/admin/firmware with the archive as the body; `on_progress` follows it.
pub async fn upload_firmware(
    token: &str,
    file: &File,
    on_progress: Callback<f64>,
) -> Result<AdminFirmwareRelease, Error> {
    upload(token, "/api/v1/admin/firmware", file, on_progress).await
}

/// DELETE /api/v1/admin/firmware/{version}.
pub async fn remove_firmware(token: &str, version: &str) -> Result<(), Error> {
    let path = format!("/api/v1/admin/firmware/{version}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// GET /api/v1/admin/device-cas.
pub async fn device_cas(token: String) -> Result<Vec<DeviceCa>, Error> {
    request(
        Method::GET,
        "/api/v1/admin/device-cas",
        Some(&token),
        NO_BODY,
    )
    .await
}

/// GET /api/v1/admin/device-crls.
pub async fn device_crls(token: String) -> Result<Vec<DeviceCrl>, Error> {
    request(
        Method::GET,
        "/api/v1/admin/device-crls",
        Some(&token),
        NO_BODY,
    )
    .await
}

/// POST /api/v1/admin/device-cas with a PEM bundle.
pub async fn add_device_cas(token: &str, file: &File) -> Result<DeviceCasAdded, Error> {
    upload(token, "/api/v1/admin/device-cas", file, Callback::noop()).await
}

/// POST /api/v1/admin/device-crls with a revocation list (DER or PEM).
pub async fn add_device_crl(token: &str, file: &File) -> Result<DeviceCrl, Error> {
    upload(token, "/api/v1/admin/device-crls", file, Callback::noop()).await
}

/// DELETE /api/v1/admin/device-cas/{id} or /device-crls/{id}.
pub async fn remove_trust(token: &str, kind: &str, id: i64) -> Result<(), Error> {
    let path = format!("/api/v1/admin/{kind}/{id}");
    request_empty(Method::DELETE, &path, token, NO_BODY).await
}

/// GET /api/v1/admin/unknown-phones.
pub async fn unknown_phones(
    token: String,
    cursor: Option<String>,
) -> Result<UnknownPhonePage, Error> {
    let path = with_query("/api/v1/admin/unknown-phones", &[("cursor", cursor)]);
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POST /api/v1/admin/unknown-phones/assign.
pub async fn assign(token: &str, body: &AssignUnknownPhones) -> Result<AssignedPhones, Error> {
    let path = "/api/v1/admin/unknown-phones/assign";
    request(Method::POST, path, Some(token), Some(body)).await
}

/// GET /api/v1/admin/audit, entries older than `before`.
pub async fn audit(token: String, before: Option<i64>) -> Result<OperatorAuditPage, Error> {
    let path = with_query(
        "/api/v1/admin/audit",
        &[("before", before.map(|b| b.to_string()))],
    );
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POSTs `file` as the raw body and decodes the JSON answer.
async fn upload<T: serde::de::DeserializeOwned>(
    token: &str,
    path: &str,
    file: &File,
    on_progress: Callback<f64>,
) -> Result<T, Error> {
    let (status, status_text, text) =
        super::upload::send(token, path, file, "application/octet-stream", on_progress)
            .await
            .map_err(|e| api::log(Error::Network, path, &e))?;
    api::decode(status, &status_text, &text, path)
}
