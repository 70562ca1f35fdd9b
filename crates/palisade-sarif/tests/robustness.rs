//! Hostile bytes never panic: every prefix of a real log, and byte flips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade_sarif::parse;

fn bandit() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sarif/bandit.sarif"
    ))
    .unwrap()
}

#[test]
fn every_prefix_is_an_error() {
    let bytes = bandit();
    for cut in (0..bytes.len() - 1).step_by(13) {
        // Whitespace-only tails aside, a cut log is never complete JSON.
        let trimmed = std::str::from_utf8(&bytes[..cut]).map(str::trim_end);
        if trimmed.is_ok_and(|t| t.ends_with('}') && t.len() + 2 >= bytes.len()) {
            continue;
        }
        assert!(parse(&bytes[..cut], "cut.sarif").is_err(), "cut at {cut}");
    }
}

#[test]
fn byte_flips_never_panic() {
    let bytes = bandit();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut ok = 0;
    for _ in 0..1000 {
        let mut mutated = bytes.clone();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let i = (seed % mutated.len() as u64) as usize;
        mutated[i] = b"{}[]\",:0a \\\x00\xff"[(seed >> 40) as usize % 13];
        if parse(&mutated, "flip.sarif").is_ok() {
            ok += 1;
        }
    }
    // Some flips land in strings and still parse; most break something.
    assert!(ok > 0 && ok < 1000, "{ok}");
}
