//! Errors of hashing files and directories.

use std::io;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

/// Why a file or directory could not be hashed. Every variant names the offending path.
#[derive(Debug, Error, Diagnostic)]
pub enum HashError {
    /// The path does not exist.
    #[error("{}: not found", path.display())]
    #[diagnostic(code(palisade::hash::not_found))]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },

    /// The operating system refused to open or list the path.
    #[error("{}: permission denied", path.display())]
    #[diagnostic(code(palisade::hash::permission_denied))]
    PermissionDenied {
        /// The path that could not be read.
        path: PathBuf,
    },

    /// A symbolic link inside a hashed directory (model signing refuses them too, since the
    /// link's target is outside what the digest describes).
    #[error("{}: is a symbolic link inside a hashed directory", path.display())]
    #[diagnostic(
        code(palisade::hash::symlink),
        help("replace the link with the file it points to, or move it out of the directory")
    )]
    Symlink {
        /// The link.
        path: PathBuf,
    },

    /// A fifo, socket or device: reading it could block forever or never end.
    #[error("{}: is a {kind}, not a regular file or directory", path.display())]
    #[diagnostic(code(palisade::hash::not_regular_file))]
    NotRegularFile {
        /// The special file.
        path: PathBuf,
        /// What it is instead ("fifo", "socket", "block device", …).
        kind: &'static str,
    },

    /// A file or directory name that is not valid UTF-8 cannot be written into a lock file or a
    /// model-signing manifest unambiguously.
    #[error("{}: file name is not valid UTF-8", path.display())]
    #[diagnostic(code(palisade::hash::non_utf8_name))]
    NonUtf8Name {
        /// The path whose last component is not UTF-8.
        path: PathBuf,
    },

    /// The directory holds more files than the limit.
    #[error("{}: holds more than {limit} files", path.display())]
    #[diagnostic(code(palisade::hash::too_many_files))]
    TooManyFiles {
        /// The directory being hashed.
        path: PathBuf,
        /// The limit that was reached.
        limit: usize,
    },

    /// Directories nested deeper than the limit.
    #[error("{}: directories nested deeper than {limit} levels", path.display())]
    #[diagnostic(code(palisade::hash::too_deep))]
    TooDeep {
        /// The directory that is too deep.
        path: PathBuf,
        /// The limit that was reached.
        limit: usize,
    },

    /// Any other input/output error.
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(palisade::hash::io))]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl HashError {
    /// Maps an I/O error on `path` to the most specific variant.
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => HashError::NotFound { path },
            io::ErrorKind::PermissionDenied => HashError::PermissionDenied { path },
            _ => HashError::Io { path, source },
        }
    }

    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            HashError::NotFound { path }
            | HashError::PermissionDenied { path }
            | HashError::Symlink { path }
            | HashError::NotRegularFile { path, .. }
            | HashError::NonUtf8Name { path }
            | HashError::TooManyFiles { path, .. }
            | HashError::TooDeep { path, .. }
            | HashError::Io { path, .. } => path,
        }
    }
}
