//! Every way a model file can fail to scan, each naming the file, the place and the reason.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::Format;

/// A model file that could not be read. A file that cannot be read is not assumed safe: its
/// verdict is `Unreadable` and callers treat it as unusable evidence.
///
/// `path` names the file; for a member of a zip archive it is `model.keras!/config.json`, for
/// an HDF5 attribute `model.h5 (attribute model_config)`. Offsets are byte offsets inside that
/// file or member. Text taken from the file is escaped (no raw control characters).
#[derive(Debug, Error, Diagnostic)]
pub enum ModelFormatError {
    /// The file or directory could not be read.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(code(palisade::modelfmt::read))]
    Read {
        /// The file as given.
        path: String,
        /// What the operating system said.
        reason: String,
    },

    /// The file is larger than the limit (checked from its size before reading).
    #[error("{path} is {size} bytes, more than the limit of {limit} bytes")]
    #[diagnostic(code(palisade::modelfmt::too_large))]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// The binary structure is truncated or invalid (HDF5, protobuf, GGUF, safetensors).
    #[error("{path}: {format} byte {offset}: {reason}")]
    #[diagnostic(
        code(palisade::modelfmt::malformed),
        help("the file is not a complete {format} file; re-export the model with its library")
    )]
    Malformed {
        /// The file or member.
        path: String,
        /// The format being read (`"onnx"`, `"gguf"` …).
        format: &'static str,
        /// Where the problem was found.
        offset: u64,
        /// What is wrong.
        reason: String,
    },

    /// A limit on sizes, counts or depth was reached.
    #[error("{path}: {format} byte {offset}: more than {limit} {what} (limit)")]
    #[diagnostic(code(palisade::modelfmt::limit))]
    LimitExceeded {
        /// The file or member.
        path: String,
        /// The format being read.
        format: &'static str,
        /// Where the limit was reached.
        offset: u64,
        /// What was counted (`nested graphs`, `bytes in one string` …).
        what: &'static str,
        /// The limit.
        limit: u64,
    },

    /// A valid file that uses a feature this reader does not handle (HDF5 dense attribute
    /// storage, a big-endian GGUF …). Failing closed: the content cannot be judged.
    #[error("{path}: {format}: {feature} is not supported, so the file cannot be checked")]
    #[diagnostic(
        code(palisade::modelfmt::unsupported),
        help("re-save the model with the library's default settings")
    )]
    Unsupported {
        /// The file or member.
        path: String,
        /// The format being read.
        format: &'static str,
        /// What it uses.
        feature: String,
    },

    /// Invalid JSON (a Keras config, a safetensors header): syntax, duplicate keys, nesting.
    #[error("{path}:{line}:{column}: invalid JSON: {reason}")]
    #[diagnostic(code(palisade::modelfmt::json))]
    Json {
        /// The file, member or attribute.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
        /// The JSON text.
        #[source_code]
        src: NamedSource<String>,
        /// Where the parser stopped.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// Valid JSON of the wrong shape (a Keras config that is not an object, a safetensors
    /// header whose `__metadata__` is not a string map …).
    #[error("{path}: {reason}")]
    #[diagnostic(code(palisade::modelfmt::shape))]
    Shape {
        /// The file, member or attribute.
        path: String,
        /// The format being read.
        format: Format,
        /// What is wrong.
        reason: String,
    },

    /// The zip archive is broken, encrypted, too big or has too many members.
    #[error("{path}: invalid zip archive: {reason}")]
    #[diagnostic(code(palisade::modelfmt::zip))]
    Zip {
        /// The archive (or the member, `archive!/member`).
        path: String,
        /// What is wrong.
        reason: String,
    },

    /// A directory holds more files, or nests deeper, than the limits.
    #[error("{path}: {reason}")]
    #[diagnostic(code(palisade::modelfmt::directory))]
    Directory {
        /// The directory.
        path: String,
        /// Which limit was reached.
        reason: String,
    },
}
