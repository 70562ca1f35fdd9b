//! Files and directories → containers → pickle walks.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::deny::is_dangerous;
use crate::error::PickleError;
use crate::npy;
use crate::opcodes::{self, Failed, WalkError};
use crate::{Container, FileScan, Limits, ModelScan};

/// Extensions of formats that are (or may be) pickles: `.pkl .pickle .pt .pth .bin .joblib
/// .npy .ckpt .dat`, any case.
pub fn is_pickle_extension(path: &Path) -> bool {
    extension_in(
        path,
        &[
            "pkl", "pickle", "pt", "pth", "bin", "joblib", "npy", "ckpt", "dat",
        ],
    )
}

/// Extensions that promise a pickle: content that does not parse is an error, not "not a
/// pickle". Other extensions (`.bin` raw weights …) may legitimately hold anything.
fn promises_pickle(path: &Path) -> bool {
    extension_in(path, &["pkl", "pickle", "joblib"])
}

fn extension_in(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Scans a file, or every regular file under a directory (sorted; symbolic links inside the
/// directory are listed in `skipped_symlinks`, never followed), with default [`Limits`].
pub fn scan_path(path: &Path) -> Result<ModelScan, PickleError> {
    scan_path_with(path, &Limits::default())
}

/// [`scan_path`] with explicit limits.
pub fn scan_path_with(path: &Path, limits: &Limits) -> Result<ModelScan, PickleError> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| read_error(&shown, &e))?;
    if !meta.is_dir() {
        let file = scan_file(path, shown, limits)?;
        return Ok(aggregate(vec![file], Vec::new()));
    }
    let mut found = Vec::new();
    let mut symlinks = Vec::new();
    collect(path, "", 0, limits, &mut found, &mut symlinks)?;
    found.sort();
    symlinks.sort();
    let mut files = Vec::with_capacity(found.len());
    for rel in found {
        let mut scan = scan_file(&path.join(&rel), format!("{shown}/{rel}"), limits)?;
        scan.path = rel;
        files.push(scan);
    }
    Ok(aggregate(files, symlinks))
}

/// Scans bytes held in memory; `source_name` names them in errors and its extension decides
/// whether unparseable content is an error (see [`is_pickle_extension`]).
pub fn scan_bytes(bytes: &[u8], source_name: &str) -> Result<ModelScan, PickleError> {
    scan_bytes_with(bytes, source_name, &Limits::default())
}

/// [`scan_bytes`] with explicit limits.
pub fn scan_bytes_with(
    bytes: &[u8],
    source_name: &str,
    limits: &Limits,
) -> Result<ModelScan, PickleError> {
    if bytes.len() as u64 > limits.max_file_size {
        return Err(PickleError::TooLarge {
            path: source_name.to_owned(),
            size: bytes.len() as u64,
            limit: limits.max_file_size,
        });
    }
    let strict = promises_pickle(Path::new(source_name));
    let file = scan_reader(Cursor::new(bytes), source_name, strict, limits)?;
    Ok(aggregate(vec![file], Vec::new()))
}

fn read_error(path: &str, e: &io::Error) -> PickleError {
    PickleError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn aggregate(files: Vec<FileScan>, skipped_symlinks: Vec<String>) -> ModelScan {
    let mut scan = ModelScan {
        pickle_based: files.iter().any(|f| f.container.is_pickle_based()),
        imports: BTreeSet::new(),
        dangerous_imports: BTreeSet::new(),
        files: Vec::new(),
        skipped_symlinks,
    };
    for file in &files {
        scan.imports.extend(file.imports.iter().cloned());
        scan.dangerous_imports
            .extend(file.dangerous_imports.iter().cloned());
    }
    scan.files = files;
    scan
}

/// Relative paths (with `/`) of the regular files under `dir`.
fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    found: &mut Vec<String>,
    symlinks: &mut Vec<String>,
) -> Result<(), PickleError> {
    let shown = dir.display().to_string();
    if depth > limits.max_dir_depth {
        return Err(PickleError::Directory {
            path: shown,
            reason: format!(
                "nested more than {} directories deep (limit)",
                limits.max_dir_depth
            ),
        });
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| read_error(&shown, &e))? {
        let entry = entry.map_err(|e| read_error(&shown, &e))?;
        // file_type() does not follow symbolic links.
        let kind = entry.file_type().map_err(|e| read_error(&shown, &e))?;
        entries.push((entry.file_name().to_string_lossy().into_owned(), kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if kind.is_symlink() {
            symlinks.push(rel);
        } else if kind.is_dir() {
            collect(&dir.join(&name), &rel, depth + 1, limits, found, symlinks)?;
        } else if kind.is_file() {
            if found.len() >= limits.max_dir_files {
                return Err(PickleError::Directory {
                    path: shown,
                    reason: format!("more than {} files (limit)", limits.max_dir_files),
                });
            }
            found.push(rel);
        }
    }
    Ok(())
}

fn scan_file(path: &Path, shown: String, limits: &Limits) -> Result<FileScan, PickleError> {
    let file = File::open(path).map_err(|e| read_error(&shown, &e))?;
    let size = file.metadata().map_err(|e| read_error(&shown, &e))?.len();
    if size > limits.max_file_size {
        return Err(PickleError::TooLarge {
            path: shown,
            size,
            limit: limits.max_file_size,
        });
    }
    scan_reader(file, &shown, promises_pickle(path), limits)
}

/// Classifies by content and walks whatever pickles the file holds.
fn scan_reader<R: Read + Seek>(
    mut reader: R,
    shown: &str,
    strict: bool,
    limits: &Limits,
) -> Result<FileScan, PickleError> {
    let mut head = [0u8; 8];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(shown, &e)),
        }
    }
    let head = &head[..got];
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| read_error(shown, &e))?;

    let (container, imports) = if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
    {
        scan_zip(reader, shown, limits)?
    } else if head.starts_with(npy::MAGIC) {
        scan_npy(reader, shown, limits)?
    } else {
        // A PROTO opcode with a known protocol says "pickle" as surely as an extension does.
        let looks_pickled = matches!(head, [0x80, p, ..] if *p <= 5);
        match opcodes::walk(BufReader::new(reader), limits) {
            Ok(walk) => (
                Container::Pickle {
                    protocol: walk.protocol,
                },
                walk.imports,
            ),
            // Content that is not a pickle at all (safetensors, ONNX, JSON): nothing to load.
            Err(Failed { imports, .. }) if !strict && !looks_pickled && imports.is_empty() => {
                (Container::NotPickle, BTreeSet::new())
            }
            Err(failed) => return Err(walk_error(shown, failed.error, false)),
        }
    };
    let dangerous_imports = imports
        .iter()
        .filter(|i| is_dangerous(i))
        .cloned()
        .collect();
    Ok(FileScan {
        path: shown.to_owned(),
        container,
        imports,
        dangerous_imports,
    })
}

/// A walk error, with its file. Inside a zip member, I/O errors are inflate errors.
fn walk_error(shown: &str, error: WalkError, in_zip: bool) -> PickleError {
    match error {
        WalkError::Malformed { offset, reason } => PickleError::Malformed {
            path: shown.to_owned(),
            offset,
            reason,
        },
        WalkError::Limit {
            offset,
            what,
            limit,
        } => PickleError::LimitExceeded {
            path: shown.to_owned(),
            offset,
            what,
            limit,
        },
        WalkError::Io { offset, error } if in_zip => PickleError::Zip {
            path: shown.to_owned(),
            reason: format!("byte {offset}: {error}"),
        },
        WalkError::Io { offset, error } => PickleError::Read {
            path: shown.to_owned(),
            reason: format!("byte {offset}: {error}"),
        },
    }
}

fn scan_npy<R: Read>(
    reader: R,
    shown: &str,
    limits: &Limits,
) -> Result<(Container, BTreeSet<String>), PickleError> {
    let mut reader = BufReader::new(reader);
    let (object_dtype, _) =
        npy::read_header(&mut reader).map_err(|(offset, reason)| PickleError::Npy {
            path: shown.to_owned(),
            offset,
            reason,
        })?;
    if !object_dtype {
        return Ok((Container::Npy { object_dtype }, BTreeSet::new()));
    }
    // Offsets in errors are relative to the data (the pickle) after the header.
    let walk = opcodes::walk(reader, limits)
        .map_err(|f| walk_error(&format!("{shown} (object data)"), f.error, false))?;
    Ok((Container::Npy { object_dtype }, walk.imports))
}

/// Inflating past the cap: a zip bomb (or an absurd member).
#[derive(Debug)]
struct CapExceeded;

impl fmt::Display for CapExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("inflated size limit exceeded")
    }
}

impl std::error::Error for CapExceeded {}

/// A reader that fails once more than `left` bytes would be read.
struct Capped<R> {
    inner: R,
    left: u64,
    read: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(CapExceeded)),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        self.read += n as u64;
        Ok(n)
    }
}

fn is_cap_error(error: &WalkError) -> bool {
    matches!(error, WalkError::Io { error, .. }
        if error.get_ref().is_some_and(|inner| inner.is::<CapExceeded>()))
}

fn scan_zip<R: Read + Seek>(
    reader: R,
    shown: &str,
    limits: &Limits,
) -> Result<(Container, BTreeSet<String>), PickleError> {
    let zip_error = |path: &str, e: &dyn fmt::Display| PickleError::Zip {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| zip_error(shown, &e))?;
    if archive.len() > limits.max_zip_members {
        return Err(zip_error(
            shown,
            &format!(
                "{} members, more than the limit of {}",
                archive.len(),
                limits.max_zip_members
            ),
        ));
    }
    let mut members = Vec::new();
    let mut imports = BTreeSet::new();
    let mut inflated = 0u64;
    for index in 0..archive.len() {
        let name = match archive.name_for_index(index) {
            Some(Ok(name)) => name.into_owned(),
            Some(Err(e)) => return Err(zip_error(shown, &e)),
            None => continue,
        };
        let lower = name.to_ascii_lowercase();
        let is_pickle = lower.ends_with(".pkl") || lower.ends_with(".pickle");
        let is_npy = lower.ends_with(".npy");
        if !is_pickle && !is_npy {
            continue;
        }
        let member_path = format!("{shown}!/{name}");
        let member = archive
            .by_index(index)
            .map_err(|e| zip_error(&member_path, &e))?;
        if member.is_dir() {
            continue;
        }
        let budget = limits
            .max_member_size
            .min(limits.max_zip_total.saturating_sub(inflated));
        let bomb = |size: u64| PickleError::ZipBomb {
            path: shown.to_owned(),
            member: name.clone(),
            size,
            limit: budget,
        };
        // The declared size is checked first, then the real one while inflating (a header
        // can lie).
        if member.size() > budget {
            return Err(bomb(member.size()));
        }
        let declared = member.size();
        let mut capped = Capped {
            inner: member,
            left: budget,
            read: 0,
        };
        let holds_pickle = if is_pickle {
            true
        } else {
            match npy::read_header(&mut capped) {
                Ok((object_dtype, _)) => object_dtype,
                Err((offset, reason)) => {
                    return Err(PickleError::Npy {
                        path: member_path,
                        offset,
                        reason,
                    });
                }
            }
        };
        if holds_pickle {
            match opcodes::walk(BufReader::new(&mut capped), limits) {
                Ok(walk) => imports.extend(walk.imports),
                Err(failed) if is_cap_error(&failed.error) => {
                    return Err(bomb(declared.max(budget + 1)));
                }
                Err(failed) => return Err(walk_error(&member_path, failed.error, true)),
            }
            members.push(name.clone());
        }
        inflated += capped.read;
    }
    Ok((
        Container::Zip {
            pickle_members: members,
        },
        imports,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reader_fails_past_its_budget() {
        let data = [7u8; 20];
        let mut exact = Capped {
            inner: &data[..10],
            left: 10,
            read: 0,
        };
        let mut out = Vec::new();
        exact.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 10);

        let mut over = Capped {
            inner: &data[..],
            left: 10,
            read: 0,
        };
        let mut out = Vec::new();
        let err = over.read_to_end(&mut out).unwrap_err();
        assert_eq!(out.len(), 10);
        assert_eq!(over.read, 10);
        let walk_error = WalkError::Io {
            offset: 10,
            error: err,
        };
        assert!(is_cap_error(&walk_error));
        // The walker surfaces it as an I/O error that the zip scan turns into ZipBomb.
        let mut over = Capped {
            inner:
                &b"\x80\x04\x8e\x20\x00\x00\x00\x00\x00\x00\x00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."[..],
            left: 16,
            read: 0,
        };
        let failed = opcodes::walk(BufReader::new(&mut over), &Limits::default()).unwrap_err();
        assert!(is_cap_error(&failed.error));
    }
}
