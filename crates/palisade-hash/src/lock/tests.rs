#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use super::*;
use crate::{HashOptions, hash_path};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

fn hashed(path: &Path) -> TreeDigests {
    hash_path(path, &HashOptions::default()).unwrap()
}

fn sample_lock() -> Lockfile {
    let model = hashed(&Path::new(FIXTURES).join("model-signing/model-small-files"));
    let config = hashed(&Path::new(FIXTURES).join("model-signing/model-small-files/config.json"));
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
    entry.sha256 = "0".repeat(64);
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
    assert_eq!(lock.artifacts["dataset d"].files[0].sha256, H);
}

#[test]
fn bad_lock_files_name_the_place_and_the_reason() {
    let cases: Vec<(LockError, &str, &str)> = vec![
        (
            broken("\"version\": 1", "\"version\": 2"),
            "/version",
            "unsupported version 2 (this palisade reads version 1)",
        ),
        (
            broken("\"version\": 1", "\"version\": \"1\""),
            "/version",
            "unsupported version \"1\" (this palisade reads version 1)",
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
            "unknown field `x`, expected one of path, kind, size, blake3, sha256, files",
        ),
        (
            broken("\"files\": [\n", "\"files\": {}, \"_\": [\n"),
            "/artifacts/dataset d/_",
            "unknown field `_`, expected one of path, kind, size, blake3, sha256, files",
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
