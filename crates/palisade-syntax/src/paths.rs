//! Resolving the paths written in a pipeline against its folder, and keeping them inside it.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a written path was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PathProblem {
    /// `""`, or a string the operating system cannot take as a path.
    Invalid(String),
    /// Absolute, or `..` past the folder.
    Escapes(String),
    /// A component that exists is a symlink (or goes through one) that leads outside.
    Symlink {
        /// The prefix of the written path that leads outside.
        link: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
}

/// The folder a pipeline's paths resolve against: canonical when it exists, else absolute.
pub(crate) fn base_dir(dir: &Path) -> PathBuf {
    if let Ok(canonical) = dir.canonicalize() {
        return canonical;
    }
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    normalize(&absolute)
}

/// Lexically removes `.` and `..` (a `..` at the root stays at the root).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Resolves `written` against `base` (a canonical folder). With `allow_outside`, any path is
/// accepted and only normalised.
pub(crate) fn resolve(
    base: &Path,
    written: &str,
    allow_outside: bool,
) -> Result<PathBuf, PathProblem> {
    if written.is_empty() {
        return Err(PathProblem::Invalid("the path is empty".to_owned()));
    }
    if written.contains('\0') {
        return Err(PathProblem::Invalid(
            "the path contains a NUL character".to_owned(),
        ));
    }
    let path = Path::new(written);
    if allow_outside {
        return Ok(normalize(&base.join(path)));
    }
    let mut inside: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => {
                return Err(PathProblem::Escapes(
                    "it is absolute; write it relative to the pipeline's folder".to_owned(),
                ));
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if inside.pop().is_none() {
                    return Err(PathProblem::Escapes(
                        "its `..` leads above the pipeline's folder".to_owned(),
                    ));
                }
            }
            Component::Normal(_) => inside.push(component),
        }
    }
    let mut resolved = base.to_path_buf();
    resolved.extend(&inside);
    check_symlinks(base, &inside)?;
    Ok(resolved)
}

/// Walks the existing prefixes of the path; each must stay inside `base` once symlinks are
/// followed. Stops at the first prefix that does not exist (missing files are the evidence
/// stage's business, and nothing below a missing folder can be a symlink).
fn check_symlinks(base: &Path, inside: &[Component<'_>]) -> Result<(), PathProblem> {
    let mut prefix = base.to_path_buf();
    let mut relative = PathBuf::new();
    for component in inside {
        prefix.push(component);
        relative.push(component);
        let metadata = match prefix.symlink_metadata() {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            // Unreadable folders: the evidence stage reports what it cannot read.
            Err(_) => return Ok(()),
        };
        if !metadata.file_type().is_symlink() {
            continue;
        }
        match prefix.canonicalize() {
            Ok(target) if target.starts_with(base) => {
                // Continue from where the link leads, so a later link is judged from there.
                prefix = target;
            }
            Ok(target) => {
                return Err(PathProblem::Symlink {
                    link: relative,
                    target,
                });
            }
            Err(_) => {
                // A dangling link: judge where it would lead, and fail closed if that is
                // outside or cannot be told.
                let target = std::fs::read_link(&prefix).unwrap_or_default();
                let parent = prefix.parent().unwrap_or(base);
                let lexical = normalize(&parent.join(&target));
                if !lexical.starts_with(base) || target.as_os_str().is_empty() {
                    return Err(PathProblem::Symlink {
                        link: relative,
                        target: lexical,
                    });
                }
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let canonical = dir.path().canonicalize().unwrap();
        (dir, canonical)
    }

    #[test]
    fn relative_paths_resolve_inside() {
        let (_dir, base) = base();
        assert_eq!(
            resolve(&base, "a/./b/../c.txt", false),
            Ok(base.join("a/c.txt"))
        );
        assert_eq!(resolve(&base, "x", false), Ok(base.join("x")));
        assert_eq!(resolve(&base, ".", false), Ok(base.clone()));
    }

    #[test]
    fn escapes_are_refused() {
        let (_dir, base) = base();
        assert!(matches!(
            resolve(&base, "../x", false),
            Err(PathProblem::Escapes(_))
        ));
        assert!(matches!(
            resolve(&base, "a/../../x", false),
            Err(PathProblem::Escapes(_))
        ));
        assert!(matches!(
            resolve(&base, "/etc/passwd", false),
            Err(PathProblem::Escapes(_))
        ));
        assert!(matches!(
            resolve(&base, "", false),
            Err(PathProblem::Invalid(_))
        ));
        assert!(matches!(
            resolve(&base, "a\0b", false),
            Err(PathProblem::Invalid(_))
        ));
    }

    #[test]
    fn allow_outside_only_normalises() {
        let (_dir, base) = base();
        let parent = base.parent().map(Path::to_path_buf).unwrap_or_default();
        assert_eq!(resolve(&base, "../x", true), Ok(parent.join("x")));
        assert_eq!(
            resolve(&base, "/etc/passwd", true),
            Ok(PathBuf::from("/etc/passwd"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leading_outside_are_refused() {
        let (_dir, base) = base();
        let (_outside_dir, outside) = super::tests::base();
        std::fs::create_dir(base.join("in")).unwrap();
        std::os::unix::fs::symlink(&outside, base.join("out")).unwrap();
        std::os::unix::fs::symlink(base.join("in"), base.join("ok")).unwrap();
        std::os::unix::fs::symlink("/nonexistent-palisade", base.join("dangling")).unwrap();
        std::os::unix::fs::symlink("in/missing", base.join("dangling-in")).unwrap();

        assert_eq!(
            resolve(&base, "out/file", false),
            Err(PathProblem::Symlink {
                link: PathBuf::from("out"),
                target: outside.clone()
            })
        );
        assert_eq!(resolve(&base, "ok/file", false), Ok(base.join("ok/file")));
        assert_eq!(
            resolve(&base, "dangling", false),
            Err(PathProblem::Symlink {
                link: PathBuf::from("dangling"),
                target: PathBuf::from("/nonexistent-palisade")
            })
        );
        assert_eq!(
            resolve(&base, "dangling-in", false),
            Ok(base.join("dangling-in"))
        );
        assert_eq!(resolve(&base, "out/file", true), Ok(base.join("out/file")));
    }
}
