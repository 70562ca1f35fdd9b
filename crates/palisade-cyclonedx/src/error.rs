//! Everything that can go wrong reading a BOM. Each error names the file, the place in it and the
//! reason; errors at a place in the text also carry the text and a span so miette can show it.

use miette::{Diagnostic, NamedSource, SourceSpan};

/// Input quoted in a message, with control and bidi characters shown as escapes: an SBOM must
/// not be able to drive the terminal of whoever reads the error.
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    palisade_core::text::escape_line(text)
}

/// Why a CycloneDX document could not be used. Upstream this is "exit 2" material.

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum BomError {
    /// The file could not be opened or read (missing, unreadable, a directory …).
    #[error("cannot read CycloneDX file {file}: {source}")]
    #[diagnostic(code(palisade::cyclonedx::io))]
    Io {
        /// The file.
        file: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The file is larger than [`crate::Limits::max_bytes`]; it was not read.
    #[error("CycloneDX file {file} is {size} bytes, over the limit of {limit} bytes")]
    #[diagnostic(
        code(palisade::cyclonedx::too_large),
        help("raise the limit only if you trust the producer of this file")
    )]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// The text is not well-formed JSON or XML (truncated, stray characters, not UTF-8 …).
    #[error("{file}:{line}:{column}: invalid {format}: {}", esc(.reason))]
    #[diagnostic(code(palisade::cyclonedx::syntax))]
    Syntax {
        /// The file.
        file: String,
        /// `"JSON"` or `"XML"`.
        format: &'static str,
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
        #[label("here")]
        span: Option<SourceSpan>,
    },

    /// The document parses but is not a CycloneDX BOM.
    #[error("{file} is not a CycloneDX document: {}", esc(.reason))]
    #[diagnostic(
        code(palisade::cyclonedx::not_cyclonedx),
        help(
            "expected a JSON object with \"bomFormat\": \"CycloneDX\" or an XML <bom> in the namespace http://cyclonedx.org/schema/bom/1.x"
        )
    )]
    NotCycloneDx {
        /// The file.
        file: String,
        /// What was found instead.
        reason: String,
    },

    /// The document declares a specification version this reader does not support.
    #[error(
        "{file}: CycloneDX specification version {} is not supported (supported: 1.4, 1.5, 1.6, 1.7)",
        esc(.version)
    )]
    #[diagnostic(code(palisade::cyclonedx::unsupported_version))]
    UnsupportedVersion {
        /// The file.
        file: String,
        /// The declared version, as written.
        version: String,
    },

    /// A value Palisade reads has the wrong type or an unknown value.
    #[error("{file}: invalid value at {} (line {line}, column {column}): {}", esc(.place), esc(.reason))]
    #[diagnostic(code(palisade::cyclonedx::invalid_value))]
    InvalidValue {
        /// The file.
        file: String,
        /// JSON pointer (`/components/3/licenses/0/license/id`) or XML element path.
        place: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
        /// The document text.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("{}", esc(.reason))]
        span: Option<SourceSpan>,
    },

    /// Nesting deeper than the reader allows (JSON or XML depth, or components in components).
    #[error("{file}: nesting too deep at {} (line {line}, column {column}): {}", esc(.place), esc(.reason))]
    #[diagnostic(
        code(palisade::cyclonedx::too_deep),
        help("a real BOM nests a few levels; this looks like a broken or hostile file")
    )]
    TooDeep {
        /// The file.
        file: String,
        /// JSON pointer or XML element path where the limit was hit.
        place: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Which limit.
        reason: String,
    },

    /// More components than [`crate::Limits::max_components`].
    #[error(
        "{file}: too many components at {place} (line {line}, column {column}): the limit is {limit}"
    )]
    #[diagnostic(code(palisade::cyclonedx::too_many_components))]
    TooManyComponents {
        /// The file.
        file: String,
        /// Where the first component over the limit starts.
        place: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The limit.
        limit: usize,
    },
}

/// Turns a 1-based line and column into a byte offset into `text` (clamped to its length).
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

/// A one-character span at `offset` (or an empty one at the end of the text); `None` when the
/// place is more than 65,535 columns into its line, where miette's renderer cannot draw a label
/// (the message still gives the line and column).
pub(crate) fn span_at(text: &str, offset: usize) -> Option<SourceSpan> {
    let offset = offset.min(text.len());
    let (_, column) = line_column(text, offset);
    let len = usize::from(offset < text.len());
    palisade_core::json::label_at(offset, column).map(|_| SourceSpan::from((offset, len)))
}

/// Builds the source for a diagnostic. Only called when an error is reported, so copying the
/// text here is fine even for big files.
pub(crate) fn named_source(file: &str, text: &str) -> NamedSource<String> {
    NamedSource::new(file, text.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
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
        assert_eq!(span_at(text, 100), Some(SourceSpan::from((9, 0))));
    }
}
