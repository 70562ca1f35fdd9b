//! Hostile input for the CycloneDX reader (SPEC §9): a seeded mini-fuzz of every CycloneDX
//! fixture (JSON and XML) that must never panic, plus explicit cases: 100k-deep nesting, a
//! 600 MB file, NUL bytes, invalid UTF-8 and byte order marks. Run with `--nocapture` to see
//! the slowest input per fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use palisade_cyclonedx::{BomError, Limits, parse, read};

/// Reads as the binary does and formats any error's message (which must name the file).
fn reads(name: &str, bytes: &[u8]) -> bool {
    match parse(bytes, name, &Limits::default()) {
        Ok(_) => true,
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            false
        }
    }
}

/// Like [`reads`], and also renders the error graphically, as the binary prints it.
fn reads_and_renders(name: &str, bytes: &[u8]) -> bool {
    match parse(bytes, name, &Limits::default()) {
        Ok(_) => true,
        Err(error) => {
            render(&error);
            false
        }
    }
}

fn render(error: &BomError) -> String {
    let mut out = String::new();
    // A span outside the text makes rendering return an error (not panic); tolerated here.
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, error);
    out
}

fn cyclonedx_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures(&["cyclonedx", "cyclonedx-extra"], &[".json", ".xml"])
}

#[test]
fn mutated_fixtures_never_panic() {
    let all = cyclonedx_fixtures();
    assert_eq!(
        all.len(),
        10,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    fuzz_all(&all, &[], &reads);
}

/// miette 7.6's graphical handler panics ("Formatting argument out of range",
/// graphical.rs:1159) when a label starts more than 65,535 columns into its line, because Rust's
/// `format!` width is a u16. Mutations that insert 100k-long runs of `[`/`{`/`<` put the error
/// there; so does any minified (one-line) SBOM over 64 KiB with an error near its end. The
/// reader leaves the label off past that column (the message still says where), so every
/// mutation renders.
#[test]
fn mutated_fixtures_render_without_panic() {
    fuzz_all(&cyclonedx_fixtures(), &[], &reads_and_renders);
}

/// The minimal case: an error 70,000 columns into a line renders, without a label.
#[test]
fn a_label_past_column_65535_renders_without_a_label() {
    let mut doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#.to_vec();
    doc.extend(std::iter::repeat_n(b' ', 70_000));
    doc.extend_from_slice(br#"{"type":"library","name":7}]}"#);
    let error = err(&doc);
    assert!(error.to_string().contains("column 70"), "{error}");
    assert!(render(&error).contains("name"));
}

/// Values from the input quoted in error messages are escaped by the reader itself, so an SBOM
/// cannot make any caller print ANSI escape sequences or NULs to the user's terminal.
#[test]
fn control_characters_from_the_input_are_escaped_in_messages() {
    let json = err(br#"{"bomFormat":"CycloneDX","specVersion":"\u001b[2J9.9"}"#);
    let xml = err(b"<\x1b[2Jbom/>");
    for e in [json, xml] {
        assert!(!e.to_string().contains(['\u{1b}', '\0']), "{e:?}");
    }
}

fn err(bytes: &[u8]) -> BomError {
    match parse(bytes, "hostile.cdx", &Limits::default()) {
        Ok(bom) => panic!("expected an error, got {bom:?}"),
        Err(error) => error,
    }
}

#[test]
fn json_nested_100k_deep() {
    let e = err(&nested("[", "1", "]", 100_000));
    assert_eq!(
        e.to_string(),
        "hostile.cdx is not a CycloneDX document: the top level is a JSON array, not an object"
    );
    // Refused from its first key, before any descent.
    let e = err(&nested("{\"a\":", "1", "}", 100_000));
    assert_eq!(
        e.to_string(),
        "hostile.cdx is not a CycloneDX document: the JSON object has no \"bomFormat\""
    );
}

#[test]
fn components_nested_100k_deep() {
    let doc = nested(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","components":["#,
        "",
        "]}]}",
        100_000,
    );
    let e = err(&doc);
    assert!(matches!(e, BomError::TooDeep { .. }), "{e:?}");
    assert!(
        e.to_string().ends_with(
            "(line 1, column 3264): JSON nesting exceeds 128 levels (serde_json's recursion limit)"
        ),
        "{e}"
    );
}

#[test]
fn xml_nested_100k_deep() {
    let e = err(&nested("<a>", "", "</a>", 100_000));
    assert_eq!(
        e.to_string(),
        "hostile.cdx is not a CycloneDX document: the root element is <a>, not <bom>"
    );
    let mut doc = br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#.to_vec();
    doc.extend(nested(
        r#"<component type="library"><name>a</name><components>"#,
        "",
        "</components></component>",
        100_000,
    ));
    doc.extend_from_slice(b"</components></bom>");
    let e = err(&doc);
    assert!(matches!(e, BomError::TooDeep { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(
            "hostile.cdx: nesting too deep at /bom/components/component/components/component/"
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("(line 1, column 3390): components are nested more than 64 levels deep"),
        "{e}"
    );
    // Each <bom> binds a namespace again; quick-xml's binding limit answers first (its hint to
    // "raise the limit" names a quick-xml API, not something a user can do).
    let e = err(&nested(
        "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">",
        "",
        "</bom>",
        100_000,
    ));
    assert_eq!(
        e.to_string(),
        "hostile.cdx:1:1: invalid XML: more than 128 namespace bindings in scope; raise the limit with NamespaceResolver::set_max_namespace_bindings"
    );
}

#[test]
fn a_600_mb_file_is_refused_from_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.cdx.json");
    // Sparse: the size is declared, no byte is written or read.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(600 << 20)
        .unwrap();
    let e = read(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "CycloneDX file {} is 629145600 bytes, over the limit of 268435456 bytes",
            path.display()
        )
    );
    // The same limit guards documents already in memory.
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let e = parse(&cyclonedx_fixtures()[0].1, "mem.cdx.json", &small).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CycloneDX file mem.cdx.json is 1242 bytes, over the limit of 100 bytes"
    );
}

#[test]
fn nul_bytes() {
    let expected = "hostile.cdx is not a CycloneDX document: it is neither JSON nor XML (it starts with '\\0')";
    for bytes in [&b"\0"[..], b"\0{}", &[0u8; 4096]] {
        assert_eq!(err(bytes).to_string(), expected, "{bytes:?}");
    }
    assert_eq!(
        err(b"{\0}").to_string(),
        "hostile.cdx:1:2: invalid JSON: key must be a string"
    );
    // The NUL is shown as an escape, never echoed raw.
    assert_eq!(
        err(b"<\0bom/>").to_string(),
        "hostile.cdx is not a CycloneDX document: the root element is <\\u{0}bom>, not <bom>"
    );
    let all = cyclonedx_fixtures();
    let e = err(&insert_after(&all[0].1, b"\"name\":\"", b"\0"));
    assert_eq!(
        e.to_string(),
        "hostile.cdx:2:71: invalid JSON: control character (\\u0000-\\u001F) found while parsing a string"
    );
    let (_, xml) = all.iter().find(|f| f.0.ends_with(".xml")).unwrap();
    // XML 1.0 forbids U+0000 even as a raw character, but the reader keeps it in the name
    // (reported: lenient, not a crash).
    let bom = parse(
        &insert_after(xml, b"<name>cloud", b"\0"),
        "nul.cdx.xml",
        &Limits::default(),
    )
    .unwrap();
    assert!(
        bom.components.iter().any(|c| c.name == "cloud\0pickle"),
        "{bom:?}"
    );
}

#[test]
fn invalid_utf8() {
    let all = cyclonedx_fixtures();
    for (name, bytes) in &all {
        for bad in [
            &b"\xff"[..],
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ] {
            let e = err(&insert_after(bytes, b"name", bad));
            assert!(matches!(e, BomError::Syntax { .. }), "{name}: {e:?}");
            assert!(e.to_string().contains("not valid UTF-8"), "{name}: {e}");
        }
    }
    let e = err(&insert_after(&all[0].1, b"name", b"\xff"));
    assert_eq!(
        e.to_string(),
        "hostile.cdx:2:69: invalid JSON: the file is not valid UTF-8 (invalid byte at offset 189)"
    );
}

#[test]
fn byte_order_marks() {
    for (name, bytes) in cyclonedx_fixtures() {
        let plain = parse(&bytes, &name, &Limits::default()).unwrap();
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&bytes);
        let bommed = parse(&with_bom, &name, &Limits::default()).unwrap();
        assert_eq!(bommed, plain, "{name}");
    }
    // UTF-16 is not UTF-8, BOM or not; a second UTF-8 BOM is not blank.
    assert_eq!(
        err(b"\xFF\xFE{\0}\0").to_string(),
        "hostile.cdx:1:1: invalid JSON: the file is not valid UTF-8 (invalid byte at offset 0)"
    );
    assert_eq!(
        err(b"\xEF\xBB\xBF\xEF\xBB\xBF{}").to_string(),
        "hostile.cdx is not a CycloneDX document: it is neither JSON nor XML (it starts with 'ï')"
    );
}

// The mini-fuzz harness and fixture helpers are shared by every reader crate.
use palisade_testkit::*;
