//! Every way reading a SARIF log can fail, each naming the file, the place and the reason.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A SARIF log that could not be used.
///
/// Errors about the content carry the file's text and a span (rendered by miette as a labelled
/// snippet); `line`/`column` are 1-based and also appear in the message, so the plain
/// `Display` form is enough in logs.
#[derive(Debug, Error, Diagnostic)]
pub enum SarifError {
    /// The file could not be opened or read (missing, a directory, no permission …).
    #[error("cannot read SARIF file {}: {reason}", path.display())]
    #[diagnostic(code(palisade::sarif::read))]
    Read {
        /// The file as given.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },

    /// The file is larger than the limit; checked from its metadata before reading.
    #[error("SARIF file {} is {size} bytes, more than the limit of {limit} bytes", path.display())]
    #[diagnostic(
        code(palisade::sarif::too_large),
        help("split the scan into several SARIF files, or drop embedded artifact contents")
    )]
    TooLarge {
        /// The file as given.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },

    /// The bytes are not valid JSON (syntax error, truncated file, bad UTF-8).
    #[error("{name}:{line}:{column}: invalid JSON: {reason}")]
    #[diagnostic(code(palisade::sarif::json))]
    Json {
        /// The source name (file path).
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser said.
        reason: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// Where the parser stopped.
        #[label("{reason}")]
        span: Option<SourceSpan>,
    },

    /// Arrays/objects are nested deeper than the limit.
    #[error("{name}:{line}:{column}: JSON nested deeper than {limit} levels")]
    #[diagnostic(code(palisade::sarif::too_deep))]
    TooDeep {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The depth limit.
        limit: usize,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// The bracket that went past the limit.
        #[label("nesting level {} starts here", limit + 1)]
        span: Option<SourceSpan>,
    },

    /// Valid JSON, but not a SARIF log (no `runs`, no `version`, not an object …).
    #[error("{name}: not a SARIF log: {reason}")]
    #[diagnostic(
        code(palisade::sarif::not_sarif),
        help("expected a SARIF 2.1.0 log: {{\"version\": \"2.1.0\", \"runs\": [ … ]}}")
    )]
    NotSarif {
        /// The source name.
        name: String,
        /// What was found instead.
        reason: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// The offending value, when there is one.
        #[label("{reason}")]
        span: Option<SourceSpan>,
    },

    /// A SARIF log of a version other than 2.1.0.
    #[error("{name}:{line}:{column}: unsupported SARIF version {found}; only \"2.1.0\" is read")]
    #[diagnostic(code(palisade::sarif::version))]
    UnsupportedVersion {
        /// The source name.
        name: String,
        /// 1-based line of the version value.
        line: usize,
        /// 1-based column of the version value.
        column: usize,
        /// The version value as written (JSON text).
        found: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// The version value.
        #[label("expected \"2.1.0\"")]
        span: Option<SourceSpan>,
    },

    /// A value deep inside the log has the wrong type or is out of range.
    #[error("{name}:{line}:{column}: at {pointer}: {reason}")]
    #[diagnostic(code(palisade::sarif::invalid_value))]
    InvalidValue {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON-pointer-like path to the value, e.g. `/runs/0/results/3/level`.
        pointer: String,
        /// What is wrong with it.
        reason: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// Where the parser detected it.
        #[label("{reason}")]
        span: Option<SourceSpan>,
    },
}
