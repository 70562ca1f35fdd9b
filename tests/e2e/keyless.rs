//! Keyless Sigstore signatures through the real binary (issue 10): real published bundles from
//! `tests/fixtures/keyless` (see its README for where each comes from) in a pipeline, verified
//! offline against the embedded public-good trusted root; `palisade verify` on keyless
//! bundles; the Sigstore conformance suite through `palisade verify`.

use std::path::{Path, PathBuf};

use super::{AT, palisade, root};

/// The GitHub artifact attestation of pypi-attestations 0.0.19's sdist (public-good instance,
/// SLSA provenance v1, signed by its `release.yml` on `refs/tags/v0.0.19`, 2024-12-04).
const GH_BUNDLE: &str =
    "gh-attestation-public-good/pypi_attestations-0.0.19.tar.gz.slsa.sigstore.json";
const SDIST: &str = "pypi-pep740/pypi_attestations-0.0.19.tar.gz";
const SDIST_SHA256: &str = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";
const GITHUB_ACTIONS: &str = "https://token.actions.githubusercontent.com";

fn samples() -> PathBuf {
    root().join("tests/fixtures/keyless")
}

/// A folder with `files` (sample path → name in the folder) and `pipeline.pal`.
fn workspace(files: &[(&str, &str)], pipeline: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in files {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(samples().join(from), to).unwrap();
    }
    std::fs::write(dir.path().join("pipeline.pal"), pipeline).unwrap();
    // The baseline's signature rules alone (and its permit) (released-signed, invalid-signature, ...), so the
    // verdict is about the signature, not the model card or the lock.
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for file in ["signatures.cedar", "permit.cedar"] {
        std::fs::copy(
            root().join("policies/baseline").join(file),
            dir.path().join("policies").join(file),
        )
        .unwrap();
    }
    dir
}

/// A pipeline releasing one model whose signature is the GitHub attestation, signed by the
/// `ci` identity with `claims` (attribute lines), the model being `model_source`.
fn gh_pipeline(claims: &str, model_source: &str) -> String {
    format!(
        r#"pipeline "keyless" {{
  policies = ["policies"]
  identity "ci" {{
    issuer = "{GITHUB_ACTIONS}"
    {claims}
  }}
  model "sdist" {{
    {model_source}
    format = "safetensors"
    signature = "attestation.sigstore.json"
    signed_by = identity "ci"
  }}
  release "prod" {{
    artifacts = [model "sdist"]
    environment = "prod"
    exposure = "internal"
  }}
}}
"#
    )
}

const RELEASE_WORKFLOW: &str = r#"repository = "trailofbits/pypi-attestations"
    ref = "refs/tags/v0.0.19"
    workflow = ".github/workflows/release.yml""#;

fn remote_model() -> String {
    format!(
        r#"uri = "https://files.pythonhosted.org/pypi_attestations-0.0.19.tar.gz"
    digest = "sha256:{SDIST_SHA256}""#
    )
}

fn evaluate(dir: &Path) -> super::Run {
    palisade(dir, &["evaluate", "pipeline.pal", "--no-lock", "--at", AT])
}

fn explain(dir: &Path) -> super::Run {
    palisade(
        dir,
        &[
            "explain",
            "pipeline.pal",
            "model",
            "sdist",
            "--no-lock",
            "--at",
            AT,
        ],
    )
}

#[test]
fn a_github_attestation_from_the_declared_workflow_is_allowed() {
    let dir = workspace(
        &[(GH_BUNDLE, "attestation.sigstore.json")],
        &gh_pipeline(RELEASE_WORKFLOW, &remote_model()),
    );
    let run = evaluate(dir.path());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = explain(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "signature:         verified (signers: ci)",
        "signed at 2024-12-04T23:13:46Z (transparency_log)",
        "repository  https://github.com/trailofbits/pypi-attestations",
        "ref         refs/tags/v0.0.19",
        "workflow    .github/workflows/release.yml",
        "trigger     release",
    ] {
        assert!(run.stdout.contains(expected), "{expected}\n{}", run.stdout);
    }
}

#[test]
fn a_github_attestation_from_another_repository_or_workflow_is_denied() {
    for (claims, field) in [
        (
            r#"repository = "evil/pypi-attestations""#,
            "repository expected https://github.com/evil/pypi-attestations",
        ),
        (
            r#"repository = "trailofbits/pypi-attestations"
    workflow = ".github/workflows/ci.yml""#,
            "workflow expected .github/workflows/ci.yml",
        ),
        (
            r#"repository = "trailofbits/pypi-attestations"
    ref = "refs/heads/main""#,
            "ref expected refs/heads/main",
        ),
    ] {
        let dir = workspace(
            &[(GH_BUNDLE, "attestation.sigstore.json")],
            &gh_pipeline(claims, &remote_model()),
        );
        let run = evaluate(dir.path());
        assert_eq!(run.code, 1, "{claims}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("invalid-signature"), "{}", run.stdout);
        let run = explain(dir.path());
        assert!(
            run.stdout.contains("signature:         invalid"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("failed at step `identity`") && run.stdout.contains(field),
            "{claims}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_tampered_artifact_is_denied_at_the_artifact_step() {
    let dir = workspace(
        &[
            (GH_BUNDLE, "attestation.sigstore.json"),
            (SDIST, "model/sdist.tar.gz"),
        ],
        &gh_pipeline(RELEASE_WORKFLOW, r#"path = "model/sdist.tar.gz""#),
    );
    // The genuine file verifies from a local path too.
    let run = evaluate(dir.path());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let file = dir.path().join("model/sdist.tar.gz");
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let run = evaluate(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("invalid-signature"), "{}", run.stdout);
    let run = explain(dir.path());
    assert!(
        run.stdout.contains("failed at step `artifact`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_keyless_signature_needs_a_declared_identity() {
    // No identity at all: a Fulcio certificate is never trusted by default.
    let pipeline = gh_pipeline(RELEASE_WORKFLOW, &remote_model())
        .replace("    signed_by = identity \"ci\"\n", "")
        .replace(
            &format!(
                "  identity \"ci\" {{\n    issuer = \"{GITHUB_ACTIONS}\"\n    {RELEASE_WORKFLOW}\n  }}\n"
            ),
            "",
        );
    assert!(!pipeline.contains("identity"), "{pipeline}");
    let dir = workspace(&[(GH_BUNDLE, "attestation.sigstore.json")], &pipeline);
    let run = evaluate(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("invalid-signature"), "{}", run.stdout);
}

#[test]
fn a_trusted_root_without_the_public_good_ca_makes_it_invalid() {
    // GitHub's own instance's root: neither the public-good Fulcio CA nor its log.
    let pipeline = gh_pipeline(RELEASE_WORKFLOW, &remote_model()).replace(
        "policies = [\"policies\"]\n",
        "policies = [\"policies\"]\n  trusted_root = \"github-trusted_root.json\"\n",
    );
    let dir = workspace(
        &[
            (GH_BUNDLE, "attestation.sigstore.json"),
            ("roots/github-trusted_root.json", "github-trusted_root.json"),
        ],
        &pipeline,
    );
    let run = evaluate(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("invalid-signature"), "{}", run.stdout);
    // An unreadable trusted root is an error (exit 2) at its declaration.
    std::fs::write(dir.path().join("github-trusted_root.json"), "{").unwrap();
    let run = evaluate(dir.path());
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("trusted_root"), "{}", run.stderr);
}

/// `model_signing sign sigstore` over a two-file model (an e-mail identity on an IBM OIDC
/// issuer): the bundle verifies over the model folder's files, and one changed byte denies.
#[test]
fn a_keyless_model_signature_verifies_against_the_model_folder() {
    let files = [
        ("model-signing-keyless/signme-1", "model/signme-1"),
        ("model-signing-keyless/signme-2", "model/signme-2"),
        ("model-signing-keyless/ignore-me", "model/ignore-me"),
        ("model-signing-keyless/model.sig", "model.sig"),
    ];
    let pipeline = r#"pipeline "keyless" {
  policies = ["policies"]
  identity "stefan" {
    subject = "stefanb@us.ibm.com"
    issuer = "https://sigstore.verify.ibm.com/oauth2"
  }
  model "m" {
    path = "model"
    format = "safetensors"
    signature = "model.sig"
    signed_by = identity "stefan"
  }
  release "prod" {
    artifacts = [model "m"]
    environment = "prod"
    exposure = "internal"
  }
}
"#;
    let dir = workspace(&files, pipeline);
    let run = evaluate(dir.path());
    // ignore-me is in the signature's ignore_paths.
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    std::fs::write(dir.path().join("model/signme-1"), "tampered").unwrap();
    let run = evaluate(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("invalid-signature"), "{}", run.stdout);

    // `palisade verify --artifact FOLDER` does the same.
    let verify = |dir: &Path| {
        palisade(
            dir,
            &[
                "verify",
                "model.sig",
                "--identity",
                "stefanb@us.ibm.com",
                "--issuer",
                "https://sigstore.verify.ibm.com/oauth2",
                "--artifact",
                "model",
            ],
        )
    };
    let run = verify(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::keyless::artifact"),
        "{}",
        run.stderr
    );
    let dir = workspace(&files, pipeline);
    let run = verify(dir.path());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("stefanb@us.ibm.com"), "{}", run.stdout);
}

#[test]
fn verify_a_cosign_blob_bundle_by_identity() {
    let dir = samples().join("cosign-v3-sign-blob");
    let args = |identity: &'static str| {
        vec![
            "verify",
            "bundle.sigstore.json",
            "--identity",
            identity,
            "--issuer",
            "https://github.com/login/oauth",
            "--artifact",
            "artifact.txt",
        ]
    };
    let run = palisade(&dir, &args("w.vollprecht@gmail.com"));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("signed at   "), "{}", run.stdout);
    let run = palisade(&dir, &args("someone@example.com"));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::keyless::identity"),
        "{}",
        run.stderr
    );
    // By digest: the sha256 of artifact.txt.
    let digest = format!(
        "sha256:{}",
        palisade_sha256(&std::fs::read(dir.join("artifact.txt")).unwrap())
    );
    let mut by_digest = args("w.vollprecht@gmail.com");
    by_digest.truncate(6);
    by_digest.extend(["--digest", digest.as_str()]);
    let run = palisade(&dir, &by_digest);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Unreadable input is exit 2, not "did not verify".
    let mut missing = args("w.vollprecht@gmail.com");
    missing[1] = "no-such-bundle.json";
    let run = palisade(&dir, &missing);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    // No identity at all: a usage error.
    let run = palisade(
        &dir,
        &[
            "verify",
            "bundle.sigstore.json",
            "--artifact",
            "artifact.txt",
        ],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
}

fn palisade_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn verify_help_states_the_embedded_roots_date() {
    let run = palisade(&root(), &["verify", "--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("snapshot of 2025-09-23"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--trusted-root"), "{}", run.stdout);
}

/// The Sigstore conformance suite's 70 bundle-verify cases through `palisade verify`, as CI
/// runs them (tests/conformance/run.sh with the suite's client protocol adapter).
#[test]
fn the_conformance_suite_passes_through_palisade_verify() {
    for extra in [None, Some("--digest")] {
        let mut command = std::process::Command::new("bash");
        command
            .arg(root().join("tests/conformance/run.sh"))
            .env("PALISADE", env!("CARGO_BIN_EXE_palisade"));
        if let Some(extra) = extra {
            command.arg(extra);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{extra:?}: {stdout}");
        assert!(stdout.contains("70 of 70 cases pass"), "{stdout}");
    }
}
