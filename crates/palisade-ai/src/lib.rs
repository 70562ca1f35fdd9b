//! Reads the evidence behind the AI claims of a pipeline, from the files the tools write
//! themselves, so the gate judges evidence instead of trusting `pipeline.pal`:
//!
//! - [`guardrails`]: guardrail configurations, NeMo Guardrails folders and Guardrails AI guards
//!   (JSON or RAIL), reduced to the [`CheckKind`]s they run on input and output;
//! - [`redteam`]: red-team results, garak reports and promptfoo results, reduced to attempts,
//!   failures and errors per category with OWASP LLM Top 10 (2025) ids;
//! - [`modelcard`]: differential-privacy (ε, δ, mechanism) and adversarial-robustness claims in
//!   a CycloneDX ML-BOM model card;
//! - [`pii`]: PII scans written by Presidio's analyzer, and [`declassify`]: whether one is
//!   evidence that a stage removed the personal data it declares removed.
//!
//! Each module documents the fields it reads and its mapping tables (flow and validator ids to
//! check kinds, garak probes and promptfoo plugins to OWASP ids); tests keep those tables and
//! the code equal. Every input is untrusted: size, nesting and counts are limited, YAML alias
//! expansion is budgeted, and anything not understood is an [`AiError`] (exit 2 for the CLI)
//! or a "cannot tell" fact (an inconclusive red-team report, a rail that is not enforced, an
//! unusable DP claim), never a pass. Callers open the files; readers take bytes and a name.
//!
//! ```
//! use palisade_ai::guardrails::{CheckKind, guardrails_ai};
//!
//! let guard = br#"{"name": "input", "validators": [
//!     {"id": "guardrails/detect_jailbreak", "on": "messages", "onFail": "exception"},
//!     {"id": "guardrails/toxic_language", "on": "$", "onFail": "noop"}]}"#;
//! let config = guardrails_ai::parse_json(guard, "guard.json")?;
//! assert!(config.input_checks.contains(&CheckKind::Jailbreak));
//! // A validator that only logs (`noop`) checks nothing.
//! assert!(config.output_checks.is_empty());
//!
//! let report = palisade_ai::redteam::garak::parse(
//!     br#"{"entry_type": "start_run setup", "_config.version": "0.17.1", "plugins.target_type": "test.Repeat"}
//! {"entry_type": "eval", "probe": "promptinject.HijackHateHumans", "detector": "promptinject.AttackRogueString", "passed": 6, "fails": 2, "nones": 0, "total_evaluated": 8, "total_processed": 8}
//! {"entry_type": "completion"}"#,
//!     "run.report.jsonl",
//! )?;
//! assert_eq!(report.totals.attack_success_permille(), Some(250));
//! assert_eq!(report.owasp_failed()[0].id(), "LLM01");
//! # Ok::<(), palisade_ai::AiError>(())
//! ```

// Errors carry the input's text and a span for miette; they are built once per unusable
// file, so boxing them would buy nothing.
#![allow(clippy::result_large_err)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod declassify;
mod error;
pub mod guardrails;
pub mod modelcard;
pub mod pii;
pub mod redteam;
mod source;
mod time;
mod yaml;

pub use error::{AiError, escape};
pub use guardrails::{CheckKind, Framework, GuardrailsConfig, Position, Rail};
pub use redteam::{Category, Check, Counts, OwaspLlm, RedTeamReport, RedTeamTool, Target};
pub use source::MAX_DEPTH;
pub use time::Timestamp;
pub use yaml::options as yaml_options;
