//! Markdown for pull-request comments.

use std::fmt::Write as _;

use palisade_core::text::escape_markdown;
use palisade_policy::Evaluation;
use palisade_policy::controls::{FrameworkResult, Status};

/// Input text (names, messages, paths, warnings) as inert Markdown: inline syntax and HTML
/// escaped, control characters shown as escapes, never inside a code span (a backtick in a
/// name would end the span, and backslashes do not escape there).
fn cell(text: &str) -> String {
    escape_markdown(text)
}

pub(crate) fn render(
    evaluation: &Evaluation,
    controls: Option<&[FrameworkResult]>,
    lineage: &[crate::lineage::StageLineage],
) -> String {
    let mut out = String::new();
    let icon = if evaluation.allowed() { "✅" } else { "❌" };
    let verdict = if evaluation.allowed() {
        "allowed"
    } else {
        "denied"
    };
    let s = &evaluation.summary;
    let _ = writeln!(
        out,
        "## {icon} Palisade: {} {verdict}\n",
        cell(&evaluation.pipeline)
    );
    let _ = writeln!(
        out,
        "{} requests · {} allowed · {} denied · {} waived · {} errors · policies `{}` · {}\n",
        s.requests,
        s.allowed,
        s.denied,
        s.waived,
        s.errors,
        evaluation.policy_digest,
        crate::timestamp(evaluation)
    );
    for (title, list) in [
        ("Violations", &evaluation.violations),
        ("Waived", &evaluation.waived),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        let _ = writeln!(out, "| severity | policy | what | where | lineage |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for v in list {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}:{} | {} |",
                v.severity,
                cell(&v.policy),
                cell(&v.message),
                cell(&v.location.file),
                v.location.line,
                cell(&v.path.join(" → "))
            );
        }
        out.push('\n');
    }
    crate::lineage::markdown(&mut out, lineage);
    if !evaluation.warnings.is_empty() {
        let _ = writeln!(out, "### Warnings\n");
        for w in &evaluation.warnings {
            let _ = writeln!(out, "- {}", cell(w));
        }
    }
    if let Some(frameworks) = controls {
        controls_section(&mut out, frameworks);
    }
    out
}

/// `--controls`: one summary row per framework, then each framework's checked controls and,
/// folded, the ones no loaded policy covers.
fn controls_section(out: &mut String, frameworks: &[FrameworkResult]) {
    let _ = writeln!(out, "### Controls\n");
    let _ = writeln!(
        out,
        "| framework | controls | checked | passed | failed | waived | not covered |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for f in frameworks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(f.name),
            f.controls,
            f.checked,
            f.passed,
            f.failed,
            f.waived,
            f.not_covered
        );
    }
    out.push('\n');
    for f in frameworks {
        let _ = writeln!(out, "#### {}\n", cell(f.name));
        let checked: Vec<_> = f
            .results
            .iter()
            .filter(|r| r.status != Status::NotCovered)
            .collect();
        if !checked.is_empty() {
            let _ = writeln!(out, "| control | status | policies |");
            let _ = writeln!(out, "|---|---|---|");
            for r in checked {
                let title = if r.title.is_empty() {
                    String::new()
                } else {
                    format!(" {}", cell(r.title))
                };
                let _ = writeln!(
                    out,
                    "| {}{title} | {} | {} |",
                    cell(&r.id),
                    r.status.as_str(),
                    cell(&r.policies.join(", "))
                );
            }
            out.push('\n');
        }
        let missing: Vec<String> = f
            .results
            .iter()
            .filter(|r| r.status == Status::NotCovered)
            .map(|r| cell(&r.id))
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{} not covered</summary>\n\n{}\n\n</details>\n",
                missing.len(),
                missing.join(", ")
            );
        }
    }
}
