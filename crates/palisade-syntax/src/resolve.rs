//! The meaning pass: from the concrete syntax tree to the typed [`Pipeline`].
//!
//! It checks kinds, attributes, value types, required attributes, names, references, dates,
//! digests and paths, and collects every error instead of stopping at the first. Stage cycles
//! and waivers naming unknown policies are left to the graph and policy crates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use miette::SourceSpan;

use crate::ast::{
    Artifact, ArtifactKind, Date, Digest, Exposure, Identity, Key, Kind, MODEL_FORMATS, PathValue,
    Pipeline, PolicySource, Reference, Release, SourceFile, Spanned, Stage, Waiver,
};
use crate::error::SyntaxError;
use crate::parser::{Attribute, Block, Item, RawReference, Str, Value};
use crate::paths::{self, PathProblem};
use crate::report::{Reporter, span};
use crate::suggest::suggest;
use crate::{LoadOptions, MAX_DECLARATIONS};

const PIPELINE_ATTRIBUTES: &[&str] = &[
    "owner",
    "policies",
    "description",
    "vulnerability_threshold",
    "denied_licenses",
    "trusted_root",
    "max_attack_success",
    "lock_signed_by",
    "max_dp_epsilon",
    "min_robustness",
    "require_attestations",
    "dvc_lock",
];
const ARTIFACT_ATTRIBUTES: &[&str] = &[
    "path",
    "ref",
    "uri",
    "digest",
    "labels",
    "bom",
    "provenance",
    "signature",
    "signed_by",
    "sast",
    "dast",
    "secrets",
    "scans",
    "description",
    "summary",
    "summary_max_age",
    "summary_policy",
    "ignore",
];
const MODEL_ATTRIBUTES: &[&str] = &[
    "path",
    "ref",
    "uri",
    "digest",
    "labels",
    "bom",
    "provenance",
    "signature",
    "signed_by",
    "sast",
    "dast",
    "secrets",
    "scans",
    "format",
    "allow_imports",
    "description",
    "bom_signature",
    "summary",
    "summary_max_age",
    "summary_policy",
    "ignore",
];
const SECRET_ATTRIBUTES: &[&str] = &["vault", "labels", "description"];
const KEY_ATTRIBUTES: &[&str] = &["public_key", "description"];
const IDENTITY_ATTRIBUTES: &[&str] = &[
    "issuer",
    "subject",
    "ca",
    "builder",
    "repository",
    "ref",
    "workflow",
    "signer_workflow",
    "trigger",
    "runner",
    "description",
    "key",
];
const STAGE_ATTRIBUTES: &[&str] = &[
    "runs_as",
    "inputs",
    "outputs",
    "secrets",
    "guardrails",
    "environment",
    "description",
    "redteam",
    "declassifies",
    "pii_scan",
    "attestation",
];
const RELEASE_ATTRIBUTES: &[&str] = &["artifacts", "environment", "exposure", "description"];
const WAIVER_ATTRIBUTES: &[&str] = &["policy", "target", "expires", "reason", "description"];

/// The attributes a kind accepts.
fn attributes_of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Key => KEY_ATTRIBUTES,
        Kind::Identity => IDENTITY_ATTRIBUTES,
        Kind::Code | Kind::Dataset | Kind::Image => ARTIFACT_ATTRIBUTES,
        Kind::Model => MODEL_ATTRIBUTES,
        Kind::Secret => SECRET_ATTRIBUTES,
        Kind::Stage => STAGE_ATTRIBUTES,
        Kind::Release => RELEASE_ATTRIBUTES,
        Kind::Waiver => WAIVER_ATTRIBUTES,
    }
}

/// Which kinds a reference attribute accepts, and how to say so.
#[derive(Clone, Copy)]
struct Slot {
    kinds: &'static [Kind],
    description: &'static str,
}

const BUILD_ARTIFACT: Slot = Slot {
    kinds: &[Kind::Code, Kind::Dataset, Kind::Model, Kind::Image],
    description: "a code, dataset, model or image",
};
const IDENTITY: Slot = Slot {
    kinds: &[Kind::Identity],
    description: "an identity",
};
const KEY: Slot = Slot {
    kinds: &[Kind::Key],
    description: "a key",
};
const SECRET: Slot = Slot {
    kinds: &[Kind::Secret],
    description: "a secret",
};
const SIGNER: Slot = Slot {
    kinds: &[Kind::Key, Kind::Identity],
    description: "a key or identity",
};
const WAIVER_TARGET: Slot = Slot {
    kinds: &[
        Kind::Code,
        Kind::Dataset,
        Kind::Model,
        Kind::Image,
        Kind::Secret,
        Kind::Stage,
        Kind::Release,
    ],
    description: "an artifact, stage or release",
};

/// What an attribute expects, for "expected …, found …" messages.
#[derive(Clone, Copy)]
enum Expected {
    String,
    Path,
    Paths,
    Strings,
    Reference(Slot),
    References(Slot),
    ReferenceOrList,
    Date,
    /// A number from 0 to 1 (at most three decimals).
    Ratio,
    /// A non-negative number (at most three decimals).
    Decimal,
    /// `true` or `false`.
    Boolean,
    /// A path or a list of paths.
    PathOrList,
}

impl Expected {
    fn describe(self) -> String {
        match self {
            Expected::String => "a string".to_owned(),
            Expected::Path => "a path (a string)".to_owned(),
            Expected::Paths => "a list of paths".to_owned(),
            Expected::Strings => "a list of strings".to_owned(),
            Expected::Reference(slot) => format!("a reference to {}", slot.description),
            Expected::References(_) => "a list of references".to_owned(),
            Expected::ReferenceOrList => "a reference or a list of references".to_owned(),
            Expected::Date => "a date".to_owned(),
            Expected::Ratio => "a number from 0 to 1 with at most three decimals".to_owned(),
            Expected::Decimal => "a non-negative number with at most three decimals".to_owned(),
            Expected::Boolean => "true or false".to_owned(),
            Expected::PathOrList => "a path or a list of paths".to_owned(),
        }
    }

    fn example(self, attribute: &str) -> String {
        let typical = |kind: Kind| match kind {
            Kind::Key => "key \"release\"",
            Kind::Identity => "identity \"trainer\"",
            Kind::Code => "code \"app\"",
            Kind::Dataset => "dataset \"transactions\"",
            Kind::Model => "model \"fraud-xgb\"",
            Kind::Image => "image \"serving\"",
            Kind::Secret => "secret \"db-password\"",
            Kind::Stage => "stage \"train\"",
            Kind::Release => "release \"production\"",
            Kind::Waiver => "waiver \"legacy\"",
        };
        let value = match self {
            Expected::String => "\"…\"",
            Expected::Path => "\"relative/path\"",
            Expected::Paths => "[\"reports/a.sarif\", \"reports/b.sarif\"]",
            Expected::Strings => "[\"pii\", \"financial\"]",
            // The first kind the slot accepts (`key = key "release"`, `runs_as = identity …`).
            Expected::Reference(slot) => slot
                .kinds
                .first()
                .map_or("image \"serving\"", |k| typical(*k)),
            Expected::References(slot) => match slot.kinds.first() {
                Some(Kind::Secret) => "[secret \"db-password\"]",
                _ => "[dataset \"transactions\", code \"app\"]",
            },
            Expected::ReferenceOrList => "key \"release\"",
            Expected::Date => "2027-01-31",
            Expected::Ratio => "0.05",
            Expected::Decimal => "8.0",
            Expected::Boolean => "true",
            Expected::PathOrList => "\"attestations/train.intoto.json\"",
        };
        format!("write it as `{attribute} = {value}`")
    }
}

/// What a value is, for "found …" messages.
fn describe(value: &Value<'_>) -> String {
    match value {
        Value::List(items, _) => {
            let Some(first) = items.first() else {
                return "an empty list".to_owned();
            };
            let plural = plural(first);
            if items.iter().all(|item| self::plural(item) == plural) {
                format!("a list of {plural}")
            } else {
                "a list of mixed values".to_owned()
            }
        }
        Value::String(_) => "a string".to_owned(),
        Value::Integer(..) => "an integer".to_owned(),
        Value::Decimal(..) => "a decimal number".to_owned(),
        Value::Boolean(..) => "a boolean".to_owned(),
        Value::Date(..) => "a date".to_owned(),
        Value::Reference(r) => format!("a reference (`{} \"…\"`)", r.kind.text),
    }
}

fn plural(value: &Value<'_>) -> &'static str {
    match value {
        Value::String(_) => "strings",
        Value::Integer(..) => "integers",
        Value::Decimal(..) => "decimal numbers",
        Value::Boolean(..) => "booleans",
        Value::Date(..) => "dates",
        Value::Reference(_) => "references",
        Value::List(..) => "lists",
    }
}

/// "a key", "an identity".
fn article(kind: Kind) -> String {
    match kind {
        Kind::Identity | Kind::Image => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

/// Resolves the items of a file into a pipeline. Returns `None` only after reporting why.
pub(crate) fn resolve(
    items: &[Item<'_>],
    base_dir: &Path,
    opts: &LoadOptions,
    reporter: &mut Reporter,
) -> Option<Pipeline> {
    let pipeline_block = find_pipeline(items, reporter)?;
    let base = paths::base_dir(base_dir);
    let mut resolver = Resolver {
        reporter,
        base,
        allow_outside: opts.allow_outside,
        declared: HashMap::new(),
        names_by_kind: HashMap::new(),
    };
    resolver.pipeline(pipeline_block)
}

/// Finds the one `pipeline` block and reports everything around it.
fn find_pipeline<'a, 'i>(items: &'a [Item<'i>], reporter: &mut Reporter) -> Option<&'a Block<'i>> {
    let mut found: Option<&Block<'_>> = None;
    for item in items {
        match item {
            Item::Block(block) if block.keyword.text == "pipeline" => match found {
                None => found = Some(block),
                Some(first) => reporter.push(SyntaxError::ExtraPipeline {
                    location: reporter.location(block.keyword.span),
                    src: reporter.src(),
                    first: first.keyword.span,
                    second: block.keyword.span,
                }),
            },
            _ => {}
        }
    }
    let Some(pipeline) = found else {
        let (sp, label) = match items.first() {
            Some(Item::Block(block)) => {
                let label = match suggest(block.keyword.text, ["pipeline"]) {
                    Some(_) => format!("found `{}`; did you mean `pipeline`?", block.keyword.text),
                    None => format!("expected `pipeline`, found `{}`", block.keyword.text),
                };
                (block.keyword.span, label)
            }
            Some(Item::Attribute(attribute)) => (
                attribute.name.span,
                format!(
                    "expected `pipeline`, found the attribute `{}`",
                    attribute.name.text
                ),
            ),
            None => {
                let label = if reporter.text().trim().is_empty() {
                    "the file is empty"
                } else {
                    "the file holds only comments"
                };
                (span(0, 0), label.to_owned())
            }
        };
        reporter.push(SyntaxError::MissingPipeline {
            location: reporter.location(sp),
            file: reporter.file().to_owned(),
            src: reporter.src(),
            span: sp,
            label,
        });
        return None;
    };
    for item in items {
        let (word, sp) = match item {
            Item::Block(block) if block.keyword.text == "pipeline" => continue,
            Item::Block(block) => (
                block.keyword.text,
                span_join(block.keyword.span, block.name.span),
            ),
            Item::Attribute(attribute) => (attribute.name.text, attribute.name.span),
        };
        reporter.push(SyntaxError::OutsidePipeline {
            location: reporter.location(sp),
            word: word.to_owned(),
            src: reporter.src(),
            span: sp,
        });
    }
    Some(pipeline)
}

fn span_join(a: SourceSpan, b: SourceSpan) -> SourceSpan {
    let start = a.offset().min(b.offset());
    let end = (a.offset() + a.len()).max(b.offset() + b.len());
    span(start, end)
}

struct Resolver<'r> {
    reporter: &'r mut Reporter,
    base: PathBuf,
    allow_outside: bool,
    /// Every declaration, by kind and name, with the span of its name.
    declared: HashMap<Kind, HashMap<String, SourceSpan>>,
    /// Declared names per kind, in source order (for suggestions).
    names_by_kind: HashMap<Kind, Vec<String>>,
}

/// The attributes of one block, checked against the block kind's list.
struct Attributes<'a, 'i> {
    by_name: HashMap<&'i str, &'a Attribute<'i>>,
}

impl<'a, 'i> Attributes<'a, 'i> {
    fn get(&self, name: &str) -> Option<&'a Attribute<'i>> {
        self.by_name.get(name).copied()
    }
}

impl Resolver<'_> {
    fn location(&self, sp: SourceSpan) -> String {
        self.reporter.location(sp)
    }

    fn pipeline(&mut self, block: &Block<'_>) -> Option<Pipeline> {
        self.check_name(&block.name);
        let mut attributes = Vec::new();
        let mut declarations: Vec<(Kind, &Block<'_>)> = Vec::new();
        let mut limit_reported = false;
        for item in &block.items {
            match item {
                Item::Attribute(attribute) => attributes.push(attribute),
                Item::Block(inner) => {
                    if declarations.len() >= MAX_DECLARATIONS {
                        if !limit_reported {
                            limit_reported = true;
                            self.reporter.push(SyntaxError::LimitExceeded {
                                location: self.location(inner.keyword.span),
                                what: "declarations".to_owned(),
                                limit: MAX_DECLARATIONS,
                                src: self.reporter.src(),
                                span: inner.keyword.span,
                            });
                        }
                        continue;
                    }
                    if let Some(kind) = self.declaration_kind(inner) {
                        declarations.push((kind, inner));
                    }
                }
            }
        }
        for (kind, inner) in &declarations {
            self.declare(*kind, inner);
        }

        let attributes = self.attributes("the pipeline", PIPELINE_ATTRIBUTES, None, attributes);
        let owner = attributes.get("owner").and_then(|a| self.string(a));
        let policies = attributes.get("policies").map(|a| self.policies(a));
        let vulnerability_threshold = attributes
            .get("vulnerability_threshold")
            .and_then(|a| self.threshold(a));
        let denied_licenses = attributes.get("denied_licenses").map(|a| self.strings(a));
        let trusted_root = attributes.get("trusted_root").and_then(|a| self.path(a));
        let max_attack_success = attributes
            .get("max_attack_success")
            .and_then(|a| self.milli(a, Expected::Ratio));
        let max_dp_epsilon = attributes
            .get("max_dp_epsilon")
            .and_then(|a| self.milli(a, Expected::Decimal));
        let min_robustness = attributes
            .get("min_robustness")
            .and_then(|a| self.milli(a, Expected::Ratio));
        let lock_signed_by = attributes
            .get("lock_signed_by")
            .map(|a| self.reference_or_list(a, SIGNER))
            .unwrap_or_default();
        let require_attestations = attributes
            .get("require_attestations")
            .and_then(|a| self.boolean(a));
        let dvc_lock = attributes.get("dvc_lock").and_then(|a| self.path(a));

        let mut pipeline = Pipeline {
            source: SourceFile {
                name: self.reporter.file().to_owned(),
                base_dir: self.base.clone(),
                text: std::sync::Arc::clone(self.reporter.text()),
            },
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            owner,
            policies,
            vulnerability_threshold,
            denied_licenses,
            trusted_root,
            max_attack_success,
            max_dp_epsilon,
            min_robustness,
            lock_signed_by,
            require_attestations,
            dvc_lock,
            keys: Vec::new(),
            identities: Vec::new(),
            artifacts: Vec::new(),
            stages: Vec::new(),
            releases: Vec::new(),
            waivers: Vec::new(),
        };
        for (kind, inner) in declarations {
            if self.reporter.is_full() {
                break;
            }
            let owner = format!("{kind} {:?}", inner.name.value);
            let attributes = self.block_attributes(kind, inner, &owner);
            match kind {
                Kind::Key => pipeline.keys.extend(self.key(inner, &attributes, &owner)),
                Kind::Identity => pipeline.identities.push(self.identity(inner, &attributes)),
                Kind::Code | Kind::Dataset | Kind::Model | Kind::Image | Kind::Secret => {
                    pipeline
                        .artifacts
                        .extend(self.artifact(kind, inner, &attributes, &owner));
                }
                Kind::Stage => pipeline.stages.push(self.stage(inner, &attributes)),
                Kind::Release => pipeline
                    .releases
                    .extend(self.release(inner, &attributes, &owner)),
                Kind::Waiver => pipeline
                    .waivers
                    .extend(self.waiver(inner, &attributes, &owner)),
            }
        }
        Some(pipeline)
    }

    /// The kind of a declaration block, or `None` after reporting why it has none.
    fn declaration_kind(&mut self, block: &Block<'_>) -> Option<Kind> {
        let word = block.keyword.text;
        if word == "pipeline" {
            self.reporter.push(SyntaxError::NestedPipeline {
                location: self.location(block.keyword.span),
                src: self.reporter.src(),
                span: block.keyword.span,
            });
            return None;
        }
        match Kind::from_keyword(word) {
            Some(kind) => Some(kind),
            None => {
                self.unknown_kind(word, block.keyword.span);
                None
            }
        }
    }

    fn unknown_kind(&mut self, word: &str, sp: SourceSpan) {
        let keywords = Kind::ALL.map(Kind::keyword);
        let list = keywords.join(", ");
        let help = match suggest(word, keywords) {
            Some(kind) => format!("did you mean `{kind}`? (kinds: {list})"),
            None => format!("kinds: {list}"),
        };
        self.reporter.push(SyntaxError::UnknownKind {
            location: self.location(sp),
            word: word.to_owned(),
            src: self.reporter.src(),
            span: sp,
            help: Some(help),
        });
    }

    /// Names must be non-empty and printable: they appear in policies, reports and attestations.
    fn check_name(&mut self, name: &Str) -> bool {
        let reason = if name.value.is_empty() {
            "a name cannot be empty"
        } else if name
            .value
            .chars()
            .any(palisade_core::text::is_display_control)
        {
            "a name cannot hold control, bidirectional or line-separator characters"
        } else {
            return true;
        };
        self.reporter.push(SyntaxError::InvalidName {
            location: self.location(name.span),
            name: name.value.clone(),
            reason: reason.to_owned(),
            src: self.reporter.src(),
            span: name.span,
        });
        false
    }

    fn declare(&mut self, kind: Kind, block: &Block<'_>) {
        self.check_name(&block.name);
        let names = self.declared.entry(kind).or_default();
        if let Some(&first) = names.get(&block.name.value) {
            self.reporter.push(SyntaxError::DuplicateName {
                location: self.reporter.location(block.name.span),
                kind: kind.keyword().to_owned(),
                name: block.name.value.clone(),
                src: self.reporter.src(),
                first,
                second: block.name.span,
            });
            return;
        }
        names.insert(block.name.value.clone(), block.name.span);
        self.names_by_kind
            .entry(kind)
            .or_default()
            .push(block.name.value.clone());
    }

    fn block_attributes<'a, 'i>(
        &mut self,
        kind: Kind,
        block: &'a Block<'i>,
        owner: &str,
    ) -> Attributes<'a, 'i> {
        let attributes = block.items.iter().filter_map(|item| match item {
            Item::Attribute(attribute) => Some(attribute),
            Item::Block(_) => None,
        });
        self.attributes(owner, attributes_of(kind), Some(kind), attributes)
    }

    /// Checks names against `allowed` and duplicates; returns the known attributes by name.
    fn attributes<'a, 'i>(
        &mut self,
        owner: &str,
        allowed: &[&'static str],
        kind: Option<Kind>,
        attributes: impl IntoIterator<Item = &'a Attribute<'i>>,
    ) -> Attributes<'a, 'i> {
        let mut by_name: HashMap<&'i str, &'a Attribute<'i>> = HashMap::new();
        for attribute in attributes {
            let name = attribute.name.text;
            if !allowed.contains(&name) {
                let help = unknown_attribute_help(name, allowed, kind);
                self.reporter.push(SyntaxError::UnknownAttribute {
                    location: self.location(attribute.name.span),
                    attribute: name.to_owned(),
                    owner: owner.to_owned(),
                    src: self.reporter.src(),
                    span: attribute.name.span,
                    help: Some(help),
                });
                continue;
            }
            if let Some(first) = by_name.get(name) {
                self.reporter.push(SyntaxError::DuplicateAttribute {
                    location: self.location(attribute.name.span),
                    attribute: name.to_owned(),
                    src: self.reporter.src(),
                    first: first.name.span,
                    second: attribute.name.span,
                });
                continue;
            }
            by_name.insert(name, attribute);
        }
        Attributes { by_name }
    }

    fn missing(&mut self, owner: &str, block: &Block<'_>, attribute: &str, example: &str) {
        self.reporter.push(SyntaxError::MissingAttribute {
            location: self.location(block.name.span),
            owner: owner.to_owned(),
            attribute: attribute.to_owned(),
            src: self.reporter.src(),
            span: block.name.span,
            help: Some(format!("add `{attribute} = {example}`")),
        });
    }

    fn wrong_type(&mut self, attribute: &Attribute<'_>, expected: Expected) {
        let found = describe(&attribute.value);
        let help = match (&attribute.value, expected) {
            (Value::String(s), Expected::Date) if parse_date(&s.value).is_ok() => Some(format!(
                "write the date without quotes: `{} = {}`",
                attribute.name.text, s.value
            )),
            (Value::Date(..), Expected::String | Expected::Path) => Some(format!(
                "quote it to make it a string: `{} = \"…\"`",
                attribute.name.text
            )),
            _ => Some(expected.example(attribute.name.text)),
        };
        let sp = attribute.value.span();
        self.reporter.push(SyntaxError::WrongType {
            location: self.location(sp),
            attribute: attribute.name.text.to_owned(),
            expected: expected.describe(),
            found,
            src: self.reporter.src(),
            span: sp,
            help,
        });
    }

    // ---- typed getters: each reports a wrong type and returns what it could read ----

    fn string(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<String>> {
        match &attribute.value {
            Value::String(s) => Some(Spanned::new(s.value.clone(), s.span)),
            _ => {
                self.wrong_type(attribute, Expected::String);
                None
            }
        }
    }

    fn strings(&mut self, attribute: &Attribute<'_>) -> Vec<Spanned<String>> {
        let Value::List(items, _) = &attribute.value else {
            self.wrong_type(attribute, Expected::Strings);
            return Vec::new();
        };
        if items.iter().any(|item| !matches!(item, Value::String(_))) {
            self.wrong_type(attribute, Expected::Strings);
            return Vec::new();
        }
        items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(Spanned::new(s.value.clone(), s.span)),
                _ => None,
            })
            .collect()
    }

    fn path(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<PathValue>> {
        match &attribute.value {
            Value::String(s) => self.resolve_path(s),
            _ => {
                self.wrong_type(attribute, Expected::Path);
                None
            }
        }
    }

    /// `true` or `false`.
    fn boolean(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<bool>> {
        match &attribute.value {
            Value::Boolean(b, span) => Some(Spanned::new(*b, *span)),
            _ => {
                self.wrong_type(attribute, Expected::Boolean);
                None
            }
        }
    }

    /// One path or a list of paths (`attestation = "…"` or `attestation = ["…", "…"]`).
    fn path_or_list(&mut self, attribute: &Attribute<'_>) -> Vec<Spanned<PathValue>> {
        match &attribute.value {
            Value::String(s) => self.resolve_path(s).into_iter().collect(),
            Value::List(..) => self.paths(attribute),
            _ => {
                self.wrong_type(attribute, Expected::PathOrList);
                Vec::new()
            }
        }
    }

    fn paths(&mut self, attribute: &Attribute<'_>) -> Vec<Spanned<PathValue>> {
        let Value::List(items, _) = &attribute.value else {
            self.wrong_type(attribute, Expected::Paths);
            return Vec::new();
        };
        if items.iter().any(|item| !matches!(item, Value::String(_))) {
            self.wrong_type(attribute, Expected::Paths);
            return Vec::new();
        }
        items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => self.resolve_path(s),
                _ => None,
            })
            .collect()
    }

    fn resolve_path(&mut self, written: &Str) -> Option<Spanned<PathValue>> {
        match paths::resolve(&self.base, &written.value, self.allow_outside) {
            Ok(resolved) => Some(Spanned::new(
                PathValue {
                    written: written.value.clone(),
                    resolved,
                },
                written.span,
            )),
            Err(problem) => {
                self.path_problem(written, problem);
                None
            }
        }
    }

    fn path_problem(&mut self, written: &Str, problem: PathProblem) {
        let help = Some(
            "keep evidence, keys and policies inside the pipeline's folder (or allow outside \
             paths explicitly with the command-line flag)"
                .to_owned(),
        );
        let error = match problem {
            PathProblem::Invalid(reason) => SyntaxError::InvalidPath {
                location: self.location(written.span),
                written: written.value.clone(),
                reason,
                src: self.reporter.src(),
                span: written.span,
            },
            PathProblem::Escapes(reason) => SyntaxError::PathEscapes {
                location: self.location(written.span),
                written: written.value.clone(),
                reason,
                src: self.reporter.src(),
                span: written.span,
                folder: "the pipeline's folder".to_owned(),
                help,
            },
            PathProblem::Symlink { link, target } => SyntaxError::SymlinkEscapes {
                location: self.location(written.span),
                written: written.value.clone(),
                link: link.display().to_string(),
                target: target.display().to_string(),
                src: self.reporter.src(),
                span: written.span,
                help,
            },
        };
        self.reporter.push(error);
    }

    fn policies(&mut self, attribute: &Attribute<'_>) -> Vec<Spanned<PolicySource>> {
        let entries = self.strings(attribute);
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry.value == "@baseline" {
                out.push(Spanned::new(PolicySource::Baseline, entry.span));
            } else if entry.value.starts_with('@') {
                let help = suggest(&entry.value, ["@baseline"])
                    .map(|s| format!("did you mean \"{s}\"?"))
                    .or_else(|| Some("the only built-in pack is \"@baseline\"".to_owned()));
                self.reporter.push(SyntaxError::UnknownPolicyPack {
                    location: self.location(entry.span),
                    written: entry.value.clone(),
                    src: self.reporter.src(),
                    span: entry.span,
                    help,
                });
            } else {
                let written = Str {
                    value: entry.value,
                    span: entry.span,
                };
                if let Some(path) = self.resolve_path(&written) {
                    out.push(Spanned::new(PolicySource::Folder(path.value), path.span));
                }
            }
        }
        out
    }

    fn date(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<Date>> {
        let Value::Date(written, sp) = &attribute.value else {
            self.wrong_type(attribute, Expected::Date);
            return None;
        };
        match parse_date(written) {
            Ok(date) => Some(Spanned::new(date, *sp)),
            Err(reason) => {
                self.reporter.push(SyntaxError::InvalidDate {
                    location: self.location(*sp),
                    written: (*written).to_owned(),
                    reason,
                    src: self.reporter.src(),
                    span: *sp,
                });
                None
            }
        }
    }

    fn reference(&mut self, attribute: &Attribute<'_>, slot: Slot) -> Option<Spanned<Reference>> {
        match &attribute.value {
            Value::Reference(raw) => self.check_reference(attribute.name.text, raw, slot),
            _ => {
                self.wrong_type(attribute, Expected::Reference(slot));
                None
            }
        }
    }

    fn references(&mut self, attribute: &Attribute<'_>, slot: Slot) -> Vec<Spanned<Reference>> {
        let Value::List(items, _) = &attribute.value else {
            self.wrong_type(attribute, Expected::References(slot));
            return Vec::new();
        };
        self.reference_items(attribute, items, slot, Expected::References(slot))
    }

    /// `signed_by`: one reference or a list.
    fn reference_or_list(
        &mut self,
        attribute: &Attribute<'_>,
        slot: Slot,
    ) -> Vec<Spanned<Reference>> {
        match &attribute.value {
            Value::Reference(raw) => self
                .check_reference(attribute.name.text, raw, slot)
                .into_iter()
                .collect(),
            Value::List(items, _) => {
                self.reference_items(attribute, items, slot, Expected::ReferenceOrList)
            }
            _ => {
                self.wrong_type(attribute, Expected::ReferenceOrList);
                Vec::new()
            }
        }
    }

    fn reference_items(
        &mut self,
        attribute: &Attribute<'_>,
        items: &[Value<'_>],
        slot: Slot,
        expected: Expected,
    ) -> Vec<Spanned<Reference>> {
        if items
            .iter()
            .any(|item| !matches!(item, Value::Reference(_)))
        {
            self.wrong_type(attribute, expected);
            return Vec::new();
        }
        items
            .iter()
            .filter_map(|item| match item {
                Value::Reference(raw) => self.check_reference(attribute.name.text, raw, slot),
                _ => None,
            })
            .collect()
    }

    /// Checks a reference's kind, its fit for the slot and that it names a declaration.
    fn check_reference(
        &mut self,
        attribute: &str,
        raw: &RawReference<'_>,
        slot: Slot,
    ) -> Option<Spanned<Reference>> {
        let Some(kind) = Kind::from_keyword(raw.kind.text) else {
            self.unknown_kind(raw.kind.text, raw.kind.span);
            return None;
        };
        if !slot.kinds.contains(&kind) {
            self.reporter.push(SyntaxError::WrongReferenceKind {
                location: self.location(raw.span),
                attribute: attribute.to_owned(),
                expected: slot.description.to_owned(),
                found: article(kind),
                src: self.reporter.src(),
                span: raw.span,
            });
            return None;
        }
        let name = &raw.name.value;
        if !self.is_declared(kind, name) {
            let help = self.undeclared_help(kind, name, slot);
            let reference = Reference {
                kind,
                name: name.clone(),
            };
            self.reporter.push(SyntaxError::Undeclared {
                location: self.location(raw.span),
                reference: reference.to_string(),
                src: self.reporter.src(),
                span: raw.span,
                help,
            });
            return None;
        }
        Some(Spanned::new(
            Reference {
                kind,
                name: name.clone(),
            },
            raw.span,
        ))
    }

    fn is_declared(&self, kind: Kind, name: &str) -> bool {
        self.declared
            .get(&kind)
            .is_some_and(|names| names.contains_key(name))
    }

    fn undeclared_help(&self, kind: Kind, name: &str, slot: Slot) -> Option<String> {
        let declared_as = |other: Kind| other != kind && self.is_declared(other, name);
        // The same name under another kind that fits here is the likeliest slip.
        if let Some(other) = slot.kinds.iter().copied().find(|&k| declared_as(k)) {
            return Some(format!(
                "did you mean `{other} {name:?}`? ({name:?} is declared as {}, not as {})",
                article(other),
                article(kind)
            ));
        }
        let names = self.names_by_kind.get(&kind);
        if let Some(close) = names.and_then(|names| suggest(name, names.iter().map(String::as_str)))
        {
            return Some(format!("did you mean `{kind} {close:?}`?"));
        }
        if let Some(other) = Kind::ALL.into_iter().find(|&k| declared_as(k)) {
            return Some(format!(
                "{name:?} is declared as {}, not as {}",
                article(other),
                article(kind)
            ));
        }
        if names.is_none_or(Vec::is_empty) {
            return Some(format!(
                "no {kind} is declared; declare it with `{kind} {name:?} {{ … }}`"
            ));
        }
        None
    }

    // ---- one function per kind ----

    fn key(
        &mut self,
        block: &Block<'_>,
        attributes: &Attributes<'_, '_>,
        owner: &str,
    ) -> Option<Key> {
        let Some(attribute) = attributes.get("public_key") else {
            self.missing(owner, block, "public_key", "\"keys/release.pub\"");
            return None;
        };
        let public_key = self.path(attribute)?;
        Some(Key {
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            public_key,
        })
    }

    fn identity(&mut self, block: &Block<'_>, attributes: &Attributes<'_, '_>) -> Identity {
        // Fulcio claims are checked for keyless signatures only; a `ca` identity goes through
        // the private-CA verifier, which has no such claims. Declaring both would look enforced
        // and not be: refuse it.
        if let Some(ca) = attributes.get("ca") {
            for claim in [
                "repository",
                "ref",
                "workflow",
                "signer_workflow",
                "trigger",
                "runner",
            ] {
                if let Some(second) = attributes.get(claim) {
                    self.reporter.push(SyntaxError::Conflicting {
                        location: self.location(second.name.span),
                        first_name: ca.name.text.to_owned(),
                        second_name: second.name.text.to_owned(),
                        src: self.reporter.src(),
                        first: ca.name.span,
                        second: second.name.span,
                    });
                }
            }
        }
        Identity {
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            issuer: attributes.get("issuer").and_then(|a| self.string(a)),
            subject: attributes.get("subject").and_then(|a| self.string(a)),
            ca: attributes.get("ca").and_then(|a| self.path(a)),
            builder: attributes.get("builder").and_then(|a| self.string(a)),
            repository: attributes.get("repository").and_then(|a| self.string(a)),
            git_ref: attributes.get("ref").and_then(|a| self.string(a)),
            workflow: attributes.get("workflow").and_then(|a| self.string(a)),
            signer_workflow: attributes
                .get("signer_workflow")
                .and_then(|a| self.string(a)),
            trigger: attributes.get("trigger").and_then(|a| self.string(a)),
            runner: attributes.get("runner").and_then(|a| self.string(a)),
            key: attributes.get("key").and_then(|a| self.reference(a, KEY)),
        }
    }

    fn artifact(
        &mut self,
        kind: Kind,
        block: &Block<'_>,
        attributes: &Attributes<'_, '_>,
        owner: &str,
    ) -> Option<Artifact> {
        let artifact_kind = kind.artifact()?;
        let vault = attributes.get("vault").and_then(|a| self.string(a));
        if artifact_kind == ArtifactKind::Secret && attributes.get("vault").is_none() {
            self.missing(owner, block, "vault", "\"kv/data/team/name\"");
        }
        let path_attribute = attributes.get("path");
        let ref_attribute = attributes.get("ref");
        let uri_attribute = attributes.get("uri");
        let present: Vec<&Attribute<'_>> = [path_attribute, ref_attribute, uri_attribute]
            .into_iter()
            .flatten()
            .collect();
        if let [first, second, ..] = present[..] {
            self.reporter.push(SyntaxError::Conflicting {
                location: self.location(second.name.span),
                first_name: first.name.text.to_owned(),
                second_name: second.name.text.to_owned(),
                src: self.reporter.src(),
                first: first.name.span,
                second: second.name.span,
            });
        }
        let path = path_attribute.and_then(|a| self.path(a));
        let remote = ref_attribute.or(uri_attribute).and_then(|a| self.string(a));
        let mut digest = attributes.get("digest").and_then(|a| self.digest(a));
        // `ref = "registry/name@sha256:…"` pins the artifact by itself.
        if let (Some(remote), Some(_)) = (&remote, ref_attribute)
            && let Some(pinned) = pinned_digest(&remote.value)
        {
            match &digest {
                None => digest = Some(Spanned::new(pinned, remote.span)),
                Some(explicit) if explicit.value != pinned => {
                    self.reporter.push(SyntaxError::DigestMismatch {
                        location: self.location(explicit.span),
                        src: self.reporter.src(),
                        pinned: remote.span,
                        digest: explicit.span,
                    });
                }
                Some(_) => {}
            }
        }
        let signed_by = attributes
            .get("signed_by")
            .map(|a| self.reference_or_list(a, SIGNER))
            .unwrap_or_default();
        Some(Artifact {
            kind: artifact_kind,
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            path,
            remote,
            digest,
            labels: self.list_of(attributes, "labels", Self::strings),
            bom: attributes.get("bom").and_then(|a| self.path(a)),
            provenance: attributes.get("provenance").and_then(|a| self.path(a)),
            signature: attributes.get("signature").and_then(|a| self.path(a)),
            signed_by,
            sast: self.list_of(attributes, "sast", Self::paths),
            dast: self.list_of(attributes, "dast", Self::paths),
            secrets: self.list_of(attributes, "secrets", Self::paths),
            scans: self.list_of(attributes, "scans", Self::paths),
            format: attributes.get("format").and_then(|a| self.model_format(a)),
            allow_imports: self.list_of(attributes, "allow_imports", Self::strings),
            vault,
            bom_signature: attributes.get("bom_signature").and_then(|a| self.path(a)),
            summary: attributes.get("summary").and_then(|a| self.path(a)),
            summary_max_age: attributes
                .get("summary_max_age")
                .and_then(|a| self.duration(a)),
            summary_policy: attributes
                .get("summary_policy")
                .and_then(|a| self.digest(a)),
            ignore: self.list_of(attributes, "ignore", Self::ignore_patterns),
        })
    }

    /// `ignore = [...]`: strings, each a pattern [`palisade_core::ignore`] accepts.
    fn ignore_patterns(&mut self, attribute: &Attribute<'_>) -> Vec<Spanned<String>> {
        let patterns = self.strings(attribute);
        if patterns.len() > palisade_core::ignore::MAX_PATTERNS {
            self.reporter.push(SyntaxError::InvalidIgnore {
                location: self.location(attribute.name.span),
                written: String::new(),
                reason: format!(
                    "more than {} patterns on one artifact",
                    palisade_core::ignore::MAX_PATTERNS
                ),
                src: self.reporter.src(),
                span: attribute.name.span,
            });
            return Vec::new();
        }
        patterns
            .into_iter()
            .filter(|p| match palisade_core::ignore::parse_pattern(&p.value) {
                Ok(_) => true,
                Err(e) => {
                    self.reporter.push(SyntaxError::InvalidIgnore {
                        location: self.location(p.span),
                        written: p.value.clone(),
                        reason: e.reason,
                        src: self.reporter.src(),
                        span: p.span,
                    });
                    false
                }
            })
            .collect()
    }

    fn list_of<T>(
        &mut self,
        attributes: &Attributes<'_, '_>,
        name: &str,
        read: fn(&mut Self, &Attribute<'_>) -> Vec<T>,
    ) -> Vec<T> {
        attributes
            .get(name)
            .map(|a| read(self, a))
            .unwrap_or_default()
    }

    fn digest(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<Digest>> {
        let digest = self.string(attribute)?;
        match check_digest(&digest.value) {
            Ok(parsed) => Some(Spanned::new(parsed, digest.span)),
            Err(reason) => {
                self.reporter.push(SyntaxError::InvalidDigest {
                    location: self.location(digest.span),
                    written: digest.value.clone(),
                    reason,
                    src: self.reporter.src(),
                    span: digest.span,
                });
                None
            }
        }
    }

    fn stage(&mut self, block: &Block<'_>, attributes: &Attributes<'_, '_>) -> Stage {
        Stage {
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            runs_as: attributes
                .get("runs_as")
                .and_then(|a| self.reference(a, IDENTITY)),
            inputs: self.references_of(attributes, "inputs", BUILD_ARTIFACT),
            outputs: self.references_of(attributes, "outputs", BUILD_ARTIFACT),
            secrets: self.references_of(attributes, "secrets", SECRET),
            guardrails: attributes.get("guardrails").and_then(|a| self.path(a)),
            environment: attributes.get("environment").and_then(|a| self.string(a)),
            redteam: self.list_of(attributes, "redteam", Self::paths),
            declassifies: self.list_of(attributes, "declassifies", Self::strings),
            pii_scan: attributes.get("pii_scan").and_then(|a| self.path(a)),
            attestation: self.list_of(attributes, "attestation", Self::path_or_list),
        }
    }

    fn references_of(
        &mut self,
        attributes: &Attributes<'_, '_>,
        name: &str,
        slot: Slot,
    ) -> Vec<Spanned<Reference>> {
        attributes
            .get(name)
            .map(|a| self.references(a, slot))
            .unwrap_or_default()
    }

    fn release(
        &mut self,
        block: &Block<'_>,
        attributes: &Attributes<'_, '_>,
        owner: &str,
    ) -> Option<Release> {
        let artifacts = match attributes.get("artifacts") {
            None => {
                self.no_artifacts(block, block.name.span);
                Vec::new()
            }
            Some(attribute) => {
                if matches!(&attribute.value, Value::List(items, _) if items.is_empty()) {
                    self.no_artifacts(block, attribute.value.span());
                }
                self.references(attribute, BUILD_ARTIFACT)
            }
        };
        let environment = match attributes.get("environment") {
            Some(attribute) => self.string(attribute),
            None => {
                self.missing(owner, block, "environment", "\"production\"");
                None
            }
        };
        let exposure = match attributes.get("exposure") {
            Some(attribute) => self.exposure(attribute),
            None => {
                self.missing(owner, block, "exposure", "\"public\"");
                None
            }
        };
        Some(Release {
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            artifacts,
            environment: environment?,
            exposure: exposure?,
        })
    }

    fn no_artifacts(&mut self, block: &Block<'_>, sp: SourceSpan) {
        self.reporter.push(SyntaxError::NoArtifacts {
            location: self.location(sp),
            name: block.name.value.clone(),
            src: self.reporter.src(),
            span: sp,
        });
    }

    fn exposure(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<Exposure>> {
        let written = self.string(attribute)?;
        let exposure = match written.value.as_str() {
            "public" => Exposure::Public,
            "internal" => Exposure::Internal,
            "private" => Exposure::Private,
            other => {
                let help = suggest(other, ["public", "internal", "private"])
                    .map(|s| format!("did you mean \"{s}\"?"));
                self.reporter.push(SyntaxError::InvalidExposure {
                    location: self.location(written.span),
                    found: other.to_owned(),
                    src: self.reporter.src(),
                    span: written.span,
                    help,
                });
                return None;
            }
        };
        Some(Spanned::new(exposure, written.span))
    }

    /// A model's `format`: one of [`MODEL_FORMATS`] (any case), else an error with the closest
    /// name.
    /// A duration such as `"30d"`, `"12h"`, `"90m"`, `"2w"` or `"3600s"`, in seconds.
    fn duration(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<u64>> {
        let written = self.string(attribute)?;
        match crate::duration::parse_duration(&written.value) {
            Ok(seconds) => Some(Spanned::new(seconds, written.span)),
            Err(reason) => {
                self.reporter.push(SyntaxError::InvalidDuration {
                    location: self.location(written.span),
                    written: written.value.clone(),
                    reason,
                    src: self.reporter.src(),
                    span: written.span,
                });
                None
            }
        }
    }

    fn model_format(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<String>> {
        let written = self.string(attribute)?;
        if MODEL_FORMATS
            .iter()
            .any(|f| f.eq_ignore_ascii_case(written.value.trim()))
        {
            return Some(written);
        }
        let help = match suggest(&written.value, MODEL_FORMATS.iter().copied()) {
            Some(close) => format!("did you mean \"{close}\"?"),
            None => format!("formats: {}", MODEL_FORMATS.join(", ")),
        };
        self.reporter.push(SyntaxError::InvalidModelFormat {
            location: self.location(written.span),
            found: written.value.clone(),
            src: self.reporter.src(),
            span: written.span,
            help,
        });
        None
    }

    /// A non-negative number with at most three decimals, in thousandths (`0.05` is 50); a
    /// ratio is at most 1.
    fn milli(&mut self, attribute: &Attribute<'_>, expected: Expected) -> Option<Spanned<u64>> {
        let (text, span) = match &attribute.value {
            Value::Integer(n, span) => (n.to_string(), *span),
            Value::Decimal(d, span) => ((*d).to_owned(), *span),
            _ => {
                self.wrong_type(attribute, expected);
                return None;
            }
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let value = if whole.starts_with('-') || fraction.len() > 3 {
            None
        } else {
            let whole: Option<u64> = whole.parse().ok();
            let fraction: Option<u64> = format!("{fraction:0<3}").parse().ok();
            whole
                .and_then(|w| w.checked_mul(1000))
                .zip(fraction)
                .and_then(|(w, f)| w.checked_add(f))
        };
        match value {
            Some(v) if !matches!(expected, Expected::Ratio) || v <= 1000 => {
                Some(Spanned::new(v, span))
            }
            _ => {
                self.wrong_type(attribute, expected);
                None
            }
        }
    }

    fn threshold(&mut self, attribute: &Attribute<'_>) -> Option<Spanned<String>> {
        const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
        let written = self.string(attribute)?;
        if SEVERITIES.contains(&written.value.as_str()) {
            return Some(written);
        }
        let help = suggest(&written.value, SEVERITIES).map(|s| format!("did you mean \"{s}\"?"));
        self.reporter.push(SyntaxError::InvalidThreshold {
            location: self.location(written.span),
            found: written.value.clone(),
            src: self.reporter.src(),
            span: written.span,
            help,
        });
        None
    }

    fn waiver(
        &mut self,
        block: &Block<'_>,
        attributes: &Attributes<'_, '_>,
        owner: &str,
    ) -> Option<Waiver> {
        let policy = match attributes.get("policy") {
            Some(attribute) => self.string(attribute),
            None => {
                self.missing(owner, block, "policy", "\"no-critical-vulnerabilities\"");
                None
            }
        };
        let target = attributes
            .get("target")
            .and_then(|a| self.reference(a, WAIVER_TARGET));
        let expires = match attributes.get("expires") {
            Some(attribute) => self.date(attribute),
            None => {
                self.missing(owner, block, "expires", "2027-01-31");
                None
            }
        };
        let reason = match attributes.get("reason") {
            Some(attribute) => match self.string(attribute) {
                Some(reason) if reason.value.trim().is_empty() => {
                    self.reporter.push(SyntaxError::WrongType {
                        location: self.location(reason.span),
                        attribute: "reason".to_owned(),
                        expected: "a non-empty string".to_owned(),
                        found: "an empty string".to_owned(),
                        src: self.reporter.src(),
                        span: reason.span,
                        help: Some("say why the exception is acceptable and until when".to_owned()),
                    });
                    None
                }
                other => other,
            },
            None => {
                self.missing(
                    owner,
                    block,
                    "reason",
                    "\"why this exception is acceptable\"",
                );
                None
            }
        };
        Some(Waiver {
            name: Spanned::new(block.name.value.clone(), block.name.span),
            span: block.span,
            policy: policy?,
            target,
            expires: expires?,
            reason: reason?,
        })
    }
}

fn unknown_attribute_help(name: &str, allowed: &[&str], kind: Option<Kind>) -> String {
    let close = suggest(name, allowed.iter().copied());
    let mut valid_on: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|&k| Some(k) != kind && attributes_of(k).contains(&name))
        .map(|k| k.keyword().to_owned())
        .collect();
    if kind.is_some() && PIPELINE_ATTRIBUTES.contains(&name) {
        valid_on.push("the pipeline".to_owned());
    }
    let elsewhere =
        (!valid_on.is_empty()).then(|| format!("`{name}` is valid on {}", join_and(&valid_on)));
    match (close, elsewhere) {
        (Some(close), Some(elsewhere)) => format!("did you mean `{close}`? ({elsewhere})"),
        (Some(close), None) => format!("did you mean `{close}`?"),
        (None, Some(elsewhere)) => elsewhere,
        (None, None) => format!("valid attributes here: {}", allowed.join(", ")),
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Checks `YYYY-MM-DD` and that the day exists.
pub(crate) fn parse_date(written: &str) -> Result<Date, String> {
    let parts: Vec<&str> = written.split('-').collect();
    let [year, month, day] = parts[..] else {
        return Err("expected YYYY-MM-DD".to_owned());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return Err("expected YYYY-MM-DD (4-digit year, 2-digit month and day)".to_owned());
    }
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i32>(), month.parse::<u8>(), day.parse::<u8>())
    else {
        return Err("expected YYYY-MM-DD".to_owned());
    };
    if !(1..=12).contains(&month) {
        return Err(format!("there is no month {month}"));
    }
    let days = palisade_core::time::days_in_month(year, month);
    if day == 0 || day > days {
        let month_name = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][usize::from(month - 1)];
        return Err(format!("{month_name} {year} has no day {day}"));
    }
    Date::new(year, month, day).ok_or_else(|| "expected YYYY-MM-DD".to_owned())
}

/// Parses `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`, saying what is wrong.
pub(crate) fn check_digest(digest: &str) -> Result<Digest, String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err("expected `<algorithm>:<hex>`".to_owned());
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        other => {
            return Err(format!(
                "unsupported algorithm `{other}` (use sha256 or sha512)"
            ));
        }
    };
    if let Some(bad) = hex.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Err(format!("`{bad}` is not a lowercase hex digit"));
    }
    if hex.len() != length {
        return Err(format!(
            "{algorithm} takes {length} hex digits, found {}",
            hex.len()
        ));
    }
    digest.parse::<Digest>().map_err(|e| e.to_string())
}

/// The digest pinned in an OCI-style reference (`name@sha256:…`), if it is a valid one.
fn pinned_digest(reference: &str) -> Option<Digest> {
    let (_, digest) = reference.rsplit_once('@')?;
    check_digest(digest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let ok = |s: &str| parse_date(s).map(|d| d.to_string());
        assert_eq!(ok("2027-01-31"), Ok("2027-01-31".to_owned()));
        assert_eq!(ok("2028-02-29"), Ok("2028-02-29".to_owned()));
        assert_eq!(ok("2000-02-29"), Ok("2000-02-29".to_owned()));
        assert_eq!(
            ok("1900-02-29"),
            Err("February 1900 has no day 29".to_owned())
        );
        assert_eq!(
            ok("2027-02-29"),
            Err("February 2027 has no day 29".to_owned())
        );
        assert_eq!(
            ok("2027-02-30"),
            Err("February 2027 has no day 30".to_owned())
        );
        assert_eq!(ok("2027-04-31"), Err("April 2027 has no day 31".to_owned()));
        assert_eq!(ok("2027-13-01"), Err("there is no month 13".to_owned()));
        assert_eq!(ok("2027-00-01"), Err("there is no month 0".to_owned()));
        assert_eq!(
            ok("2027-01-00"),
            Err("January 2027 has no day 0".to_owned())
        );
        assert!(ok("2027-1-5").is_err_and(|e| e.starts_with("expected YYYY-MM-DD")));
        assert!(ok("27-01-05").is_err_and(|e| e.starts_with("expected YYYY-MM-DD")));
        assert!(ok("2027-01-05-1").is_err_and(|e| e.starts_with("expected YYYY-MM-DD")));
    }

    #[test]
    fn digests() {
        let hex64 = "a".repeat(64);
        assert_eq!(
            check_digest(&format!("sha256:{hex64}")).map(|d| d.to_string()),
            Ok(format!("sha256:{hex64}"))
        );
        assert!(check_digest(&format!("sha512:{hex64}{hex64}")).is_ok());
        assert_eq!(
            check_digest("sha256:abc"),
            Err("sha256 takes 64 hex digits, found 3".to_owned())
        );
        assert_eq!(
            check_digest(&format!("sha256:{}", "A".repeat(64))),
            Err("`A` is not a lowercase hex digit".to_owned())
        );
        assert_eq!(
            check_digest("md5:abc"),
            Err("unsupported algorithm `md5` (use sha256 or sha512)".to_owned())
        );
        assert_eq!(
            check_digest("abc"),
            Err("expected `<algorithm>:<hex>`".to_owned())
        );
        assert_eq!(
            pinned_digest(&format!("r.example/x@sha256:{hex64}")).map(|d| d.to_string()),
            Some(format!("sha256:{hex64}"))
        );
        assert_eq!(pinned_digest("r.example/x@sha256:4f1c…"), None);
        assert_eq!(pinned_digest("r.example/x:latest"), None);
    }

    #[test]
    fn unknown_attribute_helps() {
        assert_eq!(
            unknown_attribute_help("format", ARTIFACT_ATTRIBUTES, Some(Kind::Dataset)),
            "`format` is valid on model"
        );
        assert_eq!(
            unknown_attribute_help("lables", ARTIFACT_ATTRIBUTES, Some(Kind::Dataset)),
            "did you mean `labels`?"
        );
        assert_eq!(
            unknown_attribute_help("vault", MODEL_ATTRIBUTES, Some(Kind::Model)),
            "`vault` is valid on secret"
        );
        assert_eq!(
            unknown_attribute_help("environment", ARTIFACT_ATTRIBUTES, Some(Kind::Code)),
            "`environment` is valid on stage and release"
        );
        assert_eq!(
            unknown_attribute_help("owner", KEY_ATTRIBUTES, Some(Kind::Key)),
            "`owner` is valid on the pipeline"
        );
        assert_eq!(
            unknown_attribute_help("zzz", KEY_ATTRIBUTES, Some(Kind::Key)),
            "valid attributes here: public_key, description"
        );
    }
}
