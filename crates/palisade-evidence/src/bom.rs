//! A CycloneDX BOM reduced to the facts of the artifact that declares it: packages, their
//! dependency edges, vulnerabilities after VEX, licenses, model cards and data classification.

use std::collections::{BTreeSet, HashMap};

use palisade_cyclonedx::{Bom, Component, ComponentKind, License, Severity as CdxSeverity};
use palisade_graph::{Counts, PackageFacts, Severity};
use palisade_syntax::ArtifactKind;

use crate::Gathering;
use crate::read::read_evidence;

/// Reads the artifact's `bom`: its licenses, vulnerabilities, labels and model card become the
/// artifact's facts, its packages are kept for the graph.
pub(crate) fn gather(g: &mut Gathering<'_>) {
    let artifact = g.artifact;
    let Some(bom_path) = &artifact.bom else {
        return;
    };
    let limits = palisade_cyclonedx::Limits::default();
    // CycloneDX or SPDX, told apart by content; one path after the readers.
    // The CycloneDX document is only parsed while its bytes are held; it is converted to the
    // model and reduced after they are freed, each step consuming the one before, so at most
    // two forms of the packages (bytes and parse, parse and model, model and facts) are alive
    // at once.
    let read = read_evidence(
        &g.context.folder,
        &bom_path.value,
        "an SBOM",
        limits.max_bytes,
        |bytes| {
            let name = &bom_path.value.written;
            if crate::spdx::is_spdx(bytes) {
                return crate::spdx::read(bytes, name).map(Read::Reduced);
            }
            palisade_cyclonedx::parse_deferred(bytes, name, &limits)
                .map(|parsed| Read::CycloneDx(Box::new(parsed)))
                .map_err(miette::Report::new)
        },
    )
    .map(|(read, file)| {
        let reduced = match read {
            Read::Reduced(reduced) => reduced,
            Read::CycloneDx(parsed) => {
                let bom = parsed.into_bom();
                let vulnerability_data = bom.vulnerability_data;
                (self::facts(bom), vulnerability_data)
            }
        };
        (reduced, file)
    });
    match read {
        Ok(((reduced, vulnerability_data), file)) => {
            let facts = &mut g.facts;
            facts.evidence_files.push(file);
            facts.vulnerabilities.merge(&reduced.vulnerabilities);
            facts.vulnerability_scan |= vulnerability_data;
            facts.licenses.extend(reduced.licenses.iter().cloned());
            // Evidence may add taint, never an exemption (see `palisade_core::labels`).
            for label in &reduced.labels {
                if palisade_core::labels::is_exemption(label) {
                    facts.claimed_labels.insert(label.clone());
                } else {
                    facts.evidence_labels.insert(label.clone());
                }
            }
            if artifact.kind == ArtifactKind::Model {
                facts.model.model_card |= reduced.model_card;
                facts.model.metrics.extend(reduced.metrics.iter().cloned());
            }
            g.bom = Some(reduced);
        }
        Err(e) => g.fail(bom_path.span, "bom", &bom_path.value.written, e),
    }
}

/// A document read: a CycloneDX model still to reduce, or SPDX already reduced.
enum Read {
    CycloneDx(Box<palisade_cyclonedx::Parsed>),
    Reduced((BomFacts, bool)),
}

/// What one BOM says about the artifact that declares it.
#[derive(Debug, Default)]
pub struct BomFacts {
    /// Packages, deduplicated by key within the BOM.
    pub packages: Vec<PackageFacts>,
    /// `(dependent, dependency)` indexes into `packages`.
    pub dependencies: Vec<(usize, usize)>,
    /// Vulnerabilities over the packages (one per vulnerability and affected package), after
    /// VEX; a vulnerability that names no listed package counts once on the artifact itself.
    pub vulnerabilities: Counts,
    /// Every package's licenses.
    pub licenses: BTreeSet<String>,
    /// Labels from `data` components: their classification, `sensitive-data`, `pii`.
    pub labels: BTreeSet<String>,
    /// A `machine-learning-model` component carries a model card.
    pub model_card: bool,
    /// Performance metric types of those model cards.
    pub metrics: BTreeSet<String>,
    /// Those model cards, for the DP and robustness claims (`crate::modelcard`).
    pub model_cards: Vec<palisade_cyclonedx::ModelCard>,
}

/// The graph's severity for a CycloneDX rating. A vulnerability rated `unknown` (or not rated)
/// counts as high: an unassessed vulnerability is not a safe one. `info` and `none` are not
/// counted.
pub fn severity(severity: CdxSeverity) -> Severity {
    match severity {
        CdxSeverity::Critical => Severity::Critical,
        CdxSeverity::High | CdxSeverity::Unknown => Severity::High,
        CdxSeverity::Medium => Severity::Medium,
        CdxSeverity::Low => Severity::Low,
        CdxSeverity::Info => Severity::Info,
        CdxSeverity::None => Severity::None,
    }
}

/// The license names a policy can match: ids and names as written; an expression as written
/// and, when it offers no choice (no `OR`), each license id in it, so `MIT AND AGPL-3.0-only`
/// is caught by a deny list naming `AGPL-3.0-only`.
pub fn license_names(license: &License) -> Vec<String> {
    match license {
        License::Id(id) | License::Name(id) => vec![id.trim().to_owned()],
        License::Expression(expression) => {
            let mut names = vec![expression.trim().to_owned()];
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
                    // The word after WITH is an exception, not a license.
                    if !after_with && word != expression.trim() {
                        names.push(word.to_owned());
                    }
                    after_with = false;
                }
            }
            names
        }
    }
}

/// Labels a `data` component contributes (see the module docs).
fn data_labels(component: &Component, labels: &mut BTreeSet<String>) {
    for data in &component.data {
        if let Some(classification) = &data.classification {
            let label: String = classification
                .trim()
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-");
            if !label.is_empty() {
                labels.insert(label);
            }
        }
        if !data.sensitive_data.is_empty() {
            labels.insert("sensitive-data".to_owned());
        }
        if data.sensitive_data.iter().any(|s| {
            let s = s.to_lowercase();
            s.contains("pii") || s.contains("personal")
        }) {
            labels.insert("pii".to_owned());
        }
    }
}

/// The package of a component, taking its strings rather than copying them.
fn package(component: Component, key: String) -> PackageFacts {
    let name = match component.group {
        Some(group) if !group.is_empty() => format!("{group}/{}", component.name),
        _ => component.name,
    };
    PackageFacts {
        key,
        name,
        version: component.version.filter(|v| !v.is_empty()),
        purl: component.purl.filter(|p| !p.is_empty()),
        licenses: component.licenses.iter().flat_map(license_names).collect(),
        vulnerability_ids: BTreeSet::new(),
        vulnerabilities: Counts::default(),
        component_type: Some(component.kind.as_str().to_owned()),
    }
}

/// Reduces a BOM. The metadata component (the thing the BOM describes) is not a package, but
/// its model card and data classification count.
pub fn facts(bom: Bom) -> BomFacts {
    let mut out = BomFacts::default();
    for component in bom.metadata_component.iter().chain(&bom.components) {
        if component.kind == ComponentKind::MachineLearningModel
            && let Some(card) = &component.model_card
        {
            out.model_card = true;
            out.model_cards.push(card.clone());
            out.metrics
                .extend(card.metrics.iter().map(|m| m.kind.trim().to_owned()));
        }
        data_labels(component, &mut out.labels);
    }
    let mut by_key: HashMap<String, usize> = HashMap::with_capacity(bom.components.len());
    let mut by_ref: HashMap<String, usize> = HashMap::with_capacity(bom.components.len());
    for mut component in bom.components {
        let key = component.key();
        let bom_ref = component.bom_ref.take();
        let index = match by_key.get(&key) {
            Some(&index) => index,
            None => {
                out.packages.push(package(component, key.clone()));
                by_key.insert(key, out.packages.len() - 1);
                out.packages.len() - 1
            }
        };
        if let Some(bom_ref) = bom_ref {
            by_ref.insert(bom_ref, index);
        }
    }
    drop(by_key);
    for dependency in &bom.dependencies {
        let Some(&dependent) = by_ref.get(dependency.bom_ref.as_str()) else {
            continue;
        };
        for target in &dependency.depends_on {
            if let Some(&dependency) = by_ref.get(target.as_str())
                && dependency != dependent
            {
                out.dependencies.push((dependent, dependency));
            }
        }
    }
    out.dependencies.sort_unstable();
    out.dependencies.dedup();
    for vulnerability in &bom.vulnerabilities {
        if vulnerability.is_suppressed() {
            continue;
        }
        let severity = severity(vulnerability.severity());
        if !severity.counts() {
            continue;
        }
        let mut affected: Vec<usize> = vulnerability
            .affects
            .iter()
            .filter_map(|r| by_ref.get(r.as_str()).copied())
            .collect();
        affected.sort_unstable();
        affected.dedup();
        if affected.is_empty() {
            out.vulnerabilities.add(severity);
        }
        for index in affected {
            let package = &mut out.packages[index];
            if package.vulnerability_ids.insert(vulnerability.id.clone()) {
                package.vulnerabilities.add(severity);
                out.vulnerabilities.add(severity);
            }
        }
    }
    for package in &out.packages {
        out.licenses.extend(package.licenses.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn fixture(name: &str) -> Bom {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(name);
        palisade_cyclonedx::read(&path).unwrap()
    }

    #[test]
    fn expressions_without_a_choice_name_each_license() {
        let names = license_names(&License::Expression(
            "(MIT AND AGPL-3.0-only) WITH Classpath-exception-2.0".into(),
        ));
        assert_eq!(
            names,
            [
                "(MIT AND AGPL-3.0-only) WITH Classpath-exception-2.0",
                "MIT",
                "AGPL-3.0-only"
            ]
        );
        let choice = license_names(&License::Expression("MIT OR AGPL-3.0-only".into()));
        assert_eq!(choice, ["MIT OR AGPL-3.0-only"]);
    }

    #[test]
    fn cyclonedx_py_sbom_gives_packages_and_edges() {
        let bom = fixture("cyclonedx/sbom-small-numpy-sklearn.cdx.json");
        let facts = facts(bom);
        assert!(facts.packages.len() >= 5, "{}", facts.packages.len());
        let numpy = facts
            .packages
            .iter()
            .find(|p| p.name == "numpy")
            .expect("numpy is listed");
        let purl = numpy.purl.as_deref().unwrap_or_default();
        assert!(purl.starts_with("pkg:pypi/numpy@"), "{purl}");
        assert!(!facts.dependencies.is_empty());
        assert_eq!(facts.vulnerabilities, Counts::default());
    }

    #[test]
    fn vulnerabilities_land_on_the_affected_packages() {
        let bom = fixture("cyclonedx-extra/cyclonedx-1.4.json");
        let facts = facts(bom);
        let vulnerable: Vec<(&str, Vec<&str>)> = facts
            .packages
            .iter()
            .filter(|p| !p.vulnerability_ids.is_empty())
            .map(|p| {
                (
                    p.name.as_str(),
                    p.vulnerability_ids.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            vulnerable,
            [
                (
                    "com.fasterxml.jackson.core/jackson-databind",
                    vec!["CVE-2022-42003"]
                ),
                ("org.yaml/snakeyaml", vec!["CVE-2022-1471"]),
            ]
        );
        assert_eq!(facts.vulnerabilities.total, 2);
    }

    #[test]
    fn vex_not_affected_removes_the_finding() {
        let bom = fixture("cyclonedx/mlbom-1.6.json");
        assert_eq!(bom.vulnerabilities.len(), 1);
        let facts = facts(bom);
        assert_eq!(facts.vulnerabilities, Counts::default());
        assert!(
            facts
                .packages
                .iter()
                .all(|p| p.vulnerability_ids.is_empty())
        );
    }

    #[test]
    fn ml_bom_has_a_model_card_metrics_and_data_labels() {
        let bom = fixture("cyclonedx/mlbom-1.6.json");
        let facts = facts(bom);
        assert!(facts.model_card);
        assert!(!facts.metrics.is_empty(), "{:?}", facts.metrics);
    }
}
