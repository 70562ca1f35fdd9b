//! Hashing one regular file with blake3, sha256 or both, in a single pass over its bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use indicatif::ProgressBar;
use sha2::{Digest as _, Sha256};

use crate::{Algorithm, Algorithms, Digests, HashError, walk};

/// Read size. Large enough that syscall and `rayon::join` overhead vanish, small enough to stay
/// in L2/L3 cache while both hashers read it (measured: 1 MiB ≈ 256 KiB < 4 MiB for speed).
pub(crate) const CHUNK: usize = 256 << 10;

/// Files up to this size are read in one go and hashed on the calling thread; larger ones are
/// double-buffered so that the hashing and the next read overlap on two cores.
pub(crate) const SMALL_FILE: u64 = 256 * 1024;

/// Opens `path` for reading without ever blocking (a fifo swapped in after listing would
/// otherwise hang `open`) and, inside a directory, without following a symlink swapped in.
pub(crate) fn open(path: &Path, in_directory: bool) -> Result<File, HashError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if in_directory {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if in_directory && e.raw_os_error() == Some(libc::ELOOP) {
            return HashError::Symlink {
                path: path.to_path_buf(),
            };
        }
        HashError::io(path, e)
    })?;
    // Re-check on the open file: the listing may be stale.
    let meta = file.metadata().map_err(|e| HashError::io(path, e))?;
    if !meta.is_file() {
        return Err(HashError::NotRegularFile {
            path: path.to_path_buf(),
            kind: walk::describe(&meta.file_type()),
        });
    }
    Ok(file)
}

/// How large files are read and how their hashing is spread over threads. Only the benchmark
/// changes it; the defaults are what measured fastest (see `benches/hash.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// Bytes per read of a large file (two buffers of this size are held per file).
    pub chunk: usize,
    /// With both digests: run sha256 and blake3 of a chunk as two rayon tasks (a free thread
    /// takes one) rather than one after the other.
    pub split: bool,
    /// blake3 of a chunk with `update_rayon` (its tree spread over free threads) rather than
    /// the single-threaded `update`.
    pub blake3_rayon: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            chunk: CHUNK,
            split: true,
            blake3_rayon: true,
        }
    }
}

/// Hashes the regular file at `path` (see [`open`] for `in_directory`) with `algorithms`.
pub(crate) fn hash_regular_file(
    path: &Path,
    in_directory: bool,
    algorithms: Algorithms,
    tuning: &Tuning,
    progress: Option<&ProgressBar>,
) -> Result<Digests, HashError> {
    let mut file = open(path, in_directory)?;
    let len = file.metadata().map_err(|e| HashError::io(path, e))?.len();
    let result = if len <= SMALL_FILE {
        hash_small(&mut file, len, algorithms, progress)
    } else {
        hash_large(&mut file, algorithms, tuning, progress)
    };
    result.map_err(|e| HashError::io(path, e))
}

fn hash_small(
    file: &mut File,
    len: u64,
    algorithms: Algorithms,
    progress: Option<&ProgressBar>,
) -> io::Result<Digests> {
    // `len` is at most SMALL_FILE, so this allocation is bounded; a file that grew meanwhile is
    // still read to its end by `read_to_end`, but in a loop of bounded reads.
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut data)?;
    if let Some(bar) = progress {
        bar.inc(data.len() as u64);
    }
    Ok(Digests {
        blake3: algorithms
            .contains(Algorithm::Blake3)
            .then(|| *blake3::hash(&data).as_bytes()),
        sha256: algorithms
            .contains(Algorithm::Sha256)
            .then(|| Sha256::digest(&data).into()),
        size: data.len() as u64,
    })
}

/// One pass over the file, double-buffered: while the current chunk is hashed, the next one is
/// read, as a second rayon task that a free thread (or this one, afterwards) runs.
///
/// With both digests, sha256 and blake3 of the chunk are two tasks as well: sha256 (even with
/// SHA-NI) is the slower, so one file runs at sha256 speed on one thread while the other thread
/// does blake3 and the reads, or hashes other files. blake3 alone spreads each chunk over the
/// threads with `update_rayon`, so even a single file uses every core, as `b3sum` does.
fn hash_large(
    file: &mut File,
    algorithms: Algorithms,
    tuning: &Tuning,
    progress: Option<&ProgressBar>,
) -> io::Result<Digests> {
    let b3_update = |h: &mut blake3::Hasher, chunk: &[u8]| {
        if tuning.blake3_rayon {
            h.update_rayon(chunk);
        } else {
            h.update(chunk);
        }
    };
    let chunk = tuning.chunk.max(4096);
    match algorithms {
        Algorithms::Blake3 => {
            let mut b3 = blake3::Hasher::new();
            let size = stream(file, chunk, progress, |data, read_next| {
                rayon::join(|| b3_update(&mut b3, data), read_next).1
            })?;
            Ok(Digests {
                blake3: Some(*b3.finalize().as_bytes()),
                sha256: None,
                size,
            })
        }
        Algorithms::Sha256 => {
            let mut sha = Sha256::new();
            let size = stream(file, chunk, progress, |data, read_next| {
                rayon::join(|| sha.update(data), read_next).1
            })?;
            Ok(Digests {
                blake3: None,
                sha256: Some(sha.finalize().into()),
                size,
            })
        }
        Algorithms::Both => {
            let mut sha = Sha256::new();
            let mut b3 = blake3::Hasher::new();
            let size = stream(file, chunk, progress, |data, read_next| {
                if tuning.split {
                    rayon::join(
                        || sha.update(data),
                        || {
                            b3_update(&mut b3, data);
                            read_next()
                        },
                    )
                    .1
                } else {
                    sha.update(data);
                    b3_update(&mut b3, data);
                    read_next()
                }
            })?;
            Ok(Digests {
                blake3: Some(*b3.finalize().as_bytes()),
                sha256: Some(sha.finalize().into()),
                size,
            })
        }
    }
}

/// A function that reads the next chunk and says how many bytes it holds (0 at the end).
type ReadNext<'a> = &'a mut (dyn FnMut() -> io::Result<usize> + Send);

/// Reads `file` to its end in chunks of `chunk` bytes, two buffers in turn. `step` is given the
/// current chunk and the function that reads the next one into the other buffer; it hashes the
/// chunk, calls that function (possibly on another thread, meanwhile) and returns its result.
/// Returns how many bytes were read.
fn stream(
    file: &mut File,
    chunk: usize,
    progress: Option<&ProgressBar>,
    mut step: impl FnMut(&[u8], ReadNext<'_>) -> io::Result<usize>,
) -> io::Result<u64> {
    let mut current = vec![0u8; chunk];
    let mut next = vec![0u8; chunk];
    let mut size: u64 = 0;
    let mut filled = read_full(file, &mut current)?;
    while filled > 0 {
        let mut read_next = || read_full(file, &mut next);
        let read = step(&current[..filled], &mut read_next);
        size += filled as u64;
        if let Some(bar) = progress {
            bar.inc(filled as u64);
        }
        filled = read?;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(size)
}

/// Fills `buf` unless the file ends first; returns how many bytes were read.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
