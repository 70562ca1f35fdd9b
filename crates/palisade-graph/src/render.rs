//! Renderings of the graph for `palisade graph`: Graphviz dot, Mermaid and JSON.

use std::fmt::Write as _;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use palisade_core::text::escape_line;

use crate::{EdgeKind, LineageGraph, Node};

/// Which nodes a rendering includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Include SBOM packages (can be thousands of nodes).
    pub packages: bool,
}

fn included(graph: &LineageGraph, node: NodeIndex, options: RenderOptions) -> bool {
    options.packages || !matches!(graph.node(node), Node::Package(_))
}

fn label(graph: &LineageGraph, node: NodeIndex) -> String {
    // Names come from the pipeline (printable) or from evidence (anything): every piece is
    // escaped, so a control or bidi character never reaches a terminal or a renderer.
    let (kind, name) = graph.node_name(node);
    let mut label = format!("{} {}", kind.to_lowercase(), escape_line(name));
    if let (Some(artifact), Some(upstream)) = (graph.artifact(node), graph.upstream(node)) {
        let labels = &upstream.labels;
        if !labels.is_empty() {
            let list: Vec<_> = labels.iter().map(|l| escape_line(l)).collect();
            let _ = write!(label, "\n[{}]", list.join(", "));
        }
        if !artifact.packages.is_empty() {
            let _ = write!(label, "\n{} packages", artifact.packages.len());
        }
    }
    label
}

/// How an edge stands against its stage's attestation: `Some(true)` attested (the stage's
/// attestation verified and shows this flow), `Some(false)` declared only (no attestation, one
/// that does not verify, or one that does not show it), `None` when the edge is no data flow
/// between an artifact and a stage. Undeclared-input edges are attested by construction.
fn attested(
    graph: &LineageGraph,
    edge: petgraph::graph::EdgeReference<'_, EdgeKind>,
) -> Option<bool> {
    let (stage, artifact, outputs) = match edge.weight() {
        EdgeKind::Input => (edge.target(), edge.source(), false),
        EdgeKind::Output => (edge.source(), edge.target(), true),
        EdgeKind::UndeclaredInput => return Some(true),
        _ => return None,
    };
    let Node::Stage(i) = graph.node(stage) else {
        return None;
    };
    let Some(lineage) = graph.stage_evidence(*i).and_then(|e| e.lineage.as_ref()) else {
        return Some(false);
    };
    if lineage.attestation != crate::SignatureState::Verified {
        return Some(false);
    }
    let (_, name) = graph.node_name(artifact);
    let list = if outputs {
        &lineage.attested_outputs
    } else {
        &lineage.attested_inputs
    };
    Some(list.contains(name))
}

/// Whether a node is something a stage read without declaring it.
fn undeclared(graph: &LineageGraph, node: NodeIndex) -> bool {
    graph
        .successors(node, &[EdgeKind::UndeclaredInput])
        .next()
        .is_some()
}

/// Undeclared inputs of stages that are no declared artifact: (stage node, path, digest).
fn unknown_inputs(graph: &LineageGraph) -> Vec<(NodeIndex, String, String)> {
    let mut found = Vec::new();
    for (i, stage) in graph.pipeline.stages.iter().enumerate() {
        let Some(lineage) = graph.stage_evidence(i).and_then(|e| e.lineage.as_ref()) else {
            continue;
        };
        let Some(node) = graph.find(palisade_syntax::Kind::Stage, &stage.name.value) else {
            continue;
        };
        for r in lineage
            .undeclared_inputs
            .iter()
            .filter(|r| r.known_as.is_empty())
        {
            found.push((node, r.path.clone(), r.digest.clone()));
        }
    }
    found
}

fn shape(node: &Node) -> &'static str {
    match node {
        Node::Stage(_) => "box",
        Node::Release(_) => "doubleoctagon",
        Node::Identity(_) | Node::Key(_) => "hexagon",
        Node::Package(_) => "note",
        Node::Artifact(_) => "ellipse",
    }
}

/// Graphviz dot.
pub fn dot(graph: &LineageGraph, options: RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "digraph {} {{",
        crate::quote(&graph.pipeline.name.value)
    );
    let _ = writeln!(out, "  rankdir=LR;");
    for node in graph
        .graph()
        .node_indices()
        .filter(|&n| included(graph, n, options))
    {
        let red = if undeclared(graph, node) {
            ", color=red, fontcolor=red"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{} [label={}, shape={}{red}];",
            node.index(),
            crate::quote(&label(graph, node)),
            shape(graph.node(node))
        );
    }
    for (k, (stage, path, digest)) in unknown_inputs(graph).into_iter().enumerate() {
        let _ = writeln!(
            out,
            "  u{k} [label={}, shape=note, color=red, fontcolor=red];",
            crate::quote(&format!(
                "undeclared {}\n{}",
                escape_line(&path),
                escape_line(&digest)
            ))
        );
        let _ = writeln!(
            out,
            "  u{k} -> n{} [label=\"undeclared_input\", color=red];",
            stage.index()
        );
    }
    for edge in graph.graph().edge_references() {
        if included(graph, edge.source(), options) && included(graph, edge.target(), options) {
            let style = match (edge.weight(), attested(graph, edge)) {
                (EdgeKind::UndeclaredInput, _) => ", color=red",
                (_, Some(true)) => ", style=solid",
                (_, Some(false)) => ", style=dashed",
                (_, None) => "",
            };
            let _ = writeln!(
                out,
                "  n{} -> n{} [label={}{style}];",
                edge.source().index(),
                edge.target().index(),
                crate::quote(edge.weight().as_str())
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart.
pub fn mermaid(graph: &LineageGraph, options: RenderOptions) -> String {
    let mut out = String::from("flowchart LR\n");
    for node in graph
        .graph()
        .node_indices()
        .filter(|&n| included(graph, n, options))
    {
        let text = label(graph, node)
            .replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
            .replace('\n', "<br/>");
        let (open, close) = match graph.node(node) {
            Node::Stage(_) => ("[", "]"),
            Node::Release(_) => ("{{", "}}"),
            Node::Identity(_) | Node::Key(_) => ("{", "}"),
            Node::Package(_) => ("[/", "/]"),
            Node::Artifact(_) => ("(", ")"),
        };
        let _ = writeln!(out, "  n{}{open}\"{text}\"{close}", node.index());
        if undeclared(graph, node) {
            let _ = writeln!(out, "  style n{} stroke:#d00,color:#d00", node.index());
        }
    }
    let mermaid_text = |s: &str| {
        s.replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    for (k, (stage, path, digest)) in unknown_inputs(graph).into_iter().enumerate() {
        let _ = writeln!(
            out,
            "  u{k}[/\"undeclared {}<br/>{}\"/]",
            mermaid_text(&escape_line(&path)),
            mermaid_text(&escape_line(&digest))
        );
        let _ = writeln!(out, "  style u{k} stroke:#d00,color:#d00");
        let _ = writeln!(out, "  u{k} -->|undeclared_input| n{}", stage.index());
    }
    for edge in graph.graph().edge_references() {
        if included(graph, edge.source(), options) && included(graph, edge.target(), options) {
            // Declared only (no verified attestation shows it): dotted. Attested or undeclared
            // (and edges that are no data flow of a stage): solid.
            let arrow = if attested(graph, edge) == Some(false) {
                "-.->"
            } else {
                "-->"
            };
            let _ = writeln!(
                out,
                "  n{} {arrow}|{}| n{}",
                edge.source().index(),
                edge.weight().as_str(),
                edge.target().index()
            );
        }
    }
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    schema: &'static str,
    pipeline: &'a str,
    nodes: Vec<JsonNode>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonNode {
    id: String,
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    upstream_labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packages: Option<usize>,
}

#[derive(Serialize)]
struct JsonEdge {
    from: String,
    to: String,
    kind: &'static str,
    /// Whether the stage's verified attestation shows this flow (input and output edges of
    /// stages only; `false` when the stage has no verified attestation).
    #[serde(skip_serializing_if = "Option::is_none")]
    attested: Option<bool>,
}

/// JSON: `{schema, pipeline, nodes: [{id, kind, name, …}], edges: [{from, to, kind}]}`.
pub fn json(graph: &LineageGraph, options: RenderOptions) -> String {
    let nodes = graph
        .graph()
        .node_indices()
        .filter(|&n| included(graph, n, options))
        .map(|node| {
            let (kind, name) = graph.node_name(node);
            let artifact = graph.artifact(node);
            JsonNode {
                id: graph.uid_string(node),
                kind,
                name: name.to_owned(),
                upstream_labels: graph
                    .upstream(node)
                    .map(|u| u.labels.iter().cloned().collect()),
                packages: artifact.map(|a| a.packages.len()),
            }
        })
        .collect();
    let edges = graph
        .graph()
        .edge_references()
        .filter(|e| included(graph, e.source(), options) && included(graph, e.target(), options))
        .map(|edge| JsonEdge {
            from: graph.uid_string(edge.source()),
            to: graph.uid_string(edge.target()),
            kind: edge.weight().as_str(),
            attested: attested(graph, edge),
        })
        .collect();
    let doc = JsonGraph {
        schema: "palisade.graph/v1",
        pipeline: &graph.pipeline.name.value,
        nodes,
        edges,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
