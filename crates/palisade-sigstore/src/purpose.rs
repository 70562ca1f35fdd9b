//! What a signed in-toto statement may stand for. One table, used by the evidence gatherer
//! (`signature`, `provenance`) and by `palisade verify`, so the two never disagree.
//!
//! - A **signature** of an artifact is a message signature over its bytes, or a statement
//!   whose predicate type is in [`SIGNATURE_PREDICATES`] and names the artifact's digest.
//! - **Provenance** is a statement whose predicate type is in [`PROVENANCE_PREDICATES`].
//! - A **verdict** (a SLSA verification summary, what `palisade attest` writes) is never a
//!   signature and never provenance: a FAILED verdict names the artifacts it refused.

use crate::intoto::{SLSA_PROVENANCE_V0_2, SLSA_PROVENANCE_V1, SLSA_VSA_V1, Statement};
use crate::model_signing;

/// The predicate type `cosign sign` writes in its DSSE bundles (a signature of the subject).
pub const COSIGN_SIGN_V1: &str = "https://sigstore.dev/cosign/sign/v1";
/// in-toto link attestations v0.3 (what a step of a supply chain produced from what).
pub const IN_TOTO_LINK_V0_3: &str = "https://in-toto.io/attestation/link/v0.3";

/// Predicate types a statement may have to count as a signature of its subjects.
pub const SIGNATURE_PREDICATES: &[&str] = &[
    model_signing::PREDICATE_V1,
    model_signing::PREDICATE_V0_2,
    COSIGN_SIGN_V1,
];

/// Predicate types a statement may have to count as provenance of its subjects.
pub const PROVENANCE_PREDICATES: &[&str] =
    &[SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V0_2, IN_TOTO_LINK_V0_3];

/// Whether the statement is an OpenSSF model signature (v1.0, or the older v0.2 digests).
pub fn is_model_signature(statement: &Statement) -> bool {
    [model_signing::PREDICATE_V1, model_signing::PREDICATE_V0_2]
        .contains(&statement.predicate_type.as_str())
}

/// Whether a statement of this predicate type signs its subjects.
pub fn is_signature(predicate_type: &str) -> bool {
    SIGNATURE_PREDICATES.contains(&predicate_type)
}

/// Whether a statement of this predicate type is provenance of its subjects.
pub fn is_provenance(predicate_type: &str) -> bool {
    PROVENANCE_PREDICATES.contains(&predicate_type)
}

/// Whether a statement of this predicate type is a verdict (a SLSA verification summary).
pub fn is_verdict(predicate_type: &str) -> bool {
    predicate_type == SLSA_VSA_V1
}

/// Why a statement of this predicate type is not a signature, as a sentence fragment.
pub fn not_a_signature(predicate_type: &str) -> String {
    let what = if is_verdict(predicate_type) {
        "a verification summary (a verdict about the artifact, never its signature)"
    } else if is_provenance(predicate_type) {
        "provenance (how the artifact was built, not a signature of it)"
    } else {
        "not a signature predicate"
    };
    format!(
        "the signed statement is `{predicate_type}`: {what}; a signature is a message signature or a statement of type {}",
        SIGNATURE_PREDICATES.join(", ")
    )
}

/// Why a statement of this predicate type is not provenance, as a sentence fragment.
pub fn not_provenance(predicate_type: &str) -> String {
    let what = if is_verdict(predicate_type) {
        "a verification summary (a verdict, not provenance)"
    } else if is_signature(predicate_type) {
        "a signature, not provenance"
    } else {
        "not a provenance predicate"
    };
    format!(
        "the signed statement is `{predicate_type}`: {what}; provenance is a statement of type {}",
        PROVENANCE_PREDICATES.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_neither_a_signature_nor_provenance() {
        assert!(!is_signature(SLSA_VSA_V1));
        assert!(!is_provenance(SLSA_VSA_V1));
        assert!(is_verdict(SLSA_VSA_V1));
        assert!(not_a_signature(SLSA_VSA_V1).contains("verification summary"));
        assert!(not_provenance(SLSA_VSA_V1).contains("verification summary"));
    }

    #[test]
    fn the_lists_do_not_overlap() {
        for p in SIGNATURE_PREDICATES {
            assert!(!is_provenance(p), "{p}");
        }
    }
}
