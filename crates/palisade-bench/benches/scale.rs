//! End-to-end scale benchmark (issue 13): the `palisade` binary on real files, timed as whole
//! processes with `/usr/bin/time -v` (wall, CPU, peak RSS), medians of alternating runs.
//!
//! Run it with `crates/palisade-bench/scale.sh` (builds `palisade` in release and installs
//! regorus 0.14.1), or `cargo bench -p palisade-bench --bench scale` once both exist.
//! Environment: `PALISADE_BIN` (default `target/release/palisade`), `REGORUS_BIN` (default
//! `target/regorus/bin/regorus`), `PALISADE_SCALE_RUNS` (default 5), `PALISADE_SCALE_CASES`
//! (comma list of `compare`, `curve`, `chain`; default all), `PALISADE_SCALE_MAX` (largest
//! curve size, default 1,000,000).
//!
//! Cases:
//! - `compare`: 50,000 packages, 30 Cedar policies (20 package rules); palisade `evaluate` and
//!   regorus `eval` of the same 20 rules in Rego on the same SBOM, A B A B …, and Python's
//!   `json.load` of the SBOM as the parse floor; the denied (policy, package) pairs of the two
//!   engines are compared and must be equal.
//! - `curve`: palisade `evaluate` on the lean SBOM of `scale::wide_sbom_json` (one license and
//!   one dependency per component, 181 MB at 1M) with 1k, 10k, 100k and 1M packages.
//! - `chain`: palisade `evaluate` on a 49,990-stage chain.
//!
//! Results go to stdout as a table and to `target/scale/results.tsv`; `target/scale/scale.svg`
//! plots the curve.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_bench::scale::{write_chain_case, write_sbom_case, write_wide_case};

type Res<T> = Result<T, Box<dyn Error>>;

#[derive(Debug, Clone, Copy, Default)]
struct Run {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `args` in `dir` under `/usr/bin/time -v`; returns the figures and stdout.
fn timed(dir: &Path, args: &[&str]) -> Res<(Run, String)> {
    let report = std::env::temp_dir().join(format!("palisade-scale-time-{}", std::process::id()));
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg("-o")
        .arg(&report)
        .args(args)
        .current_dir(dir)
        .output()?;
    let text = std::fs::read_to_string(&report)?;
    let field = |label: &str| -> Option<&str> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label).map(str::trim))
    };
    let secs = |label: &str| -> f64 { field(label).and_then(|v| v.parse().ok()).unwrap_or(0.0) };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")
        .map(|v| {
            v.split(':').fold(0.0, |acc, part| {
                acc * 60.0 + part.parse::<f64>().unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0);
    let rss_kib = secs("Maximum resident set size (kbytes):");
    Ok((
        Run {
            wall,
            cpu: secs("User time (seconds):") + secs("System time (seconds):"),
            rss_mib: rss_kib / 1024.0,
        },
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

fn summary(runs: &[Run]) -> Run {
    Run {
        wall: median(runs.iter().map(|r| r.wall).collect()),
        cpu: median(runs.iter().map(|r| r.cpu).collect()),
        rss_mib: median(runs.iter().map(|r| r.rss_mib).collect()),
    }
}

/// Denied (policy, package) pairs in palisade's JSON report.
fn palisade_denials(json: &str) -> Res<BTreeMap<String, usize>> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    let mut out = BTreeMap::new();
    for v in value
        .get("violations")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if v.get("action").and_then(|a| a.as_str()) == Some("include")
            && let Some(policy) = v.get("policy").and_then(|p| p.as_str())
        {
            *out.entry(policy.to_owned()).or_default() += 1;
        }
    }
    Ok(out)
}

/// Denied (policy, package) pairs in regorus's output.
fn regorus_denials(json: &str) -> Res<BTreeMap<String, usize>> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    let mut out = BTreeMap::new();
    let mut stack = vec![&value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                if let (Some(policy), Some(_)) = (
                    map.get("policy").and_then(|p| p.as_str()),
                    map.get("package"),
                ) {
                    *out.entry(policy.to_owned()).or_default() += 1;
                } else {
                    stack.extend(map.values());
                }
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    Ok(out)
}

/// The 1-minute load average now (the machine may be shared: every row records it).
fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let palisade = std::env::var("PALISADE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/release/palisade"));
    let regorus = std::env::var("REGORUS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/regorus/bin/regorus"));
    let runs: usize = std::env::var("PALISADE_SCALE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cases =
        std::env::var("PALISADE_SCALE_CASES").unwrap_or_else(|_| "compare,curve,chain".into());
    let max: usize = std::env::var("PALISADE_SCALE_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let out_dir = root().join("target/scale");
    std::fs::create_dir_all(&out_dir)?;
    let pal = palisade.to_string_lossy().into_owned();
    let at = "--at=2026-12-01T00:00:00Z";
    let mut tsv = String::from("case\tpackages\twall_s\tcpu_s\tpeak_rss_mib\tload1\n");
    println!("machine: {}", machine());
    println!("palisade: {pal}; runs: {runs} (medians)");

    if cases.contains("compare") {
        let dir = out_dir.join("sbom-50k");
        write_sbom_case(&dir, 50_000)?;
        let sbom_mb = std::fs::metadata(dir.join("sbom.cdx.json"))?.len() as f64 / 1e6;
        let reg = regorus.to_string_lossy().into_owned();
        let have_regorus = regorus.exists();
        let python = Command::new("python3").arg("-c").arg("1").output().is_ok();
        let (mut p, mut r, mut j) = (Vec::new(), Vec::new(), Vec::new());
        let (mut p_out, mut r_out) = (String::new(), String::new());
        for _ in 0..runs {
            let (run, out) = timed(
                &dir,
                &[&pal, "evaluate", "pipeline.pal", at, "--format", "json"],
            )?;
            p.push(run);
            p_out = out;
            if have_regorus {
                let (run, out) = timed(
                    &dir,
                    &[
                        &reg,
                        "eval",
                        "-d",
                        "rules.rego",
                        "-i",
                        "sbom.cdx.json",
                        "data.palisade.deny",
                    ],
                )?;
                r.push(run);
                r_out = out;
            }
            if python {
                let (run, _) = timed(
                    &dir,
                    &[
                        "python3",
                        "-c",
                        "import json; json.load(open('sbom.cdx.json'))",
                    ],
                )?;
                j.push(run);
            }
        }
        let ps = summary(&p);
        println!(
            "\n50,000 packages, SBOM {sbom_mb:.1} MB, 30 Cedar policies (20 package rules); load {:.2}",
            load1()
        );
        println!("| | wall (s) | CPU (s) | peak RSS (MiB) |\n| --- | --- | --- | --- |");
        println!(
            "| palisade evaluate | {:.2} | {:.2} | {:.0} |",
            ps.wall, ps.cpu, ps.rss_mib
        );
        let _ = writeln_tsv(&mut tsv, "palisade-50k", 50_000, ps);
        if have_regorus {
            let rs = summary(&r);
            println!(
                "| regorus 0.14.1, same 20 rules | {:.2} | {:.2} | {:.0} |",
                rs.wall, rs.cpu, rs.rss_mib
            );
            let ratios: Vec<f64> = p
                .iter()
                .zip(&r)
                .map(|(a, b)| a.wall / b.wall.max(1e-9))
                .collect();
            println!(
                "| palisade / regorus (wall, median of pairs) | {:.2} | | |",
                median(ratios)
            );
            let _ = writeln_tsv(&mut tsv, "regorus-50k", 50_000, rs);
            let ours = palisade_denials(&p_out)?;
            let theirs = regorus_denials(&r_out)?;
            println!(
                "same decisions: {} ({} denied pairs palisade, {} regorus)",
                ours == theirs,
                ours.values().sum::<usize>(),
                theirs.values().sum::<usize>()
            );
            if ours != theirs {
                println!("palisade: {ours:?}\nregorus:  {theirs:?}");
            }
        } else {
            println!("(regorus not found at {}: run scale.sh)", regorus.display());
        }
        if python {
            let js = summary(&j);
            println!(
                "| python3 json.load of the SBOM | {:.2} | {:.2} | {:.0} |",
                js.wall, js.cpu, js.rss_mib
            );
            let _ = writeln_tsv(&mut tsv, "json-load-50k", 50_000, js);
        }
    }

    if cases.contains("curve") {
        println!(
            "\nlean SBOM (one license, one dependency per component)\n| packages | SBOM (MB) | wall (s) | CPU (s) | peak RSS (MiB) |\n| --- | --- | --- | --- | --- |"
        );
        let mut points = Vec::new();
        for n in [1_000, 10_000, 50_000, 100_000, 1_000_000] {
            if n > max {
                continue;
            }
            let dir = out_dir.join(format!("wide-{n}"));
            write_wide_case(&dir, n)?;
            let mb = std::fs::metadata(dir.join("sbom.cdx.json"))?.len() as f64 / 1e6;
            let count = if n >= 1_000_000 { runs.min(3) } else { runs };
            let mut rs = Vec::new();
            for _ in 0..count {
                rs.push(
                    timed(
                        &dir,
                        &[&pal, "evaluate", "pipeline.pal", at, "--format", "json"],
                    )?
                    .0,
                );
            }
            let s = summary(&rs);
            println!(
                "| {n} | {mb:.1} | {:.2} | {:.2} | {:.0} | load {:.2} |",
                s.wall,
                s.cpu,
                s.rss_mib,
                load1()
            );
            let _ = writeln_tsv(&mut tsv, "curve", n, s);
            points.push((n, s));
            if n >= 100_000 {
                std::fs::remove_dir_all(&dir)?;
            }
        }
        std::fs::write(out_dir.join("scale.svg"), svg(&points))?;
    }

    if cases.contains("chain") {
        let dir = out_dir.join("chain");
        write_chain_case(&dir, 49_990)?;
        let kb = std::fs::metadata(dir.join("chain.pal"))?.len() as f64 / 1e6;
        let mut rs = Vec::new();
        for _ in 0..runs.min(3) {
            rs.push(
                timed(
                    &dir,
                    &[&pal, "evaluate", "chain.pal", at, "--format", "json"],
                )?
                .0,
            );
        }
        let s = summary(&rs);
        println!(
            "\n49,990-stage chain ({kb:.1} MB .pal): wall {:.2} s, CPU {:.2} s, peak RSS {:.0} MiB; load {:.2}",
            s.wall,
            s.cpu,
            s.rss_mib,
            load1()
        );
        let _ = writeln_tsv(&mut tsv, "chain-49990", 0, s);
    }
    std::fs::write(out_dir.join("results.tsv"), tsv)?;
    Ok(())
}

fn writeln_tsv(tsv: &mut String, case: &str, n: usize, s: Run) -> std::fmt::Result {
    use std::fmt::Write as _;
    writeln!(
        tsv,
        "{case}\t{n}\t{:.3}\t{:.3}\t{:.1}\t{:.2}",
        s.wall,
        s.cpu,
        s.rss_mib,
        load1()
    )
}

/// A log-log plot of wall time and peak RSS against packages.
fn svg(points: &[(usize, Run)]) -> String {
    use std::fmt::Write as _;
    let (w, h, left, right, top, bottom) = (640.0, 360.0, 70.0, 70.0, 30.0, 50.0);
    let log = |v: f64| v.max(1e-9).log10();
    let x = |n: usize| left + (log(n as f64) - 3.0) / 3.0 * (w - left - right);
    // Time from 0.01 s to 100 s, memory from 1 MiB to 10 GiB, both log scales.
    let yt = |s: f64| top + (1.0 - (log(s) + 2.0) / 4.0) * (h - top - bottom);
    let ym = |m: f64| top + (1.0 - log(m) / 4.0) * (h - top - bottom);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"18\" text-anchor=\"middle\">palisade evaluate: wall time and peak RSS by SBOM size (log-log)</text>\n",
        w / 2.0
    );
    for n in [1_000usize, 10_000, 100_000, 1_000_000] {
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{top}\" x2=\"{0}\" y2=\"{1}\" stroke=\"#ddd\"/><text x=\"{0}\" y=\"{2}\" text-anchor=\"middle\">{3}</text>",
            x(n),
            h - bottom,
            h - bottom + 16.0,
            match n {
                1_000 => "1k",
                10_000 => "10k",
                100_000 => "100k",
                _ => "1M",
            }
        );
    }
    for (s, label) in [
        (0.01, "0.01 s"),
        (0.1, "0.1 s"),
        (1.0, "1 s"),
        (10.0, "10 s"),
        (100.0, "100 s"),
    ] {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f77b4\">{label}</text>",
            left - 6.0,
            yt(s) + 4.0
        );
    }
    for (m, label) in [
        (1.0, "1 MiB"),
        (10.0, "10 MiB"),
        (100.0, "100 MiB"),
        (1000.0, "1 GiB"),
        (10000.0, "10 GiB"),
    ] {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"#d62728\">{label}</text>",
            w - right + 6.0,
            ym(m) + 4.0
        );
    }
    let line = |f: &dyn Fn(&Run) -> f64, y: &dyn Fn(f64) -> f64, colour: &str| -> String {
        let pts: Vec<String> = points
            .iter()
            .map(|(n, r)| format!("{:.1},{:.1}", x(*n), y(f(r))))
            .collect();
        let mut s = format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
            pts.join(" ")
        );
        for p in &pts {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            s.push_str(&format!(
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>\n"
            ));
        }
        s
    };
    out.push_str(&line(&|r| r.wall, &yt, "#1f77b4"));
    out.push_str(&line(&|r| r.rss_mib, &ym, "#d62728"));
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"{}\" fill=\"#1f77b4\">— wall time (left)</text><text x=\"{}\" y=\"{}\" fill=\"#d62728\" text-anchor=\"end\">— peak RSS (right)</text>\n</svg>\n",
        h - 8.0,
        w - right,
        h - 8.0
    );
    out
}
