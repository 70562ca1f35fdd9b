//! How the trusted root and the identity requirements shape verification, on conformance
//! bundles: logs and CT logs are required exactly when the root declares them; requirements
//! are tried in order and the one that matched is reported; a mismatch says what was expected
//! and what the certificate carries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use palisade_keyless::{
    Artifact, Bundle, IdentityRequirement, KeylessError, Pattern, Policy, Signer, Step, TimeSource,
    TrustRoot,
};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sigstore-conformance/bundle-verify")
}

fn json(case: &str, file: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(suite().join(case).join(file)).unwrap()).unwrap()
}

fn a_txt() -> Vec<u8> {
    std::fs::read(suite().join("a.txt")).unwrap()
}

fn root_of(v: &serde_json::Value) -> TrustRoot {
    TrustRoot::from_json(&serde_json::to_vec(v).unwrap(), "root.json").unwrap()
}

fn bundle_of(v: &serde_json::Value) -> Bundle {
    Bundle::parse(&serde_json::to_vec(v).unwrap(), "bundle.json").unwrap()
}

fn beacon() -> Policy {
    Policy::Identities(vec![IdentityRequirement::subject_and_issuer(
        IDENTITY, ISSUER,
    )])
}

#[test]
fn a_timestamp_only_bundle_needs_a_root_without_logs() {
    let mut bundle = json("rekor2-happy-path", "bundle.sigstore.json");
    bundle["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
    let with_logs = json("rekor2-happy-path", "trusted_root.json");
    let err = root_of(&with_logs)
        .verify(&bundle_of(&bundle), Artifact::Bytes(&a_txt()), &beacon())
        .unwrap_err();
    assert_eq!(err.step(), Step::Tlog, "{err}");

    let mut without_logs = with_logs.clone();
    without_logs["tlogs"] = serde_json::json!([]);
    let root = root_of(&without_logs);
    assert!(!root.has_transparency_logs() && root.has_ct_logs());
    let v = root
        .verify(&bundle_of(&bundle), Artifact::Bytes(&a_txt()), &beacon())
        .unwrap();
    assert!(!v.log_verified && v.sct_verified);
    assert_eq!(
        v.signed_time.unwrap().source,
        TimeSource::TimestampAuthority
    );

    // And a root without logs does not silently ignore entries it cannot check.
    let logged = json("rekor2-happy-path", "bundle.sigstore.json");
    let err = root
        .verify(&bundle_of(&logged), Artifact::Bytes(&a_txt()), &beacon())
        .unwrap_err();
    assert_eq!(err.step(), Step::Tlog);
    assert!(
        err.to_string().contains("declares no transparency log"),
        "{err}"
    );
}

#[test]
fn without_ct_logs_no_sct_is_required() {
    let bundle = json("rekor2-happy-path", "bundle.sigstore.json");
    let mut root = json("rekor2-happy-path", "trusted_root.json");
    let v = root_of(&root)
        .verify(&bundle_of(&bundle), Artifact::Bytes(&a_txt()), &beacon())
        .unwrap();
    assert!(v.sct_verified && v.log_verified);
    root["ctlogs"] = serde_json::json!([]);
    let v = root_of(&root)
        .verify(&bundle_of(&bundle), Artifact::Bytes(&a_txt()), &beacon())
        .unwrap();
    assert!(!v.sct_verified && v.log_verified);
}

#[test]
fn requirements_are_tried_in_order_and_the_match_is_named() {
    let root = TrustRoot::public_good().unwrap();
    let bundle = bundle_of(&json("happy-path-v0.3", "bundle.sigstore.json"));
    let policy = Policy::Identities(vec![
        IdentityRequirement {
            name: Some("release on a tag".into()),
            repository: Some(Pattern::parse(
                "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
            )),
            git_ref: Some(Pattern::parse("refs/tags/*")),
            ..IdentityRequirement::default()
        },
        IdentityRequirement {
            name: Some("beacon on main".into()),
            issuer: Some(Pattern::parse(ISSUER)),
            repository: Some(Pattern::parse(
                "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
            )),
            git_ref: Some(Pattern::parse("refs/heads/main")),
            workflow: Some(Pattern::parse(
                ".github/workflows/extremely-dangerous-oidc-beacon.yml",
            )),
            runner: Some(Pattern::parse("github-hosted")),
            ..IdentityRequirement::default()
        },
    ]);
    let v = root
        .verify(&bundle, Artifact::Bytes(&a_txt()), &policy)
        .unwrap();
    let Signer::Certificate {
        requirement,
        requirement_index,
        claims,
    } = &v.signer
    else {
        panic!("keyless")
    };
    assert_eq!(
        (requirement.as_str(), *requirement_index),
        ("beacon on main", 1)
    );
    assert_eq!(
        claims.build_trigger.as_deref().map(|t| !t.is_empty()),
        Some(true)
    );
    assert!(claims.source_repository_digest.is_some() && claims.run_invocation_uri.is_some());
    let legacy = claims
        .legacy_github
        .as_ref()
        .expect("GitHub still sets 1.2-1.6");
    assert_eq!(legacy.workflow_ref.as_deref(), Some("refs/heads/main"));
}

#[test]
fn a_mismatch_says_what_was_expected_and_found() {
    let root = TrustRoot::public_good().unwrap();
    let bundle = bundle_of(&json("happy-path-v0.3", "bundle.sigstore.json"));
    let policy = Policy::Identities(vec![
        IdentityRequirement::subject_and_issuer(IDENTITY, "https://accounts.google.com"),
        IdentityRequirement {
            workflow: Some(Pattern::parse(".github/workflows/release.yml")),
            ..IdentityRequirement::default()
        },
    ]);
    let err = root
        .verify(&bundle, Artifact::Bytes(&a_txt()), &policy)
        .unwrap_err();
    let KeylessError::IdentityMismatch { mismatches, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(mismatches.len(), 2);
    assert_eq!(mismatches[0].field, "issuer");
    assert_eq!(mismatches[0].expected, "https://accounts.google.com");
    assert_eq!(mismatches[0].found.as_deref(), Some(ISSUER));
    assert_eq!(mismatches[1].field, "workflow");
    assert!(
        err.to_string()
            .contains("#1: workflow expected .github/workflows/release.yml")
    );
    // No requirement at all is a refusal, never "anyone".
    let err = root
        .verify(
            &bundle,
            Artifact::Bytes(&a_txt()),
            &Policy::Identities(vec![]),
        )
        .unwrap_err();
    assert_eq!(err.step(), Step::Identity);
}

#[test]
fn the_embedded_root_verifies_the_production_happy_paths() {
    let root = TrustRoot::public_good().unwrap();
    for case in [
        "happy-path-v0.1",
        "happy-path-v0.2",
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
    ] {
        let bundle = bundle_of(&json(case, "bundle.sigstore.json"));
        root.verify(&bundle, Artifact::Bytes(&a_txt()), &beacon())
            .unwrap_or_else(|e| panic!("{case}: {e}"));
    }
}

#[test]
fn an_opened_file_is_hashed_as_it_is_read() {
    let root = TrustRoot::public_good().unwrap();
    for case in ["happy-path-v0.3", "happy-path-intoto-in-dsse-v3"] {
        let bundle = bundle_of(&json(case, "bundle.sigstore.json"));
        let mut file = std::fs::File::open(suite().join("a.txt")).unwrap();
        root.verify(&bundle, Artifact::Reader(&mut file), &beacon())
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut other = std::io::Cursor::new(b"not a.txt".to_vec());
        let err = root
            .verify(&bundle, Artifact::Reader(&mut other), &beacon())
            .unwrap_err();
        assert!(
            matches!(err.step(), Step::Artifact | Step::Signature),
            "{case}: {err}"
        );
    }
}
