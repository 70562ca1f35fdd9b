//! Policy test cases: a `.pal` pipeline whose comments state the expected decisions.
//!
//! ```text
//! // at: 2027-01-01T00:00:00Z                      (optional evaluation time)
//! // expect: allow                                  (no violations at all)
//! // expect: deny pii-public-release Model::"m"     (this violation, by policy and resource)
//! // expect: waived no-critical-vulnerabilities Image::"serving"
//! ```
//! The violations found must equal the `deny` lines exactly, and the waived ones the
//! `waived` lines, so a test fails on a missing *or* an extra denial.

use std::collections::BTreeSet;

use crate::evaluate::Evaluation;

/// What a test case expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `// at:` value, if any.
    pub at: Option<String>,
    /// `(policy, resource)` pairs expected among violations.
    pub deny: BTreeSet<(String, String)>,
    /// `(policy, resource)` pairs expected among waived violations.
    pub waived: BTreeSet<(String, String)>,
    /// `// expect: allow` was given.
    pub allow: bool,
    /// `// expect: exit 2` — the case must be rejected as bad input.
    pub rejected: bool,
}

/// Reads the expectation comments of a test case. Errors name the line.
pub fn parse(text: &str) -> Result<Expectations, String> {
    let mut out = Expectations::default();
    let mut any = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("// at:") {
            out.at = Some(at.trim().to_owned());
            continue;
        }
        let Some(rest) = line.strip_prefix("// expect:") else {
            continue;
        };
        any = true;
        let rest = rest.trim();
        let mut words = rest.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("allow"), None, None) => out.allow = true,
            (Some("exit"), Some("2"), None) => out.rejected = true,
            (Some(kind @ ("deny" | "waived")), Some(policy), Some(resource)) => {
                let pair = (policy.to_owned(), resource.trim().to_owned());
                if kind == "deny" {
                    out.deny.insert(pair)
                } else {
                    out.waived.insert(pair)
                };
            }
            _ => {
                return Err(format!(
                    "line {}: cannot read expectation {rest:?} (expected `allow`, `exit 2`, `deny <policy> <Type::\"name\">` or `waived <policy> <Type::\"name\">`)",
                    n + 1
                ));
            }
        }
    }
    if !any {
        return Err("no `// expect:` line: a test case must state what it expects".to_owned());
    }
    if out.allow && !(out.deny.is_empty() && out.waived.is_empty()) {
        return Err("`expect: allow` cannot be combined with deny lines".to_owned());
    }
    Ok(out)
}

/// Differences between expectation and evaluation; empty when the case passes.
pub fn compare(expected: &Expectations, evaluation: &Evaluation) -> Vec<String> {
    let mut problems = Vec::new();
    if expected.rejected {
        problems.push("expected the pipeline to be rejected (exit 2), but it evaluated".to_owned());
        return problems;
    }
    let found: BTreeSet<(String, String)> = evaluation
        .violations
        .iter()
        .map(|v| (v.policy.clone(), v.resource.clone()))
        .collect();
    let waived: BTreeSet<(String, String)> = evaluation
        .waived
        .iter()
        .map(|v| (v.policy.clone(), v.resource.clone()))
        .collect();
    for (policy, resource) in expected.deny.difference(&found) {
        problems.push(format!(
            "expected deny {policy} {resource}, but it was not denied"
        ));
    }
    for (policy, resource) in found.difference(&expected.deny) {
        problems.push(format!("unexpected deny {policy} {resource}"));
    }
    for (policy, resource) in expected.waived.difference(&waived) {
        problems.push(format!(
            "expected waived {policy} {resource}, but it was not waived"
        ));
    }
    for (policy, resource) in waived.difference(&expected.waived) {
        problems.push(format!("unexpected waived {policy} {resource}"));
    }
    if expected.allow && !evaluation.allowed() {
        problems.push(format!("expected allow, got {}", evaluation.decision));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_expectations() {
        let e = parse("// at: 2027-01-01\n// expect: deny p Model::\"a b\"\n// expect: waived q Image::\"x\"\n").unwrap();
        assert_eq!(e.at.as_deref(), Some("2027-01-01"));
        assert!(
            e.deny
                .contains(&("p".to_owned(), "Model::\"a b\"".to_owned()))
        );
        assert!(
            e.waived
                .contains(&("q".to_owned(), "Image::\"x\"".to_owned()))
        );
        assert!(parse("pipeline \"x\" {}").is_err());
        assert!(parse("// expect: maybe").is_err());
    }
}
