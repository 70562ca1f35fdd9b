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
    /// `@control` (the practice it enforces).
    pub control: Option<String>,
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
            let parsed = match PolicySet::from_str(&file.text) {
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
                errors.extend(cedar_errors(file, error, "here"));
            }
            for warning in result.validation_warnings() {
                warnings.push(format!("{}: {warning}", file.name));
            }
            let mut search_from = 0;
            for (n, policy) in parsed.policies().enumerate() {
                let text = policy.to_cedar().unwrap_or_default();
                let offset = file.text[search_from..]
                    .find(text.as_str())
                    .map_or(search_from, |at| search_from + at);
                search_from = offset + text.len().min(file.text.len() - offset);
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
    let lineage = policy.annotation("lineage").map(str::to_owned);
    if let Some(value) = &lineage {
        let known = ["unsigned", "unpinned", "secrets", "sast", "vulnerabilities"];
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
    Ok(PolicyInfo {
        id,
        effect: policy.effect(),
        severity,
        message: policy.annotation("message").map(str::to_owned),
        help: policy.annotation("help").map(str::to_owned),
        control: policy.annotation("control").map(str::to_owned),
        lineage,
        file: file.name.clone(),
        line,
        column,
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
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
