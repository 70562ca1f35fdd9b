//! Errors of reading and writing `palisade.lock`.

use std::io;
use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Why a lock file could not be read or written. Every variant names the file; malformed
/// content also names the JSON path (`/artifacts/dataset x/sha256`) and points at it.
#[derive(Debug, Error, Diagnostic)]
pub enum LockError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(palisade::lock::io))]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },

    /// The file is larger than a lock file may be.
    #[error("{}: lock file is larger than {limit} bytes", path.display())]
    #[diagnostic(code(palisade::lock::too_large))]
    TooLarge {
        /// The lock file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },

    /// The file is not valid UTF-8 JSON.
    #[error("{}:{line}:{column}: not valid JSON: {reason}", path.display())]
    #[diagnostic(
        code(palisade::lock::syntax),
        help("regenerate it with `palisade lock`")
    )]
    Syntax {
        /// The lock file.
        path: PathBuf,
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
        #[label("here")]
        span: SourceSpan,
    },

    /// The JSON is well formed but a value is wrong.
    #[error("{}: at {pointer}: {reason}", path.display())]
    #[diagnostic(
        code(palisade::lock::invalid),
        help("regenerate it with `palisade lock`")
    )]
    Invalid {
        /// The lock file.
        path: PathBuf,
        /// JSON pointer of the offending value ("" is the whole document).
        pointer: String,
        /// What is wrong with it.
        reason: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<String>,
        /// The offending value, when it could be located.
        #[label("{reason}")]
        span: Option<SourceSpan>,
    },
}

impl LockError {
    /// The JSON pointer of the offending value, for [`LockError::Invalid`].
    pub fn pointer(&self) -> Option<&str> {
        match self {
            LockError::Invalid { pointer, .. } => Some(pointer),
            _ => None,
        }
    }
}
