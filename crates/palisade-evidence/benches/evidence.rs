//! Evidence at scale: a pipeline whose released image has a synthetic CycloneDX SBOM of N
//! components (default 50,000; `PALISADE_BENCH_COMPONENTS`), 100 pinned datasets, a model and
//! the baseline policy pack. Times each phase of what `palisade evaluate` does, end to end,
//! and prints peak memory. Run: `cargo bench -p palisade-evidence --bench evidence`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::time::Instant;

// The allocator the `palisade` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let components: usize = std::env::var("PALISADE_BENCH_COMPONENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("data")).unwrap();
    let sbom = palisade_cyclonedx::synthetic_json(components, 3, components / 100);
    std::fs::write(root.join("serving.cdx.json"), &sbom).unwrap();
    std::fs::write(root.join("model.safetensors"), vec![7u8; 1 << 20]).unwrap();
    let mut pal = String::from(
        "pipeline \"bench\" {\n  identity \"ci\" { builder = \"https://ci.example/builder\" }\n",
    );
    for i in 0..100 {
        std::fs::write(
            root.join(format!("data/d{i}.csv")),
            format!("id,v\n{i},1\n"),
        )
        .unwrap();
        let _ = writeln!(
            pal,
            "  dataset \"d{i}\" {{ path = \"data/d{i}.csv\" labels = [\"internal\"] }}"
        );
    }
    let inputs: Vec<String> = (0..100).map(|i| format!("dataset \"d{i}\"")).collect();
    let _ = writeln!(
        pal,
        "  model \"m\" {{ path = \"model.safetensors\" format = \"safetensors\" }}"
    );
    let digest = "a".repeat(64);
    let _ = writeln!(
        pal,
        "  image \"serving\" {{ ref = \"registry.example/s@sha256:{digest}\" bom = \"serving.cdx.json\" }}"
    );
    let _ = writeln!(
        pal,
        "  stage \"train\" {{ runs_as = identity \"ci\" inputs = [{}] outputs = [model \"m\"] }}",
        inputs.join(", ")
    );
    let _ = writeln!(
        pal,
        "  stage \"serve\" {{ runs_as = identity \"ci\" inputs = [model \"m\"] outputs = [image \"serving\"] }}"
    );
    let _ = writeln!(
        pal,
        "  release \"prod\" {{ artifacts = [image \"serving\", model \"m\"] environment = \"production\" exposure = \"internal\" }}\n}}"
    );
    std::fs::write(root.join("pipeline.pal"), &pal).unwrap();
    let pipeline = palisade_syntax::load(&root.join("pipeline.pal"), &Default::default()).unwrap();
    palisade_evidence::build_lock(&pipeline, false)
        .unwrap()
        .write(&palisade_evidence::lock_path(&pipeline))
        .unwrap();

    println!(
        "evidence bench: {components} SBOM components ({:.1} MiB), 100 datasets, baseline pack",
        sbom.len() as f64 / (1 << 20) as f64
    );
    for run in 0..3 {
        let start = Instant::now();
        let t = Instant::now();
        let pipeline =
            palisade_syntax::load(&root.join("pipeline.pal"), &Default::default()).unwrap();
        let parse = t.elapsed();
        let t = Instant::now();
        let graph = palisade_graph::DeclaredGraph::build(pipeline).unwrap();
        let build = t.elapsed();
        let t = Instant::now();
        let pack = palisade_policy::PolicyPack::load(palisade_policy::baseline()).unwrap();
        let policies = t.elapsed();
        let t = Instant::now();
        let (attached, summary) =
            palisade_evidence::attach(graph, &palisade_evidence::Options::default()).unwrap();
        let evidence = t.elapsed();
        let t = Instant::now();
        let graph = attached.lineage();
        let upstream = t.elapsed();
        let t = Instant::now();
        let evaluation = palisade_policy::evaluate(
            &graph,
            &pack,
            palisade_core::Timestamp::from_unix(1_800_000_000),
        )
        .unwrap();
        let evaluate = t.elapsed();
        let total = start.elapsed();
        println!(
            "run {run}: total {:>7.1} ms | parse {:.1} · graph {:.1} · policies {:.1} · evidence {:.1} ({} packages) · upstream {:.1} · evaluate {:.1} ({} requests, {} violations) | peak RSS {:.0} MiB",
            total.as_secs_f64() * 1e3,
            parse.as_secs_f64() * 1e3,
            build.as_secs_f64() * 1e3,
            policies.as_secs_f64() * 1e3,
            evidence.as_secs_f64() * 1e3,
            summary.packages,
            upstream.as_secs_f64() * 1e3,
            evaluate.as_secs_f64() * 1e3,
            evaluation.outcomes.len(),
            evaluation.violations.len(),
            peak_rss_mib()
        );
    }
}
