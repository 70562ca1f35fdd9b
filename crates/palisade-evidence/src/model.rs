//! Model files: what loading them would do, found by scanning their content (never by loading
//! them, never by their names). Pickle-family files are judged by `palisade-pickle`; Keras,
//! ONNX, GGUF, safetensors and HDF5 by `palisade-modelfmt`. Both scanners read every file of
//! the model, and their facts are merged:
//!
//! | fact | from |
//! | --- | --- |
//! | `format` | the content: the pickle-based format found (`pytorch`, `joblib`, `numpy`, `pickle`), else the format `palisade-modelfmt` recognised, else `unknown`; `mixed` for both kinds |
//! | `unsafe_format` | a pickle-based format declared, promised by the extension or found; a format finding that runs code on load; a scan error |
//! | `dangerous_imports` | imports that can never be allowed |
//! | `unknown_imports` | imports neither allowed by default nor dangerous, minus the model's `allow_imports` |
//! | `scan_error` | content either scanner could not follow to the end (fail closed) |
//! | `format_findings` | `palisade-modelfmt`'s finding kinds, and `format_mismatch` when the declared format is not what the content is |

use std::collections::BTreeSet;

use palisade_graph::{ArtifactFacts, ModelFacts};
use palisade_pickle::{AllowImports, ModelScan};
use palisade_syntax::{Artifact, ArtifactKind};

use crate::Gathering;

/// The `format_findings` kind added when a model's declared `format` is not what its content
/// is (declared `safetensors`, content a pickle): the content is what is judged.
pub const FORMAT_MISMATCH: &str = "format_mismatch";

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

/// The model's `allow_imports`, checked: a pattern that is malformed or can only name
/// dangerous imports is an error (exit 2), reported at the pattern.
fn allow_imports(g: &mut Gathering<'_>) -> AllowImports {
    let artifact = g.artifact;
    let mut good = Vec::new();
    for pattern in &artifact.allow_imports {
        match AllowImports::parse([&pattern.value]) {
            Ok(_) => good.push(pattern.value.as_str()),
            Err(e) => g.fail(
                pattern.span,
                "allow_imports pattern",
                &pattern.value,
                miette::Report::new(e),
            ),
        }
    }
    // Every kept pattern parsed on its own, so together they do too.
    AllowImports::parse(good).unwrap_or_default()
}

/// Scans a model's files (only when its path could be hashed: otherwise that is reported
/// already).
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    if artifact.kind != ArtifactKind::Model {
        return;
    }
    let allow = allow_imports(g);
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
    let pickles = match palisade_pickle::scan_path(&resolved) {
        Ok(scan) => scan,
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
    let formats =
        match palisade_modelfmt::scan_path(&resolved, &palisade_modelfmt::Limits::default()) {
            Ok(scan) => scan,
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
    let declared = artifact.format.as_ref().map(|f| f.value.as_str());
    merge(&mut g.facts.model, &pickles, &formats, &allow, declared);
}

/// Adds both scans' facts to a model's (declared) facts.
fn merge(
    facts: &mut ModelFacts,
    pickles: &ModelScan,
    formats: &palisade_modelfmt::ModelFormatScan,
    allow: &AllowImports,
    declared: Option<&str>,
) {
    facts.unsafe_format |= pickles.unsafe_format()
        || formats.runs_code_on_load()
        || formats.unreadable().next().is_some();
    facts.imports.extend(pickles.imports.iter().cloned());
    facts
        .dangerous_imports
        .extend(pickles.dangerous_imports.iter().cloned());
    facts
        .unknown_imports
        .extend(pickles.unknown_imports_allowing(allow));
    facts
        .scan_errors
        .extend(pickles.scan_errors.iter().map(ToString::to_string));
    facts.scan_errors.extend(
        formats
            .unreadable()
            .filter_map(|f| f.error.as_ref())
            .map(ToString::to_string),
    );
    facts.format_findings.extend(
        formats
            .finding_kinds()
            .into_iter()
            .map(str::to_owned)
            .collect::<BTreeSet<_>>(),
    );
    facts
        .format_finding_details
        .extend(formats.findings().map(|f| {
            format!(
                "{}: {} at {}: {}",
                f.file,
                f.kind.as_str(),
                f.location,
                f.detail
            )
        }));
    let found = content_format(pickles, formats);
    if let Some(declared) = declared
        && family(declared) != Family::Any
        && family(found) != Family::Any
        && family(declared) != family(found)
    {
        facts.format_findings.insert(FORMAT_MISMATCH.to_owned());
        facts.format_finding_details.push(format!(
            "declared format {declared:?}, but the content is {found}"
        ));
    }
    facts.format = Some(found.to_owned());
}

/// The model's format by content: `pytorch`, `joblib`, `numpy`, `pickle` (pickle-based),
/// `keras`, `keras_h5`, `hdf5`, `onnx`, `gguf`, `safetensors`, `mixed` or `unknown`.
fn content_format(
    pickles: &ModelScan,
    formats: &palisade_modelfmt::ModelFormatScan,
) -> &'static str {
    use palisade_modelfmt::Format;
    let other = formats.format();
    match pickles.format() {
        Some(_) if other.is_mine() || other == Format::Mixed => Format::Mixed.as_str(),
        Some(pickle) => pickle.as_str(),
        // A pickle-family file without a pickle: plain `.npy`/`.npz` arrays.
        None if other == Format::Pickle => "numpy",
        None => other.as_str(),
    }
}

/// Formats that load the same way: a declared format and the content's agree when they are
/// in the same family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Pickle,
    Keras,
    Onnx,
    Gguf,
    Safetensors,
    /// `unknown`, `mixed`: agrees with anything.
    Any,
}

fn family(format: &str) -> Family {
    match format.trim().to_ascii_lowercase().as_str() {
        "keras" | "keras_h5" | "h5" | "hdf5" => Family::Keras,
        "onnx" => Family::Onnx,
        "gguf" => Family::Gguf,
        "safetensors" => Family::Safetensors,
        "numpy" | "npy" | "npz" => Family::Pickle,
        other if palisade_pickle::declared_format_is_pickle(other) => Family::Pickle,
        _ => Family::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declarable_format_has_a_family_or_is_unknown() {
        for format in palisade_syntax::MODEL_FORMATS {
            assert!(
                family(format) != Family::Any || *format == "unknown",
                "{format}"
            );
        }
    }

    #[test]
    fn every_pickle_format_can_be_declared() {
        for format in palisade_pickle::PICKLE_FORMATS {
            assert!(palisade_syntax::MODEL_FORMATS.contains(format), "{format}");
        }
    }

    #[test]
    fn declared_format_that_disagrees_with_the_content_is_a_finding() {
        let pickles =
            palisade_pickle::scan_bytes(b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00}\x94.", "m")
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.safetensors");
        std::fs::write(&file, b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00}\x94.").unwrap();
        let formats =
            palisade_modelfmt::scan_path(&file, &palisade_modelfmt::Limits::default()).unwrap();
        let mut facts = ModelFacts::default();
        merge(
            &mut facts,
            &pickles,
            &formats,
            &AllowImports::default(),
            Some("safetensors"),
        );
        assert_eq!(facts.format.as_deref(), Some("pickle"));
        assert!(facts.unsafe_format);
        assert!(facts.format_findings.contains(FORMAT_MISMATCH));
        let mut agrees = ModelFacts::default();
        merge(
            &mut agrees,
            &pickles,
            &formats,
            &AllowImports::default(),
            Some("pickle"),
        );
        assert!(agrees.format_findings.is_empty());
    }
}
