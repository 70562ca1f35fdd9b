//! `palisade explain`: everything Palisade knows and decided about one thing.

use std::fmt::Write as _;

use serde_json::json;

use palisade_graph::{Node, PipelineGraph};
use palisade_syntax::Kind;

use crate::gate::Gate;

fn set(items: &std::collections::BTreeSet<String>) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn mention(graph: &PipelineGraph, node: palisade_graph::NodeIndex) -> String {
    let (ty, name) = graph.node_name(node);
    format!("{} {name:?}", ty.to_lowercase())
}

pub fn explain(
    gate: &Gate,
    kind: &str,
    name: &str,
    at: i64,
    as_json: bool,
) -> miette::Result<String> {
    let graph = &gate.graph;
    let kind_value = Kind::from_keyword(kind).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.keyword()).collect();
        let hint = palisade_syntax::suggest(kind, names.iter().copied())
            .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
        miette::miette!(
            code = "palisade::usage",
            "unknown kind `{kind}`{hint}; kinds are {}",
            names.join(", ")
        )
    })?;
    let node = graph.find(kind_value, name).ok_or_else(|| {
        let declared: Vec<String> = graph
            .graph()
            .node_indices()
            .filter(|&n| graph.node_name(n).0.eq_ignore_ascii_case(kind))
            .map(|n| graph.node_name(n).1.to_owned())
            .collect();
        let hint = palisade_syntax::suggest(name, declared.iter().map(String::as_str))
            .map_or_else(String::new, |s| format!(" (did you mean {s:?}?)"));
        miette::miette!(
            code = "palisade::usage",
            "no {kind} {name:?} is declared{hint}"
        )
    })?;
    let evaluation = gate.evaluate(at)?;
    let uid = graph.uid_string(node);
    let decisions: Vec<_> = evaluation
        .outcomes
        .iter()
        .filter(|o| o.principal == uid || o.resource == uid)
        .collect();
    let violations: Vec<_> = evaluation
        .violations
        .iter()
        .chain(&evaluation.waived)
        .filter(|v| v.principal == uid || v.resource == uid)
        .collect();
    let lineage = graph.lineage(node);
    let location = graph
        .span(node)
        .map(|s| graph.pipeline.source.line_col(s.offset()));

    if as_json {
        let doc = json!({
            "schema": "palisade.explain/v1",
            "entity": uid,
            "location": location.map(|(line, column)| json!({"file": graph.pipeline.source.name, "line": line, "column": column})),
            "facts": match graph.node(node) {
                Node::Artifact(a) => json!({ "own": a.facts, "upstream": a.upstream, "downstream": a.downstream, "packages": a.packages.len() }),
                Node::Stage(_, facts) => json!(facts),
                _ => json!({}),
            },
            "lineage": lineage.iter().map(|&n| graph.uid_string(n)).collect::<Vec<_>>(),
            "decisions": decisions,
            "violations": violations,
        });
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    }

    let mut out = String::new();
    let _ = write!(out, "{}", mention(graph, node));
    if let Some((line, column)) = location {
        let _ = write!(out, "  ({}:{line}:{column})", graph.pipeline.source.name);
    }
    out.push('\n');
    match graph.node(node) {
        Node::Artifact(a) => {
            let f = &a.facts;
            let u = &a.upstream;
            let _ = writeln!(
                out,
                "  labels:            {}",
                set(&palisade_policy::entities::own_labels(graph, a))
            );
            let _ = writeln!(out, "  upstream labels:   {}", set(&u.labels));
            let _ = writeln!(out, "  integrity:         {}", f.integrity.as_str());
            for change in f.integrity_changes.iter().take(10) {
                let _ = writeln!(out, "                     {change}");
            }
            if !f.sha256.is_empty() {
                let _ = writeln!(out, "  sha256:            {}", f.sha256);
            }
            let _ = writeln!(
                out,
                "  signature:         {} (signers: {})",
                f.signature.as_str(),
                set(&f.signers)
            );
            if !f.signature_reason.is_empty() {
                let _ = writeln!(out, "                     {}", f.signature_reason);
            }
            let p = &f.provenance;
            let _ = writeln!(out, "  provenance:        {}", p.state.as_str());
            if !p.builder_id.is_empty() {
                let _ = writeln!(
                    out,
                    "                     builder {} (declared builders: {}) · build type {}",
                    p.builder_id,
                    set(&p.builders),
                    p.build_type
                );
            }
            if !f.provenance_reason.is_empty() {
                let _ = writeln!(out, "                     {}", f.provenance_reason);
            }
            let _ = writeln!(
                out,
                "  findings:          sast {} · secrets {} · dast {} · vulnerabilities {} (highest upstream: {})",
                f.sast.total,
                f.secrets.total,
                f.dast.total,
                f.vulnerabilities.total,
                u.max_vulnerability
            );
            let _ = writeln!(out, "  packages:          {}", a.packages.len());
            let mut vulnerable: Vec<&palisade_graph::PackageFacts> = a
                .packages
                .iter()
                .filter_map(|&p| graph.package(p))
                .filter(|p| !p.vulnerability_ids.is_empty())
                .collect();
            vulnerable.sort_by(|x, y| {
                y.vulnerabilities
                    .highest()
                    .cmp(&x.vulnerabilities.highest())
                    .then_with(|| x.key.cmp(&y.key))
            });
            for p in vulnerable.iter().take(20) {
                let ids: Vec<&str> = p.vulnerability_ids.iter().map(String::as_str).collect();
                let _ = writeln!(
                    out,
                    "    {} {}  {}: {}",
                    p.vulnerabilities.highest(),
                    p.name,
                    p.version,
                    ids.join(", ")
                );
            }
            for finding in f.findings.iter().take(10) {
                let _ = writeln!(
                    out,
                    "    {} {} {} {} at {}: {}",
                    finding.slot,
                    finding.severity,
                    finding.tool,
                    finding.rule,
                    finding.location,
                    finding.message.lines().next().unwrap_or_default()
                );
            }
            if !f.evidence_files.is_empty() {
                let files: Vec<&str> = f.evidence_files.iter().map(|e| e.path.as_str()).collect();
                let _ = writeln!(out, "  evidence files:    {}", files.join(", "));
            }
            let _ = writeln!(
                out,
                "  upstream unsigned: {} · unpinned: {}",
                u.unsigned, u.unpinned
            );
            let _ = writeln!(
                out,
                "  derives from:      datasets {} · models {}",
                set(&u.datasets),
                set(&u.models)
            );
            let _ = writeln!(
                out,
                "  produced by:       {} · released in: {} (exposure {})",
                set(&a.downstream.produced_by),
                set(&a.downstream.released_in),
                a.downstream.exposure
            );
            if a.kind == palisade_syntax::ArtifactKind::Model {
                let m = &f.model;
                let _ = writeln!(
                    out,
                    "  model:             format {:?} · unsafe format {} · dangerous imports {} · model card {} · metrics {}",
                    m.format,
                    m.unsafe_format,
                    set(&m.dangerous_imports),
                    m.model_card,
                    set(&m.metrics)
                );
            }
        }
        Node::Stage(_, facts) => {
            let _ = writeln!(out, "  exposure:      {}", facts.exposure);
            let _ = writeln!(out, "  input labels:  {}", set(&facts.input_labels));
        }
        _ => {}
    }
    if !lineage.is_empty() {
        let _ = writeln!(out, "\n  lineage (upstream, nearest first):");
        for n in &lineage {
            let _ = writeln!(out, "    {}", mention(graph, *n));
        }
    }
    let _ = writeln!(out, "\n  decisions ({}):", decisions.len());
    for d in &decisions {
        let policies = if d.policies.is_empty() {
            "no policy".to_owned()
        } else {
            d.policies.join(", ")
        };
        let _ = writeln!(
            out,
            "    {:<6} {} {} {}  [{policies}]",
            d.decision,
            d.principal,
            d.action.as_str(),
            d.resource
        );
    }
    for v in &violations {
        let _ = writeln!(out, "\n  ✗ {} ({}): {}", v.policy, v.severity, v.message);
        if v.path.len() > 1 {
            let _ = writeln!(out, "    lineage: {}", v.path.join(" → "));
        }
        if let Some(w) = &v.waiver {
            let _ = writeln!(out, "    waived by {:?} until {}", w.name, w.expires);
        }
    }
    Ok(out)
}
