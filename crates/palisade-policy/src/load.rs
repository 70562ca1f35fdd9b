//! Loading policy files: parse, assign ids from `@id`, read annotations, validate strictly
//! against the generated schema, and fingerprint the set.

// A policy error carries its file's text for the labelled snippet; it is built once, on the
// cold path, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{Effect, Policy, PolicyId, PolicySet, ValidationMode, Validator};
use miette::{Diagnostic, NamedSource, SourceSpan};
use sha2::{Digest, Sha256};

use palisade_core::Severity;
use palisade_core::fs::Folder;

use crate::error::{PolicyError, PolicyErrors};
use crate::schema;

/// A policy source file, embedded or read from disk.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The name shown in messages (`@baseline/sast.cedar`, `policies/extra.cedar`).
    pub name: String,
    /// Its text.
    pub text: Arc<String>,
}

/// What Palisade knows about one policy: its annotations and where it was written.
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    /// `@id`, or `<file stem>#<n>` when absent.
    pub id: String,
    /// permit or forbid.
    pub effect: Effect,
    /// `@severity` (default `high`).
    pub severity: Severity,
    /// `@message` template (may name `{resource}` and `{principal}`).
    pub message: Option<String>,
    /// `@help`.
    pub help: Option<String>,
    /// The first `@control` (the practice it enforces).
    pub control: Option<String>,
    /// Every `@control`, in written order (the annotation may repeat; see `controls.rs` for
    /// the frameworks and their ids).
    pub controls: Vec<String>,
    /// `@lineage`: which lineage path explains a denial (`label:pii`, `unsigned`, `unpinned`,
    /// `secrets`, `sast`, `vulnerabilities`).
    pub lineage: Option<String>,
    /// The file it came from.
    pub file: String,
    /// 1-based line of the policy's first character.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A loaded, validated set of policies.
#[derive(Debug, Clone)]
pub struct PolicyPack {
    /// Every policy, with its `@id` as the Cedar policy id.
    pub set: PolicySet,
    /// Annotations and locations, by id.
    pub info: HashMap<String, PolicyInfo>,
    /// The files, in load order.
    pub files: Vec<PolicyFile>,
    /// `sha256:<hex>` over the files' names and texts.
    pub digest: String,
    /// Strict-validation warnings (not fatal).
    pub warnings: Vec<String>,
}

impl PolicyPack {
    /// Loads and validates files; every error of every file is collected.
    pub fn load(files: Vec<PolicyFile>) -> Result<Self, PolicyErrors> {
        let schema = schema::schema().map_err(|e| PolicyErrors {
            errors: vec![PolicyError::Schema(e.reason)],
        })?;
        let validator = Validator::new(schema.clone());
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut set = PolicySet::new();
        let mut info: HashMap<String, PolicyInfo> = HashMap::new();
        let mut hasher = Sha256::new();
        for file in &files {
            hasher.update((file.name.len() as u64).to_be_bytes());
            hasher.update(file.name.as_bytes());
            hasher.update((file.text.len() as u64).to_be_bytes());
            hasher.update(file.text.as_bytes());
            // Repeated `@control` keys renamed, at the same byte offsets (see `repeat.rs`).
            let text = crate::repeat::number_repeated_controls(&file.text);
            let parsed = match PolicySet::from_str(&text) {
                Ok(parsed) => parsed,
                Err(e) => {
                    errors.extend(cedar_errors(file, &e, "Cedar could not parse this"));
                    continue;
                }
            };
            if parsed.templates().next().is_some() {
                errors.push(annotation_error(
                    file,
                    0,
                    "templates are not supported; write static policies",
                    None,
                ));
            }
            let result = validator.validate(&parsed, ValidationMode::Strict);
            for error in result.validation_errors() {
                let mut converted = cedar_errors(file, error, "here");
                name_policy(&mut converted, &parsed, error.policy_id());
                errors.extend(converted);
            }
            for warning in result.validation_warnings() {
                match fatal_warning(file, &parsed, warning) {
                    Some(error) => errors.push(error),
                    None => warnings.push(format!("{}: {warning}", file.name)),
                }
            }
            let mut search_from = 0;
            for (n, policy) in parsed.policies().enumerate() {
                let policy_text = policy.to_cedar().unwrap_or_default();
                let offset = text[search_from..]
                    .find(policy_text.as_str())
                    .map_or(search_from, |at| search_from + at);
                search_from = offset + policy_text.len().min(text.len() - offset);
                match policy_info(file, policy, n, offset) {
                    Ok(policy_info) => {
                        if let Some(previous) = info.get(&policy_info.id) {
                            errors.push(annotation_error(
                                file,
                                offset,
                                &format!(
                                    "duplicate policy id {:?}: already defined at {}:{}",
                                    policy_info.id, previous.file, previous.line
                                ),
                                Some("every @id must be unique across all loaded policy folders"),
                            ));
                            continue;
                        }
                        let renamed = policy.new_id(PolicyId::new(policy_info.id.clone()));
                        if let Err(e) = set.add(renamed) {
                            errors.push(annotation_error(file, offset, &e.to_string(), None));
                            continue;
                        }
                        info.insert(policy_info.id.clone(), policy_info);
                    }
                    Err(error) => errors.push(error),
                }
            }
        }
        if !errors.is_empty() {
            return Err(PolicyErrors { errors });
        }
        let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
        Ok(PolicyPack {
            set,
            info,
            files,
            digest,
            warnings,
        })
    }

    /// The annotations of a policy.
    pub fn policy(&self, id: &str) -> Option<&PolicyInfo> {
        self.info.get(id)
    }

    /// Every policy id, sorted.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.info.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

/// Reads every `.cedar` file directly inside `dir`, sorted by name, named relative to
/// `display`. Every file is opened through `folder` (the pipeline's folder, or the folder a
/// `--policies` flag names): a `.cedar` file that is a link leading outside it is refused, and
/// its content never reaches a message.
pub fn read_folder(
    folder: &Folder,
    dir: &Path,
    display: &str,
) -> Result<Vec<PolicyFile>, PolicyError> {
    let io = |reason: String| PolicyError::Io {
        path: display.to_owned(),
        reason,
    };
    let dir = folder
        .confine(dir, display)
        .map_err(|e| io(e.to_string()))?;
    let entries = std::fs::read_dir(&dir).map_err(|e| io(e.to_string()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io(e.to_string()))?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "cedar") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(io("the folder holds no .cedar files".to_owned()));
    }
    let mut files = Vec::new();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = format!("{}/{file_name}", display.trim_end_matches('/'));
        let text = folder
            .read_to_string(&path, &name, "a policy file", MAX_POLICY_FILE)
            .map_err(|e| PolicyError::Io {
                path: name.clone(),
                reason: e.to_string(),
            })?;
        files.push(PolicyFile {
            name,
            text: Arc::new(text),
        });
    }
    Ok(files)
}

/// Largest policy file read (policies are hand-written; anything larger is a mistake).
pub const MAX_POLICY_FILE: u64 = 4 * 1024 * 1024;

fn policy_info(
    file: &PolicyFile,
    policy: &Policy,
    n: usize,
    offset: usize,
) -> Result<PolicyInfo, PolicyError> {
    let (line, column) = line_col(&file.text, offset);
    let stem = file
        .name
        .rsplit('/')
        .next()
        .unwrap_or(&file.name)
        .trim_end_matches(".cedar");
    let id = match policy.annotation("id") {
        Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
        Some(_) => return Err(annotation_error(file, offset, "@id is empty", None)),
        None => format!("{stem}#{n}"),
    };
    let written = policy.annotation("severity").unwrap_or("high");
    let severity = Severity::POLICY
        .into_iter()
        .find(|s| s.as_str() == written)
        .ok_or_else(|| {
            annotation_error(
                file,
                offset,
                &format!("@severity({written:?}) is not one of critical, high, medium, low"),
                None,
            )
        })?;
    let written_lineage = policy.annotation("lineage").map(str::to_owned);
    if let Some(value) = &written_lineage {
        let known = [
            "unsigned",
            "unpinned",
            "secrets",
            "sast",
            "vulnerabilities",
            "unattested",
            "undeclared",
        ];
        if !(known.contains(&value.as_str()) || value.starts_with("label:")) {
            return Err(annotation_error(
                file,
                offset,
                &format!(
                    "@lineage({value:?}) is not one of label:<name>, {}",
                    known.join(", ")
                ),
                None,
            ));
        }
    }
    let controls = crate::repeat::controls(policy);
    for control in &controls {
        crate::controls::check(control).map_err(|message| {
            annotation_error(
                file,
                offset,
                &message,
                Some("docs/controls.md lists every framework's ids; a control of your own needs a prefix no framework uses"),
            )
        })?;
    }
    Ok(PolicyInfo {
        id,
        effect: policy.effect(),
        severity,
        message: policy.annotation("message").map(str::to_owned),
        help: policy.annotation("help").map(str::to_owned),
        control: controls.first().cloned(),
        controls,
        lineage: written_lineage.or_else(|| infer_lineage(policy)),
        file: file.name.clone(),
        line,
        column,
    })
}

/// The lineage question that explains a denial by `policy`, read off its condition when it has
/// no `@lineage`: the first label it tests positively (`resource in Label::"pii"`,
/// `upstream_labels.contains("pii")`), else the first lineage attribute it reads
/// (`upstream_unsigned` → `unsigned`, `upstream_unpinned` → `unpinned`, secret findings →
/// `secrets`, SAST findings → `sast`, vulnerabilities → `vulnerabilities`). A label under a `!`
/// (an exemption) never explains a denial.
pub fn infer_lineage(policy: &Policy) -> Option<String> {
    let json = policy.to_json().ok()?;
    let mut labels = Vec::new();
    let mut attributes = Vec::new();
    walk(&json, false, &mut labels, &mut attributes);
    // The scope (`resource in Label::"pii"`) counts as a positive test too.
    if let cedar_policy::ResourceConstraint::In(uid)
    | cedar_policy::ResourceConstraint::IsIn(_, uid) = policy.resource_constraint()
        && uid.type_name().to_string() == "Label"
    {
        labels.insert(0, uid.id().unescaped().to_owned());
    }
    if let Some(label) = labels.first() {
        return Some(format!("label:{label}"));
    }
    attributes.first().map(|a: &&str| (*a).to_owned())
}

/// Walks a policy's JSON form, collecting positively tested labels and lineage questions.
fn walk(
    node: &serde_json::Value,
    negated: bool,
    labels: &mut Vec<String>,
    attributes: &mut Vec<&'static str>,
) {
    use serde_json::Value;
    const LABEL_SETS: [&str; 3] = ["labels", "upstream_labels", "input_labels"];
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                let negated = negated || key == "!";
                match key.as_str() {
                    "in" if !negated => {
                        if let Some(id) = value
                            .pointer("/right/Value/__entity")
                            .filter(|e| e.get("type").and_then(Value::as_str) == Some("Label"))
                            .and_then(|e| e.get("id"))
                            .and_then(Value::as_str)
                        {
                            labels.push(id.to_owned());
                        }
                    }
                    "contains" | "containsAny" | "containsAll" if !negated => {
                        let set = value.pointer("/left/./attr").and_then(Value::as_str);
                        if set.is_some_and(|s| LABEL_SETS.contains(&s)) {
                            match value.pointer("/right/Value") {
                                Some(Value::String(label)) => labels.push(label.clone()),
                                Some(Value::Array(items)) => labels.extend(
                                    items
                                        .iter()
                                        .filter_map(|i| i.pointer("/Value").or(Some(i)))
                                        .filter_map(Value::as_str)
                                        .map(str::to_owned),
                                ),
                                _ => {}
                            }
                            if let Some(Value::Array(items)) = value.pointer("/right/Set") {
                                labels.extend(
                                    items
                                        .iter()
                                        .filter_map(|i| i.pointer("/Value"))
                                        .filter_map(Value::as_str)
                                        .map(str::to_owned),
                                );
                            }
                        }
                    }
                    "." => {
                        let question = match value.get("attr").and_then(Value::as_str) {
                            Some("upstream_unsigned") => Some("unsigned"),
                            Some("upstream_unpinned") => Some("unpinned"),
                            Some("secrets" | "upstream_secrets") => Some("secrets"),
                            Some("sast" | "upstream_sast") => Some("sast"),
                            Some(
                                "vulnerabilities"
                                | "upstream_max_vulnerability"
                                | "max_severity"
                                | "vulnerability_ids",
                            ) => Some("vulnerabilities"),
                            _ => None,
                        };
                        if let Some(question) = question
                            && !attributes.contains(&question)
                        {
                            attributes.push(question);
                        }
                    }
                    _ => {}
                }
                walk(value, negated, labels, attributes);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, negated, labels, attributes);
            }
        }
        _ => {}
    }
}

/// A validation warning that would let a policy silently never apply (or hide what it does)
/// is an error: an impossible policy is almost always a misspelt attribute
/// (`resource has upstream_label`), and the gate would allow what the author meant to deny.
/// Bidirectional control characters can make a policy read differently from what it does.
/// Mixed-script and confusable identifiers stay warnings.
fn fatal_warning(
    file: &PolicyFile,
    parsed: &PolicySet,
    warning: &cedar_policy::ValidationWarning,
) -> Option<PolicyError> {
    use cedar_policy::ValidationWarning as W;
    if !matches!(
        warning,
        W::ImpossiblePolicy(_)
            | W::InvalidActionApplication(_)
            | W::BidiCharsInString(_)
            | W::BidiCharsInIdentifier(_)
    ) {
        return None;
    }
    let policy = parsed
        .policy(warning.policy_id())
        .and_then(|p| p.annotation("id").map(str::to_owned))
        .unwrap_or_else(|| warning.policy_id().to_string());
    let span = warning
        .labels()
        .and_then(|mut labels| labels.next())
        .map_or_else(|| SourceSpan::from((0, 0)), |l| *l.inner());
    let (line, column) = line_col(&file.text, span.offset());
    Some(PolicyError::Impossible {
        policy,
        message: warning.to_string(),
        file: file.name.clone(),
        line,
        column,
        src: NamedSource::new(file.name.clone(), Arc::clone(&file.text)),
        span,
    })
}

fn annotation_error(
    file: &PolicyFile,
    offset: usize,
    message: &str,
    help: Option<&str>,
) -> PolicyError {
    let (line, column) = line_col(&file.text, offset);
    PolicyError::Annotation {
        file: file.name.clone(),
        line,
        column,
        message: message.to_owned(),
        src: NamedSource::new(file.name.clone(), Arc::clone(&file.text)),
        span: SourceSpan::from((offset, 1)),
        help: help.map(str::to_owned),
    }
}

/// Cedar names policies by the ids it gave them while parsing (`policy0`); a message about
/// one names its `@id` instead, the name the user wrote and every report uses.
fn name_policy(errors: &mut [PolicyError], parsed: &PolicySet, cedar_id: &PolicyId) {
    let Some(id) = parsed
        .policy(cedar_id)
        .and_then(|p| p.annotation("id"))
        .map(str::trim)
        .filter(|id| !id.is_empty())
    else {
        return;
    };
    let from = format!("`{cedar_id}`");
    for error in errors {
        if let PolicyError::Cedar { message, .. } = error {
            *message = message.replace(&from, &format!("`{id}`"));
        }
    }
}

/// Turns a Cedar diagnostic into ours, keeping its first label's span (Cedar's spans are
/// offsets into the text it parsed, which is the whole file).
fn cedar_errors(
    file: &PolicyFile,
    diagnostic: &dyn Diagnostic,
    default_label: &str,
) -> Vec<PolicyError> {
    let labels: Vec<_> = diagnostic
        .labels()
        .map(Iterator::collect)
        .unwrap_or_default();
    let (span, label) = labels
        .first()
        .map(|l: &miette::LabeledSpan| (*l.inner(), l.label().unwrap_or(default_label).to_owned()))
        .unwrap_or_else(|| (SourceSpan::from((0, 0)), default_label.to_owned()));
    let (line, column) = line_col(&file.text, span.offset());
    let mut message = diagnostic.to_string();
    // Cedar's `ParseErrors` displays only the first error; the related ones carry the rest.
    if let Some(related) = diagnostic.related() {
        let rest: Vec<String> = related
            .map(|r| r.to_string())
            .filter(|r| *r != message)
            .collect();
        if !rest.is_empty() {
            message = format!("{message}; {}", rest.join("; "));
        }
    }
    vec![PolicyError::Cedar {
        file: file.name.clone(),
        line,
        column,
        message,
        src: NamedSource::new(file.name.clone(), Arc::clone(&file.text)),
        span,
        label,
        help: diagnostic.help().map(|h| h.to_string()),
    }]
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    palisade_core::LineIndex::new(text).line_col(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inferred(text: &str) -> Option<String> {
        infer_lineage(&Policy::from_str(text).unwrap())
    }

    #[test]
    fn lineage_is_read_off_the_condition() {
        let head = "forbid (principal, action, resource)";
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource in Label::\"pii\" && context.exposure == \"public\" }};"
            )),
            Some("label:pii".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_labels.contains(\"pii\") }};"
            )),
            Some("label:pii".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_labels.containsAny([\"llm\", \"pii\"]) }};"
            )),
            Some("label:llm".to_owned())
        );
        // An exemption label under `!` explains nothing; the positive one does.
        assert_eq!(
            inferred(&format!(
                "{head} when {{ !(resource in Label::\"differential-privacy\") && resource in Label::\"pii\" }};"
            )),
            Some("label:pii".to_owned())
        );
        assert_eq!(
            inferred("forbid (principal, action, resource in Label::\"pii\");"),
            Some("label:pii".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_unsigned > 0 }};"
            )),
            Some("unsigned".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_unpinned > 0 }};"
            )),
            Some("unpinned".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_secrets.total > 0 }};"
            )),
            Some("secrets".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.upstream_sast.high > 0 }};"
            )),
            Some("sast".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ resource.max_severity == \"critical\" }};"
            )),
            Some("vulnerabilities".to_owned())
        );
        assert_eq!(
            inferred(&format!(
                "{head} when {{ context.exposure == \"public\" }};"
            )),
            None
        );
    }
}
