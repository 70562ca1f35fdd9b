#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use super::*;
use crate::{HashOptions, hash_path};

/// What `palisade lock` computes.
fn pinned(path: &Path) -> TreeDigests {
    hash_path(path, &HashOptions::with_algorithms(PINNED)).unwrap()
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

fn hashed(path: &Path) -> TreeDigests {
    hash_path(path, &HashOptions::default()).unwrap()
}

/// A lock as `palisade lock` writes it (blake3 only).
fn sample_lock() -> Lockfile {
    let model = pinned(&Path::new(FIXTURES).join("model-signing/model-small-files"));
    let config = pinned(&Path::new(FIXTURES).join("model-signing/model-small-files/config.json"));
    let mut lock = Lockfile::default();
    lock.artifacts.insert(
        "model small".to_owned(),
        Lockfile::entry_from("models/small", &model),
    );
    lock.artifacts.insert(
        "dataset config".to_owned(),
        Lockfile::entry_from("data/config.json", &config),
    );
    lock
}

#[test]
fn written_lock_is_stable_pretty_json() {
    let lock = sample_lock();
    let text = lock.to_json().unwrap();
    assert!(text.ends_with("}\n"));
    insta::assert_snapshot!(text);
}

#[test]
fn round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("palisade.lock");
    let lock = sample_lock();
    lock.write(&path).unwrap();
    assert_eq!(Lockfile::read(&path).unwrap(), lock);
    assert_eq!(fs::read_to_string(&path).unwrap(), lock.to_json().unwrap());
    // Overwriting is atomic and leaves no temporary file behind.
    let mut smaller = lock.clone();
    smaller.artifacts.remove("dataset config");
    smaller.write(&path).unwrap();
    assert_eq!(Lockfile::read(&path).unwrap(), smaller);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["palisade.lock"]);
}

#[test]
fn writing_into_a_missing_folder_is_an_io_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/palisade.lock");
    let err = Lockfile::default().write(&path).unwrap_err();
    assert!(matches!(err, LockError::Io { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&path.display().to_string()));
}

#[test]
fn check_reports_each_kind_of_change() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.bin", b"a");
    write(dir.path(), "b/c.bin", b"c");
    write(dir.path(), "gone.bin", b"g");
    let entry = Lockfile::entry_from("model", &hashed(dir.path()));

    assert_eq!(check(None, &hashed(dir.path())), Integrity::Unpinned);
    assert_eq!(
        check(Some(&entry), &hashed(dir.path())),
        Integrity::Verified
    );

    write(dir.path(), "b/c.bin", b"C"); // same size, other bytes
    fs::remove_file(dir.path().join("gone.bin")).unwrap();
    write(dir.path(), "new.bin", b"n");
    assert_eq!(
        check(Some(&entry), &hashed(dir.path())),
        Integrity::Mismatch(vec![
            Change::Modified("b/c.bin".to_owned()),
            Change::Removed("gone.bin".to_owned()),
            Change::Added("new.bin".to_owned()),
        ])
    );
}

#[test]
fn a_tampered_byte_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write(dir.path(), "transactions.csv", &data);
    let path = dir.path().join("transactions.csv");
    let entry = Lockfile::entry_from("data/transactions.csv", &hashed(&path));
    let mut tampered = data.clone();
    tampered[1_234_567] ^= 1;
    fs::write(&path, &tampered).unwrap();
    assert_eq!(
        check(Some(&entry), &hashed(&path)),
        Integrity::Mismatch(vec![Change::Modified("transactions.csv".to_owned())])
    );
}

#[test]
fn a_lock_whose_root_disagrees_with_its_files_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.bin", b"a");
    let actual = hashed(dir.path());
    let mut entry = Lockfile::entry_from("model", &actual);
    entry.sha256 = Some("0".repeat(64));
    assert_eq!(
        check(Some(&entry), &actual),
        Integrity::Mismatch(vec![Change::Modified(".".to_owned())])
    );
    let mut entry = Lockfile::entry_from("model", &actual);
    entry.kind = TreeKind::File;
    assert_eq!(
        check(Some(&entry), &actual),
        Integrity::Mismatch(vec![Change::Modified(".".to_owned())])
    );
}

fn read_text(text: &str) -> LockError {
    Lockfile::parse(Path::new("palisade.lock"), text.to_owned()).unwrap_err()
}

const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A valid lock text with one file entry; `edit` replaces one substring to break it.
fn valid_text() -> String {
    format!(
        r#"{{
  "version": 1,
  "artifacts": {{
    "dataset d": {{
      "path": "d.csv",
      "kind": "file",
      "size": 3,
      "blake3": "{H}",
      "sha256": "{H}",
      "files": [
        {{ "path": "d.csv", "size": 3, "blake3": "{H}", "sha256": "{H}" }}
      ]
    }}
  }}
}}
"#
    )
}

fn broken(from: &str, to: &str) -> LockError {
    let text = valid_text();
    assert!(text.contains(from), "{from}");
    read_text(&text.replacen(from, to, 1))
}

fn invalid(err: &LockError) -> (&str, String) {
    match err {
        LockError::Invalid {
            pointer, reason, ..
        } => (pointer.as_str(), reason.clone()),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn the_valid_text_reads() {
    let lock = Lockfile::parse(Path::new("palisade.lock"), valid_text()).unwrap();
    assert_eq!(lock.version, VERSION_1);
    assert_eq!(
        lock.artifacts["dataset d"].files[0].sha256.as_deref(),
        Some(H)
    );
}

#[test]
fn bad_lock_files_name_the_place_and_the_reason() {
    let cases: Vec<(LockError, &str, &str)> = vec![
        (
            broken("\"version\": 1", "\"version\": 3"),
            "/version",
            "unsupported version 3 (this palisade reads versions 1 and 2)",
        ),
        (
            broken("\"version\": 1", "\"version\": \"1\""),
            "/version",
            "unsupported version \"1\" (this palisade reads versions 1 and 2)",
        ),
        (
            broken(&format!("\"sha256\": \"{H}\",\n"), ""),
            "/artifacts/dataset d",
            "missing field `sha256`",
        ),
        (
            broken(&format!(", \"sha256\": \"{H}\" }}"), " }"),
            "/artifacts/dataset d/files/0",
            "missing field `sha256`",
        ),
        (
            broken("\"version\": 1,", "\"version\": 1, \"extra\": 0,"),
            "/extra",
            "unknown field `extra`, expected one of version, artifacts",
        ),
        (
            broken("\"kind\": \"file\"", "\"kind\": \"folder\""),
            "/artifacts/dataset d/kind",
            "expected \"file\" or \"directory\", found \"folder\"",
        ),
        (
            broken("\"size\": 3,\n", "\"size\": -3,\n"),
            "/artifacts/dataset d/size",
            "expected a non-negative integer, found a negative integer",
        ),
        (
            broken("\"size\": 3,\n", "\"size\": 4,\n"),
            "/artifacts/dataset d/size",
            "size is 4 but the files add up to 3",
        ),
        (
            broken(&format!("\"blake3\": \"{H}\",\n"), "\"blake3\": \"ABC\",\n"),
            "/artifacts/dataset d/blake3",
            "expected a blake3 digest of 64 lowercase hex digits, found 3 characters",
        ),
        (
            broken(
                &format!("\"sha256\": \"{H}\",\n"),
                &format!("\"sha256\": \"{}\",\n", H.to_uppercase()),
            ),
            "/artifacts/dataset d/sha256",
            "expected a sha256 digest of 64 lowercase hex digits, found 64 characters",
        ),
        (
            broken("\"path\": \"d.csv\",", "\"path\": 7,"),
            "/artifacts/dataset d/path",
            "expected a string, found an integer",
        ),
        (
            broken("\"path\": \"d.csv\",", ""),
            "/artifacts/dataset d",
            "missing field `path`",
        ),
        (
            broken("{ \"path\": \"d.csv\"", "{ \"path\": \"../etc/passwd\""),
            "/artifacts/dataset d/files/0/path",
            "`../etc/passwd` has an empty, `.` or `..` component",
        ),
        (
            broken("{ \"path\": \"d.csv\"", "{ \"path\": \"/abs\""),
            "/artifacts/dataset d/files/0/path",
            "`/abs` is not a relative '/'-separated path",
        ),
        (
            broken("\"dataset d\"", "\"dataset\""),
            "/artifacts/dataset",
            "key `dataset` is not of the form `<kind> <name>`",
        ),
        (
            broken("\"files\": [", "\"files\": [], \"x\": ["),
            "/artifacts/dataset d/x",
            "unknown field `x`, expected one of path, kind, size, blake3, sha256, ignore, files",
        ),
        (
            broken("\"files\": [\n", "\"files\": {}, \"_\": [\n"),
            "/artifacts/dataset d/_",
            "unknown field `_`, expected one of path, kind, size, blake3, sha256, ignore, files",
        ),
        (
            broken("\"artifacts\": {", "\"artifacts\": [], \"a\": {"),
            "/a",
            "unknown field `a`, expected one of version, artifacts",
        ),
        (read_text("[]"), "", "expected an object, found an array"),
        (
            broken("\"dataset d\": {", "\"x y\": {}, \"dataset d\": {"),
            "/artifacts/x y",
            "missing field `path`",
        ),
        (
            broken("\"version\": 1,", "\"version\": 1, \"version\": 1,"),
            "/version",
            "duplicate key",
        ),
    ];
    for (err, pointer, reason) in &cases {
        assert_eq!(invalid(err), (*pointer, (*reason).to_owned()), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("palisade.lock: at {pointer}: {reason}")
        );
    }
}

#[test]
fn file_artifacts_list_exactly_one_file_and_no_file_twice() {
    let text = valid_text();
    let two = text.replacen(
        "]\n    }",
        &format!(",\n{{ \"path\": \"e.csv\", \"size\": 0, \"blake3\": \"{H}\", \"sha256\": \"{H}\" }}]\n    }}"),
        1,
    );
    let err = read_text(&two);
    let (pointer, reason) = invalid(&err);
    assert_eq!(pointer, "/artifacts/dataset d/files");
    assert_eq!(reason, "a file artifact lists exactly one file, found 2");

    let dup = two
        .replacen("\"kind\": \"file\"", "\"kind\": \"directory\"", 1)
        .replacen("e.csv", "d.csv", 1);
    let err = read_text(&dup);
    assert_eq!(
        invalid(&err),
        (
            "/artifacts/dataset d/files/1/path",
            "file `d.csv` is listed twice".to_owned()
        )
    );
}

#[test]
fn syntax_errors_give_line_and_column() {
    let err = read_text("{\n  \"version\": 1,\n  \"artifacts\": {,}\n}\n");
    match &err {
        LockError::Syntax {
            line, column, span, ..
        } => {
            assert_eq!((*line, *column), (3, 17));
            assert_eq!(span.offset(), 2 + 16 + 16); // the `,`
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "palisade.lock:3:17: not valid JSON: key must be a string"
    );
    let err = read_text("");
    assert!(
        matches!(
            err,
            LockError::Syntax {
                line: 1,
                column: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn non_utf8_and_oversized_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("palisade.lock");
    fs::write(&path, b"{\n \"v\xff\": 1}").unwrap();
    let err = Lockfile::read(&path).unwrap_err();
    assert!(
        matches!(&err, LockError::Syntax { line: 2, column: 4, reason, .. } if reason == "not valid UTF-8"),
        "{err:?}"
    );

    let file = fs::File::create(&path).unwrap();
    file.set_len(MAX_LOCK_BYTES + 1).unwrap();
    let err = Lockfile::read(&path).unwrap_err();
    assert!(matches!(err, LockError::TooLarge { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: lock file is larger than 67108864 bytes",
            path.display()
        )
    );

    let missing = dir.path().join("missing.lock");
    let err = Lockfile::read(&missing).unwrap_err();
    assert!(matches!(err, LockError::Io { .. }), "{err:?}");
}

#[test]
fn deeply_nested_json_is_a_syntax_error_not_a_stack_overflow() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = read_text(&text);
    assert!(
        matches!(&err, LockError::Syntax { reason, .. } if reason == "recursion limit exceeded"),
        "{err:?}"
    );
}

fn render(err: &LockError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, err)
        .unwrap();
    out
}

#[test]
fn rendered_errors_point_at_the_value() {
    insta::assert_snapshot!(
        "bad_digest",
        render(&broken(
            &format!("\"blake3\": \"{H}\",\n"),
            "\"blake3\": \"ABC\",\n"
        ))
    );
    insta::assert_snapshot!(
        "duplicate_key",
        render(&broken(
            "\"dataset d\": {",
            "\"dataset d\": {}, \"dataset d\": {"
        ))
    );
    insta::assert_snapshot!(
        "syntax",
        render(&read_text(
            "{\n  \"version\": 1,\n  \"artifacts\": {,}\n}\n"
        ))
    );
}

// ---- digest selection, version 1 locks, failing closed ----

const V1_LOCK: &str = include_str!("testdata/v1.palisade.lock");

fn model_dir() -> std::path::PathBuf {
    Path::new(FIXTURES).join("model-signing/model-small-files")
}

fn hashed_with(path: &Path, algorithms: Algorithms) -> TreeDigests {
    hash_path(path, &HashOptions::with_algorithms(algorithms)).unwrap()
}

#[test]
fn a_version_1_lock_still_reads_and_verifies_whatever_is_computed() {
    let lock = Lockfile::parse(Path::new("palisade.lock"), V1_LOCK.to_owned()).unwrap();
    assert_eq!(lock.version, VERSION_1);
    let entry = &lock.artifacts["model small"];
    assert_eq!(entry.algorithms(), Some(Algorithms::Both));
    assert_eq!(entry.files.len(), 3);
    assert!(
        entry
            .files
            .iter()
            .all(|f| f.blake3.is_some() && f.sha256.is_some())
    );
    for algorithms in [Algorithms::Blake3, Algorithms::Sha256, Algorithms::Both] {
        let tree = hashed_with(&model_dir(), algorithms);
        assert_eq!(
            check(Some(entry), &tree),
            Integrity::Verified,
            "{algorithms:?}"
        );
        let config = hashed_with(&model_dir().join("config.json"), algorithms);
        assert_eq!(
            check(Some(&lock.artifacts["dataset config"]), &config),
            Integrity::Verified
        );
    }
    // What `palisade lock --check` compares: the lock it would write now, blake3 only.
    let fresh = Lockfile::entry_from("models/small", &pinned(&model_dir()));
    assert_eq!(check_entry(Some(entry), &fresh), Integrity::Verified);
}

#[test]
fn a_version_1_lock_is_rewritten_as_version_2_with_the_same_pins() {
    let lock = Lockfile::parse(Path::new("palisade.lock"), V1_LOCK.to_owned()).unwrap();
    let text = lock.to_json().unwrap();
    assert!(text.starts_with("{\n  \"version\": 2,\n"), "{text}");
    let again = Lockfile::parse(Path::new("palisade.lock"), text.clone()).unwrap();
    assert_eq!(again.version, VERSION);
    assert_eq!(again.artifacts, lock.artifacts);
    // Apart from the version, the text is what version 1 wrote: both digests kept.
    assert_eq!(
        text.replacen("\"version\": 2", "\"version\": 1", 1),
        V1_LOCK
    );
}

#[test]
fn the_lock_pins_blake3_only() {
    let lock = sample_lock();
    for entry in lock.artifacts.values() {
        assert_eq!(entry.algorithms(), Some(PINNED));
        assert_eq!(entry.sha256, None);
        assert!(
            entry
                .files
                .iter()
                .all(|f| f.blake3.is_some() && f.sha256.is_none())
        );
    }
    let text = lock.to_json().unwrap();
    assert!(!text.contains("sha256"), "{text}");
    // Same blake3 digests as the version 1 lock made of the same files.
    let v1 = Lockfile::parse(Path::new("palisade.lock"), V1_LOCK.to_owned()).unwrap();
    for (key, entry) in &lock.artifacts {
        let old = &v1.artifacts[key];
        assert_eq!(entry.blake3, old.blake3);
        let files: Vec<_> = entry.files.iter().map(|f| &f.blake3).collect();
        let old_files: Vec<_> = old.files.iter().map(|f| &f.blake3).collect();
        assert_eq!(files, old_files);
    }
}

#[test]
fn an_entry_pinning_both_digests_round_trips_in_version_2() {
    let both = hashed(&model_dir());
    let mut lock = Lockfile::default();
    lock.artifacts.insert(
        "model small".to_owned(),
        Lockfile::entry_from("models/small", &both),
    );
    let sha_only = hashed_with(&model_dir(), Algorithms::Sha256);
    lock.artifacts.insert(
        "model sha".to_owned(),
        Lockfile::entry_from("models/small", &sha_only),
    );
    let text = lock.to_json().unwrap();
    let read = Lockfile::parse(Path::new("palisade.lock"), text).unwrap();
    assert_eq!(read, lock);
    assert_eq!(
        read.artifacts["model small"].algorithms(),
        Some(Algorithms::Both)
    );
    assert_eq!(
        read.artifacts["model sha"].algorithms(),
        Some(Algorithms::Sha256)
    );
    assert_eq!(
        read.artifacts["model sha"].digest(Algorithm::Sha256),
        both.root.sha256_hex().as_deref()
    );
}

#[test]
fn an_entry_sharing_no_digest_with_the_hash_is_never_verified() {
    let entry = Lockfile::entry_from("models/small", &pinned(&model_dir()));
    let sha_only = hashed_with(&model_dir(), Algorithms::Sha256);
    assert_eq!(
        check(Some(&entry), &sha_only),
        Integrity::Mismatch(vec![
            Change::Modified("README.md".to_owned()),
            Change::Modified("config.json".to_owned()),
            Change::Modified("tokenizer/tokenizer.json".to_owned()),
        ])
    );
    // The same with the roles swapped, and for a single file: the root alone.
    let sha_entry = Lockfile::entry_from("models/small", &sha_only);
    assert_ne!(
        check(Some(&sha_entry), &pinned(&model_dir())),
        Integrity::Verified
    );
    // An entry built in code with no digest at all, and files without any.
    let mut bare = entry.clone();
    bare.blake3 = None;
    for f in &mut bare.files {
        f.blake3 = None;
    }
    assert_eq!(bare.algorithms(), None);
    assert!(matches!(
        check(Some(&bare), &hashed(&model_dir())),
        Integrity::Mismatch(_)
    ));
    // A file whose digests were dropped but whose root still matches is caught per file.
    let mut partial = Lockfile::entry_from("models/small", &hashed(&model_dir()));
    partial.files[1].blake3 = None;
    partial.files[1].sha256 = None;
    assert_eq!(
        check(Some(&partial), &hashed(&model_dir())),
        Integrity::Mismatch(vec![Change::Modified("config.json".to_owned())])
    );
}

#[test]
fn every_shared_digest_is_compared() {
    // A version 1 entry whose sha256 was edited: a blake3-only check cannot see it (and does
    // not need to: blake3 pins the bytes), a check that computed sha256 too reports it.
    let mut lock = Lockfile::parse(Path::new("palisade.lock"), V1_LOCK.to_owned()).unwrap();
    let entry = lock.artifacts.get_mut("model small").unwrap();
    entry.files[0].sha256 = Some("0".repeat(64));
    let entry = &lock.artifacts["model small"];
    assert_eq!(
        check(Some(entry), &pinned(&model_dir())),
        Integrity::Verified
    );
    for algorithms in [Algorithms::Sha256, Algorithms::Both] {
        assert_eq!(
            check(Some(entry), &hashed_with(&model_dir(), algorithms)),
            Integrity::Mismatch(vec![Change::Modified("README.md".to_owned())])
        );
    }
}

#[test]
fn check_entry_reports_changes_between_two_locks() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.bin", b"a");
    write(dir.path(), "b.bin", b"b");
    let old = Lockfile::entry_from("m", &hashed(dir.path()));
    write(dir.path(), "b.bin", b"B");
    write(dir.path(), "c.bin", b"c");
    let fresh = Lockfile::entry_from("m", &pinned(dir.path()));
    assert_eq!(
        check_entry(Some(&old), &fresh),
        Integrity::Mismatch(vec![
            Change::Modified("b.bin".to_owned()),
            Change::Added("c.bin".to_owned()),
        ])
    );
    assert_eq!(check_entry(None, &fresh), Integrity::Unpinned);
}

#[test]
fn algorithms_to_check_picks_the_cheapest_that_checks_every_entry() {
    let blake3 = Lockfile::entry_from("m", &pinned(&model_dir()));
    let sha256 = Lockfile::entry_from("m", &hashed_with(&model_dir(), Algorithms::Sha256));
    let both = Lockfile::entry_from("m", &hashed(&model_dir()));
    let lock_of = |entries: &[&LockEntry]| {
        let mut lock = Lockfile::default();
        for (i, e) in entries.iter().enumerate() {
            lock.artifacts.insert(format!("model m{i}"), (*e).clone());
        }
        lock
    };
    use Algorithms::{Blake3, Both, Sha256};
    let cases: Vec<(Vec<&LockEntry>, Option<Algorithms>, Algorithms)> = vec![
        (vec![], None, Blake3),
        (vec![], Some(Sha256), Sha256),
        (vec![&blake3], None, Blake3),
        (vec![&blake3], Some(Blake3), Blake3),
        (vec![&blake3], Some(Sha256), Both),
        (vec![&both], None, Blake3),
        // A version 1 lock and a caller that needs sha256 anyway: sha256 alone checks it.
        (vec![&both], Some(Sha256), Sha256),
        (vec![&sha256], None, Sha256),
        (vec![&sha256, &both], None, Sha256),
        (vec![&sha256, &blake3], None, Both),
        (vec![&both], Some(Both), Both),
    ];
    for (entries, needed, expected) in cases {
        let lock = lock_of(&entries);
        assert_eq!(
            lock.algorithms_to_check(needed),
            expected,
            "{:?} needed {needed:?}",
            entries.iter().map(|e| e.algorithms()).collect::<Vec<_>>()
        );
        // And what it picks does check every entry of the lock.
        let tree = hashed_with(&model_dir(), expected);
        for entry in lock.artifacts.values() {
            assert_eq!(check(Some(entry), &tree), Integrity::Verified);
        }
    }
}

/// A version 2 lock text with one directory entry of two files, pinned by `digests` (the JSON
/// members to put in the entry and in each file).
fn v2_text(entry_digests: &str, file_digests: [&str; 2]) -> String {
    format!(
        r#"{{
  "version": 2,
  "artifacts": {{
    "model m": {{
      "path": "models/m",
      "kind": "directory",
      "size": 3,
      "files": [
        {{ "path": "a", "size": 1{} }},
        {{ "path": "b", "size": 2{} }}
      ]{}
    }}
  }}
}}
"#,
        file_digests[0], file_digests[1], entry_digests
    )
}

#[test]
fn version_2_entries_pin_one_or_both_digests_the_same_for_every_file() {
    let b = format!(", \"blake3\": \"{H}\"");
    let s = format!(", \"sha256\": \"{H}\"");
    let bs = format!("{b}{s}");
    for (digests, algorithms) in [
        (&b, Algorithms::Blake3),
        (&s, Algorithms::Sha256),
        (&bs, Algorithms::Both),
    ] {
        let lock = Lockfile::parse(
            Path::new("palisade.lock"),
            v2_text(digests, [digests, digests]),
        )
        .unwrap();
        assert_eq!(lock.version, VERSION);
        assert_eq!(lock.artifacts["model m"].algorithms(), Some(algorithms));
    }
    let cases = [
        (
            v2_text("", ["", ""]),
            "/artifacts/model m",
            "the entry pins no digest: expected `blake3`, `sha256` or both".to_owned(),
        ),
        (
            v2_text(&b, [&b, &bs]),
            "/artifacts/model m/files/1",
            "the file pins blake3 and sha256, its entry pins blake3: every file carries the \
             entry's digests"
                .to_owned(),
        ),
        (
            v2_text(&bs, [&bs, &s]),
            "/artifacts/model m/files/1",
            "the file pins sha256, its entry pins blake3 and sha256: every file carries the \
             entry's digests"
                .to_owned(),
        ),
        (
            v2_text(&s, ["", &s]),
            "/artifacts/model m/files/0",
            "the file pins no digest, its entry pins sha256: every file carries the entry's \
             digests"
                .to_owned(),
        ),
        (
            v2_text(", \"blake3\": \"abc\"", ["", ""]),
            "/artifacts/model m/blake3",
            "expected a blake3 digest of 64 lowercase hex digits, found 3 characters".to_owned(),
        ),
        (
            v2_text(&s, [", \"sha256\": null", &s]),
            "/artifacts/model m/files/0/sha256",
            "expected a string, found null".to_owned(),
        ),
    ];
    for (text, pointer, reason) in &cases {
        let err = read_text(text);
        assert_eq!(invalid(&err), (*pointer, reason.clone()), "{text}");
    }
}
