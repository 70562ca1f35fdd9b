//! `dvc_lock = "dvc.lock"` on the pipeline: the md5 DVC recorded for every dependency and
//! output of its stages, checked against the artifacts' files (the `dvc_lock` fact).
//!
//! dvc 3 records `hash: md5` with the md5 of a file's raw bytes (dvc 2 wrote no `hash` field
//! and normalised the line endings of text files first: such entries are checked the same way
//! and may differ on CRLF files). A folder's entry (`md5: ….dir`) is the md5 of dvc's listing
//! of it, kept in dvc's cache, which a checkout without the cache cannot recompute: it is not
//! checked. Paths in the lock are relative to its folder (and a stage's `wdir`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use palisade_graph::{ArtifactFacts, DvcLock};
use palisade_syntax::{Artifact, Pipeline};

use crate::{Context, EvidenceError, error_at};

/// Largest DVC lock file read.
const MAX_DVC_LOCK_BYTES: u64 = 8 * 1024 * 1024;
/// At most this many recorded files are kept.
const MAX_RECORDED: usize = 100_000;

/// One file `dvc.lock` records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Recorded {
    /// Relative to the lock's folder, '/'-separated, normalised.
    path: String,
    md5: String,
    stage: String,
}

/// A read DVC lock file.
#[derive(Debug)]
pub(crate) struct DvcLockFile {
    /// The lock's folder (recorded paths are relative to it).
    base: PathBuf,
    files: Vec<Recorded>,
    /// Folders recorded by their `.dir` hash only.
    directories: BTreeSet<String>,
}

/// Reads the pipeline's `dvc_lock` file through its folder; `None` when it names none.
#[allow(clippy::result_large_err)]
pub(crate) fn read(
    pipeline: &Pipeline,
    folder: &palisade_core::fs::Folder,
) -> Result<Option<DvcLockFile>, EvidenceError> {
    let Some(path) = &pipeline.dvc_lock else {
        return Ok(None);
    };
    let fail = |cause: miette::Report| {
        error_at(
            pipeline,
            path.span,
            format!("dvc_lock {:?}", path.value.written),
            cause,
        )
    };
    let text = folder
        .read_to_string(
            &path.value.resolved,
            &path.value.written,
            "a DVC lock file",
            MAX_DVC_LOCK_BYTES,
        )
        .map_err(|e| fail(miette::Report::new(e)))?;
    let value: Value = serde_saphyr::from_str_with_options(&text, palisade_ai::yaml_options())
        .map_err(|e| {
            fail(miette::miette!(
                "not a DVC lock file (YAML): {}",
                palisade_core::text::escape_line(&e.to_string())
            ))
        })?;
    let stages = match value.get("stages") {
        Some(Value::Object(stages)) => stages.clone(),
        Some(_) => {
            return Err(fail(miette::miette!(
                "not a DVC lock file: `stages` is not a mapping"
            )));
        }
        None => {
            return Err(fail(miette::miette!(
                "not a DVC lock file: it has no `stages` (dvc repro writes them)"
            )));
        }
    };
    let mut files = Vec::new();
    let mut directories = BTreeSet::new();
    for (stage, entry) in &stages {
        let wdir = entry.get("wdir").and_then(Value::as_str).unwrap_or(".");
        for field in ["deps", "outs"] {
            let Some(Value::Array(items)) = entry.get(field) else {
                continue;
            };
            for item in items {
                let (Some(written), Some(md5)) =
                    (item.get("path").and_then(Value::as_str), item.get("md5"))
                else {
                    continue;
                };
                // Anything but a string (YAML reads an unquoted all-digit md5 as a number)
                // is kept as its text: it matches no file, so it fails closed.
                let md5 = match md5 {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let Some(rel) = palisade_hash::dvc::join(wdir, written) else {
                    continue;
                };
                if md5.ends_with(".dir") {
                    directories.insert(rel);
                } else if files.len() < MAX_RECORDED {
                    files.push(Recorded {
                        path: rel,
                        md5: md5.to_ascii_lowercase(),
                        stage: stage.clone(),
                    });
                }
            }
        }
    }
    files.sort();
    files.dedup();
    let base = path
        .value
        .resolved
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(Some(DvcLockFile {
        base,
        files,
        directories,
    }))
}

/// Sets `dvc_lock` (and `dvc_lock_changes`) of an artifact with a local path.
pub(crate) fn gather(
    context: &Context<'_>,
    lock: Option<&DvcLockFile>,
    artifact: &Artifact,
    facts: &mut ArtifactFacts,
) {
    let (Some(lock), Some(path)) = (lock, &artifact.path) else {
        return;
    };
    let Some(rel) = relative(&lock.base, &path.value.resolved) else {
        facts.dvc_lock = DvcLock::Unrecorded;
        return;
    };
    let under = |p: &str| {
        p == rel
            || p.strip_prefix(rel.as_str())
                .is_some_and(|r| r.starts_with('/'))
    };
    let recorded: Vec<&Recorded> = lock.files.iter().filter(|r| under(&r.path)).collect();
    if recorded.is_empty() {
        facts.dvc_lock = DvcLock::Unrecorded;
        if let Some(dir) = lock
            .directories
            .iter()
            .find(|d| under(d) || rel.starts_with(&format!("{d}/")))
        {
            facts.dvc_lock_changes.push(format!(
                "dvc.lock records {dir} only by dvc's .dir hash, which lives in dvc's cache: not checked"
            ));
        }
        return;
    }
    let mut changes = Vec::new();
    for r in recorded {
        let shown = palisade_core::text::escape_line(&r.path);
        match md5_of(context, &lock.base, &r.path) {
            Some(actual) if actual == r.md5 => {}
            Some(actual) => changes.push(format!(
                "{shown}: md5 {actual}, but dvc.lock (stage \"{}\") records {}",
                palisade_core::text::escape_line(&r.stage),
                palisade_core::text::escape_line(&r.md5)
            )),
            None => changes.push(format!(
                "{shown}: missing or unreadable, but dvc.lock (stage \"{}\") records md5 {}",
                palisade_core::text::escape_line(&r.stage),
                palisade_core::text::escape_line(&r.md5)
            )),
        }
    }
    if changes.is_empty() {
        facts.dvc_lock = DvcLock::Verified;
    } else {
        facts.dvc_lock = DvcLock::Mismatch;
        facts.dvc_lock_changes = changes;
    }
}

/// `path` relative to `base`, '/'-separated; `None` outside it or not UTF-8.
fn relative(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}

/// The md5 of a recorded file, read through the pipeline's folder; `None` when it is missing,
/// outside the folder or not a regular file.
fn md5_of(context: &Context<'_>, base: &Path, rel: &str) -> Option<String> {
    let resolved = context.folder.confine(&base.join(rel), rel).ok()?;
    palisade_hash::dvc::md5_file(&resolved, rel).ok()
}
