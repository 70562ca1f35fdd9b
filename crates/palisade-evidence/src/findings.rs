//! `sast`, `dast`, `secrets` and `scans`: SARIF reports, counted by severity, with the most
//! severe findings kept for reports.

use palisade_core::Severity;
use palisade_graph::{Counts, FindingSummary, MAX_FINDINGS};

use crate::Gathering;
use crate::read::read_evidence;

/// Reads every SARIF report of the artifact's four slots.
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    let mut findings = Vec::new();
    for (slot, files) in [
        ("sast", &artifact.sast),
        ("dast", &artifact.dast),
        ("secrets", &artifact.secrets),
        ("scans", &artifact.scans),
    ] {
        let mut counts = Counts::default();
        for file in files {
            let read = read_evidence(
                &g.context.folder,
                &file.value,
                "a SARIF report",
                palisade_sarif::MAX_FILE_SIZE,
                |bytes| {
                    palisade_sarif::parse(bytes, &file.value.written).map_err(miette::Report::new)
                },
            );
            match read {
                Ok((report, read)) => {
                    g.facts.evidence_files.push(read);
                    match slot {
                        "sast" => g.facts.sast_scan = true,
                        "secrets" => g.facts.secrets_scan = true,
                        _ => {}
                    }
                    let c = report.counts();
                    counts.merge(&Counts {
                        critical: c.critical,
                        high: c.high,
                        medium: c.medium,
                        low: c.low,
                        total: c.total,
                    });
                    findings.extend(report.findings.iter().filter_map(|f| {
                        let severity = match f.severity {
                            palisade_sarif::Severity::Critical => Severity::Critical,
                            palisade_sarif::Severity::High => Severity::High,
                            palisade_sarif::Severity::Medium => Severity::Medium,
                            palisade_sarif::Severity::Low => Severity::Low,
                            palisade_sarif::Severity::Info => return None,
                        };
                        Some(FindingSummary {
                            slot: slot.to_owned(),
                            tool: f.tool.clone(),
                            rule: f.rule_id.clone(),
                            severity,
                            message: f.message.clone(),
                            location: f.location.as_ref().map(|l| match l.start_line {
                                Some(line) => format!("{}:{line}", l.uri),
                                None => l.uri.clone(),
                            }),
                        })
                    }));
                }
                Err(e) => g.fail(file.span, slot, &file.value.written, e),
            }
        }
        match slot {
            "sast" => g.facts.sast = counts,
            "dast" => g.facts.dast = counts,
            "secrets" => g.facts.secrets = counts,
            _ => g.facts.scans = counts,
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
    });
    findings.truncate(MAX_FINDINGS);
    g.facts.findings = findings;
}
