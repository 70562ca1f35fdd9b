//! Phase benchmarks of Palisade on synthetic pipelines (SPEC §8).
//!
//! `cargo bench -p palisade-bench` runs four cases, each in its own child process so that its
//! peak memory (`VmHWM`) is its own:
//!
//! - `1k`, `10k`, `50k`: the 200-artifact pipeline with 800, 9,600 and 50,000 packages, 30
//!   policies (the baseline pack plus synthetic forbids);
//! - `chain10k`: a 10,000-deep lineage chain (stage → dataset → stage …), no packages.
//!
//! Each phase is repeated and the median (and minimum) reported: parse, graph build, packages
//! and evidence attached, upstream facts, Cedar entities, Palisade's evaluation (rayon, and on
//! one thread), and the baseline: the same requests sent to `Authorizer::is_authorized` with
//! the whole policy set on one thread. `PALISADE_BENCH_CASES=50k,chain10k` runs a subset;
//! `PALISADE_BENCH_REPEATS=1` overrides every case's repeat count (for profiling).

// The allocator the `palisade` binary uses, so the phases cost what they cost there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::error::Error;
use std::process::Command;
use std::time::{Duration, Instant};

use palisade_bench::{
    Shape, add_evidence, add_packages, cpu_time_ns, declared_evidence, pack_of, parse,
    peak_rss_kib, pipeline_text, plain,
};
use palisade_core::Timestamp;
use palisade_gate::Gate;
use palisade_graph::DeclaredGraph;

const AT: Timestamp = Timestamp::from_unix(1_800_000_000);
const CASE_VAR: &str = "PALISADE_BENCH_CASE";
const ROW: &str = "@row\t";

struct Case {
    name: &'static str,
    shape: Shape,
    packages: usize,
    repeats: usize,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "1k",
            shape: Shape::artifacts_200(),
            packages: 800,
            repeats: 15,
        },
        Case {
            name: "10k",
            shape: Shape::artifacts_200(),
            packages: 9_600,
            repeats: 7,
        },
        Case {
            name: "50k",
            shape: Shape::artifacts_200(),
            packages: 50_000,
            repeats: 5,
        },
        Case {
            name: "chain10k",
            shape: Shape::chain(10_000),
            packages: 0,
            repeats: 3,
        },
    ]
}

/// Rows of the table, in order: key, label.
const PHASES: &[(&str, &str)] = &[
    ("nodes", "graph nodes"),
    ("requests", "requests"),
    ("violations", "violations (palisade)"),
    ("denied", "denied (plain Cedar)"),
    ("agree", "same decisions"),
    ("text_kib", "pipeline text (KiB)"),
    ("parse", "parse (ms)"),
    ("graph", "graph build (ms)"),
    ("packages", "attach packages+evidence (ms)"),
    ("upstream", "compute_upstream (ms)"),
    ("entities", "entity build (ms)"),
    ("evaluate", "palisade evaluate, rayon (ms)"),
    ("evaluate_1t", "palisade evaluate, 1 thread (ms)"),
    ("engine_1t", "  of which past entities, 1 thread (ms)"),
    ("plain_requests", "plain: build requests (ms)"),
    ("plain_authorize", "plain: is_authorized, 1 thread (ms)"),
    ("plain_total", "plain: requests + authorize (ms)"),
    ("ratio_1t", "palisade 1t / plain (engine overhead)"),
    ("ratio_rayon", "palisade rayon / plain"),
    ("end_to_end", "end to end: parse..evaluate (ms)"),
    ("cpu_entities", "entity build, CPU of all threads (ms)"),
    ("cpu_evaluate", "palisade evaluate, CPU of all threads (ms)"),
    ("cpu_end_to_end", "end to end, CPU of all threads (ms)"),
    ("peak_parse_mib", "  peak RSS up to parse (MiB)"),
    ("peak_graph_mib", "  peak RSS up to compute_upstream (MiB)"),
    ("peak_e2e_mib", "peak RSS after one end to end (MiB)"),
    ("peak_mib", "peak RSS, whole case (MiB)"),
];

fn main() -> Result<(), Box<dyn Error>> {
    if let Ok(name) = std::env::var(CASE_VAR) {
        let mut case = cases()
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("unknown case {name:?}"))?;
        if let Some(repeats) = std::env::var("PALISADE_BENCH_REPEATS")
            .ok()
            .and_then(|r| r.parse().ok())
        {
            case.repeats = repeats;
        }
        return run_case(&case);
    }
    let wanted: Option<Vec<String>> = std::env::var("PALISADE_BENCH_CASES")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
    let exe = std::env::current_exe()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("palisade-bench: phase medians over repeats; {threads} CPUs (rayon uses all of them)");
    let mut columns: Vec<&str> = Vec::new();
    let mut table: BTreeMap<(String, String), String> = BTreeMap::new();
    for case in cases() {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.iter().any(|n| n == case.name))
        {
            continue;
        }
        eprintln!("running {} ({} repeats)…", case.name, case.repeats);
        let output = Command::new(&exe).env(CASE_VAR, case.name).output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines() {
            match line.strip_prefix(ROW) {
                Some(row) => {
                    let mut parts = row.splitn(2, '\t');
                    if let (Some(key), Some(value)) = (parts.next(), parts.next()) {
                        table.insert((case.name.to_owned(), key.to_owned()), value.to_owned());
                    }
                }
                None => println!("{line}"),
            }
        }
        if !output.status.success() {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            return Err(format!("case {} failed: {}", case.name, output.status).into());
        }
        columns.push(case.name);
    }
    print!("\n| {:<40} |", "phase");
    for column in &columns {
        print!(" {column:>17} |");
    }
    print!("\n|{}|", "-".repeat(42));
    for _ in &columns {
        print!("{}|", "-".repeat(19));
    }
    println!();
    for (key, label) in PHASES {
        print!("| {label:<40} |");
        for column in &columns {
            let value = table
                .get(&(column.to_string(), key.to_string()))
                .map_or("", String::as_str);
            print!(" {value:>17} |");
        }
        println!();
    }
    println!(
        "\nms cells: median (min). Plain Cedar and \"1 thread\" run on one thread; \"rayon\" uses every CPU."
    );
    Ok(())
}

fn row(key: &str, value: impl std::fmt::Display) {
    println!("{ROW}{key}\t{value}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median and minimum of timings, as "median (min)".
struct Timings(Vec<Duration>);

impl Timings {
    fn median(&self) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }

    fn cell(&self) -> String {
        let min = self.0.iter().min().copied().unwrap_or_default();
        format!("{:.1} ({:.1})", ms(self.median()), ms(min))
    }
}

/// Runs `f`, recording its wall time under `key` and, for the keys in `CPU`, the CPU time of
/// all threads under `cpu_<key>` (on a loaded machine wall time includes waiting for a core).
fn time<T>(
    timings: &mut BTreeMap<&'static str, Timings>,
    key: &'static str,
    f: impl FnOnce() -> T,
) -> T {
    let cpu = cpu_time_ns();
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    record(timings, key, elapsed);
    if let (Some(cpu_key), Some(before), Some(after)) = (
        CPU.iter().find(|(k, _)| *k == key).map(|(_, c)| *c),
        cpu,
        cpu_time_ns(),
    ) {
        record(
            timings,
            cpu_key,
            Duration::from_nanos(after.saturating_sub(before)),
        );
    }
    out
}

/// Phases whose CPU time is reported too, and the key it is reported under.
const CPU: &[(&str, &str)] = &[
    ("entities", "cpu_entities"),
    ("evaluate", "cpu_evaluate"),
    ("end_to_end", "cpu_end_to_end"),
];

fn record(timings: &mut BTreeMap<&'static str, Timings>, key: &'static str, elapsed: Duration) {
    timings
        .entry(key)
        .or_insert_with(|| Timings(Vec::new()))
        .0
        .push(elapsed);
}

fn run_case(case: &Case) -> Result<(), Box<dyn Error>> {
    let text = pipeline_text(&case.shape);
    let pack = pack_of(30)?;
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    row("text_kib", text.len() / 1024);

    // One end-to-end run first, alone, for the peak memory of what `palisade evaluate` does.
    // The peak only grows, so reading it after each step gives the peak up to that step.
    let start = Instant::now();
    let pipeline = parse(&text)?;
    let peak_parse = peak_rss_kib();
    let declared = DeclaredGraph::build(pipeline)?;
    let mut evidence = declared_evidence(&declared);
    add_packages(&declared, &mut evidence, case.packages, 2, 0.02);
    add_evidence(&declared, &mut evidence);
    let gate = Gate::assemble(declared, evidence, pack.clone(), AT)?;
    let peak_graph = peak_rss_kib();
    let verdict = gate.evaluate()?;
    let first = start.elapsed();
    let peak_e2e = peak_rss_kib();
    drop(verdict);
    drop(gate);

    let mut timings: BTreeMap<&'static str, Timings> = BTreeMap::new();
    let mut facts = None;
    for _ in 0..case.repeats {
        let start = Instant::now();
        let cpu_start = cpu_time_ns();
        let pipeline = time(&mut timings, "parse", || parse(&text))?;
        let declared = time(&mut timings, "graph", || DeclaredGraph::build(pipeline))?;
        let attached = time(&mut timings, "packages", || {
            let mut evidence = declared_evidence(&declared);
            add_packages(&declared, &mut evidence, case.packages, 2, 0.02);
            add_evidence(&declared, &mut evidence);
            declared.attach(evidence)
        });
        let graph = time(&mut timings, "upstream", || attached.lineage());
        let verdict = time(&mut timings, "evaluate", || {
            palisade_policy::evaluate(&graph, &pack, AT)
        })?;
        record(&mut timings, "end_to_end", start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, cpu_time_ns()) {
            record(
                &mut timings,
                "cpu_end_to_end",
                Duration::from_nanos(after.saturating_sub(before)),
            );
        }
        let verdict_1t = time(&mut timings, "evaluate_1t", || {
            one_thread.install(|| palisade_policy::evaluate(&graph, &pack, AT))
        })?;
        let map = time(&mut timings, "entities", || {
            palisade_policy::entities::build(&graph)
        })?;
        let specs = palisade_policy::requests(&graph);
        let plain_start = Instant::now();
        let requests = time(&mut timings, "plain_requests", || {
            plain::requests(&graph, &specs, &map.uids, AT.unix())
        })?;
        let decisions = time(&mut timings, "plain_authorize", || {
            plain::authorize(&requests, &pack.set, &map.entities)
        });
        record(&mut timings, "plain_total", plain_start.elapsed());
        if facts.is_none() {
            let agree = verdict.outcomes.len() == decisions.len()
                && verdict.outcomes.iter().zip(&decisions).all(|(o, d)| {
                    (o.decision == palisade_core::RequestDecision::Allow)
                        == (d.decision == cedar_policy::Decision::Allow)
                });
            let denied = decisions
                .iter()
                .filter(|d| d.decision == cedar_policy::Decision::Deny)
                .count();
            facts = Some((
                graph.node_count(),
                specs.len(),
                verdict.violations.len(),
                denied,
                agree && verdict_1t.summary == verdict.summary,
            ));
        }
    }
    if let Some((nodes, requests, violations, denied, agree)) = facts {
        row("nodes", nodes);
        row("requests", requests);
        row("violations", violations);
        row("denied", denied);
        row("agree", if agree { "yes" } else { "NO" });
    }
    for (key, t) in &timings {
        row(key, t.cell());
    }
    let median = |key: &str| timings.get(key).map_or(Duration::ZERO, Timings::median);
    let engine_1t = median("evaluate_1t").saturating_sub(median("entities"));
    row("engine_1t", format!("{:.1}", ms(engine_1t)));
    let plain_total = ms(median("plain_total")).max(1e-9);
    row("ratio_1t", format!("{:.2}x", ms(engine_1t) / plain_total));
    let engine_rayon = median("evaluate").saturating_sub(median("entities"));
    row(
        "ratio_rayon",
        format!("{:.2}x", ms(engine_rayon) / plain_total),
    );
    let mib =
        |kib: Option<u64>| kib.map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0));
    row("peak_parse_mib", mib(peak_parse));
    row("peak_graph_mib", mib(peak_graph));
    row("peak_e2e_mib", mib(peak_e2e));
    row(
        "peak_mib",
        peak_rss_kib().map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0)),
    );
    eprintln!("  {}: first end to end {:.1} ms", case.name, ms(first));
    Ok(())
}
