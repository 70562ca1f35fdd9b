//! `signature` (+ `signed_by`): a signature of the artifact, verified against the declared
//! keys and identities; `provenance`: an in-toto statement about it.

use palisade_graph::SignatureState;
use palisade_syntax::ArtifactKind;

use crate::read::read_bundle;
use crate::{Gathering, trust};

/// Checks the artifact's `signature`.
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    let Some(signature) = &artifact.signature else {
        g.facts.signature = SignatureState::Absent;
        return;
    };
    if crate::keyless::gather_signature(g) {
        return;
    }
    let file = &signature.value.written;
    let (bundle, read) = match read_bundle(&g.context.folder, &signature.value, "a signature") {
        Ok(read) => read,
        Err(cause) => {
            g.fail(signature.span, "signature", file, cause);
            return;
        }
    };
    g.facts.evidence_files.push(read);
    let signed_by: Vec<_> = artifact.signed_by.iter().map(|r| r.value.clone()).collect();
    let trust = g.context.trust.restricted_to(&signed_by);
    let now = g.context.now;
    let check = match &artifact.path {
        Some(path)
            if artifact.kind == ArtifactKind::Model && trust::is_model_signature(&bundle, file) =>
        {
            trust::check_model_signature(
                &bundle,
                &trust::ModelOnDisk {
                    path: &path.value.resolved,
                },
                &trust,
                now,
            )
        }
        _ => Ok(trust::check_signature(
            &bundle,
            g.facts.digest.as_ref(),
            &trust,
            now,
            file,
        )),
    };
    match check {
        Ok(check) => {
            g.facts.signature = check.state;
            g.facts.signers = check.signers;
            g.facts.signature_reason = check.reason;
        }
        Err(cause) => g.fail(signature.span, "signature", file, cause),
    }
}

/// Checks the artifact's `provenance`, signed by one of its `signed_by` (any declared key or
/// identity when it has none), as for its `signature`.
pub(crate) fn gather_provenance(g: &mut Gathering<'_>) {
    let Some(provenance) = &g.artifact.provenance else {
        return;
    };
    if crate::keyless::gather_provenance(g) {
        return;
    }
    let signed_by: Vec<_> = g
        .artifact
        .signed_by
        .iter()
        .map(|r| r.value.clone())
        .collect();
    let trust = g.context.trust.restricted_to(&signed_by);
    let file = &provenance.value.written;
    match read_bundle(
        &g.context.folder,
        &provenance.value,
        "a provenance statement",
    ) {
        Ok((bundle, read)) => {
            g.facts.evidence_files.push(read);
            let (found, reason) = trust::check_provenance(
                &bundle,
                g.facts.digest.as_ref(),
                &trust,
                g.context.identities,
                g.context.now,
                file,
            );
            g.facts.provenance = found;
            g.facts.provenance_reason = reason;
        }
        Err(cause) => g.fail(provenance.span, "provenance", file, cause),
    }
}
