//! Errors loading policies and checking them against the pipeline.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Everything wrong with a policy pack, reported at once.
#[derive(Debug, Error, Diagnostic)]
#[error("{} policy error{}", errors.len(), if errors.len() == 1 { "" } else { "s" })]
#[diagnostic(code(palisade::policy::invalid))]
pub struct PolicyErrors {
    /// Each error.
    #[related]
    pub errors: Vec<PolicyError>,
}

/// One problem with a policy file or a waiver.
#[derive(Debug, Error, Diagnostic)]
pub enum PolicyError {
    /// A policy file or folder could not be read.
    #[error("cannot read policies at {path}: {reason}")]
    #[diagnostic(code(palisade::policy::io))]
    Io {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Cedar could not parse the file, or strict validation against the schema failed.
    #[error("{file}:{line}:{column}: {message}")]
    #[diagnostic(code(palisade::policy::cedar))]
    Cedar {
        /// The policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Cedar's message.
        message: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// Where.
        #[label("{label}")]
        span: SourceSpan,
        /// The label text.
        label: String,
        /// Cedar's help, if any.
        #[help]
        help: Option<String>,
    },
    /// A policy annotation is missing or has a bad value.
    #[error("{file}:{line}:{column}: {message}")]
    #[diagnostic(code(palisade::policy::annotation))]
    Annotation {
        /// The policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// The file's text.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The policy.
        #[label("this policy")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A waiver names a policy id that no loaded policy has.
    #[error("waiver {waiver:?} names unknown policy {policy:?}")]
    #[diagnostic(code(palisade::policy::unknown_waiver_policy))]
    UnknownWaiverPolicy {
        /// The waiver.
        waiver: String,
        /// The id it names.
        policy: String,
        /// The pipeline file.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The `policy = …` value.
        #[label("no loaded policy has this @id")]
        span: SourceSpan,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A policy names an entity (`Identity::"trainr"`) that the pipeline does not declare: the
    /// policy could never apply to it, almost always a typo.
    #[error(
        "{file}:{line}:{column}: policy {policy:?} names {entity}, which the pipeline does not declare"
    )]
    #[diagnostic(code(palisade::policy::unknown_entity))]
    UnknownEntity {
        /// The policy's `@id`.
        policy: String,
        /// The entity as written (`Identity::"trainr"`).
        entity: String,
        /// The policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The file's text.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// Where.
        #[label("not declared in the pipeline")]
        span: SourceSpan,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// Strict validation found that a policy can never apply (it reads an attribute its entity
    /// types lack, or compares values of different types): a typo that would silently allow.
    #[error("{file}:{line}:{column}: policy {policy:?} can never apply: {message}")]
    #[diagnostic(
        code(palisade::policy::impossible),
        help(
            "check the attribute names against `palisade schema`; a policy that never applies is almost always a misspelt attribute or entity type"
        )
    )]
    Impossible {
        /// The policy's `@id`.
        policy: String,
        /// Cedar's message.
        message: String,
        /// The policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The file's text.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// Where.
        #[label("this policy")]
        span: SourceSpan,
    },
    /// The generated schema itself is broken (a bug, caught by a unit test).
    #[error("internal error: the generated Cedar schema does not parse: {0}")]
    #[diagnostic(code(palisade::policy::schema))]
    Schema(String),
    /// Palisade could not turn the graph into Cedar entities or requests: a bug in palisade,
    /// never a problem with the input (the decision would be unknowable, so the gate stops).
    #[error("internal error while building {what}: {reason}")]
    #[diagnostic(
        code(palisade::policy::internal),
        help(
            "this is a bug in palisade, not in your pipeline: please report it with the pipeline that triggers it"
        )
    )]
    Internal {
        /// What was being built.
        what: String,
        /// What went wrong.
        reason: String,
    },
}

/// Palisade could not turn the graph into Cedar entities or requests: a bug in palisade,
/// never a problem with the input (the decision would be unknowable, so the gate stops with
/// exit 2).
#[derive(Debug, Error, Diagnostic)]
#[error("internal error while building {what}: {reason}")]
#[diagnostic(
    code(palisade::policy::internal),
    help(
        "this is a bug in palisade, not in your pipeline: please report it with the pipeline that triggers it"
    )
)]
pub struct InternalError {
    /// What was being built.
    pub what: String,
    /// What went wrong.
    pub reason: String,
}
