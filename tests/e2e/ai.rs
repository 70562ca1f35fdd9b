//! End-to-end tests of the AI evidence: exemption labels that only the pipeline file (or signed
//! evidence) can grant, every path a pipeline names is read, guardrail configurations judged,
//! red-team reports and differential-privacy claims backed by evidence.

use std::fs;
use std::path::Path;

use super::{AT, Run, palisade, root};

/// Writes `files` (path, bytes) under a fresh folder.
pub(crate) fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, bytes) in files {
        let to = dir.path().join(path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(to, bytes).expect("write");
    }
    dir
}

/// Copies a fixture (file or folder) from the repo into `to`.
pub(crate) fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        for entry in fs::read_dir(from).expect("read dir") {
            let entry = entry.expect("entry");
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::copy(from, to).expect("copy");
    }
}

pub(crate) fn evaluate_json(dir: &Path, pipeline: &str) -> Run {
    palisade(dir, &["evaluate", pipeline, "--at", AT, "--format", "json"])
}

/// The ids of the policies that denied.
pub(crate) fn denied(run: &Run) -> Vec<String> {
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}\nstdout: {}\nstderr: {}",
        run.code,
        run.stdout,
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    report["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| v["policy"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A CycloneDX BOM whose one `data` component is classified `classification`.
fn bom_classified(classification: &str) -> Vec<u8> {
    serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [{
            "type": "data",
            "name": "training-set",
            "data": [{"type": "dataset", "name": "training-set", "classification": classification}]
        }]
    })
    .to_string()
    .into_bytes()
}

const PII_PIPELINE: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  dataset "tickets" { path = "data/tickets.jsonl" labels = ["pii"] }
  model "m" { path = "m.safetensors" format = "safetensors" bom = "m.cdx.json" LABELS }
  stage "train" { inputs = [dataset "tickets"] outputs = [model "m"] }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "public" }
}
"#;

/// Item 9.3: an unsigned SBOM classifying the data "Differential Privacy" lifted the PII rule.
#[test]
fn an_unsigned_bom_cannot_claim_differential_privacy() {
    let pipeline = PII_PIPELINE.replace("LABELS", "");
    let dir = folder(&[
        ("pipeline.pal", pipeline.as_bytes()),
        ("data/tickets.jsonl", b"{\"email\": \"a@b.example\"}\n"),
        ("m.safetensors", b"not read"),
        ("m.cdx.json", &bom_classified("Differential Privacy")),
    ]);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == "pii-public-release"), "{found:?}");
}

/// Item 9.3: an unsigned SBOM classifying the data "allow pickle" lifted the pickle rule.
#[test]
fn an_unsigned_bom_cannot_allow_a_pickle() {
    let pickle = fs::read(root().join("tests/fixtures/pickles/safe_dict.pkl")).expect("pickle");
    let dir = folder(&[
        (
            "pipeline.pal",
            br#"pipeline "p" {
  policies = ["@baseline"]
  model "m" { path = "m.pkl" bom = "m.cdx.json" }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "internal" }
}
"#,
        ),
        ("m.pkl", &pickle),
        ("m.cdx.json", &bom_classified("allow pickle")),
    ]);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(
        found.iter().any(|p| p == "unsafe-model-format"),
        "{found:?}"
    );
    // The pipeline file is reviewed code: there the label still lifts the rule.
    fs::write(
        dir.path().join("pipeline.pal"),
        br#"pipeline "p" {
  policies = ["@baseline"]
  model "m" { path = "m.pkl" bom = "m.cdx.json" labels = ["allow-pickle"] }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "internal" }
}
"#,
    )
    .expect("write");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(
        !found.iter().any(|p| p == "unsafe-model-format"),
        "{found:?}"
    );
}

/// A public LLM serving stage with `guardrails = GUARDRAILS`.
const SERVING_PIPELINE: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  model "chat" { uri = "hf://acme/chat-7b" digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333" labels = ["llm"] }
  image "api" { ref = "registry.example/api@sha256:bf601d0c00972e33504447069e8bf00937bedacadcc19f7f53bf3a89926c1be0" }
  stage "serve" { inputs = [model "chat"] outputs = [image "api"] GUARDRAILS }
  release "web" { artifacts = [image "api"] environment = "production" exposure = "public" }
}
"#;

fn serving(guardrails: &str) -> tempfile::TempDir {
    let text = SERVING_PIPELINE.replace("GUARDRAILS", guardrails);
    folder(&[("pipeline.pal", text.as_bytes())])
}

fn nemo(config: &str, dir: &Path) {
    copy(
        &root().join("tests/fixtures/ai/nemoguardrails").join(config),
        &dir.join("config"),
    );
}

/// Item 9.8: a guardrails file that does not exist passed `check`.
#[test]
fn a_missing_guardrails_file_is_exit_2_at_its_declaration() {
    let dir = serving(r#"guardrails = "does/not/exist.yaml""#);
    for command in ["check", "evaluate"] {
        let run = palisade(dir.path(), &[command, "pipeline.pal", "--at", AT]);
        assert_eq!(run.code, 2, "{command}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("does/not/exist.yaml"), "{}", run.stderr);
        assert!(run.stderr.contains("pipeline.pal:5:"), "{}", run.stderr);
        assert!(run.stderr.contains("guardrails"), "{}", run.stderr);
    }
}

/// Item 12.1: a file that is no guardrails configuration (what the old examples held) is
/// exit 2, not a pass.
#[test]
fn an_unknown_guardrails_config_is_exit_2() {
    let dir = serving(r#"guardrails = "guardrails.yaml""#);
    fs::write(
        dir.path().join("guardrails.yaml"),
        "input_filters: [prompt-injection]\noutput_filters: [pii]\n",
    )
    .expect("write");
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("guardrails.yaml"), "{}", run.stderr);
    fs::write(dir.path().join("guardrails.txt"), "anything").expect("write");
    let dir2 = serving(r#"guardrails = "g.txt""#);
    fs::write(dir2.path().join("g.txt"), "anything").expect("write");
    let run = palisade(dir2.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    // A configuration NeMo itself refuses (a rail flow that does not exist) is refused too.
    let dir3 = serving(r#"guardrails = "config""#);
    nemo("config-unknown-flow", dir3.path());
    let run = palisade(dir3.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
}

/// Item 12.1: guardrails that exist but do not check for prompt injection on input and PII on
/// output passed the baseline (it only asked whether `guardrails` was declared).
#[test]
fn guardrails_are_judged_by_what_they_check() {
    let rule = "llm-public-guardrail-checks";
    // NeMo: jailbreak + moderation on input, moderation on output: no PII check on output.
    let dir = serving(r#"guardrails = "config""#);
    nemo("config-protected", dir.path());
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // NeMo: jailbreak heuristics on input, sensitive-data detection on output.
    let dir = serving(r#"guardrails = "config""#);
    nemo("config-pii", dir.path());
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    assert!(
        !found.iter().any(|p| p == "llm-public-guardrails"),
        "{found:?}"
    );
    // NeMo rails with no entities do nothing: not enforced.
    let dir = serving(r#"guardrails = "config""#);
    nemo("config-pii-no-entities", dir.path());
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // Guardrails AI: a guard whose every validator only logs (`noop`) checks nothing.
    let dir = serving(r#"guardrails = "guard.json""#);
    copy(
        &root().join("tests/fixtures/ai/guardrails/audit-only-guard.json"),
        &dir.path().join("guard.json"),
    );
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // The facts are shown by `explain`.
    let dir = serving(r#"guardrails = "config""#);
    nemo("config-pii", dir.path());
    let run = palisade(
        dir.path(),
        &["explain", "stage", "serve", "--at", AT, "--json"],
    );
    assert!(run.stdout.contains("nemo-guardrails"), "{}", run.stdout);
}

/// A public LLM serving stage with real guardrails and `redteam = [report]`, `settings` at the
/// pipeline level.
fn redteamed(report: &str, fixture: &str, settings: &str) -> tempfile::TempDir {
    let text = SERVING_PIPELINE
        .replace(
            "GUARDRAILS",
            &format!(r#"guardrails = "config" redteam = ["{report}"]"#),
        )
        .replace(
            "policies = [\"@baseline\"]",
            &format!("policies = [\"@baseline\"]\n  {settings}"),
        );
    let dir = folder(&[("pipeline.pal", text.as_bytes())]);
    nemo("config-pii", dir.path());
    copy(
        &root().join("tests/fixtures/ai").join(fixture),
        &dir.path().join(report),
    );
    dir
}

/// Item 12.2: a public LLM whose red-team run shows attacks getting through (or no run at all)
/// was released.
#[test]
fn a_public_llm_needs_a_red_team_report_that_held() {
    let rule = "llm-public-redteam";
    // No report at all.
    let dir = serving(r#"guardrails = "config""#);
    nemo("config-pii", dir.path());
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // garak against an echoing target: 17 of 18 attacks got through.
    let dir = redteamed("garak.report.jsonl", "garak/garak-fail.report.jsonl", "");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // garak against a refusing target: 0 of 18.
    let dir = redteamed(
        "garak.report.jsonl",
        "garak/garak-pass-refusal.report.jsonl",
        "",
    );
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    // promptfoo with half the attempts errored: inconclusive, never a pass.
    let dir = redteamed(
        "results.json",
        "promptfoo/redteam-owasp/promptfoo-owasp-errors.results.json",
        "max_attack_success = 1.0",
    );
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    // The red-team facts are on the stage.
    let run = palisade(
        dir.path(),
        &["explain", "stage", "serve", "--at", AT, "--json"],
    );
    assert!(run.stdout.contains("promptfoo"), "{}", run.stdout);
}

/// Item 12.2: `max_attack_success` is the bar. garak against an empty-reply target: 1 hit of 18
/// (5.6 %), over the default 5 %, within 6 %.
#[test]
fn max_attack_success_sets_the_bar() {
    let rule = "llm-public-redteam";
    let fixture = "garak/garak-pass.report.jsonl";
    let dir = redteamed("garak.report.jsonl", fixture, "");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    let dir = redteamed("garak.report.jsonl", fixture, "max_attack_success = 0.06");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    // Not a ratio: exit 2 at the setting.
    let dir = redteamed("garak.report.jsonl", fixture, "max_attack_success = 1.5");
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("max_attack_success"), "{}", run.stderr);
}

/// Item 12.2: a red-team file that is no report (garak's hitlog) is exit 2.
#[test]
fn an_unreadable_red_team_report_is_exit_2() {
    let dir = redteamed("garak.report.jsonl", "garak/garak-fail.hitlog.jsonl", "");
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("redteam"), "{}", run.stderr);
}

/// Item 6: rag-assistant's ALLOW rests on its guardrail configuration and red-team report;
/// take either away and it is a DENY that says why.
#[test]
fn rag_assistant_allow_rests_on_its_ai_evidence() {
    let example = root().join("examples/rag-assistant");
    let run = evaluate_json(&example, "pipeline.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = fs::read_to_string(example.join("pipeline.pal")).expect("read");
    let cases = [
        (
            "redteam     = [\"redteam/garak.report.jsonl\"]",
            "",
            "llm-public-redteam",
        ),
        // The record of the red-team run that links the report to the models' digests.
        (
            "attestation = \"attestations/redteam.intoto.json\"",
            "",
            "llm-redteam-unlinked",
        ),
        (
            "guardrails  = \"config/guardrails\"",
            "",
            "llm-public-guardrails",
        ),
    ];
    for (line, with, rule) in cases {
        assert!(text.contains(line), "{line}");
        let dir = tempfile::tempdir().expect("tmp");
        copy(&example, dir.path());
        fs::write(dir.path().join("pipeline.pal"), text.replace(line, with)).expect("write");
        let run = evaluate_json(dir.path(), "pipeline.pal");
        assert_eq!(run.code, 1, "without {line}: {}", run.stderr);
        let found = denied(&run);
        assert!(found.iter().any(|p| p == rule), "without {line}: {found:?}");
    }
    // A weaker configuration (no PII check on output) in place of the real one: DENY.
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    fs::remove_dir_all(dir.path().join("config/guardrails")).expect("rm");
    copy(
        &root().join("tests/fixtures/ai/nemoguardrails/config-protected"),
        &dir.path().join("config/guardrails"),
    );
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(
        found.iter().any(|p| p == "llm-public-guardrail-checks"),
        "{found:?}"
    );
    // The report swapped for a failing run: DENY.
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    copy(
        &root().join("tests/fixtures/ai/garak/garak-fail.report.jsonl"),
        &dir.path().join("redteam/garak.report.jsonl"),
    );
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == "llm-public-redteam"), "{found:?}");
}

/// The attack: swap the example's red-team report for garak's passing run against a stand-in
/// that refuses everything (what rag-assistant itself shipped before this check). The report
/// passes on its own terms, but it tested no model of this pipeline: before, ALLOW.
#[test]
fn attack_a_passing_red_team_report_of_a_stand_in_target_is_unlinked() {
    let example = root().join("examples/rag-assistant");
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    copy(
        &root().join("tests/fixtures/ai/garak/garak-pass-refusal.report.jsonl"),
        &dir.path().join("redteam/garak.report.jsonl"),
    );
    let run = evaluate_json(dir.path(), "pipeline.pal");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = denied(&run);
    assert!(
        found.iter().any(|p| p == "llm-redteam-unlinked"),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|p| p == "llm-public-redteam"),
        "the report itself passes: {found:?}"
    );
    let text = super::palisade(
        dir.path(),
        &["explain", "stage", "serve", "--at", super::AT],
    )
    .stdout;
    assert!(
        text.contains("unlinked:      report sha256:") && text.contains("is linked to no model"),
        "{text}"
    );
}
