//! Building the graph from a parsed pipeline.

use std::collections::{HashMap, HashSet};

use miette::LabeledSpan;
use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use palisade_syntax::{Kind, Pipeline, Reference, Spanned};

use crate::{ArtifactNode, EdgeKind, GraphError, Node, NodeId, PipelineGraph};

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
        let node = ArtifactNode {
            decl: i,
            kind: artifact.kind,
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
        add(&mut graph, Kind::Stage, &stage.name.value, Node::Stage(i));
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
    // A set, not `find_edge`: that scans the source's edges, and one identity or code artifact
    // feeding thousands of stages made the build quadratic.
    let mut seen = HashSet::with_capacity(edges.len());
    for (from, to, kind) in edges {
        if seen.insert((from, to)) {
            graph.add_edge(from, to, kind);
        }
    }

    let mut built = PipelineGraph {
        pipeline,
        graph,
        index,
        topo: Vec::new(),
        included: HashSet::new(),
        dependencies: HashSet::new(),
    };
    // Both searches are iterative: a recursive one (petgraph's `tarjan_scc`) overflowed the
    // stack on a 10,000-deep chain.
    match toposort(&built.graph, None) {
        Ok(order) => built.topo = order,
        Err(_) => check_cycles(&built)?,
    }
    Ok(built)
}

/// Reports a cycle, naming every node on it in order: of the strongly connected components
/// with a cycle, the one holding the earliest-declared stage.
fn check_cycles(graph: &PipelineGraph) -> Result<(), GraphError> {
    let start_of = |component: &[NodeIndex]| {
        component
            .iter()
            .copied()
            .filter(|&n| matches!(graph.graph[n], Node::Stage(_)))
            .min_by_key(|&n| graph.span(n).map(|s| s.offset()))
            .or(component.first().copied())
    };
    let cyclic = kosaraju_scc(&graph.graph).into_iter().filter(|component| {
        component.len() > 1
            || component
                .first()
                .is_some_and(|&n| graph.graph.find_edge(n, n).is_some())
    });
    // Walk inside the component from its earliest-declared stage until a node repeats.
    if let Some((component, start)) = cyclic
        .filter_map(|component| {
            let start = start_of(&component)?;
            Some((component, start))
        })
        .min_by_key(|(_, start)| graph.span(*start).map(|s| s.offset()))
    {
        let component: HashSet<NodeIndex> = component.into_iter().collect();
        let mut path = vec![start];
        let mut position = HashMap::from([(start, 0)]);
        let mut current = start;
        while let Some(next) = graph
            .graph
            .neighbors(current)
            .filter(|n| component.contains(n))
            .min_by_key(|&n| graph.span(n).map(|s| s.offset()))
        {
            if let Some(&pos) = position.get(&next) {
                path.drain(..pos);
                path.push(next);
                break;
            }
            position.insert(next, path.len());
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::fmt::Write as _;
    use std::path::Path;

    use palisade_syntax::Kind;

    use crate::{EdgeKind, GraphError, PackageFacts, PipelineGraph};

    fn build(text: &str) -> Result<PipelineGraph, GraphError> {
        let pipeline =
            palisade_syntax::parse_str(text, "p.pal", Path::new("."), &Default::default())
                .unwrap_or_else(|e| panic!("{e:?}"));
        super::build(pipeline)
    }

    fn cycle_of(text: &str) -> String {
        match build(text) {
            Err(GraphError::Cycle { cycle, .. }) => cycle,
            other => panic!("expected a cycle, got {other:?}"),
        }
    }

    /// A 10,000-deep chain ending in a cycle: reported, not a stack overflow (the recursive
    /// search this replaced overflowed on the chain alone).
    #[test]
    fn cycle_after_a_deep_chain_is_reported() {
        let mut text = String::from("pipeline \"p\" {\ndataset \"d0\" { path = \"d0.csv\" }\n");
        let depth = 10_000;
        for i in 1..=depth {
            let _ = writeln!(
                text,
                "dataset \"d{i}\" {{ path = \"d{i}.csv\" }}\nstage \"s{i}\" {{ inputs = [dataset \"d{}\"] outputs = [dataset \"d{i}\"] }}",
                i - 1
            );
        }
        let mut acyclic = text.clone();
        acyclic.push('}');
        let graph = build(&acyclic).unwrap();
        assert_eq!(graph.topological().len(), 2 * depth + 1);
        let _ = writeln!(
            text,
            "dataset \"x\" {{ path = \"x.csv\" }}\nstage \"back\" {{ inputs = [dataset \"d{depth}\"] outputs = [dataset \"x\", dataset \"d{}\"] }}",
            depth - 1
        );
        text.push('}');
        assert_eq!(
            cycle_of(&text),
            format!(
                "stage \"s{depth}\" → dataset \"d{depth}\" → stage \"back\" → dataset \"d{}\" → stage \"s{depth}\"",
                depth - 1
            )
        );
    }

    /// Of two separate cycles, the one holding the earliest-declared stage is named.
    #[test]
    fn of_two_cycles_the_earliest_declared_is_named() {
        let text = r#"pipeline "p" {
  dataset "a" { path = "a.csv" }
  dataset "b" { path = "b.csv" }
  dataset "c" { path = "c.csv" }
  dataset "d" { path = "d.csv" }
  stage "late" { inputs = [dataset "c"] outputs = [dataset "d"] }
  stage "first" { inputs = [dataset "a"] outputs = [dataset "b"] }
  stage "second" { inputs = [dataset "b"] outputs = [dataset "a"] }
  stage "later" { inputs = [dataset "d"] outputs = [dataset "c"] }
}"#;
        assert_eq!(
            cycle_of(text),
            "stage \"late\" → dataset \"d\" → stage \"later\" → dataset \"c\" → stage \"late\""
        );
    }

    /// One identity for thousands of stages, a repeated input, and packages added twice:
    /// every edge once.
    #[test]
    fn edges_are_deduplicated() {
        let mut text = String::from(
            "pipeline \"p\" {\nidentity \"ci\" { subject = \"x\" }\ncode \"app\" { path = \"src\" }\n",
        );
        for i in 0..3_000 {
            let _ = writeln!(
                text,
                "dataset \"d{i}\" {{ path = \"d{i}.csv\" }}\nstage \"s{i}\" {{ runs_as = identity \"ci\" inputs = [code \"app\", code \"app\"] outputs = [dataset \"d{i}\"] }}"
            );
        }
        text.push('}');
        let mut graph = build(&text).unwrap();
        let edges = |g: &PipelineGraph, kind: EdgeKind| {
            g.graph().edge_weights().filter(|&&k| k == kind).count()
        };
        assert_eq!(edges(&graph, EdgeKind::RunsAs), 3_000);
        assert_eq!(edges(&graph, EdgeKind::Input), 3_000);
        let app = graph.find(Kind::Code, "app").unwrap();
        let d0 = graph.find(Kind::Dataset, "d0").unwrap();
        let package = |key: &str| PackageFacts {
            key: key.to_owned(),
            name: key.to_owned(),
            ..PackageFacts::default()
        };
        let a = graph.add_package(app, package("pkg:a"));
        let b = graph.add_package(app, package("pkg:b"));
        assert_eq!(graph.add_package(app, package("pkg:a")), a);
        assert_eq!(graph.add_package(d0, package("pkg:a")), a);
        graph.add_package_dependency(a, b);
        graph.add_package_dependency(a, b);
        // Already an inclusion edge (b → app is not, a → app is): not a second edge.
        graph.add_package_dependency(app, a);
        assert_eq!(graph.artifact(app).unwrap().packages, vec![a, b]);
        assert_eq!(graph.artifact(d0).unwrap().packages, vec![a]);
        assert_eq!(edges(&graph, EdgeKind::DependsOn), 4);
        // A stage is no owner.
        let s0 = graph.find(Kind::Stage, "s0").unwrap();
        graph.add_package(s0, package("pkg:c"));
        assert_eq!(edges(&graph, EdgeKind::DependsOn), 4);
        assert_eq!(graph.packages().count(), 3);
    }
}
