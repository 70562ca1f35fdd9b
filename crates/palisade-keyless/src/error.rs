//! Every way loading a trusted root or verifying a bundle can fail, one variant per step, each
//! with a stable code (`palisade::keyless::<step>`) so the gate can say which step failed.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// The verification step a [`KeylessError`] belongs to; its [`Step::code`] is the error's
/// diagnostic code. The gate reports `invalid (<step>)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The trusted root could not be read or used.
    TrustRoot,
    /// The bundle is not a well-formed Sigstore bundle (JSON, base64, structure, version).
    Bundle,
    /// The public key given for a public-key bundle could not be read, or the bundle needs one.
    Key,
    /// The signing certificate does not chain to a CA of the trusted root valid at the signed
    /// time, or is not valid itself at that time.
    Chain,
    /// The certificate's embedded Signed Certificate Timestamp is missing or does not verify
    /// with a CT log key of the trusted root.
    Sct,
    /// A transparency-log entry is unknown, unproven (inclusion proof, SET) or does not describe
    /// this bundle.
    Tlog,
    /// The signed checkpoint (tree head) of an inclusion proof is missing, malformed, or not
    /// signed by the log.
    Checkpoint,
    /// An RFC 3161 timestamp did not verify, or no trusted signed time could be established.
    Timestamp,
    /// The signature does not verify over the artifact (or the DSSE envelope).
    Signature,
    /// The verified signer matches none of the identity requirements.
    Identity,
    /// The artifact is not the one the bundle signs (digest or in-toto subject mismatch).
    Artifact,
    /// Well formed, but of a kind this verifier does not handle (payload type, key type …).
    Unsupported,
}

impl Step {
    /// Every step, in the order verification meets them.
    pub const ALL: [Step; 12] = [
        Step::TrustRoot,
        Step::Bundle,
        Step::Key,
        Step::Chain,
        Step::Sct,
        Step::Tlog,
        Step::Checkpoint,
        Step::Timestamp,
        Step::Signature,
        Step::Identity,
        Step::Artifact,
        Step::Unsupported,
    ];

    /// The short name: `trust_root`, `bundle`, `chain`, `sct`, `tlog`, `checkpoint` …
    pub fn name(self) -> &'static str {
        match self {
            Step::TrustRoot => "trust_root",
            Step::Bundle => "bundle",
            Step::Key => "key",
            Step::Chain => "chain",
            Step::Sct => "sct",
            Step::Tlog => "tlog",
            Step::Checkpoint => "checkpoint",
            Step::Timestamp => "timestamp",
            Step::Signature => "signature",
            Step::Identity => "identity",
            Step::Artifact => "artifact",
            Step::Unsupported => "unsupported",
        }
    }

    /// The diagnostic code of errors of this step: `palisade::keyless::<name>`.
    pub fn code(self) -> &'static str {
        match self {
            Step::TrustRoot => "palisade::keyless::trust_root",
            Step::Bundle => "palisade::keyless::bundle",
            Step::Key => "palisade::keyless::key",
            Step::Chain => "palisade::keyless::chain",
            Step::Sct => "palisade::keyless::sct",
            Step::Tlog => "palisade::keyless::tlog",
            Step::Checkpoint => "palisade::keyless::checkpoint",
            Step::Timestamp => "palisade::keyless::timestamp",
            Step::Signature => "palisade::keyless::signature",
            Step::Identity => "palisade::keyless::identity",
            Step::Artifact => "palisade::keyless::artifact",
            Step::Unsupported => "palisade::keyless::unsupported",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a trusted root could not be loaded or a bundle did not verify.
///
/// Its diagnostic code is always its step's: `palisade::keyless::<step>` ([`Step::code`]), so
/// the codes users see are exactly the steps; a JSON syntax error carries a labelled span.
///
/// `name` is the source name the caller gave (a file path, `pipeline.pal:trusted_root` …).
/// `detail` texts come from sigstore-verify or from this crate and have control characters
/// escaped. [`KeylessError::step`] names the failing step.
#[derive(Debug, Error)]
pub enum KeylessError {
    /// A JSON document (trusted root or bundle) is not valid JSON, too deep, or too large.
    #[error("{name}:{line}:{column}: {what}: {reason}")]
    Json {
        /// The source name.
        name: String,
        /// What the document was supposed to be: `trusted root` or `bundle`.
        what: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        reason: String,
        /// The document's text (lossy UTF-8), boxed to keep the error small.
        src: Box<NamedSource<String>>,
        /// Where the parser stopped.
        span: SourceSpan,
        /// Which document failed: [`Step::TrustRoot`] or [`Step::Bundle`].
        step: Step,
    },

    /// A document is larger than the reader's limit.
    #[error("{name}: {what} is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// The source name.
        name: String,
        /// `trusted root` or `bundle`.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
        /// Which document: [`Step::TrustRoot`] or [`Step::Bundle`].
        step: Step,
    },

    /// The trusted root is valid JSON but cannot be used (media type, keys, certificates,
    /// validity windows).
    #[error("{name}: unusable trusted root: {detail}")]
    TrustRoot {
        /// The trusted root's source name.
        name: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The bundle is valid JSON but not a usable Sigstore bundle.
    #[error("{name}: malformed bundle: {detail}")]
    Bundle {
        /// The bundle's source name.
        name: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The public key could not be read, or the bundle and the policy disagree on whether a
    /// key or a certificate signs.
    #[error("{name}: {detail}")]
    Key {
        /// The bundle's (or key's) source name.
        name: String,
        /// What is wrong.
        detail: String,
    },

    /// The signing certificate does not chain to a trusted CA valid at the signed time, or the
    /// signed time is outside its own validity.
    #[error("{name}: certificate chain: {detail}")]
    Chain {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// The certificate's SCT is missing or invalid.
    #[error("{name}: signed certificate timestamp: {detail}")]
    Sct {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// A transparency-log entry failed: unknown log, inclusion proof, SET, integrated time, or
    /// an entry body that does not describe this bundle.
    #[error("{name}: transparency log: {detail}")]
    Tlog {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// The signed checkpoint of an inclusion proof failed.
    #[error("{name}: checkpoint: {detail}")]
    Checkpoint {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// An RFC 3161 timestamp failed, or no trusted signed time exists.
    #[error("{name}: timestamp: {detail}")]
    Timestamp {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// The signature does not verify.
    #[error("{name}: signature: {detail}")]
    Signature {
        /// The bundle's source name.
        name: String,
        /// What sigstore-verify said.
        detail: String,
    },

    /// The signature is valid, but the signer matches none of the identity requirements.
    #[error(
        "{name}: signer matches no identity requirement: {}",
        summary(mismatches)
    )]
    IdentityMismatch {
        /// The bundle's source name.
        name: String,
        /// For each requirement, in order: the first field that did not match.
        mismatches: Vec<crate::identity::Mismatch>,
    },

    /// The artifact is not the one the bundle signs.
    #[error("{name}: artifact mismatch: {detail}")]
    ArtifactMismatch {
        /// The bundle's source name.
        name: String,
        /// What differed.
        detail: String,
    },

    /// A well-formed bundle, artifact input or key of a kind this verifier does not handle.
    #[error("{name}: unsupported: {detail}")]
    Unsupported {
        /// The bundle's source name.
        name: String,
        /// What is not supported.
        detail: String,
    },
}

impl Diagnostic for KeylessError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.step().code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help = match self {
            KeylessError::TrustRoot { .. } => {
                "pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot…)"
            }
            KeylessError::TooLarge { .. } => "is this the right file?",
            KeylessError::Key { .. } => {
                "a keyless bundle is verified with an identity, a public-key bundle with its key (PEM PUBLIC KEY)"
            }
            KeylessError::IdentityMismatch { .. } => {
                "the signature is valid; check who the policy expects (identity requirements)"
            }
            _ => return None,
        };
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            KeylessError::Json { src, column, .. } if *column <= MAX_SNIPPET_COLUMN => {
                Some(src.as_ref())
            }
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            KeylessError::Json {
                span,
                reason,
                column,
                ..
            } if *column <= MAX_SNIPPET_COLUMN => Some(Box::new(std::iter::once(
                miette::LabeledSpan::new_with_span(Some(reason.clone()), *span),
            ))),
            _ => None,
        }
    }
}

/// Past this column no snippet is attached (the message still says line and column): miette's
/// graphical handler pads with `format!` widths, which panic past 65 535, and bundles are
/// often one long line.
const MAX_SNIPPET_COLUMN: usize = 4096;

fn summary(mismatches: &[crate::identity::Mismatch]) -> String {
    if mismatches.is_empty() {
        return "no requirement declared".to_string();
    }
    mismatches
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl KeylessError {
    /// The step that failed.
    pub fn step(&self) -> Step {
        match self {
            KeylessError::Json { step, .. } | KeylessError::TooLarge { step, .. } => *step,
            KeylessError::TrustRoot { .. } => Step::TrustRoot,
            KeylessError::Bundle { .. } => Step::Bundle,
            KeylessError::Key { .. } => Step::Key,
            KeylessError::Chain { .. } => Step::Chain,
            KeylessError::Sct { .. } => Step::Sct,
            KeylessError::Tlog { .. } => Step::Tlog,
            KeylessError::Checkpoint { .. } => Step::Checkpoint,
            KeylessError::Timestamp { .. } => Step::Timestamp,
            KeylessError::Signature { .. } => Step::Signature,
            KeylessError::IdentityMismatch { .. } => Step::Identity,
            KeylessError::ArtifactMismatch { .. } => Step::Artifact,
            KeylessError::Unsupported { .. } => Step::Unsupported,
        }
    }

    /// Maps a sigstore-verify error to the step it belongs to.
    pub(crate) fn from_verify(name: &str, error: sigstore_verify::Error) -> Self {
        use sigstore_verify::{CertificateError, Error as E, TimestampError, TransparencyLogError};
        let name = name.to_string();
        let detail = escape(&error.to_string());
        match error {
            E::IdentityMismatch { .. } | E::IssuerMismatch { .. } => {
                // Identity is matched by this crate, never by sigstore-verify; reaching here
                // means a policy was passed through, which is still an identity failure.
                KeylessError::IdentityMismatch {
                    name,
                    mismatches: vec![crate::identity::Mismatch::other(detail)],
                }
            }
            E::SignatureInvalid(_) => KeylessError::Signature { name, detail },
            // sigstore-verify raises this one from its log-entry consistency check (the
            // entry records another artifact, or another DSSE envelope): the log entry does
            // not describe this bundle. Its other artifact mismatches (message digest,
            // in-toto subject) are about the artifact the caller gave.
            E::ArtifactMismatch(ref m) if m.contains("for hashedrekord entry") => {
                KeylessError::Tlog { name, detail }
            }
            E::ArtifactMismatch(_) => KeylessError::ArtifactMismatch { name, detail },
            E::UnsupportedArtifact(_) | E::UnsupportedBundle(_) => {
                KeylessError::Unsupported { name, detail }
            }
            E::Certificate(CertificateError::Sct(_)) => KeylessError::Sct { name, detail },
            E::Certificate(_) => KeylessError::Chain { name, detail },
            E::TransparencyLog(TransparencyLogError::Checkpoint(_)) => {
                KeylessError::Checkpoint { name, detail }
            }
            E::TransparencyLog(_) => KeylessError::Tlog { name, detail },
            E::Timestamp(TimestampError::Invalid(_))
            | E::Timestamp(TimestampError::OutsideAuthorityValidity { .. })
            | E::Timestamp(_) => KeylessError::Timestamp { name, detail },
            E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => {
                KeylessError::TrustRoot { name, detail }
            }
            // Structural checks that are about the log evidence belong to the log steps.
            E::Bundle(sigstore_verify::bundle::Error::MissingInclusionProof(_))
            | E::Bundle(sigstore_verify::bundle::Error::MissingInclusionPromise(_))
            | E::Bundle(sigstore_verify::bundle::Error::LogIndexOutOfRange { .. }) => {
                KeylessError::Tlog { name, detail }
            }
            E::Bundle(sigstore_verify::bundle::Error::MissingCheckpoint)
            | E::Bundle(sigstore_verify::bundle::Error::CheckpointRootMismatch) => {
                KeylessError::Checkpoint { name, detail }
            }
            E::Bundle(sigstore_verify::bundle::Error::MissingSigningTimeEvidence)
            | E::Bundle(sigstore_verify::bundle::Error::MissingTimestamp) => {
                KeylessError::Timestamp { name, detail }
            }
            E::InvalidBundle(_) | E::Bundle(_) | E::Types(_) => {
                KeylessError::Bundle { name, detail }
            }
            E::Crypto(_) => KeylessError::Signature { name, detail },
            E::ArtifactRead(_) => KeylessError::ArtifactMismatch { name, detail },
            // `Error` is non-exhaustive: a new kind of failure is still a failure.
            _ => KeylessError::Bundle { name, detail },
        }
    }
}

/// Escapes control characters (`\u{1b}` style) so input cannot drive the terminal.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\n' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_named_after_the_step() {
        let mut codes: Vec<&str> = Step::ALL.iter().map(|s| s.code()).collect();
        for step in Step::ALL {
            assert_eq!(step.code(), format!("palisade::keyless::{}", step.name()));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Step::ALL.len());
    }

    #[test]
    fn escape_neutralises_control_characters() {
        assert_eq!(escape("a\u{1b}[31mb\u{7}\nc"), "a\\u{1b}[31mb\\u{7} c");
    }

    #[test]
    fn a_json_error_has_its_document_step_as_code_and_a_label() {
        let err = KeylessError::Json {
            name: "b.json".into(),
            what: "bundle",
            line: 1,
            column: 2,
            reason: "EOF".into(),
            src: Box::new(NamedSource::new("b.json", "{".to_string())),
            span: SourceSpan::from((1, 0)),
            step: Step::Bundle,
        };
        assert_eq!(
            err.code().map(|c| c.to_string()).as_deref(),
            Some("palisade::keyless::bundle")
        );
        assert_eq!(err.labels().map(|l| l.count()), Some(1));
        assert!(err.source_code().is_some());
    }

    #[test]
    fn an_error_far_along_a_long_line_renders_without_a_snippet() {
        let text = format!("{}x", " ".repeat(70_000));
        let err = KeylessError::Json {
            name: "long.json".into(),
            what: "bundle",
            line: 1,
            column: 70_001,
            reason: "expected value".into(),
            src: Box::new(NamedSource::new("long.json", text)),
            span: SourceSpan::from((70_000, 0)),
            step: Step::Bundle,
        };
        assert!(err.source_code().is_none() && err.labels().is_none());
        let mut out = String::new();
        miette::GraphicalReportHandler::new()
            .render_report(&mut out, &err)
            .unwrap();
        assert!(out.contains("long.json:1:70001"), "{out}");
    }

    #[test]
    fn diagnostic_codes_match_the_steps() {
        let err = KeylessError::Checkpoint {
            name: "b.json".into(),
            detail: "x".into(),
        };
        assert_eq!(
            err.code().map(|c| c.to_string()).as_deref(),
            Some(Step::Checkpoint.code())
        );
        assert_eq!(err.step(), Step::Checkpoint);
    }
}
