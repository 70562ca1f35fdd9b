//! Verified lineage in reports: per stage with an attestation (or every stage when the
//! pipeline sets `require_attestations`), whether it verified, who signed it, and what the
//! stage read without declaring it (`undeclared_inputs`) or declared without the attestation
//! showing it (`unattested_inputs`), each with its path or name and digest.
//!
//! JSON (`lineage`, omitted when empty), the human report and Markdown carry it; the human
//! and Markdown reports only list stages with something to say (an attestation that is not
//! verified, an undeclared or unattested input).

use std::fmt::Write as _;

use serde::Serialize;

use palisade_core::text::escape_line as esc;
use palisade_graph::{LineageGraph, SignatureState};

/// One stage's attestation, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageLineage {
    /// The stage's name.
    pub stage: String,
    /// `verified`, `invalid` or `absent`.
    pub attestation: &'static str,
    /// Who signed it, when verified (the `runs_as` identity, or its key).
    pub signer: Option<String>,
    /// Why it is not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the attestation shows the stage read that it does not declare.
    pub undeclared_inputs: Vec<UndeclaredInput>,
    /// Declared inputs the attestation does not show the stage read.
    pub unattested_inputs: Vec<UnattestedInput>,
}

/// An attested material no declared input accounts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndeclaredInput {
    /// Its path (or name, URI) in the attestation.
    pub path: String,
    /// Its digest (`sha256:…`, or the first algorithm attested).
    pub digest: String,
    /// The declared artifacts whose content it is (the PII dataset the command read).
    pub known_as: Vec<String>,
}

/// A declared input the attestation does not account for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnattestedInput {
    /// The declared artifact's name.
    pub artifact: String,
    /// Its digest as palisade knows it (hashed path or `digest =`), if any.
    pub digest: Option<String>,
    /// Why the attestation does not account for it.
    pub reason: String,
}

impl StageLineage {
    /// Whether the human and Markdown reports list it.
    fn notable(&self) -> bool {
        self.attestation != "verified"
            || !self.undeclared_inputs.is_empty()
            || !self.unattested_inputs.is_empty()
    }
}

/// The lineage section of `graph`'s stages.
pub fn stages(graph: &LineageGraph) -> Vec<StageLineage> {
    let pipeline = &graph.pipeline;
    let required = pipeline
        .require_attestations
        .as_ref()
        .is_some_and(|r| r.value);
    let mut out = Vec::new();
    for (i, stage) in pipeline.stages.iter().enumerate() {
        let Some(lineage) = graph.stage_evidence(i).and_then(|e| e.lineage.as_ref()) else {
            if required {
                out.push(StageLineage {
                    stage: stage.name.value.clone(),
                    attestation: "absent",
                    signer: None,
                    reason: None,
                    undeclared_inputs: Vec::new(),
                    unattested_inputs: Vec::new(),
                });
            }
            continue;
        };
        let verified = lineage.attestation == SignatureState::Verified;
        let digest_of = |name: &str| {
            stage
                .inputs
                .iter()
                .filter(|r| r.value.name == name)
                .find_map(|r| {
                    pipeline
                        .artifacts
                        .iter()
                        .position(|a| a.kind.kind() == r.value.kind && a.name.value == name)
                })
                .and_then(|decl| graph.facts_of(decl))
                .and_then(|facts| facts.digest.as_ref())
                .map(ToString::to_string)
        };
        out.push(StageLineage {
            stage: stage.name.value.clone(),
            attestation: if verified { "verified" } else { "invalid" },
            signer: lineage.signer.clone().filter(|_| verified),
            reason: lineage.reason.clone(),
            undeclared_inputs: lineage
                .undeclared_inputs
                .iter()
                .map(|r| UndeclaredInput {
                    path: r.path.clone(),
                    digest: r.digest.clone(),
                    known_as: r.known_as.clone(),
                })
                .collect(),
            unattested_inputs: lineage
                .unattested_inputs
                .iter()
                .map(|(artifact, reason)| UnattestedInput {
                    artifact: artifact.clone(),
                    digest: digest_of(artifact),
                    reason: reason.clone(),
                })
                .collect(),
        });
    }
    out
}

/// The human report's section (empty when no stage is notable).
pub(crate) fn human(out: &mut String, stages: &[StageLineage]) {
    let notable: Vec<&StageLineage> = stages.iter().filter(|s| s.notable()).collect();
    if notable.is_empty() {
        return;
    }
    out.push('\n');
    for s in notable {
        let signer = s
            .signer
            .as_deref()
            .map(|signer| format!(" (signer: {})", esc(signer)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "lineage: stage {:?}: attestation {}{signer}",
            esc(&s.stage),
            s.attestation
        );
        if let Some(reason) = &s.reason {
            let _ = writeln!(out, "    reason: {}", esc(reason));
        }
        for u in &s.undeclared_inputs {
            let _ = writeln!(
                out,
                "    + undeclared input: {} ({}){}",
                esc(&u.path),
                esc(&u.digest),
                known_as(&u.known_as)
            );
        }
        for u in &s.unattested_inputs {
            let digest = u
                .digest
                .as_deref()
                .map(|d| format!(" ({})", esc(d)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    - unattested input: {}{digest}: {}",
                esc(&u.artifact),
                esc(&u.reason)
            );
        }
    }
}

fn known_as(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = names.iter().map(|n| esc(n).into_owned()).collect();
        format!(", declared as {}", names.join(", "))
    }
}

/// The Markdown report's section (nothing when no stage is notable).
pub(crate) fn markdown(out: &mut String, stages: &[StageLineage]) {
    use palisade_core::text::escape_markdown as cell;
    let notable: Vec<&StageLineage> = stages.iter().filter(|s| s.notable()).collect();
    if notable.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Lineage\n");
    let _ = writeln!(
        out,
        "| stage | attestation | finding | path or artifact | digest |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for s in notable {
        let attestation = match &s.signer {
            Some(signer) => format!("{} ({})", s.attestation, cell(signer)),
            None => s.attestation.to_string(),
        };
        let mut rows = Vec::new();
        if let Some(reason) = &s.reason {
            rows.push(("not verified".to_string(), cell(reason), String::new()));
        }
        for u in &s.undeclared_inputs {
            rows.push((
                "undeclared input".to_string(),
                format!("{}{}", cell(&u.path), cell(&known_as(&u.known_as))),
                cell(&u.digest),
            ));
        }
        for u in &s.unattested_inputs {
            rows.push((
                "unattested input".to_string(),
                format!("{}: {}", cell(&u.artifact), cell(&u.reason)),
                u.digest.as_deref().map(cell).unwrap_or_default(),
            ));
        }
        if rows.is_empty() {
            rows.push((String::new(), String::new(), String::new()));
        }
        for (finding, what, digest) in rows {
            let _ = writeln!(
                out,
                "| {} | {attestation} | {finding} | {what} | {digest} |",
                cell(&s.stage)
            );
        }
    }
    out.push('\n');
}
