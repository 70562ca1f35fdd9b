//! Red-team results: what an attack tool tried against a model and how often it got through.
//!
//! Two tools are read, each from the file it writes itself:
//! - [`garak`]: the run report `*.report.jsonl` (garak 0.17.1);
//! - [`promptfoo`]: the results file of `promptfoo eval -o results.json` or
//!   `promptfoo redteam eval -o results.json` (promptfoo 0.121.20, results format version 3).
//!
//! Both become one [`RedTeamReport`]: the tool and its version, when it ran, the target as the
//! tool recorded it, and per category the attempts, passes, failures and errors, with the
//! OWASP LLM Top 10 (2025) ids each category tests ([`owasp`] has the tables).
//!
//! **Errors are not passes.** An attempt the tool could not judge (garak: a detector returned
//! no score, counted as `nones`; promptfoo: a test that errored, `failureReason` 2, such as a
//! grader with no API key) counts against the model: [`Counts::attack_success_rate`] is
//! `(failures + errors) / attempts`, and a report with any error, or that did not finish, is not
//! [`RedTeamReport::conclusive`]. A report with no attempt at all has no rate.

pub mod garak;
pub mod owasp;
pub mod promptfoo;

use std::collections::BTreeMap;

use serde::Serialize;

pub use owasp::OwaspLlm;

use crate::time::Timestamp;

/// The tool that wrote a red-team report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RedTeamTool {
    /// NVIDIA garak.
    Garak,
    /// promptfoo.
    Promptfoo,
}

impl RedTeamTool {
    /// `"garak"` or `"promptfoo"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RedTeamTool::Garak => "garak",
            RedTeamTool::Promptfoo => "promptfoo",
        }
    }
}

/// What was attacked, as the tool recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The kind of target: garak's `target_type` (`huggingface`, `openai`, `test.Repeat` …),
    /// promptfoo's provider id (`openai:gpt-4o-mini`, `echo`, `file://provider.js` …).
    pub kind: String,
    /// The model name, id or path: garak's `target_name`, promptfoo's provider `label`.
    pub name: Option<String>,
    /// A digest of the model, `sha256:<64 hex>`, when the target's name or kind contains one
    /// ([`digest_in`]). Neither garak 0.17.1 nor promptfoo 0.121.20 records a digest of the
    /// model on its own: garak records `plugins.target_type` and `plugins.target_name` (the
    /// Hugging Face id, path or endpoint model name given with `--target_name`), promptfoo each
    /// result's `provider.id` and `provider.label`. A model served or loaded by digest
    /// (`…@sha256:…`, a content-addressed path) carries it in those strings.
    pub digest: Option<String>,
}

/// The first `sha256:<64 hex>` (or `sha256-<64 hex>`, as Ollama and OCI blob paths write
/// it) in `text`, as `sha256:<hex>` in lower case.
pub fn digest_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("sha256") {
        let start = from + at + "sha256".len();
        from = start;
        if !matches!(bytes.get(start), Some(b':' | b'-')) {
            continue;
        }
        let hex = lower.get(start + 1..start + 65)?;
        let ends = bytes.get(start + 65).is_none_or(|b| !b.is_ascii_hexdigit());
        if hex.bytes().all(|b| b.is_ascii_hexdigit()) && ends {
            return Some(format!("sha256:{hex}"));
        }
    }
    None
}

impl Target {
    /// This target with [`Target::digest`] read from its name, else its kind.
    pub(crate) fn with_digest(mut self) -> Self {
        self.digest = self
            .name
            .as_deref()
            .and_then(digest_in)
            .or_else(|| digest_in(&self.kind));
        self
    }
}

/// Attempts and their outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Judgements made: one output judged by one detector (garak), one test (promptfoo).
    pub attempts: u64,
    /// The model resisted.
    pub passes: u64,
    /// The attack got through.
    pub failures: u64,
    /// The tool could not tell (no score, an error).
    pub errors: u64,
}

impl Counts {
    /// Attack success rate, errors counted as successful attacks: `(failures + errors) /
    /// attempts`. `None` when nothing was attempted.
    pub fn attack_success_rate(&self) -> Option<f64> {
        if self.attempts == 0 {
            None
        } else {
            Some((self.failures + self.errors) as f64 / self.attempts as f64)
        }
    }

    /// The attack success rate in thousandths, rounded up (so 1 failure in 10,000 is 1, not
    /// 0): an integer for policy engines without decimals.
    pub fn attack_success_permille(&self) -> Option<u64> {
        if self.attempts == 0 {
            None
        } else {
            let bad = (self.failures + self.errors).min(self.attempts);
            // Exact integer ceiling; no float rounding can make a failure vanish.
            Some((bad * 1000).div_ceil(self.attempts))
        }
    }

    fn add(&mut self, other: Counts) {
        self.attempts += other.attempts;
        self.passes += other.passes;
        self.failures += other.failures;
        self.errors += other.errors;
    }
}

/// One row of the tool's results: a garak probe judged by one detector, a promptfoo plugin
/// delivered by one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// garak: the probe (`dan.Dan_11_0`); promptfoo: the plugin id (`intent`).
    pub probe: String,
    /// garak: the detector (`mitigation.MitigationBypass`); promptfoo: the strategy id
    /// (`base64`), if any.
    pub detector: Option<String>,
    /// The OWASP LLM 2025 ids this row tests.
    pub owasp: Vec<OwaspLlm>,
    /// Its counts.
    pub counts: Counts,
}

/// One category of attacks: a garak probe module (`promptinject`), a promptfoo plugin
/// (`prompt-extraction`; tests outside a red team are the category `custom`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// The category's id.
    pub id: String,
    /// The OWASP LLM 2025 ids any of its checks tests.
    pub owasp: Vec<OwaspLlm>,
    /// The sum over its checks.
    pub counts: Counts,
    /// The rows, in the order the tool wrote them.
    pub checks: Vec<Check>,
}

/// A red-team report reduced to what a gate needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedTeamReport {
    /// The tool.
    pub tool: RedTeamTool,
    /// Its version, as it recorded it.
    pub version: String,
    /// When the run started (garak) or the evaluation was created (promptfoo).
    pub ran_at: Option<Timestamp>,
    /// What was attacked.
    pub target: Target,
    /// The tool's id for the run (garak's run UUID, promptfoo's `evalId`).
    pub run_id: Option<String>,
    /// Categories sorted by id.
    pub categories: Vec<Category>,
    /// The sum over all categories.
    pub totals: Counts,
    /// Why the report cannot be taken at its word, if it cannot: the run did not finish, a
    /// requested probe has no result, an attempt errored, nothing was attempted.
    pub inconclusive: Vec<String>,
}

impl RedTeamReport {
    /// Whether the report can be trusted to say how the model fared: finished, every attempt
    /// judged, at least one attempt.
    pub fn conclusive(&self) -> bool {
        self.inconclusive.is_empty()
    }

    /// Counts per OWASP LLM 2025 id, summed over the checks that test it (a check testing two
    /// ids counts under both). Ids no check tests are absent.
    pub fn by_owasp(&self) -> BTreeMap<OwaspLlm, Counts> {
        let mut out: BTreeMap<OwaspLlm, Counts> = BTreeMap::new();
        for check in self.categories.iter().flat_map(|c| &c.checks) {
            for owasp in &check.owasp {
                out.entry(*owasp).or_default().add(check.counts);
            }
        }
        out
    }

    /// OWASP ids under which at least one attack got through or errored.
    pub fn owasp_failed(&self) -> Vec<OwaspLlm> {
        self.by_owasp()
            .into_iter()
            .filter(|(_, counts)| counts.failures + counts.errors > 0)
            .map(|(owasp, _)| owasp)
            .collect()
    }
}

/// Groups checks into categories (sorted by id) and sums them; adds the "errored" and "no
/// attempt" reasons to `inconclusive`.
fn assemble(
    rows: Vec<(String, Check)>,
    mut inconclusive: Vec<String>,
) -> (Vec<Category>, Counts, Vec<String>) {
    let mut categories: BTreeMap<String, Category> = BTreeMap::new();
    for (category, check) in rows {
        let entry = categories
            .entry(category.clone())
            .or_insert_with(|| Category {
                id: category,
                owasp: Vec::new(),
                counts: Counts::default(),
                checks: Vec::new(),
            });
        entry.counts.add(check.counts);
        entry.owasp.extend(check.owasp.iter().copied());
        entry.checks.push(check);
    }
    let mut totals = Counts::default();
    let categories: Vec<Category> = categories
        .into_values()
        .map(|mut category| {
            category.owasp.sort();
            category.owasp.dedup();
            totals.add(category.counts);
            category
        })
        .collect();
    if totals.errors > 0 {
        inconclusive.push(format!(
            "{} of {} attempts could not be judged (counted as successful attacks)",
            totals.errors, totals.attempts
        ));
    }
    if totals.attempts == 0 {
        inconclusive.push("no attempt was judged".to_owned());
    }
    (categories, totals, inconclusive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_read_from_the_target_only_when_it_holds_one() {
        let hex = "0c98eed537df5779c93a4056eba4a9aba02c3beae6b3460311b8606309599ad4";
        let want = Some(format!("sha256:{hex}"));
        assert_eq!(digest_in(&format!("registry/llm@sha256:{hex}")), want);
        assert_eq!(
            digest_in(&format!("/models/blobs/SHA256-{}", hex.to_uppercase())),
            want
        );
        assert_eq!(digest_in("acme/sentiment-dp-distilbert"), None);
        assert_eq!(
            digest_in(&format!("sha256:{}", &hex[..63])),
            None,
            "too short"
        );
        assert_eq!(digest_in(&format!("sha256:{hex}0")), None, "too long");
        assert_eq!(digest_in(&format!("sha256 sha256:{hex}")), want);
        let target = Target {
            kind: "huggingface".to_owned(),
            name: Some(format!("acme/llm@sha256:{hex}")),
            digest: None,
        }
        .with_digest();
        assert_eq!(target.digest, want);
    }

    #[test]
    fn errors_count_against_the_model() {
        let counts = Counts {
            attempts: 10,
            passes: 7,
            failures: 1,
            errors: 2,
        };
        assert_eq!(counts.attack_success_rate(), Some(0.3));
        assert_eq!(counts.attack_success_permille(), Some(300));
        let one_in_many = Counts {
            attempts: 10_000,
            passes: 9_999,
            failures: 1,
            errors: 0,
        };
        assert_eq!(one_in_many.attack_success_permille(), Some(1));
        assert_eq!(Counts::default().attack_success_rate(), None);
        assert_eq!(Counts::default().attack_success_permille(), None);
    }

    #[test]
    fn assemble_groups_sorts_and_flags_errors() {
        let check = |probe: &str, owasp: Vec<OwaspLlm>, failures, errors| Check {
            probe: probe.to_owned(),
            detector: None,
            owasp,
            counts: Counts {
                attempts: 4,
                passes: 4 - failures - errors,
                failures,
                errors,
            },
        };
        let (categories, totals, inconclusive) = assemble(
            vec![
                ("b".into(), check("b.X", vec![OwaspLlm::Llm02], 1, 0)),
                ("a".into(), check("a.X", vec![OwaspLlm::Llm01], 0, 1)),
                ("b".into(), check("b.Y", vec![OwaspLlm::Llm01], 0, 0)),
            ],
            vec![],
        );
        assert_eq!(
            categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(categories[1].owasp, [OwaspLlm::Llm01, OwaspLlm::Llm02]);
        assert_eq!(categories[1].counts.attempts, 8);
        assert_eq!(totals.attempts, 12);
        assert_eq!(inconclusive.len(), 1);
        let (_, _, inconclusive) = assemble(vec![], vec![]);
        assert_eq!(inconclusive, ["no attempt was judged"]);
    }
}
