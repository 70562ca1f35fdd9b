//! garak's run report, `<prefix>.report.jsonl` (garak 0.17.1).
//!
//! One JSON object per line, told apart by `entry_type`. The lines read:
//!
//! | `entry_type` | fields read | for |
//! | --- | --- | --- |
//! | `start_run setup` (first line) | `_config.version`, `plugins.target_type`, `plugins.target_name`, `transient.run_id`, `transient.starttime_iso`, `transient.active_probes` | the target; the probes that must have results |
//! | `init` | `garak_version`, `start_time`, `run` | version, time, run id |
//! | `plugin_cache` | `plugin_cache.probes.<probes.module.Class>.tags` | each probe's OWASP tags |
//! | `eval` | `probe`, `detector`, `passed`, `fails`, `nones`, `total_evaluated`, `total_processed` | the counts |
//! | `completion` | `end_time`, `run` | the run finished |
//! | `digest` | `meta.target_type`, `meta.target_name`, `eval.<group>.<probe>._summary.probe_tags`, `eval.<group>.<probe>.<detector>.{passed,total_evaluated}` | tags; a cross-check of every count |
//!
//! Every other line (`attempt`, `payload_init`, `probe_summary` …) must be a JSON object and is
//! otherwise skipped; the hitlog (`*.hitlog.jsonl`) is not needed, its hits are the `fails`.
//!
//! Counts of one `eval` line (garak's `evaluators/base.py`): each output of each attempt is
//! judged by the detector; `passed` + `fails` = `total_evaluated`, and outputs the detector
//! could not score are `nones` (`total_processed` = `total_evaluated` + `nones`). Here one
//! judged output is an attempt: `attempts` = `total_processed`, `failures` = `fails`,
//! `errors` = `nones`. The category is the probe's module (garak's digest "group").
//!
//! Fail closed: a count that contradicts another (`passed + fails != total_evaluated`, an
//! `eval` line against the digest, two results for one probe and detector, two runs in one
//! file) is an [`AiError::Inconsistent`]; a run with no `completion` line, or a probe of
//! `transient.active_probes` with no `eval` line, makes the report inconclusive.
//! garak writes its times as local time with no zone ([`Timestamp::zone_known`] is false).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use super::{Check, Counts, RedTeamReport, RedTeamTool, Target, assemble, owasp};
use crate::error::AiError;
use crate::source::{MAX_DEPTH, Source, json_kind};
use crate::time::Timestamp;

/// Largest report read, in bytes (256 MiB). Each attempt is a line with its prompt and outputs,
/// so a long run is large; the gate reads only a few lines of it.
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Longest line read, in bytes (16 MiB).
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Most `eval` lines (probe × detector pairs) read.
pub const MAX_EVALS: usize = 100_000;

const EXPECTED: &str = "a garak report (*.report.jsonl starting with a \"start_run setup\" entry)";

/// Parses a garak report held in memory; `name` names it in errors.
pub fn parse(bytes: &[u8], name: &str) -> Result<RedTeamReport, AiError> {
    let source = Source::decode(bytes, name, MAX_REPORT_BYTES)?;
    let mut report = Parsed::default();
    let mut line_number = 0usize;
    for line in source.text.split('\n') {
        line_number += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > MAX_LINE_BYTES {
            return Err(source.limit(
                format!("line {line_number} is {} bytes", line.len()),
                MAX_LINE_BYTES as u64,
            ));
        }
        source.check_json_depth(line, MAX_DEPTH)?;
        if !line.trim_start().starts_with('{') {
            // Report bad JSON as bad JSON; a valid non-object is not a report entry.
            source.json::<serde::de::IgnoredAny>(line)?;
            return Err(source.invalid(
                &format!("line {line_number}"),
                source.offset_of_slice(line),
                &format!("a report entry is a JSON object, not {}", json_kind(line)),
            ));
        }
        let head: Head = source.json(line)?;
        let at = source.offset_of_slice(line);
        let Some(entry_type) = head.entry_type else {
            return Err(if report.setup.is_none() {
                source.unknown_format(EXPECTED, "the first line has no \"entry_type\"")
            } else {
                source.invalid(
                    &format!("line {line_number}"),
                    at,
                    "the entry has no \"entry_type\"",
                )
            });
        };
        if report.setup.is_none() && entry_type != "start_run setup" {
            return Err(
                source.unknown_format(EXPECTED, &format!("the first entry is \"{entry_type}\""))
            );
        }
        match entry_type.as_str() {
            "start_run setup" => {
                if report.setup.is_some() {
                    return Err(source.inconsistent(&format!(
                        "a second \"start_run setup\" entry on line {line_number}: two runs in one report"
                    )));
                }
                report.setup = Some(source.json(line)?);
            }
            "init" => {
                if report.init.is_some() {
                    return Err(source.inconsistent(&format!(
                        "a second \"init\" entry on line {line_number}: two runs in one report"
                    )));
                }
                report.init = Some(source.json(line)?);
            }
            "plugin_cache" => {
                let cache: PluginCacheLine = source.json(line)?;
                for (probe, plugin) in cache.plugin_cache.probes {
                    let probe = probe.strip_prefix("probes.").unwrap_or(&probe).to_owned();
                    report.tags.entry(probe).or_default().extend(plugin.tags);
                }
            }
            "eval" => {
                let eval: Eval = source.json(line)?;
                if report.evals.len() == MAX_EVALS {
                    return Err(source.limit("more \"eval\" entries", MAX_EVALS as u64));
                }
                eval.check(&source, line_number)?;
                report.evals.push(eval);
            }
            "completion" => report.completed = true,
            "digest" => {
                if report.digest.is_some() {
                    return Err(source.inconsistent(&format!(
                        "a second \"digest\" entry on line {line_number}"
                    )));
                }
                report.digest = Some(source.json(line)?);
            }
            _ => {}
        }
    }
    report.finish(&source)
}

#[derive(Deserialize)]
struct Head {
    entry_type: Option<String>,
}

/// The first line: garak's configuration, flattened to dotted keys.
#[derive(Deserialize)]
struct Setup {
    #[serde(rename = "_config.version")]
    version: Option<String>,
    #[serde(rename = "plugins.target_type")]
    target_type: Option<String>,
    #[serde(rename = "plugins.target_name")]
    target_name: Option<String>,
    // Before 0.13 the target was `plugins.model_type` / `plugins.model_name`.
    #[serde(rename = "plugins.model_type")]
    model_type: Option<String>,
    #[serde(rename = "plugins.model_name")]
    model_name: Option<String>,
    #[serde(rename = "transient.run_id")]
    run_id: Option<String>,
    #[serde(rename = "transient.starttime_iso")]
    start_time: Option<String>,
    #[serde(rename = "transient.active_probes")]
    active_probes: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Init {
    garak_version: Option<String>,
    start_time: Option<String>,
    run: Option<String>,
}

#[derive(Deserialize)]
struct PluginCacheLine {
    #[serde(default)]
    plugin_cache: PluginCache,
}

#[derive(Deserialize, Default)]
struct PluginCache {
    #[serde(default)]
    probes: BTreeMap<String, Plugin>,
}

#[derive(Deserialize)]
struct Plugin {
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct Eval {
    probe: String,
    detector: String,
    passed: u64,
    fails: u64,
    #[serde(default)]
    nones: u64,
    total_evaluated: u64,
    total_processed: Option<u64>,
}

impl Eval {
    fn check(&self, source: &Source<'_>, line: usize) -> Result<(), AiError> {
        let sum = self.passed.checked_add(self.fails);
        if sum != Some(self.total_evaluated) {
            return Err(source.inconsistent(&format!(
                "line {line}: {} / {}: passed {} + fails {} is not total_evaluated {}",
                self.probe, self.detector, self.passed, self.fails, self.total_evaluated
            )));
        }
        if let Some(processed) = self.total_processed
            && self.total_evaluated.checked_add(self.nones) != Some(processed)
        {
            return Err(source.inconsistent(&format!(
                "line {line}: {} / {}: total_evaluated {} + nones {} is not total_processed {processed}",
                self.probe, self.detector, self.total_evaluated, self.nones
            )));
        }
        Ok(())
    }

    fn counts(&self) -> Counts {
        Counts {
            attempts: self.total_evaluated + self.nones,
            passes: self.passed,
            failures: self.fails,
            errors: self.nones,
        }
    }
}

#[derive(Deserialize)]
struct Digest {
    #[serde(default)]
    meta: DigestMeta,
    /// group → probe (or `_summary`) → detector (or `_summary`) → values.
    #[serde(default)]
    eval: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
}

#[derive(Deserialize, Default)]
struct DigestMeta {
    garak_version: Option<String>,
    target_type: Option<String>,
    target_name: Option<String>,
}

#[derive(Default)]
struct Parsed {
    setup: Option<Setup>,
    init: Option<Init>,
    tags: BTreeMap<String, BTreeSet<String>>,
    evals: Vec<Eval>,
    completed: bool,
    digest: Option<Digest>,
}

impl Parsed {
    fn finish(mut self, source: &Source<'_>) -> Result<RedTeamReport, AiError> {
        let Some(setup) = self.setup.take() else {
            return Err(source.unknown_format(EXPECTED, "an empty file"));
        };
        let init = self.init.take();
        let digest = self.digest.take();

        let mut seen = BTreeSet::new();
        for eval in &self.evals {
            if !seen.insert((eval.probe.as_str(), eval.detector.as_str())) {
                return Err(source.inconsistent(&format!(
                    "two \"eval\" entries for {} / {}",
                    eval.probe, eval.detector
                )));
            }
        }
        if let Some(digest) = &digest {
            self.cross_check(source, digest)?;
            for probes in digest.eval.values() {
                for (probe, detectors) in probes {
                    let tags = detectors
                        .get("_summary")
                        .and_then(|summary| summary.get("probe_tags"))
                        .and_then(Value::as_array);
                    for tag in tags.into_iter().flatten().filter_map(Value::as_str) {
                        self.tags
                            .entry(probe.clone())
                            .or_default()
                            .insert(tag.to_owned());
                    }
                }
            }
        }

        let version = init
            .as_ref()
            .and_then(|init| init.garak_version.clone())
            .or_else(|| setup.version.clone())
            .or_else(|| digest.as_ref().and_then(|d| d.meta.garak_version.clone()))
            .ok_or_else(|| {
                source.invalid(
                    "/",
                    0,
                    "no garak version (init.garak_version or _config.version)",
                )
            })?;
        let ran_at = init
            .as_ref()
            .and_then(|init| init.start_time.as_deref())
            .or(setup.start_time.as_deref())
            .and_then(Timestamp::parse);
        let run_id = init
            .as_ref()
            .and_then(|init| init.run.clone())
            .or_else(|| setup.run_id.clone());
        let meta = digest.as_ref().map(|d| &d.meta);
        let kind = setup
            .target_type
            .clone()
            .or_else(|| setup.model_type.clone())
            .or_else(|| meta.and_then(|m| m.target_type.clone()))
            .ok_or_else(|| {
                source.invalid("/", 0, "the report names no target (plugins.target_type)")
            })?;
        let name = setup
            .target_name
            .clone()
            .or_else(|| setup.model_name.clone())
            .or_else(|| meta.and_then(|m| m.target_name.clone()));

        let mut inconclusive = Vec::new();
        if !self.completed {
            inconclusive
                .push("the run did not finish (the report has no \"completion\" entry)".to_owned());
        }
        let evaluated: BTreeSet<&str> = self.evals.iter().map(|e| e.probe.as_str()).collect();
        for probe in setup.active_probes.iter().flatten() {
            let probe = probe.strip_prefix("probes.").unwrap_or(probe);
            if !evaluated.contains(probe) {
                inconclusive.push(format!("probe {probe} was run but has no result"));
            }
        }

        let rows = self
            .evals
            .iter()
            .map(|eval| {
                let tags = self.tags.get(&eval.probe);
                let owasp =
                    owasp::garak_probe(&eval.probe, tags.into_iter().flatten().map(String::as_str));
                let module = eval
                    .probe
                    .split('.')
                    .next()
                    .unwrap_or(&eval.probe)
                    .to_owned();
                let check = Check {
                    probe: eval.probe.clone(),
                    detector: Some(eval.detector.clone()),
                    owasp,
                    counts: eval.counts(),
                };
                (module, check)
            })
            .collect();
        let (categories, totals, inconclusive) = assemble(rows, inconclusive);
        Ok(RedTeamReport {
            tool: RedTeamTool::Garak,
            version,
            ran_at,
            target: Target {
                kind,
                name,
                digest: None,
            }
            .with_digest(),
            run_id,
            categories,
            totals,
            inconclusive,
        })
    }

    /// Every detector row of the digest must match the `eval` line it summarises, and every
    /// `eval` line must be in the digest.
    fn cross_check(&self, source: &Source<'_>, digest: &Digest) -> Result<(), AiError> {
        let mut in_digest = 0usize;
        for probes in digest.eval.values() {
            for (probe, detectors) in probes.iter().filter(|(k, _)| *k != "_summary") {
                for (detector, row) in detectors.iter().filter(|(k, _)| *k != "_summary") {
                    in_digest += 1;
                    let Some(eval) = self
                        .evals
                        .iter()
                        .find(|e| &e.probe == probe && &e.detector == detector)
                    else {
                        return Err(source.inconsistent(&format!(
                            "the digest has {probe} / {detector}, which has no \"eval\" entry"
                        )));
                    };
                    let number = |key: &str| row.get(key).and_then(Value::as_u64);
                    if number("passed") != Some(eval.passed)
                        || number("total_evaluated") != Some(eval.total_evaluated)
                    {
                        return Err(source.inconsistent(&format!(
                            "{probe} / {detector}: the digest says passed {:?} of {:?}, the \"eval\" entry {} of {}",
                            number("passed"),
                            number("total_evaluated"),
                            eval.passed,
                            eval.total_evaluated
                        )));
                    }
                }
            }
        }
        if in_digest != self.evals.len() {
            return Err(source.inconsistent(&format!(
                "{} \"eval\" entries, but the digest summarises {in_digest}",
                self.evals.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETUP: &str = r#"{"entry_type": "start_run setup", "_config.version": "0.17.1", "plugins.target_type": "huggingface", "plugins.target_name": "gpt2", "transient.run_id": "r1", "transient.starttime_iso": "2026-12-01T14:08:45.494556", "transient.active_probes": ["probes.dan.Dan_11_0", "probes.encoding.InjectBase64"]}"#;

    fn eval(probe: &str, detector: &str, passed: u64, fails: u64, nones: u64) -> String {
        format!(
            r#"{{"entry_type": "eval", "probe": "{probe}", "detector": "{detector}", "passed": {passed}, "fails": {fails}, "nones": {nones}, "total_evaluated": {}, "total_processed": {}}}"#,
            passed + fails,
            passed + fails + nones
        )
    }

    fn report(lines: &[&str]) -> Result<RedTeamReport, AiError> {
        parse(lines.join("\n").as_bytes(), "t.report.jsonl")
    }

    #[test]
    fn counts_errors_and_missing_probes() {
        let e1 = eval("dan.Dan_11_0", "dan.DAN", 3, 1, 1);
        let r = report(&[SETUP, &e1, r#"{"entry_type": "completion"}"#]).unwrap();
        assert_eq!(r.version, "0.17.1");
        assert_eq!(r.target.kind, "huggingface");
        assert_eq!(r.target.name.as_deref(), Some("gpt2"));
        assert_eq!(
            r.totals,
            Counts {
                attempts: 5,
                passes: 3,
                failures: 1,
                errors: 1
            }
        );
        assert_eq!(r.totals.attack_success_permille(), Some(400));
        assert_eq!(
            r.inconclusive,
            [
                "probe encoding.InjectBase64 was run but has no result",
                "1 of 5 attempts could not be judged (counted as successful attacks)"
            ]
        );
        assert_eq!(r.categories[0].owasp, [owasp::OwaspLlm::Llm01]);
    }

    #[test]
    fn an_unfinished_run_is_inconclusive() {
        let e1 = eval("dan.Dan_11_0", "dan.DAN", 1, 0, 0);
        let e2 = eval("encoding.InjectBase64", "encoding.DecodeMatch", 1, 0, 0);
        let r = report(&[SETUP, &e1, &e2]).unwrap();
        assert_eq!(
            r.inconclusive,
            ["the run did not finish (the report has no \"completion\" entry)"]
        );
        let r = report(&[SETUP, &e1, &e2, r#"{"entry_type":"completion"}"#]).unwrap();
        assert!(r.conclusive());
    }

    #[test]
    fn contradictions_are_errors() {
        let bad = r#"{"entry_type": "eval", "probe": "dan.Dan_11_0", "detector": "dan.DAN", "passed": 1, "fails": 1, "nones": 0, "total_evaluated": 1}"#;
        let error = report(&[SETUP, bad]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("passed 1 + fails 1 is not total_evaluated 1"),
            "{error}"
        );
        let e1 = eval("dan.Dan_11_0", "dan.DAN", 1, 0, 0);
        let error = report(&[SETUP, &e1, &e1]).unwrap_err();
        assert!(
            error.to_string().contains("two \"eval\" entries"),
            "{error}"
        );
        let error = report(&[SETUP, SETUP]).unwrap_err();
        assert!(
            error.to_string().contains("two runs in one report"),
            "{error}"
        );
        let digest = r#"{"entry_type": "digest", "meta": {}, "eval": {"dan": {"dan.Dan_11_0": {"dan.DAN": {"passed": 0, "total_evaluated": 1}}}}}"#;
        let error = report(&[SETUP, &e1, digest]).unwrap_err();
        assert!(
            error.to_string().contains("the digest says passed Some(0)"),
            "{error}"
        );
    }

    #[test]
    fn other_files_are_refused() {
        let error = report(&[r#"{"entry_type": "eval"}"#]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.report.jsonl: not a garak report (*.report.jsonl starting with a \"start_run setup\" entry): the first entry is \"eval\""
        );
        let error = report(&[r#"{"bomFormat": "CycloneDX"}"#]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("the first line has no \"entry_type\"")
        );
        let error = report(&[""]).unwrap_err();
        assert!(error.to_string().contains("an empty file"));
        let error = report(&[SETUP, "[1]"]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a report entry is a JSON object, not an array"),
            "{error}"
        );
        let error = report(&[SETUP, r#"{"entry_type": "eval", "probe": 1}"#]).unwrap_err();
        assert!(
            error.to_string().starts_with("t.report.jsonl:2:"),
            "{error}"
        );
    }
}
