//! Fuzzes the SARIF 2.1.0 reader (`palisade_sarif::parse`).
//! Run with `cargo +nightly fuzz run sarif` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = palisade_sarif::parse(data, "fuzz.sarif") {
        palisade_fuzz::render(&error);
    }
});
