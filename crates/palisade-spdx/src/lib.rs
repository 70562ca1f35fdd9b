//! Reads SPDX software bills of materials into the facts Palisade's graph and policies need:
//! **SPDX 2.2 / 2.3 JSON** (what GitHub's dependency-graph export, syft, npm, sbom4python,
//! cargo-sbom and spdx-tools write) and **SPDX 3.0 JSON-LD** with its Software, AI, Dataset,
//! Security and licensing profiles (spdx-python-model, syft, the SPDX examples).
//!
//! [`detect`] tells SPDX 2 JSON, SPDX 3 JSON-LD, SPDX tag-value and "not SPDX" apart from the
//! bytes, so a caller can accept `bom = "x.spdx.json"` without a format flag. [`parse`] reads a
//! document into the typed [`Document`] model (packages, AI and dataset packages, files,
//! relationships, licenses, vulnerabilities and their CVSS/VEX assessments); [`reduce()`] turns
//! that into a [`ReducedBom`], field for field the shape of the CycloneDX facts Palisade
//! already uses (packages, dependency edges, vulnerability counts after VEX, licenses, labels,
//! model card, metrics), plus training datasets and metric values. The module docs of
//! [`reduce`](mod@reduce) give every mapping decision.
//!
//! The input is untrusted: size, JSON nesting and element counts are limited by [`Limits`],
//! and every problem is an [`SpdxError`] with a `palisade::spdx::…` code naming the source, the
//! place (line, column, JSON pointer, a span for miette) and the reason.
//!
//! ```
//! let json = br#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
//!   "packages": [
//!     {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0.0"},
//!     {"SPDXID": "SPDXRef-numpy", "name": "numpy", "versionInfo": "2.1.0",
//!      "licenseConcluded": "NOASSERTION", "licenseDeclared": "BSD-3-Clause",
//!      "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
//!                        "referenceLocator": "pkg:pypi/numpy@2.1.0"}]}],
//!   "relationships": [
//!     {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-app"},
//!     {"spdxElementId": "SPDXRef-numpy", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-app"}]}"#;
//! assert_eq!(palisade_spdx::detect(json), palisade_spdx::Format::Spdx2Json);
//! let document = palisade_spdx::parse(json, "app.spdx.json", &palisade_spdx::Limits::default())?;
//! let facts = palisade_spdx::reduce(&document);
//! assert_eq!(facts.packages[1].key, "pkg:pypi/numpy@2.1.0");
//! assert!(facts.packages[1].licenses.contains("BSD-3-Clause"));
//! assert_eq!(facts.dependencies, [(0, 1)]); // app depends on numpy
//! assert_eq!(facts.subjects, [0]);
//! # Ok::<(), palisade_spdx::SpdxError>(())
//! ```

// Errors carry the document text and a span for miette, which makes `SpdxError` large; they are
// built once per unreadable file, so boxing every variant would buy nothing.
#![allow(clippy::result_large_err)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod error;
mod json;
mod model;
pub mod reduce;
#[cfg(any(test, feature = "synthetic"))]
mod synthetic;
mod v2;
mod v3;

use serde::Deserialize;
use serde_json::Value;

pub use error::{CODES, SpdxError};
pub use model::{
    AiFacts, Assessment, AssessmentKind, DatasetFacts, DependencyScope, Document, Element,
    ElementKind, LicenseInfo, Licenses, Presence, Relationship, RelationshipKind, Severity,
    SpecVersion, VexStatus, Vulnerability,
};
pub use reduce::{
    DatasetPurpose, DatasetUse, ReducedBom, ReducedPackage, SeverityCounts, license_names, reduce,
};
#[cfg(any(test, feature = "synthetic"))]
pub use synthetic::{synthetic_spdx2, synthetic_spdx3};

use error::{escape, line_column, named_source, span_at};

/// Bounds on what one document may make the reader do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes. Default 256 MiB.
    pub max_bytes: u64,
    /// Deepest nesting of JSON arrays and objects. Default 64 (real documents nest 6 or 7).
    pub max_depth: usize,
    /// Most elements: 2.x packages, files, snippets and relationships together; 3.0 `@graph`
    /// entries. Default 1,000,000.
    pub max_elements: usize,
    /// Most entries of all lists together (elements, `externalRefs`, `to`, metrics …), so a
    /// document of empty lists cannot make the reader build millions of values. Default
    /// 8,000,000.
    pub max_list_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 64,
            max_elements: 1_000_000,
            max_list_items: 8_000_000,
        }
    }
}

/// What a file is, as far as SPDX is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SPDX 2.x JSON: an object with `spdxVersion`.
    Spdx2Json,
    /// SPDX 3 JSON-LD: an object whose `@context` is an SPDX 3 context
    /// (`https://spdx.org/rdf/3.0.1/spdx-context.jsonld`).
    Spdx3JsonLd,
    /// SPDX 2 tag-value text (`SPDXVersion: SPDX-2.3`), which [`parse`] refuses with a hint.
    Spdx2TagValue,
    /// Anything else (CycloneDX, SARIF, garbage …).
    NotSpdx,
}

#[derive(Deserialize)]
struct Sniff {
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<Value>,
    #[serde(rename = "@context")]
    context: Option<Value>,
    #[serde(rename = "bomFormat")]
    bom_format: Option<de_ignore::Present>,
    /// GitHub's REST API wraps its SPDX export: `{"sbom": {"spdxVersion": …}}`.
    sbom: Option<Wrapped>,
}

#[derive(Deserialize)]
struct Wrapped {
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<Value>,
}

mod de_ignore {
    //! A field whose value is skipped; only its presence matters.
    pub(crate) struct Present;
    impl<'de> serde::Deserialize<'de> for Present {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| Present)
        }
    }
}

/// The SPDX 3 context URL's version (`3.0.1` of `https://spdx.org/rdf/3.0.1/…`), if any entry
/// of `@context` is one.
fn context_version(context: &Value) -> Option<String> {
    let urls: Vec<&str> = match context {
        Value::String(url) => vec![url.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    urls.iter().find_map(|url| {
        let rest = &url[url.find("spdx.org/rdf/")? + "spdx.org/rdf/".len()..];
        let version = rest.split('/').next()?;
        version.starts_with('3').then(|| version.to_owned())
    })
}

fn strip(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// UTF-16 text with a byte order mark, decoded (spdx-tools reads and writes such files;
/// JSON is otherwise UTF-8). `None` when the bytes have no UTF-16 byte order mark; `Err` with
/// the offset of the first bad unit when they do but do not decode.
fn utf16(bytes: &[u8]) -> Option<Result<String, usize>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        // An odd trailing byte cannot be a unit: decode it as an unpaired surrogate (an error).
        _ => 0xD800,
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, c) in char::decode_utf16(units).enumerate() {
        match c {
            Ok(c) => out.push(c),
            Err(_) => return Some(Err(2 + 2 * i)),
        }
    }
    Some(Ok(out))
}

fn first_char(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn is_tag_value(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    String::from_utf8_lossy(head)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("SPDXVersion:"))
}

/// Tells SPDX 2 JSON, SPDX 3 JSON-LD, SPDX tag-value and anything else apart. Reads the whole
/// input once (skipping values) for JSON; when the JSON is broken it looks for `"spdxVersion"`
/// or an SPDX 3 context in the first 64 KiB, so that a damaged SPDX file still reaches
/// [`parse`] and gets its syntax error there. Never fails and never panics.
pub fn detect(bytes: &[u8]) -> Format {
    if let Some(decoded) = utf16(bytes) {
        return match decoded {
            Ok(text) => detect(text.as_bytes()),
            Err(_) => Format::NotSpdx,
        };
    }
    let bytes = strip(bytes);
    match first_char(bytes) {
        Some(b'{') => {}
        Some(_) if is_tag_value(bytes) => return Format::Spdx2TagValue,
        _ => return Format::NotSpdx,
    }
    match serde_json::from_slice::<Sniff>(bytes) {
        Ok(sniff) => {
            if sniff.spdx_version.is_some()
                || sniff.sbom.is_some_and(|inner| inner.spdx_version.is_some())
            {
                Format::Spdx2Json
            } else if sniff.context.as_ref().and_then(context_version).is_some() {
                Format::Spdx3JsonLd
            } else {
                Format::NotSpdx
            }
        }
        Err(_) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
            if head.contains("\"spdxVersion\"") {
                Format::Spdx2Json
            } else if head.contains("spdx.org/rdf/3") && head.contains("@context") {
                Format::Spdx3JsonLd
            } else {
                Format::NotSpdx
            }
        }
    }
}

/// Parses an SPDX 2.2/2.3 JSON or SPDX 3.0 JSON-LD document from memory; `source_name` names
/// it in errors.
pub fn parse(bytes: &[u8], source_name: &str, limits: &Limits) -> Result<Document, SpdxError> {
    let name = source_name;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(SpdxError::TooLarge {
            name: escape(name),
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let decoded;
    let bytes = match utf16(bytes) {
        None => bytes,
        Some(Ok(text)) => {
            decoded = text;
            decoded.as_bytes()
        }
        Some(Err(offset)) => {
            return Err(SpdxError::Syntax {
                name: escape(name),
                line: 1,
                column: 1,
                reason: format!(
                    "the file is UTF-16 but does not decode (bad unit at byte {offset})"
                ),
                src: named_source(name, ""),
                span: span_at("", 0),
            });
        }
    };
    // A UTF-8 byte order mark is legal, but serde_json refuses it.
    let bytes = strip(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let lossy = String::from_utf8_lossy(bytes);
            let offset = err.valid_up_to();
            let (line, column) = line_column(&lossy, offset);
            return Err(SpdxError::Syntax {
                name: escape(name),
                line,
                column,
                reason: format!("the file is not valid UTF-8 (invalid byte at offset {offset})"),
                src: named_source(name, &lossy),
                span: span_at(&lossy, offset),
            });
        }
    };
    match first_char(bytes) {
        Some(b'{') => {}
        Some(b'[') => {
            return Err(SpdxError::NotSpdx {
                name: escape(name),
                reason: "the top level is a JSON array, not an object".to_owned(),
            });
        }
        Some(_) if is_tag_value(bytes) => {
            return Err(SpdxError::TagValue { name: escape(name) });
        }
        Some(other) => {
            return Err(SpdxError::NotSpdx {
                name: escape(name),
                reason: format!(
                    "it is not JSON (it starts with {})",
                    escape(&format!("{:?}", char::from(other)))
                ),
            });
        }
        None => {
            return Err(SpdxError::NotSpdx {
                name: escape(name),
                reason: "the file is empty".to_owned(),
            });
        }
    }
    json::check_depth(text, name, limits.max_depth)?;
    let sniff = serde_json::from_str::<Sniff>(text)
        .map_err(|err| json::json_error(err, String::new(), text, name, limits))?;
    // A document that is both (CycloneDX's `bomFormat` beside SPDX markers) reads one way here
    // and another way in a CycloneDX tool: its CycloneDX vulnerabilities would go unseen by an
    // SPDX reading. Refuse it rather than pick a side.
    let spdx_marked = sniff.spdx_version.is_some()
        || sniff.context.is_some()
        || sniff
            .sbom
            .as_ref()
            .is_some_and(|w| w.spdx_version.is_some());
    if sniff.bom_format.is_some() && spdx_marked {
        return Err(SpdxError::NotSpdx {
            name: escape(name),
            reason: "it is both a CycloneDX document (it has \"bomFormat\") and an SPDX one: \
                     tools would read it differently, so palisade reads it as neither"
                .to_owned(),
        });
    }

    // GitHub's REST API answer (`gh api repos/OWNER/REPO/dependency-graph/sbom`) wraps the
    // document in `{"sbom": …}`; read the document inside (pointers then start at `/sbom`).
    let (version, wrapped) = match (&sniff.spdx_version, &sniff.sbom) {
        (Some(version), _) => (Some(version), false),
        (
            None,
            Some(Wrapped {
                spdx_version: Some(version),
            }),
        ) => (Some(version), true),
        _ => (None, false),
    };
    if let Some(version) = version {
        let spec_version = match version {
            Value::String(v) if v.trim() == "SPDX-2.3" => SpecVersion::V2_3,
            Value::String(v) if v.trim() == "SPDX-2.2" => SpecVersion::V2_2,
            other => {
                let found = match other {
                    Value::String(v) => format!("\"{v}\""),
                    other => other.to_string(),
                };
                return Err(unsupported(text, name, "\"spdxVersion\"", &found));
            }
        };
        return v2::parse(text, name, spec_version, wrapped, limits);
    }
    let Some(context) = &sniff.context else {
        return Err(SpdxError::NotSpdx {
            name: escape(name),
            reason: if sniff.bom_format.is_some() {
                "it is a CycloneDX document (it has \"bomFormat\")".to_owned()
            } else {
                "the JSON object has neither \"spdxVersion\" (SPDX 2) nor \"@context\" (SPDX 3)"
                    .to_owned()
            },
        });
    };
    let Some(version) = context_version(context) else {
        return Err(SpdxError::NotSpdx {
            name: escape(name),
            reason: "its \"@context\" is not an SPDX 3 context (https://spdx.org/rdf/3.0.1/spdx-context.jsonld)"
                .to_owned(),
        });
    };
    let spec_version = match version.as_str() {
        "3.0.1" => SpecVersion::V3_0_1,
        "3.0.0" => SpecVersion::V3_0_0,
        other => return Err(unsupported(text, name, "\"@context\"", other)),
    };
    let (document, declared) = v3::parse(text, name, spec_version, limits)?;
    if let Some(other) = declared.iter().find(|v| !v.trim().starts_with("3.0.")) {
        return Err(unsupported(
            text,
            name,
            "\"specVersion\"",
            &format!("\"{other}\""),
        ));
    }
    Ok(document)
}

/// An unsupported-version error pointing at the first `found` after the first `key`.
fn unsupported(text: &str, name: &str, key: &str, found: &str) -> SpdxError {
    let offset = text
        .find(key)
        .map(|k| {
            let unquoted = found.trim_matches('"');
            text[k..].find(unquoted).map_or(k, |v| k + v)
        })
        .unwrap_or(0);
    let (line, column) = line_column(text, offset);
    SpdxError::UnsupportedVersion {
        name: escape(name),
        line,
        column,
        found: escape(&found.chars().take(80).collect::<String>()),
        src: named_source(name, text),
        span: span_at(text, offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_tells_the_formats_apart() {
        assert_eq!(detect(br#"{"spdxVersion":"SPDX-2.3"}"#), Format::Spdx2Json);
        assert_eq!(
            detect(br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#),
            Format::Spdx3JsonLd
        );
        assert_eq!(
            detect(br#"{"@context":["https://spdx.org/rdf/3.0.0/spdx-context.jsonld",{"x":"y"}]}"#),
            Format::Spdx3JsonLd
        );
        assert_eq!(
            detect(b"## comment\nSPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n"),
            Format::Spdx2TagValue
        );
        assert_eq!(
            detect(br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#),
            Format::NotSpdx
        );
        assert_eq!(
            detect(br#"{"@context":"https://schema.org"}"#),
            Format::NotSpdx
        );
        assert_eq!(detect(b""), Format::NotSpdx);
        assert_eq!(detect(b"<bom/>"), Format::NotSpdx);
        // Broken JSON that is plainly SPDX still goes to the SPDX reader.
        assert_eq!(
            detect(br#"{"spdxVersion":"SPDX-2.3","packages":[{"#),
            Format::Spdx2Json
        );
        assert_eq!(
            detect(b"\xEF\xBB\xBF{\"spdxVersion\":\"SPDX-2.2\"}"),
            Format::Spdx2Json
        );
    }
}
