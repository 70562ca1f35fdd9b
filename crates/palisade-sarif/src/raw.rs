//! The subset of the SARIF 2.1.0 object model that Palisade reads, as serde types.
//!
//! Unknown properties are ignored (SARIF producers add many); known properties must have the
//! type the standard gives them, so a wrong type is reported with its JSON path. Arrays that
//! could be inflated by a hostile file are bounded while they are read, not after.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

/// Most results read from one log, over all runs.
pub(crate) const MAX_RESULTS: usize = 1_000_000;
/// Most runs in one log.
pub(crate) const MAX_RUNS: usize = 10_000;
/// Most rules in one tool component.
pub(crate) const MAX_RULES: usize = 100_000;
/// Most tool extensions in one run, and suppressions on one result.
pub(crate) const MAX_SMALL: usize = 10_000;

thread_local! {
    /// Results still allowed in the log being parsed. A counter shared by every run's
    /// `results` array, so that many runs cannot add up to more than `MAX_RESULTS`; reset by
    /// [`reset_result_budget`] at the start of each parse (parsing is synchronous on one thread).
    static RESULT_BUDGET: Cell<usize> = const { Cell::new(MAX_RESULTS) };
}

/// Starts a new parse with a full result budget.
pub(crate) fn reset_result_budget() {
    RESULT_BUDGET.with(|b| b.set(MAX_RESULTS));
}

/// A JSON array read into a `Vec`, failing as soon as it has more than `N` elements.
#[derive(Debug)]
pub(crate) struct Bounded<T, const N: usize>(pub Vec<T>);

impl<T, const N: usize> Default for Bounded<T, N> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Bounded<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Bounded<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an array of at most {N} elements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if out.len() == N {
                        return Err(de::Error::custom(format!("more than {N} elements (limit)")));
                    }
                    out.push(item);
                }
                Ok(Bounded(out))
            }
        }
        deserializer.deserialize_seq(V::<T, N>(PhantomData))
    }
}

/// A run's `results` array, counted against the log-wide [`MAX_RESULTS`] budget.
#[derive(Debug, Default)]
pub(crate) struct Results(pub Vec<RawResult>);

impl<'de> Deserialize<'de> for Results {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Results;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of results")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    let left = RESULT_BUDGET.with(Cell::get);
                    if left == 0 {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_RESULTS} results in the log (limit)"
                        )));
                    }
                    RESULT_BUDGET.with(|b| b.set(left - 1));
                    out.push(item);
                }
                Ok(Results(out))
            }
        }
        deserializer.deserialize_seq(V)
    }
}

/// Keeps the first element of an array and skips the rest without storing them
/// (only a result's first location is reported).
#[derive(Debug)]
pub(crate) struct First<T>(pub Option<T>);

impl<T> Default for First<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        deserializer.deserialize_seq(V(PhantomData))
    }
}

/// One `run`: a tool and what it found.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawRun {
    pub tool: RawTool,
    /// Absent means the tool did not run to completion; treated as no results.
    #[serde(default)]
    pub results: Option<Results>,
}

/// `tool`: the driver plus any plugins (`extensions`), each with its own rules.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawTool {
    pub driver: RawComponent,
    #[serde(default)]
    pub extensions: Option<Bounded<RawComponent, MAX_SMALL>>,
}

/// A `toolComponent` (driver or extension).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawComponent {
    pub name: String,
    #[serde(default)]
    pub rules: Option<Bounded<RawRule, MAX_RULES>>,
}

/// A `reportingDescriptor`: one rule of a tool.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawRule {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub short_description: Option<RawMultiformat>,
    #[serde(default)]
    pub message_strings: Option<BTreeMap<String, RawMultiformat>>,
    #[serde(default)]
    pub default_configuration: Option<RawConfiguration>,
    #[serde(default)]
    pub properties: Option<RawProperties>,
}

/// A `multiformatMessageString`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawMultiformat {
    #[serde(default)]
    pub text: Option<String>,
}

/// A `reportingConfiguration`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawConfiguration {
    #[serde(default)]
    pub level: Option<RawLevel>,
}

/// The SARIF `level` enumeration.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawLevel {
    None,
    Note,
    Warning,
    Error,
}

/// A property bag; only `security-severity` matters here (GitHub code scanning's convention).
#[derive(Debug, Deserialize)]
pub(crate) struct RawProperties {
    #[serde(default, rename = "security-severity")]
    pub security_severity: Option<SecuritySeverity>,
}

/// `security-severity` as producers write it: a string (`"8.0"`, GitHub's form) or a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum SecuritySeverity {
    Number(f64),
    Text(String),
    // Anything else (null, an object …) carries no score; the rule's level is used instead.
    Other(IgnoredAny),
}

impl SecuritySeverity {
    /// The CVSS-like score, when the value is a finite number in 0–10 (a string is parsed).
    pub fn score(&self) -> Option<f64> {
        let v = match self {
            Self::Number(n) => *n,
            Self::Text(s) => s.trim().parse::<f64>().ok()?,
            Self::Other(_) => return None,
        };
        (v.is_finite() && (0.0..=10.0).contains(&v)).then_some(v)
    }
}

/// One `result`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawResult {
    #[serde(default)]
    pub rule_id: Option<String>,
    #[serde(default)]
    pub rule_index: Option<i64>,
    #[serde(default)]
    pub rule: Option<RawRuleReference>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub level: Option<RawLevel>,
    #[serde(default)]
    pub message: Option<RawMessage>,
    #[serde(default)]
    pub locations: Option<First<RawLocation>>,
    #[serde(default)]
    pub suppressions: Option<Bounded<RawSuppression, MAX_SMALL>>,
    #[serde(default)]
    pub baseline_state: Option<String>,
    #[serde(default)]
    pub properties: Option<RawProperties>,
}

/// A `reportingDescriptorReference` (`result.rule`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawRuleReference {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub index: Option<i64>,
    #[serde(default)]
    pub tool_component: Option<RawComponentReference>,
}

/// A `toolComponentReference`: which extension a rule lives in.
#[derive(Debug, Deserialize)]
pub(crate) struct RawComponentReference {
    #[serde(default)]
    pub index: Option<i64>,
}

/// A `message`: plain text, or an id into the rule's `messageStrings` with arguments.
#[derive(Debug, Deserialize)]
pub(crate) struct RawMessage {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub arguments: Option<Bounded<String, MAX_SMALL>>,
}

/// A `location`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawLocation {
    #[serde(default)]
    pub physical_location: Option<RawPhysicalLocation>,
}

/// A `physicalLocation`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawPhysicalLocation {
    #[serde(default)]
    pub artifact_location: Option<RawArtifactLocation>,
    #[serde(default)]
    pub region: Option<RawRegion>,
}

/// An `artifactLocation`; `uriBaseId` is not resolved (the uri is kept as written).
#[derive(Debug, Deserialize)]
pub(crate) struct RawArtifactLocation {
    #[serde(default)]
    pub uri: Option<String>,
}

/// A `region`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawRegion {
    #[serde(default)]
    pub start_line: Option<u64>,
    #[serde(default)]
    pub start_column: Option<u64>,
}

/// A `suppression`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawSuppression {
    #[serde(default)]
    pub status: Option<String>,
}
