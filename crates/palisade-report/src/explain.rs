//! `palisade explain`: everything known and decided about one thing, as text for a terminal
//! or as the `palisade.explain/v1` JSON document.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::json;

use palisade_core::Exposure;
use palisade_core::text::escape_line;
use palisade_graph::{LineageGraph, Node, NodeIndex, PackageFacts};
use palisade_policy::{Evaluation, Outcome, Violation};
use palisade_syntax::ArtifactKind;

fn set(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        escape_line(&items.iter().cloned().collect::<Vec<_>>().join(", ")).into_owned()
    }
}

fn mention(graph: &LineageGraph, node: NodeIndex) -> String {
    let (ty, name) = graph.node_name(node);
    format!("{} {:?}", ty.to_lowercase(), escape_line(name))
}

/// What `explain` shows about one node: its decisions and violations from an evaluation.
struct Subject<'a> {
    decisions: Vec<&'a Outcome>,
    violations: Vec<&'a Violation>,
    lineage: Vec<NodeIndex>,
    location: Option<(usize, usize)>,
}

impl<'a> Subject<'a> {
    fn new(graph: &'a LineageGraph, node: NodeIndex, evaluation: &'a Evaluation) -> Self {
        let uid = graph.uid_string(node);
        Subject {
            decisions: evaluation
                .outcomes
                .iter()
                .filter(|o| o.principal == uid || o.resource == uid)
                .collect(),
            violations: evaluation
                .violations
                .iter()
                .chain(&evaluation.waived)
                .filter(|v| v.principal == uid || v.resource == uid)
                .collect(),
            lineage: graph.ancestors(node),
            location: graph
                .span(node)
                .map(|s| graph.pipeline.source.line_col(s.offset())),
        }
    }
}

/// The `palisade.explain/v1` JSON document about `node`.
pub fn json(graph: &LineageGraph, node: NodeIndex, evaluation: &Evaluation) -> String {
    let s = Subject::new(graph, node, evaluation);
    let facts = match graph.node(node) {
        Node::Artifact(a) => json!({
            "own": graph.facts(node),
            "upstream": graph.upstream(node),
            "downstream": graph.downstream(node),
            "packages": a.packages.len(),
        }),
        Node::Stage(_) => json!(graph.stage_facts(node)),
        _ => json!({}),
    };
    let doc = json!({
        "schema": "palisade.explain/v1",
        "entity": graph.uid_string(node),
        "location": s.location.map(|(line, column)| json!({"file": graph.pipeline.source.name, "line": line, "column": column})),
        "facts": facts,
        "lineage": s.lineage.iter().map(|&n| graph.uid_string(n)).collect::<Vec<_>>(),
        "decisions": s.decisions,
        "violations": s.violations,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// The text `palisade explain` prints about `node`.
pub fn text(graph: &LineageGraph, node: NodeIndex, evaluation: &Evaluation) -> String {
    let s = Subject::new(graph, node, evaluation);
    let mut out = String::new();
    let _ = write!(out, "{}", mention(graph, node));
    if let Some((line, column)) = s.location {
        let _ = write!(
            out,
            "  ({}:{line}:{column})",
            escape_line(&graph.pipeline.source.name)
        );
    }
    out.push('\n');
    match graph.node(node) {
        Node::Artifact(a) => artifact(&mut out, graph, node, a),
        Node::Stage(_) => {
            if let Some(facts) = graph.stage_facts(node) {
                let _ = writeln!(
                    out,
                    "  exposure:      {}",
                    Exposure::name_of(facts.exposure)
                );
                let _ = writeln!(out, "  input labels:  {}", set(&facts.input_labels));
                let e = &facts.evidence;
                if !e.declassified.is_empty() {
                    let _ = writeln!(out, "  declassifies:  {} (evidenced)", set(&e.declassified));
                }
                for claim in &e.declassify_unevidenced {
                    let _ = writeln!(out, "  ignored:       {}", escape_line(claim));
                }
                if let Some(redteam) = &e.redteam {
                    if !redteam.tested_models.is_empty() {
                        let _ = writeln!(
                            out,
                            "  red team:      tested {} at the current digest",
                            set(&redteam.tested_models)
                        );
                    }
                    for why in &redteam.unlinked {
                        let _ = writeln!(out, "  unlinked:      {}", escape_line(why));
                    }
                    for (model, why) in &redteam.stale_models {
                        let _ = writeln!(
                            out,
                            "  stale:         red team of {}: {}",
                            escape_line(model),
                            escape_line(why)
                        );
                    }
                }
                attestation(&mut out, &facts.evidence);
            }
        }
        _ => {}
    }
    if !s.lineage.is_empty() {
        let _ = writeln!(out, "\n  lineage (upstream, nearest first):");
        for n in &s.lineage {
            let _ = writeln!(out, "    {}", mention(graph, *n));
        }
    }
    let _ = writeln!(out, "\n  decisions ({}):", s.decisions.len());
    for d in &s.decisions {
        let policies = if d.policies.is_empty() {
            "no policy".to_owned()
        } else {
            d.policies.join(", ")
        };
        let _ = writeln!(
            out,
            "    {:<6} {} {} {}  [{}]",
            d.decision.as_str(),
            escape_line(&d.principal),
            d.action.as_str(),
            escape_line(&d.resource),
            escape_line(&policies)
        );
    }
    for v in &s.violations {
        let _ = writeln!(
            out,
            "\n  ✗ {} ({}): {}",
            escape_line(&v.policy),
            v.severity,
            escape_line(&v.message)
        );
        if v.path.len() > 1 {
            let _ = writeln!(out, "    lineage: {}", escape_line(&v.path.join(" → ")));
        }
        if let Some(w) = &v.waiver {
            let _ = writeln!(
                out,
                "    waived by {:?} until {}",
                escape_line(&w.name),
                w.expires
            );
        }
    }
    out
}

/// A stage's attestation: state, signer or reason, and declared versus attested.
fn attestation(out: &mut String, evidence: &palisade_graph::StageEvidence) {
    let _ = writeln!(out, "  attestation:   {}", evidence.attestation().as_str());
    let Some(l) = &evidence.lineage else {
        return;
    };
    if let Some(signer) = &l.signer {
        let _ = writeln!(out, "    signer:      {}", escape_line(signer));
    }
    if let Some(reason) = &l.reason {
        let _ = writeln!(out, "    reason:      {}", escape_line(reason));
    }
    let _ = writeln!(out, "    form:        {}", escape_line(&l.forms.join("; ")));
    if !l.command.is_empty() {
        let _ = writeln!(
            out,
            "    command:     {}",
            escape_line(&l.command.join(" "))
        );
    }
    let _ = writeln!(out, "    attested inputs:  {}", set(&l.attested_inputs));
    let _ = writeln!(out, "    attested outputs: {}", set(&l.attested_outputs));
    for (title, list) in [
        ("undeclared input", &l.undeclared_inputs),
        ("undeclared output", &l.undeclared_outputs),
    ] {
        for r in list {
            let known = if r.known_as.is_empty() {
                String::new()
            } else {
                format!(" = {}", r.known_as.join(", "))
            };
            let _ = writeln!(
                out,
                "    + {title}: {} ({}){}",
                escape_line(&r.path),
                escape_line(&r.digest),
                escape_line(&known)
            );
        }
    }
    for (title, list) in [
        ("unattested input", &l.unattested_inputs),
        ("unattested output", &l.unattested_outputs),
    ] {
        for (name, why) in list {
            let _ = writeln!(
                out,
                "    - {title}: {} ({})",
                escape_line(name),
                escape_line(why)
            );
        }
    }
}

fn artifact(
    out: &mut String,
    graph: &LineageGraph,
    node: NodeIndex,
    a: &palisade_graph::ArtifactNode,
) {
    let (Some(f), Some(u), Some(d)) = (
        graph.facts(node),
        graph.upstream(node),
        graph.downstream(node),
    ) else {
        return;
    };
    let mut own: BTreeSet<String> = graph.pipeline.artifacts[a.decl]
        .labels
        .iter()
        .map(|l| l.value.clone())
        .collect();
    own.extend(f.evidence_labels.iter().cloned());
    let _ = writeln!(out, "  labels:            {}", set(&own));
    let _ = writeln!(out, "  upstream labels:   {}", set(&u.labels));
    let _ = writeln!(out, "  integrity:         {}", f.integrity.as_str());
    for change in f.integrity_changes.iter().take(10) {
        let _ = writeln!(out, "                     {}", escape_line(change));
    }
    if f.dvc_lock != palisade_graph::DvcLock::Absent {
        let _ = writeln!(out, "  dvc.lock:          {}", f.dvc_lock.as_str());
        for change in f.dvc_lock_changes.iter().take(10) {
            let _ = writeln!(out, "                     {}", escape_line(change));
        }
    }
    match &f.digest {
        Some(digest) if digest.algorithm() == palisade_core::DigestAlgorithm::Sha256 => {
            // A folder's sha256 is not any file's: say which of the two it is.
            let folder = graph.pipeline.artifacts[a.decl]
                .path
                .as_ref()
                .is_some_and(|p| p.value.resolved.is_dir());
            let what = if folder {
                "  (the folder's: over its files' sha256 in model-signing order, the subject OpenSSF model signing signs; `palisade hash` lists each file's)"
            } else {
                "  (the file's bytes)"
            };
            let _ = writeln!(out, "  sha256:            {}{what}", digest.hex());
        }
        Some(digest) => {
            let _ = writeln!(out, "  digest:            {digest}");
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "  signature:         {} (signers: {})",
        f.signature.as_str(),
        set(&f.signers)
    );
    if let Some(reason) = &f.signature_reason {
        let _ = writeln!(out, "                     {}", escape_line(reason));
    }
    let c = &f.signer_claims;
    if let Some(time) = &c.signed_time {
        let _ = writeln!(
            out,
            "                     signed at {} ({})",
            escape_line(time),
            escape_line(c.signed_time_source.as_deref().unwrap_or("—"))
        );
    }
    for (label, value) in [
        ("subject", &c.subject),
        ("issuer", &c.issuer),
        ("repository", &c.repository),
        ("ref", &c.git_ref),
        ("commit", &c.commit),
        ("workflow", &c.workflow),
        ("trigger", &c.trigger),
        ("runner", &c.runner),
    ] {
        if let Some(value) = value {
            let _ = writeln!(
                out,
                "                     {label:<11} {}",
                escape_line(value)
            );
        }
    }
    let p = &f.provenance;
    let _ = writeln!(out, "  provenance:        {}", p.state.as_str());
    if let Some(builder) = &p.builder_id {
        let _ = writeln!(
            out,
            "                     builder {} (declared builders: {}) · build type {}",
            escape_line(builder),
            set(&p.builders),
            escape_line(p.build_type.as_deref().unwrap_or("—"))
        );
    }
    if let Some(reason) = &f.provenance_reason {
        let _ = writeln!(out, "                     {}", escape_line(reason));
    }
    // Only pipelines that declare a `summary` see the line (other explain outputs are unchanged).
    let v = &f.summary;
    if v.state != palisade_graph::SignatureState::Absent {
        let _ = writeln!(out, "  summary:           {}", v.state.as_str());
        if let Some(result) = &v.result {
            let _ = writeln!(
                out,
                "                     {} by {} at {} · policy {} · signed by {}",
                escape_line(result),
                escape_line(v.verifier.as_deref().unwrap_or("—")),
                escape_line(v.time.as_deref().unwrap_or("—")),
                escape_line(v.policy_digest.as_deref().unwrap_or("—")),
                set(&v.signers)
            );
        }
        if let Some(reason) = &v.reason {
            let _ = writeln!(out, "                     {}", escape_line(reason));
        }
    }
    let _ = writeln!(
        out,
        "  findings:          sast {} · secrets {} · dast {} · vulnerabilities {} (highest upstream: {})",
        f.sast.total, f.secrets.total, f.dast.total, f.vulnerabilities.total, u.max_vulnerability
    );
    let _ = writeln!(out, "  packages:          {}", a.packages.len());
    let mut vulnerable: Vec<&PackageFacts> = a
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
            escape_line(&p.name),
            escape_line(p.version.as_deref().unwrap_or("")),
            escape_line(&ids.join(", "))
        );
    }
    for finding in f.findings.iter().take(10) {
        let _ = writeln!(
            out,
            "    {} {} {} {} at {}: {}",
            finding.slot,
            finding.severity,
            escape_line(&finding.tool),
            escape_line(finding.rule.as_deref().unwrap_or("")),
            escape_line(finding.location.as_deref().unwrap_or("")),
            escape_line(finding.message.lines().next().unwrap_or_default())
        );
    }
    if !f.evidence_files.is_empty() {
        let files: Vec<&str> = f.evidence_files.iter().map(|e| e.path.as_str()).collect();
        let _ = writeln!(
            out,
            "  evidence files:    {}",
            escape_line(&files.join(", "))
        );
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
        set(&d.produced_by),
        set(&d.released_in),
        Exposure::name_of(d.exposure)
    );
    if a.kind == ArtifactKind::Model {
        let m = &f.model;
        let _ = writeln!(
            out,
            "  model:             format {:?} · unsafe format {} · dangerous imports {} · model card {} · metrics {}",
            escape_line(m.format.as_deref().unwrap_or("")),
            m.unsafe_format,
            set(&m.dangerous_imports),
            m.model_card,
            set(&m.metrics)
        );
        let milli =
            |v: Option<u64>| v.map_or("none".to_owned(), |v| format!("{}", v as f64 / 1000.0));
        let _ = writeln!(
            out,
            "  model card claims: bom signed {} · DP ε {} · DP evidenced {} · robust accuracy {}",
            m.bom_signed,
            milli(m.dp_epsilon_milli),
            m.dp_evidenced,
            milli(m.robust_accuracy_milli)
        );
        if let Some(reason) = &m.dp_reason {
            let _ = writeln!(out, "  DP claim:          {}", escape_line(reason));
        }
        if !m.dp_evidence.is_empty() {
            let _ = writeln!(
                out,
                "  DP evidence:       {}",
                escape_line(&m.dp_evidence.join(", "))
            );
        }
        let _ = writeln!(
            out,
            "  model scan:        unknown imports {} · format findings {} · scan errors {}",
            set(&m.unknown_imports),
            set(&m.format_findings),
            m.scan_errors.len()
        );
        for line in m
            .scan_errors
            .iter()
            .chain(&m.format_finding_details)
            .take(20)
        {
            let _ = writeln!(out, "    {}", escape_line(line));
        }
    }
}
