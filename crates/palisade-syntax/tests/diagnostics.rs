//! Every diagnostic, rendered as the user sees it (miette, unicode, no colour, 100 columns).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme};
use palisade_syntax::{Diagnostics, LoadOptions, parse_str};

fn render(diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, diagnostics)
        .unwrap();
    out
}

fn errors_in(text: &str) -> Diagnostics {
    errors_in_dir(text, Path::new("."))
}

fn errors_in_dir(text: &str, dir: &Path) -> Diagnostics {
    match parse_str(text, "pipeline.pal", dir, &LoadOptions::default()) {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(diagnostics) => diagnostics,
    }
}

/// The codes of all errors, to assert on alongside the snapshot.
fn codes(diagnostics: &Diagnostics) -> Vec<String> {
    use miette::Diagnostic;
    diagnostics
        .errors()
        .iter()
        .map(|e| e.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

#[test]
fn syntax_error() {
    let d = errors_in("pipeline \"p\" {\n  owner \"team@example.com\"\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::parse"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn syntax_error_missing_equals() {
    let d = errors_in("pipeline \"p\" {\n  dataset \"d\" {\n    path \"d.csv\"\n  }\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::parse"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn syntax_error_equals_or_block() {
    let d = errors_in("pipeline \"p\" {\n  owner\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::parse"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn unterminated_string() {
    let d = errors_in(
        "pipeline \"p\" {\n  owner = \"team@example.com\n  policies = [\"@baseline\"]\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::unterminated_string"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn bad_escape() {
    let d = errors_in("pipeline \"p\" {\n  owner = \"C:\\temp\\x\"\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::invalid_escape"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn unknown_kind() {
    let d = errors_in("pipeline \"p\" {\n  datset \"transactions\" { path = \"t.csv\" }\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::unknown_kind"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn unknown_attribute() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"d\" {\n    path   = \"d.csv\"\n    lables = [\"pii\"]\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::unknown_attribute"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn attribute_of_another_kind() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"d\" { path = \"d.csv\" format = \"csv\" }\n  model \"m\" { path = \"m\" vault = \"kv/x\" }\n}\n",
    );
    assert_eq!(
        codes(&d),
        [
            "palisade::syntax::unknown_attribute",
            "palisade::syntax::unknown_attribute"
        ]
    );
    insta::assert_snapshot!(render(&d));
}

#[test]
fn wrong_value_type() {
    let d = errors_in(
        "pipeline \"p\" {\n  model \"m\" { path = \"m\" }\n  stage \"train\" {\n    outputs = \"m\"\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::wrong_type"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn a_reference_written_as_a_string_gets_an_example_of_its_own_kind() {
    // `key = "k"` on an identity: the help shows a key reference, not an image.
    let d = errors_in(
        "pipeline \"p\" {\n  key \"k\" { public_key = \"k.pub\" }\n  identity \"i\" { key = \"k\" }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::wrong_type"]);
    let text = render(&d);
    assert!(
        text.contains("write it as `key = key \"release\"`"),
        "{text}"
    );
}

#[test]
fn quoted_date() {
    let d = errors_in(
        "pipeline \"p\" {\n  waiver \"w\" {\n    policy  = \"x\"\n    expires = \"2027-01-31\"\n    reason  = \"y\"\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::wrong_type"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn duplicate_name() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"d\" { path = \"a.csv\" }\n  model \"d\" { path = \"m\" }\n  dataset \"d\" { path = \"b.csv\" }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::duplicate_name"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn duplicate_attribute() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"d\" {\n    path = \"a.csv\"\n    path = \"b.csv\"\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::duplicate_attribute"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn undeclared_reference() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"transactions\" { path = \"t.csv\" }\n  stage \"train\" {\n    inputs = [dataset \"transaction\"]\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::undeclared"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn undeclared_reference_declared_under_another_kind() {
    let d = errors_in(
        "pipeline \"p\" {\n  dataset \"fraud\" { path = \"f.csv\" }\n  stage \"train\" {\n    inputs = [model \"fraud\"]\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::undeclared"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn wrong_reference_kind() {
    let d = errors_in(
        "pipeline \"p\" {\n  key \"x\" { public_key = \"x.pub\" }\n  stage \"train\" {\n    outputs = [key \"x\"]\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::wrong_reference_kind"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn path_escapes_through_dot_dot() {
    let d =
        errors_in("pipeline \"p\" {\n  dataset \"d\" { path = \"data/../../secrets.csv\" }\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::path_escapes"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn absolute_path() {
    let d = errors_in("pipeline \"p\" {\n  key \"k\" { public_key = \"/etc/ssl/k.pub\" }\n}\n");
    assert_eq!(codes(&d), ["palisade::syntax::path_escapes"]);
    insta::assert_snapshot!(render(&d));
}

#[cfg(unix)]
#[test]
fn symlink_escapes() {
    let inside = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), inside.path().join("evidence")).unwrap();
    let d = errors_in_dir(
        "pipeline \"p\" {\n  code \"app\" {\n    path = \"src\"\n    sast = [\"evidence/bandit.sarif\"]\n  }\n}\n",
        inside.path(),
    );
    assert_eq!(codes(&d), ["palisade::syntax::symlink_escapes"]);
    let outside = outside.path().canonicalize().unwrap();
    let rendered = render(&d).replace(&outside.display().to_string(), "[OUTSIDE]");
    insta::assert_snapshot!(rendered);
}

#[test]
fn invalid_date() {
    let d = errors_in(
        "pipeline \"p\" {\n  waiver \"w\" {\n    policy  = \"x\"\n    expires = 2027-02-30\n    reason  = \"y\"\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::invalid_date"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn release_without_artifacts() {
    let d = errors_in(
        "pipeline \"p\" {\n  release \"prod\" {\n    environment = \"production\"\n    exposure    = \"public\"\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["palisade::syntax::no_artifacts"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn missing_pipeline_block() {
    for (text, label) in [
        ("", "empty"),
        ("// only a comment\n/* and another */\n", "comments"),
        ("dataset \"d\" { path = \"d.csv\" }\n", "other_block"),
        ("pipline \"p\" {}\n", "typo"),
        ("owner = \"x\"\n", "attribute"),
    ] {
        let d = errors_in(text);
        assert_eq!(codes(&d), ["palisade::syntax::missing_pipeline"], "{label}");
        insta::assert_snapshot!(format!("missing_pipeline_{label}"), render(&d));
    }
}

#[test]
fn two_pipeline_blocks_and_stray_items() {
    let d = errors_in("pipeline \"a\" {}\npipeline \"b\" {}\nowner = \"x\"\n");
    assert_eq!(
        codes(&d),
        [
            "palisade::syntax::extra_pipeline",
            "palisade::syntax::outside_pipeline"
        ]
    );
    insta::assert_snapshot!(render(&d));
}

#[test]
fn missing_required_attributes() {
    let d = errors_in(
        "pipeline \"p\" {\n  key \"k\" {}\n  secret \"s\" {}\n  model \"m\" { path = \"m\" }\n  release \"r\" { artifacts = [model \"m\"] }\n  waiver \"w\" {}\n}\n",
    );
    assert_eq!(
        codes(&d),
        vec!["palisade::syntax::missing_attribute"; 7],
        "{}",
        render(&d)
    );
    insta::assert_snapshot!(render(&d));
}

#[test]
fn invalid_values() {
    let d = errors_in(
        "pipeline \"p\" {\n  policies = [\"@base\", \"policies\"]\n  image \"i\" {\n    ref    = \"r.example/i\"\n    digest = \"sha256:ABC\"\n  }\n  code \"c\" { path = \"src\" uri = \"git://x\" }\n  release \"r\" { artifacts = [] environment = \"prod\" exposure = \"pubic\" }\n  dataset \"\" {}\n}\n",
    );
    assert_eq!(
        codes(&d),
        [
            "palisade::syntax::invalid_name",
            "palisade::syntax::unknown_policy_pack",
            "palisade::syntax::invalid_digest",
            "palisade::syntax::conflicting_attributes",
            "palisade::syntax::no_artifacts",
            "palisade::syntax::invalid_exposure",
        ]
    );
    insta::assert_snapshot!(render(&d));
}

#[test]
fn digest_mismatch_with_ref() {
    let a = "a".repeat(64);
    let b = "b".repeat(64);
    let d = errors_in(&format!(
        "pipeline \"p\" {{\n  image \"i\" {{\n    ref    = \"r.example/i@sha256:{a}\"\n    digest = \"sha256:{b}\"\n  }}\n}}\n"
    ));
    assert_eq!(codes(&d), ["palisade::syntax::digest_mismatch"]);
    insta::assert_snapshot!(render(&d));
}

#[test]
fn several_errors_at_once() {
    let d = errors_in(
        r#"pipeline "fraud" {
  policies = ["@baseline"]
  datset "transactions" { path = "t.csv" }
  model "fraud-xgb" {
    path   = "../models/fraud"
    fromat = "safetensors"
  }
  stage "train" {
    runs_as = identity "trainer"
    inputs  = [dataset "transactions"]
    outputs = [model "fraud-xbg"]
  }
  release "prod" { artifacts = [model "fraud-xgb"] environment = "production" exposure = "public" }
  waiver "w" { policy = "x" expires = 2027-13-01 reason = "r" }
}
"#,
    );
    assert_eq!(
        codes(&d),
        [
            "palisade::syntax::unknown_kind",
            "palisade::syntax::unknown_attribute",
            "palisade::syntax::path_escapes",
            "palisade::syntax::undeclared",
            "palisade::syntax::undeclared",
            "palisade::syntax::undeclared",
            "palisade::syntax::invalid_date",
        ]
    );
    insta::assert_snapshot!(render(&d));
}

#[test]
fn invalid_vulnerability_threshold_suggests_a_severity() {
    let d = errors_in(
        "pipeline \"p\" {\n  vulnerability_threshold = \"hihg\"\n  denied_licenses = [\"AGPL-3.0-only\", 3]\n}\n",
    );
    assert_eq!(
        codes(&d),
        [
            "palisade::syntax::invalid_threshold",
            "palisade::syntax::wrong_type",
        ]
    );
    insta::assert_snapshot!(render(&d));
}
