//! Keyless signatures: a `signature` (or `provenance`) that is a Sigstore bundle signed by a
//! Fulcio certificate (no declared key, no private `ca`), verified offline with
//! `palisade-keyless` (the official `sigstore-verify` underneath) against the pipeline's
//! `trusted_root` (else the public-good snapshot built into the binary) and the declared
//! `identity` blocks (restricted by `signed_by`).
//!
//! Facts: `signature` is `verified` when the bundle checks out (certificate chain valid at the
//! *signed time*, SCT, transparency-log entry or RFC 3161 timestamp, signature, artifact or
//! in-toto subject) and the certificate's claims satisfy a declared identity; `signers` is that
//! identity's name; `signer_claims` holds the certificate's claims and the signed time. Any
//! failing step makes it `invalid`, with the step named in `signature_reason`. The evaluation
//! clock (`--at`) is not used: every keyless bundle that verifies has a signed time.
//!
//! A keyless OpenSSF model signature over a model folder is verified the same way, then the
//! model's files are re-hashed and compared with the signed resource list.

use std::collections::BTreeSet;

use palisade_graph::{ArtifactFacts, ProvenanceFacts, SignatureState, SignerClaims};
use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, Content, IdentityRequirement, KeylessError, Pattern,
    Policy, TimeSource, TrustRoot, Verified,
};
use palisade_sigstore::model_signing::{FileCheck, check_model_files};
use palisade_syntax::{ArtifactKind, Kind, Pipeline, Reference};

use crate::read::read_evidence;
use crate::trust::shorten;
use crate::{EvidenceError, Gathering, error_at};

/// The in-toto payload type.
const IN_TOTO: &str = "application/vnd.in-toto+json";

/// What keyless verification needs from the pipeline: the trusted root and the identities a
/// certificate may match.
pub(crate) struct Keyless {
    /// `None` when the pipeline's `trusted_root` could not be read (already an error).
    root: Option<TrustRoot>,
    /// `identity` blocks without a `ca` that declare at least one claim: (name, requirement).
    identities: Vec<(String, IdentityRequirement)>,
}

impl Keyless {
    /// Loads the pipeline's `trusted_root` (or the embedded public-good root) and its
    /// identities. An unreadable or unusable `trusted_root` is an error at its declaration.
    pub(crate) fn load(
        pipeline: &Pipeline,
        folder: &palisade_core::fs::Folder,
    ) -> (Keyless, Option<EvidenceError>) {
        let identities = pipeline
            .identities
            .iter()
            .filter(|i| i.ca.is_none() && i.has_keyless_claims())
            .map(|i| {
                let p = |v: &Option<palisade_syntax::Spanned<String>>| {
                    v.as_ref().map(|v| Pattern::parse(&v.value))
                };
                let requirement = IdentityRequirement {
                    name: Some(i.name.value.clone()),
                    subject: p(&i.subject),
                    issuer: p(&i.issuer),
                    repository: p(&i.repository),
                    git_ref: p(&i.git_ref),
                    workflow: p(&i.workflow),
                    signer_workflow: p(&i.signer_workflow),
                    trigger: p(&i.trigger),
                    runner: p(&i.runner),
                    source_digest: None,
                };
                (i.name.value.clone(), requirement)
            })
            .collect();
        let (root, error) = match &pipeline.trusted_root {
            None => match TrustRoot::public_good() {
                Ok(root) => (Some(root), None),
                Err(e) => (
                    None,
                    Some(error_at(
                        pipeline,
                        pipeline.span,
                        "the embedded Sigstore trusted root".to_string(),
                        miette::Report::new(e),
                    )),
                ),
            },
            Some(path) => {
                let limit =
                    u64::try_from(palisade_keyless::root::MAX_TRUST_ROOT_BYTES).unwrap_or(u64::MAX);
                let loaded = folder
                    .read(
                        &path.value.resolved,
                        &path.value.written,
                        "a Sigstore trusted root",
                        limit,
                    )
                    .map_err(miette::Report::new)
                    .and_then(|bytes| {
                        TrustRoot::from_json(&bytes, &path.value.written)
                            .map_err(miette::Report::new)
                    });
                match loaded {
                    Ok(root) => (Some(root), None),
                    Err(cause) => (
                        None,
                        Some(error_at(
                            pipeline,
                            path.span,
                            format!("trusted_root {:?}", path.value.written),
                            cause,
                        )),
                    ),
                }
            }
        };
        (Keyless { root, identities }, error)
    }
}

/// The result of a keyless check, as facts.
struct Checked {
    state: SignatureState,
    signer: Option<String>,
    claims: SignerClaims,
    reason: Option<String>,
    /// The verified in-toto statement, for provenance.
    payload: Option<Vec<u8>>,
}

impl Checked {
    fn invalid(reason: String) -> Checked {
        Checked {
            state: SignatureState::Invalid,
            signer: None,
            claims: SignerClaims::default(),
            reason: Some(reason),
            payload: None,
        }
    }
}

/// Handles the artifact's `signature` when it is a keyless bundle and no declared `ca` of the
/// `signed_by` identities claims it; returns false (nothing recorded) otherwise, and the
/// key / private-CA path runs.
pub(crate) fn gather_signature(g: &mut Gathering<'_>) -> bool {
    let Some(signature) = &g.artifact.signature else {
        return false;
    };
    let Some((bundle, bytes, read)) = read_keyless(g, &signature.value) else {
        return false;
    };
    g.facts.evidence_files.push(read);
    let file = signature.value.written.clone();
    let model_path = match (&g.artifact.path, g.artifact.kind) {
        (Some(path), ArtifactKind::Model) => Some(path.value.resolved.clone()),
        _ => None,
    };
    let checked = refuse_verdicts(
        check(g, &bundle, &bytes, &file, model_path.as_deref()),
        &file,
    );
    apply(&mut g.facts, checked);
    true
}

/// A verified keyless statement that is a verdict (a SLSA verification summary) is never a
/// signature of its subjects, whoever signed it: the same rule as for key-signed bundles.
/// (Keyless provenance statements, what GitHub artifact attestations are, stay accepted as
/// signatures: they are the signature real projects publish.)
fn refuse_verdicts(checked: Checked, file: &str) -> Checked {
    let predicate = checked
        .payload
        .as_deref()
        .and_then(|payload| palisade_sigstore::intoto::parse_statement(payload, file).ok())
        .map(|statement| statement.predicate_type);
    match predicate {
        Some(predicate) if palisade_sigstore::purpose::is_verdict(&predicate) => {
            Checked::invalid(palisade_sigstore::purpose::not_a_signature(&predicate))
        }
        _ => checked,
    }
}

/// Handles the artifact's `provenance` when it is a keyless bundle (see [`gather_signature`]).
pub(crate) fn gather_provenance(g: &mut Gathering<'_>) -> bool {
    let Some(provenance) = &g.artifact.provenance else {
        return false;
    };
    let Some((bundle, bytes, read)) = read_keyless(g, &provenance.value) else {
        return false;
    };
    g.facts.evidence_files.push(read);
    let file = provenance.value.written.clone();
    let checked = check(g, &bundle, &bytes, &file, None);
    let (facts, reason) = provenance_facts(g, checked, &file);
    g.facts.provenance = facts;
    g.facts.provenance_reason = reason;
    true
}

/// Reads a bundle and keeps it when it is keyless and ours to verify.
fn read_keyless(
    g: &Gathering<'_>,
    path: &palisade_syntax::PathValue,
) -> Option<(Bundle, Vec<u8>, palisade_graph::EvidenceFile)> {
    // Identities with a private `ca` in `signed_by` (or in the pipeline, without `signed_by`)
    // verify certificate bundles themselves.
    let signed_by = signed_by(g);
    if !g
        .context
        .trust
        .restricted_to(&signed_by)
        .authorities
        .is_empty()
    {
        return None;
    }
    let limit = u64::try_from(palisade_keyless::verify::MAX_BUNDLE_BYTES).unwrap_or(u64::MAX);
    // An unreadable file falls through: the other path reads it again and reports why.
    let (bytes, read) = read_evidence(&g.context.folder, path, "a signature", limit, |bytes| {
        Ok(bytes.to_vec())
    })
    .ok()?;
    let bundle = Bundle::parse(&bytes, &path.written).ok()?;
    bundle.is_keyless().then_some((bundle, bytes, read))
}

fn signed_by(g: &Gathering<'_>) -> Vec<Reference> {
    g.artifact
        .signed_by
        .iter()
        .map(|r| r.value.clone())
        .collect()
}

/// Verifies `bundle` for the artifact being gathered.
fn check(
    g: &Gathering<'_>,
    bundle: &Bundle,
    bytes: &[u8],
    file: &str,
    model_path: Option<&std::path::Path>,
) -> Checked {
    let keyless = g.context.keyless;
    let Some(root) = &keyless.root else {
        return Checked::invalid("the trusted root could not be loaded".to_string());
    };
    let signed_by = signed_by(g);
    let requirements: Vec<IdentityRequirement> = keyless
        .identities
        .iter()
        .filter(|(name, _)| {
            signed_by.is_empty()
                || signed_by
                    .iter()
                    .any(|r| r.kind == Kind::Identity && &r.name == name)
        })
        .map(|(_, requirement)| requirement.clone())
        .collect();
    if requirements.is_empty() {
        return Checked::invalid(format!(
            "{file} is a keyless signature (Fulcio certificate), but no declared identity may \
             sign it: declare `identity \"…\" {{ issuer = … subject = … }}` (or repository, \
             ref, workflow){}",
            if signed_by.is_empty() {
                ""
            } else {
                " and name it in signed_by"
            }
        ));
    }
    let policy = Policy::Identities(requirements);
    // A model signature over a model on disk: the subject is the digest of the signed
    // resource list, checked against the files after the signature verified.
    let model_statement = model_path.and_then(|_| model_subject(bytes, file));
    let artifact = match &model_statement {
        Some(digest) => Artifact::Digest(digest.clone()),
        None => match g
            .facts
            .digest
            .as_ref()
            .and_then(|d| ArtifactDigestInput::parse(&d.to_string()).ok())
        {
            Some(digest) => Artifact::Digest(digest),
            None => {
                return Checked::invalid(
                    "the artifact has no known digest (no local file, no pinned digest), so the \
                     keyless signature cannot be matched to it"
                        .to_string(),
                );
            }
        },
    };
    let verified = match root.verify(bundle, artifact, &policy) {
        Ok(verified) => verified,
        Err(e) => return Checked::invalid(failed_step(&e)),
    };
    let mut checked = verified_facts(&verified);
    if let (Some(path), Some(_)) = (model_path, &model_statement) {
        let payload = checked.payload.clone().unwrap_or_default();
        let signer = checked.signer.clone().unwrap_or_default();
        let reason = match check_model_files(IN_TOTO, &payload, path) {
            Ok(FileCheck::Match) => None,
            Ok(FileCheck::Mismatch {
                modified,
                missing,
                extra,
            }) => {
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
                Some(format!(
                    "signed by {signer}, but the model's files differ from what was signed ({})",
                    parts.join("; ")
                ))
            }
            Ok(FileCheck::Unsupported(reason)) => {
                Some(format!("the model's files cannot be checked: {reason}"))
            }
            Ok(FileCheck::Inconsistent(reason)) => Some(reason),
            Err(e) => Some(format!("the model signature cannot be read: {e}")),
        };
        if let Some(reason) = reason {
            checked.state = SignatureState::Invalid;
            checked.signer = None;
            checked.reason = Some(reason);
        }
    }
    checked
}

/// A stage attestation that is a keyless bundle, checked for the stage's `runs_as` identity.
pub(crate) enum StageAttestation {
    /// Verified: the requirement that matched (the identity's name) and the verified in-toto
    /// statement, the only bytes a stage record may be read from.
    Verified {
        /// The identity's name.
        signer: String,
        /// The verified statement (the DSSE payload).
        payload: Vec<u8>,
    },
    /// Not verified, and why.
    Invalid(String),
}

/// Verifies `bytes` as a stage attestation signed keyless (a Fulcio certificate) by the
/// identity `identity`, against the pipeline's trusted root — the same check as an artifact's
/// keyless `signature`, over the statement's own subject (the signature covers the whole
/// statement, so any subject selects it; the stage's outputs are compared with all of them
/// afterwards). `None` when `identity` declares no keyless claims (or a `ca`), or `bytes` is
/// not a certificate-signed bundle (a key-signed one, a link): the key and CA path reads it.
pub(crate) fn check_stage_attestation(
    keyless: &Keyless,
    bytes: &[u8],
    file: &str,
    identity: &str,
) -> Option<StageAttestation> {
    // Identities with a `ca` (or without claims) are not keyless: their path reads the file.
    let (_, requirement) = keyless
        .identities
        .iter()
        .find(|(name, _)| name == identity)?;
    let bundle = Bundle::parse(bytes, file).ok()?;
    if !bundle.is_keyless() {
        return None;
    }
    let Some(root) = &keyless.root else {
        return Some(StageAttestation::Invalid(
            "the trusted root could not be loaded".to_string(),
        ));
    };
    let subject = palisade_sigstore::bundle::parse(bytes, file)
        .ok()
        .and_then(|b| crate::trust::peek_statement(&b, file))
        .and_then(|statement| {
            statement.subjects.iter().find_map(|s| {
                ["sha256", "sha512", "sha384"].iter().find_map(|alg| {
                    let hex_digits = s.digest.get(*alg)?;
                    ArtifactDigestInput::parse(&format!("{alg}:{hex_digits}")).ok()
                })
            })
        });
    let Some(subject) = subject else {
        return Some(StageAttestation::Invalid(format!(
            "{file} holds no in-toto statement with a sha256, sha384 or sha512 subject"
        )));
    };
    let policy = Policy::Identities(vec![requirement.clone()]);
    Some(
        match root.verify(&bundle, Artifact::Digest(subject), &policy) {
            Ok(verified) => match verified.content {
                Content::Statement { payload, .. } => StageAttestation::Verified {
                    signer: identity.to_string(),
                    payload,
                },
                Content::MessageSignature { .. } => StageAttestation::Invalid(format!(
                    "{file} is a message signature, not an in-toto statement"
                )),
            },
            Err(e) => StageAttestation::Invalid(failed_step(&e)),
        },
    )
}

/// "invalid at step X (code): message".
fn failed_step(e: &KeylessError) -> String {
    format!(
        "keyless verification failed at step `{}` ({}): {e}",
        e.step(),
        e.step().code()
    )
}

/// The subject digest of a model_signing statement in `bytes` (unverified: it only selects
/// what the signature must cover), if the bundle holds one.
fn model_subject(bytes: &[u8], file: &str) -> Option<ArtifactDigestInput> {
    let bundle = palisade_sigstore::bundle::parse(bytes, file).ok()?;
    let statement = crate::trust::peek_statement(&bundle, file)?;
    if !statement
        .predicate_type
        .starts_with("https://model_signing/")
    {
        return None;
    }
    let subject = statement.subjects.first()?;
    let hex_digits = subject.digest.get("sha256")?;
    ArtifactDigestInput::parse(&format!("sha256:{hex_digits}")).ok()
}

fn verified_facts(verified: &Verified) -> Checked {
    let (signer, claims) = match &verified.signer {
        palisade_keyless::Signer::Certificate {
            claims,
            requirement,
            ..
        } => (requirement.clone(), Some(claims)),
        palisade_keyless::Signer::PublicKey { name } => (name.clone(), None),
    };
    let mut facts = SignerClaims::default();
    if let Some(c) = claims {
        facts.subject = (!c.subject.is_empty()).then(|| c.subject.clone());
        facts.issuer = c.issuer.clone();
        facts.repository = c.source_repository_uri.clone();
        facts.git_ref = c.source_repository_ref.clone();
        facts.commit = c.source_repository_digest.clone();
        facts.workflow = c.workflow_path();
        facts.trigger = c.build_trigger.clone();
        facts.runner = c.runner_environment.clone();
    }
    if let Some(time) = &verified.signed_time {
        facts.signed_time = Some(time.rfc3339.clone());
        facts.signed_time_source = Some(
            match time.source {
                TimeSource::TransparencyLog => "transparency_log",
                TimeSource::TimestampAuthority => "timestamp_authority",
            }
            .to_string(),
        );
    }
    let payload = match &verified.content {
        Content::Statement { payload, .. } => Some(payload.clone()),
        Content::MessageSignature { .. } => None,
    };
    Checked {
        state: SignatureState::Verified,
        signer: Some(signer),
        claims: facts,
        reason: None,
        payload,
    }
}

fn apply(facts: &mut ArtifactFacts, checked: Checked) {
    facts.signature = checked.state;
    facts.signers = checked.signer.into_iter().collect::<BTreeSet<_>>();
    facts.signature_reason = checked.reason;
    facts.signer_claims = checked.claims;
}

/// The verified payload as a provenance statement: readable, and of a provenance predicate
/// (a verdict or a signature statement is not provenance, whoever signed it).
fn provenance_statement(
    payload: &[u8],
    file: &str,
) -> Result<palisade_sigstore::intoto::Statement, String> {
    let statement = palisade_sigstore::intoto::parse_statement(payload, file)
        .map_err(|e| format!("the signed statement is unreadable: {e}"))?;
    if palisade_sigstore::purpose::is_provenance(&statement.predicate_type) {
        Ok(statement)
    } else {
        Err(palisade_sigstore::purpose::not_provenance(
            &statement.predicate_type,
        ))
    }
}

/// Provenance facts from a keyless check: builder facts only from a verified statement.
fn provenance_facts(
    g: &Gathering<'_>,
    checked: Checked,
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
    if checked.state != SignatureState::Verified {
        return invalid(checked.reason.unwrap_or_default());
    }
    let Some(payload) = checked.payload else {
        return invalid(
            "a message signature, not an in-toto statement: provenance must be a statement about \
             the artifact"
                .to_string(),
        );
    };
    let statement = match provenance_statement(&payload, file) {
        Ok(statement) => statement,
        Err(reason) => return invalid(reason),
    };
    (
        crate::trust::verified_provenance(&statement, g.context.identities),
        None,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod purpose_tests {
    use super::*;

    fn verified_statement(predicate_type: &str) -> Checked {
        let statement = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "m", "digest": {"sha256": "00".repeat(32)}}],
            "predicateType": predicate_type,
            "predicate": {}
        });
        Checked {
            state: SignatureState::Verified,
            signer: Some("ci".to_owned()),
            claims: SignerClaims::default(),
            reason: None,
            payload: Some(serde_json::to_vec(&statement).unwrap()),
        }
    }

    #[test]
    fn a_keyless_verdict_is_never_a_signature() {
        let vsa = refuse_verdicts(
            verified_statement("https://slsa.dev/verification_summary/v1"),
            "v.json",
        );
        assert_eq!(vsa.state, SignatureState::Invalid);
        assert!(vsa.reason.unwrap().contains("verification summary"));
        let provenance = refuse_verdicts(
            verified_statement("https://slsa.dev/provenance/v1"),
            "p.json",
        );
        assert_eq!(provenance.state, SignatureState::Verified);
    }

    #[test]
    fn keyless_provenance_must_be_a_provenance_predicate() {
        for refused in [
            "https://slsa.dev/verification_summary/v1",
            "https://model_signing/signature/v1.0",
        ] {
            let payload = verified_statement(refused).payload.unwrap();
            assert!(
                provenance_statement(&payload, "p.json").is_err(),
                "{refused}"
            );
        }
        let payload = verified_statement("https://slsa.dev/provenance/v1")
            .payload
            .unwrap();
        assert!(provenance_statement(&payload, "p.json").is_ok());
    }
}
