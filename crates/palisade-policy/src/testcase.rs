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

use miette::Diagnostic;
use palisade_core::{TimeError, Timestamp};
use thiserror::Error;

use crate::evaluate::Evaluation;

/// What a test case expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `// at:` value, if any.
    pub at: Option<Timestamp>,
    /// `(policy, resource)` pairs expected among violations.
    pub deny: BTreeSet<(String, String)>,
    /// `(policy, resource)` pairs expected among waived violations.
    pub waived: BTreeSet<(String, String)>,
    /// `// expect: allow` was given.
    pub allow: bool,
    /// `// expect: exit 2` — the case must be rejected as bad input.
    pub rejected: bool,
}

/// A test case whose expectation comments cannot be read.
#[derive(Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum TestCaseError {
    /// An `// expect:` line in no known form.
    #[error("line {line}: cannot read expectation {text:?}")]
    #[diagnostic(
        code(palisade::testcase::expectation),
        help(
            "write `allow`, `exit 2`, `deny <policy> <Type::\"name\">` or `waived <policy> <Type::\"name\">`"
        )
    )]
    Expectation {
        /// 1-based line.
        line: usize,
        /// The text after `expect:` (at most 120 characters, control characters escaped).
        text: String,
    },
    /// An `// at:` line that is not an RFC 3339 time.
    #[error("line {line}: `// at:` {source}")]
    #[diagnostic(code(palisade::testcase::at))]
    At {
        /// 1-based line.
        line: usize,
        /// Why.
        source: TimeError,
    },
    /// No `// expect:` line at all.
    #[error("no `// expect:` line: a test case must state what it expects")]
    #[diagnostic(code(palisade::testcase::missing))]
    Missing,
    /// `allow` together with `deny`/`waived` lines.
    #[error("`expect: allow` cannot be combined with deny or waived lines")]
    #[diagnostic(code(palisade::testcase::contradiction))]
    Contradiction,
}

/// Reads the expectation comments of a test case. Errors name the line.
///
/// # Errors
/// [`TestCaseError`] for an unreadable `// expect:` or `// at:` line, none at all, or a
/// contradiction.
pub fn parse(text: &str) -> Result<Expectations, TestCaseError> {
    let mut out = Expectations::default();
    let mut any = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("// at:") {
            out.at =
                Some(
                    Timestamp::parse_rfc3339(at.trim()).map_err(|source| TestCaseError::At {
                        line: n + 1,
                        source,
                    })?,
                );
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
                let shown: String = rest.chars().take(120).collect();
                return Err(TestCaseError::Expectation {
                    line: n + 1,
                    text: palisade_core::text::escape_line(&shown).into_owned(),
                });
            }
        }
    }
    if !any {
        return Err(TestCaseError::Missing);
    }
    if out.allow && !(out.deny.is_empty() && out.waived.is_empty()) {
        return Err(TestCaseError::Contradiction);
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
        assert_eq!(
            e.at,
            Some(Timestamp::parse_rfc3339("2027-01-01T00:00:00Z").unwrap())
        );
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

#[cfg(test)]
mod fuzz {
    use super::*;

    /// The `// at:` and `// expect:` lines under seeded mutation: an error or a value, never a
    /// panic (a `+0\u{2000}0` offset once split a character).
    #[test]
    fn test_case_parser_never_panics() {
        let case = "// at: 2026-01-01T00:00:00+0\u{2000}0\n// at: 2027-01-01T00:00:00Z\n// expect: deny p Model::\"a b\"\n// expect: waived q Image::\"x\"\n// expect: exit 2\n// expect: allow\npipeline \"x\" {}\n";
        let outcome = palisade_testkit::mini_fuzz(case.as_bytes(), 7, &|bytes| {
            parse(&String::from_utf8_lossy(bytes)).is_ok()
        });
        assert!(outcome.panics.is_empty(), "{:?}", outcome.panics);
        assert_eq!(
            parse("// at: 2026-01-01T00:00:00+0\u{2000}0\n// expect: allow"),
            Err(TestCaseError::At {
                line: 1,
                source: palisade_core::TimeError::NotRfc3339(
                    "2026-01-01T00:00:00+0\u{2000}0".to_owned()
                )
            })
        );
    }
}
