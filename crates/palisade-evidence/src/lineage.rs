//! Verified lineage: a stage's `attestation` files (signed records of what really ran, read
//! with `palisade-intoto`), checked against the stage's `runs_as` identity and compared with
//! what the stage declares.
//!
//! Trust is the `runs_as` identity only: its `key = key "…"`, or its `ca`
//! ([`crate::trust::Trust::restricted_to`] picks them from the pipeline's trust), or its
//! keyless claims (`issuer`, `subject`, `repository`, `ref`, `workflow` …): a Sigstore bundle
//! signed with a Fulcio certificate is verified like a keyless `signature`
//! ([`crate::keyless::check_stage_attestation`], against the pipeline's `trusted_root` or the
//! embedded public-good root) and read from its verified statement. A stage with
//! an attestation but no `runs_as` has nothing to verify it against: `invalid`. Every
//! attestation file must verify and name the stage (a link's `name`; SLSA provenance has
//! none) for the stage's `attestation` to be `verified`; materials and products of all its
//! files are compared together.
//!
//! Declared content: a local artifact's digests are the ones palisade computes for its path
//! (sha256, and blake3 when the lock pins it; `integrity` says whether they match
//! `palisade.lock`); a remote artifact's are its `digest =`, or for a source pinned to a commit
//! (`uri = "git+https://…@<commit>"`) that commit, compared with a material's `gitCommit`. A material matching no declared
//! input is an undeclared input; when its content is another declared artifact's (the PII
//! dataset the training command read), the graph gains an `undeclared_input` edge from that
//! artifact, so its labels flow downstream.
//!
//! A material at the path of one of the stage's own declared outputs is that output's previous
//! version (a recorded folder holding the model being retrained), not an undeclared input.

use std::collections::{BTreeMap, BTreeSet};

use palisade_ai::modelcard::PrivacyClaim;
use palisade_graph::{EvidenceFile, LineageFacts, LineageResource, SignatureState};
use palisade_hash::TreeDigests;
use palisade_intoto::keys::{TrustedKey, VerificationKey};
use palisade_intoto::{
    DeclaredArtifact, DeclaredContent, Resource, StageRecord, Verification, Wrapper,
};
use palisade_syntax::{Artifact, Kind, Reference, Stage};

use crate::error::EvidenceError;
use crate::{Context, error_at};

/// Largest attestation file read.
const MAX_ATTESTATION_BYTES: u64 = palisade_intoto::MAX_ATTESTATION_BYTES as u64;

/// Reads and checks the attestations of `pipeline.stages[index]`; `trees` are the local
/// artifacts hashed, by declaration index. `None` when the stage declares no attestation.
pub(crate) fn gather_stage(
    context: &Context<'_>,
    index: usize,
    trees: &BTreeMap<usize, TreeDigests>,
) -> (Option<LineageFacts>, Vec<EvidenceFile>, Vec<EvidenceError>) {
    let stage = &context.pipeline.stages[index];
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if stage.attestation.is_empty() {
        return (None, files, errors);
    }
    let (keys, authorities) = runs_as_trust(context, stage);
    let trust = palisade_intoto::Trust {
        keys: &keys,
        authorities: &authorities,
        now: context.now.to_system_time(),
    };
    let mut records = Vec::new();
    for path in &stage.attestation {
        let written = &path.value.written;
        let read = context
            .folder
            .read(
                &path.value.resolved,
                written,
                "an attestation",
                MAX_ATTESTATION_BYTES,
            )
            .map_err(miette::Report::new)
            .and_then(|bytes| {
                let keyless = stage.runs_as.as_ref().and_then(|runs_as| {
                    crate::keyless::check_stage_attestation(
                        context.keyless,
                        &bytes,
                        written,
                        &runs_as.value.name,
                    )
                });
                let record = match keyless {
                    Some(checked) => keyless_record(&bytes, written, checked),
                    None => palisade_intoto::read_attestation(&bytes, written, &trust),
                }
                .map_err(miette::Report::new)?;
                Ok((bytes, record))
            });
        match read {
            Ok((bytes, record)) => {
                files.push(crate::ai::evidence_file(written, &bytes));
                records.push((written.clone(), record));
            }
            Err(cause) => errors.push(error_at(
                context.pipeline,
                path.span,
                format!("attestation {written:?} of stage {:?}", stage.name.value),
                cause,
            )),
        }
    }
    if !errors.is_empty() {
        return (None, files, errors);
    }
    (Some(facts(context, stage, &records, trees)), files, errors)
}

/// The record of a keyless bundle checked by [`crate::keyless::check_stage_attestation`]:
/// when verified, read from the verified statement only; otherwise from the bundle, for the
/// report, with the reason it failed.
fn keyless_record(
    bytes: &[u8],
    written: &str,
    checked: crate::keyless::StageAttestation,
) -> Result<StageRecord, palisade_intoto::IntotoError> {
    let no_trust = palisade_intoto::Trust::keys(&[]);
    match checked {
        crate::keyless::StageAttestation::Verified { signer, payload } => {
            let name = format!("{written} (DSSE payload)");
            let mut record = palisade_intoto::read_attestation(&payload, &name, &no_trust)?;
            record.wrapper = Wrapper::SigstoreBundle;
            record.verification = Verification::Verified {
                signer,
                keyid_matched: false,
            };
            Ok(record)
        }
        crate::keyless::StageAttestation::Invalid(reason) => {
            let mut record = palisade_intoto::read_attestation(bytes, written, &no_trust)?;
            record.verification = Verification::Invalid { reason };
            Ok(record)
        }
    }
}

/// The trust of one identity: the identity itself (its `ca`, its Fulcio claims) and the `key`
/// it declares. What a stage's own records (attestations, signed scans) must be signed by.
pub(crate) fn identity_trust(
    context: &Context<'_>,
    identity: &palisade_syntax::Reference,
) -> crate::trust::Trust {
    let mut wanted = vec![identity.clone()];
    if let Some(declared) = context
        .pipeline
        .identities
        .iter()
        .find(|i| i.name.value == identity.name)
        && let Some(key) = &declared.key
    {
        wanted.push(key.value.clone());
    }
    context.trust.restricted_to(&wanted)
}

/// The keys and authorities of the stage's `runs_as` identity: its `key` and its `ca`.
fn runs_as_trust(
    context: &Context<'_>,
    stage: &Stage,
) -> (
    Vec<TrustedKey>,
    Vec<palisade_sigstore::verify::TrustedAuthority>,
) {
    let Some(runs_as) = &stage.runs_as else {
        return (Vec::new(), Vec::new());
    };
    let restricted = identity_trust(context, &runs_as.value);
    let keys = restricted
        .keys
        .iter()
        .map(|k| TrustedKey {
            name: k.name.clone(),
            key: VerificationKey::Sigstore(k.key.clone()),
        })
        .chain(restricted.rsa_keys.iter().map(|(name, key)| TrustedKey {
            name: name.clone(),
            key: key.clone(),
        }))
        .collect();
    (keys, restricted.authorities)
}

/// A short name of an attestation's form and wrapper.
fn form_name(record: &StageRecord) -> String {
    let form = serde_json::to_value(record.form)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let wrapper = match record.wrapper {
        Wrapper::Metablock => "signed link",
        Wrapper::Dsse => "dsse",
        Wrapper::SigstoreBundle => "sigstore bundle",
        Wrapper::Unsigned => "unsigned",
    };
    format!("{form} in {wrapper}")
}

/// The declared content of `pipeline.artifacts[decl]`: its path hashed, or its `digest =`.
fn declared(artifact: &Artifact, tree: Option<&TreeDigests>) -> Option<DeclaredArtifact> {
    let name = artifact.name.value.as_str();
    if let Some(tree) = tree {
        let path = artifact.path.as_ref().map(|p| p.value.written.as_str());
        return Some(DeclaredArtifact::from_tree(name, path, tree));
    }
    let Some(digest) = artifact.digest.as_ref() else {
        // A source pinned to a commit (`uri = "git+https://…@<commit>"`): SLSA provenance
        // lists the checkout as a material with a `gitCommit` digest.
        let commit = artifact
            .remote
            .as_ref()
            .and_then(|r| pinned_commit(&r.value))?;
        return Some(DeclaredArtifact {
            name: name.to_owned(),
            path: None,
            content: DeclaredContent::File(
                [("gitcommit".to_owned(), commit)].into_iter().collect(),
            ),
        });
    };
    Some(DeclaredArtifact {
        name: name.to_owned(),
        path: None,
        content: DeclaredContent::File(
            [(
                digest.value.algorithm().as_str().to_owned(),
                digest.value.hex(),
            )]
            .into_iter()
            .collect(),
        ),
    })
}

/// The commit a `git+…@<commit>` location pins: 40 (SHA-1) or 64 (SHA-256) hex digits,
/// lowercased. A branch or tag name pins nothing.
fn pinned_commit(remote: &str) -> Option<String> {
    if !remote.starts_with("git+") {
        return None;
    }
    let (_, commit) = remote.rsplit_once('@')?;
    let hex_only = commit.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_only && matches!(commit.len(), 40 | 64)).then(|| commit.to_ascii_lowercase())
}

fn digest_text(r: &Resource) -> String {
    r.digests
        .get("sha256")
        .map(|d| ("sha256", d))
        .or_else(|| r.digests.iter().next().map(|(a, d)| (a.as_str(), d)))
        .map_or_else(String::new, |(a, d)| format!("{a}:{d}"))
}

fn facts(
    context: &Context<'_>,
    stage: &Stage,
    records: &[(String, StageRecord)],
    trees: &BTreeMap<usize, TreeDigests>,
) -> LineageFacts {
    let pipeline = context.pipeline;
    let decl_of = |r: &Reference| {
        pipeline
            .artifacts
            .iter()
            .position(|a| a.kind.kind() == r.kind && a.name.value == r.name)
    };
    let side = |refs: &[palisade_syntax::Spanned<Reference>]| -> Vec<usize> {
        refs.iter().filter_map(|r| decl_of(&r.value)).collect()
    };
    let inputs = side(&stage.inputs);
    let outputs = side(&stage.outputs);
    let as_declared = |decls: &[usize]| -> Vec<DeclaredArtifact> {
        decls
            .iter()
            .filter_map(|&d| declared(&pipeline.artifacts[d], trees.get(&d)))
            .collect()
    };
    let known_decls: Vec<usize> = (0..pipeline.artifacts.len())
        .filter(|d| !inputs.contains(d) && !outputs.contains(d))
        .filter(|&d| pipeline.artifacts[d].kind.kind() != Kind::Secret)
        .collect();
    let known = as_declared(&known_decls);
    let output_paths: BTreeSet<String> = outputs
        .iter()
        .filter_map(|&d| pipeline.artifacts[d].path.as_ref())
        .map(|p| p.value.written.trim_start_matches("./").to_owned())
        .collect();

    let mut facts = LineageFacts {
        attestation: SignatureState::Verified,
        ..LineageFacts::default()
    };
    let mut signers = BTreeSet::new();
    let mut reasons = Vec::new();
    let mut materials: Vec<Resource> = Vec::new();
    let mut products: Vec<Resource> = Vec::new();
    for (file, record) in records {
        facts.forms.push(form_name(record));
        let at = match record.form {
            palisade_intoto::Form::SlsaProvenanceV1 => "externalParameters",
            palisade_intoto::Form::SlsaProvenanceV02 => "invocation.parameters",
            _ => "environment",
        };
        match palisade_ai::modelcard::parameters_privacy(record.recorded_parameters(), at) {
            PrivacyClaim::None => {}
            PrivacyClaim::Claimed(privacy) => {
                let milli = privacy.epsilon_milli();
                facts.dp_epsilon_milli =
                    Some(facts.dp_epsilon_milli.map_or(milli, |e| e.max(milli)));
            }
            PrivacyClaim::Unusable { reason, .. } => {
                facts.dp_unusable = Some(format!("{file}: {reason}"));
            }
        }
        if facts.command.is_empty() {
            facts.command.clone_from(&record.command);
        }
        match &record.verification {
            Verification::Verified { signer, .. } => {
                signers.insert(signer.clone());
            }
            Verification::Invalid { reason } => {
                let reason = if stage.runs_as.is_none() {
                    "the stage declares no `runs_as` identity to verify it against".to_owned()
                } else {
                    reason.clone()
                };
                reasons.push(format!("{file}: {reason}"));
            }
        }
        if let Some(name) = &record.name
            && name != &stage.name.value
        {
            reasons.push(format!(
                "{file}: it records step {:?}, not stage {:?}",
                palisade_core::text::escape_line(name),
                stage.name.value
            ));
        }
        materials.extend(record.materials.iter().cloned());
        products.extend(record.products.iter().cloned());
    }
    if !reasons.is_empty() {
        facts.attestation = SignatureState::Invalid;
        facts.reason = Some(reasons.join("; "));
    } else {
        facts.signer = Some(signers.into_iter().collect::<Vec<_>>().join(", "));
    }
    // Materials at a declared output's path are that output's previous version.
    materials.retain(|m| !output_paths.contains(m.path().trim_start_matches("./")));

    let merged = StageRecord {
        materials,
        products,
        ..records[0].1.clone()
    };
    let comparison = palisade_intoto::compare(
        &merged,
        &as_declared(&inputs),
        &as_declared(&outputs),
        &known,
    );
    for m in &comparison.matched {
        match m.direction {
            palisade_intoto::Direction::Input => facts.attested_inputs.insert(m.artifact.clone()),
            palisade_intoto::Direction::Output => facts.attested_outputs.insert(m.artifact.clone()),
        };
    }
    let resource = |u: &palisade_intoto::Undeclared| LineageResource {
        path: u.resource.path().to_owned(),
        digest: digest_text(&u.resource),
        artifacts: u
            .known_as
            .iter()
            .filter_map(|name| {
                known_decls
                    .iter()
                    .copied()
                    .find(|&d| &pipeline.artifacts[d].name.value == name)
            })
            .collect(),
        known_as: u.known_as.clone(),
    };
    facts.undeclared_inputs = comparison.undeclared_inputs.iter().map(resource).collect();
    facts.undeclared_outputs = comparison.undeclared_outputs.iter().map(resource).collect();
    facts.unattested_inputs = comparison
        .unattested_inputs
        .iter()
        .map(|u| (u.artifact.clone(), u.reason.clone()))
        .collect();
    facts.unattested_outputs = comparison
        .unattested_outputs
        .iter()
        .map(|u| (u.artifact.clone(), u.reason.clone()))
        .collect();
    facts
}

#[cfg(test)]
mod tests {
    use super::pinned_commit;

    #[test]
    fn only_a_commit_pins_a_git_source() {
        let sha1 = "08802efe1f8e5fec4ad842d6b8ce97656092ee72";
        assert_eq!(
            pinned_commit(&format!(
                "git+https://github.com/o/r@{}",
                sha1.to_uppercase()
            )),
            Some(sha1.to_owned())
        );
        assert_eq!(
            pinned_commit("git+https://github.com/o/r@refs/tags/v1"),
            None
        );
        assert_eq!(pinned_commit("git+https://github.com/o/r"), None);
        assert_eq!(
            pinned_commit(&format!("https://example.com/x@{sha1}")),
            None
        );
        assert_eq!(
            pinned_commit(&format!("git+https://h/r@{}", &sha1[..39])),
            None
        );
    }
}
