//! Every text parser of the shared types, fed seeded mutations of valid and tricky inputs:
//! none may panic (a `+0\u{2000}0` offset once split a character).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use palisade_core::{Date, Digest, Exposure, Severity, Timestamp};
use palisade_testkit::mini_fuzz;

/// Valid and near-valid inputs; multi-byte characters sit next to the bytes parsers slice at.
const SEEDS: &[&str] = &[
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00+0\u{2000}0",
    "2026-12-31T23:59:60.123456789-08:00",
    "2027-01-31",
    "9999-12-31T23:59:59+14:00",
    "sha256:4f1c000000000000000000000000000000000000000000000000000000000000",
    "blake3:é1c000000000000000000000000000000000000000000000000000000000000",
    "critical",
    "public",
    "ＺＺ2026-01-01Ｔ00:00:00Ｚ",
];

fn parse_all(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let t = Timestamp::parse_rfc3339(&text).is_ok();
    let _ = Timestamp::from_str(&text);
    let d = Date::parse(&text).is_ok();
    let _ = Date::from_str(&text);
    let g = Digest::from_str(&text).is_ok();
    let s = Severity::from_str(&text).is_ok();
    let e = Exposure::from_str(&text).is_ok();
    // Whatever parses prints back as something that parses to the same value.
    if let Ok(t) = Timestamp::parse_rfc3339(&text) {
        assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
    }
    t || d || g || s || e
}

#[test]
fn shared_type_parsers_never_panic() {
    let mut panics = Vec::new();
    for (n, seed) in SEEDS.iter().enumerate() {
        let outcome = mini_fuzz(seed.as_bytes(), n as u64, &parse_all);
        panics.extend(outcome.panics.into_iter().map(|(s, m)| (seed, s, m)));
    }
    assert!(panics.is_empty(), "panicking seeds: {panics:#?}");
}
