//! Public-key bundles through both verifiers: this crate (sigstore-verify) and the hand-written
//! one in palisade-sigstore (`verify::verify_bundle`), on the conformance `managed-key-*`
//! cases, the model_signing and sigstore fixtures, palisade's own attestations (signed here
//! with `palisade_sigstore::sign_statement`, as `palisade attest` does) and tampered copies.
//! Each row asserts what each verifier says; the table is printed (`--nocapture`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};

use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, Policy, PublicKeyPolicy, Step, TrustRoot,
};
use palisade_sigstore::keys::{PublicKey, SigningKey, pem_hint};
use palisade_sigstore::verify::{Outcome, TrustedKey, verify_bundle};
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// What the artifact is: bytes (message signatures) or the in-toto subject's digest.
enum Subject {
    Bytes(Vec<u8>),
    Sha256(String),
}

struct Case {
    name: &'static str,
    bundle: Vec<u8>,
    key_pem: Vec<u8>,
    root: Option<Vec<u8>>,
    subject: Subject,
}

/// `Ok(())` or the failing step / reason.
fn keyless(case: &Case) -> Result<(), String> {
    let root = match &case.root {
        Some(bytes) => TrustRoot::from_json(bytes, "trusted_root.json"),
        None => TrustRoot::public_good(),
    }
    .map_err(|e| e.step().to_string())?;
    let bundle = Bundle::parse(&case.bundle, case.name).map_err(|e| e.step().to_string())?;
    let key = PublicKeyPolicy::from_pem(&case.key_pem, "key").map_err(|e| e.step().to_string())?;
    let artifact = match &case.subject {
        Subject::Bytes(b) => Artifact::Bytes(b),
        Subject::Sha256(hex) => {
            Artifact::Digest(ArtifactDigestInput::parse(&format!("sha256:{hex}")).unwrap())
        }
    };
    root.verify(&bundle, artifact, &Policy::PublicKey(key))
        .map(|_| ())
        .map_err(|e| e.step().to_string())
}

fn by_hand(case: &Case) -> Result<(), String> {
    let bundle = palisade_sigstore::bundle::parse(&case.bundle, case.name)
        .map_err(|e| format!("bundle: {e}"))?;
    let pem = String::from_utf8_lossy(&case.key_pem).to_string();
    let key = PublicKey::from_pem(&pem).map_err(|e| format!("key: {e}"))?;
    let trusted = TrustedKey {
        name: "key".to_string(),
        key,
        hint: pem_hint(&pem),
    };
    let digest: Option<[u8; 32]> = match &case.subject {
        Subject::Bytes(b) => Some(Sha256::digest(b).into()),
        Subject::Sha256(_) => None,
    };
    match verify_bundle(
        &bundle,
        &[trusted],
        &[],
        digest.as_ref(),
        std::time::SystemTime::now(),
    ) {
        Outcome::Verified { .. } => Ok(()),
        Outcome::Invalid { reason } => Err(reason),
    }
}

fn conformance(case: &str) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
    let dir = format!("sigstore-conformance/bundle-verify/{case}");
    let root = fixtures().join(&dir).join("trusted_root.json");
    (
        read(&format!("{dir}/bundle.sigstore.json")),
        read(&format!("{dir}/key.pub")),
        root.exists().then(|| std::fs::read(root).unwrap()),
    )
}

fn edit(bundle: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn flip_base64(v: &mut serde_json::Value, pointer: &str) {
    let s = v.pointer_mut(pointer).unwrap();
    let text = s.as_str().unwrap().to_string();
    let mut bytes = text.into_bytes();
    bytes[4] = if bytes[4] == b'A' { b'B' } else { b'A' };
    *s = serde_json::Value::String(String::from_utf8(bytes).unwrap());
}

/// A bundle `palisade attest` would write: the in-toto statement signed with `key_rel`.
fn palisade_attestation(key_rel: &str, pub_rel: &str) -> (Vec<u8>, Vec<u8>) {
    let pem = String::from_utf8(read(key_rel)).unwrap();
    let key = SigningKey::from_pem(&pem, None).unwrap();
    let public_pem = String::from_utf8(read(pub_rel)).unwrap();
    let statement = read("sigstore/vsa-statement.json");
    let bundle = palisade_sigstore::sign_statement(&statement, &key, &public_pem).to_json();
    (bundle.into_bytes(), public_pem.into_bytes())
}

/// A case, what this crate must answer (Ok or the failing step) and what palisade-sigstore
/// must answer (Ok or a fragment of its reason).
type Row = (Case, Result<(), &'static str>, Result<(), &'static str>);

const VSA_SUBJECT: &str = "6beeb9ff5db8928c33ad9293142697f88523be5096e40648bb655b676064618e";

#[test]
fn both_verifiers_on_the_same_public_key_bundles() {
    let a_txt = read("sigstore-conformance/bundle-verify/a.txt");
    let (happy, happy_key, _) = conformance("managed-key-happy-path");
    let (custom, custom_key, custom_root) = conformance("managed-key-and-trusted-root");
    let (wrong, wrong_key, _) = conformance("managed-key-wrong-key_fail");
    let (p384, p384_pub) = palisade_attestation("sigstore/p384-priv.pem", "sigstore/p384-pub.pem");
    let (ed, ed_pub) =
        palisade_attestation("sigstore/ed25519-priv.pem", "sigstore/ed25519-pub.pem");
    let (p256, p256_pub) = (
        read("sigstore/palisade-signed-p256.sigstore.json"),
        read("model-signing/ec-p256-pub.pem"),
    );

    // (case, keyless expectation, by-hand expectation): Ok or the step / a reason fragment.
    let rows: Vec<Row> = vec![
        (
            Case {
                name: "managed-key-happy-path (hashedrekord + TSA)",
                bundle: happy.clone(),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "managed-key-and-trusted-root",
                bundle: custom.clone(),
                key_pem: custom_key.clone(),
                root: custom_root.clone(),
                subject: Subject::Bytes(a_txt.clone()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "managed-key-wrong-key_fail",
                bundle: wrong,
                key_pem: wrong_key,
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Err("key"),
            Err("key"),
        ),
        (
            Case {
                name: "happy path, another artifact",
                bundle: happy.clone(),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(b"not a.txt".to_vec()),
            },
            Err("artifact"),
            Err("digest"),
        ),
        (
            Case {
                name: "happy path, inclusion proof hash flipped",
                bundle: edit(&happy, |v| {
                    flip_base64(
                        v,
                        "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
                    )
                }),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Err("tlog"),
            Ok(()),
        ),
        (
            Case {
                name: "happy path, SET flipped",
                bundle: edit(&happy, |v| {
                    flip_base64(
                        v,
                        "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
                    )
                }),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Err("tlog"),
            Ok(()),
        ),
        (
            Case {
                name: "happy path, RFC 3161 timestamp corrupted",
                bundle: edit(&happy, |v| {
                    flip_base64(
                        v,
                        "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp",
                    )
                }),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Err("timestamp"),
            Ok(()),
        ),
        (
            Case {
                name: "happy path, log entry removed",
                bundle: edit(&happy, |v| {
                    v["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
                }),
                key_pem: happy_key.clone(),
                root: None,
                subject: Subject::Bytes(a_txt.clone()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "model_signing sign key (model.sig.json)",
                bundle: read("model-signing/model.sig.json"),
                key_pem: read("model-signing/ec-p256-pub.pem"),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "model_signing blake3 (model.blake3-files.sig.json)",
                bundle: read("model-signing/model.blake3-files.sig.json"),
                key_pem: read("model-signing/ec-p256-pub.pem"),
                root: None,
                subject: Subject::Sha256(
                    "264cb197be4bdb0787b7d63699ef86356f2844ccd8104c07aa6c2d625b7c20da".to_string(),
                ),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, P-256 (fixture)",
                bundle: p256.clone(),
                key_pem: p256_pub.clone(),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, cosign P-256 key (fixture)",
                bundle: read("sigstore/palisade-signed-cosign.sigstore.json"),
                key_pem: read("sigstore/cosign-p256.pub"),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, P-384",
                bundle: p384,
                key_pem: p384_pub,
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, Ed25519",
                bundle: ed,
                key_pem: ed_pub,
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Ok(()),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, another subject",
                bundle: p256.clone(),
                key_pem: p256_pub.clone(),
                root: None,
                subject: Subject::Sha256("00".repeat(32)),
            },
            Err("artifact"),
            Ok(()),
        ),
        (
            Case {
                name: "palisade attest, wrong key",
                bundle: p256.clone(),
                key_pem: read("sigstore/cosign-p256.pub"),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Err("signature"),
            Err("signature"),
        ),
        (
            Case {
                name: "palisade attest, payload edited",
                bundle: edit(&p256, |v| flip_base64(v, "/dsseEnvelope/payload")),
                key_pem: p256_pub.clone(),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Err("signature"),
            Err("signature"),
        ),
        (
            // The bundle spec allows one DSSE signature; palisade-sigstore takes any number.
            Case {
                name: "palisade attest, signature listed twice",
                bundle: edit(&p256, |v| {
                    let sig = v["dsseEnvelope"]["signatures"][0].clone();
                    v["dsseEnvelope"]["signatures"]
                        .as_array_mut()
                        .unwrap()
                        .push(sig);
                }),
                key_pem: p256_pub.clone(),
                root: None,
                subject: Subject::Sha256(VSA_SUBJECT.to_string()),
            },
            Err("bundle"),
            Ok(()),
        ),
    ];

    let mut table = vec![format!(
        "{:<52} | {:<12} | {}",
        "case", "keyless", "palisade-sigstore"
    )];
    let mut wrong_rows = Vec::new();
    for (case, want_keyless, want_hand) in &rows {
        let got_keyless = keyless(case);
        let got_hand = by_hand(case);
        let show = |r: &Result<(), String>| match r {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("rejects: {}", e.chars().take(70).collect::<String>()),
        };
        table.push(format!(
            "{:<52} | {:<12} | {}",
            case.name,
            show(&got_keyless),
            show(&got_hand)
        ));
        let keyless_ok = match (want_keyless, &got_keyless) {
            (Ok(()), Ok(())) => true,
            (Err(step), Err(got)) => got == step,
            _ => false,
        };
        let hand_ok = match (want_hand, &got_hand) {
            (Ok(()), Ok(())) => true,
            (Err(fragment), Err(got)) => got.contains(fragment),
            _ => false,
        };
        if !(keyless_ok && hand_ok) {
            wrong_rows.push(format!(
                "{}: keyless {got_keyless:?} (want {want_keyless:?}), by hand {got_hand:?} (want {want_hand:?})",
                case.name
            ));
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(wrong_rows.is_empty(), "{}", wrong_rows.join("\n"));
}

#[test]
fn a_key_policy_can_demand_a_log_entry() {
    let (happy, key, _) = conformance("managed-key-happy-path");
    let bare = edit(&happy, |v| {
        v["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
    });
    let root = TrustRoot::public_good().unwrap();
    let mut policy = PublicKeyPolicy::from_pem(&key, "key.pub").unwrap();
    policy.require_log_entry = true;
    let a_txt = read("sigstore-conformance/bundle-verify/a.txt");
    let bundle = Bundle::parse(&bare, "bare").unwrap();
    let err = root
        .verify(
            &bundle,
            Artifact::Bytes(&a_txt),
            &Policy::PublicKey(policy.clone()),
        )
        .unwrap_err();
    assert_eq!(err.step(), Step::Tlog);
    let logged = Bundle::parse(&happy, "happy").unwrap();
    let v = root
        .verify(&logged, Artifact::Bytes(&a_txt), &Policy::PublicKey(policy))
        .unwrap();
    assert!(v.log_verified);
    assert!(v.signed_times.len() >= 2, "{:?}", v.signed_times);
}
