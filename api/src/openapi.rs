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
    // Enums only referenced from query parameters (IntoParams), which route collection misses.
    components(schemas(rcs_shared::PhoneSort, rcs_shared::SortOrder, rcs_shared::ExportColumns)),
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
    api
}

/// Routes that need a person's session: an API key is refused there (403
/// `session_required`, see `auth::SessionUser`).
pub const SESSION_ONLY_PREFIXES: [&str; 2] = ["/api/v1/me", "/api/v1/api-keys"];

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

/// Answers that middleware and the database give on every route, which handlers never list
/// themselves: every `/api/v1` operation can answer 503 (the database is down, or refuses
/// writes: disk full, read-only), and every operation that takes a body answers 415 to a
/// compressed one (`refuse_encoded_bodies` in middleware.rs).
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
        }
    }
}

/// The document as YAML, exactly as committed in `openapi.yaml`.
pub fn yaml() -> anyhow::Result<String> {
    Ok(document().to_yaml()?)
}
