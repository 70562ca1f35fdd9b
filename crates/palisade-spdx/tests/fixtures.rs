//! The SPDX documents real tools wrote (tests/fixtures/spdx/, see its README): each is detected,
//! read and reduced, and the facts are checked against what the document says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeSet;
use std::path::Path;

use palisade_spdx::{
    DatasetPurpose, Document, ElementKind, Format, LicenseInfo, Limits, Presence, ReducedBom,
    SeverityCounts, SpecVersion, detect, parse, reduce,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/spdx")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> (Document, ReducedBom) {
    let bytes = fixture(name);
    let document = parse(&bytes, name, &Limits::default()).unwrap();
    let facts = reduce(&document);
    (document, facts)
}

fn index(facts: &ReducedBom, name: &str) -> usize {
    facts
        .packages
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

/// The dependency edges as `(dependent name, dependency name)`, sorted.
fn edges(facts: &ReducedBom) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = facts
        .dependencies
        .iter()
        .map(|&(a, b)| {
            (
                facts.packages[a].name.clone(),
                facts.packages[b].name.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    out.sort();
    out
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_fixture_is_detected_and_read() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/spdx");
    let mut seen = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = if name.ends_with(".spdx3.json") {
            Format::Spdx3JsonLd
        } else if name.ends_with(".spdx.json") {
            Format::Spdx2Json
        } else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(detect(&bytes), expected, "{name}");
        let document =
            parse(&bytes, &name, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            document.spec_version.is_v3(),
            expected == Format::Spdx3JsonLd
        );
        assert!(!reduce(&document).packages.is_empty(), "{name}");
        seen += 1;
    }
    assert_eq!(seen, 10);
}

#[test]
fn sbom4python_environment_of_scikit_learn() {
    let (document, facts) = read("sbom4python-sklearn.spdx.json");
    assert_eq!(document.spec_version, SpecVersion::V2_3);
    assert_eq!(document.creators, ["Tool: sbom4python-0.12.6"]);
    let names: Vec<&str> = facts.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "scikit-learn",
            "numpy",
            "scipy",
            "joblib",
            "cloudpickle",
            "threadpoolctl"
        ]
    );
    // The described package stays a package, marked as the subject.
    assert_eq!(facts.subjects, [index(&facts, "scikit-learn")]);
    assert_eq!(facts.packages[0].component_type, "application");
    assert_eq!(facts.packages[0].key, "pkg:pypi/scikit-learn@1.7.2");
    // sbom4python lists the wheel's files with CONTAINS: files are not packages, not edges.
    let files = document
        .elements
        .iter()
        .filter(|e| e.kind == ElementKind::File)
        .count();
    assert_eq!(files, 194);
    assert_eq!(
        edges(&facts),
        pairs(&[
            ("scikit-learn", "numpy"),
            ("scikit-learn", "scipy"),
            ("scikit-learn", "joblib"),
            ("scikit-learn", "threadpoolctl"),
            ("scipy", "numpy"),
            ("joblib", "cloudpickle"),
        ])
    );
    let numpy = &facts.packages[index(&facts, "numpy")];
    assert_eq!(
        numpy.licenses,
        set(&[
            "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
            "BSD-3-Clause",
            "0BSD",
            "MIT",
            "Zlib",
            "CC0-1.0"
        ])
    );
    // NOASSERTION in both fields: no license at all (not the word "NOASSERTION").
    assert!(facts.packages[index(&facts, "scipy")].licenses.is_empty());
    assert!(!facts.licenses.contains("NOASSERTION"));
    assert_eq!(facts.vulnerabilities, SeverityCounts::default());
    assert!(!facts.model_card && facts.labels.is_empty());
}

#[test]
fn npm_sbom_writes_dependencies_backwards() {
    let (document, facts) = read("npm-sbom.spdx.json");
    assert_eq!(document.creators, ["Tool: npm/cli-11.19.1"]);
    assert_eq!(facts.packages.len(), 12);
    assert_eq!(facts.subjects, [index(&facts, "spdx-fixture-app")]);
    // DEPENDENCY_OF / DEV_ / OPTIONAL_DEPENDENCY_OF point from the dependency to its dependent.
    assert_eq!(
        edges(&facts),
        pairs(&[
            ("spdx-fixture-app", "chalk"),
            ("spdx-fixture-app", "spdx-expression-parse"),
            ("spdx-fixture-app", "uuid"),
            ("spdx-fixture-app", "left-pad"),
            ("ansi-styles", "color-convert"),
            ("chalk", "ansi-styles"),
            ("chalk", "supports-color"),
            ("color-convert", "color-name"),
            ("spdx-expression-parse", "spdx-exceptions"),
            ("spdx-expression-parse", "spdx-license-ids"),
            ("supports-color", "has-flag"),
        ])
    );
    // npm writes licenseDeclared only.
    assert_eq!(
        facts.packages[index(&facts, "left-pad")].licenses,
        set(&["WTFPL"])
    );
    assert_eq!(
        facts.packages[index(&facts, "spdx-exceptions")].licenses,
        set(&["CC-BY-3.0"])
    );
    let dev = document
        .relationships
        .iter()
        .find(|r| r.from.contains("left-pad"))
        .unwrap();
    assert_eq!(
        dev.dependency().map(|d| d.2),
        Some(palisade_spdx::DependencyScope::Dev)
    );
}

#[test]
fn cargo_sbom_describes_the_lock_file() {
    let (document, facts) = read("cargo-sbom.spdx.json");
    assert_eq!(document.creators, ["Tool: cargo-sbom-v0.10.0"]);
    // DESCRIBES names Cargo.lock, a file: no package is the subject.
    assert_eq!(document.subjects, ["SPDXRef-File-cargo-demo"]);
    assert!(facts.subjects.is_empty());
    assert_eq!(facts.packages.len(), 32);
    // The crate itself has no purl: keyed by name@version.
    assert_eq!(
        facts.packages[index(&facts, "cargo-demo")].key,
        "cargo-demo@0.1.0"
    );
    assert_eq!(facts.dependencies.len(), 43);
    assert!(edges(&facts).contains(&("ring".to_owned(), "untrusted".to_owned())));
    let ring = &facts.packages[index(&facts, "ring")];
    assert_eq!(
        ring.licenses,
        set(&["Apache-2.0 AND ISC", "Apache-2.0", "ISC"])
    );
    // A choice stays whole: a deny list naming MIT does not match `MIT OR Apache-2.0`.
    let regex = &facts.packages[index(&facts, "regex")];
    assert_eq!(regex.licenses, set(&["MIT OR Apache-2.0"]));
}

#[test]
fn spdx_tools_document_exercises_licenses_advisories_and_both_directions() {
    let (document, facts) = read("pyspdxtools-service.spdx.json");
    // Two SPDX ids, one purl: one package.
    assert_eq!(facts.packages.len(), 6);
    let fastapi = &facts.packages[index(&facts, "fastapi")];
    // Concluded (after a scan) and declared together.
    assert_eq!(
        fastapi.licenses,
        set(&["MIT AND GPL-3.0-only", "MIT", "GPL-3.0-only"])
    );
    let internal = &facts.packages[index(&facts, "internal-utils")];
    assert_eq!(internal.key, "internal-utils@0.3.1");
    assert!(internal.licenses.is_empty(), "NONE and NOASSERTION");
    let utils = document.element("SPDXRef-Package-internal-utils").unwrap();
    assert_eq!(utils.licenses.declared, [LicenseInfo::None]);
    assert_eq!(utils.licenses.concluded, [LicenseInfo::NoAssertion]);
    let libgcc = &facts.packages[index(&facts, "libgcc")];
    assert_eq!(libgcc.component_type, "operating-system");
    // licenseInfoFromFiles counts; the exception after WITH is not a license.
    assert_eq!(
        libgcc.licenses,
        set(&[
            "GPL-3.0-or-later WITH GCC-exception-3.1",
            "GPL-3.0-or-later",
            "LicenseRef-acme-notice"
        ])
    );
    assert_eq!(
        edges(&facts),
        pairs(&[
            ("inference-service", "fastapi"),
            ("inference-service", "internal-utils"),
            ("inference-service", "libgcc"),
            ("inference-service", "starlette"),
            ("fastapi", "starlette"),
            ("fastapi", "pydantic"),
        ])
    );
    // The SECURITY advisory reference: an unrated vulnerability (counts as high).
    let starlette = &facts.packages[index(&facts, "starlette")];
    assert_eq!(starlette.vulnerability_ids, set(&["GHSA-f96h-pmfr-66vw"]));
    assert_eq!(starlette.vulnerabilities.high, 1);
    assert_eq!(facts.vulnerabilities.total, 1);
    assert_eq!(facts.subjects, [index(&facts, "inference-service")]);
}

#[test]
fn spdx_python_model_ai_bom_gives_model_card_datasets_and_vex() {
    let (document, facts) = read("spdx-python-model-aibom.spdx3.json");
    assert_eq!(document.spec_version, SpecVersion::V3_0_1);
    assert_eq!(
        document.creators,
        ["Tool: spdx-python-model", "Organization: ACME ML Platform"]
    );
    assert_eq!(facts.subjects, [index(&facts, "fraud-xgb")]);
    let model = &facts.packages[index(&facts, "fraud-xgb")];
    assert_eq!(model.component_type, "machine-learning-model");
    assert_eq!(model.key, "pkg:huggingface/acme/fraud-xgb@1.2.0");
    assert_eq!(model.licenses, set(&["LicenseRef-acme-model-license"]));
    assert!(facts.model_card);
    assert_eq!(
        facts.metrics,
        set(&["accuracy", "f1", "adversarial-robustness"])
    );
    assert!(facts.metric_values.contains(&(
        index(&facts, "fraud-xgb"),
        "adversarial-robustness".to_owned(),
        Some("0.71".to_owned())
    )));
    let ai = document
        .elements
        .iter()
        .find_map(|e| e.ai.as_ref())
        .unwrap();
    assert_eq!(ai.safety_risk_assessment.as_deref(), Some("medium"));
    assert_eq!(ai.use_sensitive_personal_information, Some(Presence::Yes));
    assert_eq!(ai.standard_compliance, ["ISO/IEC 42001:2023"]);
    assert_eq!(
        ai.metric_decision_thresholds,
        [("accuracy".to_owned(), Some("0.95".to_owned()))]
    );
    // PII from the training data and from the model's own declaration; TLP levels as labels.
    assert_eq!(
        facts.labels,
        set(&[
            "pii",
            "sensitive-data",
            "confidentiality-amber",
            "confidentiality-red"
        ])
    );
    let mut used: Vec<_> = facts
        .datasets
        .iter()
        .map(|d| {
            assert_eq!(d.model_package, Some(index(&facts, "fraud-xgb")));
            assert_eq!(
                d.dataset_package.map(|p| facts.packages[p].name.as_str()),
                Some(document.elements[d.dataset].name.as_str())
            );
            (
                document.elements[d.model].name.as_str(),
                document.elements[d.dataset].name.as_str(),
                d.purpose == DatasetPurpose::Trained,
            )
        })
        .collect();
    used.sort();
    assert_eq!(
        used,
        [
            ("fraud-xgb", "holdout", false),
            ("fraud-xgb", "transactions", true)
        ]
    );
    assert_eq!(
        facts.packages[index(&facts, "transactions")].licenses,
        set(&["CC-BY-NC-4.0"])
    );
    // NoAssertionLicense is not a license.
    assert!(facts.packages[index(&facts, "scipy")].licenses.is_empty());
    assert_eq!(
        edges(&facts),
        pairs(&[
            ("fraud-xgb", "xgboost"),
            ("xgboost", "numpy"),
            ("xgboost", "scipy"),
            ("scipy", "numpy"),
        ])
    );
    // numpy: CVSS critical, VEX affected. xgboost: high but VEX not affected (removed), medium
    // and VEX fixed (kept, as CycloneDX `resolved`). scipy: associated, unrated (high).
    assert_eq!(
        facts.packages[index(&facts, "numpy")].vulnerability_ids,
        set(&["CVE-2099-0001"])
    );
    assert_eq!(
        facts.packages[index(&facts, "numpy")]
            .vulnerabilities
            .critical,
        1
    );
    assert_eq!(
        facts.packages[index(&facts, "xgboost")].vulnerability_ids,
        set(&["CVE-2099-0004"])
    );
    assert_eq!(
        facts.packages[index(&facts, "xgboost")]
            .vulnerabilities
            .medium,
        1
    );
    assert_eq!(
        facts.packages[index(&facts, "scipy")].vulnerabilities.high,
        1
    );
    assert_eq!(
        facts.vulnerabilities,
        SeverityCounts {
            critical: 1,
            high: 1,
            medium: 1,
            low: 0,
            total: 3
        }
    );
    assert!(document.unresolved.is_empty(), "{:?}", document.unresolved);
}

#[test]
fn spdx_python_model_dataset_without_personal_data() {
    let (document, facts) = read("spdx-python-model-dataset.spdx3.json");
    let dataset = document.elements[0].dataset.as_ref().unwrap();
    assert_eq!(
        dataset.has_sensitive_personal_information,
        Some(Presence::No)
    );
    assert_eq!(dataset.dataset_type, ["image"]);
    assert_eq!(dataset.availability.as_deref(), Some("registration"));
    assert_eq!(facts.labels, set(&["confidentiality-clear"]));
    assert!(!facts.model_card);
    assert_eq!(facts.packages[0].component_type, "data");
}

#[test]
fn github_dependency_graph_export() {
    let (document, facts) = read("github-dependency-graph.spdx.json");
    assert!(
        document
            .creators
            .contains(&"Tool: GitHub.com-Dependency-Graph".to_owned())
    );
    // express is listed twice with the same purl.
    assert_eq!(facts.packages.len(), 8);
    assert_eq!(facts.subjects, [0]);
    assert_eq!(facts.packages[0].name, "com.github.acme/fraud-service");
    assert_eq!(facts.dependencies.len(), 7);
    assert!(facts.dependencies.iter().all(|&(from, _)| from == 0));
    assert_eq!(
        facts.packages[index(&facts, "ghostscript-wrapper")].licenses,
        set(&["AGPL-3.0-only"])
    );
    let requests = &facts.packages[index(&facts, "requests")];
    assert_eq!(requests.key, "pkg:pypi/requests");
    assert_eq!(requests.version, ">= 2.31");
    assert!(requests.licenses.is_empty());
}

#[test]
fn github_rest_api_answer_is_unwrapped() {
    let inner = String::from_utf8(fixture("github-dependency-graph.spdx.json")).unwrap();
    let wrapped = format!("{{\"sbom\": {inner}}}");
    assert_eq!(detect(wrapped.as_bytes()), Format::Spdx2Json);
    let document = parse(wrapped.as_bytes(), "api.json", &Limits::default()).unwrap();
    assert_eq!(
        reduce(&document),
        read("github-dependency-graph.spdx.json").1
    );
    // Errors inside point below /sbom.
    let broken = wrapped.replace("\"versionInfo\": \"4.21.2\"", "\"versionInfo\": 4.21");
    let err = parse(broken.as_bytes(), "api.json", &Limits::default()).unwrap_err();
    assert!(
        err.to_string().contains("at /sbom/packages/1/versionInfo"),
        "{err}"
    );
}

#[test]
fn syft_shaped_spdx3_with_a_namespace_map() {
    let (document, facts) = read("syft-shape.spdx3.json");
    assert_eq!(
        document.creators,
        ["Tool: syft-1.33.0", "Organization: Anchore, Inc"]
    );
    // Compact ids (SPDXRef:…) are expanded with the namespaceMap.
    let prefix = "https://anchore.com/syft/image/registry.acme.example/fraud/serve-8f1d2c3b-4a5e-4f6a-9b7c-0d1e2f3a4b5c#";
    assert!(document.elements.iter().all(|e| e.id.starts_with(prefix)));
    assert_eq!(facts.packages[0].component_type, "container");
    assert_eq!(facts.subjects, [0]);
    assert_eq!(
        edges(&facts),
        pairs(&[
            ("registry.acme.example/fraud/serve", "requests"),
            ("registry.acme.example/fraud/serve", "urllib3"),
            ("registry.acme.example/fraud/serve", "libssl3"),
            ("requests", "urllib3"),
        ])
    );
    // A listed-license IRI the document does not define.
    assert_eq!(
        facts.packages[index(&facts, "urllib3")].licenses,
        set(&["MIT"])
    );
    assert_eq!(
        facts.packages[index(&facts, "requests")].licenses,
        set(&["Apache-2.0"])
    );
    assert!(document.unresolved.is_empty(), "{:?}", document.unresolved);
}

#[test]
fn json_ld_forms_all_read_the_same_way() {
    let (document, facts) = read("jsonld-forms.spdx3.json");
    // Inline creation info with an inline agent.
    assert_eq!(document.creators, ["Person: Data Steward"]);
    assert_eq!(document.namespace.as_deref(), Some("urn:doc"));
    // Full-IRI type, purl from an external identifier, vocabulary IRIs.
    let model = &facts.packages[0];
    assert_eq!(model.key, "pkg:huggingface/acme/chat-llm@0.9.0");
    assert_eq!(model.component_type, "machine-learning-model");
    assert!(model.licenses.is_empty(), "NoneLicense");
    let ai = document.elements[0].ai.as_ref().unwrap();
    assert_eq!(ai.safety_risk_assessment.as_deref(), Some("high"));
    assert_eq!(
        ai.use_sensitive_personal_information,
        Some(Presence::NoAssertion)
    );
    assert_eq!(ai.type_of_model, ["transformer"]);
    assert_eq!(facts.metrics, set(&["adversarial-robustness"]));
    assert_eq!(
        facts.labels,
        set(&["pii", "sensitive-data", "confidentiality-red"])
    );
    assert_eq!(facts.datasets.len(), 1);
    // An inline license expression, and an expanded license set with a WITH operator.
    assert_eq!(
        facts.packages[index(&facts, "torch")].licenses,
        set(&["BSD-3-Clause"])
    );
    assert_eq!(
        facts.packages[index(&facts, "tokenizers")].licenses,
        set(&[
            "(Apache-2.0 AND GPL-2.0-only WITH Classpath-exception-2.0)",
            "Apache-2.0",
            "GPL-2.0-only"
        ])
    );
    assert_eq!(
        edges(&facts),
        pairs(&[("chat-llm", "torch"), ("chat-llm", "tokenizers")])
    );
    // CVSS v2 (score only, 6.5: medium) on the assessed element; VEX under investigation keeps
    // it. The EPSS-only vulnerability on an element of another document counts once on the
    // artifact, unrated (high).
    let torch = &facts.packages[index(&facts, "torch")];
    assert_eq!(torch.vulnerability_ids, set(&["CVE-2099-1000"]));
    assert_eq!(torch.vulnerabilities.medium, 1);
    assert_eq!(
        facts.vulnerabilities,
        SeverityCounts {
            critical: 0,
            high: 1,
            medium: 1,
            low: 0,
            total: 2
        }
    );
    let cuda = "https://other.example/sbom#SPDXRef-cuda";
    assert!(document.unresolved.iter().any(|(_, id)| id == cuda));
    assert_eq!(document.ignored_types.get("build_Build"), Some(&1));
    assert_eq!(document.ignored_types.get("ext:Thing"), Some(&1));
}
