//! What DVC's `dvc.lock` records, for the two readers that cross-check it (`palisade init` and
//! evaluate's `dvc_lock` fact): the md5 of a file's raw bytes (dvc 3, `hash: md5`) and the path
//! an entry names relative to the lock's folder.

use std::io::Read as _;
use std::path::Path;

use md5::{Digest as _, Md5};

/// The md5 of the regular file at `path` (lowercase hex). Opened without following a symbolic
/// link and without blocking: a FIFO, a device or a link is an error (`written` names it),
/// never a read that hangs or leaves the folder.
pub fn md5_file(path: &Path, written: &str) -> Result<String, palisade_core::fs::ReadError> {
    let mut file = palisade_core::fs::open_regular(path, written)?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| palisade_core::fs::ReadError::Io {
                file: written.to_owned(),
                reason: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The path a `dvc.lock` entry names, relative to the lock's folder, from its stage's `wdir`
/// and the entry's `path`; `None` when it is absolute, leaves the folder or uses templating.
pub fn join(wdir: &str, path: &str) -> Option<String> {
    if path.contains("${") || path.starts_with('/') || wdir.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in wdir.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn md5_of_a_file_and_refusal_of_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "hello\n").unwrap();
        assert_eq!(
            md5_file(&file, "a.txt").unwrap(),
            "b1946ac92492d2347c6235b4d2611184"
        );
        assert!(md5_file(dir.path(), ".").is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(md5_file(&link, "link").is_err());
        }
    }

    #[test]
    fn entries_resolve_inside_the_folder_only() {
        assert_eq!(join("", "data/x.csv").as_deref(), Some("data/x.csv"));
        assert_eq!(join(".", "data/x.csv").as_deref(), Some("data/x.csv"));
        assert_eq!(join("sub", "../data/x.csv").as_deref(), Some("data/x.csv"));
        assert_eq!(join(".", "../x"), None);
        assert_eq!(join(".", "${item}/x"), None);
        assert_eq!(join("sub", "../data/x").as_deref(), Some("data/x"));
        assert_eq!(join("sub/./a", "b").as_deref(), Some("sub/a/b"));
        for (wdir, path) in [
            ("", "../x"),
            ("", "/etc/passwd"),
            ("/abs", "x"),
            ("", "${item}"),
        ] {
            assert_eq!(join(wdir, path), None, "{wdir} {path}");
        }
    }
}
