//! Fuzzes the pipeline front end: parse, resolve and render every diagnostic.
//! Run with `cargo +nightly fuzz run pipeline` from `fuzz/`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_syntax::{LoadOptions, parse_str};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A folder that does not exist: paths resolve lexically and touch nothing on disk.
    let base = Path::new("/nonexistent/palisade-fuzz");
    if let Err(diagnostics) = parse_str(text, "fuzz.pal", base, &LoadOptions::default()) {
        assert!(!diagnostics.is_empty());
        palisade_fuzz::render(&diagnostics);
        for error in diagnostics.errors() {
            palisade_fuzz::render(error);
        }
    }
});
