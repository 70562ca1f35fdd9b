//! blake3 and sha256 digests of files and model-style directories, and `palisade.lock`.
//!
//! A file is hashed as itself. A directory is hashed the way OpenSSF model signing (`files`
//! serialization) does it: every regular file under it, by its relative '/'-separated path, in
//! model_signing's order; the directory's digest for each algorithm is that algorithm over the
//! concatenated raw per-file digests. Symbolic links and special files inside a directory are
//! errors.
//!
//! The caller says which digests it needs ([`Algorithms`]): blake3 (the lock's integrity pin,
//! the fastest), sha256 (what signatures and provenance name), or both. Each file is read once
//! whatever is asked for, and files are hashed in parallel. blake3 alone splits a large file
//! into BLAKE3 subtrees that the threads hash from their own reads (as fast as `b3sum`); with
//! sha256, a large file's chunks are double-buffered so that the digests and the next read
//! share the threads (sha256 is sequential: one file runs at the speed of one core's SHA-NI).
//!
//! ```no_run
//! use palisade_hash::{hash_path, Algorithm, Algorithms, HashOptions};
//! # fn main() -> Result<(), palisade_hash::HashError> {
//! let opts = HashOptions::with_algorithms(Algorithms::Sha256);
//! let tree = hash_path("models/fraud-xgb".as_ref(), &opts)?;
//! // The subject digest model_signing signs for this folder.
//! let subject = tree.root.sha256_hex().unwrap_or_default();
//! println!("{} bytes, sha256 {subject}", tree.root.size);
//! for file in &tree.files {
//!     let digest = file.digests.hex(Algorithm::Sha256).unwrap_or_default();
//!     println!("{digest}  {}", file.path);
//! }
//! # Ok(())
//! # }
//! ```

mod digest;
pub mod dvc;
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

/// Which digests to compute: blake3, sha256 or both. Never none, so a caller cannot ask for a
/// hash that pins nothing.
///
/// Each digest costs a full pass of the CPU over the bytes (the file is read once whatever is
/// asked for): on two cores, sha256 takes about twice as long as blake3, so a caller that does
/// not need sha256 should not ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithms {
    /// blake3 only (what `palisade.lock` pins; see [`lock::PINNED`]).
    Blake3,
    /// sha256 only (what signature and provenance subjects name).
    Sha256,
    /// Both, in one read of each file.
    #[default]
    Both,
}

impl Algorithms {
    /// Whether `algorithm` is among these.
    pub fn contains(self, algorithm: Algorithm) -> bool {
        matches!(
            (self, algorithm),
            (Algorithms::Both, _)
                | (Algorithms::Blake3, Algorithm::Blake3)
                | (Algorithms::Sha256, Algorithm::Sha256)
        )
    }

    /// These and `algorithm` too.
    #[must_use]
    pub fn with(self, algorithm: Algorithm) -> Algorithms {
        self.union(Algorithms::from(algorithm))
    }

    /// Every algorithm in either set.
    #[must_use]
    pub fn union(self, other: Algorithms) -> Algorithms {
        if self == other {
            self
        } else {
            Algorithms::Both
        }
    }

    /// The set of the algorithms whose flag is true (`None` when neither is).
    pub fn from_flags(blake3: bool, sha256: bool) -> Option<Algorithms> {
        match (blake3, sha256) {
            (true, true) => Some(Algorithms::Both),
            (true, false) => Some(Algorithms::Blake3),
            (false, true) => Some(Algorithms::Sha256),
            (false, false) => None,
        }
    }
}

impl From<Algorithm> for Algorithms {
    fn from(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Blake3 => Algorithms::Blake3,
            Algorithm::Sha256 => Algorithms::Sha256,
        }
    }
}

/// The digests of some bytes that were asked for (the others are `None`), and how many bytes
/// there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// blake3 (32-byte output), if it was computed.
    pub blake3: Option<[u8; 32]>,
    /// sha256, if it was computed.
    pub sha256: Option<[u8; 32]>,
    /// Bytes hashed (for a directory: the total over its files).
    pub size: u64,
}

impl Digests {
    /// The digest of `algorithm`, if it was computed.
    pub fn get(&self, algorithm: Algorithm) -> Option<[u8; 32]> {
        match algorithm {
            Algorithm::Blake3 => self.blake3,
            Algorithm::Sha256 => self.sha256,
        }
    }

    /// The digest of `algorithm` as 64 lowercase hex digits, if it was computed.
    pub fn hex(&self, algorithm: Algorithm) -> Option<String> {
        self.get(algorithm).map(hex::encode)
    }

    /// The blake3 digest as 64 lowercase hex digits, if it was computed.
    pub fn blake3_hex(&self) -> Option<String> {
        self.hex(Algorithm::Blake3)
    }

    /// The sha256 digest as 64 lowercase hex digits, if it was computed.
    pub fn sha256_hex(&self) -> Option<String> {
        self.hex(Algorithm::Sha256)
    }

    /// Which digests were computed (`None` when neither was).
    pub fn algorithms(&self) -> Option<Algorithms> {
        Algorithms::from_flags(self.blake3.is_some(), self.sha256.is_some())
    }
}

/// How [`hash_path`] and [`hash_paths`] behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashOptions {
    /// Which digests to compute (default: both).
    pub algorithms: Algorithms,
    /// Draw a progress bar (by bytes) on stderr. Only honoured when stderr is a terminal.
    pub progress: bool,
    /// Paths relative to a hashed directory to leave out, with everything under them (like
    /// model_signing's `ignore_paths`). Does not apply to a single file.
    pub ignore: Vec<String>,
    /// An artifact's explicit `ignore = [...]` globs (see [`palisade_core::ignore`]): matching
    /// entries under a hashed directory are left out, folders with everything under them. Does
    /// not apply to a single file. Empty by default.
    pub exclude: palisade_core::ignore::IgnoreList,
}

impl Default for HashOptions {
    /// Both digests, no progress bar; ignore the git files model_signing ignores by default.
    fn default() -> Self {
        HashOptions {
            algorithms: Algorithms::Both,
            progress: false,
            ignore: DEFAULT_IGNORE.iter().map(|s| (*s).to_owned()).collect(),
            exclude: palisade_core::ignore::IgnoreList::default(),
        }
    }
}

impl HashOptions {
    /// The default options, computing only `algorithms`.
    pub fn with_algorithms(algorithms: Algorithms) -> Self {
        HashOptions {
            algorithms,
            ..HashOptions::default()
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
    /// Which digests were computed: those of `root` and of every file.
    pub algorithms: Algorithms,
    /// For a file, its own digests. For a directory, per algorithm computed, that algorithm
    /// over the concatenated raw digests of `files` in order; `size` is the total. For sha256
    /// this is the subject digest model_signing signs.
    pub root: Digests,
    /// Every file hashed, in model_signing's order (path components compared one by one).
    pub files: Vec<FileDigests>,
}

impl TreeDigests {
    /// The digest model_signing 1.1.1 puts in its in-toto statement's subject: sha256 over the
    /// concatenated raw per-file digests of the given algorithm, whatever that algorithm is.
    /// For sha256 manifests it equals `root.sha256`; for blake3 manifests it does not equal
    /// `root.blake3` (which is blake3 over the blake3 digests). `None` when `algorithm` was not
    /// computed.
    pub fn model_signing_subject(&self, algorithm: Algorithm) -> Option<[u8; 32]> {
        let mut sha = Sha256::new();
        for f in &self.files {
            sha.update(f.digests.get(algorithm)?);
        }
        self.algorithms
            .contains(algorithm)
            .then(|| sha.finalize().into())
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

impl Algorithm {
    /// The name used in lock files, model-signing manifests and in-toto digest sets.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Blake3 => "blake3",
            Algorithm::Sha256 => "sha256",
        }
    }
}

/// Hashes one regular file (a symlink to one is followed; a fifo, socket or device is an error).
pub fn hash_file(path: &Path, algorithms: Algorithms) -> Result<Digests, HashError> {
    digest::hash_regular_file(path, false, algorithms, &digest::Tuning::default(), None)
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
    hash_paths_tuned(paths, opts, &digest::Tuning::default())
}

fn hash_paths_tuned(
    paths: &[PathBuf],
    opts: &HashOptions,
    tuning: &digest::Tuning,
) -> Result<Vec<TreeDigests>, HashError> {
    let mut jobs = Vec::new();
    let mut kinds = Vec::with_capacity(paths.len());
    for (tree, path) in paths.iter().enumerate() {
        kinds.push(walk::list(
            tree,
            path,
            &opts.ignore,
            &opts.exclude,
            &mut jobs,
        )?);
    }
    let progress = progress_bar(opts, jobs.iter().map(|j| j.size).sum());

    // Biggest files first, so that one huge file does not start last and run alone. Within a
    // file, the digests and the next read run on whichever thread is free (see `digest`).
    let mut schedule: Vec<usize> = (0..jobs.len()).collect();
    schedule.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let mut hashed: Vec<(usize, Result<Digests, HashError>)> = schedule
        .into_par_iter()
        .map(|i| {
            let job = &jobs[i];
            let result = digest::hash_regular_file(
                &job.abs,
                job.in_directory,
                opts.algorithms,
                tuning,
                progress.as_ref(),
            );
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
            algorithms: opts.algorithms,
            root: Digests {
                blake3: None,
                sha256: None,
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
            _ => combine(&tree.files, tree.algorithms),
        };
    }
    Ok(trees)
}

/// Per algorithm asked for, the algorithm over the concatenated raw per-file digests; sizes add
/// up.
fn combine(files: &[FileDigests], algorithms: Algorithms) -> Digests {
    let mut b3 = algorithms
        .contains(Algorithm::Blake3)
        .then(blake3::Hasher::new);
    let mut sha = algorithms.contains(Algorithm::Sha256).then(Sha256::new);
    let mut size = 0u64;
    for f in files {
        if let (Some(h), Some(d)) = (&mut b3, f.digests.blake3) {
            h.update(&d);
        }
        if let (Some(h), Some(d)) = (&mut sha, f.digests.sha256) {
            h.update(d);
        }
        size = size.saturating_add(f.digests.size);
    }
    Digests {
        blake3: b3.map(|h| *h.finalize().as_bytes()),
        sha256: sha.map(|h| h.finalize().into()),
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
    use std::path::{Path, PathBuf};

    use crate::{HashError, HashOptions, TreeDigests};

    pub use crate::digest::Tuning;

    /// [`crate::hash_paths`] with the chunk size and thread split chosen by the caller.
    pub fn hash_paths_tuned(
        paths: &[PathBuf],
        opts: &HashOptions,
        tuning: &Tuning,
    ) -> Result<Vec<TreeDigests>, HashError> {
        crate::hash_paths_tuned(paths, opts, tuning)
    }

    /// [`crate::hash_path`] with the chunk size and thread split chosen by the caller.
    pub fn hash_path_tuned(
        path: &Path,
        opts: &HashOptions,
        tuning: &Tuning,
    ) -> Result<TreeDigests, HashError> {
        let mut trees = crate::hash_paths_tuned(&[path.to_path_buf()], opts, tuning)?;
        trees.pop().ok_or_else(|| HashError::NotFound {
            path: path.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests;
