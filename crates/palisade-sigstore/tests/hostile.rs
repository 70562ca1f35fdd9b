//! Hostile input for the Sigstore readers (SPEC §9): a seeded mini-fuzz, that must never panic,
//! of every bundle fixture (`bundle::parse`), every in-toto statement (the plain one and each
//! bundle's DSSE payload, `intoto::parse_statement`) and every public key PEM
//! (`PublicKey::from_named_pem`); plus explicit cases: 100k-deep nesting, 600 MB declared sizes
//! (DER length headers, oversized documents), NUL bytes, invalid UTF-8 and byte order marks.
//! Run with `--nocapture` to see the slowest input per fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use base64::Engine as _;
use palisade_sigstore::bundle::{self, BundleError, MAX_BUNDLE_BYTES};
use palisade_sigstore::intoto::{self, MAX_STATEMENT_BYTES, StatementError};
use palisade_sigstore::keys::PublicKey;

/// Renders as the binary prints; a span outside the text makes rendering return an error (not
/// panic), which is tolerated here.
fn render(error: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, error);
    out
}

/// `bundle::parse`, then the statement inside any DSSE envelope, as the evidence reader does.
fn reads_bundle(name: &str, bytes: &[u8], rendering: bool) -> bool {
    match bundle::parse(bytes, name) {
        Ok(parsed) => {
            let _ = parsed.to_json();
            if let Some(envelope) = parsed.envelope() {
                let _ = reads_statement(name, &envelope.payload, rendering);
            }
            true
        }
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            if rendering {
                render(&error);
            }
            false
        }
    }
}

fn reads_statement(name: &str, bytes: &[u8], rendering: bool) -> bool {
    match intoto::parse_statement(bytes, name) {
        Ok(statement) => {
            let _ = intoto::provenance_facts(&statement);
            true
        }
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            if rendering {
                render(&error);
            }
            false
        }
    }
}

fn reads_key(name: &str, bytes: &[u8]) -> bool {
    // Key files are read as text; bytes that are not UTF-8 never reach the parser.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    match PublicKey::from_named_pem(text, name) {
        Ok(key) => {
            let _ = key.to_pem();
            true
        }
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            false
        }
    }
}

fn bundle_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut all = fixtures(
        &["sigstore", "model-signing"],
        &[".sigstore.json", ".sig.json"],
    );
    all.extend(fixtures(&["model-signing/cert-mode"], &[".sig"]));
    all
}

/// The plain statement fixture and the DSSE payload of every bundle fixture.
fn statement_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut all = fixtures(&["sigstore"], &["-statement.json"]);
    for (name, bytes) in bundle_fixtures() {
        let parsed = bundle::parse(&bytes, &name).unwrap();
        let envelope = parsed.envelope().unwrap();
        all.push((format!("{name}#payload"), envelope.payload.clone()));
    }
    all
}

fn key_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures(&["sigstore", "model-signing"], &["-pub.pem", ".pub"])
        .into_iter()
        .filter(|(name, bytes)| reads_key(name, bytes))
        .collect()
}

fn names(fixtures: &[(String, Vec<u8>)]) -> Vec<&str> {
    fixtures.iter().map(|(name, _)| name.as_str()).collect()
}

#[test]
fn mutated_bundles_never_panic() {
    let all = bundle_fixtures();
    assert_eq!(
        names(&all),
        [
            "sigstore/palisade-signed-cosign.sigstore.json",
            "sigstore/palisade-signed-p256.sigstore.json",
            "model-signing/model.blake3-files.sig.json",
            "model-signing/model.sig.json",
            "model-signing/cert-mode/cert.sig",
        ]
    );
    fuzz_all(&all, &[], &|name, bytes| reads_bundle(name, bytes, false));
}

#[test]
fn mutated_statements_never_panic() {
    let all = statement_fixtures();
    assert_eq!(
        names(&all),
        [
            "sigstore/vsa-statement.json",
            "sigstore/palisade-signed-cosign.sigstore.json#payload",
            "sigstore/palisade-signed-p256.sigstore.json#payload",
            "model-signing/model.blake3-files.sig.json#payload",
            "model-signing/model.sig.json#payload",
            "model-signing/cert-mode/cert.sig#payload",
        ]
    );
    fuzz_all(&all, &[], &|name, bytes| {
        reads_statement(name, bytes, false)
    });
}

#[test]
fn mutated_public_keys_never_panic() {
    let all = key_fixtures();
    // p521-pub.pem and rsa-pub.pem are refused as unsupported, so they are not fixtures here.
    assert_eq!(
        names(&all),
        [
            "sigstore/cosign-ed25519.pub",
            "sigstore/cosign-p256.pub",
            "sigstore/ed25519-pub.pem",
            "sigstore/p384-pub.pem",
            "model-signing/ec-p256-pub.pem",
        ]
    );
    fuzz_all(&all, &[], &reads_key);
}

/// KNOWN FAILURE, not in the readers: miette 7.6's graphical handler panics ("Formatting
/// argument out of range", graphical.rs:1159) when a label starts more than 65,535 columns into
/// its line, because Rust's `format!` width is a u16. Mutations that insert 100k-long runs of
/// `[`/`{` put the JSON syntax error there; a one-line bundle over 64 KiB with an error near
/// its end does too. `a_label_past_column_65535_panics_miette` is the minimal case.
#[test]
#[ignore = "miette 7.6 panics rendering a label past column 65535; see the comment"]
fn mutated_bundles_and_statements_render_without_panic() {
    fuzz_all(&bundle_fixtures(), &[], &|name, bytes| {
        reads_bundle(name, bytes, true)
    });
    fuzz_all(&statement_fixtures(), &[], &|name, bytes| {
        reads_statement(name, bytes, true)
    });
}

/// KNOWN FAILURE (see above): the reader's error is right, rendering it panics.
#[test]
#[ignore = "miette 7.6 panics rendering a label past column 65535"]
fn a_label_past_column_65535_panics_miette() {
    let mut doc = br#"{"mediaType":"#.to_vec();
    doc.extend(std::iter::repeat_n(b' ', 70_000));
    doc.extend_from_slice(b"}");
    let error = bundle_err(&doc);
    assert!(error.to_string().contains(":1:70"), "{error}");
    assert!(render(&error).contains("expected value"));
}

/// KNOWN FAILURE (terminal escape injection, low severity): values from the input are echoed
/// raw in error messages, so a bundle can make `palisade verify` print ANSI escape sequences
/// (colours, cursor moves, window titles) to the user's terminal. Escaping control characters
/// (`char::escape_debug` or `{:?}`) where input is quoted would fix it.
#[test]
#[ignore = "control characters from the input are echoed raw in error messages"]
fn control_characters_from_the_input_are_escaped_in_messages() {
    let e = bundle_err(br#"{"mediaType":"\u001b[31mRED\u001b[0m","verificationMaterial":{}}"#);
    assert!(!e.to_string().contains('\u{1b}'), "{e:?}");
}

fn bundle_err(bytes: &[u8]) -> BundleError {
    match bundle::parse(bytes, "hostile.sigstore.json") {
        Ok(parsed) => panic!("expected an error, got {parsed:?}"),
        Err(error) => error,
    }
}

fn statement_err(bytes: &[u8]) -> StatementError {
    match intoto::parse_statement(bytes, "hostile.intoto.json") {
        Ok(statement) => panic!("expected an error, got {statement:?}"),
        Err(error) => error,
    }
}

#[test]
fn nested_100k_deep() {
    let doc = nested("[", "1", "]", 100_000);
    assert_eq!(
        bundle_err(&doc).to_string(),
        "hostile.sigstore.json:1:128: not valid JSON: recursion limit exceeded"
    );
    assert_eq!(
        statement_err(&doc).to_string(),
        "hostile.intoto.json:1:128: not valid JSON: recursion limit exceeded"
    );
    let doc = nested("{\"a\":", "1", "}", 100_000);
    assert_eq!(
        bundle_err(&doc).to_string(),
        "hostile.sigstore.json:1:636: not valid JSON: recursion limit exceeded"
    );
    assert_eq!(
        statement_err(&doc).to_string(),
        "hostile.intoto.json:1:636: not valid JSON: recursion limit exceeded"
    );
    let doc = nested(
        r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":"#,
        "1",
        "}",
        1,
    );
    let mut deep = doc[..doc.len() - 2].to_vec();
    deep.extend(nested("{\"p\":", "1", "}", 100_000));
    deep.push(b'}');
    assert_eq!(
        statement_err(&deep).to_string(),
        "hostile.intoto.json:1:719: not valid JSON: recursion limit exceeded"
    );
}

/// A DER header declaring 600 MiB of content: `SEQUENCE`, long form, 4 length bytes.
const DER_600_MB: &[u8] = b"\x30\x84\x25\x80\x00\x00";

#[test]
fn a_600_mb_declared_certificate_is_refused_without_allocating() {
    let mut der = DER_600_MB.to_vec();
    der.extend_from_slice(&[0x30, 0x03, 0x02, 0x01, 0x02]);
    let raw = base64::engine::general_purpose::STANDARD.encode(&der);
    let (_, cert_bundle) = bundle_fixtures()
        .into_iter()
        .find(|(name, _)| name.ends_with("cert.sig"))
        .unwrap();
    let text = String::from_utf8(cert_bundle).unwrap();
    let first = text.split("\"rawBytes\":\"").nth(1).unwrap();
    let original = &first[..first.find('"').unwrap()];
    let hostile = text.replacen(original, &raw, 1);
    let e = bundle_err(hostile.as_bytes());
    assert_eq!(
        e.to_string(),
        "hostile.sigstore.json: at /verificationMaterial/x509CertificateChain/certificates/0/rawBytes: not a DER X.509 certificate: integer overflow"
    );
}

#[test]
fn a_600_mb_declared_public_key_is_refused_without_allocating() {
    let mut der = DER_600_MB.to_vec();
    der.extend_from_slice(&[0u8; 64]);
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
    let e = PublicKey::from_named_pem(&pem, "huge.pub").unwrap_err();
    assert_eq!(
        e.to_string(),
        "huge.pub: not a SubjectPublicKeyInfo: integer overflow"
    );
}

#[test]
fn oversized_documents_are_refused_from_their_length() {
    // `vec![0; n]` asks the allocator for zeroed memory, which it maps lazily: no page is
    // touched unless the reader looks at the bytes, which it must not.
    let huge = vec![0u8; 600 << 20];
    let e = bundle_err(&huge);
    assert_eq!(
        e.to_string(),
        format!(
            "hostile.sigstore.json: 629145600 bytes is more than the {MAX_BUNDLE_BYTES}-byte limit for a bundle"
        )
    );
    let e = statement_err(&huge);
    assert_eq!(
        e.to_string(),
        format!(
            "hostile.intoto.json: 629145600 bytes is more than the {MAX_STATEMENT_BYTES}-byte limit for a statement"
        )
    );
}

#[test]
fn nul_bytes() {
    assert_eq!(
        bundle_err(b"\0").to_string(),
        "hostile.sigstore.json:1:1: not valid JSON: expected value"
    );
    assert_eq!(
        bundle_err(b"{\0}").to_string(),
        "hostile.sigstore.json:1:2: not valid JSON: key must be a string"
    );
    assert_eq!(
        statement_err(&[0u8; 4096]).to_string(),
        "hostile.intoto.json:1:1: not valid JSON: expected value"
    );
    let (_, bytes) = &bundle_fixtures()[0];
    assert_eq!(
        bundle_err(&insert_after(bytes, b"\"mediaType\":\"", b"\0")).to_string(),
        "hostile.sigstore.json:1:15: not valid JSON: control character (\\u0000-\\u001F) found while parsing a string"
    );
    // Escaped, a NUL is a character like any other; here it spoils the media type.
    assert_eq!(
        bundle_err(&insert_after(bytes, b"\"mediaType\":\"", b"\\u0000")).to_string(),
        "hostile.sigstore.json: at /mediaType: unknown bundle media type `\0application/vnd.dev.sigstore.bundle.v0.3+json` (expected `application/vnd.dev.sigstore.bundle+json;version=0.1`, `application/vnd.dev.sigstore.bundle+json;version=0.2` or `application/vnd.dev.sigstore.bundle.v0.3+json`)"
    );
    let e = PublicKey::from_named_pem(
        "-----BEGIN PUBLIC KEY-----\n\0\n-----END PUBLIC KEY-----\n",
        "nul.pub",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "nul.pub: not a usable PEM file: the `PUBLIC KEY` block ending on line 3 is not valid base64: Invalid symbol 0, offset 0."
    );
}

#[test]
fn invalid_utf8() {
    for (name, bytes) in bundle_fixtures() {
        let e = bundle_err(&insert_after(&bytes, b"\"mediaType\"", b"\xff"));
        assert!(e.to_string().contains("not UTF-8 text"), "{name}: {e}");
    }
    let (_, bytes) = &bundle_fixtures()[0];
    assert_eq!(
        bundle_err(&insert_after(bytes, b"\"mediaType\"", b"\xc0\xaf")).to_string(),
        "hostile.sigstore.json: at /: not UTF-8 text (byte 12)"
    );
    let (_, statement) = &statement_fixtures()[0];
    assert_eq!(
        statement_err(&insert_after(statement, b"\"_type\"", b"\xed\xa0\x80")).to_string(),
        "hostile.intoto.json: at /: not UTF-8 text (byte 8)"
    );
}

#[test]
fn byte_order_marks() {
    let (_, bytes) = &bundle_fixtures()[0];
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(bytes);
    // A bundle file may start with a byte order mark (as SBOMs and SARIF logs may); a signed
    // statement payload may not, since its bytes are what was signed.
    let plain = palisade_sigstore::bundle::parse(bytes, "hostile.sigstore.json").unwrap();
    let marked = palisade_sigstore::bundle::parse(&with_bom, "hostile.sigstore.json").unwrap();
    assert_eq!(plain, marked);
    let (_, statement) = &statement_fixtures()[0];
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(statement);
    assert_eq!(
        statement_err(&with_bom).to_string(),
        "hostile.intoto.json:1:1: not valid JSON: expected value"
    );
    assert_eq!(
        bundle_err(b"\xFF\xFE{\0}\0").to_string(),
        "hostile.sigstore.json: at /: not UTF-8 text (byte 0)"
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
