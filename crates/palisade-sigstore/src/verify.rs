//! Verifying bundles against trusted keys and trusted certificate authorities, offline.
//!
//! Transparency-log entries and signed timestamps are not checked (that needs Rekor's and a
//! TSA's keys and, for inclusion proofs, the network): trust comes only from the keys and
//! authorities the caller gives.

use std::time::SystemTime;

use sha2::{Digest as _, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectAltName};
use x509_cert::spki::ObjectIdentifier;

use crate::bundle::{Bundle, Content, VerificationMaterial};
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

/// The identity a leaf certificate must carry.
#[derive(Clone, Debug)]
pub struct IdentityMatcher {
    /// Exact match against a subjectAltName: email, URI or DNS name (Fulcio puts the
    /// workload identity there).
    pub subject: String,
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

/// Longest chain from a leaf to a root that we follow.
const MAX_CHAIN_DEPTH: usize = 8;

const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const ED25519_SIG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const EKU_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Verifies a bundle.
///
/// - DSSE content: a signature over the envelope's PAE by one of `keys` (the bundle's
///   `publicKey.hint` picks which key to try first; every key is tried), or, when the bundle
///   carries a certificate, by the leaf certificate's key, the leaf chaining to a root of one
///   of `authorities` (through the bundle's intermediates), its identity matching, every
///   certificate valid at `now`, and the leaf allowed to sign code (codeSigning EKU, where the
///   extension is present).
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
                    PublicKey::P256(_) => key.verify_prehash(digest, signature),
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
    check_validity(&leaf, "the leaf certificate", now)?;
    check_code_signing(&leaf)?;
    let mut reasons = Vec::new();
    for authority in authorities {
        let result = chain_to_roots(&leaf, intermediates, &authority.roots, now).and_then(|()| {
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

fn describe(cert: &Certificate) -> String {
    format!("`{}`", cert.tbs_certificate.subject)
}

/// Follows issuers from `leaf` through `intermediates` to one of `roots`.
fn chain_to_roots(
    leaf: &Certificate,
    intermediates: &[Vec<u8>],
    roots: &[Vec<u8>],
    now: SystemTime,
) -> Result<(), String> {
    let roots: Vec<Certificate> = roots
        .iter()
        .enumerate()
        .map(|(i, der)| {
            Certificate::from_der(der)
                .map_err(|e| format!("root certificate {i} does not decode: {e}"))
        })
        .collect::<Result<_, _>>()?;
    if roots.is_empty() {
        return Err("the authority has no root certificate".to_string());
    }
    // A chain that includes the root (the spec forbids it, model_signing writes it) is
    // accepted: the copy of the root is simply dropped from the intermediates.
    let mut pool = Vec::new();
    for (i, der) in intermediates.iter().enumerate() {
        let cert = Certificate::from_der(der)
            .map_err(|e| format!("chain certificate {} does not decode: {e}", i + 1))?;
        // A self-signed certificate can only be trusted as one of the caller's roots, never
        // as an intermediate the bundle brought along.
        let self_signed = cert.tbs_certificate.subject == cert.tbs_certificate.issuer;
        if !roots.contains(&cert) && !self_signed {
            pool.push(cert);
        }
    }
    let mut used = vec![false; pool.len()];
    let mut current = leaf.clone();
    for _ in 0..MAX_CHAIN_DEPTH {
        if roots.contains(&current) {
            return Ok(());
        }
        let issuer_name = &current.tbs_certificate.issuer;
        for root in roots
            .iter()
            .filter(|r| r.tbs_certificate.subject == *issuer_name)
        {
            if verify_issued_by(&current, root).is_ok() {
                return check_validity(root, &format!("the root {}", describe(root)), now);
            }
        }
        // Each intermediate is used once at most, so a cycle in the chain cannot loop.
        let next = pool
            .iter()
            .enumerate()
            .filter(|(i, c)| !used[*i] && c.tbs_certificate.subject == *issuer_name)
            .find(|(_, c)| verify_issued_by(&current, c).is_ok());
        let Some((index, next)) = next else {
            return Err(format!(
                "{} (issued by `{issuer_name}`) was not signed by any of the authority's roots ({}) or by a certificate in the bundle's chain",
                describe(&current),
                roots.iter().map(describe).collect::<Vec<_>>().join(", ")
            ));
        };
        check_validity(next, &format!("the intermediate {}", describe(next)), now)?;
        if !is_ca(next) {
            return Err(format!(
                "the intermediate {} is not a CA certificate",
                describe(next)
            ));
        }
        used[index] = true;
        current = next.clone();
    }
    Err(format!(
        "the certificate chain is longer than {MAX_CHAIN_DEPTH}"
    ))
}

fn cert_public_key(cert: &Certificate) -> Result<PublicKey, String> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| format!("cannot re-encode the public key: {e}"))?;
    PublicKey::from_spki_der(&spki)
}

/// Checks that `issuer`'s key signed `cert`'s TBS with the algorithm `cert` names.
fn verify_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let key = cert_public_key(issuer)?;
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| format!("cannot re-encode the certificate: {e}"))?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| "the certificate signature has unused bits".to_string())?;
    let alg = cert.signature_algorithm.oid;
    let prehash: Vec<u8> = if alg == ECDSA_SHA256 {
        Sha256::digest(&tbs).to_vec()
    } else if alg == ECDSA_SHA384 {
        Sha384::digest(&tbs).to_vec()
    } else if alg == ECDSA_SHA512 {
        Sha512::digest(&tbs).to_vec()
    } else if alg == ED25519_SIG {
        return match key {
            PublicKey::Ed25519(_) => key.verify(&tbs, sig),
            other => Err(format!(
                "an Ed25519 signature cannot come from a {} key",
                other.algorithm()
            )),
        };
    } else {
        return Err(format!(
            "unsupported certificate signature algorithm {alg} (supported: ECDSA with SHA-256/384/512, Ed25519; RSA is not)"
        ));
    };
    key.verify_prehash(&prehash, sig)
}

fn check_validity(cert: &Certificate, what: &str, now: SystemTime) -> Result<(), String> {
    let validity = &cert.tbs_certificate.validity;
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    if now < not_before {
        return Err(format!(
            "{what} is not valid before {}",
            validity.not_before
        ));
    }
    if now > not_after {
        return Err(format!("{what} expired on {}", validity.not_after));
    }
    Ok(())
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn is_ca(cert: &Certificate) -> bool {
    extension(cert, OID_BASIC_CONSTRAINTS)
        .and_then(|der| BasicConstraints::from_der(der).ok())
        .is_some_and(|bc| bc.ca)
}

fn check_code_signing(leaf: &Certificate) -> Result<(), String> {
    let Some(der) = extension(leaf, OID_EXT_KEY_USAGE) else {
        return Ok(());
    };
    let eku = ExtendedKeyUsage::from_der(der)
        .map_err(|e| format!("the leaf certificate's extended key usage does not decode: {e}"))?;
    if eku.0.contains(&EKU_CODE_SIGNING) {
        Ok(())
    } else {
        Err(format!(
            "the leaf certificate {} is not allowed to sign code (no codeSigning extended key usage)",
            describe(leaf)
        ))
    }
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
    if !sans.contains(&matcher.subject) {
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
            matcher.subject
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
