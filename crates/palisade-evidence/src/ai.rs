//! A stage's AI evidence: its guardrails configuration (`guardrails`) and its red-team reports
//! (`redteam`), read with `palisade-ai` into the stage's facts.
//!
//! `guardrails` names a NeMo Guardrails configuration folder (or one NeMo `.yml`/`.yaml`
//! file, read as the folder's `config.yml`), a Guardrails AI guard exported as `.json`, or a
//! `.rail` spec. Anything else, or a file the framework would not load, is an error (exit 2).
//! `redteam` names garak reports (`*.report.jsonl`) and promptfoo results (`.json`).
//! `pii_scan` names a Presidio analyzer scan of the stage's output, the evidence for
//! `declassifies = ["pii"]`: when it is clean, covers the output record for record and is bound
//! to the stage (signed by its `runs_as`, or a product of its verified attestation; see
//! [`crate::declassify`]) the label stops at the stage, otherwise the claim is recorded as
//! "claimed, not evidenced" and ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use miette::SourceSpan;

use palisade_ai::RedTeamReport;
use palisade_ai::declassify::DEFAULT_SCORE_THRESHOLD;
use palisade_ai::guardrails::{GuardrailsConfig, guardrails_ai, nemo};
use palisade_ai::redteam::{garak, promptfoo};
use palisade_core::Digest;
use palisade_core::fs::Folder;
use palisade_graph::{EvidenceFile, GuardrailsFacts, LineageFacts, RedTeamFacts, StageEvidence};
use palisade_syntax::PathValue;

use crate::error::EvidenceError;
use crate::{Context, error_at};

/// How deep a NeMo configuration folder is walked.
const MAX_FOLDER_DEPTH: usize = 8;

/// Largest red-team report read, in bytes (256 MiB: garak reports hold every prompt).
const MAX_REDTEAM_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the AI evidence of `pipeline.stages[index]`; `lineage` is its attestation, already
/// checked (a declassification's scan may be bound to the stage by it).
pub(crate) fn gather_stage(
    context: &Context<'_>,
    index: usize,
    lineage: Option<&LineageFacts>,
) -> (StageEvidence, Vec<EvidenceError>) {
    let stage = &context.pipeline.stages[index];
    let mut evidence = StageEvidence::default();
    let mut errors = Vec::new();
    let fail = |span: SourceSpan, slot: &str, file: &str, cause: miette::Report| {
        error_at(
            context.pipeline,
            span,
            format!("{slot} {file:?} of stage {:?}", stage.name.value),
            cause,
        )
    };
    if let Some(path) = &stage.guardrails {
        match read_guardrails(&context.folder, &path.value) {
            Ok((config, files)) => {
                evidence.evidence_files.extend(files);
                evidence.guardrails = Some(guardrails_facts(&config));
            }
            Err(e) => errors.push(fail(path.span, "guardrails", &path.value.written, e)),
        }
    }
    let mut reports = Vec::new();
    let mut report_digests = BTreeSet::new();
    let mut named_targets = BTreeMap::new();
    let mut signed_reports = BTreeSet::new();
    let mut signature_problems = Vec::new();
    for path in &stage.redteam {
        match read_redteam(&context.folder, &path.value) {
            Ok((report, file)) => {
                let digest = format!("sha256:{}", file.digest.hex());
                if let Some(target) = &report.target.digest {
                    named_targets.insert(digest.clone(), target.clone());
                }
                // The report's own signature by the stage (only a signed report's named
                // target counts as a link, see `redteam_link`).
                let signature = crate::sidecar::check(context, stage, &path.value, &file);
                if signature.verified() {
                    signed_reports.insert(digest.clone());
                } else if !matches!(signature, crate::sidecar::Sidecar::Absent(_))
                    && let Some(why) = signature.problem("the report")
                {
                    signature_problems.push(format!("{:?}: {why}", path.value.written));
                }
                evidence.evidence_files.extend(signature.into_file());
                report_digests.insert(digest);
                evidence.evidence_files.push(file);
                reports.push(report);
            }
            Err(e) => errors.push(fail(path.span, "redteam", &path.value.written, e)),
        }
    }
    if !reports.is_empty() {
        let mut facts = redteam_facts(&reports);
        facts.report_digests = report_digests;
        facts.named_targets = named_targets;
        facts.signed_reports = signed_reports;
        facts.unlinked = signature_problems;
        evidence.redteam = Some(facts);
    }
    // Declassification: `declassifies = ["pii"]` holds only with a clean `pii_scan` that
    // covers the output and is bound to the stage.
    let mut verdict: Option<Option<String>> = None;
    if let Some(path) = &stage.pii_scan {
        match read_pii_scan(&context.folder, &path.value) {
            Ok((scan, file)) => {
                evidence.pii_findings = Some(scan.count_at_least(DEFAULT_SCORE_THRESHOLD));
                if stage.declassifies.iter().any(|l| l.value == "pii") {
                    let judged = crate::declassify::judge(
                        context,
                        stage,
                        &path.value,
                        &scan,
                        &file,
                        lineage,
                    );
                    evidence.evidence_files.extend(judged.signature_file);
                    verdict = Some(judged.problem);
                }
                evidence.evidence_files.push(file);
            }
            Err(e) => errors.push(fail(path.span, "pii_scan", &path.value.written, e)),
        }
    }
    for label in &stage.declassifies {
        let label = &label.value;
        // A signed stage attestation (another evidence kind) would be checked here too.
        let problem = match (label.as_str(), &verdict) {
            ("pii", Some(problem)) => problem.clone(),
            ("pii", None) if stage.pii_scan.is_some() => {
                Some("its pii_scan could not be read".to_owned())
            }
            ("pii", None) => Some(
                "no evidence: declare `pii_scan = \"….json\"`, a Presidio analyzer scan of its output"
                    .to_owned(),
            ),
            _ => Some(format!(
                "palisade reads no evidence that declassifies {label:?} (only \"pii\", with a pii_scan)"
            )),
        };
        match problem {
            None => {
                evidence.declassified.insert(label.clone());
            }
            Some(why) => evidence.declassify_unevidenced.push(format!(
                "declassifies {label:?}: claimed, not evidenced: {why}"
            )),
        }
    }
    (evidence, errors)
}

/// Largest PII scan read, in bytes.
const MAX_PII_SCAN_BYTES: u64 = palisade_ai::pii::MAX_FILE_BYTES;

/// Reads a Presidio analyzer scan.
fn read_pii_scan(
    folder: &Folder,
    path: &PathValue,
) -> Result<(palisade_ai::pii::PiiScan, EvidenceFile), miette::Report> {
    let bytes = folder
        .read(
            &path.resolved,
            &path.written,
            "a PII scan",
            MAX_PII_SCAN_BYTES,
        )
        .map_err(miette::Report::new)?;
    let scan =
        palisade_ai::pii::parse_presidio(&bytes, &path.written).map_err(miette::Report::new)?;
    Ok((scan, evidence_file(&path.written, &bytes)))
}

pub(crate) fn evidence_file(written: &str, bytes: &[u8]) -> EvidenceFile {
    use sha2::Digest as _;
    EvidenceFile {
        path: written.to_owned(),
        digest: Digest::sha256(sha2::Sha256::digest(bytes).into()),
    }
}

/// Reads a guardrails configuration: a folder (NeMo), `.json` or `.rail` (Guardrails AI), or
/// one NeMo `.yml`/`.yaml` file.
fn read_guardrails(
    folder: &Folder,
    path: &PathValue,
) -> Result<(GuardrailsConfig, Vec<EvidenceFile>), miette::Report> {
    let canonical = folder
        .confine(&path.resolved, &path.written)
        .map_err(miette::Report::new)?;
    if canonical.is_dir() {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        walk(folder, &canonical, "", &path.written, 0, &mut files)?;
        let listed: Vec<nemo::ConfigFile<'_>> = files
            .iter()
            .map(|(name, bytes)| nemo::ConfigFile { name, bytes })
            .collect();
        let config = nemo::parse(&path.written, &listed).map_err(miette::Report::new)?;
        let read = files
            .iter()
            .map(|(name, bytes)| {
                evidence_file(
                    &format!("{}/{name}", path.written.trim_end_matches('/')),
                    bytes,
                )
            })
            .collect();
        return Ok((config, read));
    }
    let extension = path
        .written
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = folder
        .read(
            &path.resolved,
            &path.written,
            "a guardrails configuration",
            nemo::MAX_FILE_BYTES,
        )
        .map_err(miette::Report::new)?;
    let config = match extension.as_str() {
        "json" => guardrails_ai::parse_json(&bytes, &path.written),
        "rail" => guardrails_ai::parse_rail(&bytes, &path.written),
        "yml" | "yaml" => nemo::parse(
            &path.written,
            &[nemo::ConfigFile {
                name: "config.yml",
                bytes: &bytes,
            }],
        ),
        _ => {
            return Err(miette::miette!(
                code = "palisade::evidence::guardrails_format",
                help = "name a NeMo Guardrails configuration folder (or its config.yml), a Guardrails AI guard exported as .json, or a .rail spec",
                "{:?} is not a guardrails configuration palisade reads",
                path.written
            ));
        }
    }
    .map_err(miette::Report::new)?;
    Ok((config, vec![evidence_file(&path.written, &bytes)]))
}

/// Collects the files of a NeMo configuration folder (every file NeMo or its custom code
/// could load: `.yml`, `.yaml`, `.co`, `.py`), through the confined folder.
fn walk(
    folder: &Folder,
    dir: &Path,
    prefix: &str,
    written: &str,
    depth: usize,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), miette::Report> {
    if depth > MAX_FOLDER_DEPTH {
        return Err(miette::miette!(
            code = "palisade::evidence::guardrails_depth",
            "{written:?} nests folders deeper than {MAX_FOLDER_DEPTH} levels"
        ));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| miette::miette!("{written:?}: cannot list {}: {e}", dir.display()))?;
    let mut names: Vec<(String, std::path::PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| miette::miette!("{written:?}: cannot list: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        names.push((name, entry.path()));
    }
    names.sort();
    for (name, full) in names {
        let inner = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let shown = format!("{}/{inner}", written.trim_end_matches('/'));
        let canonical = folder.confine(&full, &shown).map_err(miette::Report::new)?;
        if canonical.is_dir() {
            walk(folder, &canonical, &inner, written, depth + 1, out)?;
            continue;
        }
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if !matches!(extension.as_str(), "yml" | "yaml" | "co" | "py") {
            continue;
        }
        if out.len() >= nemo::MAX_FILES {
            return Err(miette::miette!(
                code = "palisade::evidence::guardrails_files",
                "{written:?} holds more than {} configuration files",
                nemo::MAX_FILES
            ));
        }
        let bytes = folder
            .read(
                &canonical,
                &shown,
                "a guardrails configuration file",
                nemo::MAX_FILE_BYTES,
            )
            .map_err(miette::Report::new)?;
        out.push((inner, bytes));
    }
    Ok(())
}

fn guardrails_facts(config: &GuardrailsConfig) -> GuardrailsFacts {
    let names = |set: &BTreeSet<palisade_ai::CheckKind>| -> BTreeSet<String> {
        set.iter().map(|k| k.as_str().to_owned()).collect()
    };
    GuardrailsFacts {
        framework: config.framework.as_str().to_owned(),
        input_checks: names(&config.input_checks),
        output_checks: names(&config.output_checks),
        not_enforced: config.not_enforced.clone(),
        unrecognised: config.unrecognised.clone(),
        custom_code: config.custom_code.clone(),
    }
}

/// Reads a red-team report: garak's `.jsonl`, promptfoo's `.json`.
fn read_redteam(
    folder: &Folder,
    path: &PathValue,
) -> Result<(RedTeamReport, EvidenceFile), miette::Report> {
    let bytes = folder
        .read(
            &path.resolved,
            &path.written,
            "a red-team report",
            MAX_REDTEAM_BYTES,
        )
        .map_err(miette::Report::new)?;
    let lower = path.written.to_ascii_lowercase();
    let report = if lower.ends_with(".jsonl") {
        garak::parse(&bytes, &path.written)
    } else if lower.ends_with(".json") {
        promptfoo::parse(&bytes, &path.written)
    } else {
        return Err(miette::miette!(
            code = "palisade::evidence::redteam_format",
            help = "name a garak report (`*.report.jsonl`) or promptfoo results (`promptfoo eval -o results.json`)",
            "{:?} is not a red-team report palisade reads",
            path.written
        ));
    }
    .map_err(miette::Report::new)?;
    Ok((report, evidence_file(&path.written, &bytes)))
}

/// Sums several reports: counts add up, the oldest run counts, one inconclusive report makes
/// the whole inconclusive.
fn redteam_facts(reports: &[RedTeamReport]) -> RedTeamFacts {
    let mut facts = RedTeamFacts {
        conclusive: true,
        ..RedTeamFacts::default()
    };
    for report in reports {
        facts
            .tools
            .insert(format!("{} {}", report.tool.as_str(), report.version));
        facts.attempts += report.totals.attempts;
        facts.failures += report.totals.failures;
        facts.errors += report.totals.errors;
        facts.conclusive &= report.conclusive();
        facts
            .inconclusive
            .extend(report.inconclusive.iter().cloned());
        if let Some(at) = &report.ran_at {
            facts.ran_at = Some(
                facts
                    .ran_at
                    .map_or(at.unix_seconds, |t| t.min(at.unix_seconds)),
            );
        }
        for (owasp, counts) in report.by_owasp() {
            let entry = facts.owasp.entry(owasp.id().to_owned()).or_default();
            entry.0 += counts.attempts;
            entry.1 += counts.failures + counts.errors;
        }
    }
    if reports.iter().any(|r| r.ran_at.is_none()) {
        facts.ran_at = None;
    }
    facts
}
