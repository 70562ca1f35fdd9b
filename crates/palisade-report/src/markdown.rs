//! Markdown for pull-request comments.

use std::fmt::Write as _;

use palisade_policy::Evaluation;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
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
        "## {icon} Palisade: `{}` {verdict}\n",
        evaluation.pipeline
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
                "| {} | `{}` | {} | `{}:{}` | {} |",
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
