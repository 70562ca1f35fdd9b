//! Hostile input for the model-format scanner (SPEC §9): a seeded mini-fuzz of every fixture
//! (Keras, HDF5, ONNX, GGUF, safetensors) that must never panic, plus explicit cases: deep
//! nesting (JSON, ONNX subgraphs, GGUF arrays), declared sizes of hundreds of megabytes and
//! more, zip bombs and lying zip headers, counts past the limits, NUL bytes, invalid UTF-8,
//! byte order marks and control characters. Run with `--nocapture` to see the slowest input
//! per fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::Write;
use std::time::{Duration, Instant};

use palisade_modelfmt::{
    FileScan, FindingKind, Format, Limits, Verdict, detect, scan_bytes, scan_path,
    template_injections,
};
use palisade_testkit::{fixtures, fuzz_all, nested};

/// Scans as the evidence reader would; an error must name the file.
fn reads(name: &str, bytes: &[u8]) -> bool {
    let scan = scan_bytes(bytes, name, &Limits::default());
    match &scan.error {
        Some(error) => {
            assert!(error.to_string().contains(name), "{error}");
            assert!(
                !error
                    .to_string()
                    .chars()
                    .any(|c| c.is_control() && c != '\n'),
                "{error:?}"
            );
            false
        }
        None => {
            for finding in &scan.findings {
                assert!(
                    !(finding.detail.chars().chain(finding.location.chars())).any(char::is_control),
                    "{finding:?}"
                );
            }
            true
        }
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let all = fixtures(
        &[
            "modelfmt/keras",
            "modelfmt/hdf5",
            "modelfmt/onnx",
            "modelfmt/onnx/external_inside",
            "modelfmt/gguf",
            "modelfmt/safetensors",
        ],
        &[".keras", ".h5", ".onnx", ".gguf", ".safetensors"],
    );
    assert_eq!(
        all.len(),
        30,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let refused = [
        "modelfmt/hdf5/dense_attributes.h5",
        "modelfmt/gguf/truncated.gguf",
        "modelfmt/safetensors/huge_header.safetensors",
    ];
    fuzz_all(&all, &refused, &reads);
}

fn scan(bytes: &[u8], name: &str) -> FileScan {
    scan_bytes(bytes, name, &Limits::default())
}

fn error(bytes: &[u8], name: &str) -> String {
    let s = scan(bytes, name);
    assert_eq!(s.verdict(), Verdict::Unreadable, "{name}: {s:?}");
    s.error.unwrap().to_string()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/modelfmt")
            .join(rel),
    )
    .unwrap()
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Zip archives (.keras), written by hand so sizes can lie.

/// A zip archive of `(name, data, deflate)` members.
fn zip(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, deflate) in members {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let stored = if *deflate {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        } else {
            data.to_vec()
        };
        let offset = out.len() as u32;
        let method: u16 = if *deflate { 8 } else { 0 };
        let fields = |out: &mut Vec<u8>| {
            out.extend(method.to_le_bytes());
            out.extend([0u8; 4]); // time, date
            out.extend(crc.sum().to_le_bytes());
            out.extend((stored.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(b"PK\x03\x04\x14\x00\x00\x00");
        fields(&mut out);
        out.extend(name.as_bytes());
        out.extend(&stored);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00");
        fields(&mut central);
        central.extend([0u8; 6]); // comment length, disk, internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let central_at = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn keras_archive(config: &[u8], deflate: bool) -> Vec<u8> {
    zip(&[
        ("metadata.json", b"{}", false),
        ("config.json", config, deflate),
        ("model.weights.h5", b"", false),
    ])
}

/// `bytes` with every uncompressed-size field of the member `name` set to `size`.
fn with_declared_size(bytes: &[u8], name: &str, size: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut patched = 0;
    for at in 0..out.len().saturating_sub(46) {
        let (size_at, name_at) = if out[at..].starts_with(b"PK\x03\x04") {
            (at + 22, at + 30)
        } else if out[at..].starts_with(b"PK\x01\x02") {
            (at + 24, at + 46)
        } else {
            continue;
        };
        if out[name_at..].starts_with(name.as_bytes()) {
            out[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "one local header and one central entry");
    out
}

#[test]
fn a_hand_built_keras_archive_reads() {
    let config = br#"{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEA"}}}}"#;
    for deflate in [false, true] {
        let s = scan(&keras_archive(config, deflate), "hand.keras");
        assert_eq!(s.format, Format::Keras);
        assert_eq!(s.findings[0].kind, FindingKind::LambdaLayer, "{s:?}");
    }
}

#[test]
fn a_zip_with_only_a_keras_config_is_keras() {
    // Keras deserialises config.json before it checks for weights.
    let config = br#"{"class_name": "Lambda", "config": {"function": ["4wEA", null, null]}}"#;
    let s = scan(&zip(&[("config.json", config, true)]), "bare.keras");
    assert_eq!(s.format, Format::Keras);
    assert_eq!(s.findings[0].kind, FindingKind::LambdaLayer);
    // Another config.json (a zipped Hugging Face folder, say) is not Keras: unknown.
    let hf = br#"{"architectures": ["BertModel"], "model_type": "bert"}"#;
    let s = scan(
        &zip(&[
            ("config.json", hf, false),
            ("pytorch_model.bin", b"", false),
        ]),
        "hf.zip",
    );
    assert_eq!((s.format, s.verdict()), (Format::Unknown, Verdict::NotMine));
    let s = scan(&zip(&[("config.json", b"not json", false)]), "odd.zip");
    assert_eq!((s.format, s.verdict()), (Format::Unknown, Verdict::NotMine));
}

#[test]
fn a_config_zip_bomb_is_stopped() {
    // 200 MiB of spaces around `{}`: declared honestly, refused before inflating.
    let mut big = vec![b' '; 200 << 20];
    big[0] = b'{';
    big[1] = b'}';
    let bomb = keras_archive(&big, true);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let e = timed("declared bomb", || error(&bomb, "bomb.keras"));
    assert_eq!(
        e,
        "bomb.keras!/config.json: keras byte 0: more than 67108864 bytes of config.json (limit)"
    );
    // The same, declaring 100 bytes: stopped while inflating.
    let liar = with_declared_size(&bomb, "config.json", 100);
    let e = timed("lying bomb", || error(&liar, "liar.keras"));
    assert!(
        e.starts_with("liar.keras!/config.json: invalid zip archive: "),
        "{e}"
    );
}

#[test]
fn zip_member_limits_and_paths() {
    let many: Vec<(String, Vec<u8>)> = (0..50).map(|i| (format!("f{i}"), vec![])).collect();
    let mut members: Vec<(&str, &[u8], bool)> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice(), false))
        .collect();
    members.push(("config.json", b"{}", false));
    members.push(("metadata.json", b"{}", false));
    let archive = zip(&members);
    let limits = Limits {
        max_zip_members: 10,
        ..Limits::default()
    };
    let s = scan_bytes(&archive, "many.keras", &limits);
    assert_eq!(
        s.error.unwrap().to_string(),
        "many.keras: invalid zip archive: 52 members, more than the limit of 10"
    );
    // Members that would land outside the folder when extracted.
    let archive = zip(&[
        ("config.json", b"{}", false),
        ("metadata.json", b"{}", false),
        ("assets/../../evil.py", b"", false),
        ("/etc/cron.d/x", b"", false),
    ]);
    let s = scan(&archive, "slip.keras");
    let kinds: Vec<(FindingKind, &str)> = s
        .findings
        .iter()
        .map(|f| (f.kind, f.location.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                FindingKind::ArchivePathOutside,
                "slip.keras!/assets/../../evil.py"
            ),
            (FindingKind::ArchivePathOutside, "slip.keras!//etc/cron.d/x"),
        ]
    );
    // Garbage after a zip signature: unreadable, not unknown-and-fine.
    let e = error(b"PK\x03\x04garbage", "broken.keras");
    assert!(e.starts_with("broken.keras: invalid zip archive"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// JSON (Keras configs, safetensors headers)

#[test]
fn json_nested_100k_deep() {
    let deep = nested("[", "1", "]", 100_000);
    let e = timed("deep config", || {
        error(&keras_archive(&deep, true), "deep.keras")
    });
    assert_eq!(
        e,
        "deep.keras!/config.json:1:101: invalid JSON: nested deeper than 100 levels (limit)"
    );
    let header = [&br#"{"a":"#[..], &deep, b"}"].concat();
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend(&header);
    let e = error(&st, "deep.safetensors");
    assert!(e.contains("nested deeper than 100 levels"), "{e}");
}

#[test]
fn json_text_oddities() {
    let cases: [(&[u8], &str); 5] = [
        (b"\xef\xbb\xbf{}", "expected value"),
        (b"{\"a\": \"\xff\"}", "invalid unicode"),
        (b"{\"a\": 1}\x00", "trailing characters"),
        (
            b"{\"class_name\": \"Dense\", \"class_name\": \"Lambda\"}",
            "duplicate key class_name",
        ),
        (b"{\"a\": NaN}", "expected value"),
    ];
    for (config, expected) in cases {
        let e = error(&keras_archive(config, false), "odd.keras");
        assert!(e.contains(expected), "{e}");
    }
    // Control characters inside a config string reach findings escaped.
    let config = b"{\"class_name\": \"Evil\\u001b[2J\\n\", \"config\": {}}";
    let s = scan(&keras_archive(config, false), "ctl.keras");
    assert_eq!(
        s.findings[0].detail,
        "`Evil\\u{1b}[2J\\u{a}` is not a Keras built-in"
    );
}

// ---------------------------------------------------------------------------------------------
// ONNX

/// A length-delimited protobuf field.
fn field(number: u64, data: &[u8]) -> Vec<u8> {
    let mut out = varint(number << 3 | 2);
    out.extend(varint(data.len() as u64));
    out.extend(data);
    out
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// A ModelProto (ir_version 10) around a graph.
fn model(graph: &[u8]) -> Vec<u8> {
    let mut m = vec![0x08, 10];
    m.extend(field(7, graph));
    m
}

fn custom_node(domain: &str, op: &str) -> Vec<u8> {
    let mut node = field(4, op.as_bytes());
    node.extend(field(7, domain.as_bytes()));
    node
}

#[test]
fn onnx_subgraphs_nested_past_the_limit() {
    // graph { node { attribute { g: graph { … custom node … } } } }, `depth` graphs deep.
    let nest = |depth: usize| {
        let mut graph = field(1, &custom_node("deep.domain", "Op"));
        for _ in 1..depth {
            let attribute = [field(1, b"then_branch"), field(6, &graph)].concat();
            let node = [field(4, b"If"), field(5, &attribute)].concat();
            graph = field(1, &node);
        }
        model(&graph)
    };
    let ok = scan(&nest(64), "ok.onnx");
    assert_eq!(ok.findings.len(), 1);
    assert!(ok.findings[0].location.ends_with("then_branch/node[0]"));
    let e = timed("deep onnx", || error(&nest(65), "deep.onnx"));
    assert!(e.contains("more than 64 nested graphs (limit)"), "{e}");
    // 100k deep: refused at the limit, without recursing further.
    let e = timed("very deep onnx", || error(&nest(3000), "deeper.onnx"));
    assert!(e.contains("nested graphs (limit)"), "{e}");
}

#[test]
fn onnx_huge_declared_lengths_and_counts() {
    // A graph field declaring 600 MB.
    let mut m = vec![0x08, 10, 0x3a];
    m.extend(varint(600 << 20));
    m.extend(b"\x0a\x00");
    let e = error(&m, "huge.onnx");
    assert_eq!(
        e,
        "huge.onnx: onnx byte 8: a 629145600-byte field runs past its message's end at 10"
    );
    // 20k distinct custom operators: past the limit of 10k.
    let mut graph = Vec::new();
    for i in 0..20_000 {
        graph.extend(field(1, &custom_node("x", &format!("Op{i}"))));
    }
    let e = timed("many ops", || error(&model(&graph), "ops.onnx"));
    assert!(
        e.contains("more than 10000 distinct custom operators (limit)"),
        "{e}"
    );
    // 5k of the same custom op: one finding that counts them.
    let graph = field(1, &custom_node("x", "Same")).repeat(5000);
    let s = scan(&model(&graph), "same.onnx");
    assert_eq!(s.findings.len(), 1);
    assert!(
        s.findings[0].detail.contains(" (5000 nodes): "),
        "{}",
        s.findings[0].detail
    );
    // 5k escaping tensors: 1000 findings kept, the rest counted.
    let tensor = field(13, &[field(1, b"location"), field(2, b"../x")].concat());
    let graph = field(5, &tensor).repeat(5000);
    let s = scan(&model(&graph), "many.onnx");
    assert_eq!((s.findings.len(), s.findings_omitted), (1000, 4000));
    assert_eq!(s.verdict(), Verdict::Findings);
    assert_eq!(s.external_data.len(), 1000);
}

#[test]
fn onnx_last_field_wins_and_odd_wire_types() {
    // domain "com.evil" then domain "": protobuf keeps the last, so the node is standard.
    let node = [field(4, b"Relu"), field(7, b"com.evil"), field(7, b"")].concat();
    assert_eq!(
        scan(&model(&field(1, &node)), "last.onnx").verdict(),
        Verdict::Clean
    );
    // The other way round: custom.
    let node = [field(4, b"Relu"), field(7, b""), field(7, b"com.evil")].concat();
    assert_eq!(
        scan(&model(&field(1, &node)), "last.onnx").findings.len(),
        1
    );
    // A group (wire type 3) is refused.
    let e = error(&[0x08, 10, 0x3a, 0x00, 0x3b, 0x3c], "group.onnx");
    assert!(e.contains("wire type 3"), "{e}");
    // NUL bytes and invalid UTF-8 in a domain are shown escaped.
    let node = custom_node("a\u{0}b", "\u{1b}]0;x");
    let s = scan(&model(&field(1, &node)), "nul.onnx");
    assert_eq!(
        s.findings[0].detail,
        "operator `\\u{1b}]0;x` in domain `a\\u{0}b`: a custom operator, not defined in the model"
    );
}

// ---------------------------------------------------------------------------------------------
// GGUF

fn gguf(entries: &[(&str, u32, Vec<u8>)]) -> Vec<u8> {
    let mut f = b"GGUF".to_vec();
    f.extend(3u32.to_le_bytes());
    f.extend(0u64.to_le_bytes());
    f.extend((entries.len() as u64).to_le_bytes());
    for (key, value_type, value) in entries {
        f.extend((key.len() as u64).to_le_bytes());
        f.extend(key.as_bytes());
        f.extend(value_type.to_le_bytes());
        f.extend(value);
    }
    f
}

fn gguf_string(s: &[u8]) -> Vec<u8> {
    let mut v = (s.len() as u64).to_le_bytes().to_vec();
    v.extend(s);
    v
}

#[test]
fn gguf_huge_counts_and_deep_arrays() {
    // An array declaring 600M u64 elements.
    let mut arr = 10u32.to_le_bytes().to_vec();
    arr.extend((600u64 << 20).to_le_bytes());
    let e = error(&gguf(&[("a", 9, arr)]), "huge.gguf");
    assert!(
        e.contains("more than 67108864 array elements (limit)"),
        "{e}"
    );
    // An array of 1M strings declared, 3 present.
    let mut arr = 8u32.to_le_bytes().to_vec();
    arr.extend((1u64 << 20).to_le_bytes());
    let e = error(&gguf(&[("a", 9, arr)]), "strings.gguf");
    assert!(e.contains("1048576 array elements cannot fit"), "{e}");
    // Arrays nested 100k deep (each level: type 9, count 1).
    let level = [9u32.to_le_bytes().to_vec(), 1u64.to_le_bytes().to_vec()].concat();
    let deep = level.repeat(100_000);
    let e = timed("deep gguf", || error(&gguf(&[("a", 9, deep)]), "deep.gguf"));
    assert!(e.contains("more than 8 nested arrays (limit)"), "{e}");
    // A string length of u64::MAX.
    let e = error(
        &gguf(&[("s", 8, u64::MAX.to_le_bytes().to_vec())]),
        "long.gguf",
    );
    assert!(e.contains("bytes in one string (limit)"), "{e}");
    // A file of only the magic.
    let e = error(b"GGUF", "magic.gguf");
    assert_eq!(e, "magic.gguf: gguf byte 4: truncated: the file ends first");
}

#[test]
fn gguf_named_templates_and_hostile_text() {
    let evil = b"{{ lipsum.__globals__.os.popen('id') }}";
    let s = scan(
        &gguf(&[
            ("tokenizer.chat_template", 8, gguf_string(b"{{ messages }}")),
            ("tokenizer.chat_template.tool_use", 8, gguf_string(evil)),
        ]),
        "named.gguf",
    );
    assert!(
        s.findings
            .iter()
            .all(|f| f.location == "tokenizer.chat_template.tool_use")
    );
    assert!(!s.findings.is_empty());
    // Invalid UTF-8 and NUL bytes around the payload do not hide it.
    let mut dirty = b"\xff\x00{{ \xfe x.__class__ }}".to_vec();
    dirty.extend([0u8; 16]);
    let s = scan(
        &gguf(&[("tokenizer.chat_template", 8, gguf_string(&dirty))]),
        "dirty.gguf",
    );
    assert_eq!(
        s.findings[0].detail,
        "dunder name `__class__` in template code"
    );
}

#[test]
fn chat_template_lexer_is_linear_on_adversarial_text() {
    for (what, template) in [
        ("open tags", "{{".repeat(2_000_000)),
        ("open statements", "{%".repeat(2_000_000)),
        ("raw blocks", "{% raw %}{%".repeat(400_000)),
        ("quotes", "{{ '".repeat(1_000_000)),
        ("comments", "{#".repeat(2_000_000)),
        (
            "identifiers",
            format!("{{{{ {} }}}}", "a.".repeat(2_000_000)),
        ),
    ] {
        timed(what, || template_injections(&template));
    }
}

// ---------------------------------------------------------------------------------------------
// safetensors

#[test]
fn safetensors_declared_sizes() {
    // Header length of 600 MB, past the 100 MB the library allows.
    let mut f = (600u64 << 20).to_le_bytes().to_vec();
    f.extend(b"{}");
    let e = error(&f, "huge.safetensors");
    assert!(
        e.contains("more than 67108864 bytes of header (limit)"),
        "{e}"
    );
    // Header length of 50 bytes in a 10-byte file.
    let mut f = 50u64.to_le_bytes().to_vec();
    f.extend(b"{}");
    let e = error(&f, "short.safetensors");
    assert!(
        e.contains("header length 50 runs past the end of the file (10 bytes)"),
        "{e}"
    );
    // Offsets near u64::MAX.
    let header = br#"{"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,18446744073709551615]}}"#;
    let mut f = (header.len() as u64).to_le_bytes().to_vec();
    f.extend(header);
    let s = scan(&f, "max.safetensors");
    let details: Vec<&str> = s.findings.iter().map(|f| f.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "shape [18446744073709551615] overflows",
            "data_offsets [0, 18446744073709551615] run past the end of the data (0 bytes)",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// HDF5

#[test]
fn hdf5_truncated_anywhere_is_never_clean() {
    // Only the superblock, the root object header and the global heap holding the config are
    // read: a cut after them still finds the Lambda layer, a cut inside them is unreadable.
    let file = fixture("keras/lambda.h5");
    let full = scan(&file, "cut.h5").findings;
    let mut unreadable = 0;
    for cut in 0..file.len() {
        let s = scan(&file[..cut], "cut.h5");
        match s.verdict() {
            Verdict::Unreadable => unreadable += 1,
            Verdict::NotMine if cut < 8 => {}
            _ => assert_eq!(s.findings, full, "cut at {cut}: {s:?}"),
        }
    }
    assert!(unreadable > 1000, "{unreadable}");
}

#[test]
fn hdf5_addresses_outside_the_file() {
    let mut file = fixture("keras/lambda.h5");
    // The root object header address (superblock v0, offset 64) pointing far away.
    file[64..72].copy_from_slice(&(600u64 << 20).to_le_bytes());
    let e = error(&file, "far.h5");
    assert!(e.contains("is outside the file"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Everything

#[test]
fn a_600_mb_sparse_file_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, head: &[u8]| {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(head).unwrap();
        f.set_len(600 << 20).unwrap();
    };
    // A GGUF with no entries and 600 MB of (sparse) tensor data; a safetensors file whose
    // header is followed by 600 MB; unknown bytes.
    make("model.gguf", &gguf(&[]));
    let header = br#"{"a":{"dtype":"U8","shape":[16],"data_offsets":[0,16]}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend(header);
    make("model.safetensors", &st);
    make("blob.bin", b"");
    let scan = timed("sparse files", || {
        scan_path(dir.path(), &Limits::default()).unwrap()
    });
    let verdicts: Vec<(&str, Format, Verdict)> = scan
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.format, f.verdict()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("blob.bin", Format::Unknown, Verdict::NotMine),
            ("model.gguf", Format::Gguf, Verdict::Clean),
            ("model.safetensors", Format::Safetensors, Verdict::Findings),
        ]
    );
}

#[test]
fn directory_limits() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().to_path_buf();
    for i in 0..40 {
        deep = deep.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    let e = scan_path(dir.path(), &Limits::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("nested more than 32 directories deep (limit)"),
        "{e}"
    );
    let wide = tempfile::tempdir().unwrap();
    for i in 0..20 {
        std::fs::write(wide.path().join(format!("f{i}")), b"x").unwrap();
    }
    let limits = Limits {
        max_dir_files: 10,
        ..Limits::default()
    };
    let e = scan_path(wide.path(), &limits).unwrap_err();
    assert!(e.to_string().ends_with("more than 10 files (limit)"), "{e}");
}

#[test]
fn detection_never_panics_on_short_or_odd_heads() {
    let heads: [&[u8]; 8] = [
        b"",
        b"G",
        b"GGU",
        b"\x08",
        b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x02\x00\x00\x00\x00\x00\x00\x00",
        b"PK\x03",
        b"\x89HDF\r\n\x1a",
    ];
    for head in heads {
        assert!(matches!(detect(head, None), Format::Unknown), "{head:?}");
        let s = scan(head, "short");
        assert_eq!(s.verdict(), Verdict::NotMine, "{head:?}");
    }
}
