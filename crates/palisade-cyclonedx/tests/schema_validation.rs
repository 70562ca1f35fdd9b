//! Every JSON document we write (hand-made samples, the synthetic generator) must validate
//! against the official CycloneDX schema, offline, with the two schemas it references.
//! (bom-1.7 also references `cryptography-defs.schema.json`, which the repository does not keep,
//! and the `jsonschema` crate resolves references eagerly: so 1.7 is not checked here.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use serde_json::Value;

fn load_json(rel: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Validation errors of `instance` against bom-`version`.schema.json, as "pointer: message".
fn errors(instance: &Value, version: &str) -> Vec<String> {
    let spdx = load_json("cyclonedx/schema/spdx.schema.json");
    let jsf = load_json("cyclonedx/schema/jsf-0.82.schema.json");
    let schema = load_json(&format!("cyclonedx/schema/bom-{version}.schema.json"));
    let registry = jsonschema::Registry::new()
        .add("http://cyclonedx.org/schema/spdx.schema.json", spdx)
        .unwrap()
        .add("http://cyclonedx.org/schema/jsf-0.82.schema.json", jsf)
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_registry(&registry)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_validator_rejects_an_invalid_bom() {
    // Guards against a validator that accepts everything (e.g. unresolved $refs).
    let bad = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"type": "library", "name": "x", "licenses": [{"license": {"id": "NOT-A-LICENSE"}}]}]});
    assert!(!errors(&bad, "1.6").is_empty());
    let good = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"type": "library", "name": "x", "licenses": [{"license": {"id": "MIT"}}]}]});
    assert_eq!(errors(&good, "1.6"), Vec::<String>::new());
}

#[test]
fn hand_written_samples_are_schema_valid() {
    for (file, version) in [
        ("cyclonedx-extra/cdxgen-1.6.json", "1.6"),
        ("cyclonedx-extra/syft-1.6.json", "1.6"),
        // No 1.4 schema is kept; 1.5 accepts 1.4 documents.
        ("cyclonedx-extra/cyclonedx-1.4.json", "1.5"),
        // The given fixtures too, as a check of the check.
        ("cyclonedx/mlbom-1.6.json", "1.6"),
    ] {
        assert_eq!(
            errors(&load_json(file), version),
            Vec::<String>::new(),
            "{file}"
        );
    }
}

#[test]
fn synthetic_documents_are_schema_valid() {
    let text = palisade_cyclonedx::synthetic_json(40, 3, 12);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(errors(&value, "1.6"), Vec::<String>::new());
}
