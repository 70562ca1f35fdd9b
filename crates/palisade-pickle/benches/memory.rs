//! Time and peak memory of hostile and heavy inputs: `cargo bench -p palisade-pickle --bench
//! memory [SCENARIO…]`. Each scenario runs in a child process of this binary, which builds the
//! input, times the scan alone, and reports its peak resident memory (VmHWM from
//! /proc/self/status, the input included), so scenarios do not share a high-water mark.
//!
//! The "before" numbers in docs/evidence.md were taken by running the `dup`, `dup_x8`, `memo`,
//! `opcodes` and `bytes` scenarios of this file against the crate as it was at commit 41b1539
//! (the `budget_x8` scenario needs the shared budget, which did not exist).

use std::process::Command;
use std::time::Instant;

use palisade_pickle::{MemoryBudget, Scanner, scan_bytes};

const SCENARIOS: &[(&str, &str)] = &[
    ("dup", "1 MB: a 512-byte string, then 999,000 DUP"),
    ("dup_x8", "8 such files on 8 threads"),
    (
        "budget_x8",
        "8 such files on 8 threads, one 64 MiB budget shared",
    ),
    ("memo", "1 MB: a 512-byte string, then 999,000 MEMOIZE"),
    (
        "deep",
        "100k nested lists (and 100k with an os.system at the bottom)",
    ),
    ("opcodes", "50 MB: 10M BININT opcodes in APPENDS batches"),
    ("bytes", "512 MiB: one BINBYTES8 argument"),
];

/// One 512-byte string, then 999,000 DUP (or MEMOIZE): a 1 MB file, under the 1M stack limit.
fn string_then(op: u8) -> Vec<u8> {
    let mut out = b"\x80\x04\x8d".to_vec();
    out.extend_from_slice(&512u64.to_le_bytes());
    out.extend(std::iter::repeat_n(b'a', 512));
    out.extend(std::iter::repeat_n(op, 999_000));
    out.push(b'.');
    out
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Builds the input, then scans it; returns the seconds the scan took and what it said.
fn run(scenario: &str) -> (f64, String) {
    let timed = |f: &dyn Fn() -> String| {
        let start = Instant::now();
        let outcome = f();
        (start.elapsed().as_secs_f64(), outcome)
    };
    match scenario {
        "dup" | "memo" => {
            let bytes = string_then(if scenario == "dup" { b'2' } else { 0x94 });
            timed(&|| match scan_bytes(&bytes, "hostile.pkl") {
                Ok(scan) => format!("scanned: {} imports", scan.imports.len()),
                Err(e) => format!("error: {e}"),
            })
        }
        "dup_x8" => {
            let bytes = string_then(b'2');
            timed(&|| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        let bytes = bytes.clone();
                        std::thread::spawn(move || scan_bytes(&bytes, "hostile.pkl").is_ok())
                    })
                    .collect();
                let ok = handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(false))
                    .filter(|ok| *ok)
                    .count();
                format!("{ok} of 8 scanned")
            })
        }
        "budget_x8" => {
            let bytes = string_then(b'2');
            timed(&|| {
                let budget = MemoryBudget::new(64 << 20);
                let scanner = Scanner::new().with_budget(budget.clone());
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        let (bytes, scanner) = (bytes.clone(), scanner.clone());
                        std::thread::spawn(move || {
                            scanner.scan_bytes(&bytes, "hostile.pkl").is_ok()
                        })
                    })
                    .collect();
                let ok = handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(false))
                    .filter(|ok| *ok)
                    .count();
                format!(
                    "{ok} of 8 scanned, the others refused; budget peak {} MiB",
                    budget.peak() >> 20
                )
            })
        }
        "deep" => {
            let mut deep = b"\x80\x02".to_vec();
            deep.extend(std::iter::repeat_n(b'(', 100_000));
            deep.extend_from_slice(b"cos\nsystem\n");
            deep.extend(std::iter::repeat_n(b'l', 100_000));
            deep.push(b'.');
            timed(&|| match scan_bytes(&deep, "deep.pkl") {
                Ok(scan) => format!("dangerous {:?}", scan.dangerous_imports),
                Err(e) => format!("error: {e}"),
            })
        }
        "opcodes" => {
            let mut ops = b"\x80\x04]\x94".to_vec();
            for _ in 0..10_000 {
                ops.push(b'(');
                for i in 0..1000u32 {
                    ops.push(b'J');
                    ops.extend_from_slice(&i.to_le_bytes());
                }
                ops.push(b'e');
            }
            ops.push(b'.');
            timed(&|| match scan_bytes(&ops, "ops.pkl") {
                Ok(_) => "scanned 10,020,003 opcodes".into(),
                Err(e) => format!("error: {e}"),
            })
        }
        "bytes" => {
            let size = 512u64 << 20;
            let mut big = b"\x80\x04\x8e".to_vec();
            big.extend_from_slice(&size.to_le_bytes());
            big.resize(big.len() + size as usize, 0);
            big.push(b'.');
            timed(&|| match scan_bytes(&big, "big.pkl") {
                Ok(_) => "scanned (the input itself is 512 MiB of the peak)".into(),
                Err(e) => format!("error: {e}"),
            })
        }
        other => (0.0, format!("unknown scenario {other}")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        let scenario = args.get(i + 1).map(String::as_str).unwrap_or_default();
        let (secs, outcome) = run(scenario);
        println!("{secs:.3}\t{}\t{outcome}", peak_kib());
        return;
    }
    let only: Vec<&String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("cannot find this binary: {e}");
            return;
        }
    };
    println!("| scenario | what | seconds | peak RSS | outcome |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, what) in SCENARIOS {
        if !only.is_empty() && !only.iter().any(|o| o.as_str() == *name) {
            continue;
        }
        let out = Command::new(&exe).args(["--scenario", name]).output();
        let line = match out {
            Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            Err(e) => format!("-\t-\tcannot run: {e}"),
        };
        let mut parts = line.splitn(3, '\t');
        let secs = parts.next().unwrap_or("-");
        let kib: u64 = parts.next().and_then(|k| k.parse().ok()).unwrap_or(0);
        let outcome = parts.next().unwrap_or("(no output: crashed?)");
        println!(
            "| {name} | {what} | {secs} | {:.0} MiB | {outcome} |",
            kib as f64 / 1024.0
        );
    }
}
