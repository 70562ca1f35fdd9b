//! `summary = "…"` (+ `signed_by`, `summary_max_age`, `summary_policy`): another pipeline's
//! signed verdict about the artifact (a SLSA verification summary in a Sigstore bundle, what
//! `palisade attest` writes). It counts only when it verifies against a declared key or
//! identity, is a verification summary, names the artifact's digest, is fresh enough and names
//! the pinned policy digest; the verdict's facts (result, policy digest, verifier, time) come
//! only from such a summary. Anything else is an `invalid` summary with the reason.

use palisade_core::{Digest, Timestamp};
use palisade_graph::{SignatureState, SummaryFacts};
use palisade_sigstore::bundle::Bundle;
use palisade_sigstore::intoto::{self, Statement};
use palisade_sigstore::purpose;
use palisade_sigstore::verify::{Outcome, verify_bundle};

use crate::read::read_bundle;
use crate::trust::Trust;
use crate::{Gathering, trust};

/// What a summary must satisfy beyond its signature.
pub struct Expectations<'a> {
    /// The artifact's content digest (`None` when unknown).
    pub digest: Option<&'a Digest>,
    /// `summary_max_age`, in seconds.
    pub max_age: Option<u64>,
    /// `summary_policy`.
    pub policy: Option<&'a Digest>,
    /// The evaluation's clock.
    pub now: Timestamp,
}

/// Checks the artifact's `summary`.
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    let Some(summary) = &artifact.summary else {
        return;
    };
    let file = &summary.value.written;
    let (bundle, read) = match read_bundle(&g.context.folder, &summary.value, "a summary") {
        Ok(read) => read,
        Err(cause) => {
            g.fail(summary.span, "summary", file, cause);
            return;
        }
    };
    g.facts.evidence_files.push(read);
    let signed_by: Vec<_> = artifact.signed_by.iter().map(|r| r.value.clone()).collect();
    let trust = g.context.trust.restricted_to(&signed_by);
    let policy = artifact.summary_policy.as_ref().map(|p| &p.value);
    g.facts.summary = check_summary(
        &bundle,
        &trust,
        &Expectations {
            digest: g.facts.digest.as_ref(),
            // The stricter of the artifact's `summary_max_age` and `--max-age`.
            max_age: match (
                artifact.summary_max_age.as_ref().map(|a| a.value),
                g.context.max_summary_age,
            ) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            policy,
            now: g.context.now,
        },
        file,
    );
}

fn invalid(reason: impl Into<String>) -> SummaryFacts {
    SummaryFacts {
        state: SignatureState::Invalid,
        reason: Some(reason.into()),
        ..SummaryFacts::default()
    }
}

/// A string field of the predicate, `""` when absent.
fn text<'v>(value: &'v serde_json::Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

/// Verifies a summary bundle against `trust` and `expect`.
pub fn check_summary(
    bundle: &Bundle,
    trust: &Trust,
    expect: &Expectations<'_>,
    file: &str,
) -> SummaryFacts {
    let (signer, payload, payload_type) = match verify_bundle(
        bundle,
        &trust.keys,
        &trust.authorities,
        None,
        expect.now.to_system_time(),
    ) {
        Outcome::Invalid { reason } => return invalid(reason),
        Outcome::Verified {
            signer,
            payload,
            payload_type,
        } => (signer, payload, payload_type),
    };
    if payload_type.as_deref() != Some(palisade_sigstore::IN_TOTO_PAYLOAD_TYPE) {
        return invalid(format!(
            "signed by {signer}, but it is not an in-toto statement (a summary is a verification summary statement, `palisade attest` writes one)"
        ));
    }
    let statement: Statement = match intoto::parse_statement(&payload, file) {
        Ok(statement) => statement,
        Err(e) => return invalid(format!("the signed statement is unreadable: {e}")),
    };
    if !purpose::is_verdict(&statement.predicate_type) {
        return invalid(format!(
            "signed by {signer}, but its predicate type is {:?}, not a SLSA verification summary",
            statement.predicate_type
        ));
    }
    let Some(digest) = expect.digest else {
        return invalid(
            "the artifact has no known digest (no local file, no pinned digest), so the summary cannot be matched to it",
        );
    };
    if !trust::names_subject(&statement, digest) {
        return invalid(format!(
            "signed by {signer}, but the summary is about other artifacts (no subject has {digest})"
        ));
    }
    let predicate = &statement.predicate;
    let result = text(predicate, "/verificationResult");
    let policy_hex = text(predicate, "/policy/digest/sha256").to_ascii_lowercase();
    let verifier = text(predicate, "/verifier/id");
    let time = text(predicate, "/timeVerified");
    if let Some(pinned) = expect.policy {
        let matches = pinned
            .as_sha256()
            .is_some_and(|bytes| hex::encode(bytes) == policy_hex);
        if !matches {
            return invalid(format!(
                "signed by {signer}, but it judged with policy sha256:{policy_hex}, not the pinned summary_policy {pinned}"
            ));
        }
    }
    let verified_at = match Timestamp::parse_rfc3339(time) {
        Ok(at) => at,
        Err(e) => return invalid(format!("its timeVerified {time:?} is not a time: {e}")),
    };
    if let Some(max_age) = expect.max_age {
        let age = expect.now.unix() - verified_at.unix();
        if age > i64::try_from(max_age).unwrap_or(i64::MAX) {
            return invalid(format!(
                "signed by {signer}, but it was verified at {time}, more than summary_max_age ({max_age} s) before {}",
                expect.now
            ));
        }
    }
    if !matches!(result, "PASSED" | "FAILED") {
        return invalid(format!(
            "signed by {signer}, but its verificationResult is {result:?}, neither PASSED nor FAILED"
        ));
    }
    SummaryFacts {
        state: SignatureState::Verified,
        result: Some(result.to_string()),
        policy_digest: (!policy_hex.is_empty()).then(|| format!("sha256:{policy_hex}")),
        verifier: (!verifier.is_empty()).then(|| verifier.to_string()),
        time: Some(time.to_string()),
        signers: std::collections::BTreeSet::from([signer]),
        reason: None,
    }
}
