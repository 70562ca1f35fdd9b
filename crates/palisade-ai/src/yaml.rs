//! YAML for NeMo Guardrails configurations, through `serde-saphyr` (typed, panic-free, no
//! `unsafe`, no tag-driven object construction, no file includes), with budgets tighter than
//! its defaults: a configuration is a few kilobytes of plain mappings.
//!
//! Why this crate: `serde_yaml` is archived (unmaintained since 2024) and `serde_yml`, its
//! fork, carries a soundness advisory; `yaml-rust2`/`saphyr` build a value tree and expand
//! aliases into it with no budget. `serde-saphyr` (2.x, MIT/Apache-2.0, maintained, fuzzed)
//! deserializes straight into our types, keeps source locations (`Spanned`) for errors, and
//! has explicit budgets for events, nodes, depth, anchors, aliases and alias replay, which
//! is exactly what a billion-laughs file attacks.
//!
//! Alias bombs ("billion laughs": anchors whose aliases replay each other exponentially) stop
//! at [`MAX_REPLAYED_EVENTS`] events replayed from aliases, [`MAX_ALIAS_EXPANSIONS`] uses of one
//! anchor and [`MAX_ALIASES`] aliases in all; nesting stops at [`crate::MAX_DEPTH`], nodes at
//! [`MAX_NODES`], one document per file. Duplicate keys are an error (PyYAML, which NeMo uses,
//! silently keeps the last one: a file that says two things is not read).

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Error, Options};

use crate::error::{AiError, offset_of};
use crate::source::{MAX_DEPTH, Source};

/// Most alias (`*name`) uses in one file.
pub const MAX_ALIASES: usize = 1_000;

/// Most parser events replayed from aliases in one file.
pub const MAX_REPLAYED_EVENTS: usize = 100_000;

/// Most uses of one anchor.
pub const MAX_ALIAS_EXPANSIONS: usize = 1_000;

/// Most nodes (scalars, sequences, mappings) in one file.
pub const MAX_NODES: usize = 200_000;

/// The budgets every YAML file palisade reads is parsed with (guardrails configurations,
/// `dvc.yaml`, `dvc.lock`, workflows): depth, nodes, events, one document, alias replay.
pub fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_nodes = MAX_NODES;
    budget.max_documents = 1;
    budget.max_events = MAX_NODES * 4;
    budget.max_total_scalar_bytes = 16 * 1024 * 1024;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    options.alias_limits.max_alias_expansions_per_anchor = MAX_ALIAS_EXPANSIONS;
    options.alias_limits.max_replay_stack_depth = 16;
    options.with_snippet = false;
    options
}

/// Deserializes the whole source as one YAML document into `T`.
pub(crate) fn from_source<T: DeserializeOwned>(source: &Source<'_>) -> Result<T, AiError> {
    serde_saphyr::from_str_with_options::<T>(source.text, options())
        .map_err(|error| to_error(source, &error))
}

fn to_error(source: &Source<'_>, error: &Error) -> AiError {
    let offset = error
        .location()
        .map(|location| {
            let line = usize::try_from(location.line()).unwrap_or(usize::MAX);
            let column = usize::try_from(location.column()).unwrap_or(usize::MAX);
            offset_of(source.text, line, column)
        })
        .unwrap_or(0);
    let message = error.to_string();
    let inner = innermost(error);
    match inner {
        Error::Budget { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => {
            let limit = match inner {
                Error::AliasReplayLimitExceeded { .. } => MAX_REPLAYED_EVENTS,
                Error::AliasExpansionLimitExceeded { .. } => MAX_ALIAS_EXPANSIONS,
                _ => 0,
            };
            let (line, column) = crate::error::line_column(source.text, offset);
            source.limit(
                format!("YAML budget exceeded at {line}:{column}: {message}"),
                limit as u64,
            )
        }
        _ => source.syntax("YAML", offset, &message),
    }
}

#[allow(deprecated)] // only matching the wrappers
fn innermost(mut error: &Error) -> &Error {
    while let Error::AliasError { error: inner, .. } | Error::WithSnippet { error: inner, .. } =
        error
    {
        error = inner;
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Doc {
        a: Option<Vec<String>>,
    }

    fn parse(text: &str) -> Result<Doc, AiError> {
        from_source(&Source {
            name: "c.yml",
            text,
        })
    }

    #[test]
    fn reads_plain_config() {
        assert_eq!(
            parse("a: [x, y]\nb: {c: 1}\n").unwrap().a.unwrap(),
            ["x", "y"]
        );
        let error = parse("a: [x\n").unwrap_err();
        assert!(error.to_string().starts_with("c.yml:"), "{error}");
        assert!(error.to_string().contains("invalid YAML"), "{error}");
    }

    #[test]
    fn billion_laughs_stop_at_the_budget() {
        let mut text = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
            ));
        }
        text.push_str("a: *l9\n");
        let start = std::time::Instant::now();
        let error = parse(&text).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert!(matches!(error, AiError::Limit { .. }), "{error:?}");
    }

    #[test]
    fn duplicate_keys_and_documents_are_refused() {
        let error = parse("a: [x]\na: [y]\n").unwrap_err();
        assert!(error.to_string().contains("c.yml:2:"), "{error}");
        assert!(parse("a: [x]\n---\na: [y]\n").is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&text).is_err());
        let text = format!("b: {}1{}", "{x: ".repeat(10_000), "}".repeat(10_000));
        assert!(parse(&text).is_err());
    }
}
