//! End-to-end tests of issue 12 items 3 and 4 and the example: a differential-privacy label
//! counts only with a signed ML-BOM model card, the robustness rule reads the metric's value,
//! `declassifies = ["pii"]` counts only with a clean Presidio scan of the stage's output, and
//! rag-assistant's ALLOW rests on each piece of its AI evidence.

use std::fs;

use super::ai::{copy, denied, evaluate_json, folder};
use super::{palisade, root};

/// rag-assistant with `line` replaced by `with`: the policies that deny.
fn rag_without(line: &str, with: &str) -> Vec<String> {
    let example = root().join("examples/rag-assistant");
    let text = fs::read_to_string(example.join("pipeline.pal")).expect("read");
    assert!(text.contains(line), "{line}");
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    fs::write(dir.path().join("pipeline.pal"), text.replace(line, with)).expect("write");
    let run = evaluate_json(dir.path(), "pipeline.pal");
    assert_eq!(run.code, 1, "without {line}: {}", run.stderr);
    denied(&run)
}

/// Item 3 and the example: the adapter's DP claim is evidence only with its ML-BOM signed.
/// Before, the `differential-privacy` label alone lifted `pii-public-release`.
#[test]
fn rag_assistant_dp_needs_the_signed_ml_bom() {
    let example = root().join("examples/rag-assistant");
    let run = evaluate_json(&example, "pipeline.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let found = rag_without(
        "    bom_signature = \"sbom/support-lora.mlbom.sig.json\"   // the release key signs that ML-BOM\n",
        "",
    );
    assert!(
        found.iter().any(|p| p == "dp-claim-not-evidenced"),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|p| *p == "pii-public-release").count(),
        2,
        "the adapter and the image it flows into: {found:?}"
    );
    // The explanation says why.
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    let text = fs::read_to_string(example.join("pipeline.pal")).expect("read");
    fs::write(
        dir.path().join("pipeline.pal"),
        text.replace("bom_signature = \"sbom/support-lora.mlbom.sig.json\"", ""),
    )
    .expect("write");
    let run = palisade(
        dir.path(),
        &["explain", "pipeline.pal", "model", "support-lora"],
    );
    assert!(
        run.stdout.contains("DP ε 7.03 · DP evidenced false")
            && run.stdout.contains("claimed, not evidenced"),
        "{}",
        run.stdout
    );
}

/// Item 3: a signature over another file (the SBOM of the app) is no signature of the ML-BOM.
#[test]
fn a_bom_signature_over_another_file_is_no_evidence() {
    let example = root().join("examples/rag-assistant");
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    // The image's cosign signature: valid, by the release key, over the image digest.
    fs::copy(
        example.join("attestations/rag-serve.sig.json"),
        dir.path().join("sbom/support-lora.mlbom.sig.json"),
    )
    .expect("copy");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(
        found.iter().any(|p| p == "dp-claim-not-evidenced"),
        "{found:?}"
    );
}

/// Item 3: the robustness rule reads the value. rag-assistant's adapter reports 0.2327, which
/// its pipeline accepts with `min_robustness = 0.2`; the default bar (0.5) denies it. Before,
/// the metric's presence passed.
#[test]
fn rag_assistant_robustness_is_judged_by_its_value() {
    let found = rag_without("  min_robustness = 0.2\n", "");
    assert_eq!(found, ["robustness-metric"], "{found:?}");
}

const DEIDENTIFY: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  dataset "customers" { path = "data/customers.csv" labels = ["pii"] }
  dataset "customers-anon" { path = "data/customers.deidentified.csv" }
  model "m" { path = "m.safetensors" format = "safetensors" }
  stage "deidentify" { inputs = [dataset "customers"] outputs = [dataset "customers-anon"] DECLASSIFY }
  stage "train" { inputs = [dataset "customers-anon"] outputs = [model "m"] }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "public" }
}
"#;

/// A pipeline whose de-identification stage declares `declassify`, with the real CSVs and
/// Presidio scans of tests/fixtures/ai/pii.
fn deidentified(declassify: &str) -> tempfile::TempDir {
    let pii = root().join("tests/fixtures/ai/pii");
    let read = |name: &str| fs::read(pii.join(name)).expect("fixture");
    folder(&[
        (
            "pipeline.pal",
            DEIDENTIFY.replace("DECLASSIFY", declassify).as_bytes(),
        ),
        ("data/customers.csv", &read("customers.csv")),
        (
            "data/customers.deidentified.csv",
            &read("customers.deidentified.csv"),
        ),
        ("m.safetensors", b"not read"),
        (
            "scans/clean.json",
            &read("customers.deidentified.scan.json"),
        ),
        ("scans/dirty.json", &read("customers.scan.json")),
    ])
}

/// Item 4: with a clean Presidio scan of its output, `declassifies = ["pii"]` stops the label;
/// with a scan that still finds e-mails and card numbers, or with none, the claim is ignored
/// (and `explain` reports it).
#[test]
fn declassification_needs_a_clean_pii_scan() {
    let rule = "pii-public-release";
    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "scans/clean.json""#);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    let run = palisade(
        dir.path(),
        &["explain", "pipeline.pal", "stage", "deidentify"],
    );
    assert!(
        run.stdout.contains("declassifies:  pii (evidenced)"),
        "{}",
        run.stdout
    );

    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "scans/dirty.json""#);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    let run = palisade(
        dir.path(),
        &["explain", "pipeline.pal", "stage", "deidentify"],
    );
    assert!(
        run.stdout
            .contains("claimed, not evidenced: the PII scan still finds")
            && run.stdout.contains("CREDIT_CARD, EMAIL_ADDRESS"),
        "{}",
        run.stdout
    );

    let dir = deidentified(r#"declassifies = ["pii"]"#);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");

    // Only `pii` has an evidence reader: another label's claim is ignored.
    let dir = deidentified(r#"declassifies = ["pii", "financial"] pii_scan = "scans/clean.json""#);
    let run = palisade(
        dir.path(),
        &["explain", "pipeline.pal", "stage", "deidentify"],
    );
    assert!(
        run.stdout
            .contains("declassifies \\\"financial\\\": claimed, not evidenced")
            || run
                .stdout
                .contains("declassifies \"financial\": claimed, not evidenced"),
        "{}",
        run.stdout
    );
}

/// Item 4: a scan that is not Presidio's JSON is exit 2 at the declaration.
#[test]
fn an_unreadable_pii_scan_is_exit_2() {
    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "data/customers.csv""#);
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("pii_scan"), "{}", run.stderr);
}
