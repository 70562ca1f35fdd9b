//! Hostile input: mutated fixtures, deep nesting, huge counts, lying keyids, escapes in
//! messages. Every read must return (an error or a record), never panic or hang.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use palisade_intoto::keys::TrustedKey;
use palisade_intoto::{
    IntotoError, MAX_ATTESTATION_BYTES, MAX_CANONICAL_DEPTH, MAX_COMMAND_ARGS, MAX_DIGESTS,
    MAX_SIGNATURES, StageRecord, Trust, Verification, read_attestation,
};
use palisade_testkit::{fixtures, fuzz_all, nested};
use serde_json::{Value, json};

fn keys() -> Vec<TrustedKey> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/intoto/keys");
    ["ed25519", "p256", "p384", "rsa"]
        .iter()
        .map(|k| {
            let text = std::fs::read_to_string(dir.join(format!("{k}.pub"))).unwrap();
            TrustedKey::from_pem(k, &text, k).unwrap()
        })
        .collect()
}

fn read(bytes: &[u8]) -> Result<StageRecord, IntotoError> {
    read_attestation(bytes, "hostile.json", &Trust::keys(&keys()))
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/intoto")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn mutated_fixtures_never_panic() {
    // P-384 is left out: in a debug build one P-384 check takes ~50 ms (p256 ~3 ms), and
    // the mutations that still parse would try it thousands of times. tests/fixtures.rs
    // covers P-384 on every form.
    let keys: Vec<TrustedKey> = keys().into_iter().filter(|k| k.name != "p384").collect();
    let trust = Trust::keys(&keys);
    // One file of each form and wrapper (every key type is covered by tests/fixtures.rs).
    let mut all: Vec<(String, Vec<u8>)> = ["intoto/classic", "intoto/dsse"]
        .iter()
        .flat_map(|f| fixtures(&[f], &[".link"]).into_iter().take(1))
        .collect();
    let mut more = fixtures(&["intoto/statement"], &[".json"]);
    more.retain(|(name, _)| name.contains("p256"));
    all.extend(more);
    all.extend(fixtures(&["intoto/sneaky"], &[".link"]).into_iter().take(1));
    fuzz_all(&all, &[], &|name, bytes| {
        read_attestation(bytes, name, &trust).is_ok()
    });
}

fn link(signed: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"signed": signed, "signatures": [{"keyid": "", "sig": "00"}]}))
        .unwrap()
}

fn base_link() -> Value {
    json!({"_type": "link", "name": "train", "command": [], "materials": {}, "products": {},
           "byproducts": {}, "environment": {}})
}

#[test]
fn deep_nesting_and_size_are_errors() {
    let err = read(&nested("{\"signed\":", "1", "}", 100_000)).unwrap_err();
    assert!(matches!(err, IntotoError::Syntax(_)), "{err}");
    let err = read(&nested("[", "", "]", 100_000)).unwrap_err();
    assert!(matches!(err, IntotoError::Syntax(_)), "{err}");
    // Within serde_json's 128 levels, beyond the canonical encoder's limit.
    let mut deep = json!(1);
    for _ in 0..MAX_CANONICAL_DEPTH + 1 {
        deep = json!({ "k": deep });
    }
    let mut signed = base_link();
    signed["byproducts"] = deep;
    let err = read(&link(signed)).unwrap_err();
    assert!(matches!(err, IntotoError::Limit { .. }), "{err}");
    let big = vec![b' '; MAX_ATTESTATION_BYTES + 1];
    assert!(matches!(
        read(&big).unwrap_err(),
        IntotoError::TooLarge { .. }
    ));
}

#[test]
fn huge_counts_are_limited() {
    let mut signed = base_link();
    let digests: serde_json::Map<String, Value> = (0..=MAX_DIGESTS)
        .map(|i| (format!("alg{i}"), Value::from("ab")))
        .collect();
    signed["materials"] = json!({ "a": digests });
    assert!(matches!(
        read(&link(signed)).unwrap_err(),
        IntotoError::Limit { .. }
    ));

    let mut signed = base_link();
    signed["command"] = Value::Array(vec![Value::from("x"); MAX_COMMAND_ARGS + 1]);
    assert!(matches!(
        read(&link(signed)).unwrap_err(),
        IntotoError::Limit { .. }
    ));

    let sigs = vec![json!({"keyid": "", "sig": "00"}); MAX_SIGNATURES + 1];
    let doc = serde_json::to_vec(&json!({"signed": base_link(), "signatures": sigs})).unwrap();
    assert!(matches!(read(&doc).unwrap_err(), IntotoError::Limit { .. }));
}

#[test]
fn malformed_links_are_errors_not_records() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"_type": "link"}), "missing required field `name`"),
        (json!({"_type": "layout", "steps": []}), "an in-toto layout"),
        (json!({"_type": "lnk", "name": "x"}), "is not `link`"),
        (
            json!({"_type": "link", "name": "x", "command": "make"}),
            "expected an array of strings",
        ),
        (
            json!({"_type": "link", "name": "x", "materials": []}),
            "expected an object",
        ),
        (
            json!({"_type": "link", "name": "x", "materials": {"a": {"sha256": ""}}}),
            "the digest is empty",
        ),
        (
            json!({"_type": "link", "name": "x", "materials": {"a": {"sha256": 1}}}),
            "expected a string",
        ),
        (
            json!({"_type": "link", "name": "x", "materials": {"a": {"SHA256": "a", "sha256": "a"}}}),
            "appears twice",
        ),
        (
            json!({"_type": "link", "name": "x", "byproducts": {"return-value": 0.5}}),
            "no canonical JSON form",
        ),
    ];
    for (signed, expected) in cases {
        let err = read(&link(signed.clone())).unwrap_err();
        assert!(err.to_string().contains(expected), "{signed}: {err}");
    }
    for (doc, expected) in [
        (json!({"hello": 1}), "not in-toto link metadata"),
        (json!([]), "expected an object"),
        (
            json!({"signed": {}, "signatures": {}}),
            "missing required field `_type`",
        ),
    ] {
        let err = read(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
        assert!(err.to_string().contains(expected), "{doc}: {err}");
    }
    assert!(
        read(b"\xff\xfe")
            .unwrap_err()
            .to_string()
            .contains("not UTF-8")
    );
}

fn envelope(payload_type: &str, payload: &Value) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::to_vec(&json!({
        "payloadType": payload_type,
        "payload": b64.encode(serde_json::to_vec(payload).unwrap()),
        "signatures": [{"keyid": "", "sig": b64.encode([0u8; 64])}],
    }))
    .unwrap()
}

#[test]
fn statements_that_record_no_stage_are_unsupported() {
    let vsa = json!({"_type": "https://in-toto.io/Statement/v1", "subject": [],
                     "predicateType": "https://slsa.dev/verification_summary/v1\u{1b}[2J", "predicate": {}});
    let err = read(&envelope("application/vnd.in-toto+json", &vsa)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("verification_summary/v1\\u{1b}[2J"),
        "{message}"
    );
    assert!(!message.contains('\u{1b}'));
    let err = read(&envelope("text/plain", &vsa)).unwrap_err();
    assert!(matches!(err, IntotoError::Unsupported { .. }), "{err}");
    let slsa = json!({"_type": "https://in-toto.io/Statement/v1", "subject": [],
                      "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}});
    let err = read(&envelope("application/vnd.in-toto+json", &slsa)).unwrap_err();
    assert!(err.to_string().contains("buildDefinition"), "{err}");
    let bad_rd = json!({"_type": "https://in-toto.io/Statement/v1", "subject": [],
                        "predicateType": "https://in-toto.io/attestation/link/v0.3",
                        "predicate": {"materials": [{"annotations": {}}]}});
    let err = read(&envelope("application/vnd.in-toto+json", &bad_rd)).unwrap_err();
    assert!(
        err.to_string()
            .contains("at least one of `name`, `uri` or `digest`"),
        "{err}"
    );
    // Unsigned statements are read, and never verified.
    let link = json!({"_type": "https://in-toto.io/Statement/v1", "subject": [],
                      "predicateType": "https://in-toto.io/attestation/link/v0.3",
                      "predicate": {"name": "x", "materials": [{"name": "a", "digest": {"sha256": "ab"}}]}});
    let record = read(&serde_json::to_vec(&link).unwrap()).unwrap();
    assert!(matches!(record.verification, Verification::Invalid { .. }));
    assert_eq!(record.materials.len(), 1);
}

/// A keyid is a hint: a signature naming key A but made by key B verifies as B (when B is
/// trusted), and naming a trusted key does not make another key's signature trusted.
#[test]
fn keyids_never_decide_trust() {
    let keys = keys();
    let file = std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/intoto/classic"),
    )
    .unwrap()
    .map(|e| e.unwrap().path())
    .find(|p| {
        let id = keys[1].key.securesystemslib_keyids()[0].clone();
        p.file_name().unwrap().to_string_lossy().contains(&id[..8])
    })
    .unwrap();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let ed25519_id = keys[0].key.securesystemslib_keyids()[0].clone();
    doc["signatures"][0]["keyid"] = Value::from(ed25519_id);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let record = read_attestation(&bytes, "lying.link", &Trust::keys(&keys)).unwrap();
    assert_eq!(
        record.verification,
        Verification::Verified {
            signer: "p256".into(),
            keyid_matched: false
        }
    );
    let record = read_attestation(&bytes, "lying.link", &Trust::keys(&keys[..1])).unwrap();
    assert!(record.signer().is_none());
    let record = read_attestation(&bytes, "lying.link", &Trust::keys(&[])).unwrap();
    let Verification::Invalid { reason } = record.verification else {
        panic!()
    };
    assert!(reason.contains("no trusted key"), "{reason}");
}

#[test]
fn a_bundle_with_a_message_signature_is_not_an_attestation() {
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": ""}, "tlogEntries": []},
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": "AAAA"}, "signature": "AAAA"}
    });
    let err = read(&serde_json::to_vec(&bundle).unwrap()).unwrap_err();
    assert!(err.to_string().contains("message signature"), "{err}");
    // A byte order mark is allowed before a classic link.
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(fixture("tampered/classic-material.link"));
    assert!(read(&bytes).is_ok());
}

#[test]
fn error_codes_are_unique() {
    let source = include_str!("../src/error.rs");
    let codes: Vec<&str> = source
        .match_indices("code(palisade::")
        .map(|(i, _)| {
            let rest = &source[i + 5..];
            &rest[..rest.find(')').unwrap()]
        })
        .collect();
    let unique: std::collections::BTreeSet<&&str> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("palisade::intoto::")));
}

#[test]
fn slsa_provenance_v0_2_materials_are_read() {
    let v02 = json!({"_type": "https://in-toto.io/Statement/v0.1",
        "subject": [{"name": "app.tar", "digest": {"sha256": "AB"}}],
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "predicate": {"builder": {"id": "https://ci.example/b"}, "buildType": "t",
                      "materials": [{"uri": "git+https://h/r", "digest": {"sha1": "cd"}}]}});
    let record = read(&envelope("application/vnd.in-toto+json", &v02)).unwrap();
    assert_eq!(record.form, palisade_intoto::Form::SlsaProvenanceV02);
    assert_eq!(record.builder_id.as_deref(), Some("https://ci.example/b"));
    assert_eq!(record.materials[0].path(), "git+https://h/r");
    assert_eq!(record.materials[0].digests["sha1"], "cd");
    assert_eq!(record.products[0].digests["sha256"], "ab");
    assert!(record.signer().is_none());
}

/// Not a test of behaviour: prints how long a large classic link takes to read and verify
/// (`cargo test -p palisade-intoto --release --test hostile -- --nocapture large_link`).
#[test]
fn large_link_timing() {
    let materials: serde_json::Map<String, Value> = (0..100_000)
        .map(|i| {
            (
                format!("data/shard-{i:06}.parquet"),
                json!({"sha256": format!("{i:064x}")}),
            )
        })
        .collect();
    let mut signed = base_link();
    signed["materials"] = Value::Object(materials);
    let bytes = link(signed);
    let start = std::time::Instant::now();
    let record = read(&bytes).unwrap();
    println!(
        "100,000 materials, {} bytes: read and checked against 4 keys in {:?}",
        bytes.len(),
        start.elapsed()
    );
    assert_eq!(record.materials.len(), 100_000);
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}
