//! Hashing one regular file with blake3 and sha256 in a single pass over its bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use indicatif::ProgressBar;
use sha2::{Digest as _, Sha256};

use crate::{Digests, HashError, walk};

/// Read size. Large enough that syscall and `rayon::join` overhead vanish, small enough to stay
/// in L2/L3 cache while both hashers read it (measured: 1 MiB ≈ 256 KiB < 4 MiB for speed).
pub(crate) const CHUNK: usize = 256 << 10;

/// Files up to this size are read in one go and hashed on the calling thread; larger ones are
/// double-buffered so that sha256, blake3 and the next read overlap on two cores.
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

/// Hashes the regular file at `path` (see [`open`] for `in_directory`).
///
/// `split` runs sha256 and blake3 of each chunk on two threads (rayon work-stealing: if the other
/// thread is busy, both run here); `false` runs them one after the other.
pub(crate) fn hash_regular_file(
    path: &Path,
    in_directory: bool,
    split: bool,
    progress: Option<&ProgressBar>,
) -> Result<Digests, HashError> {
    let mut file = open(path, in_directory)?;
    let len = file.metadata().map_err(|e| HashError::io(path, e))?.len();
    let result = if len <= SMALL_FILE {
        hash_small(&mut file, len, progress)
    } else {
        hash_large(&mut file, split, progress)
    };
    result.map_err(|e| HashError::io(path, e))
}

fn hash_small(file: &mut File, len: u64, progress: Option<&ProgressBar>) -> io::Result<Digests> {
    // `len` is at most SMALL_FILE, so this allocation is bounded; a file that grew meanwhile is
    // still read to its end by `read_to_end`, but in a loop of bounded reads.
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut data)?;
    if let Some(bar) = progress {
        bar.inc(data.len() as u64);
    }
    Ok(Digests {
        blake3: *blake3::hash(&data).as_bytes(),
        sha256: Sha256::digest(&data).into(),
        size: data.len() as u64,
    })
}

/// One pass over the file: while sha256 digests the current chunk on one core, blake3 digests it
/// and the next chunk is read on the other. sha256 (even with SHA-NI) is the slower of the two,
/// so this runs at sha256 speed, reading every byte from disk once.
fn hash_large(file: &mut File, split: bool, progress: Option<&ProgressBar>) -> io::Result<Digests> {
    let mut sha = Sha256::new();
    let mut b3 = blake3::Hasher::new();
    let mut current = vec![0u8; CHUNK];
    let mut next = vec![0u8; CHUNK];
    let mut size: u64 = 0;
    let mut filled = read_full(file, &mut current)?;
    while filled > 0 {
        let chunk = &current[..filled];
        let read = if !split {
            sha.update(chunk);
            b3.update(chunk);
            read_full(file, &mut next)
        } else {
            let ((), read) = rayon::join(
                || sha.update(chunk),
                || {
                    b3.update(chunk);
                    read_full(file, &mut next)
                },
            );
            read
        };
        size += filled as u64;
        if let Some(bar) = progress {
            bar.inc(filled as u64);
        }
        filled = read?;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(Digests {
        blake3: *b3.finalize().as_bytes(),
        sha256: sha.finalize().into(),
        size,
    })
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

/// Alternative strategy kept for the benchmark: blake3 memory-maps the file itself (across all
/// cores) while sha256 streams it; both passes hit the page cache.
pub(crate) fn hash_mmap_and_stream(path: &Path) -> Result<Digests, HashError> {
    let mut file = open(path, false)?;
    let (b3, sha) = rayon::join(
        || {
            let mut h = blake3::Hasher::new();
            h.update_mmap_rayon(path).map(|h| *h.finalize().as_bytes())
        },
        || -> io::Result<([u8; 32], u64)> {
            let mut sha = Sha256::new();
            let mut buf = vec![0u8; CHUNK];
            let mut size = 0u64;
            loop {
                let n = read_full(&mut file, &mut buf)?;
                if n == 0 {
                    break;
                }
                sha.update(&buf[..n]);
                size += n as u64;
            }
            Ok((sha.finalize().into(), size))
        },
    );
    let blake3 = b3.map_err(|e| HashError::io(path, e))?;
    let (sha256, size) = sha.map_err(|e| HashError::io(path, e))?;
    Ok(Digests {
        blake3,
        sha256,
        size,
    })
}
