//! The generator's output reads back exactly, and 50,000 components parse fast.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use palisade_cyclonedx::{Limits, Severity, parse, synthetic_json};

#[test]
fn synthetic_round_trip() {
    let text = synthetic_json(100, 3, 20);
    let bom = parse(text.as_bytes(), "synthetic.json", &Limits::default()).unwrap();
    assert_eq!(bom.components.len(), 100);
    // One extra dependency entry for the root application.
    assert_eq!(bom.dependencies.len(), 101);
    assert_eq!(bom.dependencies[1].depends_on.len(), 3);
    assert_eq!(bom.dependencies[100].depends_on.len(), 0);
    assert_eq!(bom.vulnerabilities.len(), 20);
    assert_eq!(
        bom.vulnerabilities
            .iter()
            .filter(|v| v.is_suppressed())
            .count(),
        5
    );
    assert_eq!(bom.vulnerabilities[0].severity(), Severity::Critical);
    assert!(
        bom.components
            .iter()
            .all(|c| c.hashes.len() == 1 && c.licenses.len() == 1 && c.purl.is_some())
    );
    assert_eq!(synthetic_json(100, 3, 20), text, "deterministic");
}

/// `cargo test -p palisade-cyclonedx --release --test synthetic_scale -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn parse_50k_components_timing() {
    let text = synthetic_json(50_000, 4, 2_000);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let bom = parse(text.as_bytes(), "synthetic-50k.json", &Limits::default()).unwrap();
        let elapsed = start.elapsed().as_secs_f64();
        assert_eq!(bom.components.len(), 50_000);
        best = best.min(elapsed);
    }
    println!(
        "50,000 components, {} MB of JSON: best of 5 parses {:.1} ms",
        text.len() / 1_000_000,
        best * 1000.0
    );
    assert!(best < 0.5, "took {best} s");
}
