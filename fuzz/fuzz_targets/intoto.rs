//! Fuzzes the in-toto statement reader (`palisade_sigstore::intoto::parse_statement`) and the
//! provenance facts drawn from what it accepts.
//! Run with `cargo +nightly fuzz run intoto` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sigstore::intoto::{parse_statement, provenance_facts};

fuzz_target!(|data: &[u8]| {
    match parse_statement(data, "fuzz.intoto.json") {
        Ok(statement) => {
            let _ = provenance_facts(&statement);
        }
        Err(error) => {
            palisade_fuzz::render(&error);
        }
    }
});
