//! NeMo Guardrails configuration folders (NeMo Guardrails 0.24.1, Colang 1.0).
//!
//! The caller passes every file of the folder (`config.yml`, `prompts.yml`, any other
//! `.yml`/`.yaml`, `.co`, `.py`) as [`ConfigFile`]s, named by their path inside the folder,
//! as `RailsConfig.from_path` walks it. Files under `kb/` and of other types are skipped.
//!
//! Read from the YAML files: `rails.input.flows`, `rails.output.flows`,
//! `rails.retrieval.flows`, `rails.config.sensitive_data_detection.<input|output|retrieval>.entities`,
//! `prompts[].task`, `colang_version`, `import_paths`. From `.co` files: the names of the flows
//! they define (`define flow …`, `define subflow …`). Everything else (models, instructions,
//! sample conversations) is skipped, but YAML files with none of NeMo's top-level keys
//! (`models`, `rails`, `prompts`, `instructions`, `colang_version`, `sample_conversation`,
//! `user_messages`, `bot_messages`, `import_paths`) are not a NeMo configuration: an error. NeMo
//! also loads a single `.yml` file as a configuration; pass it as the only file.
//!
//! What NeMo does, and so what this reader does:
//! - every YAML file is loaded and joined; `prompts` are concatenated, but `rails` and
//!   `colang_version` are *replaced* by each file in the order the folder is listed, which the
//!   file system decides. Two files setting `rails` (or different `colang_version`s) are
//!   therefore an error here: the configuration does not say which one applies.
//! - a rail flow must be a library flow or a flow of the configuration's Colang files, or
//!   `LLMRails` refuses the configuration ("The provided input rail flow … does not exist"):
//!   an [`AiError::UnknownFlow`] here.
//! - the rails of the table below need a prompt template (`RailsConfig`'s
//!   `check_prompt_exist_for_self_check_rails`): `self check input` needs `self_check_input`
//!   (or `self_check_input $variant=V` for `self check input $variant=V`), `self check output`
//!   `self_check_output`, `self check facts` `self_check_facts`, `llama guard check
//!   input`/`output` `llama_guard_check_input`/`_output`, `patronus lynx check output
//!   hallucination` `patronus_lynx_check_output_hallucination`, `content safety check input
//!   $model=M` `content_safety_check_input $model=M` (output likewise), `topic safety check
//!   input $model=M` `topic_safety_check_input $model=M`. A missing one is an
//!   [`AiError::MissingPrompt`], as NeMo refuses to load.
//!
//! What this reader adds, failing closed:
//! - a flow the configuration's own `.co` files define counts as `custom` (unrecognised),
//!   even when it has a library flow's name: it replaces that flow.
//! - a library flow configured in the wrong position (an output flow among the input rails)
//!   loads in NeMo but has nothing to check there: it is not enforced.
//! - the sensitive-data rails (`detect`/`mask sensitive data on …`) do nothing when
//!   `rails.config.sensitive_data_detection.<position>.entities` is empty (NeMo's action
//!   returns at once): not enforced.
//! - `guardrailsai check input/output $validator=NAME` takes the kinds of that Guardrails AI
//!   validator (see [`super::guardrails_ai`]; NeMo's short names such as `toxic_language` are
//!   read as `guardrails/toxic_language`).
//! - `.py` files (`config.py`, `actions.py`, `actions/…`) can register actions that replace
//!   what a library rail does; they are listed in [`GuardrailsConfig::custom_code`].
//! - Colang 2.x configurations (rails written as Colang flows, not listed in YAML) and
//!   `import_paths` are not read: [`AiError::Unsupported`].
//!
//! ## Flows
//!
//! Every rail flow of NeMo Guardrails 0.24.1's library, with the direction NeMo's own rail
//! catalog gives it (`nemoguardrails/library/*/rail.py`, `RailSurface.direction`) and its
//! kinds. The kinds follow the rail's catalog `capabilities` (`detect_jailbreak` → jailbreak,
//! `detect_pii` → pii, `content_safety` → content_safety, `fact_check` → hallucination,
//! `topic_control` → topic, `moderate` alone → moderation); where what the rail checks is set
//! by its own configuration (regex, Hugging Face classifier, AutoAlign, Prompt Security's
//! response check) the kind is `pattern` or `custom`. NeMo's self-check rails ask an LLM
//! whether the text breaks the policy written in their prompt: `moderation`, whatever that
//! policy says.
//!
//! | flow | direction | kinds |
//! | --- | --- | --- |
//! | `activefence moderation on input` | input | content_safety, pii |
//! | `activefence moderation on input detailed` | input | content_safety, pii |
//! | `activefence moderation on output` | output | content_safety, pii |
//! | `ai defense inspect prompt` | input | jailbreak, pii, content_safety |
//! | `ai defense inspect response` | output | pii, content_safety |
//! | `alignscore check facts` | output | hallucination |
//! | `autoalign check input` | input | custom |
//! | `autoalign check output` | output | custom |
//! | `autoalign factcheck output` | output | hallucination |
//! | `autoalign groundedness output` | output | hallucination |
//! | `clavata check input` | input | moderation |
//! | `clavata check output` | output | moderation |
//! | `cleanlab trustworthiness` | output | hallucination |
//! | `content safety check input` | input | content_safety |
//! | `content safety check output` | output | content_safety |
//! | `context bloat detection on input` | input | quality |
//! | `context bloat detection on retrieval` | retrieval | quality |
//! | `crowdstrike aidr guard input` | input | jailbreak, pii, content_safety |
//! | `crowdstrike aidr guard output` | output | pii, content_safety |
//! | `detect pii on input` | input | pii |
//! | `detect pii on output` | output | pii |
//! | `detect pii on retrieval` | retrieval | pii |
//! | `detect sensitive data on input` | input | pii |
//! | `detect sensitive data on output` | output | pii |
//! | `detect sensitive data on retrieval` | retrieval | pii |
//! | `f5 guardrails scan input` | input | content_safety |
//! | `f5 guardrails scan output` | output | content_safety |
//! | `fiddler bot faithfulness` | output | hallucination |
//! | `fiddler bot safety` | output | content_safety |
//! | `fiddler user safety` | input | jailbreak, content_safety |
//! | `gcpnlp moderation` | input | content_safety |
//! | `gcpnlp moderation detailed` | input | content_safety |
//! | `gliner detect pii on input` | input | pii |
//! | `gliner detect pii on output` | output | pii |
//! | `gliner detect pii on retrieval` | retrieval | pii |
//! | `gliner mask pii on input` | input | pii |
//! | `gliner mask pii on output` | output | pii |
//! | `gliner mask pii on retrieval` | retrieval | pii |
//! | `guardrailsai check input` | input | (its `$validator`) |
//! | `guardrailsai check output` | output | (its `$validator`) |
//! | `hallucination warning` | output | quality |
//! | `hf classifier check input` | input | custom |
//! | `hf classifier check output` | output | custom |
//! | `hf classifier check retrieval` | retrieval | custom |
//! | `injection detection` | output | unsafe_output |
//! | `jailbreak detection heuristics` | input | jailbreak |
//! | `jailbreak detection model` | input | jailbreak |
//! | `llama guard check input` | input | content_safety |
//! | `llama guard check output` | output | content_safety |
//! | `mask pii on input` | input | pii |
//! | `mask pii on output` | output | pii |
//! | `mask pii on retrieval` | retrieval | pii |
//! | `mask sensitive data on input` | input | pii |
//! | `mask sensitive data on output` | output | pii |
//! | `mask sensitive data on retrieval` | retrieval | pii |
//! | `pangea ai guard input` | input | jailbreak, pii, content_safety |
//! | `pangea ai guard output` | output | pii, content_safety |
//! | `patronus api check output` | output | hallucination |
//! | `patronus lynx check output hallucination` | output | hallucination |
//! | `policyai moderation on input` | input | moderation |
//! | `policyai moderation on output` | output | moderation |
//! | `polygraf detect pii on input` | input | pii |
//! | `polygraf detect pii on output` | output | pii |
//! | `polygraf detect pii on retrieval` | retrieval | pii |
//! | `polygraf mask pii on input` | input | pii |
//! | `polygraf mask pii on output` | output | pii |
//! | `polygraf mask pii on retrieval` | retrieval | pii |
//! | `protect prompt` | input | jailbreak |
//! | `protect response` | output | custom |
//! | `regex check input` | input | pattern |
//! | `regex check output` | output | pattern |
//! | `regex check retrieval` | retrieval | pattern |
//! | `self check facts` | output | hallucination |
//! | `self check hallucination` | output | hallucination |
//! | `self check input` | input | moderation |
//! | `self check output` | output | moderation |
//! | `topic safety check input` | input | topic |
//! | `trend ai guard input` | input | jailbreak, pii, content_safety |
//! | `trend ai guard output` | output | pii, content_safety |
//!
//! `hallucination warning` only adds a warning to the answer, so it is `quality`. NeMo's
//! capability vocabulary has no "prompt injection" (its jailbreak rails and vendor guards
//! cover it under `detect_jailbreak`), so a NeMo configuration never yields `prompt_injection`;
//! a policy asking for injection defence should accept `jailbreak` from NeMo.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{CheckKind, Framework, GuardrailsConfig, Position, Rail, guardrails_ai};
use crate::error::{AiError, escape, named_source, offset_of, span_at};
use crate::source::Source;

/// Largest file of a configuration read, in bytes (4 MiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Most files in one configuration folder.
pub const MAX_FILES: usize = 1_000;

/// Most rail flows over all positions.
pub const MAX_FLOWS: usize = 10_000;

/// One file of a configuration folder: its path inside the folder and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile<'a> {
    /// The path inside the configuration folder, `/`-separated (`config.yml`, `rails/x.co`).
    pub name: &'a str,
    /// Its content.
    pub bytes: &'a [u8],
}

use CheckKind::*;
use Position::{Input, Output, Retrieval};

/// The library's rail flows: name, direction, kinds (see the module docs). `guardrailsai
/// check …` has no kinds of its own.
pub const FLOWS: &[(&str, Position, &[CheckKind])] = &[
    (
        "activefence moderation on input",
        Input,
        &[ContentSafety, Pii],
    ),
    (
        "activefence moderation on input detailed",
        Input,
        &[ContentSafety, Pii],
    ),
    (
        "activefence moderation on output",
        Output,
        &[ContentSafety, Pii],
    ),
    (
        "ai defense inspect prompt",
        Input,
        &[Jailbreak, Pii, ContentSafety],
    ),
    ("ai defense inspect response", Output, &[Pii, ContentSafety]),
    ("alignscore check facts", Output, &[Hallucination]),
    ("autoalign check input", Input, &[Custom]),
    ("autoalign check output", Output, &[Custom]),
    ("autoalign factcheck output", Output, &[Hallucination]),
    ("autoalign groundedness output", Output, &[Hallucination]),
    ("clavata check input", Input, &[Moderation]),
    ("clavata check output", Output, &[Moderation]),
    ("cleanlab trustworthiness", Output, &[Hallucination]),
    ("content safety check input", Input, &[ContentSafety]),
    ("content safety check output", Output, &[ContentSafety]),
    ("context bloat detection on input", Input, &[Quality]),
    (
        "context bloat detection on retrieval",
        Retrieval,
        &[Quality],
    ),
    (
        "crowdstrike aidr guard input",
        Input,
        &[Jailbreak, Pii, ContentSafety],
    ),
    (
        "crowdstrike aidr guard output",
        Output,
        &[Pii, ContentSafety],
    ),
    ("detect pii on input", Input, &[Pii]),
    ("detect pii on output", Output, &[Pii]),
    ("detect pii on retrieval", Retrieval, &[Pii]),
    ("detect sensitive data on input", Input, &[Pii]),
    ("detect sensitive data on output", Output, &[Pii]),
    ("detect sensitive data on retrieval", Retrieval, &[Pii]),
    ("f5 guardrails scan input", Input, &[ContentSafety]),
    ("f5 guardrails scan output", Output, &[ContentSafety]),
    ("fiddler bot faithfulness", Output, &[Hallucination]),
    ("fiddler bot safety", Output, &[ContentSafety]),
    ("fiddler user safety", Input, &[Jailbreak, ContentSafety]),
    ("gcpnlp moderation", Input, &[ContentSafety]),
    ("gcpnlp moderation detailed", Input, &[ContentSafety]),
    ("gliner detect pii on input", Input, &[Pii]),
    ("gliner detect pii on output", Output, &[Pii]),
    ("gliner detect pii on retrieval", Retrieval, &[Pii]),
    ("gliner mask pii on input", Input, &[Pii]),
    ("gliner mask pii on output", Output, &[Pii]),
    ("gliner mask pii on retrieval", Retrieval, &[Pii]),
    ("guardrailsai check input", Input, &[]),
    ("guardrailsai check output", Output, &[]),
    ("hallucination warning", Output, &[Quality]),
    ("hf classifier check input", Input, &[Custom]),
    ("hf classifier check output", Output, &[Custom]),
    ("hf classifier check retrieval", Retrieval, &[Custom]),
    ("injection detection", Output, &[UnsafeOutput]),
    ("jailbreak detection heuristics", Input, &[Jailbreak]),
    ("jailbreak detection model", Input, &[Jailbreak]),
    ("llama guard check input", Input, &[ContentSafety]),
    ("llama guard check output", Output, &[ContentSafety]),
    ("mask pii on input", Input, &[Pii]),
    ("mask pii on output", Output, &[Pii]),
    ("mask pii on retrieval", Retrieval, &[Pii]),
    ("mask sensitive data on input", Input, &[Pii]),
    ("mask sensitive data on output", Output, &[Pii]),
    ("mask sensitive data on retrieval", Retrieval, &[Pii]),
    (
        "pangea ai guard input",
        Input,
        &[Jailbreak, Pii, ContentSafety],
    ),
    ("pangea ai guard output", Output, &[Pii, ContentSafety]),
    ("patronus api check output", Output, &[Hallucination]),
    (
        "patronus lynx check output hallucination",
        Output,
        &[Hallucination],
    ),
    ("policyai moderation on input", Input, &[Moderation]),
    ("policyai moderation on output", Output, &[Moderation]),
    ("polygraf detect pii on input", Input, &[Pii]),
    ("polygraf detect pii on output", Output, &[Pii]),
    ("polygraf detect pii on retrieval", Retrieval, &[Pii]),
    ("polygraf mask pii on input", Input, &[Pii]),
    ("polygraf mask pii on output", Output, &[Pii]),
    ("polygraf mask pii on retrieval", Retrieval, &[Pii]),
    ("protect prompt", Input, &[Jailbreak]),
    ("protect response", Output, &[Custom]),
    ("regex check input", Input, &[Pattern]),
    ("regex check output", Output, &[Pattern]),
    ("regex check retrieval", Retrieval, &[Pattern]),
    ("self check facts", Output, &[Hallucination]),
    ("self check hallucination", Output, &[Hallucination]),
    ("self check input", Input, &[Moderation]),
    ("self check output", Output, &[Moderation]),
    ("topic safety check input", Input, &[Topic]),
    (
        "trend ai guard input",
        Input,
        &[Jailbreak, Pii, ContentSafety],
    ),
    ("trend ai guard output", Output, &[Pii, ContentSafety]),
];

/// The library flow of that name: its direction and kinds.
pub fn library_flow(name: &str) -> Option<(Position, &'static [CheckKind])> {
    FLOWS
        .iter()
        .find(|(flow, _, _)| *flow == name)
        .map(|(_, position, kinds)| (*position, *kinds))
}

/// The prompt task a rail needs, if it needs one (NeMo's own check, see the module docs).
/// Returns the accepted task names: the current one first, then a deprecated alternative.
fn required_prompt(position: Position, flow: &Flow) -> Option<Vec<String>> {
    let model = |task: &str| {
        flow.params
            .get("model")
            .map(|model| vec![format!("{task} $model={model}")])
    };
    let self_check = |default: &str| match flow.params.get("variant") {
        Some(variant) if variant != default => Some(vec![
            format!("{default} $variant={variant}"),
            variant.clone(),
        ]),
        _ => Some(vec![default.to_owned()]),
    };
    match (position, flow.name.as_str()) {
        (Input, "self check input") => self_check("self_check_input"),
        (Output, "self check output") => self_check("self_check_output"),
        (Output, "self check facts") => Some(vec!["self_check_facts".to_owned()]),
        (Input, "llama guard check input") => Some(vec!["llama_guard_check_input".to_owned()]),
        (Output, "llama guard check output") => Some(vec!["llama_guard_check_output".to_owned()]),
        (Output, "patronus lynx check output hallucination") => {
            Some(vec!["patronus_lynx_check_output_hallucination".to_owned()])
        }
        (Input, "content safety check input") => model("content_safety_check_input"),
        (Output, "content safety check output") => model("content_safety_check_output"),
        (Input, "topic safety check input") => model("topic_safety_check_input"),
        _ => None,
    }
}

/// A rail flow as configured: `name $param=value …`.
struct Flow {
    text: String,
    name: String,
    params: BTreeMap<String, String>,
}

impl Flow {
    /// Splits NeMo's "configured surface" syntax: a name, then `$key=value` parameters
    /// separated by whitespace (values may be quoted).
    fn parse(text: &str) -> Option<Flow> {
        if text.chars().any(|c| c.is_control() && c != '\t') {
            return None;
        }
        let trimmed = text.trim();
        let (name, mut rest) = match trimmed.find('$') {
            Some(at) => (trimmed[..at].trim_end(), &trimmed[at..]),
            None => (trimmed, ""),
        };
        if name.is_empty() {
            return None;
        }
        let mut params = BTreeMap::new();
        while let Some(param) = rest.strip_prefix('$') {
            let eq = param.find('=')?;
            let key = &param[..eq];
            if key.is_empty() || !key.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            let value_text = &param[eq + 1..];
            let (value, after) = match value_text.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let end = value_text[1..].find(quote)? + 1;
                    (&value_text[1..end], &value_text[end + 1..])
                }
                _ => {
                    let end = value_text
                        .find(char::is_whitespace)
                        .unwrap_or(value_text.len());
                    (&value_text[..end], &value_text[end..])
                }
            };
            if value.is_empty() || params.insert(key.to_owned(), value.to_owned()).is_some() {
                return None;
            }
            rest = after.trim_start();
        }
        if !rest.is_empty() {
            return None;
        }
        Some(Flow {
            text: trimmed.to_owned(),
            name: name.to_owned(),
            params,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    colang_version: Option<Spanned<Scalar>>,
    rails: Option<Spanned<RawRails>>,
    prompts: Option<Vec<RawPrompt>>,
    import_paths: Option<Vec<String>>,
    // Only to recognise a NeMo configuration: a YAML file with none of NeMo's keys is not one.
    models: Option<serde::de::IgnoredAny>,
    instructions: Option<serde::de::IgnoredAny>,
    sample_conversation: Option<serde::de::IgnoredAny>,
    user_messages: Option<serde::de::IgnoredAny>,
    bot_messages: Option<serde::de::IgnoredAny>,
}

impl RawConfig {
    fn is_nemo(&self) -> bool {
        self.colang_version.is_some()
            || self.rails.is_some()
            || self.prompts.is_some()
            || self.import_paths.is_some()
            || self.models.is_some()
            || self.instructions.is_some()
            || self.sample_conversation.is_some()
            || self.user_messages.is_some()
            || self.bot_messages.is_some()
    }
}

/// `colang_version` is written `1.0` (a float to YAML) or `"2.x"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(f64),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Number(number) if number.fract() == 0.0 => format!("{number:.1}"),
            Scalar::Number(number) => number.to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRails {
    input: Option<RawFlows>,
    output: Option<RawFlows>,
    retrieval: Option<RawFlows>,
    config: Option<RawRailsConfig>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawFlows {
    flows: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRailsConfig {
    sensitive_data_detection: Option<RawSensitiveData>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawSensitiveData {
    input: Option<RawEntities>,
    output: Option<RawEntities>,
    retrieval: Option<RawEntities>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawEntities {
    entities: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawPrompt {
    task: String,
}

/// Reads a NeMo Guardrails configuration folder; `config_name` (the folder) names it in
/// errors that are about the whole configuration.
pub fn parse(config_name: &str, files: &[ConfigFile<'_>]) -> Result<GuardrailsConfig, AiError> {
    if files.len() > MAX_FILES {
        return Err(AiError::Limit {
            name: config_name.to_owned(),
            what: format!("{} files in the configuration folder", files.len()),
            limit: MAX_FILES as u64,
        });
    }
    let mut files: Vec<&ConfigFile<'_>> = files.iter().collect();
    // The listing order must not matter: sort by name.
    files.sort_by(|a, b| a.name.cmp(b.name));
    let mut config = GuardrailsConfig::new(Framework::NemoGuardrails, None);
    let mut yaml_files = 0usize;
    let mut recognised = false;
    let mut rails: Option<(&str, &str, Spanned<RawRails>)> = None;
    let mut colang_version: Option<(String, &str)> = None;
    let mut prompts: BTreeSet<String> = BTreeSet::new();
    let mut colang_flows: BTreeMap<String, String> = BTreeMap::new();
    for file in &files {
        let name = file.name;
        if name.split('/').next() == Some("kb") {
            continue;
        }
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match extension.as_deref() {
            Some("yml" | "yaml") => {
                yaml_files += 1;
                let source = Source::decode(file.bytes, name, MAX_FILE_BYTES)?;
                let raw: Option<RawConfig> = crate::yaml::from_source(&source)?;
                let Some(raw) = raw else { continue };
                recognised |= raw.is_nemo();
                if raw
                    .import_paths
                    .as_ref()
                    .is_some_and(|paths| !paths.is_empty())
                {
                    return Err(source.unsupported(
                        "import_paths are not followed: the imported configurations are outside this folder",
                    ));
                }
                if let Some(version) = raw.colang_version {
                    let text = version.value.text();
                    if let Some((previous, previous_file)) = &colang_version
                        && previous != &text
                    {
                        return Err(AiError::Inconsistent {
                            name: config_name.to_owned(),
                            reason: escape(&format!(
                                "colang_version is {previous} in {previous_file} and {text} in {name}; NeMo keeps whichever file it lists last"
                            )),
                        });
                    }
                    colang_version = Some((text, name));
                }
                for prompt in raw.prompts.unwrap_or_default() {
                    prompts.insert(prompt.task);
                }
                if let Some(new) = raw.rails {
                    if let Some((previous_file, _, _)) = &rails {
                        return Err(AiError::Inconsistent {
                            name: config_name.to_owned(),
                            reason: escape(&format!(
                                "both {previous_file} and {name} set `rails`; NeMo keeps whichever file it lists last"
                            )),
                        });
                    }
                    rails = Some((name, source.text, new));
                }
            }
            Some("co") => {
                let source = Source::decode(file.bytes, name, MAX_FILE_BYTES)?;
                for flow in colang_flow_names(source.text) {
                    colang_flows.entry(flow).or_insert_with(|| name.to_owned());
                }
            }
            Some("py") => config.custom_code.push(name.to_owned()),
            _ => {}
        }
    }
    if yaml_files == 0 {
        return Err(AiError::UnknownFormat {
            name: config_name.to_owned(),
            expected: "a NeMo Guardrails configuration (a folder with config.yml)",
            found: "no .yml or .yaml file".to_owned(),
        });
    }
    if !recognised {
        return Err(AiError::UnknownFormat {
            name: config_name.to_owned(),
            expected: "a NeMo Guardrails configuration (a folder with config.yml)",
            found: "YAML with none of NeMo's keys (models, rails, prompts, instructions, colang_version …)"
                .to_owned(),
        });
    }
    if let Some((version, file)) = &colang_version
        && version != "1.0"
    {
        return Err(AiError::Unsupported {
            name: config_name.to_owned(),
            reason: escape(&format!(
                "{file}: colang_version {version}; only Colang 1.0 configurations (rails listed in YAML) are read"
            )),
        });
    }
    let Some((rails_file, rails_text, rails)) = rails else {
        // No rails: a configuration that checks nothing. That is a fact, not an error.
        return Ok(config);
    };
    let source = Source {
        name: rails_file,
        text: rails_text,
    };
    let rails = rails.value;
    let entities = rails
        .config
        .and_then(|config| config.sensitive_data_detection)
        .unwrap_or_default();
    let mut count = 0usize;
    for (position, flows, entities) in [
        (Input, rails.input, entities.input),
        (Output, rails.output, entities.output),
        (Retrieval, rails.retrieval, entities.retrieval),
    ] {
        let has_entities = entities
            .and_then(|e| e.entities)
            .is_some_and(|list| !list.is_empty());
        for flow_text in flows.and_then(|f| f.flows).unwrap_or_default() {
            count += 1;
            if count > MAX_FLOWS {
                return Err(source.limit("more rail flows", MAX_FLOWS as u64));
            }
            let offset = offset_of(
                source.text,
                usize::try_from(flow_text.referenced.line()).unwrap_or(usize::MAX),
                usize::try_from(flow_text.referenced.column()).unwrap_or(usize::MAX),
            );
            let Some(flow) = Flow::parse(&flow_text.value) else {
                return Err(source.invalid(
                    &format!("rails.{}.flows", position.as_str()),
                    offset,
                    &format!(
                        "{:?} is not a flow name with `$key=value` parameters",
                        flow_text.value
                    ),
                ));
            };
            let (rail, not_enforced) = judge(
                position,
                &flow,
                &colang_flows,
                has_entities,
                &prompts,
                config_name,
                &source,
                offset,
            )?;
            config.push(rail, not_enforced);
        }
    }
    Ok(config)
}

/// One configured flow: what it checks, whether it acts, or why the configuration is wrong.
#[allow(clippy::too_many_arguments)]
fn judge(
    position: Position,
    flow: &Flow,
    colang_flows: &BTreeMap<String, String>,
    has_entities: bool,
    prompts: &BTreeSet<String>,
    config_name: &str,
    source: &Source<'_>,
    offset: usize,
) -> Result<(Rail, Option<String>), AiError> {
    let rail = |kinds: Vec<CheckKind>, enforced: bool| Rail {
        position,
        id: flow.text.clone(),
        kinds,
        enforced,
        source: source.name.to_owned(),
    };
    if let Some(file) = colang_flows.get(&flow.name) {
        // The configuration's own flow, possibly replacing the library's.
        let why = match library_flow(&flow.name) {
            Some(_) => format!("defined in {file}, replacing the library flow"),
            None => format!("defined in {file}"),
        };
        let mut rail = rail(Vec::new(), true);
        rail.source = format!("{}; {why}", source.name);
        return Ok((rail, None));
    }
    let Some((direction, kinds)) = library_flow(&flow.name) else {
        let (line, column) = crate::error::line_column(source.text, offset);
        return Err(AiError::UnknownFlow {
            name: source.name.to_owned(),
            line,
            column,
            flow: escape(&flow.text),
            src: named_source(source.name, source.text),
            span: span_at(source.text, offset),
        });
    };
    if let Some(tasks) = required_prompt(position, flow)
        && !tasks.iter().any(|task| prompts.contains(task))
    {
        return Err(AiError::MissingPrompt {
            name: config_name.to_owned(),
            flow: escape(&flow.text),
            task: escape(&tasks[0]),
        });
    }
    let mut kinds = kinds.to_vec();
    if flow.name.starts_with("guardrailsai check") {
        kinds = match flow.params.get("validator") {
            Some(validator) if validator.contains('/') => guardrails_ai::validator_kinds(validator),
            Some(validator) => guardrails_ai::validator_kinds(&format!("guardrails/{validator}")),
            None => Vec::new(),
        };
    }
    if direction != position {
        return Ok((
            rail(kinds, false),
            Some(format!(
                "a {} flow configured as a {} rail has nothing to check there",
                direction.as_str(),
                position.as_str()
            )),
        ));
    }
    if flow.name.contains("sensitive data on") && !has_entities {
        return Ok((
            rail(kinds, false),
            Some(format!(
                "rails.config.sensitive_data_detection.{}.entities is empty, so NeMo detects nothing",
                position.as_str()
            )),
        ));
    }
    Ok((rail(kinds, true), None))
}

/// Names of the flows a Colang 1.0 file defines (`define flow X`, `define subflow X`).
fn colang_flow_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("define flow ")
                .or_else(|| line.strip_prefix("define subflow "))?;
            let name = rest.split('#').next().unwrap_or(rest).trim();
            (!name.is_empty()).then(|| name.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{doc_names, doc_table};

    #[test]
    fn flow_table_matches_the_docs() {
        let rows = doc_table(include_str!("nemo.rs"), "| flow |");
        assert_eq!(rows.len(), FLOWS.len());
        for (row, (flow, position, kinds)) in rows.iter().zip(FLOWS) {
            assert_eq!(doc_names(&row[0]), vec![flow.to_string()]);
            assert_eq!(row[1], position.as_str(), "{flow}");
            let doc_kinds: Vec<CheckKind> = doc_names(&row[2])
                .iter()
                .filter_map(|name| CheckKind::from_name(name))
                .collect();
            assert_eq!(doc_kinds.as_slice(), *kinds, "{flow}");
        }
        let mut names: Vec<&str> = FLOWS.iter().map(|(flow, _, _)| *flow).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FLOWS.len(), "duplicate flows");
    }

    #[test]
    fn flow_syntax() {
        let flow = Flow::parse("content safety check input $model=content_safety").unwrap();
        assert_eq!(flow.name, "content safety check input");
        assert_eq!(flow.params["model"], "content_safety");
        let flow = Flow::parse("  self check input $variant='strict one'  $x=1").unwrap();
        assert_eq!(flow.params["variant"], "strict one");
        assert_eq!(flow.params["x"], "1");
        assert!(Flow::parse("").is_none());
        assert!(Flow::parse("$model=x").is_none());
        assert!(Flow::parse("a $model=").is_none());
        assert!(Flow::parse("a $model=x $model=y").is_none());
        assert!(Flow::parse("a\u{1b}b").is_none());
        assert!(Flow::parse("a $m=x junk").is_none());
    }

    #[test]
    fn colang_definitions() {
        let names = colang_flow_names(
            "define user ask\n  \"hi\"\n\ndefine flow   check   tickets  # mine\n  user ask\n  define subflow self check input\n",
        );
        assert_eq!(names, ["check tickets", "self check input"]);
    }

    fn files<'a>(list: &'a [(&'a str, &'a str)]) -> Vec<ConfigFile<'a>> {
        list.iter()
            .map(|(name, text)| ConfigFile {
                name,
                bytes: text.as_bytes(),
            })
            .collect()
    }

    #[test]
    fn prompts_and_positions() {
        let config_yml = "rails:\n  input:\n    flows: [self check input, self check output]\n  output:\n    flows:\n      - content safety check output $model=cs\n";
        let error = parse("cfg", &files(&[("config.yml", config_yml)])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cfg: the rail \"self check input\" needs a `self_check_input` prompt, and no prompts file defines it"
        );
        let prompts = "prompts:\n  - task: self_check_input\n    content: x\n  - task: content_safety_check_output $model=cs\n    content: y\n";
        let config = parse(
            "cfg",
            &files(&[("config.yml", config_yml), ("prompts.yml", prompts)]),
        )
        .unwrap();
        assert_eq!(
            config
                .input_checks
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            ["moderation"]
        );
        assert_eq!(
            config
                .output_checks
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            ["content_safety"]
        );
        assert_eq!(
            config.not_enforced,
            [
                "self check output (config.yml): a output flow configured as a input rail has nothing to check there"
            ]
        );
    }

    #[test]
    fn sensitive_data_needs_entities() {
        let without = "rails:\n  input:\n    flows: [mask sensitive data on input]\n";
        let config = parse("cfg", &files(&[("config.yml", without)])).unwrap();
        assert!(config.input_checks.is_empty());
        assert_eq!(config.not_enforced.len(), 1);
        let with = "rails:\n  config:\n    sensitive_data_detection:\n      input:\n        entities: [PERSON, EMAIL_ADDRESS]\n  input:\n    flows: [mask sensitive data on input]\n";
        let config = parse("cfg", &files(&[("config.yml", with)])).unwrap();
        assert_eq!(config.input_checks.iter().collect::<Vec<_>>(), [&Pii]);
    }

    #[test]
    fn custom_flows_validators_and_code() {
        let yml = "rails:\n  input:\n    flows:\n      - jailbreak detection heuristics\n      - check tickets\n      - guardrailsai check input $validator=detect_jailbreak\n  output:\n    flows: [guardrailsai check output $validator=guardrails/detect_pii]\n";
        let co = "define flow check tickets\n  $ok = execute check_tickets\n";
        let config = parse(
            "cfg",
            &files(&[
                ("config.yml", yml),
                ("rails.co", co),
                ("actions.py", "x = 1"),
            ]),
        )
        .unwrap();
        assert_eq!(config.input_checks.iter().collect::<Vec<_>>(), [&Jailbreak]);
        assert_eq!(config.output_checks.iter().collect::<Vec<_>>(), [&Pii]);
        assert_eq!(
            config.unrecognised,
            ["check tickets (config.yml; defined in rails.co)"]
        );
        assert_eq!(config.custom_code, ["actions.py"]);
        // A .co flow with a library flow's name replaces it.
        let co = "define subflow jailbreak detection heuristics\n  stop\n";
        let config = parse(
            "cfg",
            &files(&[
                ("config.yml", yml),
                ("z.co", co),
                ("rails.co", "define flow check tickets\n"),
            ]),
        )
        .unwrap();
        assert!(
            config.unrecognised[0].contains("replacing the library flow"),
            "{:?}",
            config.unrecognised
        );
        assert_eq!(config.input_checks.iter().collect::<Vec<_>>(), [&Jailbreak]);
    }

    #[test]
    fn refusals() {
        let yml = "rails:\n  input:\n    flows:\n      - check for prompt injection\n";
        let error = parse("cfg", &files(&[("config.yml", yml)])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "config.yml:4:9: unknown rail flow \"check for prompt injection\""
        );
        let error = parse(
            "cfg",
            &files(&[("a.yml", "rails: {}\n"), ("b.yml", "rails: {}\n")]),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("both a.yml and b.yml set `rails`"),
            "{error}"
        );
        let error = parse(
            "cfg",
            &files(&[("config.yml", "colang_version: \"2.x\"\n")]),
        )
        .unwrap_err();
        assert!(error.to_string().contains("only Colang 1.0"), "{error}");
        let config = parse("cfg", &files(&[("config.yml", "colang_version: 1.0\n")])).unwrap();
        assert!(config.rails.is_empty());
        let error = parse("cfg", &files(&[("config.yml", "import_paths: [x]\n")])).unwrap_err();
        assert!(error.to_string().contains("import_paths"), "{error}");
        let error = parse(
            "cfg",
            &files(&[
                ("deploy.yml", "apiVersion: v1\nkind: Pod\n"),
                ("empty.yml", ""),
            ]),
        )
        .unwrap_err();
        assert!(error.to_string().contains("none of NeMo's keys"), "{error}");
        let error = parse("cfg", &files(&[("notes.md", "hi")])).unwrap_err();
        assert!(
            error.to_string().contains("no .yml or .yaml file"),
            "{error}"
        );
        let error = parse(
            "cfg",
            &files(&[("config.yml", "rails:\n  input:\n    flows: [1, [2]]\n")]),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("config.yml:3:"), "{error}");
    }
}
