//! Offline verification of the Sigstore bundles real projects publish: keyless (a Fulcio
//! certificate plus Rekor v1/v2 entries or RFC 3161 timestamps: GitHub artifact attestations,
//! npm and PyPI provenance, `cosign sign-blob --bundle`, `model_signing sign sigstore`) and
//! public-key bundles.
//!
//! The cryptography is the official verifier, `sigstore-verify` (sigstore/sigstore-rust): the
//! certificate chain to a CA of the trusted root valid at the signed time, the SCT, Rekor v1
//! entries (`hashedrekord`, `dsse`, `intoto`: body vs bundle, SET, inclusion proof, signed
//! checkpoint), Rekor v2 entries and their checkpoints, RFC 3161 timestamps, the signature and
//! the artifact or in-toto subject. This crate adds what a release gate needs around it:
//!
//! - [`TrustRoot`]: a `trusted_root.json` read from bytes under limits, or the embedded
//!   public-good snapshot ([`root::PUBLIC_GOOD_ROOT_DATE`], [`root::embedded_root_notice`]);
//! - [`IdentityRequirement`]: who may sign, by SAN, issuer, repository, ref, workflow … taken
//!   from Fulcio's certificate extensions ([`Claims`]);
//! - [`Verified`]: who signed (all claims and the requirement that matched), when (each
//!   verified time and its source), what (digest or in-toto statement);
//! - [`KeylessError`]: one variant per failing step, code `palisade::keyless::<step>`.
//!
//! Nothing here touches the network.
//!
//! ```no_run
//! use palisade_keyless::{Artifact, Bundle, IdentityRequirement, Pattern, Policy, TrustRoot};
//!
//! let root = TrustRoot::public_good()?;
//! let bundle = Bundle::parse(&std::fs::read("app.tar.gz.sigstore.json")?, "app.tar.gz.sigstore.json")?;
//! let policy = Policy::Identities(vec![IdentityRequirement {
//!     issuer: Some(Pattern::parse("https://token.actions.githubusercontent.com")),
//!     repository: Some(Pattern::parse("acme/fraud")),
//!     git_ref: Some(Pattern::parse("refs/heads/main")),
//!     workflow: Some(Pattern::parse(".github/workflows/release.yml")),
//!     ..IdentityRequirement::default()
//! }]);
//! let artifact = std::fs::read("app.tar.gz")?;
//! let verified = root.verify(&bundle, Artifact::Bytes(&artifact), &policy)?;
//! println!("signed at {:?} by {:?}", verified.signed_time, verified.signer);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod identity;
mod json;
mod keyonly;
pub mod provider;
pub mod root;
pub mod verify;

pub use error::{KeylessError, Step};
pub use identity::{
    Claims, IdentityRequirement, LegacyGithubClaims, Mismatch, Pattern, SubjectKind,
};
pub use root::TrustRoot;
pub use verify::{
    Artifact, ArtifactDigestInput, Bundle, Content, DigestAlgorithm, LogEntry, Policy,
    PublicKeyPolicy, SignedTime, Signer, Subject, TimeSource, Verified,
};
