//! The phone User-Agent parsers (every vendor's) and the vendors' file-name rules on any text:
//! never panic; a MAC they report is canonical.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rcs::device::native::{adapters, Kind};
use rcs::device::user_agent;
use rcs::domain::Mac;

fuzz_target!(|text: &str| {
    if let Ok(reported) = user_agent::parse(text) {
        if let Some(mac) = &reported.mac {
            assert_eq!(Mac::parse(mac.as_str()).unwrap().as_str(), mac.as_str());
        }
    }
    let _ = user_agent::normalise_model(text);
    let _ = user_agent::firmware(text);
    for adapter in adapters() {
        if let Some(requested) = adapter.classify(text) {
            if let Kind::PerPhone(mac) = &requested.kind {
                assert_eq!(Mac::parse(mac.as_str()).unwrap().as_str(), mac.as_str());
            }
        }
        let _ = adapter.model(text);
    }
});
