//! The human report: the verdict first, then each violation with its reason, place, lineage
//! and how to fix it.

use std::fmt::Write as _;

use palisade_core::text::escape_line as esc;
use std::collections::BTreeSet;

use palisade_policy::controls::{FrameworkResult, Status};
use palisade_policy::{Evaluation, Reason, Violation};

// Every string below may come from input (policy annotations, pipeline names, waiver reasons,
// evidence): each is printed through `esc`, so a control or bidi character shows as `\u{1b}`
// instead of driving the terminal.

fn violation(out: &mut String, mark: &str, v: &Violation) {
    let control = if v.controls.is_empty() {
        String::new()
    } else {
        format!("  [{}]", esc(&v.controls.join(", ")))
    };
    let _ = writeln!(out, "{mark} {:<8} {}{control}", v.severity, esc(&v.policy));
    let _ = writeln!(out, "    {}", esc(&v.message));
    let _ = writeln!(
        out,
        "    at {}:{}:{}",
        esc(&v.location.file),
        v.location.line,
        v.location.column
    );
    if v.path.len() > 1 {
        let _ = writeln!(out, "    lineage: {}", esc(&v.path.join(" → ")));
    }
    if let Some(w) = &v.waiver {
        let _ = writeln!(
            out,
            "    waived by {:?} until {}: {}",
            w.name,
            esc(&w.expires),
            esc(&w.reason)
        );
    }
    if let Some(help) = &v.help {
        let _ = writeln!(out, "    help: {}", esc(help));
    }
    if let (Some(p), Reason::Forbidden | Reason::PolicyError) = (&v.policy_location, v.reason) {
        let _ = writeln!(out, "    policy: {}:{}", esc(&p.file), p.line);
    }
}

pub(crate) fn render(
    evaluation: &Evaluation,
    controls: Option<&[FrameworkResult]>,
    lineage: &[crate::lineage::StageLineage],
) -> String {
    let mut out = String::new();
    let verdict = if evaluation.allowed() {
        "ALLOW"
    } else {
        "DENY"
    };
    let s = &evaluation.summary;
    let _ = writeln!(
        out,
        "palisade: pipeline {:?}: {verdict} — {} violation{}, {} waived",
        evaluation.pipeline,
        evaluation.violations.len(),
        if evaluation.violations.len() == 1 {
            ""
        } else {
            "s"
        },
        evaluation.waived.len()
    );
    if !evaluation.violations.is_empty() {
        out.push('\n');
        for v in &evaluation.violations {
            violation(&mut out, "✗", v);
        }
    }
    if !evaluation.waived.is_empty() {
        out.push('\n');
        for v in &evaluation.waived {
            violation(&mut out, "~", v);
        }
    }
    crate::lineage::human(&mut out, lineage);
    if !evaluation.warnings.is_empty() {
        out.push('\n');
        for w in &evaluation.warnings {
            let _ = writeln!(out, "! warning: {}", esc(w));
        }
    }
    if let Some(frameworks) = controls {
        out.push('\n');
        for f in frameworks {
            let _ = writeln!(
                out,
                "controls: {}: {} of {} checked — {} passed, {} failed, {} waived, {} not covered",
                esc(f.name),
                f.checked,
                f.controls,
                f.passed,
                f.failed,
                f.waived,
                f.not_covered
            );
            let failed: Vec<&str> = f
                .results
                .iter()
                .filter(|r| r.status == Status::Failed)
                .map(|r| r.id.as_str())
                .collect();
            if !failed.is_empty() {
                let _ = writeln!(out, "    failed: {}", esc(&failed.join(", ")));
            }
        }
    }
    let partly = partly_waived(evaluation);
    let denied = if partly == 0 {
        format!("{} denied", s.denied)
    } else {
        format!(
            "{} denied ({partly} partly waived: a waiver covers one policy, another still denies)",
            s.denied
        )
    };
    let _ = writeln!(
        out,
        "\n{} requests: {} allowed, {denied}, {} waived, {} errors · policies {} · at {}",
        s.requests,
        s.allowed,
        s.waived,
        s.errors,
        short_digest(&evaluation.policy_digest),
        crate::timestamp(evaluation)
    );
    out
}

fn short_digest(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// Denied requests that a waiver covers in part: one forbid is waived, another still denies.
/// They count as denied, and their waived violation is listed under the `~` marks.
fn partly_waived(evaluation: &Evaluation) -> usize {
    let key = |v: &Violation| (v.principal.clone(), v.action, v.resource.clone());
    let denied: BTreeSet<_> = evaluation.violations.iter().map(key).collect();
    let waived: BTreeSet<_> = evaluation.waived.iter().map(key).collect();
    denied.intersection(&waived).count()
}
