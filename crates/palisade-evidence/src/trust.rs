//! Who the pipeline trusts (its `key`s and the `ca` of its `identity`s) and the verification of
//! signatures and provenance against them. A signature that does not verify is a fact
//! (`"invalid"`, with the reason); only a file that cannot be read at all is an error.

use std::collections::BTreeSet;

use palisade_core::fs::Folder;
use palisade_core::{Digest, Timestamp};

/// Largest key or certificate file read.
pub const MAX_TRUST_FILE_BYTES: u64 = 1 << 20;

use palisade_graph::{ProvenanceFacts, SignatureState};
use palisade_sigstore::bundle::Bundle;
use palisade_sigstore::intoto::{self, Statement};
use palisade_sigstore::keys::{PublicKey, pem_hint};
use palisade_sigstore::model_signing::{FileCheck, verify_model};
use palisade_sigstore::purpose;
use palisade_sigstore::verify::{
    IdentityMatcher, Outcome, TrustedAuthority, TrustedKey, verify_bundle,
};
use palisade_syntax::{Kind, Pipeline, Reference};

/// The in-toto payload type.
const IN_TOTO: &str = palisade_sigstore::IN_TOTO_PAYLOAD_TYPE;

/// The keys and authorities a pipeline declares, by the names policies know them by.
#[derive(Debug, Default, Clone)]
pub struct Trust {
    /// `key "<name>"` blocks.
    pub keys: Vec<TrustedKey>,
    /// `identity "<name>"` blocks with a `ca`.
    pub authorities: Vec<TrustedAuthority>,
    /// `key "<name>"` blocks whose public key is RSA (in-toto's default key type): they verify
    /// stage attestations only (`palisade-intoto`, RSA-PSS); nothing else accepts them, so an
    /// artifact `signed_by` one has no key that can verify it.
    pub rsa_keys: Vec<(String, palisade_intoto::keys::VerificationKey)>,
}

/// Why a key or CA file of the pipeline could not be used: (declaration index kind, reason).
#[derive(Debug)]
pub struct TrustError {
    /// `Kind::Key` or `Kind::Identity`.
    pub kind: Kind,
    /// Index in `pipeline.keys` or `pipeline.identities`.
    pub index: usize,
    /// The file as written.
    pub file: String,
    /// The reader's diagnostic.
    pub cause: miette::Report,
}

impl Trust {
    /// Loads every declared key and CA; the ones that cannot be read are returned as errors.
    pub fn load(pipeline: &Pipeline, folder: &Folder) -> (Trust, Vec<TrustError>) {
        let mut trust = Trust::default();
        let mut errors = Vec::new();
        for (index, key) in pipeline.keys.iter().enumerate() {
            let file = key.public_key.value.written.clone();
            let loaded = folder
                .read_to_string(
                    &key.public_key.value.resolved,
                    &file,
                    "a public key",
                    MAX_TRUST_FILE_BYTES,
                )
                .map_err(miette::Report::new)
                .and_then(|text| match PublicKey::from_named_pem(&text, &file) {
                    Ok(k) => Ok(Ok((k, pem_hint(&text)))),
                    // An RSA key is read for stage attestations; anything else keeps its error.
                    Err(e) => {
                        match palisade_intoto::keys::VerificationKey::from_pem(&text, &file) {
                            Ok(rsa @ palisade_intoto::keys::VerificationKey::Rsa(_)) => {
                                Ok(Err(rsa))
                            }
                            _ => Err(miette::Report::new(e)),
                        }
                    }
                });
            match loaded {
                Ok(Ok((public, hint))) => trust.keys.push(TrustedKey {
                    name: key.name.value.clone(),
                    key: public,
                    hint,
                }),
                Ok(Err(rsa)) => trust.rsa_keys.push((key.name.value.clone(), rsa)),
                Err(cause) => errors.push(TrustError {
                    kind: Kind::Key,
                    index,
                    file,
                    cause,
                }),
            }
        }
        for (index, identity) in pipeline.identities.iter().enumerate() {
            let Some(ca) = &identity.ca else { continue };
            let file = ca.value.written.clone();
            let roots = folder
                .read_to_string(&ca.value.resolved, &file, "a CA file", MAX_TRUST_FILE_BYTES)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    palisade_sigstore::keys::certificates_from_pem(&text)
                        .map_err(|reason| format!("{file}: {reason}"))
                });
            match roots {
                Ok(roots) => trust.authorities.push(TrustedAuthority {
                    name: identity.name.value.clone(),
                    roots,
                    // Every declared field is enforced: an issuer without a subject still
                    // restricts the certificates the CA may vouch for.
                    identity: (identity.subject.is_some() || identity.issuer.is_some()).then(
                        || IdentityMatcher {
                            subject: identity.subject.as_ref().map(|s| s.value.clone()),
                            issuer: identity.issuer.as_ref().map(|i| i.value.clone()),
                        },
                    ),
                }),
                Err(reason) => errors.push(TrustError {
                    kind: Kind::Identity,
                    index,
                    file,
                    cause: miette::miette!("{reason}"),
                }),
            }
        }
        (trust, errors)
    }

    /// Only the keys and authorities named in `signed_by` (all of them when it is empty).
    pub fn restricted_to(&self, signed_by: &[Reference]) -> Trust {
        if signed_by.is_empty() {
            return self.clone();
        }
        let wanted =
            |kind: Kind, name: &str| signed_by.iter().any(|r| r.kind == kind && r.name == name);
        Trust {
            keys: self
                .keys
                .iter()
                .filter(|k| wanted(Kind::Key, &k.name))
                .cloned()
                .collect(),
            authorities: self
                .authorities
                .iter()
                .filter(|a| wanted(Kind::Identity, &a.name))
                .cloned()
                .collect(),
            rsa_keys: self
                .rsa_keys
                .iter()
                .filter(|(name, _)| wanted(Kind::Key, name))
                .cloned()
                .collect(),
        }
    }
}

/// The outcome of checking an artifact's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// verified / invalid.
    pub state: SignatureState,
    /// Who verified.
    pub signers: BTreeSet<String>,
    /// Why it is invalid (`None` when verified).
    pub reason: Option<String>,
}

impl SignatureCheck {
    fn invalid(reason: impl Into<String>) -> Self {
        SignatureCheck {
            state: SignatureState::Invalid,
            signers: BTreeSet::new(),
            reason: Some(reason.into()),
        }
    }

    fn verified(signer: String) -> Self {
        SignatureCheck {
            state: SignatureState::Verified,
            signers: BTreeSet::from([signer]),
            reason: None,
        }
    }
}

/// The in-toto statement in a bundle's DSSE envelope, if it holds one (unverified).
pub fn peek_statement(bundle: &Bundle, file: &str) -> Option<Statement> {
    let envelope = bundle.envelope()?;
    if envelope.payload_type != IN_TOTO {
        return None;
    }
    intoto::parse_statement(&envelope.payload, file).ok()
}

/// Whether a statement names `digest` among its subjects (same algorithm, same bytes).
pub(crate) fn names_subject(statement: &Statement, digest: &Digest) -> bool {
    statement.subjects.iter().any(|s| {
        s.digest.iter().any(|(algorithm, hex_digits)| {
            palisade_core::DigestAlgorithm::from_name(algorithm)
                .and_then(|a| Digest::from_hex(a, hex_digits).ok())
                .is_some_and(|d| &d == digest)
        })
    })
}

/// What a model signature check needs about the model on disk.
pub struct ModelOnDisk<'a> {
    /// The model file or folder.
    pub path: &'a std::path::Path,
}

/// Checks a model-signing bundle: the signature by a trusted key, and the model's files against
/// the signed resource list. `Err` when the bundle is not a model signature we can read.
pub fn check_model_signature(
    bundle: &Bundle,
    model: &ModelOnDisk<'_>,
    trust: &Trust,
    now: Timestamp,
) -> Result<SignatureCheck, miette::Report> {
    let verification = verify_model(
        bundle,
        model.path,
        &trust.keys,
        &trust.authorities,
        now.to_system_time(),
    )
    .map_err(miette::Report::new)?;
    let signer = match verification.signature {
        Outcome::Verified { signer, .. } => signer,
        Outcome::Invalid { reason } => return Ok(SignatureCheck::invalid(reason)),
    };
    Ok(match verification.files {
        FileCheck::Match => SignatureCheck::verified(signer),
        FileCheck::Mismatch {
            modified,
            missing,
            extra,
        } => {
            let mut parts = Vec::new();
            for (what, list) in [
                ("modified", modified),
                ("missing", missing),
                ("not signed", extra),
            ] {
                if !list.is_empty() {
                    parts.push(format!("{what}: {}", shorten(&list)));
                }
            }
            SignatureCheck::invalid(format!(
                "signed by {signer}, but the model's files differ from what was signed ({})",
                parts.join("; ")
            ))
        }
        FileCheck::Unsupported(reason) => {
            SignatureCheck::invalid(format!("the model's files cannot be checked: {reason}"))
        }
        FileCheck::Inconsistent(reason) => SignatureCheck::invalid(reason),
    })
}

/// The first few names of `list`, then how many more.
pub(crate) fn shorten(list: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = list
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        text.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    text
}

/// Whether a bundle is an OpenSSF model signature ([`purpose::is_model_signature`], the test
/// `palisade verify` uses too).
pub fn is_model_signature(bundle: &Bundle, file: &str) -> bool {
    peek_statement(bundle, file).is_some_and(|s| purpose::is_model_signature(&s))
}

/// Checks a signature over an artifact whose content digest is `digest` (`None` when
/// unknown): a message signature over those bytes, or a DSSE in-toto statement naming that
/// digest as a subject whose predicate type is a signature's ([`purpose::SIGNATURE_PREDICATES`]);
/// a verdict or provenance naming the artifact is not its signature.
pub fn check_signature(
    bundle: &Bundle,
    digest: Option<&Digest>,
    trust: &Trust,
    now: Timestamp,
    file: &str,
) -> SignatureCheck {
    let sha256 = digest.and_then(Digest::as_sha256);
    if bundle.envelope().is_none() && sha256.is_none() {
        return SignatureCheck::invalid(
            "a message signature signs one file's bytes, and this artifact has no single sha256 to compare",
        );
    }
    match verify_bundle(
        bundle,
        &trust.keys,
        &trust.authorities,
        sha256.as_ref(),
        now.to_system_time(),
    ) {
        Outcome::Invalid { reason } => SignatureCheck::invalid(reason),
        Outcome::Verified {
            signer,
            payload,
            payload_type,
        } => match payload_type.as_deref() {
            None => SignatureCheck::verified(signer),
            Some(IN_TOTO) => match intoto::parse_statement(&payload, file) {
                Err(e) => {
                    SignatureCheck::invalid(format!("the signed statement is unreadable: {e}"))
                }
                Ok(statement) if !purpose::is_signature(&statement.predicate_type) => {
                    SignatureCheck::invalid(format!(
                        "signed by {signer}, but {}",
                        purpose::not_a_signature(&statement.predicate_type)
                    ))
                }
                Ok(statement) => match digest {
                    None => SignatureCheck::invalid(
                        "the artifact has no known digest (no local file, no pinned digest), so the signed statement cannot be matched to it",
                    ),
                    Some(digest) if names_subject(&statement, digest) => {
                        SignatureCheck::verified(signer)
                    }
                    Some(digest) => SignatureCheck::invalid(format!(
                        "signed by {signer}, but the statement is about other artifacts (no subject has {digest})"
                    )),
                },
            },
            Some(other) => SignatureCheck::invalid(format!(
                "signed by {signer}, but the DSSE payload is {other}, not an in-toto statement that names the artifact"
            )),
        },
    }
}

/// Checks a provenance attestation for an artifact whose content digest is `digest`: signed by
/// a trusted key or authority (the caller restricts `trust` to the artifact's `signed_by`), an
/// in-toto statement of a provenance predicate type ([`purpose::PROVENANCE_PREDICATES`]) with
/// the artifact among its subjects.
/// Builder facts come only from a verified statement. The reason is set when it is invalid.
pub fn check_provenance(
    bundle: &Bundle,
    digest: Option<&Digest>,
    trust: &Trust,
    identities: &[(String, String)],
    now: Timestamp,
    file: &str,
) -> (ProvenanceFacts, Option<String>) {
    let invalid = |reason: String| {
        (
            ProvenanceFacts {
                state: SignatureState::Invalid,
                ..ProvenanceFacts::default()
            },
            Some(reason),
        )
    };
    let (signer, payload, payload_type) = match verify_bundle(
        bundle,
        &trust.keys,
        &trust.authorities,
        None,
        now.to_system_time(),
    ) {
        Outcome::Invalid { reason } => return invalid(reason),
        Outcome::Verified {
            signer,
            payload,
            payload_type,
        } => (signer, payload, payload_type),
    };
    if payload_type.as_deref() != Some(IN_TOTO) {
        return invalid(format!(
            "signed by {signer}, but it is not an in-toto statement (DSSE payload type {})",
            payload_type
                .as_deref()
                .unwrap_or("none: a message signature")
        ));
    }
    let statement = match intoto::parse_statement(&payload, file) {
        Ok(statement) => statement,
        Err(e) => return invalid(format!("the signed statement is unreadable: {e}")),
    };
    if !purpose::is_provenance(&statement.predicate_type) {
        return invalid(format!(
            "signed by {signer}, but {}",
            purpose::not_provenance(&statement.predicate_type)
        ));
    }
    let Some(digest) = digest else {
        return invalid(
            "the artifact has no known digest (no local file, no pinned digest), so provenance cannot be matched to it"
                .to_owned(),
        );
    };
    if !names_subject(&statement, digest) {
        return invalid(format!(
            "signed by {signer}, but its subjects do not include the artifact ({digest})"
        ));
    }
    (verified_provenance(&statement, identities), None)
}

/// The facts of a provenance statement whose signature verified: its builder, build type and
/// predicate, and which declared identities (`(name, builder)`) name that builder.
pub(crate) fn verified_provenance(
    statement: &intoto::Statement,
    identities: &[(String, String)],
) -> ProvenanceFacts {
    let facts = intoto::provenance_facts(statement);
    let builders = identities
        .iter()
        .filter(|(_, builder)| facts.builder_id.as_deref() == Some(builder.as_str()))
        .map(|(name, _)| name.clone())
        .collect();
    ProvenanceFacts {
        state: SignatureState::Verified,
        builder_id: facts.builder_id.filter(|b| !b.is_empty()),
        build_type: facts.build_type.filter(|b| !b.is_empty()),
        predicate_type: Some(facts.predicate_type),
        builders,
    }
}
