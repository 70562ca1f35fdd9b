//! The decision core on its own, without the binary: scoping, default deny, fail closed,
//! waivers at their expiry boundary and partial waivers. Each test builds a pipeline from text,
//! runs the typed phases with no evidence and judges it with a handful of policies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use palisade_core::{Decision, Timestamp};
use palisade_policy::{Evaluation, PolicyFile, PolicyPack, Reason};

const PIPELINE: &str = r#"pipeline "p" {
  dataset "customers" { path = "customers.csv" labels = ["pii"] }
  dataset "weather"   { path = "weather.csv" }
  model "a" { path = "a.safetensors" }
  model "b" { path = "b.safetensors" }
  image "serving" { ref = "registry.example/serve@sha256:4f1c000000000000000000000000000000000000000000000000000000000000" }
  stage "train-a" { inputs = [dataset "customers"] outputs = [model "a"] }
  stage "train-b" { inputs = [dataset "weather"] outputs = [model "b"] }
  stage "pack"    { inputs = [model "a"] outputs = [image "serving"] }
  release "prod" {
    artifacts = [model "a", model "b", image "serving"]
    environment = "production"
    exposure = "public"
  }
  WAIVERS
}"#;

fn judge(waivers: &str, policies: &str, at: &str) -> Evaluation {
    let text = PIPELINE.replace("WAIVERS", waivers);
    let pipeline = palisade_syntax::parse_str(&text, "p.pal", Path::new("."), &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let graph = palisade_graph::DeclaredGraph::build(pipeline)
        .unwrap()
        .attach(palisade_graph::Evidence::default())
        .lineage();
    let pack = PolicyPack::load(vec![PolicyFile {
        name: "test.cedar".to_owned(),
        text: Arc::new(policies.to_owned()),
    }])
    .unwrap_or_else(|e| panic!("{e:?}"));
    palisade_policy::check_waivers(&graph.pipeline, &pack).unwrap();
    palisade_policy::check_entities(&graph.pipeline, &pack).unwrap();
    palisade_policy::evaluate(&graph, &pack, Timestamp::parse_rfc3339(at).unwrap()).unwrap()
}

const PERMIT_ALL: &str = "permit (principal, action, resource);\n";

const PII_PUBLIC: &str = r#"@id("pii-public")
@severity("critical")
@message("{resource} carries pii")
forbid (principal is Release, action == Action::"release", resource)
when { resource in Label::"pii" && context.exposure == "public" };
"#;

fn denied(evaluation: &Evaluation) -> Vec<(String, String)> {
    let mut v: Vec<_> = evaluation
        .violations
        .iter()
        .map(|v| (v.policy.clone(), v.resource.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn taint_flows_through_stages_and_only_tainted_artifacts_are_denied() {
    let e = judge(
        "",
        &format!("{PII_PUBLIC}{PERMIT_ALL}"),
        "2026-12-01T00:00:00Z",
    );
    assert_eq!(e.decision, Decision::Deny);
    assert_eq!(
        denied(&e),
        vec![
            ("pii-public".to_owned(), "Image::\"serving\"".to_owned()),
            ("pii-public".to_owned(), "Model::\"a\"".to_owned()),
        ],
        "model b derives from weather only"
    );
    let image = e
        .violations
        .iter()
        .find(|v| v.resource.contains("serving"))
        .unwrap();
    assert_eq!(
        image.path.first().map(String::as_str),
        Some("Dataset::\"customers\"")
    );
    assert_eq!(image.reason, Reason::Forbidden);
    assert_eq!(image.message, "image \"serving\" carries pii");
}

#[test]
fn a_policy_scoped_to_one_type_never_judges_another() {
    let policy = r#"@id("no-models")
forbid (principal, action == Action::"release", resource is Model);
permit (principal, action, resource);
"#;
    let e = judge("", policy, "2026-12-01T00:00:00Z");
    assert!(
        e.violations
            .iter()
            .all(|v| v.resource.starts_with("Model::"))
    );
    assert_eq!(e.violations.len(), 2);
}

#[test]
fn without_a_permit_every_request_is_denied_by_default() {
    let e = judge("", PII_PUBLIC, "2026-12-01T00:00:00Z");
    assert_eq!(e.decision, Decision::Deny);
    assert!(e.violations.iter().any(|v| v.reason == Reason::NoPermit));
    assert_eq!(e.summary.allowed, 0);
}

#[test]
fn a_policy_that_errors_fails_closed() {
    // Overflow is a runtime error Cedar's validator cannot rule out.
    let policy = r#"@id("overflow")
forbid (principal, action == Action::"release", resource is Model)
when { 9223372036854775807 + 1 > 0 };
permit (principal, action, resource);
"#;
    let e = judge("", policy, "2026-12-01T00:00:00Z");
    assert_eq!(e.decision, Decision::Deny);
    let errors: Vec<_> = e
        .violations
        .iter()
        .filter(|v| v.reason == Reason::PolicyError)
        .collect();
    assert_eq!(errors.len(), 2, "{:#?}", e.violations);
    assert!(errors.iter().all(|v| v.error.is_some()));
    assert_eq!(e.summary.errors, 2);
}

const WAIVER: &str = r#"waiver "w" {
    policy  = "pii-public"
    target  = model "a"
    expires = 2027-01-31
    reason  = "anonymised upstream (DPO-7)"
  }"#;

#[test]
fn a_waiver_covers_its_whole_last_day_and_nothing_after() {
    let policies = format!("{PII_PUBLIC}{PERMIT_ALL}");
    let last_second = judge(WAIVER, &policies, "2027-01-31T23:59:59Z");
    assert_eq!(last_second.waived.len(), 1);
    assert_eq!(last_second.waived[0].resource, "Model::\"a\"");
    assert!(last_second.warnings.iter().all(|w| !w.contains("expired")));

    let next_day = judge(WAIVER, &policies, "2027-02-01T00:00:00Z");
    assert!(next_day.waived.is_empty());
    assert!(
        next_day
            .violations
            .iter()
            .any(|v| v.resource == "Model::\"a\"")
    );
    assert!(
        next_day.warnings.iter().any(|w| w.contains("expired")),
        "{:?}",
        next_day.warnings
    );
}

#[test]
fn a_waiver_for_one_artifact_leaves_the_others_denied() {
    let e = judge(
        WAIVER,
        &format!("{PII_PUBLIC}{PERMIT_ALL}"),
        "2026-12-01T00:00:00Z",
    );
    assert_eq!(e.decision, Decision::Deny, "the image is still denied");
    assert_eq!(
        denied(&e),
        vec![("pii-public".to_owned(), "Image::\"serving\"".to_owned())]
    );
    assert_eq!(e.waived.len(), 1);
    assert_eq!(e.waived[0].waiver.as_ref().unwrap().name, "w");
}

#[test]
fn fully_waived_is_allowed_and_counted() {
    let both = format!(
        "{WAIVER}\n{}",
        WAIVER
            .replace("\"w\"", "\"w2\"")
            .replace("model \"a\"", "image \"serving\"")
    );
    let e = judge(
        &both,
        &format!("{PII_PUBLIC}{PERMIT_ALL}"),
        "2026-12-01T00:00:00Z",
    );
    assert_eq!(e.decision, Decision::Allow, "{:#?}", e.violations);
    assert_eq!(e.waived.len(), 2);
    assert_eq!(e.summary.waived, 2);
}

#[test]
fn decisions_do_not_depend_on_the_wall_clock() {
    let policies = format!("{PII_PUBLIC}{PERMIT_ALL}");
    let a = judge(WAIVER, &policies, "2027-01-15T00:00:00Z");
    let b = judge(WAIVER, &policies, "2027-01-15T00:00:00Z");
    assert_eq!(denied(&a), denied(&b));
    assert_eq!(a.summary, b.summary);
}
