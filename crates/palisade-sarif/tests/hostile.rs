//! Hostile input for the SARIF reader (SPEC §9): a seeded mini-fuzz of every SARIF fixture
//! that must never panic, plus explicit cases: 100k-deep nesting, a 600 MB file, NUL bytes,
//! invalid UTF-8 and byte order marks. Run with `--nocapture` to see the slowest input per
//! fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use palisade_sarif::{SarifError, parse, read};

/// Reads as the binary does and formats any error's message (which must name the file).
fn reads(name: &str, bytes: &[u8]) -> bool {
    match parse(bytes, name) {
        Ok(_) => true,
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            false
        }
    }
}

/// Like [`reads`], and also renders the error graphically, as the binary prints it.
fn reads_and_renders(name: &str, bytes: &[u8]) -> bool {
    match parse(bytes, name) {
        Ok(_) => true,
        Err(error) => {
            render(&error);
            false
        }
    }
}

fn render(error: &SarifError) -> String {
    let mut out = String::new();
    // A span outside the text makes rendering return an error (not panic); tolerated here.
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, error);
    out
}

fn sarif_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures(&["sarif", "sarif-extra"], &[".sarif"])
}

#[test]
fn mutated_fixtures_never_panic() {
    let all = sarif_fixtures();
    assert_eq!(
        all.len(),
        7,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    fuzz_all(&all, &[], &reads);
}

/// miette 7.6's graphical handler panics when a label starts more than 65,535 columns into its
/// line (many tools write SARIF on one line); the reader leaves the label off past that column
/// (the message still says where), so every mutation renders.
#[test]
fn mutated_fixtures_render_without_panic() {
    fuzz_all(&sarif_fixtures(), &[], &reads_and_renders);
}

/// The minimal case: an error 70,000 columns into a line renders, without a label.
#[test]
fn a_label_past_column_65535_renders_without_a_label() {
    let mut log = br#"{"version":"2.1.0","runs":["#.to_vec();
    log.extend(std::iter::repeat_n(b' ', 70_000));
    log.extend_from_slice(br#"{"tool":{"driver":{"name":7}},"results":[]}]}"#);
    let error = err(&log);
    assert!(error.to_string().contains(":1:70"), "{error}");
    assert!(render(&error).contains("name"));
}

fn err(bytes: &[u8]) -> SarifError {
    match parse(bytes, "hostile.sarif") {
        Ok(report) => panic!("expected an error, got {report:?}"),
        Err(error) => error,
    }
}

#[test]
fn nested_100k_deep() {
    let e = err(&nested("[", "1", "]", 100_000));
    assert_eq!(
        e.to_string(),
        "hostile.sarif:1:65: JSON nested deeper than 64 levels"
    );
    let e = err(&nested("{\"a\":", "1", "}", 100_000));
    assert_eq!(
        e.to_string(),
        "hostile.sarif:1:321: JSON nested deeper than 64 levels"
    );
    let mut log = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"properties":"#.to_vec();
    log.extend(nested("{\"p\":", "1", "}", 100_000));
    log.extend_from_slice(b"}]}]}");
    let e = err(&log);
    assert_eq!(
        e.to_string(),
        "hostile.sarif:1:403: JSON nested deeper than 64 levels"
    );
    // Unbalanced: 100k openers and nothing else.
    assert_eq!(
        err(&[b'['; 100_000]).to_string(),
        "hostile.sarif:1:65: JSON nested deeper than 64 levels"
    );
}

#[test]
fn a_600_mb_file_is_refused_from_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.sarif");
    // Sparse: the size is declared, no byte is written or read.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(600 << 20)
        .unwrap();
    let start = std::time::Instant::now();
    let e = read(&path).unwrap_err();
    assert!(start.elapsed().as_secs() < 2, "it read the file");
    assert_eq!(
        e.to_string(),
        format!(
            "SARIF file {} is 629145600 bytes, more than the limit of 268435456 bytes",
            path.display()
        )
    );
}

#[test]
fn nul_bytes() {
    assert_eq!(
        err(b"\0").to_string(),
        "hostile.sarif:1:1: invalid JSON: expected value"
    );
    assert_eq!(
        err(&[0u8; 4096]).to_string(),
        "hostile.sarif:1:1: invalid JSON: expected value"
    );
    assert_eq!(
        err(b"{\0}").to_string(),
        "hostile.sarif:1:2: invalid JSON: key must be a string"
    );
    let (_, bandit) = &sarif_fixtures()[0];
    let e = err(&insert_after(bandit, b"\"text\": \"", b"\0"));
    assert_eq!(
        e.to_string(),
        "hostile.sarif:221:21: invalid JSON: control character (\\u0000-\\u001F) found while parsing a string"
    );
    // Escaped, a NUL is just a character of a message.
    let report = parse(
        &insert_after(bandit, b"\"text\": \"", b"\\u0000"),
        "nul.sarif",
    )
    .unwrap();
    assert_eq!(report.findings.len(), 15);
}

#[test]
fn invalid_utf8() {
    for (name, bytes) in sarif_fixtures() {
        for bad in [
            &b"\xff"[..],
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ] {
            let e = err(&insert_after(&bytes, b"\"text\"", bad));
            assert!(matches!(e, SarifError::Json { .. }), "{name}: {e:?}");
            assert!(
                e.to_string().ends_with("invalid JSON: invalid UTF-8"),
                "{name}: {e}"
            );
        }
    }
    let e = err(&insert_after(&sarif_fixtures()[0].1, b"\"text\"", b"\xff"));
    assert_eq!(
        e.to_string(),
        "hostile.sarif:221:19: invalid JSON: invalid UTF-8"
    );
}

#[test]
fn byte_order_marks() {
    for (name, bytes) in sarif_fixtures() {
        let plain = parse(&bytes, &name).unwrap();
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&bytes);
        assert_eq!(parse(&with_bom, &name).unwrap(), plain, "{name}");
    }
    assert_eq!(
        err(b"\xFF\xFE{\0}\0").to_string(),
        "hostile.sarif:1:1: invalid JSON: invalid UTF-8"
    );
    assert_eq!(
        err(b"\xEF\xBB\xBF\xEF\xBB\xBF{}").to_string(),
        "hostile.sarif:1:2: invalid JSON: expected value"
    );
}

// The mini-fuzz harness and fixture helpers are shared by every reader crate.
use palisade_testkit::*;

#[test]
fn parse_refuses_oversized_input_from_memory() {
    // Zeroed pages are allocated lazily: this costs no real memory.
    let big = vec![0u8; usize::try_from(palisade_sarif::MAX_FILE_SIZE).unwrap() + 1];
    let started = std::time::Instant::now();
    let err = palisade_sarif::parse(&big, "big.sarif").unwrap_err();
    assert!(err.to_string().contains("big.sarif"), "{err}");
    assert!(err.to_string().contains("limit"), "{err}");
    println!("refused in {:?}", started.elapsed());
}
