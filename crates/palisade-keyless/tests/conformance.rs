//! Every case of the Sigstore conformance suite's `bundle-verify` assets, run through the
//! library: valid bundles verify (with the artifact's bytes and with its `sha256:` digest);
//! each `_fail` case is rejected at the step `tests/conformance/expected-failures.tsv` gives,
//! the reason its README states.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, IdentityRequirement, KeylessError, Policy,
    PublicKeyPolicy, Step, TrustRoot, Verified,
};
use sha2::{Digest, Sha256};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn suite() -> PathBuf {
    repo().join("tests/fixtures/sigstore-conformance/bundle-verify")
}

fn expected_steps() -> BTreeMap<String, Step> {
    let text = std::fs::read_to_string(repo().join("tests/conformance/expected-failures.tsv"))
        .expect("expected-failures.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let case = cols.next().unwrap().to_string();
            let step = cols.next().unwrap();
            let step = Step::ALL
                .into_iter()
                .find(|s| s.name() == step)
                .unwrap_or_else(|| panic!("unknown step {step} for {case}"));
            (case, step)
        })
        .collect()
}

enum Form {
    Bytes,
    Digest,
}

fn run_case(dir: &Path, form: Form) -> Result<Verified, KeylessError> {
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let root_path = if dir.join("trusted_root.json").exists() {
        dir.join("trusted_root.json")
    } else {
        repo().join("tests/fixtures/sigstore-conformance/public-good-trusted_root.json")
    };
    let root = TrustRoot::from_json(&read(root_path.clone()), &root_path.display().to_string())?;
    let bundle_path = dir.join("bundle.sigstore.json");
    let bundle = Bundle::parse(
        &read(bundle_path.clone()),
        &bundle_path.display().to_string(),
    )?;
    let policy = if dir.join("key.pub").exists() {
        Policy::PublicKey(PublicKeyPolicy::from_pem(
            &read(dir.join("key.pub")),
            "key.pub",
        )?)
    } else {
        let text = |name: &str, default: &str| {
            std::fs::read_to_string(dir.join(name))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| default.to_string())
        };
        Policy::Identities(vec![IdentityRequirement::subject_and_issuer(
            &text("identity", DEFAULT_IDENTITY),
            &text("issuer", DEFAULT_ISSUER),
        )])
    };
    let artifact_path = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        suite().join("a.txt")
    };
    let artifact = read(artifact_path);
    match form {
        Form::Bytes => root.verify(&bundle, Artifact::Bytes(&artifact), &policy),
        Form::Digest => {
            let hex = hex::encode(Sha256::digest(&artifact));
            let digest = ArtifactDigestInput::parse(&format!("sha256:{hex}"))?;
            root.verify(&bundle, Artifact::Digest(digest), &policy)
        }
    }
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle.sigstore.json").exists())
        .collect();
    cases.sort();
    cases
}

fn check_all(form: fn() -> Form, label: &str) {
    let expected = expected_steps();
    let mut passed = 0;
    let mut misses = Vec::new();
    let all = cases();
    for dir in &all {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let outcome = run_case(dir, form());
        let ok = match (&outcome, case.ends_with("_fail")) {
            (Ok(_), false) => true,
            (Err(e), true) => match expected.get(&case) {
                Some(step) if *step == e.step() => true,
                Some(step) => {
                    misses.push(format!(
                        "{case}: expected {step}, rejected at {}: {e}",
                        e.step()
                    ));
                    false
                }
                None => {
                    misses.push(format!(
                        "{case}: no expected step; rejected at {}: {e}",
                        e.step()
                    ));
                    false
                }
            },
            (Ok(_), true) => {
                misses.push(format!("{case}: accepted, must be rejected"));
                false
            }
            (Err(e), false) => {
                misses.push(format!("{case}: rejected at {}: {e}", e.step()));
                false
            }
        };
        if ok {
            passed += 1;
        }
    }
    eprintln!("{label}: {passed} of {} cases pass", all.len());
    assert!(misses.is_empty(), "{label} misses:\n{}", misses.join("\n"));
    assert_eq!(all.len(), 70, "the vendored suite has 70 cases");
    assert!(
        expected.len()
            == all
                .iter()
                .filter(|p| p.to_string_lossy().ends_with("_fail"))
                .count()
    );
}

#[test]
fn every_case_with_the_artifact_bytes() {
    check_all(|| Form::Bytes, "bytes");
}

#[test]
fn every_case_with_the_artifact_digest() {
    check_all(|| Form::Digest, "sha256 digest");
}

#[test]
fn a_valid_case_reports_claims_and_time() {
    let verified = run_case(&suite().join("happy-path-v0.3"), Form::Bytes).unwrap();
    let palisade_keyless::Signer::Certificate {
        claims,
        requirement,
        ..
    } = &verified.signer
    else {
        panic!("a keyless bundle")
    };
    assert_eq!(requirement, "#0");
    assert_eq!(claims.subject, DEFAULT_IDENTITY);
    assert_eq!(claims.issuer.as_deref(), Some(DEFAULT_ISSUER));
    assert_eq!(
        claims.source_repository_uri.as_deref(),
        Some("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert!(verified.log_verified && verified.sct_verified);
    let time = verified.signed_time.expect("a signed time");
    assert_eq!(time.source, palisade_keyless::TimeSource::TransparencyLog);
}
