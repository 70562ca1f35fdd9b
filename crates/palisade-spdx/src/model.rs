//! The part of an SPDX document Palisade uses, the same for SPDX 2.2/2.3 JSON and SPDX 3.0
//! JSON-LD: packages (software, AI, dataset), files, relationships, licenses and
//! vulnerabilities with their assessments. Both readers produce this model; the reduction in
//! [`crate::reduce`] turns it into the facts the graph needs.

use std::collections::BTreeMap;

use serde::Serialize;

/// The SPDX specification version a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SpecVersion {
    /// `"spdxVersion": "SPDX-2.2"` (JSON).
    #[serde(rename = "SPDX-2.2")]
    V2_2,
    /// `"spdxVersion": "SPDX-2.3"` (JSON).
    #[serde(rename = "SPDX-2.3")]
    V2_3,
    /// SPDX 3.0.0 JSON-LD.
    #[serde(rename = "3.0.0")]
    V3_0_0,
    /// SPDX 3.0.1 JSON-LD.
    #[serde(rename = "3.0.1")]
    V3_0_1,
}

impl SpecVersion {
    /// The version as SPDX writes it (`"SPDX-2.3"`, `"3.0.1"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V2_2 => "SPDX-2.2",
            SpecVersion::V2_3 => "SPDX-2.3",
            SpecVersion::V3_0_0 => "3.0.0",
            SpecVersion::V3_0_1 => "3.0.1",
        }
    }

    /// Whether this is an SPDX 3 (JSON-LD) version.
    pub fn is_v3(self) -> bool {
        matches!(self, SpecVersion::V3_0_0 | SpecVersion::V3_0_1)
    }
}

/// An SPDX document reduced to what Palisade needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The declared version.
    pub spec_version: SpecVersion,
    /// The document's `name` (2.x) or the `SpdxDocument` element's name (3.0).
    pub name: Option<String>,
    /// `documentNamespace` (2.x) or the `SpdxDocument`'s `spdxId` (3.0).
    pub namespace: Option<String>,
    /// Who made it: `creationInfo.creators` as written (2.x, e.g. `"Tool: syft-1.18.1"`);
    /// `"Tool: <name>"` / `"Organization: <name>"` / `"Person: <name>"` of the creation info's
    /// `createdUsing` and `createdBy` (3.0).
    pub creators: Vec<String>,
    /// Ids of the elements the document describes: `documentDescribes` and `DESCRIBES`
    /// relationships (2.x); the `rootElement`s of the `SpdxDocument`, looking through an
    /// `software_Sbom`/`Bom` root to its own roots, and `describes` relationships (3.0).
    pub subjects: Vec<String>,
    /// Packages (software, AI, dataset) and files, in document order.
    pub elements: Vec<Element>,
    /// Relationships between elements, one entry per target (3.0 relationships with several
    /// `to` become several entries). License and vulnerability-assessment relationships are
    /// folded into [`Element::licenses`] and [`Vulnerability::assessments`] instead.
    pub relationships: Vec<Relationship>,
    /// Vulnerabilities with every assessment of them (3.0), or the SECURITY `advisory`
    /// references of packages (2.x).
    pub vulnerabilities: Vec<Vulnerability>,
    /// References to ids that no element of the document defines (another document's
    /// elements, typos), as `(where, id)`. They are kept, not guessed at: a dependency on an
    /// unknown element is no edge; a vulnerability on one counts on the artifact itself.
    pub unresolved: Vec<(String, String)>,
    /// SPDX 3 element types this reader does not model, with how often each occurs (`Person`,
    /// `build_Build`, extension types …). Shown so nothing disappears unseen.
    pub ignored_types: BTreeMap<String, usize>,
}

impl Document {
    /// The element with this id, if the document defines it.
    pub fn element(&self, id: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.id == id)
    }
}

/// What an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// An SPDX 2 package or an SPDX 3 `software_Package`.
    Package,
    /// An SPDX 3 `ai_AIPackage`: a model, with [`Element::ai`].
    AiPackage,
    /// An SPDX 3 `dataset_DatasetPackage`: a dataset, with [`Element::dataset`].
    DatasetPackage,
    /// A file (2.x `files`, 3.0 `software_File`). Not a package.
    File,
    /// A snippet (2.x `snippets`, 3.0 `software_Snippet`). Not a package.
    Snippet,
}

impl ElementKind {
    /// Whether the element is a package of any kind (a node in Palisade's graph).
    pub fn is_package(self) -> bool {
        matches!(
            self,
            ElementKind::Package | ElementKind::AiPackage | ElementKind::DatasetPackage
        )
    }
}

/// A package, model, dataset or file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Element {
    /// `SPDXID` (2.x) or `spdxId` (3.0; compact IRIs expanded through the document's
    /// `namespaceMap`).
    pub id: String,
    /// What it is.
    pub kind: ElementKind,
    /// `name` (2.x packages and 3.0), `fileName` (2.x files); `""` when absent.
    pub name: String,
    /// `versionInfo` (2.x) or `software_packageVersion` (3.0).
    pub version: Option<String>,
    /// The package URL: the first `externalRefs` entry of type `purl` (2.x), else
    /// `software_packageUrl`, else an `externalIdentifier` of type `packageUrl` (3.0).
    pub purl: Option<String>,
    /// `primaryPackagePurpose` (2.x, e.g. `LIBRARY`) or `software_primaryPurpose` (3.0, e.g.
    /// `model`), as written.
    pub purpose: Option<String>,
    /// Concluded and declared licenses.
    pub licenses: Licenses,
    /// Model facts of an `ai_AIPackage`.
    pub ai: Option<AiFacts>,
    /// Dataset facts of a `dataset_DatasetPackage`.
    pub dataset: Option<DatasetFacts>,
}

impl Element {
    /// The identity Palisade deduplicates packages by: the purl if any, else `name@version`,
    /// else the name (the same rule as for CycloneDX components).
    pub fn key(&self) -> String {
        if let Some(purl) = &self.purl {
            return purl.clone();
        }
        match &self.version {
            Some(version) => format!("{}@{version}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The licenses of an element, as the document states them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Licenses {
    /// `licenseConcluded` (2.x) or the targets of `hasConcludedLicense` (3.0): what the
    /// document's author concluded after analysis.
    pub concluded: Vec<LicenseInfo>,
    /// `licenseDeclared` (2.x) or the targets of `hasDeclaredLicense` (3.0): what the
    /// package's authors declared.
    pub declared: Vec<LicenseInfo>,
    /// `licenseInfoFromFiles` of a package / `licenseInfoInFiles` of a file (2.x): licenses a
    /// scan found in the files.
    pub in_files: Vec<LicenseInfo>,
}

/// One license statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseInfo {
    /// An SPDX license expression (or a single id, or `LicenseRef-…`), as written.
    Expression(String),
    /// `NOASSERTION` (or 3.0's `NoAssertionLicense`): the author says nothing. Not a license.
    NoAssertion,
    /// `NONE` (or 3.0's `NoneLicense`): explicitly no license. Not a license.
    None,
}

impl LicenseInfo {
    /// Reads a 2.x license field or a 3.0 `simplelicensing_licenseExpression`.
    pub fn from_text(text: &str) -> LicenseInfo {
        match text.trim() {
            "NOASSERTION" => LicenseInfo::NoAssertion,
            "NONE" => LicenseInfo::None,
            other => LicenseInfo::Expression(other.to_owned()),
        }
    }

    /// The expression, if this is a license at all.
    pub fn expression(&self) -> Option<&str> {
        match self {
            LicenseInfo::Expression(text) => Some(text),
            LicenseInfo::NoAssertion | LicenseInfo::None => None,
        }
    }
}

/// A "yes / no / no assertion" answer (SPDX 3 `PresenceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// `yes`
    Yes,
    /// `no`
    No,
    /// `noAssertion`: the author does not say.
    NoAssertion,
}

/// The AI profile's facts of an `ai_AIPackage` (its model card, in CycloneDX terms).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AiFacts {
    /// `ai_typeOfModel`.
    pub type_of_model: Vec<String>,
    /// `ai_domain`.
    pub domain: Vec<String>,
    /// `ai_metric`: metric name (the dictionary key, e.g. `accuracy`) and value as written.
    pub metrics: Vec<(String, Option<String>)>,
    /// `ai_metricDecisionThreshold`: metric name and threshold.
    pub metric_decision_thresholds: Vec<(String, Option<String>)>,
    /// `ai_safetyRiskAssessment`: `serious`, `high`, `medium` or `low`.
    pub safety_risk_assessment: Option<String>,
    /// `ai_useSensitivePersonalInformation`.
    pub use_sensitive_personal_information: Option<Presence>,
    /// `ai_autonomyType`.
    pub autonomy_type: Option<Presence>,
    /// `ai_modelDataPreprocessing`.
    pub model_data_preprocessing: Vec<String>,
    /// `ai_standardCompliance`.
    pub standard_compliance: Vec<String>,
    /// `ai_modelExplainability`.
    pub model_explainability: Vec<String>,
    /// `ai_limitation`.
    pub limitation: Option<String>,
    /// `ai_informationAboutTraining`.
    pub information_about_training: Option<String>,
    /// `ai_informationAboutApplication`.
    pub information_about_application: Option<String>,
    /// `ai_hyperparameter`: name and value.
    pub hyperparameters: Vec<(String, Option<String>)>,
    /// Whether `ai_energyConsumption` is given.
    pub has_energy_consumption: bool,
}

impl AiFacts {
    /// Whether the package says anything a model card would: any AI field at all. An
    /// `ai_AIPackage` with only a name is a model without a card.
    pub fn is_model_card(&self) -> bool {
        *self != AiFacts::default()
    }
}

/// The Dataset profile's facts of a `dataset_DatasetPackage`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DatasetFacts {
    /// `dataset_datasetType` (`structured`, `image`, `text` …).
    pub dataset_type: Vec<String>,
    /// `dataset_hasSensitivePersonalInformation`.
    pub has_sensitive_personal_information: Option<Presence>,
    /// `dataset_confidentialityLevel`: `red`, `amber`, `green` or `clear` (Traffic Light
    /// Protocol).
    pub confidentiality_level: Option<String>,
    /// `dataset_anonymizationMethodUsed`.
    pub anonymization_methods: Vec<String>,
    /// `dataset_datasetAvailability`.
    pub availability: Option<String>,
    /// `dataset_intendedUse`.
    pub intended_use: Option<String>,
    /// `dataset_knownBias`.
    pub known_bias: Vec<String>,
    /// `dataset_dataPreprocessing`.
    pub preprocessing: Vec<String>,
    /// `dataset_datasetSize` in bytes.
    pub size: Option<u64>,
}

/// A relationship from one element to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relationship {
    /// `spdxElementId` (2.x) or `from` (3.0).
    pub from: String,
    /// The relationship type.
    pub kind: RelationshipKind,
    /// `relatedSpdxElement` (2.x) or one of `to` (3.0).
    pub to: String,
    /// The lifecycle scope of a 3.0 `LifecycleScopedRelationship` (`build`, `dev`, `test`,
    /// `runtime`, `design`, `other`).
    pub scope: Option<String>,
}

/// Relationship types with a meaning for Palisade; the rest are kept as written in
/// [`RelationshipKind::Other`]. SPDX 2 (`DEPENDS_ON`) and SPDX 3 (`dependsOn`) spellings of the
/// same relation map to the same kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// `DEPENDS_ON` / `dependsOn`: `from` depends on `to`.
    DependsOn,
    /// `DEPENDENCY_OF`: `to` depends on `from`.
    DependencyOf,
    /// `BUILD_DEPENDENCY_OF`: `to` depends on `from` to build.
    BuildDependencyOf,
    /// `DEV_DEPENDENCY_OF`: `to` depends on `from` in development.
    DevDependencyOf,
    /// `OPTIONAL_DEPENDENCY_OF`: `to` optionally depends on `from`.
    OptionalDependencyOf,
    /// `PROVIDED_DEPENDENCY_OF`: `to` depends on `from`, provided by the environment.
    ProvidedDependencyOf,
    /// `TEST_DEPENDENCY_OF`: `to` depends on `from` for tests.
    TestDependencyOf,
    /// `RUNTIME_DEPENDENCY_OF`: `to` depends on `from` at run time.
    RuntimeDependencyOf,
    /// `hasOptionalDependency`: `from` optionally depends on `to`.
    HasOptionalDependency,
    /// `hasProvidedDependency`: `from` depends on `to`, provided by the environment.
    HasProvidedDependency,
    /// `CONTAINS` / `contains`: `from` contains `to`.
    Contains,
    /// `CONTAINED_BY`: `to` contains `from`.
    ContainedBy,
    /// `OPTIONAL_COMPONENT_OF`: `to` optionally contains `from`.
    OptionalComponentOf,
    /// `hasOptionalComponent`: `from` optionally contains `to`.
    HasOptionalComponent,
    /// `STATIC_LINK` / `hasStaticLink`: `from` statically links `to`.
    StaticLink,
    /// `DYNAMIC_LINK` / `hasDynamicLink`: `from` dynamically links `to`.
    DynamicLink,
    /// `HAS_PREREQUISITE` / `hasPrerequisite`: `from` needs `to`.
    HasPrerequisite,
    /// `PREREQUISITE_FOR`: `to` needs `from`.
    PrerequisiteFor,
    /// `DESCRIBES` / `describes`.
    Describes,
    /// `DESCRIBED_BY`.
    DescribedBy,
    /// `trainedOn`: the model `from` was trained on the dataset `to`.
    TrainedOn,
    /// `testedOn`: the model `from` was tested on the dataset `to`.
    TestedOn,
    /// `hasAssociatedVulnerability`: `from` has the vulnerability `to`.
    HasAssociatedVulnerability,
    /// Any other type, as written (`GENERATED_FROM`, `hasDocumentation` …).
    Other(String),
}

/// The scope of a dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyScope {
    /// A plain or run-time dependency.
    Runtime,
    /// Needed to build.
    Build,
    /// Needed in development only.
    Dev,
    /// Needed for tests only.
    Test,
    /// Optional.
    Optional,
    /// Provided by the environment.
    Provided,
    /// One contains the other (an image and its packages, a package and its files).
    Contains,
    /// Statically or dynamically linked.
    Link,
    /// A prerequisite.
    Prerequisite,
}

impl RelationshipKind {
    /// Reads an SPDX 2 (`DEPENDS_ON`, any case, `-` or `_`) or SPDX 3 (`dependsOn`, or its
    /// full vocabulary IRI) relationship type.
    pub fn parse(text: &str) -> RelationshipKind {
        let last = text.rsplit('/').next().unwrap_or(text);
        let folded: String = last
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "dependson" => RelationshipKind::DependsOn,
            "dependencyof" => RelationshipKind::DependencyOf,
            "builddependencyof" => RelationshipKind::BuildDependencyOf,
            "devdependencyof" => RelationshipKind::DevDependencyOf,
            "optionaldependencyof" => RelationshipKind::OptionalDependencyOf,
            "provideddependencyof" => RelationshipKind::ProvidedDependencyOf,
            "testdependencyof" => RelationshipKind::TestDependencyOf,
            "runtimedependencyof" => RelationshipKind::RuntimeDependencyOf,
            "hasoptionaldependency" => RelationshipKind::HasOptionalDependency,
            "hasprovideddependency" => RelationshipKind::HasProvidedDependency,
            "contains" => RelationshipKind::Contains,
            "containedby" => RelationshipKind::ContainedBy,
            "optionalcomponentof" => RelationshipKind::OptionalComponentOf,
            "hasoptionalcomponent" => RelationshipKind::HasOptionalComponent,
            "staticlink" | "hasstaticlink" => RelationshipKind::StaticLink,
            "dynamiclink" | "hasdynamiclink" => RelationshipKind::DynamicLink,
            "hasprerequisite" => RelationshipKind::HasPrerequisite,
            "prerequisitefor" => RelationshipKind::PrerequisiteFor,
            "describes" => RelationshipKind::Describes,
            "describedby" => RelationshipKind::DescribedBy,
            "trainedon" => RelationshipKind::TrainedOn,
            "testedon" => RelationshipKind::TestedOn,
            "hasassociatedvulnerability" => RelationshipKind::HasAssociatedVulnerability,
            _ => RelationshipKind::Other(last.to_owned()),
        }
    }

    /// The dependency this relationship states, as `(dependent is from?, scope)`: `true` when
    /// `from` depends on (contains, links) `to`, `false` when it is the other way round.
    /// `None` for relationships that are not dependencies (describes, generated from,
    /// documentation, trained on …).
    pub fn dependency(&self) -> Option<(bool, DependencyScope)> {
        use DependencyScope as S;
        use RelationshipKind as K;
        Some(match self {
            K::DependsOn => (true, S::Runtime),
            K::HasOptionalDependency => (true, S::Optional),
            K::HasProvidedDependency => (true, S::Provided),
            K::Contains => (true, S::Contains),
            K::HasOptionalComponent => (true, S::Optional),
            K::StaticLink | K::DynamicLink => (true, S::Link),
            K::HasPrerequisite => (true, S::Prerequisite),
            K::DependencyOf | K::RuntimeDependencyOf => (false, S::Runtime),
            K::BuildDependencyOf => (false, S::Build),
            K::DevDependencyOf => (false, S::Dev),
            K::OptionalDependencyOf => (false, S::Optional),
            K::ProvidedDependencyOf => (false, S::Provided),
            K::TestDependencyOf => (false, S::Test),
            K::ContainedBy => (false, S::Contains),
            K::OptionalComponentOf => (false, S::Optional),
            K::PrerequisiteFor => (false, S::Prerequisite),
            _ => return None,
        })
    }
}

impl Relationship {
    /// `(dependent, dependency, scope)` if this relationship is a dependency (see
    /// [`RelationshipKind::dependency`]). A 3.0 `LifecycleScopedRelationship`'s `build`, `dev`
    /// or `test` scope narrows a plain `dependsOn`.
    pub fn dependency(&self) -> Option<(&str, &str, DependencyScope)> {
        let (forward, mut scope) = self.kind.dependency()?;
        if scope == DependencyScope::Runtime {
            scope = match self.scope.as_deref() {
                Some("build") => DependencyScope::Build,
                Some("dev") => DependencyScope::Dev,
                Some("test") => DependencyScope::Test,
                _ => scope,
            };
        }
        Some(if forward {
            (self.from.as_str(), self.to.as_str(), scope)
        } else {
            (self.to.as_str(), self.from.as_str(), scope)
        })
    }
}

/// A vulnerability and what the document says about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// The identifier a person would use: a `cve` external identifier, else another external
    /// identifier, else the name, else the element id (3.0); the CVE or GHSA id in the
    /// advisory URL, else the URL (2.x).
    pub id: String,
    /// The `security_Vulnerability` element's `spdxId` (3.0); the advisory URL (2.x).
    pub element_id: String,
    /// Elements the document associates with it without an assessment (3.0
    /// `hasAssociatedVulnerability`; the package carrying a 2.x advisory reference).
    pub associated: Vec<String>,
    /// Assessments (CVSS, VEX, EPSS …), one per assessed element.
    pub assessments: Vec<Assessment>,
}

/// One assessment of a vulnerability for one element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The assessed element: `security_assessedElement` when given, else one of `to`.
    pub element: String,
    /// What the assessment says.
    pub kind: AssessmentKind,
    /// `security_publishedTime`, as written.
    pub published: Option<String>,
}

/// What a vulnerability assessment says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentKind {
    /// `security_CvssV2/V3/V4VulnAssessmentRelationship`.
    Cvss {
        /// 2, 3 or 4.
        version: u8,
        /// `security_score`.
        score: Option<f64>,
        /// `security_severity` (v3, v4).
        severity: Option<Severity>,
    },
    /// `security_Vex*VulnAssessmentRelationship`.
    Vex {
        /// The VEX status.
        status: VexStatus,
        /// `security_justificationType` of a not-affected statement.
        justification: Option<String>,
    },
    /// EPSS, SSVC, exploit catalog …: kept by type, not used for decisions.
    Other(String),
}

/// VEX status of a vulnerability for an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// `affects`.
    Affected,
    /// `doesNotAffect`.
    NotAffected,
    /// `fixedIn`.
    Fixed,
    /// `underInvestigationFor`.
    UnderInvestigation,
}

/// A severity as SPDX 3 writes it (`CvssSeverityType`), plus `unknown` for no rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not rated, or rated in a way this reader cannot map.
    Unknown,
    /// `none` (CVSS 0.0).
    None,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Severity {
    /// Parses a `CvssSeverityType` value (or its IRI); `None` for anything else.
    pub fn parse(text: &str) -> Option<Severity> {
        match text
            .rsplit('/')
            .next()
            .unwrap_or(text)
            .to_ascii_lowercase()
            .as_str()
        {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "none" => Some(Severity::None),
            _ => None,
        }
    }

    /// The CVSS band of a score: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low, 0 none.
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_types_of_both_versions_fold_together() {
        assert_eq!(
            RelationshipKind::parse("DEPENDS_ON"),
            RelationshipKind::DependsOn
        );
        assert_eq!(
            RelationshipKind::parse("dependsOn"),
            RelationshipKind::DependsOn
        );
        assert_eq!(
            RelationshipKind::parse(
                "https://spdx.org/rdf/3.0.1/terms/Core/RelationshipType/dependsOn"
            ),
            RelationshipKind::DependsOn
        );
        assert_eq!(
            RelationshipKind::parse("dev-dependency-of"),
            RelationshipKind::DevDependencyOf
        );
        assert_eq!(
            RelationshipKind::parse("GENERATED_FROM"),
            RelationshipKind::Other("GENERATED_FROM".into())
        );
    }

    #[test]
    fn dependency_direction_follows_the_type() {
        let r = |kind: &str, scope: Option<&str>| Relationship {
            from: "a".into(),
            kind: RelationshipKind::parse(kind),
            to: "b".into(),
            scope: scope.map(str::to_owned),
        };
        assert_eq!(
            r("DEPENDS_ON", None).dependency(),
            Some(("a", "b", DependencyScope::Runtime))
        );
        assert_eq!(
            r("DEPENDENCY_OF", None).dependency(),
            Some(("b", "a", DependencyScope::Runtime))
        );
        assert_eq!(
            r("DEV_DEPENDENCY_OF", None).dependency(),
            Some(("b", "a", DependencyScope::Dev))
        );
        assert_eq!(
            r("dependsOn", Some("build")).dependency(),
            Some(("a", "b", DependencyScope::Build))
        );
        assert_eq!(
            r("CONTAINED_BY", None).dependency(),
            Some(("b", "a", DependencyScope::Contains))
        );
        assert_eq!(r("DESCRIBES", None).dependency(), None);
        assert_eq!(r("trainedOn", None).dependency(), None);
    }

    #[test]
    fn keys_follow_the_cyclonedx_rule() {
        let mut e = Element {
            id: "x".into(),
            kind: ElementKind::Package,
            name: "numpy".into(),
            version: Some("2.1.0".into()),
            purl: None,
            purpose: None,
            licenses: Licenses::default(),
            ai: None,
            dataset: None,
        };
        assert_eq!(e.key(), "numpy@2.1.0");
        e.version = None;
        assert_eq!(e.key(), "numpy");
        e.purl = Some("pkg:pypi/numpy@2.1.0".into());
        assert_eq!(e.key(), "pkg:pypi/numpy@2.1.0");
    }

    #[test]
    fn severities_parse_and_band() {
        assert_eq!(Severity::parse("critical"), Some(Severity::Critical));
        assert_eq!(
            Severity::parse("https://spdx.org/rdf/3.0.1/terms/Security/CvssSeverityType/low"),
            Some(Severity::Low)
        );
        assert_eq!(Severity::parse("urgent"), None);
        assert_eq!(Severity::from_cvss(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss(0.0), Severity::None);
    }
}
