//! `Mac::parse` on any text: never panics, and what it accepts is canonical (12 upper-case hex
//! digits) and parses back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rcs::domain::Mac;

fuzz_target!(|text: &str| {
    if let Ok(mac) = Mac::parse(text) {
        let canonical = mac.as_str();
        assert_eq!(canonical.len(), 12);
        assert!(canonical
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
        assert_eq!(Mac::parse(canonical).unwrap().as_str(), canonical);
    }
    if let Some(fragment) = Mac::fragment(text) {
        assert!(fragment.len() <= 12, "{fragment}");
    }
});
