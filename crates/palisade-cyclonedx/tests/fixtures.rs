//! The reader on real producer output (tests/fixtures/cyclonedx) and on the hand-made samples
//! in tests/fixtures/cyclonedx-extra shaped like cdxgen, syft, a 1.4 producer and an XML ML-BOM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::PathBuf;

use palisade_cyclonedx::*;

const JSON16_SERIAL: &str = "urn:uuid:80e0d446-c114-49fb-a542-86a6ade88b88";

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

fn load(rel: &str) -> Bom {
    match read(&fixture(rel)) {
        Ok(bom) => bom,
        Err(err) => panic!("{rel}: {err}"),
    }
}

/// (key, licenses) of every component, sorted: what must agree between formats.
fn summary(bom: &Bom) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<_> = bom
        .components
        .iter()
        .map(|c| {
            (
                c.key(),
                c.licenses.iter().map(|l| format!("{l:?}")).collect(),
            )
        })
        .collect();
    out.sort();
    out
}

fn deps(bom: &Bom) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<_> = bom
        .dependencies
        .iter()
        .map(|d| (d.bom_ref.clone(), d.depends_on.clone()))
        .collect();
    out.sort();
    out
}

#[test]
fn numpy_sklearn_same_in_json_1_6_json_1_5_and_xml_1_6() {
    let json16 = load("cyclonedx/sbom-small-numpy-sklearn.cdx.json");
    let json15 = load("cyclonedx/sbom-small-numpy-sklearn.cdx-1.5.json");
    let xml16 = load("cyclonedx/sbom-small-numpy-sklearn.cdx.xml");
    assert_eq!(json16.spec_version, SpecVersion::V1_6);
    assert_eq!(json15.spec_version, SpecVersion::V1_5);
    assert_eq!(xml16.spec_version, SpecVersion::V1_6);
    assert_eq!(json16.components.len(), 9);
    assert_eq!(summary(&json16), summary(&json15));
    assert_eq!(summary(&json16), summary(&xml16));
    assert_eq!(deps(&json16), deps(&json15));
    assert_eq!(deps(&json16), deps(&xml16));
    // The whole component list is the same, field by field, in document order.
    assert_eq!(json16.components, xml16.components);

    let numpy = json16
        .components
        .iter()
        .find(|c| c.name == "numpy")
        .unwrap();
    assert_eq!(numpy.bom_ref.as_deref(), Some("numpy==2.4.6"));
    assert_eq!(numpy.kind, ComponentKind::Library);
    assert_eq!(numpy.purl.as_deref(), Some("pkg:pypi/numpy@2.4.6"));
    assert_eq!(numpy.version.as_deref(), Some("2.4.6"));
    assert_eq!(
        numpy.licenses,
        vec![License::Expression(
            "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0".into()
        )]
    );
    let scipy = xml16.components.iter().find(|c| c.name == "scipy").unwrap();
    assert_eq!(
        scipy.licenses,
        vec![License::Name(
            "License :: OSI Approved :: BSD License".into()
        )]
    );
    let sklearn = json16
        .dependencies
        .iter()
        .find(|d| d.bom_ref == "scikit-learn==1.9.1")
        .unwrap();
    assert_eq!(
        sklearn.depends_on,
        [
            "joblib==1.6.0",
            "narwhals==2.29.0",
            "numpy==2.4.6",
            "scipy==1.17.1",
            "threadpoolctl==3.8.0"
        ]
    );
    assert_eq!(json16.serial_number.as_deref(), Some(JSON16_SERIAL));
    assert_eq!(
        xml16.serial_number.as_deref(),
        Some("urn:uuid:69397992-486b-44bb-90c3-eda0657969c5")
    );
    assert!(json16.vulnerabilities.is_empty());
}

#[test]
fn big_mlflow_sbom() {
    let bom = load("cyclonedx/sbom-big-mlflow-transformers.cdx.json");
    assert_eq!(bom.components.len(), 65);
    assert_eq!(bom.dependencies.len(), 65);
    let ids = bom
        .components
        .iter()
        .flat_map(|c| &c.licenses)
        .filter(|l| matches!(l, License::Id(_)))
        .count();
    let names = bom
        .components
        .iter()
        .flat_map(|c| &c.licenses)
        .filter(|l| matches!(l, License::Name(_)))
        .count();
    let exprs = bom
        .components
        .iter()
        .flat_map(|c| &c.licenses)
        .filter(|l| matches!(l, License::Expression(_)))
        .count();
    assert_eq!((ids, names, exprs), (50, 12, 5));
    assert!(bom.components.iter().all(|c| {
        c.purl
            .as_deref()
            .is_some_and(|p| p.starts_with("pkg:pypi/"))
    }));
    assert!(bom.components.iter().all(|c| c.parent.is_none()));
    let first = &bom.components[0];
    assert_eq!(first.key(), "pkg:pypi/gitpython@3.2.1");
    assert_eq!(first.licenses, vec![License::Id("BSD-3-Clause".into())]);
}

#[test]
fn trivy_1_7() {
    let bom = load("cyclonedx/pyproj.trivy.cdx.json");
    assert_eq!(bom.spec_version, SpecVersion::V1_7);
    assert_eq!(
        bom.serial_number.as_deref(),
        Some("urn:uuid:846611e6-bc15-4bc8-aba0-bf33fa989bfd")
    );
    let meta = bom.metadata_component.as_ref().unwrap();
    assert_eq!(meta.name, ".");
    assert_eq!(
        meta.bom_ref.as_deref(),
        Some("357ad773-0533-4cae-810b-e43bc3b079af")
    );
    assert_eq!(bom.components.len(), 8);
    assert_eq!(bom.components[0].kind, ComponentKind::Application);
    assert_eq!(bom.components[0].key(), "requirements.txt");
    assert_eq!(bom.components[1].key(), "pkg:pypi/cloudpickle@3.1.3");
    assert_eq!(bom.dependencies.len(), 9);
    assert_eq!(bom.dependencies[0].depends_on.len(), 7);
    assert!(bom.vulnerabilities.is_empty());
}

#[test]
fn ml_bom_json_model_card_data_and_vex() {
    let bom = load("cyclonedx/mlbom-1.6.json");
    assert_eq!(bom.components.len(), 2);
    let model = &bom.components[0];
    assert_eq!(model.kind, ComponentKind::MachineLearningModel);
    assert_eq!(model.key(), "sentiment@1.0");
    assert_eq!(
        model.hashes,
        vec![Hash {
            alg: "SHA-256".into(),
            content: "2a70d3f01229640a323828a849cab91b7ad7afe48353240e1c7cc66755efe8f9".into()
        }]
    );
    let card = model.model_card.as_ref().unwrap();
    assert_eq!(card.task.as_deref(), Some("text-classification"));
    assert_eq!(card.architecture_family, None);
    assert_eq!(card.datasets, ["d1"]);
    assert_eq!(
        card.metrics,
        vec![PerformanceMetric {
            kind: "accuracy".into(),
            value: Some("0.91".into()),
            slice: None,
            confidence_interval: Some(ConfidenceInterval {
                lower_bound: Some("0.89".into()),
                upper_bound: Some("0.93".into())
            }),
        }]
    );
    assert!(card.has_considerations);
    let considerations = card.considerations.as_ref().unwrap();
    assert_eq!(considerations.users, ["analysts"]);
    assert_eq!(considerations.use_cases, ["triage"]);
    assert_eq!(
        considerations.ethical_considerations,
        [Risk {
            name: Some("bias".into()),
            mitigation_strategy: Some("rebalancing".into())
        }]
    );
    assert!(card.properties.is_empty());

    let data = &bom.components[1];
    assert_eq!(data.kind, ComponentKind::Data);
    assert_eq!(
        data.data,
        vec![ComponentData {
            kind: "dataset".into(),
            name: Some("reviews".into()),
            classification: Some("public".into()),
            sensitive_data: vec!["PII: names".into()],
            governance: Governance {
                owners: vec!["ACME".into()],
                custodians: vec![],
                stewards: vec![]
            },
        }]
    );

    assert_eq!(bom.vulnerabilities.len(), 1);
    let vex = &bom.vulnerabilities[0];
    assert_eq!(vex.id, "CVE-2024-0001");
    assert_eq!(vex.affects, ["m1"]);
    assert_eq!(
        vex.analysis,
        Some(Analysis {
            state: Some(AnalysisState::NotAffected),
            justification: Some("code_not_reachable".into())
        })
    );
    assert!(vex.is_suppressed());
    assert_eq!(vex.severity(), Severity::Unknown);
}

#[test]
fn ml_bom_xml() {
    let bom = load("cyclonedx-extra/mlbom-1.6.xml");
    assert_eq!(bom.spec_version, SpecVersion::V1_6);
    assert_eq!(
        bom.metadata_component.as_ref().map(|c| c.name.as_str()),
        Some("sentiment-service")
    );
    assert_eq!(bom.components.len(), 2);
    let model = &bom.components[0];
    // The extension element's <ext:name> must not have replaced the name.
    assert_eq!(model.name, "sentiment");
    assert_eq!(model.key(), "pkg:huggingface/acme/sentiment@1.0");
    assert_eq!(model.licenses, vec![License::Id("Apache-2.0".into())]);
    let card = model.model_card.as_ref().unwrap();
    assert_eq!(card.task.as_deref(), Some("text-classification"));
    assert_eq!(card.architecture_family.as_deref(), Some("transformer"));
    assert_eq!(card.datasets, ["d1"]);
    let kinds: Vec<_> = card.metrics.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["accuracy", "adversarial-robustness"]);
    assert_eq!(card.metrics[0].slice.as_deref(), Some("english"));
    assert_eq!(
        card.metrics[0].confidence_interval,
        Some(ConfidenceInterval {
            lower_bound: Some("0.89".into()),
            upper_bound: Some("0.93".into())
        })
    );
    assert_eq!(card.metrics[1].value.as_deref(), Some("0.74"));
    assert!(card.has_considerations);
    let considerations = card.considerations.as_ref().unwrap();
    assert_eq!(considerations.users, ["analysts"]);
    assert_eq!(considerations.use_cases, ["triage"]);
    let data = &bom.components[1].data;
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].kind, "dataset");
    assert_eq!(data[0].classification.as_deref(), Some("confidential"));
    assert_eq!(
        data[0].sensitive_data,
        ["PII: names", "PII: e-mail & postal addresses"]
    );
    assert_eq!(
        data[0].governance,
        Governance {
            owners: vec!["ACME".into()],
            custodians: vec!["data-platform@acme.example".into()],
            stewards: vec!["Jane Doe".into()],
        }
    );
    assert_eq!(
        deps(&bom),
        vec![
            ("d1".to_owned(), vec![]),
            ("m1".to_owned(), vec!["d1".to_owned()]),
            ("svc".to_owned(), vec!["m1".to_owned()]),
        ]
    );
    let v = &bom.vulnerabilities[0];
    assert_eq!(v.source.as_deref(), Some("NVD"));
    assert_eq!(
        v.ratings,
        vec![Rating {
            severity: None,
            score: Some(9.1),
            method: Some("CVSSv31".into())
        }]
    );
    assert_eq!(v.severity(), Severity::Critical);
    assert!(v.is_suppressed());
    assert_eq!(v.affects, ["m1"]);
}

#[test]
fn cdxgen_shape_nested_components_evidence_formulation() {
    let bom = load("cyclonedx-extra/cdxgen-1.6.json");
    let keys: Vec<_> = bom.components.iter().map(|c| (c.key(), c.parent)).collect();
    assert_eq!(
        keys,
        vec![
            ("pkg:npm/%40babel/core@7.26.0".to_owned(), None),
            (
                "pkg:npm/%40babel/helper-compilation-targets@7.25.9".to_owned(),
                Some(0)
            ),
            ("pkg:npm/browserslist@4.24.2".to_owned(), Some(1)),
            ("pkg:npm/lodash@4.17.20".to_owned(), None),
            ("pkg:npm/left-pad@1.3.0".to_owned(), None),
            // metadata.component's own sub-component comes last.
            ("pkg:npm/fraud-service-worker@2.3.0".to_owned(), None),
        ]
    );
    let meta = bom.metadata_component.as_ref().unwrap();
    assert_eq!(meta.key(), "pkg:npm/fraud-service@2.3.0");
    assert_eq!(meta.group, None, "an empty group is no group");
    assert_eq!(
        bom.components[1].licenses,
        vec![License::Expression("MIT".into())]
    );
    assert_eq!(
        bom.components[4].licenses,
        vec![License::Name("WTFPL-like custom terms".into())]
    );
    assert_eq!(bom.components[0].hashes[0].alg, "SHA-512");
    assert_eq!(bom.dependencies.len(), 7);
    assert_eq!(bom.vulnerabilities.len(), 2);
    assert_eq!(bom.vulnerabilities[0].severity(), Severity::High);
    assert!(!bom.vulnerabilities[0].is_suppressed());
    assert_eq!(bom.vulnerabilities[1].severity(), Severity::Medium);
    assert!(bom.vulnerabilities[1].is_suppressed());
    assert_eq!(bom.vulnerabilities[1].source.as_deref(), Some("GHSA"));
}

#[test]
fn syft_shape() {
    let bom = load("cyclonedx-extra/syft-1.6.json");
    assert_eq!(
        bom.metadata_component.as_ref().unwrap().kind,
        ComponentKind::Container
    );
    let kinds: Vec<_> = bom.components.iter().map(|c| c.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            ComponentKind::Library,
            ComponentKind::Library,
            ComponentKind::Library,
            ComponentKind::OperatingSystem
        ]
    );
    assert_eq!(
        bom.components[0].key(),
        "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12"
    );
    assert_eq!(bom.components[3].key(), "debian@12");
    assert_eq!(bom.dependencies.len(), 1);
}

#[test]
fn spec_1_4() {
    let bom = load("cyclonedx-extra/cyclonedx-1.4.json");
    assert_eq!(bom.spec_version, SpecVersion::V1_4);
    assert_eq!(bom.components.len(), 2);
    assert_eq!(
        bom.components[1].licenses,
        vec![License::Name("Apache License, Version 2.0".into())]
    );
    assert_eq!(bom.components[0].hashes.len(), 2);
    let v: Vec<_> = bom
        .vulnerabilities
        .iter()
        .map(|v| (v.id.as_str(), v.severity(), v.is_suppressed()))
        .collect();
    assert_eq!(
        v,
        [
            ("CVE-2022-1471", Severity::Critical, false),
            ("CVE-2022-42003", Severity::High, false)
        ]
    );
}

#[test]
fn bom_serializes_with_cyclonedx_spellings() {
    let bom = load("cyclonedx/mlbom-1.6.json");
    let value = serde_json::to_value(&bom).unwrap();
    assert_eq!(value["spec_version"], "1.6");
    assert_eq!(value["components"][0]["kind"], "machine-learning-model");
    assert_eq!(
        value["vulnerabilities"][0]["analysis"]["state"],
        "not_affected"
    );
}

/// cdxgen 12.8.4's ML-BOM (`cdxgen -t ai --profile ml`) of a Hugging Face model card whose
/// `model-index` reports DP and robustness metrics: the values come through as written.
#[test]
fn cdxgen_ml_bom_metric_values() {
    let bom = load("ai/cyclonedx/mlbom-cdxgen.cdx.json");
    let model = bom
        .components
        .iter()
        .find(|c| c.kind == ComponentKind::MachineLearningModel)
        .unwrap();
    let card = model.model_card.as_ref().unwrap();
    let metrics: Vec<(&str, &str, Option<&str>)> = card
        .metrics
        .iter()
        .map(|m| {
            (
                m.kind.as_str(),
                m.value.as_deref().unwrap(),
                m.slice.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        metrics,
        [
            (
                "accuracy",
                "0.912",
                Some("acme/support-tickets-2024 / test")
            ),
            ("dp_epsilon", "3", Some("acme/support-tickets-2024 / test")),
            (
                "dp_delta",
                "0.00001",
                Some("acme/support-tickets-2024 / test")
            ),
            (
                "adversarial_robust_accuracy",
                "0.734",
                Some("acme/support-tickets-2024-textfooler / adversarial-test")
            ),
            (
                "attack_success_rate",
                "0.195",
                Some("acme/support-tickets-2024-textfooler / adversarial-test")
            ),
        ]
    );
    assert_eq!(
        card.properties,
        [Property {
            name: "cdx:huggingface:language".into(),
            value: Some("en".into())
        }]
    );
    assert_eq!(
        card.considerations.as_ref().unwrap().use_cases,
        ["text-classification"]
    );
}

/// The cyclonedx-python-lib ML-BOM: model-card properties, a confidence interval and every
/// kind of consideration.
#[test]
fn pythonlib_ml_bom_properties_and_considerations() {
    let bom = load("ai/cyclonedx/mlbom-pythonlib.cdx.json");
    let model = bom
        .components
        .iter()
        .find(|c| c.kind == ComponentKind::MachineLearningModel)
        .unwrap();
    let card = model.model_card.as_ref().unwrap();
    let properties: Vec<(&str, &str)> = card
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_deref().unwrap()))
        .collect();
    assert_eq!(properties.len(), 8);
    assert!(properties.contains(&("acme:ai:training:dp:epsilon", "3.0")));
    assert!(properties.contains(&("acme:ai:training:dp:delta", "1e-05")));
    let robust = &card.metrics[1];
    assert_eq!(robust.kind, "adversarial-robustness:robust-accuracy");
    assert_eq!(
        robust.confidence_interval,
        Some(ConfidenceInterval {
            lower_bound: Some("0.706".into()),
            upper_bound: Some("0.761".into())
        })
    );
    let considerations = card.considerations.as_ref().unwrap();
    assert_eq!(considerations.users, ["ACME support engineers"]);
    assert_eq!(considerations.technical_limitations, ["English only"]);
    assert_eq!(considerations.performance_tradeoffs.len(), 1);
    assert_eq!(
        considerations.ethical_considerations[0].name.as_deref(),
        Some("Memorisation of customer PII")
    );
    assert!(
        considerations.ethical_considerations[0]
            .mitigation_strategy
            .as_deref()
            .unwrap()
            .contains("epsilon=3.0")
    );
}

/// Model-card properties, ethical considerations and fairness assessments in XML, as the
/// CycloneDX 1.6 XSD spells them.
#[test]
fn ml_bom_xml_properties_and_considerations() {
    let xml = br#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components>
    <component type="machine-learning-model" bom-ref="m">
      <name>m</name>
      <modelCard>
        <quantitativeAnalysis><performanceMetrics>
          <performanceMetric><type>dp_epsilon</type><value>3</value>
            <confidenceInterval><upperBound>3.2</upperBound></confidenceInterval></performanceMetric>
        </performanceMetrics></quantitativeAnalysis>
        <considerations>
          <technicalLimitations><technicalLimitation>English only</technicalLimitation></technicalLimitations>
          <performanceTradeoffs><performanceTradeoff>DP costs 2 points</performanceTradeoff></performanceTradeoffs>
          <ethicalConsiderations><ethicalConsideration><name>PII memorisation</name><mitigationStrategy>DP-SGD</mitigationStrategy></ethicalConsideration></ethicalConsiderations>
          <fairnessAssessments><fairnessAssessment><groupAtRisk>non-native speakers</groupAtRisk><harms>misclassification</harms></fairnessAssessment></fairnessAssessments>
        </considerations>
        <properties>
          <property name="acme:ai:training:dp:epsilon">3.0</property>
          <property name="acme:ai:training:dp:mechanism">DP-SGD</property>
        </properties>
      </modelCard>
    </component>
  </components>
</bom>"#;
    let bom = parse(xml, "m.cdx.xml", &Limits::default()).unwrap();
    let card = bom.components[0].model_card.as_ref().unwrap();
    assert_eq!(
        card.metrics[0].confidence_interval,
        Some(ConfidenceInterval {
            lower_bound: None,
            upper_bound: Some("3.2".into())
        })
    );
    assert_eq!(
        card.properties,
        [
            Property {
                name: "acme:ai:training:dp:epsilon".into(),
                value: Some("3.0".into())
            },
            Property {
                name: "acme:ai:training:dp:mechanism".into(),
                value: Some("DP-SGD".into())
            }
        ]
    );
    let considerations = card.considerations.as_ref().unwrap();
    assert_eq!(considerations.technical_limitations, ["English only"]);
    assert_eq!(considerations.performance_tradeoffs, ["DP costs 2 points"]);
    assert_eq!(
        considerations.ethical_considerations,
        [Risk {
            name: Some("PII memorisation".into()),
            mitigation_strategy: Some("DP-SGD".into())
        }]
    );
    assert_eq!(
        considerations.fairness_assessments,
        [FairnessAssessment {
            group_at_risk: Some("non-native speakers".into()),
            benefits: None,
            harms: Some("misclassification".into()),
            mitigation_strategy: None
        }]
    );
}
