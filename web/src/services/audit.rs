//! `/api/v1/audit` (Super User): the account's audit trail, a filtered page at a time.

use gloo_net::http::Method;
use rcs_shared::AuditPage;

use super::api::{request, Error, NO_BODY};

/// What to read: the filters (empty: any) and the page (`before`: the previous page's
/// `next_before`). `since`/`until` are RFC 3339 instants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub since: String,
    pub until: String,
    pub before: Option<i64>,
}

/// GET /api/v1/audit with `query`.
pub async fn page(token: String, query: AuditQuery) -> Result<AuditPage, Error> {
    let params = web_sys::UrlSearchParams::new().map_err(|_| Error::Unexpected)?;
    for (name, value) in [
        ("actor", &query.actor),
        ("action", &query.action),
        ("since", &query.since),
        ("until", &query.until),
    ] {
        if !value.is_empty() {
            params.append(name, value);
        }
    }
    if let Some(before) = query.before {
        params.append("before", &before.to_string());
    }
    let path = format!("/api/v1/audit?{}", String::from(params.to_string()));
    request(Method::GET, &path, Some(&token), NO_BODY).await
}
