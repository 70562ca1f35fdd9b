//! Throughput measurement (not a timed assertion): `cargo test -p palisade-sarif --release
//! --test perf -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use palisade_sarif::parse;

#[test]
#[ignore = "measurement"]
fn hundred_thousand_results() {
    let result = r#"{"ruleId": "R1", "level": "warning", "message": {"text": "something found here"},
      "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a/b/c.py"},
      "region": {"startLine": 12, "startColumn": 4}}}], "properties": {"tags": ["x", "y"]}}"#;
    let results = vec![result; 100_000].join(",");
    let text = format!(
        r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "t", "rules": [{{"id": "R1", "properties": {{"security-severity": "7.5"}}}}]}}}}, "results": [{results}]}}]}}"#
    );
    let t = Instant::now();
    let report = parse(text.as_bytes(), "big.sarif").unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.counts().high, 100_000);
    println!(
        "{} MB, 100k results in {secs:.3} s ({:.0} MB/s)",
        text.len() >> 20,
        (text.len() >> 20) as f64 / secs
    );
}

#[test]
#[ignore = "measurement"]
fn baseline_serde_json_value() {
    let result = r#"{"ruleId": "R1", "level": "warning", "message": {"text": "something found here"},
      "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a/b/c.py"},
      "region": {"startLine": 12, "startColumn": 4}}}], "properties": {"tags": ["x", "y"]}}"#;
    let results = vec![result; 100_000].join(",");
    let text = format!(r#"{{"version": "2.1.0", "runs": [{{"results": [{results}]}}]}}"#);
    let t = Instant::now();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    println!(
        "serde_json::Value baseline: {:.3} s",
        t.elapsed().as_secs_f64()
    );
    drop(v);
    let t = Instant::now();
    let _: serde::de::IgnoredAny = serde_json::from_str(&text).unwrap();
    println!("IgnoredAny baseline: {:.3} s", t.elapsed().as_secs_f64());
}
