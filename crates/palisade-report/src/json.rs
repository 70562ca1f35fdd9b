//! The `palisade.report/v1` JSON document (SPEC §6).

use serde::Serialize;

use palisade_policy::controls::FrameworkResult;
use palisade_policy::{Evaluation, Summary, Violation};

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    pipeline: &'a str,
    decision: palisade_core::Decision,
    evaluated_at: String,
    policy_digest: &'a str,
    summary: Summary,
    violations: &'a [Violation],
    waived: &'a [Violation],
    warnings: &'a [String],
    /// Results by control framework (`--controls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    controls: Option<&'a [FrameworkResult]>,
    /// Stages' attestations: verified or not, undeclared and unattested inputs.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    lineage: &'a [crate::lineage::StageLineage],
}

pub(crate) fn render(
    evaluation: &Evaluation,
    controls: Option<&[FrameworkResult]>,
    lineage: &[crate::lineage::StageLineage],
) -> String {
    let report = Report {
        schema: "palisade.report/v1",
        pipeline: &evaluation.pipeline,
        decision: evaluation.decision,
        evaluated_at: crate::timestamp(evaluation),
        policy_digest: &evaluation.policy_digest,
        summary: evaluation.summary,
        violations: &evaluation.violations,
        waived: &evaluation.waived,
        warnings: &evaluation.warnings,
        controls,
        lineage,
    };
    // Serializing plain data with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
