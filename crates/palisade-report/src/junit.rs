//! JUnit XML: one test case per loaded policy, failing with one `<failure>` per violation, so
//! CI test tabs show which rules the release broke.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use palisade_policy::{Evaluation, PolicyPack, Violation};

use crate::xml_escape;

pub(crate) fn render(evaluation: &Evaluation, pack: &PolicyPack) -> String {
    let mut by_policy: BTreeMap<&str, Vec<&Violation>> =
        pack.ids().into_iter().map(|id| (id, Vec::new())).collect();
    for v in &evaluation.violations {
        by_policy.entry(v.policy.as_str()).or_default().push(v);
    }
    let failures = by_policy.values().filter(|v| !v.is_empty()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"palisade\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        by_policy.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" timestamp=\"{}\">",
        xml_escape(&evaluation.pipeline),
        by_policy.len(),
        crate::timestamp(evaluation)
    );
    for (policy, violations) in &by_policy {
        let file = pack
            .policy(policy)
            .map(|i| i.file.as_str())
            .unwrap_or("(engine)");
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(file),
            xml_escape(policy)
        );
        if violations.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        for v in violations {
            let mut body = format!(
                "{}\nat {}:{}:{}",
                v.message, v.location.file, v.location.line, v.location.column
            );
            if v.path.len() > 1 {
                let _ = write!(body, "\nlineage: {}", v.path.join(" -> "));
            }
            if let Some(help) = &v.help {
                let _ = write!(body, "\nhelp: {help}");
            }
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                xml_escape(v.severity.as_str()),
                xml_escape(&v.message),
                xml_escape(&body)
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
