//! Every way an SPDX input can be unusable gives a specific error with its `palisade::spdx::…`
//! code, the source name, the place and the reason; errors in the text render as a labelled
//! snippet (insta snapshots of what the CLI would print).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use palisade_spdx::{CODES, Limits, SpdxError, parse};

/// The error as the CLI would show it (no colours, fixed width).
fn render(e: &dyn Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, e)
        .unwrap();
    out
}

fn err(text: &str) -> SpdxError {
    err_with(text, &Limits::default())
}

fn err_with(text: &str, limits: &Limits) -> SpdxError {
    match parse(text.as_bytes(), "bad.spdx.json", limits) {
        Ok(document) => panic!("expected an error, got {document:?}"),
        Err(error) => {
            assert!(CODES.contains(&error.code_str()));
            assert_eq!(
                error.code().map(|c| c.to_string()).as_deref(),
                Some(error.code_str())
            );
            assert!(error.to_string().contains("bad.spdx.json"), "{error}");
            error
        }
    }
}

#[test]
fn truncated_document() {
    let e = err("{\"spdxVersion\": \"SPDX-2.3\",\n \"packages\": [{\"SPDXID\": \"SPDXRef-a\"");
    assert!(matches!(e, SpdxError::Syntax { .. }), "{e:?}");
    insta::assert_snapshot!(render(&e));
}

#[test]
fn wrong_type_deep_inside_has_a_json_pointer() {
    let e = err(r#"{"spdxVersion": "SPDX-2.3", "packages": [
  {"SPDXID": "SPDXRef-a", "name": "a"},
  {"SPDXID": "SPDXRef-b", "name": "b", "versionInfo": 2.1}
]}"#);
    assert!(
        matches!(&e, SpdxError::InvalidValue { pointer, line: 3, .. } if pointer == "/packages/1/versionInfo"),
        "{e:?}"
    );
    insta::assert_snapshot!(render(&e));
}

#[test]
fn a_package_without_an_id() {
    let e = err(r#"{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}]}"#);
    assert!(
        e.to_string()
            .contains("at /packages/0: missing field `SPDXID`"),
        "{e}"
    );
}

#[test]
fn unknown_vocabulary_values_in_spdx3_are_errors_with_a_place() {
    let e = err(
        r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
  {"type": "dataset_DatasetPackage", "spdxId": "urn:d", "name": "d",
   "dataset_hasSensitivePersonalInformation": "maybe"}
]}"#,
    );
    assert!(
        matches!(&e, SpdxError::InvalidValue { pointer, .. } if pointer == "/@graph/0/dataset_hasSensitivePersonalInformation"),
        "{e:?}"
    );
    insta::assert_snapshot!(render(&e));
    let e = err(
        r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
  {"type": "security_CvssV3VulnAssessmentRelationship", "spdxId": "urn:a", "from": "urn:v",
   "to": ["urn:p"], "security_severity": "urgent", "security_score": "9.1"}
]}"#,
    );
    assert!(
        e.to_string()
            .contains("unknown severity \"urgent\" (expected critical, high, medium, low or none)"),
        "{e}"
    );
}

#[test]
fn unsupported_versions_point_at_the_version() {
    let e = err(r#"{"spdxVersion": "SPDX-2.1", "packages": []}"#);
    assert!(
        matches!(&e, SpdxError::UnsupportedVersion { found, column: 18, .. } if found == "\"SPDX-2.1\""),
        "{e:?}"
    );
    insta::assert_snapshot!(render(&e));
    let e = err(r#"{"spdxVersion": 2.3}"#);
    assert!(
        e.to_string().contains("SPDX version 2.3 is not supported"),
        "{e}"
    );
    let e = err(r#"{"@context": "https://spdx.org/rdf/3.1.0/spdx-context.jsonld", "@graph": []}"#);
    assert!(
        e.to_string()
            .contains("SPDX version 3.1.0 is not supported"),
        "{e}"
    );
    let e = err(
        r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
  {"type": "CreationInfo", "@id": "_:c", "specVersion": "4.0.0"}]}"#,
    );
    assert!(e.to_string().contains("SPDX version \"4.0.0\""), "{e}");
}

#[test]
fn other_formats_are_named() {
    let e = err(r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}"#);
    assert_eq!(
        e.to_string(),
        "bad.spdx.json is not an SPDX document: it is a CycloneDX document (it has \"bomFormat\")"
    );
    let e = err(r#"{"@context": "https://schema.org", "@graph": []}"#);
    assert!(e.to_string().contains("is not an SPDX 3 context"), "{e}");
    let e = err("[]");
    assert!(e.to_string().contains("top level is a JSON array"), "{e}");
    let e = err("");
    assert!(e.to_string().contains("the file is empty"), "{e}");
    let e = err("<bom/>");
    assert!(
        e.to_string()
            .contains("it is not JSON (it starts with '<')"),
        "{e}"
    );
    let e = err("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n");
    assert!(matches!(e, SpdxError::TagValue { .. }), "{e:?}");
    insta::assert_snapshot!(render(&e));
}

#[test]
fn limits_are_errors_with_a_place() {
    let limits = Limits {
        max_elements: 2,
        ..Limits::default()
    };
    let e = err_with(
        r#"{"spdxVersion": "SPDX-2.3", "packages": [
  {"SPDXID": "SPDXRef-a"}, {"SPDXID": "SPDXRef-b"},
  {"SPDXID": "SPDXRef-c"}]}"#,
        &limits,
    );
    assert!(
        matches!(&e, SpdxError::TooMany { what: "elements", pointer, line: 3, .. } if pointer == "/packages/2"),
        "{e:?}"
    );
    insta::assert_snapshot!(render(&e));

    let limits = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    let e = err_with(r#"{"spdxVersion": "SPDX-2.3", "a": [[[[1]]]]}"#, &limits);
    assert!(matches!(e, SpdxError::TooDeep { column: 37, .. }), "{e:?}");

    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let e = err_with(r#"{"spdxVersion": "SPDX-2.3"}"#, &limits);
    assert_eq!(
        e.to_string(),
        "SPDX document bad.spdx.json is 27 bytes, over the limit of 10 bytes"
    );
}

#[test]
fn invalid_utf8_and_utf16() {
    let mut bytes = br#"{"spdxVersion": "SPDX-2.3", "name": ""#.to_vec();
    bytes.extend_from_slice(b"\xff\xfe\"}");
    let e = parse(&bytes, "bad.spdx.json", &Limits::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("not valid UTF-8 (invalid byte at offset 37)"),
        "{e}"
    );
    // UTF-16 with a byte order mark is decoded (spdx-tools writes it).
    let text = r#"{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a", "name": "ä"}]}"#;
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let document = parse(&utf16, "utf16.spdx.json", &Limits::default()).unwrap();
    assert_eq!(document.elements[0].name, "ä");
    utf16.push(0x41); // an odd byte: not UTF-16 any more
    let e = parse(&utf16, "utf16.spdx.json", &Limits::default()).unwrap_err();
    assert!(
        e.to_string().contains("is UTF-16 but does not decode"),
        "{e}"
    );
}

#[test]
fn control_characters_from_the_input_are_escaped_in_messages() {
    let inputs = [
        "{\"spdxVersion\": \"\\u001b[2JSPDX-9\"}",
        "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [{\"SPDXID\": 7, \"name\": \"\u{1b}[2J\"}]}",
        "{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": [{\"type\": \"ai_AIPackage\", \"ai_autonomyType\": \"\u{1b}]0;pwned\u{7}\"}]}",
        "\u{1b}[2J",
    ];
    for input in inputs {
        let e = parse(input.as_bytes(), "name\u{1b}[31m.json", &Limits::default()).unwrap_err();
        let message = e.to_string();
        assert!(
            !message.chars().any(|c| c.is_control()),
            "{message:?} from {input:?}"
        );
    }
}

#[test]
fn unreadable_licenses_in_a_cdxgen_extension_are_refused() {
    let e = err(
        r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
  {"type": "software_Package", "spdxId": "urn:p", "name": "p", "extension": [
    {"type": "extension_CdxPropertiesExtension", "extension_cdxProperty": [
      {"type": "extension_CdxPropertyEntry", "extension_cdxPropName": "licenses",
       "extension_cdxPropValue": "[{\"license\": {\"id\": \"AGPL-3.0-only\"}"}]}]}
]}"#,
    );
    assert!(
        matches!(&e, SpdxError::InvalidValue { line: 2, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("the CycloneDX licenses in its cdxgen extension do not read"),
        "{e}"
    );
}

/// A document that is CycloneDX and SPDX at once (a critical vulnerability in its CycloneDX
/// half, an empty SPDX half) must not be read as a clean SPDX inventory.
#[test]
fn a_document_that_is_both_cyclonedx_and_spdx_is_refused() {
    let hybrid = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
        "vulnerabilities": [{"id": "CVE-2024-0001", "ratings": [{"severity": "critical"}]}],
        "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
        "dataLicense": "CC0-1.0", "documentNamespace": "https://example.invalid/x",
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]},
        "packages": []}"#;
    let e = err(hybrid);
    assert!(e.to_string().contains("both a CycloneDX document"), "{e}");
}
