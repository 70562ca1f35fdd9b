//! The typed syntax tree of a `pipeline.pal` file.
//!
//! Every value keeps the byte span it was written at, so that later stages (graph, evidence,
//! policy, report) can point diagnostics and report locations back into the user's file.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

/// A value together with the place in the source where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written (byte offset and length in [`SourceFile::text`]).
    pub span: SourceSpan,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: SourceSpan) -> Self {
        Self { value, span }
    }
}

/// The source text of a pipeline file, kept for diagnostics and report locations.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file name as the user gave it (used in messages and reports).
    pub name: String,
    /// The folder every relative path in the file is resolved against (canonical).
    pub base_dir: PathBuf,
    /// The full text.
    pub text: Arc<String>,
}

impl SourceFile {
    /// A `NamedSource` for miette diagnostics over this file.
    pub fn named_source(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(self.name.clone(), Arc::clone(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map_or(0, |last| last.chars().count())
            + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The kinds of things a pipeline declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A trusted public key (`key "release" { public_key = "keys/release.pub" }`).
    Key,
    /// A CI workload identity (`identity "trainer" { issuer = … subject = … }`).
    Identity,
    /// Source code.
    Code,
    /// A dataset.
    Dataset,
    /// A model (file or directory).
    Model,
    /// A container image.
    Image,
    /// A secret, by vault reference only.
    Secret,
    /// A pipeline stage connecting inputs to outputs.
    Stage,
    /// A release shipping artifacts to an environment.
    Release,
    /// A time-limited exception to one policy.
    Waiver,
}

impl Kind {
    /// Every kind, in the order the language reference lists them.
    pub const ALL: [Kind; 10] = [
        Kind::Key,
        Kind::Identity,
        Kind::Code,
        Kind::Dataset,
        Kind::Model,
        Kind::Image,
        Kind::Secret,
        Kind::Stage,
        Kind::Release,
        Kind::Waiver,
    ];

    /// The keyword as written in `.pal` files (`dataset`).
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Key => "key",
            Kind::Identity => "identity",
            Kind::Code => "code",
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Image => "image",
            Kind::Secret => "secret",
            Kind::Stage => "stage",
            Kind::Release => "release",
            Kind::Waiver => "waiver",
        }
    }

    /// Parses a keyword.
    pub fn from_keyword(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.keyword() == word)
    }

    /// The artifact kind, if this kind is an artifact.
    pub fn artifact(self) -> Option<ArtifactKind> {
        match self {
            Kind::Code => Some(ArtifactKind::Code),
            Kind::Dataset => Some(ArtifactKind::Dataset),
            Kind::Model => Some(ArtifactKind::Model),
            Kind::Image => Some(ArtifactKind::Image),
            Kind::Secret => Some(ArtifactKind::Secret),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The kinds that are artifacts: things that flow through stages and get released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ArtifactKind {
    /// Source code.
    Code,
    /// A dataset.
    Dataset,
    /// A model.
    Model,
    /// A container image.
    Image,
    /// A secret (vault reference).
    Secret,
}

impl ArtifactKind {
    /// The corresponding declaration kind.
    pub fn kind(self) -> Kind {
        match self {
            ArtifactKind::Code => Kind::Code,
            ArtifactKind::Dataset => Kind::Dataset,
            ArtifactKind::Model => Kind::Model,
            ArtifactKind::Image => Kind::Image,
            ArtifactKind::Secret => Kind::Secret,
        }
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind().fmt(f)
    }
}

/// A reference to a declared thing, written `<kind> "<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// The kind named in the reference.
    pub kind: Kind,
    /// The name of the referenced declaration.
    pub name: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.kind, self.name)
    }
}

/// A path attribute, as written and as resolved against the pipeline's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathValue {
    /// The string the user wrote (`"data/transactions.csv"`).
    pub written: String,
    /// The absolute path inside the pipeline's folder (lexically normalised; checked not to
    /// escape the folder, through `..` or through a symlink that exists at load time).
    pub resolved: PathBuf,
}

pub use palisade_core::{Date, Digest, Exposure};

/// `max_dp_epsilon` when the pipeline sets none: ε = 8, in thousandths.
pub const DEFAULT_MAX_DP_EPSILON_MILLI: u64 = 8000;

impl Pipeline {
    /// The pipeline's `max_dp_epsilon` in thousandths, or [`DEFAULT_MAX_DP_EPSILON_MILLI`].
    pub fn max_dp_epsilon_milli(&self) -> u64 {
        self.max_dp_epsilon
            .as_ref()
            .map_or(DEFAULT_MAX_DP_EPSILON_MILLI, |m| m.value)
    }
}

/// A whole pipeline file, parsed and resolved.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The source it came from.
    pub source: SourceFile,
    /// `pipeline "<name>"`.
    pub name: Spanned<String>,
    /// The span of the whole `pipeline { … }` block.
    pub span: SourceSpan,
    /// `owner = "…"`.
    pub owner: Option<Spanned<String>>,
    /// `policies = [...]`, as written; `None` when absent (the built-in pack applies).
    pub policies: Option<Vec<Spanned<PolicySource>>>,
    /// `vulnerability_threshold = "high"`: the lowest vulnerability severity the baseline SCA
    /// rule denies (`critical`, `high`, `medium` or `low`); `None` means `critical`.
    pub vulnerability_threshold: Option<Spanned<String>>,
    /// `denied_licenses = [...]`: licenses the baseline rule denies in released packages;
    /// `None` means the built-in list.
    pub denied_licenses: Option<Vec<Spanned<String>>>,
    /// `trusted_root = "trusted_root.json"`: the Sigstore trusted root keyless signatures are
    /// verified against; `None` means the public-good snapshot built into the binary.
    pub trusted_root: Option<Spanned<PathValue>>,
    /// `max_attack_success = 0.05`: the highest red-team attack success rate the baseline
    /// accepts for a public LLM, in thousandths (`0.05` is 50).
    pub max_attack_success: Option<Spanned<u64>>,
    /// `max_dp_epsilon = 8.0`: the largest differential-privacy ε a signed ML-BOM model card may
    /// record for the `differential-privacy` label to lift `pii-public-release`, in
    /// thousandths (`8.0` is 8000).
    pub max_dp_epsilon: Option<Spanned<u64>>,
    /// `min_robustness = 0.7`: the lowest adversarial-robustness value (accuracy under attack)
    /// a released model's card may report, in thousandths (`0.7` is 700).
    pub min_robustness: Option<Spanned<u64>>,
    /// `lock_signed_by = key "…"` or a list of key/identity references: `palisade.lock` must
    /// carry a signature (`palisade.lock.sigstore.json`) by one of them. Empty: not required.
    pub lock_signed_by: Vec<Spanned<Reference>>,
    /// `require_attestations = true`: every stage upstream of a public release must have a
    /// verified `attestation` (the baseline `lineage.cedar` denies otherwise).
    pub require_attestations: Option<Spanned<bool>>,
    /// `dvc_lock = "dvc.lock"`: the DVC lock file whose recorded md5 of every file is checked
    /// against the artifacts' files (the artifacts' `dvc_lock` fact). Not set: not checked.
    pub dvc_lock: Option<Spanned<PathValue>>,
    /// `key` blocks, in source order.
    pub keys: Vec<Key>,
    /// `identity` blocks, in source order.
    pub identities: Vec<Identity>,
    /// `code`, `dataset`, `model`, `image` and `secret` blocks, in source order.
    pub artifacts: Vec<Artifact>,
    /// `stage` blocks, in source order.
    pub stages: Vec<Stage>,
    /// `release` blocks, in source order.
    pub releases: Vec<Release>,
    /// `waiver` blocks, in source order.
    pub waivers: Vec<Waiver>,
}

/// One entry of `policies = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// `"@baseline"`: the pack built into the binary.
    Baseline,
    /// A folder of `.cedar` files, relative to the pipeline's folder.
    Folder(PathValue),
}

/// `key "<name>" { public_key = "…" }`: a public key the pipeline trusts.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// PEM file with a P-256, P-384 or Ed25519 public key.
    pub public_key: Spanned<PathValue>,
}

/// `identity "<name>" { issuer = … subject = … }`: a CI workload identity.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The identity's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// OIDC issuer URL.
    pub issuer: Option<Spanned<String>>,
    /// Subject (workflow ref, SAN e-mail or URI).
    pub subject: Option<Spanned<String>>,
    /// Certificate authority (PEM, one or more certificates) that certifies this identity's
    /// signing certificates.
    pub ca: Option<Spanned<PathValue>>,
    /// The SLSA builder id this identity builds as (`builder = "https://…"`), for provenance.
    pub builder: Option<Spanned<String>>,
    /// Keyless signatures: the source repository the Fulcio certificate names (OID
    /// 1.3.6.1.4.1.57264.1.12): `owner/repo` (GitHub) or a full URI; `*` globs.
    pub repository: Option<Spanned<String>>,
    /// Keyless: the source ref (1.14), e.g. `refs/heads/main`, `refs/tags/v*`.
    pub git_ref: Option<Spanned<String>>,
    /// Keyless: the top-level workflow that ran (build config, 1.18): its path in the
    /// repository (`.github/workflows/release.yml`) or its whole URI with `@ref`.
    pub workflow: Option<Spanned<String>>,
    /// Keyless: the workflow that requested the certificate (build signer, 1.9), when signing
    /// happens in a reusable workflow; same forms as `workflow`.
    pub signer_workflow: Option<Spanned<String>>,
    /// Keyless: the build trigger (1.20): `push`, `release` …
    pub trigger: Option<Spanned<String>>,
    /// Keyless: the runner environment (1.11): `github-hosted` refuses self-hosted runners.
    pub runner: Option<Spanned<String>>,
    /// `key = key "…"`: the key this identity signs with (stage attestations of a stage that
    /// `runs_as` this identity may be signed by it).
    pub key: Option<Spanned<Reference>>,
}

impl Identity {
    /// Whether the block declares any Fulcio claim a keyless certificate can be matched on
    /// (`subject`, `issuer`, `repository`, `ref`, `workflow`, `signer_workflow`, `trigger`,
    /// `runner`).
    pub fn has_keyless_claims(&self) -> bool {
        self.subject.is_some()
            || self.issuer.is_some()
            || self.repository.is_some()
            || self.git_ref.is_some()
            || self.workflow.is_some()
            || self.signer_workflow.is_some()
            || self.trigger.is_some()
            || self.runner.is_some()
    }
}

/// `code`, `dataset`, `model`, `image` or `secret` block.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Which kind of artifact.
    pub kind: ArtifactKind,
    /// The artifact's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// `path = "…"`: a local file or directory, hashed.
    pub path: Option<Spanned<PathValue>>,
    /// `ref = "…"` or `uri = "…"`: a remote location, pinned by `digest`.
    pub remote: Option<Spanned<String>>,
    /// `digest = "sha256:…"`, or the digest a `ref = "…@sha256:…"` pins.
    pub digest: Option<Spanned<Digest>>,
    /// `labels = [...]`.
    pub labels: Vec<Spanned<String>>,
    /// `bom = "…"`: CycloneDX SBOM / ML-BOM.
    pub bom: Option<Spanned<PathValue>>,
    /// `provenance = "…"`: in-toto statement (DSSE or Sigstore bundle).
    pub provenance: Option<Spanned<PathValue>>,
    /// `signature = "…"`: Sigstore bundle or OpenSSF model-signing bundle.
    pub signature: Option<Spanned<PathValue>>,
    /// `signed_by = key "…"` or a list of key/identity references.
    pub signed_by: Vec<Spanned<Reference>>,
    /// `sast = [...]`: SARIF reports.
    pub sast: Vec<Spanned<PathValue>>,
    /// `dast = [...]`: SARIF reports.
    pub dast: Vec<Spanned<PathValue>>,
    /// `secrets = [...]`: secret-scan SARIF reports.
    pub secrets: Vec<Spanned<PathValue>>,
    /// `scans = [...]`: other scanner reports (SARIF).
    pub scans: Vec<Spanned<PathValue>>,
    /// `format = "…"` (models): one of [`MODEL_FORMATS`] (`safetensors`, `onnx`, `pickle`,
    /// `pytorch`, `gguf` …), as written. Evidence judges the content, not this.
    pub format: Option<Spanned<String>>,
    /// `allow_imports = [...]` (models): imports a pickle-based model may perform beyond the
    /// default allow list (`sklearn.linear_model.*`, `mypkg.net.Net`). Checked by evidence;
    /// dangerous imports can never be allowed.
    pub allow_imports: Vec<Spanned<String>>,
    /// `vault = "…"` (secrets): where the secret lives; never its value.
    pub vault: Option<Spanned<String>>,
    /// `bom_signature = "….sigstore.json"` (models): a Sigstore bundle whose subject is the
    /// `bom` file, signed by one of `signed_by`: what makes the model card's claims evidence.
    pub bom_signature: Option<Spanned<PathValue>>,
    /// `summary = "…"`: a verification summary (VSA bundle, `palisade attest`) another
    /// pipeline's gate signed about this artifact; verified against `signed_by`.
    pub summary: Option<Spanned<PathValue>>,
    /// `summary_max_age = "30d"`: how old (by its `timeVerified`) the summary may be, in
    /// seconds. `None`: any age.
    pub summary_max_age: Option<Spanned<u64>>,
    /// `summary_policy = "sha256:…"`: the policy digest the summary must name.
    pub summary_policy: Option<Spanned<Digest>>,
    /// `ignore = ["__pycache__/", "*.pyc"]`: gitignore-like globs relative to a folder
    /// artifact's `path`, left out of its content digest and its lock entry (see
    /// [`palisade_core::ignore`]). Each was checked to parse. Empty when not written.
    pub ignore: Vec<Spanned<String>>,
}

/// The values a model's `format = "…"` may take (compared without regard to case): the
/// formats evidence tells apart by content, and the usual names for them. Anything else is a
/// syntax error with a suggestion, so a typo (`"pytorh"`) cannot slip past the format rules.
pub const MODEL_FORMATS: &[&str] = &[
    // Not pickle-based: recognised by palisade-modelfmt.
    "safetensors",
    "onnx",
    "gguf",
    "keras",
    "keras_h5",
    "h5",
    "hdf5",
    // Pickle-based (palisade-pickle's `PICKLE_FORMATS`): recognised by palisade-pickle.
    "pickle",
    "pkl",
    "pytorch",
    "pt",
    "pth",
    "torch",
    "joblib",
    "sklearn",
    "scikit-learn",
    "dill",
    "cloudpickle",
    "keras-pickle",
    "npy-object",
    // NumPy arrays: pickle-based only when they hold objects, which the content tells.
    "numpy",
    "npy",
    "npz",
    // Not known to palisade: the content decides.
    "unknown",
];

/// `stage "<name>" { … }`: a step that reads inputs and writes outputs.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// `runs_as = identity "…"`.
    pub runs_as: Option<Spanned<Reference>>,
    /// `inputs = [...]`: artifacts read.
    pub inputs: Vec<Spanned<Reference>>,
    /// `outputs = [...]`: artifacts written.
    pub outputs: Vec<Spanned<Reference>>,
    /// `secrets = [...]`: secrets used.
    pub secrets: Vec<Spanned<Reference>>,
    /// `guardrails = "…"`: prompt-injection / output filter configuration.
    pub guardrails: Option<Spanned<PathValue>>,
    /// `environment = "…"`: where the stage runs (`ci`, `training-cluster`, `production` …).
    pub environment: Option<Spanned<String>>,
    /// `redteam = [...]`: red-team reports (garak `*.report.jsonl`, promptfoo `results.json`).
    pub redteam: Vec<Spanned<PathValue>>,
    /// `declassifies = ["pii"]`: labels the stage removes from what it writes (it drops or
    /// hashes the identifying columns). Honoured only with evidence (`pii_scan`).
    pub declassifies: Vec<Spanned<String>>,
    /// `pii_scan = "….json"`: a PII scan of the stage's output (Presidio analyzer JSON), the
    /// evidence for `declassifies = ["pii"]`.
    pub pii_scan: Option<Spanned<PathValue>>,
    /// `attestation = "…"` or a list: signed records of runs of this stage (in-toto links,
    /// in-toto statements with the link or SLSA provenance predicate, in DSSE or a Sigstore
    /// bundle), checked against `runs_as`.
    pub attestation: Vec<Spanned<PathValue>>,
}

/// `release "<name>" { … }`: artifacts shipped to an environment.
#[derive(Debug, Clone)]
pub struct Release {
    /// The release's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// `artifacts = [...]` (at least one).
    pub artifacts: Vec<Spanned<Reference>>,
    /// `environment = "…"`.
    pub environment: Spanned<String>,
    /// `exposure = "public" | "internal" | "private"`.
    pub exposure: Spanned<Exposure>,
}

/// `waiver "<name>" { policy = … target = … expires = … reason = … }`.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// The waiver's name.
    pub name: Spanned<String>,
    /// The whole block.
    pub span: SourceSpan,
    /// The `@id` of the policy waived.
    pub policy: Spanned<String>,
    /// What it covers; `None` covers every resource the policy denies.
    pub target: Option<Spanned<Reference>>,
    /// The last day the waiver applies (it stops covering at 00:00 UTC the day after).
    pub expires: Spanned<Date>,
    /// Why (required: a waiver without a reason is an error).
    pub reason: Spanned<String>,
}
