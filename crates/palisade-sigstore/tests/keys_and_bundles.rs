//! Keys from independent tools (OpenSSL, sigstore-rs, model_signing), sign → verify round
//! trips, certificate chains, message signatures, and every malformed-bundle case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use palisade_sigstore::bundle::{self, BundleError, BundleVersion, Content, VerificationMaterial};
use palisade_sigstore::keys::{KeyError, PublicKey, SigningKey, pem_hint};
use palisade_sigstore::verify::{Outcome, TrustedKey, verify_bundle};
use palisade_sigstore::{dsse, intoto, sign_statement};
use sha2::{Digest as _, Sha256};

const PASSWORD: &[u8] = b"palisade-test-password";
const STATEMENT: &[u8] = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"model","digest":{"sha256":"6beeb9ff5db8928c33ad9293142697f88523be5096e40648bb655b676064618e"}}],"predicateType":"https://slsa.dev/verification_summary/v1","predicate":{"verifier":{"id":"https://palisade.example/verifier"},"verificationResult":"PASSED"}}"#;

fn key_for(key: &SigningKey, name: &str) -> (TrustedKey, String) {
    let pem = key.public_key().to_pem();
    (
        TrustedKey {
            name: name.to_string(),
            key: PublicKey::from_pem(&pem).unwrap(),
            hint: pem_hint(&pem),
        },
        pem,
    )
}

fn round_trip(key: &SigningKey, algorithm: &str) {
    let (trusted, pem) = key_for(key, "release");
    assert_eq!(trusted.key.algorithm(), algorithm);
    let json = sign_statement(STATEMENT, key, &pem).to_json();
    let b = bundle::parse(json.as_bytes(), "verdict.json").unwrap();
    assert_eq!(b.version, BundleVersion::V0_3);
    assert_eq!(
        b.material,
        VerificationMaterial::PublicKey {
            hint: pem_hint(&pem)
        }
    );
    assert_eq!(
        verify_bundle(&b, &[trusted], &[], None, now()),
        Outcome::Verified {
            signer: "release".to_string(),
            payload: STATEMENT.to_vec(),
            payload_type: Some("application/vnd.in-toto+json".to_string()),
        }
    );
    // Another key of any kind must not verify it.
    let (other, _) = key_for(&SigningKey::generate_p256(), "other");
    assert!(!verify_bundle(&b, &[other], &[], None, now()).is_verified());
}

#[test]
fn round_trip_p256_generated() {
    let key = SigningKey::generate_p256();
    round_trip(&key, "P-256");
    // PKCS#8 export reads back as the same key.
    let again = SigningKey::from_pem(&key.to_pkcs8_pem(), None).unwrap();
    assert_eq!(again.public_key(), key.public_key());
}

#[test]
fn round_trip_p384_from_openssl() {
    round_trip(
        &SigningKey::from_pem(&text("sigstore/p384-priv.pem"), None).unwrap(),
        "P-384",
    );
}

#[test]
fn round_trip_ed25519_from_openssl() {
    round_trip(
        &SigningKey::from_pem(&text("sigstore/ed25519-priv.pem"), None).unwrap(),
        "Ed25519",
    );
}

#[test]
fn round_trip_cosign_keys_made_by_sigstore_rs() {
    for (name, algorithm) in [("cosign-p256", "P-256"), ("cosign-ed25519", "Ed25519")] {
        let key = SigningKey::from_named_pem(
            &text(&format!("sigstore/{name}.key")),
            Some(PASSWORD),
            name,
        )
        .unwrap();
        let public = PublicKey::from_pem(&text(&format!("sigstore/{name}.pub"))).unwrap();
        assert_eq!(key.public_key(), public, "{name}");
        round_trip(&key, algorithm);
        // sigstore-rs's own signature over the message verifies with our code.
        let msg = read("sigstore/message.txt");
        let sig = read(&format!("sigstore/{name}.message.sig"));
        assert_eq!(public.verify(&msg, &sig), Ok(()), "{name}");
        assert!(public.verify(b"another message", &sig).is_err());
    }
}

#[test]
fn cosign_export_reads_back_and_wrong_passwords_fail() {
    let key = SigningKey::from_pem(&text("sigstore/p384-priv.pem"), None).unwrap();
    let pem = key.to_cosign_pem(b"s3cret");
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    let back = SigningKey::from_pem(&pem, Some(b"s3cret")).unwrap();
    assert_eq!(back.public_key(), key.public_key());
    // The old `COSIGN` label is read too.
    let old = pem.replace("SIGSTORE", "COSIGN");
    assert!(SigningKey::from_pem(&old, Some(b"s3cret")).is_ok());

    let cosign = text("sigstore/cosign-p256.key");
    let err = SigningKey::from_named_pem(&cosign, Some(b"wrong"), "cosign-p256.key").unwrap_err();
    assert!(matches!(err, KeyError::Decrypt { .. }));
    assert_eq!(
        err.to_string(),
        "cosign-p256.key: cannot decrypt the private key: wrong password or damaged file"
    );
    let err = SigningKey::from_named_pem(&cosign, None, "cosign-p256.key").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cosign-p256.key: the private key is encrypted and no password was given"
    );
}

#[test]
fn cosign_files_with_bad_contents_are_refused_with_reasons() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let wrap = |json: &str| {
        format!(
            "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            b64.encode(json)
        )
    };
    let cases = [
        (
            "not json",
            "k: malformed key: cosign encrypted key: not cosign's JSON: expected ident at line 1 column 2",
        ),
        (
            r#"{"kdf":{"name":"scrypt","params":{"N":1048576,"r":8,"p":1},"salt":""},"cipher":{"name":"nacl/secretbox","nonce":""},"ciphertext":""}"#,
            "k: malformed key: cosign encrypted key: unexpected scrypt parameters N=1048576 r=8 p=1 (cosign uses N=32768 or 65536, r=8, p=1)",
        ),
        (
            r#"{"kdf":{"name":"argon2","params":{"N":32768,"r":8,"p":1},"salt":""},"cipher":{"name":"nacl/secretbox","nonce":""},"ciphertext":""}"#,
            "k: malformed key: cosign encrypted key: unknown kdf `argon2` (expected scrypt)",
        ),
        (
            r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":""},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":""}"#,
            "k: malformed key: cosign encrypted key: nonce is 3 bytes, expected 24",
        ),
    ];
    for (json, expected) in cases {
        let err = SigningKey::from_named_pem(&wrap(json), Some(b"pw"), "k").unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn model_signing_sec1_key_matches_its_public_key_and_hint() {
    let key =
        SigningKey::from_pem(&text("model-signing/TEST-ONLY-ec-p256-priv.pem"), None).unwrap();
    let public_text = text("model-signing/ec-p256-pub.pem");
    assert_eq!(key.public_key().to_pem(), public_text);
    assert_eq!(
        pem_hint(&public_text),
        "0e3ae444afe1f69a1e56c401081a96203e1a34e809711931e68a26b9ff13aca5"
    );
}

#[test]
fn openssl_signatures_verify() {
    let msg = read("sigstore/openssl-message.txt");
    let p384 = PublicKey::from_pem(&text("sigstore/p384-pub.pem")).unwrap();
    assert_eq!(
        p384.verify(&msg, &read("sigstore/p384.openssl-message.sig")),
        Ok(())
    );
    let ed = PublicKey::from_pem(&text("sigstore/ed25519-pub.pem")).unwrap();
    assert_eq!(
        ed.verify(&msg, &read("sigstore/ed25519.openssl-message.sig")),
        Ok(())
    );
    assert_eq!(
        ed.verify(&msg, &read("sigstore/p384.openssl-message.sig"))
            .unwrap_err()
            .to_string(),
        format!(
            "the signature is {} bytes, an Ed25519 signature is 64",
            read("sigstore/p384.openssl-message.sig").len()
        )
    );
    // PEM out, PEM in: same key.
    assert_eq!(PublicKey::from_pem(&p384.to_pem()).unwrap(), p384);
    assert_eq!(PublicKey::from_pem(&ed.to_pem()).unwrap(), ed);
}

#[test]
fn unusable_keys_are_refused_with_reasons() {
    let cases: Vec<(String, String)> = vec![
        (
            text("sigstore/rsa-pub.pem"),
            "k: unsupported public key algorithm RSA (supported: P-256, P-384, Ed25519)".into(),
        ),
        (
            text("sigstore/p521-pub.pem"),
            "k: unsupported elliptic curve 1.3.132.0.35 (supported: P-256, P-384, Ed25519)".into(),
        ),
        (
            text("sigstore/p384-priv.pem"),
            "k: expected a `PUBLIC KEY` PEM block, found PRIVATE KEY".into(),
        ),
        (
            "hello".into(),
            "k: not a usable PEM file: no PEM block (`-----BEGIN …-----`) found".into(),
        ),
        (
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into(),
            "k: not a SubjectPublicKeyInfo".into(),
        ),
    ];
    for (pem, expected) in cases {
        let err = PublicKey::from_named_pem(&pem, "k")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&expected), "{err} <> {expected}");
    }
    let err = SigningKey::from_named_pem(&text("sigstore/p384-pub.pem"), None, "k").unwrap_err();
    assert_eq!(
        err.to_string(),
        "k: no private key PEM block, found PUBLIC KEY"
    );
    let big = "A".repeat(2 << 20);
    let err = PublicKey::from_named_pem(&big, "k").unwrap_err();
    assert_eq!(
        err.to_string(),
        "k: not a usable PEM file: 2097152 bytes is more than the 1048576-byte limit for a key file"
    );
}

#[test]
fn model_signing_bundle_reads_and_writes_back_byte_for_byte() {
    let original = read("model-signing/model.sig.json");
    let b = bundle::parse(&original, "model.sig.json").unwrap();
    assert_eq!(b.version, BundleVersion::V0_3);
    assert_eq!(b.to_json().as_bytes(), original.as_slice());
    let env = b.envelope().unwrap();
    assert_eq!(env.signatures[0].keyid, "");
    assert_eq!(env.signatures[0].sig.len(), 72);
    let st = intoto::parse_statement(&env.payload, "model.sig.json").unwrap();
    assert_eq!(st.predicate_type, "https://model_signing/signature/v1.0");
    assert_eq!(st.subjects[0].name, "model");
    assert_eq!(
        st.subjects[0].digest["sha256"],
        "6beeb9ff5db8928c33ad9293142697f88523be5096e40648bb655b676064618e"
    );
}

#[test]
fn older_bundle_versions_and_bare_envelopes_verify() {
    let original = text("model-signing/model.sig.json");
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    for (media, version) in [
        (
            "application/vnd.dev.sigstore.bundle+json;version=0.1",
            BundleVersion::V0_1,
        ),
        (
            "application/vnd.dev.sigstore.bundle+json;version=0.2",
            BundleVersion::V0_2,
        ),
        (
            "application/vnd.dev.sigstore.bundle+json;version=0.3",
            BundleVersion::V0_3,
        ),
    ] {
        let json = original.replace("application/vnd.dev.sigstore.bundle.v0.3+json", media);
        let b = bundle::parse(json.as_bytes(), "old.json").unwrap();
        assert_eq!(b.version, version);
        assert!(verify_bundle(&b, std::slice::from_ref(&key), &[], None, now()).is_verified());
        // Written back as canonical v0.3.
        assert_eq!(b.to_json(), original);
    }
    // The envelope alone, as DSSE tools write it; snake_case field names as protobuf allows.
    let doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut env = doc["dsseEnvelope"].clone();
    let bare = bundle::parse(env.to_string().as_bytes(), "bare.dsse.json").unwrap();
    assert_eq!(bare.version, BundleVersion::BareDsse);
    assert_eq!(
        bare.material,
        VerificationMaterial::PublicKey {
            hint: String::new()
        }
    );
    assert!(verify_bundle(&bare, std::slice::from_ref(&key), &[], None, now()).is_verified());
    let obj = env.as_object_mut().unwrap();
    let t = obj.remove("payloadType").unwrap();
    obj.insert("payload_type".into(), t);
    let snake = bundle::parse(env.to_string().as_bytes(), "snake.json").unwrap();
    assert!(verify_bundle(&snake, &[key], &[], None, now()).is_verified());
}

#[test]
fn an_unknown_hint_still_tries_every_key() {
    let key = SigningKey::generate_p256();
    let (mut trusted, pem) = key_for(&key, "release");
    let b = sign_statement(STATEMENT, &key, &pem);
    trusted.hint = "something else".to_string();
    let (decoy, _) = key_for(&SigningKey::generate_p256(), "decoy");
    let mut decoy = decoy;
    decoy.hint = pem_hint(&pem); // A decoy claiming the hint is tried first, then the rest.
    let out = verify_bundle(&b, &[decoy, trusted], &[], None, now());
    assert!(
        matches!(out, Outcome::Verified { ref signer, .. } if signer == "release"),
        "{out:?}"
    );
    assert_eq!(
        verify_bundle(&b, &[], &[], None, now()),
        Outcome::Invalid {
            reason: "the bundle is signed with a public key, but no trusted key was given"
                .to_string()
        }
    );
}

fn chain_bundle(material: VerificationMaterial) -> bundle::Bundle {
    let key = SigningKey::from_pem(&text("sigstore/chain-leaf-priv.pem"), None).unwrap();
    let mut b = sign_statement(STATEMENT, &key, "");
    b.material = material;
    b
}

const WORKFLOW: &str =
    "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

#[test]
fn certificate_chain_with_intermediate_verifies_with_identity_and_issuer() {
    let leaf = certs("sigstore/chain-leaf.pem").remove(0);
    let intermediate = certs("sigstore/chain-intermediate.pem").remove(0);
    let root = certs("sigstore/chain-root.pem").remove(0);
    let ca = authority(
        "trainer",
        "sigstore/chain-root.pem",
        Some((WORKFLOW, Some(GITHUB))),
    );

    // Root included in the chain (as model_signing writes it): accepted.
    let b = chain_bundle(VerificationMaterial::Chain(vec![
        leaf.clone(),
        intermediate.clone(),
        root,
    ]));
    let out = verify_bundle(&b, &[], std::slice::from_ref(&ca), None, now());
    assert!(
        matches!(out, Outcome::Verified { ref signer, .. } if signer == "trainer"),
        "{out:?}"
    );

    // Written without the root; read back, still verifies.
    let json = b.to_json();
    let back = bundle::parse(json.as_bytes(), "chain.json").unwrap();
    assert_eq!(
        back.material,
        VerificationMaterial::Chain(vec![leaf.clone(), intermediate.clone()])
    );
    assert!(verify_bundle(&back, &[], std::slice::from_ref(&ca), None, now()).is_verified());

    // Without the intermediate the leaf does not chain to the root.
    let alone = chain_bundle(VerificationMaterial::Certificate(leaf.clone()));
    let json = alone.to_json();
    assert!(json.contains("\"certificate\":{\"rawBytes\":"), "{json}");
    let Outcome::Invalid { reason } =
        verify_bundle(&alone, &[], std::slice::from_ref(&ca), None, now())
    else {
        panic!()
    };
    assert!(
        reason.contains("the certificate does not chain to any of the authority's roots"),
        "{reason}"
    );

    // Wrong OIDC issuer, wrong root.
    let wrong_issuer = authority(
        "trainer",
        "sigstore/chain-root.pem",
        Some((WORKFLOW, Some("https://gitlab.example"))),
    );
    let Outcome::Invalid { reason } = verify_bundle(&b, &[], &[wrong_issuer], None, now()) else {
        panic!()
    };
    assert!(
        reason.contains(&format!(
            "the certificate's OIDC issuer is `{GITHUB}` but `https://gitlab.example` is required"
        )),
        "{reason}"
    );
    let wrong_root = authority("trainer", "model-signing/cert-mode/ca.pem", None);
    assert!(!verify_bundle(&b, &[], &[wrong_root], None, now()).is_verified());

    // A TLS certificate for the same key and identity may not sign code.
    let tls = certs("sigstore/chain-leaf-tls.pem").remove(0);
    let b = chain_bundle(VerificationMaterial::Chain(vec![tls, intermediate]));
    let Outcome::Invalid { reason } = verify_bundle(&b, &[], &[ca], None, now()) else {
        panic!()
    };
    assert!(
        reason.contains("is not allowed to sign code (no codeSigning extended key usage)"),
        "{reason}"
    );
}

#[test]
fn message_signatures_verify_against_the_artifact_digest() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let msg = read("sigstore/message.txt");
    let digest: [u8; 32] = Sha256::digest(&msg).into();
    let pub_text = text("sigstore/cosign-p256.pub");
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "verificationMaterial": {"publicKey": {"hint": pem_hint(&pub_text)}, "tlogEntries": []},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64.encode(digest)},
            "signature": b64.encode(read("sigstore/cosign-p256.message.sig")),
        }
    });
    let b = bundle::parse(json.to_string().as_bytes(), "msg.sigstore.json").unwrap();
    let key = trusted_key("cosign", "sigstore/cosign-p256.pub");
    assert_eq!(
        verify_bundle(&b, std::slice::from_ref(&key), &[], Some(&digest), now()),
        Outcome::Verified {
            signer: "cosign".into(),
            payload: digest.to_vec(),
            payload_type: None
        }
    );
    assert!(verify_bundle(&b, std::slice::from_ref(&key), &[], None, now()).is_verified());
    let other = [7u8; 32];
    let Outcome::Invalid { reason } =
        verify_bundle(&b, std::slice::from_ref(&key), &[], Some(&other), now())
    else {
        panic!()
    };
    assert!(reason.starts_with("the artifact's sha256 0707"), "{reason}");
    // Round trip through our writer keeps it verifiable.
    let back = bundle::parse(b.to_json().as_bytes(), "msg2.json").unwrap();
    assert!(matches!(back.content, Content::MessageSignature { .. }));
    assert!(verify_bundle(&back, &[key], &[], Some(&digest), now()).is_verified());
    // An Ed25519 key cannot check a digest.
    let ed = trusted_key("ed", "sigstore/cosign-ed25519.pub");
    let Outcome::Invalid { reason } = verify_bundle(&b, &[ed], &[], Some(&digest), now()) else {
        panic!()
    };
    assert!(
        reason.contains("a Ed25519 key signs with another hash than SHA-256")
            || reason.contains("Ed25519"),
        "{reason}"
    );
}

#[test]
fn pae_of_the_fixture_is_what_was_signed() {
    let b = bundle::parse(&read("model-signing/model.sig.json"), "model.sig.json").unwrap();
    let env = b.envelope().unwrap();
    let pae = dsse::pae(&env.payload_type, &env.payload);
    assert!(
        pae.starts_with(
            format!(
                "DSSEv1 28 application/vnd.in-toto+json {} {{",
                env.payload.len()
            )
            .as_bytes()
        )
    );
    let key = PublicKey::from_pem(&text("model-signing/ec-p256-pub.pem")).unwrap();
    assert_eq!(key.verify(&pae, &env.signatures[0].sig), Ok(()));
}

fn bundle_err(json: &str) -> String {
    bundle::parse(json.as_bytes(), "b.json")
        .unwrap_err()
        .to_string()
}

#[test]
fn malformed_bundles_are_errors_with_file_path_and_reason() {
    let good = text("model-signing/model.sig.json");
    let doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let with = |pointer: &str, value: serde_json::Value| {
        let mut d = doc.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match d.pointer_mut(parent).unwrap() {
            serde_json::Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            other => {
                other
                    .as_object_mut()
                    .unwrap()
                    .insert(key.to_string(), value);
            }
        }
        d.to_string()
    };
    let without = |parent: &str, key: &str| {
        let mut d = doc.clone();
        d.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
        d.to_string()
    };
    let cert = serde_json::json!({"rawBytes": "AAAA"});
    let cases: Vec<(String, &str)> = vec![
        (
            "[1]".into(),
            "b.json: at /: expected an object, found an array",
        ),
        (
            with("/mediaType", "application/json".into()),
            "b.json: at /mediaType: unknown bundle media type `application/json` (expected `application/vnd.dev.sigstore.bundle+json;version=0.1`, `application/vnd.dev.sigstore.bundle+json;version=0.2` or `application/vnd.dev.sigstore.bundle.v0.3+json`)",
        ),
        (
            with("/mediaType", 3.into()),
            "b.json: at /mediaType: expected a string, found a number",
        ),
        (
            without("", "verificationMaterial"),
            "b.json: at /: missing required field `verificationMaterial`",
        ),
        (
            without("/verificationMaterial", "publicKey"),
            "b.json: at /verificationMaterial: no `publicKey`, `certificate` or `x509CertificateChain`",
        ),
        (
            with("/verificationMaterial/certificate", cert.clone()),
            "b.json: at /verificationMaterial/certificate/rawBytes: not a DER X.509 certificate",
        ),
        (
            with("/verificationMaterial/tlogEntries", serde_json::json!({})),
            "b.json: at /verificationMaterial/tlogEntries: expected an array, found an object",
        ),
        (
            with(
                "/verificationMaterial/x509CertificateChain",
                serde_json::json!({"certificates": []}),
            ),
            "b.json: at /verificationMaterial/x509CertificateChain/certificates: the certificate chain is empty",
        ),
        (
            with("/dsseEnvelope/signatures/0/sig", "not base64!".into()),
            "b.json: at /dsseEnvelope/signatures/0/sig: not valid base64",
        ),
        (
            with("/dsseEnvelope/signatures/0/sig", "".into()),
            "b.json: at /dsseEnvelope/signatures/0/sig: the signature is empty",
        ),
        (
            with("/dsseEnvelope/signatures", serde_json::json!([])),
            "b.json: at /dsseEnvelope/signatures: the envelope has no signature",
        ),
        (
            with("/dsseEnvelope/payload", serde_json::json!(12)),
            "b.json: at /dsseEnvelope/payload: expected a string, found a number",
        ),
        (
            without("/dsseEnvelope", "payloadType"),
            "b.json: at /dsseEnvelope: missing required field `payloadType`",
        ),
        (
            with("/dsseEnvelope/signatures/0/keyid", serde_json::json!(null)),
            "b.json: at /dsseEnvelope/signatures/0/keyid: expected a string, found null",
        ),
        (
            without("", "dsseEnvelope"),
            "b.json: at /: no `dsseEnvelope` or `messageSignature`",
        ),
        (
            "{\"mediaType\": ".into(),
            "b.json:1:14: not valid JSON: EOF while parsing a value",
        ),
        (
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
            "b.json:1:128: not valid JSON: recursion limit exceeded",
        ),
    ];
    for (json, expected) in cases {
        let err = bundle_err(&json);
        assert!(err.starts_with(expected), "\n got: {err}\nwant: {expected}");
    }
    let mut both = doc.clone();
    both.as_object_mut().unwrap().insert(
        "messageSignature".into(),
        serde_json::json!({"signature": "AAAA"}),
    );
    assert_eq!(
        bundle_err(&both.to_string()),
        "b.json: at /: both `dsseEnvelope` and `messageSignature`"
    );
    let mut two = doc.clone();
    two["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .insert("certificate".into(), cert);
    assert!(
        bundle_err(&two.to_string())
            .starts_with("b.json: at /verificationMaterial/certificate/rawBytes: not a DER X.509")
    );

    let err = bundle::parse(&[0xff, 0xfe], "b.json").unwrap_err();
    assert_eq!(err.to_string(), "b.json: at /: not UTF-8 text (byte 0)");
    let huge = vec![b' '; bundle::MAX_BUNDLE_BYTES + 1];
    let err = bundle::parse(&huge, "b.json").unwrap_err();
    assert!(
        matches!(err, BundleError::TooLarge { size, .. } if size == bundle::MAX_BUNDLE_BYTES + 1)
    );
}

#[test]
fn syntax_errors_render_with_a_labelled_snippet() {
    let err = bundle::parse(b"{\n  \"mediaType\": \"x\",,\n}", "broken.sigstore.json").unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err)
        .unwrap();
    insta::assert_snapshot!(out);
}

#[test]
fn statements_and_provenance_facts() {
    let st = intoto::parse_statement(STATEMENT, "vsa.json").unwrap();
    let facts = intoto::provenance_facts(&st);
    assert_eq!(facts.verification_result.as_deref(), Some("PASSED"));
    assert_eq!(
        facts.verifier_id.as_deref(),
        Some("https://palisade.example/verifier")
    );
    assert_eq!(facts.builder_id, None);

    let slsa = br#"{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"img","digest":{"sha256":"AB"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1"},"runDetails":{"builder":{"id":"https://github.com/actions/runner"}}}}"#;
    let st = intoto::parse_statement(slsa, "prov.json").unwrap();
    assert_eq!(st.subjects[0].digest["sha256"], "ab");
    let facts = intoto::provenance_facts(&st);
    assert_eq!(
        facts.builder_id.as_deref(),
        Some("https://github.com/actions/runner")
    );
    assert_eq!(
        facts.build_type.as_deref(),
        Some("https://actions.github.io/buildtypes/workflow/v1")
    );

    let cdx = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX"}}"#;
    let facts = intoto::provenance_facts(&intoto::parse_statement(cdx, "bom.json").unwrap());
    assert_eq!(
        facts,
        intoto::Provenance {
            predicate_type: "https://cyclonedx.org/bom".into(),
            ..Default::default()
        }
    );

    let bad: [(&[u8], &str); 5] = [
        (br#"{"_type":"https://in-toto.io/Statement/v2","subject":[],"predicateType":"x"}"#, "s.json: at /_type: `https://in-toto.io/Statement/v2` is not an in-toto Statement (expected `https://in-toto.io/Statement/v1`)"),
        (br#"{"_type":"https://in-toto.io/Statement/v1","subject":{},"predicateType":"x"}"#, "s.json: at /subject: expected an array, found an object"),
        (br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":1}}],"predicateType":"x"}"#, "s.json: at /subject/0/digest/sha256: expected a string, found a number"),
        (br#"{"_type":"https://in-toto.io/Statement/v1","subject":[]}"#, "s.json: at /: missing required field `predicateType`"),
        (b"nope", "s.json:1:2: not valid JSON: expected ident"),
    ];
    for (input, expected) in bad {
        assert_eq!(
            intoto::parse_statement(input, "s.json")
                .unwrap_err()
                .to_string(),
            expected
        );
    }
}

#[test]
fn palisade_output_is_pinned() {
    // These bundles were checked by @sigstore/verify and securesystemslib (see the fixture
    // README); deterministic ECDSA lets us pin our output to them byte for byte.
    let statement = read("sigstore/vsa-statement.json");
    let key =
        SigningKey::from_pem(&text("model-signing/TEST-ONLY-ec-p256-priv.pem"), None).unwrap();
    let json = sign_statement(&statement, &key, &text("model-signing/ec-p256-pub.pem")).to_json();
    assert_eq!(
        format!("{json}\n"),
        text("sigstore/palisade-signed-p256.sigstore.json")
    );
    let cosign = SigningKey::from_pem(&text("sigstore/cosign-p256.key"), Some(PASSWORD)).unwrap();
    let json = sign_statement(&statement, &cosign, &text("sigstore/cosign-p256.pub")).to_json();
    assert_eq!(
        format!("{json}\n"),
        text("sigstore/palisade-signed-cosign.sigstore.json")
    );
}

/// The byte range of the JSON string value that follows the first `key` at or after `from`.
fn string_value_range(text: &[u8], key: &str, from: usize) -> std::ops::Range<usize> {
    let needle = format!("\"{key}\":\"");
    let start = from
        + text[from..]
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap()
        + needle.len();
    let end = start + text[start..].iter().position(|&b| b == b'"').unwrap();
    start..end
}

#[test]
fn mutated_bundles_never_panic() {
    // A cheap stand-in for fuzzing: every single-byte change of a real bundle either fails to
    // parse with an error, or parses and is checked without panicking; and no change to the
    // leaf certificate, the payload or the signature still verifies.
    let original = read("model-signing/cert-mode/cert.sig");
    let signed = [
        string_value_range(&original, "rawBytes", 0),
        string_value_range(&original, "payload", 0),
        string_value_range(&original, "sig", 0),
    ];
    let ca = authority("models-ca", "model-signing/cert-mode/ca.pem", None);
    let key = trusted_key("publisher", "model-signing/ec-p256-pub.pem");
    let mut parsed = 0;
    for i in (0..original.len()).step_by(3) {
        for replacement in [b'"', b'A', b'{', 0xff] {
            let mut bytes = original.clone();
            if bytes[i] == replacement {
                continue;
            }
            bytes[i] = replacement;
            let Ok(b) = bundle::parse(&bytes, "m.json") else {
                continue;
            };
            parsed += 1;
            let _ = b.to_json();
            let ok = verify_bundle(
                &b,
                std::slice::from_ref(&key),
                std::slice::from_ref(&ca),
                None,
                now(),
            )
            .is_verified();
            // base64's last character may carry unused bits, so a change there can decode
            // to the same bytes: the decoded content is what must not change.
            let same = bundle::parse(&original, "o.json").unwrap() == b;
            if signed.iter().any(|r| r.contains(&i)) && !same {
                assert!(
                    !ok,
                    "a change at byte {i} to {replacement:#x} still verifies"
                );
            }
        }
    }
    assert!(parsed > 100, "{parsed}");
}

/// A bundle signed by the `pki/` fixtures' leaf key, carrying `chain` (leaf first).
fn pki_bundle(chain: &[&str]) -> bundle::Bundle {
    let key = SigningKey::from_pem(&text("pki/TEST-ONLY-leaf.key"), None).unwrap();
    let mut b = sign_statement(STATEMENT, &key, "");
    b.material = VerificationMaterial::Chain(
        chain
            .iter()
            .map(|name| certs(&format!("pki/{name}")).remove(0))
            .collect(),
    );
    b
}

#[test]
fn certificate_paths_are_validated_as_rfc5280_says() {
    // 2026-12-01: inside every fixture's validity.
    let when = at(1_796_083_200);
    let ca = authority(
        "signer",
        "pki/root.pem",
        Some(("release@acme.example", Some("https://issuer.acme.example"))),
    );
    let check = |chain: &[&str]| {
        verify_bundle(
            &pki_bundle(chain),
            &[],
            std::slice::from_ref(&ca),
            None,
            when,
        )
    };

    // P-384 root (ECDSA SHA-384 self-signature, SHA-256 over the intermediate), Ed25519
    // intermediate, P-256 leaf: every RustCrypto algorithm plugged into webpki is exercised.
    assert!(check(&["leaf-good.pem", "int-good.pem"]).is_verified());
    // The intermediates may come in any order, with the root among them.
    assert!(check(&["leaf-good.pem", "root.pem", "int-good.pem"]).is_verified());

    for (chain, expected) in [
        (
            &["leaf-pathlen.pem", "subca.pem", "int-pathlen0.pem"][..],
            "more sub-CAs than its pathLenConstraint allows",
        ),
        (
            &["leaf-noks.pem", "int-noks.pem"][..],
            "`CN=Palisade PKI Intermediate without keyCertSign` may not issue certificates (its keyUsage lacks keyCertSign)",
        ),
        (
            &["leaf-noeku.pem", "int-good.pem"][..],
            "it has no extended key usage; codeSigning is required",
        ),
        (
            &["leaf-critext.pem", "int-good.pem"][..],
            "a critical extension that is not understood",
        ),
        (
            &["leaf-good.pem"][..],
            "does not chain to any of the authority's roots",
        ),
        (
            &["leaf-other-issuer.pem", "int-good.pem"][..],
            "the certificate's OIDC issuer is `https://evil.example` but `https://issuer.acme.example` is required",
        ),
    ] {
        let Outcome::Invalid { reason } = check(chain) else {
            panic!("{chain:?} verified");
        };
        assert!(reason.contains(expected), "{chain:?}: {reason}");
    }

    // Validity at the signing time, for the leaf and for the CAs above it.
    let late = verify_bundle(
        &pki_bundle(&["leaf-good.pem", "int-good.pem"]),
        &[],
        std::slice::from_ref(&ca),
        None,
        at(4_102_444_801),
    );
    let Outcome::Invalid { reason } = late else {
        panic!()
    };
    assert!(
        reason.contains("the leaf certificate expired on"),
        "{reason}"
    );
    let early = verify_bundle(
        &pki_bundle(&["leaf-good.pem", "int-good.pem"]),
        &[],
        &[ca],
        None,
        at(1_700_000_000),
    );
    assert!(!early.is_verified());

    // An issuer without a subject is enforced on its own.
    let issuer_only = authority("signer", "pki/root.pem", None);
    let issuer_only = palisade_sigstore::verify::TrustedAuthority {
        identity: Some(palisade_sigstore::verify::IdentityMatcher {
            subject: None,
            issuer: Some("https://issuer.acme.example".to_string()),
        }),
        ..issuer_only
    };
    let with = |chain: &[&str]| {
        verify_bundle(
            &pki_bundle(chain),
            &[],
            std::slice::from_ref(&issuer_only),
            None,
            when,
        )
    };
    assert!(with(&["leaf-good.pem", "int-good.pem"]).is_verified());
    assert!(!with(&["leaf-other-issuer.pem", "int-good.pem"]).is_verified());
}
