//! Static scanner for pickle-based model files: PyTorch checkpoints (zip, legacy tar and
//! legacy pickle sequences), pickles of any protocol, joblib dumps (raw arrays between pickle
//! opcodes, gzip or zlib compressed), NumPy `.npy`/`.npz` with objects. It lists every import
//! a pickle would perform, judges each by what it resolves to, and never loads or executes
//! anything.
//!
//! The scanner parses what CPython parses (`pickle.load`, `torch.load`, `numpy.load`,
//! `joblib.load`), finds files by content, never by extension, and fails closed: content
//! that looks like a pickle but cannot be followed (truncated, ambiguous, an archive whose
//! views disagree, a compression it cannot open) is a [`ScanError`] fact, so such a model is
//! `unsafe_format`, never "not a pickle". Each import is allowed ([`DEFAULT_ALLOWED_IMPORTS`]:
//! tensor and array rebuilders, plain containers), dangerous (shells, code, files, network;
//! never allowable), or unknown (must be declared with [`AllowImports`]).
//!
//! The input is untrusted: opcodes, stack, memo, archive members, inflated bytes and nesting
//! are limited ([`Limits`]), and memory is counted in bytes against a [`MemoryBudget`] that
//! concurrent scans share.
//!
//! ```
//! // protocol 0: `cposix\nsystem\n(S'echo hi'\ntR.` calls os.system when unpickled.
//! let scan = palisade_pickle::scan_bytes(b"cposix\nsystem\n(S'echo hi'\ntR.", "evil.bin").unwrap();
//! assert!(scan.pickle_based);
//! assert_eq!(scan.dangerous_imports.iter().collect::<Vec<_>>(), ["posix.system"]);
//!
//! // A scikit-learn estimator is neither allowed by default nor dangerous: declare it.
//! let pickle = b"\x80\x04\x8c\x1esklearn.linear_model._logistic\x8c\x12LogisticRegression\x93)\x81.";
//! let scan = palisade_pickle::scan_bytes(pickle, "model.pkl").unwrap();
//! assert_eq!(scan.unknown_imports.len(), 1);
//! let allow = palisade_pickle::AllowImports::parse(["sklearn.linear_model.*"]).unwrap();
//! assert!(scan.unknown_imports_allowing(&allow).is_empty());
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod budget;
mod compat_table;
mod error;
mod formats;
mod input;
mod judge;
mod names;
mod npy;
mod pyliteral;
mod pytext;
mod scan;
mod source;
mod tar;
mod value;
mod walk;
mod zip;

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

pub use budget::{DEFAULT_PROCESS_BUDGET, MemoryBudget};
pub use error::PickleError;
pub use formats::{
    MAYBE_PICKLE_EXTENSIONS, PICKLE_EXTENSIONS, PICKLE_FORMATS, PickleFormat,
    declared_format_is_pickle, extension_promises_pickle, is_pickle_extension,
};
pub use judge::{
    AllowImports, DEFAULT_ALLOWED_IMPORTS, Import, ImportPattern, PatternError, UNKNOWN_IMPORT,
    Verdict, is_allowed_by_default, is_dangerous, why_dangerous,
};
pub use scan::{Scanner, scan_bytes, scan_bytes_with, scan_path, scan_path_with};

/// What a scan of a file or a directory found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelScan {
    /// Every regular file scanned, sorted by path.
    pub files: Vec<FileScan>,
    /// Whether loading any file may run a pickle: a pickle was found, or a scan error leaves
    /// it possible. With [`ModelScan::scan_errors`], what the model's `unsafe_format` is.
    pub pickle_based: bool,
    /// Union of the files' imports ([`Import::name`]).
    pub imports: BTreeSet<String>,
    /// Union of the files' dangerous imports, named by the object they reach
    /// (`posixpath:os.system` is `os.system`): the model's `dangerous_imports`.
    pub dangerous_imports: BTreeSet<String>,
    /// Union of the files' imports that are neither allowed by default nor dangerous: the
    /// model's `unknown_imports` before its own `allow_imports`
    /// ([`ModelScan::unknown_imports_allowing`]).
    pub unknown_imports: BTreeSet<String>,
    /// Every file's fail-closed scan errors.
    pub scan_errors: Vec<ScanError>,
    /// Symbolic links met while walking a directory: listed, never followed.
    pub skipped_symlinks: Vec<String>,
}

impl ModelScan {
    /// Whether the model must be treated as unsafe to load: pickle-based or not fully
    /// scanned.
    pub fn unsafe_format(&self) -> bool {
        self.pickle_based || !self.scan_errors.is_empty()
    }

    /// The first scan error, if any (the `scan_error` fact).
    pub fn scan_error(&self) -> Option<&ScanError> {
        self.scan_errors.first()
    }

    /// The unknown imports a model's `allow_imports` does not cover. Dangerous imports are
    /// never in this set; they stay in [`ModelScan::dangerous_imports`] whatever is allowed.
    pub fn unknown_imports_allowing(&self, allow: &AllowImports) -> BTreeSet<String> {
        self.unknown_imports
            .iter()
            .filter(|i| !allow.allows(i))
            .cloned()
            .collect()
    }

    /// The pickle-based format found (`pytorch`, `numpy`, `joblib`, `pickle`): the one of
    /// every pickle-based file when they agree, else [`PickleFormat::Pickle`]; None when no
    /// file is pickle-based.
    pub fn format(&self) -> Option<PickleFormat> {
        let mut formats = self.files.iter().filter_map(|f| f.format);
        let first = formats.next()?;
        Some(if formats.all(|f| f == first) {
            first
        } else {
            PickleFormat::Pickle
        })
    }
}

/// What one file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileScan {
    /// The file: as given for a single file, relative to the directory (with `/`) in a
    /// directory scan.
    pub path: String,
    /// What kind of file it is, found from its content. A [`Container::Zip`] without pickle
    /// members or [`Container::NotPickle`] is for other readers (safetensors, ONNX, Keras …).
    pub container: Container,
    /// The pickle-based format, when the file is pickle-based.
    pub format: Option<PickleFormat>,
    /// Whether loading the file the usual way may run a pickle (always true with a scan
    /// error).
    pub pickle_based: bool,
    /// Every import of its pickles ([`Import::name`]).
    pub imports: BTreeSet<String>,
    /// The dangerous ones, named by the object they reach.
    pub dangerous_imports: BTreeSet<String>,
    /// Those neither allowed by default nor dangerous.
    pub unknown_imports: BTreeSet<String>,
    /// Each import with its judgement, in the order found.
    pub import_details: Vec<Import>,
    /// Why the scan of this file fails closed; empty when it was followed to the end.
    pub scan_errors: Vec<ScanError>,
}

/// Content the scanner could not follow, where and why: a fail-closed fact (the file is
/// treated as pickle-based and unsafe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanError {
    /// The file, or `archive!/member`.
    pub path: String,
    /// The byte offset in that file or member, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// What the scanner could not follow (control characters escaped).
    pub reason: String,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}: byte {offset}: {}", self.path, self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

/// The kind of a model file, found from its content (not its name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Container {
    /// A pickle stream (one or more pickles; joblib dumps; legacy `torch.save`).
    Pickle {
        /// The first pickle's protocol (0-5).
        protocol: u8,
    },
    /// A zip archive (PyTorch `.pt`/`.bin`, `.npz`, `.keras` …).
    Zip {
        /// The members that hold pickles or could not be scanned, in archive order.
        pickle_members: Vec<String>,
    },
    /// A tar archive (legacy `torch.save`).
    Tar {
        /// The members that hold pickles or could not be scanned, in archive order.
        pickle_members: Vec<String>,
    },
    /// A NumPy `.npy` array; with an object dtype its data is a pickle.
    Npy {
        /// Whether the dtype holds Python objects (true when the header is not understood).
        object_dtype: bool,
    },
    /// A gzip or zlib stream (joblib's compressors), and what it holds.
    Compressed {
        /// `gzip` or `zlib`.
        compression: &'static str,
        /// The decompressed content.
        inner: Box<Container>,
    },
    /// Compressed or archived with something the scanner cannot open (bzip2, xz, lzma, lz4,
    /// zstandard, 7z, rar …); always a scan error.
    Unsupported {
        /// What it is.
        format: &'static str,
    },
    /// Not a pickle (safetensors, ONNX, JSON, raw weights …).
    NotPickle,
}

/// Limits that keep a hostile file from using unbounded time or memory. Each one reached is a
/// [`PickleError`] naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file scanned, in bytes (from metadata). Files are streamed, so this is a sanity
    /// bound, not a memory one.
    pub max_file_size: u64,
    /// Most opcodes walked in one file or member (all its pickles and passes together).
    pub max_opcodes: u64,
    /// Deepest symbolic stack (items and marks).
    pub max_stack: usize,
    /// Most memo entries in one pickle.
    pub max_memo: u64,
    /// Most bytes one scan may hold (estimated: stack, memo, tracked values, buffered frames,
    /// archive directories). Concurrent scans also share their [`MemoryBudget`].
    pub max_scan_memory: u64,
    /// Most members in a zip or tar archive.
    pub max_zip_members: usize,
    /// Most bytes one deflated zip member may inflate to while it is read.
    pub max_member_size: u64,
    /// Most bytes a gzip or zlib file may decompress to.
    pub max_decompressed: u64,
    /// Deepest nesting of archives and compressed streams.
    pub max_nesting: u32,
    /// Most files in a directory scan.
    pub max_dir_files: usize,
    /// Deepest directory nesting in a directory scan.
    pub max_dir_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 64 << 30,
            max_opcodes: 100_000_000,
            max_stack: 1_000_000,
            max_memo: 4_000_000,
            max_scan_memory: 512 << 20,
            max_zip_members: 100_000,
            max_member_size: 256 << 20,
            max_decompressed: 16 << 30,
            max_nesting: 4,
            max_dir_files: 100_000,
            max_dir_depth: 32,
        }
    }
}
