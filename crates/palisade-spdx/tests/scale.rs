//! The synthetic documents read back exactly, and 50,000 packages parse fast in both SPDX
//! versions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use palisade_spdx::{Format, Limits, detect, parse, reduce, synthetic_spdx2, synthetic_spdx3};

#[test]
fn synthetic_round_trip() {
    for (text, format) in [
        (synthetic_spdx2(100), Format::Spdx2Json),
        (synthetic_spdx3(100), Format::Spdx3JsonLd),
    ] {
        assert_eq!(detect(text.as_bytes()), format);
        let document = parse(text.as_bytes(), "synthetic.json", &Limits::default()).unwrap();
        let facts = reduce(&document);
        // The root container plus 100 packages.
        assert_eq!(facts.packages.len(), 101);
        assert_eq!(facts.subjects, [0]);
        // The root contains each package; each package depends on the next.
        assert_eq!(facts.dependencies.len(), 100 + 99);
        assert!(
            facts.packages[1..]
                .iter()
                .all(|p| p.licenses.contains("MIT"))
        );
        assert_eq!(facts.packages[100].key, "pkg:pypi/package-99@1.99.0");
    }
}

/// `cargo test -p palisade-spdx --release --test scale -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn parse_50k_packages_timing() {
    for (version, text) in [
        ("SPDX 2.3", synthetic_spdx2(50_000)),
        ("SPDX 3.0", synthetic_spdx3(50_000)),
    ] {
        let mut best_detect = f64::MAX;
        let mut best_parse = f64::MAX;
        let mut best_reduce = f64::MAX;
        for _ in 0..5 {
            let start = std::time::Instant::now();
            assert_ne!(detect(text.as_bytes()), Format::NotSpdx);
            best_detect = best_detect.min(start.elapsed().as_secs_f64());
            let start = std::time::Instant::now();
            let document =
                parse(text.as_bytes(), "synthetic-50k.json", &Limits::default()).unwrap();
            best_parse = best_parse.min(start.elapsed().as_secs_f64());
            let start = std::time::Instant::now();
            let facts = reduce(&document);
            best_reduce = best_reduce.min(start.elapsed().as_secs_f64());
            assert_eq!(facts.packages.len(), 50_001);
            assert_eq!(facts.dependencies.len(), 50_000 + 49_999);
        }
        println!(
            "{version}: 50,000 packages, {} MB: best of 5 detect {:.1} ms, parse {:.1} ms, reduce {:.1} ms",
            text.len() / 1_000_000,
            best_detect * 1000.0,
            best_parse * 1000.0,
            best_reduce * 1000.0
        );
        assert!(best_parse < 1.0, "{version} took {best_parse} s");
    }
}

/// In a debug build, as CI runs it: 50,000 packages still read in seconds, not minutes.
#[test]
fn fifty_thousand_packages_read_in_a_debug_build() {
    let text = synthetic_spdx3(50_000);
    let start = std::time::Instant::now();
    let facts = reduce(&parse(text.as_bytes(), "50k.json", &Limits::default()).unwrap());
    let took = start.elapsed();
    assert_eq!(facts.packages.len(), 50_001);
    assert!(took.as_secs() < 30, "took {took:?}");
}
