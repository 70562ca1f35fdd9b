//! Evidence: reads everything a pipeline points at and turns it into facts on its graph.
//!
//! | slot | reader | facts |
//! | --- | --- | --- |
//! | local `path` | `palisade-hash` (+ `palisade.lock`) | `integrity`, `sha256` |
//! | model files | `palisade-pickle` (static opcode scan) | `unsafe_format`, `dangerous_imports` |
//! | `bom` | `palisade-cyclonedx` | `Package` nodes and edges, `vulnerabilities` (after VEX), `licenses`, `model_card`, `metrics`, labels from `data` components |
//! | `sast`, `dast`, `secrets`, `scans` | `palisade-sarif` | counts by severity, findings |
//! | `signature` (+ `signed_by`) | `palisade-sigstore`; keyless bundles `palisade-keyless` | `signature`, `signers`, `signer_claims` |
//! | `provenance` | `palisade-sigstore` (in-toto, SLSA); keyless bundles `palisade-keyless` | `provenance`, `builder_id`, `build_type`, `builders` |
//! | stage `guardrails` | `palisade-ai` (NeMo Guardrails, Guardrails AI) | `guardrails_config` {framework, input_checks, output_checks} |
//! | stage `redteam` | `palisade-ai` (garak, promptfoo); after every stage, `redteam_link` links reports to model digests | `redteam` {…, tested_models, stale_models} |
//! | stage `declassifies` + `pii_scan` | `palisade-ai` (Presidio), see `declassify`: clean, covers the one output record for record, signed by `runs_as` or attested | `declassifies` |
//! | stage `attestation` | `palisade-intoto` (in-toto links, link / SLSA statements in DSSE or a Sigstore bundle), see `lineage` | `attestation`, `undeclared_inputs`, `unattested_inputs`; `undeclared_input` edges; artifacts' `upstream_unattested`, `upstream_undeclared_inputs` |
//!
//! Evidence that cannot be read is an error naming the pipeline declaration, the file, the
//! place inside it and the reason ([`EvidenceErrors`], exit 2); evidence that reads but does not
//! verify is a fact (`signature = "invalid"`) that policies deny on. Files are read in parallel,
//! one artifact per task; all local paths are hashed together (with a progress bar on a terminal).
//! Every file is opened through the pipeline's confined [`palisade_core::fs::Folder`].
//!
//! One module per slot: [`integrity`] (`path`, `palisade.lock`), `model` (model file scans),
//! [`bom`] (`bom`), `findings` (SARIF slots), `signature` (`signature`, `provenance`), and
//! `keyless` (the same slots when they hold a keyless Sigstore bundle). Adding an
//! evidence kind is a module with a `gather(&mut Gathering)` and one line in
//! `Context::gather`.
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

mod ai;
pub mod bom;
mod declassify;
mod dp_link;
mod dvc_lock;
mod error;
mod findings;
pub mod integrity;
mod keyless;
mod lineage;
mod model;
mod modelcard;
mod read;
mod redteam_link;
mod sidecar;
mod signature;
pub mod spdx;
pub mod summary;
pub mod trust;

use std::path::PathBuf;

use miette::SourceSpan;
use rayon::prelude::*;

use palisade_core::Timestamp;
use palisade_core::fs::Folder;
use palisade_graph::{
    ArtifactFacts, AttachedGraph, BomPackages, DeclaredGraph, Evidence, PipelineFacts,
};
use palisade_hash::lock::{self, Lockfile};
use palisade_hash::{Algorithms, TreeDigests};
use palisade_syntax::{Artifact, Kind, Pipeline};

pub use error::{EvidenceError, EvidenceErrors};
pub use integrity::{LOCK_PREDICATE_TYPE, LOCK_SIGNATURE_FILE, lock_key, lock_statement};
pub use model::declared_facts;
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
    /// `--allow-outside`: evidence files may be read from outside the pipeline's folder.
    pub allow_outside: bool,
    /// `--max-age`, in seconds: the oldest summary (`summary = "…"`) accepted, for every
    /// artifact; an artifact's own `summary_max_age` can only make it stricter.
    pub max_summary_age: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lock: LockMode::Auto,
            progress: false,
            now: Timestamp::now(),
            allow_outside: false,
            max_summary_age: None,
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

/// Hashes every local artifact path and builds the lock `palisade lock` writes.
pub fn build_lock(pipeline: &Pipeline, progress: bool) -> Result<Lockfile, EvidenceErrors> {
    // The lock pins blake3 alone: the fastest digest, and enough for integrity.
    let hashed = integrity::hash_local(pipeline, lock::PINNED, progress)?;
    let mut lockfile = Lockfile::default();
    for (index, tree) in hashed.trees {
        let artifact = &pipeline.artifacts[index];
        if let Some(path) = &artifact.path {
            lockfile.artifacts.insert(
                lock_key(artifact),
                integrity::fresh_entry(artifact, &path.value.written, &tree),
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
    let folder = Folder::new(&pipeline.source.base_dir, options.allow_outside);
    let mut errors = Vec::new();

    let (trust, trust_errors) = Trust::load(pipeline, &folder);
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

    let (keyless, keyless_error) = keyless::Keyless::load(pipeline, &folder);
    errors.extend(keyless_error);

    let dvc = dvc_lock::read(pipeline, &folder).unwrap_or_else(|e| {
        errors.push(e);
        None
    });

    let mut summary = Summary::default();
    let (lockfile, lock_read) = match integrity::read_lock(pipeline, &folder, options.lock) {
        Ok(Some((lock, read))) => {
            summary.lock_file = Some(lock_path(pipeline));
            (Some(lock), Some(read))
        }
        Ok(None) => (None, None),
        Err(e) => {
            errors.push(e);
            (None, None)
        }
    };

    // sha256 for every artifact (its subject digest, matched against signatures and
    // provenance), plus whatever the lock needs to be checked: blake3 for a version 2 lock,
    // nothing more for a version 1 lock (which pins sha256 too).
    let algorithms = lockfile.as_ref().map_or(Algorithms::Sha256, |l| {
        l.algorithms_to_check(Some(Algorithms::Sha256))
    });
    let hashed = match integrity::hash_local(pipeline, algorithms, options.progress) {
        Ok(hashed) => hashed,
        Err(e) => {
            errors.extend(e.errors);
            integrity::Hashed::default()
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
        folder,
        trust: &trust,
        keyless: &keyless,
        identities: &identities,
        lock: lockfile.as_ref(),
        now: options.now,
        max_summary_age: options.max_summary_age,
    };
    let pipeline_facts = match integrity::check_lock_signature(&context, lock_read.as_ref()) {
        Ok(facts) => facts,
        Err(e) => {
            errors.push(e);
            PipelineFacts::default()
        }
    };
    if pipeline_facts.lock_signature_file.is_some() {
        summary.evidence_files += 1;
    }
    // Stages first, then artifacts, each collected straight into the vector `Evidence` keeps
    // (rayon's `unzip` writes in place): a list of per-item results copied over afterwards
    // held every fact twice at the peak (on a 50,000-stage chain, some 200 MB).
    let (stages, stage_errors): (Vec<_>, Vec<_>) = (0..pipeline.stages.len())
        .into_par_iter()
        .map(|index| {
            // Lineage first: a declassification's PII scan may be bound by the attestation.
            let (facts, files, lineage_errors) =
                lineage::gather_stage(&context, index, &hashed.trees);
            let (mut found, mut stage_errors) = ai::gather_stage(&context, index, facts.as_ref());
            found.lineage = facts;
            found.evidence_files.extend(files);
            stage_errors.extend(lineage_errors);
            (found, stage_errors)
        })
        .unzip();
    for (found, stage_errors) in stages.iter().zip(stage_errors) {
        errors.extend(stage_errors);
        summary.evidence_files += found.evidence_files.len();
    }
    let dvc = dvc.as_ref();
    let (artifacts, extras): (Vec<_>, Vec<_>) = (0..pipeline.artifacts.len())
        .into_par_iter()
        .map(|decl| {
            let mut g = context.gather(decl, hashed.trees.get(&decl));
            dvc_lock::gather(&context, dvc, g.artifact, &mut g.facts);
            (Some(g.facts), (g.errors, g.bom))
        })
        .unzip();
    let mut evidence = Evidence {
        artifacts,
        boms: Vec::new(),
        stages,
        pipeline: pipeline_facts,
    };
    for (decl, (facts, (artifact_errors, bom))) in evidence.artifacts.iter().zip(extras).enumerate()
    {
        errors.extend(artifact_errors);
        summary.evidence_files += facts.as_ref().map_or(0, |f| f.evidence_files.len());
        if let Some(bom) = bom {
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
    redteam_link::link(pipeline, &evidence.artifacts, &mut evidence.stages);
    dp_link::link(pipeline, &mut evidence.artifacts, &evidence.stages);
    let attached = graph.attach(evidence);
    summary.packages = attached.packages().count();
    Ok((attached, summary))
}

/// Builds an error located at a span of the pipeline file.
pub(crate) fn error_at(
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

/// Everything an artifact's evidence is read with, shared by every artifact.
pub(crate) struct Context<'a> {
    pub(crate) pipeline: &'a Pipeline,
    /// The pipeline's folder: every evidence file is opened through it.
    pub(crate) folder: Folder,
    pub(crate) trust: &'a Trust,
    /// The trusted root and identities keyless signatures are verified against.
    pub(crate) keyless: &'a keyless::Keyless,
    pub(crate) identities: &'a [(String, String)],
    pub(crate) lock: Option<&'a Lockfile>,
    /// The clock certificates are checked at.
    pub(crate) now: Timestamp,
    /// `--max-age` in seconds (caps every artifact's `summary_max_age`).
    pub(crate) max_summary_age: Option<u64>,
}

/// The evidence of one artifact being gathered: its facts so far, its SBOM's packages and
/// the errors of its files.
pub(crate) struct Gathering<'a> {
    pub(crate) context: &'a Context<'a>,
    pub(crate) artifact: &'a Artifact,
    pub(crate) facts: ArtifactFacts,
    pub(crate) bom: Option<bom::BomFacts>,
    pub(crate) errors: Vec<EvidenceError>,
}

impl Gathering<'_> {
    /// Records that `file` of slot `slot`, declared at `span`, could not be used.
    pub(crate) fn fail(&mut self, span: SourceSpan, slot: &str, file: &str, cause: miette::Report) {
        self.errors.push(error_at(
            self.context.pipeline,
            span,
            format!(
                "{slot} {file:?} of {} {:?}",
                self.artifact.kind, self.artifact.name.value
            ),
            cause,
        ));
    }
}

impl<'a> Context<'a> {
    /// Every slot of `pipeline.artifacts[decl]`, in order; `tree` is its local path hashed.
    fn gather(&'a self, decl: usize, tree: Option<&TreeDigests>) -> Gathering<'a> {
        let artifact = &self.pipeline.artifacts[decl];
        let mut g = Gathering {
            context: self,
            artifact,
            facts: declared_facts(artifact),
            bom: None,
            errors: Vec::new(),
        };
        if let Some(tree) = tree {
            integrity::gather(&mut g, tree);
            // A path that could not be hashed is already reported; don't report it twice.
            model::gather(&mut g);
        }
        bom::gather(&mut g);
        findings::gather(&mut g);
        signature::gather(&mut g);
        signature::gather_provenance(&mut g);
        modelcard::gather(&mut g);
        summary::gather(&mut g);
        g
    }
}
