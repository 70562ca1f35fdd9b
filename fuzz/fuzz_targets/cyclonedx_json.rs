//! Fuzzes the CycloneDX JSON reader (`palisade_cyclonedx::parse`, default limits).
//! Run with `cargo +nightly fuzz run cyclonedx_json` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_cyclonedx::{Limits, parse};

fuzz_target!(|data: &[u8]| {
    // Inputs the reader would send to its XML path belong to the `cyclonedx_xml` target.
    if palisade_fuzz::first_significant_byte(data) == Some(b'<') {
        return;
    }
    if let Err(error) = parse(data, "fuzz.cdx.json", &Limits::default()) {
        palisade_fuzz::render(&error);
    }
});
