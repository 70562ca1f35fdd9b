//! Palisade's Cedar mapping: the generated schema, policy loading with strict validation,
//! entities built from the graph, one request per pair in the actions table evaluated against
//! only the policies whose scope can match it, fail-closed error handling and waivers.
//!
//! Only a [`palisade_graph::LineageGraph`] can be judged: a graph whose lineage facts were
//! never computed is a different type.
//!
//! ```no_run
//! # fn demo(graph: &palisade_graph::LineageGraph) -> Result<(), Box<dyn std::error::Error>> {
//! let pack = palisade_policy::PolicyPack::load(palisade_policy::baseline())?;
//! palisade_policy::check_waivers(&graph.pipeline, &pack)?;
//! let at = palisade_core::Timestamp::parse_rfc3339("2027-01-15T00:00:00Z")?;
//! let verdict = palisade_policy::evaluate(graph, &pack, at)?;
//! println!("{}: {} violations", verdict.decision, verdict.violations.len());
//! # Ok(()) }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod baseline;
pub mod controls;
mod describe;
pub mod entities;
mod error;
mod evaluate;
mod fastenv;
mod fastpath;
mod load;
mod names;
mod repeat;
pub mod schema;
pub mod testcase;

use palisade_syntax::Pipeline;

pub use baseline::{BASELINE_FILES, baseline};
pub use error::{InternalError, PolicyError, PolicyErrors};
pub use evaluate::{
    Action, Engine, Evaluation, Location, Outcome, Reason, RequestSpec, Summary, Violation,
    WaiverUse, by_policy, evaluate_with, expired, requests,
};
pub use load::{PolicyFile, PolicyInfo, PolicyPack, line_col, read_folder};
pub use names::check_entities;
pub use schema::schema_text;

/// Evaluates every request of the graph against the pack at `at`.
///
/// # Errors
/// Only [`InternalError`]: the graph could not be turned into Cedar entities or requests, a bug
/// in palisade (the decision would be unknowable, so callers exit 2).
pub fn evaluate(
    graph: &palisade_graph::LineageGraph,
    pack: &PolicyPack,
    at: palisade_core::Timestamp,
) -> Result<Evaluation, InternalError> {
    evaluate::evaluate(graph, pack, at)
}

/// Checks that every waiver names a loaded policy (with a suggestion when one is close).
pub fn check_waivers(pipeline: &Pipeline, pack: &PolicyPack) -> Result<(), PolicyErrors> {
    let ids = pack.ids();
    let errors: Vec<PolicyError> = pipeline
        .waivers
        .iter()
        .filter(|w| pack.policy(&w.policy.value).is_none())
        .map(|w| PolicyError::UnknownWaiverPolicy {
            waiver: w.name.value.clone(),
            policy: w.policy.value.clone(),
            src: pipeline.source.named_source(),
            span: w.policy.span,
            help: palisade_syntax::suggest(&w.policy.value, ids.iter().copied())
                .map(|s| format!("did you mean {s:?}?")),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PolicyErrors { errors })
    }
}

/// Whether `policy` is in the subset of Cedar the evaluation's fast path decides itself (the
/// rest go to Cedar; see the differential test in `palisade-bench`).
pub fn fast_path_compiles(policy: &cedar_policy::Policy) -> bool {
    fastpath::compile(policy).is_some()
}
