//! Reads SARIF 2.1.0 logs from SAST, DAST and secret scanners (bandit, semgrep, trivy,
//! gitleaks, ZAP …) into [`Finding`]s with a normalised [`Severity`], counted per severity
//! and per rule for the `sast`, `dast` and `secrets` attributes of Palisade's policies.
//!
//! The input is untrusted: the file size, JSON nesting depth and the number of runs, rules and
//! results are limited, and every problem is a [`SarifError`] naming the file, the place
//! (line/column and a JSON path) and the reason.
//!
//! ```
//! let log = br#"{"version": "2.1.0", "runs": [{
//!     "tool": {"driver": {"name": "demo", "rules": [
//!         {"id": "R1", "properties": {"security-severity": "9.8"}}]}},
//!     "results": [{"ruleId": "R1", "message": {"text": "boom"}}]}]}"#;
//! let report = palisade_sarif::parse(log, "demo.sarif").unwrap();
//! assert_eq!(report.counts().critical, 1);
//! assert_eq!(report.findings[0].message, "boom");
//! ```

// Errors carry the file's text and a span for miette; they are returned once per file, so a
// large `Err` costs nothing that matters and keeps `Result<Report, SarifError>` unboxed.
#![allow(clippy::result_large_err)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod error;
mod model;
mod raw;
mod reader;

pub use error::SarifError;
pub use model::{Finding, Level, Location, NO_RULE, Report, Severity, SeverityCounts};
pub use reader::{MAX_DEPTH, MAX_FILE_SIZE, parse, read};
