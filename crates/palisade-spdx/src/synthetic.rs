//! Large, valid SPDX documents for scale tests and benchmarks, shaped like syft's output: a
//! root package that contains every package, each package with a purl, a CPE, concluded and
//! declared licenses and a dependency on the next one.

use std::fmt::Write as _;

/// An SPDX 2.3 JSON document with `packages` packages (plus the root) and `2 × packages`
/// relationships.
pub fn synthetic_spdx2(packages: usize) -> String {
    let mut out = String::with_capacity(packages * 900 + 1024);
    out.push_str(
        r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"synthetic","documentNamespace":"https://palisade.example/synthetic","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: palisade-synthetic"]},"packages":[{"SPDXID":"SPDXRef-root","name":"root","versionInfo":"1.0.0","downloadLocation":"NOASSERTION","primaryPackagePurpose":"CONTAINER","licenseConcluded":"NOASSERTION","licenseDeclared":"NOASSERTION"}"#,
    );
    for i in 0..packages {
        let _ = write!(
            out,
            r#",{{"SPDXID":"SPDXRef-Package-{i}","name":"package-{i}","versionInfo":"1.{i}.0","supplier":"NOASSERTION","downloadLocation":"NOASSERTION","filesAnalyzed":false,"licenseConcluded":"MIT","licenseDeclared":"MIT OR Apache-2.0","copyrightText":"NOASSERTION","sourceInfo":"acquired package info from installed python package manifest file: /usr/lib/python3/site-packages/package_{i}/METADATA","externalRefs":[{{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:package-{i}:package-{i}:1.{i}.0:*:*:*:*:*:*:*"}},{{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:pypi/package-{i}@1.{i}.0"}}]}}"#
        );
    }
    out.push_str(r#"],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"}"#);
    for i in 0..packages {
        let _ = write!(
            out,
            r#",{{"spdxElementId":"SPDXRef-root","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-Package-{i}"}}"#
        );
        if i + 1 < packages {
            let _ = write!(
                out,
                r#",{{"spdxElementId":"SPDXRef-Package-{i}","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-Package-{}"}}"#,
                i + 1
            );
        }
    }
    out.push_str("]}");
    out
}

/// An SPDX 3.0.1 JSON-LD document with `packages` software packages (plus the root), one
/// `contains` and one `dependsOn` relationship and a declared license for each.
pub fn synthetic_spdx3(packages: usize) -> String {
    let mut out = String::with_capacity(packages * 1200 + 2048);
    out.push_str(
        r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"CreationInfo","@id":"_:ci","specVersion":"3.0.1","created":"2026-01-01T00:00:00Z","createdBy":["urn:tool"]},{"type":"Tool","spdxId":"urn:tool","name":"palisade-synthetic","creationInfo":"_:ci"},{"type":"SpdxDocument","spdxId":"urn:doc","creationInfo":"_:ci","rootElement":["urn:root"]},{"type":"simplelicensing_LicenseExpression","spdxId":"urn:license","creationInfo":"_:ci","simplelicensing_licenseExpression":"MIT"},{"type":"software_Package","spdxId":"urn:root","creationInfo":"_:ci","name":"root","software_primaryPurpose":"container"}"#,
    );
    for i in 0..packages {
        let _ = write!(
            out,
            r#",{{"type":"software_Package","spdxId":"urn:p{i}","creationInfo":"_:ci","name":"package-{i}","software_packageVersion":"1.{i}.0","software_packageUrl":"pkg:pypi/package-{i}@1.{i}.0","software_downloadLocation":"NOASSERTION","externalIdentifier":[{{"type":"ExternalIdentifier","externalIdentifierType":"cpe23","identifier":"cpe:2.3:a:package-{i}:package-{i}:1.{i}.0:*:*:*:*:*:*:*"}}]}},{{"type":"Relationship","spdxId":"urn:c{i}","creationInfo":"_:ci","from":"urn:root","relationshipType":"contains","to":["urn:p{i}"]}},{{"type":"Relationship","spdxId":"urn:l{i}","creationInfo":"_:ci","from":"urn:p{i}","relationshipType":"hasDeclaredLicense","to":["urn:license"]}}"#
        );
        if i + 1 < packages {
            let _ = write!(
                out,
                r#",{{"type":"Relationship","spdxId":"urn:d{i}","creationInfo":"_:ci","from":"urn:p{i}","relationshipType":"dependsOn","to":["urn:p{}"]}}"#,
                i + 1
            );
        }
    }
    out.push_str("]}");
    out
}
