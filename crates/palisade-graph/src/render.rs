//! Renderings of the graph for `palisade graph`: Graphviz dot, Mermaid and JSON.

use std::fmt::Write as _;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use palisade_core::text::escape_line;

use crate::{LineageGraph, Node};

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
        let _ = writeln!(
            out,
            "  n{} [label={}, shape={}];",
            node.index(),
            crate::quote(&label(graph, node)),
            shape(graph.node(node))
        );
    }
    for edge in graph.graph().edge_references() {
        if included(graph, edge.source(), options) && included(graph, edge.target(), options) {
            let _ = writeln!(
                out,
                "  n{} -> n{} [label={}];",
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
    }
    for edge in graph.graph().edge_references() {
        if included(graph, edge.source(), options) && included(graph, edge.target(), options) {
            let _ = writeln!(
                out,
                "  n{} -->|{}| n{}",
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
