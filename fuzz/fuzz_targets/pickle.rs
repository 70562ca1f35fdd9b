//! Fuzzes the static pickle scanner (`palisade_pickle::scan_bytes`): raw pickles, PyTorch zip
//! archives and `.npy` files are told apart by content.
//! Run with `cargo +nightly fuzz run pickle` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `.pkl` promises a pickle (unparseable bytes are an error); `.bin` does not (they read as
    // "not a pickle"). Both paths must hold.
    for name in ["fuzz.pkl", "fuzz.bin"] {
        if let Err(error) = palisade_pickle::scan_bytes(data, name) {
            palisade_fuzz::render(&error);
        }
    }
});
