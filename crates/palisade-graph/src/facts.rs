//! Facts attached to the graph's nodes: what evidence says about each thing, and what the
//! lineage pass derives from everything upstream of it.
//!
//! Every fact starts at its "nothing known" value; the evidence stage fills them in, and
//! [`crate::PipelineGraph::compute_upstream`] derives the upstream ones.

use std::collections::BTreeSet;

use serde::Serialize;

/// How an artifact's bytes compare with what `palisade.lock` pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Integrity {
    /// Re-hashed and equal to the lock.
    Verified,
    /// Re-hashed and different from the lock.
    Mismatch,
    /// Local, but not in the lock (or no lock); or remote without a digest.
    #[default]
    Unpinned,
    /// Remote and pinned by a digest (nothing local to re-hash).
    Remote,
}

impl Integrity {
    /// The contract value (`"verified"`, `"mismatch"`, `"unpinned"`, `"remote"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Integrity::Verified => "verified",
            Integrity::Mismatch => "mismatch",
            Integrity::Unpinned => "unpinned",
            Integrity::Remote => "remote",
        }
    }

    /// Whether the artifact's content is pinned and matches (or is a pinned remote).
    pub fn is_pinned(self) -> bool {
        matches!(self, Integrity::Verified | Integrity::Remote)
    }
}

/// How an artifact's files compare with the md5 a DVC lock file (`dvc_lock = "dvc.lock"` on
/// the pipeline) records for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DvcLock {
    /// The pipeline names no DVC lock file (or the artifact has no local `path`).
    #[default]
    Absent,
    /// The DVC lock records md5 for the artifact's files (all of them for a file; at least one
    /// under a folder) and every one matches.
    Verified,
    /// A recorded file's md5 differs, or a recorded file is missing.
    Mismatch,
    /// The DVC lock records nothing for this artifact that can be checked (a folder recorded
    /// only by dvc's `.dir` hash, which lives in dvc's cache, counts as nothing).
    Unrecorded,
}

impl DvcLock {
    /// The contract value (`"absent"`, `"verified"`, `"mismatch"`, `"unrecorded"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DvcLock::Absent => "absent",
            DvcLock::Verified => "verified",
            DvcLock::Mismatch => "mismatch",
            DvcLock::Unrecorded => "unrecorded",
        }
    }
}

/// Whether an artifact's signature verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignatureState {
    /// Verified by a declared key or identity.
    Verified,
    /// Present but failed verification (bad signature, wrong signer, changed files).
    Invalid,
    /// No signature given.
    #[default]
    Absent,
}

impl SignatureState {
    /// The contract value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureState::Verified => "verified",
            SignatureState::Invalid => "invalid",
            SignatureState::Absent => "absent",
        }
    }
}

pub use palisade_core::{Digest, Exposure, Severity};

/// Findings counted by severity: the record `{critical, high, medium, low, total}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Counts {
    /// Critical findings.
    pub critical: u64,
    /// High findings.
    pub high: u64,
    /// Medium findings.
    pub medium: u64,
    /// Low findings.
    pub low: u64,
    /// All of the above.
    pub total: u64,
}

impl Counts {
    /// Counts one finding of `severity` (a `None` severity is not counted).
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::None | Severity::Info => return,
            Severity::Low => self.low += 1,
            Severity::Medium => self.medium += 1,
            Severity::High => self.high += 1,
            Severity::Critical => self.critical += 1,
        }
        self.total += 1;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Counts) {
        self.critical += other.critical;
        self.high += other.high;
        self.medium += other.medium;
        self.low += other.low;
        self.total += other.total;
    }

    /// The highest severity counted.
    pub fn highest(&self) -> Severity {
        if self.critical > 0 {
            Severity::Critical
        } else if self.high > 0 {
            Severity::High
        } else if self.medium > 0 {
            Severity::Medium
        } else if self.low > 0 {
            Severity::Low
        } else {
            Severity::None
        }
    }
}

/// Facts about a model's file format and documentation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ModelFacts {
    /// The format: detected from the content when the files were scanned (`safetensors`,
    /// `pytorch`, `joblib`, `unknown` …), else the declared one; `None` if neither.
    pub format: Option<String>,
    /// Loading it can run code: a pickle-based format (declared, by extension or found by
    /// content), a format finding that runs code on load, or content that could not be scanned.
    pub unsafe_format: bool,
    /// Imports a pickle would execute that are dangerous (`posix.system`): never allowable.
    pub dangerous_imports: BTreeSet<String>,
    /// Imports a pickle would execute that are neither on the default allow list nor
    /// dangerous, minus those the model's `allow_imports` declares.
    pub unknown_imports: BTreeSet<String>,
    /// Every import the pickle would execute.
    pub imports: BTreeSet<String>,
    /// Why content could not be scanned to the end (fail closed), one line each.
    pub scan_errors: Vec<String>,
    /// Kinds of format findings (palisade-modelfmt's stable names: `lambda_layer`,
    /// `external_data_outside`, `chat_template_injection`, `malformed_header` …).
    pub format_findings: BTreeSet<String>,
    /// What each format finding was, one line each (file, location, detail), for reports.
    pub format_finding_details: Vec<String>,
    /// The ML-BOM has a model card for it.
    pub model_card: bool,
    /// Performance metric types from the model card.
    pub metrics: BTreeSet<String>,
    /// The model's `bom_signature` verifies: a Sigstore bundle whose subject is the `bom`
    /// file's sha256, signed by one of the model's `signed_by`.
    pub bom_signed: bool,
    /// The differential-privacy ε the model card records, in thousandths rounded up (`None`:
    /// no usable claim). Read whether or not the BOM is signed.
    pub dp_epsilon_milli: Option<u64>,
    /// DP training is evidenced: the BOM is signed (`bom_signed`), its card records a usable
    /// DP claim, and ε is at most the pipeline's `max_dp_epsilon`.
    pub dp_evidenced: bool,
    /// Why a DP claim is not evidence (unsigned BOM, ε over the bar, unusable fields), for
    /// reports; `None` when evidenced or when the card claims nothing.
    pub dp_reason: Option<String>,
    /// What evidences the DP training (the signed ML-BOM, the verified attestation of the
    /// stage that wrote the model), for reports.
    pub dp_evidence: Vec<String>,
    /// The lowest adversarial robust accuracy the card reports, in thousandths rounded down
    /// (`None`: no adversarial-robustness value).
    pub robust_accuracy_milli: Option<u64>,
}

/// SLSA / in-toto provenance facts about an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ProvenanceFacts {
    /// `"verified"`, `"invalid"` or `"absent"`: the provenance statement's signature and its
    /// subject digest matching the artifact.
    pub state: SignatureState,
    /// The builder id (`runDetails.builder.id`).
    pub builder_id: Option<String>,
    /// The build type.
    pub build_type: Option<String>,
    /// The predicate type of the statement.
    pub predicate_type: Option<String>,
    /// Declared identities whose builder id matched.
    pub builders: BTreeSet<String>,
}

/// Who signed a keyless (Fulcio certificate) signature, and when: the certificate's claims,
/// filled in only once the bundle verified against the trusted root (chain, SCT, log entry or
/// timestamp, signature, artifact). Empty for key-signed and unsigned artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SignerClaims {
    /// The certificate's SAN: an e-mail or a URI (for GitHub, the workflow with its ref).
    pub subject: Option<String>,
    /// The OIDC issuer (`https://token.actions.githubusercontent.com`).
    pub issuer: Option<String>,
    /// The source repository URI (`https://github.com/acme/fraud`).
    pub repository: Option<String>,
    /// The source ref (`refs/heads/main`).
    pub git_ref: Option<String>,
    /// The source commit.
    pub commit: Option<String>,
    /// The top-level workflow's path in the repository (`.github/workflows/release.yml`).
    pub workflow: Option<String>,
    /// The build trigger (`push`, `release` …).
    pub trigger: Option<String>,
    /// The runner environment (`github-hosted`, `self-hosted`).
    pub runner: Option<String>,
    /// The verified signed time (RFC 3339, UTC): a transparency-log integrated time or an
    /// RFC 3161 timestamp, never the wall clock.
    pub signed_time: Option<String>,
    /// Where `signed_time` comes from: `transparency_log` or `timestamp_authority`.
    pub signed_time_source: Option<String>,
}

/// What evidence says about one artifact itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ArtifactFacts {
    /// Labels the evidence adds (e.g. an ML-BOM's data classification), beside the declared ones.
    pub evidence_labels: BTreeSet<String>,
    /// Exemption labels (`palisade_core::labels::EXEMPTION_LABELS`) that evidence claimed but
    /// that were not granted: unsigned evidence never lifts a rule. Reported as "claimed, not
    /// evidenced".
    pub claimed_labels: BTreeSet<String>,
    /// Lock comparison.
    pub integrity: Integrity,
    /// Files that differ from the lock, for reports.
    pub integrity_changes: Vec<String>,
    /// The cross-check of the artifact's files against the pipeline's `dvc_lock` file.
    pub dvc_lock: DvcLock,
    /// Files whose md5 differs from what `dvc_lock` records, for reports.
    pub dvc_lock_changes: Vec<String>,
    /// Signature verification.
    pub signature: SignatureState,
    /// Why a signature is invalid, for reports.
    pub signature_reason: Option<String>,
    /// Declared keys / identities that verified the signature.
    pub signers: BTreeSet<String>,
    /// The claims of a verified keyless signature's certificate, and its signed time.
    pub signer_claims: SignerClaims,
    /// SAST findings.
    pub sast: Counts,
    /// DAST findings.
    pub dast: Counts,
    /// Secret-scan findings.
    pub secrets: Counts,
    /// Other scanner findings.
    pub scans: Counts,
    /// Vulnerabilities over the packages it includes, after VEX.
    pub vulnerabilities: Counts,
    /// A vulnerability scan was supplied: its `bom` carries vulnerability data (a CycloneDX
    /// `vulnerabilities` array, even an empty one). Without one, `vulnerabilities` is zero
    /// because nobody looked, not because nothing was found.
    pub vulnerability_scan: bool,
    /// At least one SARIF report was read for its `sast` slot.
    pub sast_scan: bool,
    /// At least one SARIF report was read for its `secrets` slot.
    pub secrets_scan: bool,
    /// Licenses of the packages it includes.
    pub licenses: BTreeSet<String>,
    /// Model facts (models only; empty otherwise).
    pub model: ModelFacts,
    /// Provenance facts.
    pub provenance: ProvenanceFacts,
    /// Why the provenance is invalid, for reports.
    pub provenance_reason: Option<String>,
    /// The artifact's content digest: the sha256 of a local file or folder (model-signing
    /// style for folders), or the digest a remote artifact is pinned by; `None` if unknown.
    pub digest: Option<Digest>,
    /// Evidence files read for this artifact, with their sha256 (for attestations).
    pub evidence_files: Vec<EvidenceFile>,
    /// Scanner findings (SARIF), most severe first, at most [`MAX_FINDINGS`] kept for reports.
    pub findings: Vec<FindingSummary>,
    /// Another gate's signed verdict about it (`summary = "…"`).
    pub summary: SummaryFacts,
}

/// A verification summary (VSA) another pipeline's gate signed about an artifact. The
/// verdict's facts are filled in only when the bundle verified against a declared key or
/// identity (the artifact's `signed_by`), is a SLSA verification summary, names the
/// artifact's digest, is not older than `summary_max_age` and names the `summary_policy`
/// digest when one is pinned; otherwise `state` is `invalid` with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SummaryFacts {
    /// `verified`, `invalid` or `absent`.
    pub state: SignatureState,
    /// `verificationResult` (`PASSED` or `FAILED`) of a verified summary.
    pub result: Option<String>,
    /// `policy.digest.sha256` of a verified summary (`sha256:<hex>`).
    pub policy_digest: Option<String>,
    /// `verifier.id` of a verified summary.
    pub verifier: Option<String>,
    /// `timeVerified` of a verified summary (RFC 3339).
    pub time: Option<String>,
    /// Declared keys / identities that verified it.
    pub signers: BTreeSet<String>,
    /// Why it is invalid, for reports.
    pub reason: Option<String>,
}

impl ArtifactFacts {
    /// What an artifact's declaration alone says, before any evidence is read: a remote
    /// artifact pinned by a digest is `remote` with that digest; anything else is `unpinned`
    /// until the lock says otherwise; a model's format is the one declared.
    pub fn declared(artifact: &palisade_syntax::Artifact) -> Self {
        ArtifactFacts {
            integrity: if artifact.path.is_none() && artifact.digest.is_some() {
                Integrity::Remote
            } else {
                Integrity::Unpinned
            },
            digest: artifact.digest.as_ref().map(|d| d.value.clone()),
            model: ModelFacts {
                format: artifact.format.as_ref().map(|f| f.value.to_lowercase()),
                ..ModelFacts::default()
            },
            ..ArtifactFacts::default()
        }
    }
}

/// How many findings per artifact are kept for reports (the counts cover all of them).
pub const MAX_FINDINGS: usize = 200;

/// One scanner finding, for reports and `explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingSummary {
    /// The evidence slot: `sast`, `dast`, `secrets` or `scans`.
    pub slot: String,
    /// The tool that reported it.
    pub tool: String,
    /// Its rule id.
    pub rule: Option<String>,
    /// Normalised severity.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// `uri:line` in the scanned code.
    pub location: Option<String>,
}

/// An evidence file that was read, and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    /// Path relative to the pipeline's folder, as written.
    pub path: String,
    /// sha256 of its bytes.
    pub digest: Digest,
}

/// What evidence says about the pipeline as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PipelineFacts {
    /// `palisade.lock` as read (its sha256 over the exact bytes the integrity facts came
    /// from); `None` when no lock was used.
    pub lock: Option<EvidenceFile>,
    /// The lock's signature (`palisade.lock.sigstore.json`): `verified` when it signs exactly
    /// the lock's bytes and verifies against a key or identity of `lock_signed_by` (any
    /// declared one when `lock_signed_by` is empty), `invalid` when it does not, `absent`
    /// when there is no signature file (or no lock).
    pub lock_signature: SignatureState,
    /// Declared keys / identities that verified the lock's signature.
    pub lock_signers: BTreeSet<String>,
    /// Why the lock's signature is invalid or absent, for reports.
    pub lock_signature_reason: Option<String>,
    /// The lock's signature file as read, when there is one.
    pub lock_signature_file: Option<EvidenceFile>,
}

/// Facts derived from an artifact's whole lineage (everything upstream of it, itself included
/// where the name says "over the lineage").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UpstreamFacts {
    /// Union of labels (declared and evidence) over the artifact and its lineage.
    pub labels: BTreeSet<String>,
    /// Artifacts strictly upstream whose signature is not verified.
    pub unsigned: u64,
    /// Artifacts strictly upstream that are not pinned (`integrity` neither verified nor remote).
    pub unpinned: u64,
    /// Highest vulnerability severity over the artifact and its lineage.
    pub max_vulnerability: Severity,
    /// Licenses over the artifact and its lineage.
    pub licenses: BTreeSet<String>,
    /// Datasets upstream.
    pub datasets: BTreeSet<String>,
    /// Models upstream.
    pub models: BTreeSet<String>,
    /// Secret-scan findings over the artifact and its lineage.
    pub secrets: Counts,
    /// SAST findings over the artifact and its lineage.
    pub sast: Counts,
    /// How many distinct stages upstream have no verified attestation (`absent` or
    /// `invalid`). A count, like `unsigned`: names per artifact would grow with the square of
    /// a chain's depth; the report's lineage path names the nearest one.
    pub unattested_stages: u64,
    /// Undeclared inputs of stages upstream, by name (the declared artifact it is, else its
    /// attested path).
    pub undeclared_inputs: BTreeSet<String>,
}

/// Facts derived for a stage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StageFacts {
    /// The most exposed release downstream of what this stage writes (`None` if nothing it
    /// produces is released).
    pub exposure: Option<Exposure>,
    /// Labels over the stage's inputs and their lineage.
    pub input_labels: BTreeSet<String>,
    /// What the stage's own evidence says (guardrails, red-team reports).
    pub evidence: StageEvidence,
}

/// What a stage's own evidence files say: read by `palisade-evidence` with `palisade-ai`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StageEvidence {
    /// The guardrails configuration it declares, read (`None` if it declares none).
    pub guardrails: Option<GuardrailsFacts>,
    /// Its red-team reports, summed (`None` if it declares none).
    pub redteam: Option<RedTeamFacts>,
    /// Labels it declassifies with evidence (`declassifies = ["pii"]` and a clean `pii_scan`):
    /// they stop flowing past the stage.
    pub declassified: BTreeSet<String>,
    /// Labels it claims to declassify without evidence (reported, ignored), each with why.
    pub declassify_unevidenced: Vec<String>,
    /// Its `pii_scan`, read: findings at or above the score threshold (`None`: no scan).
    pub pii_findings: Option<u64>,
    /// Evidence files read for it, with their sha256.
    pub evidence_files: Vec<EvidenceFile>,
    /// Its `attestation` checked against `runs_as` and compared with its declaration
    /// (`None` when it declares no attestation: `attestation = "absent"`).
    pub lineage: Option<LineageFacts>,
}

/// A stage's attestations: verified or not, and declared versus attested.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LineageFacts {
    /// `verified` when every attestation file verifies against the stage's `runs_as` identity
    /// (its key, CA or keyless claims), `invalid` otherwise.
    pub attestation: SignatureState,
    /// Who verified it (the identity, or its key), when verified.
    pub signer: Option<String>,
    /// Why it is invalid, for reports.
    pub reason: Option<String>,
    /// The attestation forms read (`link-v03/dsse`, `classic-link/metablock` …), one per file.
    pub forms: Vec<String>,
    /// The command the attestation records (of the first file).
    pub command: Vec<String>,
    /// Declared inputs the attestation accounts for.
    pub attested_inputs: BTreeSet<String>,
    /// Declared outputs the attestation accounts for.
    pub attested_outputs: BTreeSet<String>,
    /// Materials that match no declared input.
    pub undeclared_inputs: Vec<LineageResource>,
    /// Products that match no declared output.
    pub undeclared_outputs: Vec<LineageResource>,
    /// Declared inputs that are not among the materials: (name, why).
    pub unattested_inputs: Vec<(String, String)>,
    /// Declared outputs that are not among the products: (name, why).
    pub unattested_outputs: Vec<(String, String)>,
    /// The differential-privacy ε the attestation's parameters record (`differential_privacy`
    /// in a link's `environment` or provenance's `externalParameters`), in thousandths rounded
    /// up; the largest of its files.
    pub dp_epsilon_milli: Option<u64>,
    /// Why its `differential_privacy` parameters are unusable (two values, no ε …).
    pub dp_unusable: Option<String>,
}

/// An attested material or product the stage does not declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageResource {
    /// Its path (or name / URI) in the attestation.
    pub path: String,
    /// Its digest (`sha256:…`, or the first algorithm attested).
    pub digest: String,
    /// Indexes in `pipeline.artifacts` of the declared artifacts whose content it is (the
    /// graph gains an `undeclared_input` edge from each, so their labels flow downstream).
    #[serde(skip)]
    pub artifacts: Vec<usize>,
    /// Those artifacts' names.
    pub known_as: Vec<String>,
}

impl LineageResource {
    /// How policies and reports name it: the declared artifacts it is, else its path.
    pub fn names(&self) -> Vec<String> {
        if self.known_as.is_empty() {
            vec![self.path.clone()]
        } else {
            self.known_as.clone()
        }
    }
}

impl StageEvidence {
    /// `verified`, `invalid` or `absent` (no `attestation` declared).
    pub fn attestation(&self) -> SignatureState {
        self.lineage
            .as_ref()
            .map_or(SignatureState::Absent, |l| l.attestation)
    }
}

/// A guardrails configuration reduced to the checks it enforces.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GuardrailsFacts {
    /// `nemo-guardrails` or `guardrails-ai`.
    pub framework: String,
    /// Normalised kinds checked on the user's input (`prompt_injection`, `jailbreak`, `pii` …).
    pub input_checks: BTreeSet<String>,
    /// Normalised kinds checked on the model's output.
    pub output_checks: BTreeSet<String>,
    /// Rails configured that do not act on a finding, with the reason (for reports).
    pub not_enforced: Vec<String>,
    /// Flow or validator ids with no known kind (for reports).
    pub unrecognised: Vec<String>,
    /// Custom code beside the configuration (NeMo `actions.py` …), for reports.
    pub custom_code: Vec<String>,
}

/// Red-team reports (garak, promptfoo) summed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RedTeamFacts {
    /// `tool version` of each report.
    pub tools: BTreeSet<String>,
    /// When the oldest report ran, Unix seconds (`None` if a report does not say).
    pub ran_at: Option<i64>,
    /// Attacks tried.
    pub attempts: u64,
    /// Attacks that got through.
    pub failures: u64,
    /// Attempts that errored (not judged).
    pub errors: u64,
    /// Every report finished with every attempt judged.
    pub conclusive: bool,
    /// Why a report is inconclusive, for reports.
    pub inconclusive: Vec<String>,
    /// The model digest a report names as its target (`…@sha256:…`), by the report's
    /// `sha256:<hex>`.
    pub named_targets: std::collections::BTreeMap<String, String>,
    /// `sha256:<hex>` of each report signed by the stage's `runs_as` identity
    /// (`<report>.sigstore.json`): the digest such a report names is the signer's word.
    pub signed_reports: BTreeSet<String>,
    /// Per OWASP LLM Top 10 (2025) id: (attempts, failures + errors).
    pub owasp: std::collections::BTreeMap<String, (u64, u64)>,
    /// `sha256:<hex>` of each report file.
    pub report_digests: BTreeSet<String>,
    /// Models the reports are linked to at their current digest (the report names it, or a
    /// verified stage attestation has the model among its materials and a report among its
    /// products): the red team tested this version.
    pub tested_models: BTreeSet<String>,
    /// Models a report is linked to at another digest than their current one, with why: the
    /// red team tested an older (or other) version.
    pub stale_models: std::collections::BTreeMap<String, String>,
    /// Why a report counts for no model (it names no digest and no verified attestation
    /// produced it, or the digest it names is only written in the unsigned report): a red team
    /// claimed, not evidenced.
    pub unlinked: Vec<String>,
}

impl RedTeamFacts {
    /// Attack success rate in thousandths, rounded up; an inconclusive run or one with no
    /// attempt is 1000 (nothing shows the model holds).
    pub fn attack_success_milli(&self) -> u64 {
        if !self.conclusive || self.attempts == 0 {
            return 1000;
        }
        (self.failures + self.errors)
            .saturating_mul(1000)
            .div_ceil(self.attempts)
            .min(1000)
    }
}

/// Facts derived for an artifact from what is downstream of it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DownstreamFacts {
    /// Stages that write this artifact.
    pub produced_by: BTreeSet<String>,
    /// Identities of the stages that write it.
    pub producer_identities: BTreeSet<String>,
    /// Stages writing it that run as no declared identity.
    pub unidentified_producers: u64,
    /// Releases that ship it directly.
    pub released_in: BTreeSet<String>,
    /// The most exposed release downstream (`None` if none).
    pub exposure: Option<Exposure>,
}

/// A package from an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PackageFacts {
    /// Deduplication key: purl, else `name@version`.
    pub key: String,
    /// Component name (with group, `group/name`, if any).
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// purl.
    pub purl: Option<String>,
    /// SPDX ids, names or expressions.
    pub licenses: BTreeSet<String>,
    /// Vulnerabilities affecting it, after VEX.
    pub vulnerability_ids: BTreeSet<String>,
    /// Those vulnerabilities by severity.
    pub vulnerabilities: Counts,
    /// CycloneDX component type (`library`, `machine-learning-model`, `data` …).
    pub component_type: Option<String>,
}
