//! Evidence: reads everything a pipeline points at and turns it into facts on its graph.
//!
//! | slot | reader | facts |
//! | --- | --- | --- |
//! | local `path` | `palisade-hash` (+ `palisade.lock`) | `integrity`, `sha256` |
//! | model files | `palisade-pickle` (static opcode scan) | `unsafe_format`, `dangerous_imports` |
//! | `bom` | `palisade-cyclonedx` | `Package` nodes and edges, `vulnerabilities` (after VEX), `licenses`, `model_card`, `metrics`, labels from `data` components |
//! | `sast`, `dast`, `secrets`, `scans` | `palisade-sarif` | counts by severity, findings |
//! | `signature` (+ `signed_by`) | `palisade-sigstore` | `signature`, `signers` |
//! | `provenance` | `palisade-sigstore` (in-toto, SLSA) | `provenance`, `builder_id`, `build_type`, `builders` |
//!
//! Evidence that cannot be read is an error naming the pipeline declaration, the file, the
//! place inside it and the reason ([`EvidenceErrors`], exit 2); evidence that reads but does not
//! verify is a fact (`signature = "invalid"`) that policies deny on. Files are read in parallel,
//! one artifact per task; all local paths are hashed together (with a progress bar on a terminal).
//!
//! ```no_run
//! # fn main() -> miette::Result<()> {
//! let pipeline = palisade_syntax::load("pipeline.pal".as_ref(), &Default::default())?;
//! let declared = palisade_graph::DeclaredGraph::build(pipeline)?;
//! let (attached, summary) = palisade_evidence::attach(declared, &palisade_evidence::Options::default())?;
//! println!("{} evidence files, {} bytes hashed", summary.evidence_files, summary.bytes_hashed);
//! let graph = attached.lineage();
//! # Ok(())
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod bom;
mod error;
pub mod trust;

use std::collections::BTreeMap;
use std::path::PathBuf;

use miette::SourceSpan;
use rayon::prelude::*;

use palisade_core::Severity;
use palisade_core::{Digest, Timestamp};
use palisade_graph::{
    ArtifactFacts, AttachedGraph, BomPackages, Counts, DeclaredGraph, Evidence, EvidenceFile,
    FindingSummary, Integrity, MAX_FINDINGS, SignatureState,
};
use palisade_hash::lock::{self, Lockfile};
use palisade_hash::{Algorithms, HashOptions, TreeDigests};
use palisade_syntax::{Artifact, ArtifactKind, Kind, PathValue, Pipeline, Spanned};

pub use error::{EvidenceError, EvidenceErrors};
pub use trust::Trust;

/// The lock file's name, beside the pipeline file.
pub const LOCK_FILE: &str = "palisade.lock";

/// Whether `evaluate` uses `palisade.lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// Use it when it exists (`integrity` is `unpinned` for everything otherwise).
    #[default]
    Auto,
    /// It must exist (`--lock`).
    Require,
    /// Do not read it (`--no-lock`): every local artifact is `unpinned`.
    Ignore,
}

/// How evidence is gathered.
#[derive(Debug, Clone)]
pub struct Options {
    /// Lock file use.
    pub lock: LockMode,
    /// Show a progress bar while hashing (only drawn on a terminal).
    pub progress: bool,
    /// The time certificates are checked at: the evaluation's clock (`--at`).
    pub now: Timestamp,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lock: LockMode::Auto,
            progress: false,
            now: Timestamp::now(),
        }
    }
}

/// What was gathered, for the command line's summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The lock file read, if any.
    pub lock_file: Option<PathBuf>,
    /// Local files hashed.
    pub files_hashed: usize,
    /// Bytes hashed.
    pub bytes_hashed: u64,
    /// Evidence files read (boms, reports, signatures, provenance).
    pub evidence_files: usize,
    /// Package nodes in the graph after reading the boms.
    pub packages: usize,
}

/// The lock file of a pipeline.
pub fn lock_path(pipeline: &Pipeline) -> PathBuf {
    pipeline.source.base_dir.join(LOCK_FILE)
}

/// The lock key of an artifact: `"<kind> <name>"`.
pub fn lock_key(artifact: &Artifact) -> String {
    format!("{} {}", artifact.kind, artifact.name.value)
}

/// Hashes every local artifact path and builds the lock `palisade lock` writes.
pub fn build_lock(pipeline: &Pipeline, progress: bool) -> Result<Lockfile, EvidenceErrors> {
    // The lock pins blake3 alone: the fastest digest, and enough for integrity.
    let hashed = hash_local(pipeline, lock::PINNED, progress)?;
    let mut lockfile = Lockfile::default();
    for (index, tree) in hashed.trees {
        let artifact = &pipeline.artifacts[index];
        if let Some(path) = &artifact.path {
            lockfile.artifacts.insert(
                lock_key(artifact),
                Lockfile::entry_from(&path.value.written, &tree),
            );
        }
    }
    Ok(lockfile)
}

/// Reads all evidence and attaches it: the facts of every artifact and the SBOMs' packages.
/// The next phase is [`AttachedGraph::lineage`].
pub fn attach(
    graph: DeclaredGraph,
    options: &Options,
) -> Result<(AttachedGraph, Summary), EvidenceErrors> {
    let pipeline = &graph.pipeline;
    let mut errors = Vec::new();

    let (trust, trust_errors) = Trust::load(pipeline);
    for e in trust_errors {
        let (span, what) = match e.kind {
            Kind::Key => {
                let key = &pipeline.keys[e.index];
                (
                    key.public_key.span,
                    format!("public_key {:?} of key {:?}", e.file, key.name.value),
                )
            }
            _ => {
                let identity = &pipeline.identities[e.index];
                let span = identity.ca.as_ref().map_or(identity.span, |c| c.span);
                (
                    span,
                    format!("ca {:?} of identity {:?}", e.file, identity.name.value),
                )
            }
        };
        errors.push(error_at(pipeline, span, what, e.cause));
    }

    let mut summary = Summary::default();
    let lockfile = match read_lock(pipeline, options.lock) {
        Ok(found) => {
            summary.lock_file = found.as_ref().map(|_| lock_path(pipeline));
            found
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };

    // sha256 for every artifact (its subject digest, matched against signatures and
    // provenance), plus whatever the lock needs to be checked: blake3 for a version 2 lock,
    // nothing more for a version 1 lock (which pins sha256 too).
    let algorithms = lockfile.as_ref().map_or(Algorithms::Sha256, |l| {
        l.algorithms_to_check(Some(Algorithms::Sha256))
    });
    let hashed = match hash_local(pipeline, algorithms, options.progress) {
        Ok(hashed) => hashed,
        Err(e) => {
            errors.extend(e.errors);
            Hashed::default()
        }
    };
    summary.files_hashed = hashed.trees.values().map(|t| t.files.len()).sum();
    summary.bytes_hashed = hashed.trees.values().map(|t| t.root.size).sum();

    let identities: Vec<(String, String)> = pipeline
        .identities
        .iter()
        .filter_map(|i| {
            i.builder
                .as_ref()
                .map(|b| (i.name.value.clone(), b.value.clone()))
        })
        .collect();
    let context = Context {
        pipeline,
        trust: &trust,
        identities: &identities,
        lock: lockfile.as_ref(),
        now: options.now,
    };
    let gathered: Vec<Gathered> = (0..pipeline.artifacts.len())
        .into_par_iter()
        .map(|decl| context.gather(decl, hashed.trees.get(&decl)))
        .collect();

    let mut evidence = Evidence {
        artifacts: Vec::with_capacity(gathered.len()),
        boms: Vec::new(),
    };
    for (decl, g) in gathered.into_iter().enumerate() {
        errors.extend(g.errors);
        summary.evidence_files += g.facts.evidence_files.len();
        evidence.artifacts.push(Some(g.facts));
        if let Some(bom) = g.bom {
            evidence.boms.push((
                decl,
                BomPackages {
                    packages: bom.packages,
                    dependencies: bom.dependencies,
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(EvidenceErrors { errors });
    }
    let attached = graph.attach(evidence);
    summary.packages = attached.packages().count();
    Ok((attached, summary))
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

/// Builds an error located at a span of the pipeline file.
fn error_at(
    pipeline: &Pipeline,
    span: SourceSpan,
    what: String,
    cause: miette::Report,
) -> EvidenceError {
    let (line, column) = pipeline.source.line_col(span.offset());
    let reason = cause.to_string();
    let reason = reason.lines().next().unwrap_or_default().to_owned();
    EvidenceError {
        location: format!("{}:{line}:{column}", pipeline.source.name),
        what,
        reason,
        src: pipeline.source.named_source(),
        span,
        // A cause that is only a message is already said in `reason`; one with a snippet of
        // the evidence file is worth showing.
        cause: if cause.source_code().is_some()
            || cause.related().is_some()
            || cause.help().is_some()
        {
            vec![cause]
        } else {
            Vec::new()
        },
    }
}

// Built once, on the error path: its size does not matter.
#[allow(clippy::result_large_err)]
fn read_lock(pipeline: &Pipeline, mode: LockMode) -> Result<Option<Lockfile>, EvidenceError> {
    let path = lock_path(pipeline);
    match mode {
        LockMode::Ignore => Ok(None),
        LockMode::Auto if !path.exists() => Ok(None),
        LockMode::Require if !path.exists() => Err(error_at(
            pipeline,
            pipeline.name.span,
            format!("{LOCK_FILE} of pipeline {:?}", pipeline.name.value),
            miette::miette!(
                help = "run `palisade lock` to pin every local artifact, and commit the lock",
                "{LOCK_FILE}: not found beside the pipeline (--lock requires it)"
            ),
        )),
        _ => Lockfile::read(&path).map(Some).map_err(|e| {
            error_at(
                pipeline,
                pipeline.name.span,
                format!("{LOCK_FILE} of pipeline {:?}", pipeline.name.value),
                miette::Report::new(e),
            )
        }),
    }
}

/// The digests of every local artifact path, by index in `pipeline.artifacts`.
#[derive(Default)]
struct Hashed {
    trees: BTreeMap<usize, TreeDigests>,
}

fn hash_local(
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

struct Context<'a> {
    pipeline: &'a Pipeline,
    trust: &'a Trust,
    identities: &'a [(String, String)],
    lock: Option<&'a Lockfile>,
    now: Timestamp,
}

struct Gathered {
    facts: ArtifactFacts,
    bom: Option<bom::BomFacts>,
    errors: Vec<EvidenceError>,
}

impl Context<'_> {
    fn gather(&self, decl: usize, tree: Option<&TreeDigests>) -> Gathered {
        let artifact = &self.pipeline.artifacts[decl];
        let mut facts = declared_facts(artifact);
        let mut errors = Vec::new();
        let mut fail = |span: SourceSpan, slot: &str, file: &str, cause: miette::Report| {
            errors.push(error_at(
                self.pipeline,
                span,
                format!(
                    "{slot} {file:?} of {} {:?}",
                    artifact.kind, artifact.name.value
                ),
                cause,
            ));
        };

        if let Some(tree) = tree {
            // Unknown if sha256 was not computed: subject matching then fails closed.
            facts.digest = tree.root.sha256.map(Digest::sha256);
            match self.lock {
                None => facts.integrity = Integrity::Unpinned,
                Some(lockfile) => {
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
            }
        }

        // A path that could not be hashed is already reported; don't report it twice.
        if artifact.kind == ArtifactKind::Model
            && tree.is_some()
            && let Some(path) = &artifact.path
        {
            match palisade_pickle::scan_path(&path.value.resolved) {
                Ok(scan) => {
                    if scan.pickle_based {
                        facts.model.unsafe_format = true;
                        facts
                            .model
                            .format
                            .get_or_insert_with(|| "pickle".to_owned());
                    }
                    facts.model.imports.extend(scan.imports);
                    facts.model.dangerous_imports.extend(scan.dangerous_imports);
                }
                Err(e) => fail(
                    path.span,
                    "model file",
                    &path.value.written,
                    miette::Report::new(e),
                ),
            }
        }

        let mut bom_facts = None;
        if let Some(bom_path) = &artifact.bom {
            let limits = palisade_cyclonedx::Limits::default();
            match read_evidence(&bom_path.value, limits.max_bytes, |bytes| {
                palisade_cyclonedx::parse(bytes, &bom_path.value.written, &limits)
                    .map_err(miette::Report::new)
            }) {
                Ok((bom, file)) => {
                    facts.evidence_files.push(file);
                    let reduced = bom::facts(&bom);
                    facts.vulnerabilities.merge(&reduced.vulnerabilities);
                    facts.licenses.extend(reduced.licenses.iter().cloned());
                    facts.evidence_labels.extend(reduced.labels.iter().cloned());
                    if artifact.kind == ArtifactKind::Model {
                        facts.model.model_card |= reduced.model_card;
                        facts.model.metrics.extend(reduced.metrics.iter().cloned());
                    }
                    bom_facts = Some(reduced);
                }
                Err(e) => fail(bom_path.span, "bom", &bom_path.value.written, e),
            }
        }

        let mut findings = Vec::new();
        for (slot, files) in [
            ("sast", &artifact.sast),
            ("dast", &artifact.dast),
            ("secrets", &artifact.secrets),
            ("scans", &artifact.scans),
        ] {
            let mut counts = Counts::default();
            for file in files {
                match read_evidence(&file.value, palisade_sarif::MAX_FILE_SIZE, |bytes| {
                    palisade_sarif::parse(bytes, &file.value.written).map_err(miette::Report::new)
                }) {
                    Ok((report, read)) => {
                        facts.evidence_files.push(read);
                        let c = report.counts();
                        counts.merge(&Counts {
                            critical: c.critical,
                            high: c.high,
                            medium: c.medium,
                            low: c.low,
                            total: c.total,
                        });
                        findings.extend(report.findings.iter().filter_map(|f| {
                            let severity = match f.severity {
                                palisade_sarif::Severity::Critical => Severity::Critical,
                                palisade_sarif::Severity::High => Severity::High,
                                palisade_sarif::Severity::Medium => Severity::Medium,
                                palisade_sarif::Severity::Low => Severity::Low,
                                palisade_sarif::Severity::Info => return None,
                            };
                            Some(FindingSummary {
                                slot: slot.to_owned(),
                                tool: f.tool.clone(),
                                rule: f.rule_id.clone(),
                                severity,
                                message: f.message.clone(),
                                location: f.location.as_ref().map(|l| match l.start_line {
                                    Some(line) => format!("{}:{line}", l.uri),
                                    None => l.uri.clone(),
                                }),
                            })
                        }));
                    }
                    Err(e) => fail(file.span, slot, &file.value.written, e),
                }
            }
            match slot {
                "sast" => facts.sast = counts,
                "dast" => facts.dast = counts,
                "secrets" => facts.secrets = counts,
                _ => facts.scans = counts,
            }
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
        });
        findings.truncate(MAX_FINDINGS);
        facts.findings = findings;

        if let Some(signature) = &artifact.signature {
            let file = &signature.value.written;
            match read_bundle(&signature.value) {
                Ok((bundle, read)) => {
                    facts.evidence_files.push(read);
                    let signed_by: Vec<_> =
                        artifact.signed_by.iter().map(|r| r.value.clone()).collect();
                    let trust = self.trust.restricted_to(&signed_by);
                    let check = match &artifact.path {
                        Some(path)
                            if artifact.kind == ArtifactKind::Model
                                && trust::is_model_signature(&bundle, file) =>
                        {
                            trust::check_model_signature(
                                &bundle,
                                &trust::ModelOnDisk {
                                    path: &path.value.resolved,
                                },
                                &trust,
                                self.now,
                            )
                        }
                        _ => Ok(trust::check_signature(
                            &bundle,
                            facts.digest.as_ref(),
                            &trust,
                            self.now,
                            file,
                        )),
                    };
                    match check {
                        Ok(check) => {
                            facts.signature = check.state;
                            facts.signers = check.signers;
                            facts.signature_reason = check.reason;
                        }
                        Err(cause) => fail(signature.span, "signature", file, cause),
                    }
                }
                Err(cause) => fail(signature.span, "signature", file, cause),
            }
        } else {
            facts.signature = SignatureState::Absent;
        }

        if let Some(provenance) = &artifact.provenance {
            let file = &provenance.value.written;
            match read_bundle(&provenance.value) {
                Ok((bundle, read)) => {
                    facts.evidence_files.push(read);
                    let (found, reason) = trust::check_provenance(
                        &bundle,
                        facts.digest.as_ref(),
                        self.trust,
                        self.identities,
                        self.now,
                        file,
                    );
                    facts.provenance = found;
                    facts.provenance_reason = reason;
                }
                Err(cause) => fail(provenance.span, "provenance", file, cause),
            }
        }

        Gathered {
            facts,
            bom: bom_facts,
            errors,
        }
    }
}

/// Formats that are pickles underneath: loading them can run arbitrary code.
const PICKLE_FORMATS: &[&str] = &[
    "pickle",
    "pkl",
    "pytorch",
    "pt",
    "pth",
    "torch",
    "joblib",
    "dill",
    "cloudpickle",
    "keras-pickle",
    "npy-object",
];

/// File extensions of pickle-based model files.
const PICKLE_EXTENSIONS: &[&str] = &["pkl", "pickle", "pt", "pth", "joblib", "ckpt", "dill"];

/// What an artifact's declaration alone says ([`ArtifactFacts::declared`]), and for a model
/// whether its declared format or file extension is pickle-based: the facts evidence starts
/// from (and what synthetic benchmarks start from).
pub fn declared_facts(artifact: &Artifact) -> ArtifactFacts {
    let mut facts = ArtifactFacts::declared(artifact);
    if artifact.kind == ArtifactKind::Model {
        facts.model.unsafe_format |= declared_pickle(artifact);
    }
    facts
}

/// Whether a model's declaration says it is pickle-based (by format, or by its path's
/// extension): the scan of its files can only add to this, never clear it.
fn declared_pickle(artifact: &Artifact) -> bool {
    let format = artifact
        .format
        .as_ref()
        .map(|f| f.value.to_lowercase())
        .unwrap_or_default();
    let by_extension = artifact.path.as_ref().is_some_and(|p| {
        std::path::Path::new(&p.value.written)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| PICKLE_EXTENSIONS.contains(&e.to_lowercase().as_str()))
    });
    PICKLE_FORMATS.contains(&format.as_str()) || by_extension
}

fn read_bundle(
    path: &PathValue,
) -> Result<(palisade_sigstore::bundle::Bundle, EvidenceFile), miette::Report> {
    let limit = u64::try_from(palisade_sigstore::bundle::MAX_BUNDLE_BYTES).unwrap_or(u64::MAX);
    read_evidence(path, limit, |bytes| {
        palisade_sigstore::bundle::parse(bytes, &path.written).map_err(miette::Report::new)
    })
}

/// Reads and parses an evidence file, and records its sha256 (from the bytes read once) for the
/// attestation's `inputAttestations`.
fn read_evidence<T>(
    path: &PathValue,
    limit: u64,
    parse: impl FnOnce(&[u8]) -> Result<T, miette::Report>,
) -> Result<(T, EvidenceFile), miette::Report> {
    use sha2::Digest as _;
    let bytes = read_limited(path, limit)?;
    let value = parse(&bytes)?;
    let file = EvidenceFile {
        path: path.written.clone(),
        digest: Digest::sha256(sha2::Sha256::digest(&bytes).into()),
    };
    Ok((value, file))
}

/// Reads an evidence file, refusing it by size before reading (and stopping at the limit, in
/// case it grows meanwhile). Errors name the file as the pipeline wrote it.
fn read_limited(path: &PathValue, limit: u64) -> Result<Vec<u8>, miette::Report> {
    use std::io::Read as _;
    let name = &path.written;
    let io = |e: std::io::Error| miette::miette!("{name}: cannot read: {e}");
    let file = std::fs::File::open(&path.resolved).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(miette::miette!("{name}: is a directory, not a file"));
    }
    let too_large = |size: u64| {
        miette::miette!(
            "{name}: {size} bytes is more than the {limit}-byte limit for this kind of evidence"
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}
