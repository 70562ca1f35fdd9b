//! End-to-end tests of evidence: the examples' verdicts, tampering detected through the lock and
//! signatures, `lock` and `hash`, and unusable evidence (exit 2 naming the file and the reason).

use std::fs;
use std::path::{Path, PathBuf};

use super::copy_dir;
use super::{AT, Run, palisade, root, violations};

/// A scratch copy of an example, to tamper with.
fn copy_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join(name);
    copy_dir(&root().join("examples").join(name), &to);
    (dir, to)
}

fn has(list: &[(String, String)], policy: &str, resource: &str) -> bool {
    list.iter().any(|(p, r)| p == policy && r == resource)
}

fn evaluate_json(dir: &Path) -> Run {
    palisade(dir, &["evaluate", "--at", AT, "--format", "json"])
}

#[test]
fn fraud_detection_example_verdict() {
    let dir = root().join("examples/fraud-detection");
    let run = palisade(&dir, &["evaluate", "--at", AT]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn rag_assistant_example_verdict() {
    let dir = root().join("examples/rag-assistant");
    let run = palisade(&dir, &["evaluate", "--at", AT]);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn examples_are_evaluated_on_their_evidence() {
    let dir = root().join("examples/fraud-detection");
    let run = evaluate_json(&dir);
    let found = violations(&run);
    // The signed, locked model passes the signature and integrity rules…
    assert!(
        !has(&found, "released-signed", "Model::\"fraud-xgb\""),
        "{found:?}"
    );
    assert!(
        !has(&found, "integrity-mismatch", "Model::\"fraud-xgb\""),
        "{found:?}"
    );
    // …and the real urllib3 CVE in the serving SBOM is what the waiver covers.
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let waived: Vec<&str> = report["waived"]
        .as_array()
        .expect("waived")
        .iter()
        .filter_map(|w| w["policy"].as_str())
        .collect();
    assert!(
        waived.contains(&"no-critical-vulnerabilities"),
        "{waived:?}"
    );
}

#[test]
fn a_changed_dataset_is_a_mismatch_and_breaks_its_provenance() {
    let (_tmp, dir) = copy_example("fraud-detection");
    let data = dir.join("data/transactions.csv");
    let mut bytes = fs::read(&data).expect("read");
    bytes.extend_from_slice(b"9999,0.0,poisoned,1\n");
    fs::write(&data, bytes).expect("write");
    let found = violations(&evaluate_json(&dir));
    assert!(
        has(&found, "integrity-mismatch", "Dataset::\"transactions\""),
        "{found:?}"
    );
    assert!(
        has(&found, "invalid-provenance", "Dataset::\"transactions\""),
        "{found:?}"
    );

    let lock = palisade(&dir, &["lock", "--check"]);
    assert_eq!(lock.code, 1, "{}", lock.stderr);
    assert!(
        lock.stdout.contains("~ dataset transactions"),
        "{}",
        lock.stdout
    );
    // Re-locking pins the new bytes; the provenance still names the old ones.
    let relock = palisade(&dir, &["lock"]);
    assert_eq!(relock.code, 0, "{}", relock.stderr);
    let found = violations(&evaluate_json(&dir));
    assert!(
        !has(&found, "integrity-mismatch", "Dataset::\"transactions\""),
        "{found:?}"
    );
    assert!(
        has(&found, "invalid-provenance", "Dataset::\"transactions\""),
        "{found:?}"
    );
}

#[test]
fn a_changed_model_file_invalidates_its_signature() {
    let (_tmp, dir) = copy_example("fraud-detection");
    fs::write(
        dir.join("models/fraud-xgb/config.json"),
        b"{\"tampered\": true}\n",
    )
    .expect("write");
    let found = violations(&evaluate_json(&dir));
    assert!(
        has(&found, "invalid-signature", "Model::\"fraud-xgb\""),
        "{found:?}"
    );
    assert!(
        has(&found, "integrity-mismatch", "Model::\"fraud-xgb\""),
        "{found:?}"
    );
    let explain = palisade(&dir, &["explain", "model", "fraud-xgb", "--at", AT]);
    assert!(explain.stdout.contains("config.json"), "{}", explain.stdout);
}

#[test]
fn an_extra_file_in_a_signed_model_fails_like_model_signing_verify() {
    let (_tmp, dir) = copy_example("fraud-detection");
    fs::write(dir.join("models/fraud-xgb/extra.bin"), b"not signed").expect("write");
    let found = violations(&evaluate_json(&dir));
    assert!(
        has(&found, "invalid-signature", "Model::\"fraud-xgb\""),
        "{found:?}"
    );
}

#[test]
fn no_lock_makes_everything_unpinned_and_lock_requires_one() {
    let dir = root().join("examples/fraud-detection");
    let found = violations(&palisade(
        &dir,
        &["evaluate", "--at", AT, "--format", "json", "--no-lock"],
    ));
    assert!(
        has(&found, "released-lineage-pinned", "Model::\"fraud-xgb\""),
        "{found:?}"
    );

    let (_tmp, copy) = copy_example("fraud-detection");
    fs::remove_file(copy.join("palisade.lock")).expect("rm");
    let run = palisade(&copy, &["evaluate", "--at", AT, "--lock"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("palisade.lock"), "{}", run.stderr);
    assert!(run.stderr.contains("palisade lock"), "{}", run.stderr);
}

#[test]
fn hash_prints_blake3_and_sha256_like_model_signing() {
    let dir = root().join("tests/fixtures/hash");
    let run = palisade(&dir, &["hash", "tricky-order", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ours: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let entry = &ours["tricky-order"];
    // The reference digests were written by model_signing 1.1.1 (see the fixture's README).
    let reference: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.join("tricky-order.sha256.json")).expect("fixture"),
    )
    .expect("json");
    let text = reference.to_string();
    for file in entry["files"].as_array().expect("files") {
        let sha = file["sha256"].as_str().expect("sha256");
        assert!(
            text.contains(sha),
            "{sha} of {} not in the reference",
            file["path"]
        );
    }
    let missing = palisade(&dir, &["hash", "no-such-file"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no-such-file"),
        "{}",
        missing.stderr
    );
}

/// Replaces one evidence file of a fraud-detection copy and evaluates it.
fn with_evidence(file: &str, bytes: &[u8]) -> Run {
    let (_tmp, dir) = copy_example("fraud-detection");
    fs::write(dir.join(file), bytes).expect("write");
    evaluate_json(&dir)
}

fn assert_unusable(run: &Run, file: &str, reason: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no report on unusable input: {}",
        run.stdout
    );
    assert!(run.stderr.contains(file), "names {file}: {}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains(&reason.to_lowercase()),
        "says {reason:?}: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn truncated_sbom_is_exit_2_with_the_place() {
    let full = fs::read(root().join("examples/fraud-detection/sbom/app.cdx.json")).expect("read");
    let run = with_evidence("sbom/app.cdx.json", &full[..full.len() / 2]);
    assert_unusable(&run, "sbom/app.cdx.json", "EOF");
    let rendered = run.stderr.replace('\r', "");
    insta::assert_snapshot!(rendered);
}

#[test]
fn unsupported_spec_version_is_exit_2() {
    let text = fs::read_to_string(root().join("examples/fraud-detection/sbom/app.cdx.json"))
        .expect("read");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let version = value["specVersion"]
        .as_str()
        .expect("specVersion")
        .to_owned();
    let changed = text.replacen(&format!("\"{version}\""), "\"9.9\"", 1);
    let run = with_evidence("sbom/app.cdx.json", changed.as_bytes());
    assert_unusable(&run, "sbom/app.cdx.json", "9.9");
}

#[test]
fn wrong_type_deep_inside_an_sbom_is_exit_2_with_its_path() {
    let text = fs::read_to_string(root().join("examples/fraud-detection/sbom/app.cdx.json"))
        .expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["components"][1]["version"] = serde_json::json!(42);
    let run = with_evidence("sbom/app.cdx.json", value.to_string().as_bytes());
    assert_unusable(&run, "sbom/app.cdx.json", "components");
}

#[test]
fn absurd_nesting_is_exit_2_not_a_stack_overflow() {
    let deep = format!(
        "{{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":{}{}}}",
        "[{\"type\":\"library\",\"name\":\"x\",\"components\":".repeat(20_000),
        "[]}]".repeat(20_000)
    );
    let run = with_evidence("sbom/app.cdx.json", deep.as_bytes());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("sbom/app.cdx.json"), "{}", run.stderr);
}

#[test]
fn a_2_gb_sbom_is_refused_before_reading() {
    let (_tmp, dir) = copy_example("fraud-detection");
    let file = fs::File::create(dir.join("sbom/app.cdx.json")).expect("create");
    // Sparse: no disk space is used, and the reader must refuse it by size.
    file.set_len(2 * 1024 * 1024 * 1024).expect("set_len");
    drop(file);
    let run = evaluate_json(&dir);
    assert_unusable(&run, "sbom/app.cdx.json", "limit");
}

#[test]
fn invalid_sarif_is_exit_2() {
    let run = with_evidence(
        "reports/bandit.sarif",
        b"{\"version\": \"2.1.0\", \"runs\": [{]}",
    );
    assert_unusable(&run, "reports/bandit.sarif", "reports/bandit.sarif");
    let run = with_evidence(
        "reports/bandit.sarif",
        b"{\"version\": \"1.0.0\", \"runs\": []}",
    );
    assert_unusable(&run, "reports/bandit.sarif", "1.0.0");
}

#[test]
fn malformed_signature_bundle_is_exit_2() {
    let run = with_evidence("models/fraud-xgb.sig", b"{\"mediaType\": 7}");
    assert_unusable(&run, "models/fraud-xgb.sig", "mediaType");
}

#[test]
fn a_missing_evidence_file_is_exit_2() {
    let (_tmp, dir) = copy_example("fraud-detection");
    fs::remove_file(dir.join("reports/bandit.sarif")).expect("rm");
    let run = evaluate_json(&dir);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("reports/bandit.sarif"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_unusable_file_is_reported_at_once() {
    let (_tmp, dir) = copy_example("fraud-detection");
    fs::write(dir.join("reports/bandit.sarif"), b"nope").expect("write");
    fs::write(dir.join("sbom/serving.cdx.json"), b"<bom").expect("write");
    let run = evaluate_json(&dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("reports/bandit.sarif"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sbom/serving.cdx.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dangerous_pickle_model_is_found_by_the_scan() {
    let dir = tempfile::tempdir().expect("tmp");
    fs::copy(
        root().join("tests/fixtures/pickles/evil_os_system.pkl"),
        dir.path().join("model.pkl"),
    )
    .expect("copy");
    fs::write(
        dir.path().join("pipeline.pal"),
        r#"pipeline "p" {
  model "m" { path = "model.pkl" labels = ["allow-pickle"] }
  release "r" { artifacts = [model "m"] environment = "staging" exposure = "internal" }
}
"#,
    )
    .expect("write");
    let run = palisade(dir.path(), &["explain", "model", "m", "--at", AT, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("posix.system"), "{}", run.stdout);
    let found = violations(&evaluate_json(dir.path()));
    assert!(
        has(&found, "dangerous-pickle-imports", "Model::\"m\""),
        "{found:?}"
    );
}

#[test]
fn errors_past_column_65535_are_printed_not_a_crash() {
    let hostile = root().join("tests/fixtures/hostile");
    for (slot, file) in [
        ("bom", "crash-miette-label-past-column-65535.cdx.json"),
        ("sast", "crash-miette-label-past-column-65535.sarif"),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        fs::copy(hostile.join(file), dir.path().join(file)).expect("copy");
        let value = if slot == "bom" {
            format!("\"{file}\"")
        } else {
            format!("[\"{file}\"]")
        };
        fs::write(
            dir.path().join("pipeline.pal"),
            format!("pipeline \"p\" {{\n  code \"c\" {{ {slot} = {value} }}\n}}\n"),
        )
        .expect("write");
        let run = palisade(dir.path(), &["check"]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(file), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let run = palisade(
        &root(),
        &[
            "verify",
            "tests/fixtures/hostile/crash-miette-label-past-column-65535.sigstore.json",
            "--key",
            "tests/fixtures/model-signing/ec-p256-pub.pem",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn control_characters_from_evidence_are_escaped() {
    let (_tmp, dir) = copy_example("fraud-detection");
    let path = dir.join("sbom/app.cdx.json");
    let text = fs::read_to_string(&path).expect("read");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let version = value["specVersion"]
        .as_str()
        .expect("specVersion")
        .to_owned();
    let hostile = text.replacen(
        &format!("\"{version}\""),
        "\"\\u001b]0;pwned\\u0007\\u001b[2J\"",
        1,
    );
    fs::write(&path, hostile).expect("write");
    let run = evaluate_json(&dir);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{7}'), "{:?}", run.stderr);
    assert!(!run.stderr.contains("\u{1b}]"), "{:?}", run.stderr);
    assert!(run.stderr.contains("\\u{1b}]0;pwned"), "{}", run.stderr);
}

/// A pipeline with an identity trusted through a certificate authority (`ca`), whose model is
/// signed with a certificate (`model_signing sign certificate`).
fn cert_pipeline(subject: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(
        &root().join("tests/fixtures/model-signing/cert-mode"),
        dir.path(),
    );
    fs::write(
        dir.path().join("pipeline.pal"),
        format!(
            r#"pipeline "p" {{
  identity "publisher" {{ ca = "ca.pem" subject = "{subject}" }}
  model "m" {{ path = "model" signature = "cert.sig" signed_by = identity "publisher" }}
}}
"#
        ),
    )
    .expect("write");
    dir
}

#[test]
fn a_certificate_signature_verifies_against_the_identity_ca() {
    let dir = cert_pipeline("publisher@models.example");
    let run = palisade(dir.path(), &["explain", "model", "m", "--at", AT, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        doc["facts"]["own"]["signature"], "verified",
        "{}",
        run.stdout
    );
    assert_eq!(
        doc["facts"]["own"]["signers"],
        serde_json::json!(["publisher"])
    );

    // Another identity on the certificate: a fact, not a crash.
    let dir = cert_pipeline("someone-else@models.example");
    let run = palisade(dir.path(), &["explain", "model", "m", "--at", AT, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        doc["facts"]["own"]["signature"], "invalid",
        "{}",
        run.stdout
    );
    let reason = doc["facts"]["own"]["signature_reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("someone-else@models.example"), "{reason}");
}

#[test]
fn a_ca_file_without_certificates_is_exit_2() {
    let dir = cert_pipeline("publisher@models.example");
    fs::copy(
        root().join("tests/fixtures/model-signing/ec-p256-pub.pem"),
        dir.path().join("ca.pem"),
    )
    .expect("copy");
    let run = palisade(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("ca.pem"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no `CERTIFICATE` PEM block"),
        "{}",
        run.stderr
    );
}
