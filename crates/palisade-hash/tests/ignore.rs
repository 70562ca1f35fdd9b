//! An artifact's `ignore = [...]` globs: left out of the walk, recorded in the lock, and a
//! changed list is a mismatch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use palisade_core::ignore::IgnoreList;
use palisade_hash::lock::{self, Change, Integrity, Lockfile};
use palisade_hash::{HashOptions, hash_path};

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

fn with_ignore(patterns: &[&str]) -> HashOptions {
    HashOptions {
        exclude: IgnoreList::parse(patterns).unwrap(),
        ..HashOptions::with_algorithms(lock::PINNED)
    }
}

fn project(root: &Path) {
    write(root, "train.py", b"print(1)\n");
    write(root, "pkg/util.py", b"x = 1\n");
    write(root, "pkg/__pycache__/util.cpython-312.pyc", b"\x00junk");
    write(root, "stray.pyc", b"\x00junk");
}

#[test]
fn ignored_files_and_folders_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let tree = hash_path(dir.path(), &with_ignore(&["__pycache__/", "*.pyc"])).unwrap();
    let paths: Vec<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["pkg/util.py", "train.py"]);
    // The same as hashing a copy without them.
    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "train.py", b"print(1)\n");
    write(clean.path(), "pkg/util.py", b"x = 1\n");
    let plain = hash_path(clean.path(), &HashOptions::with_algorithms(lock::PINNED)).unwrap();
    assert_eq!(tree.root, plain.root);
}

#[test]
fn a_folder_pattern_does_not_match_a_file_or_a_link() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "__pycache__", b"a file, kept");
    let tree = hash_path(dir.path(), &with_ignore(&["__pycache__/"])).unwrap();
    assert_eq!(tree.files.len(), 1);
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.py", b"");
        std::os::unix::fs::symlink("/etc", dir.path().join("__pycache__")).unwrap();
        // A symlink is not a folder: still refused, not silently skipped.
        assert!(hash_path(dir.path(), &with_ignore(&["__pycache__/"])).is_err());
    }
}

#[test]
fn the_lock_records_the_list_and_a_changed_list_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let tree = hash_path(dir.path(), &with_ignore(&["__pycache__/", "*.pyc"])).unwrap();
    let mut entry = Lockfile::entry_from("src", &tree);
    entry.ignore = vec!["__pycache__/".to_owned(), "*.pyc".to_owned()];
    let mut lock = Lockfile::default();
    lock.artifacts.insert("code src".to_owned(), entry.clone());
    let text = lock.to_json().unwrap();
    assert!(
        text.contains("\"ignore\": [\n        \"__pycache__/\",\n        \"*.pyc\"\n      ],"),
        "{text}"
    );
    let path = dir.path().join("palisade.lock");
    fs::write(&path, &text).unwrap();
    let read = Lockfile::read(&path).unwrap();
    assert_eq!(read, lock);
    assert_eq!(
        lock::check_entry(read.artifacts.get("code src"), &entry),
        Integrity::Verified
    );

    // One more pattern in the pipeline (hiding train.py) without re-locking: a mismatch that
    // names both lists, even though the remaining files are all pinned.
    let hidden = hash_path(
        dir.path(),
        &with_ignore(&["__pycache__/", "*.pyc", "train.py"]),
    )
    .unwrap();
    let mut fresh = Lockfile::entry_from("src", &hidden);
    fresh.ignore = vec![
        "__pycache__/".to_owned(),
        "*.pyc".to_owned(),
        "train.py".to_owned(),
    ];
    assert_eq!(
        lock::check_entry(read.artifacts.get("code src"), &fresh),
        Integrity::Mismatch(vec![Change::Ignore(
            entry.ignore.clone(),
            fresh.ignore.clone()
        )])
    );
    // A lock without the list does not verify a pipeline with one either.
    let plain = Lockfile::entry_from("src", &hidden);
    assert!(matches!(
        lock::check_entry(Some(&plain), &fresh),
        Integrity::Mismatch(_)
    ));
}

#[test]
fn a_lock_with_a_bad_ignore_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("palisade.lock");
    let b3 = "0".repeat(64);
    for (ignore, reason) in [
        ("\"x\"", "expected an array of strings"),
        ("[1]", "expected a string"),
        ("[\"!keep\"]", "negation"),
    ] {
        let text = format!(
            r#"{{"version": 2, "artifacts": {{"code c": {{"path": "c", "kind": "directory", "size": 0, "blake3": "{b3}", "ignore": {ignore}, "files": []}}}}}}"#
        );
        fs::write(&path, text).unwrap();
        let err = Lockfile::read(&path).unwrap_err().to_string();
        assert!(err.contains(reason), "{ignore}: {err}");
    }
}
