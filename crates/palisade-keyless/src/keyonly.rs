//! Public-key bundles that carry no time evidence at all (no log entry, no RFC 3161 timestamp):
//! what `model_signing sign key`, `cosign attest --tlog-upload=false` and `palisade attest`
//! write. sigstore-verify refuses them outright ("bundle must have at least one tlog entry or
//! timestamp verification data"); with a public key the trust is in the key, not in a time, so
//! they are verified here with sigstore-verify's own primitives: the signature over the DSSE
//! PAE or the artifact (sigstore-crypto), the in-toto subject or message digest against the
//! artifact. Nothing is re-implemented: hashing, PAE and signature checks are the library's.

use sigstore_verify::crypto::{ArtifactHasher, KeyAlgorithm, SigningScheme};
use sigstore_verify::types::{ArtifactDigest, HashAlgorithm, SignatureContent, Statement};

use crate::error::{KeylessError, escape};
use crate::verify::{Artifact, DigestAlgorithm, PublicKeyPolicy};

const IN_TOTO: &str = "application/vnd.in-toto+json";

/// The artifact as the digests a check needs (and its bytes when it has them).
struct Prepared<'a> {
    bytes: Option<&'a [u8]>,
    digests: Vec<ArtifactDigest>,
}

impl Prepared<'_> {
    fn digest(&self, algorithm: HashAlgorithm) -> Option<&ArtifactDigest> {
        self.digests.iter().find(|d| d.algorithm() == algorithm)
    }
}

fn prepare<'a>(
    name: &str,
    artifact: Artifact<'a>,
    algorithms: &[HashAlgorithm],
) -> Result<Prepared<'a>, KeylessError> {
    let unsupported = |detail: String| KeylessError::Unsupported {
        name: name.to_string(),
        detail: escape(&detail),
    };
    let hashers = || -> Result<Vec<ArtifactHasher>, KeylessError> {
        algorithms
            .iter()
            .map(|a| ArtifactHasher::new(*a).map_err(|e| unsupported(e.to_string())))
            .collect()
    };
    match artifact {
        Artifact::Bytes(bytes) => {
            let mut hs = hashers()?;
            for h in &mut hs {
                h.update(bytes);
            }
            Ok(Prepared {
                bytes: Some(bytes),
                digests: hs.into_iter().map(ArtifactHasher::finalize).collect(),
            })
        }
        Artifact::Reader(reader) => {
            let mut hs = hashers()?;
            sigstore_verify::crypto::hash_reader(reader, &mut hs).map_err(|e| {
                KeylessError::ArtifactMismatch {
                    name: name.to_string(),
                    detail: escape(&format!("cannot read the artifact: {e}")),
                }
            })?;
            Ok(Prepared {
                bytes: None,
                digests: hs.into_iter().map(ArtifactHasher::finalize).collect(),
            })
        }
        Artifact::Digest(d) => {
            let algorithm = match d.algorithm {
                DigestAlgorithm::Sha256 => HashAlgorithm::Sha2256,
                DigestAlgorithm::Sha384 => HashAlgorithm::Sha2384,
                DigestAlgorithm::Sha512 => HashAlgorithm::Sha2512,
            };
            let digest =
                ArtifactDigest::new(algorithm, d.bytes).map_err(|e| unsupported(e.to_string()))?;
            Ok(Prepared {
                bytes: None,
                digests: vec![digest],
            })
        }
    }
}

/// Verifies a public-key bundle without log entries or timestamps.
pub(crate) fn verify(
    name: &str,
    key: &PublicKeyPolicy,
    bundle: &sigstore_verify::types::Bundle,
    artifact: Artifact<'_>,
) -> Result<(), KeylessError> {
    crate::provider::install();
    let algorithm = KeyAlgorithm::from_spki(key.der()).map_err(|e| KeylessError::Key {
        name: name.to_string(),
        detail: escape(&format!("unsupported public key: {e}")),
    })?;
    let bad_signature = |e: sigstore_verify::crypto::Error| KeylessError::Signature {
        name: name.to_string(),
        detail: escape(&format!("the signature does not verify with the key: {e}")),
    };
    match &bundle.content {
        SignatureContent::DsseEnvelope(envelope) => {
            if envelope.payload_type != IN_TOTO {
                return Err(KeylessError::Unsupported {
                    name: name.to_string(),
                    detail: escape(&format!(
                        "DSSE payload type {:?}: only in-toto statements bind an artifact",
                        envelope.payload_type
                    )),
                });
            }
            sigstore_verify::crypto::verify_signature(
                key.der(),
                &envelope.pae(),
                &envelope.signature.sig,
                algorithm.default_signing_scheme(),
            )
            .map_err(bad_signature)?;
            let statement: Statement = serde_json::from_slice(envelope.payload.as_bytes())
                .map_err(|e| KeylessError::Bundle {
                    name: name.to_string(),
                    detail: escape(&format!("the in-toto statement does not parse: {e}")),
                })?;
            let algorithms = statement.subject_algorithms();
            if algorithms.is_empty() {
                return Err(KeylessError::Unsupported {
                    name: name.to_string(),
                    detail: "the statement has no sha256 or sha512 subject".to_string(),
                });
            }
            let prepared = prepare(name, artifact, &algorithms)?;
            let matched = prepared.digests.iter().any(|d| match d.algorithm() {
                HashAlgorithm::Sha2256 => {
                    sigstore_verify::types::Sha256Hash::try_from(d.as_bytes())
                        .is_ok_and(|h| statement.matches_sha256(&h))
                }
                HashAlgorithm::Sha2512 => {
                    sigstore_verify::types::Sha512Hash::try_from(d.as_bytes())
                        .is_ok_and(|h| statement.matches_sha512(&h))
                }
                _ => false,
            });
            if !matched {
                return Err(KeylessError::ArtifactMismatch {
                    name: name.to_string(),
                    detail: "the artifact's digest matches no subject of the statement".to_string(),
                });
            }
            Ok(())
        }
        SignatureContent::MessageSignature(message) => {
            let scheme = match &message.message_digest {
                Some(d) => algorithm.resolve_signing_scheme(d.algorithm),
                None => Ok(algorithm.default_signing_scheme()),
            }
            .map_err(|e| KeylessError::Unsupported {
                name: name.to_string(),
                detail: escape(&e.to_string()),
            })?;
            let mut algorithms: Vec<HashAlgorithm> = Vec::new();
            for a in message
                .message_digest
                .as_ref()
                .map(|d| d.algorithm)
                .into_iter()
                .chain(scheme.hash_algorithm())
            {
                if !algorithms.contains(&a) {
                    algorithms.push(a);
                }
            }
            let prepared = prepare(name, artifact, &algorithms)?;
            if let Some(stated) = &message.message_digest {
                let ours =
                    prepared
                        .digest(stated.algorithm)
                        .ok_or_else(|| KeylessError::Unsupported {
                            name: name.to_string(),
                            detail: format!("the bundle states a {} digest", stated.algorithm),
                        })?;
                if ours.as_bytes() != stated.digest.as_bytes() {
                    return Err(KeylessError::ArtifactMismatch {
                        name: name.to_string(),
                        detail: "the bundle's message digest is not the artifact's".to_string(),
                    });
                }
            }
            signature_over_artifact(name, key, scheme, &message.signature, &prepared)
                .map_err(bad_signature)
        }
        _ => Err(KeylessError::Unsupported {
            name: name.to_string(),
            detail: "bundle content is neither a message signature nor a DSSE envelope".to_string(),
        }),
    }
}

fn signature_over_artifact(
    name: &str,
    key: &PublicKeyPolicy,
    scheme: SigningScheme,
    signature: &sigstore_verify::types::SignatureBytes,
    prepared: &Prepared<'_>,
) -> Result<(), sigstore_verify::crypto::Error> {
    match (prepared.bytes, scheme.hash_algorithm()) {
        (Some(bytes), _) => {
            sigstore_verify::crypto::verify_signature(key.der(), bytes, signature, scheme)
        }
        (None, Some(algorithm)) => match prepared.digest(algorithm) {
            Some(digest) => sigstore_verify::crypto::verify_signature_prehashed(
                key.der(),
                digest.as_bytes(),
                signature,
                scheme,
            ),
            None => Err(sigstore_verify::crypto::Error::UnsupportedAlgorithm(
                format!("{name}: the signature is over a {algorithm} digest, not the one given"),
            )),
        },
        (None, None) => Err(sigstore_verify::crypto::Error::UnsupportedAlgorithm(
            format!(
                "{name}: {} signs whole messages: give the artifact's bytes, not a digest",
                scheme.name()
            ),
        )),
    }
}
