//! The one way palisade opens an input file: [`Folder::read`].
//!
//! Every file a pipeline names (evidence, keys, policies, the lock, guardrail configuration)
//! is read through a [`Folder`], the pipeline's folder. A read:
//! - refuses a path that leads outside the folder, through `..` or a symbolic link, unless the
//!   folder was opened with `allow_outside` (the `--allow-outside` flag): the check is made on
//!   the canonical path right before opening, so a link swapped in after the pipeline was
//!   loaded is caught too;
//! - opens without blocking and without following a final symbolic link, and refuses anything
//!   that is not a regular file (a FIFO or a device is an error at once, not a hang);
//! - refuses a file over the size limit by its metadata, and stops reading one byte past the
//!   limit in case it grows meanwhile.
//!
//! The errors never quote the file's content: a file palisade was not allowed to read can
//! never leak into a diagnostic.

use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    /// It does not exist.
    #[error("{file}: not found")]
    #[diagnostic(code(palisade::read::not_found))]
    NotFound {
        /// The file as written.
        file: String,
    },
    /// It leads outside the pipeline's folder.
    #[error("{file}: leads outside the pipeline's folder (to {target})")]
    #[diagnostic(
        code(palisade::read::outside),
        help(
            "keep every file inside the pipeline's folder, or pass --allow-outside if reading outside it is intended"
        )
    )]
    Outside {
        /// The file as written.
        file: String,
        /// Where it leads.
        target: String,
    },
    /// A directory, FIFO, socket or device.
    #[error("{file}: is a {kind}, not a regular file")]
    #[diagnostic(code(palisade::read::not_a_file))]
    NotRegular {
        /// The file as written.
        file: String,
        /// What it is.
        kind: &'static str,
    },
    /// Over the limit for this kind of input.
    #[error("{file}: {size} bytes is more than the {limit}-byte limit for {what}")]
    #[diagnostic(code(palisade::read::too_large))]
    TooLarge {
        /// The file as written.
        file: String,
        /// Its size (or the bytes read before stopping).
        size: u64,
        /// The limit.
        limit: u64,
        /// What kind of input it is.
        what: String,
    },
    /// Any other failure of the operating system.
    #[error("{file}: cannot read: {reason}")]
    #[diagnostic(code(palisade::read::io))]
    Io {
        /// The file as written.
        file: String,
        /// What the operating system said.
        reason: String,
    },
}

impl ReadError {
    /// The file as written.
    pub fn file(&self) -> &str {
        match self {
            ReadError::NotFound { file }
            | ReadError::Outside { file, .. }
            | ReadError::NotRegular { file, .. }
            | ReadError::TooLarge { file, .. }
            | ReadError::Io { file, .. } => file,
        }
    }
}

/// The folder every input is read from (the pipeline's folder).
#[derive(Debug, Clone)]
pub struct Folder {
    /// Canonical path of the folder.
    base: PathBuf,
    /// `--allow-outside`.
    allow_outside: bool,
}

impl Folder {
    /// The folder at `base`; with `allow_outside`, reads may leave it.
    pub fn new(base: &Path, allow_outside: bool) -> Self {
        Folder {
            base: base.canonicalize().unwrap_or_else(|_| base.to_path_buf()),
            allow_outside,
        }
    }

    /// The folder's canonical path.
    pub fn path(&self) -> &Path {
        &self.base
    }

    /// Whether reads may leave the folder.
    pub fn allows_outside(&self) -> bool {
        self.allow_outside
    }

    /// Checks that `path` stays inside the folder (after resolving every symbolic link) and
    /// returns its canonical form. `written` names it in errors.
    pub fn confine(&self, path: &Path, written: &str) -> Result<PathBuf, ReadError> {
        let canonical = path.canonicalize().map_err(|e| io_error(written, &e))?;
        if !self.allow_outside && !canonical.starts_with(&self.base) {
            return Err(ReadError::Outside {
                file: written.to_owned(),
                target: canonical.display().to_string(),
            });
        }
        Ok(canonical)
    }

    /// Reads the regular file at `path` (`written` names it in errors, `what` says what kind
    /// of input it is), at most `limit` bytes. See the module docs for every check.
    pub fn read(
        &self,
        path: &Path,
        written: &str,
        what: &str,
        limit: u64,
    ) -> Result<Vec<u8>, ReadError> {
        let canonical = self.confine(path, written)?;
        read_regular(&canonical, written, what, limit)
    }

    /// [`Folder::read`], as UTF-8 text.
    pub fn read_to_string(
        &self,
        path: &Path,
        written: &str,
        what: &str,
        limit: u64,
    ) -> Result<String, ReadError> {
        let bytes = self.read(path, written, what, limit)?;
        String::from_utf8(bytes).map_err(|e| ReadError::Io {
            file: written.to_owned(),
            reason: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })
    }
}

/// Reads a regular file given on the command line (no folder to stay inside), with the same
/// checks otherwise: no blocking open, regular files only, the size limit.
pub fn read_regular(
    path: &Path,
    written: &str,
    what: &str,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path, written)?;
    let meta = file.metadata().map_err(|e| io_error(written, &e))?;
    let too_large = |size: u64| ReadError::TooLarge {
        file: written.to_owned(),
        size,
        limit,
        what: what.to_owned(),
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(written, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Opens a regular file for reading without blocking (a FIFO would otherwise hang `open`) and
/// without following a final symbolic link; anything but a regular file is an error.
pub fn open_regular(path: &Path, written: &str) -> Result<File, ReadError> {
    // Refuse by type before opening: opening a device can have effects.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(ReadError::NotRegular {
            file: written.to_owned(),
            kind: kind_of(&meta),
        });
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| io_error(written, &e))?;
    // Check the open file itself: the path may have changed since.
    let meta = file.metadata().map_err(|e| io_error(written, &e))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular {
            file: written.to_owned(),
            kind: kind_of(&meta),
        });
    }
    Ok(file)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let ty = meta.file_type();
    if ty.is_dir() {
        return "directory";
    }
    if ty.is_symlink() {
        return "symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "FIFO";
        }
        if ty.is_socket() {
            return "socket";
        }
        if ty.is_block_device() || ty.is_char_device() {
            return "device";
        }
    }
    "special file"
}

fn io_error(written: &str, e: &std::io::Error) -> ReadError {
    if e.kind() == std::io::ErrorKind::NotFound {
        return ReadError::NotFound {
            file: written.to_owned(),
        };
    }
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return ReadError::NotRegular {
            file: written.to_owned(),
            kind: "symbolic link",
        };
    }
    ReadError::Io {
        file: written.to_owned(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.txt"), "hello").unwrap();
        std::fs::write(outside.path().join("secret.txt"), "root:x:0:0").unwrap();
        let folder = Folder::new(dir.path(), false);
        let read = |name: &str| folder.read(&dir.path().join(name), name, "a test file", 10);
        assert_eq!(read("in.txt").unwrap(), b"hello");
        assert!(matches!(read("missing"), Err(ReadError::NotFound { .. })));
        std::fs::write(dir.path().join("big"), vec![b'x'; 11]).unwrap();
        assert!(matches!(
            read("big"),
            Err(ReadError::TooLarge { size: 11, .. })
        ));
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(matches!(
            read("sub"),
            Err(ReadError::NotRegular {
                kind: "directory",
                ..
            })
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link"))
                .unwrap();
            let error = read("link").unwrap_err();
            assert!(matches!(error, ReadError::Outside { .. }), "{error:?}");
            assert!(!error.to_string().contains("root:x"));
            // Inside-pointing links are fine.
            std::os::unix::fs::symlink(dir.path().join("in.txt"), dir.path().join("alias"))
                .unwrap();
            assert_eq!(read("alias").unwrap(), b"hello");
            // With --allow-outside, the outside file reads.
            let open = Folder::new(dir.path(), true);
            assert_eq!(
                open.read(&dir.path().join("link"), "link", "x", 100)
                    .unwrap(),
                b"root:x:0:0"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo not available");
            return;
        }
        let folder = Folder::new(dir.path(), false);
        let error = folder.read(&fifo, "fifo", "x", 10).unwrap_err();
        assert!(
            matches!(error, ReadError::NotRegular { kind: "FIFO", .. }),
            "{error:?}"
        );
    }
}
