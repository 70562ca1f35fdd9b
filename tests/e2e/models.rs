//! End-to-end tests of model scanning (issue 9, items 1 and 7): model files that run code or hide
//! from the scanners are denied by the baseline, with the rule named, even when labelled
//! `allow-pickle`; a scikit-learn model that declares its imports is allowed; a misspelt
//! `format` is a syntax error with a suggestion. The files in `cases/models-attacks/models/`
//! are copies from `tests/fixtures/pickle-corpus` and `tests/fixtures/modelfmt`.

use std::fs;
use std::path::PathBuf;

use super::{AT, Run, cases, palisade, violations};

fn dir() -> PathBuf {
    cases().join("models-attacks")
}

fn evaluate(file: &str) -> Run {
    palisade(
        &dir(),
        &[
            "evaluate",
            file,
            "--at",
            AT,
            "--format",
            "json",
            "--no-lock",
        ],
    )
}

#[test]
fn each_attack_is_denied_by_the_rule_that_names_it() {
    let run = evaluate("attacks.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let found = violations(&run);
    // Every model was labelled allow-pickle; each is denied by a rule no label lifts.
    for (model, rule) in [
        ("protocol0", "dangerous-pickle-imports"),
        ("codecs-exec", "dangerous-pickle-imports"),
        ("imaplib", "dangerous-pickle-imports"),
        ("npz-member", "dangerous-pickle-imports"),
        ("zip-names", "model-scan-error"),
        ("nullifai", "model-scan-error"),
        ("torch-7z", "model-scan-error"),
        ("disguised", "dangerous-pickle-imports"),
        ("disguised", "model-format-findings"),
        ("sklearn-undeclared", "unknown-pickle-imports"),
        ("keras-lambda", "model-format-findings"),
        ("onnx-escape", "model-format-findings"),
        ("gguf-template", "model-format-findings"),
        ("safetensors-overlap", "model-format-findings"),
    ] {
        let resource = format!("Model::\"{model}\"");
        assert!(
            found.iter().any(|(p, r)| p == rule && *r == resource),
            "{model} is not denied by {rule}: {found:?}"
        );
    }
    // Code-running formats are unsafe whatever the label on a non-pickle format.
    for model in ["keras-lambda", "gguf-template"] {
        let resource = format!("Model::\"{model}\"");
        assert!(
            found
                .iter()
                .any(|(p, r)| p == "unsafe-model-format" && *r == resource),
            "{model}: {found:?}"
        );
    }
}

#[test]
fn explain_lists_what_the_scan_found() {
    let run = palisade(
        &dir(),
        &[
            "explain",
            "attacks.pal",
            "model",
            "sklearn-undeclared",
            "--at",
            AT,
            "--no-lock",
        ],
    );
    assert!(
        run.stdout
            .contains("sklearn.linear_model._logistic.LogisticRegression"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let run = palisade(
        &dir(),
        &[
            "explain",
            "attacks.pal",
            "model",
            "disguised",
            "--at",
            AT,
            "--no-lock",
        ],
    );
    assert!(
        run.stdout.contains("format \"pickle\"") && run.stdout.contains("format_mismatch"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn declared_imports_are_allowed() {
    let run = evaluate("allowed.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(violations(&run).is_empty(), "{}", run.stdout);
}

/// A scratch copy of the case with `allowed.pal` rewritten by `edit`.
fn with_allowed(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, Run) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let models = tmp.path().join("models");
    fs::create_dir_all(&models).expect("mkdir");
    for file in ["sklearn_logistic_regression.joblib", "benign.safetensors"] {
        fs::copy(dir().join("models").join(file), models.join(file)).expect("copy");
    }
    let text = fs::read_to_string(dir().join("allowed.pal")).expect("read");
    fs::write(tmp.path().join("pipeline.pal"), edit(&text)).expect("write");
    let run = palisade(
        tmp.path(),
        &["evaluate", "--at", AT, "--format", "json", "--no-lock"],
    );
    (tmp, run)
}

#[test]
fn without_allow_imports_the_same_model_is_denied() {
    let (_tmp, run) =
        with_allowed(|t| t.replace("allow_imports = [\"sklearn.linear_model.*\"]", ""));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        violations(&run),
        [(
            "unknown-pickle-imports".to_owned(),
            "Model::\"sklearn\"".to_owned()
        )]
    );
    // A pattern for another package does not cover it either.
    let (_tmp, run) = with_allowed(|t| t.replace("sklearn.linear_model.*", "sklearn.tree.*"));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_pattern_that_allows_only_dangerous_imports_is_an_error() {
    let (_tmp, run) = with_allowed(|t| {
        t.replace(
            "\"sklearn.linear_model.*\"",
            "\"sklearn.linear_model.*\", \"os.*\"",
        )
    });
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("os.*"), "{}", run.stderr);
    assert!(
        run.stderr.contains("can never be allowed") || run.stderr.contains("dangerous"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_misspelt_format_is_a_syntax_error_with_a_suggestion() {
    let (_tmp, run) = with_allowed(|t| t.replace("format = \"joblib\"", "format = \"pytorh\""));
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("invalid_model_format"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean \"pytorch\"?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_declared_format_is_judged_by_the_content() {
    // Declared safetensors, the content a scikit-learn joblib dump: judged as joblib (its
    // imports declared), and the false declaration is a finding.
    let (_tmp, run) =
        with_allowed(|t| t.replace("format = \"joblib\"", "format = \"safetensors\""));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        violations(&run),
        [(
            "model-format-findings".to_owned(),
            "Model::\"sklearn\"".to_owned()
        )]
    );
}
