//! `/api/v1/phones`: the list, registration, bulk edits and deletes, and boot history.

use gloo_net::http::{Method, RequestBuilder};
use rcs_shared::{
    AddPhones, AddPhonesResult, BootEventPage, BulkEdit, Changed, InvalidPhones, MacList, Phone,
    PhonePage, PhoneQuery, PhoneSort, SortOrder,
};

use super::api::{self, request, with_query, Error, NO_BODY};

/// Why a registration failed: entries of the list that cannot be registered (each with its
/// position), or any other API error.
#[derive(Debug, Clone, PartialEq)]
pub enum AddError {
    /// 422 `invalid_phones`: every bad entry; nothing was registered.
    Problems(InvalidPhones),
    Other(Error),
}

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
            (
                "firmware_pinned",
                query.firmware_pinned.map(|b| b.to_string()),
            ),
            ("own_branding", query.own_branding.map(|b| b.to_string())),
            ("sort", sort),
            ("order", order),
            ("limit", query.limit.map(|l| l.to_string())),
            ("cursor", query.cursor),
            ("before", query.before),
            ("last", query.last.map(|b| b.to_string())),
            ("exact_total", query.exact_total.map(|b| b.to_string())),
        ],
    );
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// The exact number of phones matching `filters` (a page of one with `exact_total=true`),
/// with the filters it counted; `None` asks nothing. The list asks it once per filter, and
/// only when a page said "more than 1,000".
pub async fn count(
    token: String,
    filters: Option<PhoneQuery>,
) -> Result<Option<(PhoneQuery, u64)>, Error> {
    let Some(filters) = filters else {
        return Ok(None);
    };
    let query = PhoneQuery {
        limit: Some(1),
        exact_total: Some(true),
        ..filters.clone()
    };
    Ok(Some((filters, list(token, query).await?.total)))
}

/// GET /api/v1/phones/{mac}.
pub async fn get(token: String, mac: String) -> Result<Phone, Error> {
    let path = format!("/api/v1/phones/{mac}");
    request(Method::GET, &path, Some(&token), NO_BODY).await
}

/// POST /api/v1/phones: registers MACs with the given properties; a list with bad entries
/// answers them all ([`AddError::Problems`]) unless `skip_invalid` is set.
pub async fn add(token: &str, body: &AddPhones) -> Result<AddPhonesResult, AddError> {
    let path = "/api/v1/phones";
    let other = |e: Error, cause: &dyn std::fmt::Display| AddError::Other(api::log(e, path, cause));
    let request = RequestBuilder::new(path)
        .method(Method::POST)
        .header("Accept", "application/json")
        .header("Authorization", &format!("Bearer {token}"))
        .json(body)
        .map_err(|e| other(Error::Unexpected, &e))?;
    let response = request
        .send()
        .await
        .map_err(|e| other(Error::Network, &e))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| other(Error::Network, &e))?;
    if status == 422 {
        if let Ok(invalid) = serde_json::from_str::<InvalidPhones>(&text) {
            if !invalid.problems.is_empty() {
                return Err(AddError::Problems(invalid));
            }
        }
    }
    api::decode(status, &response.status_text(), &text, path).map_err(AddError::Other)
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
