//! Fuzzes the whole front end: parse, resolve and render every diagnostic.
//! Run with `cargo +nightly fuzz run parse` from `crates/palisade-syntax/`.
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
        for error in diagnostics.errors() {
            let _ = error.to_string();
        }
    }
});
