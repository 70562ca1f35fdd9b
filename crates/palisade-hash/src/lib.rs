//! blake3 and sha256 digests of files and model-style directories, and `palisade.lock`.
//!
//! A file is hashed as itself. A directory is hashed the way OpenSSF model signing (`files`
//! serialization) does it: every regular file under it, by its relative '/'-separated path, in
//! model_signing's order; the directory's digest for each algorithm is that algorithm over the
//! concatenated raw per-file digests. Symbolic links and special files inside a directory are
//! errors. Files are hashed in parallel, each in a single pass that feeds both hashers.
//!
//! ```no_run
//! use palisade_hash::{hash_path, HashOptions};
//! # fn main() -> Result<(), palisade_hash::HashError> {
//! let tree = hash_path("models/fraud-xgb".as_ref(), &HashOptions::default())?;
//! println!("{} bytes, blake3 {}", tree.root.size, tree.root.blake3_hex());
//! for file in &tree.files {
//!     println!("{}  {}", file.digests.sha256_hex(), file.path);
//! }
//! # Ok(())
//! # }
//! ```

mod digest;
mod error;
pub mod lock;
mod walk;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub use error::HashError;
pub use walk::{MAX_DEPTH, MAX_FILES};

/// The blake3 and sha256 digests of some bytes, and how many bytes there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// blake3 (32-byte output).
    pub blake3: [u8; 32],
    /// sha256.
    pub sha256: [u8; 32],
    /// Bytes hashed (for a directory: the total over its files).
    pub size: u64,
}

impl Digests {
    /// The blake3 digest as 64 lowercase hex digits.
    pub fn blake3_hex(&self) -> String {
        hex::encode(self.blake3)
    }

    /// The sha256 digest as 64 lowercase hex digits.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// How [`hash_path`] and [`hash_paths`] behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashOptions {
    /// Draw a progress bar (by bytes) on stderr. Only honoured when stderr is a terminal.
    pub progress: bool,
    /// Paths relative to a hashed directory to leave out, with everything under them (like
    /// model_signing's `ignore_paths`). Does not apply to a single file.
    pub ignore: Vec<String>,
}

impl Default for HashOptions {
    /// No progress bar; ignore the git files model_signing ignores by default.
    fn default() -> Self {
        HashOptions {
            progress: false,
            ignore: DEFAULT_IGNORE.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// The paths model_signing 1.1.1 ignores by default (`ignore_git_paths=True`).
pub const DEFAULT_IGNORE: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Whether a hashed path was a single file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeKind {
    /// A single regular file.
    File,
    /// A directory, hashed file by file.
    Directory,
}

/// One file's digests within a [`TreeDigests`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests {
    /// Relative to the hashed directory, '/'-separated; for a single file: its file name.
    pub path: String,
    /// The file's digests.
    pub digests: Digests,
}

/// The digests of a file or a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeDigests {
    /// File or directory.
    pub kind: TreeKind,
    /// For a file, its own digests. For a directory, per algorithm, that algorithm over the
    /// concatenated raw digests of `files` in order; `size` is the total.
    pub root: Digests,
    /// Every file hashed, in model_signing's order (path components compared one by one).
    pub files: Vec<FileDigests>,
}

impl TreeDigests {
    /// The digest model_signing 1.1.1 puts in its in-toto statement's subject: sha256 over the
    /// concatenated raw per-file digests of the given algorithm, whatever that algorithm is.
    /// For sha256 manifests it equals `root.sha256`; for blake3 manifests it does not equal
    /// `root.blake3` (which is blake3 over the blake3 digests).
    pub fn model_signing_subject(&self, algorithm: Algorithm) -> [u8; 32] {
        let mut sha = Sha256::new();
        for f in &self.files {
            sha.update(match algorithm {
                Algorithm::Blake3 => f.digests.blake3,
                Algorithm::Sha256 => f.digests.sha256,
            });
        }
        sha.finalize().into()
    }
}

/// A hash algorithm this crate computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// blake3.
    Blake3,
    /// sha256.
    Sha256,
}

/// Hashes one regular file (a symlink to one is followed; a fifo, socket or device is an error).
pub fn hash_file(path: &Path) -> Result<Digests, HashError> {
    digest::hash_regular_file(path, false, true, None)
}

/// Hashes a file or a directory (see the crate documentation for how a directory is hashed).
/// A symlink at `path` itself is followed: vetting it is the caller's job.
pub fn hash_path(path: &Path, opts: &HashOptions) -> Result<TreeDigests, HashError> {
    let mut trees = hash_paths(&[path.to_path_buf()], opts)?;
    trees.pop().ok_or_else(|| HashError::NotFound {
        // Unreachable: one path in gives one tree out; an error beats a panic all the same.
        path: path.to_path_buf(),
    })
}

/// Hashes several files or directories, all their files in parallel. The result is in the
/// order of `paths`. On failure, the error of the first failing file (in that order) is returned.
pub fn hash_paths(paths: &[PathBuf], opts: &HashOptions) -> Result<Vec<TreeDigests>, HashError> {
    hash_paths_with(paths, opts, None)
}

/// [`hash_paths`], with the per-file split between two threads forced on or off (benchmark).
fn hash_paths_with(
    paths: &[PathBuf],
    opts: &HashOptions,
    force_split: Option<bool>,
) -> Result<Vec<TreeDigests>, HashError> {
    let mut jobs = Vec::new();
    let mut kinds = Vec::with_capacity(paths.len());
    for (tree, path) in paths.iter().enumerate() {
        kinds.push(walk::list(tree, path, &opts.ignore, &mut jobs)?);
    }
    let progress = progress_bar(opts, jobs.iter().map(|j| j.size).sum());

    // Measured on 2 cores: splitting each large file's chunks between two threads beats one
    // thread per file, even with more large files than threads (work-stealing keeps both busy).
    let split = force_split.unwrap_or(true);
    // Biggest files first, so that one huge file does not start last and run alone.
    let mut schedule: Vec<usize> = (0..jobs.len()).collect();
    schedule.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let mut hashed: Vec<(usize, Result<Digests, HashError>)> = schedule
        .into_par_iter()
        .map(|i| {
            let job = &jobs[i];
            let result =
                digest::hash_regular_file(&job.abs, job.in_directory, split, progress.as_ref());
            (i, result)
        })
        .collect();
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    hashed.sort_by_key(|(i, _)| *i);

    let mut trees: Vec<TreeDigests> = kinds
        .into_iter()
        .map(|kind| TreeDigests {
            kind,
            root: Digests {
                blake3: [0; 32],
                sha256: [0; 32],
                size: 0,
            },
            files: Vec::new(),
        })
        .collect();
    for ((_, result), job) in hashed.into_iter().zip(jobs) {
        trees[job.tree].files.push(FileDigests {
            path: job.rel,
            digests: result?,
        });
    }
    for tree in &mut trees {
        tree.root = match (tree.kind, tree.files.as_slice()) {
            (TreeKind::File, [only]) => only.digests,
            _ => combine(&tree.files),
        };
    }
    Ok(trees)
}

/// Per algorithm, the algorithm over the concatenated raw per-file digests; sizes add up.
fn combine(files: &[FileDigests]) -> Digests {
    let mut b3 = blake3::Hasher::new();
    let mut sha = Sha256::new();
    let mut size = 0u64;
    for f in files {
        b3.update(&f.digests.blake3);
        sha.update(f.digests.sha256);
        size = size.saturating_add(f.digests.size);
    }
    Digests {
        blake3: *b3.finalize().as_bytes(),
        sha256: sha.finalize().into(),
        size,
    }
}

fn progress_bar(opts: &HashOptions, total: u64) -> Option<ProgressBar> {
    if !opts.progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "hashing {bar:40} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Internals exposed for the benchmark only; not a stable API.
#[doc(hidden)]
pub mod bench_support {
    use std::path::Path;

    use crate::{Digests, HashError, HashOptions, TreeDigests};

    /// `hash_path` with sha256 and blake3 of each chunk run on two threads (`split`) or one.
    pub fn hash_path_split(
        path: &Path,
        opts: &HashOptions,
        split: bool,
    ) -> Result<TreeDigests, HashError> {
        let mut trees = crate::hash_paths_with(&[path.to_path_buf()], opts, Some(split))?;
        trees.pop().ok_or_else(|| HashError::NotFound {
            path: path.to_path_buf(),
        })
    }

    /// The alternative strategy: blake3 memory-mapped on all cores, sha256 streamed alongside.
    pub fn hash_file_mmap_and_stream(path: &Path) -> Result<Digests, HashError> {
        crate::digest::hash_mmap_and_stream(path)
    }

    /// blake3 alone, the way b3sum does it (memory-mapped, all cores).
    pub fn blake3_only(path: &Path) -> Result<[u8; 32], HashError> {
        let mut h = blake3::Hasher::new();
        h.update_mmap_rayon(path)
            .map_err(|e| HashError::io(path, e))?;
        Ok(*h.finalize().as_bytes())
    }
}

#[cfg(test)]
mod tests;
