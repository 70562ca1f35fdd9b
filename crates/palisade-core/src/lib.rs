//! Palisade's shared domain types: the small vocabulary every other crate speaks, each defined
//! once.
//!
//! | module | what |
//! | --- | --- |
//! | [`severity`] | [`Severity`], lowest first, as findings, vulnerabilities and policies rate |
//! | [`exposure`] | [`Exposure`] of a release (public, internal, private) |
//! | [`decision`] | [`Decision`] of a whole evaluation, [`RequestDecision`] of one request |
//! | [`digest`] | [`Digest`]: an algorithm and its bytes, parsed once from `sha256:…` |
//! | [`time`] | [`Timestamp`] (Unix seconds, RFC 3339) and [`Date`]: the one calendar |
//! | [`location`] | [`Location`] in a source file and the [`LineIndex`] that finds it |
//! | [`fs`] | [`fs::Folder`]: the one confined, bounded file reader every input goes through |
//! | [`ignore`] | an artifact's `ignore = [...]` globs, left out of its content digest |
//! | [`labels`] | which labels are exemptions (lift a rule) and so never come from unsigned evidence |
//! | [`json`] | where a JSON parse error is, as a line, a column and a span |
//! | [`text`] | escaping input text for terminals and Markdown |
//! | [`codes`] | the registry of every diagnostic code palisade emits |
//!
//! ```
//! use palisade_core::{Digest, DigestAlgorithm, Severity, Timestamp};
//!
//! let digest: Digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".parse().unwrap();
//! assert_eq!(digest.algorithm(), DigestAlgorithm::Sha256);
//! assert!(Severity::Critical > Severity::High);
//! let at = Timestamp::parse_rfc3339("2026-11-25T19:18:18Z").unwrap();
//! assert_eq!(at.to_string(), "2026-11-25T19:18:18Z");
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod codes;
pub mod decision;
pub mod digest;
pub mod exposure;
pub mod fs;
pub mod ignore;
pub mod json;
pub mod labels;
pub mod location;
pub mod severity;
pub mod text;
pub mod time;

pub use decision::{Decision, RequestDecision};
pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use exposure::Exposure;
pub use location::{LineIndex, Location};
pub use severity::Severity;
pub use time::{Date, TimeError, Timestamp};
