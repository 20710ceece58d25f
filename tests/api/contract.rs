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
