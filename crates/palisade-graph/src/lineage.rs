//! The lineage pass: upstream facts in one topological sweep, downstream facts in one reverse
//! sweep, and lineage paths that explain where a fact came from.

use std::collections::{BTreeSet, HashMap, VecDeque};

use fixedbitset::FixedBitSet;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::{
    ArtifactKind, AttachedGraph, DownstreamFacts, EdgeKind, Exposure, Node, PipelineGraph,
    Severity, StageFacts, UpstreamFacts,
};

/// Edges along which data flows between artifacts and stages (what "lineage" follows).
pub(crate) const FLOW: [EdgeKind; 3] =
    [EdgeKind::Input, EdgeKind::Output, EdgeKind::UndeclaredInput];

/// Every derived fact of a graph, by declaration index.
pub(crate) struct Lineage {
    pub(crate) upstream: Vec<UpstreamFacts>,
    pub(crate) downstream: Vec<DownstreamFacts>,
    pub(crate) stages: Vec<StageFacts>,
}

/// Computes every upstream and downstream fact of a graph whose evidence is attached.
///
/// Cost: one pass over the declared nodes in topological order. Label, license and source
/// sets propagate by union (idempotent, so diamonds are fine); counts over *distinct*
/// upstream artifacts use one bitset per node, freed as soon as its last successor has
/// consumed it, so a 10,000-deep chain keeps only a few bitsets alive.
pub(crate) fn compute(attached: &AttachedGraph) -> Lineage {
    let upstream = compute_upstream(attached);
    let stages = compute_stage_facts(attached, &upstream);
    let (downstream, stages) = compute_downstream(attached, stages);
    Lineage {
        upstream,
        downstream,
        stages,
    }
}

fn compute_upstream(graph: &AttachedGraph) -> Vec<UpstreamFacts> {
    let mut result = vec![UpstreamFacts::default(); graph.pipeline.artifacts.len()];
    {
        let order = graph.topo.clone();
        let artifact_ordinal: HashMap<NodeIndex, usize> = order
            .iter()
            .filter(|&&n| matches!(graph.graph[n], Node::Artifact(_)))
            .enumerate()
            .map(|(i, &n)| (n, i))
            .collect();
        let width = artifact_ordinal.len();
        // Stages without a verified attestation, numbered for the same distinct-ancestor
        // bitsets (a set of names per artifact would grow with the square of a chain's depth).
        let unattested_ordinal: HashMap<NodeIndex, usize> = order
            .iter()
            .filter(|&&n| match &graph.graph[n] {
                Node::Stage(i) => graph
                    .stage_evidence(*i)
                    .is_none_or(|e| e.attestation() != crate::SignatureState::Verified),
                _ => false,
            })
            .enumerate()
            .map(|(i, &n)| (n, i))
            .collect();
        let stage_width = unattested_ordinal.len();
        let mut unsigned = FixedBitSet::with_capacity(width);
        let mut unpinned = FixedBitSet::with_capacity(width);
        let mut with_secrets = FixedBitSet::with_capacity(width);
        let mut with_sast = FixedBitSet::with_capacity(width);
        let mut by_ordinal = vec![NodeIndex::end(); width];
        for (&node, &i) in &artifact_ordinal {
            by_ordinal[i] = node;
            if let (Node::Artifact(artifact), Some(facts)) = (&graph.graph[node], graph.facts(node))
            {
                // Secrets are references into a vault, never content: they are neither signed
                // nor hashed, so they don't count as unsigned or unpinned lineage.
                let content = artifact.kind != ArtifactKind::Secret;
                unsigned.set(
                    i,
                    content && facts.signature != crate::SignatureState::Verified,
                );
                unpinned.set(i, content && !facts.integrity.is_pinned());
                with_secrets.set(i, facts.secrets.total > 0);
                with_sast.set(i, facts.sast.total > 0);
            }
        }

        // Remaining successors per node, to free a node's ancestor set once all have used it.
        let mut pending: HashMap<NodeIndex, usize> = order
            .iter()
            .map(|&n| (n, graph.flow_successors(n).count()))
            .collect();
        let mut ancestors: HashMap<NodeIndex, FixedBitSet> = HashMap::new();
        // Small propagated sets: labels, licenses, source datasets/models, max severity.
        let mut labels: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut licenses: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut datasets: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut models: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();
        let mut severity: HashMap<NodeIndex, Severity> = HashMap::new();
        // Stages without a verified attestation, and undeclared inputs, upstream.
        let mut unattested: HashMap<NodeIndex, FixedBitSet> = HashMap::new();
        let mut undeclared: HashMap<NodeIndex, BTreeSet<String>> = HashMap::new();

        for &node in &order {
            let mut mine = FixedBitSet::with_capacity(width);
            let mut my_labels = BTreeSet::new();
            let mut my_licenses = BTreeSet::new();
            let mut my_datasets = BTreeSet::new();
            let mut my_models = BTreeSet::new();
            let mut my_severity = Severity::None;
            let mut my_unattested = FixedBitSet::with_capacity(stage_width);
            let mut my_undeclared = BTreeSet::new();
            let predecessors: Vec<NodeIndex> = graph.flow_predecessors(node).collect();
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
                if let Some(set) = unattested.get(&pred) {
                    my_unattested.union_with(set);
                }
                if let Some(set) = undeclared.get(&pred) {
                    my_undeclared.extend(set.iter().cloned());
                }
            }
            if let Some(&ordinal) = unattested_ordinal.get(&node) {
                my_unattested.insert(ordinal);
            }
            if let Node::Stage(i) = &graph.graph[node] {
                let evidence = graph.stage_evidence(*i);
                if let Some(lineage) = evidence.and_then(|e| e.lineage.as_ref()) {
                    for r in &lineage.undeclared_inputs {
                        my_undeclared.extend(r.names());
                    }
                }
            }
            let produced = graph
                .graph
                .edges_directed(node, Direction::Incoming)
                .any(|e| *e.weight() == EdgeKind::Output);
            if let (Node::Artifact(artifact), Some(facts)) = (&graph.graph[node], graph.facts(node))
            {
                let decl = &graph.pipeline.artifacts[artifact.decl];
                let name = &decl.name.value;
                // What flows on downstream includes the artifact itself; `upstream_*` counts
                // below are computed before adding it ("strictly upstream").
                let upstream_unsigned = count_intersection(&mine, &unsigned);
                let upstream_unpinned = count_intersection(&mine, &unpinned);
                my_labels.extend(decl.labels.iter().map(|l| l.value.clone()));
                my_labels.extend(facts.evidence_labels.iter().cloned());
                my_licenses.extend(facts.licenses.iter().cloned());
                my_severity = my_severity.max(facts.vulnerabilities.highest());
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
                let mut secrets = facts.secrets;
                let mut sast = facts.sast;
                for i in intersection(&mine, &with_secrets) {
                    if let Some(a) = graph.facts(by_ordinal[i]) {
                        secrets.merge(&a.secrets);
                    }
                }
                for i in intersection(&mine, &with_sast) {
                    if let Some(a) = graph.facts(by_ordinal[i]) {
                        sast.merge(&a.sast);
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
                    unattested_stages: u64::try_from(my_unattested.count_ones(..))
                        .unwrap_or(u64::MAX),
                    undeclared_inputs: my_undeclared.clone(),
                };
                result[artifact.decl] = upstream;
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
                        unattested.remove(&pred);
                        undeclared.remove(&pred);
                    }
                }
            }
            // Declassification: an evidenced `declassifies` on a stage, and evidenced DP
            // training on a model labelled `differential-privacy`, stop `pii` flowing on.
            match &graph.graph[node] {
                Node::Stage(i) => {
                    if let Some(evidence) = graph.stage_evidence(*i) {
                        my_labels.retain(|l| !evidence.declassified.contains(l));
                    }
                }
                Node::Artifact(artifact) => {
                    if let Some(facts) = graph.facts(node)
                        && facts.model.dp_evidenced
                        && graph.pipeline.artifacts[artifact.decl]
                            .labels
                            .iter()
                            .any(|l| l.value == "differential-privacy")
                    {
                        my_labels.remove("pii");
                    }
                }
                _ => {}
            }
            if pending.get(&node).copied().unwrap_or(0) > 0 {
                ancestors.insert(node, mine);
                labels.insert(node, my_labels);
                licenses.insert(node, my_licenses);
                datasets.insert(node, my_datasets);
                models.insert(node, my_models);
                severity.insert(node, my_severity);
                unattested.insert(node, my_unattested);
                undeclared.insert(node, my_undeclared);
            }
        }
    }
    result
}

/// Labels over everything each stage reads.
fn compute_stage_facts(graph: &AttachedGraph, upstream: &[UpstreamFacts]) -> Vec<StageFacts> {
    let mut stages = vec![StageFacts::default(); graph.pipeline.stages.len()];
    for stage in graph.graph.node_indices() {
        let Node::Stage(i) = graph.graph[stage] else {
            continue;
        };
        let mut input_labels = BTreeSet::new();
        for input in graph.predecessors(stage, &[EdgeKind::Input, EdgeKind::UndeclaredInput]) {
            if let Some(artifact) = graph.artifact(input) {
                input_labels.extend(upstream[artifact.decl].labels.iter().cloned());
            }
        }
        stages[i].input_labels = input_labels;
        stages[i].evidence = graph.stage_evidence(i).cloned().unwrap_or_default();
    }
    stages
}

/// Exposure flows backwards from releases; producers come from `output` edges.
fn compute_downstream(
    graph: &AttachedGraph,
    mut stages: Vec<StageFacts>,
) -> (Vec<DownstreamFacts>, Vec<StageFacts>) {
    let mut downstream = vec![DownstreamFacts::default(); graph.pipeline.artifacts.len()];
    let mut exposure: HashMap<NodeIndex, Option<Exposure>> = HashMap::new();
    for &node in graph.topo.iter().rev() {
        let mut most: Option<Exposure> = None;
        for edge in graph.graph.edges_directed(node, Direction::Outgoing) {
            let target = edge.target();
            let reached = match &graph.graph[target] {
                Node::Release(i) => Some(graph.pipeline.releases[*i].exposure.value),
                _ if FLOW.contains(edge.weight()) => exposure.get(&target).copied().flatten(),
                _ => None,
            };
            most = most.max(reached);
        }
        exposure.insert(node, most);
    }
    for &node in &graph.topo {
        let most = exposure.get(&node).copied().flatten();
        match &graph.graph[node] {
            Node::Artifact(artifact) => {
                let mut facts = DownstreamFacts {
                    exposure: most,
                    ..DownstreamFacts::default()
                };
                for stage in graph.predecessors(node, &[EdgeKind::Output]) {
                    if let Node::Stage(i) = &graph.graph[stage] {
                        let decl = &graph.pipeline.stages[*i];
                        facts.produced_by.insert(decl.name.value.clone());
                        match &decl.runs_as {
                            Some(identity) => {
                                facts
                                    .producer_identities
                                    .insert(identity.value.name.clone());
                            }
                            None => facts.unidentified_producers += 1,
                        }
                    }
                }
                for release in graph.successors(node, &[EdgeKind::ReleasedBy]) {
                    if let Node::Release(i) = &graph.graph[release] {
                        facts
                            .released_in
                            .insert(graph.pipeline.releases[*i].name.value.clone());
                    }
                }
                downstream[artifact.decl] = facts;
            }
            Node::Stage(i) => stages[*i].exposure = most,
            _ => {}
        }
    }
    (downstream, stages)
}

impl PipelineGraph {
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

    /// Every node upstream of `to` along data flow (not including `to`), nearest first.
    pub fn ancestors(&self, to: NodeIndex) -> Vec<NodeIndex> {
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

/// The bits set in both, word by word: `FixedBitSet::intersection` walks every bit of `a`, and
/// along a 10,000-deep chain `a` (the ancestors) has thousands while `b` has a handful.
fn intersection<'a>(a: &'a FixedBitSet, b: &'a FixedBitSet) -> impl Iterator<Item = usize> + 'a {
    let bits = usize::BITS as usize;
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .enumerate()
        .flat_map(move |(word, (x, y))| {
            let mut both = x & y;
            std::iter::from_fn(move || {
                if both == 0 {
                    return None;
                }
                let bit = both.trailing_zeros() as usize;
                both &= both - 1;
                Some(word * bits + bit)
            })
        })
}

/// Marks a node with no origin upstream in [`NearestOrigins`].
const UNREACHED: u32 = u32::MAX;

/// Distance from the origin of the anchor kept per node, so that the upstream end of a long
/// path is reached in a bounded number of steps.
const ANCHOR: u32 = 32;

/// The lineage paths of one question ("where did `pii` come from?") for every node at once.
///
/// [`PipelineGraph::lineage_path`] answers for one node with a breadth-first search over its
/// whole lineage; asked once per violation along a 10,000-deep chain that is quadratic in time
/// and, with the paths kept, in memory. This computes, in one topological pass, each node's
/// distance to its nearest origin and its first step towards it, and then reads any node's path
/// off those steps. The paths are exactly the ones `lineage_path` returns: the breadth-first
/// search finds the nearest origin, and among equally near ones the path whose choices come
/// first in predecessor order, which is what following the first predecessor one step closer
/// to an origin gives.
#[derive(Debug, Clone)]
pub struct NearestOrigins {
    /// Steps from each node (by index) to its nearest origin, `UNREACHED` if none.
    distance: Vec<u32>,
    /// The first flow predecessor one step closer to an origin (`UNREACHED` at origins).
    next: Vec<u32>,
    /// The node on the path at distance `min(distance, ANCHOR)` from its origin.
    anchor: Vec<u32>,
}

/// A lineage path, possibly with its middle left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineagePath {
    /// The nodes kept, upstream first.
    pub nodes: Vec<NodeIndex>,
    /// How many nodes are left out between `nodes[..split]` and `nodes[split..]`.
    pub elided: usize,
    /// Where the left-out nodes were (meaningful only when `elided > 0`).
    pub split: usize,
}

impl PipelineGraph {
    /// Distances and first steps to the nearest node satisfying `is_origin` for every node, in
    /// one pass (see [`NearestOrigins`]). `is_origin` is asked once per declared node.
    pub fn nearest_origins(&self, is_origin: impl Fn(&Self, NodeIndex) -> bool) -> NearestOrigins {
        let count = self.graph.node_count();
        let mut distance = vec![UNREACHED; count];
        let mut next = vec![UNREACHED; count];
        let mut anchor = vec![UNREACHED; count];
        // Upstream first, so every predecessor's distance is final when a node is reached.
        // Only declared nodes carry flow edges; packages stay unreached.
        for &node in &self.topo {
            let i = node.index();
            if is_origin(self, node) {
                distance[i] = 0;
                anchor[i] = to_u32(node);
                continue;
            }
            if let Some((step, d)) = self.first_closest(&distance, node) {
                distance[i] = d + 1;
                next[i] = to_u32(step);
                anchor[i] = if d < ANCHOR {
                    to_u32(node)
                } else {
                    anchor[step.index()]
                };
            }
        }
        NearestOrigins {
            distance,
            next,
            anchor,
        }
    }

    /// The flow predecessor of `node` nearest an origin, first in predecessor order among
    /// equals, and its distance.
    fn first_closest(&self, distance: &[u32], node: NodeIndex) -> Option<(NodeIndex, u32)> {
        let mut best: Option<(NodeIndex, u32)> = None;
        for pred in self.flow_predecessors(node) {
            let d = distance.get(pred.index()).copied().unwrap_or(UNREACHED);
            // Strictly less: the first of equally near predecessors wins, as in the search.
            if d != UNREACHED && best.is_none_or(|(_, b)| d < b) {
                best = Some((pred, d));
            }
        }
        best
    }
}

fn to_u32(node: NodeIndex) -> u32 {
    u32::try_from(node.index()).unwrap_or(UNREACHED)
}

impl NearestOrigins {
    fn distance(&self, node: NodeIndex) -> u32 {
        self.distance
            .get(node.index())
            .copied()
            .unwrap_or(UNREACHED)
    }

    fn step(table: &[u32], node: NodeIndex) -> Option<NodeIndex> {
        table
            .get(node.index())
            .filter(|&&s| s != UNREACHED)
            .map(|&s| NodeIndex::new(s as usize))
    }

    /// Follows first steps from `from`, pushing at most `count` nodes.
    fn walk(&self, from: Option<NodeIndex>, count: usize, out: &mut Vec<NodeIndex>) {
        let mut node = from;
        for _ in 0..count {
            let Some(n) = node else { break };
            out.push(n);
            node = Self::step(&self.next, n);
        }
    }

    /// The path from the nearest origin down to `to` (both included), exactly as
    /// [`PipelineGraph::lineage_path`] with the same `is_origin` finds it. `strict` leaves `to`
    /// itself out of the origins (as [`PipelineGraph::path_to_upstream`] does). At most `keep`
    /// nodes are listed (at least 2): a longer path keeps its first `keep - keep / 2` and last
    /// `keep / 2` nodes and counts the rest in [`LineagePath::elided`]. `None` if no origin is
    /// upstream.
    ///
    /// Cost: proportional to the nodes listed (and `keep`), not to the path's length.
    pub fn path(
        &self,
        graph: &PipelineGraph,
        to: NodeIndex,
        strict: bool,
        keep: usize,
    ) -> Option<LineagePath> {
        // The first step up from `to`, and the path's length in nodes.
        let (first, length) = match self.distance(to) {
            0 if !strict => (None, 1),
            // `to` is an origin that may not count: look past it, among its predecessors.
            0 => {
                let (step, d) = graph.first_closest(&self.distance, to)?;
                (Some(step), d as usize + 2)
            }
            UNREACHED => return None,
            d => (Self::step(&self.next, to), d as usize + 1),
        };
        let keep = keep.max(2);
        // Walked downstream to upstream, then reversed.
        let mut nodes = Vec::with_capacity(length.min(keep));
        nodes.push(to);
        if length <= keep {
            self.walk(first, length - 1, &mut nodes);
            nodes.reverse();
            return Some(LineagePath {
                nodes,
                elided: 0,
                split: 0,
            });
        }
        let tail = keep / 2;
        let head = keep - tail;
        self.walk(first, tail - 1, &mut nodes);
        // The upper part starts at distance `head - 1` from the origin. Every step along the
        // path is one closer, so jump to the anchor (distance ANCHOR, or less) and walk down.
        let start_at = (head - 1) as u32;
        let mut node = first;
        if let Some(n) = node
            && self.distance(n) > ANCHOR
            && start_at <= ANCHOR
        {
            node = Self::step(&self.anchor, n);
        }
        while let Some(n) = node {
            if self.distance(n) <= start_at {
                break;
            }
            node = Self::step(&self.next, n);
        }
        self.walk(node, head, &mut nodes);
        nodes.reverse();
        Some(LineagePath {
            nodes,
            elided: length - keep,
            split: head,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::fmt::Write as _;
    use std::path::Path;

    use palisade_syntax::Kind;

    use super::*;

    fn graph_of(text: &str) -> crate::LineageGraph {
        let pipeline =
            palisade_syntax::parse_str(text, "p.pal", Path::new("."), &Default::default())
                .unwrap_or_else(|e| panic!("{e:?}"));
        crate::DeclaredGraph::build(pipeline)
            .unwrap()
            .attach(crate::Evidence::default())
            .lineage()
    }

    /// A random DAG: `datasets` source datasets (every third `pii`, every fifth `llm`), then
    /// stages each reading a few earlier datasets and writing one or two new ones (some
    /// labelled), so diamonds and equally near origins are common.
    fn random_pipeline(seed: u64, datasets: usize, stages: usize) -> String {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut text = String::from("pipeline \"p\" {\n");
        let label = |i: usize| match (i % 3, i % 5) {
            (0, 0) => "labels = [\"pii\", \"llm\"]",
            (0, _) => "labels = [\"pii\"]",
            (_, 0) => "labels = [\"llm\"]",
            _ => "",
        };
        for i in 0..datasets {
            let _ = writeln!(
                text,
                "dataset \"d{i}\" {{ path = \"d{i}.csv\" {} }}",
                label(i)
            );
        }
        let mut count = datasets;
        for s in 0..stages {
            let mut inputs = Vec::new();
            for _ in 0..1 + next(3) {
                let pick = format!("dataset \"d{}\"", count - 1 - next(count.min(6)));
                if !inputs.contains(&pick) {
                    inputs.push(pick);
                }
            }
            let mut outputs = Vec::new();
            for _ in 0..1 + next(2) {
                // Produced datasets are rarely labelled themselves.
                let labels = if next(7) == 0 { label(count) } else { "" };
                let _ = writeln!(
                    text,
                    "dataset \"d{count}\" {{ path = \"d{count}.csv\" {labels} }}"
                );
                outputs.push(format!("dataset \"d{count}\""));
                count += 1;
            }
            let _ = writeln!(
                text,
                "stage \"s{s}\" {{ inputs = [{}] outputs = [{}] }}",
                inputs.join(", "),
                outputs.join(", ")
            );
        }
        text.push('}');
        text
    }

    fn full(
        graph: &PipelineGraph,
        origins: &NearestOrigins,
        to: NodeIndex,
        strict: bool,
    ) -> Option<Vec<NodeIndex>> {
        origins.path(graph, to, strict, usize::MAX).map(|p| {
            assert_eq!(p.elided, 0);
            p.nodes
        })
    }

    /// The one-pass paths are exactly the breadth-first search's, for every node, label and
    /// strictness, over many random graphs with diamonds and ties.
    #[test]
    fn one_pass_paths_equal_the_search() {
        let mut compared = 0;
        for seed in 1..40 {
            let graph = graph_of(&random_pipeline(seed, 6, 25));
            for label in ["pii", "llm", "absent"] {
                let has = |g: &PipelineGraph, n: NodeIndex, label: &str| {
                    g.artifact(n).is_some_and(|a| {
                        g.pipeline.artifacts[a.decl]
                            .labels
                            .iter()
                            .any(|l| l.value == label)
                    })
                };
                let origins = graph.nearest_origins(|g, n| has(g, n, label));
                for &node in graph.topological() {
                    assert_eq!(
                        full(&graph, &origins, node, false),
                        graph.path_to_label(node, label),
                        "seed {seed} label {label} node {:?}",
                        graph.node_name(node)
                    );
                    let strict = graph.lineage_path(node, |g, n| n != node && has(g, n, label));
                    assert_eq!(full(&graph, &origins, node, true), strict, "seed {seed}");
                    compared += usize::from(strict.is_some_and(|p| p.len() > 2));
                }
            }
        }
        assert!(compared > 500, "{compared}");
    }

    #[test]
    fn word_wise_intersection_lists_common_bits_in_order() {
        let mut a = FixedBitSet::with_capacity(300);
        let mut b = FixedBitSet::with_capacity(300);
        for i in [0, 1, 63, 64, 65, 127, 128, 200, 299] {
            a.insert(i);
        }
        for i in [1, 2, 64, 127, 199, 200, 299] {
            b.insert(i);
        }
        assert_eq!(
            intersection(&a, &b).collect::<Vec<_>>(),
            vec![1, 64, 127, 200, 299]
        );
        assert_eq!(
            intersection(&a, &FixedBitSet::with_capacity(300)).count(),
            0
        );
    }

    /// A capped path keeps the full path's first and last nodes and counts the rest.
    #[test]
    fn capped_paths_keep_both_ends() {
        for seed in 1..10 {
            let graph = graph_of(&random_pipeline(seed, 3, 120));
            let origins = graph.nearest_origins(|g, n| {
                g.artifact(n).is_some_and(|a| {
                    g.pipeline.artifacts[a.decl]
                        .labels
                        .iter()
                        .any(|l| l.value == "pii")
                })
            });
            for &node in graph.topological() {
                let Some(whole) = full(&graph, &origins, node, false) else {
                    continue;
                };
                for keep in [2, 3, 4, 7, 10, 50, 70, 80] {
                    let capped = origins.path(&graph, node, false, keep).unwrap();
                    if whole.len() <= keep {
                        assert_eq!(capped.nodes, whole);
                        assert_eq!(capped.elided, 0);
                        continue;
                    }
                    let head = keep - keep / 2;
                    assert_eq!(capped.nodes.len(), keep);
                    assert_eq!(capped.elided, whole.len() - keep);
                    assert_eq!(capped.split, head);
                    assert_eq!(capped.nodes[..head], whole[..head], "keep {keep}");
                    assert_eq!(
                        capped.nodes[head..],
                        whole[whole.len() - keep / 2..],
                        "keep {keep}"
                    );
                }
            }
        }
    }

    /// A 10,000-deep chain: every node's capped path in a fraction of a second, where a search
    /// per node would walk 50 million nodes.
    #[test]
    fn deep_chain_paths_are_cheap() {
        let depth = 10_000;
        let mut text = String::from(
            "pipeline \"p\" {\ndataset \"d0\" { path = \"d0.csv\" labels = [\"pii\"] }\n",
        );
        for i in 1..=depth {
            let _ = writeln!(
                text,
                "dataset \"d{i}\" {{ path = \"d{i}.csv\" }}\nstage \"s{i}\" {{ inputs = [dataset \"d{}\"] outputs = [dataset \"d{i}\"] }}",
                i - 1
            );
        }
        text.push('}');
        let graph = graph_of(&text);
        let start = std::time::Instant::now();
        let origins = graph.nearest_origins(|g, n| g.find(Kind::Dataset, "d0") == Some(n));
        let mut listed = 0;
        for &node in graph.topological() {
            listed += origins.path(&graph, node, false, 50).unwrap().nodes.len();
        }
        let last = graph.find(Kind::Dataset, &format!("d{depth}")).unwrap();
        let path = origins.path(&graph, last, false, 50).unwrap();
        assert_eq!(path.elided, 2 * depth + 1 - 50);
        assert_eq!(graph.node_name(path.nodes[0]), ("Dataset", "d0"));
        assert_eq!(graph.node_name(path.nodes[1]), ("Stage", "s1"));
        assert_eq!(graph.node_name(path.nodes[24]), ("Dataset", "d12"));
        assert_eq!(graph.node_name(path.nodes[25]), ("Dataset", "d9988"));
        assert_eq!(graph.node_name(path.nodes[26]), ("Stage", "s9989"));
        assert_eq!(graph.node_name(path.nodes[49]), ("Dataset", "d10000"));
        assert!(listed < 50 * 2 * (depth + 1));
        // Generous even for a debug build on a busy machine; the search took minutes.
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }
}
