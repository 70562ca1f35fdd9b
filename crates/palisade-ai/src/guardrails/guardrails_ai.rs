//! Guardrails AI guards (Guardrails AI 0.11.0): a guard exported as JSON, or a `.rail` spec.
//!
//! ## JSON
//!
//! `Guard.to_dict()` writes `{"name", "description", "validators": [...], "output_schema",
//! "id", "history"}`; `guardrails create` (and the template that `guardrails start` serves)
//! wraps guards as `{"name", "namespace", "template_version", "guardrails_ai_version",
//! "guards": [ ... ]}`. Both are read, and so is a JSON array of guards. Each validator is
//! `{"id": "guardrails/ban_list", "on": "$", "onFail": "exception", "kwargs": {...}}`; only
//! `id`, `on` and `onFail` are read (kwargs are the validator's own business: banned words,
//! thresholds …).
//!
//! ## RAIL
//!
//! `<rail version="0.1">` with an `<output>` element and optionally `<messages>`. `<messages>`
//! and any element inside `<output>` may carry `validators="id: {args} {args}; id2"` and
//! `on-fail-<id with / as _>="action"` attributes, as `Guard.for_rail` reads them; a
//! `validators` attribute anywhere else is never run by Guardrails 0.11 (`<prompt>` and
//! `<instructions>` are no longer read), and is an error. Arguments (Python literals that Guardrails
//! evaluates) are never evaluated here: only the ids are taken. A DTD is refused.
//!
//! ## Input or output
//!
//! A validator's `on` says what it validates: `messages` (and the older `prompt`,
//! `instructions`, `msg_history`) is the **input** sent to the model; `$` or a JSON path
//! `$.field` (`Guard.use(..., on="output")`, the default) is the **output**. In RAIL,
//! validators inside `<messages>` are input, inside `<output>` output. A guard that an
//! application calls with the user's text as its "output" (`guard.validate(user_text)`)
//! cannot be told apart in its file from an output guard, so it counts as output. Any other
//! `on` value is an error.
//!
//! ## Enforced or not
//!
//! A validator acts on a failure when its on-fail action is `exception`, `fix`, `filter`,
//! `refrain`, `reask` or `fix_reask`. `noop` only records the failure and `custom` runs code
//! the file does not contain, so such validators are listed as not enforced and add no kind.
//! A JSON validator with no `onFail` gets Guardrails' default, `exception`; a RAIL validator
//! with no `on-fail-…` attribute gets RAIL's default, `noop`. An action Guardrails does not
//! know is an error.
//!
//! ## Validator ids
//!
//! Hub validators register as `guardrails/<package name with _>` (checked on ten packages:
//! ban_list, regex_match, secrets_present, detect_system_prompt_leakage,
//! detect_prompt_injection, detect_jailbreak, guardrails_pii, unusual_prompt, and
//! `tryolabs/restricttotopic`, the one exception). A `hub://` prefix is dropped. Every
//! validator of the Guardrails hub on PyPI is in this table; an id not in it is unrecognised.
//!
//! | validator id | kinds |
//! | --- | --- |
//! | `guardrails/detect_prompt_injection` | prompt_injection |
//! | `guardrails/prompt_injection_detector` | prompt_injection |
//! | `guardrails/detect_jailbreak` | jailbreak |
//! | `guardrails/unusual_prompt` | jailbreak |
//! | `guardrails/detect_pii` | pii |
//! | `guardrails/guardrails_pii` | pii |
//! | `guardrails/presidio_gliner_pii` | pii |
//! | `guardrails/secrets_present` | secrets |
//! | `guardrails/detect_system_prompt_leakage` | system_prompt_leak |
//! | `guardrails/toxic_language` | toxicity |
//! | `guardrails/toxic_language_llm` | toxicity |
//! | `guardrails/bert_toxic` | toxicity |
//! | `guardrails/profanity_free` | toxicity |
//! | `guardrails/nsfw_text` | toxicity |
//! | `guardrails/llamaguard_7b` | content_safety |
//! | `guardrails/shieldgemma_2b` | content_safety |
//! | `guardrails/restrict_to_topic` | topic |
//! | `tryolabs/restricttotopic` | topic |
//! | `guardrails/sensitive_topics` | topic |
//! | `guardrails/provenance_llm` | hallucination |
//! | `guardrails/provenance_embeddings` | hallucination |
//! | `guardrails/provenance_nli` | hallucination |
//! | `guardrails/wiki_provenance` | hallucination |
//! | `guardrails/extracted_summary_sentences_match` | hallucination |
//! | `guardrails/similar_to_document` | hallucination |
//! | `guardrails/web_sanitization` | unsafe_output |
//! | `guardrails/exclude_sql_predicates` | unsafe_output |
//! | `guardrails/ban_list` | deny_list |
//! | `guardrails/competitor_check` | deny_list |
//! | `guardrails/mentions_drugs` | deny_list |
//! | `guardrails/internal_domains` | deny_list |
//! | `guardrails/regex_match` | pattern |
//! | `guardrails/bias_check` | quality |
//! | `guardrails/contains_string` | quality |
//! | `guardrails/cucumber_expression_match` | quality |
//! | `guardrails/endpoint_is_reachable` | quality |
//! | `guardrails/ends_with` | quality |
//! | `guardrails/gibberish_text` | quality |
//! | `guardrails/has_url` | quality |
//! | `guardrails/llm_critic` | quality |
//! | `guardrails/logic_check` | quality |
//! | `guardrails/lowercase` | quality |
//! | `guardrails/one_line` | quality |
//! | `guardrails/politeness_check` | quality |
//! | `guardrails/qa_relevance_llm_eval` | quality |
//! | `guardrails/quotes_price` | quality |
//! | `guardrails/reading_level` | quality |
//! | `guardrails/reading_time` | quality |
//! | `guardrails/redundant_sentences` | quality |
//! | `guardrails/relevancy_evaluator` | quality |
//! | `guardrails/response_evaluator` | quality |
//! | `guardrails/responsiveness_check` | quality |
//! | `guardrails/saliency_check` | quality |
//! | `guardrails/similar_to_previous_values` | quality |
//! | `guardrails/two_words` | quality |
//! | `guardrails/uppercase` | quality |
//! | `guardrails/valid_address` | quality |
//! | `guardrails/valid_choices` | quality |
//! | `guardrails/valid_html` | quality |
//! | `guardrails/valid_json` | quality |
//! | `guardrails/valid_length` | quality |
//! | `guardrails/valid_open_api_spec` | quality |
//! | `guardrails/valid_range` | quality |
//! | `guardrails/valid_sql` | quality |
//! | `guardrails/valid_url` | quality |
//!
//! A ban list or a regular expression is not a prompt-injection detector, whatever words it
//! lists: they count as `deny_list` and `pattern`, and a policy decides whether those are
//! enough.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;
use serde_json::Value;

use super::{CheckKind, Framework, GuardrailsConfig, Position, Rail};
use crate::error::AiError;
use crate::source::{MAX_DEPTH, Source, json_kind};

/// Largest guard file read, in bytes (4 MiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Most guards in one file.
pub const MAX_GUARDS: usize = 10_000;

/// Most validators over all guards of one file.
pub const MAX_VALIDATORS: usize = 100_000;

use CheckKind::*;

/// Validator ids and the kinds they check (see the module docs).
pub const VALIDATORS: &[(&str, &[CheckKind])] = &[
    ("guardrails/detect_prompt_injection", &[PromptInjection]),
    ("guardrails/prompt_injection_detector", &[PromptInjection]),
    ("guardrails/detect_jailbreak", &[Jailbreak]),
    ("guardrails/unusual_prompt", &[Jailbreak]),
    ("guardrails/detect_pii", &[Pii]),
    ("guardrails/guardrails_pii", &[Pii]),
    ("guardrails/presidio_gliner_pii", &[Pii]),
    ("guardrails/secrets_present", &[Secrets]),
    (
        "guardrails/detect_system_prompt_leakage",
        &[SystemPromptLeak],
    ),
    ("guardrails/toxic_language", &[Toxicity]),
    ("guardrails/toxic_language_llm", &[Toxicity]),
    ("guardrails/bert_toxic", &[Toxicity]),
    ("guardrails/profanity_free", &[Toxicity]),
    ("guardrails/nsfw_text", &[Toxicity]),
    ("guardrails/llamaguard_7b", &[ContentSafety]),
    ("guardrails/shieldgemma_2b", &[ContentSafety]),
    ("guardrails/restrict_to_topic", &[Topic]),
    ("tryolabs/restricttotopic", &[Topic]),
    ("guardrails/sensitive_topics", &[Topic]),
    ("guardrails/provenance_llm", &[Hallucination]),
    ("guardrails/provenance_embeddings", &[Hallucination]),
    ("guardrails/provenance_nli", &[Hallucination]),
    ("guardrails/wiki_provenance", &[Hallucination]),
    (
        "guardrails/extracted_summary_sentences_match",
        &[Hallucination],
    ),
    ("guardrails/similar_to_document", &[Hallucination]),
    ("guardrails/web_sanitization", &[UnsafeOutput]),
    ("guardrails/exclude_sql_predicates", &[UnsafeOutput]),
    ("guardrails/ban_list", &[DenyList]),
    ("guardrails/competitor_check", &[DenyList]),
    ("guardrails/mentions_drugs", &[DenyList]),
    ("guardrails/internal_domains", &[DenyList]),
    ("guardrails/regex_match", &[Pattern]),
    ("guardrails/bias_check", &[Quality]),
    ("guardrails/contains_string", &[Quality]),
    ("guardrails/cucumber_expression_match", &[Quality]),
    ("guardrails/endpoint_is_reachable", &[Quality]),
    ("guardrails/ends_with", &[Quality]),
    ("guardrails/gibberish_text", &[Quality]),
    ("guardrails/has_url", &[Quality]),
    ("guardrails/llm_critic", &[Quality]),
    ("guardrails/logic_check", &[Quality]),
    ("guardrails/lowercase", &[Quality]),
    ("guardrails/one_line", &[Quality]),
    ("guardrails/politeness_check", &[Quality]),
    ("guardrails/qa_relevance_llm_eval", &[Quality]),
    ("guardrails/quotes_price", &[Quality]),
    ("guardrails/reading_level", &[Quality]),
    ("guardrails/reading_time", &[Quality]),
    ("guardrails/redundant_sentences", &[Quality]),
    ("guardrails/relevancy_evaluator", &[Quality]),
    ("guardrails/response_evaluator", &[Quality]),
    ("guardrails/responsiveness_check", &[Quality]),
    ("guardrails/saliency_check", &[Quality]),
    ("guardrails/similar_to_previous_values", &[Quality]),
    ("guardrails/two_words", &[Quality]),
    ("guardrails/uppercase", &[Quality]),
    ("guardrails/valid_address", &[Quality]),
    ("guardrails/valid_choices", &[Quality]),
    ("guardrails/valid_html", &[Quality]),
    ("guardrails/valid_json", &[Quality]),
    ("guardrails/valid_length", &[Quality]),
    ("guardrails/valid_open_api_spec", &[Quality]),
    ("guardrails/valid_range", &[Quality]),
    ("guardrails/valid_sql", &[Quality]),
    ("guardrails/valid_url", &[Quality]),
];

/// The kinds a validator id checks; empty when the id is not in [`VALIDATORS`].
pub fn validator_kinds(id: &str) -> Vec<CheckKind> {
    let id = id.strip_prefix("hub://").unwrap_or(id);
    VALIDATORS
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, kinds)| kinds.to_vec())
        .unwrap_or_default()
}

/// On-fail actions Guardrails AI 0.11.0 knows (`OnFailAction`), and whether each acts.
const ON_FAIL: &[(&str, bool)] = &[
    ("exception", true),
    ("fix", true),
    ("filter", true),
    ("refrain", true),
    ("reask", true),
    ("fix_reask", true),
    ("noop", false),
    ("custom", false),
];

const EXPECTED_JSON: &str =
    "a Guardrails AI guard (Guard.to_dict(), a list of guards, or {\"guards\": [...]})";

/// Parses a guard exported as JSON.
pub fn parse_json(bytes: &[u8], name: &str) -> Result<GuardrailsConfig, AiError> {
    let source = Source::decode(bytes, name, MAX_FILE_BYTES)?;
    source.check_json_depth(source.text, MAX_DEPTH)?;
    let document: Value = source.json(source.text)?;
    // Each guard with the JSON pointer of where it sits in the file.
    let (version, guards): (Option<String>, Vec<(String, &Value)>) = match &document {
        Value::Object(object) if object.contains_key("guards") => {
            let version = match object.get("guardrails_ai_version") {
                None | Some(Value::Null) => None,
                Some(Value::String(version)) => Some(version.clone()),
                Some(other) => {
                    let pointer = "/guardrails_ai_version";
                    return Err(source.invalid(
                        pointer,
                        source.locate(pointer),
                        &format!("expected a string, found {}", json_kind(&other.to_string())),
                    ));
                }
            };
            match object.get("guards") {
                Some(Value::Array(guards)) => (
                    version,
                    guards
                        .iter()
                        .enumerate()
                        .map(|(i, guard)| (format!("/guards/{i}"), guard))
                        .collect(),
                ),
                _ => {
                    return Err(source.invalid(
                        "/guards",
                        source.locate("/guards"),
                        "expected an array of guards",
                    ));
                }
            }
        }
        Value::Object(object) if object.contains_key("validators") => {
            (None, vec![(String::new(), &document)])
        }
        Value::Array(guards) => (
            None,
            guards
                .iter()
                .enumerate()
                .map(|(i, guard)| (format!("/{i}"), guard))
                .collect(),
        ),
        Value::Object(object) => {
            let keys: Vec<&str> = object.keys().take(5).map(String::as_str).collect();
            return Err(source.unknown_format(
                EXPECTED_JSON,
                &format!("an object with keys {keys:?} and no \"validators\" or \"guards\""),
            ));
        }
        other => {
            return Err(source.unknown_format(
                EXPECTED_JSON,
                &format!("the top level is {}", json_kind(&other.to_string())),
            ));
        }
    };
    if guards.len() > MAX_GUARDS {
        return Err(source.limit(format!("{} guards", guards.len()), MAX_GUARDS as u64));
    }
    let invalid =
        |pointer: String, reason: &str| source.invalid(&pointer, source.locate(&pointer), reason);
    let mut config = GuardrailsConfig::new(Framework::GuardrailsAi, version);
    let mut count = 0usize;
    for (index, (base, guard)) in guards.into_iter().enumerate() {
        let guard: Guard = serde_path_to_error::deserialize(guard).map_err(|error| {
            let pointer = format!("{base}{}", crate::source::pointer_of(error.path()));
            invalid(pointer, &error.into_inner().to_string())
        })?;
        let guard_name = guard.name.unwrap_or_else(|| format!("guard {index}"));
        for (number, validator) in guard.validators.into_iter().enumerate() {
            count += 1;
            if count > MAX_VALIDATORS {
                return Err(source.limit("more validators", MAX_VALIDATORS as u64));
            }
            let at = format!("{base}/validators/{number}");
            let Some(position) = position_of_on(&validator.on) else {
                return Err(invalid(
                    format!("{at}/on"),
                    &format!(
                        "validator {} is on {:?}; Guardrails validates \"messages\" (input) or \"$\"/\"$.field\" (output)",
                        validator.id, validator.on
                    ),
                ));
            };
            // No `onFail`: Guardrails gives the validator its default, exception.
            let action = validator.on_fail.as_deref().unwrap_or("exception");
            let Some(enforced) = on_fail_acts(action) else {
                return Err(invalid(
                    format!("{at}/onFail"),
                    &format!(
                        "validator {}: unknown on-fail action {action:?}",
                        validator.id
                    ),
                ));
            };
            config.push(
                Rail {
                    position,
                    kinds: validator_kinds(&validator.id),
                    id: validator.id,
                    enforced,
                    source: format!("{name}: {guard_name}"),
                },
                (!enforced).then(|| format!("on-fail action is {action}")),
            );
        }
    }
    Ok(config)
}

#[derive(Deserialize)]
struct Guard {
    name: Option<String>,
    validators: Vec<ValidatorReference>,
}

#[derive(Deserialize)]
struct ValidatorReference {
    id: String,
    #[serde(default = "output_path")]
    on: String,
    #[serde(rename = "onFail", alias = "on_fail")]
    on_fail: Option<String>,
}

fn output_path() -> String {
    "$".to_owned()
}

fn position_of_on(on: &str) -> Option<Position> {
    match on {
        "messages" | "prompt" | "instructions" | "msg_history" => Some(Position::Input),
        "$" | "output" => Some(Position::Output),
        _ if on.starts_with("$.") || on.starts_with("$[") => Some(Position::Output),
        _ => None,
    }
}

fn on_fail_acts(action: &str) -> Option<bool> {
    ON_FAIL
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(action))
        .map(|(_, acts)| *acts)
}

/// Parses a RAIL spec (`.rail` XML).
pub fn parse_rail(bytes: &[u8], name: &str) -> Result<GuardrailsConfig, AiError> {
    let source = Source::decode(bytes, name, MAX_FILE_BYTES)?;
    let mut reader = Reader::from_str(source.text);
    reader.config_mut().trim_text(true);
    let mut config = GuardrailsConfig::new(Framework::GuardrailsAi, None);
    // The positions of the open elements: None outside <output>/<messages>.
    let mut stack: Vec<Option<Position>> = Vec::new();
    let mut root_seen = false;
    let mut count = 0usize;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|error| {
            let at = usize::try_from(reader.error_position()).unwrap_or(offset);
            source.syntax("XML", at, &error.to_string())
        })?;
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::DocType(_) => {
                return Err(source.unsupported(
                    "a DTD in a RAIL spec is not read (entities could expand without bound)",
                ));
            }
            Event::Eof => break,
            Event::Text(text) => {
                if stack.is_empty() && !text.xml10_content().trim().is_empty() {
                    return Err(source.syntax("XML", offset, "text outside the root element"));
                }
                continue;
            }
            _ => continue,
        };
        let element = start.local_name().into_inner().to_owned();
        let position = if stack.is_empty() {
            if root_seen {
                return Err(source.syntax("XML", offset, "a second root element"));
            }
            root_seen = true;
            if element != "rail" {
                return Err(source.unknown_format(
                    "a RAIL spec (<rail version=\"0.1\">)",
                    &format!("the root element is <{element}>"),
                ));
            }
            None
        } else if stack.len() == 1 {
            match element.as_str() {
                "output" => Some(Position::Output),
                "messages" => Some(Position::Input),
                _ => None,
            }
        } else {
            // Validators anywhere inside <output> run on that part of the output; inside
            // <messages> only the element itself carries them (its <message> children are
            // text), as Guardrails 0.11's rail_schema.py reads them.
            match stack.last().copied().flatten() {
                Some(Position::Output) => Some(Position::Output),
                _ => None,
            }
        };
        if stack.len() >= MAX_DEPTH {
            return Err(source.too_deep(offset, MAX_DEPTH));
        }
        let validators = attribute(&start, "validators", &source, offset)?;
        if let Some(spec) = validators {
            let Some(position) = position else {
                return Err(source.invalid(
                    &format!("<{element}>"),
                    offset,
                    "validators outside <output> and <messages> are never run",
                ));
            };
            for id in validator_ids(&spec) {
                count += 1;
                if count > MAX_VALIDATORS {
                    return Err(source.limit("more validators", MAX_VALIDATORS as u64));
                }
                let on_fail_attribute = format!("on-fail-{}", id.replace('/', "_"));
                // RAIL's default for a validator without an on-fail attribute is noop.
                let action = attribute(&start, &on_fail_attribute, &source, offset)?
                    .unwrap_or_else(|| "noop".to_owned());
                let enforced = on_fail_acts(&action).ok_or_else(|| {
                    source.invalid(
                        &format!("<{element} {on_fail_attribute}>"),
                        offset,
                        &format!("unknown on-fail action {action:?}"),
                    )
                })?;
                config.push(
                    Rail {
                        position,
                        kinds: validator_kinds(&id),
                        id,
                        enforced,
                        source: format!("{name}: <{element}>"),
                    },
                    (!enforced).then(|| format!("on-fail action is {action}")),
                );
            }
        }
        if !empty {
            stack.push(position);
        }
    }
    if !root_seen {
        return Err(
            source.unknown_format("a RAIL spec (<rail version=\"0.1\">)", "no root element")
        );
    }
    if !stack.is_empty() {
        return Err(source.syntax(
            "XML",
            source.text.len(),
            "truncated: elements are not closed",
        ));
    }
    Ok(config)
}

fn attribute(
    start: &BytesStart<'_>,
    name: &str,
    source: &Source<'_>,
    offset: usize,
) -> Result<Option<String>, AiError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|error| source.syntax("XML", offset, &error.to_string()))?;
        if attr.key.into_inner() == name {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|error| source.syntax("XML", offset, &error.to_string()))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The validator ids of a RAIL `validators` attribute: specs separated by `;` (outside quotes
/// and braces), each `id` or `id: args`, with `hub://` dropped.
fn validator_ids(spec: &str) -> Vec<String> {
    let mut specs = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut braces = 0usize;
    for c in spec.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{') => braces += 1,
            (None, '}') => braces = braces.saturating_sub(1),
            (None, ';') if braces == 0 => {
                specs.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    specs.push(current);
    specs
        .iter()
        .map(|spec| spec.trim())
        .filter(|spec| !spec.is_empty())
        .map(|spec| {
            let spec = spec.strip_prefix("hub://").unwrap_or(spec);
            spec.split(':').next().unwrap_or(spec).trim().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{doc_names, doc_table};

    #[test]
    fn validator_table_matches_the_docs() {
        let rows = doc_table(include_str!("guardrails_ai.rs"), "| validator id");
        assert_eq!(rows.len(), VALIDATORS.len());
        for (row, (id, kinds)) in rows.iter().zip(VALIDATORS) {
            assert_eq!(doc_names(&row[0]), vec![id.to_string()]);
            let doc_kinds: Vec<CheckKind> = doc_names(&row[1])
                .iter()
                .map(|name| CheckKind::from_name(name).unwrap())
                .collect();
            assert_eq!(doc_kinds.as_slice(), *kinds, "{id}");
        }
        let mut ids: Vec<&str> = VALIDATORS.iter().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), VALIDATORS.len(), "duplicate ids");
    }

    #[test]
    fn validator_ids_and_kinds() {
        assert_eq!(validator_kinds("guardrails/detect_jailbreak"), [Jailbreak]);
        assert_eq!(validator_kinds("hub://guardrails/detect_pii"), [Pii]);
        assert_eq!(validator_kinds("acme/my_validator"), []);
        assert_eq!(
            validator_ids(
                "guardrails/ban_list: {['a;b','c']} {1}; hub://guardrails/secrets_present ;  guardrails/regex_match: {'x:y'}"
            ),
            [
                "guardrails/ban_list",
                "guardrails/secrets_present",
                "guardrails/regex_match"
            ]
        );
        assert_eq!(validator_ids(""), Vec::<String>::new());
    }

    #[test]
    fn on_targets_and_actions() {
        assert_eq!(position_of_on("messages"), Some(Position::Input));
        assert_eq!(position_of_on("$"), Some(Position::Output));
        assert_eq!(position_of_on("$.answer"), Some(Position::Output));
        assert_eq!(position_of_on("metadata"), None);
        assert_eq!(on_fail_acts("exception"), Some(true));
        assert_eq!(on_fail_acts("FIX"), Some(true));
        assert_eq!(on_fail_acts("noop"), Some(false));
        assert_eq!(on_fail_acts("custom"), Some(false));
        assert_eq!(on_fail_acts("explode"), None);
    }

    #[test]
    fn json_guards_in_every_shape() {
        let guard = r#"{"name": "g", "validators": [
            {"id": "guardrails/detect_jailbreak", "on": "messages", "onFail": "exception", "kwargs": {}},
            {"id": "guardrails/toxic_language", "on": "$", "onFail": "noop"},
            {"id": "guardrails/secrets_present", "on": "$"}]}"#;
        let config = parse_json(guard.as_bytes(), "g.json").unwrap();
        assert_eq!(config.input_checks.iter().collect::<Vec<_>>(), [&Jailbreak]);
        assert_eq!(config.output_checks.iter().collect::<Vec<_>>(), [&Secrets]);
        assert_eq!(
            config.not_enforced,
            ["guardrails/toxic_language (g.json: g): on-fail action is noop"]
        );
        let list = format!("[{guard}, {guard}]");
        assert_eq!(
            parse_json(list.as_bytes(), "l.json").unwrap().rails.len(),
            6
        );
        let template = format!(r#"{{"guardrails_ai_version": "0.11.0", "guards": [{guard}]}}"#);
        let config = parse_json(template.as_bytes(), "t.json").unwrap();
        assert_eq!(config.version.as_deref(), Some("0.11.0"));
    }

    #[test]
    fn json_refusals() {
        let error = parse_json(br#"{"bomFormat": "CycloneDX"}"#, "x.json").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no \"validators\" or \"guards\""),
            "{error}"
        );
        let error = parse_json(b"3", "x.json").unwrap_err();
        assert!(
            error.to_string().contains("the top level is a number"),
            "{error}"
        );
        let error = parse_json(
            br#"{"validators": [{"id": "guardrails/ban_list", "on": "metadata"}]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(
            error.to_string().starts_with(
                "x.json:1:53: at /validators/0/on: validator guardrails/ban_list is on \"metadata\""
            ),
            "{error}"
        );
        let error = parse_json(
            br#"{"validators": [{"id": "guardrails/ban_list", "onFail": "shrug"}]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown on-fail action \"shrug\""),
            "{error}"
        );
        let error = parse_json(br#"{"validators": [{"on": "$"}]}"#, "x.json").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("x.json:1:17: at /validators/0: missing field `id`"),
            "{error}"
        );
    }

    #[test]
    fn rail_specs() {
        let rail = r#"<rail version="0.1">
<messages validators="guardrails/detect_prompt_injection; guardrails/unusual_prompt" on-fail-guardrails_detect_prompt_injection="exception">
  <message role="user">{{ticket}}</message>
</messages>
<output type="object">
  <string name="answer" validators="guardrails/detect_pii: {['EMAIL_ADDRESS']}" on-fail-guardrails_detect_pii="fix"/>
</output>
</rail>"#;
        let config = parse_rail(rail.as_bytes(), "g.rail").unwrap();
        assert_eq!(
            config.input_checks.iter().collect::<Vec<_>>(),
            [&PromptInjection]
        );
        assert_eq!(config.output_checks.iter().collect::<Vec<_>>(), [&Pii]);
        // No on-fail attribute: RAIL's default is noop.
        assert_eq!(
            config.not_enforced,
            ["guardrails/unusual_prompt (g.rail: <messages>): on-fail action is noop"]
        );
        let error = parse_rail(b"<bom/>", "x.rail").unwrap_err();
        assert!(
            error.to_string().contains("the root element is <bom>"),
            "{error}"
        );
        let error = parse_rail(b"<rail><output>", "x.rail").unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        let error =
            parse_rail(b"<!DOCTYPE r [<!ENTITY a \"aaaa\">]><rail/>", "x.rail").unwrap_err();
        assert!(error.to_string().contains("DTD"), "{error}");
        let error =
            parse_rail(b"<rail validators=\"guardrails/ban_list\"/>", "x.rail").unwrap_err();
        assert!(error.to_string().contains("never run"), "{error}");
        let error = parse_rail(b"<rail/><rail/>", "x.rail").unwrap_err();
        assert!(error.to_string().contains("second root"), "{error}");
    }
}
