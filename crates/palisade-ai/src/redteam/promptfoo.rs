//! promptfoo results files (`promptfoo eval -o results.json`, `promptfoo redteam eval -o
//! results.json`; promptfoo 0.121.20, results format `"version": 3`).
//!
//! Fields read:
//!
//! | field | for |
//! | --- | --- |
//! | `metadata.promptfooVersion` | the version (required) |
//! | `metadata.evaluationCreatedAt`, else `results.timestamp` | when it ran |
//! | `evalId` | the run id |
//! | `results.version` | must be 3 |
//! | `results.stats.{successes, failures, errors}` | cross-check of the rows |
//! | `results.results[].success`, `.failureReason` | pass, fail (1) or error (2) |
//! | `results.results[].provider.{id, label}` | the target |
//! | `results.results[].metadata.{pluginId, strategyId}` (else `testCase.metadata`) | the red-team category and strategy |
//! | `results.results[].gradingResult.componentResults[].assertion.type` | the plugin, when the metadata has none (`promptfoo:redteam:<plugin>`) |
//!
//! One row is one test against one prompt and provider: one attempt. A row with
//! `success: true` passes; `failureReason` 2 (promptfoo's `ResultFailureReason.ERROR`: the
//! provider or the grader failed, e.g. "API key is not set") is an error, which counts
//! against the model; anything else that did not succeed is a failure. The rows must add up to
//! `stats`, or the file is [`AiError::Inconsistent`]. A test outside a red team (no plugin) is
//! in the category `custom` with no OWASP id.
//!
//! One report judges one target: a file with results for several providers is
//! [`AiError::Unsupported`] (run `promptfoo redteam eval` per target, or filter with
//! `--filter-providers`).

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Check, Counts, RedTeamReport, RedTeamTool, Target, assemble, owasp};
use crate::error::AiError;
use crate::source::{Bounded, MAX_DEPTH, Source, json_kind};
use crate::time::Timestamp;

/// Largest results file read, in bytes (256 MiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Most result rows read.
pub const MAX_ROWS: usize = 1_000_000;

/// The category of tests that belong to no red-team plugin.
pub const CUSTOM_CATEGORY: &str = "custom";

const EXPECTED: &str = "a promptfoo results file (promptfoo eval -o results.json)";

/// Parses a promptfoo results file held in memory; `name` names it in errors.
pub fn parse(bytes: &[u8], name: &str) -> Result<RedTeamReport, AiError> {
    let source = Source::decode(bytes, name, MAX_FILE_BYTES)?;
    source.check_json_depth(source.text, MAX_DEPTH)?;
    if !source.text.trim_start().starts_with('{') {
        source.json::<IgnoredAny>(source.text)?;
        return Err(source.unknown_format(
            EXPECTED,
            &format!("the top level is {}", json_kind(source.text)),
        ));
    }
    let head: Head = source.json(source.text)?;
    let (Some(metadata), Some(results)) = (head.metadata, head.results) else {
        return Err(source.unknown_format(EXPECTED, "no \"results\" and \"metadata\" objects"));
    };
    let Some(version) = metadata.promptfoo_version else {
        return Err(source.unknown_format(EXPECTED, "no metadata.promptfooVersion"));
    };
    if results.version != Some(3) {
        return Err(source.unsupported(&format!(
            "promptfoo results format version {}; version 3 (promptfoo 0.x since 2024) is read",
            results
                .version
                .map_or_else(|| "missing".to_owned(), |v| v.to_string())
        )));
    }
    let Some(Bounded(rows)) = results.results else {
        return Err(source.unknown_format(EXPECTED, "no results.results array"));
    };

    let mut target: Option<Target> = None;
    let mut checks = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let this = Target {
            kind: row.provider.id.clone(),
            name: row.provider.label.clone(),
            digest: None,
        }
        .with_digest();
        match &target {
            None => target = Some(this),
            Some(first) if *first != this => {
                return Err(source.unsupported(&format!(
                    "results for more than one target ({} and {}, row {index}); one report judges one target",
                    describe(first),
                    describe(&this)
                )));
            }
            Some(_) => {}
        }
        let (plugin, strategy) = row.plugin_and_strategy();
        let counts = row.counts();
        let owasp = match &plugin {
            Some(plugin) => owasp::promptfoo_test(plugin, strategy.as_deref()),
            None => Vec::new(),
        };
        let category = plugin.clone().unwrap_or_else(|| CUSTOM_CATEGORY.to_owned());
        checks.push((
            category.clone(),
            Check {
                probe: category,
                detector: strategy,
                owasp,
                counts,
            },
        ));
    }

    // Merge rows of the same plugin and strategy into one check, in first-seen order.
    let mut merged: Vec<(String, Check)> = Vec::new();
    for (category, check) in checks {
        match merged
            .iter_mut()
            .find(|(c, m)| *c == category && m.detector == check.detector)
        {
            Some((_, existing)) => {
                existing.counts.attempts += check.counts.attempts;
                existing.counts.passes += check.counts.passes;
                existing.counts.failures += check.counts.failures;
                existing.counts.errors += check.counts.errors;
            }
            None => merged.push((category, check)),
        }
    }

    let (categories, totals, inconclusive) = assemble(merged, Vec::new());
    if let Some(stats) = &results.stats {
        let stated = (stats.successes, stats.failures, stats.errors);
        let counted = (totals.passes, totals.failures, totals.errors);
        if stated != counted {
            return Err(source.inconsistent(&format!(
                "results.stats says {} successes, {} failures, {} errors; the rows have {}, {}, {}",
                stated.0, stated.1, stated.2, counted.0, counted.1, counted.2
            )));
        }
    }
    let ran_at = metadata
        .evaluation_created_at
        .as_deref()
        .or(results.timestamp.as_deref())
        .and_then(Timestamp::parse);
    Ok(RedTeamReport {
        tool: RedTeamTool::Promptfoo,
        version,
        ran_at,
        target: target.unwrap_or_default(),
        run_id: head.eval_id,
        categories,
        totals,
        inconclusive,
    })
}

fn describe(target: &Target) -> String {
    match &target.name {
        Some(label) => format!("{} ({label})", target.kind),
        None => target.kind.clone(),
    }
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "evalId")]
    eval_id: Option<String>,
    results: Option<Results>,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "promptfooVersion")]
    promptfoo_version: Option<String>,
    #[serde(rename = "evaluationCreatedAt")]
    evaluation_created_at: Option<String>,
}

#[derive(Deserialize)]
struct Results {
    version: Option<u32>,
    timestamp: Option<String>,
    results: Option<Bounded<Row, MAX_ROWS>>,
    stats: Option<Stats>,
}

#[derive(Deserialize)]
struct Stats {
    successes: u64,
    failures: u64,
    errors: u64,
}

#[derive(Deserialize)]
struct Row {
    success: bool,
    #[serde(rename = "failureReason")]
    failure_reason: Option<u8>,
    provider: Provider,
    metadata: Option<RowMetadata>,
    #[serde(rename = "testCase")]
    test_case: Option<TestCase>,
    #[serde(rename = "gradingResult")]
    grading_result: Option<GradingResult>,
}

#[derive(Deserialize)]
struct Provider {
    id: String,
    label: Option<String>,
}

#[derive(Deserialize, Default)]
struct RowMetadata {
    #[serde(rename = "pluginId")]
    plugin_id: Option<String>,
    #[serde(rename = "strategyId")]
    strategy_id: Option<String>,
}

#[derive(Deserialize)]
struct TestCase {
    metadata: Option<RowMetadata>,
}

#[derive(Deserialize)]
struct GradingResult {
    #[serde(rename = "componentResults")]
    component_results: Option<Vec<ComponentResult>>,
}

#[derive(Deserialize)]
struct ComponentResult {
    assertion: Option<Assertion>,
}

#[derive(Deserialize)]
struct Assertion {
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl Row {
    fn counts(&self) -> Counts {
        let mut counts = Counts {
            attempts: 1,
            ..Counts::default()
        };
        if self.success {
            counts.passes = 1;
        } else if self.failure_reason == Some(2) {
            counts.errors = 1;
        } else {
            counts.failures = 1;
        }
        counts
    }

    fn plugin_and_strategy(&self) -> (Option<String>, Option<String>) {
        let from_test = self.test_case.as_ref().and_then(|t| t.metadata.as_ref());
        let plugin = self
            .metadata
            .as_ref()
            .and_then(|m| m.plugin_id.clone())
            .or_else(|| from_test.and_then(|m| m.plugin_id.clone()))
            .or_else(|| {
                self.grading_result
                    .as_ref()
                    .and_then(|g| g.component_results.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.assertion.as_ref()?.kind.as_deref())
                    .find_map(|kind| kind.strip_prefix("promptfoo:redteam:"))
                    .map(str::to_owned)
            });
        let strategy = self
            .metadata
            .as_ref()
            .and_then(|m| m.strategy_id.clone())
            .or_else(|| from_test.and_then(|m| m.strategy_id.clone()));
        (plugin, strategy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(success: bool, reason: u8, plugin: Option<&str>, strategy: Option<&str>) -> String {
        let mut metadata = String::from("{");
        if let Some(plugin) = plugin {
            metadata.push_str(&format!("\"pluginId\": \"{plugin}\""));
        }
        if let Some(strategy) = strategy {
            metadata.push_str(&format!(", \"strategyId\": \"{strategy}\""));
        }
        metadata.push('}');
        format!(
            r#"{{"success": {success}, "failureReason": {reason}, "provider": {{"id": "echo", "label": "bot"}}, "metadata": {metadata}, "response": {{"output": "x"}}}}"#
        )
    }

    fn file(rows: &[String], stats: (u64, u64, u64)) -> String {
        format!(
            r#"{{"evalId": "eval-1", "results": {{"version": 3, "timestamp": "2026-12-01T14:06:08.846Z", "results": [{}], "stats": {{"successes": {}, "failures": {}, "errors": {}}}}}, "metadata": {{"promptfooVersion": "0.121.20"}}}}"#,
            rows.join(","),
            stats.0,
            stats.1,
            stats.2
        )
    }

    #[test]
    fn rows_become_categories() {
        let rows = [
            row(true, 0, Some("prompt-extraction"), None),
            row(false, 1, Some("prompt-extraction"), Some("base64")),
            row(false, 2, Some("prompt-extraction"), Some("base64")),
            row(false, 1, None, None),
        ];
        let report = parse(file(&rows, (1, 2, 1)).as_bytes(), "r.json").unwrap();
        assert_eq!(report.version, "0.121.20");
        assert_eq!(report.run_id.as_deref(), Some("eval-1"));
        assert_eq!(report.target.kind, "echo");
        assert_eq!(report.categories.len(), 2);
        assert_eq!(report.categories[0].id, "custom");
        let extraction = &report.categories[1];
        assert_eq!(extraction.checks.len(), 2);
        assert_eq!(extraction.checks[1].counts.attempts, 2);
        assert_eq!(
            extraction.owasp,
            [
                owasp::OwaspLlm::Llm01,
                owasp::OwaspLlm::Llm02,
                owasp::OwaspLlm::Llm07
            ]
        );
        assert_eq!(report.totals.attack_success_permille(), Some(750));
        assert!(!report.conclusive());
    }

    #[test]
    fn stats_must_match_rows() {
        let rows = [row(false, 1, Some("intent"), None)];
        let error = parse(file(&rows, (1, 0, 0)).as_bytes(), "r.json").unwrap_err();
        assert!(error.to_string().contains("inconsistent: results.stats says 1 successes, 0 failures, 0 errors; the rows have 0, 1, 0"), "{error}");
    }

    #[test]
    fn one_target_per_report() {
        let other = row(true, 0, None, None).replace("\"echo\"", "\"openai:gpt-4o\"");
        let rows = [row(true, 0, None, None), other];
        let error = parse(file(&rows, (2, 0, 0)).as_bytes(), "r.json").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("more than one target (echo (bot) and openai:gpt-4o (bot), row 1)"),
            "{error}"
        );
    }

    #[test]
    fn other_files_are_refused() {
        let error = parse(b"[]", "r.json").unwrap_err();
        assert!(
            error.to_string().contains("the top level is an array"),
            "{error}"
        );
        let error = parse(br#"{"results": {}}"#, "r.json").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no \"results\" and \"metadata\""),
            "{error}"
        );
        let error = parse(
            br#"{"results": {"version": 2, "results": []}, "metadata": {"promptfooVersion": "0.50.0"}}"#,
            "r.json",
        )
        .unwrap_err();
        assert!(error.to_string().contains("format version 2"), "{error}");
        let bad = file(
            &[row(true, 0, None, None).replace("true", "\"yes\"")],
            (1, 0, 0),
        );
        let error = parse(bad.as_bytes(), "r.json").unwrap_err();
        assert!(
            error.to_string().contains("at /results/results/0/success"),
            "{error}"
        );
    }
}
