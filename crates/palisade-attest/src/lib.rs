//! Signed verdicts: palisade's evaluation of a pipeline as an in-toto Statement v1 with a
//! SLSA Verification Summary v1 predicate, signed into a Sigstore bundle v0.3 (DSSE,
//! `publicKey.hint`, no transparency log); and `verify`, which checks that bundle and any
//! other bundle palisade reads (Sigstore v0.1–v0.3, OpenSSF model signatures).
//!
//! The statement's subjects are the released artifacts with their sha256 digests; its
//! `policy` names the policy pack's digest and `inputAttestations` the evidence files'.
//! Building it is a pure function of its inputs ([`Summary::statement_json`]), so a fixed
//! `--at` gives the same bytes, and ECDSA signatures (RFC 6979) are deterministic too.
//!
//! ```
//! use palisade_attest::{Decision, Subject, Summary, sign};
//! use palisade_sigstore::keys::SigningKey;
//!
//! let summary = Summary {
//!     subjects: vec![Subject {
//!         name: "models/m.safetensors".into(),
//!         sha256: "ab".repeat(32),
//!         kind: "model".into(),
//!         artifact: "m".into(),
//!     }],
//!     verifier_version: "0.1.0".into(),
//!     time_verified: palisade_core::Timestamp::from_unix(1_796_083_200),
//!     resource_uri: "pipeline.pal".into(),
//!     policy_uri: "pipeline.pal#policies".into(),
//!     policy_sha256: "sha256:".to_string() + &"cd".repeat(32),
//!     input_attestations: vec![],
//!     inputs: Default::default(),
//!     decision: Decision { pipeline: "p".into(), passed: true, ..Default::default() },
//! };
//! let key = SigningKey::generate_p256();
//! let public_pem = key.public_key().to_pem();
//! let bundle_json = sign(&summary, &key, &public_pem);
//! assert!(bundle_json.contains("application/vnd.dev.sigstore.bundle.v0.3+json"));
//! ```

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod error;
mod summary;
pub mod verify;
mod vsa;

pub use error::{AttestError, HashFailed, NoDigest, VerifyError};
pub use summary::{SummaryOptions, summarize};
pub use vsa::{
    DECISION_EXTENSION, Decision, INPUTS_EXTENSION, InputAttestation, Inputs, LEVEL_FAILED,
    LEVEL_PASSED, STATEMENT_TYPE, Subject, Summary, VERIFIER_ID, VSA_PREDICATE_TYPE, WaiverBinding,
};

/// Signs a summary: the statement's bytes in a DSSE envelope
/// (`application/vnd.in-toto+json`, keyid `""`) inside a Sigstore bundle v0.3 whose
/// `publicKey.hint` is the sha256 hex of `public_pem` (the text of the public key file
/// verifiers will be given). Returns the bundle's JSON.
pub fn sign(
    summary: &Summary,
    key: &palisade_sigstore::keys::SigningKey,
    public_pem: &str,
) -> String {
    palisade_sigstore::sign_statement(&summary.statement_json(), key, public_pem).to_json()
}
