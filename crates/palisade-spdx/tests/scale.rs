//! The synthetic documents read back exactly, and 50,000 packages parse fast in both SPDX
//! versions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use palisade_spdx::{Format, Limits, detect, parse, reduce, synthetic_spdx2, synthetic_spdx3};

/// The allocator of the `palisade` binary, so the timings are the binary's: with glibc's
/// malloc, `malloc`/`free` are over a third of a profile of these parses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// CPU time of this thread, in seconds (Linux: utime + stime of /proc/thread-self/stat, in
/// clock ticks of 10 ms). On a shared machine wall-clock time measures the neighbours too.
fn thread_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the command name: state is 0, utime is 11, stime is 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f` `runs` times; the best wall time and the mean CPU time, in ms.
fn measure(runs: u32, mut f: impl FnMut()) -> (f64, f64) {
    let mut best = f64::MAX;
    let cpu = thread_cpu();
    for _ in 0..runs {
        let start = std::time::Instant::now();
        f();
        best = best.min(start.elapsed().as_secs_f64());
    }
    (
        best * 1000.0,
        (thread_cpu() - cpu) * 1000.0 / f64::from(runs),
    )
}

/// `cargo test -p palisade-spdx --release --test scale -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn parse_50k_packages_timing() {
    let runs = 10;
    let cdx = palisade_cyclonedx::synthetic_json(50_000, 2, 0);
    let (wall, cpu) = measure(runs, || {
        let bom = palisade_cyclonedx::parse(
            cdx.as_bytes(),
            "cdx-50k.json",
            &palisade_cyclonedx::Limits::default(),
        )
        .unwrap();
        assert_eq!(bom.components.len(), 50_000);
    });
    println!(
        "CycloneDX 1.6 (for comparison): 50,000 components, {} MB: parse best {wall:.0} ms wall, {cpu:.0} ms CPU",
        cdx.len() / 1_000_000
    );
    for (version, text) in [
        ("SPDX 2.3", synthetic_spdx2(50_000)),
        ("SPDX 3.0", synthetic_spdx3(50_000)),
    ] {
        let (detect_wall, detect_cpu) = measure(runs, || {
            assert_ne!(detect(text.as_bytes()), Format::NotSpdx);
        });
        let mut document = None;
        let (parse_wall, parse_cpu) = measure(runs, || {
            document =
                Some(parse(text.as_bytes(), "synthetic-50k.json", &Limits::default()).unwrap());
        });
        let document = document.unwrap();
        let (reduce_wall, reduce_cpu) = measure(runs, || {
            let facts = reduce(&document);
            assert_eq!(facts.packages.len(), 50_001);
            assert_eq!(facts.dependencies.len(), 50_000 + 49_999);
        });
        println!(
            "{version}: 50,000 packages, {} MB, {} elements: detect {detect_wall:.0} ms wall / {detect_cpu:.0} ms CPU, parse {parse_wall:.0} / {parse_cpu:.0}, reduce {reduce_wall:.0} / {reduce_cpu:.0}",
            text.len() / 1_000_000,
            document.elements.len() + document.relationships.len(),
        );
        assert!(parse_cpu < 2_000.0, "{version} took {parse_cpu} ms of CPU");
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
