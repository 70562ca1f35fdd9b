//! The graph of a pipeline: every declared thing and every SBOM package as a node, the data
//! flow between them as edges, and the facts derived from each artifact's lineage.
//!
//! Edges point the way data flows, from upstream to downstream: `input` (artifact → stage),
//! `output` (stage → artifact), `depends_on` (package → the artifact whose SBOM lists it, and
//! package → package along the SBOM's dependency graph), `runs_as` (identity → stage),
//! `uses_secret` (secret → stage) and `released_by` (artifact → release). An artifact's lineage
//! is therefore everything with a path *to* it.
//!
//! The graph goes through three phases, each a type, so that nothing can judge a graph whose
//! facts were never computed:
//!
//! 1. [`DeclaredGraph`]: the declared things and their edges ([`DeclaredGraph::build`]);
//! 2. [`AttachedGraph`]: plus what evidence says ([`DeclaredGraph::attach`] takes the
//!    [`Evidence`] that `palisade-evidence` gathers: artifact facts and SBOM packages);
//! 3. [`LineageGraph`]: plus every upstream and downstream fact ([`AttachedGraph::lineage`]),
//!    computed in Rust in one topological pass, never by Cedar's `in` (Cedar's transitive
//!    closure grows with the square of the lineage depth). Policies judge only this type.
//!
//! Each phase derefs to the one before it, down to [`PipelineGraph`], the structure they share.
//!
//! ```
//! # use std::path::Path;
//! use palisade_graph::{DeclaredGraph, Evidence};
//!
//! let text = r#"pipeline "p" {
//!   dataset "d" { path = "d.csv" labels = ["pii"] }
//!   model "m" { path = "m.bin" }
//!   stage "train" { inputs = [dataset "d"] outputs = [model "m"] }
//! }"#;
//! let pipeline = palisade_syntax::parse_str(text, "pipeline.pal", Path::new("."), &Default::default()).unwrap();
//! // Facts from the declarations only; `palisade_evidence::attach` reads the real evidence.
//! let graph = DeclaredGraph::build(pipeline).unwrap().attach(Evidence::default()).lineage();
//! let model = graph.find(palisade_syntax::Kind::Model, "m").unwrap();
//! assert!(graph.upstream(model).unwrap().labels.contains("pii"));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod build;
mod error;
pub mod facts;
mod lineage;
mod phases;
pub mod render;

use std::collections::{HashMap, HashSet};

use petgraph::Direction;
use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;

use palisade_syntax::{ArtifactKind, Kind, Pipeline};

pub use error::GraphError;
pub use facts::*;
pub use lineage::{LineagePath, NearestOrigins};
pub use petgraph::graph::NodeIndex;
pub use phases::{AttachedGraph, BomPackages, DeclaredGraph, Evidence, LineageGraph};

/// The kind of an edge, named as in the SPEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// Artifact → stage that reads it.
    Input,
    /// Stage → artifact it writes.
    Output,
    /// Package → artifact including it, or package → package depending on it.
    DependsOn,
    /// Identity → stage running as it.
    RunsAs,
    /// Secret → stage using it.
    UsesSecret,
    /// Artifact → release shipping it.
    ReleasedBy,
    /// Artifact → stage whose attestation shows it read the artifact although its `inputs`
    /// do not declare it (added when evidence is attached; data flows along it).
    UndeclaredInput,
}

impl EdgeKind {
    /// The edge's name in reports and renderings.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Input => "input",
            EdgeKind::Output => "output",
            EdgeKind::DependsOn => "depends_on",
            EdgeKind::RunsAs => "runs_as",
            EdgeKind::UsesSecret => "uses_secret",
            EdgeKind::ReleasedBy => "released_by",
            EdgeKind::UndeclaredInput => "undeclared_input",
        }
    }
}

/// What a node is. Declared things point into the [`Pipeline`] by index.
#[derive(Debug, Clone)]
pub enum Node {
    /// `pipeline.keys[i]`.
    Key(usize),
    /// `pipeline.identities[i]`.
    Identity(usize),
    /// `pipeline.artifacts[i]`.
    Artifact(Box<ArtifactNode>),
    /// `pipeline.stages[i]`.
    Stage(usize),
    /// `pipeline.releases[i]`.
    Release(usize),
    /// A package from an SBOM.
    Package(Box<PackageFacts>),
}

/// An artifact node: its declaration and the packages its SBOM includes. What evidence and
/// lineage say about it lives in [`AttachedGraph`] and [`LineageGraph`].
#[derive(Debug, Clone)]
pub struct ArtifactNode {
    /// Index into `pipeline.artifacts`.
    pub decl: usize,
    /// The artifact's kind.
    pub kind: ArtifactKind,
    /// Packages its SBOM includes (empty before evidence is attached).
    pub packages: Vec<NodeIndex>,
}

/// A node's identity: the declaration kind and name, or a package key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    /// A declared thing.
    Declared(Kind, String),
    /// A package, by its deduplication key (purl, else `name@version`).
    Package(String),
}

/// The Cedar entity type name of a node (`Dataset`, `Stage`, `Package` …).
pub fn entity_type(node: &Node) -> &'static str {
    match node {
        Node::Key(_) => "Key",
        Node::Identity(_) => "Identity",
        Node::Artifact(artifact) => artifact_entity_type(artifact.kind),
        Node::Stage(_) => "Stage",
        Node::Release(_) => "Release",
        Node::Package(_) => "Package",
    }
}

/// The Cedar entity type name of an artifact kind.
pub fn artifact_entity_type(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::Code => "Code",
        ArtifactKind::Dataset => "Dataset",
        ArtifactKind::Model => "Model",
        ArtifactKind::Image => "Image",
        ArtifactKind::Secret => "Secret",
    }
}

/// The structure every phase shares: the pipeline, its nodes and edges, and the topological
/// order. Read-only outside this crate; build it through [`DeclaredGraph::build`].
#[derive(Debug, Clone)]
pub struct PipelineGraph {
    /// The parsed pipeline the graph was built from.
    pub pipeline: Pipeline,
    graph: DiGraph<Node, EdgeKind>,
    index: HashMap<NodeId, NodeIndex>,
    /// Declared nodes in topological order (upstream first).
    topo: Vec<NodeIndex>,
    /// (package, artifact) pairs recorded by [`PipelineGraph::add_package`].
    included: HashSet<(NodeIndex, NodeIndex)>,
    /// (dependency, dependent) pairs recorded by [`PipelineGraph::add_package_dependency`].
    dependencies: HashSet<(NodeIndex, NodeIndex)>,
}

impl PipelineGraph {
    /// The underlying petgraph graph.
    pub fn graph(&self) -> &DiGraph<Node, EdgeKind> {
        &self.graph
    }

    /// Number of nodes (declared things and packages).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// The node of a declared thing.
    pub fn find(&self, kind: Kind, name: &str) -> Option<NodeIndex> {
        self.index
            .get(&NodeId::Declared(kind, name.to_owned()))
            .copied()
    }

    /// The node of a package, by key.
    pub fn find_package(&self, key: &str) -> Option<NodeIndex> {
        self.index.get(&NodeId::Package(key.to_owned())).copied()
    }

    /// The node at `index`.
    pub fn node(&self, index: NodeIndex) -> &Node {
        &self.graph[index]
    }

    /// The artifact at `index`, if it is one.
    pub fn artifact(&self, index: NodeIndex) -> Option<&ArtifactNode> {
        match &self.graph[index] {
            Node::Artifact(artifact) => Some(artifact),
            _ => None,
        }
    }

    fn artifact_mut(&mut self, index: NodeIndex) -> Option<&mut ArtifactNode> {
        match &mut self.graph[index] {
            Node::Artifact(artifact) => Some(artifact),
            _ => None,
        }
    }

    /// Every artifact node, in declaration order.
    pub fn artifacts(&self) -> impl Iterator<Item = (NodeIndex, &ArtifactNode)> {
        self.pipeline.artifacts.iter().filter_map(|decl| {
            let index = self.find(decl.kind.kind(), &decl.name.value)?;
            Some((index, self.artifact(index)?))
        })
    }

    /// Every package node.
    pub fn packages(&self) -> impl Iterator<Item = (NodeIndex, &PackageFacts)> {
        self.graph
            .node_indices()
            .filter_map(|index| match &self.graph[index] {
                Node::Package(package) => Some((index, package.as_ref())),
                _ => None,
            })
    }

    /// Adds (or finds, deduplicating by key) a package and records that `owner`'s SBOM includes
    /// it. Returns the package's node.
    pub(crate) fn add_package(&mut self, owner: NodeIndex, package: PackageFacts) -> NodeIndex {
        let id = NodeId::Package(package.key.clone());
        let index = match self.index.get(&id) {
            Some(&existing) => {
                if let Node::Package(known) = &mut self.graph[existing] {
                    // The same package seen through several SBOMs: keep every fact any of them gives.
                    known.licenses.extend(package.licenses);
                    for id in package.vulnerability_ids {
                        known.vulnerability_ids.insert(id);
                    }
                    if package.vulnerabilities.total > known.vulnerabilities.total {
                        known.vulnerabilities = package.vulnerabilities;
                    }
                }
                existing
            }
            None => {
                let index = self.graph.add_node(Node::Package(Box::new(package)));
                self.index.insert(id, index);
                index
            }
        };
        // A set, not `packages.contains`: an SBOM of n packages made that quadratic.
        if matches!(self.graph[owner], Node::Artifact(_)) && self.included.insert((index, owner)) {
            if let Some(artifact) = self.artifact_mut(owner) {
                artifact.packages.push(index);
            }
            self.graph.add_edge(index, owner, EdgeKind::DependsOn);
        }
        index
    }

    /// Records that package `dependent` depends on package `dependency` (edge dependency → dependent).
    /// Adds an `undeclared_input` edge from every declared artifact a stage's attestation
    /// shows it read without declaring it, then orders the graph again. An edge that would
    /// close a cycle (the stage produces the artifact, directly or not) is left out: the
    /// stage's facts still list the input.
    pub(crate) fn add_undeclared_inputs(&mut self, stages: &[StageEvidence]) {
        let mut added = false;
        for (i, evidence) in stages.iter().enumerate() {
            let Some(lineage) = &evidence.lineage else {
                continue;
            };
            let Some(stage) = self.pipeline.stages.get(i) else {
                continue;
            };
            let Some(stage_node) = self.find(Kind::Stage, &stage.name.value) else {
                continue;
            };
            for decl in lineage.undeclared_inputs.iter().flat_map(|r| &r.artifacts) {
                let Some(artifact) = self.pipeline.artifacts.get(*decl) else {
                    continue;
                };
                let Some(node) = self.find(artifact.kind.kind(), &artifact.name.value) else {
                    continue;
                };
                let exists = self
                    .graph
                    .edges_connecting(node, stage_node)
                    .any(|e| matches!(e.weight(), EdgeKind::Input | EdgeKind::UndeclaredInput));
                if exists
                    || petgraph::algo::has_path_connecting(&self.graph, stage_node, node, None)
                {
                    continue;
                }
                self.graph
                    .add_edge(node, stage_node, EdgeKind::UndeclaredInput);
                added = true;
            }
        }
        if added && let Ok(order) = petgraph::algo::toposort(&self.graph, None) {
            // Packages are not declared nodes: keep the order over declared nodes only.
            self.topo = order
                .into_iter()
                .filter(|&n| !matches!(self.graph[n], Node::Package(_)))
                .collect();
        }
    }

    pub(crate) fn add_package_dependency(&mut self, dependent: NodeIndex, dependency: NodeIndex) {
        // Sets, not `find_edge`: that scans every dependent of a popular package.
        let pair = (dependency, dependent);
        if !self.included.contains(&pair) && self.dependencies.insert(pair) {
            self.graph
                .add_edge(dependency, dependent, EdgeKind::DependsOn);
        }
    }

    /// The package at `index`, if it is one.
    pub fn package(&self, index: NodeIndex) -> Option<&PackageFacts> {
        match &self.graph[index] {
            Node::Package(package) => Some(package),
            _ => None,
        }
    }

    /// Declared nodes in topological order, upstream first.
    pub fn topological(&self) -> &[NodeIndex] {
        &self.topo
    }

    /// Direct predecessors of a node along edges of the given kinds.
    pub fn predecessors<'a>(
        &'a self,
        index: NodeIndex,
        kinds: &'a [EdgeKind],
    ) -> impl Iterator<Item = NodeIndex> + 'a {
        self.graph
            .edges_directed(index, Direction::Incoming)
            .filter(move |edge| kinds.contains(edge.weight()))
            .map(|edge| edge.source())
    }

    /// Direct successors of a node along edges of the given kinds.
    pub fn successors<'a>(
        &'a self,
        index: NodeIndex,
        kinds: &'a [EdgeKind],
    ) -> impl Iterator<Item = NodeIndex> + 'a {
        self.graph
            .edges_directed(index, Direction::Outgoing)
            .filter(move |edge| kinds.contains(edge.weight()))
            .map(|edge| edge.target())
    }

    /// The kind and name of a declared node, or `Package` and the key.
    pub fn node_name(&self, index: NodeIndex) -> (&'static str, &str) {
        let pipeline = &self.pipeline;
        match &self.graph[index] {
            Node::Key(i) => ("Key", &pipeline.keys[*i].name.value),
            Node::Identity(i) => ("Identity", &pipeline.identities[*i].name.value),
            Node::Artifact(artifact) => (
                artifact_entity_type(artifact.kind),
                &pipeline.artifacts[artifact.decl].name.value,
            ),
            Node::Stage(i) => ("Stage", &pipeline.stages[*i].name.value),
            Node::Release(i) => ("Release", &pipeline.releases[*i].name.value),
            Node::Package(package) => ("Package", &package.key),
        }
    }

    /// `Type::"name"`, the Cedar entity uid of a node as text.
    pub fn uid_string(&self, index: NodeIndex) -> String {
        let (kind, name) = self.node_name(index);
        format!("{kind}::{}", quote(name))
    }

    /// The byte span of a declared node's block in the pipeline file (`None` for packages).
    pub fn span(&self, index: NodeIndex) -> Option<miette::SourceSpan> {
        let pipeline = &self.pipeline;
        Some(match &self.graph[index] {
            Node::Key(i) => pipeline.keys[*i].name.span,
            Node::Identity(i) => pipeline.identities[*i].name.span,
            Node::Artifact(artifact) => pipeline.artifacts[artifact.decl].name.span,
            Node::Stage(i) => pipeline.stages[*i].name.span,
            Node::Release(i) => pipeline.releases[*i].name.span,
            Node::Package(_) => return None,
        })
    }
}

/// Quotes a name as a Cedar string literal.
pub fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
