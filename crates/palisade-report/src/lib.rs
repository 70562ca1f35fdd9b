//! Reports of an evaluation: a human summary for terminals, the `palisade.report/v1` JSON
//! document, SARIF 2.1.0 for code-scanning UIs (results point at the `.pal` declaration),
//! JUnit XML for CI test tabs, Markdown for pull-request comments, and GitLab Code Quality
//! (Code Climate issues) for merge requests.
//!
//! ```no_run
//! # fn demo(evaluation: &palisade_policy::Evaluation, pack: &palisade_policy::PolicyPack) {
//! let text = palisade_report::render(palisade_report::Format::Json, evaluation, pack);
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod explain;
mod human;
mod json;
mod junit;
pub mod lineage;
mod markdown;
mod sarif;

pub mod codequality;

use palisade_policy::{Evaluation, PolicyPack};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal.
    Human,
    /// `palisade.report/v1` JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// Markdown.
    Markdown,
    /// GitLab Code Quality (a JSON array of Code Climate issues).
    CodeQuality,
}

/// What a report includes beyond the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Group the result by control framework (OWASP LLM Top 10, MITRE ATLAS, NIST AI RMF,
    /// SLSA, NIST SSDF, OWASP CI/CD): checked, passed, failed, waived, not covered. Human,
    /// JSON and Markdown reports carry it.
    pub controls: bool,
}

impl Format {
    /// True when the format can carry the per-framework control section.
    pub fn has_controls(self) -> bool {
        matches!(self, Format::Human | Format::Json | Format::Markdown)
    }
}

/// Renders an evaluation in the chosen format.
pub fn render(format: Format, evaluation: &Evaluation, pack: &PolicyPack) -> String {
    render_with(format, evaluation, pack, Options::default())
}

/// Renders an evaluation in the chosen format, with options.
pub fn render_with(
    format: Format,
    evaluation: &Evaluation,
    pack: &PolicyPack,
    options: Options,
) -> String {
    render_report(format, evaluation, pack, options, &[])
}

/// Renders an evaluation in the chosen format, with options and the stages' verified lineage
/// ([`lineage::stages`]): the JSON's `lineage`, and a section of the human and Markdown
/// reports naming undeclared and unattested inputs.
pub fn render_report(
    format: Format,
    evaluation: &Evaluation,
    pack: &PolicyPack,
    options: Options,
    lineage: &[lineage::StageLineage],
) -> String {
    let controls = (options.controls && format.has_controls())
        .then(|| palisade_policy::controls::coverage(pack, evaluation));
    let controls = controls.as_deref();
    match format {
        Format::Human => human::render(evaluation, controls, lineage),
        Format::Json => json::render(evaluation, controls, lineage),
        Format::Sarif => sarif::render(evaluation, pack),
        Format::Junit => junit::render(evaluation, pack),
        Format::Markdown => markdown::render(evaluation, controls, lineage),
        Format::CodeQuality => codequality::render(evaluation),
    }
}

/// `2026-11-25T19:18:18Z` for an evaluation time.
pub fn timestamp(evaluation: &Evaluation) -> String {
    evaluation.at.to_string()
}

/// Escapes text for XML attributes and content.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all, and CI pages render bidi
            // characters: both are shown as escapes.
            c if palisade_core::text::is_display_control(c) && !matches!(c, '\n' | '\t') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}
