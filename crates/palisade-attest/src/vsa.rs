//! The in-toto Statement v1 with a SLSA Verification Summary v1 predicate, built from plain
//! values so the same inputs always give the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// `predicateType` of a SLSA Verification Summary v1.
pub const VSA_PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// `predicate.verifier.id`: palisade itself.
pub const VERIFIER_ID: &str = "https://palisade.dev/palisade";
/// The extension field (a URI, as the VSA spec asks of extensions) holding palisade's own
/// summary of the evaluation: the decision, the counts and the violated policies.
pub const DECISION_EXTENSION: &str = "https://palisade.dev/vsa/decision/v1";
/// The extension field binding every input of the decision by its role: the pipeline file,
/// the lock and its signature, each policy file and each waiver used.
pub const INPUTS_EXTENSION: &str = "https://palisade.dev/vsa/inputs/v1";
/// `verifiedLevels` of a passed verdict. Palisade checks policies, not SLSA build tracks, so
/// claiming `SLSA_BUILD_LEVEL_n` would be dishonest; the spec allows custom values that do
/// not start with `SLSA_`.
pub const LEVEL_PASSED: &str = "PALISADE_POLICY_PASSED";
/// `verifiedLevels` of a failed verdict, as the spec prescribes.
pub const LEVEL_FAILED: &str = "FAILED";

/// A released artifact: the statement's subject.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// The subject's name: the local path as written in the pipeline, or the remote reference.
    pub name: String,
    /// sha256 hex (lowercase) of the artifact's content (model-signing style for a folder).
    pub sha256: String,
    /// The artifact's kind in the pipeline (`model`, `image` …).
    pub kind: String,
    /// The artifact's name in the pipeline.
    pub artifact: String,
}

/// An evidence file the verdict rests on (`inputAttestations`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputAttestation {
    /// Its path relative to the pipeline's folder.
    pub uri: String,
    /// sha256 hex of its bytes.
    pub sha256: String,
}

/// A waiver that covered a denial: everything that made it apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WaiverBinding {
    /// Its name.
    pub name: String,
    /// The `@id` of the policy it waives.
    pub policy: String,
    /// What it covers (`Model::"m"`); `None`: everything the policy denies.
    pub target: Option<String>,
    /// Its last day (`YYYY-MM-DD`).
    pub expires: String,
    /// Its reason.
    pub reason: String,
}

/// Every input of the decision besides the evidence files, by role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inputs {
    /// The pipeline file: its labels, thresholds and waivers decide the verdict as much as
    /// the policies do. sha256 of its exact bytes.
    pub pipeline: Option<InputAttestation>,
    /// `palisade.lock`, when one was used: sha256 of its exact bytes.
    pub lock: Option<InputAttestation>,
    /// The lock's signature file, when one was read.
    pub lock_signature: Option<InputAttestation>,
    /// Each policy file (`@baseline/sast.cedar`, `policies/team.cedar`), sha256 of its text.
    pub policies: Vec<InputAttestation>,
    /// Each waiver that covered a denial (sorted and deduplicated).
    pub waivers: Vec<WaiverBinding>,
}

/// What the verdict was.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// The pipeline's name.
    pub pipeline: String,
    /// True when the release may go ahead (`verificationResult` PASSED).
    pub passed: bool,
    /// Requests evaluated.
    pub requests: usize,
    /// Denials that count (not waived).
    pub violations: usize,
    /// Denials covered by waivers.
    pub waived: usize,
    /// Policies that erred (fail closed).
    pub errors: usize,
    /// Violated policy ids, each with how many requests it denied.
    pub violated_policies: BTreeMap<String, usize>,
}

/// Everything a verification summary says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The released artifacts (sorted and deduplicated by [`Summary::statement_json`]).
    pub subjects: Vec<Subject>,
    /// palisade's version (`predicate.verifier.version.palisade`).
    pub verifier_version: String,
    /// When the verdict was reached (Unix seconds; `--at`).
    pub time_verified: palisade_core::Timestamp,
    /// `resourceUri`: what was verified (by default the pipeline file).
    pub resource_uri: String,
    /// `policy.uri`.
    pub policy_uri: String,
    /// The policy pack's sha256, hex (a `sha256:` prefix is accepted and dropped).
    pub policy_sha256: String,
    /// Evidence files (sorted and deduplicated by [`Summary::statement_json`]).
    pub input_attestations: Vec<InputAttestation>,
    /// The pipeline file, the lock, the policy files and the waivers used.
    pub inputs: Inputs,
    /// The verdict.
    pub decision: Decision,
}

#[derive(Serialize)]
struct OutStatement<'a> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: Vec<OutSubject<'a>>,
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: OutPredicate<'a>,
}

#[derive(Serialize)]
struct OutSubject<'a> {
    name: &'a str,
    digest: OutDigest<'a>,
    annotations: OutAnnotations<'a>,
}

#[derive(Serialize)]
struct OutAnnotations<'a> {
    #[serde(rename = "palisade.kind")]
    kind: &'a str,
    #[serde(rename = "palisade.name")]
    name: &'a str,
}

#[derive(Serialize)]
struct OutDigest<'a> {
    sha256: &'a str,
}

#[derive(Serialize)]
struct OutResource<'a> {
    uri: &'a str,
    digest: OutDigest<'a>,
}

#[derive(Serialize)]
struct OutVerifier<'a> {
    id: &'static str,
    version: BTreeMap<&'static str, &'a str>,
}

#[derive(Serialize)]
struct OutPredicate<'a> {
    verifier: OutVerifier<'a>,
    #[serde(rename = "timeVerified")]
    time_verified: String,
    #[serde(rename = "resourceUri")]
    resource_uri: &'a str,
    policy: OutResource<'a>,
    #[serde(rename = "inputAttestations")]
    input_attestations: Vec<OutResource<'a>>,
    #[serde(rename = "verificationResult")]
    verification_result: &'static str,
    #[serde(rename = "verifiedLevels")]
    verified_levels: [&'static str; 1],
    #[serde(rename = "slsaVersion")]
    slsa_version: &'static str,
    #[serde(rename = "https://palisade.dev/vsa/decision/v1")]
    decision: OutDecision<'a>,
    #[serde(rename = "https://palisade.dev/vsa/inputs/v1")]
    inputs: OutInputs<'a>,
}

#[derive(Serialize)]
struct OutInputs<'a> {
    pipeline: Option<OutResource<'a>>,
    lock: Option<OutResource<'a>>,
    #[serde(rename = "lockSignature")]
    lock_signature: Option<OutResource<'a>>,
    policies: Vec<OutResource<'a>>,
    waivers: Vec<OutWaiver<'a>>,
}

#[derive(Serialize)]
struct OutWaiver<'a> {
    name: &'a str,
    policy: &'a str,
    target: Option<&'a str>,
    expires: &'a str,
    reason: &'a str,
}

fn resource(input: &InputAttestation) -> OutResource<'_> {
    OutResource {
        uri: &input.uri,
        digest: OutDigest {
            sha256: &input.sha256,
        },
    }
}

#[derive(Serialize)]
struct OutDecision<'a> {
    pipeline: &'a str,
    decision: &'static str,
    requests: usize,
    violations: usize,
    waived: usize,
    errors: usize,
    #[serde(rename = "violatedPolicies")]
    violated_policies: &'a BTreeMap<String, usize>,
}

impl Summary {
    /// The `verificationResult`: `PASSED` or `FAILED`.
    pub fn verification_result(&self) -> &'static str {
        if self.decision.passed {
            "PASSED"
        } else {
            "FAILED"
        }
    }

    /// The statement's exact bytes (compact JSON, fixed field order; subjects and input
    /// attestations sorted and deduplicated), ready to sign.
    pub fn statement_json(&self) -> Vec<u8> {
        let mut subjects: Vec<&Subject> = self.subjects.iter().collect();
        subjects.sort();
        subjects.dedup();
        // Every file the decision read is an input attestation: the evidence files, and the
        // pipeline file, the lock and its signature (also named by role in INPUTS_EXTENSION).
        let mut inputs: Vec<&InputAttestation> = self
            .input_attestations
            .iter()
            .chain(self.inputs.pipeline.iter())
            .chain(self.inputs.lock.iter())
            .chain(self.inputs.lock_signature.iter())
            .collect();
        inputs.sort();
        inputs.dedup();
        let policy_sha256 = self
            .policy_sha256
            .strip_prefix("sha256:")
            .unwrap_or(&self.policy_sha256);
        let out = OutStatement {
            type_: STATEMENT_TYPE,
            subject: subjects
                .iter()
                .map(|s| OutSubject {
                    name: &s.name,
                    digest: OutDigest { sha256: &s.sha256 },
                    annotations: OutAnnotations {
                        kind: &s.kind,
                        name: &s.artifact,
                    },
                })
                .collect(),
            predicate_type: VSA_PREDICATE_TYPE,
            predicate: OutPredicate {
                verifier: OutVerifier {
                    id: VERIFIER_ID,
                    version: BTreeMap::from([("palisade", self.verifier_version.as_str())]),
                },
                time_verified: self.time_verified.to_string(),
                resource_uri: &self.resource_uri,
                policy: OutResource {
                    uri: &self.policy_uri,
                    digest: OutDigest {
                        sha256: policy_sha256,
                    },
                },
                input_attestations: inputs
                    .iter()
                    .map(|i| OutResource {
                        uri: &i.uri,
                        digest: OutDigest { sha256: &i.sha256 },
                    })
                    .collect(),
                verification_result: self.verification_result(),
                verified_levels: [if self.decision.passed {
                    LEVEL_PASSED
                } else {
                    LEVEL_FAILED
                }],
                slsa_version: "1.0",
                decision: OutDecision {
                    pipeline: &self.decision.pipeline,
                    decision: if self.decision.passed {
                        "allow"
                    } else {
                        "deny"
                    },
                    requests: self.decision.requests,
                    violations: self.decision.violations,
                    waived: self.decision.waived,
                    errors: self.decision.errors,
                    violated_policies: &self.decision.violated_policies,
                },
                inputs: OutInputs {
                    pipeline: self.inputs.pipeline.as_ref().map(resource),
                    lock: self.inputs.lock.as_ref().map(resource),
                    lock_signature: self.inputs.lock_signature.as_ref().map(resource),
                    policies: self.inputs.policies.iter().map(resource).collect(),
                    waivers: {
                        let mut waivers: Vec<&WaiverBinding> = self.inputs.waivers.iter().collect();
                        waivers.sort();
                        waivers.dedup();
                        waivers
                            .into_iter()
                            .map(|w| OutWaiver {
                                name: &w.name,
                                policy: &w.policy,
                                target: w.target.as_deref(),
                                expires: &w.expires,
                                reason: &w.reason,
                            })
                            .collect()
                    },
                },
            },
        };
        // Plain structs of strings, numbers and string-keyed maps: serializing has no failure
        // path (no non-string map keys, no custom serializers).
        #[allow(clippy::expect_used)]
        serde_json::to_vec(&out).expect("serializing a statement cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(passed: bool) -> Summary {
        Summary {
            subjects: vec![
                Subject {
                    name: "models/m.bin".into(),
                    sha256: "bb".repeat(32),
                    kind: "model".into(),
                    artifact: "m".into(),
                },
                Subject {
                    name: "data/d.csv".into(),
                    sha256: "aa".repeat(32),
                    kind: "dataset".into(),
                    artifact: "d".into(),
                },
                Subject {
                    name: "models/m.bin".into(),
                    sha256: "bb".repeat(32),
                    kind: "model".into(),
                    artifact: "m".into(),
                },
            ],
            verifier_version: "0.1.0".into(),
            time_verified: palisade_core::Timestamp::from_unix(1_796_083_200), // 2026-12-01T00:00:00Z
            resource_uri: "pipeline.pal".into(),
            policy_uri: "pipeline.pal#policies".into(),
            policy_sha256: format!("sha256:{}", "cc".repeat(32)),
            input_attestations: vec![
                InputAttestation {
                    uri: "sbom/b.json".into(),
                    sha256: "11".repeat(32),
                },
                InputAttestation {
                    uri: "sbom/a.json".into(),
                    sha256: "22".repeat(32),
                },
                InputAttestation {
                    uri: "sbom/b.json".into(),
                    sha256: "11".repeat(32),
                },
            ],
            inputs: Inputs {
                pipeline: Some(InputAttestation {
                    uri: "pipeline.pal".into(),
                    sha256: "33".repeat(32),
                }),
                lock: None,
                lock_signature: None,
                policies: vec![InputAttestation {
                    uri: "@baseline/permit.cedar".into(),
                    sha256: "44".repeat(32),
                }],
                waivers: vec![WaiverBinding {
                    name: "w".into(),
                    policy: "no-pii".into(),
                    target: Some("Model::\"m\"".into()),
                    expires: "2027-01-31".into(),
                    reason: "ticket 1".into(),
                }],
            },
            decision: Decision {
                pipeline: "p".into(),
                passed,
                requests: 4,
                violations: usize::from(!passed),
                waived: 0,
                errors: 0,
                violated_policies: if passed {
                    BTreeMap::new()
                } else {
                    BTreeMap::from([("no-pii".to_string(), 1)])
                },
            },
        }
    }

    #[test]
    fn statement_has_the_vsa_shape() {
        let json: serde_json::Value =
            serde_json::from_slice(&summary(true).statement_json()).unwrap();
        let a = "aa".repeat(32);
        let b = "bb".repeat(32);
        let c = "cc".repeat(32);
        let one = "11".repeat(32);
        let two = "22".repeat(32);
        assert_eq!(
            json,
            serde_json::json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [
                    {"name": "data/d.csv", "digest": {"sha256": a},
                     "annotations": {"palisade.kind": "dataset", "palisade.name": "d"}},
                    {"name": "models/m.bin", "digest": {"sha256": b},
                     "annotations": {"palisade.kind": "model", "palisade.name": "m"}}
                ],
                "predicateType": "https://slsa.dev/verification_summary/v1",
                "predicate": {
                    "verifier": {"id": "https://palisade.dev/palisade", "version": {"palisade": "0.1.0"}},
                    "timeVerified": "2026-12-01T00:00:00Z",
                    "resourceUri": "pipeline.pal",
                    "policy": {"uri": "pipeline.pal#policies", "digest": {"sha256": c}},
                    "inputAttestations": [
                        {"uri": "pipeline.pal", "digest": {"sha256": "33".repeat(32)}},
                        {"uri": "sbom/a.json", "digest": {"sha256": two}},
                        {"uri": "sbom/b.json", "digest": {"sha256": one}}
                    ],
                    "verificationResult": "PASSED",
                    "verifiedLevels": ["PALISADE_POLICY_PASSED"],
                    "slsaVersion": "1.0",
                    "https://palisade.dev/vsa/decision/v1": {
                        "pipeline": "p", "decision": "allow", "requests": 4, "violations": 0,
                        "waived": 0, "errors": 0, "violatedPolicies": {}
                    },
                    "https://palisade.dev/vsa/inputs/v1": {
                        "pipeline": {"uri": "pipeline.pal", "digest": {"sha256": "33".repeat(32)}},
                        "lock": null,
                        "lockSignature": null,
                        "policies": [{"uri": "@baseline/permit.cedar", "digest": {"sha256": "44".repeat(32)}}],
                        "waivers": [{"name": "w", "policy": "no-pii", "target": "Model::\"m\"",
                                     "expires": "2027-01-31", "reason": "ticket 1"}]
                    }
                }
            })
        );
    }

    #[test]
    fn failed_verdict_says_failed_twice() {
        let json: serde_json::Value =
            serde_json::from_slice(&summary(false).statement_json()).unwrap();
        assert_eq!(json["predicate"]["verificationResult"], "FAILED");
        assert_eq!(
            json["predicate"]["verifiedLevels"],
            serde_json::json!(["FAILED"])
        );
        assert_eq!(
            json["predicate"][DECISION_EXTENSION]["violatedPolicies"],
            serde_json::json!({"no-pii": 1})
        );
    }

    #[test]
    fn same_inputs_give_the_same_bytes_whatever_the_order() {
        let one = summary(true);
        let mut two = summary(true);
        two.subjects.reverse();
        two.input_attestations.reverse();
        assert_eq!(one.statement_json(), two.statement_json());
        let mut later = summary(true);
        later.time_verified = later.time_verified.plus(1);
        assert_ne!(one.statement_json(), later.statement_json());
    }

    #[test]
    fn statement_reads_back_with_palisade_sigstore() {
        let bytes = summary(true).statement_json();
        let st = palisade_sigstore::intoto::parse_statement(&bytes, "vsa").unwrap();
        assert_eq!(st.predicate_type, VSA_PREDICATE_TYPE);
        assert_eq!(st.subjects.len(), 2);
        assert_eq!(st.subjects[1].digest["sha256"], "bb".repeat(32));
        let facts = palisade_sigstore::intoto::provenance_facts(&st);
        assert_eq!(facts.verification_result.as_deref(), Some("PASSED"));
        assert_eq!(facts.verifier_id.as_deref(), Some(VERIFIER_ID));
    }
}
