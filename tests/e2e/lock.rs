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
