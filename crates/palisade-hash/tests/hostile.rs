//! Hostile lock files (SPEC §9): a seeded mini-fuzz of a version 1 lock (as the previous
//! writer wrote it) and a version 2 lock (as `palisade lock` writes it now) that must never
//! panic, whose accepted mutations must write back to text that reads to the same lock; every
//! truncation; deep nesting; a huge entry; and a lock pinning digests that were not computed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;
use std::time::{Duration, Instant};

use palisade_hash::lock::{self, Integrity, LockError, Lockfile};
use palisade_hash::{Algorithms, HashOptions, hash_path};
use palisade_testkit::{MUTATIONS, mini_fuzz, nested};

const V1_LOCK: &str = include_str!("../src/lock/testdata/v1.palisade.lock");

fn model_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/model-signing/model-small-files")
}

/// What `palisade lock` writes for the fixture model: version 2, blake3 only.
fn v2_lock() -> String {
    let tree = hash_path(&model_dir(), &HashOptions::with_algorithms(lock::PINNED)).unwrap();
    let mut lockfile = Lockfile::default();
    lockfile.artifacts.insert(
        "model small".to_owned(),
        Lockfile::entry_from("models/small", &tree),
    );
    lockfile.to_json().unwrap()
}

/// Parses as the binary does (the text is what `Lockfile::read` decoded); an accepted lock must
/// survive a write and a read unchanged, and an error must name the file.
fn reads(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes).into_owned();
    match Lockfile::parse(Path::new("palisade.lock"), text) {
        Ok(lockfile) => {
            let again = Lockfile::parse(Path::new("palisade.lock"), lockfile.to_json().unwrap())
                .expect("a lock that reads writes back to a lock that reads");
            assert_eq!(again.artifacts, lockfile.artifacts);
            true
        }
        Err(error) => {
            assert!(error.to_string().starts_with("palisade.lock"), "{error}");
            false
        }
    }
}

#[test]
fn mutated_locks_never_panic_and_round_trip_when_accepted() {
    let mut panics = Vec::new();
    for (salt, (name, text)) in [("v1", V1_LOCK.to_owned()), ("v2", v2_lock())]
        .into_iter()
        .enumerate()
    {
        assert!(reads(text.as_bytes()), "the unmutated {name} lock");
        let outcome = mini_fuzz(text.as_bytes(), salt as u64, &reads);
        println!(
            "{name}: {} of {MUTATIONS} mutations accepted; slowest {:?} (seed {:#x})",
            outcome.accepted, outcome.worst, outcome.worst_seed
        );
        assert!(
            outcome.worst < Duration::from_secs(2),
            "{name}: {:?}",
            outcome.worst
        );
        panics.extend(
            outcome
                .panics
                .into_iter()
                .map(|(seed, message)| format!("{name} seed {seed:#x}: {message}")),
        );
    }
    assert!(panics.is_empty(), "panicked on:\n{}", panics.join("\n"));
}

#[test]
fn every_truncation_is_an_error() {
    for text in [V1_LOCK.to_owned(), v2_lock()] {
        // The last byte is the trailing newline, which JSON does not need.
        let body = text.trim_end();
        for end in 0..body.len() {
            assert!(
                !reads(&body.as_bytes()[..end]),
                "accepted {:?}",
                &body[..end]
            );
        }
        assert!(reads(body.as_bytes()));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let text = nested(open, "1", close, 100_000);
        let err = Lockfile::parse(Path::new("palisade.lock"), String::from_utf8(text).unwrap())
            .unwrap_err();
        assert!(matches!(err, LockError::Syntax { .. }), "{err:?}");
    }
}

#[test]
fn a_lock_of_200_000_files_reads_in_linear_time() {
    let digest = "ab".repeat(32);
    let mut files = Vec::new();
    for i in 0..200_000 {
        files.push(format!(
            "{{\"path\":\"d{}/f{i}\",\"size\":1,\"blake3\":\"{digest}\"}}",
            i % 100
        ));
    }
    let text = format!(
        "{{\"version\":2,\"artifacts\":{{\"model m\":{{\"path\":\"m\",\"kind\":\"directory\",\
         \"size\":200000,\"blake3\":\"{digest}\",\"files\":[{}]}}}}}}",
        files.join(",")
    );
    assert!(text.len() < lock::MAX_LOCK_BYTES as usize);
    let start = Instant::now();
    let lockfile = Lockfile::parse(Path::new("palisade.lock"), text.clone()).unwrap();
    assert_eq!(lockfile.artifacts["model m"].files.len(), 200_000);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // The last file listed twice is found, however far down.
    let dup = text.replacen("\"d99/f199999\"", "\"d0/f0\"", 1);
    let err = Lockfile::parse(Path::new("palisade.lock"), dup).unwrap_err();
    assert_eq!(
        err.pointer(),
        Some("/artifacts/model m/files/199999/path"),
        "{err}"
    );
}

#[test]
fn non_utf8_lock_files_are_refused_by_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("palisade.lock");
    let mut bytes = v2_lock().into_bytes();
    bytes.insert(20, 0xff);
    std::fs::write(&path, &bytes).unwrap();
    let err = Lockfile::read(&path).unwrap_err();
    assert!(matches!(err, LockError::Syntax { .. }), "{err:?}");
}

#[test]
fn a_lock_pinning_only_digests_that_were_not_computed_never_verifies() {
    // Digests the reader accepts but that the checker cannot use: sha256 only, while it
    // computed blake3 only. The model is unchanged, yet it is not verified: it fails closed.
    let tree = hash_path(
        &model_dir(),
        &HashOptions::with_algorithms(Algorithms::Sha256),
    )
    .unwrap();
    let mut lockfile = Lockfile::default();
    lockfile.artifacts.insert(
        "model small".to_owned(),
        Lockfile::entry_from("models/small", &tree),
    );
    let text = lockfile.to_json().unwrap();
    let read = Lockfile::parse(Path::new("palisade.lock"), text).unwrap();
    let blake3 = hash_path(
        &model_dir(),
        &HashOptions::with_algorithms(Algorithms::Blake3),
    )
    .unwrap();
    let entry = read.artifacts.get("model small");
    assert!(matches!(
        lock::check(entry, &blake3),
        Integrity::Mismatch(_)
    ));
    assert_eq!(
        read.algorithms_to_check(Some(Algorithms::Blake3)),
        Algorithms::Both
    );
    assert_eq!(
        lock::check(
            entry,
            &hash_path(&model_dir(), &HashOptions::default()).unwrap()
        ),
        Integrity::Verified
    );
}
