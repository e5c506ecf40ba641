//! Any bytes given to the scenario loader end in a scenario or a clear error: no panic, no
//! hang, no unbounded allocation. A scenario that loads also survives the round trip through
//! `nqpsim check`'s resolved TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 are refused before parsing (a file read); the rest is parsed.
    let Ok(text) = std::str::from_utf8(data) else { return };
    // An empty folder: an `extends` of a relative file fails cleanly (not found).
    let dir = Path::new("/nonexistent-nqpsim-fuzz-dir");
    match nqpsim::scenario::load_str("fuzz", text, dir, &[]) {
        Ok(scenario) => {
            let again = nqpsim::scenario::load_str("fuzz", &scenario.to_toml(), dir, &[])
                .expect("a resolved scenario loads again");
            assert_eq!(again, scenario, "the resolved scenario round-trips");
            // the error messages and estimates must not panic either
            let _ = nqpsim::sim::estimated_bytes_per_replicate(&scenario);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
