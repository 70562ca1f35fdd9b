//! Tests of hashing files and directories, on temporary trees and the repo's fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn fixture(rel: &str) -> PathBuf {
    Path::new(FIXTURES).join(rel)
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn paths(tree: &TreeDigests) -> Vec<&str> {
    tree.files.iter().map(|f| f.path.as_str()).collect()
}

/// Deterministic bytes that are not all equal (so a misplaced chunk changes the digest).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 4099) as u8).collect()
}

const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const ABC_BLAKE3: &str = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";

#[test]
fn hash_file_known_answers() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "abc.txt", b"abc");
    let d = hash_file(&dir.path().join("abc.txt"), Algorithms::Both).unwrap();
    assert_eq!(d.sha256_hex().unwrap(), ABC_SHA256);
    assert_eq!(d.blake3_hex().unwrap(), ABC_BLAKE3);
    assert_eq!(d.size, 3);
}

/// Every tuning the benchmark tries, and the default.
fn tunings() -> Vec<digest::Tuning> {
    let mut out = Vec::new();
    for chunk in [digest::CHUNK, 64 << 10, 256 << 10] {
        for split in [false, true] {
            for blake3_rayon in [false, true] {
                for blake3_leaf in [None, Some(digest::BLAKE3_LEAF), Some(300 << 10)] {
                    out.push(digest::Tuning {
                        chunk,
                        split,
                        blake3_rayon,
                        blake3_leaf,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn large_files_match_one_shot_digests_for_every_selection_and_tuning() {
    let dir = tempfile::tempdir().unwrap();
    // Around every boundary: small/large threshold, chunk size, several chunks plus a tail.
    for len in [
        0,
        1,
        digest::SMALL_FILE as usize,
        digest::SMALL_FILE as usize + 1,
        digest::CHUNK * 3,
        digest::CHUNK * 5 + 12_345,
    ] {
        let data = pattern(len);
        let path = dir.path().join(format!("f{len}"));
        fs::write(&path, &data).unwrap();
        let blake3 = *blake3::hash(&data).as_bytes();
        let sha256: [u8; 32] = Sha256::digest(&data).into();
        for (algorithms, expected) in [
            (Algorithms::Both, (Some(blake3), Some(sha256))),
            (Algorithms::Blake3, (Some(blake3), None)),
            (Algorithms::Sha256, (None, Some(sha256))),
        ] {
            let expected = Digests {
                blake3: expected.0,
                sha256: expected.1,
                size: len as u64,
            };
            for tuning in tunings() {
                let got =
                    digest::hash_regular_file(&path, false, algorithms, &tuning, None).unwrap();
                assert_eq!(got, expected, "len {len} {algorithms:?} {tuning:?}");
            }
            assert_eq!(hash_file(&path, algorithms).unwrap(), expected);
        }
    }
}

#[test]
fn single_file_tree_is_named_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "data/transactions.csv", b"id,amount\n1,2\n");
    let tree = hash_path(
        &dir.path().join("data/transactions.csv"),
        &HashOptions::default(),
    )
    .unwrap();
    assert_eq!(tree.kind, TreeKind::File);
    assert_eq!(paths(&tree), vec!["transactions.csv"]);
    assert_eq!(tree.root, tree.files[0].digests);
    assert_eq!(
        tree.root.sha256_hex().unwrap(),
        sha256_hex(b"id,amount\n1,2\n")
    );
}

#[test]
fn directory_matches_model_signing_on_tricky_names() {
    let tree = hash_path(&fixture("hash/tricky-order"), &HashOptions::default()).unwrap();
    let text = fs::read_to_string(fixture("hash/tricky-order.sha256.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let resources = expected["resources"].as_array().unwrap();
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(paths(&tree), names);
    for (f, r) in tree.files.iter().zip(resources) {
        assert_eq!(
            f.digests.sha256_hex().unwrap(),
            r["digest"].as_str().unwrap()
        );
    }
    assert_eq!(
        tree.root.sha256_hex().unwrap(),
        expected["subject_sha256"].as_str().unwrap()
    );
    assert_eq!(
        tree.model_signing_subject(Algorithm::Sha256),
        tree.root.sha256
    );

    let text = fs::read_to_string(fixture("hash/tricky-order.blake3.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (f, r) in tree
        .files
        .iter()
        .zip(expected["resources"].as_array().unwrap())
    {
        assert_eq!(f.path, r["name"].as_str().unwrap());
        assert_eq!(
            f.digests.blake3_hex().unwrap(),
            r["digest"].as_str().unwrap()
        );
    }
    assert_eq!(
        hex::encode(tree.model_signing_subject(Algorithm::Blake3).unwrap()),
        expected["subject_sha256"].as_str().unwrap()
    );
    assert_eq!(tree.kind, TreeKind::Directory);
    assert_eq!(tree.root.size, 24 + 6 + 4 + 6 + 12 + 13);
}

#[test]
fn root_is_each_algorithm_over_the_raw_file_digests() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b", b"bee");
    write(dir.path(), "a", b"ay");
    let tree = hash_path(dir.path(), &HashOptions::default()).unwrap();
    assert_eq!(paths(&tree), vec!["a", "b"]);
    let mut sha_input = Vec::new();
    let mut b3_input = Vec::new();
    for data in [&b"ay"[..], b"bee"] {
        sha_input.extend_from_slice(&Sha256::digest(data));
        b3_input.extend_from_slice(blake3::hash(data).as_bytes());
    }
    assert_eq!(tree.root.sha256_hex().unwrap(), sha256_hex(&sha_input));
    assert_eq!(
        tree.root.blake3_hex().unwrap(),
        blake3::hash(&b3_input).to_hex().as_str()
    );
    assert_eq!(tree.root.size, 5);
}

#[test]
fn empty_directory_hashes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tree = hash_path(dir.path(), &HashOptions::default()).unwrap();
    assert_eq!(tree.files, vec![]);
    assert_eq!(tree.root.sha256_hex().unwrap(), sha256_hex(b""));
    assert_eq!(tree.root.size, 0);
}

#[test]
fn git_paths_are_ignored_by_default_and_ignore_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        ".git/HEAD",
        ".github/workflows/ci.yml",
        ".gitignore",
        ".gitattributes",
        "sub/.gitignore",
        ".gitmodules",
        "model.bin",
        "docs/a.md",
    ] {
        write(dir.path(), rel, rel.as_bytes());
    }
    let tree = hash_path(dir.path(), &HashOptions::default()).unwrap();
    assert_eq!(
        paths(&tree),
        vec![".gitmodules", "docs/a.md", "model.bin", "sub/.gitignore"]
    );
    let opts = HashOptions {
        progress: true, // stderr is not a terminal under `cargo test`: draws nothing
        ignore: vec!["./docs/".to_owned(), "sub".to_owned()],
        ..HashOptions::default()
    };
    let tree = hash_path(dir.path(), &opts).unwrap();
    assert_eq!(
        paths(&tree),
        vec![
            ".git/HEAD",
            ".gitattributes",
            ".github/workflows/ci.yml",
            ".gitignore",
            ".gitmodules",
            "model.bin"
        ]
    );
}

#[test]
fn symlink_inside_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "real.bin", b"x");
    std::os::unix::fs::symlink("real.bin", dir.path().join("link.bin")).unwrap();
    let err = hash_path(dir.path(), &HashOptions::default()).unwrap_err();
    assert!(matches!(err, HashError::Symlink { .. }), "{err:?}");
    assert_eq!(err.path(), dir.path().join("link.bin"));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: is a symbolic link inside a hashed directory",
            dir.path().join("link.bin").display()
        )
    );
    // A symlink to a directory is refused too, not followed.
    fs::remove_file(dir.path().join("link.bin")).unwrap();
    fs::create_dir(dir.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("elsewhere", dir.path().join("sub")).unwrap();
    let err = hash_path(dir.path(), &HashOptions::default()).unwrap_err();
    assert_eq!(err.path(), dir.path().join("sub"));
}

#[test]
fn top_level_symlink_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "real.bin", b"abc");
    std::os::unix::fs::symlink("real.bin", dir.path().join("link.bin")).unwrap();
    let tree = hash_path(&dir.path().join("link.bin"), &HashOptions::default()).unwrap();
    assert_eq!(paths(&tree), vec!["link.bin"]);
    assert_eq!(tree.root.sha256_hex().unwrap(), sha256_hex(b"abc"));
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn fifos_are_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    if !mkfifo(&fifo) {
        eprintln!("mkfifo unavailable: skipped");
        return;
    }
    for err in [
        hash_path(dir.path(), &HashOptions::default()).unwrap_err(),
        hash_path(&fifo, &HashOptions::default()).unwrap_err(),
        hash_file(&fifo, Algorithms::Blake3).unwrap_err(),
    ] {
        assert!(
            matches!(err, HashError::NotRegularFile { kind: "fifo", .. }),
            "{err:?}"
        );
        assert_eq!(err.path(), fifo);
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is a fifo, not a regular file or directory",
                fifo.display()
            )
        );
    }
}

#[test]
fn devices_are_errors() {
    let err = hash_path(Path::new("/dev/null"), &HashOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            HashError::NotRegularFile {
                kind: "character device",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn missing_path_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = hash_path(&missing, &HashOptions::default()).unwrap_err();
    assert!(matches!(err, HashError::NotFound { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("{}: not found", missing.display()));
    assert!(matches!(
        hash_file(&missing, Algorithms::Sha256).unwrap_err(),
        HashError::NotFound { .. }
    ));
}

#[test]
fn io_errors_map_to_specific_variants() {
    let p = Path::new("x");
    let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    assert!(matches!(
        HashError::io(p, denied),
        HashError::PermissionDenied { .. }
    ));
    let other = std::io::Error::other("disk on fire");
    let err = HashError::io(p, other);
    assert_eq!(err.to_string(), "x: disk on fire");
}

#[test]
fn non_utf8_names_are_errors() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.bin");
    fs::write(dir.path().join(name), b"x").unwrap();
    let err = hash_path(dir.path(), &HashOptions::default()).unwrap_err();
    assert!(matches!(err, HashError::NonUtf8Name { .. }), "{err:?}");
    assert_eq!(err.path(), dir.path().join(name));
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().to_path_buf();
    for _ in 0..=MAX_DEPTH {
        deep.push("d");
    }
    fs::create_dir_all(&deep).unwrap();
    let err = hash_path(dir.path(), &HashOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            HashError::TooDeep {
                limit: MAX_DEPTH,
                ..
            }
        ),
        "{err:?}"
    );
    // One level less is fine.
    fs::remove_dir(&deep).unwrap();
    assert_eq!(
        hash_path(dir.path(), &HashOptions::default())
            .unwrap()
            .files
            .len(),
        0
    );
}

#[test]
fn hash_paths_keeps_order_and_reports_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.bin", b"1");
    write(dir.path(), "model/w.bin", &pattern(3 * digest::CHUNK));
    write(dir.path(), "model/c.json", b"{}");
    let trees = hash_paths(
        &[dir.path().join("model"), dir.path().join("one.bin")],
        &HashOptions::default(),
    )
    .unwrap();
    assert_eq!(trees.len(), 2);
    assert_eq!(paths(&trees[0]), vec!["c.json", "w.bin"]);
    assert_eq!(trees[0].root.size, 3 * digest::CHUNK as u64 + 2);
    assert_eq!(paths(&trees[1]), vec!["one.bin"]);
    assert_eq!(trees[1].root.sha256_hex().unwrap(), sha256_hex(b"1"));

    let err = hash_paths(
        &[dir.path().join("one.bin"), dir.path().join("missing")],
        &HashOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.path(), dir.path().join("missing"));
}

#[test]
fn small_model_files_match_model_signing_digests() {
    // The three small files of the signed model are in the repo; the 50 MiB one is not.
    let listed = fs::read_to_string(fixture("model-signing/model-files.sha256")).unwrap();
    let mut checked = 0;
    for line in listed.lines() {
        let (digest, name) = line.split_once("  ").unwrap();
        let path = fixture("model-signing/model-small-files").join(name);
        if path.exists() {
            let got = hash_file(&path, Algorithms::Sha256).unwrap();
            assert_eq!(got.sha256_hex().unwrap(), digest, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3);
}

/// Minimal standard base64 decoder (the DSSE payload), so the test needs no extra dependency.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn signed_statement(bundle: &str) -> serde_json::Value {
    let text = fs::read_to_string(fixture(bundle)).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let payload = base64_decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap());
    serde_json::from_slice(&payload).unwrap()
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn signed_model_directory_matches_the_model_signing_statement() {
    // regen-model.sh needs openssl for the 50 MiB weights (0.4 s); without it there is nothing
    // to compare, so say so loudly rather than fail on a missing tool.
    if !openssl_available() {
        eprintln!("SKIPPED: openssl not on PATH, cannot regenerate the signed model");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let status = Command::new("sh")
        .arg(fixture("model-signing/regen-model.sh"))
        .arg(&model)
        .status()
        .unwrap();
    assert!(status.success());

    let tree = hash_path(&model, &HashOptions::default()).unwrap();
    let listed = fs::read_to_string(fixture("model-signing/model-files.sha256")).unwrap();
    let expected: Vec<(String, String)> = listed
        .lines()
        .map(|l| {
            let (d, n) = l.split_once("  ").unwrap();
            (n.to_owned(), d.to_owned())
        })
        .collect();
    let got: Vec<(String, String)> = tree
        .files
        .iter()
        .map(|f| (f.path.clone(), f.digests.sha256_hex().unwrap()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(tree.root.size, 52_428_800 + 36 + 47 + 40);

    let sha = signed_statement("model-signing/model.sig.json");
    assert_eq!(
        tree.root.sha256_hex().unwrap(),
        sha["subject"][0]["digest"]["sha256"].as_str().unwrap()
    );
    let b3 = signed_statement("model-signing/model.blake3-files.sig.json");
    let resources = b3["predicate"]["resources"].as_array().unwrap();
    for (f, r) in tree.files.iter().zip(resources) {
        assert_eq!(f.path, r["name"].as_str().unwrap());
        assert_eq!(
            f.digests.blake3_hex().unwrap(),
            r["digest"].as_str().unwrap()
        );
    }
    assert_eq!(
        hex::encode(tree.model_signing_subject(Algorithm::Blake3).unwrap()),
        b3["subject"][0]["digest"]["sha256"].as_str().unwrap()
    );

    // The tampered variant of verify-tampered.txt: one byte at offset 1000 set to 0xff.
    let weights = model.join("model.safetensors");
    let mut data = fs::read(&weights).unwrap();
    data[1000] = 0xff;
    fs::write(&weights, data).unwrap();
    let tampered = hash_path(&model, &HashOptions::default()).unwrap();
    assert_ne!(tampered.files[2].digests, tree.files[2].digests);
    assert_eq!(tampered.files[0].digests, tree.files[0].digests);
    assert_ne!(tampered.root.sha256, tree.root.sha256);
}

#[test]
fn algorithms_set_operations() {
    use Algorithms::{Blake3, Both, Sha256};
    assert_eq!(HashOptions::default().algorithms, Both);
    assert_eq!(Algorithms::default(), Both);
    for (set, blake3, sha256) in [
        (Blake3, true, false),
        (Sha256, false, true),
        (Both, true, true),
    ] {
        assert_eq!(set.contains(Algorithm::Blake3), blake3, "{set:?}");
        assert_eq!(set.contains(Algorithm::Sha256), sha256, "{set:?}");
        assert_eq!(Algorithms::from_flags(blake3, sha256), Some(set));
        assert_eq!(set.union(set), set);
        assert_eq!(set.union(Both), Both);
    }
    assert_eq!(Algorithms::from_flags(false, false), None);
    assert_eq!(Blake3.union(Sha256), Both);
    assert_eq!(Blake3.with(Algorithm::Blake3), Blake3);
    assert_eq!(Sha256.with(Algorithm::Blake3), Both);
    assert_eq!(Algorithms::from(Algorithm::Sha256), Sha256);
    assert_eq!(Algorithm::Blake3.name(), "blake3");
    assert_eq!(Algorithm::Sha256.name(), "sha256");
}

#[test]
fn only_the_digests_asked_for_are_computed_and_they_equal_those_of_both() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "weights.bin", &pattern(3 * digest::CHUNK + 17));
    write(dir.path(), "tok/vocab.txt", b"a b c");
    write(dir.path(), "config.json", b"{}");
    let both = hash_path(dir.path(), &HashOptions::default()).unwrap();
    assert_eq!(both.algorithms, Algorithms::Both);
    assert_eq!(both.root.algorithms(), Some(Algorithms::Both));
    for (algorithms, kept) in [
        (Algorithms::Blake3, Algorithm::Blake3),
        (Algorithms::Sha256, Algorithm::Sha256),
    ] {
        let dropped = match kept {
            Algorithm::Blake3 => Algorithm::Sha256,
            Algorithm::Sha256 => Algorithm::Blake3,
        };
        let tree = hash_path(dir.path(), &HashOptions::with_algorithms(algorithms)).unwrap();
        assert_eq!(tree.algorithms, algorithms);
        assert_eq!(tree.kind, both.kind);
        assert_eq!(paths(&tree), paths(&both));
        assert_eq!(tree.root.size, both.root.size);
        assert_eq!(tree.root.get(kept), both.root.get(kept));
        assert_eq!(tree.root.hex(kept), both.root.hex(kept));
        assert_eq!(tree.root.get(dropped), None);
        assert_eq!(tree.root.hex(dropped), None);
        assert_eq!(tree.root.algorithms(), Some(algorithms));
        for (f, g) in tree.files.iter().zip(&both.files) {
            assert_eq!(f.digests.size, g.digests.size);
            assert_eq!(f.digests.get(kept), g.digests.get(kept), "{}", f.path);
            assert_eq!(f.digests.get(dropped), None, "{}", f.path);
        }
        assert_eq!(
            tree.model_signing_subject(kept),
            both.model_signing_subject(kept)
        );
        assert!(tree.model_signing_subject(kept).is_some());
        assert_eq!(tree.model_signing_subject(dropped), None);
    }
    // A single file: the root is the file's own digests, only those asked for.
    let file = dir.path().join("weights.bin");
    let tree = hash_path(&file, &HashOptions::with_algorithms(Algorithms::Sha256)).unwrap();
    assert_eq!(tree.root, tree.files[0].digests);
    assert_eq!(tree.root.blake3, None);
    assert_eq!(
        tree.root.sha256_hex().unwrap(),
        sha256_hex(&pattern(3 * digest::CHUNK + 17))
    );
}

#[test]
fn an_empty_directory_has_root_digests_only_for_what_was_asked() {
    let dir = tempfile::tempdir().unwrap();
    let tree = hash_path(
        dir.path(),
        &HashOptions::with_algorithms(Algorithms::Blake3),
    )
    .unwrap();
    assert_eq!(
        tree.root.blake3_hex().unwrap(),
        blake3::hash(b"").to_hex().as_str()
    );
    assert_eq!(tree.root.sha256, None);
    assert_eq!(tree.model_signing_subject(Algorithm::Sha256), None);
}

#[test]
fn the_model_signing_fixture_subject_comes_from_a_sha256_only_hash() {
    let tree = hash_path(
        &fixture("hash/tricky-order"),
        &HashOptions::with_algorithms(Algorithms::Sha256),
    )
    .unwrap();
    let text = fs::read_to_string(fixture("hash/tricky-order.sha256.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        tree.root.sha256_hex().unwrap(),
        expected["subject_sha256"].as_str().unwrap()
    );
    let tree = hash_path(
        &fixture("hash/tricky-order"),
        &HashOptions::with_algorithms(Algorithms::Blake3),
    )
    .unwrap();
    let text = fs::read_to_string(fixture("hash/tricky-order.blake3.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        hex::encode(tree.model_signing_subject(Algorithm::Blake3).unwrap()),
        expected["subject_sha256"].as_str().unwrap()
    );
}
