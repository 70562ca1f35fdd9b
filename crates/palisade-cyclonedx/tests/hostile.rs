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

/// KNOWN FAILURE, not in the readers: miette 7.6's graphical handler panics ("Formatting
/// argument out of range", graphical.rs:1159) when a label starts more than 65,535 columns into
/// its line, because Rust's `format!` width is a u16. Mutations that insert 100k-long runs of
/// `[`/`{`/`<` put the error there; so does any minified (one-line) SBOM over 64 KiB with an
/// error near its end. See `a_label_past_column_65535_panics_miette` for the minimal case.
#[test]
#[ignore = "miette 7.6 panics rendering a label past column 65535; see the comment"]
fn mutated_fixtures_render_without_panic() {
    fuzz_all(&cyclonedx_fixtures(), &[], &reads_and_renders);
}

/// KNOWN FAILURE (see above): the reader's error is right, rendering it panics.
#[test]
#[ignore = "miette 7.6 panics rendering a label past column 65535"]
fn a_label_past_column_65535_panics_miette() {
    let mut doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#.to_vec();
    doc.extend(std::iter::repeat_n(b' ', 70_000));
    doc.extend_from_slice(br#"{"type":"library","name":7}]}"#);
    let error = err(&doc);
    assert!(error.to_string().contains("column 70"), "{error}");
    assert!(render(&error).contains("name"));
}

/// KNOWN FAILURE (terminal escape injection, low severity): values from the input are echoed
/// raw in error messages, so an SBOM can make palisade print ANSI escape sequences or NULs to
/// the user's terminal. Escaping control characters (`char::escape_debug` or `{:?}`) where input
/// is quoted would fix it.
#[test]
#[ignore = "control characters from the input are echoed raw in error messages"]
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
    // The NUL is echoed raw in the message (see the report: control characters are not escaped).
    assert_eq!(
        err(b"<\0bom/>").to_string(),
        "hostile.cdx is not a CycloneDX document: the root element is <\0bom>, not <bom>"
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

// ---- Deterministic mini-fuzz (the same harness in the hostile.rs of every reader crate). ----

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Mutations per fixture.
const MUTATIONS: u64 = 2_000;

/// xorshift64, seeded through splitmix64 so neighbouring seeds give unrelated streams.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that mean something to JSON, XML, pickle or UTF-8 decoders.
const INTERESTING: &[u8] =
    b"{}[]<>\"'\\:,/0-1e9.ntf \n\t\x00\x7f\x80\xbf\xc0\xef\xbb\xbf\xff&;=!?(S.\x8c\x93R";

/// One to three random edits: bit flips, interesting bytes, truncations, runs of `[`, `{` or
/// `<` (now and then 100k long), duplicated chunks and deleted ranges.
fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let len = out.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => out.truncate(rng.below(len + 1)),
            3 => {
                let at = rng.below(len + 1);
                let byte = b"[{<"[rng.below(3)];
                let run = if rng.below(16) == 0 {
                    100_000
                } else {
                    1 + rng.below(64)
                };
                out.splice(at..at, std::iter::repeat_n(byte, run));
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = start + 1 + rng.below((len - start).min(4096));
                let chunk = out[start..end].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, chunk);
            }
            _ if len > 0 => {
                let start = rng.below(len);
                let end = start + 1 + rng.below((len - start).min(256));
                out.drain(start..end);
            }
            _ => out.extend_from_slice(b"{<["),
        }
    }
    out
}

/// What [`mini_fuzz`] saw for one fixture.
struct Outcome {
    accepted: u64,
    worst: Duration,
    worst_seed: u64,
    /// Seeds whose input made the reader panic, with the panic message.
    panics: Vec<(u64, String)>,
}

/// Feeds [`MUTATIONS`] mutations of `fixture` to `read` (which returns whether the input was
/// accepted). The seed of mutation `i` is `salt << 32 | i`; replay one with
/// `mutate(fixture, &mut Rng::new(seed))`.
fn mini_fuzz(fixture: &[u8], salt: u64, read: &dyn Fn(&[u8]) -> bool) -> Outcome {
    let mut outcome = Outcome {
        accepted: 0,
        worst: Duration::ZERO,
        worst_seed: 0,
        panics: Vec::new(),
    };
    for i in 0..MUTATIONS {
        let seed = salt << 32 | i;
        let input = mutate(fixture, &mut Rng::new(seed));
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| read(&input)));
        let took = start.elapsed();
        if took > outcome.worst {
            outcome.worst = took;
            outcome.worst_seed = seed;
        }
        match result {
            Ok(true) => outcome.accepted += 1,
            Ok(false) => {}
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                outcome.panics.push((seed, message));
            }
        }
    }
    outcome
}

/// Runs [`mini_fuzz`] over every `(name, bytes)` fixture, prints one line per fixture (accepted
/// mutations, the slowest input and its seed) and fails naming every panicking seed. Each
/// fixture must read unmutated, except those named in `refused`, which must not.
fn fuzz_all(fixtures: &[(String, Vec<u8>)], refused: &[&str], read: &dyn Fn(&str, &[u8]) -> bool) {
    let mut panics = Vec::new();
    let mut worst = (Duration::ZERO, String::new());
    for (salt, (name, bytes)) in fixtures.iter().enumerate() {
        let expected = !refused.contains(&name.as_str());
        assert_eq!(read(name, bytes), expected, "the unmutated fixture {name}");
        let outcome = mini_fuzz(bytes, salt as u64, &|input| read(name, input));
        println!(
            "{name}: {} of {MUTATIONS} mutations accepted; slowest {:?} (seed {:#x})",
            outcome.accepted, outcome.worst, outcome.worst_seed
        );
        if outcome.worst > worst.0 {
            worst = (
                outcome.worst,
                format!("{name} seed {:#x}", outcome.worst_seed),
            );
        }
        for (seed, message) in outcome.panics {
            panics.push(format!("{name} seed {seed:#x}: {message}"));
        }
    }
    println!("worst case over all fixtures: {:?} ({})", worst.0, worst.1);
    assert!(
        panics.is_empty(),
        "the reader panicked on:\n{}",
        panics.join("\n")
    );
}

/// Every regular file directly in the given `tests/fixtures/` folders whose name ends with one of
/// `extensions`, sorted, as `(folder/name, bytes)`.
fn fixtures(folders: &[&str], extensions: &[&str]) -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut out = Vec::new();
    for folder in folders {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .filter(|path| {
                let name = path.to_string_lossy();
                extensions.iter().any(|ext| name.ends_with(ext))
            })
            .collect();
        paths.sort();
        for path in paths {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    assert!(!out.is_empty(), "no fixtures in {folders:?}");
    out
}

/// Deeply nested text: `open` repeated `depth` times, then `middle`, then `close` as often.
fn nested(open: &str, middle: &str, close: &str, depth: usize) -> Vec<u8> {
    let mut out = open.repeat(depth);
    out.push_str(middle);
    out.push_str(&close.repeat(depth));
    out.into_bytes()
}

/// `bytes` with `insert` placed right after the first occurrence of `after`.
#[allow(dead_code)] // shared harness: not every crate's cases need it
fn insert_after(bytes: &[u8], after: &[u8], insert: &[u8]) -> Vec<u8> {
    let at = bytes.windows(after.len()).position(|w| w == after).unwrap() + after.len();
    let mut out = bytes.to_vec();
    out.splice(at..at, insert.iter().copied());
    out
}
