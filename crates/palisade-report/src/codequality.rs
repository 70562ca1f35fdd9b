//! GitLab Code Quality: the Code Climate issue format GitLab reads from
//! `artifacts:reports:codequality`, one issue per violation, located at the `.pal`
//! declaration at fault so the merge request widget and diff show it on the pipeline file.
//!
//! The format is the `Issue` data type of the Code Climate engine specification
//! (<https://github.com/codeclimate/platform/blob/master/spec/analyzers/SPEC.md#issues>),
//! written as one JSON array as GitLab expects
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>). Every issue
//! carries the fields both require: `type`, `check_name`, `description`, `categories`,
//! `location` (`path` and `lines.begin`), plus `severity` and `fingerprint`, which GitLab needs
//! to rank issues and to tell new ones from fixed ones between two pipelines.
//!
//! Waived violations are left out: a waiver is an accepted exception, not a finding to fix in
//! this merge request. When the waiver expires the violation comes back with the same
//! fingerprint and a real severity, and GitLab shows it as a new issue against a base whose
//! report did not have it.

use std::fmt::Write as _;

use palisade_core::Severity;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use palisade_policy::{Evaluation, Reason, Violation};

/// Code Climate's severity (`info`, `minor`, `major`, `critical`, `blocker`) for a palisade
/// severity. Palisade's four map onto the four lower ones; `blocker` is left out because every
/// violation already blocks the release.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "major",
        Severity::Medium => "minor",
        Severity::Low => "info",
        // Not a policy severity, but still a denial: never shown as informational.
        Severity::None | Severity::Info => "major",
    }
}

/// A stable identity for a violation across pipelines: the sha256, in hex, of the JSON array
/// `[policy, principal, action, resource]` (compact, as serde_json writes it). The JSON array
/// keeps the fields apart whatever characters a name holds, and nothing that changes between
/// runs (message text, lineage, line numbers, severity) is part of it.
pub(crate) fn fingerprint(v: &Violation) -> String {
    let key = json!([v.policy, v.principal, v.action, v.resource]).to_string();
    let digest = Sha256::digest(key.as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// One line, as the specification requires of a description: line breaks and tabs become
/// spaces, other control characters are written as `\u{1b}` so no terminal or UI sees them.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The issue's Markdown `content.body`: what the merge request's issue details show. Every
/// field is put on one line, control characters escaped, as in the description.
fn body(v: &Violation) -> String {
    let mut out = format!(
        "**{}** · policy `{}`",
        v.severity.as_str(),
        one_line(&v.policy)
    );
    if let Some(control) = &v.control {
        let _ = write!(out, " · {}", one_line(control));
    }
    let reason = match v.reason {
        Reason::Forbidden => "a forbid policy matched",
        Reason::NoPermit => "no policy permits this request (Cedar denies by default)",
        Reason::PolicyError => "the policy failed to evaluate; palisade fails closed",
    };
    let _ = write!(
        out,
        "\n\n{reason}: `{}` `{}` `{}`",
        one_line(&v.principal),
        v.action.as_str(),
        one_line(&v.resource)
    );
    if let Some(error) = &v.error {
        let _ = write!(out, "\n\nerror: {}", one_line(error));
    }
    if v.path.len() > 1 {
        let _ = write!(out, "\n\nlineage: {}", one_line(&v.path.join(" → ")));
    }
    if let Some(help) = &v.help {
        let _ = write!(out, "\n\nhelp: {}", one_line(help));
    }
    if let Some(at) = &v.policy_location {
        let _ = write!(out, "\n\npolicy: `{}:{}`", one_line(&at.file), at.line);
    }
    out
}

fn issue(v: &Violation) -> Value {
    // Code Climate lines are 1-based; a location palisade could not place is line 1.
    let line = v.location.line.max(1);
    json!({
        "type": "issue",
        "check_name": v.policy,
        "description": one_line(&format!("`{}`: {}", v.policy, v.message)),
        "content": { "body": body(v) },
        "categories": ["Security"],
        "location": {
            "path": v.location.file,
            "lines": { "begin": line, "end": line }
        },
        "severity": severity(v.severity),
        "fingerprint": fingerprint(v),
    })
}

/// Renders the evaluation's violations (not the waived ones) as a GitLab Code Quality report:
/// a JSON array of Code Climate issues, `[]` when nothing is denied.
pub fn render(evaluation: &Evaluation) -> String {
    let issues: Vec<Value> = evaluation.violations.iter().map(issue).collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy::{Location, Summary, WaiverUse};

    fn violation(policy: &str, severity: &str, principal: &str, resource: &str) -> Violation {
        Violation {
            policy: policy.to_owned(),
            severity: severity.parse().unwrap(),
            message: format!("{resource} broke {policy}"),
            principal: principal.to_owned(),
            action: palisade_policy::Action::Release,
            resource: resource.to_owned(),
            path: vec![resource.to_owned(), principal.to_owned()],
            location: Location {
                file: "examples/fraud-detection/pipeline.pal".to_owned(),
                line: 25,
                column: 9,
            },
            reason: Reason::Forbidden,
            help: None,
            control: None,
            controls: Vec::new(),
            policy_location: None,
            waiver: None,
            error: None,
        }
    }

    /// Two violations and a waived one, shaped as `palisade evaluate` reports the
    /// fraud-detection example (messages, lineage, locations and annotations from its JSON
    /// report), plus a policy error.
    fn evaluation() -> Evaluation {
        let mut public = violation(
            "pii-public-release",
            "critical",
            "Release::\"production\"",
            "Model::\"fraud-xgb\"",
        );
        public.message = "model \"fraud-xgb\" derives from pii data and is released publicly by release \"production\"".to_owned();
        public.path = vec![
            "Model::\"fraud-xgb\"".to_owned(),
            "Release::\"production\"".to_owned(),
        ];
        public.help = Some("release it internally, or train with differential privacy and label the artifact `differential-privacy`".to_owned());
        public.control = Some("OWASP-LLM02".to_owned());
        public.policy_location = Some(Location {
            file: "@baseline/leakage.cedar".to_owned(),
            line: 3,
            column: 1,
        });

        let mut secret = violation(
            "secret-use-requires-identity",
            "high",
            "Stage::\"serve\"",
            "Secret::\"db-password\"",
        );
        secret.action = palisade_policy::Action::UseSecret;
        secret.message =
            "stage \"serve\" uses secret \"db-password\" but runs as no declared identity"
                .to_owned();
        secret.location.line = 38;
        secret.location.column = 10;
        secret.control = Some("NIST-800-53-AC-6".to_owned());

        let mut broken = violation(
            "team-rule",
            "medium",
            "Stage::\"train\"",
            "Dataset::\"transactions\"",
        );
        broken.action = palisade_policy::Action::Read;
        broken.reason = Reason::PolicyError;
        broken.message = "the rule could not\nbe evaluated\u{1b}[31m".to_owned();
        broken.error = Some("attribute `owner` not found".to_owned());
        broken.help = Some("ask\u{7} the data owner".to_owned());
        broken.location.line = 0;

        let mut waived = violation(
            "no-critical-vulnerabilities",
            "critical",
            "Release::\"production\"",
            "Image::\"serving\"",
        );
        waived.waiver = Some(WaiverUse {
            name: "legacy-urllib3".to_owned(),
            expires: "2027-01-31".to_owned(),
            reason: "fixed upstream; rebuild scheduled (SEC-1234)".to_owned(),
        });

        Evaluation {
            pipeline: "fraud-detection".to_owned(),
            decision: palisade_core::Decision::Deny,
            at: palisade_core::Timestamp::from_unix(1_795_998_808),
            policy_digest: "sha256:3b865b6e6b47".to_owned(),
            summary: Summary {
                requests: 26,
                allowed: 22,
                denied: 3,
                waived: 1,
                errors: 1,
            },
            violations: vec![public, secret, broken],
            waived: vec![waived],
            warnings: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    #[test]
    fn report_is_pinned() {
        insta::assert_snapshot!(render(&evaluation()));
    }

    #[test]
    fn every_issue_has_what_gitlab_and_code_climate_require() {
        let report: Value = serde_json::from_str(&render(&evaluation())).unwrap();
        let issues = report.as_array().unwrap();
        assert_eq!(issues.len(), 3, "violations only, the waived one left out");
        for issue in issues {
            assert_eq!(issue["type"], "issue");
            assert!(issue["check_name"].as_str().is_some_and(|s| !s.is_empty()));
            let description = issue["description"].as_str().unwrap();
            assert!(
                !description.chars().any(char::is_control),
                "{description:?}"
            );
            let body = issue["content"]["body"].as_str().unwrap();
            assert!(
                !body.chars().any(|c| c.is_control() && c != '\n'),
                "{body:?}"
            );
            assert_eq!(issue["categories"], json!(["Security"]));
            assert!(issue["location"]["path"].as_str().is_some());
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
            assert!(
                ["info", "minor", "major", "critical", "blocker"]
                    .contains(&issue["severity"].as_str().unwrap())
            );
            let fingerprint = issue["fingerprint"].as_str().unwrap();
            assert_eq!(fingerprint.len(), 64);
            assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        }
        assert!(
            !issues
                .iter()
                .any(|i| i["check_name"] == "no-critical-vulnerabilities")
        );
    }

    #[test]
    fn nothing_denied_is_an_empty_array() {
        let mut allowed = evaluation();
        allowed.decision = palisade_core::Decision::Allow;
        allowed.violations.clear();
        assert_eq!(render(&allowed), "[]\n");
    }

    #[test]
    fn fingerprint_is_the_sha256_of_the_request_and_policy() {
        let v = violation("p", "high", "Stage::\"a\"", "Model::\"m\"");
        // printf %s '["p","Stage::\"a\"","release","Model::\"m\""]' | sha256sum
        assert_eq!(
            fingerprint(&v),
            "c73328cef7fc5b9bdcdc6adb4d2d60a64d599af1ed3eac66cb9bd9d4f9e6211d"
        );
    }

    #[test]
    fn fingerprint_ignores_what_changes_between_runs_but_not_the_request() {
        let base = violation("p", "high", "Stage::\"a\"", "Model::\"m\"");
        let mut moved = base.clone();
        moved.message = "reworded".to_owned();
        moved.severity = Severity::Critical;
        moved.location.line = 99;
        moved.path.push("Release::\"r\"".to_owned());
        assert_eq!(fingerprint(&base), fingerprint(&moved));

        let mut others = Vec::new();
        for change in 0..4 {
            let mut v = base.clone();
            match change {
                0 => v.policy = "q".to_owned(),
                1 => v.principal = "Stage::\"b\"".to_owned(),
                2 => v.action = palisade_policy::Action::Read,
                _ => v.resource = "Model::\"n\"".to_owned(),
            }
            others.push(fingerprint(&v));
        }
        others.push(fingerprint(&base));
        others.sort();
        others.dedup();
        assert_eq!(others.len(), 5, "each field changes the fingerprint");
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        // With a plain separator these two would hash the same text.
        let a = violation("p|Stage::\"a\"", "high", "x", "Model::\"m\"");
        let b = violation("p", "high", "Stage::\"a\"|x", "Model::\"m\"");
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn severities_map_onto_code_climate() {
        assert_eq!(severity(Severity::Critical), "critical");
        assert_eq!(severity(Severity::High), "major");
        assert_eq!(severity(Severity::Medium), "minor");
        assert_eq!(severity(Severity::Low), "info");
        assert_eq!(severity(Severity::Info), "major");
        for s in Severity::ALL {
            assert_ne!(severity(s), "blocker");
        }
    }
}
