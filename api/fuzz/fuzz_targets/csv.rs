//! The phone CSV parser on any bytes, with a server, a branding and a release known by name:
//! never panics; an accepted file's rows are distinct canonical MACs, each with its line.
#![no_main]
use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use rcs::domain::Mac;
use rcs::services::phones::csv_file::{parse, Defaults, Names};

fuzz_target!(|data: &[u8]| {
    let names = Names {
        servers: [("Main".to_string(), 1)].into(),
        brandings: [("Acme".to_string(), 2)].into(),
        releases: ["4.2.0.181".to_string()].into(),
    };
    let defaults = Defaults::default();
    if let Ok((parsed, _problems)) = parse(data, &defaults, &names) {
        assert_eq!(parsed.rows.len(), parsed.lines.len());
        let mut seen = HashSet::new();
        for row in &parsed.rows {
            let mac = Mac::parse(&row.mac).unwrap();
            assert_eq!(mac.as_str(), row.mac);
            assert!(seen.insert(row.mac.clone()), "duplicate {}", row.mac);
        }
    }
});
