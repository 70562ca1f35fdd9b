//! Hashing speed: Palisade against `b3sum` and model_signing / Python hashlib on the same files.
//!
//! Generates (once) into `target/bench-data/`: `big.bin` (1 GiB) and `model/` (4 × 256 MiB
//! shards + 200 small files). Every measurement runs once to warm the page cache, then `RUNS`
//! times; the minimum and the median are printed. External tools are skipped when missing:
//! `b3sum` on PATH, and a Python with model_signing 1.1.1 (`PALISADE_BENCH_PYTHON`).
//!
//! `cargo bench -p palisade-hash` runs every section; `PALISADE_BENCH=core,file,dir,tuning`
//! picks some. The bench binary also hashes like `palisade lock` for a whole-process timing:
//! `<bench binary> hash blake3|sha256|both PATH...` prints each root digest (and
//! `PALISADE_BENCH_TUNING=262144,true,false,0` hashes the way the library did before it could
//! select digests: 256 KiB reads, sha256 and blake3 split, blake3 single-threaded per chunk).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use palisade_hash::bench_support::{self, Tuning};
use palisade_hash::{Algorithm, Algorithms, HashOptions, hash_path};
use rayon::prelude::*;

const MIB: u64 = 1024 * 1024;
const RUNS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("hash") {
        std::process::exit(hash_command(&args[1..]));
    }
    let sections = std::env::var("PALISADE_BENCH").unwrap_or_else(|_| "all".to_owned());
    let wanted = |s: &str| sections == "all" || sections.split(',').any(|x| x == s);

    let data = data_dir();
    if let Err(e) = generate(&data) {
        eprintln!("cannot generate bench data in {}: {e}", data.display());
        std::process::exit(1);
    }
    let big = data.join("big.bin");
    let model = data.join("model");
    let model_files = list_files(&model);
    println!(
        "bench data: {} (1 GiB), {} ({} files, {} MiB); {} threads; {RUNS} runs, min / median",
        big.display(),
        model.display(),
        model_files.len(),
        model_files.iter().map(|p| size(p)).sum::<u64>() / MIB,
        rayon::current_num_threads()
    );
    let python = python_with_model_signing();

    if wanted("core") {
        core_rates(&big, python.as_deref());
    }
    if wanted("file") {
        one_file(&big, python.as_deref());
    }
    if wanted("dir") {
        model_dir(&model, &model_files, python.as_deref());
    }
    if wanted("tuning") {
        tuning(&big, &model);
    }
}

/// `hash ALGORITHMS PATH...`: what `palisade lock` (blake3) or `palisade hash` computes, for a
/// whole-process comparison with model_signing.
fn hash_command(args: &[String]) -> i32 {
    let algorithms = match args.first().map(String::as_str) {
        Some("blake3") => Algorithms::Blake3,
        Some("sha256") => Algorithms::Sha256,
        Some("both") => Algorithms::Both,
        _ => {
            eprintln!("usage: hash blake3|sha256|both PATH...");
            return 2;
        }
    };
    let paths: Vec<PathBuf> = args[1..].iter().map(PathBuf::from).collect();
    // `PALISADE_BENCH_TUNING=CHUNK,SPLIT,BLAKE3_RAYON[,BLAKE3_LEAF]` replaces the default
    // tuning; `262144,true,false,0` is how the library hashed before it could select digests.
    let mut tuning = Tuning::default();
    if let Ok(text) = std::env::var("PALISADE_BENCH_TUNING") {
        let parts: Vec<&str> = text.split(',').collect();
        match parts.as_slice() {
            [chunk, split, rayon, rest @ ..] if rest.len() <= 1 => {
                tuning.chunk = chunk.parse().unwrap_or(tuning.chunk);
                tuning.split = *split == "true";
                tuning.blake3_rayon = *rayon == "true";
                if let Some(leaf) = rest.first() {
                    tuning.blake3_leaf = leaf.parse().ok().filter(|&l| l > 0);
                }
            }
            _ => {
                eprintln!("PALISADE_BENCH_TUNING: expected CHUNK,SPLIT,BLAKE3_RAYON[,BLAKE3_LEAF]");
                return 2;
            }
        }
    }
    let opts = HashOptions::with_algorithms(algorithms);
    match bench_support::hash_paths_tuned(&paths, &opts, &tuning) {
        Ok(trees) => {
            for (path, tree) in paths.iter().zip(trees) {
                let digests: Vec<String> = [Algorithm::Blake3, Algorithm::Sha256]
                    .into_iter()
                    .filter_map(|a| tree.root.hex(a).map(|h| format!("{}:{h}", a.name())))
                    .collect();
                println!("{}  {}", digests.join("  "), path.display());
            }
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

/// Per-core speed of each digest on bytes already in memory, and of reading from the page
/// cache: what the whole-file numbers are made of.
fn core_rates(big: &Path, python: Option<&str>) {
    use sha2::Digest;
    println!("\n== one core, 256 MiB in memory (page cache for the read) ==");
    let buf: Vec<u8> = (0..256 * MIB as usize).map(|i| (i * 31) as u8).collect();
    time("sha2 sha256 (SHA-NI when the CPU has it)", 256, || {
        std::hint::black_box(sha2::Sha256::digest(&buf));
        Ok(())
    });
    time("blake3 update (one thread, SIMD)", 256, || {
        std::hint::black_box(blake3::Hasher::new().update(&buf).finalize());
        Ok(())
    });
    time("read 256 MiB of big.bin in 256 KiB reads", 256, || {
        read_only(big, 256 * MIB, 256 << 10)
    });
    let py = python.unwrap_or("python3");
    time_python(
        "python hashlib sha256 (OpenSSL), one thread",
        py,
        "import hashlib\nb = bytes(256 << 20)",
        "hashlib.sha256(b).digest()",
        256,
    );
    println!(
        "  x86 SHA extensions: {}",
        if is_x86_feature("sha") {
            "present (sha2 0.10 detects them at run time by default)"
        } else {
            "absent (sha2 falls back to its portable code)"
        }
    );
}

fn one_file(big: &Path, python: Option<&str>) {
    println!("\n== one 1 GiB file ==");
    let mut results = Vec::new();
    for algorithms in [Algorithms::Blake3, Algorithms::Sha256, Algorithms::Both] {
        let opts = HashOptions::with_algorithms(algorithms);
        let t = time(&format!("palisade {}", name(algorithms)), 1024, || {
            hash_path(big, &opts).map(|_| ()).map_err(|e| e.to_string())
        });
        results.push(t);
    }
    let mmap = time(
        "  ref: blake3 update_mmap_rayon (b3sum's way)",
        1024,
        || blake3_mmap(big),
    );
    let b3sum = time_tool("b3sum", std::slice::from_ref(&big.to_path_buf()), 1024);
    ratio("palisade blake3 vs b3sum", results[0], b3sum);
    ratio("palisade blake3 vs blake3 mmap", results[0], mmap);
    let py = python.unwrap_or("python3");
    let hashlib = time_python(
        "python hashlib sha256 of the file, 1 MiB reads",
        py,
        "import hashlib",
        &format!(
            "d = hashlib.sha256()\nwith open({:?}, 'rb') as f:\n    \
             for b in iter(lambda: f.read(1 << 20), b''): d.update(b)\nd.digest()",
            big.display().to_string()
        ),
        1024,
    );
    ratio("palisade sha256 vs hashlib", results[1], hashlib);
    ratio("palisade both vs hashlib sha256", results[2], hashlib);
}

fn model_dir(model: &Path, model_files: &[PathBuf], python: Option<&str>) {
    println!("\n== model dir: 4 x 256 MiB + 200 small files ==");
    let mut results = Vec::new();
    for algorithms in [Algorithms::Blake3, Algorithms::Sha256, Algorithms::Both] {
        let opts = HashOptions::with_algorithms(algorithms);
        let label = match algorithms {
            Algorithms::Blake3 => "palisade blake3 (what `lock` computes)".to_owned(),
            other => format!("palisade {}", name(other)),
        };
        let t = time(&label, 1024, || {
            hash_path(model, &opts)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        results.push(t);
    }
    let mmap = time("  ref: blake3 mmap+rayon over files", 1024, || {
        model_files.par_iter().try_for_each(|p| blake3_mmap(p))
    });
    let b3sum = time_tool("b3sum", model_files, 1024);
    ratio("palisade blake3 vs b3sum", results[0], b3sum);
    ratio("palisade blake3 vs blake3 mmap", results[0], mmap);

    let Some(py) = python else {
        println!(
            "model_signing not importable (set PALISADE_BENCH_PYTHON to a python with it): skipped"
        );
        return;
    };
    let ms = |algorithm: &str| {
        time_python(
            &format!("model_signing 1.1.1 {algorithm} (Python API)"),
            py,
            "import model_signing.hashing as h",
            &format!(
                "h.Config().use_file_serialization(hashing_algorithm={algorithm:?}).hash({:?})",
                model.display().to_string()
            ),
            1024,
        )
    };
    let ms_sha = ms("sha256");
    let ms_b3 = ms("blake3");
    ratio(
        "palisade blake3 (lock) vs model_signing sha256",
        results[0],
        ms_sha,
    );
    ratio("palisade blake3 vs model_signing blake3", results[0], ms_b3);
    ratio(
        "palisade sha256 vs model_signing sha256",
        results[1],
        ms_sha,
    );
    ratio("palisade both vs model_signing sha256", results[2], ms_sha);
    let hashlib = time_python(
        "python hashlib sha256, thread pool over files",
        py,
        "import hashlib, pathlib, concurrent.futures as cf",
        &format!(
            "fs = sorted(p for p in pathlib.Path({:?}).rglob('*') if p.is_file())\n\
             def h(p):\n    d = hashlib.sha256()\n    with open(p, 'rb') as f:\n        \
             for b in iter(lambda: f.read(1 << 20), b''): d.update(b)\n    return d.digest()\n\
             with cf.ThreadPoolExecutor() as ex: r = b''.join(ex.map(h, fs))\n\
             hashlib.sha256(r).hexdigest()",
            model.display().to_string()
        ),
        1024,
    );
    ratio(
        "palisade sha256 vs hashlib thread pool",
        results[1],
        hashlib,
    );
}

/// The knobs of `digest::Tuning`, A/B on both data sets.
fn tuning(big: &Path, model: &Path) {
    println!("\n== tuning (the default is marked *) ==");
    let default = Tuning::default();
    let mut variants = Vec::new();
    let base = |chunk| Tuning {
        chunk,
        ..Tuning::default()
    };
    for chunk in [256 << 10, 1 << 20, 4 << 20] {
        // blake3 alone: by subtrees (leaf sizes), or streamed with or without update_rayon.
        for leaf in [2 << 20, 8 << 20, 32 << 20] {
            let t = Tuning {
                blake3_leaf: Some(leaf),
                ..base(chunk)
            };
            variants.push((Algorithms::Blake3, t));
        }
        for blake3_rayon in [true, false] {
            let t = Tuning {
                blake3_leaf: None,
                blake3_rayon,
                ..base(chunk)
            };
            variants.push((Algorithms::Blake3, t));
        }
        variants.push((Algorithms::Sha256, base(chunk)));
        for split in [true, false] {
            for blake3_rayon in [true, false] {
                let t = Tuning {
                    split,
                    blake3_rayon,
                    ..base(chunk)
                };
                variants.push((Algorithms::Both, t));
            }
        }
    }
    variants.sort_by_key(|(a, _)| match a {
        Algorithms::Blake3 => 0,
        Algorithms::Sha256 => 1,
        Algorithms::Both => 2,
    });
    for (what, path) in [("1 GiB file", big), ("model dir", model)] {
        println!("-- {what}");
        for (algorithms, t) in &variants {
            let opts = HashOptions::with_algorithms(*algorithms);
            let relevant = |t: &Tuning| match algorithms {
                Algorithms::Blake3 => (
                    t.chunk,
                    t.blake3_leaf,
                    t.blake3_leaf.is_none() && t.blake3_rayon,
                ),
                Algorithms::Sha256 => (t.chunk, None, false),
                Algorithms::Both => (t.chunk, None, t.split && t.blake3_rayon),
            };
            let mark = if relevant(t) == relevant(&default)
                && (*algorithms != Algorithms::Both
                    || (t.split, t.blake3_rayon) == (default.split, default.blake3_rayon))
            {
                "*"
            } else {
                " "
            };
            let how = match algorithms {
                Algorithms::Blake3 => match t.blake3_leaf {
                    Some(leaf) => format!("subtrees of {} MiB", leaf >> 20),
                    None => format!("streamed, update_rayon {}", t.blake3_rayon),
                },
                Algorithms::Sha256 => String::new(),
                Algorithms::Both => format!("split {} b3 rayon {}", t.split, t.blake3_rayon),
            };
            time(
                &format!(
                    "{mark}{:<6} {:>4} KiB reads {how}",
                    name(*algorithms),
                    t.chunk >> 10,
                ),
                1024,
                || {
                    bench_support::hash_path_tuned(path, &opts, t)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                },
            );
        }
    }
}

fn name(algorithms: Algorithms) -> &'static str {
    match algorithms {
        Algorithms::Blake3 => "blake3",
        Algorithms::Sha256 => "sha256",
        Algorithms::Both => "both",
    }
}

fn is_x86_feature(feature: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match feature {
            "sha" => std::arch::is_x86_feature_detected!("sha"),
            _ => false,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = feature;
        false
    }
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-data")
}

/// Deterministic pseudo-random bytes (blake3 in XOF mode, seeded by the file name).
fn write_file(path: &Path, len: u64) -> std::io::Result<()> {
    if path.metadata().map(|m| m.len() == len).unwrap_or(false) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut xof = blake3::Hasher::new()
        .update(path.file_name().unwrap_or_default().as_encoded_bytes())
        .finalize_xof();
    let tmp = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(fs::File::create(&tmp)?);
    let mut buf = vec![0u8; MIB as usize];
    let mut left = len;
    while left > 0 {
        let n = left.min(MIB) as usize;
        xof.fill(&mut buf[..n]);
        out.write_all(&buf[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    drop(out);
    fs::rename(tmp, path)
}

fn generate(data: &Path) -> std::io::Result<()> {
    write_file(&data.join("big.bin"), 1024 * MIB)?;
    let model = data.join("model");
    for i in 1..=4 {
        write_file(
            &model.join(format!("model-0000{i}-of-00004.safetensors")),
            256 * MIB,
        )?;
    }
    for i in 0..200u64 {
        let sub = if i % 2 == 0 { "tokenizer" } else { "extra" };
        write_file(
            &model.join(sub).join(format!("part-{i:03}.json")),
            1024 + (i * 7919) % (64 * 1024),
        )?;
    }
    Ok(())
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn size(p: &Path) -> u64 {
    p.metadata().map(|m| m.len()).unwrap_or(0)
}

/// Minimum and median of the runs' wall times.
#[derive(Clone, Copy)]
struct Timing {
    min: Duration,
    median: Duration,
}

/// Prints wall min / median, throughput of the median, and the median CPU time (user + system,
/// all threads; `None` when unknown). On a busy machine the CPU time is the steadier figure.
fn report(label: &str, mib: u64, mut runs: Vec<Duration>, mut cpu: Vec<f64>) -> Option<Timing> {
    runs.sort();
    let min = *runs.first()?;
    let median = runs[runs.len() / 2];
    cpu.sort_by(f64::total_cmp);
    let cpu = cpu
        .get(cpu.len() / 2)
        .map_or_else(|| "    ?".to_owned(), |c| format!("{c:5.2}"));
    println!(
        "{label:<52} {:>7.3} s {:>7.3} s  {:>6.0} MiB/s  cpu {cpu} s",
        min.as_secs_f64(),
        median.as_secs_f64(),
        mib as f64 / median.as_secs_f64()
    );
    Some(Timing { min, median })
}

/// CPU seconds (user + system) this process has used, from /proc (Linux); 10 ms resolution.
fn process_cpu() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// A warm-up run, then RUNS timed ones. `mib` is the data size, for the throughput (of the
/// median).
fn time(label: &str, mib: u64, mut f: impl FnMut() -> Result<(), String>) -> Option<Timing> {
    if let Err(e) = f() {
        println!("{label:<52} failed: {e}");
        return None;
    }
    let mut runs = Vec::with_capacity(RUNS);
    let mut cpu = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let cpu_start = process_cpu();
        let start = Instant::now();
        if let Err(e) = f() {
            println!("{label:<52} failed: {e}");
            return None;
        }
        runs.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, process_cpu()) {
            cpu.push(b - a);
        }
    }
    report(label, mib, runs, cpu)
}

fn time_tool(tool: &str, files: &[PathBuf], mib: u64) -> Option<Timing> {
    let run = || -> Result<(), String> {
        let status = Command::new(tool)
            .args(files)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{tool} exited with {status}"))
        }
    };
    if run().is_err() {
        println!("{tool} not found or failing: skipped");
        return None;
    }
    // The child's CPU time is not this process's: only the wall time is reported.
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        if let Err(e) = run() {
            println!("{tool:<52} failed: {e}");
            return None;
        }
        runs.push(start.elapsed());
    }
    report(tool, mib, runs, Vec::new())
}

fn python_with_model_signing() -> Option<String> {
    let candidates = [
        std::env::var("PALISADE_BENCH_PYTHON").ok(),
        Some("python3".to_owned()),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import model_signing.hashing"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Times `snippet` inside one interpreter (no start-up cost) after `setup`: a warm-up, then
/// RUNS timed runs.
fn time_python(label: &str, python: &str, setup: &str, snippet: &str, mib: u64) -> Option<Timing> {
    let body: String = snippet.lines().map(|l| format!("    {l}\n")).collect();
    let program = format!(
        "import time\n{setup}\ndef run():\n{body}\nrun()\nfor _ in range({RUNS}):\n    \
         t = time.perf_counter(); c = time.process_time(); run()\n    \
         print(time.perf_counter() - t, time.process_time() - c)\n"
    );
    let out = Command::new(python).args(["-c", &program]).output().ok()?;
    if !out.status.success() {
        println!(
            "{label:<52} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let mut runs = Vec::new();
    let mut cpu = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut it = line.split_whitespace().map(|x| x.parse::<f64>().ok());
        if let (Some(Some(wall)), Some(Some(c))) = (it.next(), it.next()) {
            runs.push(Duration::from_secs_f64(wall));
            cpu.push(c);
        }
    }
    report(label, mib, runs, cpu)
}

fn read_only(path: &Path, limit: u64, chunk: usize) -> Result<(), String> {
    use std::io::Read;
    let mut f = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; chunk];
    let mut total = 0u64;
    while total < limit {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    std::hint::black_box(&buf);
    Ok(())
}

fn blake3_mmap(path: &Path) -> Result<(), String> {
    let mut h = blake3::Hasher::new();
    h.update_mmap_rayon(path).map_err(|e| e.to_string())?;
    std::hint::black_box(h.finalize());
    Ok(())
}

fn ratio(label: &str, ours: Option<Timing>, theirs: Option<Timing>) {
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        println!(
            "  -> {label}: {:.2}x the time by the medians ({:.0}% of its speed), {:.2}x by the minima",
            ours.median.as_secs_f64() / theirs.median.as_secs_f64(),
            100.0 * theirs.median.as_secs_f64() / ours.median.as_secs_f64(),
            ours.min.as_secs_f64() / theirs.min.as_secs_f64(),
        );
    }
}
