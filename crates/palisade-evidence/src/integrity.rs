//! `path` and `palisade.lock`: hashing local artifacts and comparing them with the lock.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use palisade_core::Digest;
use palisade_core::fs::Folder;
use palisade_graph::{EvidenceFile, Integrity, PipelineFacts, SignatureState};
use palisade_hash::lock::{self, Lockfile};
use palisade_hash::{Algorithms, HashOptions, TreeDigests};
use palisade_sigstore::verify::{Outcome, verify_bundle};
use palisade_syntax::{Artifact, PathValue, Pipeline, Spanned};

use crate::read::read_bundle;
use crate::{
    Context, EvidenceError, EvidenceErrors, Gathering, LOCK_FILE, LockMode, error_at, lock_path,
};

/// The lock key of an artifact: `"<kind> <name>"`.
pub fn lock_key(artifact: &Artifact) -> String {
    format!("{} {}", artifact.kind, artifact.name.value)
}

/// Largest lock file read.
const MAX_LOCK_BYTES: u64 = 256 * 1024 * 1024;

/// Reads `palisade.lock` through the pipeline's folder (a lock that is a link to a file outside
/// it is refused, and its content never reaches a message). Also returns the lock as an
/// evidence file: the sha256 of the exact bytes parsed, which its signature must sign.
// Built once, on the error path: its size does not matter.
#[allow(clippy::result_large_err)]
pub(crate) fn read_lock(
    pipeline: &Pipeline,
    folder: &Folder,
    mode: LockMode,
) -> Result<Option<(Lockfile, EvidenceFile)>, EvidenceError> {
    use sha2::Digest as _;
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
            let file = EvidenceFile {
                path: LOCK_FILE.to_owned(),
                digest: Digest::sha256(sha2::Sha256::digest(text.as_bytes()).into()),
            };
            Lockfile::parse(&path, text)
                .map(|lock| Some((lock, file)))
                .map_err(|e| fail(miette::Report::new(e)))
        }
    }
}

/// The in-toto predicate type of a lock signature written by `palisade lock --sign`: a
/// statement whose subject is `palisade.lock` with the sha256 of its exact bytes.
pub const LOCK_PREDICATE_TYPE: &str = "https://palisade.dev/lock/v1";

/// The lock's signature file, beside the lock.
pub const LOCK_SIGNATURE_FILE: &str = "palisade.lock.sigstore.json";

/// The statement `palisade lock --sign` signs: subject `palisade.lock` with the sha256 of
/// `lock_bytes`, predicate type [`LOCK_PREDICATE_TYPE`], the pipeline's name in the predicate.
pub fn lock_statement(lock_bytes: &[u8], pipeline_name: &str) -> Vec<u8> {
    use sha2::Digest as _;
    let sha256 = hex::encode(sha2::Sha256::digest(lock_bytes));
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": LOCK_FILE, "digest": {"sha256": sha256}}],
        "predicateType": LOCK_PREDICATE_TYPE,
        "predicate": {"pipeline": pipeline_name},
    });
    serde_json::to_vec(&statement).unwrap_or_default()
}

/// Checks the lock's signature (`palisade.lock.sigstore.json` beside it) against the keys and
/// identities of `lock_signed_by` (every declared one when it is empty). Accepted: a DSSE
/// in-toto statement of type [`LOCK_PREDICATE_TYPE`] whose subject has the lock's sha256, or
/// a message signature over the lock's bytes (`cosign sign-blob palisade.lock --bundle …`).
/// A signature file that cannot be read is an error; one that does not verify is a fact.
#[allow(clippy::result_large_err)]
pub(crate) fn check_lock_signature(
    context: &Context<'_>,
    lock: Option<&EvidenceFile>,
) -> Result<PipelineFacts, EvidenceError> {
    let pipeline = context.pipeline;
    let mut facts = PipelineFacts {
        lock: lock.cloned(),
        ..PipelineFacts::default()
    };
    let Some(lock) = lock else {
        facts.lock_signature_reason = Some(format!("no {LOCK_FILE} was used"));
        return Ok(facts);
    };
    let path = pipeline.source.base_dir.join(LOCK_SIGNATURE_FILE);
    if path.symlink_metadata().is_err() {
        facts.lock_signature_reason = Some(format!(
            "{LOCK_SIGNATURE_FILE} not found beside the pipeline (`palisade lock --sign --key KEY` writes it)"
        ));
        return Ok(facts);
    }
    let written = PathValue {
        written: LOCK_SIGNATURE_FILE.to_owned(),
        resolved: path,
    };
    let (bundle, file) =
        read_bundle(&context.folder, &written, "a lock signature").map_err(|cause| {
            error_at(
                pipeline,
                pipeline.name.span,
                format!(
                    "{LOCK_SIGNATURE_FILE} of pipeline {:?}",
                    pipeline.name.value
                ),
                cause,
            )
        })?;
    facts.lock_signature_file = Some(file);
    let signed_by: Vec<_> = pipeline
        .lock_signed_by
        .iter()
        .map(|r| r.value.clone())
        .collect();
    let trust = context.trust.restricted_to(&signed_by);
    let sha256 = lock.digest.as_sha256();
    let outcome = match bundle.envelope() {
        // A message signature: checked against the lock's own sha256.
        None => verify_bundle(
            &bundle,
            &trust.keys,
            &trust.authorities,
            sha256.as_ref(),
            context.now.to_system_time(),
        ),
        Some(_) => verify_bundle(
            &bundle,
            &trust.keys,
            &trust.authorities,
            None,
            context.now.to_system_time(),
        ),
    };
    let invalid = |facts: &mut PipelineFacts, reason: String| {
        facts.lock_signature = SignatureState::Invalid;
        facts.lock_signature_reason = Some(reason);
    };
    match outcome {
        Outcome::Invalid { reason } => invalid(&mut facts, reason),
        Outcome::Verified {
            signer,
            payload_type: None,
            ..
        } => {
            facts.lock_signature = SignatureState::Verified;
            facts.lock_signers.insert(signer);
        }
        Outcome::Verified {
            signer,
            payload,
            payload_type: Some(payload_type),
        } => {
            if payload_type != palisade_sigstore::IN_TOTO_PAYLOAD_TYPE {
                invalid(
                    &mut facts,
                    format!(
                        "signed by {signer}, but the DSSE payload is {payload_type}, not an in-toto statement about {LOCK_FILE}"
                    ),
                );
                return Ok(facts);
            }
            match palisade_sigstore::intoto::parse_statement(&payload, LOCK_SIGNATURE_FILE) {
                Err(e) => invalid(
                    &mut facts,
                    format!("the signed statement is unreadable: {e}"),
                ),
                Ok(statement) if statement.predicate_type != LOCK_PREDICATE_TYPE => invalid(
                    &mut facts,
                    format!(
                        "signed by {signer}, but the statement's predicate type is {}, not {LOCK_PREDICATE_TYPE}",
                        statement.predicate_type
                    ),
                ),
                Ok(statement) => {
                    let hex_digest = lock.digest.hex();
                    if statement
                        .subjects
                        .iter()
                        .any(|s| s.digest.get("sha256") == Some(&hex_digest))
                    {
                        facts.lock_signature = SignatureState::Verified;
                        facts.lock_signers.insert(signer);
                    } else {
                        invalid(
                            &mut facts,
                            format!(
                                "signed by {signer}, but over another {LOCK_FILE} (the lock's sha256 is {hex_digest}): the lock changed after it was signed"
                            ),
                        );
                    }
                }
            }
        }
    }
    Ok(facts)
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

/// An artifact's `ignore` patterns as written (the resolver checked that they parse).
pub fn ignore_of(artifact: &Artifact) -> Vec<String> {
    artifact.ignore.iter().map(|p| p.value.clone()).collect()
}

/// The hash options for an artifact: `algorithms`, and its `ignore` patterns. The one place
/// both `palisade lock` and evaluate's integrity check get them from, so that they agree.
pub fn hash_options_for(
    artifact: &Artifact,
    algorithms: Algorithms,
    progress: bool,
) -> HashOptions {
    HashOptions {
        algorithms,
        progress,
        // Parsed by the resolver already; a list that does not parse here ignores nothing
        // (more files hashed: a mismatch, never a silent pass).
        exclude: palisade_core::ignore::IgnoreList::parse(&ignore_of(artifact)).unwrap_or_default(),
        ..HashOptions::default()
    }
}

/// The lock entry for an artifact's freshly hashed tree: its digests and its `ignore` list.
pub fn fresh_entry(artifact: &Artifact, written: &str, tree: &TreeDigests) -> lock::LockEntry {
    let mut entry = Lockfile::entry_from(written, tree);
    entry.ignore = ignore_of(artifact);
    entry
}

/// Hashes every local artifact path with `algorithms`, all files together (artifacts with
/// `ignore` patterns in one call per distinct list).
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
    // Group by ignore list (almost always one group: no list).
    let mut groups: BTreeMap<Vec<String>, Vec<(usize, PathBuf)>> = BTreeMap::new();
    for (i, p) in &local {
        groups
            .entry(ignore_of(&pipeline.artifacts[*i]))
            .or_default()
            .push((*i, p.value.resolved.clone()));
    }
    let hashed: Result<BTreeMap<usize, TreeDigests>, palisade_hash::HashError> = groups
        .values()
        .try_fold(BTreeMap::new(), |mut trees, group| {
            let Some((first, _)) = group.first() else {
                return Ok(trees);
            };
            let options = hash_options_for(&pipeline.artifacts[*first], algorithms, progress);
            let paths: Vec<PathBuf> = group.iter().map(|(_, p)| p.clone()).collect();
            let hashed = palisade_hash::hash_paths(&paths, &options)?;
            trees.extend(group.iter().map(|(i, _)| *i).zip(hashed));
            Ok(trees)
        });
    match hashed {
        Ok(trees) => Ok(Hashed { trees }),
        Err(_) => {
            // Hash one by one to name every artifact that cannot be hashed.
            let errors = local
                .par_iter()
                .filter_map(|(i, path)| {
                    palisade_hash::hash_path(
                        &path.value.resolved,
                        &hash_options_for(&pipeline.artifacts[*i], lock::PINNED, false),
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
        _ => match lock::check_entry(entry, &fresh_entry(artifact, written.unwrap_or(""), tree)) {
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
                        lock::Change::Ignore(locked, now) => format!(
                            "ignore patterns changed: the lock was made with {locked:?}, the pipeline says {now:?} (review them and run `palisade lock`)"
                        ),
                    })
                    .collect();
            }
        },
    }
}
