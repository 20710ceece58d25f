//! The committed OpenAPI document matches the code.

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
