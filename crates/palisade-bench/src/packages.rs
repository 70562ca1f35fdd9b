//! Synthetic SBOM packages attached to a built graph, as the evidence stage would attach them.

use std::collections::BTreeMap;

use palisade_graph::{BomPackages, DeclaredGraph, Evidence, PackageFacts, Severity};
use palisade_syntax::ArtifactKind;

use crate::rng::XorShift;

/// Licenses and how often they occur in a typical dependency tree (percent-ish weights).
const LICENSES: &[(u32, &str)] = &[
    (40, "MIT"),
    (28, "Apache-2.0"),
    (14, "BSD-3-Clause"),
    (5, "ISC"),
    (4, "LGPL-2.1-only"),
    (3, "GPL-3.0-only"),
    (3, "MPL-2.0"),
    (2, "BSD-2-Clause"),
    (1, "AGPL-3.0-only"),
];

/// Severity of a vulnerability, given a package has one.
const SEVERITIES: &[(u32, Severity)] = &[
    (10, Severity::Critical),
    (30, Severity::High),
    (40, Severity::Medium),
    (20, Severity::Low),
];

const ECOSYSTEMS: &[&str] = &["pypi", "npm", "cargo", "maven", "golang"];

/// What [`add_packages`] attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The packages' keys, in creation order.
    pub packages: Vec<String>,
    /// `include` pairs made (a package shared by two SBOMs counts twice).
    pub inclusions: usize,
    /// Package → package dependency edges made.
    pub dependencies: usize,
    /// Packages with at least one vulnerability.
    pub vulnerable: usize,
}

/// Evidence that says only what the declarations say: the starting point the synthetic
/// evidence is added to.
pub fn declared_evidence(graph: &DeclaredGraph) -> Evidence {
    Evidence {
        artifacts: graph
            .pipeline
            .artifacts
            .iter()
            .map(|a| Some(palisade_evidence::declared_facts(a)))
            .collect(),
        boms: Vec::new(),
        ..Default::default()
    }
}

/// Adds `n` synthetic SBOM packages to `evidence`, in the SBOMs of the graph's artifacts that
/// carry SBOMs (code, models, images; round robin, and one in eight also to a second
/// artifact, as an image includes its code's packages). Each package gets a purl, a license,
/// with probability `vuln_ratio` one or two vulnerabilities, and up to `deps_per_package`
/// dependencies on earlier packages of the same SBOM. The owners' own facts (licenses,
/// vulnerability counts) are updated as the evidence stage would.
///
/// Deterministic. Without any code, model or image artifact nothing is added.
pub fn add_packages(
    graph: &DeclaredGraph,
    evidence: &mut Evidence,
    n: usize,
    deps_per_package: usize,
    vuln_ratio: f64,
) -> Attached {
    let mut rng = XorShift::new(0x5EED_0000 ^ n as u64);
    let owners: Vec<usize> = graph
        .pipeline
        .artifacts
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            matches!(
                a.kind,
                ArtifactKind::Code | ArtifactKind::Model | ArtifactKind::Image
            )
        })
        .map(|(decl, _)| decl)
        .collect();
    let mut attached = Attached {
        packages: Vec::with_capacity(n),
        inclusions: 0,
        dependencies: 0,
        vulnerable: 0,
    };
    if owners.is_empty() {
        return attached;
    }
    let mut boms: BTreeMap<usize, BomPackages> = BTreeMap::new();
    for i in 0..n {
        let package = synthetic_package(&mut rng, i, vuln_ratio);
        if package.vulnerabilities.total > 0 {
            attached.vulnerable += 1;
        }
        let mut my_owners = vec![owners[i % owners.len()]];
        if owners.len() > 1 && rng.below(8) == 0 {
            let second = owners[(i + 1 + rng.below(owners.len() - 1)) % owners.len()];
            my_owners.push(second);
        }
        for (n_owner, &owner) in my_owners.iter().enumerate() {
            if let Some(Some(facts)) = evidence.artifacts.get_mut(owner) {
                facts.licenses.extend(package.licenses.iter().cloned());
                facts.vulnerabilities.merge(&package.vulnerabilities);
            }
            let bom = boms.entry(owner).or_default();
            bom.packages.push(package.clone());
            attached.inclusions += 1;
            // Dependencies on earlier packages of the first owner's SBOM.
            let me = bom.packages.len() - 1;
            if n_owner == 0 && me > 0 {
                for _ in 0..deps_per_package {
                    bom.dependencies.push((me, rng.below(me)));
                    attached.dependencies += 1;
                }
            }
        }
        attached.packages.push(package.key);
    }
    evidence.boms.extend(boms);
    attached
}

fn synthetic_package(rng: &mut XorShift, i: usize, vuln_ratio: f64) -> PackageFacts {
    let ecosystem = ECOSYSTEMS[i % ECOSYSTEMS.len()];
    let name = format!("lib-{i}");
    let version = format!("{}.{}.{}", 1 + rng.below(4), rng.below(20), rng.below(10));
    let purl = format!("pkg:{ecosystem}/{name}@{version}");
    let mut package = PackageFacts {
        key: purl.clone(),
        name,
        version: Some(version),
        purl: Some(purl),
        component_type: Some("library".to_owned()),
        ..PackageFacts::default()
    };
    if let Some(license) = rng.weighted(LICENSES) {
        package.licenses.insert((*license).to_owned());
    }
    if rng.unit() < vuln_ratio {
        for _ in 0..1 + rng.below(2) {
            let severity = rng
                .weighted(SEVERITIES)
                .copied()
                .unwrap_or(Severity::Medium);
            let id = format!("CVE-20{}-{:05}", 20 + rng.below(6), rng.below(100_000));
            if package.vulnerability_ids.insert(id) {
                package.vulnerabilities.add(severity);
            }
        }
    }
    package
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Shape, pipeline_text};

    fn graph() -> DeclaredGraph {
        let text = pipeline_text(&Shape::small());
        let pipeline = palisade_syntax::parse_str(
            &text,
            "pipeline.pal",
            std::path::Path::new("."),
            &Default::default(),
        )
        .unwrap();
        DeclaredGraph::build(pipeline).unwrap()
    }

    #[test]
    fn attaches_n_packages_deterministically() {
        let a = graph();
        let before = a.node_count();
        let mut evidence = declared_evidence(&a);
        let attached = add_packages(&a, &mut evidence, 500, 2, 0.1);
        assert_eq!(attached.packages.len(), 500);
        assert!(attached.dependencies > 800, "{}", attached.dependencies);
        assert!(attached.inclusions > 500 && attached.inclusions < 600);
        // About 10 % vulnerable.
        assert!(
            (25..=80).contains(&attached.vulnerable),
            "{}",
            attached.vulnerable
        );
        let b = graph();
        let mut again = declared_evidence(&b);
        assert_eq!(add_packages(&b, &mut again, 500, 2, 0.1), attached);
        let lineage = a.attach(evidence).lineage();
        assert_eq!(lineage.node_count(), before + 500);
        let includes = palisade_policy::requests(&lineage)
            .iter()
            .filter(|r| r.action == palisade_policy::Action::Include)
            .count();
        assert_eq!(includes, attached.inclusions);
    }

    #[test]
    fn owners_carry_licenses_and_vulnerabilities() {
        let g = graph();
        let mut evidence = declared_evidence(&g);
        let attached = add_packages(&g, &mut evidence, 300, 0, 1.0);
        assert_eq!(attached.vulnerable, 300);
        let g = g.attach(evidence);
        let app = g.find(palisade_syntax::Kind::Code, "app-0").unwrap();
        let facts = g.facts(app).unwrap();
        assert!(facts.vulnerabilities.total > 0);
        assert!(facts.licenses.contains("MIT"));
        // Datasets have no SBOM here, so they include nothing.
        let raw = g.find(palisade_syntax::Kind::Dataset, "raw-0").unwrap();
        assert!(g.artifact(raw).unwrap().packages.is_empty());
    }

    #[test]
    fn nothing_to_attach_to() {
        let text = r#"pipeline "p" { dataset "d" { path = "d.csv" } }"#;
        let pipeline = palisade_syntax::parse_str(
            text,
            "p.pal",
            std::path::Path::new("."),
            &Default::default(),
        )
        .unwrap();
        let g = DeclaredGraph::build(pipeline).unwrap();
        let mut evidence = declared_evidence(&g);
        let attached = add_packages(&g, &mut evidence, 10, 1, 0.5);
        assert!(attached.packages.is_empty());
        assert_eq!(g.attach(evidence).node_count(), 1);
    }
}
