//! Markdown for pull-request comments.

use std::fmt::Write as _;

use palisade_core::text::escape_markdown;
use palisade_policy::Evaluation;

/// Input text (names, messages, paths, warnings) as inert Markdown: inline syntax and HTML
/// escaped, control characters shown as escapes, never inside a code span (a backtick in a
/// name would end the span, and backslashes do not escape there).
fn cell(text: &str) -> String {
    escape_markdown(text)
}

pub(crate) fn render(evaluation: &Evaluation) -> String {
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
    if !evaluation.warnings.is_empty() {
        let _ = writeln!(out, "### Warnings\n");
        for w in &evaluation.warnings {
            let _ = writeln!(out, "- {}", cell(w));
        }
    }
    out
}
