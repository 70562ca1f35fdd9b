//! The lineage pass: upstream facts in one topological sweep, downstream facts in one reverse
//! sweep, and lineage paths that explain where a fact came from.

use std::collections::{BTreeSet, HashMap, VecDeque};

use fixedbitset::FixedBitSet;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::{ArtifactKind, EdgeKind, Node, PipelineGraph, Severity};

/// Edges along which data flows between artifacts and stages (what "lineage" follows).
pub(crate) const FLOW: [EdgeKind; 2] = [EdgeKind::Input, EdgeKind::Output];

/// Exposure levels, least exposed first.
const EXPOSURES: [&str; 4] = ["none", "private", "internal", "public"];

fn exposure_rank(exposure: &str) -> usize {
    EXPOSURES.iter().position(|e| *e == exposure).unwrap_or(0)
}

impl PipelineGraph {
    /// Computes every upstream and downstream fact. Call after the evidence stage has filled in
    /// the artifacts' own facts; calling it again recomputes from scratch.
    ///
    /// Cost: one pass over the declared nodes in topological order. Label, license and source
    /// sets propagate by union (idempotent, so diamonds are fine); counts over *distinct*
    /// upstream artifacts use one bitset per node, freed as soon as its last successor has
    /// consumed it, so a 10,000-deep chain keeps only a few bitsets alive.
    pub fn compute_upstream(&mut self) {
        let order = self.topo.clone();
        let artifact_ordinal: HashMap<NodeIndex, usize> = order
            .iter()
            .filter(|&&n| matches!(self.graph[n], Node::Artifact(_)))
            .enumerate()
            .map(|(i, &n)| (n, i))
            .collect();
        let width = artifact_ordinal.len();
        let mut unsigned = FixedBitSet::with_capacity(width);
        let mut unpinned = FixedBitSet::with_capacity(width);
        let mut with_secrets = FixedBitSet::with_capacity(width);
        let mut with_sast = FixedBitSet::with_capacity(width);
        let mut by_ordinal = vec![NodeIndex::end(); width];
        for (&node, &i) in &artifact_ordinal {
            by_ordinal[i] = node;
            if let Node::Artifact(artifact) = &self.graph[node] {
                // Secrets are references into a vault, never content: they are neither signed
                // nor hashed, so they don't count as unsigned or unpinned lineage.
                let content = artifact.kind != ArtifactKind::Secret;
                unsigned.set(
                    i,
                    content && artifact.facts.signature != crate::SignatureState::Verified,
                );
                unpinned.set(i, content && !artifact.facts.integrity.is_pinned());
                with_secrets.set(i, artifact.facts.secrets.total > 0);
                with_sast.set(i, artifact.facts.sast.total > 0);
            }
        }

        // Remaining successors per node, to free a node's ancestor set once all have used it.
        let mut pending: HashMap<NodeIndex, usize> = order
            .iter()
            .map(|&n| (n, self.flow_successors(n).count()))
            .collect();
        let mut ancestors: HashMap<NodeIndex, FixedBitSet> = HashMap::new();
        // Small propagated sets: labels, licenses, source datasets/models, max severity.
        let mut labels: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut licenses: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut datasets: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut models: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut severity: HashMap<NodeIndex, Severity> = HashMap::new();

        for &node in &order {
            let mut mine = FixedBitSet::with_capacity(width);
            let mut my_labels = BTreeSet::new();
            let mut my_licenses = BTreeSet::new();
            let mut my_datasets = BTreeSet::new();
            let mut my_models = BTreeSet::new();
            let mut my_severity = Severity::None;
            let predecessors: Vec<NodeIndex> = self.flow_predecessors(node).collect();
            for &pred in &predecessors {
                if let Some(set) = ancestors.get(&pred) {
                    mine.union_with(set);
                }
                if let Some(&i) = artifact_ordinal.get(&pred) {
                    mine.insert(i);
                }
                if let Some(set) = labels.get(&pred) {
                    my_labels.extend(set.iter().cloned());
                }
                if let Some(set) = licenses.get(&pred) {
                    my_licenses.extend(set.iter().cloned());
                }
                if let Some(set) = datasets.get(&pred) {
                    my_datasets.extend(set.iter().cloned());
                }
                if let Some(set) = models.get(&pred) {
                    my_models.extend(set.iter().cloned());
                }
                my_severity = my_severity.max(severity.get(&pred).copied().unwrap_or_default());
            }
            let produced = self
                .graph
                .edges_directed(node, Direction::Incoming)
                .any(|e| *e.weight() == EdgeKind::Output);
            if let Node::Artifact(artifact) = &self.graph[node] {
                let decl = &self.pipeline.artifacts[artifact.decl];
                let name = &decl.name.value;
                // What flows on downstream includes the artifact itself; `upstream_*` counts
                // below are computed before adding it ("strictly upstream").
                let upstream_unsigned = count_intersection(&mine, &unsigned);
                let upstream_unpinned = count_intersection(&mine, &unpinned);
                my_labels.extend(decl.labels.iter().map(|l| l.value.clone()));
                my_labels.extend(artifact.facts.evidence_labels.iter().cloned());
                my_licenses.extend(artifact.facts.licenses.iter().cloned());
                my_severity = my_severity.max(artifact.facts.vulnerabilities.highest());
                // Sources are the datasets and models no stage produces: raw data and base
                // models. Listing every intermediate would grow with the square of the depth.
                if !produced {
                    match artifact.kind {
                        ArtifactKind::Dataset => {
                            my_datasets.insert(name.clone());
                        }
                        ArtifactKind::Model => {
                            my_models.insert(name.clone());
                        }
                        _ => {}
                    }
                }
                let mut secrets = artifact.facts.secrets;
                let mut sast = artifact.facts.sast;
                for i in intersection(&mine, &with_secrets) {
                    if let Some(a) = self.artifact(by_ordinal[i]) {
                        secrets.merge(&a.facts.secrets);
                    }
                }
                for i in intersection(&mine, &with_sast) {
                    if let Some(a) = self.artifact(by_ordinal[i]) {
                        sast.merge(&a.facts.sast);
                    }
                }
                let upstream = crate::UpstreamFacts {
                    labels: my_labels.clone(),
                    unsigned: upstream_unsigned,
                    unpinned: upstream_unpinned,
                    max_vulnerability: my_severity,
                    licenses: my_licenses.clone(),
                    datasets: my_datasets
                        .iter()
                        .filter(|d| *d != name || artifact.kind != ArtifactKind::Dataset)
                        .cloned()
                        .collect(),
                    models: my_models
                        .iter()
                        .filter(|m| *m != name || artifact.kind != ArtifactKind::Model)
                        .cloned()
                        .collect(),
                    secrets,
                    sast,
                };
                if let Node::Artifact(artifact) = &mut self.graph[node] {
                    artifact.upstream = upstream;
                }
            }
            for pred in predecessors {
                if let Some(left) = pending.get_mut(&pred) {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        ancestors.remove(&pred);
                        labels.remove(&pred);
                        licenses.remove(&pred);
                        datasets.remove(&pred);
                        models.remove(&pred);
                        severity.remove(&pred);
                    }
                }
            }
            if pending.get(&node).copied().unwrap_or(0) > 0 {
                ancestors.insert(node, mine);
                labels.insert(node, my_labels);
                licenses.insert(node, my_licenses);
                datasets.insert(node, my_datasets);
                models.insert(node, my_models);
                severity.insert(node, my_severity);
            }
        }
        self.compute_stage_labels();
        self.compute_downstream();
    }

    fn compute_stage_labels(&mut self) {
        let stages: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], Node::Stage(..)))
            .collect();
        for stage in stages {
            let mut input_labels = BTreeSet::new();
            for input in self
                .predecessors(stage, &[EdgeKind::Input])
                .collect::<Vec<_>>()
            {
                if let Some(upstream) = self.upstream(input) {
                    input_labels.extend(upstream.labels.iter().cloned());
                }
            }
            if let Node::Stage(_, facts) = &mut self.graph[stage] {
                facts.input_labels = input_labels;
            }
        }
    }

    /// Exposure flows backwards from releases; producers come from `output` edges.
    fn compute_downstream(&mut self) {
        let mut exposure: HashMap<NodeIndex, usize> = HashMap::new();
        for &node in self.topo.iter().rev() {
            let mut rank = 0;
            for edge in self.graph.edges_directed(node, Direction::Outgoing) {
                let target = edge.target();
                rank = rank.max(match &self.graph[target] {
                    Node::Release(i) => {
                        exposure_rank(self.pipeline.releases[*i].exposure.value.as_str())
                    }
                    _ if FLOW.contains(edge.weight()) => {
                        exposure.get(&target).copied().unwrap_or(0)
                    }
                    _ => 0,
                });
            }
            exposure.insert(node, rank);
        }
        let nodes: Vec<NodeIndex> = self.topo.clone();
        for node in nodes {
            let rank = exposure.get(&node).copied().unwrap_or(0);
            let label = EXPOSURES[rank].to_owned();
            let mut produced_by = BTreeSet::new();
            let mut identities = BTreeSet::new();
            let mut unidentified = 0;
            let mut released_in = BTreeSet::new();
            if matches!(self.graph[node], Node::Artifact(_)) {
                for stage in self.predecessors(node, &[EdgeKind::Output]) {
                    if let Node::Stage(i, _) = &self.graph[stage] {
                        let decl = &self.pipeline.stages[*i];
                        produced_by.insert(decl.name.value.clone());
                        match &decl.runs_as {
                            Some(identity) => {
                                identities.insert(identity.value.name.clone());
                            }
                            None => unidentified += 1,
                        }
                    }
                }
                for release in self.successors(node, &[EdgeKind::ReleasedBy]) {
                    if let Node::Release(i) = &self.graph[release] {
                        released_in.insert(self.pipeline.releases[*i].name.value.clone());
                    }
                }
            }
            match &mut self.graph[node] {
                Node::Artifact(artifact) => {
                    artifact.downstream = crate::DownstreamFacts {
                        produced_by,
                        producer_identities: identities,
                        unidentified_producers: unidentified,
                        released_in,
                        exposure: label,
                    };
                }
                Node::Stage(_, facts) => facts.exposure = label,
                _ => {}
            }
        }
    }

    fn flow_predecessors(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.predecessors(node, &FLOW)
    }

    fn flow_successors(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.successors(node, &FLOW)
    }

    /// The shortest lineage path from the nearest upstream node satisfying `is_origin` down to
    /// `to` (both included), following data flow. `None` if no upstream node satisfies it.
    pub fn lineage_path(
        &self,
        to: NodeIndex,
        is_origin: impl Fn(&Self, NodeIndex) -> bool,
    ) -> Option<Vec<NodeIndex>> {
        let mut came_from: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([to]);
        came_from.insert(to, to);
        while let Some(node) = queue.pop_front() {
            if is_origin(self, node) {
                let mut path = vec![node];
                let mut at = node;
                while at != to {
                    at = came_from[&at];
                    path.push(at);
                }
                return Some(path);
            }
            for pred in self.flow_predecessors(node) {
                if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(pred) {
                    e.insert(node);
                    queue.push_back(pred);
                }
            }
        }
        None
    }

    /// The path from the nearest artifact that itself carries `label` (declared or from
    /// evidence) to `to`.
    pub fn path_to_label(&self, to: NodeIndex, label: &str) -> Option<Vec<NodeIndex>> {
        self.lineage_path(to, |graph, node| {
            graph.artifact(node).is_some_and(|artifact| {
                artifact.facts.evidence_labels.contains(label)
                    || graph.pipeline.artifacts[artifact.decl]
                        .labels
                        .iter()
                        .any(|l| l.value == label)
            })
        })
    }

    /// The path from the nearest strictly-upstream artifact matching `test` to `to`.
    pub fn path_to_upstream(
        &self,
        to: NodeIndex,
        test: impl Fn(&crate::ArtifactNode) -> bool,
    ) -> Option<Vec<NodeIndex>> {
        self.lineage_path(to, |graph, node| {
            node != to && graph.artifact(node).is_some_and(&test)
        })
    }

    /// Every node upstream of `to` along data flow (not including `to`), nearest first.
    pub fn lineage(&self, to: NodeIndex) -> Vec<NodeIndex> {
        let mut seen = BTreeSet::from([to]);
        let mut out = Vec::new();
        let mut queue = VecDeque::from([to]);
        while let Some(node) = queue.pop_front() {
            for pred in self.flow_predecessors(node) {
                if seen.insert(pred) {
                    out.push(pred);
                    queue.push_back(pred);
                }
            }
        }
        out
    }
}

fn count_intersection(a: &FixedBitSet, b: &FixedBitSet) -> u64 {
    a.intersection_count(b) as u64
}

fn intersection<'a>(a: &'a FixedBitSet, b: &'a FixedBitSet) -> impl Iterator<Item = usize> + 'a {
    a.intersection(b)
}
