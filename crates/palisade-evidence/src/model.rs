//! Model files: what loading them would do, found by scanning their content (never by loading
//! them). Pickle-family files are judged by `palisade-pickle`.

use palisade_graph::ArtifactFacts;
use palisade_syntax::{Artifact, ArtifactKind};

use crate::Gathering;

/// What an artifact's declaration alone says ([`ArtifactFacts::declared`]), and for a model
/// whether its declared format is pickle-based: the facts evidence starts from (and what
/// synthetic benchmarks start from). A scan of the files can add to this, never clear it.
pub fn declared_facts(artifact: &Artifact) -> ArtifactFacts {
    let mut facts = ArtifactFacts::declared(artifact);
    if artifact.kind == ArtifactKind::Model {
        let by_format = artifact
            .format
            .as_ref()
            .is_some_and(|f| palisade_pickle::declared_format_is_pickle(&f.value));
        let by_extension = artifact.path.as_ref().is_some_and(|p| {
            palisade_pickle::extension_promises_pickle(std::path::Path::new(&p.value.written))
        });
        facts.model.unsafe_format |= by_format || by_extension;
    }
    facts
}

/// Scans a model's files (only when its path could be hashed: otherwise that is reported
/// already).
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    if artifact.kind != ArtifactKind::Model {
        return;
    }
    let Some(path) = &artifact.path else {
        return;
    };
    // The path was checked when the pipeline loaded; check again right before scanning, in
    // case a link was swapped in since.
    let resolved = match g
        .context
        .folder
        .confine(&path.value.resolved, &path.value.written)
    {
        Ok(resolved) => resolved,
        Err(e) => {
            g.fail(
                path.span,
                "model file",
                &path.value.written,
                miette::Report::new(e),
            );
            return;
        }
    };
    match palisade_pickle::scan_path(&resolved) {
        Ok(scan) => {
            let facts = &mut g.facts.model;
            if scan.pickle_based {
                facts.unsafe_format = true;
                facts.format.get_or_insert_with(|| "pickle".to_owned());
            }
            facts.imports.extend(scan.imports);
            facts.dangerous_imports.extend(scan.dangerous_imports);
        }
        Err(e) => g.fail(
            path.span,
            "model file",
            &path.value.written,
            miette::Report::new(e),
        ),
    }
}
