//! End-to-end tests of issue 9 items 9–11: a signed lock (`palisade lock --sign`,
//! `lock_signed_by`), "no vulnerability scan is not a clean scan", and a verification summary
//! that binds the pipeline file, the lock, each policy file and each waiver used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use super::{AT, palisade, root};

/// The baseline's integrity rules without `dataset-provenance` (this small pipeline has no
/// provenance to show), plus a rule that permits everything else.
fn integrity_pack() -> String {
    let text = std::fs::read_to_string(root().join("policies/baseline/integrity.cedar")).unwrap();
    let mut pack = String::from("@id(\"allow-all\")\npermit (principal, action, resource);\n\n");
    for block in text.split("\n\n") {
        if !block.contains("dataset-provenance") {
            pack.push_str(block);
            pack.push_str("\n\n");
        }
    }
    assert!(pack.contains("@id(\"lock-signed\")"));
    pack
}

/// A pipeline whose model is trained from a dataset and released, with a key `release`;
/// `required` sets `lock_signed_by = key "release"`.
fn lock_case(required: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("policies")).unwrap();
    std::fs::write(d.join("policies/integrity.cedar"), integrity_pack()).unwrap();
    std::fs::write(d.join("train.csv"), "id,label\n1,0\n2,1\n").unwrap();
    std::fs::write(d.join("model.safetensors"), b"weights v1").unwrap();
    let run = palisade(d, &["keygen", "--out", "release"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = palisade(d, &["keygen", "--out", "intruder"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    write_pipeline(d, required, "lock");
    dir
}

fn write_pipeline(d: &Path, required: bool, name: &str) {
    let setting = if required {
        "lock_signed_by = key \"release\""
    } else {
        ""
    };
    std::fs::write(
        d.join("pipeline.pal"),
        format!(
            r#"pipeline "{name}" {{
  policies = ["policies"]
  {setting}
  key "release" {{ public_key = "release.pub" }}
  dataset "train" {{ path = "train.csv" }}
  model "m" {{ path = "model.safetensors" format = "safetensors" }}
  stage "fit" {{ inputs = [dataset "train"] outputs = [model "m"] }}
  release "prod" {{ artifacts = [model "m"] environment = "production" exposure = "internal" }}
}}
"#
        ),
    )
    .unwrap();
}

fn evaluate(d: &Path) -> super::Run {
    palisade(d, &["evaluate", "--at", AT])
}

#[test]
fn a_signed_lock_allows_and_relocking_after_poisoning_denies() {
    let dir = lock_case(true);
    let d = dir.path();
    let run = palisade(d, &["lock", "--sign", "--key", "release.key"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("palisade.lock.sigstore.json"),
        "{}",
        run.stdout
    );
    let run = evaluate(d);
    assert_eq!(run.code, 0, "signed lock: {}{}", run.stdout, run.stderr);
    let run = palisade(d, &["check"]);
    assert!(
        run.stdout
            .contains("lock signature: verified by release (required: lock_signed_by)"),
        "{}",
        run.stdout
    );

    // The attack: poison the dataset and re-lock without the key.
    std::fs::write(d.join("train.csv"), "id,label\n1,1\n2,1\n").unwrap();
    let run = palisade(d, &["lock"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("signs the previous palisade.lock"),
        "{}",
        run.stderr
    );
    let run = evaluate(d);
    assert_eq!(
        run.code, 1,
        "re-locked without the key: {}{}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains("lock-signed"), "{}", run.stdout);
    let run = palisade(d, &["check"]);
    assert!(
        run.stdout.contains("lock signature: invalid")
            && run.stdout.contains("the lock changed after it was signed"),
        "{}",
        run.stdout
    );

    // Without `lock_signed_by` the same attack passes: the setting is what closes it.
    write_pipeline(d, false, "lock");
    let run = evaluate(d);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_lock_signed_by_another_key_or_not_at_all_denies() {
    let dir = lock_case(true);
    let d = dir.path();
    // Unsigned.
    let run = palisade(d, &["lock"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = evaluate(d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("lock-signed"), "{}", run.stdout);
    // Signed by a key the pipeline does not name.
    let run = palisade(d, &["lock", "--sign", "--key", "intruder.key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = evaluate(d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("lock-signed"), "{}", run.stdout);
    // --no-lock does not get around it: no lock, no signed lock.
    let run = palisade(d, &["evaluate", "--at", AT, "--no-lock"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("lock-signed"), "{}", run.stdout);
}

#[test]
fn another_signed_statement_is_not_a_lock_signature() {
    let dir = lock_case(true);
    let d = dir.path();
    let run = palisade(d, &["lock", "--sign", "--key", "release.key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A verdict signed by the release key, put where the lock's signature goes.
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "--at",
            AT,
            "-o",
            "palisade.lock.sigstore.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = evaluate(d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let run = palisade(d, &["check"]);
    assert!(
        run.stdout.contains("not https://palisade.dev/lock/v1"),
        "{}",
        run.stdout
    );
    // A signature file that is not a bundle at all cannot be used (exit 2).
    std::fs::write(d.join("palisade.lock.sigstore.json"), "{}").unwrap();
    let run = evaluate(d);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
}

#[test]
fn the_lock_signature_verifies_with_palisade_verify() {
    let dir = lock_case(true);
    let d = dir.path();
    let run = palisade(d, &["lock", "--sign", "--key", "release.key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = palisade(
        d,
        &[
            "verify",
            "palisade.lock.sigstore.json",
            "--key",
            "release.pub",
            "--artifact",
            "palisade.lock",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("statement: https://palisade.dev/lock/v1"),
        "{}",
        run.stdout
    );
}

/// The statement inside a bundle file.
fn statement_of(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let bundle = palisade_sigstore::bundle::parse(&bytes, "bundle").unwrap();
    serde_json::from_slice(&bundle.envelope().unwrap().payload).unwrap()
}

/// sha256 hex of a file's bytes.
fn sha256_of(path: &Path) -> String {
    palisade_sigstore::keys::pem_hint(&std::fs::read_to_string(path).unwrap())
}

/// A pipeline whose only denial is waived, for attest: `label` goes on the dataset.
fn write_waived_pipeline(d: &Path, label: &str) {
    std::fs::write(
        d.join("pipeline.pal"),
        format!(
            r#"pipeline "bound" {{
  policies = ["policies"]
  dataset "train" {{ path = "train.csv" labels = ["{label}"] }}
  model "m" {{ path = "model.safetensors" format = "safetensors" }}
  stage "fit" {{ inputs = [dataset "train"] outputs = [model "m"] }}
  release "prod" {{ artifacts = [model "m"] environment = "production" exposure = "internal" }}
  waiver "ship-anyway" {{ policy = "no-models" target = model "m" expires = 2027-01-31 reason = "TICKET-42: reviewed" }}
}}
"#
        ),
    )
    .unwrap();
}

#[test]
fn the_verdict_binds_pipeline_lock_policies_and_waivers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("policies")).unwrap();
    std::fs::write(
        d.join("policies/team.cedar"),
        "@id(\"allow-all\")\npermit (principal, action, resource);\n\
         @id(\"no-models\")\n@severity(\"high\")\n@message(\"{resource} may not ship\")\n\
         forbid (principal is Release, action == Action::\"release\", resource is Model);\n",
    )
    .unwrap();
    std::fs::write(d.join("train.csv"), "id,label\n1,0\n").unwrap();
    std::fs::write(d.join("model.safetensors"), b"weights v1").unwrap();
    assert_eq!(palisade(d, &["keygen", "--out", "release"]).code, 0);
    write_waived_pipeline(d, "internal");
    assert_eq!(palisade(d, &["lock"]).code, 0);
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "--at",
            AT,
            "-o",
            "v1.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    let first_pipeline = sha256_of(&d.join("pipeline.pal"));
    let st = statement_of(&d.join("v1.json"));
    let p = &st["predicate"];
    let inputs = &p["https://palisade.dev/vsa/inputs/v1"];
    assert_eq!(inputs["pipeline"]["uri"], "pipeline.pal");
    assert_eq!(
        inputs["pipeline"]["digest"]["sha256"],
        first_pipeline.as_str()
    );
    assert_eq!(inputs["lock"]["uri"], "palisade.lock");
    assert_eq!(
        inputs["lock"]["digest"]["sha256"],
        sha256_of(&d.join("palisade.lock")).as_str()
    );
    assert_eq!(
        inputs["policies"],
        serde_json::json!([{"uri": "policies/team.cedar",
            "digest": {"sha256": sha256_of(&d.join("policies/team.cedar"))}}])
    );
    assert_eq!(
        inputs["waivers"],
        serde_json::json!([{"name": "ship-anyway", "policy": "no-models", "target": "model \"m\"",
            "expires": "2027-01-31", "reason": "TICKET-42: reviewed"}])
    );
    // The pipeline file and the lock are input attestations too, for generic VSA readers.
    let uris: Vec<&str> = p["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["palisade.lock", "pipeline.pal"]);

    let pin = format!("sha256:{first_pipeline}");
    let verify = |bundle: &str| {
        palisade(
            d,
            &[
                "verify",
                bundle,
                "--key",
                "release.pub",
                "--pipeline-digest",
                &pin,
            ],
        )
    };
    let run = verify("v1.json");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains(&format!("inputs:    pipeline file sha256:{first_pipeline}")),
        "{}",
        run.stdout
    );

    // Same policies, a changed label in the pipeline: another verdict, told apart by the pin.
    write_waived_pipeline(d, "pii");
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "--at",
            AT,
            "-o",
            "v2.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let second = statement_of(&d.join("v2.json"));
    assert_eq!(second["predicate"]["policy"], p["policy"], "same policies");
    assert_ne!(
        second["predicate"]["https://palisade.dev/vsa/inputs/v1"]["pipeline"],
        inputs["pipeline"]
    );
    let run = verify("v2.json");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("NOT VERIFIED: --pipeline-digest"),
        "{}",
        run.stdout
    );

    // The lock pin works the same way.
    let lock_pin = sha256_of(&d.join("palisade.lock"));
    let run = palisade(
        d,
        &[
            "verify",
            "v2.json",
            "--key",
            "release.pub",
            "--lock-digest",
            &lock_pin,
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = palisade(
        d,
        &[
            "verify",
            "v2.json",
            "--key",
            "release.pub",
            "--lock-digest",
            &"0".repeat(64),
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

/// Released code whose bom is `bom_file`, judged by the baseline's SCA rules alone.
fn sca_case(bom: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("policies")).unwrap();
    let sca = std::fs::read_to_string(root().join("policies/baseline/sca.cedar")).unwrap();
    std::fs::write(
        d.join("policies/sca.cedar"),
        format!("@id(\"allow-all\")\npermit (principal, action, resource);\n\n{sca}"),
    )
    .unwrap();
    std::fs::write(d.join("app.py"), "print('hi')\n").unwrap();
    std::fs::write(d.join("app.cdx.json"), bom).unwrap();
    std::fs::write(
        d.join("pipeline.pal"),
        r#"pipeline "sca" {
  policies = ["policies"]
  code "app" { path = "app.py" bom = "app.cdx.json" }
  release "prod" { artifacts = [code "app"] environment = "production" exposure = "public" }
}
"#,
    )
    .unwrap();
    dir
}

#[test]
fn an_sbom_without_vulnerability_data_is_not_a_clean_scan() {
    // What `cyclonedx-py environment` writes: an inventory, no `vulnerabilities` at all.
    // Before: "vulnerabilities 0", and the SCA rule allowed the release.
    let inventory =
        std::fs::read(root().join("tests/fixtures/cyclonedx/sbom-small-numpy-sklearn.cdx.json"))
            .unwrap();
    let dir = sca_case(&inventory);
    let run = palisade(dir.path(), &["evaluate", "--at", AT]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("vulnerability-scan-required"),
        "{}",
        run.stdout
    );

    // The same inventory after a scan that found nothing: an empty `vulnerabilities` array.
    let mut scanned: serde_json::Value = serde_json::from_slice(&inventory).unwrap();
    scanned["vulnerabilities"] = serde_json::json!([]);
    let dir = sca_case(&serde_json::to_vec(&scanned).unwrap());
    let run = palisade(dir.path(), &["evaluate", "--at", AT]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // No bom at all is no scan either.
    let dir = sca_case(b"");
    std::fs::write(
        dir.path().join("pipeline.pal"),
        r#"pipeline "sca" {
  policies = ["policies"]
  code "app" { path = "app.py" }
  release "prod" { artifacts = [code "app"] environment = "production" exposure = "public" }
}
"#,
    )
    .unwrap();
    let run = palisade(dir.path(), &["evaluate", "--at", AT]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("vulnerability-scan-required"),
        "{}",
        run.stdout
    );
}
