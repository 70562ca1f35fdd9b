//! Hashing one regular file with blake3, sha256 or both, in a single pass over its bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use indicatif::ProgressBar;
use sha2::{Digest as _, Sha256};

use crate::{Algorithm, Algorithms, Digests, HashError, walk};

/// Read size. Large enough that syscall and `rayon::join` overhead vanish, small enough to stay
/// in cache while both hashers read it. Measured in CPU time per GiB on 2 cores (the `tuning`
/// section of the bench): 1 MiB is lowest for every selection; 64 KiB costs twice as much,
/// 256 KiB 5-15 % more, 4 MiB about the same or a little more.
pub(crate) const CHUNK: usize = 1 << 20;

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

/// blake3 alone: a large file's BLAKE3 tree is cut into subtrees of at most this many bytes,
/// each hashed by whichever thread is free, reading its own byte range.
pub(crate) const BLAKE3_LEAF: u64 = 8 << 20;

/// How large files are read and how their hashing is spread over threads. Only the benchmark
/// changes it; the defaults are what measured fastest (see `benches/hash.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// Bytes per read of a large file (two buffers of this size are held per file).
    pub chunk: usize,
    /// With both digests: run sha256 and blake3 of a chunk as two rayon tasks (a free thread
    /// takes one) rather than one after the other.
    pub split: bool,
    /// When blake3 reads the stream of chunks: hash each chunk with `update_rayon` (its tree
    /// spread over free threads) rather than the single-threaded `update`.
    pub blake3_rayon: bool,
    /// blake3 alone: hash subtrees of at most this many bytes in parallel, each with positioned
    /// reads of its own range (Unix); `None` streams the file like the other selections.
    pub blake3_leaf: Option<u64>,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            chunk: CHUNK,
            split: true,
            blake3_rayon: true,
            blake3_leaf: Some(BLAKE3_LEAF),
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
/// does blake3 and the reads, or hashes other files. blake3 alone is a tree hash: its subtrees
/// are hashed in parallel, each thread reading its own part of the file (see [`tree`]), so even
/// a single file uses every core, as `b3sum` does, without a hand-off per chunk.
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
        #[cfg(unix)]
        Algorithms::Blake3 if tuning.blake3_leaf.is_some() => {
            let leaf = tuning.blake3_leaf.unwrap_or(BLAKE3_LEAF);
            tree::blake3(file, chunk, leaf, progress)
        }
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

/// blake3 of a file by subtrees: the BLAKE3 tree of the file is split where BLAKE3 itself
/// splits it (the left subtree is the largest power-of-two number of 1 KiB chunks shorter than
/// the input), down to subtrees of at most `leaf` bytes. Each leaf is hashed on its own from
/// positioned reads of its byte range, on whichever rayon thread takes it, and the chaining
/// values are merged up to the root, with `blake3::hazmat` (the tests check the result against
/// `blake3::hash` across the tree's boundaries).
///
/// The threads share nothing but the file handle, so there is no hand-off per chunk (the
/// streamed way spends its spare CPU on that on a single file) and each thread hashes bytes it
/// has just read into its own cache. The file's length is taken when it is opened; if it
/// changes meanwhile, the hash is an error rather than the digest of a mix.
#[cfg(unix)]
mod tree {
    use std::fs::File;
    use std::io;
    use std::os::unix::fs::FileExt;

    use blake3::hazmat::{self, ChainingValue, HasherExt, Mode};
    use indicatif::ProgressBar;

    use crate::Digests;

    pub(super) fn blake3(
        file: &File,
        read_size: usize,
        leaf: u64,
        progress: Option<&ProgressBar>,
    ) -> io::Result<Digests> {
        let len = file.metadata()?.len();
        // A leaf must be more than one BLAKE3 chunk for `left_subtree_len`.
        let leaf = leaf.max(2 * blake3::CHUNK_LEN as u64);
        let hash = if len <= leaf {
            let mut hasher = blake3::Hasher::new();
            read_range(file, 0, len, read_size, progress, |data| {
                hasher.update(data);
            })?;
            *hasher.finalize().as_bytes()
        } else {
            let left = hazmat::left_subtree_len(len);
            let (l, r) = rayon::join(
                || subtree(file, 0, left, read_size, leaf, progress),
                || subtree(file, left, len - left, read_size, leaf, progress),
            );
            *hazmat::merge_subtrees_root(&l?, &r?, Mode::Hash).as_bytes()
        };
        if file.metadata()?.len() != len {
            return Err(changed());
        }
        Ok(Digests {
            blake3: Some(hash),
            sha256: None,
            size: len,
        })
    }

    /// The chaining value of the subtree of `len` bytes at `offset` (a valid BLAKE3 subtree:
    /// `offset` a multiple of its size, rounded up to a power of two, or the last one).
    fn subtree(
        file: &File,
        offset: u64,
        len: u64,
        read_size: usize,
        leaf: u64,
        progress: Option<&ProgressBar>,
    ) -> io::Result<ChainingValue> {
        if len <= leaf {
            let mut hasher = blake3::Hasher::new();
            hasher.set_input_offset(offset);
            read_range(file, offset, len, read_size, progress, |data| {
                hasher.update(data);
            })?;
            return Ok(hasher.finalize_non_root());
        }
        let left = hazmat::left_subtree_len(len);
        let (l, r) = rayon::join(
            || subtree(file, offset, left, read_size, leaf, progress),
            || subtree(file, offset + left, len - left, read_size, leaf, progress),
        );
        Ok(hazmat::merge_subtrees_non_root(&l?, &r?, Mode::Hash))
    }

    /// Reads exactly `len` bytes at `offset` in reads of `read_size`, giving each to `consume`.
    fn read_range(
        file: &File,
        offset: u64,
        len: u64,
        read_size: usize,
        progress: Option<&ProgressBar>,
        mut consume: impl FnMut(&[u8]),
    ) -> io::Result<()> {
        let size = usize::try_from(len).map_or(read_size, |len| len.min(read_size));
        let mut buf = vec![0u8; size];
        let mut done = 0u64;
        while done < len {
            let want = usize::try_from(len - done).map_or(buf.len(), |left| left.min(buf.len()));
            let n = match file.read_at(&mut buf[..want], offset + done) {
                Ok(0) => return Err(changed()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            consume(&buf[..n]);
            done += n as u64;
            if let Some(bar) = progress {
                bar.inc(n as u64);
            }
        }
        Ok(())
    }

    fn changed() -> io::Error {
        io::Error::other("the file changed size while it was being hashed")
    }

    /// [`read_range`] for the unit tests.
    #[cfg(test)]
    pub(super) fn read_range_for_test(file: &File, offset: u64, len: u64) -> io::Result<()> {
        read_range(file, offset, len, 4096, None, |_| {})
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use super::*;

    fn file_of(data: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(data).unwrap();
        tmp.flush().unwrap();
        let file = File::open(tmp.path()).unwrap();
        (tmp, file)
    }

    #[test]
    fn the_subtree_split_equals_blake3_hash_across_the_tree_boundaries() {
        let chunk = blake3::CHUNK_LEN;
        let mut lengths = vec![0, 1, chunk - 1, chunk, chunk + 1];
        for k in [2usize, 3, 4, 7, 8, 9, 16, 17, 64, 100, 1024, 1025, 3000] {
            lengths.extend([k * chunk - 1, k * chunk, k * chunk + 1]);
        }
        let data: Vec<u8> = (0..3001 * chunk)
            .map(|i| (i * 7 + i / 1021) as u8)
            .collect();
        for &len in &lengths {
            let (_tmp, file) = file_of(&data[..len]);
            let expected = *blake3::hash(&data[..len]).as_bytes();
            for leaf in [2048, 3000, 4096, 64 << 10, 1 << 20, 1 << 30] {
                for read_size in [1000, 4096, 1 << 20] {
                    let got = tree::blake3(&file, read_size, leaf, None).unwrap();
                    assert_eq!(
                        got.blake3,
                        Some(expected),
                        "len {len} leaf {leaf} read {read_size}"
                    );
                    assert_eq!(got.size, len as u64);
                    assert_eq!(got.sha256, None);
                }
            }
        }
    }

    #[test]
    fn a_large_file_by_subtrees_equals_blake3_hash() {
        // Past the default leaf: more than one level of subtrees, a ragged right edge.
        let len = 3 * BLAKE3_LEAF as usize + 123_457;
        let data: Vec<u8> = (0..len).map(|i| (i * 13 + i / 65_537) as u8).collect();
        let (tmp, _file) = file_of(&data);
        let got = hash_regular_file(
            tmp.path(),
            false,
            Algorithms::Blake3,
            &Tuning::default(),
            None,
        )
        .unwrap();
        assert_eq!(got.blake3, Some(*blake3::hash(&data).as_bytes()));
        assert_eq!(got.size, len as u64);
    }

    #[test]
    fn a_file_shorter_than_its_listed_length_is_an_error_not_a_digest() {
        let (_tmp, file) = file_of(&[7u8; 10_000]);
        // As if the file had shrunk after its length was taken: the range runs past its end.
        let err = tree::read_range_for_test(&file, 4096, 8192).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file changed size while it was being hashed"
        );
    }
}
