//! The three phases of a graph, each a type: declared, with evidence attached, with lineage.
//! Each is built from the one before and only from it, so the order syntax → graph →
//! evidence → lineage → policy cannot be skipped or reordered by a caller.

use std::ops::Deref;

use petgraph::graph::NodeIndex;

use palisade_syntax::Pipeline;

use crate::{
    ArtifactFacts, DownstreamFacts, GraphError, Node, PackageFacts, PipelineFacts, PipelineGraph,
    StageEvidence, StageFacts, UpstreamFacts,
};

/// A pipeline's declared things and their edges: what `pipeline.pal` says, nothing more.
#[derive(Debug, Clone)]
pub struct DeclaredGraph {
    graph: PipelineGraph,
}

impl DeclaredGraph {
    /// Builds the graph of a pipeline; a cycle between stages is an error naming every node
    /// on it.
    pub fn build(pipeline: Pipeline) -> Result<Self, GraphError> {
        crate::build::build(pipeline).map(|graph| DeclaredGraph { graph })
    }

    /// Attaches what evidence says: every artifact's facts (an artifact `evidence` says
    /// nothing about keeps the facts its declaration alone gives, see
    /// [`ArtifactFacts::declared`]) and the SBOMs' packages with their dependency edges.
    pub fn attach(self, evidence: Evidence) -> AttachedGraph {
        let mut graph = self.graph;
        let mut facts: Vec<ArtifactFacts> = graph
            .pipeline
            .artifacts
            .iter()
            .map(ArtifactFacts::declared)
            .collect();
        for (decl, found) in evidence.artifacts.into_iter().enumerate().take(facts.len()) {
            if let Some(found) = found {
                facts[decl] = found;
            }
        }
        for (decl, bom) in evidence.boms {
            let Some(artifact) = graph.pipeline.artifacts.get(decl) else {
                continue;
            };
            let Some(owner) = graph.find(artifact.kind.kind(), &artifact.name.value) else {
                continue;
            };
            let nodes: Vec<NodeIndex> = bom
                .packages
                .into_iter()
                .map(|package| graph.add_package(owner, package))
                .collect();
            for (dependent, dependency) in bom.dependencies {
                if let (Some(&a), Some(&b)) = (nodes.get(dependent), nodes.get(dependency)) {
                    graph.add_package_dependency(a, b);
                }
            }
        }
        let mut stages = evidence.stages;
        stages.resize(graph.pipeline.stages.len(), StageEvidence::default());
        graph.add_undeclared_inputs(&stages);
        AttachedGraph {
            graph,
            facts,
            stages,
            pipeline_facts: evidence.pipeline,
        }
    }
}

impl Deref for DeclaredGraph {
    type Target = PipelineGraph;

    fn deref(&self) -> &PipelineGraph {
        &self.graph
    }
}

/// What evidence says about a pipeline, ready to attach: gathered by `palisade-evidence`.
/// `Evidence::default()` says nothing (facts from the declarations only: tests and benches).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Facts of each artifact, by index in `pipeline.artifacts` (`None`, or a short vector:
    /// the declaration's facts).
    pub artifacts: Vec<Option<ArtifactFacts>>,
    /// The packages of each artifact's SBOM: (index in `pipeline.artifacts`, packages).
    pub boms: Vec<(usize, BomPackages)>,
    /// What each stage's own evidence says, by index in `pipeline.stages` (a short vector:
    /// nothing).
    pub stages: Vec<StageEvidence>,
    /// What evidence says about the pipeline as a whole (its lock and the lock's signature).
    pub pipeline: PipelineFacts,
}

/// The packages one SBOM lists and their dependency edges.
#[derive(Debug, Clone, Default)]
pub struct BomPackages {
    /// Packages, deduplicated by key within the SBOM.
    pub packages: Vec<PackageFacts>,
    /// `(dependent, dependency)` indexes into `packages`.
    pub dependencies: Vec<(usize, usize)>,
}

/// The graph with evidence attached: every artifact's own facts, and the SBOM packages.
#[derive(Debug, Clone)]
pub struct AttachedGraph {
    graph: PipelineGraph,
    /// By index in `pipeline.artifacts`.
    facts: Vec<ArtifactFacts>,
    /// By index in `pipeline.stages`.
    stages: Vec<StageEvidence>,
    /// The pipeline's own facts.
    pipeline_facts: PipelineFacts,
}

impl AttachedGraph {
    /// What evidence says about `pipeline.stages[index]`.
    pub fn stage_evidence(&self, index: usize) -> Option<&StageEvidence> {
        self.stages.get(index)
    }

    /// What evidence says about the pipeline as a whole: its lock and the lock's signature.
    pub fn pipeline_facts(&self) -> &PipelineFacts {
        &self.pipeline_facts
    }

    /// What evidence says about the artifact at `node` (`None` if it is not an artifact).
    pub fn facts(&self, node: NodeIndex) -> Option<&ArtifactFacts> {
        self.graph
            .artifact(node)
            .and_then(|a| self.facts.get(a.decl))
    }

    /// What evidence says about `pipeline.artifacts[decl]`.
    pub fn facts_of(&self, decl: usize) -> Option<&ArtifactFacts> {
        self.facts.get(decl)
    }

    /// Whether the artifact at `node` itself carries `label` (declared or from evidence).
    pub fn has_own_label(&self, node: NodeIndex, label: &str) -> bool {
        self.graph.artifact(node).is_some_and(|artifact| {
            self.facts
                .get(artifact.decl)
                .is_some_and(|f| f.evidence_labels.contains(label))
                || self.graph.pipeline.artifacts[artifact.decl]
                    .labels
                    .iter()
                    .any(|l| l.value == label)
        })
    }

    /// The path from the nearest artifact that itself carries `label` (declared or from
    /// evidence) to `to`, found by a breadth-first search (see [`PipelineGraph::lineage_path`]).
    pub fn path_to_label(&self, to: NodeIndex, label: &str) -> Option<Vec<NodeIndex>> {
        self.graph
            .lineage_path(to, |_, node| self.has_own_label(node, label))
    }

    /// Computes every upstream and downstream fact (see `lineage.rs`): the last phase, the
    /// only one policies judge.
    pub fn lineage(self) -> LineageGraph {
        let lineage = crate::lineage::compute(&self);
        LineageGraph {
            attached: self,
            upstream: lineage.upstream,
            downstream: lineage.downstream,
            stages: lineage.stages,
        }
    }
}

impl Deref for AttachedGraph {
    type Target = PipelineGraph;

    fn deref(&self) -> &PipelineGraph {
        &self.graph
    }
}

/// The graph with every fact: evidence and lineage. What policies judge.
#[derive(Debug, Clone)]
pub struct LineageGraph {
    attached: AttachedGraph,
    /// By index in `pipeline.artifacts`.
    upstream: Vec<UpstreamFacts>,
    /// By index in `pipeline.artifacts`.
    downstream: Vec<DownstreamFacts>,
    /// By index in `pipeline.stages`.
    stages: Vec<StageFacts>,
}

impl LineageGraph {
    /// What the lineage of the artifact at `node` says (`None` if it is not an artifact).
    pub fn upstream(&self, node: NodeIndex) -> Option<&UpstreamFacts> {
        self.artifact(node).and_then(|a| self.upstream.get(a.decl))
    }

    /// What is downstream of the artifact at `node` (`None` if it is not an artifact).
    pub fn downstream(&self, node: NodeIndex) -> Option<&DownstreamFacts> {
        self.artifact(node)
            .and_then(|a| self.downstream.get(a.decl))
    }

    /// What is derived for the stage at `node` (`None` if it is not a stage).
    pub fn stage_facts(&self, node: NodeIndex) -> Option<&StageFacts> {
        match self.node(node) {
            Node::Stage(i) => self.stages.get(*i),
            _ => None,
        }
    }
}

impl Deref for LineageGraph {
    type Target = AttachedGraph;

    fn deref(&self) -> &AttachedGraph {
        &self.attached
    }
}
