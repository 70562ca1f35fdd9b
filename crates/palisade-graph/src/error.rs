//! Errors building the graph.

use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource};
use thiserror::Error;

/// A pipeline whose graph cannot be built.
#[derive(Debug, Error, Diagnostic)]
pub enum GraphError {
    /// Stages and artifacts form a cycle; data would flow into its own source.
    #[error("stages form a cycle: {cycle}")]
    #[diagnostic(
        code(palisade::graph::cycle),
        help(
            "a stage cannot (directly or through other stages) read what it writes; split the artifact or the stage"
        )
    )]
    Cycle {
        /// Every node on the cycle, in order, the first repeated at the end.
        cycle: String,
        /// The pipeline file.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// One label per node on the cycle.
        #[label(collection)]
        labels: Vec<LabeledSpan>,
    },
    /// A reference the syntax stage should have resolved did not resolve.
    #[error("`{reference}` is not declared")]
    #[diagnostic(code(palisade::graph::unresolved))]
    Unresolved {
        /// The reference as written.
        reference: String,
        /// The pipeline file.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// Where.
        #[label("not declared")]
        span: miette::SourceSpan,
    },
}
