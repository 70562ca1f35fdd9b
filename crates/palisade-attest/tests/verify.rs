//! `verify` on every kind of bundle it accepts, built from the repository's fixtures, and on
//! bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use palisade_attest::verify::{
    Request, certificates_from_pem, trusted_ca_file, trusted_key_file, verify,
};
use palisade_attest::{Decision, Subject, Summary, VerifyError};
use palisade_sigstore::bundle::{
    Bundle, BundleVersion, Content, MEDIA_TYPE_V0_3, VerificationMaterial,
};
use palisade_sigstore::dsse::{DsseSignature, Envelope};
use palisade_sigstore::keys::{SigningKey, pem_hint};

fn fx(rel: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

/// 2027-06-01T00:00:00Z: every fixture certificate is valid then.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_811_808_000)
}

fn request(bundle: &Path) -> Request {
    Request {
        bundle: bundle.to_path_buf(),
        keys: Vec::new(),
        authorities: Vec::new(),
        artifacts: Vec::new(),
        now: now(),
        require_passed: false,
        pipeline_digest: None,
        lock_digest: None,
    }
}

fn summary(sha256: &str, passed: bool) -> Summary {
    Summary {
        subjects: vec![Subject {
            name: "m.bin".into(),
            sha256: sha256.into(),
            kind: "model".into(),
            artifact: "m".into(),
        }],
        verifier_version: "0.1.0".into(),
        time_verified: palisade_core::Timestamp::from_unix(1_796_083_200),
        resource_uri: "pipeline.pal".into(),
        policy_uri: "pipeline.pal#policies".into(),
        policy_sha256: "ab".repeat(32),
        input_attestations: Vec::new(),
        inputs: Default::default(),
        decision: Decision {
            pipeline: "p".into(),
            passed,
            ..Default::default()
        },
    }
}

#[test]
fn certificate_chain_dsse_bundle_verifies_with_ca_identity_and_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = std::fs::read_to_string(fx("sigstore/chain-leaf-priv.pem")).unwrap();
    let key = SigningKey::from_pem(&key_pem, None).unwrap();
    let statement = summary(&"cd".repeat(32), true).statement_json();
    let leaf = certificates_from_pem(
        &std::fs::read_to_string(fx("sigstore/chain-leaf.pem")).unwrap(),
        "leaf",
    )
    .unwrap();
    let intermediate = certificates_from_pem(
        &std::fs::read_to_string(fx("sigstore/chain-intermediate.pem")).unwrap(),
        "intermediate",
    )
    .unwrap();
    let bundle = Bundle {
        media_type: MEDIA_TYPE_V0_3.to_string(),
        version: BundleVersion::V0_3,
        material: VerificationMaterial::Chain(vec![leaf[0].clone(), intermediate[0].clone()]),
        content: Content::Dsse(Envelope {
            payload_type: palisade_sigstore::IN_TOTO_PAYLOAD_TYPE.to_string(),
            payload: statement.clone(),
            signatures: vec![DsseSignature {
                keyid: String::new(),
                sig: key.sign(&palisade_sigstore::dsse::pae(
                    palisade_sigstore::IN_TOTO_PAYLOAD_TYPE,
                    &statement,
                )),
            }],
        }),
    };
    let path = dir.path().join("chain.sigstore.json");
    std::fs::write(&path, bundle.to_json()).unwrap();

    let san = "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main";
    let issuer = "https://token.actions.githubusercontent.com";
    let mut req = request(&path);
    req.authorities =
        vec![trusted_ca_file(&fx("sigstore/chain-root.pem"), Some(san), Some(issuer)).unwrap()];
    req.require_passed = true;
    let report = verify(&req).unwrap();
    assert!(report.verified(), "{}", report.render());
    assert_eq!(
        report.required_identity.as_deref(),
        Some(format!("{san} (issuer {issuer})").as_str())
    );
    assert_eq!(report.verdict.as_ref().unwrap().result, "PASSED");
    assert!(
        report.material.starts_with("certificate"),
        "{}",
        report.material
    );

    // Another issuer, another identity, or a CA that did not issue the chain: refused.
    for (ca, id, iss) in [
        ("sigstore/chain-root.pem", san, "https://accounts.example"),
        (
            "sigstore/chain-root.pem",
            "https://github.com/evil/x",
            issuer,
        ),
        ("model-signing/cert-mode/ca.pem", san, issuer),
    ] {
        req.authorities = vec![trusted_ca_file(&fx(ca), Some(id), Some(iss)).unwrap()];
        let report = verify(&req).unwrap();
        assert!(!report.verified(), "{ca} {id} {iss}");
        assert!(
            report.render().contains("signature: INVALID"),
            "{}",
            report.render()
        );
        assert_eq!(
            report.verdict, None,
            "an unverified payload is not interpreted"
        );
    }
    // A key is no help for a certificate-signed bundle.
    req.authorities.clear();
    req.keys = vec![trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap()];
    assert!(!verify(&req).unwrap().verified());
}

#[test]
fn message_signature_bundle_checks_the_artifact_digest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key_pem = std::fs::read_to_string(fx("model-signing/TEST-ONLY-ec-p256-priv.pem")).unwrap();
    let key = SigningKey::from_pem(&key_pem, None).unwrap();
    let pub_pem = std::fs::read_to_string(fx("model-signing/ec-p256-pub.pem")).unwrap();
    let artifact = b"release tarball bytes";
    std::fs::write(d.join("a.tar"), artifact).unwrap();
    std::fs::write(d.join("b.tar"), b"something else").unwrap();
    let digest = palisade_hash::hash_file(&d.join("a.tar"), palisade_hash::Algorithms::Sha256)
        .unwrap()
        .sha256
        .unwrap();
    let bundle = Bundle {
        media_type: MEDIA_TYPE_V0_3.to_string(),
        version: BundleVersion::V0_3,
        material: VerificationMaterial::PublicKey {
            hint: pem_hint(&pub_pem),
        },
        content: Content::MessageSignature {
            digest: Some(("SHA2_256".to_string(), digest.to_vec())),
            signature: key.sign(artifact),
        },
    };
    std::fs::write(d.join("a.sigstore.json"), bundle.to_json()).unwrap();
    let mut req = request(&d.join("a.sigstore.json"));
    req.keys = vec![trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap()];

    let report = verify(&req).unwrap();
    assert!(report.verified(), "{}", report.render());
    assert_eq!(report.content, "message signature");
    assert!(
        report.notes[0].starts_with("no --artifact"),
        "{:?}",
        report.notes
    );

    req.artifacts = vec![d.join("a.tar")];
    let report = verify(&req).unwrap();
    assert!(report.verified(), "{}", report.render());
    assert_eq!(report.artifacts[0].sha256, hex::encode(digest));

    req.artifacts = vec![d.join("b.tar")];
    let report = verify(&req).unwrap();
    assert!(!report.verified());
    assert!(
        report
            .render()
            .contains("differs from the bundle's message digest"),
        "{}",
        report.render()
    );

    req.artifacts = vec![d.join("a.tar"), d.join("b.tar")];
    assert!(matches!(verify(&req), Err(VerifyError::Usage { .. })));

    req.artifacts = vec![d.join("a.tar")];
    req.require_passed = true;
    let report = verify(&req).unwrap();
    assert_eq!(
        report.failures,
        ["--require-passed: a message signature carries no verdict"]
    );
}

#[test]
fn payload_that_is_not_a_statement_cannot_match_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = std::fs::read_to_string(fx("model-signing/TEST-ONLY-ec-p256-priv.pem")).unwrap();
    let key = SigningKey::from_pem(&key_pem, None).unwrap();
    let pub_pem = std::fs::read_to_string(fx("model-signing/ec-p256-pub.pem")).unwrap();
    let json = palisade_sigstore::sign_statement(b"{\"hello\": 1}", &key, &pub_pem).to_json();
    std::fs::write(dir.path().join("b.json"), json).unwrap();
    std::fs::write(dir.path().join("f"), b"x").unwrap();
    let mut req = request(&dir.path().join("b.json"));
    req.keys = vec![trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap()];
    let report = verify(&req).unwrap();
    assert!(report.verified(), "{}", report.render());
    assert_eq!(report.statement_type, None);
    req.artifacts = vec![dir.path().join("f")];
    let report = verify(&req).unwrap();
    assert!(!report.verified());
    assert!(
        report.failures[0].contains("not an in-toto statement"),
        "{:?}",
        report.failures
    );
    req.artifacts.clear();
    req.require_passed = true;
    let report = verify(&req).unwrap();
    assert_eq!(
        report.failures,
        ["--require-passed: the bundle is not a SLSA verification summary"]
    );
}

#[test]
fn trust_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = trusted_key_file(&d.join("missing.pem")).unwrap_err();
    assert!(
        e.to_string()
            .contains("missing.pem: cannot read the public key"),
        "{e}"
    );
    std::fs::write(d.join("big.pem"), vec![b'a'; (1 << 20) + 1]).unwrap();
    let e = trusted_key_file(&d.join("big.pem")).unwrap_err();
    assert!(
        e.to_string().contains("larger than the 1048576-byte limit"),
        "{e}"
    );
    let e = trusted_key_file(d).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let e = trusted_key_file(&fx("sigstore/rsa-pub.pem")).unwrap_err();
    assert!(e.to_string().contains("rsa-pub.pem"), "{e}");

    let e = certificates_from_pem("no pem here", "ca.pem").unwrap_err();
    assert_eq!(e.to_string(), "ca.pem: no `CERTIFICATE` PEM block");
    let e = certificates_from_pem(
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "ca.pem",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("ca.pem: the certificate starting on line 1 is not base64"),
        "{e}"
    );
    let e = certificates_from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n", "ca.pem").unwrap_err();
    assert_eq!(e.to_string(), "ca.pem: a CERTIFICATE block is not closed");
    let e = certificates_from_pem("-----END CERTIFICATE-----\n", "ca.pem").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ca.pem: line 1: END CERTIFICATE without BEGIN"
    );
    let roots = certificates_from_pem(
        &std::fs::read_to_string(fx("sigstore/chain-root.pem")).unwrap(),
        "root",
    )
    .unwrap();
    assert_eq!(roots.len(), 1);

    let e = trusted_ca_file(&fx("sigstore/chain-root.pem"), None, Some("https://x")).unwrap_err();
    assert!(e.to_string().contains("--issuer needs --identity"), "{e}");
}

#[test]
fn unusable_bundles_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap();
    let cases: [(&str, &[u8], &str); 3] = [
        ("empty.json", b"", "empty.json"),
        ("array.json", b"[1]", "empty.json"),
        ("deep.json", &[b'['; 10_000], "deep.json"),
    ];
    for (name, bytes, _) in cases {
        std::fs::write(d.join(name), bytes).unwrap();
        let mut req = request(&d.join(name));
        req.keys = vec![key.clone()];
        let e = verify(&req).unwrap_err();
        assert!(matches!(e, VerifyError::Bundle(_)), "{name}: {e:?}");
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    let mut req = request(&d.join("nope.json"));
    req.keys = vec![key];
    let e = verify(&req).unwrap_err();
    assert!(
        e.to_string().contains("nope.json: cannot read the bundle"),
        "{e}"
    );
    let req = request(&d.join("nope.json"));
    assert!(matches!(verify(&req), Err(VerifyError::Usage { .. })));
}

#[test]
fn blake3_model_signature_verifies_without_and_refuses_wrong_model() {
    // The blake3 fixture signs the 50 MiB model (not in the repo); against the small files
    // alone, the files must not match, whatever the hash.
    let sig = fx("model-signing/model.blake3-files.sig.json");
    let mut req = request(&sig);
    req.keys = vec![trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap()];
    let report = verify(&req).unwrap();
    assert!(report.verified(), "{}", report.render());
    req.artifacts = vec![fx("model-signing/model-small-files")];
    let report = verify(&req).unwrap();
    assert!(!report.verified());
    let text = report.render();
    assert!(text.contains("missing [model.safetensors]"), "{text}");
}

#[test]
fn older_bundle_versions_and_bare_envelopes_verify_too() {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = std::fs::read_to_string(fx("model-signing/TEST-ONLY-ec-p256-priv.pem")).unwrap();
    let key = SigningKey::from_pem(&key_pem, None).unwrap();
    let pub_pem = std::fs::read_to_string(fx("model-signing/ec-p256-pub.pem")).unwrap();
    let json = palisade_attest::sign(&summary(&"cd".repeat(32), false), &key, &pub_pem);
    let v03: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut variants = Vec::new();
    for media in [
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
    ] {
        let mut v = v03.clone();
        v["mediaType"] = media.into();
        variants.push(v);
    }
    variants.push(v03["dsseEnvelope"].clone());
    for (i, v) in variants.iter().enumerate() {
        let path = dir.path().join(format!("b{i}.json"));
        std::fs::write(&path, serde_json::to_string(v).unwrap()).unwrap();
        let mut req = request(&path);
        req.keys = vec![trusted_key_file(&fx("model-signing/ec-p256-pub.pem")).unwrap()];
        let report = verify(&req).unwrap();
        assert!(report.verified(), "{i}: {}", report.render());
        assert_eq!(report.verdict.as_ref().unwrap().result, "FAILED");
        req.require_passed = true;
        let report = verify(&req).unwrap();
        assert_eq!(report.failures, ["--require-passed: the verdict is FAILED"]);
    }
}
