//! The Cedar schema and the entity attributes, from one table.
//!
//! Every attribute of every entity type (and of the request context) is one [`Attr`] row: its
//! name, its Cedar type, its documentation and the function that computes its value from the
//! graph. `palisade schema` prints the schema generated from these rows, strict validation
//! checks policies against it, and `entities.rs` builds every entity by running the same rows,
//! so a name cannot be typed twice and drift. In debug builds (every test) the entities and
//! each request's context are also validated against the parsed schema by Cedar itself.

use std::fmt::Write as _;
use std::sync::OnceLock;

use cedar_policy::{RestrictedExpression, Schema};

use palisade_core::Exposure;
use palisade_graph::{
    ArtifactFacts, Counts, DownstreamFacts, LineageGraph, NodeIndex, PackageFacts, PipelineFacts,
    StageFacts, UpstreamFacts,
};
use palisade_syntax::{Artifact, ArtifactKind, Identity, Key, Pipeline, Release, Stage};

use crate::error::InternalError;

/// A Cedar attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `String`.
    String,
    /// `Long`.
    Long,
    /// `Bool`.
    Bool,
    /// `Set<String>`.
    StringSet,
    /// The `Counts` record: `{critical, high, medium, low, total}` of `Long`.
    Counts,
    /// A named record type of [`RECORD_TYPES`].
    Record(&'static RecordType),
}

/// A named record type declared at the top of the schema (`type Guardrails = {…}`).
#[derive(Debug, PartialEq, Eq)]
pub struct RecordType {
    /// Its name in the schema.
    pub name: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// (name, type, doc) of each field, in order.
    pub fields: &'static [(&'static str, Ty, &'static str)],
}

/// A stage's guardrails configuration, read.
pub const GUARDRAILS_RECORD: RecordType = RecordType {
    name: "Guardrails",
    doc: "A guardrails configuration reduced to the checks it enforces (kinds: prompt_injection, jailbreak, pii, secrets, toxicity, topic, content_safety, moderation, hallucination …).",
    fields: &[
        (
            "framework",
            Ty::String,
            "nemo-guardrails or guardrails-ai, \"\" if none declared",
        ),
        (
            "input_checks",
            Ty::StringSet,
            "kinds checked on the user's input by enforced rails",
        ),
        (
            "output_checks",
            Ty::StringSet,
            "kinds checked on the model's output by enforced rails",
        ),
    ],
};

/// A stage's red-team reports, summed.
pub const REDTEAM_RECORD: RecordType = RecordType {
    name: "RedTeam",
    doc: "Red-team reports (garak, promptfoo) summed; OWASP ids are the LLM Top 10 2025's (LLM01 prompt injection, LLM02 sensitive information disclosure …).",
    fields: &[
        (
            "present",
            Ty::Bool,
            "the stage declares at least one red-team report",
        ),
        (
            "tools",
            Ty::StringSet,
            "`tool version` of each report (garak 0.17.1, promptfoo 0.121.20)",
        ),
        (
            "ran_at",
            Ty::Long,
            "when the oldest report ran, Unix seconds (0 if a report does not say)",
        ),
        ("attempts", Ty::Long, "attacks tried"),
        (
            "failures",
            Ty::Long,
            "attacks that got through, plus attempts that errored",
        ),
        (
            "conclusive",
            Ty::Bool,
            "every report finished with every attempt judged, and at least one attempt",
        ),
        (
            "attack_success_milli",
            Ty::Long,
            "failures per thousand attempts, rounded up; 1000 when inconclusive or absent",
        ),
        (
            "tested_owasp",
            Ty::StringSet,
            "OWASP LLM ids some attempt tested",
        ),
        (
            "failed_owasp",
            Ty::StringSet,
            "OWASP LLM ids under which an attack got through or errored",
        ),
        (
            "tested_models",
            Ty::StringSet,
            "models the reports are linked to at their current digest (the report names it, or a verified stage attestation holds the model among its materials and a report among its products)",
        ),
        (
            "stale_models",
            Ty::StringSet,
            "models a report is linked to at another digest than their current one: the red team tested an older version",
        ),
    ],
};

/// Every named record type, in schema order.
pub const RECORD_TYPES: &[&RecordType] = &[&GUARDRAILS_RECORD, &REDTEAM_RECORD];

impl Ty {
    /// The type in Cedar's schema syntax.
    pub fn cedar(self) -> &'static str {
        match self {
            Ty::String => "String",
            Ty::Long => "Long",
            Ty::Bool => "Bool",
            Ty::StringSet => "Set<String>",
            Ty::Counts => "Counts",
            Ty::Record(record) => record.name,
        }
    }
}

/// An attribute's value, before it becomes a Cedar expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    String(String),
    /// A long (saturated into `i64`).
    Long(i64),
    /// A boolean.
    Bool(bool),
    /// A set of strings.
    Set(Vec<String>),
    /// A `Counts` record.
    Counts(Counts),
    /// A record of a named type: one value per field, in field order.
    Record(&'static RecordType, Vec<Value>),
}

impl Value {
    fn str(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    fn opt(text: Option<&str>) -> Value {
        Value::String(text.unwrap_or_default().to_owned())
    }

    fn count(n: u64) -> Value {
        Value::Long(i64::try_from(n).unwrap_or(i64::MAX))
    }

    fn set<'a>(items: impl IntoIterator<Item = &'a String>) -> Value {
        Value::Set(items.into_iter().cloned().collect())
    }

    /// The Cedar type this value has.
    pub fn ty(&self) -> Ty {
        match self {
            Value::String(_) => Ty::String,
            Value::Long(_) => Ty::Long,
            Value::Bool(_) => Ty::Bool,
            Value::Set(_) => Ty::StringSet,
            Value::Counts(_) => Ty::Counts,
            Value::Record(record, _) => Ty::Record(record),
        }
    }

    /// The value as a Cedar expression.
    pub fn into_expr(self) -> RestrictedExpression {
        match self {
            Value::String(s) => RestrictedExpression::new_string(s),
            Value::Long(n) => RestrictedExpression::new_long(n),
            Value::Bool(b) => RestrictedExpression::new_bool(b),
            Value::Set(items) => RestrictedExpression::new_set(
                items.into_iter().map(RestrictedExpression::new_string),
            ),
            Value::Counts(c) => {
                let long =
                    |n: u64| RestrictedExpression::new_long(i64::try_from(n).unwrap_or(i64::MAX));
                RestrictedExpression::new_record([
                    ("critical".to_owned(), long(c.critical)),
                    ("high".to_owned(), long(c.high)),
                    ("medium".to_owned(), long(c.medium)),
                    ("low".to_owned(), long(c.low)),
                    ("total".to_owned(), long(c.total)),
                ])
                // Five distinct keys: the record is always well formed.
                .unwrap_or_else(|_| RestrictedExpression::new_bool(false))
            }
            Value::Record(record, values) => RestrictedExpression::new_record(
                record
                    .fields
                    .iter()
                    .zip(values)
                    .map(|((name, _, _), value)| ((*name).to_owned(), value.into_expr())),
            )
            // Field names of a record type are distinct (a unit test checks).
            .unwrap_or_else(|_| RestrictedExpression::new_bool(false)),
        }
    }
}

/// One attribute: name, type, documentation and how to compute it from a view of type `V`.
#[derive(Debug, Clone, Copy)]
pub struct Attr<F> {
    /// Attribute name (snake_case, stable: users write policies against it).
    pub name: &'static str,
    /// Cedar type.
    pub ty: Ty,
    /// What it means (the comment above it in `palisade schema`).
    pub doc: &'static str,
    /// Computes the value.
    pub value: F,
}

/// What an artifact's attributes are computed from.
pub struct ArtifactView<'a> {
    /// The declaration.
    pub decl: &'a Artifact,
    /// Evidence facts.
    pub facts: &'a ArtifactFacts,
    /// Lineage facts.
    pub upstream: &'a UpstreamFacts,
    /// Downstream facts.
    pub downstream: &'a DownstreamFacts,
}

/// What a stage's attributes are computed from.
pub struct StageView<'a> {
    /// The declaration.
    pub decl: &'a Stage,
    /// Derived facts.
    pub facts: &'a StageFacts,
}

/// What a request's context is computed from.
pub struct ContextView<'a> {
    /// The pipeline.
    pub pipeline: &'a Pipeline,
    /// The principal's environment, if it has one.
    pub environment: Option<&'a str>,
    /// The release's exposure, or the principal's most exposed release downstream.
    pub exposure: Option<Exposure>,
    /// The evaluation time, Unix seconds.
    pub now: i64,
    /// What evidence says about the pipeline as a whole (the lock's signature).
    pub facts: &'a PipelineFacts,
}

/// An artifact attribute.
pub type ArtifactAttr = Attr<fn(&ArtifactView<'_>) -> Value>;
/// A stage attribute.
pub type StageAttr = Attr<fn(&StageView<'_>) -> Value>;
/// A release attribute.
pub type ReleaseAttr = Attr<fn(&Release) -> Value>;
/// An identity attribute.
pub type IdentityAttr = Attr<fn(&Identity) -> Value>;
/// A key attribute.
pub type KeyAttr = Attr<fn(&Key) -> Value>;
/// A package attribute.
pub type PackageAttr = Attr<fn(&PackageFacts) -> Value>;
/// A pipeline attribute.
pub type PipelineAttr = Attr<fn(&Pipeline) -> Value>;
/// A context attribute.
pub type ContextAttr = Attr<fn(&ContextView<'_>) -> Value>;

/// Attributes every artifact (`Code`, `Dataset`, `Model`, `Image`, `Secret`) has.
pub const ARTIFACT_ATTRS: &[ArtifactAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "the declared name",
        value: |a| Value::str(&a.decl.name.value),
    },
    Attr {
        name: "kind",
        ty: Ty::String,
        doc: "code, dataset, model, image or secret",
        value: |a| Value::str(a.decl.kind.kind().keyword()),
    },
    Attr {
        name: "labels",
        ty: Ty::StringSet,
        doc: "declared labels plus labels from evidence (e.g. an ML-BOM's data classification)",
        value: |a| {
            let mut labels: std::collections::BTreeSet<&String> =
                a.decl.labels.iter().map(|l| &l.value).collect();
            labels.extend(a.facts.evidence_labels.iter());
            Value::set(labels)
        },
    },
    Attr {
        name: "upstream_labels",
        ty: Ty::StringSet,
        doc: "labels over the artifact and its whole lineage (taint: a model trained on a pii dataset carries pii)",
        value: |a| Value::set(&a.upstream.labels),
    },
    Attr {
        name: "integrity",
        ty: Ty::String,
        doc: "\"verified\", \"mismatch\", \"unpinned\" or \"remote\" (palisade.lock)",
        value: |a| Value::str(a.facts.integrity.as_str()),
    },
    Attr {
        name: "signature",
        ty: Ty::String,
        doc: "\"verified\", \"invalid\" or \"absent\"",
        value: |a| Value::str(a.facts.signature.as_str()),
    },
    Attr {
        name: "signers",
        ty: Ty::StringSet,
        doc: "declared keys / identities whose signature verified",
        value: |a| Value::set(&a.facts.signers),
    },
    Attr {
        name: "signed_subject",
        ty: Ty::String,
        doc: "keyless signature: the verified certificate's SAN (e-mail or URI), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.subject.as_deref()),
    },
    Attr {
        name: "signed_issuer",
        ty: Ty::String,
        doc: "keyless signature: the OIDC issuer of the verified certificate, \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.issuer.as_deref()),
    },
    Attr {
        name: "signed_repository",
        ty: Ty::String,
        doc: "keyless signature: the source repository URI the certificate names (e.g. https://github.com/acme/fraud), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.repository.as_deref()),
    },
    Attr {
        name: "signed_ref",
        ty: Ty::String,
        doc: "keyless signature: the source ref (e.g. refs/heads/main), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.git_ref.as_deref()),
    },
    Attr {
        name: "signed_commit",
        ty: Ty::String,
        doc: "keyless signature: the source commit, \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.commit.as_deref()),
    },
    Attr {
        name: "signed_workflow",
        ty: Ty::String,
        doc: "keyless signature: the top-level workflow's path in its repository (e.g. .github/workflows/release.yml), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.workflow.as_deref()),
    },
    Attr {
        name: "signed_trigger",
        ty: Ty::String,
        doc: "keyless signature: the build trigger (push, release, ...), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.trigger.as_deref()),
    },
    Attr {
        name: "signed_runner",
        ty: Ty::String,
        doc: "keyless signature: the runner environment (github-hosted, self-hosted), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.runner.as_deref()),
    },
    Attr {
        name: "signed_time",
        ty: Ty::String,
        doc: "keyless signature: the verified signed time (RFC 3339 UTC, from the transparency log or a TSA timestamp), \"\" if none",
        value: |a| Value::opt(a.facts.signer_claims.signed_time.as_deref()),
    },
    Attr {
        name: "sast",
        ty: Ty::Counts,
        doc: "SAST findings (SARIF)",
        value: |a| Value::Counts(a.facts.sast),
    },
    Attr {
        name: "dast",
        ty: Ty::Counts,
        doc: "DAST findings (SARIF)",
        value: |a| Value::Counts(a.facts.dast),
    },
    Attr {
        name: "secrets",
        ty: Ty::Counts,
        doc: "secret-scan findings (SARIF)",
        value: |a| Value::Counts(a.facts.secrets),
    },
    Attr {
        name: "scans",
        ty: Ty::Counts,
        doc: "other scanner findings (SARIF)",
        value: |a| Value::Counts(a.facts.scans),
    },
    Attr {
        name: "vulnerabilities",
        ty: Ty::Counts,
        doc: "vulnerabilities over the packages its SBOM includes, after VEX",
        value: |a| Value::Counts(a.facts.vulnerabilities),
    },
    Attr {
        name: "vulnerability_scan",
        ty: Ty::Bool,
        doc: "a vulnerability scan was supplied: its bom carries vulnerability data (a CycloneDX `vulnerabilities` array, even empty); false means `vulnerabilities` is 0 because nobody looked",
        value: |a| Value::Bool(a.facts.vulnerability_scan),
    },
    Attr {
        name: "sast_scan",
        ty: Ty::Bool,
        doc: "at least one SARIF report was read for its `sast` slot (false: `sast` is 0 because nothing was scanned)",
        value: |a| Value::Bool(a.facts.sast_scan),
    },
    Attr {
        name: "secrets_scan",
        ty: Ty::Bool,
        doc: "at least one SARIF report was read for its `secrets` slot (false: `secrets` is 0 because nothing was scanned)",
        value: |a| Value::Bool(a.facts.secrets_scan),
    },
    Attr {
        name: "licenses",
        ty: Ty::StringSet,
        doc: "licenses of the packages its SBOM includes",
        value: |a| Value::set(&a.facts.licenses),
    },
    Attr {
        name: "upstream_unsigned",
        ty: Ty::Long,
        doc: "artifacts strictly upstream whose signature is not verified",
        value: |a| Value::count(a.upstream.unsigned),
    },
    Attr {
        name: "upstream_unpinned",
        ty: Ty::Long,
        doc: "artifacts strictly upstream that are not pinned (integrity neither verified nor remote)",
        value: |a| Value::count(a.upstream.unpinned),
    },
    Attr {
        name: "upstream_max_vulnerability",
        ty: Ty::String,
        doc: "highest vulnerability severity over the lineage: none, low, medium, high, critical",
        value: |a| Value::str(a.upstream.max_vulnerability.as_str()),
    },
    Attr {
        name: "upstream_licenses",
        ty: Ty::StringSet,
        doc: "licenses over the lineage",
        value: |a| Value::set(&a.upstream.licenses),
    },
    Attr {
        name: "upstream_datasets",
        ty: Ty::StringSet,
        doc: "source datasets (not produced by a stage) the artifact derives from",
        value: |a| Value::set(&a.upstream.datasets),
    },
    Attr {
        name: "upstream_models",
        ty: Ty::StringSet,
        doc: "source (base) models the artifact derives from",
        value: |a| Value::set(&a.upstream.models),
    },
    Attr {
        name: "upstream_secrets",
        ty: Ty::Counts,
        doc: "secret-scan findings over the artifact and its lineage",
        value: |a| Value::Counts(a.upstream.secrets),
    },
    Attr {
        name: "upstream_sast",
        ty: Ty::Counts,
        doc: "SAST findings over the artifact and its lineage",
        value: |a| Value::Counts(a.upstream.sast),
    },
    Attr {
        name: "remote",
        ty: Ty::Bool,
        doc: "declared by ref/uri rather than a local path",
        value: |a| Value::Bool(a.decl.remote.is_some()),
    },
    Attr {
        name: "pinned_digest",
        ty: Ty::Bool,
        doc: "declares a digest (sha256:… or an image ref @sha256:…)",
        value: |a| Value::Bool(a.decl.digest.is_some()),
    },
    Attr {
        name: "has_bom",
        ty: Ty::Bool,
        doc: "declares a CycloneDX bom",
        value: |a| Value::Bool(a.decl.bom.is_some()),
    },
    Attr {
        name: "provenance",
        ty: Ty::String,
        doc: "\"verified\", \"invalid\" or \"absent\": a provenance statement signed by a declared key/identity whose subject matches the artifact's digest",
        value: |a| Value::str(a.facts.provenance.state.as_str()),
    },
    Attr {
        name: "builder_id",
        ty: Ty::String,
        doc: "SLSA builder id from the provenance, \"\" if none",
        value: |a| Value::opt(a.facts.provenance.builder_id.as_deref()),
    },
    Attr {
        name: "build_type",
        ty: Ty::String,
        doc: "SLSA build type from the provenance, \"\" if none",
        value: |a| Value::opt(a.facts.provenance.build_type.as_deref()),
    },
    Attr {
        name: "builders",
        ty: Ty::StringSet,
        doc: "declared identities whose `builder` matched the provenance's builder id",
        value: |a| Value::set(&a.facts.provenance.builders),
    },
    Attr {
        name: "produced_by",
        ty: Ty::StringSet,
        doc: "stages that write it",
        value: |a| Value::set(&a.downstream.produced_by),
    },
    Attr {
        name: "producer_identities",
        ty: Ty::StringSet,
        doc: "identities those stages run as",
        value: |a| Value::set(&a.downstream.producer_identities),
    },
    Attr {
        name: "unidentified_producers",
        ty: Ty::Long,
        doc: "stages writing it that run as no declared identity",
        value: |a| Value::count(a.downstream.unidentified_producers),
    },
    Attr {
        name: "released",
        ty: Ty::Bool,
        doc: "shipped directly by some release",
        value: |a| Value::Bool(!a.downstream.released_in.is_empty()),
    },
    Attr {
        name: "exposure",
        ty: Ty::String,
        doc: "most exposed release downstream: public, internal, private or none",
        value: |a| Value::str(Exposure::name_of(a.downstream.exposure)),
    },
    Attr {
        name: "summary",
        ty: Ty::String,
        doc: "\"verified\", \"invalid\" or \"absent\": another gate's verification summary (`summary = \"…\"`, what `palisade attest` writes) signed by a declared key/identity (its `signed_by`), naming the artifact's digest, not older than `summary_max_age` and naming the `summary_policy` digest when pinned",
        value: |a| Value::str(a.facts.summary.state.as_str()),
    },
    Attr {
        name: "summary_result",
        ty: Ty::String,
        doc: "a verified summary's verificationResult: \"PASSED\" or \"FAILED\"; \"\" if none",
        value: |a| Value::opt(a.facts.summary.result.as_deref()),
    },
    Attr {
        name: "summary_policy",
        ty: Ty::String,
        doc: "a verified summary's policy digest (sha256:…), \"\" if none",
        value: |a| Value::opt(a.facts.summary.policy_digest.as_deref()),
    },
    Attr {
        name: "summary_verifier",
        ty: Ty::String,
        doc: "a verified summary's verifier id, \"\" if none",
        value: |a| Value::opt(a.facts.summary.verifier.as_deref()),
    },
    Attr {
        name: "summary_time",
        ty: Ty::String,
        doc: "a verified summary's timeVerified (RFC 3339), \"\" if none",
        value: |a| Value::opt(a.facts.summary.time.as_deref()),
    },
    Attr {
        name: "summary_signers",
        ty: Ty::StringSet,
        doc: "declared keys / identities that verified the summary",
        value: |a| Value::set(&a.facts.summary.signers),
    },
    Attr {
        name: "upstream_unattested",
        ty: Ty::Long,
        doc: "stages upstream whose `attestation` is not verified (absent or invalid), counted (the report's lineage path names the nearest)",
        value: |a| Value::count(a.upstream.unattested_stages),
    },
    Attr {
        name: "upstream_undeclared_inputs",
        ty: Ty::StringSet,
        doc: "inputs stages upstream read (by their verified or not attestation) without declaring them: the declared artifact's name, else the attested path",
        value: |a| Value::set(&a.upstream.undeclared_inputs),
    },
    Attr {
        name: "dvc_lock",
        ty: Ty::String,
        doc: "\"verified\", \"mismatch\", \"unrecorded\" or \"absent\": the artifact's files against the md5 the pipeline's `dvc_lock` file records (absent: no `dvc_lock`, or no local path)",
        value: |a| Value::str(a.facts.dvc_lock.as_str()),
    },
];

/// Attributes only `Model` has.
pub const MODEL_ATTRS: &[ArtifactAttr] = &[
    Attr {
        name: "format",
        ty: Ty::String,
        doc: "format found by content (safetensors, onnx, pytorch, joblib, unknown …), else the declared one, \"\" if neither",
        value: |a| Value::opt(a.facts.model.format.as_deref()),
    },
    Attr {
        name: "unsafe_format",
        ty: Ty::Bool,
        doc: "can run code when loaded: pickle-based (declared format, file extension or content), a format finding that runs code, or a scan error",
        value: |a| Value::Bool(a.facts.model.unsafe_format),
    },
    Attr {
        name: "dangerous_imports",
        ty: Ty::StringSet,
        doc: "dangerous imports the pickle would execute, as module.attr (posix.system)",
        value: |a| Value::set(&a.facts.model.dangerous_imports),
    },
    Attr {
        name: "unknown_imports",
        ty: Ty::StringSet,
        doc: "imports the pickle would execute that are neither allowed by default, nor dangerous, nor in the model's allow_imports",
        value: |a| Value::set(&a.facts.model.unknown_imports),
    },
    Attr {
        name: "scan_error",
        ty: Ty::Bool,
        doc: "some model file could not be scanned to the end (fail closed: also unsafe_format)",
        value: |a| Value::Bool(!a.facts.model.scan_errors.is_empty()),
    },
    Attr {
        name: "format_findings",
        ty: Ty::StringSet,
        doc: "kinds of format findings (lambda_layer, custom_object, external_data_outside, chat_template_injection, malformed_header …)",
        value: |a| Value::set(&a.facts.model.format_findings),
    },
    Attr {
        name: "model_card",
        ty: Ty::Bool,
        doc: "its ML-BOM carries a model card",
        value: |a| Value::Bool(a.facts.model.model_card),
    },
    Attr {
        name: "metrics",
        ty: Ty::StringSet,
        doc: "performance metric types in the model card (accuracy, adversarial-robustness …)",
        value: |a| Value::set(&a.facts.model.metrics),
    },
    Attr {
        name: "bom_signed",
        ty: Ty::Bool,
        doc: "its `bom_signature` verifies: a Sigstore bundle whose subject is the ML-BOM file, signed by one of its `signed_by`",
        value: |a| Value::Bool(a.facts.model.bom_signed),
    },
    Attr {
        name: "dp_epsilon_milli",
        ty: Ty::Long,
        doc: "the differential-privacy ε its model card records (or the verified attestation of the stage that wrote it, the larger when both do), in thousandths rounded up (-1: no usable claim)",
        value: |a| {
            a.facts
                .model
                .dp_epsilon_milli
                .map_or(Value::Long(-1), Value::count)
        },
    },
    Attr {
        name: "dp_evidenced",
        ty: Ty::Bool,
        doc: "DP training is evidenced: a signed ML-BOM model card, or the verified attestation of the stage that wrote this version of the model (`palisade run --param differential_privacy.epsilon=…`), records a usable DP claim with ε at most the pipeline's `max_dp_epsilon`",
        value: |a| Value::Bool(a.facts.model.dp_evidenced),
    },
    Attr {
        name: "robust_accuracy_milli",
        ty: Ty::Long,
        doc: "the lowest adversarial-robustness value (accuracy under attack) its model card reports, in thousandths rounded down (-1: none)",
        value: |a| {
            a.facts
                .model
                .robust_accuracy_milli
                .map_or(Value::Long(-1), Value::count)
        },
    },
];

/// Attributes only `Secret` has.
pub const SECRET_ATTRS: &[ArtifactAttr] = &[Attr {
    name: "vault",
    ty: Ty::String,
    doc: "the vault reference, \"\" if none",
    value: |a| Value::opt(a.decl.vault.as_ref().map(|v| v.value.as_str())),
}];

/// Attributes of `Stage`.
pub const STAGE_ATTRS: &[StageAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "the declared name",
        value: |s| Value::str(&s.decl.name.value),
    },
    Attr {
        name: "environment",
        ty: Ty::String,
        doc: "where it runs, \"\" if not declared",
        value: |s| Value::opt(s.decl.environment.as_ref().map(|e| e.value.as_str())),
    },
    Attr {
        name: "runs_as",
        ty: Ty::String,
        doc: "the declared identity it runs as, \"\" if none",
        value: |s| Value::opt(s.decl.runs_as.as_ref().map(|r| r.value.name.as_str())),
    },
    Attr {
        name: "guardrails",
        ty: Ty::Bool,
        doc: "declares a guardrails configuration",
        value: |s| Value::Bool(s.decl.guardrails.is_some()),
    },
    Attr {
        name: "exposure",
        ty: Ty::String,
        doc: "most exposed release downstream of what it writes: public, internal, private or none",
        value: |s| Value::str(Exposure::name_of(s.facts.exposure)),
    },
    Attr {
        name: "input_labels",
        ty: Ty::StringSet,
        doc: "upstream labels over everything it reads",
        value: |s| Value::set(&s.facts.input_labels),
    },
    Attr {
        name: "output_kinds",
        ty: Ty::StringSet,
        doc: "kinds of what it writes (code, dataset, model, image): a stage writing a model trains, one writing an image serves",
        value: |s| {
            let kinds: std::collections::BTreeSet<String> = s
                .decl
                .outputs
                .iter()
                .map(|o| o.value.kind.to_string())
                .collect();
            Value::Set(kinds.into_iter().collect())
        },
    },
    Attr {
        name: "guardrails_config",
        ty: Ty::Record(&GUARDRAILS_RECORD),
        doc: "its `guardrails` configuration as read: framework and the kinds checked on input and output (empty if none)",
        value: |s| {
            let g = s.facts.evidence.guardrails.as_ref();
            let set = |pick: fn(
                &palisade_graph::GuardrailsFacts,
            ) -> &std::collections::BTreeSet<String>| {
                Value::Set(
                    g.map(|g| pick(g).iter().cloned().collect())
                        .unwrap_or_default(),
                )
            };
            Value::Record(
                &GUARDRAILS_RECORD,
                vec![
                    Value::opt(g.map(|g| g.framework.as_str())),
                    set(|g| &g.input_checks),
                    set(|g| &g.output_checks),
                ],
            )
        },
    },
    Attr {
        name: "declassifies",
        ty: Ty::StringSet,
        doc: "labels it declassifies with evidence (`declassifies` with a `pii_scan` of its output that finds nothing at or above the score threshold, has one text per record of the output and is bound to the stage by a signature of its `runs_as` identity or its verified attestation): they stop flowing past it",
        value: |s| Value::set(&s.facts.evidence.declassified),
    },
    Attr {
        name: "redteam",
        ty: Ty::Record(&REDTEAM_RECORD),
        doc: "its `redteam` reports, summed (attempts, failures, attack success rate, OWASP LLM ids, tools, time)",
        value: |s| {
            let default = palisade_graph::RedTeamFacts::default();
            let r = s.facts.evidence.redteam.as_ref();
            let facts = r.unwrap_or(&default);
            Value::Record(
                &REDTEAM_RECORD,
                vec![
                    Value::Bool(r.is_some()),
                    Value::set(&facts.tools),
                    Value::Long(facts.ran_at.unwrap_or(0)),
                    Value::count(facts.attempts),
                    Value::count(facts.failures + facts.errors),
                    Value::Bool(r.is_some() && facts.conclusive),
                    Value::count(facts.attack_success_milli()),
                    Value::Set(facts.owasp.keys().cloned().collect()),
                    Value::Set(
                        facts
                            .owasp
                            .iter()
                            .filter(|(_, (_, failed))| *failed > 0)
                            .map(|(id, _)| id.clone())
                            .collect(),
                    ),
                    Value::set(&facts.tested_models),
                    Value::Set(facts.stale_models.keys().cloned().collect()),
                ],
            )
        },
    },
    Attr {
        name: "attestation",
        ty: Ty::String,
        doc: "its `attestation`: \"verified\" (every file signed by its `runs_as` identity and naming the stage), \"invalid\" or \"absent\" (none declared)",
        value: |s| Value::str(s.facts.evidence.attestation().as_str()),
    },
    Attr {
        name: "undeclared_inputs",
        ty: Ty::StringSet,
        doc: "what its attestation says it read that its `inputs` do not declare: the declared artifact's name, else the attested path",
        value: |s| {
            Value::Set(
                s.facts
                    .evidence
                    .lineage
                    .iter()
                    .flat_map(|l| l.undeclared_inputs.iter().flat_map(|r| r.names()))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            )
        },
    },
    Attr {
        name: "unattested_inputs",
        ty: Ty::StringSet,
        doc: "declared `inputs` its attestation does not list among the materials (empty without an attestation)",
        value: |s| {
            Value::Set(
                s.facts
                    .evidence
                    .lineage
                    .iter()
                    .flat_map(|l| l.unattested_inputs.iter().map(|(n, _)| n.clone()))
                    .collect(),
            )
        },
    },
];

/// Attributes of `Release`.
pub const RELEASE_ATTRS: &[ReleaseAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "the declared name",
        value: |r| Value::str(&r.name.value),
    },
    Attr {
        name: "environment",
        ty: Ty::String,
        doc: "target environment",
        value: |r| Value::str(&r.environment.value),
    },
    Attr {
        name: "exposure",
        ty: Ty::String,
        doc: "public, internal or private",
        value: |r| Value::str(r.exposure.value.as_str()),
    },
];

/// Attributes of `Identity`.
pub const IDENTITY_ATTRS: &[IdentityAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "the declared name",
        value: |i| Value::str(&i.name.value),
    },
    Attr {
        name: "issuer",
        ty: Ty::String,
        doc: "OIDC issuer, \"\" if none",
        value: |i| Value::opt(i.issuer.as_ref().map(|v| v.value.as_str())),
    },
    Attr {
        name: "subject",
        ty: Ty::String,
        doc: "subject, \"\" if none",
        value: |i| Value::opt(i.subject.as_ref().map(|v| v.value.as_str())),
    },
    Attr {
        name: "builder",
        ty: Ty::String,
        doc: "SLSA builder id, \"\" if none",
        value: |i| Value::opt(i.builder.as_ref().map(|v| v.value.as_str())),
    },
    Attr {
        name: "repository",
        ty: Ty::String,
        doc: "keyless: the source repository a signer's certificate must name, as written, \"\" if none",
        value: |i| Value::opt(i.repository.as_ref().map(|v| v.value.as_str())),
    },
    Attr {
        name: "ref",
        ty: Ty::String,
        doc: "keyless: the source ref a signer's certificate must name, as written, \"\" if none",
        value: |i| Value::opt(i.git_ref.as_ref().map(|v| v.value.as_str())),
    },
    Attr {
        name: "workflow",
        ty: Ty::String,
        doc: "keyless: the workflow a signer's certificate must name, as written, \"\" if none",
        value: |i| Value::opt(i.workflow.as_ref().map(|v| v.value.as_str())),
    },
];

/// Attributes of `Key`.
pub const KEY_ATTRS: &[KeyAttr] = &[Attr {
    name: "name",
    ty: Ty::String,
    doc: "the declared name",
    value: |k| Value::str(&k.name.value),
}];

/// Attributes of `Package`.
pub const PACKAGE_ATTRS: &[PackageAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "component name (group/name when grouped)",
        value: |p| Value::str(&p.name),
    },
    Attr {
        name: "purl",
        ty: Ty::String,
        doc: "package URL, \"\" if none",
        value: |p| Value::opt(p.purl.as_deref()),
    },
    Attr {
        name: "version",
        ty: Ty::String,
        doc: "version, \"\" if unknown",
        value: |p| Value::opt(p.version.as_deref()),
    },
    Attr {
        name: "licenses",
        ty: Ty::StringSet,
        doc: "SPDX ids, names or expressions",
        value: |p| Value::set(&p.licenses),
    },
    Attr {
        name: "vulnerability_ids",
        ty: Ty::StringSet,
        doc: "vulnerabilities affecting it, after VEX",
        value: |p| Value::set(&p.vulnerability_ids),
    },
    Attr {
        name: "vulnerabilities",
        ty: Ty::Counts,
        doc: "those vulnerabilities by severity",
        value: |p| Value::Counts(p.vulnerabilities),
    },
    Attr {
        name: "max_severity",
        ty: Ty::String,
        doc: "highest of them: none, low, medium, high, critical",
        value: |p| Value::str(p.vulnerabilities.highest().as_str()),
    },
    Attr {
        name: "component_type",
        ty: Ty::String,
        doc: "CycloneDX component type (library, machine-learning-model, data …)",
        value: |p| Value::opt(p.component_type.as_deref()),
    },
];

/// Attributes of `Pipeline`.
pub const PIPELINE_ATTRS: &[PipelineAttr] = &[
    Attr {
        name: "name",
        ty: Ty::String,
        doc: "the pipeline's name",
        value: |p| Value::str(&p.name.value),
    },
    Attr {
        name: "owner",
        ty: Ty::String,
        doc: "owner, \"\" if none",
        value: |p| Value::opt(p.owner.as_ref().map(|o| o.value.as_str())),
    },
];

/// The request context (the same record for every action).
pub const CONTEXT_ATTRS: &[ContextAttr] = &[
    Attr {
        name: "environment",
        ty: Ty::String,
        doc: "release: its environment; stage requests: the stage's environment; include: \"\"",
        value: |c| Value::opt(c.environment),
    },
    Attr {
        name: "exposure",
        ty: Ty::String,
        doc: "release: its exposure; otherwise the principal's downstream exposure",
        value: |c| Value::str(Exposure::name_of(c.exposure)),
    },
    Attr {
        name: "now",
        ty: Ty::Long,
        doc: "evaluation time, seconds since the Unix epoch (--at)",
        value: |c| Value::Long(c.now),
    },
    Attr {
        name: "pipeline",
        ty: Ty::String,
        doc: "the pipeline's name",
        value: |c| Value::str(&c.pipeline.name.value),
    },
    Attr {
        name: "vulnerability_threshold",
        ty: Ty::String,
        doc: "the pipeline's `vulnerability_threshold`: lowest severity the SCA rule denies (critical unless set)",
        value: |c| {
            Value::str(
                c.pipeline
                    .vulnerability_threshold
                    .as_ref()
                    .map_or("critical", |t| t.value.as_str()),
            )
        },
    },
    Attr {
        name: "denied_licenses",
        ty: Ty::StringSet,
        doc: "the pipeline's `denied_licenses`, else palisade's default list (strong copyleft, non-commercial, source-available)",
        value: |c| match &c.pipeline.denied_licenses {
            Some(list) => Value::Set(list.iter().map(|l| l.value.clone()).collect()),
            None => Value::Set(
                DEFAULT_DENIED_LICENSES
                    .iter()
                    .map(|l| (*l).to_owned())
                    .collect(),
            ),
        },
    },
    Attr {
        name: "max_attack_success_milli",
        ty: Ty::Long,
        doc: "the pipeline's `max_attack_success` in thousandths (0.05 is 50; 50 unless set): the highest red-team attack success rate the baseline accepts for a public LLM",
        value: |c| {
            Value::count(
                c.pipeline
                    .max_attack_success
                    .as_ref()
                    .map_or(DEFAULT_MAX_ATTACK_SUCCESS_MILLI, |m| m.value),
            )
        },
    },
    Attr {
        name: "max_dp_epsilon_milli",
        ty: Ty::Long,
        doc: "the pipeline's `max_dp_epsilon` in thousandths (8.0 is 8000; 8000 unless set): the largest DP ε that lets `differential-privacy` lift `pii-public-release`",
        value: |c| Value::count(c.pipeline.max_dp_epsilon_milli()),
    },
    Attr {
        name: "min_robustness_milli",
        ty: Ty::Long,
        doc: "the pipeline's `min_robustness` in thousandths (0.5 is 500; 500 unless set): the lowest adversarial-robustness value a released model's card may report",
        value: |c| {
            Value::count(
                c.pipeline
                    .min_robustness
                    .as_ref()
                    .map_or(DEFAULT_MIN_ROBUSTNESS_MILLI, |m| m.value),
            )
        },
    },
    Attr {
        name: "lock_signature",
        ty: Ty::String,
        doc: "palisade.lock's signature (palisade.lock.sigstore.json): \"verified\" (it signs the lock's exact bytes and verifies against a key or identity of the pipeline's `lock_signed_by`, any declared one if unset), \"invalid\" or \"absent\" (no signature, or no lock)",
        value: |c| Value::str(c.facts.lock_signature.as_str()),
    },
    Attr {
        name: "lock_signature_required",
        ty: Ty::Bool,
        doc: "the pipeline sets `lock_signed_by`: palisade.lock must be signed by one of those keys or identities",
        value: |c| Value::Bool(!c.pipeline.lock_signed_by.is_empty()),
    },
    Attr {
        name: "attestations_required",
        ty: Ty::Bool,
        doc: "the pipeline sets `require_attestations = true`: every stage upstream of a public release must have a verified `attestation`",
        value: |c| {
            Value::Bool(
                c.pipeline
                    .require_attestations
                    .as_ref()
                    .is_some_and(|r| r.value),
            )
        },
    },
];

/// `max_attack_success` when the pipeline sets none: 5 %.
pub const DEFAULT_MAX_ATTACK_SUCCESS_MILLI: u64 = 50;

/// `min_robustness` when the pipeline sets none: 0.5.
pub const DEFAULT_MIN_ROBUSTNESS_MILLI: u64 = 500;

/// The attributes of an artifact of `kind`: the common ones, then its kind's own.
pub fn artifact_attrs(kind: ArtifactKind) -> impl Iterator<Item = &'static ArtifactAttr> {
    let own: &'static [ArtifactAttr] = match kind {
        ArtifactKind::Model => MODEL_ATTRS,
        ArtifactKind::Secret => SECRET_ATTRS,
        _ => &[],
    };
    ARTIFACT_ATTRS.iter().chain(own)
}

/// Licenses denied when the pipeline sets no `denied_licenses`: network copyleft, source-available
/// and non-commercial licenses (the last matter for model weights and datasets).
pub const DEFAULT_DENIED_LICENSES: &[&str] = &[
    "AGPL-1.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "SSPL-1.0",
    "BUSL-1.1",
    "Elastic-2.0",
    "Commons-Clause",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
];

/// The actions: name, principal types, resource types, when a request is made.
pub const ACTIONS: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "read",
        &["Stage"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per stage input",
    ),
    (
        "write",
        &["Stage"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per stage output",
    ),
    (
        "use_secret",
        &["Stage"],
        &["Secret"],
        "one request per secret a stage uses",
    ),
    (
        "include",
        &["Code", "Dataset", "Model", "Image"],
        &["Package"],
        "one request per package in an artifact's SBOM",
    ),
    (
        "release",
        &["Release"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per released artifact",
    ),
];

/// The artifact entity types, and the kind each stands for.
pub const ARTIFACT_TYPES: &[(&str, ArtifactKind)] = &[
    ("Code", ArtifactKind::Code),
    ("Dataset", ArtifactKind::Dataset),
    ("Model", ArtifactKind::Model),
    ("Image", ArtifactKind::Image),
    ("Secret", ArtifactKind::Secret),
];

/// An entity type of the schema: its name, parents, documentation and attributes (name, type,
/// documentation), in the order `palisade schema` prints them.
#[derive(Debug, Clone)]
pub struct EntityShape {
    /// Type name.
    pub name: &'static str,
    /// Parent types.
    pub parents: &'static [&'static str],
    /// What it is.
    pub doc: String,
    /// (name, type, doc) of each attribute.
    pub attrs: Vec<(&'static str, Ty, &'static str)>,
}

fn shape<F>(
    name: &'static str,
    parents: &'static [&'static str],
    doc: &str,
    attrs: impl IntoIterator<Item = &'static Attr<F>>,
) -> EntityShape
where
    F: 'static,
{
    EntityShape {
        name,
        parents,
        doc: doc.to_owned(),
        attrs: attrs.into_iter().map(|a| (a.name, a.ty, a.doc)).collect(),
    }
}

/// Every entity type with attributes, in schema order (`Label` has none and is listed apart).
pub fn entity_shapes() -> Vec<EntityShape> {
    let mut shapes = vec![
        shape(
            "Pipeline",
            &[],
            "The pipeline; every declared thing is in it.",
            PIPELINE_ATTRS,
        ),
        shape(
            "Identity",
            &["Pipeline"],
            "A declared CI workload identity.",
            IDENTITY_ATTRS,
        ),
        shape("Key", &["Pipeline"], "A declared public key.", KEY_ATTRS),
        shape(
            "Stage",
            &["Identity", "Pipeline"],
            "A stage; it is in the identity it runs as.",
            STAGE_ATTRS,
        ),
        shape("Release", &["Pipeline"], "A release.", RELEASE_ATTRS),
    ];
    for (name, kind) in ARTIFACT_TYPES {
        shapes.push(shape(
            name,
            &["Label", "Pipeline"],
            &format!("A declared {} artifact.", kind.kind().keyword()),
            artifact_attrs(*kind),
        ));
    }
    shapes.push(shape(
        "Package",
        &["Label", "Pipeline"],
        "A package (SBOM component), deduplicated by purl.",
        PACKAGE_ATTRS,
    ));
    shapes
}

/// The schema in Cedar's schema syntax, documented; what `palisade schema` prints.
pub fn schema_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut out = String::from(
            "// Palisade's Cedar schema (generated; `palisade schema` prints it).\n\
             // Policies are validated against it in strict mode before evaluation.\n\n\
             // Findings or vulnerabilities counted by severity.\n\
             type Counts = { critical: Long, high: Long, medium: Long, low: Long, total: Long };\n\n",
        );
        for record in RECORD_TYPES {
            let _ = writeln!(out, "// {}\ntype {} = {{", record.doc, record.name);
            for (name, ty, doc) in record.fields {
                let _ = writeln!(out, "  // {doc}\n  {name}: {},", ty.cedar());
            }
            out.push_str("};\n\n");
        }
        out.push_str("// The request context, the same for every action.\ntype Context = {\n");
        for attr in CONTEXT_ATTRS {
            let _ = writeln!(out, "  // {}\n  {}: {},", attr.doc, attr.name, attr.ty.cedar());
        }
        out.push_str("};\n\n");
        let shapes = entity_shapes();
        for (i, shape) in shapes.iter().enumerate() {
            if i == 1 {
                out.push_str("// A label (pii, llm, financial …); an artifact is in its own and its upstream labels.\nentity Label;\n\n");
            }
            let _ = writeln!(out, "// {}", shape.doc);
            let parents = if shape.parents.is_empty() {
                String::new()
            } else {
                format!(" in [{}]", shape.parents.join(", "))
            };
            let _ = writeln!(out, "entity {}{parents} = {{", shape.name);
            for (name, ty, doc) in &shape.attrs {
                let _ = writeln!(out, "  // {doc}\n  {name}: {},", ty.cedar());
            }
            out.push_str("};\n\n");
        }
        for (name, principals, resources, doc) in ACTIONS {
            let _ = writeln!(
                out,
                "// {doc}\naction {name} appliesTo {{\n  principal: [{}],\n  resource: [{}],\n  context: Context\n}};\n",
                principals.join(", "),
                resources.join(", ")
            );
        }
        out
    })
}

/// The parsed schema.
///
/// # Errors
/// Only if the generated text is not a valid schema, which a unit test rules out.
pub fn schema() -> Result<&'static Schema, InternalError> {
    static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Schema::from_cedarschema_str(schema_text())
                .map(|(schema, _warnings)| schema)
                .map_err(|e| format!("{e:?}"))
        })
        .as_ref()
        .map_err(|e| InternalError {
            what: "the Cedar schema".to_owned(),
            reason: e.clone(),
        })
}

/// The view of the artifact at `node`, if it is one.
pub fn artifact_view(graph: &LineageGraph, node: NodeIndex) -> Option<ArtifactView<'_>> {
    let artifact = graph.artifact(node)?;
    Some(ArtifactView {
        decl: &graph.pipeline.artifacts[artifact.decl],
        facts: graph.facts(node)?,
        upstream: graph.upstream(node)?,
        downstream: graph.downstream(node)?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn generated_schema_parses() {
        assert!(schema().is_ok(), "{:?}", schema().err());
    }

    #[test]
    fn schema_text_is_stable() {
        insta::assert_snapshot!(schema_text());
    }

    /// Each attribute name appears once per entity type and the context.
    #[test]
    fn names_are_unique_per_type() {
        for shape in entity_shapes() {
            let mut seen = BTreeSet::new();
            for (name, _, _) in &shape.attrs {
                assert!(seen.insert(*name), "{}.{name} twice", shape.name);
            }
        }
        for record in RECORD_TYPES {
            let mut seen = BTreeSet::new();
            for (name, _, _) in record.fields {
                assert!(seen.insert(*name), "{}.{name} twice", record.name);
            }
        }
        let mut seen = BTreeSet::new();
        for attr in CONTEXT_ATTRS {
            assert!(seen.insert(attr.name), "context.{} twice", attr.name);
        }
    }
}
