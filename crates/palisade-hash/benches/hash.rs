//! Hashing speed: Palisade against `b3sum` and model_signing / Python hashlib on the same files.
//!
//! Generates (once) into `target/bench-data/`: `big.bin` (1 GiB) and `model/` (4 × 256 MiB
//! shards + 200 small files). Every measurement runs once to warm the page cache, then reports
//! the best of `RUNS`. External tools are skipped when missing.
//!
//! `cargo bench -p palisade-hash`

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use palisade_hash::{HashOptions, bench_support, hash_path};
use rayon::prelude::*;

const MIB: u64 = 1024 * 1024;
const RUNS: usize = 5;

fn main() {
    let data = data_dir();
    if let Err(e) = generate(&data) {
        eprintln!("cannot generate bench data in {}: {e}", data.display());
        std::process::exit(1);
    }
    let big = data.join("big.bin");
    let model = data.join("model");
    let model_files = list_files(&model);
    println!(
        "bench data: {} (1 GiB), {} ({} files, {} MiB); {} threads",
        big.display(),
        model.display(),
        model_files.len(),
        model_files.iter().map(|p| size(p)).sum::<u64>() / MIB,
        rayon::current_num_threads()
    );
    let opts = HashOptions::default();

    println!("\n== one 1 GiB file ==");
    let both = time("palisade hash_path (blake3+sha256)", 1024, || {
        hash_path(&big, &opts)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    time("  alt: blake3 mmap+rayon ‖ sha256 stream", 1024, || {
        bench_support::hash_file_mmap_and_stream(&big)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    let b3 = time("palisade blake3 only (mmap+rayon)", 1024, || {
        bench_support::blake3_only(&big)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    time("sha256 only (sha2, streamed)", 1024, || sha256_stream(&big));
    let b3sum = time_tool("b3sum", &[], std::slice::from_ref(&big), 1024);
    ratio("blake3 only vs b3sum", b3, b3sum);
    ratio("blake3+sha256 vs b3sum", both, b3sum);

    println!("\n== model dir: 4 x 256 MiB + 200 small files ==");
    let dir_both = time("palisade hash_path (blake3+sha256)", 1024, || {
        hash_path(&model, &opts)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    for split in [true, false] {
        time(
            &format!("  alt: split each file over 2 threads = {split}"),
            1024,
            || {
                bench_support::hash_path_split(&model, &opts, split)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        );
    }
    let dir_b3 = time("palisade blake3 only (rayon over files)", 1024, || {
        model_files
            .par_iter()
            .try_for_each(|p| bench_support::blake3_only(p).map(|_| ()))
            .map_err(|e| e.to_string())
    });
    let dir_b3sum = time_tool("b3sum", &[], &model_files, 1024);
    ratio("blake3 only vs b3sum", dir_b3, dir_b3sum);
    ratio("blake3+sha256 vs b3sum", dir_both, dir_b3sum);

    let python = python_with_model_signing();
    match &python {
        Some(py) => {
            let ms = time_python(
                "model_signing 1.1.1 sha256 (Python API)",
                py,
                &format!(
                    "import model_signing.hashing as h; h.Config().use_file_serialization(hashing_algorithm='sha256').hash({:?})",
                    model.display().to_string()
                ),
            );
            ratio(
                "palisade (blake3+sha256) vs model_signing sha256",
                dir_both,
                ms,
            );
            let ms_b3 = time_python(
                "model_signing 1.1.1 blake3 (Python API)",
                py,
                &format!(
                    "import model_signing.hashing as h; h.Config().use_file_serialization(hashing_algorithm='blake3').hash({:?})",
                    model.display().to_string()
                ),
            );
            ratio(
                "palisade (blake3+sha256) vs model_signing blake3",
                dir_both,
                ms_b3,
            );
        }
        None => println!(
            "model_signing not importable (set PALISADE_BENCH_PYTHON to a python with it): skipped"
        ),
    }
    let hashlib = time_python(
        "python hashlib sha256, thread pool over files",
        &python.unwrap_or_else(|| "python3".to_owned()),
        &format!(
            "import hashlib, pathlib, concurrent.futures as cf\n\
             fs = sorted(p for p in pathlib.Path({:?}).rglob('*') if p.is_file())\n\
             def h(p):\n    d = hashlib.sha256()\n    with open(p, 'rb') as f:\n        \
             for b in iter(lambda: f.read(1 << 20), b''): d.update(b)\n    return d.digest()\n\
             with cf.ThreadPoolExecutor() as ex: r = b''.join(ex.map(h, fs))\n\
             hashlib.sha256(r).hexdigest()",
            model.display().to_string()
        ),
    );
    ratio(
        "palisade (blake3+sha256) vs hashlib sha256",
        dir_both,
        hashlib,
    );
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

/// Warm-up run, then the best of RUNS. `mib` is the data size, for the throughput.
fn time(label: &str, mib: u64, mut f: impl FnMut() -> Result<(), String>) -> Option<Duration> {
    if let Err(e) = f() {
        println!("{label:<48} failed: {e}");
        return None;
    }
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        if let Err(e) = f() {
            println!("{label:<48} failed: {e}");
            return None;
        }
        best = best.min(start.elapsed());
    }
    println!(
        "{label:<48} {:>8.3} s  {:>7.0} MiB/s",
        best.as_secs_f64(),
        mib as f64 / best.as_secs_f64()
    );
    Some(best)
}

fn time_tool(tool: &str, args: &[&str], files: &[PathBuf], mib: u64) -> Option<Duration> {
    let run = || -> Result<(), String> {
        let status = Command::new(tool)
            .args(args)
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
        if args.is_empty() {
            println!("{tool} not found or failing: skipped");
        }
        return None;
    }
    time(&format!("{tool} {}", args.join(" ")), mib, run)
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

/// Times a Python snippet inside one interpreter (no start-up cost), best of RUNS after a warm-up.
fn time_python(label: &str, python: &str, snippet: &str) -> Option<Duration> {
    let program = format!(
        "import time\ndef run():\n{}\nrun()\nbest = min((lambda t: (run(), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range({RUNS}))\nprint(best)",
        snippet
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let out = Command::new(python).args(["-c", &program]).output().ok()?;
    if !out.status.success() {
        println!(
            "{label:<48} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    println!("{label:<48} {:>8.3} s  {:>7.0} MiB/s", secs, 1024.0 / secs);
    Some(Duration::from_secs_f64(secs))
}

fn sha256_stream(path: &Path) -> Result<(), String> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; MIB as usize];
    loop {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let _ = h.finalize();
    Ok(())
}

fn ratio(label: &str, ours: Option<Duration>, theirs: Option<Duration>) {
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        println!(
            "  -> {label}: palisade takes {:.2}x the time ({:.0}% of its speed)",
            ours.as_secs_f64() / theirs.as_secs_f64(),
            100.0 * theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
}
