//! An SPDX [`Document`] reduced to the facts of the artifact that declares it, field for field
//! the shape of `palisade_evidence::bom::BomFacts` (packages, dependency edges, vulnerability
//! counts after VEX, licenses, labels, model card, metrics), plus what SPDX 3's AI and Dataset
//! profiles say beyond it (metric values, training and test datasets).
//!
//! The decisions, each for a reason:
//! - **Every package is a package**, including the ones the document describes. CycloneDX
//!   keeps the described thing apart (`metadata.component`); SPDX lists it among the packages,
//!   and dropping it would hide its license and vulnerabilities from per-package rules.
//!   [`ReducedBom::subjects`] says which they are.
//! - **Licenses: concluded ∪ declared ∪ found in files.** `NOASSERTION` and `NONE` are not
//!   licenses. A deny list must catch a license whichever field names it: a scan's conclusion
//!   (`MIT AND GPL-3.0-only`) is often stricter than the declaration (`MIT`), and a declaration
//!   is all npm writes. Each expression is kept whole and, when it offers no choice (no `OR`),
//!   each id in it, exactly as for CycloneDX.
//! - **Vulnerabilities after VEX**: a vulnerability counts on each package it is associated
//!   with or assessed for, unless every VEX statement about that package says `not affected`.
//!   `fixed` does not remove it (as CycloneDX `resolved` does not). The severity is the highest
//!   CVSS rating for that package, else for any package, else unknown, which counts as high.
//!   One on no listed package counts once on the artifact.
//! - **Labels**: `dataset_hasSensitivePersonalInformation: yes` and
//!   `ai_useSensitivePersonalInformation: yes` add `pii` and `sensitive-data` (as a CycloneDX
//!   `sensitiveData` mentioning PII does); `dataset_confidentialityLevel: amber` adds
//!   `confidentiality-amber`. `no` and `noAssertion` add nothing (the declared labels of the
//!   pipeline still apply; evidence never removes a label).
//! - **Model card**: an `ai_AIPackage` with any AI field set; **metrics**: its `ai_metric`
//!   names.
//!
//! Field by field (→ the `BomFacts` / `PackageFacts` field it fills):
//!
//! | SPDX 2.2 / 2.3 JSON | SPDX 3.0 JSON-LD | fact |
//! | --- | --- | --- |
//! | `packages[]` | `software_Package`, `ai_AIPackage`, `dataset_DatasetPackage` | `packages` (files, snippets: not packages) |
//! | first `externalRefs[]` with `referenceType: purl` | `software_packageUrl`, else `externalIdentifier` of type `packageUrl` | `purl`, and `key` (purl, else `name@version`, else `name`) |
//! | `name`, `versionInfo` | `name`, `software_packageVersion` | `name`, `version` |
//! | `primaryPackagePurpose` | type, else `software_primaryPurpose` | `component_type` ([`component_type`]) |
//! | `licenseConcluded`, `licenseDeclared`, `licenseInfoFromFiles` | `hasConcludedLicense`, `hasDeclaredLicense` → `simplelicensing_LicenseExpression`, listed-license IRIs, expanded license sets | `licenses` ([`license_names`]); files' too in the artifact's `licenses` |
//! | `DEPENDS_ON`, `CONTAINS`, `STATIC_LINK`, `DYNAMIC_LINK`, `HAS_PREREQUISITE`; reversed: `DEPENDENCY_OF`, `*_DEPENDENCY_OF`, `CONTAINED_BY`, `OPTIONAL_COMPONENT_OF`, `PREREQUISITE_FOR` | `dependsOn`, `hasOptionalDependency`, `hasProvidedDependency`, `contains`, `hasOptionalComponent`, `hasStaticLink`, `hasDynamicLink`, `hasPrerequisite` | `dependencies` (between packages; see [`RelationshipKind::dependency`]) |
//! | `documentDescribes`, `DESCRIBES`, `DESCRIBED_BY` | `rootElement` (through `software_Sbom`), `describes` | `subjects` |
//! | `externalRefs[]` SECURITY `advisory` | `security_Vulnerability` + `hasAssociatedVulnerability`, `security_Cvss{V2,V3,V4}VulnAssessmentRelationship` (`security_severity`, else `security_score` by CVSS band), `security_Vex{Affected,NotAffected,Fixed,UnderInvestigation}VulnAssessmentRelationship`, `security_assessedElement` | `vulnerability_ids`, `vulnerabilities` |
//! | — | `ai_metric` keys (and values) | `metrics`, `metric_values`; any AI field → `model_card` |
//! | — | `ai_useSensitivePersonalInformation`, `dataset_hasSensitivePersonalInformation`: `yes` | labels `pii`, `sensitive-data` |
//! | — | `dataset_confidentialityLevel` | label `confidentiality-<level>` |
//! | — | `trainedOn`, `testedOn` | `datasets` |

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::model::*;

/// What one SPDX document says about the artifact that declares it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReducedBom {
    /// Packages (software, AI, dataset), deduplicated by [`Element::key`], in document order.
    pub packages: Vec<ReducedPackage>,
    /// `(dependent, dependency)` indexes into `packages`, sorted, without duplicates or loops.
    pub dependencies: Vec<(usize, usize)>,
    /// Vulnerabilities over the packages (one per vulnerability and affected package), after
    /// VEX; one that names no listed package counts once on the artifact itself.
    pub vulnerabilities: SeverityCounts,
    /// Every package's, file's and snippet's license names.
    pub licenses: BTreeSet<String>,
    /// Labels from dataset and model sensitivity (see the module docs).
    pub labels: BTreeSet<String>,
    /// An `ai_AIPackage` carries model-card facts.
    pub model_card: bool,
    /// Metric names of those packages (`ai_metric` keys).
    pub metrics: BTreeSet<String>,
    /// `(model, metric, value)` for every `ai_metric` entry; `model` indexes `packages`.
    pub metric_values: Vec<(usize, String, Option<String>)>,
    /// Datasets models were trained or tested on (`trainedOn` / `testedOn`), each pair once.
    pub datasets: Vec<DatasetUse>,
    /// Indexes into `packages` of the packages the document describes.
    pub subjects: Vec<usize>,
}

/// One package as the graph needs it (the fields of `palisade_graph::PackageFacts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReducedPackage {
    /// Deduplication key: purl, else `name@version`, else the name.
    pub key: String,
    /// The package name.
    pub name: String,
    /// Version, `""` if unknown.
    pub version: String,
    /// purl, `""` if none.
    pub purl: String,
    /// License names (see the module docs).
    pub licenses: BTreeSet<String>,
    /// Vulnerabilities affecting it, after VEX.
    pub vulnerability_ids: BTreeSet<String>,
    /// Those vulnerabilities by severity.
    pub vulnerabilities: SeverityCounts,
    /// The CycloneDX component type it corresponds to (`library`, `machine-learning-model`,
    /// `data` …): see [`component_type`].
    pub component_type: String,
}

/// A model's use of a dataset. Indexes, not names, so a document cannot make the reduction copy
/// one long name for each of a million relationships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetUse {
    /// The model: an index into [`Document::elements`] (a package, or a file as in the SPDX
    /// AI example where `model.bin` is `trainedOn` `train.txt`).
    pub model: usize,
    /// The dataset: an index into [`Document::elements`].
    pub dataset: usize,
    /// The model as an index into [`ReducedBom::packages`], when it is a package.
    pub model_package: Option<usize>,
    /// The dataset as an index into [`ReducedBom::packages`], when it is a package.
    pub dataset_package: Option<usize>,
    /// `trained` or `tested`.
    pub purpose: DatasetPurpose,
}

/// How a model used a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetPurpose {
    /// `trainedOn`.
    Trained,
    /// `testedOn`.
    Tested,
}

/// Counts by severity: the record `{critical, high, medium, low, total}` of Palisade's
/// policies (`palisade_graph::Counts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// Critical.
    pub critical: u64,
    /// High, including unknown (an unassessed vulnerability is not a safe one).
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// All of the above.
    pub total: u64,
}

impl SeverityCounts {
    /// Counts one finding: unknown counts as high, `none` is not counted.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::None => return,
            Severity::Low => self.low += 1,
            Severity::Medium => self.medium += 1,
            Severity::High | Severity::Unknown => self.high += 1,
            Severity::Critical => self.critical += 1,
        }
        self.total += 1;
    }
}

/// The license names a policy can match in an expression: the expression as written and,
/// when it offers no choice (no `OR`), each license id in it; the word after `WITH` is an
/// exception, not a license. The same rule as `palisade_evidence::bom::license_names`, so
/// `MIT AND AGPL-3.0-only` is caught by a deny list naming `AGPL-3.0-only`.
pub fn license_names(expression: &str) -> Vec<String> {
    let expression = expression.trim();
    let mut names = vec![expression.to_owned()];
    let words: Vec<&str> = expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    if !words.iter().any(|w| w.eq_ignore_ascii_case("OR")) {
        let mut after_with = false;
        for word in words {
            if word.eq_ignore_ascii_case("AND") {
                continue;
            }
            if word.eq_ignore_ascii_case("WITH") {
                after_with = true;
                continue;
            }
            if !after_with && word != expression && !names.iter().any(|n| n == word) {
                names.push(word.to_owned());
            }
            after_with = false;
        }
    }
    names
}

/// The CycloneDX component type of an element: an AI package is `machine-learning-model`, a
/// dataset package `data`; others from their purpose (`LIBRARY` → `library`,
/// `OPERATING-SYSTEM` / `operatingSystem` → `operating-system`, `model` →
/// `machine-learning-model`, `deviceDriver` → `device-driver`), else `file` / `snippet` for
/// files and snippets, else `library`.
pub fn component_type(element: &Element) -> String {
    // An AI package is a model and a dataset package is data, whatever else they are for.
    match element.kind {
        ElementKind::AiPackage => return "machine-learning-model".to_owned(),
        ElementKind::DatasetPackage => return "data".to_owned(),
        _ => {}
    }
    if let Some(purpose) = element
        .purpose
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if purpose == "model" {
            return "machine-learning-model".to_owned();
        }
        // LIBRARY, OPERATING-SYSTEM, OPERATING_SYSTEM, operatingSystem → kebab-case.
        let mut out = String::with_capacity(purpose.len() + 4);
        for (i, c) in purpose.chars().enumerate() {
            if c == '_' || c == '-' {
                out.push('-');
            } else if c.is_ascii_uppercase()
                && i > 0
                && purpose.chars().any(|c| c.is_ascii_lowercase())
            {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c.to_ascii_lowercase());
            }
        }
        return out;
    }
    match element.kind {
        ElementKind::AiPackage => "machine-learning-model",
        ElementKind::DatasetPackage => "data",
        ElementKind::File => "file",
        ElementKind::Snippet => "snippet",
        ElementKind::Package => "library",
    }
    .to_owned()
}

/// License names of expressions, each expression split once: an SBOM names a few dozen
/// distinct expressions over thousands of packages.
#[derive(Default)]
struct LicenseNames<'a>(HashMap<&'a str, Vec<String>>);

impl<'a> LicenseNames<'a> {
    fn add(&mut self, licenses: &'a Licenses, into: &mut BTreeSet<String>) {
        for info in licenses
            .concluded
            .iter()
            .chain(&licenses.declared)
            .chain(&licenses.in_files)
        {
            if let Some(expression) = info.expression().filter(|e| !e.trim().is_empty()) {
                let names = self
                    .0
                    .entry(expression)
                    .or_insert_with(|| license_names(expression));
                for name in names.iter() {
                    if !into.contains(name) {
                        into.insert(name.clone());
                    }
                }
            }
        }
    }

    /// Every name of every expression seen.
    fn all(self) -> BTreeSet<String> {
        self.0.into_values().flatten().collect()
    }
}

/// Reduces a document (see the module docs for every decision).
pub fn reduce(document: &Document) -> ReducedBom {
    let mut out = ReducedBom::default();
    let mut license_names = LicenseNames::default();
    // Only to share the cache: every name lands in `out.licenses` at the end.
    let mut file_licenses = BTreeSet::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut element_of: HashMap<&str, usize> = HashMap::new();

    for (position, element) in document.elements.iter().enumerate() {
        element_of.entry(element.id.as_str()).or_insert(position);
        if !element.kind.is_package() {
            // Files and snippets are no packages, but their licenses are the artifact's.
            license_names.add(&element.licenses, &mut file_licenses);
            continue;
        }
        let key = element.key();
        let index = *by_key.entry(key.clone()).or_insert_with(|| {
            out.packages.push(ReducedPackage {
                key,
                name: element.name.clone(),
                version: element.version.clone().unwrap_or_default(),
                purl: element.purl.clone().unwrap_or_default(),
                licenses: BTreeSet::new(),
                vulnerability_ids: BTreeSet::new(),
                vulnerabilities: SeverityCounts::default(),
                component_type: component_type(element),
            });
            out.packages.len() - 1
        });
        license_names.add(&element.licenses, &mut out.packages[index].licenses);
        by_id.insert(element.id.as_str(), index);

        if let Some(ai) = &element.ai {
            if ai.is_model_card() {
                out.model_card = true;
            }
            for (metric, value) in &ai.metrics {
                if !metric.is_empty() {
                    out.metrics.insert(metric.clone());
                    out.metric_values
                        .push((index, metric.clone(), value.clone()));
                }
            }
            if ai.use_sensitive_personal_information == Some(Presence::Yes) {
                out.labels.insert("pii".to_owned());
                out.labels.insert("sensitive-data".to_owned());
            }
        }
        if let Some(dataset) = &element.dataset {
            if dataset.has_sensitive_personal_information == Some(Presence::Yes) {
                out.labels.insert("pii".to_owned());
                out.labels.insert("sensitive-data".to_owned());
            }
            if let Some(level) = &dataset.confidentiality_level {
                let level = level.trim().to_lowercase();
                if !level.is_empty() {
                    out.labels.insert(format!("confidentiality-{level}"));
                }
            }
        }
    }

    let mut subjects_seen = HashSet::new();
    for subject in &document.subjects {
        if let Some(&index) = by_id.get(subject.as_str())
            && subjects_seen.insert(index)
        {
            out.subjects.push(index);
        }
    }

    let mut uses = HashSet::new();
    for relationship in &document.relationships {
        if let Some((dependent, dependency, _)) = relationship.dependency()
            && let (Some(&a), Some(&b)) = (by_id.get(dependent), by_id.get(dependency))
            && a != b
        {
            out.dependencies.push((a, b));
        }
        let purpose = match relationship.kind {
            RelationshipKind::TrainedOn => DatasetPurpose::Trained,
            RelationshipKind::TestedOn => DatasetPurpose::Tested,
            _ => continue,
        };
        let (Some(&model), Some(&dataset)) = (
            element_of.get(relationship.from.as_str()),
            element_of.get(relationship.to.as_str()),
        ) else {
            // An end the document does not define: listed in `Document::unresolved`.
            continue;
        };
        if uses.insert((model, dataset, purpose)) {
            out.datasets.push(DatasetUse {
                model,
                dataset,
                model_package: by_id.get(relationship.from.as_str()).copied(),
                dataset_package: by_id.get(relationship.to.as_str()).copied(),
                purpose,
            });
        }
    }
    out.dependencies.sort_unstable();
    out.dependencies.dedup();

    for vulnerability in &document.vulnerabilities {
        reduce_vulnerability(vulnerability, &by_id, &mut out);
    }
    // Every expression of a package, file or snippet, split into its names.
    out.licenses = license_names.all();
    out
}

/// Longest vulnerability id kept whole in [`ReducedPackage::vulnerability_ids`].
const MAX_ID: usize = 256;

/// What the document says about one vulnerability for one element.
#[derive(Default)]
struct Verdict {
    rating: Option<Severity>,
    vex: Vec<VexStatus>,
}

impl Verdict {
    fn rate(&mut self, severity: Severity) {
        self.rating = Some(self.rating.map_or(severity, |r| r.max(severity)));
    }

    fn suppressed(&self) -> bool {
        !self.vex.is_empty() && self.vex.iter().all(|s| *s == VexStatus::NotAffected)
    }
}

fn reduce_vulnerability<'a>(
    vulnerability: &'a Vulnerability,
    by_id: &HashMap<&str, usize>,
    out: &mut ReducedBom,
) {
    // Per element, in first-seen order.
    let mut verdicts: Vec<(&str, Verdict)> = Vec::new();
    let mut slots: HashMap<&str, usize> = HashMap::new();
    let mut slot = |verdicts: &mut Vec<(&'a str, Verdict)>, id: &'a str| -> usize {
        *slots.entry(id).or_insert_with(|| {
            verdicts.push((id, Verdict::default()));
            verdicts.len() - 1
        })
    };
    for id in &vulnerability.associated {
        slot(&mut verdicts, id);
    }
    let mut overall: Option<Severity> = None;
    for assessment in &vulnerability.assessments {
        let i = slot(&mut verdicts, &assessment.element);
        match &assessment.kind {
            AssessmentKind::Cvss {
                score, severity, ..
            } => {
                let rating = severity
                    .or(score.map(Severity::from_cvss))
                    .unwrap_or(Severity::Unknown);
                verdicts[i].1.rate(rating);
                overall = Some(overall.map_or(rating, |o| o.max(rating)));
            }
            AssessmentKind::Vex { status, .. } => verdicts[i].1.vex.push(*status),
            AssessmentKind::Other(_) => {}
        }
    }
    let overall = overall.unwrap_or(Severity::Unknown);
    if verdicts.is_empty() {
        out.vulnerabilities.add(overall);
        return;
    }
    let mut listed = false;
    let mut open_unlisted = false;
    let mut affected: Vec<(usize, Severity)> = Vec::new();
    for (element, verdict) in &verdicts {
        let severity = verdict.rating.unwrap_or(overall);
        match by_id.get(element) {
            Some(&index) => {
                listed = true;
                if !verdict.suppressed() {
                    affected.push((index, severity));
                }
            }
            None => open_unlisted |= !verdict.suppressed(),
        }
    }
    if !listed {
        if open_unlisted {
            out.vulnerabilities.add(overall);
        }
        return;
    }
    // An id is a CVE or GHSA name; anything absurdly long is shortened so that one id on a
    // million packages stays cheap (the count is what decides, the id explains).
    let id = if vulnerability.id.len() > MAX_ID {
        let cut = (0..=MAX_ID)
            .rev()
            .find(|&i| vulnerability.id.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}…", &vulnerability.id[..cut])
    } else {
        vulnerability.id.clone()
    };
    for (index, severity) in affected {
        if severity == Severity::None {
            continue;
        }
        let package = &mut out.packages[index];
        if package.vulnerability_ids.insert(id.clone()) {
            package.vulnerabilities.add(severity);
            out.vulnerabilities.add(severity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_without_a_choice_name_each_license() {
        assert_eq!(
            license_names("(MIT AND AGPL-3.0-only) WITH Classpath-exception-2.0"),
            [
                "(MIT AND AGPL-3.0-only) WITH Classpath-exception-2.0",
                "MIT",
                "AGPL-3.0-only"
            ]
        );
        assert_eq!(
            license_names("MIT OR AGPL-3.0-only"),
            ["MIT OR AGPL-3.0-only"]
        );
        assert_eq!(license_names("MIT"), ["MIT"]);
    }

    fn element(kind: ElementKind, purpose: Option<&str>) -> Element {
        Element {
            id: "x".into(),
            kind,
            name: "x".into(),
            version: None,
            purl: None,
            purpose: purpose.map(str::to_owned),
            licenses: Licenses::default(),
            ai: None,
            dataset: None,
        }
    }

    #[test]
    fn purposes_become_cyclonedx_types() {
        let t = |kind, purpose| component_type(&element(kind, purpose));
        assert_eq!(t(ElementKind::Package, Some("LIBRARY")), "library");
        assert_eq!(
            t(ElementKind::Package, Some("OPERATING-SYSTEM")),
            "operating-system"
        );
        assert_eq!(
            t(ElementKind::Package, Some("OPERATING_SYSTEM")),
            "operating-system"
        );
        assert_eq!(
            t(ElementKind::Package, Some("operatingSystem")),
            "operating-system"
        );
        assert_eq!(
            t(ElementKind::Package, Some("deviceDriver")),
            "device-driver"
        );
        assert_eq!(
            t(ElementKind::Package, Some("model")),
            "machine-learning-model"
        );
        assert_eq!(t(ElementKind::AiPackage, None), "machine-learning-model");
        assert_eq!(t(ElementKind::DatasetPackage, None), "data");
        assert_eq!(t(ElementKind::Package, None), "library");
    }

    #[test]
    fn unknown_counts_as_high_and_none_is_not_counted() {
        let mut counts = SeverityCounts::default();
        counts.add(Severity::Unknown);
        counts.add(Severity::None);
        counts.add(Severity::Critical);
        assert_eq!(
            counts,
            SeverityCounts {
                critical: 1,
                high: 1,
                total: 2,
                ..SeverityCounts::default()
            }
        );
    }
}
