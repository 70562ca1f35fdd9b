//! The gate: one call that loads a pipeline ready to judge.
//!
//! [`Gate::load`] runs the phases in their only order — syntax, graph, policies and waivers,
//! evidence, lineage — and returns a [`Gate`] holding the [`LineageGraph`] and the validated
//! [`PolicyPack`]; [`Gate::evaluate`] judges it at the gate's clock. Every command that judges
//! a pipeline (`check`, `evaluate`, `explain`, `graph`, `test`, `attest`) and the benchmarks go
//! through here, so none of them wires the phases itself. Cheap checks come first: a policy or
//! waiver error is reported before gigabytes are hashed.
//!
//! ```no_run
//! use palisade_gate::{Gate, Options};
//!
//! # fn main() -> miette::Result<()> {
//! let gate = Gate::load("examples/fraud-detection/pipeline.pal".as_ref(), &Options::default())?;
//! let evaluation = gate.evaluate()?;
//! println!("{}: {} violations", evaluation.decision, evaluation.violations.len());
//! # Ok(())
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use palisade_core::Timestamp;
use palisade_core::fs::Folder;
use palisade_evidence::{EvidenceErrors, LockMode, Summary};
use palisade_graph::{DeclaredGraph, GraphError, LineageGraph};
use palisade_policy::{
    Evaluation, InternalError, PolicyError, PolicyErrors, PolicyFile, PolicyPack,
};
use palisade_syntax::{Diagnostics, LoadOptions, PolicySource};

/// Where policies come from, when the command line overrides the pipeline's `policies` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyArg {
    /// `@baseline`: the pack built into the binary.
    Baseline,
    /// A folder of `.cedar` files, as given on the command line.
    Folder(PathBuf),
}

/// A `--policies` value that names no pack or folder.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum PolicyArgError {
    /// `@name` other than `@baseline`.
    #[error("{0}: the only built-in policy pack is @baseline")]
    #[diagnostic(code(palisade::usage))]
    UnknownPack(String),
    /// An empty value.
    #[error("an empty policy folder")]
    #[diagnostic(code(palisade::usage))]
    Empty,
}

impl std::str::FromStr for PolicyArg {
    type Err = PolicyArgError;

    /// `@baseline`, or a folder path; any other `@name` is refused (the only built-in pack is
    /// `@baseline`).
    fn from_str(text: &str) -> Result<Self, PolicyArgError> {
        match text {
            "@baseline" => Ok(PolicyArg::Baseline),
            other if other.starts_with('@') => Err(PolicyArgError::UnknownPack(
                palisade_core::text::escape_line(other).into_owned(),
            )),
            "" => Err(PolicyArgError::Empty),
            folder => Ok(PolicyArg::Folder(PathBuf::from(folder))),
        }
    }
}

/// How a pipeline is loaded.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--policies`: replaces the pipeline's `policies` list when not empty.
    pub policies: Vec<PolicyArg>,
    /// `--allow-outside`: paths may leave the pipeline's folder.
    pub allow_outside: bool,
    /// `--lock` / `--no-lock`.
    pub lock: LockMode,
    /// `--at`: the one clock for waivers, `context.now` and certificate validity.
    pub at: Timestamp,
    /// Draw a progress bar while hashing (only on a terminal).
    pub progress: bool,
    /// `--max-age`, in seconds: the oldest verification summary accepted (caps each
    /// artifact's `summary_max_age`).
    pub max_age: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            policies: Vec::new(),
            allow_outside: false,
            lock: LockMode::Auto,
            at: Timestamp::now(),
            progress: false,
            max_age: None,
        }
    }
}

/// Why a pipeline could not be loaded (exit 2). Each variant renders its phase's own
/// diagnostic.
#[derive(Debug, Error, Diagnostic)]
pub enum GateError {
    /// The pipeline file is not there.
    #[error("pipeline file {} not found", path.display())]
    #[diagnostic(
        code(palisade::usage),
        help("pass the pipeline file, or run palisade in the folder that holds pipeline.pal")
    )]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The pipeline file does not parse or resolve.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<Diagnostics>),
    /// The graph cannot be built (a cycle).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Graph(Box<GraphError>),
    /// A policy file is unreadable or invalid, or a waiver names no policy.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policies(Box<PolicyErrors>),
    /// A policy folder could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(Box<PolicyError>),
    /// Evidence could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Evidence(Box<EvidenceErrors>),
}

/// A pipeline loaded and ready to judge.
#[derive(Debug)]
pub struct Gate {
    /// The graph with every fact: what policies judge.
    pub graph: LineageGraph,
    /// The validated policies.
    pub pack: PolicyPack,
    /// What evidence was read.
    pub evidence: Summary,
    /// The clock every time-dependent decision reads (`--at`).
    pub at: Timestamp,
}

impl Gate {
    /// Loads everything; any unusable input is an error (exit 2). See the crate docs for the
    /// order.
    pub fn load(path: &Path, options: &Options) -> Result<Gate, GateError> {
        if !path.exists() {
            return Err(GateError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let load_options = LoadOptions {
            allow_outside: options.allow_outside,
            ..LoadOptions::default()
        };
        let pipeline = palisade_syntax::load(path, &load_options)
            .map_err(|e| GateError::Syntax(Box::new(e)))?;
        let declared = DeclaredGraph::build(pipeline).map_err(|e| GateError::Graph(Box::new(e)))?;
        let pack = load_policies(&declared, &options.policies, options.allow_outside)?;
        // Evidence last: hashing and verifying is the expensive part, and the cheap checks
        // above should fail first.
        let (attached, evidence) = palisade_evidence::attach(
            declared,
            &palisade_evidence::Options {
                lock: options.lock,
                progress: options.progress,
                now: options.at,
                allow_outside: options.allow_outside,
                max_summary_age: options.max_age,
            },
        )
        .map_err(|e| GateError::Evidence(Box::new(e)))?;
        Ok(Gate {
            graph: attached.lineage(),
            pack,
            evidence,
            at: options.at,
        })
    }

    /// Assembles a gate from a declared graph and evidence gathered elsewhere (synthetic
    /// evidence in benchmarks), running the same phases as [`Gate::load`] after the parse.
    pub fn assemble(
        declared: DeclaredGraph,
        evidence: palisade_graph::Evidence,
        pack: PolicyPack,
        at: Timestamp,
    ) -> Result<Gate, GateError> {
        palisade_policy::check_waivers(&declared.pipeline, &pack)
            .map_err(|e| GateError::Policies(Box::new(e)))?;
        Ok(Gate {
            graph: declared.attach(evidence).lineage(),
            pack,
            evidence: Summary::default(),
            at,
        })
    }

    /// Evaluates every policy at the gate's clock.
    ///
    /// # Errors
    /// Only [`InternalError`], a bug (the CLI exits 2: the decision is unknowable).
    pub fn evaluate(&self) -> Result<Evaluation, InternalError> {
        palisade_policy::evaluate(&self.graph, &self.pack, self.at)
    }

    /// Number of declared things.
    pub fn declarations(&self) -> usize {
        let p = &self.graph.pipeline;
        p.keys.len()
            + p.identities.len()
            + p.artifacts.len()
            + p.stages.len()
            + p.releases.len()
            + p.waivers.len()
    }
}

/// Loads the policies (`--policies` if given, else the pipeline's list, else the baseline) and
/// checks that every waiver names one of them.
fn load_policies(
    declared: &DeclaredGraph,
    args: &[PolicyArg],
    allow_outside: bool,
) -> Result<PolicyPack, GateError> {
    let pipeline_folder = Folder::new(&declared.pipeline.source.base_dir, allow_outside);
    let folder_error = |e: PolicyError| GateError::Policy(Box::new(e));
    let mut files: Vec<PolicyFile> = Vec::new();
    if !args.is_empty() {
        for arg in args {
            match arg {
                PolicyArg::Baseline => files.extend(palisade_policy::baseline()),
                // A folder named on the command line is the user's choice; links inside it
                // still may not lead out of it.
                PolicyArg::Folder(folder) => files.extend(
                    palisade_policy::read_folder(
                        &Folder::new(folder, allow_outside),
                        folder,
                        &folder.display().to_string(),
                    )
                    .map_err(folder_error)?,
                ),
            }
        }
    } else {
        match &declared.pipeline.policies {
            None => files.extend(palisade_policy::baseline()),
            Some(list) => {
                for entry in list {
                    match &entry.value {
                        PolicySource::Baseline => files.extend(palisade_policy::baseline()),
                        PolicySource::Folder(folder) => files.extend(
                            palisade_policy::read_folder(
                                &pipeline_folder,
                                &folder.resolved,
                                &folder.written,
                            )
                            .map_err(folder_error)?,
                        ),
                    }
                }
            }
        }
    }
    let pack = PolicyPack::load(files).map_err(|e| GateError::Policies(Box::new(e)))?;
    palisade_policy::check_waivers(&declared.pipeline, &pack)
        .map_err(|e| GateError::Policies(Box::new(e)))?;
    palisade_policy::check_entities(&declared.pipeline, &pack)
        .map_err(|e| GateError::Policies(Box::new(e)))?;
    Ok(pack)
}
