//! Recording a run: hash the inputs, run the command, hash the outputs, and say what changed in
//! a recorded folder. What `palisade run --stage NAME [--record DIR] -- CMD ARGS…` needs.
//!
//! What hashing can and cannot see: a file the command **wrote** (added, changed, removed)
//! shows as a different digest after the run. A file it only **read** leaves no trace in
//! digests, and access times are not used: `relatime` and `noatime` mounts (the Linux
//! default and common in CI) do not update them on every read, so an unchanged atime proves
//! nothing. Instead, recording a folder lists **every** file under it, hashed before the run,
//! as a material: the attestation then says "the command ran with exactly these files
//! available", which covers anything it could have read there, and its products are the files
//! the run added or changed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitStatus};

use serde::Serialize;
use serde_json::{Map, Value};

use palisade_hash::{HashOptions, TreeKind};

use crate::error::IntotoError;
use crate::stage::Resource;
use crate::write::LinkStatement;

/// What to run and record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunRequest {
    /// The stage's name (the link's `name`).
    pub stage: String,
    /// The program and its arguments; run directly, never through a shell.
    pub command: Vec<String>,
    /// Recorded paths are relative to this folder ('/'-separated); every input, output and
    /// recorded folder must be inside it.
    pub base: PathBuf,
    /// Where the command runs (`None`: this process's working directory).
    pub working_dir: Option<PathBuf>,
    /// Files or folders hashed before the run: the materials.
    pub inputs: Vec<PathBuf>,
    /// Files or folders hashed after the run: the products.
    pub outputs: Vec<PathBuf>,
    /// A folder to snapshot before and after the run (see the module documentation).
    pub record: Option<PathBuf>,
    /// Paths inside `record` to leave out, relative to it (default: git's files, as
    /// [`palisade_hash::DEFAULT_IGNORE`]).
    pub ignore: Vec<String>,
    /// A declared folder's own `ignore = [...]` patterns, by its path as in `inputs` /
    /// `outputs`: left out of its listing, as evaluate leaves them out of its digest (without
    /// them the record lists files the pipeline does not count as the folder's).
    pub exclude: Vec<(PathBuf, Vec<String>)>,
}

/// How a file in the recorded folder changed during the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New after the run.
    Added,
    /// Its content changed.
    Modified,
    /// Gone after the run.
    Removed,
}

/// A file of the recorded folder that the run wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Relative to the base, '/'-separated.
    pub path: String,
    /// What happened to it.
    pub kind: ChangeKind,
}

/// An entry of the recorded folder that was not hashed: a symbolic link (never followed, so
/// nothing outside the folder is read) or a special file (a fifo could block forever).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Relative to the base, '/'-separated.
    pub path: String,
    /// `symlink → target`, `fifo`, `socket`, `device`.
    pub what: String,
}

/// What a recorded run did.
#[derive(Clone, Debug)]
pub struct RunRecord {
    /// The stage's name.
    pub stage: String,
    /// The command as run.
    pub command: Vec<String>,
    /// How the command ended.
    pub status: ExitStatus,
    /// Inputs (and, with `record`, every file of the folder before the run).
    pub materials: Vec<Resource>,
    /// Outputs (and, with `record`, the folder's added and changed files).
    pub products: Vec<Resource>,
    /// Files of the recorded folder the run added, changed or removed.
    pub changes: Vec<Change>,
    /// Entries of the recorded folder not hashed, before or after the run.
    pub skipped: Vec<Skipped>,
    /// Declared outputs that did not exist after the run (not among the products).
    pub missing_outputs: Vec<String>,
}

impl RunRecord {
    /// The link statement of this run: materials, products as subjects, the command,
    /// `byproducts` (`return-value`; `removed` and `not-hashed` when a folder was recorded).
    pub fn statement(&self) -> LinkStatement {
        let mut byproducts = Map::new();
        byproducts.insert(
            "return-value".into(),
            self.status.code().map_or(Value::Null, Value::from),
        );
        let removed: Vec<Value> = self
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Removed)
            .map(|c| Value::String(c.path.clone()))
            .collect();
        if !removed.is_empty() {
            byproducts.insert("removed".into(), Value::Array(removed));
        }
        if !self.skipped.is_empty() {
            byproducts.insert(
                "not-hashed".into(),
                Value::Object(
                    self.skipped
                        .iter()
                        .map(|s| (s.path.clone(), Value::String(s.what.clone())))
                        .collect(),
                ),
            );
        }
        LinkStatement {
            name: self.stage.clone(),
            command: self.command.clone(),
            materials: self.materials.clone(),
            products: self.products.clone(),
            byproducts,
            environment: Map::new(),
        }
    }
}

/// Hashes the inputs (and the recorded folder), runs the command with inherited standard
/// streams, then hashes the outputs (and the folder again). The command's failure is not an
/// error: its status is in the record, and the caller decides.
pub fn run_stage(req: &RunRequest) -> Result<RunRecord, IntotoError> {
    let Some((program, args)) = req.command.split_first() else {
        return Err(IntotoError::Request {
            reason: "no command to run".to_string(),
        });
    };
    let base = absolute(&req.base)?;
    let ignore: Vec<String> = if req.ignore.is_empty() {
        palisade_hash::DEFAULT_IGNORE
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        req.ignore.clone()
    };

    let mut materials = snapshot_excluding(&req.inputs, &base, &req.exclude)?;
    let mut skipped = Vec::new();
    let before = match &req.record {
        Some(dir) => {
            let (files, not_hashed) = snapshot_folder(dir, &base, &ignore)?;
            skipped.extend(not_hashed);
            add_unique(&mut materials, files.clone());
            Some(files)
        }
        None => None,
    };

    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = &req.working_dir {
        command.current_dir(dir);
    }
    let status = command.status().map_err(|e| IntotoError::Spawn {
        program: crate::error::escape(program),
        reason: e.to_string(),
    })?;

    let mut present = Vec::new();
    let mut missing_outputs = Vec::new();
    for output in &req.outputs {
        if fs::symlink_metadata(output).is_ok() {
            present.push(output.clone());
        } else {
            missing_outputs.push(relative(&base, &absolute(output)?)?);
        }
    }
    let mut products = snapshot_excluding(&present, &base, &req.exclude)?;
    let mut changes = Vec::new();
    if let (Some(dir), Some(before)) = (&req.record, before) {
        let (after, not_hashed) = snapshot_folder(dir, &base, &ignore)?;
        for s in not_hashed {
            if !skipped.contains(&s) {
                skipped.push(s);
            }
        }
        let (written, diff) = changed(&before, &after);
        changes = diff;
        add_unique(&mut products, written);
    }
    Ok(RunRecord {
        stage: req.stage.clone(),
        command: req.command.clone(),
        status,
        materials,
        products,
        changes,
        skipped,
        missing_outputs,
    })
}

fn add_unique(into: &mut Vec<Resource>, more: Vec<Resource>) {
    let mut seen: BTreeSet<String> = into.iter().map(|r| r.name.clone()).collect();
    for r in more {
        if seen.insert(r.name.clone()) {
            into.push(r);
        }
    }
}

/// The files the run added or modified (as resources), and every change.
fn changed(before: &[Resource], after: &[Resource]) -> (Vec<Resource>, Vec<Change>) {
    let old: BTreeMap<&str, &Resource> = before.iter().map(|r| (r.name.as_str(), r)).collect();
    let new: BTreeMap<&str, &Resource> = after.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut written = Vec::new();
    let mut changes = Vec::new();
    for (path, r) in &new {
        let kind = match old.get(path) {
            None => ChangeKind::Added,
            Some(o) if o.digests != r.digests => ChangeKind::Modified,
            Some(_) => continue,
        };
        written.push((*r).clone());
        changes.push(Change {
            path: (*path).to_string(),
            kind,
        });
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        changes.push(Change {
            path: (*path).to_string(),
            kind: ChangeKind::Removed,
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    (written, changes)
}

/// `path` made absolute lexically (symlinks are not resolved, `..` is refused later).
fn absolute(path: &Path) -> Result<PathBuf, IntotoError> {
    std::path::absolute(path).map_err(|e| IntotoError::Request {
        reason: format!("{}: {e}", path.display()),
    })
}

/// `path` relative to `base`, '/'-separated; both absolute. `..` anywhere is refused: it
/// would make the recorded name mean another file.
fn relative(base: &Path, path: &Path) -> Result<String, IntotoError> {
    let outside = || IntotoError::OutsideBase {
        path: path.to_path_buf(),
        base: base.to_path_buf(),
    };
    let rest = path.strip_prefix(base).map_err(|_| outside())?;
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str().ok_or_else(|| IntotoError::Request {
                reason: format!("{}: the path is not valid UTF-8", path.display()),
            })?),
            Component::CurDir => {}
            _ => return Err(outside()),
        }
    }
    Ok(parts.join("/"))
}

/// Hashes files and folders (sha256; a folder as one entry per file, like `in-toto-run`), each
/// named by its path relative to `base`.
pub fn snapshot(paths: &[PathBuf], base: &Path) -> Result<Vec<Resource>, IntotoError> {
    snapshot_excluding(paths, base, &[])
}

/// [`snapshot`], leaving out of each folder in `exclude` the files its patterns match
/// (an artifact's `ignore = [...]`), as palisade-hash does when evaluate hashes that artifact.
pub fn snapshot_excluding(
    paths: &[PathBuf],
    base: &Path,
    exclude: &[(PathBuf, Vec<String>)],
) -> Result<Vec<Resource>, IntotoError> {
    let base = absolute(base)?;
    let mut names = Vec::with_capacity(paths.len());
    let mut abs = Vec::with_capacity(paths.len());
    for p in paths {
        let a = absolute(p)?;
        names.push(relative(&base, &a)?);
        abs.push(a);
    }
    let options = |patterns: &[String]| -> Result<HashOptions, IntotoError> {
        Ok(HashOptions {
            algorithms: palisade_hash::Algorithms::Sha256,
            progress: false,
            ignore: palisade_hash::DEFAULT_IGNORE
                .iter()
                .map(|s| s.to_string())
                .collect(),
            exclude: palisade_core::ignore::IgnoreList::parse(patterns).map_err(|e| {
                IntotoError::Request {
                    reason: format!("ignore patterns {patterns:?}: {e}"),
                }
            })?,
        })
    };
    let patterns_of = |path: &PathBuf| {
        exclude
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, patterns)| patterns.as_slice())
            .filter(|patterns| !patterns.is_empty())
    };
    // Paths without patterns in one call (hashed together, in parallel), each other alone.
    let plain: Vec<usize> = (0..paths.len())
        .filter(|&i| patterns_of(&paths[i]).is_none())
        .collect();
    let mut trees: Vec<Option<palisade_hash::TreeDigests>> = vec![None; paths.len()];
    let plain_paths: Vec<PathBuf> = plain.iter().map(|&i| abs[i].clone()).collect();
    for (i, tree) in plain
        .iter()
        .zip(palisade_hash::hash_paths(&plain_paths, &options(&[])?)?)
    {
        trees[*i] = Some(tree);
    }
    for (i, path) in paths.iter().enumerate() {
        if let Some(patterns) = patterns_of(path) {
            let mut one = palisade_hash::hash_paths(&abs[i..=i], &options(patterns)?)?;
            trees[i] = one.pop();
        }
    }
    let trees: Vec<palisade_hash::TreeDigests> = trees.into_iter().flatten().collect();
    let mut out = Vec::new();
    for (name, tree) in names.iter().zip(trees) {
        match tree.kind {
            TreeKind::File => out.push(resource(name.clone(), &tree.root)),
            TreeKind::Directory => {
                for f in &tree.files {
                    let path = if name.is_empty() {
                        f.path.clone()
                    } else {
                        format!("{name}/{}", f.path)
                    };
                    out.push(resource(path, &f.digests));
                }
            }
        }
    }
    let mut unique = Vec::with_capacity(out.len());
    add_unique(&mut unique, out);
    Ok(unique)
}

fn resource(name: String, d: &palisade_hash::Digests) -> Resource {
    Resource {
        name,
        uri: None,
        digests: d
            .sha256_hex()
            .map(|hex| ("sha256".to_string(), hex))
            .into_iter()
            .collect(),
    }
}

/// Every regular file under `dir`, hashed; symbolic links and special files are listed as
/// skipped, never followed or opened. Uses palisade-hash's limits (files, depth), and its
/// no-follow opening: a link swapped in during the walk is an error, not a read outside `dir`.
pub fn snapshot_folder(
    dir: &Path,
    base: &Path,
    ignore: &[String],
) -> Result<(Vec<Resource>, Vec<Skipped>), IntotoError> {
    let base = absolute(base)?;
    let abs = absolute(dir)?;
    let name = relative(&base, &abs)?;
    let meta = fs::metadata(&abs).map_err(|e| IntotoError::Request {
        reason: format!("{}: {e}", dir.display()),
    })?;
    if !meta.is_dir() {
        return Err(IntotoError::Request {
            reason: format!("{}: a recorded folder must be a folder", dir.display()),
        });
    }
    let mut skipped_rel = Vec::new();
    let mut skipped = Vec::new();
    // Explicit stack, bounded like palisade-hash's own walk.
    let mut stack = vec![(abs.clone(), String::new(), 0usize)];
    let mut entries = 0usize;
    while let Some((folder, rel_dir, depth)) = stack.pop() {
        if depth > palisade_hash::MAX_DEPTH {
            return Err(palisade_hash::HashError::TooDeep {
                path: folder,
                limit: palisade_hash::MAX_DEPTH,
            }
            .into());
        }
        let listing = fs::read_dir(&folder).map_err(|e| IntotoError::Request {
            reason: format!("{}: {e}", folder.display()),
        })?;
        for entry in listing {
            let entry = entry.map_err(|e| IntotoError::Request {
                reason: format!("{}: {e}", folder.display()),
            })?;
            entries += 1;
            if entries > palisade_hash::MAX_FILES {
                return Err(palisade_hash::HashError::TooManyFiles {
                    path: abs.clone(),
                    limit: palisade_hash::MAX_FILES,
                }
                .into());
            }
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                return Err(palisade_hash::HashError::NonUtf8Name { path: entry.path() }.into());
            };
            let rel = if rel_dir.is_empty() {
                file_name.to_string()
            } else {
                format!("{rel_dir}/{file_name}")
            };
            if ignored(&rel, ignore) {
                continue;
            }
            let file_type = entry.file_type().map_err(|e| IntotoError::Request {
                reason: format!("{}: {e}", entry.path().display()),
            })?;
            if file_type.is_dir() {
                stack.push((entry.path(), rel, depth + 1));
            } else if !file_type.is_file() {
                let what = if file_type.is_symlink() {
                    match fs::read_link(entry.path()) {
                        Ok(target) => format!(
                            "symlink → {}",
                            crate::error::escape(&target.to_string_lossy())
                        ),
                        Err(_) => "symlink".to_string(),
                    }
                } else {
                    describe(&file_type).to_string()
                };
                skipped.push(Skipped {
                    path: join_name(&name, &rel),
                    what,
                });
                skipped_rel.push(rel);
            }
        }
    }
    let mut hash_ignore = ignore.to_vec();
    hash_ignore.extend(skipped_rel);
    let tree = palisade_hash::hash_path(
        &abs,
        &HashOptions {
            algorithms: palisade_hash::Algorithms::Sha256,
            progress: false,
            ignore: hash_ignore,
            ..HashOptions::default()
        },
    )?;
    let files = tree
        .files
        .iter()
        .map(|f| resource(join_name(&name, &f.path), &f.digests))
        .collect();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, skipped))
}

fn join_name(folder: &str, rel: &str) -> String {
    if folder.is_empty() {
        rel.to_string()
    } else {
        format!("{folder}/{rel}")
    }
}

/// Like palisade-hash's ignore list: the path itself or anything under it.
fn ignored(rel: &str, ignore: &[String]) -> bool {
    ignore.iter().any(|i| {
        let i = i.trim_end_matches('/').trim_start_matches("./");
        !i.is_empty()
            && rel
                .strip_prefix(i)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn describe(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "fifo";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "device";
        }
    }
    let _ = file_type;
    "special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside_the_base() {
        let base = Path::new("/w/repo");
        assert_eq!(
            relative(base, Path::new("/w/repo/data/x.csv")).unwrap(),
            "data/x.csv"
        );
        assert_eq!(relative(base, Path::new("/w/repo")).unwrap(), "");
        assert!(matches!(
            relative(base, Path::new("/w/other/x")),
            Err(IntotoError::OutsideBase { .. })
        ));
        assert!(matches!(
            relative(base, Path::new("/w/repo/../other/x")),
            Err(IntotoError::OutsideBase { .. })
        ));
    }

    #[test]
    fn changes_are_added_modified_removed() {
        let r = |n: &str, h: &str| Resource {
            name: n.into(),
            uri: None,
            digests: [("sha256".to_string(), h.to_string())].into(),
        };
        let (written, changes) = changed(
            &[r("a", "1"), r("b", "2"), r("c", "3")],
            &[r("a", "1"), r("b", "9"), r("d", "4")],
        );
        assert_eq!(
            written.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            vec!["b", "d"]
        );
        assert_eq!(
            changes,
            vec![
                Change {
                    path: "b".into(),
                    kind: ChangeKind::Modified
                },
                Change {
                    path: "c".into(),
                    kind: ChangeKind::Removed
                },
                Change {
                    path: "d".into(),
                    kind: ChangeKind::Added
                },
            ]
        );
    }

    #[test]
    fn ignore_matches_a_path_and_what_is_under_it() {
        let ignore = vec![".git".to_string(), "./target/".to_string()];
        assert!(ignored(".git", &ignore));
        assert!(ignored(".git/HEAD", &ignore));
        assert!(!ignored(".gitignore", &ignore));
        assert!(ignored("target/debug/x", &ignore));
    }
}
