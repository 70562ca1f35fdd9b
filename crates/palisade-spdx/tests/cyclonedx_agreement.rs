//! The same npm project written by `npm sbom` as SPDX 2.3 and as CycloneDX 1.5, and by cdxgen
//! as SPDX 3.0.1, must give Palisade the same packages (by purl), licenses and dependency
//! edges: the SPDX reduction is meant to stand in for the CycloneDX one field for field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/spdx")
            .join(name),
    )
    .unwrap()
}

#[test]
fn npm_sbom_in_both_formats_agrees() {
    agrees_with_npm_cyclonedx("npm-sbom.spdx.json");
}

/// cdxgen's SPDX 3.0.1 export of the same app: it keeps licenses only in its
/// `CdxPropertiesExtension`, which the reader reads.
#[test]
fn cdxgen_spdx3_export_agrees_with_npm_cyclonedx() {
    agrees_with_npm_cyclonedx("cdxgen-npm-app.spdx3.json");
}

fn agrees_with_npm_cyclonedx(spdx_fixture: &str) {
    let spdx = palisade_spdx::parse(
        &fixture(spdx_fixture),
        spdx_fixture,
        &palisade_spdx::Limits::default(),
    )
    .unwrap();
    let spdx = palisade_spdx::reduce(&spdx);
    let cdx = palisade_cyclonedx::parse(
        &fixture("npm-sbom.cdx.json"),
        "npm-sbom.cdx.json",
        &palisade_cyclonedx::Limits::default(),
    )
    .unwrap();

    // CycloneDX keeps the described app in metadata.component; SPDX lists it as a package
    // and names it a subject. Compare the app and its packages together.
    let components: Vec<&palisade_cyclonedx::Component> = cdx
        .metadata_component
        .iter()
        .chain(&cdx.components)
        .collect();
    let cdx_packages: BTreeMap<String, BTreeSet<String>> = components
        .iter()
        .map(|c| {
            let licenses = c
                .licenses
                .iter()
                .flat_map(|l| palisade_spdx::license_names(l.as_str()))
                .collect();
            (c.purl.clone().unwrap(), licenses)
        })
        .collect();
    let spdx_packages: BTreeMap<String, BTreeSet<String>> = spdx
        .packages
        .iter()
        .map(|p| (p.purl.clone(), p.licenses.clone()))
        .collect();
    assert_eq!(spdx_packages, cdx_packages);

    let purl_of_ref: BTreeMap<&str, &str> = components
        .iter()
        .map(|c| (c.bom_ref.as_deref().unwrap(), c.purl.as_deref().unwrap()))
        .collect();
    let cdx_edges: BTreeSet<(&str, &str)> = cdx
        .dependencies
        .iter()
        .flat_map(|d| {
            d.depends_on
                .iter()
                .map(|to| (purl_of_ref[d.bom_ref.as_str()], purl_of_ref[to.as_str()]))
        })
        .collect();
    let spdx_edges: BTreeSet<(&str, &str)> = spdx
        .dependencies
        .iter()
        .map(|&(a, b)| {
            (
                spdx.packages[a].purl.as_str(),
                spdx.packages[b].purl.as_str(),
            )
        })
        .collect();
    assert_eq!(spdx_edges, cdx_edges);
    assert_eq!(spdx_edges.len(), 11);

    let subject = &spdx.packages[spdx.subjects[0]];
    assert_eq!(
        Some(subject.purl.as_str()),
        cdx.metadata_component
            .as_ref()
            .and_then(|c| c.purl.as_deref())
    );
}
