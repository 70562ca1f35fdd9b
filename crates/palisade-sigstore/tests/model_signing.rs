//! The OpenSSF model-signing fixtures: real `model_signing` 1.1.1 bundles must verify, and
//! every kind of tampering must be caught.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use palisade_sigstore::bundle::{self, Content};
use palisade_sigstore::model_signing::{FileCheck, ModelSigningError, verify_model};
use palisade_sigstore::verify::Outcome;
use sha2::{Digest as _, Sha256};

fn verified(signer: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Verified {
            signer: s,
            payload_type,
            ..
        } => {
            assert_eq!(s, signer);
            assert_eq!(
                payload_type.as_deref(),
                Some("application/vnd.in-toto+json")
            );
        }
        Outcome::Invalid { reason } => panic!("expected verified, got: {reason}"),
    }
}

fn invalid_reason(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Invalid { reason } => reason.clone(),
        Outcome::Verified { .. } => panic!("expected invalid, got verified"),
    }
}

#[test]
fn sha256_files_signature_verifies_over_the_regenerated_model() {
    let Some(model) = signed_model_dir() else {
        return;
    };
    let b = bundle::parse(&read("model-signing/model.sig.json"), "model.sig.json").unwrap();
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let result = verify_model(&b, &model, &[key], &[], now()).unwrap();
    verified("publisher", &result.signature);
    assert_eq!(result.files, FileCheck::Match);
}

#[test]
fn blake3_files_signature_verifies_over_the_regenerated_model() {
    let Some(model) = signed_model_dir() else {
        return;
    };
    let b = bundle::parse(
        &read("model-signing/model.blake3-files.sig.json"),
        "model.blake3-files.sig.json",
    )
    .unwrap();
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let result = verify_model(&b, &model, &[key], &[], now()).unwrap();
    verified("publisher", &result.signature);
    assert_eq!(result.files, FileCheck::Match);
}

#[test]
fn regenerated_model_matches_the_listed_digests() {
    let Some(model) = signed_model_dir() else {
        return;
    };
    for line in text("model-signing/model-files.sha256").lines() {
        let (digest, name) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(model.join(name)).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), digest, "{name}");
    }
}

#[test]
fn certificate_mode_bundle_verifies_against_its_ca() {
    let b = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let ca = authority(
        "models-ca",
        "model-signing/cert-mode/ca.pem",
        Some(("publisher@models.example", None)),
    );
    let result = verify_model(&b, &fx("model-signing/cert-mode/model"), &[], &[ca], now()).unwrap();
    verified("models-ca", &result.signature);
    assert_eq!(result.files, FileCheck::Match);
}

#[test]
fn certificate_mode_refuses_the_wrong_ca_identity_and_time() {
    let b = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let model = fx("model-signing/cert-mode/model");

    let wrong = authority("impostor", "sigstore/wrong-ca.pem", None);
    let r = verify_model(&b, &model, &[], &[wrong], now()).unwrap();
    let reason = invalid_reason(&r.signature);
    assert!(reason.contains("`impostor`"), "{reason}");
    assert!(
        reason.contains("does not chain to any of the authority's roots"),
        "{reason}"
    );
    // The files are still checked and reported separately.
    assert_eq!(r.files, FileCheck::Match);

    let other_person = authority(
        "models-ca",
        "model-signing/cert-mode/ca.pem",
        Some(("someone@else.example", None)),
    );
    let reason = invalid_reason(
        &verify_model(&b, &model, &[], &[other_person], now())
            .unwrap()
            .signature,
    );
    assert!(
        reason.contains("the certificate's identity is `publisher@models.example` but `someone@else.example` is required"),
        "{reason}"
    );

    let needs_issuer = authority(
        "models-ca",
        "model-signing/cert-mode/ca.pem",
        Some((
            "publisher@models.example",
            Some("https://accounts.google.com"),
        )),
    );
    let reason = invalid_reason(
        &verify_model(&b, &model, &[], &[needs_issuer], now())
            .unwrap()
            .signature,
    );
    assert!(reason.contains("no OIDC issuer extension"), "{reason}");

    let ca = authority("models-ca", "model-signing/cert-mode/ca.pem", None);
    let before = verify_model(
        &b,
        &model,
        &[],
        std::slice::from_ref(&ca),
        at(1_767_225_600),
    )
    .unwrap();
    assert!(invalid_reason(&before.signature).contains("the leaf certificate is not valid before"));
    let after = verify_model(&b, &model, &[], &[ca], at(2_208_988_800)).unwrap();
    assert!(invalid_reason(&after.signature).contains("the leaf certificate expired on"));

    // A certificate bundle with only keys given is not verified.
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let r = verify_model(&b, &model, &[key], &[], now()).unwrap();
    assert!(invalid_reason(&r.signature).contains("no trusted certificate authority was given"));
}

#[test]
fn modified_missing_extra_files_and_ignored_paths() {
    let b = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let ca = authority("models-ca", "model-signing/cert-mode/ca.pem", None);
    let tmp = copy_dir(&fx("model-signing/cert-mode/model"));
    let dir = tmp.path();
    // Ignored by the predicate's ignore_paths: not extra.
    std::fs::create_dir_all(dir.join(".git/objects")).unwrap();
    std::fs::write(dir.join(".git/objects/x"), b"x").unwrap();
    std::fs::write(dir.join(".gitignore"), b"*.tmp").unwrap();
    let r = verify_model(&b, dir, &[], std::slice::from_ref(&ca), now()).unwrap();
    assert_eq!(r.files, FileCheck::Match);

    let mut weights = std::fs::read(dir.join("weights.bin")).unwrap();
    weights[1000] ^= 0xff;
    std::fs::write(dir.join("weights.bin"), &weights).unwrap();
    std::fs::remove_file(dir.join("config.json")).unwrap();
    std::fs::write(dir.join("tokenizer/extra.json"), b"{}").unwrap();
    let r = verify_model(&b, dir, &[], &[ca], now()).unwrap();
    verified("models-ca", &r.signature);
    assert_eq!(
        r.files,
        FileCheck::Mismatch {
            modified: vec!["weights.bin".to_string()],
            missing: vec!["config.json".to_string()],
            extra: vec!["tokenizer/extra.json".to_string()],
        }
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused() {
    let b = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let tmp = copy_dir(&fx("model-signing/cert-mode/model"));
    std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("passwd")).unwrap();
    let err = verify_model(&b, tmp.path(), &[], &[], now()).unwrap_err();
    assert!(matches!(err, ModelSigningError::Symlink { ref path } if path.ends_with("passwd")));
    assert!(
        err.to_string()
            .ends_with("passwd: symbolic links are refused inside a signed model")
    );
}

#[test]
fn flipped_signature_changed_payload_wrong_key_and_wrong_curve_fail() {
    let original = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let model = fx("model-signing/cert-mode/model");
    let ca = authority("models-ca", "model-signing/cert-mode/ca.pem", None);

    let mut flipped = original.clone();
    let Content::Dsse(env) = &mut flipped.content else {
        panic!()
    };
    let last = env.signatures[0].sig.len() - 3;
    env.signatures[0].sig[last] ^= 0x01;
    let reason = invalid_reason(
        &verify_model(&flipped, &model, &[], std::slice::from_ref(&ca), now())
            .unwrap()
            .signature,
    );
    assert!(
        reason.starts_with("no DSSE signature verifies with a trusted key"),
        "{reason}"
    );

    let mut changed = original.clone();
    let Content::Dsse(env) = &mut changed.content else {
        panic!()
    };
    env.payload = String::from_utf8(env.payload.clone())
        .unwrap()
        .replace(
            "8d61309ec695354d3cf0a55cc82b1622f52224a3764c0525ccfdb910e8701635",
            "0".repeat(64).as_str(),
        )
        .into_bytes();
    let r = verify_model(&changed, &model, &[], &[ca], now()).unwrap();
    assert!(invalid_reason(&r.signature).contains("the P-256 signature does not match"));

    let key_bundle =
        bundle::parse(&read("model-signing/model.sig.json"), "model.sig.json").unwrap();
    let small = fx("model-signing/model-small-files");
    let wrong_key = trusted_key("other", "sigstore/cosign-p256.pub");
    let r = verify_model(&key_bundle, &small, &[wrong_key], &[], now()).unwrap();
    assert!(
        invalid_reason(&r.signature)
            .contains("signature 0 with `other` (P-256): the P-256 signature does not match")
    );
    // The small-files folder lacks the weights: that is reported, not an error.
    assert!(
        matches!(r.files, FileCheck::Mismatch { ref missing, .. } if missing == &vec!["model.safetensors".to_string()])
    );

    let p384 = trusted_key("p384", "sigstore/p384-pub.pem");
    let r = verify_model(&key_bundle, &small, &[p384], &[], now()).unwrap();
    assert!(
        invalid_reason(&r.signature)
            .contains("`p384` (P-384): the signature is not a DER-encoded P-384 ECDSA signature")
            || invalid_reason(&r.signature)
                .contains("`p384` (P-384): the P-384 signature does not match"),
        "{}",
        invalid_reason(&r.signature)
    );
}

/// Signs a model-signing statement built here, independently of the crate's hashing.
fn signed_statement(predicate: serde_json::Value, subject_digest: &str) -> bundle::Bundle {
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": subject_digest}}],
        "predicateType": "https://model_signing/signature/v1.0",
        "predicate": predicate,
    });
    let key = palisade_sigstore::keys::SigningKey::from_pem(
        &text("model-signing/TEST-ONLY-ec-p256-priv.pem"),
        None,
    )
    .unwrap();
    palisade_sigstore::sign_statement(
        statement.to_string().as_bytes(),
        &key,
        &text("model-signing/ec-p256-pub.pem"),
    )
}

fn subject_of(digests: &[Vec<u8>]) -> String {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d);
    }
    hex::encode(h.finalize())
}

#[test]
fn shard_serialization_verifies_and_catches_a_changed_shard() {
    let model = fx("model-signing/cert-mode/model");
    let shard = 100_000usize;
    let mut resources = Vec::new();
    let mut digests = Vec::new();
    let mut names = Vec::new();
    for name in ["config.json", "tokenizer/tokenizer.json", "weights.bin"] {
        let bytes = std::fs::read(model.join(name)).unwrap();
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + shard).min(bytes.len());
            names.push(format!("{name}:{start}:{end}"));
            digests.push(Sha256::digest(&bytes[start..end]).to_vec());
            start = end;
        }
    }
    // model_signing sorts resources by (path, start, end); these names sort the same way here.
    for (name, d) in names.iter().zip(&digests) {
        resources.push(serde_json::json!({"name": name, "algorithm": "sha256-sharded-100000", "digest": hex::encode(d)}));
    }
    assert_eq!(names.len(), 5);
    let predicate = serde_json::json!({
        "serialization": {"method": "shards", "hash_type": "sha256", "shard_size": 100000.0, "allow_symlinks": false, "ignore_paths": []},
        "resources": resources,
    });
    let b = signed_statement(predicate, &subject_of(&digests));
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let r = verify_model(&b, &model, std::slice::from_ref(&key), &[], now()).unwrap();
    verified("publisher", &r.signature);
    assert_eq!(r.files, FileCheck::Match);

    let tmp = copy_dir(&model);
    let mut weights = std::fs::read(tmp.path().join("weights.bin")).unwrap();
    weights[250_000] ^= 1;
    std::fs::write(tmp.path().join("weights.bin"), &weights).unwrap();
    let r = verify_model(&b, tmp.path(), &[key], &[], now()).unwrap();
    assert_eq!(
        r.files,
        FileCheck::Mismatch {
            modified: vec!["weights.bin:200000:300000".to_string()],
            missing: vec![],
            extra: vec![],
        }
    );
}

#[test]
fn single_file_model_is_named_dot() {
    let path = fx("model-signing/cert-mode/model/config.json");
    let digest = Sha256::digest(std::fs::read(&path).unwrap()).to_vec();
    let predicate = serde_json::json!({
        "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false},
        "resources": [{"name": ".", "algorithm": "sha256", "digest": hex::encode(&digest)}],
    });
    let b = signed_statement(predicate, &subject_of(&[digest]));
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let r = verify_model(&b, &path, &[key], &[], now()).unwrap();
    assert_eq!(r.files, FileCheck::Match);
}

#[test]
fn unsupported_and_inconsistent_statements_are_reported() {
    let model = fx("model-signing/cert-mode/model");
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let d = "259431bd9b3878e6b4c6128b7ccfdb211498b35440f9bc9caf297ac6d951467b";
    let predicate = serde_json::json!({
        "serialization": {"method": "files", "hash_type": "blake2", "allow_symlinks": false},
        "resources": [{"name": "config.json", "algorithm": "blake2", "digest": d}],
    });
    let r = verify_model(
        &signed_statement(predicate, d),
        &model,
        std::slice::from_ref(&key),
        &[],
        now(),
    )
    .unwrap();
    assert_eq!(
        r.files,
        FileCheck::Unsupported("hash type `blake2` is not supported (sha256, blake3)".to_string())
    );

    let predicate = serde_json::json!({
        "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false},
        "resources": [{"name": "config.json", "algorithm": "sha256", "digest": d}],
    });
    let r = verify_model(
        &signed_statement(predicate, &"ab".repeat(32)),
        &model,
        std::slice::from_ref(&key),
        &[],
        now(),
    )
    .unwrap();
    verified("publisher", &r.signature);
    let FileCheck::Inconsistent(reason) = r.files else {
        panic!("{:?}", r.files)
    };
    assert!(
        reason.starts_with(&format!(
            "the subject `model` has sha256 {}, but its resource list hashes to",
            "ab".repeat(32)
        )),
        "{reason}"
    );

    let predicate = serde_json::json!({
        "serialization": {"method": "files", "hash_type": "sha256"},
        "resources": [{"name": "config.json", "algorithm": "sha256", "digest": "xyz"}],
    });
    let err = verify_model(
        &signed_statement(predicate, d),
        &model,
        std::slice::from_ref(&key),
        &[],
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an OpenSSF model signature: at /predicate/resources/0/digest: not a 32-byte hex digest"
    );

    let slsa = palisade_sigstore::sign_statement(
        br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#,
        &palisade_sigstore::keys::SigningKey::generate_p256(),
        "",
    );
    let err = verify_model(&slsa, &model, &[key], &[], now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an OpenSSF model signature: at /predicateType: `https://slsa.dev/provenance/v1` is not a model signature (expected `https://model_signing/signature/v1.0`)"
    );
}

#[test]
fn missing_model_is_an_io_error_naming_the_path() {
    let b = bundle::parse(&read("model-signing/cert-mode/cert.sig"), "cert.sig").unwrap();
    let err = verify_model(&b, &fx("model-signing/no-such-model"), &[], &[], now()).unwrap_err();
    assert!(matches!(err, ModelSigningError::Io { .. }));
    assert!(
        err.to_string().contains("no-such-model: cannot read: "),
        "{err}"
    );
}
