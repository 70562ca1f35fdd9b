//! Reading a stage attestation in any of its standard forms, and verifying its signature.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Map, Value};

use palisade_sigstore::bundle::{self, VerificationMaterial};
use palisade_sigstore::intoto::{self as statement, Statement};
use palisade_sigstore::verify::{self as sigstore_verify, TrustedAuthority};

use crate::canonical::{self, CanonicalError};
use crate::error::{IntotoError, escape, syntax_error};
use crate::keys::TrustedKey;
use crate::stage::{Form, Resource, StageRecord, Verification, Wrapper};

/// Largest attestation read (a link of a big folder lists one entry per file).
pub const MAX_ATTESTATION_BYTES: usize = 64 << 20;
/// Most materials, or products, in one attestation.
pub const MAX_RESOURCES: usize = 1_000_000;
/// Most digests of one resource.
pub const MAX_DIGESTS: usize = 32;
/// Most arguments of a recorded command.
pub const MAX_COMMAND_ARGS: usize = 100_000;
/// Most signatures of one link (classic or DSSE) tried.
pub const MAX_SIGNATURES: usize = 64;

/// in-toto's link predicate type (Statement v1 form of a link).
pub const LINK_PREDICATE_V0_3: &str = "https://in-toto.io/attestation/link/v0.3";

/// What trust the signatures of an attestation are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Trust<'a> {
    /// Keys (any of them may have signed).
    pub keys: &'a [TrustedKey],
    /// Certificate authorities, for Sigstore bundles signed with a certificate.
    pub authorities: &'a [TrustedAuthority],
    /// The time certificates must be valid at.
    pub now: SystemTime,
}

impl<'a> Trust<'a> {
    /// Trust in `keys` only (no certificate authority).
    pub fn keys(keys: &'a [TrustedKey]) -> Self {
        Trust {
            keys,
            authorities: &[],
            now: SystemTime::now(),
        }
    }
}

/// Reads a stage attestation from `bytes` (`source_name` names it in errors) and checks its
/// signatures against `trust`.
///
/// The forms read: classic in-toto link metadata (`in-toto-run`), a DSSE envelope holding a
/// link (`in-toto-run --use-dsse`) or an in-toto Statement (v1; v0.1 accepted) with the link
/// predicate v0.3 or SLSA provenance v1 / v0.2, and a Sigstore bundle holding such an
/// envelope. A malformed or unsupported document is an error; a signature that does not
/// verify is [`Verification::Invalid`] in the record.
pub fn read_attestation(
    bytes: &[u8],
    source_name: &str,
    trust: &Trust<'_>,
) -> Result<StageRecord, IntotoError> {
    let r = Reader { file: source_name };
    if bytes.len() > MAX_ATTESTATION_BYTES {
        return Err(IntotoError::TooLarge {
            file: source_name.to_string(),
            size: bytes.len(),
            limit: MAX_ATTESTATION_BYTES,
        });
    }
    let doc = r.json(bytes)?;
    let root = r.object(&doc, "")?;
    if root.contains_key("signed") && root.contains_key("signatures") {
        return r.metablock(root, trust);
    }
    if root.contains_key("mediaType") || root.contains_key("payloadType") {
        return r.enveloped(bytes, trust);
    }
    if root.contains_key("_type") {
        let mut record = r.payload(bytes, &doc)?;
        record.wrapper = Wrapper::Unsigned;
        record.verification = Verification::Invalid {
            reason: "the attestation is not signed (no DSSE envelope, bundle or link signatures)"
                .to_string(),
        };
        return Ok(record);
    }
    Err(IntotoError::Unsupported {
        file: source_name.to_string(),
        reason:
            "not in-toto link metadata, a DSSE envelope, a Sigstore bundle or an in-toto statement"
                .to_string(),
    })
}

struct Reader<'a> {
    file: &'a str,
}

/// RFC 6901 escaping of one JSON-pointer segment, control characters escaped for messages.
fn segment(key: &str) -> String {
    escape(&key.replace('~', "~0").replace('/', "~1"))
}

fn join(path: &str, key: &str) -> String {
    format!("{path}/{}", segment(key))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Reader<'_> {
    fn invalid(&self, path: &str, reason: impl Into<String>) -> IntotoError {
        IntotoError::Invalid {
            file: self.file.to_string(),
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            reason: reason.into(),
        }
    }

    fn limit(&self, path: &str, what: String, limit: usize) -> IntotoError {
        IntotoError::Limit {
            file: self.file.to_string(),
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            what,
            limit,
        }
    }

    fn unsupported(&self, reason: String) -> IntotoError {
        IntotoError::Unsupported {
            file: self.file.to_string(),
            reason,
        }
    }

    fn json(&self, bytes: &[u8]) -> Result<Value, IntotoError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| self.invalid("", format!("not UTF-8 text (byte {})", e.valid_up_to())))?;
        // RFC 8259 §8.1 lets a parser ignore a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // serde_json stops at 128 levels of nesting, so a deep document fails, never overflows.
        serde_json::from_str(text).map_err(|e| syntax_error(self.file, text, &e))
    }

    fn object<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, IntotoError> {
        v.as_object().ok_or_else(|| {
            self.invalid(path, format!("expected an object, found {}", type_name(v)))
        })
    }

    fn string<'v>(&self, v: &'v Value, path: &str) -> Result<&'v str, IntotoError> {
        v.as_str()
            .ok_or_else(|| self.invalid(path, format!("expected a string, found {}", type_name(v))))
    }

    fn optional_string(
        &self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<String>, IntotoError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Ok(Some(self.string(v, &join(path, key))?.to_string())),
        }
    }

    /// `byproducts` / `environment`: an object, or absent (`null`).
    fn free_object(
        &self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Value, IntotoError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(Value::Null),
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            Some(v) => Err(self.invalid(
                &join(path, key),
                format!("expected an object, found {}", type_name(v)),
            )),
        }
    }

    fn command(&self, obj: &Map<String, Value>, path: &str) -> Result<Vec<String>, IntotoError> {
        let p = join(path, "command");
        match obj.get("command") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                if items.len() > MAX_COMMAND_ARGS {
                    return Err(self.limit(
                        &p,
                        format!("{} command arguments", items.len()),
                        MAX_COMMAND_ARGS,
                    ));
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, a)| Ok(self.string(a, &join(&p, &i.to_string()))?.to_string()))
                    .collect()
            }
            Some(v) => Err(self.invalid(
                &p,
                format!("expected an array of strings, found {}", type_name(v)),
            )),
        }
    }

    fn digests(&self, v: &Value, path: &str) -> Result<BTreeMap<String, String>, IntotoError> {
        let obj = self.object(v, path)?;
        if obj.len() > MAX_DIGESTS {
            return Err(self.limit(path, format!("{} digests", obj.len()), MAX_DIGESTS));
        }
        let mut out = BTreeMap::new();
        for (alg, value) in obj {
            let p = join(path, alg);
            let value = self.string(value, &p)?;
            if value.is_empty() {
                return Err(self.invalid(&p, "the digest is empty"));
            }
            if alg.is_empty() {
                return Err(self.invalid(&p, "a digest without an algorithm name"));
            }
            if out
                .insert(alg.to_ascii_lowercase(), value.to_ascii_lowercase())
                .is_some()
            {
                return Err(self.invalid(
                    &p,
                    format!(
                        "the algorithm `{}` appears twice (names differ only in case)",
                        escape(alg)
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// A classic link's `materials` / `products`: `{path: {alg: hex}}`.
    fn artifact_map(
        &self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Vec<Resource>, IntotoError> {
        let p = join(path, key);
        let map = match obj.get(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(v) => self.object(v, &p)?,
        };
        if map.len() > MAX_RESOURCES {
            return Err(self.limit(&p, format!("{} {key}", map.len()), MAX_RESOURCES));
        }
        map.iter()
            .map(|(name, digests)| {
                Ok(Resource {
                    name: name.clone(),
                    uri: None,
                    digests: self.digests(digests, &join(&p, name))?,
                })
            })
            .collect()
    }

    /// An in-toto ResourceDescriptor: `name`, `uri`, `digest` (at least one of them).
    fn descriptor(&self, v: &Value, path: &str) -> Result<Resource, IntotoError> {
        let obj = self.object(v, path)?;
        let name = self.optional_string(obj, path, "name")?.unwrap_or_default();
        let uri = self.optional_string(obj, path, "uri")?;
        let digests = match obj.get("digest") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(d) => self.digests(d, &join(path, "digest"))?,
        };
        if name.is_empty() && uri.as_deref().unwrap_or("").is_empty() && digests.is_empty() {
            return Err(self.invalid(
                path,
                "a resource descriptor needs at least one of `name`, `uri` or `digest`",
            ));
        }
        Ok(Resource { name, uri, digests })
    }

    fn descriptors(&self, v: Option<&Value>, path: &str) -> Result<Vec<Resource>, IntotoError> {
        let items = match v {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(self.invalid(
                    path,
                    format!("expected an array, found {}", type_name(other)),
                ));
            }
        };
        if items.len() > MAX_RESOURCES {
            return Err(self.limit(path, format!("{} resources", items.len()), MAX_RESOURCES));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.descriptor(item, &join(path, &i.to_string())))
            .collect()
    }

    /// The body of a classic link (`"_type": "link"`).
    fn link(&self, v: &Value, path: &str) -> Result<StageRecord, IntotoError> {
        let obj = self.object(v, path)?;
        match obj.get("_type") {
            Some(Value::String(t)) if t == "link" => {}
            Some(Value::String(t)) if t == "layout" => {
                return Err(self.unsupported(
                    "an in-toto layout, not a link: layouts say what should run, links what ran"
                        .to_string(),
                ));
            }
            Some(Value::String(t)) => {
                return Err(self.invalid(
                    &join(path, "_type"),
                    format!("`{}` is not `link`", escape(t)),
                ));
            }
            Some(other) => {
                return Err(self.invalid(
                    &join(path, "_type"),
                    format!("expected a string, found {}", type_name(other)),
                ));
            }
            None => return Err(self.invalid(path, "missing required field `_type`")),
        }
        let name = match obj.get("name") {
            Some(v) => self.string(v, &join(path, "name"))?.to_string(),
            None => return Err(self.invalid(path, "missing required field `name`")),
        };
        Ok(StageRecord {
            name: Some(name),
            command: self.command(obj, path)?,
            materials: self.artifact_map(obj, path, "materials")?,
            products: self.artifact_map(obj, path, "products")?,
            byproducts: self.free_object(obj, path, "byproducts")?,
            environment: self.free_object(obj, path, "environment")?,
            parameters: Value::Null,
            builder_id: None,
            build_type: None,
            form: Form::ClassicLink,
            wrapper: Wrapper::Unsigned,
            verification: Verification::Invalid {
                reason: String::new(),
            },
        })
    }

    /// A DSSE payload or unsigned document: a classic link or an in-toto statement.
    fn payload(&self, bytes: &[u8], doc: &Value) -> Result<StageRecord, IntotoError> {
        let is_link = doc
            .get("_type")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "link" || t == "layout");
        if is_link {
            return self.link(doc, "");
        }
        let st = statement::parse_statement(bytes, self.file)?;
        self.statement(&st)
    }

    fn statement(&self, st: &Statement) -> Result<StageRecord, IntotoError> {
        let products = st
            .subjects
            .iter()
            .map(|s| Resource {
                name: s.name.clone(),
                uri: None,
                digests: s
                    .digest
                    .iter()
                    .map(|(a, d)| (a.to_ascii_lowercase(), d.to_ascii_lowercase()))
                    .collect(),
            })
            .collect();
        let p = &st.predicate;
        let empty = Map::new();
        let pred = match p {
            Value::Object(o) => o,
            Value::Null => &empty,
            other => {
                return Err(self.invalid(
                    "/predicate",
                    format!("expected an object, found {}", type_name(other)),
                ));
            }
        };
        let mut record = StageRecord {
            name: None,
            command: Vec::new(),
            materials: Vec::new(),
            products,
            byproducts: Value::Null,
            environment: Value::Null,
            parameters: Value::Null,
            builder_id: None,
            build_type: None,
            form: Form::LinkV03,
            wrapper: Wrapper::Unsigned,
            verification: Verification::Invalid {
                reason: String::new(),
            },
        };
        match st.predicate_type.as_str() {
            LINK_PREDICATE_V0_3 => {
                record.name = self.optional_string(pred, "/predicate", "name")?;
                record.command = self.command(pred, "/predicate")?;
                record.materials =
                    self.descriptors(pred.get("materials"), "/predicate/materials")?;
                record.byproducts = self.free_object(pred, "/predicate", "byproducts")?;
                record.environment = self.free_object(pred, "/predicate", "environment")?;
            }
            statement::SLSA_PROVENANCE_V1 => {
                record.form = Form::SlsaProvenanceV1;
                let def_path = "/predicate/buildDefinition";
                let def = match pred.get("buildDefinition") {
                    Some(d) => self.object(d, def_path)?,
                    None => {
                        return Err(
                            self.invalid("/predicate", "missing required field `buildDefinition`")
                        );
                    }
                };
                record.build_type = self.optional_string(def, def_path, "buildType")?;
                // Read leniently: only DP parameters are looked up in it.
                record.parameters = object_or_null(def.get("externalParameters"));
                record.materials = self.descriptors(
                    def.get("resolvedDependencies"),
                    "/predicate/buildDefinition/resolvedDependencies",
                )?;
                record.builder_id = match p.pointer("/runDetails/builder/id") {
                    None => None,
                    Some(v) => Some(
                        self.string(v, "/predicate/runDetails/builder/id")?
                            .to_string(),
                    ),
                };
            }
            statement::SLSA_PROVENANCE_V0_2 => {
                record.form = Form::SlsaProvenanceV02;
                record.build_type = self.optional_string(pred, "/predicate", "buildType")?;
                record.parameters = object_or_null(p.pointer("/invocation/parameters"));
                record.materials =
                    self.descriptors(pred.get("materials"), "/predicate/materials")?;
                record.builder_id = match p.pointer("/builder/id") {
                    None => None,
                    Some(v) => Some(self.string(v, "/predicate/builder/id")?.to_string()),
                };
            }
            other => {
                return Err(self.unsupported(format!(
                    "an in-toto statement with predicate type `{}`, which records no stage's inputs (expected `{LINK_PREDICATE_V0_3}`, `{}` or `{}`)",
                    escape(other),
                    statement::SLSA_PROVENANCE_V1,
                    statement::SLSA_PROVENANCE_V0_2
                )));
            }
        }
        Ok(record)
    }

    /// Classic link metadata: `{"signed": {...}, "signatures": [{"keyid", "sig"}]}`.
    fn metablock(
        &self,
        root: &Map<String, Value>,
        trust: &Trust<'_>,
    ) -> Result<StageRecord, IntotoError> {
        let signed = root.get("signed").unwrap_or(&Value::Null);
        let mut record = self.link(signed, "/signed")?;
        record.wrapper = Wrapper::Metablock;
        let sigs_value = root.get("signatures").unwrap_or(&Value::Null);
        let sigs = sigs_value.as_array().ok_or_else(|| {
            self.invalid(
                "/signatures",
                format!("expected an array, found {}", type_name(sigs_value)),
            )
        })?;
        if sigs.len() > MAX_SIGNATURES {
            return Err(self.limit(
                "/signatures",
                format!("{} signatures", sigs.len()),
                MAX_SIGNATURES,
            ));
        }
        let mut signatures = Vec::with_capacity(sigs.len());
        for (i, s) in sigs.iter().enumerate() {
            let p = join("/signatures", &i.to_string());
            let obj = self.object(s, &p)?;
            let keyid = match obj.get("keyid") {
                Some(k) => self.string(k, &join(&p, "keyid"))?.to_string(),
                None => String::new(),
            };
            let sig = match obj.get("sig") {
                Some(v) => self.string(v, &join(&p, "sig"))?,
                None if obj.contains_key("signature") => {
                    // GnuPG signatures (`in-toto-run --gpg`): not supported, so never verified.
                    signatures.push(Candidate {
                        keyid,
                        sig: Err("a GnuPG signature (not supported)".to_string()),
                    });
                    continue;
                }
                None => return Err(self.invalid(&p, "missing required field `sig`")),
            };
            let bytes = hex::decode(sig).map_err(|_| "the signature is not hex".to_string());
            signatures.push(Candidate { keyid, sig: bytes });
        }
        record.verification = match canonical::encode(signed) {
            Ok(message) => verify_with_keys(&message, &signatures, trust.keys),
            Err(CanonicalError::Float(n)) => {
                return Err(self.invalid(
                    "/signed",
                    format!(
                        "the number {n} has no canonical JSON form (securesystemslib signs integers only)"
                    ),
                ));
            }
            Err(CanonicalError::TooDeep) => {
                return Err(self.limit(
                    "/signed",
                    "the nesting depth".to_string(),
                    canonical::MAX_CANONICAL_DEPTH,
                ));
            }
        };
        Ok(record)
    }

    /// A bare DSSE envelope or a Sigstore bundle.
    fn enveloped(&self, bytes: &[u8], trust: &Trust<'_>) -> Result<StageRecord, IntotoError> {
        let bundle = bundle::parse(bytes, self.file)?;
        let Some(env) = bundle.envelope() else {
            return Err(self.unsupported(
                "a Sigstore bundle with a message signature over an artifact, not an attestation"
                    .to_string(),
            ));
        };
        if env.payload_type != palisade_sigstore::IN_TOTO_PAYLOAD_TYPE {
            return Err(self.unsupported(format!(
                "a DSSE envelope of type `{}` (expected `{}`)",
                escape(&env.payload_type),
                palisade_sigstore::IN_TOTO_PAYLOAD_TYPE
            )));
        }
        let payload_name = format!("{} (DSSE payload)", self.file);
        let inner = Reader {
            file: &payload_name,
        };
        if env.payload.len() > MAX_ATTESTATION_BYTES {
            return Err(IntotoError::TooLarge {
                file: payload_name,
                size: env.payload.len(),
                limit: MAX_ATTESTATION_BYTES,
            });
        }
        let doc = inner.json(&env.payload)?;
        let mut record = inner.payload(&env.payload, &doc)?;
        record.wrapper = if bundle.version == bundle::BundleVersion::BareDsse {
            Wrapper::Dsse
        } else {
            Wrapper::SigstoreBundle
        };
        record.verification = match &bundle.material {
            VerificationMaterial::PublicKey { .. } => {
                let signatures: Vec<Candidate> = env
                    .signatures
                    .iter()
                    .map(|s| Candidate {
                        keyid: s.keyid.clone(),
                        sig: Ok(s.sig.clone()),
                    })
                    .collect();
                verify_with_keys(&env.pae(), &signatures, trust.keys)
            }
            VerificationMaterial::Certificate(_) | VerificationMaterial::Chain(_) => {
                match sigstore_verify::verify_bundle(
                    &bundle,
                    &[],
                    trust.authorities,
                    None,
                    trust.now,
                ) {
                    sigstore_verify::Outcome::Verified { signer, .. } => Verification::Verified {
                        signer,
                        keyid_matched: false,
                    },
                    sigstore_verify::Outcome::Invalid { reason } => {
                        Verification::Invalid { reason }
                    }
                }
            }
        };
        Ok(record)
    }
}

/// One signature to try: the keyid it names, and its bytes (or why they are unusable).
struct Candidate {
    keyid: String,
    sig: Result<Vec<u8>, String>,
}

/// Tries every signature with every key, keys whose securesystemslib keyid the signature
/// names first. The first that verifies decides; the keyid only orders the tries.
fn verify_with_keys(message: &[u8], signatures: &[Candidate], keys: &[TrustedKey]) -> Verification {
    if signatures.is_empty() {
        return Verification::Invalid {
            reason: "the attestation has no signature".to_string(),
        };
    }
    if keys.is_empty() {
        return Verification::Invalid {
            reason: "no trusted key was given to verify the attestation".to_string(),
        };
    }
    let keyids: Vec<[String; 2]> = keys
        .iter()
        .map(|k| k.key.securesystemslib_keyids())
        .collect();
    let mut reasons = Vec::new();
    for (i, candidate) in signatures.iter().enumerate() {
        let sig = match &candidate.sig {
            Ok(sig) => sig,
            Err(why) => {
                reasons.push(format!("signature {i}: {why}"));
                continue;
            }
        };
        let named = |k: usize| keyids[k].contains(&candidate.keyid);
        let mut order: Vec<usize> = (0..keys.len()).filter(|&k| named(k)).collect();
        order.extend((0..keys.len()).filter(|&k| !named(k)));
        for k in order {
            let key = &keys[k];
            match key.key.verify(message, sig) {
                Ok(()) => {
                    return Verification::Verified {
                        signer: key.name.clone(),
                        keyid_matched: named(k),
                    };
                }
                Err(why) => reasons.push(format!(
                    "signature {i} with `{}` ({}): {why}",
                    escape(&key.name),
                    key.key.algorithm()
                )),
            }
        }
    }
    Verification::Invalid {
        reason: format!(
            "no signature verifies with a trusted key: {}",
            reasons.join("; ")
        ),
    }
}

/// An object value as is; anything else (absent, another type) as `null`.
fn object_or_null(value: Option<&Value>) -> Value {
    match value {
        Some(v @ Value::Object(_)) => v.clone(),
        _ => Value::Null,
    }
}
