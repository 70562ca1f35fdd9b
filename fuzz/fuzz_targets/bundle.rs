//! Fuzzes the Sigstore bundle / bare DSSE reader (`palisade_sigstore::bundle::parse`), and the
//! in-toto statement inside any envelope it accepts.
//! Run with `cargo +nightly fuzz run bundle` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sigstore::{bundle, intoto};

fuzz_target!(|data: &[u8]| {
    match bundle::parse(data, "fuzz.sigstore.json") {
        Ok(parsed) => {
            // Writing back what was read must not panic either.
            let _ = parsed.to_json();
            if let Some(envelope) = parsed.envelope()
                && let Err(error) = intoto::parse_statement(&envelope.payload, "fuzz.sigstore.json")
            {
                palisade_fuzz::render(&error);
            }
        }
        Err(error) => {
            palisade_fuzz::render(&error);
        }
    }
});
