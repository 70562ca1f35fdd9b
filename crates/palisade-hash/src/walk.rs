//! Listing the files to hash: a single file, or every regular file under a directory.

use std::cmp::Ordering;
use std::fs::{self, FileType};
use std::path::{Path, PathBuf};

use crate::{HashError, TreeKind};

/// At most this many files in one call to [`crate::hash_paths`]: the job list stays bounded in memory.
pub const MAX_FILES: usize = 1_000_000;
/// At most this many nested directories below a hashed directory.
pub const MAX_DEPTH: usize = 256;

/// One file to hash.
#[derive(Debug)]
pub(crate) struct FileJob {
    /// Which of the caller's paths this file belongs to.
    pub tree: usize,
    /// Relative, '/'-separated (the file name for a single file).
    pub rel: String,
    /// Where to open it.
    pub abs: PathBuf,
    /// Size when listed (used for the progress bar and scheduling only).
    pub size: u64,
    /// Inside a directory: opened without following symlinks.
    pub in_directory: bool,
}

/// Lists what `root` holds. Files are appended to `jobs`, in model-signing order.
pub(crate) fn list(
    tree: usize,
    root: &Path,
    ignore: &[String],
    exclude: &palisade_core::ignore::IgnoreList,
    jobs: &mut Vec<FileJob>,
) -> Result<TreeKind, HashError> {
    // The caller has vetted the top-level path, so a top-level symlink is followed.
    let meta = fs::metadata(root).map_err(|e| HashError::io(root, e))?;
    if meta.is_file() {
        let name = root
            .file_name()
            .ok_or_else(|| HashError::NonUtf8Name {
                path: root.to_path_buf(),
            })?
            .to_str()
            .ok_or_else(|| HashError::NonUtf8Name {
                path: root.to_path_buf(),
            })?;
        push(
            jobs,
            root,
            FileJob {
                tree,
                rel: name.to_owned(),
                abs: root.to_path_buf(),
                size: meta.len(),
                in_directory: false,
            },
        )?;
        return Ok(TreeKind::File);
    }
    if !meta.is_dir() {
        return Err(HashError::NotRegularFile {
            path: root.to_path_buf(),
            kind: describe(&meta.file_type()),
        });
    }
    let ignore: Vec<&str> = ignore.iter().map(|i| normalize_ignore(i)).collect();
    let first = jobs.len();
    // Explicit stack instead of recursion: depth is bounded by MAX_DEPTH, not the thread stack.
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel_dir, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(HashError::TooDeep {
                path: dir,
                limit: MAX_DEPTH,
            });
        }
        let entries = fs::read_dir(&dir).map_err(|e| HashError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| HashError::io(&dir, e))?;
            let abs = entry.path();
            let name = entry.file_name();
            let name = name
                .to_str()
                .ok_or_else(|| HashError::NonUtf8Name { path: abs.clone() })?;
            let rel = if rel_dir.is_empty() {
                name.to_owned()
            } else {
                format!("{rel_dir}/{name}")
            };
            if is_ignored(&rel, &ignore) {
                continue;
            }
            // `DirEntry::file_type` does not follow symlinks.
            let file_type = entry.file_type().map_err(|e| HashError::io(&abs, e))?;
            // The artifact's own `ignore` globs: a symlink is never a folder here, so a link
            // named like an ignored folder is still refused below.
            if !exclude.is_empty() && exclude.matches(&rel, file_type.is_dir()) {
                continue;
            }
            if file_type.is_symlink() {
                return Err(HashError::Symlink { path: abs });
            } else if file_type.is_dir() {
                stack.push((abs, rel, depth + 1));
            } else if file_type.is_file() {
                let size = entry.metadata().map_err(|e| HashError::io(&abs, e))?.len();
                push(
                    jobs,
                    root,
                    FileJob {
                        tree,
                        rel,
                        abs,
                        size,
                        in_directory: true,
                    },
                )?;
            } else {
                return Err(HashError::NotRegularFile {
                    path: abs,
                    kind: describe(&file_type),
                });
            }
        }
    }
    jobs[first..].sort_by(|a, b| model_signing_order(&a.rel, &b.rel));
    Ok(TreeKind::Directory)
}

fn push(jobs: &mut Vec<FileJob>, root: &Path, job: FileJob) -> Result<(), HashError> {
    if jobs.len() >= MAX_FILES {
        return Err(HashError::TooManyFiles {
            path: root.to_path_buf(),
            limit: MAX_FILES,
        });
    }
    jobs.push(job);
    Ok(())
}

/// The order model_signing sorts its manifest in: Python's `PurePosixPath` comparison, which
/// compares path *components* one by one (each by code point, i.e. UTF-8 byte order). This differs
/// from comparing whole strings when a name holds a character below '/', e.g.
/// `tokenizer/vocab.txt` < `tokenizer.json`.
pub(crate) fn model_signing_order(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// `./.git/` and `.git` mean the same ignored path.
fn normalize_ignore(entry: &str) -> &str {
    let mut e = entry.trim_end_matches('/');
    while let Some(rest) = e.strip_prefix("./") {
        e = rest;
    }
    e
}

/// Like model_signing's `path.is_relative_to(ignore)`: the path itself or anything under it.
fn is_ignored(rel: &str, ignore: &[&str]) -> bool {
    ignore.iter().any(|i| {
        !i.is_empty()
            && rel
                .strip_prefix(i)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// A word for a file type that is neither a regular file nor a directory.
pub(crate) fn describe(file_type: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "fifo";
        } else if file_type.is_socket() {
            return "socket";
        } else if file_type.is_block_device() {
            return "block device";
        } else if file_type.is_char_device() {
            return "character device";
        }
    }
    if file_type.is_symlink() {
        "symbolic link"
    } else if file_type.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_component_wise_like_python_pathlib() {
        let mut v = vec![
            "tokenizer.json",
            "tokenizer/vocab.txt",
            "a-b/x",
            "a/b",
            "B",
            "a",
        ];
        v.sort_by(|a, b| model_signing_order(a, b));
        // Checked with Python 3.11–3.13: sorted(PurePosixPath(p) for p in v)
        assert_eq!(
            v,
            vec![
                "B",
                "a",
                "a/b",
                "a-b/x",
                "tokenizer/vocab.txt",
                "tokenizer.json"
            ]
        );
    }

    #[test]
    fn ignore_matches_path_and_children_only() {
        let ignore = vec![".git", "docs/old"];
        assert!(is_ignored(".git", &ignore));
        assert!(is_ignored(".git/config", &ignore));
        assert!(!is_ignored(".gitmodules", &ignore));
        assert!(!is_ignored("sub/.git", &ignore));
        assert!(is_ignored("docs/old/a.md", &ignore));
        assert!(!is_ignored("docs/older", &ignore));
        assert!(!is_ignored("x", &[""]));
    }

    #[test]
    fn ignore_entries_are_normalized() {
        assert_eq!(normalize_ignore("./.git/"), ".git");
        assert_eq!(normalize_ignore(".github"), ".github");
        assert_eq!(normalize_ignore("././a/b//"), "a/b");
    }
}
