//! The OpenAPI document, generated from the same route registration the server runs.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rcs",
        description = "Redirection and Configuration Service for SIP desk phones. Every `/api/v1` \
            call except login (with its second step) and password reset takes `Authorization: Bearer <token>` from POST /api/v1/auth/login. \
            Scripts use an API key instead (`Authorization: Bearer rcs_...`, created by a Super User \
            under /api/v1/api-keys): it works on every operation that lists the `api_key` scheme. \
            Errors are `{\"code\": ..., \"message\": ...}`.",
    ),
    modifiers(&SecuritySchemes),
    // Enums only referenced from query parameters (IntoParams), which route collection misses,
    // and the payloads of the webhooks (see `document_webhooks`), which no route names.
    components(schemas(
        rcs_shared::PhoneSort,
        rcs_shared::SortOrder,
        rcs_shared::ExportColumns,
        rcs_shared::WebhookEventType,
        rcs_shared::webhooks::PhoneContactData,
        rcs_shared::webhooks::PhonesChangedData,
        rcs_shared::webhooks::ImportFinishedData,
        rcs_shared::webhooks::WebhookTestData,
    )),
    tags(
        (name = "auth", description = "Login, logout, and password recovery by email"),
        (name = "me", description = "The signed-in user"),
        (name = "account", description = "The caller's account and its settings"),
        (name = "users", description = "An account's users (Super User only)"),
        (name = "servers", description = "Configuration servers phones are redirected to"),
        (name = "phones", description = "Phones by MAC address: registration, properties, CSV import and export"),
        (name = "brandings", description = "Per-account sets of branding files for phones and their web UI (writes: Super User only)"),
        (name = "firmware", description = "The platform-wide firmware catalog phones are pinned to (curated with `rcs firmware`)"),
        (name = "summary", description = "Statistics of the account"),
        (name = "audit", description = "The audit trail (Super User only)"),
        (name = "api-keys", description = "API keys for scripts (Super User only, from a session)"),
        (name = "webhooks", description = "Endpoints rcs calls when something happens, their secrets and deliveries (Super User only)"),
        (name = "admin", description = "The operator console: accounts, firmware catalog, device trust, unknown phones, platform figures and the operator audit trail (operators only)"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "device", description = "What booting phones call, over mutual TLS with their device certificate (not under /api/v1: the phones' firmware knows these paths)"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rcs_ API key")
                    .description(Some(
                        "An API key (`rcs_` and 43 characters) created under /api/v1/api-keys, \
                         sent as `Authorization: Bearer <key>`. It acts with its role; a \
                         read-only key may only GET or HEAD (403 `read_only_key` otherwise). \
                         The /api/v1/me and /api/v1/api-keys routes need a session \
                         (403 `session_required`). An unknown, expired or revoked key gets the \
                         401 `invalid_token` of a bad session token."
                            .to_string(),
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "mutual_tls",
            SecurityScheme::MutualTls {
                description: Some(
                    "The phone's device certificate, chained to a trusted device CA and naming \
                     the MAC of the request (subject CN or a SAN entry)."
                        .to_string(),
                ),
                extensions: None,
            },
        );
    }
}

/// The whole document: info and schemes from [`ApiDoc`], paths from the registered routes.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    document_common_answers(&mut api);
    document_api_keys(&mut api);
    document_webhooks(&mut api);
    api
}

/// Routes that need a person's session: an API key is refused there (403
/// `session_required`, see `auth::SessionUser`; 403 `operator_only` on the operator console,
/// whose callers are operators, who have no keys).
pub const SESSION_ONLY_PREFIXES: [&str; 3] = ["/api/v1/me", "/api/v1/api-keys", "/api/v1/admin/"];

/// Where an API key works: every authenticated `/api/v1` operation but the session-only ones
/// lists the `api_key` scheme beside `bearer`, with the answer only a key can get (429 after
/// too many failed keys from one address). The 403s a key can get (`read_only_key` on a
/// write, `session_required`) are described with the scheme rather than on every operation,
/// where a 403 means "a User may not do this".
fn document_api_keys(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ApiError")))
        .build();
    let retry_after = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer))
        .description(Some("Seconds to wait"))
        .build();
    let throttled = ResponseBuilder::new()
        .description(
            "Too many failed API-key attempts from this address (`too_many_requests`); see \
             Retry-After. A valid key is never throttled.",
        )
        .content("application/json", content)
        .header("Retry-After", retry_after)
        .build();
    for (path, item) in api.paths.paths.iter_mut() {
        let keyed = path.starts_with("/api/v1/")
            && !SESSION_ONLY_PREFIXES.iter().any(|p| path.starts_with(p));
        if !keyed {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let Some(security) = operation.security.as_mut().filter(|s| !s.is_empty()) else {
                continue;
            };
            security.push(SecurityRequirement::new("api_key", Vec::<String>::new()));
            operation
                .responses
                .responses
                .entry("429".to_string())
                .or_insert_with(|| throttled.clone().into());
        }
    }
}

/// Answers that middleware, the extractors and the database give on every route, which
/// handlers never list themselves: every `/api/v1` operation can answer 503 (the database is
/// down, or refuses writes: disk full, read-only), every authenticated one 403 (an operator,
/// a read-only key, a suspended account), and every operation that takes a body answers 415
/// to a compressed one (`refuse_encoded_bodies` in middleware.rs).
fn document_common_answers(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        header::HeaderBuilder, ContentBuilder, KnownFormat, ObjectBuilder, Ref, ResponseBuilder,
        SchemaFormat, Type,
    };
    let api_error = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ApiError")))
            .build()
    };
    let response = ResponseBuilder::new()
        .description(
            "The database is unavailable or ended the request's transaction to resolve a \
             conflict with a concurrent one (`unavailable`), or it refuses writes \
             (`storage_full`, `storage_read_only`, `storage_failing`); nothing was changed. \
             Retry after `Retry-After` seconds.",
        )
        .content("application/json", api_error())
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32))),
                )
                .description(Some("Seconds to wait before retrying"))
                .build(),
        )
        .build();
    let encoded = ResponseBuilder::new()
        .description(
            "The body declares a `Content-Encoding` (`unsupported_content_encoding`): send it \
             uncompressed.",
        )
        .content("application/json", api_error())
        .build();
    let forbidden = ResponseBuilder::new()
        .description(
            "The caller may not do this: an operator outside the console \
             (`operator_not_staff`), a read-only API key on a write (`read_only_key`), or staff \
             and keys of a suspended account (`account_suspended`).",
        )
        .content("application/json", api_error())
        .build();
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                responses
                    .entry("415".to_string())
                    .or_insert_with(|| encoded.clone().into());
            }
            if path.starts_with("/api/v1/") {
                responses
                    .entry("503".to_string())
                    .or_insert_with(|| response.clone().into());
            }
            let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if authenticated && path.starts_with("/api/v1/") && !path.starts_with("/api/v1/admin") {
                responses
                    .entry("403".to_string())
                    .or_insert_with(|| forbidden.clone().into());
            }
        }
    }
}

/// The `multipart/form-data` form of `POST /api/v1/phones/import`: the CSV file in the field
/// `file` (what `curl -F file=@phones.csv` and browsers send). Other fields are ignored; the
/// import's options are query parameters.
#[derive(utoipa::ToSchema)]
#[schema(example = json!({"file": "mac,server\n00085D000001,Main PBX\n"}))]
pub struct CsvUpload {
    /// The CSV file, at most 64 MiB.
    #[schema(value_type = String, format = Binary, content_media_type = "text/csv")]
    pub file: Vec<u8>,
}

/// The raw `text/csv` body of `POST /api/v1/phones/import`: the file itself, declared as
/// binary so generated clients send its bytes as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "text/csv")]
pub struct CsvBody(pub Vec<u8>);

/// A file uploaded as a `multipart/form-data` form (a branding file, a firmware archive, a
/// device CA bundle or revocation list): the file in the field `file` (a branding file's type
/// is then guessed from its name). Other fields are ignored.
#[derive(utoipa::ToSchema)]
#[schema(example = json!({"file": "<the file's bytes>"}))]
pub struct FileUpload {
    /// The file's bytes.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A file uploaded as the raw body (a branding file, a firmware archive, a device CA bundle
/// or revocation list): its bytes as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBody(pub Vec<u8>);

/// The `data` of each event type's payload: its schema's name in the components and its
/// example. A new event type fails to compile here until its payload is documented.
fn webhook_data(event: rcs_shared::WebhookEventType) -> (String, serde_json::Value) {
    use rcs_shared::webhooks::{
        ImportFinishedData, PhoneContactData, PhonesChangedData, WebhookTestData,
    };
    use rcs_shared::WebhookEventType as E;
    fn of<T: utoipa::ToSchema>() -> (String, serde_json::Value) {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        (T::name().into_owned(), schema["example"].clone())
    }
    match event {
        E::PhoneFirstContact | E::PhoneBoot | E::PhoneBootRefused => of::<PhoneContactData>(),
        E::PhonesAdded | E::PhonesRemoved => of::<PhonesChangedData>(),
        E::ImportFinished => of::<ImportFinishedData>(),
        E::WebhookTest => of::<WebhookTestData>(),
    }
}

/// OpenAPI 3.1 `webhooks`: one `post` per event type, the request rcs sends to an account's
/// webhook URL (Standard Webhooks: `{type, timestamp, data}`, signed in the headers). utoipa's
/// `OpenApi` has no `webhooks` field, so the map is added as a top-level member through the
/// flattened extensions. Its JSON objects keep their keys sorted, so the document is the same
/// from run to run.
fn document_webhooks(api: &mut utoipa::openapi::OpenApi) {
    let mut webhooks = serde_json::Map::new();
    for event in rcs_shared::WebhookEventType::ALL {
        webhooks.insert(event.as_str().to_string(), webhook_operation(event));
    }
    api.extensions
        .get_or_insert_with(Default::default)
        .insert("webhooks".to_string(), serde_json::Value::Object(webhooks));
}

/// The `post` of one event type's webhook.
fn webhook_operation(event: rcs_shared::WebhookEventType) -> serde_json::Value {
    use serde_json::json;
    let (data, data_example) = webhook_data(event);
    let name = event.as_str();
    let header = |name: &str, description: &str, example: &str| {
        json!({
            "name": name, "in": "header", "required": true, "description": description,
            "schema": {"type": "string"}, "example": example,
        })
    };
    json!({"post": {
        "summary": event.label(),
        "description": format!(
            "rcs POSTs this to every enabled webhook of the account that subscribed to \
             `{name}`. Verify `webhook-signature` before trusting the body: it is `v1,` then \
             the base64 HMAC-SHA256 of `{{webhook-id}}.{{webhook-timestamp}}.{{body}}` (the raw \
             body bytes), keyed with the base64-decoded part of the webhook's secret after \
             `whsec_`; refuse a `webhook-timestamp` far from your clock. A retry sends the \
             same `webhook-id`: use it to ignore duplicates."
        ),
        "operationId": format!("webhook_{}", name.replace('.', "_")),
        "parameters": [
            header("webhook-id", "The event's id: the same on every retry and re-send.", "msg_2ZpQx7a1V0bKc9yT3wR5uE"),
            header("webhook-timestamp", "When this attempt was signed, in Unix seconds.", "1763646312"),
            header(
                "webhook-signature",
                "`v1,<base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\">`, keyed with the \
                 base64-decoded secret after `whsec_` (space-separated when there are several).",
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
            ),
        ],
        "requestBody": {
            "required": true,
            "content": {"application/json": {
                "schema": {
                    "type": "object",
                    "required": ["type", "timestamp", "data"],
                    "properties": {
                        "type": {"type": "string", "const": name},
                        "timestamp": {
                            "type": "string", "format": "date-time",
                            "description": "RFC 3339: when the event happened.",
                        },
                        "data": {"$ref": format!("#/components/schemas/{data}")},
                    },
                },
                "example": {"type": name, "timestamp": "2026-11-20T13:45:12Z", "data": data_example},
            }},
        },
        "responses": {
            "2XX": {"description": "Any 2xx acknowledges the delivery; the body is ignored."},
            "default": {"description": "Anything else, or no answer in time: the delivery is \
                retried with the same `webhook-id` until `webhook_retry_for_secs` has passed."},
        },
    }})
}

/// The document as YAML, exactly as committed in `openapi.yaml`.
pub fn yaml() -> anyhow::Result<String> {
    Ok(document().to_yaml()?)
}

#[cfg(test)]
mod tests {
    use rcs_shared::webhooks::{WebhookPayload, WebhookTestData};
    use rcs_shared::WebhookEventType;

    /// The documented payload has exactly the members rcs serializes, for every event type.
    #[test]
    fn every_event_type_has_a_webhook_with_the_payload_rcs_sends() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let webhooks = doc["webhooks"].as_object().unwrap();
        assert_eq!(webhooks.len(), WebhookEventType::ALL.len());
        let sent = serde_json::to_value(WebhookPayload {
            event_type: WebhookEventType::WebhookTest,
            timestamp: "2026-11-20T13:45:12Z".into(),
            data: WebhookTestData {
                webhook: "ticketing".into(),
                by: "admin@example.com".into(),
            },
        })
        .unwrap();
        let mut members: Vec<&String> = sent.as_object().unwrap().keys().collect();
        members.sort();
        for event in WebhookEventType::ALL {
            let post = &webhooks[event.as_str()]["post"];
            let body = &post["requestBody"]["content"]["application/json"];
            let mut documented: Vec<&String> = body["schema"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            documented.sort();
            assert_eq!(documented, members, "{}", event.as_str());
            assert_eq!(
                body["schema"]["properties"]["type"]["const"],
                event.as_str()
            );
            assert_eq!(body["example"]["type"], event.as_str());
            let data = body["schema"]["properties"]["data"]["$ref"]
                .as_str()
                .unwrap();
            let name = data.rsplit('/').next().unwrap();
            assert!(doc["components"]["schemas"][name].is_object(), "{data}");
            let headers: Vec<&str> = post["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                headers,
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
            );
        }
    }
}
