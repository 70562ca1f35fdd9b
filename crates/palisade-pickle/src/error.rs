//! Every way a scan can fail to run: the file cannot be read, or a limit was reached. Content
//! that is damaged, ambiguous or not understood is not an error but a fail-closed fact
//! ([`crate::ScanError`] in the result).

use miette::Diagnostic;
use thiserror::Error;

/// A scan that could not run. A model that cannot be scanned is not assumed safe: callers
/// treat this as unusable evidence.
///
/// `path` names the file; for a member of an archive it is `archive.pt!/archive/data.pkl`.
/// Offsets are byte offsets inside that file or member.
#[derive(Debug, Error, Diagnostic)]
pub enum PickleError {
    /// The file or directory could not be read.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(code(palisade::pickle::read))]
    Read {
        /// The file as given.
        path: String,
        /// What the operating system said.
        reason: String,
    },

    /// The file is larger than the limit (checked from its metadata).
    #[error("{path} is {size} bytes, more than the limit of {limit} bytes")]
    #[diagnostic(code(palisade::pickle::too_large))]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// A limit on opcodes, stack, memo, memory, archive members or nesting was reached.
    #[error("{path}: byte {offset}: more than {limit} {what} (limit)")]
    #[diagnostic(
        code(palisade::pickle::limit),
        help(
            "raise the limit only for files you trust; the memory budget is shared by scans that run at the same time"
        )
    )]
    LimitExceeded {
        /// The file or member.
        path: String,
        /// Where the limit was reached.
        offset: u64,
        /// What was counted (`opcodes`, `stack entries`, `bytes of memory for one scan` …).
        what: &'static str,
        /// The limit.
        limit: u64,
    },

    /// A compressed member or file inflates past the limit (a zip bomb, or an absurd pickle).
    #[error(
        "{path}: member {member} inflates to more than {limit} bytes ({size} declared): refusing a possible zip bomb"
    )]
    #[diagnostic(code(palisade::pickle::zip_bomb))]
    ZipBomb {
        /// The archive.
        path: String,
        /// The member's name (the file itself for a compressed file).
        member: String,
        /// The size the archive declares (or the limit plus one when unknown).
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// A directory holds more files, or nests deeper, than the limits.
    #[error("{path}: {reason}")]
    #[diagnostic(code(palisade::pickle::directory))]
    Directory {
        /// The directory.
        path: String,
        /// Which limit was reached.
        reason: String,
    },
}
