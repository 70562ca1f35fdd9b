//! The part of a CycloneDX document Palisade uses: components (packages, models, datasets),
//! their dependency graph and vulnerabilities with VEX analysis. Both readers (JSON and XML)
//! produce this model, so everything downstream is format-blind.

use serde::{Serialize, Serializer};

/// The CycloneDX specification version a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecVersion {
    /// CycloneDX 1.4.
    V1_4,
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6.
    V1_6,
    /// CycloneDX 1.7.
    V1_7,
}

impl SpecVersion {
    /// Parses the version as written in `specVersion` or at the end of the XML namespace.
    pub fn from_version_str(text: &str) -> Option<SpecVersion> {
        match text {
            "1.4" => Some(SpecVersion::V1_4),
            "1.5" => Some(SpecVersion::V1_5),
            "1.6" => Some(SpecVersion::V1_6),
            "1.7" => Some(SpecVersion::V1_7),
            _ => None,
        }
    }

    /// The version as CycloneDX writes it, e.g. `"1.6"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_4 => "1.4",
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_7 => "1.7",
        }
    }
}

impl Serialize for SpecVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A CycloneDX BOM (SBOM, ML-BOM or VEX) reduced to what Palisade needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bom {
    /// The declared specification version.
    pub spec_version: SpecVersion,
    /// `serialNumber` (usually `urn:uuid:…`).
    pub serial_number: Option<String>,
    /// `metadata.component`: the thing the BOM describes (its own nested components are
    /// flattened into [`Bom::components`]).
    pub metadata_component: Option<Component>,
    /// Every component, nested ones flattened depth-first; [`Component::parent`] indexes this list.
    pub components: Vec<Component>,
    /// The dependency graph, by `bom-ref`.
    pub dependencies: Vec<Dependency>,
    /// Vulnerabilities, with VEX analysis where present.
    pub vulnerabilities: Vec<Vulnerability>,
    /// The BOM carries vulnerability data: a `vulnerabilities` array (JSON) or element (XML),
    /// even an empty one, as a scanner writes (`trivy … --format cyclonedx`). A BOM without
    /// one (`cyclonedx-py environment`, syft) is an inventory: it says nothing about
    /// vulnerabilities, which is not the same as saying there are none.
    pub vulnerability_data: bool,
}

/// One edge list of the dependency graph: `bom_ref` depends on each of `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    /// The depending component's `bom-ref`.
    pub bom_ref: String,
    /// The `bom-ref`s it depends on.
    pub depends_on: Vec<String>,
}

/// A package, application, model, dataset … listed in the BOM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `bom-ref`, the id dependencies and vulnerabilities point at.
    pub bom_ref: Option<String>,
    /// The component `type`.
    pub kind: ComponentKind,
    /// `group` (Maven group, npm scope …).
    pub group: Option<String>,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
    /// Declared licenses, in document order.
    pub licenses: Vec<License>,
    /// Digests of the component.
    pub hashes: Vec<Hash>,
    /// The model card of a `machine-learning-model` component.
    pub model_card: Option<ModelCard>,
    /// The `data` entries of a `data` component.
    pub data: Vec<ComponentData>,
    /// Index in [`Bom::components`] of the component this one is nested in.
    pub parent: Option<usize>,
}

impl Component {
    /// The identity Palisade deduplicates packages by: the purl if any, else `name@version`
    /// (`group/name@version` when there is a group; without a version just the name).
    pub fn key(&self) -> String {
        if let Some(purl) = &self.purl {
            return purl.clone();
        }
        let mut key = match &self.group {
            Some(group) if !group.is_empty() => format!("{group}/{}", self.name),
            _ => self.name.clone(),
        };
        if let Some(version) = &self.version {
            key.push('@');
            key.push_str(version);
        }
        key
    }
}

/// A digest of a component, e.g. `SHA-256` and its hex content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hash {
    /// Algorithm as CycloneDX names it (`SHA-256`, `BLAKE3` …).
    pub alg: String,
    /// The digest, hex.
    pub content: String,
}

/// The CycloneDX component `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// `application`
    Application,
    /// `framework`
    Framework,
    /// `library`
    Library,
    /// `container`
    Container,
    /// `platform`
    Platform,
    /// `operating-system`
    OperatingSystem,
    /// `device`
    Device,
    /// `device-driver`
    DeviceDriver,
    /// `firmware`
    Firmware,
    /// `file`
    File,
    /// `machine-learning-model`
    MachineLearningModel,
    /// `data`
    Data,
    /// `cryptographic-asset`
    CryptographicAsset,
    /// Any other value, kept as written (future spec versions add types).
    Other(String),
}

impl ComponentKind {
    /// Maps the CycloneDX spelling to a kind; unknown values become [`ComponentKind::Other`].
    pub fn from_cyclonedx(text: &str) -> ComponentKind {
        match text {
            "application" => ComponentKind::Application,
            "framework" => ComponentKind::Framework,
            "library" => ComponentKind::Library,
            "container" => ComponentKind::Container,
            "platform" => ComponentKind::Platform,
            "operating-system" => ComponentKind::OperatingSystem,
            "device" => ComponentKind::Device,
            "device-driver" => ComponentKind::DeviceDriver,
            "firmware" => ComponentKind::Firmware,
            "file" => ComponentKind::File,
            "machine-learning-model" => ComponentKind::MachineLearningModel,
            "data" => ComponentKind::Data,
            "cryptographic-asset" => ComponentKind::CryptographicAsset,
            other => ComponentKind::Other(other.to_owned()),
        }
    }

    /// The CycloneDX spelling, e.g. `"machine-learning-model"`.
    pub fn as_str(&self) -> &str {
        match self {
            ComponentKind::Application => "application",
            ComponentKind::Framework => "framework",
            ComponentKind::Library => "library",
            ComponentKind::Container => "container",
            ComponentKind::Platform => "platform",
            ComponentKind::OperatingSystem => "operating-system",
            ComponentKind::Device => "device",
            ComponentKind::DeviceDriver => "device-driver",
            ComponentKind::Firmware => "firmware",
            ComponentKind::File => "file",
            ComponentKind::MachineLearningModel => "machine-learning-model",
            ComponentKind::Data => "data",
            ComponentKind::CryptographicAsset => "cryptographic-asset",
            ComponentKind::Other(other) => other,
        }
    }
}

impl Serialize for ComponentKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A declared license in any of the three CycloneDX shapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum License {
    /// `license.id`: an SPDX license id.
    Id(String),
    /// `license.name`: free text.
    Name(String),
    /// `expression`: an SPDX license expression.
    Expression(String),
}

impl License {
    /// The id, name or expression as written.
    pub fn as_str(&self) -> &str {
        match self {
            License::Id(text) | License::Name(text) | License::Expression(text) => text,
        }
    }
}

/// The parts of a `modelCard` that policies look at.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ModelCard {
    /// `modelParameters.task`.
    pub task: Option<String>,
    /// `modelParameters.architectureFamily`.
    pub architecture_family: Option<String>,
    /// `quantitativeAnalysis.performanceMetrics`, with their values as written.
    pub metrics: Vec<PerformanceMetric>,
    /// `modelParameters.datasets`: the `ref` of referenced datasets, the name of inline ones.
    pub datasets: Vec<String>,
    /// Whether the card has a `considerations` section.
    pub has_considerations: bool,
    /// The `considerations` section, when there is one.
    pub considerations: Option<Considerations>,
    /// The model card's own `properties` (name/value pairs), in document order.
    pub properties: Vec<Property>,
}

/// One entry of `quantitativeAnalysis.performanceMetrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerformanceMetric {
    /// The metric `type`, e.g. `"accuracy"`, `"adversarial-robustness"`.
    pub kind: String,
    /// `value`, as written (CycloneDX makes it a string: `"0.734"`, `"3"`).
    pub value: Option<String>,
    /// `slice`.
    pub slice: Option<String>,
    /// `confidenceInterval`, when given.
    pub confidence_interval: Option<ConfidenceInterval>,
}

/// `confidenceInterval` of a performance metric, bounds as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ConfidenceInterval {
    /// `lowerBound`.
    pub lower_bound: Option<String>,
    /// `upperBound`.
    pub upper_bound: Option<String>,
}

/// A name/value `property` (CycloneDX's extension point; names are namespaced by convention,
/// e.g. `cdx:huggingface:language`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    /// `name`.
    pub name: String,
    /// `value` (optional in the schema).
    pub value: Option<String>,
}

/// `considerations` of a model card: who it is for, what it must not be used for, its risks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Considerations {
    /// `users`.
    pub users: Vec<String>,
    /// `useCases`.
    pub use_cases: Vec<String>,
    /// `technicalLimitations`.
    pub technical_limitations: Vec<String>,
    /// `performanceTradeoffs`.
    pub performance_tradeoffs: Vec<String>,
    /// `ethicalConsiderations`: a risk and how it is mitigated.
    pub ethical_considerations: Vec<Risk>,
    /// `fairnessAssessments`.
    pub fairness_assessments: Vec<FairnessAssessment>,
}

/// One entry of `ethicalConsiderations`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Risk {
    /// `name`.
    pub name: Option<String>,
    /// `mitigationStrategy`.
    pub mitigation_strategy: Option<String>,
}

/// One entry of `fairnessAssessments`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FairnessAssessment {
    /// `groupAtRisk`.
    pub group_at_risk: Option<String>,
    /// `benefits`.
    pub benefits: Option<String>,
    /// `harms`.
    pub harms: Option<String>,
    /// `mitigationStrategy`.
    pub mitigation_strategy: Option<String>,
}

/// One `data` entry of a `data` component (a dataset, configuration …).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ComponentData {
    /// The data `type` (`dataset`, `configuration`, `source-code` …).
    pub kind: String,
    /// `name`.
    pub name: Option<String>,
    /// `classification` (e.g. `public`, `confidential`).
    pub classification: Option<String>,
    /// `sensitiveData` entries, as written (e.g. `"PII: names"`).
    pub sensitive_data: Vec<String>,
    /// Who owns, keeps and stewards the data.
    pub governance: Governance,
}

/// `governance` of a data entry: organization names, or contact names/emails.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Governance {
    /// `owners`.
    pub owners: Vec<String>,
    /// `custodians`.
    pub custodians: Vec<String>,
    /// `stewards`.
    pub stewards: Vec<String>,
}

/// A vulnerability entry, with its VEX analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// `id` (CVE, GHSA …).
    pub id: String,
    /// `source.name` (or `source.url` when it has no name).
    pub source: Option<String>,
    /// `ratings`.
    pub ratings: Vec<Rating>,
    /// `affects[].ref`: the `bom-ref`s of affected components.
    pub affects: Vec<String>,
    /// `analysis` (VEX).
    pub analysis: Option<Analysis>,
}

impl Vulnerability {
    /// The highest severity over all ratings. A rating with a score but no severity is mapped by
    /// CVSS bands (>= 9 critical, >= 7 high, >= 4 medium, > 0 low, 0 none). No rating at all is
    /// [`Severity::Unknown`].
    pub fn severity(&self) -> Severity {
        self.ratings
            .iter()
            .map(Rating::effective_severity)
            .max()
            .unwrap_or(Severity::Unknown)
    }

    /// Whether VEX says the finding does not apply: `analysis.state` is `not_affected` or
    /// `false_positive`.
    pub fn is_suppressed(&self) -> bool {
        matches!(
            self.analysis.as_ref().and_then(|analysis| analysis.state),
            Some(AnalysisState::NotAffected | AnalysisState::FalsePositive)
        )
    }
}

/// One rating of a vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    /// `severity`.
    pub severity: Option<Severity>,
    /// `score` (CVSS base score or another method's).
    pub score: Option<f64>,
    /// `method` (`CVSSv31`, `OWASP` …).
    pub method: Option<String>,
}

impl Rating {
    /// The stated severity, else the CVSS band of the score, else unknown.
    pub fn effective_severity(&self) -> Severity {
        match (self.severity, self.score) {
            (Some(severity), _) => severity,
            (None, Some(score)) => Severity::from_cvss(score),
            (None, None) => Severity::Unknown,
        }
    }
}

/// VEX `analysis` of a vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// `state`.
    pub state: Option<AnalysisState>,
    /// `justification` (e.g. `code_not_reachable`), as written.
    pub justification: Option<String>,
}

/// VEX `analysis.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisState {
    /// `resolved`
    Resolved,
    /// `resolved_with_pedigree`
    ResolvedWithPedigree,
    /// `exploitable`
    Exploitable,
    /// `in_triage`
    InTriage,
    /// `false_positive`
    FalsePositive,
    /// `not_affected`
    NotAffected,
}

impl AnalysisState {
    /// The values CycloneDX allows, for error messages.
    pub const EXPECTED: &'static str =
        "resolved, resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected";

    /// Parses the CycloneDX spelling.
    pub fn from_cyclonedx(text: &str) -> Option<AnalysisState> {
        match text {
            "resolved" => Some(AnalysisState::Resolved),
            "resolved_with_pedigree" => Some(AnalysisState::ResolvedWithPedigree),
            "exploitable" => Some(AnalysisState::Exploitable),
            "in_triage" => Some(AnalysisState::InTriage),
            "false_positive" => Some(AnalysisState::FalsePositive),
            "not_affected" => Some(AnalysisState::NotAffected),
            _ => None,
        }
    }
}

/// Severity of a vulnerability rating. Ordered so that `Critical` is the highest and
/// `Unknown` the lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `unknown`: stated as unknown or not rated.
    Unknown,
    /// `none`
    None,
    /// `info`
    Info,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Severity {
    /// The values accepted, for error messages.
    pub const EXPECTED: &'static str = "critical, high, medium, low, info, none, unknown";

    /// Parses a severity, ignoring case; `moderate` (GitHub's word) is medium.
    pub fn from_cyclonedx(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "info" => Some(Severity::Info),
            "none" => Some(Severity::None),
            "unknown" => Some(Severity::Unknown),
            _ => None,
        }
    }

    /// The CVSS v3 qualitative band of a score.
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else if score == 0.0 {
            Severity::None
        } else {
            // Negative or NaN scores carry no information.
            Severity::Unknown
        }
    }

    /// The lowercase CycloneDX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::None => "none",
            Severity::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn component(name: &str) -> Component {
        Component {
            bom_ref: None,
            kind: ComponentKind::Library,
            group: None,
            name: name.to_owned(),
            version: None,
            purl: None,
            licenses: vec![],
            hashes: vec![],
            model_card: None,
            data: vec![],
            parent: None,
        }
    }

    #[test]
    fn key_prefers_purl_then_group_name_version() {
        let mut c = component("core");
        assert_eq!(c.key(), "core");
        c.version = Some("1.0".into());
        assert_eq!(c.key(), "core@1.0");
        c.group = Some("org.acme".into());
        assert_eq!(c.key(), "org.acme/core@1.0");
        c.purl = Some("pkg:maven/org.acme/core@1.0".into());
        assert_eq!(c.key(), "pkg:maven/org.acme/core@1.0");
    }

    #[test]
    fn severity_order_and_cvss_bands() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High > Severity::Medium);
        assert!(Severity::Low > Severity::Info);
        assert!(Severity::None > Severity::Unknown);
        assert_eq!(Severity::from_cvss(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss(8.9), Severity::High);
        assert_eq!(Severity::from_cvss(7.0), Severity::High);
        assert_eq!(Severity::from_cvss(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss(0.1), Severity::Low);
        assert_eq!(Severity::from_cvss(0.0), Severity::None);
        assert_eq!(Severity::from_cvss(f64::NAN), Severity::Unknown);
        assert_eq!(
            Severity::from_cyclonedx("CRITICAL"),
            Some(Severity::Critical)
        );
        assert_eq!(Severity::from_cyclonedx("moderate"), Some(Severity::Medium));
        assert_eq!(Severity::from_cyclonedx("severe"), None);
    }

    #[test]
    fn vulnerability_severity_is_highest_rating_and_vex_suppresses() {
        let mut v = Vulnerability {
            id: "CVE-1".into(),
            source: None,
            ratings: vec![
                Rating {
                    severity: Some(Severity::Low),
                    score: None,
                    method: None,
                },
                Rating {
                    severity: None,
                    score: Some(9.8),
                    method: Some("CVSSv31".into()),
                },
            ],
            affects: vec![],
            analysis: None,
        };
        assert_eq!(v.severity(), Severity::Critical);
        assert!(!v.is_suppressed());
        v.analysis = Some(Analysis {
            state: Some(AnalysisState::Exploitable),
            justification: None,
        });
        assert!(!v.is_suppressed());
        v.analysis = Some(Analysis {
            state: Some(AnalysisState::FalsePositive),
            justification: None,
        });
        assert!(v.is_suppressed());
        v.analysis = Some(Analysis {
            state: Some(AnalysisState::NotAffected),
            justification: None,
        });
        assert!(v.is_suppressed());
        v.ratings.clear();
        assert_eq!(v.severity(), Severity::Unknown);
    }

    #[test]
    fn kinds_round_trip() {
        for text in [
            "application",
            "machine-learning-model",
            "data",
            "operating-system",
            "cryptographic-asset",
        ] {
            assert_eq!(ComponentKind::from_cyclonedx(text).as_str(), text);
        }
        assert_eq!(
            ComponentKind::from_cyclonedx("hologram"),
            ComponentKind::Other("hologram".into())
        );
        assert_eq!(
            License::Expression("MIT OR Apache-2.0".into()).as_str(),
            "MIT OR Apache-2.0"
        );
    }
}
