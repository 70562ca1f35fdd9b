//! Writing a stage attestation: an in-toto Statement v1 with the link predicate v0.3, signed
//! into a DSSE envelope (as `in-toto-run --use-dsse` writes one, keyid included) or a Sigstore
//! bundle v0.3 (as `palisade attest` writes one).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use palisade_sigstore::keys::SigningKey;

use crate::keys::VerificationKey;
use crate::read::LINK_PREDICATE_V0_3;
use crate::stage::Resource;

/// What a link statement says: the step, its command, what it read and wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkStatement {
    /// The step's name (the pipeline's stage).
    pub name: String,
    /// The command, one argument per element.
    pub command: Vec<String>,
    /// What the step read: the predicate's `materials`.
    pub materials: Vec<Resource>,
    /// What it wrote: the statement's `subject`.
    pub products: Vec<Resource>,
    /// `byproducts` (an object; `return-value` by in-toto's convention).
    pub byproducts: Map<String, Value>,
    /// `environment` (an object).
    pub environment: Map<String, Value>,
}

fn descriptor(r: &Resource) -> Value {
    let mut obj = Map::new();
    if !r.name.is_empty() {
        obj.insert("name".into(), r.name.clone().into());
    }
    if let Some(uri) = &r.uri {
        obj.insert("uri".into(), uri.clone().into());
    }
    obj.insert(
        "digest".into(),
        Value::Object(
            r.digests
                .iter()
                .map(|(a, d)| (a.clone(), Value::String(d.clone())))
                .collect(),
        ),
    );
    Value::Object(obj)
}

impl LinkStatement {
    /// The statement's JSON bytes (compact; the exact bytes that get signed).
    pub fn to_json(&self) -> Vec<u8> {
        let statement = json!({
            "_type": palisade_sigstore::intoto::STATEMENT_V1,
            "subject": self.products.iter().map(descriptor).collect::<Vec<_>>(),
            "predicateType": LINK_PREDICATE_V0_3,
            "predicate": {
                "name": self.name,
                "command": self.command,
                "materials": self.materials.iter().map(descriptor).collect::<Vec<_>>(),
                "byproducts": self.byproducts,
                "environment": self.environment,
            },
        });
        // A `Value` built from strings, arrays and objects always serializes.
        serde_json::to_vec(&sorted(statement)).unwrap_or_default()
    }
}

/// `value` with every object's keys in sorted order. serde_json's `Map` keeps insertion order
/// when any crate of the build enables its `preserve_order` feature (cedar-policy does), and
/// sorts otherwise: sorting here makes the statement's bytes the same in every build.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// securesystemslib's keyid of a signing key's public half (what in-toto's tools look up).
pub fn securesystemslib_keyid(key: &SigningKey) -> String {
    let [modern, _] = VerificationKey::Sigstore(key.public_key()).securesystemslib_keyids();
    modern
}

/// Signs `statement` (its exact bytes) into a DSSE envelope of type
/// `application/vnd.in-toto+json`, with securesystemslib's keyid of `key` so that in-toto's
/// own tools (securesystemslib's `Envelope.verify`, which matches keyids) accept it.
pub fn sign_dsse(statement: &[u8], key: &SigningKey) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let pae = palisade_sigstore::dsse::pae(palisade_sigstore::IN_TOTO_PAYLOAD_TYPE, statement);
    let envelope = json!({
        "payload": b64.encode(statement),
        "payloadType": palisade_sigstore::IN_TOTO_PAYLOAD_TYPE,
        "signatures": [{
            "keyid": securesystemslib_keyid(key),
            "sig": b64.encode(key.sign(&pae)),
        }],
    });
    envelope.to_string()
}

/// Signs `statement` into a Sigstore bundle v0.3 with `publicKey.hint` = sha256 of
/// `public_pem` (the text of the public key file verifiers get), as `palisade attest` does.
pub fn sign_bundle(statement: &[u8], key: &SigningKey, public_pem: &str) -> String {
    palisade_sigstore::sign_statement(statement, key, public_pem).to_json()
}
