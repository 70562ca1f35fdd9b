//! Every way a SARIF input can be unusable gives a specific error with file, place and reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::path::PathBuf;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use palisade_sarif::{MAX_DEPTH, MAX_FILE_SIZE, SarifError, parse, read};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

/// The error as the CLI would show it (no colours, fixed width).
fn render(e: &dyn Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, e)
        .unwrap();
    out
}

#[test]
fn missing_file() {
    let err = read(&fixture("sarif-extra/does-not-exist.sarif")).unwrap_err();
    assert!(matches!(err, SarifError::Read { .. }));
    let msg = err.to_string();
    assert!(msg.starts_with("cannot read SARIF file "), "{msg}");
    assert!(
        msg.ends_with("does-not-exist.sarif: No such file or directory (os error 2)"),
        "{msg}"
    );
}

#[test]
fn directory_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = read(dir.path()).unwrap_err();
    assert!(
        err.to_string().ends_with(": it is a directory, not a file"),
        "{err}"
    );
}

#[test]
fn too_large_is_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.sarif");
    // A sparse file: the size check must refuse it from metadata, without reading 256 MiB.
    File::create(&path)
        .unwrap()
        .set_len(MAX_FILE_SIZE + 1)
        .unwrap();
    let err = read(&path).unwrap_err();
    match &err {
        SarifError::TooLarge { size, limit, .. } => {
            assert_eq!(*size, MAX_FILE_SIZE + 1);
            assert_eq!(*limit, MAX_FILE_SIZE);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string()
            .ends_with("huge.sarif is 268435457 bytes, more than the limit of 268435456 bytes")
    );
}

#[test]
fn truncated_json_points_at_the_end() {
    let full = std::fs::read(fixture("sarif/bandit.sarif")).unwrap();
    let cut = &full[..1000];
    let err = parse(cut, "bandit-cut.sarif").unwrap_err();
    match &err {
        SarifError::Json {
            line,
            column,
            reason,
            ..
        } => {
            assert_eq!(reason, "EOF while parsing a string");
            assert_eq!((*line, *column), (34, 23));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "bandit-cut.sarif:34:23: invalid JSON: EOF while parsing a string"
    );
}

#[test]
fn syntax_error_is_rendered_with_a_snippet() {
    let text = b"{\n  \"version\": \"2.1.0\",\n  \"runs\": [ {\"tool\": } ]\n}\n";
    let err = parse(text, "broken.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "broken.sarif:3:22: invalid JSON: expected value"
    );
    insta::assert_snapshot!(render(&err));
}

#[test]
fn invalid_utf8() {
    let mut text = b"{\"version\": \"2.1.0\", \"runs\": [], \"x\": \"".to_vec();
    text.extend_from_slice(&[0xff, 0xfe]);
    text.extend_from_slice(b"\"}");
    let err = parse(&text, "latin1.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "latin1.sarif:1:40: invalid JSON: invalid UTF-8"
    );
}

#[test]
fn not_sarif_cyclonedx() {
    let bom = std::fs::read(fixture("cyclonedx/sbom-small-numpy-sklearn.cdx.json")).unwrap();
    let err = parse(&bom, "sbom.cdx.json").unwrap_err();
    assert!(matches!(err, SarifError::NotSarif { .. }));
    // CycloneDX has an integer `version` and no `runs`: the missing runs is named.
    assert_eq!(
        err.to_string(),
        "sbom.cdx.json: not a SARIF log: no \"runs\" property (top-level keys: \"components\", \"dependencies\", \"metadata\", \"serialNumber\", \"$schema\")"
    );
}

#[test]
fn not_sarif_no_version_names_keys() {
    let err = parse(
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#,
        "x.json",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "x.json: not a SARIF log: no \"runs\" and no \"version\" property (top-level keys: \"bomFormat\", \"specVersion\")"
    );
}

#[test]
fn not_sarif_top_level_array() {
    let err = parse(b"  [1, 2]", "list.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "list.json: not a SARIF log: the top level is an array, not an object"
    );
    insta::assert_snapshot!(render(&err));
}

#[test]
fn not_sarif_runs_not_array() {
    let err = parse(br#"{"version": "2.1.0", "runs": {"tool": 1}}"#, "r.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.sarif: not a SARIF log: \"runs\" is an object, not an array"
    );
}

#[test]
fn wrong_version_names_what_was_found() {
    let text = b"{\n  \"version\": \"2.0.0\",\n  \"runs\": []\n}";
    let err = parse(text, "old.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "old.sarif:2:14: unsupported SARIF version \"2.0.0\"; only \"2.1.0\" is read"
    );
    insta::assert_snapshot!(render(&err));
    let err = parse(br#"{"version": 2, "runs": []}"#, "int.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "int.sarif:1:13: unsupported SARIF version 2; only \"2.1.0\" is read"
    );
}

#[test]
fn wrong_type_deep_inside_has_a_json_path() {
    let text = br#"{"version": "2.1.0", "runs": [
  {"tool": {"driver": {"name": "t"}}, "results": [
    {"ruleId": "a", "message": {"text": "ok"}},
    {"ruleId": "b", "level": "fatal", "message": {"text": "bad level"}}
  ]}
]}"#;
    let err = parse(text, "deep.sarif").unwrap_err();
    match &err {
        SarifError::InvalidValue {
            pointer,
            line,
            reason,
            ..
        } => {
            assert_eq!(pointer, "/runs/0/results/1/level");
            assert_eq!(*line, 4);
            assert_eq!(
                reason,
                "unknown variant `fatal`, expected one of `none`, `note`, `warning`, `error`"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    insta::assert_snapshot!(render(&err));
}

#[test]
fn wrong_type_start_line() {
    let text = br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}},
 "results": [{"locations": [{"physicalLocation": {"region": {"startLine": "7"}}}]}]}]}"#;
    let err = parse(text, "line.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line.sarif:2:77: at /runs/0/results/0/locations/0/physicalLocation/region/startLine: invalid type: string \"7\", expected u64"
    );
}

#[test]
fn missing_driver_name() {
    let text = br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}"#;
    let err = parse(text, "noname.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "noname.sarif:1:52: at /runs/0/tool/driver: missing field `name`"
    );
}

#[test]
fn too_deep_nesting() {
    let mut text = String::from(r#"{"version": "2.1.0", "runs": [], "properties": "#);
    text.push_str(&"[".repeat(MAX_DEPTH + 10));
    text.push_str(&"]".repeat(MAX_DEPTH + 10));
    text.push('}');
    let err = parse(text.as_bytes(), "deep.sarif").unwrap_err();
    match &err {
        SarifError::TooDeep { column, limit, .. } => {
            assert_eq!(*limit, MAX_DEPTH);
            // The opening `{` is level 1, so the 64th `[` opens level 65.
            assert_eq!(*column, 47 + MAX_DEPTH);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "deep.sarif:1:111: JSON nested deeper than 64 levels"
    );
}

#[test]
fn brackets_inside_strings_do_not_count() {
    let text = format!(
        r#"{{"version": "2.1.0", "runs": [], "note": "{}\"{}"}}"#,
        "[".repeat(200),
        "{".repeat(200)
    );
    let report = parse(text.as_bytes(), "strings.sarif").unwrap();
    assert_eq!(report.findings.len(), 0);
}

#[test]
fn empty_input() {
    let err = parse(b"", "empty.sarif").unwrap_err();
    assert_eq!(
        err.to_string(),
        "empty.sarif:1:1: invalid JSON: EOF while parsing a value"
    );
}

#[test]
fn duplicate_runs_key() {
    let err = parse(
        br#"{"version": "2.1.0", "runs": [], "runs": []}"#,
        "dup.sarif",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("dup.sarif:1:39: invalid JSON: duplicate key \"runs\""),
        "{err}"
    );
}

#[test]
fn byte_order_mark_is_skipped() {
    let mut text = vec![0xEF, 0xBB, 0xBF];
    text.extend_from_slice(br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [{"level": "error"}]}]}"#);
    let report = parse(&text, "bom.sarif").unwrap();
    assert_eq!(report.counts().high, 1);
}

#[test]
fn too_many_results_across_runs() {
    // 600,000 results in each of two runs: each run is under the limit, the log is not.
    let results = vec!["{}"; 600_000].join(",");
    let run = format!(r#"{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{results}]}}"#);
    let text = format!(r#"{{"version": "2.1.0", "runs": [{run}, {run}]}}"#);
    let err = parse(text.as_bytes(), "many.sarif").unwrap_err();
    match &err {
        SarifError::InvalidValue {
            pointer, reason, ..
        } => {
            assert_eq!(pointer, "/runs/1/results");
            assert_eq!(reason, "more than 1000000 results in the log (limit)");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The budget is per log: a smaller log parsed afterwards on the same thread is fine.
    let one = format!(r#"{{"version": "2.1.0", "runs": [{run}]}}"#);
    assert_eq!(
        parse(one.as_bytes(), "ok.sarif").unwrap().findings.len(),
        600_000
    );
}
