//! End-to-end tests of gates that compose: team A's gate attests a model (`palisade attest`),
//! team B's pipeline declares it as a remote model with `summary = "…"`, and team B's gate
//! trusts it only when that verdict verifies against team B's declared key, names the model's
//! digest, says PASSED, is fresh enough and was judged with the pinned policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use super::{AT, palisade, violations};

/// The model team A ships, and its sha256 hex.
const WEIGHTS: &[u8] = b"team A base model v1";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Team A: a pipeline releasing a local model under its own policy (a permit, and when
/// `deny`, a forbid on releasing models), its key pair, and its verdict in `vsa.json`.
pub(crate) fn team_a(dir: &Path, deny: bool) {
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("models/base.safetensors"), WEIGHTS).unwrap();
    let mut policy = String::from("@id(\"allow-all\")\npermit (principal, action, resource);\n");
    if deny {
        policy.push_str(
            "@id(\"no-models\")\n@severity(\"high\")\n@message(\"{resource} may not ship\")\n\
             forbid (principal is Release, action == Action::\"release\", resource is Model);\n",
        );
    }
    std::fs::write(dir.join("policies/team-a.cedar"), policy).unwrap();
    std::fs::write(
        dir.join("pipeline.pal"),
        r#"pipeline "team-a" {
  policies = ["policies"]
  model "base" { path = "models/base.safetensors" format = "safetensors" }
  release "registry" { artifacts = [model "base"] environment = "production" exposure = "internal" }
}
"#,
    )
    .unwrap();
    let run = palisade(dir, &["keygen", "--out", "team-a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = palisade(
        dir,
        &[
            "attest",
            "--key",
            "team-a.key",
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, i32::from(deny), "{}", run.stderr);
}

/// The policy digest team A's verdict names (`sha256:<hex>`).
fn policy_digest(vsa: &Path) -> String {
    let bytes = std::fs::read(vsa).unwrap();
    let bundle = palisade_sigstore::bundle::parse(&bytes, "vsa.json").unwrap();
    let statement: serde_json::Value =
        serde_json::from_slice(&bundle.envelope().unwrap().payload).unwrap();
    format!(
        "sha256:{}",
        statement["predicate"]["policy"]["digest"]["sha256"]
            .as_str()
            .unwrap()
    )
}

/// Team B: team A's verdict and public key copied in, and a pipeline whose stage loads team
/// A's model by digest; `model` is the model block's extra attributes.
pub(crate) fn team_b(dir: &Path, team_a: &Path, model: &str) {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::create_dir_all(dir.join("verdicts")).unwrap();
    std::fs::copy(team_a.join("team-a.pub"), dir.join("keys/team-a.pub")).unwrap();
    std::fs::copy(team_a.join("vsa.json"), dir.join("verdicts/base.vsa.json")).unwrap();
    let digest = sha256_hex(WEIGHTS);
    std::fs::write(
        dir.join("pipeline.pal"),
        format!(
            r#"pipeline "team-b" {{
  key "team-a" {{ public_key = "keys/team-a.pub" }}
  model "base" {{
    uri    = "https://models.example/team-a/base.safetensors"
    digest = "sha256:{digest}"
    format = "safetensors"
    {model}
  }}
  stage "finetune" {{ inputs = [model "base"] }}
}}
"#
        ),
    )
    .unwrap();
}

/// Team B's gate (baseline) at `at`: the violations about team A's model.
fn judge(team_a_deny: bool, model: &str, at: &str) -> Vec<(String, String)> {
    let a = tempfile::tempdir().unwrap();
    team_a(a.path(), team_a_deny);
    let b = tempfile::tempdir().unwrap();
    team_b(
        b.path(),
        a.path(),
        &model.replace("{policy}", &policy_digest(&a.path().join("vsa.json"))),
    );
    let run = palisade(
        b.path(),
        &["evaluate", "--format", "json", "--at", at, "--no-lock"],
    );
    let found = violations(&run);
    assert!(
        run.code == 0 || run.code == 1,
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code == 0, found.is_empty(), "{}", run.stdout);
    found
        .into_iter()
        .filter(|(_, resource)| resource == "Model::\"base\"")
        .collect()
}

fn ids(found: &[(String, String)]) -> Vec<&str> {
    let mut ids: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    ids.sort_unstable();
    ids
}

pub(crate) const VERDICT: &str = r#"summary = "verdicts/base.vsa.json"
    signed_by = key "team-a""#;

#[test]
fn a_passed_verdict_from_team_a_lets_team_b_load_the_model() {
    assert_eq!(ids(&judge(false, VERDICT, AT)), Vec::<&str>::new());
}

#[test]
fn a_pinned_policy_and_a_max_age_that_hold_still_allow() {
    let model =
        format!("{VERDICT}\n    summary_policy = \"{{policy}}\"\n    summary_max_age = \"30d\"");
    assert_eq!(
        ids(&judge(false, &model, "2026-12-20T00:00:00Z")),
        Vec::<&str>::new()
    );
}

#[test]
fn a_remote_model_without_signature_or_verdict_is_unverified() {
    // Before summaries, nothing stopped a stage loading an unsigned remote model.
    assert_eq!(
        ids(&judge(false, "", AT)),
        vec!["remote-upstream-unverified"]
    );
}

#[test]
fn a_failed_verdict_denies() {
    assert_eq!(
        ids(&judge(true, VERDICT, AT)),
        vec!["remote-upstream-unverified", "summary-failed"]
    );
}

#[test]
fn a_verdict_about_other_bytes_denies() {
    let a = tempfile::tempdir().unwrap();
    team_a(a.path(), false);
    let b = tempfile::tempdir().unwrap();
    team_b(b.path(), a.path(), VERDICT);
    // Team B pins another digest than the one team A's gate judged.
    let text = std::fs::read_to_string(b.path().join("pipeline.pal")).unwrap();
    let text = text.replace(&sha256_hex(WEIGHTS), &"ab".repeat(32));
    std::fs::write(b.path().join("pipeline.pal"), text).unwrap();
    let run = palisade(
        b.path(),
        &["evaluate", "--format", "json", "--at", AT, "--no-lock"],
    );
    let found = violations(&run);
    assert_eq!(
        ids(&found),
        vec!["invalid-summary", "remote-upstream-unverified"]
    );
    let run = palisade(
        b.path(),
        &["explain", "--at", AT, "--no-lock", "model", "base"],
    );
    assert!(
        run.stdout.contains("the summary is about other artifacts"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn an_expired_verdict_denies() {
    let model = format!("{VERDICT}\n    summary_max_age = \"7d\"");
    assert_eq!(
        ids(&judge(false, &model, "2026-12-09T00:00:00Z")),
        vec!["invalid-summary", "remote-upstream-unverified"]
    );
}

#[test]
fn a_verdict_judged_with_another_policy_denies() {
    let model = format!(
        "{VERDICT}\n    summary_policy = \"sha256:{}\"",
        "00".repeat(32)
    );
    assert_eq!(
        ids(&judge(false, &model, AT)),
        vec!["invalid-summary", "remote-upstream-unverified"]
    );
}

#[test]
fn a_verdict_signed_by_another_key_denies() {
    let a = tempfile::tempdir().unwrap();
    team_a(a.path(), false);
    let b = tempfile::tempdir().unwrap();
    team_b(b.path(), a.path(), VERDICT);
    // Team B trusts another key under the name "team-a".
    let run = palisade(b.path(), &["keygen", "--out", "other"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::copy(b.path().join("other.pub"), b.path().join("keys/team-a.pub")).unwrap();
    let run = palisade(
        b.path(),
        &["evaluate", "--format", "json", "--at", AT, "--no-lock"],
    );
    assert_eq!(
        ids(&violations(&run)),
        vec!["invalid-summary", "remote-upstream-unverified"]
    );
}

#[test]
fn a_verdict_passed_off_as_a_signature_denies() {
    let model = r#"signature = "verdicts/base.vsa.json"
    signed_by = key "team-a""#;
    assert_eq!(
        ids(&judge(false, model, AT)),
        vec!["invalid-signature", "remote-upstream-unverified"]
    );
}

#[test]
fn a_bad_max_age_is_a_syntax_error() {
    let a = tempfile::tempdir().unwrap();
    team_a(a.path(), false);
    let b = tempfile::tempdir().unwrap();
    team_b(
        b.path(),
        a.path(),
        &format!("{VERDICT}\n    summary_max_age = \"30 days\""),
    );
    let run = palisade(b.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("palisade::syntax::invalid_duration"),
        "{}",
        run.stderr
    );
}

/// A folder of test cases: `policies/` with `policy`, and one case `tests/case.pal`.
fn test_folder(policy: &str, case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tests/policies")).unwrap();
    std::fs::write(dir.path().join("tests/policies/team.cedar"), policy).unwrap();
    std::fs::write(dir.path().join("tests/case.pal"), case).unwrap();
    dir
}

const CASE: &str = r#"// expect: deny no-models Model::"m"
pipeline "case" {
  policies = ["policies"]
  model "m" { uri = "https://models.example/m" digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111" }
  release "prod" { artifacts = [model "m"] environment = "production" exposure = "internal" }
}
"#;

#[test]
fn palisade_test_shows_the_evaluation_error_itself() {
    let dir = test_folder(
        "@id(\"no-models\")\nforbid (principal, action, resource) when { resource.no_such_attribute };\n",
        CASE,
    );
    let run = palisade(dir.path(), &["test", "tests"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // Before: "could not evaluate: … 1 error" and nothing about which error.
    assert!(run.stdout.contains("could not evaluate:"), "{}", run.stdout);
    assert!(run.stdout.contains("no_such_attribute"), "{}", run.stdout);
    assert!(run.stdout.contains("team.cedar"), "{}", run.stdout);
}

#[test]
fn palisade_test_says_which_policies_ran_and_hints_at_a_missing_one() {
    // The case's policy folder holds a permit only: the policy it expects is not loaded.
    let dir = test_folder(
        "@id(\"allow-all\")\npermit (principal, action, resource);\n",
        CASE,
    );
    let run = palisade(dir.path(), &["test", "tests"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("ran with: policies/team.cedar (1 policies)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hint: no loaded policy has the id no-models"),
        "{}",
        run.stdout
    );
    // With the policy loaded, the case passes.
    let dir = test_folder(
        "@id(\"allow-all\")\npermit (principal, action, resource);\n\
         @id(\"no-models\")\nforbid (principal is Release, action == Action::\"release\", resource is Model);\n",
        CASE,
    );
    let run = palisade(dir.path(), &["test", "tests"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}
