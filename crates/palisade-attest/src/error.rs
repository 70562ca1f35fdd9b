//! Why an attestation could not be made, or a bundle could not be checked at all.

use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Why a verification summary could not be made. Each variant names the pipeline file and
/// points at the artifact's declaration (boxed: the details are large and rare).
#[derive(Debug, Error, Diagnostic)]
pub enum AttestError {
    /// A released artifact has no digest to put in the statement.
    #[error(transparent)]
    #[diagnostic(transparent)]
    NoDigest(Box<NoDigest>),
    /// A released artifact's content could not be hashed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hash(Box<HashFailed>),
}

/// A released artifact has no digest to put in the statement.
#[derive(Debug, Error, Diagnostic)]
#[error("{file}: {kind} {name:?} is released but has no sha256 to attest: {reason}")]
#[diagnostic(code(palisade::attest::no_digest))]
pub struct NoDigest {
    /// The pipeline file.
    pub file: String,
    /// The artifact's kind.
    pub kind: String,
    /// The artifact's name.
    pub name: String,
    /// Why there is no digest.
    pub reason: String,
    /// What to do about it.
    #[help]
    pub help: String,
    /// The pipeline's text.
    #[source_code]
    pub src: NamedSource<Arc<String>>,
    /// The declaration (or its `ref` / `digest` value).
    #[label("{reason}")]
    pub span: SourceSpan,
}

/// A released artifact's content could not be hashed.
#[derive(Debug, Error, Diagnostic)]
#[error("{file}: {kind} {name:?} is released but its content cannot be hashed")]
#[diagnostic(code(palisade::attest::hash))]
pub struct HashFailed {
    /// The pipeline file.
    pub file: String,
    /// The artifact's kind.
    pub kind: String,
    /// The artifact's name.
    pub name: String,
    /// The hashing error (it names the path and the reason).
    #[source]
    #[diagnostic_source]
    pub source: palisade_hash::HashError,
    /// The pipeline's text.
    #[source_code]
    pub src: NamedSource<Arc<String>>,
    /// The artifact's `path`.
    #[label("hashed from here")]
    pub span: SourceSpan,
}

/// Why `verify` could not check a bundle at all (unusable input, exit 2); a signature or a
/// digest that does not verify is a [`crate::verify::Report`], not an error.
#[derive(Debug, Error, Diagnostic)]
pub enum VerifyError {
    /// The bundle file could not be read.
    #[error("{}: cannot read the bundle: {reason}", path.display())]
    #[diagnostic(code(palisade::verify::io))]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The bundle is not a bundle we read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bundle(#[from] palisade_sigstore::bundle::BundleError),
    /// A trusted key or certificate file could not be used.
    #[error("{file}: {reason}")]
    #[diagnostic(code(palisade::verify::trust))]
    Trust {
        /// The key or CA file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A trusted key could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] palisade_sigstore::keys::KeyError),
    /// An `--artifact` could not be hashed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hash(#[from] palisade_hash::HashError),
    /// A model signature's statement or model could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Model(#[from] palisade_sigstore::model_signing::ModelSigningError),
    /// The arguments do not fit the bundle (e.g. two `--artifact`s for one model signature).
    #[error("{file}: {reason}")]
    #[diagnostic(code(palisade::verify::usage))]
    Usage {
        /// The bundle file.
        file: String,
        /// What does not fit.
        reason: String,
    },
}
