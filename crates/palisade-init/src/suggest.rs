//! Settings `init` only suggests, as comments the user must review and uncomment.

use std::path::Path;

/// At most this many folder entries are looked at under one artifact path.
const MAX_ENTRIES: usize = 100_000;
/// At most this deep.
const MAX_DEPTH: usize = 32;

/// Whether `path` is a folder with a `__pycache__` folder somewhere under it (symlinks are not
/// followed; the search is bounded).
pub(crate) fn has_pycache(path: &Path) -> bool {
    let Ok(meta) = path.symlink_metadata() else {
        return false;
    };
    if !meta.is_dir() {
        return false;
    }
    let mut stack = vec![(path.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            seen += 1;
            if seen > MAX_ENTRIES {
                return false;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if !kind.is_dir() {
                continue;
            }
            if entry.file_name() == "__pycache__" {
                return true;
            }
            if depth < MAX_DEPTH {
                stack.push((entry.path(), depth + 1));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_a_pycache_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/pkg")).unwrap();
        std::fs::write(dir.path().join("src/pkg/__pycache__"), b"a file").unwrap();
        assert!(!has_pycache(&dir.path().join("src")));
        std::fs::create_dir_all(dir.path().join("src/a/__pycache__")).unwrap();
        assert!(has_pycache(&dir.path().join("src")));
        assert!(!has_pycache(&dir.path().join("src/a/__pycache__/x.pyc")));
    }
}
