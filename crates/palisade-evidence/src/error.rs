//! Evidence that cannot be used: each error names the pipeline declaration that points at the
//! file (a labelled snippet of the `.pal` file) and carries the reader's own diagnostic, which
//! names the place inside the evidence file and the reason.

use miette::{Diagnostic, NamedSource, SourceSpan};

/// One evidence file that could not be used.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{location}: {what}: {reason}")]
#[diagnostic(
    code(palisade::evidence::unusable),
    help("fix or regenerate the file; evidence that cannot be read is never treated as empty")
)]
pub struct EvidenceError {
    /// `pipeline.pal:line:column` of the declaration.
    pub location: String,
    /// What was being read, e.g. `bom "sbom/app.cdx.json" of code "app"`.
    pub what: String,
    /// The reason, one line (the first line of the reader's message).
    pub reason: String,
    /// The pipeline file.
    #[source_code]
    pub src: NamedSource<std::sync::Arc<String>>,
    /// Where the pipeline names the file.
    #[label("declared here")]
    pub span: SourceSpan,
    /// The reader's diagnostic (with its own snippet of the evidence file, when it has one).
    #[related]
    pub cause: Vec<miette::Report>,
}

/// Every evidence error of one evaluation, reported together.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{count} evidence file{plural} could not be used", count = errors.len(), plural = if errors.len() == 1 { "" } else { "s" })]
#[diagnostic(code(palisade::evidence::errors))]
pub struct EvidenceErrors {
    /// The errors, in pipeline order.
    #[related]
    pub errors: Vec<EvidenceError>,
}
