//! MAC extraction from device certificates: any bytes as a DER certificate, and any text as a
//! certificate name. Never panics; every MAC found is canonical.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rcs::device::identity;
use rcs::domain::Mac;

fuzz_target!(|data: &[u8]| {
    if let Ok(names) = identity::names(data) {
        for mac in identity::macs_of(&names) {
            assert_eq!(Mac::parse(mac.as_str()).unwrap().as_str(), mac.as_str());
        }
    }
    let text = String::from_utf8_lossy(data);
    for mac in identity::macs_in(&text) {
        assert_eq!(Mac::parse(mac.as_str()).unwrap().as_str(), mac.as_str());
    }
});
