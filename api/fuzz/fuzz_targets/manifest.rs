//! The firmware manifest parser on any text: never panics, and no accepted manifest names a
//! file outside its release folder.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(manifest) = rcs::services::firmware::parse_manifest(text, "manifest.toml") {
        assert!(manifest.models().count() > 0);
        for file in manifest.files() {
            assert!(!file.is_empty() && !file.starts_with('.'), "{file:?}");
            assert!(!file.contains(['/', '\\']), "{file:?}");
        }
    }
});
