//! Diagnostics of the pipeline language: every syntax and meaning error a `.pal` file can have.
//!
//! Each [`SyntaxError`] carries the file's text (so miette can show a labelled snippet), the byte
//! span of the offending place, and a `location` string (`pipeline.pal:12:5`) so that its plain
//! `Display` text also names the file, line and column. [`Diagnostics`] groups all errors of one
//! file and renders them together.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// The source text type every diagnostic carries.
pub type Source = NamedSource<Arc<String>>;

/// One error in a pipeline file.
///
/// The `location` field of every variant is `file:line:column` of the primary span (1-based,
/// columns in characters); `Display` starts with it.
#[derive(Debug, Error, Diagnostic)]
pub enum SyntaxError {
    /// The file could not be read.
    #[error("cannot read {file}: {reason}")]
    #[diagnostic(code(palisade::syntax::io))]
    Io {
        /// The file as the user named it.
        file: String,
        /// The operating system's reason.
        reason: String,
    },

    /// The file is larger than [`crate::LoadOptions::max_bytes`].
    #[error("{file} is larger than the limit of {limit} bytes ({size} bytes or more)")]
    #[diagnostic(
        code(palisade::syntax::too_large),
        help("a pipeline file is a short description; split data out into evidence files")
    )]
    TooLarge {
        /// The file as the user named it.
        file: String,
        /// Its size (or the number of bytes read before stopping).
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// The file is not UTF-8 text.
    #[error("{file} is not UTF-8 text (invalid byte at offset {offset})")]
    #[diagnostic(code(palisade::syntax::not_utf8))]
    NotUtf8 {
        /// The file as the user named it.
        file: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },

    /// The text does not follow the grammar.
    #[error("{location}: syntax error: {message}")]
    #[diagnostic(code(palisade::syntax::parse))]
    Syntax {
        /// `file:line:column`.
        location: String,
        /// What was expected and what was found.
        message: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// Where parsing stopped.
        #[label("{label}")]
        span: SourceSpan,
        /// Short label text.
        label: String,
        /// How to fix it, when we know.
        #[help]
        help: Option<String>,
    },

    /// A bidirectional-override or isolate character (U+202A–202E, U+2066–2069) in the file:
    /// it makes the text display in an order other than the one palisade reads ("Trojan
    /// Source"), so a reviewer could approve something other than what runs.
    #[error("{location}: bidirectional control character U+{code:04X} in the pipeline file")]
    #[diagnostic(
        code(palisade::syntax::bidi_control),
        help(
            "remove it; if a string really needs one, write it as an escape (`\\u{{{code:X}}}`) so reviewers see it"
        )
    )]
    BidiControl {
        /// `file:line:column`.
        location: String,
        /// The character's code point.
        code: u32,
        /// The file's text.
        #[source_code]
        src: Source,
        /// Where.
        #[label("this character reorders the text around it")]
        span: SourceSpan,
    },

    /// A string without its closing quote on the same line.
    #[error("{location}: unterminated string")]
    #[diagnostic(
        code(palisade::syntax::unterminated_string),
        help(
            "close the string with `\"` on the same line; write a line break inside a string as `\\n`"
        )
    )]
    UnterminatedString {
        /// `file:line:column` of the opening quote.
        location: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The opening quote.
        #[label("this string is never closed")]
        span: SourceSpan,
    },

    /// A `/*` comment without `*/`.
    #[error("{location}: unterminated comment")]
    #[diagnostic(
        code(palisade::syntax::unterminated_comment),
        help("close the comment with `*/`")
    )]
    UnterminatedComment {
        /// `file:line:column` of the `/*`.
        location: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The `/*`.
        #[label("this comment is never closed")]
        span: SourceSpan,
    },

    /// An unknown or malformed escape sequence inside a string.
    #[error("{location}: invalid escape `{escape}` in a string")]
    #[diagnostic(
        code(palisade::syntax::invalid_escape),
        help(
            "valid escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and `\\u{{…}}` (1 to 6 hex digits of a Unicode scalar value)"
        )
    )]
    InvalidEscape {
        /// `file:line:column` of the backslash.
        location: String,
        /// The escape as written.
        escape: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The escape sequence.
        #[label("invalid escape")]
        span: SourceSpan,
    },

    /// An integer that does not fit in 64 bits.
    #[error("{location}: integer `{written}` is out of range")]
    #[diagnostic(code(palisade::syntax::integer_range))]
    IntegerOutOfRange {
        /// `file:line:column`.
        location: String,
        /// The integer as written.
        written: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The integer.
        #[label("does not fit in a 64-bit integer")]
        span: SourceSpan,
    },

    /// The file has no `pipeline` block (it is empty, only comments, or starts with something
    /// else).
    #[error("{location}: {file} has no `pipeline` block")]
    #[diagnostic(
        code(palisade::syntax::missing_pipeline),
        help("a pipeline file holds one block: `pipeline \"<name>\" {{ … }}`")
    )]
    MissingPipeline {
        /// `file:line:column`.
        location: String,
        /// The file as the user named it.
        file: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// What is there instead (or the end of the file).
        #[label("{label}")]
        span: SourceSpan,
        /// Label text.
        label: String,
    },

    /// A second `pipeline` block.
    #[error("{location}: more than one `pipeline` block")]
    #[diagnostic(
        code(palisade::syntax::extra_pipeline),
        help(
            "a pipeline file holds exactly one `pipeline` block; split pipelines into separate files"
        )
    )]
    ExtraPipeline {
        /// `file:line:column` of the second block.
        location: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The first block's name.
        #[label("first `pipeline` block")]
        first: SourceSpan,
        /// The second block's name.
        #[label("another `pipeline` block")]
        second: SourceSpan,
    },

    /// Something outside the `pipeline` block.
    #[error("{location}: `{word}` is outside the `pipeline` block")]
    #[diagnostic(
        code(palisade::syntax::outside_pipeline),
        help("move it inside `pipeline \"<name>\" {{ … }}`")
    )]
    OutsidePipeline {
        /// `file:line:column`.
        location: String,
        /// The block kind or attribute name.
        word: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The stray item.
        #[label("outside the pipeline")]
        span: SourceSpan,
    },

    /// A `pipeline` block inside the `pipeline` block.
    #[error("{location}: a `pipeline` block cannot be nested in another")]
    #[diagnostic(code(palisade::syntax::nested_pipeline))]
    NestedPipeline {
        /// `file:line:column`.
        location: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The nested block's keyword.
        #[label("nested `pipeline` block")]
        span: SourceSpan,
    },

    /// A block or reference names a kind the language does not have.
    #[error("{location}: unknown kind `{word}`")]
    #[diagnostic(code(palisade::syntax::unknown_kind))]
    UnknownKind {
        /// `file:line:column`.
        location: String,
        /// The word as written.
        word: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The word.
        #[label("not a kind")]
        span: SourceSpan,
        /// "did you mean" and the list of kinds.
        #[help]
        help: Option<String>,
    },

    /// An attribute the block's kind does not have.
    #[error("{location}: unknown attribute `{attribute}` on {owner}")]
    #[diagnostic(code(palisade::syntax::unknown_attribute))]
    UnknownAttribute {
        /// `file:line:column`.
        location: String,
        /// The attribute as written.
        attribute: String,
        /// `model "fraud-xgb"` or `the pipeline`.
        owner: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The attribute name.
        #[label("unknown attribute")]
        span: SourceSpan,
        /// "did you mean" and/or which kinds accept it.
        #[help]
        help: Option<String>,
    },

    /// The same attribute set twice in one block.
    #[error("{location}: attribute `{attribute}` is set twice")]
    #[diagnostic(
        code(palisade::syntax::duplicate_attribute),
        help("keep one of them; a list attribute takes all its values at once: `name = [a, b]`")
    )]
    DuplicateAttribute {
        /// `file:line:column` of the second one.
        location: String,
        /// The attribute.
        attribute: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The first one.
        #[label("first set here")]
        first: SourceSpan,
        /// The second one.
        #[label("set again here")]
        second: SourceSpan,
    },

    /// A value of the wrong type.
    #[error("{location}: `{attribute}` expects {expected}, found {found}")]
    #[diagnostic(code(palisade::syntax::wrong_type))]
    WrongType {
        /// `file:line:column`.
        location: String,
        /// The attribute.
        attribute: String,
        /// What the attribute accepts (`a list of references`).
        expected: String,
        /// What was written (`a string`).
        found: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The value.
        #[label("expected {expected}")]
        span: SourceSpan,
        /// An example of the right form, when useful.
        #[help]
        help: Option<String>,
    },

    /// A required attribute is missing.
    #[error("{location}: {owner} has no `{attribute}`")]
    #[diagnostic(code(palisade::syntax::missing_attribute))]
    MissingAttribute {
        /// `file:line:column` of the block.
        location: String,
        /// `release "production"`.
        owner: String,
        /// The missing attribute.
        attribute: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The block's name.
        #[label("`{attribute}` is required here")]
        span: SourceSpan,
        /// An example.
        #[help]
        help: Option<String>,
    },

    /// Two declarations of the same kind with the same name.
    #[error("{location}: {kind} {name:?} is declared twice")]
    #[diagnostic(
        code(palisade::syntax::duplicate_name),
        help("names are unique within a kind; rename one of them")
    )]
    DuplicateName {
        /// `file:line:column` of the second declaration.
        location: String,
        /// The kind keyword.
        kind: String,
        /// The name.
        name: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The first declaration.
        #[label("first declared here")]
        first: SourceSpan,
        /// The second declaration.
        #[label("declared again here")]
        second: SourceSpan,
    },

    /// A name that is empty or holds control characters.
    #[error("{location}: invalid name {name:?}: {reason}")]
    #[diagnostic(code(palisade::syntax::invalid_name))]
    InvalidName {
        /// `file:line:column`.
        location: String,
        /// The name.
        name: String,
        /// Why.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The name.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// A reference to something that is not declared.
    #[error("{location}: {reference} is not declared")]
    #[diagnostic(code(palisade::syntax::undeclared))]
    Undeclared {
        /// `file:line:column`.
        location: String,
        /// The reference as `kind "name"`.
        reference: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The reference.
        #[label("no such declaration")]
        span: SourceSpan,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// A reference of a kind the attribute does not take.
    #[error("{location}: `{attribute}` takes {expected}, not {found}")]
    #[diagnostic(code(palisade::syntax::wrong_reference_kind))]
    WrongReferenceKind {
        /// `file:line:column`.
        location: String,
        /// The attribute.
        attribute: String,
        /// The kinds it accepts (`a code, dataset, model or image`).
        expected: String,
        /// The kind found (`a key`).
        found: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The reference.
        #[label("{found} here")]
        span: SourceSpan,
    },

    /// A release without artifacts.
    #[error("{location}: release {name:?} has no artifacts")]
    #[diagnostic(
        code(palisade::syntax::no_artifacts),
        help("list what it ships: `artifacts = [image \"serving\", model \"fraud-xgb\"]`")
    )]
    NoArtifacts {
        /// `file:line:column`.
        location: String,
        /// The release's name.
        name: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The release's name, or its empty list.
        #[label("releases nothing")]
        span: SourceSpan,
    },

    /// A vulnerability threshold other than critical/high/medium/low.
    #[error("{location}: invalid vulnerability_threshold {found:?}")]
    #[diagnostic(code(palisade::syntax::invalid_threshold))]
    InvalidThreshold {
        /// `file:line:column`.
        location: String,
        /// The value as written.
        found: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The value.
        #[label("expected \"critical\", \"high\", \"medium\" or \"low\"")]
        span: SourceSpan,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// A model `format` that is not one of [`crate::MODEL_FORMATS`].
    #[error("{location}: unknown model format {found:?}")]
    #[diagnostic(code(palisade::syntax::invalid_model_format))]
    InvalidModelFormat {
        /// `file:line:column`.
        location: String,
        /// The value as written.
        found: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The value.
        #[label("not a model format palisade knows")]
        span: SourceSpan,
        /// "did you mean", or the list of formats.
        #[help]
        help: String,
    },

    /// An exposure other than public/internal/private.
    #[error("{location}: invalid exposure {found:?}")]
    #[diagnostic(code(palisade::syntax::invalid_exposure))]
    InvalidExposure {
        /// `file:line:column`.
        location: String,
        /// The value as written.
        found: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The value.
        #[label("expected \"public\", \"internal\" or \"private\"")]
        span: SourceSpan,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// A date that is malformed or does not exist.
    #[error("{location}: invalid date `{written}`: {reason}")]
    #[diagnostic(
        code(palisade::syntax::invalid_date),
        help("write dates as YYYY-MM-DD, e.g. 2027-01-31")
    )]
    InvalidDate {
        /// `file:line:column`.
        location: String,
        /// The date as written.
        written: String,
        /// Why it is not a date.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The date.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// A digest that is not `sha256:<64 hex>` or `sha512:<128 hex>`.
    #[error("{location}: invalid digest {written:?}: {reason}")]
    #[diagnostic(
        code(palisade::syntax::invalid_digest),
        help("write `sha256:` and 64 lowercase hex digits (or `sha512:` and 128)")
    )]
    InvalidDigest {
        /// `file:line:column`.
        location: String,
        /// The digest as written.
        written: String,
        /// Why.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The digest.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// A duration (`summary_max_age`) that is not `<number><unit>`.
    #[error("{location}: invalid duration {written:?}: {reason}")]
    #[diagnostic(
        code(palisade::syntax::invalid_duration),
        help("write a whole number and a unit: s, m, h, d or w, e.g. \"30d\"")
    )]
    InvalidDuration {
        /// `file:line:column`.
        location: String,
        /// The duration as written.
        written: String,
        /// Why.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The duration.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// `digest` disagrees with the digest inside `ref`.
    #[error("{location}: `digest` differs from the digest pinned in `ref`")]
    #[diagnostic(
        code(palisade::syntax::digest_mismatch),
        help("keep one of them, or make them equal")
    )]
    DigestMismatch {
        /// `file:line:column` of `digest`.
        location: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The `ref`.
        #[label("pinned here")]
        pinned: SourceSpan,
        /// The `digest`.
        #[label("a different digest here")]
        digest: SourceSpan,
    },

    /// Two attributes that exclude each other (`path` with `ref`/`uri`, or `ref` with `uri`).
    #[error("{location}: `{first_name}` and `{second_name}` cannot both be set")]
    #[diagnostic(
        code(palisade::syntax::conflicting_attributes),
        help(
            "an artifact is either local (`path`, hashed) or remote (`ref` or `uri`, pinned by `digest`)"
        )
    )]
    Conflicting {
        /// `file:line:column` of the second attribute.
        location: String,
        /// The first attribute.
        first_name: String,
        /// The second attribute.
        second_name: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The first one.
        #[label("`{first_name}` here")]
        first: SourceSpan,
        /// The second one.
        #[label("`{second_name}` here")]
        second: SourceSpan,
    },

    /// A path that leaves the pipeline's folder through `..` or is absolute.
    #[error("{location}: path {written:?} escapes the pipeline folder: {reason}")]
    #[diagnostic(code(palisade::syntax::path_escapes))]
    PathEscapes {
        /// `file:line:column`.
        location: String,
        /// The path as written.
        written: String,
        /// Why (absolute, or `..` past the folder).
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The path.
        #[label("outside {folder}")]
        span: SourceSpan,
        /// The pipeline's folder.
        folder: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A path that leaves the pipeline's folder through a symlink.
    #[error(
        "{location}: path {written:?} escapes the pipeline folder: `{link}` is a symlink to {target}"
    )]
    #[diagnostic(code(palisade::syntax::symlink_escapes))]
    SymlinkEscapes {
        /// `file:line:column`.
        location: String,
        /// The path as written.
        written: String,
        /// The symlink (relative to the pipeline's folder).
        link: String,
        /// Where it points.
        target: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The path.
        #[label("goes through a symlink that leaves the folder")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A path that is empty or cannot be checked.
    #[error("{location}: invalid path {written:?}: {reason}")]
    #[diagnostic(code(palisade::syntax::invalid_path))]
    InvalidPath {
        /// `file:line:column`.
        location: String,
        /// The path as written.
        written: String,
        /// Why.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The path.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// An `ignore` pattern that is refused (negation, character class, `..`, only wildcards, ...).
    #[error("{location}: invalid ignore pattern {written:?}: {reason}")]
    #[diagnostic(
        code(palisade::syntax::invalid_ignore),
        help(
            "patterns are gitignore-like globs relative to the artifact's folder: `name`, `name/` (folders only), `a/b` (anchored), `*`, `?`, `**` as a whole segment"
        )
    )]
    InvalidIgnore {
        /// `file:line:column`.
        location: String,
        /// The pattern as written.
        written: String,
        /// Why.
        reason: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The pattern.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// A `policies` entry starting with `@` other than `@baseline`.
    #[error("{location}: unknown built-in policy pack {written:?}")]
    #[diagnostic(code(palisade::syntax::unknown_policy_pack))]
    UnknownPolicyPack {
        /// `file:line:column`.
        location: String,
        /// The entry as written.
        written: String,
        /// The file's text.
        #[source_code]
        src: Source,
        /// The entry.
        #[label("not a built-in pack")]
        span: SourceSpan,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// An explicit limit was exceeded (declarations, string length, list length).
    #[error("{location}: too many {what} (the limit is {limit})")]
    #[diagnostic(code(palisade::syntax::limit))]
    LimitExceeded {
        /// `file:line:column`.
        location: String,
        /// What was counted.
        what: String,
        /// The limit.
        limit: usize,
        /// The file's text.
        #[source_code]
        src: Source,
        /// Where the limit was crossed.
        #[label("limit crossed here")]
        span: SourceSpan,
    },

    /// More errors than are worth reporting; the rest were not reported.
    #[error("{file}: more than {limit} errors; stopped reporting")]
    #[diagnostic(code(palisade::syntax::too_many_errors))]
    TooManyErrors {
        /// The file as the user named it.
        file: String,
        /// How many were reported.
        limit: usize,
    },
}

/// All errors of one pipeline file, reported together.
///
/// Renders as a one-line summary followed by every error (miette `related`).
#[derive(Debug, Error, Diagnostic)]
#[error("{file}: {}", summary(.errors.len()))]
#[diagnostic(code(palisade::syntax::errors))]
pub struct Diagnostics {
    file: String,
    #[related]
    errors: Vec<SyntaxError>,
}

fn summary(count: usize) -> String {
    if count == 1 {
        "1 error".to_owned()
    } else {
        format!("{count} errors")
    }
}

impl Diagnostics {
    /// Groups the errors of `file`.
    pub fn new(file: impl Into<String>, errors: Vec<SyntaxError>) -> Self {
        Self {
            file: file.into(),
            errors,
        }
    }

    /// The file the errors are in, as the user named it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every error, in the order found.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are none (never true for a `Diagnostics` returned by this crate).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Takes the errors out.
    pub fn into_errors(self) -> Vec<SyntaxError> {
        self.errors
    }
}
