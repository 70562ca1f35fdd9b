//! Wiring for the commands that judge a pipeline: syntax → graph → evidence → policy.

use std::io::IsTerminal as _;
use std::path::Path;

use miette::Report;

use palisade_graph::PipelineGraph;
use palisade_policy::{Evaluation, PolicyFile, PolicyPack};
use palisade_syntax::{LoadOptions, PolicySource};

/// Command-line options that change how a pipeline is loaded.
#[derive(Debug, Clone, Default)]
pub struct GateOptions {
    /// `--policies`: replaces the pipeline's `policies` list when not empty.
    pub policies: Vec<String>,
    /// `--allow-outside`.
    pub allow_outside: bool,
    /// `--lock` / `--no-lock`.
    pub lock: palisade_evidence::LockMode,
}

/// A pipeline loaded and ready to judge: its graph with evidence, and its policies.
pub struct Gate {
    /// The graph, with upstream facts computed.
    pub graph: PipelineGraph,
    /// The validated policies.
    pub pack: PolicyPack,
    /// What evidence was read.
    pub evidence: palisade_evidence::Summary,
}

impl Gate {
    /// Loads everything; any unusable input is an error (exit 2).
    pub fn load(path: &Path, options: &GateOptions) -> miette::Result<Gate> {
        if !path.exists() {
            return Err(miette::miette!(
                code = "palisade::usage",
                help =
                    "pass the pipeline file, or run palisade in the folder that holds pipeline.pal",
                "pipeline file {} not found",
                path.display()
            ));
        }
        let load_options = LoadOptions {
            allow_outside: options.allow_outside,
            ..LoadOptions::default()
        };
        let pipeline = palisade_syntax::load(path, &load_options).map_err(Report::new)?;
        let mut graph = PipelineGraph::build(pipeline).map_err(Report::new)?;

        let files = policy_files(&graph, options)?;
        let pack = PolicyPack::load(files).map_err(Report::new)?;
        palisade_policy::check_waivers(&graph.pipeline, &pack).map_err(Report::new)?;
        // Evidence last: hashing and verifying is the expensive part, and the cheap checks
        // above should fail first.
        let evidence = palisade_evidence::attach(
            &mut graph,
            &palisade_evidence::Options {
                lock: options.lock,
                progress: std::io::stderr().is_terminal(),
                now: std::time::SystemTime::now(),
            },
        )
        .map_err(Report::new)?;
        graph.compute_upstream();
        Ok(Gate {
            graph,
            pack,
            evidence,
        })
    }

    /// Evaluates at `at` (Unix seconds).
    pub fn evaluate(&self, at: i64) -> miette::Result<Evaluation> {
        palisade_policy::evaluate(&self.graph, &self.pack, at).map_err(Report::new)
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

/// The policy files to load: `--policies` if given, else the pipeline's list, else the baseline.
fn policy_files(graph: &PipelineGraph, options: &GateOptions) -> miette::Result<Vec<PolicyFile>> {
    let mut files = Vec::new();
    if !options.policies.is_empty() {
        for entry in &options.policies {
            if entry == "@baseline" {
                files.extend(palisade_policy::baseline());
            } else if entry.starts_with('@') {
                return Err(miette::miette!(
                    code = "palisade::usage",
                    "--policies {entry}: the only built-in pack is @baseline"
                ));
            } else {
                files.extend(
                    palisade_policy::read_folder(Path::new(entry), entry).map_err(Report::new)?,
                );
            }
        }
        return Ok(files);
    }
    match &graph.pipeline.policies {
        None => files.extend(palisade_policy::baseline()),
        Some(list) => {
            for entry in list {
                match &entry.value {
                    PolicySource::Baseline => files.extend(palisade_policy::baseline()),
                    PolicySource::Folder(folder) => files.extend(
                        palisade_policy::read_folder(&folder.resolved, &folder.written)
                            .map_err(Report::new)?,
                    ),
                }
            }
        }
    }
    Ok(files)
}
