//! Every way a model file can fail to scan, each naming the file, the place and the reason.

use miette::Diagnostic;
use thiserror::Error;

/// A model file that could not be scanned. A file that cannot be scanned is not assumed safe:
/// callers treat this as unusable evidence.
///
/// `path` names the file; for a member of a zip archive it is `archive.pt!/archive/data.pkl`.
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

    /// The pickle opcode stream is truncated or invalid.
    #[error("{path}: byte {offset}: {reason}")]
    #[diagnostic(
        code(palisade::pickle::malformed),
        help("the file is not a complete pickle; re-export the model, preferably as safetensors")
    )]
    Malformed {
        /// The file or member.
        path: String,
        /// Where the problem was found.
        offset: u64,
        /// What is wrong.
        reason: String,
    },

    /// A limit on opcodes, stack or line length was reached.
    #[error("{path}: byte {offset}: more than {limit} {what} (limit)")]
    #[diagnostic(code(palisade::pickle::limit))]
    LimitExceeded {
        /// The file or member.
        path: String,
        /// Where the limit was reached.
        offset: u64,
        /// What was counted (`opcodes`, `stack entries`, `bytes in one line` …).
        what: &'static str,
        /// The limit.
        limit: u64,
    },

    /// A zip member inflates past the limit (a zip bomb, or an absurd pickle).
    #[error(
        "{path}: member {member} inflates to more than {limit} bytes ({size} declared): refusing a possible zip bomb"
    )]
    #[diagnostic(code(palisade::pickle::zip_bomb))]
    ZipBomb {
        /// The archive.
        path: String,
        /// The member's name.
        member: String,
        /// The size the archive declares (or the bytes inflated so far).
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// The zip archive is broken, encrypted, uses an unsupported compression, or has too
    /// many members.
    #[error("{path}: invalid zip archive: {reason}")]
    #[diagnostic(code(palisade::pickle::zip))]
    Zip {
        /// The archive (or the member, `archive!/member`).
        path: String,
        /// What is wrong.
        reason: String,
    },

    /// A `.npy` header is invalid.
    #[error("{path}: byte {offset}: invalid .npy header: {reason}")]
    #[diagnostic(code(palisade::pickle::npy))]
    Npy {
        /// The file or member.
        path: String,
        /// Where the problem was found.
        offset: u64,
        /// What is wrong.
        reason: String,
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
