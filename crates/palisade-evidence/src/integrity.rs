//! `path` and `palisade.lock`: hashing local artifacts and comparing them with the lock.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use palisade_core::Digest;
use palisade_core::fs::Folder;
use palisade_graph::Integrity;
use palisade_hash::lock::{self, Lockfile};
use palisade_hash::{Algorithms, HashOptions, TreeDigests};
use palisade_syntax::{Artifact, PathValue, Pipeline, Spanned};

use crate::{EvidenceError, EvidenceErrors, Gathering, LOCK_FILE, LockMode, error_at, lock_path};

/// The lock key of an artifact: `"<kind> <name>"`.
pub fn lock_key(artifact: &Artifact) -> String {
    format!("{} {}", artifact.kind, artifact.name.value)
}

/// Largest lock file read.
const MAX_LOCK_BYTES: u64 = 256 * 1024 * 1024;

/// Reads `palisade.lock` through the pipeline's folder (a lock that is a link to a file outside
/// it is refused, and its content never reaches a message).
// Built once, on the error path: its size does not matter.
#[allow(clippy::result_large_err)]
pub(crate) fn read_lock(
    pipeline: &Pipeline,
    folder: &Folder,
    mode: LockMode,
) -> Result<Option<Lockfile>, EvidenceError> {
    let path = lock_path(pipeline);
    let fail = |cause: miette::Report| {
        error_at(
            pipeline,
            pipeline.name.span,
            format!("{LOCK_FILE} of pipeline {:?}", pipeline.name.value),
            cause,
        )
    };
    let exists = path.symlink_metadata().is_ok();
    match mode {
        LockMode::Ignore => Ok(None),
        LockMode::Auto if !exists => Ok(None),
        LockMode::Require if !exists => Err(fail(miette::miette!(
            help = "run `palisade lock` to pin every local artifact, and commit the lock",
            "{LOCK_FILE}: not found beside the pipeline (--lock requires it)"
        ))),
        _ => {
            let text = folder
                .read_to_string(&path, LOCK_FILE, "a lock file", MAX_LOCK_BYTES)
                .map_err(|e| fail(miette::Report::new(e)))?;
            Lockfile::parse(&path, text)
                .map(Some)
                .map_err(|e| fail(miette::Report::new(e)))
        }
    }
}

/// The digests of every local artifact path, by index in `pipeline.artifacts`.
#[derive(Default)]
pub(crate) struct Hashed {
    pub(crate) trees: BTreeMap<usize, TreeDigests>,
}

/// A message with the pipeline folder's absolute prefix removed, so paths read as written.
fn relative(pipeline: &Pipeline, message: &str) -> miette::Report {
    let base = format!(
        "{}{}",
        pipeline.source.base_dir.display(),
        std::path::MAIN_SEPARATOR
    );
    miette::miette!("{}", message.replace(&base, ""))
}

/// Hashes every local artifact path with `algorithms`, all files together.
pub(crate) fn hash_local(
    pipeline: &Pipeline,
    algorithms: Algorithms,
    progress: bool,
) -> Result<Hashed, EvidenceErrors> {
    let local: Vec<(usize, &Spanned<PathValue>)> = pipeline
        .artifacts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.path.as_ref().map(|p| (i, p)))
        .collect();
    let paths: Vec<PathBuf> = local
        .iter()
        .map(|(_, p)| p.value.resolved.clone())
        .collect();
    let options = HashOptions {
        algorithms,
        progress,
        ..HashOptions::default()
    };
    match palisade_hash::hash_paths(&paths, &options) {
        Ok(trees) => Ok(Hashed {
            trees: local.iter().map(|(i, _)| *i).zip(trees).collect(),
        }),
        Err(_) => {
            // Hash one by one to name every artifact that cannot be hashed.
            let errors = local
                .par_iter()
                .filter_map(|(i, path)| {
                    palisade_hash::hash_path(
                        &path.value.resolved,
                        &HashOptions::with_algorithms(lock::PINNED),
                    )
                    .err()
                    .map(|e| {
                        let artifact = &pipeline.artifacts[*i];
                        error_at(
                            pipeline,
                            path.span,
                            format!(
                                "path {:?} of {} {:?}",
                                path.value.written, artifact.kind, artifact.name.value
                            ),
                            relative(pipeline, &e.to_string()),
                        )
                    })
                })
                .collect();
            Err(EvidenceErrors { errors })
        }
    }
}

/// Sets `digest` and `integrity` of an artifact with a local `path` from its hashed tree and
/// the lock.
pub(crate) fn gather(g: &mut Gathering<'_>, tree: &TreeDigests) {
    let artifact = g.artifact;
    let facts = &mut g.facts;
    // Unknown if sha256 was not computed: subject matching then fails closed.
    facts.digest = tree.root.sha256.map(Digest::sha256);
    let Some(lockfile) = g.context.lock else {
        facts.integrity = Integrity::Unpinned;
        return;
    };
    let entry = lockfile.artifacts.get(&lock_key(artifact));
    let written = artifact.path.as_ref().map(|p| p.value.written.as_str());
    match (entry, written) {
        (Some(entry), Some(written)) if entry.path != written => {
            facts.integrity = Integrity::Mismatch;
            facts.integrity_changes = vec![format!(
                "the lock pins path {:?}, the pipeline says {written:?}",
                entry.path
            )];
        }
        _ => match lock::check(entry, tree) {
            lock::Integrity::Verified => facts.integrity = Integrity::Verified,
            lock::Integrity::Unpinned => facts.integrity = Integrity::Unpinned,
            lock::Integrity::Mismatch(changes) => {
                facts.integrity = Integrity::Mismatch;
                facts.integrity_changes = changes
                    .iter()
                    .map(|c| match c {
                        lock::Change::Modified(p) => format!("modified: {p}"),
                        lock::Change::Added(p) => format!("added: {p}"),
                        lock::Change::Removed(p) => format!("removed: {p}"),
                    })
                    .collect();
            }
        },
    }
}
