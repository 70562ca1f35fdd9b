//! Throughput and memory on the real fixtures scaled up (not timed assertions). Each test
//! builds its input once into `target/perf-inputs/` and measures in a later run, so the peak
//! resident size is that of reading and parsing only; run each test by name, twice:
//! `cargo test -p palisade-ai --release --test perf -- --ignored --nocapture garak`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Instant;

use palisade_ai::pii;
use palisade_ai::redteam::{garak, promptfoo};

fn fixture(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ai");
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn report(what: &str, bytes: usize, seconds: f64) {
    println!(
        "{what}: {:.1} MB in {seconds:.3} s ({:.0} MB/s); peak resident while parsing {} MB (input included)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds,
        peak_mb()
    );
}

/// The input `name`, built by `build` on the first run (returns `None` then).
fn input(name: &str, build: impl FnOnce() -> String) -> Option<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/perf-inputs");
    let path = dir.join(name);
    if let Ok(bytes) = std::fs::read(&path) {
        return Some(bytes);
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&path, build()).unwrap();
    println!("{} written; run the test again to measure", path.display());
    None
}

/// Peak resident size in MB since the last reset (`VmHWM`), 0 where unknown.
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb / 1024)
}

/// garak's fail report with its attempt lines repeated until it is ~200 MB (a long run is
/// mostly attempts, which the reader only checks as JSON).
#[test]
#[ignore = "measurement"]
fn garak_report_of_200_mb() {
    let Some(big) = input("garak.report.jsonl", || {
        let text = fixture("garak/garak-fail.report.jsonl");
        let attempts: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("\"entry_type\": \"attempt\""))
            .collect();
        let block = attempts.join("\n");
        let mut big = String::new();
        let mut lines = text.lines();
        big.push_str(lines.next().unwrap());
        big.push('\n');
        while big.len() < 200_000_000 {
            big.push_str(&block);
            big.push('\n');
        }
        for line in lines {
            big.push_str(line);
            big.push('\n');
        }
        big
    }) else {
        return;
    };
    let start = Instant::now();
    let parsed = garak::parse(&big, "big.report.jsonl").unwrap();
    report("garak", big.len(), start.elapsed().as_secs_f64());
    assert_eq!(parsed.totals.attempts, 18);
}

/// promptfoo's OWASP fail results with their rows repeated to ~20k rows (~160 MB: a red-team
/// row is ~8 KB).
#[test]
#[ignore = "measurement"]
fn promptfoo_20k_rows() {
    let Some(big) = input("promptfoo.results.json", || {
        let text = fixture("promptfoo/redteam-owasp/promptfoo-owasp-fail.results.json");
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = value["results"]["results"].as_array().unwrap().clone();
        let mut many = Vec::new();
        while many.len() < 20_000 {
            many.extend(rows.iter().cloned());
        }
        let n = many.len() as u64;
        value["results"]["results"] = serde_json::Value::Array(many);
        value["results"]["stats"]["failures"] = n.into();
        serde_json::to_string(&value).unwrap()
    }) else {
        return;
    };
    let start = Instant::now();
    let parsed = promptfoo::parse(&big, "big.json").unwrap();
    report("promptfoo", big.len(), start.elapsed().as_secs_f64());
    assert!(parsed.totals.failures >= 20_000);
}

/// A Presidio batch of a million findings.
#[test]
#[ignore = "measurement"]
fn presidio_million_findings() {
    let Some(big) = input("presidio.scan.json", || {
        let text = fixture("pii/tickets.scan.json");
        let texts: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let mut many = Vec::new();
        let mut findings = 0;
        while findings < 1_000_000 - 11 {
            findings += texts
                .iter()
                .map(|t| t.as_array().unwrap().len())
                .sum::<usize>();
            many.extend(texts.iter().cloned());
        }
        serde_json::to_string(&many).unwrap()
    }) else {
        return;
    };
    let start = Instant::now();
    let parsed = pii::parse_presidio(&big, "big.json").unwrap();
    report("presidio", big.len(), start.elapsed().as_secs_f64());
    assert!(parsed.findings.len() > 999_000);
}
