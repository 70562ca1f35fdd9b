//! Fuzzes the CycloneDX XML reader (`palisade_cyclonedx::parse`, default limits).
//! Run with `cargo +nightly fuzz run cyclonedx_xml` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_cyclonedx::{Limits, parse};

fuzz_target!(|data: &[u8]| {
    // The reader picks XML by a leading `<`; everything else is the JSON target's job.
    if palisade_fuzz::first_significant_byte(data) != Some(b'<') {
        return;
    }
    if let Err(error) = parse(data, "fuzz.cdx.xml", &Limits::default()) {
        palisade_fuzz::render(&error);
    }
});
