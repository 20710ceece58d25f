//! The committed OpenAPI document matches the code.

use crate::helpers::routes;

#[test]
fn openapi_yaml_is_up_to_date() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
            .expect("openapi.yaml at the repository root");
    let generated = rcs::openapi::yaml().unwrap();
    assert!(
        committed == generated,
        "openapi.yaml is stale: regenerate it with `cargo run -p rcs -- openapi > openapi.yaml`"
    );
}

#[test]
fn every_documented_operation_lists_its_error_body() {
    let doc = rcs::openapi::document();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
        ] {
            let Some(op) = op else { continue };
            assert!(
                !op.responses.responses.is_empty(),
                "{method} {path} documents no responses"
            );
            if path.starts_with("/api/") {
                let codes: Vec<&String> = op.responses.responses.keys().collect();
                assert!(
                    codes.iter().any(|c| c.starts_with('4')),
                    "{method} {path} documents no 4xx: {codes:?}"
                );
            }
        }
    }
}

/// Operations name only security schemes and tags the document defines, every operation has
/// a tag and a security requirement or is one of the few public ones, and the device routes
/// are described with mutual TLS.
#[test]
fn every_operation_names_defined_schemes_and_tags() {
    let doc = serde_json::to_value(rcs::openapi::document()).unwrap();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["mutual_tls"]["type"], "mutualTLS");
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let public = [
        "/healthz",
        "/readyz",
        routes::LOGIN,
        routes::LOGIN_SECOND_FACTOR,
        routes::LOGIN_ENROLMENT,
        routes::LOGIN_ENROLMENT_CONFIRM,
        routes::PASSWORD_RESET,
        routes::PASSWORD_RESET_CONFIRM,
    ];
    let mut device_routes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_tags = op["tags"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            assert!(!op_tags.is_empty(), "{method} {path} has no tag");
            for tag in op_tags {
                assert!(
                    tags.contains(&tag.as_str().unwrap()),
                    "{method} {path}: tag {tag} is not defined"
                );
            }
            let security = op["security"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            if !public.contains(&path.as_str()) {
                assert!(
                    !security.is_empty(),
                    "{method} {path} names no security scheme"
                );
            }
            for requirement in security {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(
                        schemes.contains_key(name),
                        "{method} {path}: security scheme {name} is not defined"
                    );
                }
            }
            if path.starts_with("/phone/") {
                device_routes += 1;
                assert!(
                    security.iter().any(|r| r.get("mutual_tls").is_some()),
                    "{method} {path} is a device route without mutual TLS"
                );
            }
        }
    }
    assert_eq!(
        device_routes, 3,
        "GET /phone/{{mac}}, its firmware and branding files"
    );
}

/// Every schema carries an example, so generated clients and the reference page show real
/// values (the shared DTOs hold them, next to the fields they illustrate).
#[test]
fn every_schema_has_an_example() {
    let doc = serde_json::to_value(rcs::openapi::document()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let missing: Vec<&String> = schemas
        .iter()
        .filter(|(_, s)| s.get("example").is_none() && s.get("examples").is_none())
        .map(|(name, _)| name)
        .collect();
    assert!(
        missing.is_empty(),
        "schemas without an example: {missing:?}"
    );
}

mod served {
    use crate::helpers::{spawn_app, Engine};

    #[tokio::test]
    async fn openapi_json_is_the_generated_document() {
        let app = spawn_app(Engine::Sqlite).await;
        let response = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let served: serde_json::Value = response.json().await.unwrap();
        let generated = serde_json::to_value(rcs::openapi::document()).unwrap();
        assert_eq!(served, generated);
        // The reference routes themselves are not operations of the API.
        let paths = served["paths"].as_object().unwrap();
        assert!(!paths.contains_key("/api/openapi.json"));
        assert!(!paths.contains_key("/api/docs"));
        app.stop().await;
    }

    #[tokio::test]
    async fn docs_page_is_self_contained_html_that_loads_the_document() {
        let app = spawn_app(Engine::Sqlite).await;
        let response = app.client.get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains("/api/openapi.json"), "{html}");
        // Same-origin assets only: no CDN, no inline script.
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        for (asset, kind) in [
            ("/api/docs/docs.js", "text/javascript"),
            ("/api/docs/docs.css", "text/css"),
        ] {
            assert!(html.contains(asset), "{asset} in {html}");
            let response = app.client.get(app.url(asset)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{asset}");
            assert!(response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind));
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("http://") && !body.contains("https://"),
                "{asset}"
            );
        }
        app.stop().await;
    }
}
