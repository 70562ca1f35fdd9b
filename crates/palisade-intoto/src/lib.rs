//! Verified lineage: what a pipeline stage really ran, from signed in-toto step records.
//!
//! Palisade's claim "this public model does not derive from personal data" rests on the
//! inputs a `pipeline.pal` declares for each stage. This crate checks that claim against what
//! ran. It reads a stage's attestation in every standard form, verifies its signature against
//! keys the caller trusts, and normalises it to a [`StageRecord`] (command, materials,
//! products); [`compare`] then says which declared inputs and outputs the attestation
//! accounts for, which it does not (`unattested_*`), and what the stage read or wrote that
//! the pipeline never declared (`undeclared_*`). [`run::run_stage`] records a run the same
//! way, and [`mod@write`] signs the record as an in-toto statement.
//!
//! Forms read (see [`Form`] and [`Wrapper`]):
//! - in-toto Statement v1 with SLSA provenance v1 (`resolvedDependencies` are the materials)
//!   or v0.2 (`materials`), or with the link predicate
//!   `https://in-toto.io/attestation/link/v0.3`; in a DSSE envelope or a Sigstore bundle;
//! - classic in-toto link metadata as `in-toto-run` writes it (signatures over OLPC
//!   canonical JSON, hex), and `in-toto-run --use-dsse` (a DSSE envelope around the link).
//!
//! Keys: Ed25519, ECDSA P-256 / P-384 (DER signatures) and RSA-PSS-SHA256
//! (securesystemslib's `rsassa-pss-sha256`). A signature's `keyid` only orders the tries:
//! trust comes from a signature that verifies under a key the caller passes.
//!
//! ```
//! use palisade_intoto::{compare, read_attestation, DeclaredArtifact, DeclaredContent, Trust, Verification};
//! use palisade_intoto::run::RunRecord;
//! use palisade_intoto::write::{sign_dsse, LinkStatement};
//! use palisade_intoto::keys::{TrustedKey, VerificationKey};
//! use palisade_sigstore::keys::SigningKey;
//!
//! // A stage's attestation, as `palisade run` writes one.
//! let key = SigningKey::generate_p256();
//! let sha = |s: &str| [("sha256".to_string(), s.repeat(64))].into_iter().collect();
//! let resource = |name: &str, d: &str| palisade_intoto::Resource { name: name.into(), uri: None, digests: sha(d) };
//! let statement = LinkStatement {
//!     name: "train".into(),
//!     command: vec!["python".into(), "train.py".into()],
//!     materials: vec![resource("data/transactions.csv", "a"), resource("data/pii.csv", "b")],
//!     products: vec![resource("model.bin", "c")],
//!     ..Default::default()
//! };
//! let envelope = sign_dsse(&statement.to_json(), &key);
//!
//! // Verify it with the trusted key, and compare it with what the pipeline declares.
//! let trusted = [TrustedKey { name: "trainer".into(), key: VerificationKey::Sigstore(key.public_key()) }];
//! let record = read_attestation(envelope.as_bytes(), "train.intoto.json", &Trust::keys(&trusted)).unwrap();
//! assert_eq!(record.signer(), Some("trainer"));
//! let declared = |name: &str, d: &str| DeclaredArtifact { name: name.into(), path: None, content: DeclaredContent::File(sha(d)) };
//! let outcome = compare(
//!     &record,
//!     &[declared("transactions", "a")],
//!     &[declared("model", "c")],
//!     &[declared("customers", "b")],
//! );
//! assert!(outcome.unattested_inputs.is_empty() && outcome.unattested_outputs.is_empty());
//! assert_eq!(outcome.undeclared_inputs[0].known_as, vec!["customers"]);
//! ```

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod canonical;
mod compare;
mod error;
pub mod keys;
mod read;
pub mod run;
mod stage;
pub mod write;

pub use canonical::MAX_CANONICAL_DEPTH;
pub use compare::{
    Comparison, DeclaredArtifact, DeclaredContent, DigestMatch, DigestSet, Direction, Matched,
    Unattested, Undeclared, compare, compare_digests,
};
pub use error::{IntotoError, JsonSyntaxError};
pub use keys::TrustedKey;
pub use read::{
    LINK_PREDICATE_V0_3, MAX_ATTESTATION_BYTES, MAX_COMMAND_ARGS, MAX_DIGESTS, MAX_RESOURCES,
    MAX_SIGNATURES, Trust, read_attestation,
};
pub use stage::{Form, Resource, StageRecord, Verification, Wrapper};
