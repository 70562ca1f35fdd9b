//! Hostile bytes never panic or hang: every prefix of every fixture, and byte flips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use palisade_pickle::{Limits, scan_bytes, scan_bytes_with};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["pickles", "pickles-extra"] {
        let dir = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/"
        ))
        .join(dir);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "zip_bomb.pt" || name.ends_with(".py") || name.ends_with(".md") {
                continue;
            }
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn every_prefix_scans_or_errors() {
    let mut errors = 0;
    for (name, bytes) in fixtures() {
        for cut in 0..bytes.len() {
            match scan_bytes(&bytes[..cut], &name) {
                Err(_) => errors += 1,
                Ok(scan) if !scan.scan_errors.is_empty() => errors += 1,
                Ok(_) => {}
            }
        }
    }
    // Most prefixes are truncated pickles/zips and must fail closed (an error or a scan
    // error), not pass silently.
    assert!(errors > 2000, "only {errors} prefixes failed closed");
}

#[test]
fn truncated_pickles_are_never_clean() {
    // A prefix of a malicious pickle fails closed, or still shows the import.
    for (name, bytes) in fixtures() {
        if !name.starts_with("evil_proto") {
            continue;
        }
        for cut in 0..bytes.len() {
            if let Ok(scan) = scan_bytes(&bytes[..cut], &name)
                && scan.scan_errors.is_empty()
                && scan.dangerous_imports.is_empty()
            {
                panic!("{name} cut at {cut} scanned clean: {scan:?}");
            }
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    let limits = Limits {
        max_member_size: 1 << 20,
        ..Limits::default()
    };
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for (name, bytes) in fixtures() {
        for _ in 0..300 {
            let mut mutated = bytes.clone();
            for _ in 0..3 {
                // xorshift: deterministic, no dependency.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % mutated.len() as u64) as usize;
                mutated[i] = (seed >> 32) as u8;
            }
            let _ = scan_bytes_with(&mutated, &name, &limits);
        }
    }
}
