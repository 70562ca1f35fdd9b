//! Guardrail configurations, read and judged: which checks a serving stage really runs on the
//! user's input and on the model's output.
//!
//! Two frameworks are read, from the files they load themselves:
//! - [`nemo`]: a NeMo Guardrails configuration folder (`config.yml`, `prompts.yml`, other
//!   `.yml`/`.yaml` files, `.co` Colang files), NeMo Guardrails 0.24.1, Colang 1.0;
//! - [`guardrails_ai`]: a Guardrails AI guard exported as JSON (`Guard.to_dict()`, one guard,
//!   a list of them, or the hub-template wrapper `{"guards": [...]}` that `guardrails create`
//!   writes), or a `.rail` XML spec; Guardrails AI 0.11.0.
//!
//! Both become one [`GuardrailsConfig`]: the framework, the set of normalised [`CheckKind`]s on
//! input and on output, and every rail with where it came from. Each framework's module has the
//! full table from its flow or validator ids to kinds.
//!
//! Fail closed: a file that is not a configuration of the framework, a rail flow NeMo would not
//! find, a missing prompt NeMo would refuse to load without, an unsupported variant (Colang
//! 2.x) are errors. A check that is configured but would not act (a Guardrails AI validator
//! whose on-fail action is `noop` or `custom`; a NeMo sensitive-data rail with no entities) is
//! listed in [`GuardrailsConfig::not_enforced`] and is not in the kind sets; an id with no
//! mapping is listed in [`GuardrailsConfig::unrecognised`] and is not in them either.

pub mod guardrails_ai;
pub mod nemo;

use std::collections::BTreeSet;

use serde::{Serialize, Serializer};

/// The framework a configuration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framework {
    /// NVIDIA NeMo Guardrails.
    #[serde(rename = "nemo-guardrails")]
    NemoGuardrails,
    /// Guardrails AI.
    #[serde(rename = "guardrails-ai")]
    GuardrailsAi,
}

impl Framework {
    /// `"nemo-guardrails"` or `"guardrails-ai"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::NemoGuardrails => "nemo-guardrails",
            Framework::GuardrailsAi => "guardrails-ai",
        }
    }
}

/// What a check looks for, normalised across frameworks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckKind {
    /// `prompt_injection`: instructions smuggled into input (direct or indirect).
    PromptInjection,
    /// `jailbreak`: attempts to make the model drop its rules (DAN, role play, perplexity
    /// tricks).
    Jailbreak,
    /// `pii`: personal data detected or masked.
    Pii,
    /// `secrets`: API keys, tokens, passwords.
    Secrets,
    /// `system_prompt_leak`: the system prompt echoed in output.
    SystemPromptLeak,
    /// `toxicity`: toxic, profane, NSFW language (a trained classifier).
    Toxicity,
    /// `content_safety`: harmful content against a safety taxonomy (Llama Guard, NemoGuard
    /// content safety, vendor moderation APIs).
    ContentSafety,
    /// `moderation`: an LLM judging the text against a policy the configuration writes
    /// (NeMo's self-check rails); what it covers is that policy's text.
    Moderation,
    /// `topic`: keeps the conversation on allowed topics.
    Topic,
    /// `hallucination`: fact checking and grounding of output.
    Hallucination,
    /// `unsafe_output`: output that would attack what consumes it (code, SQL, template, XSS
    /// injection, scripts in HTML).
    UnsafeOutput,
    /// `deny_list`: a fixed list of words or names.
    DenyList,
    /// `pattern`: regular expressions the configuration writes.
    Pattern,
    /// `custom`: a check whose meaning is set by its own configuration (a Hugging Face
    /// classifier, a vendor API with configurable guardrails).
    Custom,
    /// `quality`: format, length, tone and other checks that are not security controls.
    Quality,
}

impl CheckKind {
    /// Every kind, in order.
    pub const ALL: [CheckKind; 15] = [
        CheckKind::PromptInjection,
        CheckKind::Jailbreak,
        CheckKind::Pii,
        CheckKind::Secrets,
        CheckKind::SystemPromptLeak,
        CheckKind::Toxicity,
        CheckKind::ContentSafety,
        CheckKind::Moderation,
        CheckKind::Topic,
        CheckKind::Hallucination,
        CheckKind::UnsafeOutput,
        CheckKind::DenyList,
        CheckKind::Pattern,
        CheckKind::Custom,
        CheckKind::Quality,
    ];

    /// The snake_case name used in facts and policies, e.g. `"prompt_injection"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::PromptInjection => "prompt_injection",
            CheckKind::Jailbreak => "jailbreak",
            CheckKind::Pii => "pii",
            CheckKind::Secrets => "secrets",
            CheckKind::SystemPromptLeak => "system_prompt_leak",
            CheckKind::Toxicity => "toxicity",
            CheckKind::ContentSafety => "content_safety",
            CheckKind::Moderation => "moderation",
            CheckKind::Topic => "topic",
            CheckKind::Hallucination => "hallucination",
            CheckKind::UnsafeOutput => "unsafe_output",
            CheckKind::DenyList => "deny_list",
            CheckKind::Pattern => "pattern",
            CheckKind::Custom => "custom",
            CheckKind::Quality => "quality",
        }
    }

    /// Parses the snake_case name.
    pub fn from_name(name: &str) -> Option<CheckKind> {
        CheckKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl Serialize for CheckKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where in the conversation a rail runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// On the user's input, before the model sees it.
    Input,
    /// On the model's output, before the user sees it.
    Output,
    /// On retrieved chunks (RAG), before they reach the prompt.
    Retrieval,
}

impl Position {
    /// `"input"`, `"output"` or `"retrieval"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Input => "input",
            Position::Output => "output",
            Position::Retrieval => "retrieval",
        }
    }
}

/// One configured check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rail {
    /// Where it runs.
    pub position: Position,
    /// The flow (NeMo, parameters included as written) or validator id (Guardrails AI).
    pub id: String,
    /// What it checks; empty when the id is not recognised.
    pub kinds: Vec<CheckKind>,
    /// Whether it acts on a finding (blocks, raises, fixes); see the module docs.
    pub enforced: bool,
    /// Where it is configured: the file, and the guard name for Guardrails AI.
    pub source: String,
}

/// A guardrail configuration reduced to the checks it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardrailsConfig {
    /// The framework.
    pub framework: Framework,
    /// The framework version the files record, if they do (the Guardrails AI hub template's
    /// `guardrails_ai_version`; NeMo configurations record none).
    pub version: Option<String>,
    /// Kinds checked on input, by enforced and recognised rails.
    pub input_checks: BTreeSet<CheckKind>,
    /// Kinds checked on output, by enforced and recognised rails.
    pub output_checks: BTreeSet<CheckKind>,
    /// Kinds checked on retrieved chunks (NeMo retrieval rails).
    pub retrieval_checks: BTreeSet<CheckKind>,
    /// Every rail, in configuration order.
    pub rails: Vec<Rail>,
    /// Rails configured but not acting on a finding, with the reason.
    pub not_enforced: Vec<String>,
    /// Flow or validator ids with no kind (custom flows, validators not in the table).
    pub unrecognised: Vec<String>,
    /// Files of custom code beside the configuration (NeMo `config.py`, `actions.py` …): they
    /// can replace what a library rail does, which no reader of the configuration can see.
    pub custom_code: Vec<String>,
}

impl GuardrailsConfig {
    fn new(framework: Framework, version: Option<String>) -> GuardrailsConfig {
        GuardrailsConfig {
            framework,
            version,
            input_checks: BTreeSet::new(),
            output_checks: BTreeSet::new(),
            retrieval_checks: BTreeSet::new(),
            rails: Vec::new(),
            not_enforced: Vec::new(),
            unrecognised: Vec::new(),
            custom_code: Vec::new(),
        }
    }

    /// Records a rail and, when it is enforced, its kinds in the set for its position.
    fn push(&mut self, rail: Rail, reason_not_enforced: Option<String>) {
        if rail.kinds.is_empty() {
            self.unrecognised
                .push(format!("{} ({})", rail.id, rail.source));
        }
        if let Some(reason) = reason_not_enforced {
            self.not_enforced
                .push(format!("{} ({}): {reason}", rail.id, rail.source));
        }
        if rail.enforced {
            let set = match rail.position {
                Position::Input => &mut self.input_checks,
                Position::Output => &mut self.output_checks,
                Position::Retrieval => &mut self.retrieval_checks,
            };
            set.extend(rail.kinds.iter().copied());
        }
        self.rails.push(rail);
    }
}

/// Rows of a markdown table in a module's docs, for the tests that keep docs and code equal:
/// the cells of each row under the header that starts with `header`.
#[cfg(test)]
pub(crate) fn doc_table(source: &str, header: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in source.lines() {
        let Some(line) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        let line = line.trim();
        if line.starts_with(header) {
            inside = true;
            continue;
        }
        if !inside || line.starts_with("| ---") {
            continue;
        }
        if !line.starts_with('|') {
            if !rows.is_empty() {
                break;
            }
            continue;
        }
        rows.push(
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect(),
        );
    }
    rows
}

/// `` `a`, `b` `` in a docs cell as names.
#[cfg(test)]
pub(crate) fn doc_names(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(|name| name.trim().trim_matches('`').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in CheckKind::ALL {
            assert_eq!(CheckKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(CheckKind::from_name("Prompt Injection"), None);
    }

    #[test]
    fn noop_and_unknown_rails_add_no_kind() {
        let mut config = GuardrailsConfig::new(Framework::GuardrailsAi, None);
        let rail = |id: &str, kinds: Vec<CheckKind>, enforced| Rail {
            position: Position::Input,
            id: id.to_owned(),
            kinds,
            enforced,
            source: "g.json".to_owned(),
        };
        config.push(
            rail("a/x", vec![CheckKind::Pii], false),
            Some("on_fail is noop".into()),
        );
        config.push(rail("a/y", vec![], true), None);
        assert!(config.input_checks.is_empty());
        assert_eq!(config.not_enforced, ["a/x (g.json): on_fail is noop"]);
        assert_eq!(config.unrecognised, ["a/y (g.json)"]);
        config.push(rail("a/z", vec![CheckKind::Jailbreak], true), None);
        assert_eq!(
            config
                .input_checks
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            ["jailbreak"]
        );
    }
}
