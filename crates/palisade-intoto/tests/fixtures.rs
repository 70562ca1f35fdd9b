//! Attestations written by the real in-toto tools (tests/fixtures/intoto, see its README):
//! each verifies under its key and only its key, reads as what the tool recorded, tampered
//! copies fail, and the comparison with the declared step finds the undeclared PII read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use palisade_intoto::keys::TrustedKey;
use palisade_intoto::{
    DeclaredArtifact, Form, StageRecord, Trust, Verification, Wrapper, compare, read_attestation,
};
use serde_json::Value;

const KEYS: [&str; 4] = ["ed25519", "p256", "p384", "rsa"];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/intoto")
}

fn key(name: &str) -> TrustedKey {
    let path = dir().join(format!("keys/{name}.pub"));
    TrustedKey::from_pem(
        name,
        &std::fs::read_to_string(&path).unwrap(),
        &path.display().to_string(),
    )
    .unwrap()
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn read(file: &str, keys: &[TrustedKey]) -> StageRecord {
    let bytes = std::fs::read(dir().join(file)).unwrap();
    read_attestation(&bytes, file, &Trust::keys(keys)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn every_attestation_verifies_under_its_own_key_only() {
    let all: Vec<TrustedKey> = KEYS.iter().map(|k| key(k)).collect();
    let mut forms = std::collections::BTreeSet::new();
    for entry in manifest() {
        let file = entry["file"].as_str().unwrap();
        let signer = entry["key"].as_str().unwrap();
        let record = read(file, &all);
        if entry["form"] == "tampered" {
            assert!(
                matches!(record.verification, Verification::Invalid { .. }),
                "{file} is tampered but verified: {:?}",
                record.verification
            );
            // Not even its own key alone.
            assert!(read(file, &[key(signer)]).signer().is_none(), "{file}");
            continue;
        }
        let Verification::Verified {
            signer: got,
            keyid_matched,
        } = &record.verification
        else {
            panic!("{file}: {:?}", record.verification);
        };
        assert_eq!(got, signer, "{file}");
        // in-toto-run and securesystemslib write their keyid; Sigstore bundles write "".
        assert_eq!(*keyid_matched, !file.ends_with(".sigstore.json"), "{file}");

        let others: Vec<TrustedKey> = KEYS
            .iter()
            .filter(|k| **k != signer)
            .map(|k| key(k))
            .collect();
        let Verification::Invalid { reason } = read(file, &others).verification else {
            panic!("{file} verified without its key");
        };
        assert!(reason.contains("no signature verifies"), "{file}: {reason}");

        let (form, wrapper) = match entry["form"].as_str().unwrap() {
            "classic-link" => (Form::ClassicLink, Wrapper::Metablock),
            "classic-link-dsse" => (Form::ClassicLink, Wrapper::Dsse),
            "statement-link-v0.3" => (Form::LinkV03, Wrapper::Dsse),
            "statement-slsa-provenance-v1" => (Form::SlsaProvenanceV1, Wrapper::Dsse),
            other => panic!("unknown form {other}"),
        };
        let wrapper = if file.ends_with(".sigstore.json") {
            Wrapper::SigstoreBundle
        } else {
            wrapper
        };
        assert_eq!((record.form, record.wrapper), (form, wrapper), "{file}");
        forms.insert(format!("{form:?}/{wrapper:?}/{signer}"));

        assert_eq!(record.name.as_deref(), entry["name"].as_str(), "{file}");
        assert_eq!(record.command, strings(&entry["command"]), "{file}");
        let mut materials: Vec<String> = record.materials.iter().map(|r| r.name.clone()).collect();
        materials.sort();
        assert_eq!(materials, strings(&entry["materials"]), "{file}");
        let mut products: Vec<String> = record.products.iter().map(|r| r.name.clone()).collect();
        products.sort();
        assert_eq!(products, strings(&entry["products"]), "{file}");
        assert!(
            record
                .materials
                .iter()
                .chain(&record.products)
                .all(|r| r.digests["sha256"].len() == 64),
            "{file}"
        );
        match record.form {
            Form::SlsaProvenanceV1 => {
                assert_eq!(
                    record.builder_id.as_deref(),
                    Some("https://ci.example/runners/trainer")
                );
                assert_eq!(
                    record.materials[1].uri.as_deref(),
                    Some("git+https://git.example/fraud@refs/heads/main#src/train.py")
                );
            }
            // protobuf's Struct writes the return value as a double (0.0).
            _ => assert_eq!(record.return_value(), Some(0), "{file}"),
        }
    }
    // Every form from every producer, with every key type.
    // 4 forms × 4 keys, and link and SLSA statements in Sigstore bundles × 2 keys.
    assert_eq!(forms.len(), 4 * 4 + 2 * 2, "{forms:#?}");
}

fn declared(name: &str, rel: &str) -> DeclaredArtifact {
    let tree = palisade_hash::hash_path(
        &dir().join("workspace").join(rel),
        &palisade_hash::HashOptions::default(),
    )
    .unwrap();
    DeclaredArtifact::from_tree(name, Some(rel), &tree)
}

#[test]
fn declared_versus_attested() {
    let all: Vec<TrustedKey> = KEYS.iter().map(|k| key(k)).collect();
    let inputs = [
        declared("transactions", "data/transactions.csv"),
        declared("train-code", "src/train.py"),
    ];
    let outputs = [declared("fraud-model", "model")];
    let known = [declared("customers", "data/customers-pii.csv")];
    for entry in manifest() {
        let file = entry["file"].as_str().unwrap();
        if entry["form"] == "tampered" {
            continue;
        }
        let record = read(file, &all);
        let c = compare(&record, &inputs, &outputs, &known);
        let matched: Vec<&str> = c.matched.iter().map(|m| m.artifact.as_str()).collect();
        if file.starts_with("sneaky/") {
            // in-toto-run recorded data/ and src/ whole: the PII table is among the materials,
            // and the model it wrote is not the declared one.
            assert_eq!(matched, vec!["transactions", "train-code"], "{file}");
            assert_eq!(c.undeclared_inputs.len(), 1, "{file}: {c:?}");
            assert_eq!(
                c.undeclared_inputs[0].resource.name,
                "data/customers-pii.csv"
            );
            assert_eq!(c.undeclared_inputs[0].known_as, vec!["customers"]);
            assert_eq!(c.unattested_outputs.len(), 1, "{file}");
            assert!(
                c.unattested_outputs[0]
                    .reason
                    .contains("0 of the folder's 2 files")
                    || c.unattested_outputs[0]
                        .reason
                        .contains("none of the folder's"),
                "{}",
                c.unattested_outputs[0].reason
            );
            assert_eq!(c.undeclared_outputs.len(), 2);
        } else {
            assert_eq!(
                matched,
                vec!["transactions", "train-code", "fraud-model"],
                "{file}"
            );
            assert!(c.unattested_inputs.is_empty(), "{file}: {c:?}");
            assert!(c.unattested_outputs.is_empty(), "{file}: {c:?}");
            assert!(c.undeclared_inputs.is_empty(), "{file}: {c:?}");
            assert!(c.undeclared_outputs.is_empty(), "{file}: {c:?}");
            assert_eq!(
                c.matched[2].resources,
                vec!["model/config.json", "model/weights.bin"]
            );
        }
        // Declaring the PII table as an input that was never read: unattested.
        let with_pii = [inputs[0].clone(), known[0].clone()];
        let c = compare(&record, &with_pii, &outputs, &[]);
        if file.starts_with("sneaky/") {
            assert!(c.unattested_inputs.is_empty(), "{file}");
        } else {
            assert_eq!(c.unattested_inputs.len(), 1, "{file}");
            assert_eq!(c.unattested_inputs[0].artifact, "customers");
        }
    }
}

#[test]
fn tampered_files_say_why() {
    let all: Vec<TrustedKey> = KEYS.iter().map(|k| key(k)).collect();
    let record = read("tampered/classic-material.link", &all);
    // The tampered digest is what the record shows: a caller must look at the verification.
    assert_eq!(record.materials[0].digests["sha256"], "0".repeat(64));
    let Verification::Invalid { reason } = record.verification else {
        panic!()
    };
    assert!(
        reason.contains("with `p256` (P-256): the P-256 signature does not match"),
        "{reason}"
    );
    let record = read("tampered/statement-signature.dsse.json", &all);
    assert!(record.signer().is_none());
}

/// make.sh recorded the honest step with the `record` example and checked the files with
/// in-toto's own verifier (verify-with-in-toto.py). ECDSA (RFC 6979) and Ed25519 signatures are
/// deterministic, so today's code must write those exact bytes: what in-toto verified is what
/// palisade writes.
#[test]
fn palisade_written_attestations_are_what_in_toto_verified() {
    use palisade_intoto::run::snapshot;
    use palisade_intoto::write::{LinkStatement, sign_bundle, sign_dsse};
    use palisade_sigstore::keys::SigningKey;

    let ws = dir().join("workspace");
    let statement = LinkStatement {
        name: "train".into(),
        command: vec!["python3".into(), "src/train.py".into()],
        materials: snapshot(
            &[ws.join("data/transactions.csv"), ws.join("src/train.py")],
            &ws,
        )
        .unwrap(),
        products: snapshot(&[ws.join("model")], &ws).unwrap(),
        byproducts: [("return-value".to_string(), Value::from(0))]
            .into_iter()
            .collect(),
        environment: Default::default(),
    }
    .to_json();
    let text = |rel: &str| std::fs::read_to_string(dir().join(rel)).unwrap();
    let p256 = SigningKey::from_pem(&text("keys/p256.key"), None).unwrap();
    let ed25519 = SigningKey::from_pem(&text("keys/ed25519.key"), None).unwrap();
    assert_eq!(
        sign_dsse(&statement, &p256),
        text("palisade/train.dsse.json")
    );
    assert_eq!(
        sign_bundle(&statement, &p256, &text("keys/p256.pub")),
        text("palisade/train.sigstore.json")
    );
    assert_eq!(
        sign_dsse(&statement, &ed25519),
        text("palisade/train.ed25519.dsse.json")
    );

    let all: Vec<TrustedKey> = KEYS.iter().map(|k| key(k)).collect();
    for (file, signer) in [
        ("palisade/train.dsse.json", "p256"),
        ("palisade/train.sigstore.json", "p256"),
        ("palisade/train.ed25519.dsse.json", "ed25519"),
    ] {
        assert_eq!(read(file, &all).signer(), Some(signer), "{file}");
    }
    let tampered = read("palisade/tampered.dsse.json", &all);
    assert!(tampered.signer().is_none());
    assert_eq!(tampered.materials.len(), 1);
}
