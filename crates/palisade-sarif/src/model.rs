//! What a SARIF log means to Palisade: findings with a normalised severity.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Everything read from one SARIF log (all its runs merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The driver name of each run, in order, without repeats (e.g. `["Bandit"]`).
    pub tools: Vec<String>,
    /// Results that count: not suppressed, not absent from the baseline.
    pub findings: Vec<Finding>,
    /// Results left out because they carry an accepted suppression or `baselineState: "absent"`.
    pub suppressed: usize,
}

/// One result of a scanner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The driver name of the run it came from.
    pub tool: String,
    /// `ruleId` (or `rule.id`, or the id of the rule found by index).
    pub rule_id: Option<String>,
    /// The rule's `name`, when the rule is described in the log.
    pub rule_name: Option<String>,
    /// The effective SARIF level (the result's, else its rule's default, else `warning`).
    pub level: Level,
    /// The normalised severity used for counting.
    pub severity: Severity,
    /// `message.text`, else the rule's message string or short description.
    pub message: String,
    /// The first physical location, when there is one with a uri.
    pub location: Option<Location>,
}

/// Where a finding is: the artifact's uri as written (a `uriBaseId` is not resolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// `artifactLocation.uri`.
    pub uri: String,
    /// `region.startLine` (1-based).
    pub start_line: Option<u64>,
    /// `region.startColumn` (1-based).
    pub start_column: Option<u64>,
}

/// The SARIF `level` of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A serious problem.
    Error,
    /// A problem (SARIF's default).
    Warning,
    /// A minor problem or an opportunity.
    Note,
    /// Not a problem (e.g. a `pass` result).
    None,
}

impl Level {
    /// The severity a level stands for when no `security-severity` score is given.
    pub fn severity(self) -> Severity {
        match self {
            Level::Error => Severity::High,
            Level::Warning => Severity::Medium,
            Level::Note => Severity::Low,
            Level::None => Severity::Info,
        }
    }

    /// The SARIF spelling: `error`, `warning`, `note`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::None => "none",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Normalised severity. Ordered so that `Critical` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// CVSS 9.0–10.0.
    Critical,
    /// CVSS 7.0–8.9, or level `error`.
    High,
    /// CVSS 4.0–6.9, or level `warning`.
    Medium,
    /// CVSS 0.1–3.9, or level `note`.
    Low,
    /// CVSS 0, or level `none`: reported but never counted.
    Info,
}

impl Severity {
    /// The band of a CVSS-like score (GitHub's `security-severity` convention):
    /// >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, else info.
    pub fn from_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// Lower-case name: `critical`, `high`, `medium`, `low`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
            Severity::Critical => 4,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// Findings counted per severity: the `{critical, high, medium, low, total}` record that
/// policies see. `total` is the sum of the four; `Info` findings are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: u64,
    /// High findings.
    pub high: u64,
    /// Medium findings.
    pub medium: u64,
    /// Low findings.
    pub low: u64,
    /// critical + high + medium + low.
    pub total: u64,
}

impl SeverityCounts {
    /// Counts one finding of the given severity (`Info` changes nothing).
    pub fn add(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => return,
        };
        *slot += 1;
        self.total += 1;
    }

    /// Adds another record to this one (e.g. several SARIF files in one evidence slot).
    pub fn merge(&mut self, other: &SeverityCounts) {
        self.critical += other.critical;
        self.high += other.high;
        self.medium += other.medium;
        self.low += other.low;
        self.total += other.total;
    }
}

/// The key [`Report::by_rule`] uses for findings without a rule id.
pub const NO_RULE: &str = "(no rule)";

impl Report {
    /// Findings counted per severity.
    pub fn counts(&self) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for finding in &self.findings {
            counts.add(finding.severity);
        }
        counts
    }

    /// Findings counted per rule id (findings without one under [`NO_RULE`]). A rule whose
    /// findings are all `Info` appears with zero counts.
    pub fn by_rule(&self) -> BTreeMap<String, SeverityCounts> {
        let mut out: BTreeMap<String, SeverityCounts> = BTreeMap::new();
        for finding in &self.findings {
            let key = finding.rule_id.as_deref().unwrap_or(NO_RULE);
            out.entry(key.to_owned()).or_default().add(finding.severity);
        }
        out
    }

    /// The highest severity among the findings (`None` when there are none).
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_critical_highest() {
        let mut all = vec![
            Severity::Low,
            Severity::Critical,
            Severity::Info,
            Severity::High,
            Severity::Medium,
        ];
        all.sort();
        assert_eq!(
            all,
            vec![
                Severity::Info,
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical
            ]
        );
    }

    #[test]
    fn score_bands() {
        assert_eq!(Severity::from_score(10.0), Severity::Critical);
        assert_eq!(Severity::from_score(9.0), Severity::Critical);
        assert_eq!(Severity::from_score(8.99), Severity::High);
        assert_eq!(Severity::from_score(7.0), Severity::High);
        assert_eq!(Severity::from_score(6.9), Severity::Medium);
        assert_eq!(Severity::from_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_score(3.9), Severity::Low);
        assert_eq!(Severity::from_score(0.1), Severity::Low);
        assert_eq!(Severity::from_score(0.0), Severity::Info);
    }

    #[test]
    fn counts_skip_info() {
        let mut c = SeverityCounts::default();
        for s in [
            Severity::Critical,
            Severity::Info,
            Severity::Low,
            Severity::Low,
        ] {
            c.add(s);
        }
        assert_eq!(
            c,
            SeverityCounts {
                critical: 1,
                high: 0,
                medium: 0,
                low: 2,
                total: 3
            }
        );
        let mut d = c;
        d.merge(&c);
        assert_eq!(d.total, 6);
        assert_eq!(d.low, 4);
    }
}
