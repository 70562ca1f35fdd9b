//! `declassifies = ["pii"]` with `pii_scan = "….json"`: whether the scan is evidence that the
//! stage's output holds no personal data. Four things must hold, checked in this order:
//!
//! 1. **clean**: no Presidio finding scored 0.4 or more, in a batch-shaped scan (one array per
//!    record) of at least one text ([`palisade_ai::declassify::judge`]);
//! 2. **one output**: the stage writes exactly one local output besides the scan itself (a
//!    scan covers one file), a `.csv`/`.tsv` or `.jsonl`/`.ndjson` file;
//! 3. **covers it**: the scan has one text per record of that file, counted through the
//!    confined folder (the CSV header may be scanned or not,
//!    [`palisade_ai::declassify::coverage`]): a scan of `[[]]`, or of part of the file, or of
//!    a bigger file, is not evidence;
//! 4. **bound to it**: the scan is the stage's own, either
//!    - among the products of the stage's **verified** attestation (`lineage`, read here, not
//!      verified again), which also attests the output's current digest; or
//!    - **signed**: a Sigstore bundle next to it (`<scan>.sigstore.json`, a message
//!      signature or a DSSE statement whose subject is the scan's sha256, as `cosign
//!      sign-blob --bundle` or `palisade run` write) that verifies against the stage's
//!      `runs_as` identity (its key or CA).
//!
//! Anything short of that is "claimed, not evidenced" with the first reason: the label keeps
//! flowing. Presidio's JSON names neither the file scanned nor the recognizers run, which is
//! why the binding comes from a signature or an attestation, and the count from the output.

use palisade_ai::declassify::{self, DEFAULT_SCORE_THRESHOLD, RecordFormat};
use palisade_ai::pii::PiiScan;
use palisade_graph::{EvidenceFile, LineageFacts, SignatureState};
use palisade_syntax::{PathValue, Reference, Stage};

use crate::Context;

/// What checking a `pii_scan` found: why it is not evidence (`None`: it is), and the
/// signature file read, if any.
pub(crate) struct Judged {
    pub(crate) problem: Option<String>,
    pub(crate) signature_file: Option<EvidenceFile>,
}

/// Checks the stage's `pii_scan` (already read: `scan`, `file`) as evidence for
/// `declassifies = ["pii"]`.
pub(crate) fn judge(
    context: &Context<'_>,
    stage: &Stage,
    scan_path: &PathValue,
    scan: &PiiScan,
    file: &EvidenceFile,
    lineage: Option<&LineageFacts>,
) -> Judged {
    let mut judged = Judged {
        problem: None,
        signature_file: None,
    };
    if let Some(why) =
        declassify::judge(scan, DEFAULT_SCORE_THRESHOLD).reason(DEFAULT_SCORE_THRESHOLD)
    {
        judged.problem = Some(why);
        return judged;
    }
    let output = match the_output(context, stage, scan_path) {
        Ok(output) => output,
        Err(why) => {
            judged.problem = Some(why);
            return judged;
        }
    };
    if let Some(why) = covers(context, scan, &output) {
        judged.problem = Some(why);
        return judged;
    }
    judged.problem = bound(
        context,
        stage,
        scan_path,
        file,
        &output,
        lineage,
        &mut judged,
    );
    judged
}

/// The output a scan is about.
struct Output {
    name: String,
    path: PathValue,
    format: RecordFormat,
}

/// The stage's one local output other than the scan.
fn the_output(
    context: &Context<'_>,
    stage: &Stage,
    scan_path: &PathValue,
) -> Result<Output, String> {
    let pipeline = context.pipeline;
    let artifact_of = |r: &Reference| {
        pipeline
            .artifacts
            .iter()
            .find(|a| a.kind.kind() == r.kind && a.name.value == r.name)
    };
    let outputs: Vec<_> = stage
        .outputs
        .iter()
        .filter_map(|r| artifact_of(&r.value))
        .filter(|a| {
            a.path
                .as_ref()
                .is_none_or(|p| p.value.resolved != scan_path.resolved)
        })
        .collect();
    let [artifact] = outputs.as_slice() else {
        return Err(format!(
            "a PII scan covers one file, and the stage writes {} outputs: declare the de-identified data set as its only output",
            outputs.len()
        ));
    };
    let name = artifact.name.value.clone();
    let Some(path) = &artifact.path else {
        return Err(format!(
            "its output {name:?} has no local path to count the records of"
        ));
    };
    let Some(format) = RecordFormat::of(&path.value.written) else {
        return Err(format!(
            "palisade counts the records of .csv, .tsv, .jsonl and .ndjson outputs only, and the output {name:?} is {:?}",
            path.value.written
        ));
    };
    Ok(Output {
        name,
        path: path.value.clone(),
        format,
    })
}

/// Why the scan does not cover the output (`None`: it does).
fn covers(context: &Context<'_>, scan: &PiiScan, output: &Output) -> Option<String> {
    let written = &output.path.written;
    let counted = context
        .folder
        .confine(&output.path.resolved, written)
        .and_then(|canonical| palisade_core::fs::open_regular(&canonical, written))
        .map_err(|e| e.to_string())
        .and_then(|file| {
            declassify::count_records(std::io::BufReader::new(file), output.format)
                .map_err(|e| format!("{written:?}: {e}"))
        });
    match counted {
        Ok(records) => declassify::coverage(scan.texts_scanned, records, output.format)
            .map(|why| format!("{why} ({:?})", output.name)),
        Err(why) => Some(format!(
            "the records of its output {:?} cannot be counted: {why}",
            output.name
        )),
    }
}

/// Why the scan is not bound to the stage (`None`: it is).
fn bound(
    context: &Context<'_>,
    stage: &Stage,
    scan_path: &PathValue,
    file: &EvidenceFile,
    output: &Output,
    lineage: Option<&LineageFacts>,
    judged: &mut Judged,
) -> Option<String> {
    let scan_digest = format!("sha256:{}", file.digest.hex());
    let mut reasons = Vec::new();
    match lineage {
        Some(facts) if facts.attestation == SignatureState::Verified => {
            let output_attested = facts.attested_outputs.contains(&output.name);
            let scan_attested = facts
                .undeclared_outputs
                .iter()
                .any(|r| r.digest == scan_digest)
                || scan_is_attested_output(context, stage, scan_path, facts);
            if output_attested && scan_attested {
                return None;
            }
            reasons.push(format!(
                "its verified attestation does not list {}",
                match (output_attested, scan_attested) {
                    (false, false) => format!(
                        "the current {:?} or this scan among its products",
                        output.name
                    ),
                    (false, true) => format!("the current {:?} among its products", output.name),
                    _ => "this scan among its products".to_owned(),
                }
            ));
        }
        Some(_) => reasons.push("its attestation does not verify".to_owned()),
        None => {}
    }
    let signature = crate::sidecar::check(context, stage, scan_path, file);
    let problem = signature.problem("the scan");
    judged.signature_file = signature.into_file();
    let why = problem?;
    reasons.push(why);
    Some(format!(
        "the scan is not bound to this stage: {}",
        reasons.join("; ")
    ))
}

/// Whether the scan is itself a declared output of the stage that the attestation accounts for.
fn scan_is_attested_output(
    context: &Context<'_>,
    stage: &Stage,
    scan_path: &PathValue,
    facts: &LineageFacts,
) -> bool {
    stage.outputs.iter().any(|r| {
        context.pipeline.artifacts.iter().any(|a| {
            a.kind.kind() == r.value.kind
                && a.name.value == r.value.name
                && a.path
                    .as_ref()
                    .is_some_and(|p| p.value.resolved == scan_path.resolved)
                && facts.attested_outputs.contains(&a.name.value)
        })
    })
}
