//! Reading a bundle and verifying it against a trusted root, an artifact and a signer policy.

use std::io::Read;

use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::{
    ArtifactDigest, DigestBytes, HashAlgorithm, KindVersion, SignatureContent,
};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, VerificationResult};

use crate::error::{KeylessError, Step, escape};
use crate::identity::{Claims, IdentityRequirement, Mismatch};
use crate::json;
use crate::root::TrustRoot;

/// Largest bundle accepted. Real bundles are 4–20 KiB; one carrying a large SBOM predicate can
/// reach a few MiB.
pub const MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;

/// Most transparency-log entries or RFC 3161 timestamps a bundle may carry.
pub const MAX_ENTRIES: usize = 32;

/// Most certificates in a bundle's chain.
pub const MAX_CHAIN: usize = 16;

/// Most in-toto subjects reported in [`Content::Statement`] (all are matched).
pub const MAX_REPORTED_SUBJECTS: usize = 1000;

/// Largest public key file accepted.
pub const MAX_KEY_BYTES: usize = 64 * 1024;

/// A parsed Sigstore bundle (v0.1, v0.2 or v0.3), not yet verified.
#[derive(Debug, Clone)]
pub struct Bundle {
    name: String,
    inner: sigstore_verify::types::Bundle,
}

impl Bundle {
    /// Reads a bundle (`*.sigstore.json`, `*.sigstore`, one line of a `.jsonl` …) from bytes;
    /// `name` is used in errors.
    pub fn parse(bytes: &[u8], name: &str) -> Result<Bundle, KeylessError> {
        crate::provider::install();
        let checked = json::check(bytes, name, "bundle", Step::Bundle, MAX_BUNDLE_BYTES)?;
        let inner: sigstore_verify::types::Bundle = match serde_json::from_str(checked.text) {
            Ok(bundle) => bundle,
            Err(error) => reparse(checked.text, name)
                .ok_or_else(|| json::from_serde(bytes, name, "bundle", Step::Bundle, &error))??,
        };
        let material = &inner.verification_material;
        let malformed = |detail: String| KeylessError::Bundle {
            name: name.to_string(),
            detail,
        };
        // sigstore-types reads a bundle without `mediaType` as v0.1; the field is required.
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(rename = "mediaType")]
            _media_type: String,
        }
        if serde_json::from_str::<Head>(checked.text).is_err() {
            return Err(malformed("no mediaType".to_string()));
        }
        if material.tlog_entries.len() > MAX_ENTRIES {
            return Err(malformed(format!(
                "{} transparency-log entries, more than the limit of {MAX_ENTRIES}",
                material.tlog_entries.len()
            )));
        }
        let timestamps = material
            .timestamp_verification_data
            .rfc3161_timestamps
            .len();
        if timestamps > MAX_ENTRIES {
            return Err(malformed(format!(
                "{timestamps} RFC 3161 timestamps, more than the limit of {MAX_ENTRIES}"
            )));
        }
        if let VerificationMaterialContent::X509CertificateChain { certificates } =
            &material.content
            && certificates.len() > MAX_CHAIN
        {
            return Err(malformed(format!(
                "{} certificates in the chain, more than the limit of {MAX_CHAIN}",
                certificates.len()
            )));
        }
        Ok(Bundle {
            name: name.to_string(),
            inner,
        })
    }

    /// The source name given to [`Bundle::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The media type: `application/vnd.dev.sigstore.bundle…` (v0.1, v0.2 or v0.3).
    pub fn media_type(&self) -> &'static str {
        self.inner.media_type.as_str()
    }

    /// Whether the bundle is signed by a Fulcio certificate (keyless), not a public key.
    pub fn is_keyless(&self) -> bool {
        !matches!(
            self.inner.verification_material.content,
            VerificationMaterialContent::PublicKey(_)
        )
    }

    /// The transparency-log entries as written (not yet verified).
    pub fn log_entries(&self) -> Vec<LogEntry> {
        self.inner
            .verification_material
            .tlog_entries
            .iter()
            .map(|e| LogEntry {
                kind: e.kind_version.kind(),
                version: e.kind_version.version(),
                log_index: e.log_index.get(),
                log_id: hex::encode(e.log_id.key_id.as_bytes()),
                rekor_v2: e.kind_version == KindVersion::HashedRekordV002,
            })
            .collect()
    }

    /// How many RFC 3161 timestamps the bundle carries.
    pub fn timestamp_count(&self) -> usize {
        self.inner
            .verification_material
            .timestamp_verification_data
            .rfc3161_timestamps
            .len()
    }
}

/// The protobuf `bytes` fields of a bundle (base64 in its JSON form).
const BASE64_FIELDS: [&str; 11] = [
    "rawBytes",
    "signedTimestamp",
    "signature",
    "payload",
    "sig",
    "digest",
    "canonicalizedBody",
    "signedEntryTimestamp",
    "rootHash",
    "hashes",
    "keyId",
];

/// The second look at a bundle the typed parse refused, for two things the typed parse
/// reports badly. `None`: nothing to add, report the parse error.
///
/// - A checkpoint note that does not parse is a failing checkpoint ([`Step::Checkpoint`]),
///   not a malformed bundle.
/// - Base64 wrapped at 76 columns (`base64 FILE` output pasted into a bundle) is accepted, as
///   protojson (Go), Python and Node decoders accept it: line breaks are dropped from the
///   `bytes` fields only, then the bundle is parsed again.
fn reparse(text: &str, name: &str) -> Option<Result<sigstore_verify::types::Bundle, KeylessError>> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let entries = value
        .pointer("/verificationMaterial/tlogEntries")
        .and_then(serde_json::Value::as_array);
    for (i, entry) in entries.into_iter().flatten().enumerate() {
        let envelope = entry
            .pointer("/inclusionProof/checkpoint/envelope")
            .and_then(serde_json::Value::as_str);
        if let Some(envelope) = envelope
            && let Err(e) = sigstore_verify::types::bundle::CheckpointData::new(envelope)
        {
            return Some(Err(KeylessError::Checkpoint {
                name: name.to_string(),
                detail: escape(&format!("log entry {i}: unreadable checkpoint: {e}")),
            }));
        }
    }
    if !strip_line_breaks(&mut value, false) {
        return None;
    }
    serde_json::from_value(value).ok().map(Ok)
}

/// Drops `\n` and `\r` from strings under [`BASE64_FIELDS`]; true if any was dropped.
fn strip_line_breaks(value: &mut serde_json::Value, in_base64_field: bool) -> bool {
    match value {
        serde_json::Value::String(s) if in_base64_field && s.contains(['\n', '\r']) => {
            s.retain(|c| c != '\n' && c != '\r');
            true
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |changed, v| {
            strip_line_breaks(v, in_base64_field) | changed
        }),
        serde_json::Value::Object(map) => map.iter_mut().fold(false, |changed, (k, v)| {
            strip_line_breaks(v, BASE64_FIELDS.contains(&k.as_str())) | changed
        }),
        _ => false,
    }
}

/// Checks sigstore-verify would make later or for another reason, made first so a bundle is
/// rejected for what is wrong with it: an empty or root-carrying certificate chain (roots come
/// from the trusted root only), and inclusion proofs that do not lead to their root hash
/// (computed with sigstore-merkle, the official code).
fn precheck(name: &str, bundle: &sigstore_verify::types::Bundle) -> Result<(), KeylessError> {
    if let VerificationMaterialContent::X509CertificateChain { certificates } =
        &bundle.verification_material.content
    {
        if certificates.is_empty() {
            return Err(KeylessError::Bundle {
                name: name.to_string(),
                detail: "the certificate chain is empty".to_string(),
            });
        }
        for (i, cert) in certificates.iter().enumerate() {
            use x509_cert::der::Decode;
            let parsed =
                x509_cert::Certificate::from_der(cert.raw_bytes.as_bytes()).map_err(|e| {
                    KeylessError::Chain {
                        name: name.to_string(),
                        detail: escape(&format!("certificate {i} of the chain: {e}")),
                    }
                })?;
            if parsed.tbs_certificate.subject == parsed.tbs_certificate.issuer {
                return Err(KeylessError::Chain {
                    name: name.to_string(),
                    detail: format!(
                        "certificate {i} of the bundle's chain is self-signed (a root): roots \
                         come from the trusted root, never from the bundle"
                    ),
                });
            }
        }
    }
    for (i, entry) in bundle.verification_material.tlog_entries.iter().enumerate() {
        let Some(proof) = &entry.inclusion_proof else {
            continue;
        };
        let leaf = sigstore_merkle::hash_leaf(entry.canonicalized_body.as_bytes());
        sigstore_merkle::verify_inclusion_proof(
            &leaf,
            proof.log_index.get(),
            proof.tree_size,
            &proof.hashes,
            &proof.root_hash,
        )
        .map_err(|e| KeylessError::Tlog {
            name: name.to_string(),
            detail: escape(&format!(
                "log entry {i}: the inclusion proof does not lead to its root hash: {e}"
            )),
        })?;
    }
    Ok(())
}

/// A transparency-log entry of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    /// `hashedrekord`, `dsse` or `intoto`.
    pub kind: &'static str,
    /// `0.0.1` or `0.0.2`.
    pub version: &'static str,
    /// Its index in the log.
    pub log_index: u64,
    /// The log's key ID (hex).
    pub log_id: String,
    /// Whether it is a Rekor v2 entry (`hashedrekord` 0.0.2, checkpoint-only, no SET).
    pub rekor_v2: bool,
}

/// A digest algorithm for [`ArtifactDigestInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A pre-computed artifact digest, as `sha256:<hex>` (also `sha384:`, `sha512:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactDigestInput {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// The digest bytes.
    pub bytes: Vec<u8>,
}

impl ArtifactDigestInput {
    /// Parses `sha256:<64 hex>`, `sha384:<96 hex>` or `sha512:<128 hex>`.
    pub fn parse(text: &str) -> Result<ArtifactDigestInput, KeylessError> {
        let bad = |detail: String| KeylessError::Unsupported {
            name: "artifact digest".to_string(),
            detail: escape(&detail),
        };
        let (algorithm, hex_text) = text
            .split_once(':')
            .ok_or_else(|| bad(format!("{text:?} is not ALGORITHM:HEX")))?;
        let (algorithm, len) = match algorithm {
            "sha256" => (DigestAlgorithm::Sha256, 32),
            "sha384" => (DigestAlgorithm::Sha384, 48),
            "sha512" => (DigestAlgorithm::Sha512, 64),
            other => return Err(bad(format!("digest algorithm {other:?}"))),
        };
        let bytes = hex::decode(hex_text).map_err(|e| bad(format!("digest hex: {e}")))?;
        if bytes.len() != len {
            return Err(bad(format!(
                "a {algorithm:?} digest is {len} bytes, this one {}",
                bytes.len()
            )));
        }
        Ok(ArtifactDigestInput { algorithm, bytes })
    }
}

/// The artifact the bundle should sign.
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// Only its digest (`sha256:…`): for a DSSE bundle, matched against the in-toto subjects;
    /// for a message signature, the signature is verified over the pre-hashed digest (not
    /// possible with Ed25519 keys).
    Digest(ArtifactDigestInput),
    /// A reader (an opened file), hashed in constant memory.
    Reader(&'a mut dyn Read),
}

/// A public key for a public-key (managed-key) bundle.
#[derive(Debug, Clone)]
pub struct PublicKeyPolicy {
    name: String,
    key: sigstore_verify::types::DerPublicKey,
    /// Demand at least one transparency-log entry. Either way, every entry present must
    /// verify (inclusion proof, checkpoint, SET) against the trusted root.
    pub require_log_entry: bool,
}

impl PublicKeyPolicy {
    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo: ECDSA P-256/P-384, Ed25519, RSA);
    /// `name` labels the signer in results and errors.
    pub fn from_pem(pem: &[u8], name: &str) -> Result<PublicKeyPolicy, KeylessError> {
        crate::provider::install();
        let bad = |detail: String| KeylessError::Key {
            name: name.to_string(),
            detail: escape(&detail),
        };
        if pem.len() > MAX_KEY_BYTES {
            return Err(bad(format!(
                "key file is {} bytes, more than the limit of {MAX_KEY_BYTES}",
                pem.len()
            )));
        }
        let text = std::str::from_utf8(pem).map_err(|_| bad("key is not UTF-8 PEM".into()))?;
        let key = sigstore_verify::types::DerPublicKey::from_pem(text)
            .map_err(|e| bad(format!("unreadable public key: {e}")))?;
        sigstore_verify::crypto::KeyAlgorithm::from_spki(&key)
            .map_err(|e| bad(format!("unsupported public key: {e}")))?;
        Ok(PublicKeyPolicy {
            name: name.to_string(),
            key,
            require_log_entry: false,
        })
    }

    pub(crate) fn der(&self) -> &sigstore_verify::types::DerPublicKey {
        &self.key
    }

    /// The label given to [`PublicKeyPolicy::from_pem`].
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Who may have signed.
#[derive(Debug, Clone)]
pub enum Policy {
    /// A keyless bundle whose certificate satisfies at least one requirement (checked in
    /// order; the first that matches is reported).
    Identities(Vec<IdentityRequirement>),
    /// A public-key bundle signed by this key.
    PublicKey(PublicKeyPolicy),
}

/// Where a verified signed time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// A Rekor v1 integrated time, authenticated by the entry's SET.
    TransparencyLog,
    /// An RFC 3161 timestamp from a TSA of the trusted root.
    TimestampAuthority,
}

/// A verified time at which the signature existed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedTime {
    /// Seconds since the Unix epoch.
    pub unix_seconds: i64,
    /// RFC 3339 (UTC).
    pub rfc3339: String,
    /// Where it comes from.
    pub source: TimeSource,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signer {
    /// A Fulcio certificate.
    Certificate {
        /// Every claim of the certificate.
        claims: Box<Claims>,
        /// The requirement that matched: its name, or `#<position>`.
        requirement: String,
        /// Its position in the policy.
        requirement_index: usize,
    },
    /// A public key of the policy.
    PublicKey {
        /// The key's label.
        name: String,
    },
}

/// One in-toto subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subject {
    /// Its name.
    pub name: String,
    /// Algorithm → hex digest, as written.
    pub digests: Vec<(String, String)>,
}

/// What was signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// A signature over the artifact's bytes (hashedrekord).
    MessageSignature {
        /// The bundle's digest of the artifact (`sha256:…`), if it states one.
        digest: Option<String>,
    },
    /// A DSSE envelope carrying an in-toto statement about the artifact.
    Statement {
        /// The statement's `_type` (Statement v0.1 or v1).
        statement_type: String,
        /// Its `predicateType` (SLSA provenance, PEP 740 publish, model_signing …).
        predicate_type: String,
        /// Its subjects (at most [`MAX_REPORTED_SUBJECTS`]).
        subjects: Vec<Subject>,
        /// The verified payload (the statement's JSON bytes), for a provenance reader.
        #[serde(skip)]
        payload: Vec<u8>,
    },
}

/// A bundle that verified: who signed, when, what, and which checks ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// The bundle's source name.
    pub bundle: String,
    /// The bundle's media type.
    pub media_type: &'static str,
    /// Who signed.
    pub signer: Signer,
    /// The earliest verified signed time (`None` only for a public-key bundle without log
    /// entries or timestamps).
    pub signed_time: Option<SignedTime>,
    /// Every verified time; the certificate was valid at each.
    pub signed_times: Vec<SignedTime>,
    /// The log entries (verified when `log_verified`).
    pub log_entries: Vec<LogEntry>,
    /// Whether inclusion proofs and checkpoints were verified (false only where the trusted
    /// root declares no log, or for a public-key bundle without entries).
    pub log_verified: bool,
    /// Whether the certificate's SCT was verified (false only where the trusted root declares
    /// no CT log, and for public-key bundles).
    pub sct_verified: bool,
    /// What was signed.
    pub content: Content,
}

impl TrustRoot {
    /// Verifies `bundle` over `artifact` for `policy`, entirely offline.
    ///
    /// Keyless: the Fulcio chain to a CA of this root valid at the signed time (each verified
    /// time: Rekor v1 integrated times behind a SET, RFC 3161 timestamps of this root's TSAs),
    /// the SCT, each log entry (body vs bundle, SET, inclusion proof, signed checkpoint; Rekor
    /// v2 checkpoints), the signature, the artifact or in-toto subject, then the identity
    /// requirements. Where the root declares no transparency log (GitHub's instance) a
    /// bundle must carry a TSA timestamp and no log entry; where it declares no CT log, no SCT
    /// is required.
    pub fn verify(
        &self,
        bundle: &Bundle,
        artifact: Artifact<'_>,
        policy: &Policy,
    ) -> Result<Verified, KeylessError> {
        crate::provider::install();
        let name = bundle.name.as_str();
        let inner = &bundle.inner;
        let entries = &inner.verification_material.tlog_entries;
        let fail = |e: sigstore_verify::Error| KeylessError::from_verify(name, e);
        precheck(name, inner)?;
        let (result, signer) = match policy {
            Policy::Identities(requirements) => {
                if !bundle.is_keyless() {
                    return Err(KeylessError::Key {
                        name: name.to_string(),
                        detail: "the bundle is signed with a public key, not a certificate: \
                                 verify it with that key"
                            .to_string(),
                    });
                }
                if !self.has_tlogs && !entries.is_empty() {
                    return Err(KeylessError::Tlog {
                        name: name.to_string(),
                        detail: format!(
                            "the trusted root {} declares no transparency log, but the bundle \
                             has {} log entries",
                            self.name(),
                            entries.len()
                        ),
                    });
                }
                let mut vp = VerificationPolicy::any_identity();
                if !self.has_tlogs {
                    // GitHub's instance: no log; the RFC 3161 timestamp is the only signed
                    // time, and sigstore-verify still demands one.
                    vp = vp.skip_tlog_unsafe();
                }
                if !self.has_ctlogs {
                    vp = vp.skip_sct();
                }
                let result = run(&self.verifier, artifact, inner, &vp).map_err(fail)?;
                let claims = result
                    .certificate()
                    .map(Claims::from_certificate)
                    .ok_or_else(|| KeylessError::Bundle {
                        name: name.to_string(),
                        detail: "no signing certificate".to_string(),
                    })?;
                let (index, label) = match_requirements(name, requirements, &claims)?;
                let signer = Signer::Certificate {
                    claims: Box::new(claims),
                    requirement: label,
                    requirement_index: index,
                };
                (result, signer)
            }
            Policy::PublicKey(key) => {
                if bundle.is_keyless() {
                    return Err(KeylessError::Key {
                        name: name.to_string(),
                        detail: "the bundle is signed with a certificate (keyless), not a \
                                 public key: verify it with an identity"
                            .to_string(),
                    });
                }
                if key.require_log_entry && entries.is_empty() {
                    return Err(KeylessError::Tlog {
                        name: name.to_string(),
                        detail: "the policy requires a transparency-log entry; the bundle has none"
                            .to_string(),
                    });
                }
                let signer = Signer::PublicKey {
                    name: key.name.clone(),
                };
                if entries.is_empty() && bundle.timestamp_count() == 0 {
                    // No time evidence at all, which sigstore-verify refuses: the key alone
                    // vouches for the signature (see keyonly.rs).
                    crate::keyonly::verify(name, key, inner, artifact)?;
                    let content = content_facts(name, inner)?;
                    return Ok(Verified {
                        bundle: name.to_string(),
                        media_type: bundle.media_type(),
                        signer,
                        signed_time: None,
                        signed_times: Vec::new(),
                        log_entries: Vec::new(),
                        log_verified: false,
                        sct_verified: false,
                        content,
                    });
                }
                let mut kp = PublicKeyVerificationPolicy::new(key.key.clone());
                if entries.is_empty() {
                    // Only timestamps: nothing to prove inclusion of; they are still verified.
                    kp = kp.skip_tlog_unsafe();
                }
                let result = run(&self.verifier, artifact, inner, &kp).map_err(fail)?;
                (result, signer)
            }
        };
        // Read from the verified bundle only: a tampered payload fails its signature first.
        let content = content_facts(name, inner)?;
        let signed_times = label_times(inner, &result);
        let signed_time = signed_times.iter().min_by_key(|t| t.unix_seconds).cloned();
        Ok(Verified {
            bundle: name.to_string(),
            media_type: bundle.media_type(),
            signer,
            signed_time,
            signed_times,
            log_entries: bundle.log_entries(),
            log_verified: result.tlog_verified(),
            sct_verified: result.sct_verified(),
            content,
        })
    }
}

fn run(
    verifier: &sigstore_verify::Verifier,
    artifact: Artifact<'_>,
    bundle: &sigstore_verify::types::Bundle,
    policy: &(impl sigstore_verify::Policy + ?Sized),
) -> Result<VerificationResult, sigstore_verify::Error> {
    match artifact {
        Artifact::Bytes(bytes) => verifier.verify(bytes, bundle, policy),
        Artifact::Digest(d) => {
            let algorithm = match d.algorithm {
                DigestAlgorithm::Sha256 => HashAlgorithm::Sha2256,
                DigestAlgorithm::Sha384 => HashAlgorithm::Sha2384,
                DigestAlgorithm::Sha512 => HashAlgorithm::Sha2512,
            };
            let digest = ArtifactDigest::new(algorithm, DigestBytes::new(d.bytes))
                .map_err(sigstore_verify::Error::Types)?;
            verifier.verify(
                sigstore_verify::types::Artifact::Digest(digest),
                bundle,
                policy,
            )
        }
        Artifact::Reader(reader) => verifier.verify_reader(reader, bundle, policy),
    }
}

fn match_requirements(
    name: &str,
    requirements: &[IdentityRequirement],
    claims: &Claims,
) -> Result<(usize, String), KeylessError> {
    let mut mismatches: Vec<Mismatch> = Vec::new();
    for (index, requirement) in requirements.iter().enumerate() {
        let label = format!("#{index}");
        match requirement.check(claims, &label) {
            Ok(()) => return Ok((index, requirement.name.clone().unwrap_or(label))),
            Err(miss) => mismatches.push(miss),
        }
    }
    Err(KeylessError::IdentityMismatch {
        name: name.to_string(),
        mismatches,
    })
}

/// Labels each verified time with its source: a time equal to the integrated time of a
/// Rekor v1 entry with a SET is the log's (each such entry counted once); the rest are
/// RFC 3161 timestamps (the only other source sigstore-verify accepts).
fn label_times(
    bundle: &sigstore_verify::types::Bundle,
    result: &VerificationResult,
) -> Vec<SignedTime> {
    let mut log_times: Vec<jiff::Timestamp> = bundle
        .verification_material
        .tlog_entries
        .iter()
        .filter(|e| {
            e.inclusion_promise.is_some() && e.kind_version != KindVersion::HashedRekordV002
        })
        .filter_map(|e| e.integrated_time)
        .collect();
    result
        .verified_timestamps()
        .iter()
        .map(|t| {
            let source = match log_times.iter().position(|l| l == t) {
                Some(i) => {
                    log_times.swap_remove(i);
                    TimeSource::TransparencyLog
                }
                None => TimeSource::TimestampAuthority,
            };
            SignedTime {
                unix_seconds: t.as_second(),
                rfc3339: t.to_string(),
                source,
            }
        })
        .collect()
}

fn content_facts(
    name: &str,
    bundle: &sigstore_verify::types::Bundle,
) -> Result<Content, KeylessError> {
    match &bundle.content {
        SignatureContent::MessageSignature(m) => Ok(Content::MessageSignature {
            digest: m.message_digest.as_ref().map(|d| {
                let algorithm = match d.algorithm {
                    HashAlgorithm::Sha2256 => "sha256",
                    HashAlgorithm::Sha2384 => "sha384",
                    HashAlgorithm::Sha2512 => "sha512",
                    _ => "unknown",
                };
                format!("{algorithm}:{}", hex::encode(d.digest.as_bytes()))
            }),
        }),
        SignatureContent::DsseEnvelope(envelope) => {
            let payload = envelope.payload.as_bytes().to_vec();
            let value: serde_json::Value =
                serde_json::from_slice(&payload).map_err(|e| KeylessError::Bundle {
                    name: name.to_string(),
                    detail: escape(&format!("the DSSE payload is not JSON: {e}")),
                })?;
            let text = |key: &str| {
                value
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .map(escape)
                    .unwrap_or_default()
            };
            let subjects = value
                .get("subject")
                .and_then(serde_json::Value::as_array)
                .map(|list| {
                    list.iter()
                        .take(MAX_REPORTED_SUBJECTS)
                        .map(|s| Subject {
                            name: s
                                .get("name")
                                .and_then(serde_json::Value::as_str)
                                .map(escape)
                                .unwrap_or_default(),
                            digests: s
                                .get("digest")
                                .and_then(serde_json::Value::as_object)
                                .map(|m| {
                                    m.iter()
                                        .map(|(k, v)| {
                                            (escape(k), escape(v.as_str().unwrap_or_default()))
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(Content::Statement {
                statement_type: text("_type"),
                predicate_type: text("predicateType"),
                subjects,
                payload,
            })
        }
        _ => Err(KeylessError::Unsupported {
            name: name.to_string(),
            detail: "bundle content is neither a message signature nor a DSSE envelope".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_parse_with_their_algorithm_and_length() {
        let d = ArtifactDigestInput::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
        assert_eq!(d.algorithm, DigestAlgorithm::Sha256);
        assert_eq!(d.bytes.len(), 32);
        let d = ArtifactDigestInput::parse(&format!("sha512:{}", "00".repeat(64))).unwrap();
        assert_eq!(d.algorithm, DigestAlgorithm::Sha512);
        for bad in [
            "sha256:abc",
            "md5:00",
            "deadbeef",
            &format!("sha256:{}", "zz".repeat(32)),
            &format!("sha512:{}", "00".repeat(32)),
        ] {
            let err = ArtifactDigestInput::parse(bad).unwrap_err();
            assert_eq!(err.step(), Step::Unsupported, "{bad}");
        }
    }

    #[test]
    fn a_key_must_be_a_pem_public_key() {
        let err = PublicKeyPolicy::from_pem(b"not a key", "k.pub").unwrap_err();
        assert_eq!(err.step(), Step::Key);
        let err = PublicKeyPolicy::from_pem(
            b"-----BEGIN PUBLIC KEY-----\nYWJjZA==\n-----END PUBLIC KEY-----\n",
            "k.pub",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unsupported public key"), "{err}");
    }
}
