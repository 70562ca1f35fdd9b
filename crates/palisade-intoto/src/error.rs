//! Every way reading, verifying inputs for, or recording a stage attestation can fail. Each
//! error names its source (the file, or the path being recorded) and has a stable code.
//!
//! A signature that does not verify is not an error: it is a [`crate::Verification`] fact.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Why a stage attestation could not be read, or a run could not be recorded.
#[derive(Debug, Error, Diagnostic)]
pub enum IntotoError {
    /// The attestation is larger than [`crate::MAX_ATTESTATION_BYTES`].
    #[error("{file}: {size} bytes is more than the {limit}-byte limit for a stage attestation")]
    #[diagnostic(code(palisade::intoto::attestation::too_large))]
    TooLarge {
        /// The attestation's source name.
        file: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },

    /// The text is not JSON.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<JsonSyntaxError>),

    /// The DSSE envelope or Sigstore bundle around the attestation is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Envelope(#[from] palisade_sigstore::bundle::BundleError),

    /// The in-toto Statement inside the envelope is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Statement(#[from] palisade_sigstore::intoto::StatementError),

    /// Valid JSON, but not a stage attestation: a field is missing, of the wrong type, or has a
    /// value the format does not allow.
    #[error("{file}: at {path}: {reason}")]
    #[diagnostic(code(palisade::intoto::attestation::invalid))]
    Invalid {
        /// The attestation's source name.
        file: String,
        /// JSON-pointer-like path to the offending value (`/` is the whole document).
        path: String,
        /// What is wrong.
        reason: String,
    },

    /// A well-formed attestation of a kind that says nothing about a stage's inputs and
    /// outputs (another predicate type, another DSSE payload type).
    #[error("{file}: {reason}")]
    #[diagnostic(
        code(palisade::intoto::attestation::unsupported),
        help(
            "a stage attestation is in-toto link metadata (`in-toto-run`, with or without `--use-dsse`), or an in-toto Statement v1 with the link predicate `https://in-toto.io/attestation/link/v0.3` or SLSA provenance v1 / v0.2, in a DSSE envelope or a Sigstore bundle"
        )
    )]
    Unsupported {
        /// The attestation's source name.
        file: String,
        /// What was found.
        reason: String,
    },

    /// A limit on untrusted input was reached (entries, digests, nesting).
    #[error("{file}: at {path}: {what} is more than the limit of {limit}")]
    #[diagnostic(code(palisade::intoto::attestation::limit))]
    Limit {
        /// The attestation's source name.
        file: String,
        /// Where.
        path: String,
        /// What was counted.
        what: String,
        /// The limit.
        limit: usize,
    },

    /// A verification key could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] palisade_sigstore::keys::KeyError),

    /// An RSA public key that is malformed or not acceptable.
    #[error("{source_name}: {reason}")]
    #[diagnostic(code(palisade::intoto::key::rsa))]
    RsaKey {
        /// Where the key came from.
        source_name: String,
        /// What is wrong.
        reason: String,
    },

    /// A path given to record is not inside the folder paths are recorded relative to.
    #[error("{}: is not inside {}, the folder recorded paths are relative to", path.display(), base.display())]
    #[diagnostic(
        code(palisade::intoto::run::outside_base),
        help(
            "run from a folder that contains every input and output, or pass them as paths inside it"
        )
    )]
    OutsideBase {
        /// The path.
        path: PathBuf,
        /// The base folder.
        base: PathBuf,
    },

    /// Hashing an input, an output or the recorded folder failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hash(#[from] palisade_hash::HashError),

    /// The command could not be started.
    #[error("cannot run `{program}`: {reason}")]
    #[diagnostic(code(palisade::intoto::run::spawn))]
    Spawn {
        /// The program as given.
        program: String,
        /// What the operating system said.
        reason: String,
    },

    /// The request to record a run is unusable (no command, a name that is not UTF-8 …).
    #[error("{reason}")]
    #[diagnostic(code(palisade::intoto::run::request))]
    Request {
        /// What is wrong.
        reason: String,
    },
}

/// A JSON syntax error in an attestation, with the place it occurred.
#[derive(Debug, Error, Diagnostic)]
#[error("{file}:{line}:{column}: not valid JSON: {reason}")]
#[diagnostic(code(palisade::intoto::attestation::syntax))]
pub struct JsonSyntaxError {
    /// The attestation's source name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the JSON parser said.
    pub reason: String,
    /// The text.
    #[source_code]
    pub src: NamedSource<String>,
    /// Where the parser stopped.
    #[label("here")]
    pub span: SourceSpan,
}

/// `text` with every control character written as `\u{…}`, so that a hostile attestation
/// cannot put terminal escapes into a message.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The 1-based line and column of a serde_json error, and its byte offset in `text`.
pub(crate) fn syntax_error(file: &str, text: &str, err: &serde_json::Error) -> IntotoError {
    let (line, column) = (err.line(), err.column());
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            offset += column.saturating_sub(1).min(l.len());
            break;
        }
        offset += l.len();
    }
    let full = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    IntotoError::Syntax(Box::new(JsonSyntaxError {
        file: file.to_string(),
        line,
        column,
        reason: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
        src: NamedSource::new(file, text.to_string()),
        span: SourceSpan::from((offset.min(text.len()), 0)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_control_characters() {
        assert_eq!(escape("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\u{a}");
        assert_eq!(escape("plain é"), "plain é");
    }

    #[test]
    fn syntax_error_points_into_the_text() {
        let text = "{\n \"a\": ,\n}";
        let err = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let IntotoError::Syntax(e) = syntax_error("x.link", text, &err) else {
            panic!("not a syntax error");
        };
        let (line, column, span) = (e.line, e.column, e.span);
        assert_eq!((line, column), (2, 7));
        assert_eq!(&text[span.offset()..span.offset() + 1], ",");
    }
}
