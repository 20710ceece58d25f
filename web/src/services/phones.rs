//! `/api/v1/phones`: the list, registration, bulk edits and deletes, and boot history.

use gloo_net::http::Method;
use rcs_shared::{
    AddPhones, AddPhonesResult, BootEventPage, BulkEdit, Changed, MacList, Phone, PhonePage,
    PhoneQuery, PhoneSort, SortOrder,
};

use super::api::{request, with_query, Error, NO_BODY};

/// GET /api/v1/phones with the query's filters, sort and cursor.
pub async fn list(token: String, query: PhoneQuery) -> Result<PhonePage, Error> {
    let sort = query.sort.map(|s| match s {
        PhoneSort::Mac => "mac".to_string(),
        PhoneSort::LastSeen => "last_seen".to_string(),
    });
    let order = query.order.map(|o| match o {
        SortOrder::Asc => "asc".to_string(),
        SortOrder::Desc => "desc".to_string(),
    });
    let path = with_query(
        "/api/v1/phones",
        &[
            ("unaffiliated", query.unaffiliated.map(|b| b.to_string())),
            ("server_id", query.server_id.map(|i| i.to_string())),
            ("branding_id", query.branding_id.map(|i| i.to_string())),
            ("firmware", query.firmware),
            ("q", query.q),
            ("seen", query.seen.map(|b| b.to_string())),
            ("sort", sort),
            ("order", order),
            ("limit", query.limit.map(|l| l.to_string())),
            ("cursor", query.cursor),
        ],
    );
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// GET /api/v1/phones/{mac}.
pub async fn get(token: String, mac: String) -> Result<Phone, Error> {
    let path = format!("/api/v1/phones/{mac}");
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POST /api/v1/phones: registers MACs with the given properties.
pub async fn add(token: &str, body: &AddPhones) -> Result<AddPhonesResult, Error> {
    request(Method::POST, "/api/v1/phones", Some(token), Some(body)).await
}

/// PATCH /api/v1/phones: the same changes for every listed phone.
pub async fn bulk_edit(token: &str, body: &BulkEdit) -> Result<Changed, Error> {
    request(Method::PATCH, "/api/v1/phones", Some(token), Some(body)).await
}

/// POST /api/v1/phones/delete.
pub async fn delete(token: &str, body: &MacList) -> Result<Changed, Error> {
    request(
        Method::POST,
        "/api/v1/phones/delete",
        Some(token),
        Some(body),
    )
    .await
}

/// GET /api/v1/phones/{mac}/events: boot history, newest first.
pub async fn events(
    token: String,
    mac: String,
    cursor: Option<String>,
) -> Result<BootEventPage, Error> {
    let path = with_query(
        &format!("/api/v1/phones/{mac}/events"),
        &[("limit", Some("50".into())), ("cursor", cursor)],
    );
    request(Method::GET, &path, Some(&token), NO_BODY).await
}
