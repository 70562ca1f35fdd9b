//! Static scanner for pickle-based model files (`.pkl`, `.pt`/`.bin` PyTorch archives,
//! `.joblib`, `.npy` with objects …): lists every import a pickle would perform and flags the
//! dangerous ones (`posix.system`, `builtins.eval` …). Nothing is ever loaded or executed: the
//! opcode stream is walked, arguments are skipped, and only strings are tracked.
//!
//! The input is untrusted: file size, opcodes, stack, memo, zip members and inflated bytes are
//! limited ([`Limits`]), and truncated or garbage input is a [`PickleError`] with the file, the
//! byte offset and the reason.
//!
//! ```
//! // protocol 0: `cposix\nsystem\n(S'echo hi'\ntR.` calls os.system when unpickled.
//! let scan = palisade_pickle::scan_bytes(b"cposix\nsystem\n(S'echo hi'\ntR.", "evil.pkl").unwrap();
//! assert!(scan.pickle_based);
//! assert_eq!(scan.dangerous_imports.iter().collect::<Vec<_>>(), ["posix.system"]);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod deny;
mod error;
mod npy;
mod opcodes;
mod scan;

use std::collections::BTreeSet;

use serde::Serialize;

pub use deny::{UNKNOWN_IMPORT, is_dangerous, why_dangerous};
pub use error::PickleError;
pub use scan::{is_pickle_extension, scan_bytes, scan_bytes_with, scan_path, scan_path_with};

/// What a scan of a file or a directory found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelScan {
    /// Every regular file scanned, sorted by path.
    pub files: Vec<FileScan>,
    /// Whether any file is (or contains) a pickle: the model's `unsafe_format`.
    pub pickle_based: bool,
    /// Union of the files' imports.
    pub imports: BTreeSet<String>,
    /// Union of the files' dangerous imports: the model's `dangerous_imports`.
    pub dangerous_imports: BTreeSet<String>,
    /// Symbolic links met while walking a directory: listed, never followed.
    pub skipped_symlinks: Vec<String>,
}

/// What one file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileScan {
    /// The file: as given for a single file, relative to the directory (with `/`) in a
    /// directory scan.
    pub path: String,
    /// What kind of file it is.
    pub container: Container,
    /// Every import of its pickles, as `module.name` spelt as in the pickle.
    pub imports: BTreeSet<String>,
    /// The imports on the deny list (see [`is_dangerous`]).
    pub dangerous_imports: BTreeSet<String>,
}

/// The kind of a model file, found from its content (not its name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Container {
    /// A raw pickle stream (one or more concatenated pickles; legacy `torch.save`).
    Pickle {
        /// The first pickle's protocol (0–5).
        protocol: u8,
    },
    /// A zip archive (PyTorch `.pt`/`.bin`, `.npz`); pickles are its `*.pkl` members and its
    /// object-dtype `*.npy` members.
    Zip {
        /// The members that hold pickles, in archive order.
        pickle_members: Vec<String>,
    },
    /// A NumPy `.npy` array; with an object dtype its data is a pickle.
    Npy {
        /// Whether the dtype holds Python objects (the data is then a pickle).
        object_dtype: bool,
    },
    /// Not a pickle (safetensors, ONNX, JSON, raw weights …).
    NotPickle,
}

impl Container {
    /// Whether loading this file the usual way runs a pickle.
    pub fn is_pickle_based(&self) -> bool {
        match self {
            Container::Pickle { .. } => true,
            Container::Zip { pickle_members } => !pickle_members.is_empty(),
            Container::Npy { object_dtype } => *object_dtype,
            Container::NotPickle => false,
        }
    }
}

/// Limits that keep a hostile file from using unbounded time or memory. Each one reached is a
/// [`PickleError`] naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file scanned, in bytes (from metadata). Raw pickles are streamed, so this is a
    /// sanity bound, not a memory one.
    pub max_file_size: u64,
    /// Most opcodes walked in one file or member.
    pub max_opcodes: u64,
    /// Deepest symbolic stack.
    pub max_stack: usize,
    /// Most memo entries in one pickle.
    pub max_memo: u64,
    /// Bytes of strings kept in the memo (past it, strings are forgotten and resolve as
    /// unknown, failing closed).
    pub max_memo_bytes: usize,
    /// Longest text argument (protocol 0 lines such as GLOBAL's module name).
    pub max_line: usize,
    /// Most members in a zip archive.
    pub max_zip_members: usize,
    /// Most bytes one pickle member may inflate to.
    pub max_member_size: u64,
    /// Most bytes all pickle members of one archive may inflate to.
    pub max_zip_total: u64,
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
            max_memo_bytes: 64 << 20,
            max_line: 64 << 10,
            max_zip_members: 100_000,
            max_member_size: 256 << 20,
            max_zip_total: 1 << 30,
            max_dir_files: 100_000,
            max_dir_depth: 32,
        }
    }
}
