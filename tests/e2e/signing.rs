//! End-to-end tests of keygen, attest and verify.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::copy_dir;
use super::{AT, Run, palisade, root};

/// The cosign fixture key's password (tests/fixtures/sigstore/README.md).
const COSIGN_PASSWORD: &str = "palisade-test-password";

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// Runs palisade with extra environment variables (the shared helper removes the password).
fn palisade_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palisade"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PALISADE_KEY_PASSWORD");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("the palisade binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A small pipeline in a temp dir: a local model and a pinned image, released; one policy
/// file that permits everything and, when `deny`, forbids releasing the model.
fn small_case(deny: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("models")).unwrap();
    std::fs::create_dir_all(d.join("policies")).unwrap();
    std::fs::write(d.join("models/m.bin"), b"weights v1").unwrap();
    let mut policy = String::from("@id(\"allow-all\")\npermit (principal, action, resource);\n");
    if deny {
        policy.push_str(
            "@id(\"no-models\")\n@severity(\"high\")\n@message(\"{resource} may not ship\")\n\
             forbid (principal is Release, action == Action::\"release\", resource is Model);\n",
        );
    }
    std::fs::write(d.join("policies/team.cedar"), policy).unwrap();
    std::fs::write(
        d.join("pipeline.pal"),
        r#"pipeline "small" {
  policies = ["policies"]
  model "m" { path = "models/m.bin" format = "safetensors" }
  image "api" { ref = "registry.example/api@sha256:7777777777777777777777777777777777777777777777777777777777777777" }
  release "prod" { artifacts = [model "m", image "api"] environment = "production" exposure = "internal" }
}
"#,
    )
    .unwrap();
    dir
}

fn bundle_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn statement(bundle: &serde_json::Value) -> serde_json::Value {
    let text = serde_json::to_string(bundle).unwrap();
    let parsed = palisade_sigstore::bundle::parse(text.as_bytes(), "bundle").unwrap();
    serde_json::from_slice(&parsed.envelope().unwrap().payload).unwrap()
}

/// sha256 hex of some text (the public-key hint function is exactly that).
fn sha256_hex(bytes: &str) -> String {
    palisade_sigstore::keys::pem_hint(bytes)
}

#[test]
fn keygen_attest_verify_round_trip() {
    let case = small_case(false);
    let d = case.path();
    let run = palisade(d, &["keygen", "--out", "release"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(d.join("release.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key = std::fs::read_to_string(d.join("release.key")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key}");

    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("attested as PASSED in vsa.json"),
        "{}",
        run.stderr
    );

    let bundle = bundle_json(&d.join("vsa.json"));
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        bundle["verificationMaterial"]["tlogEntries"],
        serde_json::json!([])
    );
    let pub_text = std::fs::read_to_string(d.join("release.pub")).unwrap();
    let hint = sha256_hex(&pub_text);
    assert_eq!(bundle["verificationMaterial"]["publicKey"]["hint"], hint);
    let st = statement(&bundle);
    assert_eq!(
        st["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    assert_eq!(st["predicate"]["verificationResult"], "PASSED");
    assert_eq!(st["predicate"]["timeVerified"], "2026-12-01T00:00:00Z");
    let names: Vec<&str> = st["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "models/m.bin",
            "registry.example/api@sha256:7777777777777777777777777777777777777777777777777777777777777777"
        ]
    );
    let m_sha = sha256_hex("weights v1");
    assert_eq!(st["subject"][0]["digest"]["sha256"], m_sha);

    let run = palisade(
        d,
        &[
            "verify",
            "vsa.json",
            "--key",
            "release.pub",
            "--artifact",
            "models/m.bin",
            "--require-passed",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("signature: verified by release.pub\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("verdict:   PASSED (pipeline \"small\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!(
        "artifact:  models/m.bin sha256:{m_sha} matches models/m.bin"
    )));
    assert!(run.stdout.ends_with("verified\n"));

    // The artifact changes after the verdict: verify must say so.
    std::fs::write(d.join("models/m.bin"), b"weights v2").unwrap();
    let run = palisade(
        d,
        &[
            "verify",
            "vsa.json",
            "--key",
            "release.pub",
            "--artifact",
            "models/m.bin",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("matches NO subject"), "{}", run.stdout);
}

#[test]
fn keygen_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.pub"), "precious").unwrap();
    let run = palisade(dir.path(), &["keygen", "--out", "k"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("k.pub already exists"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("k.key").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("k.pub")).unwrap(),
        "precious"
    );
}

#[test]
fn denied_verdict_is_signed_as_failed_and_exits_1() {
    let case = small_case(true);
    let d = case.path();
    let key = fixture("model-signing/TEST-ONLY-ec-p256-priv.pem");
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            key.to_str().unwrap(),
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let st = statement(&bundle_json(&d.join("vsa.json")));
    assert_eq!(st["predicate"]["verificationResult"], "FAILED");
    assert_eq!(
        st["predicate"]["verifiedLevels"],
        serde_json::json!(["FAILED"])
    );
    assert_eq!(
        st["predicate"]["https://palisade.dev/vsa/decision/v1"]["violatedPolicies"],
        serde_json::json!({"no-models": 1})
    );
    let public = fixture("model-signing/ec-p256-pub.pem");
    let public = public.to_str().unwrap();
    let run = palisade(d, &["verify", "vsa.json", "--key", public]);
    assert_eq!(
        run.code, 0,
        "a FAILED verdict is still a valid signature: {}",
        run.stdout
    );
    let run = palisade(
        d,
        &["verify", "vsa.json", "--key", public, "--require-passed"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("NOT VERIFIED: --require-passed: the verdict is FAILED"),
        "{}",
        run.stdout
    );
}

#[test]
fn attest_output_is_deterministic_and_pinned() {
    // ECDSA signing is deterministic (RFC 6979) and the statement depends only on its inputs,
    // so a fixed key and --at give the same bytes every time.
    let case = small_case(false);
    let d = case.path();
    let key = fixture("model-signing/TEST-ONLY-ec-p256-priv.pem");
    let key = key.to_str().unwrap();
    let one = palisade(d, &["attest", "--key", key, "--at", AT]);
    let two = palisade(d, &["attest", "--key", key, "--at", AT]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    std::fs::write(d.join("vsa.json"), &one.stdout).unwrap();
    let public = fixture("model-signing/ec-p256-pub.pem");
    let run = palisade(
        d,
        &["verify", "vsa.json", "--key", public.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let shown = run
        .stdout
        .replace(public.to_str().unwrap(), "ec-p256-pub.pem");
    insta::assert_snapshot!(shown);
}

/// Rewrites a bundle file with `f` applied to its DSSE envelope.
fn tamper(src: &Path, dst: &Path, f: impl FnOnce(&mut palisade_sigstore::dsse::Envelope)) {
    let bytes = std::fs::read(src).unwrap();
    let mut bundle = palisade_sigstore::bundle::parse(&bytes, "bundle").unwrap();
    let palisade_sigstore::bundle::Content::Dsse(env) = &mut bundle.content else {
        panic!("not a DSSE bundle")
    };
    f(env);
    std::fs::write(dst, bundle.to_json()).unwrap();
}

#[test]
fn tampered_payload_signature_and_wrong_key_are_rejected() {
    let case = small_case(false);
    let d = case.path();
    assert_eq!(palisade(d, &["keygen", "--out", "a"]).code, 0);
    assert_eq!(palisade(d, &["keygen", "--out", "b"]).code, 0);
    let run = palisade(
        d,
        &["attest", "--key", "a.key", "-o", "vsa.json", "--at", AT],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // The verdict flipped from PASSED to FAILED inside the payload.
    tamper(&d.join("vsa.json"), &d.join("payload.json"), |env| {
        let text = String::from_utf8(env.payload.clone()).unwrap();
        assert!(text.contains("\"PASSED\""));
        env.payload = text.replace("\"PASSED\"", "\"FAILED\"").into_bytes();
    });
    // One bit of the signature flipped.
    tamper(&d.join("vsa.json"), &d.join("sig.json"), |env| {
        let last = env.signatures[0].sig.len() - 1;
        env.signatures[0].sig[last] ^= 1;
    });
    // The payload type changed (it is part of what DSSE signs).
    tamper(&d.join("vsa.json"), &d.join("type.json"), |env| {
        env.payload_type = "application/json".to_string();
    });
    for bad in ["payload.json", "sig.json", "type.json"] {
        let run = palisade(d, &["verify", bad, "--key", "a.pub"]);
        assert_eq!(run.code, 1, "{bad}: {}", run.stdout);
        assert!(
            run.stdout.contains("signature: INVALID"),
            "{bad}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("verdict:"),
            "an unverified payload is not shown"
        );
    }
    let run = palisade(d, &["verify", "vsa.json", "--key", "b.pub"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("with `b.pub` (P-256): the P-256 signature does not match"),
        "{}",
        run.stdout
    );
    // Either of two keys may have signed.
    let run = palisade(
        d,
        &["verify", "vsa.json", "--key", "b.pub", "--key", "a.pub"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("verified by a.pub"));
}

#[test]
fn cosign_keys_need_the_right_password() {
    let case = small_case(false);
    let d = case.path();
    let run = palisade(d, &["keygen", "--out", "c", "--cosign"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("PALISADE_KEY_PASSWORD is not set"),
        "{}",
        run.stderr
    );
    let run = palisade_env(
        d,
        &["keygen", "--out", "c", "--cosign"],
        &[("PALISADE_KEY_PASSWORD", "s3cret")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let key = std::fs::read_to_string(d.join("c.key")).unwrap();
    assert!(
        key.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"),
        "{key}"
    );

    let attest = ["attest", "--key", "c.key", "-o", "vsa.json", "--at", AT];
    let run = palisade(d, &attest);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("c.key: the private key is encrypted and no password was given"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("PALISADE_KEY_PASSWORD"),
        "{}",
        run.stderr
    );
    let run = palisade_env(d, &attest, &[("PALISADE_KEY_PASSWORD", "wrong")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("c.key: cannot decrypt the private key: wrong password"),
        "{}",
        run.stderr
    );
    assert!(
        !d.join("vsa.json").exists(),
        "nothing is written when the key is unusable"
    );
    let run = palisade_env(d, &attest, &[("PALISADE_KEY_PASSWORD", "s3cret")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = palisade(d, &["verify", "vsa.json", "--key", "c.pub"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // A cosign key made by another implementation, with its own .pub as the hint source.
    let key = fixture("sigstore/cosign-p256.key");
    let public = fixture("sigstore/cosign-p256.pub");
    let run = palisade_env(
        d,
        &[
            "attest",
            "--key",
            key.to_str().unwrap(),
            "--public-key",
            public.to_str().unwrap(),
            "-o",
            "cosign-vsa.json",
            "--at",
            AT,
        ],
        &[("PALISADE_KEY_PASSWORD", COSIGN_PASSWORD)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = palisade(
        d,
        &[
            "verify",
            "cosign-vsa.json",
            "--key",
            public.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    // --public-key must be the key's own public half.
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "c.key",
            "--public-key",
            public.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2);
}

#[test]
fn unpinned_released_image_cannot_be_attested() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pipeline.pal"),
        r#"pipeline "p" {
  image "api" { ref = "registry.example/api:latest" }
  release "prod" { artifacts = [image "api"] environment = "production" exposure = "internal" }
}
"#,
    )
    .unwrap();
    let key = fixture("model-signing/TEST-ONLY-ec-p256-priv.pem");
    let run = palisade(
        dir.path(),
        &["attest", "--key", key.to_str().unwrap(), "--at", AT],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn model_signing_bundles_verify_and_tampered_models_fail() {
    let cert_mode = fixture("model-signing/cert-mode");
    let sig = cert_mode.join("cert.sig");
    let ca = cert_mode.join("ca.pem");
    let (sig, ca) = (sig.to_str().unwrap(), ca.to_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fresh = |name: &str| {
        let to = d.join(name);
        copy_dir(&cert_mode.join("model"), &to);
        to
    };
    let verify = |model: &Path, identity: &str| {
        palisade(
            d,
            &[
                "verify",
                sig,
                "--ca",
                ca,
                "--identity",
                identity,
                "--artifact",
                model.to_str().unwrap(),
            ],
        )
    };

    let ok = fresh("ok");
    let run = verify(&ok, "publisher@models.example");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("for identity publisher@models.example"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("model:     every signed file matches"),
        "{}",
        run.stdout
    );

    assert!(
        run.stdout.contains("signer:    publisher@models.example\n"),
        "{}",
        run.stdout
    );

    let run = verify(&ok, "someone@else.example");
    assert_eq!(run.code, 1, "{}", run.stdout);

    let modified = fresh("modified");
    let mut weights = std::fs::read(modified.join("weights.bin")).unwrap();
    weights[1000] ^= 0xff;
    std::fs::write(modified.join("weights.bin"), weights).unwrap();
    let run = verify(&modified, "publisher@models.example");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("MISMATCH: modified [weights.bin], missing [], extra []"),
        "{}",
        run.stdout
    );

    let added = fresh("added");
    std::fs::write(added.join("extra.py"), "import os").unwrap();
    let run = verify(&added, "publisher@models.example");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("extra [extra.py]"), "{}", run.stdout);

    let removed = fresh("removed");
    std::fs::remove_file(removed.join("tokenizer/tokenizer.json")).unwrap();
    let run = verify(&removed, "publisher@models.example");
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("missing [tokenizer/tokenizer.json]"),
        "{}",
        run.stdout
    );

    // A CA with the same name but another key.
    let wrong_ca = fixture("sigstore/wrong-ca.pem");
    let run = palisade(
        d,
        &[
            "verify",
            sig,
            "--ca",
            wrong_ca.to_str().unwrap(),
            "--artifact",
            ok.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn key_mode_model_signature_checks_the_signature_and_says_the_files_were_not() {
    let sig = fixture("model-signing/model.sig.json");
    let public = fixture("model-signing/ec-p256-pub.pem");
    let other = fixture("sigstore/cosign-p256.pub");
    let run = palisade(
        &root(),
        &[
            "verify",
            sig.to_str().unwrap(),
            "--key",
            public.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("note:      no --artifact: the model's files were not re-hashed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("subject:   model sha256:"),
        "{}",
        run.stdout
    );
    let run = palisade(
        &root(),
        &[
            "verify",
            sig.to_str().unwrap(),
            "--key",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn unusable_verify_input_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("garbage.json"), "{\"mediaType\": 3}").unwrap();
    let public = fixture("model-signing/ec-p256-pub.pem");
    let public = public.to_str().unwrap();
    let run = palisade(d, &["verify", "garbage.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("verify needs a trusted --key or --ca"),
        "{}",
        run.stderr
    );
    let run = palisade(d, &["verify", "garbage.json", "--key", public]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("garbage.json: at /mediaType: expected a string"),
        "{}",
        run.stderr
    );
    let run = palisade(d, &["verify", "missing.json", "--key", public]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("missing.json: cannot read the bundle"),
        "{}",
        run.stderr
    );
    let run = palisade(d, &["verify", "garbage.json", "--key", "garbage.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("garbage.json: not a usable PEM file"),
        "{}",
        run.stderr
    );
    let sig = fixture("model-signing/model.sig.json");
    let run = palisade(
        d,
        &[
            "verify",
            sig.to_str().unwrap(),
            "--key",
            public,
            "--artifact",
            "a",
            "--artifact",
            "b",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("give one --artifact"), "{}", run.stderr);
}

#[test]
fn attest_on_the_fraud_example_names_its_evidence_and_its_model_digest() {
    let example = root().join("examples/fraud-detection");
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("verdict.sigstore.json");
    let bundle = bundle.to_str().unwrap();
    let evaluate = palisade(&example, &["evaluate", "--at", AT]);
    let run = palisade(
        &example,
        &[
            "attest",
            "--key",
            "keys/TEST-ONLY-release.key",
            "-o",
            bundle,
            "--at",
            AT,
        ],
    );
    assert_eq!(
        run.code, evaluate.code,
        "attest exits like evaluate: {}",
        run.stderr
    );
    let st = statement(&bundle_json(Path::new(bundle)));
    let expected = if evaluate.code == 0 {
        "PASSED"
    } else {
        "FAILED"
    };
    assert_eq!(st["predicate"]["verificationResult"], expected);
    let inputs: Vec<&str> = st["predicate"]["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uri"].as_str().unwrap())
        .collect();
    for evidence in [
        "attestations/transactions.intoto.json",
        "models/fraud-xgb.sig",
        "sbom/fraud-xgb.mlbom.json",
    ] {
        assert!(inputs.contains(&evidence), "{evidence} not in {inputs:?}");
    }
    let sig_sha = {
        let text = std::fs::read(example.join("models/fraud-xgb.sig")).unwrap();
        sha256_hex(std::str::from_utf8(&text).unwrap())
    };
    let sig_entry = st["predicate"]["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uri"] == "models/fraud-xgb.sig")
        .unwrap();
    assert_eq!(sig_entry["digest"]["sha256"], sig_sha);

    // The model folder re-hashed by verify is the subject attested (model-signing style digest),
    // and the example's own model signature and provenance verify with its key.
    for args in [
        vec![
            "verify",
            bundle,
            "--key",
            "keys/release.pub",
            "--artifact",
            "models/fraud-xgb",
        ],
        vec![
            "verify",
            "models/fraud-xgb.sig",
            "--key",
            "keys/release.pub",
            "--artifact",
            "models/fraud-xgb",
        ],
        vec![
            "verify",
            "attestations/transactions.intoto.json",
            "--key",
            "keys/release.pub",
            "--artifact",
            "data/transactions.csv",
        ],
    ] {
        let run = palisade(&example, &args);
        assert_eq!(run.code, 0, "{args:?}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.ends_with("verified\n"), "{}", run.stdout);
    }
}
