#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! End-to-end tests: run the `palisade` binary as a user would, on the cases under
//! `tests/e2e/cases/`, the baseline's test cases and the examples, and pin its output with insta.

mod ai;
mod ai_evidence;
mod attacks;
mod cli;
mod compose;
mod controls;
mod evidence;
mod init;
mod init_attested;
mod keyless;
mod lineage;
mod lock;
mod models;
mod sign;
mod signing;
mod spdx;
mod trust;
mod ux;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixed evaluation time, so reports are reproducible.
const AT: &str = "2026-12-01T00:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cases() -> PathBuf {
    root().join("tests/e2e/cases")
}

pub(crate) struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn palisade(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PALISADE_KEY_PASSWORD")
        .output()
        .expect("the palisade binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `(policy, resource)` of every violation in a JSON report.
fn violations(run: &Run) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    report["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            (
                v["policy"].as_str().unwrap_or_default().to_owned(),
                v["resource"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn evaluate_human_report_explains_each_denial() {
    let run = palisade(&cases(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn evaluate_json_report_has_the_spec_shape() {
    let run = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    for key in [
        "schema",
        "pipeline",
        "decision",
        "evaluated_at",
        "policy_digest",
        "summary",
        "violations",
        "waived",
        "warnings",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["schema"], "palisade.report/v1");
    assert_eq!(report["decision"], "deny");
    let first = &report["violations"][0];
    for key in [
        "policy",
        "severity",
        "message",
        "principal",
        "action",
        "resource",
        "path",
        "location",
    ] {
        assert!(first.get(key).is_some(), "violation lacks {key}");
    }
    // The pii taint is explained by the lineage path from the dataset to the release.
    let pii = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["policy"] == "pii-public-release" && v["resource"] == "Model::\"fraud-xgb\"")
        .expect("pii reaches the public model");
    assert_eq!(
        pii["path"],
        serde_json::json!([
            "Dataset::\"transactions\"",
            "Stage::\"train\"",
            "Model::\"fraud-xgb\"",
            "Release::\"production\""
        ])
    );
    assert_eq!(pii["location"]["line"], 19);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn evaluate_sarif_points_at_the_pal_declaration() {
    let run = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "sarif",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "spec-example.pal"
    ));
    // The waived result is carried as a suppression, not dropped.
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["status"] == "accepted")
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn evaluate_junit_and_markdown() {
    let junit = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "junit",
        ],
    );
    assert_eq!(junit.code, 1);
    assert!(junit.stdout.contains("<failure type=\"critical\""));
    insta::assert_snapshot!("junit", junit.stdout);
    let markdown = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "markdown",
        ],
    );
    assert_eq!(markdown.code, 1);
    insta::assert_snapshot!("markdown", markdown.stdout);
}

#[test]
fn evaluate_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let run = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains("palisade.report/v1"));
}

#[test]
fn waiver_expires_after_its_day() {
    // Before expiry the image's team-rule denial is waived; after it, it is a violation.
    let before = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            "2027-01-31T23:00:00Z",
            "--format",
            "json",
        ],
    );
    let after = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            "2027-02-01T00:00:01Z",
            "--format",
            "json",
        ],
    );
    let before: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    let after: serde_json::Value = serde_json::from_str(&after.stdout).unwrap();
    let has = |report: &serde_json::Value, list: &str| {
        report[list]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["policy"] == "no-critical-vulnerabilities")
    };
    assert!(has(&before, "waived") && !has(&before, "violations"));
    assert!(has(&after, "violations") && !has(&after, "waived"));
    assert!(
        after["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("expired on 2027-01-31"))
    );
}

#[test]
fn check_accepts_a_valid_pipeline() {
    let run = palisade(&cases(), &["check", "spec-example.pal"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("ok: pipeline \"fraud-detection\""));
}

#[test]
fn stage_cycle_is_exit_2_naming_every_node() {
    let run = palisade(&cases(), &["check", "cycle.pal"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn waiver_naming_an_unknown_policy_is_exit_2_with_suggestion() {
    let run = palisade(&cases(), &["check", "unknown-waiver-policy.pal"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean \"pii-public-release\"?"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn misspelt_policy_attribute_fails_strict_validation_with_file_and_line() {
    let run = palisade(&cases().join("bad-policy"), &["evaluate", "--at", AT]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("policies/typo.cedar:4:"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn policy_evaluation_error_fails_closed() {
    let run = palisade(
        &cases().join("erroring-policy"),
        &["evaluate", "--at", AT, "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["decision"], "deny");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["violations"][0]["reason"], "policy_error");
    assert_eq!(report["violations"][0]["policy"], "overflowing");
}

#[test]
fn missing_pipeline_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = palisade(dir.path(), &["evaluate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pipeline.pal not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_at_is_exit_2() {
    let run = palisade(
        &cases(),
        &["evaluate", "spec-example.pal", "--at", "yesterday"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);
}

#[test]
fn usage_error_is_exit_2() {
    let run = palisade(&cases(), &["evaluate", "--format", "pdf"]);
    assert_eq!(run.code, 2);
}

#[test]
fn policies_flag_replaces_the_list() {
    // Only the team folder: the baseline (and so the waiver's policy) is gone → exit 2.
    let run = palisade(
        &cases(),
        &["check", "spec-example.pal", "--policies", "policies"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-critical-vulnerabilities"));
    let run = palisade(
        &cases(),
        &["check", "spec-example.pal", "--policies", "@baseline"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("policies"), "{}", run.stdout);
}

#[test]
fn allowed_pipeline_exits_0() {
    let run = palisade(
        &root().join("policies/baseline/tests"),
        &["evaluate", "allow-clean.pal", "--at", AT],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ALLOW"));
}

#[test]
fn baseline_policy_test_cases_pass() {
    let run = palisade(&root(), &["test", "policies/baseline/tests"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(" passed, 0 failed"));
}

#[test]
fn policy_test_runner_reports_a_wrong_expectation() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("case.pal"),
        "// expect: allow\npipeline \"p\" {\n  dataset \"d\" { path = \"d.csv\" labels = [\"pii\"] }\n  stage \"s\" { inputs = [dataset \"d\"] }\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("d.csv"), "a,b\n1,2\n").unwrap();
    let run = palisade(dir.path(), &["test", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("unexpected deny pii-read-requires-identity Dataset::\"d\""),
        "{}",
        run.stdout
    );
}

#[test]
fn schema_is_printed() {
    let run = palisade(&cases(), &["schema"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("entity Model in [Label, Pipeline]"));
    assert!(run.stdout.contains("upstream_labels: Set<String>"));
}

#[test]
fn graph_renders_dot_mermaid_and_json() {
    let dot = palisade(&cases(), &["graph", "spec-example.pal"]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    insta::assert_snapshot!("graph_dot", dot.stdout);
    let mermaid = palisade(
        &cases(),
        &["graph", "spec-example.pal", "--format", "mermaid"],
    );
    assert!(mermaid.stdout.starts_with("flowchart LR"));
    let json = palisade(&cases(), &["graph", "spec-example.pal", "--format", "json"]);
    let graph: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(graph["schema"], "palisade.graph/v1");
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "released_by")
    );
}

#[test]
fn explain_shows_lineage_and_decisions() {
    let run = palisade(
        &cases(),
        &[
            "explain",
            "spec-example.pal",
            "model",
            "fraud-xgb",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let typo = palisade(
        &cases(),
        &["explain", "spec-example.pal", "model", "fraud-xbg"],
    );
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean \"fraud-xgb\"?"),
        "{}",
        typo.stderr
    );
}

/// A custom policy with no `@lineage`: its condition tests a label, so the violation's path
/// runs from where the label enters the graph (the dataset two stages above the image).
#[test]
fn custom_label_policy_without_lineage_annotation_explains_from_the_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("custom.cedar"),
        r#"@id("no-pii-images-in-public")
@severity("high")
forbid (principal is Release, action == Action::"release", resource is Image)
when { resource in Label::"pii" && context.exposure == "public" };
permit (principal, action, resource);
"#,
    )
    .unwrap();
    let run = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "json",
            "--policies",
            "@baseline",
            "--policies",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let violation = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["policy"] == "no-pii-images-in-public")
        .expect("the image is denied");
    assert_eq!(
        violation["path"],
        serde_json::json!([
            "Dataset::\"transactions\"",
            "Stage::\"train\"",
            "Model::\"fraud-xgb\"",
            "Stage::\"serve\"",
            "Image::\"serving\"",
            "Release::\"production\""
        ])
    );
}

/// Copies a folder recursively (files by content; a symlink is copied as what it points to).
pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
