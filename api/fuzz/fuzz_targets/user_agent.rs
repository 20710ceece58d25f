//! The phone User-Agent parser on any text: never panics; a MAC it reports is canonical.
#![no_main]
use libfuzzer_sys::fuzz_target;
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
});
