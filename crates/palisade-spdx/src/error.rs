//! Every way reading an SPDX document can fail. Each error names the source, the place (line,
//! column and, for values, a JSON pointer) and the reason; errors at a place in the text carry
//! the text and a span so miette can show a labelled snippet. Text quoted from the input is
//! escaped (`\u{1b}`), so a hostile document cannot put control characters on a terminal.

use miette::{Diagnostic, NamedSource, SourceSpan};

/// Why an SPDX document could not be used. Upstream this is "exit 2" material.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SpdxError {
    /// The input is larger than [`crate::Limits::max_bytes`]; it was not parsed.
    #[error("SPDX document {name} is {size} bytes, over the limit of {limit} bytes")]
    #[diagnostic(
        code(palisade::spdx::too_large),
        help("raise the limit only if you trust the producer of this file")
    )]
    TooLarge {
        /// The source name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },

    /// The bytes are not well-formed JSON (truncated, stray characters, not UTF-8 …).
    #[error("{name}:{line}:{column}: invalid JSON: {reason}")]
    #[diagnostic(code(palisade::spdx::syntax))]
    Syntax {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser reported.
        reason: String,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// Where it went wrong.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// Arrays/objects are nested deeper than [`crate::Limits::max_depth`].
    #[error("{name}:{line}:{column}: JSON nested deeper than {limit} levels")]
    #[diagnostic(
        code(palisade::spdx::too_deep),
        help("a real SPDX document nests a few levels; this looks like a broken or hostile file")
    )]
    TooDeep {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The depth limit.
        limit: usize,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// The bracket that went past the limit.
        #[label("nesting level {} starts here", limit + 1)]
        span: SourceSpan,
    },

    /// More elements (or list entries) than [`crate::Limits`] allows.
    #[error("{name}:{line}:{column}: more than {limit} {what} (at {pointer})")]
    #[diagnostic(code(palisade::spdx::too_many))]
    TooMany {
        /// The source name.
        name: String,
        /// `"elements"` (packages, files, relationships, `@graph` entries) or `"list entries"`.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// JSON pointer of the first entry over the limit.
        pointer: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("entry {} starts here", limit + 1)]
        span: SourceSpan,
    },

    /// The document is SPDX tag-value, which this reader does not parse.
    #[error(
        "{name} is an SPDX tag-value document; only SPDX JSON (2.2, 2.3) and JSON-LD (3.0) are read"
    )]
    #[diagnostic(
        code(palisade::spdx::tag_value),
        help(
            "convert it to JSON, e.g. `pyspdxtools -i {name} -o sbom.spdx.json` (pip install spdx-tools)"
        )
    )]
    TagValue {
        /// The source name.
        name: String,
    },

    /// Valid JSON, but not an SPDX document (neither `spdxVersion` nor an SPDX 3 `@context`).
    #[error("{name} is not an SPDX document: {reason}")]
    #[diagnostic(
        code(palisade::spdx::not_spdx),
        help(
            "expected SPDX 2.x JSON ({{\"spdxVersion\": \"SPDX-2.3\", …}}) or SPDX 3.0 JSON-LD ({{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": […]}})"
        )
    )]
    NotSpdx {
        /// The source name.
        name: String,
        /// What was found instead.
        reason: String,
    },

    /// An SPDX version this reader does not support.
    #[error(
        "{name}:{line}:{column}: SPDX version {found} is not supported (supported: SPDX-2.2, SPDX-2.3, 3.0.0, 3.0.1)"
    )]
    #[diagnostic(code(palisade::spdx::unsupported_version))]
    UnsupportedVersion {
        /// The source name.
        name: String,
        /// 1-based line of the version value.
        line: usize,
        /// 1-based column of the version value.
        column: usize,
        /// The version as written (escaped).
        found: String,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// The version value.
        #[label("unsupported version")]
        span: SourceSpan,
    },

    /// A value the reader uses has the wrong type, is missing, or has an unknown value.
    #[error("{name}:{line}:{column}: invalid value at {pointer}: {reason}")]
    #[diagnostic(code(palisade::spdx::invalid_value))]
    InvalidValue {
        /// The source name.
        name: String,
        /// JSON pointer (RFC 6901) to the value, e.g. `/packages/3/versionInfo`.
        pointer: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong with it.
        reason: String,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("{reason}")]
        span: SourceSpan,
    },
}

impl SpdxError {
    /// The stable diagnostic code, e.g. `"palisade::spdx::invalid_value"`.
    pub fn code_str(&self) -> &'static str {
        match self {
            SpdxError::TooLarge { .. } => "palisade::spdx::too_large",
            SpdxError::Syntax { .. } => "palisade::spdx::syntax",
            SpdxError::TooDeep { .. } => "palisade::spdx::too_deep",
            SpdxError::TooMany { .. } => "palisade::spdx::too_many",
            SpdxError::TagValue { .. } => "palisade::spdx::tag_value",
            SpdxError::NotSpdx { .. } => "palisade::spdx::not_spdx",
            SpdxError::UnsupportedVersion { .. } => "palisade::spdx::unsupported_version",
            SpdxError::InvalidValue { .. } => "palisade::spdx::invalid_value",
        }
    }
}

/// Every diagnostic code the crate can emit (they are API: users grep for them).
pub const CODES: &[&str] = &[
    "palisade::spdx::too_large",
    "palisade::spdx::syntax",
    "palisade::spdx::too_deep",
    "palisade::spdx::too_many",
    "palisade::spdx::tag_value",
    "palisade::spdx::not_spdx",
    "palisade::spdx::unsupported_version",
    "palisade::spdx::invalid_value",
];

/// Replaces control characters with `\u{…}` escapes, so text from the input is safe to print.
pub(crate) fn escape(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Turns a 1-based line and column (as serde_json reports them) into a byte offset into `text`,
/// clamped to its length.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0usize;
    if line > 1 {
        let mut seen = 1usize;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen == line {
                    start = i + 1;
                    break;
                }
            }
        }
        if seen < line {
            return text.len();
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// Turns a byte offset into a 1-based line and column.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

/// A one-character span at `offset` (or an empty one at the end of the text).
pub(crate) fn span_at(text: &str, offset: usize) -> SourceSpan {
    let offset = offset.min(text.len());
    let len = usize::from(offset < text.len());
    SourceSpan::from((offset, len))
}

/// The source for a diagnostic. Only built when an error is reported, so copying is fine.
pub(crate) fn named_source(name: &str, text: &str) -> NamedSource<String> {
    NamedSource::new(escape(name), text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_line_columns_agree() {
        let text = "ab\ncde\n\nf";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 2), 4);
        assert_eq!(offset_of(text, 4, 1), 8);
        assert_eq!(offset_of(text, 9, 1), text.len());
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_column(text, 8), (4, 1));
        assert_eq!(span_at(text, 100), SourceSpan::from((9, 0)));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\u{1b}[2Jb\0"), "a\\u{1b}[2Jb\\u{0}");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn codes_are_unique_and_cover_every_variant() {
        let mut codes = CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CODES.len());
        let e = SpdxError::NotSpdx {
            name: "x".into(),
            reason: "y".into(),
        };
        assert!(CODES.contains(&e.code_str()));
    }
}
