//! Every way a BOM can be unusable gives a specific error that names the file, the place and
//! the reason; nothing panics, hangs or reads without bound.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::Write;

use miette::Diagnostic;
use palisade_cyclonedx::{BomError, Limits, parse, read, read_with};

fn parse_err(text: &str, limits: &Limits) -> BomError {
    match parse(text.as_bytes(), "bad.cdx", limits) {
        Ok(bom) => panic!("expected an error, got {bom:?}"),
        Err(err) => err,
    }
}

fn err(text: &str) -> BomError {
    parse_err(text, &Limits::default())
}

/// The diagnostic rendered without colours, as a user would see it.
fn render(error: &BomError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, error)
        .unwrap();
    out
}

const HEAD: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","#;

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.cdx.json");
    let e = read(&path).unwrap_err();
    assert!(matches!(e, BomError::Io { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("cannot read CycloneDX file {}: ", path.display())),
        "{msg}"
    );
    assert!(msg.contains("No such file"), "{msg}");
}

#[test]
fn huge_file_is_rejected_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.cdx.json");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 2 GiB of size, no data written, so only the metadata check can be fast.
    file.set_len(2 * 1024 * 1024 * 1024).unwrap();
    let start = std::time::Instant::now();
    let e = read(&path).unwrap_err();
    assert!(start.elapsed().as_millis() < 500, "it read the file");
    assert_eq!(
        e.to_string(),
        format!(
            "CycloneDX file {} is 2147483648 bytes, over the limit of 268435456 bytes",
            path.display()
        )
    );
}

#[test]
fn custom_size_limit() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(format!("{HEAD}\"components\":[]}}").as_bytes())
        .unwrap();
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let e = read_with(file.path(), &limits).unwrap_err();
    assert!(matches!(e, BomError::TooLarge { limit: 10, .. }), "{e:?}");
    let e = parse(b"{}                    ", "mem.json", &limits).unwrap_err();
    assert!(
        matches!(
            e,
            BomError::TooLarge {
                size: 22,
                limit: 10,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn truncated_json() {
    let e = err(&format!(
        "{HEAD}\n\"components\":[{{\"type\":\"library\",\"name\":\"x\""
    ));
    assert_eq!(
        e.to_string(),
        "bad.cdx:2:42: invalid JSON: the document is truncated (EOF while parsing an object)"
    );
    assert_eq!(e.code().unwrap().to_string(), "palisade::cyclonedx::syntax");
    assert!(render(&e).contains("bad.cdx:2:"), "{}", render(&e));
}

#[test]
fn invalid_json_points_at_the_character() {
    let e = err(&format!("{HEAD}\n\"components\": [ }}"));
    let BomError::Syntax {
        line, column, span, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*line, *column), (2, 17));
    assert_eq!(span.unwrap().offset(), HEAD.len() + 1 + 16);
    assert!(
        e.to_string().starts_with("bad.cdx:2:17: invalid JSON: "),
        "{e}"
    );
    let shown = render(&e);
    assert!(shown.contains("\"components\": [ }"), "{shown}");
    assert!(shown.contains("here"), "{shown}");
}

#[test]
fn not_cyclonedx() {
    let spdx = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[]}"#;
    assert_eq!(
        err(spdx).to_string(),
        "bad.cdx is not a CycloneDX document: the JSON object has no \"bomFormat\""
    );
    assert_eq!(
        err(r#"{"bomFormat":"SPDX","specVersion":"1.6"}"#).to_string(),
        "bad.cdx is not a CycloneDX document: \"bomFormat\" is \"SPDX\", not \"CycloneDX\""
    );
    assert_eq!(
        err("[1,2,3]").to_string(),
        "bad.cdx is not a CycloneDX document: the top level is a JSON array, not an object"
    );
    assert_eq!(
        err("name,version\nnumpy,2.4.6\n").to_string(),
        "bad.cdx is not a CycloneDX document: it is neither JSON nor XML (it starts with 'n')"
    );
    assert_eq!(
        err("  \n").to_string(),
        "bad.cdx is not a CycloneDX document: the file is empty"
    );
    assert_eq!(
        err(r#"<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0"/>"#)
            .to_string(),
        "bad.cdx is not a CycloneDX document: the root element is <project>, not <bom>"
    );
    assert_eq!(
        err(r#"<bom xmlns="http://example.com/bom"/>"#).to_string(),
        "bad.cdx is not a CycloneDX document: the <bom> namespace is http://example.com/bom, not http://cyclonedx.org/schema/bom/1.x"
    );
}

#[test]
fn unsupported_versions_are_named() {
    let e = err(r#"{"bomFormat":"CycloneDX","specVersion":"1.2","components":[]}"#);
    assert_eq!(
        e.to_string(),
        "bad.cdx: CycloneDX specification version 1.2 is not supported (supported: 1.4, 1.5, 1.6, 1.7)"
    );
    let e = err(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.3" version="1"/>"#);
    assert!(
        matches!(&e, BomError::UnsupportedVersion { version, .. } if version == "1.3"),
        "{e:?}"
    );
    let e = err(r#"{"bomFormat":"CycloneDX","specVersion":1.6}"#);
    assert!(
        matches!(&e, BomError::UnsupportedVersion { version, .. } if version == "1.6"),
        "{e:?}"
    );
}

#[test]
fn wrong_type_deep_inside_names_the_json_pointer() {
    let comps = (0..3)
        .map(|i| {
            format!(
                r#"{{"type":"library","name":"p{i}","licenses":[{{"license":{{"id":"MIT"}}}}]}}"#
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let text = format!(
        "{HEAD}\"components\":[{comps},\n{{\"type\":\"library\",\"name\":\"p3\",\"licenses\":[{{\"license\":{{\"id\":5}}}}]}}]}}"
    );
    let e = err(&text);
    let BomError::InvalidValue {
        place,
        line,
        reason,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(place, "/components/3/licenses/0/license/id");
    assert_eq!(*line, 2);
    assert_eq!(reason, "invalid type: integer `5`, expected a string");
    assert!(
        e.to_string().starts_with(
            "bad.cdx: invalid value at /components/3/licenses/0/license/id (line 2, column "
        ),
        "{e}"
    );
    assert!(render(&e).contains("expected a string"));
}

#[test]
fn missing_required_name_and_bad_enum_values() {
    let e = err(&format!(
        "{HEAD}\"components\":[{{\"type\":\"library\"}}]}}"
    ));
    let BomError::InvalidValue { place, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (place.as_str(), reason.as_str()),
        ("/components/0", "missing field `name`")
    );

    let e = err(&format!(
        "{HEAD}\"vulnerabilities\":[{{\"id\":\"CVE-1\",\"ratings\":[{{\"severity\":\"critcal\"}}]}}]}}"
    ));
    let BomError::InvalidValue { place, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(place, "/vulnerabilities/0/ratings/0/severity");
    assert_eq!(
        reason,
        "unknown severity \"critcal\" (expected one of critical, high, medium, low, info, none, unknown)"
    );

    let e = err(&format!(
        "{HEAD}\"vulnerabilities\":[{{\"id\":\"CVE-1\",\"analysis\":{{\"state\":\"fine\"}}}}]}}"
    ));
    let BomError::InvalidValue { place, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(place, "/vulnerabilities/0/analysis/state");

    let e = err(&format!(
        "{HEAD}\"vulnerabilities\":[{{\"id\":\"CVE-1\",\"ratings\":[{{\"score\":\"high\"}}]}}]}}"
    ));
    let BomError::InvalidValue { place, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(place, "/vulnerabilities/0/ratings/0/score");
}

#[test]
fn absurd_json_nesting_says_so() {
    // In a value we read: serde_json's recursion limit stops it.
    let deep = format!(
        r#"{{"specVersion":"1.6","bomFormat":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let e = err(&deep);
    let BomError::TooDeep { reason, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        reason,
        "JSON nesting exceeds 128 levels (serde_json's recursion limit)"
    );
    assert_eq!(*line, 1);

    // In a value we skip: serde_json skips without recursion, so even 100,000 levels are only
    // bytes to scan (bounded by the file size limit), never a stack overflow.
    let skipped = format!(
        "{HEAD}\"properties\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(
        parse(skipped.as_bytes(), "deep.json", &Limits::default())
            .unwrap()
            .components
            .is_empty()
    );
}

#[test]
fn nested_components_beyond_the_limit() {
    let mut text = String::from(HEAD);
    text.push_str("\"components\":");
    for i in 0..8 {
        text.push_str(&format!(
            "[{{\"type\":\"library\",\"name\":\"n{i}\",\"components\":"
        ));
    }
    text.push_str("[]");
    for _ in 0..8 {
        text.push_str("}]");
    }
    text.push('}');
    let ok = parse(text.as_bytes(), "deep.json", &Limits::default()).unwrap();
    assert_eq!(ok.components.len(), 8);
    assert_eq!(ok.components[7].parent, Some(6));
    let e = parse_err(
        &text,
        &Limits {
            max_depth: 5,
            ..Limits::default()
        },
    );
    let BomError::TooDeep { place, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(reason, "components are nested more than 5 levels deep");
    assert_eq!(
        place,
        "/components/0/components/0/components/0/components/0/components/0/components"
    );
}

#[test]
fn too_many_components() {
    let text = palisade_cyclonedx::synthetic_json(10, 1, 0);
    let e = parse_err(
        &text,
        &Limits {
            max_components: 4,
            ..Limits::default()
        },
    );
    let BomError::TooManyComponents { place, limit, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((place.as_str(), *limit), ("/components/4", 4));
    assert!(
        e.to_string()
            .starts_with("bad.cdx: too many components at /components/4 (line "),
        "{e}"
    );
    // Exactly at the limit is fine.
    let ok = parse(
        text.as_bytes(),
        "ok",
        &Limits {
            max_components: 10,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(ok.components.len(), 10);
}

#[test]
fn not_utf8() {
    let mut bytes =
        format!("{HEAD}\"components\":[{{\"type\":\"library\",\"name\":\"").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"\"}]}");
    let e = parse(&bytes, "latin1.json", &Limits::default()).unwrap_err();
    assert!(e.to_string().starts_with("latin1.json:1:"), "{e}");
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{HEAD}\"components\":[]}}");
    assert!(
        parse(text.as_bytes(), "bom.json", &Limits::default())
            .unwrap()
            .components
            .is_empty()
    );
}

// ---- XML ----

const XML_HEAD: &str = r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">"#;

#[test]
fn truncated_xml() {
    let e = err(&format!(
        "{XML_HEAD}\n<components><component type=\"library\"><name>x</name>"
    ));
    let BomError::Syntax {
        format,
        line,
        reason,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*format, *line), ("XML", 3));
    assert_eq!(reason, "the document is truncated (unexpected end of file)");
}

#[test]
fn malformed_xml() {
    let e = err(&format!("{XML_HEAD}\n<components></component>\n</bom>"));
    let BomError::Syntax { format, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*format, *line), ("XML", 3));
    assert!(e.to_string().starts_with("bad.cdx:3:"), "{e}");
}

#[test]
fn deep_xml_is_bounded() {
    let text = format!(
        "{XML_HEAD}{}{}</bom>",
        "<x>".repeat(5000),
        "</x>".repeat(5000)
    );
    let e = err(&text);
    let BomError::TooDeep { reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(reason, "XML elements are nested more than 256 levels deep");

    let mut nested = String::from(XML_HEAD);
    for i in 0..10 {
        nested.push_str(&format!(
            "<components><component type=\"library\"><name>n{i}</name>"
        ));
    }
    for _ in 0..10 {
        nested.push_str("</component></components>");
    }
    nested.push_str("</bom>");
    let bom = parse(nested.as_bytes(), "ok.xml", &Limits::default()).unwrap();
    assert_eq!(bom.components.len(), 10);
    assert_eq!(bom.components[9].parent, Some(8));
    let e = parse_err(
        &nested,
        &Limits {
            max_depth: 3,
            ..Limits::default()
        },
    );
    let BomError::TooDeep { reason, place, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(reason, "components are nested more than 3 levels deep");
    assert_eq!(
        place,
        "/bom/components/component/components/component/components/component/components"
    );
}

#[test]
fn xml_limits_and_bad_values() {
    let comps: String = (0..5)
        .map(|i| format!("<component type=\"library\"><name>c{i}</name></component>"))
        .collect();
    let text = format!("{XML_HEAD}<components>{comps}</components></bom>");
    let e = parse_err(
        &text,
        &Limits {
            max_components: 2,
            ..Limits::default()
        },
    );
    assert!(
        matches!(&e, BomError::TooManyComponents { limit: 2, place, .. } if place == "/bom/components/component"),
        "{e:?}"
    );

    let text = format!(
        "{XML_HEAD}\n<vulnerabilities><vulnerability><id>CVE-1</id><ratings><rating>\n<severity>severe</severity></rating></ratings></vulnerability></vulnerabilities></bom>"
    );
    let e = err(&text);
    let BomError::InvalidValue {
        place,
        line,
        reason,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(place, "/bom/vulnerabilities/vulnerability/ratings/rating");
    assert_eq!(*line, 4);
    assert!(
        reason.starts_with("unknown severity \"severe\""),
        "{reason}"
    );

    let e = err(&format!(
        "{XML_HEAD}<components><component type=\"library\"><version>1</version></component></components></bom>"
    ));
    let BomError::InvalidValue { reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(reason, "a <component> has no <name>");
}

#[test]
fn garbage_never_panics() {
    // A crude fuzz: every prefix of real documents must give Ok or Err, never a panic.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/");
    for rel in [
        "cyclonedx/mlbom-1.6.json",
        "cyclonedx-extra/mlbom-1.6.xml",
        "cyclonedx-extra/cdxgen-1.6.json",
    ] {
        let bytes = std::fs::read(format!("{dir}{rel}")).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let _ = parse(&bytes[..cut], rel, &Limits::default());
        }
    }
}

#[test]
fn rendered_diagnostics() {
    let e = err(&format!(
        "{HEAD}\n\"components\":[\n  {{\"type\":\"library\",\"name\":\"p0\",\"licenses\":[{{\"license\":{{\"id\":5}}}}]}}\n]}}"
    ));
    insta::assert_snapshot!("invalid_value", render(&e));
    let e = err(&format!(
        "{XML_HEAD}\n<components>\n  <component type=\"library\"><name>x</name>\n"
    ));
    insta::assert_snapshot!("truncated_xml", render(&e));
}

#[test]
fn trailing_garbage_after_json() {
    let e = err(&format!("{HEAD}\"components\":[]}}\n}}"));
    let BomError::Syntax { line, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*line, reason.as_str()), (2, "trailing characters"));
}

#[test]
fn empty_xml_elements_do_not_swallow_their_siblings() {
    let text = format!(
        "{XML_HEAD}<metadata/><components><component type=\"library\"><name>a</name><licenses/><hashes/></component></components><dependencies/><vulnerabilities/></bom>"
    );
    let bom = parse(text.as_bytes(), "empty.xml", &Limits::default()).unwrap();
    assert_eq!(bom.components.len(), 1);
    assert_eq!(bom.components[0].name, "a");
    assert!(bom.metadata_component.is_none());
}
