//! Building the graph from a parsed pipeline.

use std::collections::HashMap;

use miette::LabeledSpan;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use palisade_syntax::{Kind, Pipeline, Reference, Spanned};

use crate::{
    ArtifactFacts, ArtifactNode, DownstreamFacts, EdgeKind, GraphError, Integrity, Node, NodeId,
    PipelineGraph, StageFacts, UpstreamFacts,
};

pub(crate) fn build(pipeline: Pipeline) -> Result<PipelineGraph, GraphError> {
    let mut graph: DiGraph<Node, EdgeKind> = DiGraph::new();
    let mut index = HashMap::new();
    let mut add = |graph: &mut DiGraph<Node, EdgeKind>, kind: Kind, name: &str, node: Node| {
        let at = graph.add_node(node);
        index.insert(NodeId::Declared(kind, name.to_owned()), at);
    };
    for (i, key) in pipeline.keys.iter().enumerate() {
        add(&mut graph, Kind::Key, &key.name.value, Node::Key(i));
    }
    for (i, identity) in pipeline.identities.iter().enumerate() {
        add(
            &mut graph,
            Kind::Identity,
            &identity.name.value,
            Node::Identity(i),
        );
    }
    for (i, artifact) in pipeline.artifacts.iter().enumerate() {
        let facts = ArtifactFacts {
            // Without evidence: a remote artifact pinned by digest is "remote", anything else
            // is unpinned until the lock says otherwise.
            integrity: if artifact.path.is_none() && artifact.digest.is_some() {
                Integrity::Remote
            } else {
                Integrity::Unpinned
            },
            sha256: artifact
                .digest
                .as_ref()
                .and_then(|d| d.value.strip_prefix("sha256:"))
                .unwrap_or_default()
                .to_owned(),
            model: declared_model_facts(artifact),
            ..ArtifactFacts::default()
        };
        let node = ArtifactNode {
            decl: i,
            kind: artifact.kind,
            facts,
            upstream: UpstreamFacts::default(),
            downstream: DownstreamFacts::default(),
            packages: Vec::new(),
        };
        add(
            &mut graph,
            artifact.kind.kind(),
            &artifact.name.value,
            Node::Artifact(Box::new(node)),
        );
    }
    for (i, stage) in pipeline.stages.iter().enumerate() {
        add(
            &mut graph,
            Kind::Stage,
            &stage.name.value,
            Node::Stage(i, StageFacts::default()),
        );
    }
    for (i, release) in pipeline.releases.iter().enumerate() {
        add(
            &mut graph,
            Kind::Release,
            &release.name.value,
            Node::Release(i),
        );
    }

    let resolve = |reference: &Spanned<Reference>| -> Result<NodeIndex, GraphError> {
        index
            .get(&NodeId::Declared(
                reference.value.kind,
                reference.value.name.clone(),
            ))
            .copied()
            .ok_or_else(|| GraphError::Unresolved {
                reference: reference.value.to_string(),
                src: pipeline.source.named_source(),
                span: reference.span,
            })
    };
    let mut edges = Vec::new();
    for stage in &pipeline.stages {
        let at = index[&NodeId::Declared(Kind::Stage, stage.name.value.clone())];
        for input in &stage.inputs {
            edges.push((resolve(input)?, at, EdgeKind::Input));
        }
        for output in &stage.outputs {
            edges.push((at, resolve(output)?, EdgeKind::Output));
        }
        for secret in &stage.secrets {
            edges.push((resolve(secret)?, at, EdgeKind::UsesSecret));
        }
        if let Some(identity) = &stage.runs_as {
            edges.push((resolve(identity)?, at, EdgeKind::RunsAs));
        }
    }
    for release in &pipeline.releases {
        let at = index[&NodeId::Declared(Kind::Release, release.name.value.clone())];
        for artifact in &release.artifacts {
            edges.push((resolve(artifact)?, at, EdgeKind::ReleasedBy));
        }
    }
    for (from, to, kind) in edges {
        if graph.find_edge(from, to).is_none() {
            graph.add_edge(from, to, kind);
        }
    }

    let mut built = PipelineGraph {
        pipeline,
        graph,
        index,
        topo: Vec::new(),
    };
    check_cycles(&built)?;
    built.topo = toposort(&built.graph, None).unwrap_or_default();
    Ok(built)
}

/// Reports the first cycle found, naming every node on it in order.
fn check_cycles(graph: &PipelineGraph) -> Result<(), GraphError> {
    for component in tarjan_scc(&graph.graph) {
        let self_loop =
            component.len() == 1 && graph.graph.find_edge(component[0], component[0]).is_some();
        if component.len() < 2 && !self_loop {
            continue;
        }
        // Walk inside the component from its earliest-declared stage until a node repeats.
        let Some(&start) = component
            .iter()
            .filter(|&&n| matches!(graph.graph[n], Node::Stage(..)))
            .min_by_key(|&&n| graph.span(n).map(|s| s.offset()))
            .or(component.first())
        else {
            continue;
        };
        let mut path = vec![start];
        let mut current = start;
        loop {
            let Some(next) = graph
                .graph
                .neighbors(current)
                .filter(|n| component.contains(n))
                .min_by_key(|&n| graph.span(n).map(|s| s.offset()))
            else {
                break;
            };
            if let Some(pos) = path.iter().position(|&n| n == next) {
                path.drain(..pos);
                path.push(next);
                break;
            }
            path.push(next);
            current = next;
        }
        let cycle = path
            .iter()
            .map(|&n| {
                let (kind, name) = graph.node_name(n);
                format!("{} {name:?}", kind.to_lowercase())
            })
            .collect::<Vec<_>>()
            .join(" → ");
        let mut labels = Vec::new();
        for (step, &n) in path.iter().enumerate().take(path.len().saturating_sub(1)) {
            if let Some(span) = graph.span(n) {
                labels.push(LabeledSpan::new_with_span(
                    Some(format!("{} on the cycle", ordinal(step + 1))),
                    span,
                ));
            }
        }
        return Err(GraphError::Cycle {
            cycle,
            src: graph.pipeline.source.named_source(),
            labels,
        });
    }
    Ok(())
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Formats that are pickles underneath: loading them can run arbitrary code.
pub const PICKLE_FORMATS: &[&str] = &[
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
pub const PICKLE_EXTENSIONS: &[&str] = &["pkl", "pickle", "pt", "pth", "joblib", "ckpt", "dill"];

/// What the declaration alone says about a model: its format and whether it is pickle-based
/// (by declared format, or by the path's extension). Scans of the files refine this later.
fn declared_model_facts(artifact: &palisade_syntax::Artifact) -> crate::ModelFacts {
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
    crate::ModelFacts {
        unsafe_format: artifact.kind == palisade_syntax::ArtifactKind::Model
            && (PICKLE_FORMATS.contains(&format.as_str()) || by_extension),
        format,
        ..crate::ModelFacts::default()
    }
}
