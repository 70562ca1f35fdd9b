//! Verifying bundles against trusted keys and trusted certificate authorities, offline.
//!
//! Transparency-log entries and signed timestamps are not checked (that needs Rekor's and a
//! TSA's keys and, for inclusion proofs, the network): trust comes only from the keys and
//! authorities the caller gives.

use std::time::SystemTime;

use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::spki::ObjectIdentifier;

use crate::bundle::{Bundle, Content, VerificationMaterial};
use crate::chain;
use crate::keys::PublicKey;

/// A public key the caller trusts, under the name policies know it by.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    /// The name reported as the signer (e.g. the pipeline's `key "release"`).
    pub name: String,
    /// The key.
    pub key: PublicKey,
    /// Its Sigstore hint: [`crate::keys::pem_hint`] of its PEM file's text.
    pub hint: String,
}

/// A certificate authority the caller trusts, optionally only for one identity.
#[derive(Clone, Debug)]
pub struct TrustedAuthority {
    /// The name reported as the signer (e.g. the pipeline's `identity "trainer"`).
    pub name: String,
    /// DER root certificates; a leaf must chain to one of them.
    pub roots: Vec<Vec<u8>>,
    /// When set, the leaf certificate must carry this identity.
    pub identity: Option<IdentityMatcher>,
}

/// The identity a leaf certificate must carry: every field that is set is enforced.
#[derive(Clone, Debug)]
pub struct IdentityMatcher {
    /// Exact match against a subjectAltName: email, URI or DNS name (Fulcio puts the
    /// workload identity there).
    pub subject: Option<String>,
    /// Exact match against Fulcio's OIDC issuer extension (1.3.6.1.4.1.57264.1.8, or the
    /// older 1.3.6.1.4.1.57264.1.1).
    pub issuer: Option<String>,
}

/// The result of a verification: a fact for policies, not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A trusted key or authority signed the content.
    Verified {
        /// The [`TrustedKey::name`] or [`TrustedAuthority::name`] that verified.
        signer: String,
        /// The signed payload (DSSE) or the signed digest (message signature).
        payload: Vec<u8>,
        /// The DSSE payload type; `None` for a message signature.
        payload_type: Option<String>,
    },
    /// Not verified, and why.
    Invalid {
        /// A sentence saying what failed.
        reason: String,
    },
}

impl Outcome {
    fn invalid(reason: impl Into<String>) -> Self {
        Outcome::Invalid {
            reason: reason.into(),
        }
    }

    /// True for [`Outcome::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, Outcome::Verified { .. })
    }
}

const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Verifies a bundle.
///
/// - DSSE content: a signature over the envelope's PAE by one of `keys` (the bundle's
///   `publicKey.hint` picks which key to try first; every key is tried), or, when the bundle
///   carries a certificate, by the leaf certificate's key, the leaf chaining to a root of one
///   of `authorities` (through the bundle's intermediates) by RFC 5280 path validation at
///   `now` (see the `chain` module: basic constraints and path length, keyUsage keyCertSign on
///   CAs, codeSigning extended key usage on the leaf, no unknown critical extension, every
///   certificate valid at `now`), and its identity matching.
/// - Message signature: a signature over the artifact, checked from its SHA-256 digest
///   (`artifact_digest` when given, which must then equal the bundle's `messageDigest`).
///   Only P-256 keys can be checked from a SHA-256 digest alone.
pub fn verify_bundle(
    bundle: &Bundle,
    keys: &[TrustedKey],
    authorities: &[TrustedAuthority],
    artifact_digest: Option<&[u8; 32]>,
    now: SystemTime,
) -> Outcome {
    // Which keys may have signed, each with the signer name to report.
    let candidates: Vec<(String, PublicKey)> = match &bundle.material {
        VerificationMaterial::PublicKey { hint } => {
            if keys.is_empty() {
                return Outcome::invalid(
                    "the bundle is signed with a public key, but no trusted key was given",
                );
            }
            // Hinted keys first: the hint is unauthenticated, so it only orders the tries.
            let mut ordered: Vec<&TrustedKey> = keys
                .iter()
                .filter(|k| !hint.is_empty() && k.hint == *hint)
                .collect();
            ordered.extend(keys.iter().filter(|k| hint.is_empty() || k.hint != *hint));
            ordered
                .into_iter()
                .map(|k| (k.name.clone(), k.key.clone()))
                .collect()
        }
        VerificationMaterial::Certificate(leaf) => {
            match leaf_key_from_authorities(leaf, &[], authorities, now) {
                Ok(found) => vec![found],
                Err(reason) => return Outcome::invalid(reason),
            }
        }
        VerificationMaterial::Chain(chain) => {
            let Some((leaf, rest)) = chain.split_first() else {
                return Outcome::invalid("the bundle's certificate chain is empty");
            };
            match leaf_key_from_authorities(leaf, rest, authorities, now) {
                Ok(found) => vec![found],
                Err(reason) => return Outcome::invalid(reason),
            }
        }
    };

    match &bundle.content {
        Content::Dsse(env) => {
            if env.signatures.is_empty() {
                return Outcome::invalid("the DSSE envelope has no signature");
            }
            let pae = env.pae();
            let mut reasons = Vec::new();
            for (name, key) in &candidates {
                for (i, sig) in env.signatures.iter().enumerate() {
                    match key.verify(&pae, &sig.sig) {
                        Ok(()) => {
                            return Outcome::Verified {
                                signer: name.clone(),
                                payload: env.payload.clone(),
                                payload_type: Some(env.payload_type.clone()),
                            };
                        }
                        Err(why) => reasons.push(format!(
                            "signature {i} with `{name}` ({}): {why}",
                            key.algorithm()
                        )),
                    }
                }
            }
            Outcome::invalid(format!(
                "no DSSE signature verifies with a trusted key: {}",
                reasons.join("; ")
            ))
        }
        Content::MessageSignature { digest, signature } => {
            let bundle_digest = match digest {
                Some((alg, d)) if alg == "SHA2_256" && d.len() == 32 => Some(d.as_slice()),
                Some((alg, d)) => {
                    return Outcome::invalid(format!(
                        "message digest algorithm `{alg}` with {} bytes is not supported (only SHA2_256)",
                        d.len()
                    ));
                }
                None => None,
            };
            let digest: &[u8] = match (artifact_digest, bundle_digest) {
                (Some(a), Some(b)) if a.as_slice() != b => {
                    return Outcome::invalid(format!(
                        "the artifact's sha256 {} differs from the bundle's message digest {}",
                        hex::encode(a),
                        hex::encode(b)
                    ));
                }
                (Some(a), _) => a.as_slice(),
                (None, Some(b)) => b,
                (None, None) => {
                    return Outcome::invalid(
                        "the message signature has no digest and no artifact was given to check it against",
                    );
                }
            };
            let mut reasons = Vec::new();
            for (name, key) in &candidates {
                let result = match key {
                    PublicKey::P256(_) => key
                        .verify_prehash(digest, signature)
                        .map_err(|e| e.to_string()),
                    other => Err(format!(
                        "a SHA-256 digest can only be checked against a P-256 key, not {}",
                        other.algorithm()
                    )),
                };
                match result {
                    Ok(()) => {
                        return Outcome::Verified {
                            signer: name.clone(),
                            payload: digest.to_vec(),
                            payload_type: None,
                        };
                    }
                    Err(why) => reasons.push(format!("`{name}` ({}): {why}", key.algorithm())),
                }
            }
            Outcome::invalid(format!(
                "the message signature does not verify with a trusted key: {}",
                reasons.join("; ")
            ))
        }
    }
}

/// Finds an authority that the leaf chains to and whose identity it carries; returns that
/// authority's name and the leaf's public key, or every authority's reason for refusing.
fn leaf_key_from_authorities(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    authorities: &[TrustedAuthority],
    now: SystemTime,
) -> Result<(String, PublicKey), String> {
    if authorities.is_empty() {
        return Err("the bundle is signed with a certificate, but no trusted certificate authority was given".to_string());
    }
    let leaf = Certificate::from_der(leaf_der)
        .map_err(|e| format!("the leaf certificate does not decode: {e}"))?;
    let leaf_key =
        cert_public_key(&leaf).map_err(|e| format!("the leaf certificate's key: {e}"))?;
    let mut reasons = Vec::new();
    for authority in authorities {
        let result =
            chain::validate(leaf_der, intermediates, &authority.roots, now).and_then(|()| {
                match &authority.identity {
                    Some(matcher) => match_identity(&leaf, matcher),
                    None => Ok(()),
                }
            });
        match result {
            Ok(()) => return Ok((authority.name.clone(), leaf_key)),
            Err(why) => reasons.push(format!("`{}`: {why}", authority.name)),
        }
    }
    Err(format!(
        "no trusted authority accepts the certificate: {}",
        reasons.join("; ")
    ))
}

fn cert_public_key(cert: &Certificate) -> Result<PublicKey, String> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| format!("cannot re-encode the public key: {e}"))?;
    PublicKey::from_spki_der(&spki).map_err(|e| e.to_string())
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// Who a DER certificate names: its subjectAltName values (emails, URIs, DNS names; its subject
/// DN when it has none) and Fulcio's OIDC issuer extension, if any. `None` if it is not DER.
pub fn certificate_identity(der: &[u8]) -> Option<(Vec<String>, Option<String>)> {
    let cert = Certificate::from_der(der).ok()?;
    let mut names = subject_alt_names(&cert);
    if names.is_empty() {
        names.push(format!("subject {}", cert.tbs_certificate.subject));
    }
    Some((names, fulcio_issuer(&cert)))
}

/// The leaf's subjectAltName values that can name a signer: emails, URIs, DNS names.
pub(crate) fn subject_alt_names(cert: &Certificate) -> Vec<String> {
    let Some(der) = extension(cert, OID_SUBJECT_ALT_NAME) else {
        return Vec::new();
    };
    let Ok(san) = SubjectAltName::from_der(der) else {
        return Vec::new();
    };
    san.0
        .iter()
        .filter_map(|name| match name {
            GeneralName::Rfc822Name(s) => Some(s.to_string()),
            GeneralName::UniformResourceIdentifier(s) => Some(s.to_string()),
            GeneralName::DnsName(s) => Some(s.to_string()),
            _ => None,
        })
        .collect()
}

fn fulcio_issuer(cert: &Certificate) -> Option<String> {
    if let Some(Ok(s)) =
        extension(cert, FULCIO_ISSUER_V2).map(x509_cert::der::asn1::Utf8StringRef::from_der)
    {
        return Some(s.as_str().to_string());
    }
    // The older extension holds the raw string, not DER.
    extension(cert, FULCIO_ISSUER_V1)
        .and_then(|raw| std::str::from_utf8(raw).ok().map(str::to_string))
}

fn match_identity(leaf: &Certificate, matcher: &IdentityMatcher) -> Result<(), String> {
    let sans = subject_alt_names(leaf);
    if let Some(subject) = &matcher.subject
        && !sans.contains(subject)
    {
        return Err(format!(
            "the certificate's identity is {} but `{}` is required",
            if sans.is_empty() {
                "absent".to_string()
            } else {
                sans.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            subject
        ));
    }
    if let Some(expected) = &matcher.issuer {
        match fulcio_issuer(leaf) {
            Some(actual) if actual == *expected => {}
            Some(actual) => {
                return Err(format!(
                    "the certificate's OIDC issuer is `{actual}` but `{expected}` is required"
                ));
            }
            None => {
                return Err(format!(
                    "the certificate has no OIDC issuer extension but `{expected}` is required"
                ));
            }
        }
    }
    Ok(())
}
