//! Reads CycloneDX SBOMs, ML-BOMs and VEX documents (specification 1.4 to 1.7, JSON or XML)
//! into the small model Palisade's graph and policies need: components with purl, version,
//! licenses and hashes (nested components flattened), `machine-learning-model` model cards,
//! `data` classification / sensitive data / governance, the dependency graph, and
//! vulnerabilities with their ratings and VEX analysis.
//!
//! Fields Palisade does not use are skipped, so real producer output (cyclonedx-py, cdxgen,
//! syft, trivy …) reads without trouble; a field we do read with the wrong type is an error
//! naming the file, the JSON pointer and line. Every input is untrusted: size, nesting and
//! component count are limited by [`Limits`].
//!
//! ```
//! let json = br#"{"bomFormat":"CycloneDX","specVersion":"1.6",
//!   "components":[{"type":"library","bom-ref":"a","name":"numpy","version":"2.4.6",
//!                  "purl":"pkg:pypi/numpy@2.4.6","licenses":[{"license":{"id":"BSD-3-Clause"}}]}]}"#;
//! let bom = palisade_cyclonedx::parse(json, "app.cdx.json", &palisade_cyclonedx::Limits::default())?;
//! assert_eq!(bom.components[0].key(), "pkg:pypi/numpy@2.4.6");
//! assert_eq!(bom.components[0].licenses[0].as_str(), "BSD-3-Clause");
//! # Ok::<(), palisade_cyclonedx::BomError>(())
//! ```

// Errors carry the document text and a span for miette, which makes `BomError` large; they are
// built once per unreadable file, so boxing every variant would buy nothing.
#![allow(clippy::result_large_err)]

mod error;
mod flatten;
mod json;
mod model;
mod xml;

#[cfg(any(test, feature = "synthetic"))]
mod synthetic;

use std::io::Read;
use std::path::Path;

pub use error::BomError;
pub use model::{
    Analysis, AnalysisState, Bom, Component, ComponentData, ComponentKind, ConfidenceInterval,
    Considerations, Dependency, FairnessAssessment, Governance, Hash, License, ModelCard,
    PerformanceMetric, Property, Rating, Risk, Severity, SpecVersion, Vulnerability,
};
#[cfg(any(test, feature = "synthetic"))]
pub use synthetic::synthetic_json;

/// Bounds on what one document may make the reader do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (checked before reading). Default 256 MiB.
    pub max_bytes: u64,
    /// Deepest nesting of components inside components. Default 64.
    pub max_depth: usize,
    /// Most components (all levels together). Default 1,000,000.
    pub max_components: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 64,
            max_components: 1_000_000,
        }
    }
}

/// Reads a CycloneDX file (JSON or XML) with [`Limits::default`].
pub fn read(path: &Path) -> Result<Bom, BomError> {
    read_with(path, &Limits::default())
}

/// Reads a CycloneDX file (JSON or XML) with the given limits. The size is checked from the
/// file's metadata before anything is read, and the read itself stops at the limit (the file
/// may grow in between).
pub fn read_with(path: &Path, limits: &Limits) -> Result<Bom, BomError> {
    let file = path.display().to_string();
    let io = |source| BomError::Io {
        file: file.clone(),
        source,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    let size = handle.metadata().map_err(io)?.len();
    if size > limits.max_bytes {
        return Err(BomError::TooLarge {
            file,
            size,
            limit: limits.max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    handle
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let read_size = bytes.len() as u64;
    if read_size > limits.max_bytes {
        return Err(BomError::TooLarge {
            file,
            size: read_size,
            limit: limits.max_bytes,
        });
    }
    parse(&bytes, &file, limits)
}

/// Parses a CycloneDX document from memory; `source_name` names it in errors. JSON or XML is
/// decided by the first non-blank character (`{` or `<`).
pub fn parse(bytes: &[u8], source_name: &str, limits: &Limits) -> Result<Bom, BomError> {
    parse_deferred(bytes, source_name, limits).map(Parsed::into_bom)
}

/// A document [`parse_deferred`] read: it holds no reference to the bytes, so they can be freed
/// before [`Parsed::into_bom`] builds the model (the conversion holds the parsed and the
/// converted components at once; without the bytes too, the peak of reading a 35 MB SBOM of
/// 50,000 components is a third lower).
pub struct Parsed(ParsedForm);

enum ParsedForm {
    Json(Box<json::Deferred>),
    Done(Box<Bom>),
}

impl Parsed {
    /// The model of the document.
    pub fn into_bom(self) -> Bom {
        match self.0 {
            ParsedForm::Json(deferred) => deferred.into_bom(),
            ParsedForm::Done(bom) => *bom,
        }
    }
}

/// [`parse`], with the conversion to the model left to [`Parsed::into_bom`]: every error the
/// document can cause is reported here.
pub fn parse_deferred(
    bytes: &[u8],
    source_name: &str,
    limits: &Limits,
) -> Result<Parsed, BomError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(BomError::TooLarge {
            file: source_name.to_owned(),
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    // A UTF-8 byte order mark is legal in both formats but serde_json refuses it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let lossy = String::from_utf8_lossy(bytes);
            let offset = err.valid_up_to();
            let (line, column) = error::line_column(&lossy, offset);
            return Err(BomError::Syntax {
                file: source_name.to_owned(),
                format: if first_char(bytes) == Some(b'<') {
                    "XML"
                } else {
                    "JSON"
                },
                line,
                column,
                reason: format!("the file is not valid UTF-8 (invalid byte at offset {offset})"),
                src: error::named_source(source_name, &lossy),
                span: error::span_at(&lossy, offset),
            });
        }
    };
    match first_char(bytes) {
        Some(b'{') | Some(b'[') => json::parse_deferred(text, source_name, limits)
            .map(|d| Parsed(ParsedForm::Json(Box::new(d)))),
        Some(b'<') => {
            xml::parse(text, source_name, limits).map(|bom| Parsed(ParsedForm::Done(Box::new(bom))))
        }
        Some(other) => Err(BomError::NotCycloneDx {
            file: source_name.to_owned(),
            reason: format!(
                "it is neither JSON nor XML (it starts with {:?})",
                char::from(other)
            ),
        }),
        None => Err(BomError::NotCycloneDx {
            file: source_name.to_owned(),
            reason: "the file is empty".to_owned(),
        }),
    }
}

fn first_char(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}
