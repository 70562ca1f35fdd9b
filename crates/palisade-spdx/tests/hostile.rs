//! Hostile input for the SPDX reader (SPEC §9): a seeded mini-fuzz of every SPDX fixture that
//! must never panic (reading, reducing and rendering the error), plus explicit cases: 100k-deep
//! nesting, huge element and list counts, license sets that contain themselves or expand
//! exponentially, one long id repeated for a million targets, and detection on garbage. Run
//! with `--nocapture` to see the slowest input per fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::{Duration, Instant};

use palisade_spdx::{Format, Limits, SpdxError, detect, parse, reduce};
use palisade_testkit::{fixtures, fuzz_all, nested};

fn spdx_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures(&["spdx"], &[".spdx.json", ".spdx3.json"])
}

/// Detects, reads and reduces as the binary would; an error's message must name the file
/// and carry no control characters.
fn reads(name: &str, bytes: &[u8]) -> bool {
    let _ = detect(bytes);
    match parse(bytes, name, &Limits::default()) {
        Ok(document) => {
            let _ = reduce(&document);
            true
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains(name), "{message}");
            assert!(!message.chars().any(char::is_control), "{message:?}");
            false
        }
    }
}

/// Like [`reads`], and also renders the error graphically, as the binary prints it.
fn reads_and_renders(name: &str, bytes: &[u8]) -> bool {
    match parse(bytes, name, &Limits::default()) {
        Ok(_) => true,
        Err(error) => {
            let mut out = String::new();
            // A span outside the text makes rendering return an error (not panic); tolerated.
            let _ = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            )
            .render_report(&mut out, &error);
            false
        }
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let all = spdx_fixtures();
    assert_eq!(
        all.len(),
        10,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    fuzz_all(&all, &[], &reads);
}

/// KNOWN FAILURE, not in the reader: miette 7.6's graphical handler panics ("Formatting
/// argument out of range") when a label starts more than 65,535 columns into its line. The
/// mutations that insert a 100k-long run of `[` inside a string put a later error there. The
/// same known issue as the other readers' (`crates/palisade-cyclonedx/tests/hostile.rs`).
#[test]
#[ignore = "miette 7.6 panics rendering a label past column 65535 (the palisade binary catches it and prints plain text: tests/e2e/evidence.rs)"]
fn mutated_fixtures_render_without_panic() {
    fuzz_all(&spdx_fixtures(), &[], &reads_and_renders);
}

fn err(bytes: &[u8]) -> SpdxError {
    match parse(bytes, "hostile.spdx.json", &Limits::default()) {
        Ok(document) => panic!("expected an error, got {document:?}"),
        Err(error) => error,
    }
}

/// Runs `f` and fails if it takes longer than `limit` (debug build, shared 2-core machine).
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}");
    out
}

#[test]
fn nested_100k_deep() {
    let e = err(&nested("[", "1", "]", 100_000));
    assert!(e.to_string().contains("top level is a JSON array"), "{e}");
    for doc in [
        nested(r#"{"spdxVersion":"SPDX-2.3","a":"#, "1", "}", 100_000),
        nested(
            r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"Relationship","from":"a","to":["#,
            "",
            "]}]}",
            100_000,
        ),
        nested(
            r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"Relationship","from":"#,
            r#""x""#,
            "}",
            100_000,
        )
        .into_iter()
        .chain(b"]}".iter().copied())
        .collect(),
    ] {
        let e = within(Duration::from_secs(5), "deep nesting", || err(&doc));
        assert!(matches!(e, SpdxError::TooDeep { limit: 64, .. }), "{e:?}");
    }
    // Inline elements nested to just under the limit still read (and flatten).
    let mut doc =
        String::from(r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":["#);
    let depth = 30;
    for i in 0..depth {
        doc.push_str(&format!(
            r#"{{"type":"Relationship","spdxId":"urn:r{i}","relationshipType":"contains","from":"urn:a","to":["#
        ));
    }
    doc.push_str(r#""urn:leaf""#);
    doc.push_str(&"]}".repeat(depth));
    doc.push_str("]}");
    let document = parse(doc.as_bytes(), "inline.json", &Limits::default()).unwrap();
    assert_eq!(document.relationships.len(), depth);
}

#[test]
fn more_elements_than_the_limit() {
    let limits = Limits {
        max_elements: 100_000,
        ..Limits::default()
    };
    let mut doc = String::from(r#"{"spdxVersion":"SPDX-2.3","packages":["#);
    for i in 0..100_001 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(r#"{"SPDXID":"a"}"#);
    }
    doc.push_str("]}");
    let e = within(Duration::from_secs(10), "100k elements", || {
        parse(doc.as_bytes(), "many.json", &limits).unwrap_err()
    });
    assert!(
        matches!(&e, SpdxError::TooMany { what: "elements", pointer, .. } if pointer == "/packages/100000"),
        "{e:?}"
    );
}

#[test]
fn a_list_of_millions_of_empty_entries_stops_at_the_budget() {
    // 9M one-byte ids in one relationship: over max_list_items (8M) before they are all built.
    let mut doc = String::from(
        r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"Relationship","from":"a","relationshipType":"contains","to":["#,
    );
    doc.push_str(&"\"\",".repeat(9_000_000));
    doc.push_str("\"\"]}]}");
    let e = within(Duration::from_secs(30), "9M list entries", || {
        err(doc.as_bytes())
    });
    assert!(
        matches!(
            e,
            SpdxError::TooMany {
                what: "list entries",
                limit: 8_000_000,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn one_long_id_repeated_for_a_million_targets_is_refused() {
    // A 64 KiB `from` id and a million targets: copying `from` for each would be 64 GB.
    let long = "x".repeat(64 * 1024);
    let mut doc = format!(
        r#"{{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{{"type":"Relationship","from":"{long}","relationshipType":"dependsOn","to":["#
    );
    doc.push_str(&r#""t","#.repeat(1_000_000));
    doc.push_str(r#""t"]}]}"#);
    let e = within(Duration::from_secs(30), "repeated long id", || {
        err(doc.as_bytes())
    });
    assert!(
        matches!(
            e,
            SpdxError::TooMany {
                what: "bytes copied for repeated references",
                ..
            }
        ),
        "{e:?}"
    );
    // The same in SPDX 2: one package with a long id and a million advisories.
    let mut doc =
        format!(r#"{{"spdxVersion":"SPDX-2.3","packages":[{{"SPDXID":"{long}","externalRefs":["#);
    doc.push_str(
        &r#"{"referenceCategory":"SECURITY","referenceType":"advisory","referenceLocator":"u"},"#
            .repeat(100_000),
    );
    doc.push_str(
        r#"{"referenceCategory":"SECURITY","referenceType":"advisory","referenceLocator":"u"}]}]}"#,
    );
    let e = within(Duration::from_secs(30), "repeated advisories", || {
        err(doc.as_bytes())
    });
    assert!(matches!(e, SpdxError::TooMany { .. }), "{e:?}");
}

fn spdx3(graph: &str) -> Vec<u8> {
    format!(
        r#"{{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{{"type":"software_Package","spdxId":"urn:p","name":"p"}},{{"type":"Relationship","from":"urn:p","relationshipType":"hasDeclaredLicense","to":["urn:l0"]}},{graph}]}}"#
    )
    .into_bytes()
}

#[test]
fn license_sets_that_contain_themselves_are_refused() {
    let e = err(&spdx3(
        r#"{"type":"expandedlicensing_ConjunctiveLicenseSet","spdxId":"urn:l0","expandedlicensing_member":["urn:l1","https://spdx.org/licenses/MIT"]},
           {"type":"expandedlicensing_DisjunctiveLicenseSet","spdxId":"urn:l1","expandedlicensing_member":["urn:l0"]}"#,
    ));
    assert!(
        e.to_string().contains("a license set contains itself"),
        "{e}"
    );
}

#[test]
fn exponentially_expanding_license_sets_are_refused_quickly() {
    // l0 = (l1 AND l1), l1 = (l2 AND l2) … : 2^n text from n small elements.
    let mut graph = Vec::new();
    for i in 0..31 {
        graph.push(format!(
            r#"{{"type":"expandedlicensing_ConjunctiveLicenseSet","spdxId":"urn:l{i}","expandedlicensing_member":["urn:l{}","urn:l{}"]}}"#,
            i + 1,
            i + 1
        ));
    }
    graph.push(r#"{"type":"simplelicensing_LicenseExpression","spdxId":"urn:l31","simplelicensing_licenseExpression":"AGPL-3.0-only"}"#.to_owned());
    let e = within(Duration::from_secs(10), "exponential licenses", || {
        err(&spdx3(&graph.join(",")))
    });
    assert!(
        e.to_string()
            .contains("license expressions expand to more than"),
        "{e}"
    );
    // Nesting deeper than 32 sets is refused too.
    let mut graph = Vec::new();
    for i in 0..40 {
        graph.push(format!(
            r#"{{"type":"expandedlicensing_ConjunctiveLicenseSet","spdxId":"urn:l{i}","expandedlicensing_member":["urn:l{}"]}}"#,
            i + 1
        ));
    }
    graph.push(r#"{"type":"simplelicensing_LicenseExpression","spdxId":"urn:l40","simplelicensing_licenseExpression":"MIT"}"#.to_owned());
    let e = err(&spdx3(&graph.join(",")));
    assert!(e.to_string().contains("nest deeper than 32"), "{e}");
    // Ten levels of sharing is fine and resolves to the full expression.
    let mut graph = Vec::new();
    for i in 0..3 {
        graph.push(format!(
            r#"{{"type":"expandedlicensing_ConjunctiveLicenseSet","spdxId":"urn:l{i}","expandedlicensing_member":["urn:l{}","https://spdx.org/licenses/MIT"]}}"#,
            i + 1
        ));
    }
    graph.push(r#"{"type":"simplelicensing_LicenseExpression","spdxId":"urn:l3","simplelicensing_licenseExpression":"AGPL-3.0-only"}"#.to_owned());
    let document = parse(&spdx3(&graph.join(",")), "ok.json", &Limits::default()).unwrap();
    let facts = reduce(&document);
    assert!(
        facts.packages[0].licenses.contains("AGPL-3.0-only"),
        "{:?}",
        facts.packages[0].licenses
    );
}

#[test]
fn vulnerabilities_on_a_million_targets_stay_linear() {
    let mut doc = String::from(
        r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"security_Vulnerability","spdxId":"urn:v","name":"CVE-2099-1"},{"type":"security_CvssV3VulnAssessmentRelationship","spdxId":"urn:a","from":"urn:v","relationshipType":"hasAssessmentFor","security_severity":"high","security_score":7.5,"to":["#,
    );
    let targets = 50_000;
    for i in 0..targets {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(r#""urn:p{i}""#));
    }
    doc.push_str("]}");
    for i in 0..targets {
        doc.push_str(&format!(
            r#",{{"type":"software_Package","spdxId":"urn:p{i}","name":"p{i}"}}"#
        ));
    }
    doc.push_str("]}");
    let facts = within(Duration::from_secs(30), "50k targets", || {
        reduce(&parse(doc.as_bytes(), "v.json", &Limits::default()).unwrap())
    });
    assert_eq!(facts.vulnerabilities.high, targets as u64);
}

#[test]
fn detection_never_panics_on_garbage() {
    for input in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFE\xFF\x00",
        b"{",
        b"{\"spdxVersion\"",
        b"{\"@context\": 5}",
        b"{\"@context\": [1, {\"a\": \"spdx.org/rdf/3\"}]}",
        b"\x00\x01\x02",
        b"SPDXVersion",
    ] {
        let _ = detect(input);
        let _ = parse(input, "g", &Limits::default());
    }
    assert_eq!(
        detect(&nested("{\"a\":", "1", "}", 100_000)),
        Format::NotSpdx
    );
    assert_eq!(detect(&nested("[", "1", "]", 100_000)), Format::NotSpdx);
}
