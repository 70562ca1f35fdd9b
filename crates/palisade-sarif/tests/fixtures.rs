//! The reader on real scanner output (bandit, trivy, semgrep) and on samples in the shapes
//! gitleaks and ZAP emit; every count is exact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use palisade_sarif::{Level, Location, Severity, SeverityCounts, read};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

fn counts(critical: u64, high: u64, medium: u64, low: u64) -> SeverityCounts {
    SeverityCounts {
        critical,
        high,
        medium,
        low,
        total: critical + high + medium + low,
    }
}

#[test]
fn bandit_counts_and_levels() {
    let report = read(&fixture("sarif/bandit.sarif")).unwrap();
    assert_eq!(report.tools, vec!["Bandit".to_owned()]);
    assert_eq!(report.findings.len(), 15);
    assert_eq!(report.suppressed, 0);
    assert_eq!(report.counts(), counts(0, 3, 5, 7));
    // Bandit leaves `level` off MEDIUM results: they fall back to `warning`.
    let b301 = report
        .findings
        .iter()
        .find(|f| f.rule_id.as_deref() == Some("B301"))
        .unwrap();
    assert_eq!(b301.level, Level::Warning);
    assert_eq!(b301.severity, Severity::Medium);
    assert_eq!(b301.rule_name.as_deref(), Some("blacklist"));
    assert_eq!(
        b301.location,
        Some(Location {
            uri: "insecure_app.py".into(),
            start_line: Some(15),
            start_column: Some(16),
        })
    );
    let b602 = report
        .findings
        .iter()
        .find(|f| f.rule_id.as_deref() == Some("B602"))
        .unwrap();
    assert_eq!(b602.severity, Severity::High);
    assert_eq!(
        b602.message,
        "subprocess call with shell=True identified, security issue."
    );
    let by_rule = report.by_rule();
    assert_eq!(by_rule.len(), 14);
    assert_eq!(by_rule["B105"], counts(0, 0, 0, 2));
    assert_eq!(by_rule["B324"], counts(0, 1, 0, 0));
    assert_eq!(report.max_severity(), Some(Severity::High));
}

#[test]
fn trivy_secrets_take_rule_security_severity() {
    let report = read(&fixture("sarif/secrets.sarif")).unwrap();
    assert_eq!(report.tools, vec!["Trivy".to_owned()]);
    assert_eq!(report.findings.len(), 4);
    // Every result says `error`, but the rules' security-severity wins: 9.5 x3, 8.0 x1.
    assert_eq!(report.counts(), counts(3, 1, 0, 0));
    let by_rule = report.by_rule();
    let expected: BTreeMap<String, SeverityCounts> = [
        ("aws-access-key-id", counts(1, 0, 0, 0)),
        ("aws-secret-access-key", counts(1, 0, 0, 0)),
        ("github-pat", counts(1, 0, 0, 0)),
        ("private-key", counts(0, 1, 0, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(by_rule, expected);
    let key = &report.findings[0];
    assert_eq!(key.rule_id.as_deref(), Some("private-key"));
    assert_eq!(key.level, Level::Error);
    assert_eq!(key.severity, Severity::High);
    // The uri is kept as written; its uriBaseId (ROOTPATH) is not resolved.
    assert_eq!(key.location.as_ref().unwrap().uri, "config/deploy_key.pem");
}

#[test]
fn semgrep_results_take_rule_default_level() {
    let report = read(&fixture("sarif-extra/semgrep.sarif")).unwrap();
    assert_eq!(report.tools, vec!["Semgrep OSS".to_owned()]);
    assert_eq!(report.findings.len(), 7);
    assert_eq!(report.counts(), counts(0, 3, 3, 1));
    let assert_used = report
        .findings
        .iter()
        .find(|f| f.rule_id.as_deref() == Some("assert-used"))
        .unwrap();
    assert_eq!(assert_used.level, Level::Note);
    assert_eq!(assert_used.message, "assert is removed under python -O.");
    assert_eq!(
        assert_used.location,
        Some(Location {
            uri: "insecure_app.py".into(),
            start_line: Some(40),
            start_column: Some(5),
        })
    );
}

#[test]
fn semgrep_nosemgrep_is_suppressed() {
    let report = read(&fixture("sarif-extra/semgrep-suppressed.sarif")).unwrap();
    assert_eq!(report.findings.len(), 6);
    assert_eq!(report.suppressed, 1);
    assert_eq!(report.counts(), counts(0, 3, 2, 1));
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.rule_id.as_deref() != Some("insecure-hash-md5"))
    );
}

#[test]
fn gitleaks_results_without_level_are_medium() {
    let report = read(&fixture("sarif-extra/gitleaks.sarif")).unwrap();
    assert_eq!(report.tools, vec!["gitleaks".to_owned()]);
    assert_eq!(report.counts(), counts(0, 0, 3, 0));
    let pat = &report.findings[1];
    assert_eq!(pat.rule_id.as_deref(), Some("github-pat"));
    assert_eq!(
        pat.message,
        "github-pat has detected secret for file config/settings.env."
    );
    assert_eq!(pat.location.as_ref().unwrap().start_line, Some(4));
    assert_eq!(pat.location.as_ref().unwrap().start_column, Some(14));
}

#[test]
fn zap_levels_and_info() {
    let report = read(&fixture("sarif-extra/zap.sarif")).unwrap();
    assert_eq!(report.tools, vec!["ZAP".to_owned()]);
    assert_eq!(report.findings.len(), 6);
    assert_eq!(report.counts(), counts(0, 1, 2, 2));
    let info = report.findings.last().unwrap();
    assert_eq!(info.severity, Severity::Info);
    assert_eq!(
        info.rule_name.as_deref(),
        Some("Information Disclosure - Suspicious Comments")
    );
    // An Info-only rule still appears in by_rule, with zero counts.
    assert_eq!(report.by_rule()["10027"], SeverityCounts::default());
    assert_eq!(
        report.findings[0].location.as_ref().unwrap().uri,
        "http://localhost:8080/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    );
}

#[test]
fn edge_cases() {
    let report = read(&fixture("sarif-extra/edge-cases.sarif")).unwrap();
    assert_eq!(report.tools, vec!["CodeQL".to_owned(), "Trivy".to_owned()]);
    assert_eq!(report.suppressed, 2);
    let summary: Vec<(Option<&str>, Severity, Level, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.as_deref(),
                f.severity,
                f.level,
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Some("py/sql-injection"),
                Severity::Critical,
                Level::Error,
                "SQL injection from user input."
            ),
            (
                Some("py/path-injection"),
                Severity::Medium,
                Level::Error,
                "Value filename flows to open()."
            ),
            (
                Some("py/sql-injection"),
                Severity::Low,
                Level::Error,
                "Low-risk variant."
            ),
            (
                Some("custom/thing"),
                Severity::Low,
                Level::Note,
                "Suppression still under review: still a finding."
            ),
            (
                Some("py/sql-injection"),
                Severity::Info,
                Level::None,
                "Checked and passed."
            ),
            (
                Some("custom/other"),
                Severity::Medium,
                Level::Warning,
                "Score is not a number."
            ),
            (None, Severity::Medium, Level::Warning, ""),
        ]
    );
    assert_eq!(report.counts(), counts(1, 0, 3, 2));
    assert_eq!(
        report.findings[0].location,
        Some(Location {
            uri: "app/db.py".into(),
            start_line: Some(42),
            start_column: Some(9),
        })
    );
    assert_eq!(
        report.findings[1].location,
        Some(Location {
            uri: "app/files.py".into(),
            start_line: None,
            start_column: None,
        })
    );
    assert_eq!(report.findings[2].location, None);
    assert_eq!(
        report.by_rule()[palisade_sarif::NO_RULE],
        counts(0, 0, 1, 0)
    );
}
