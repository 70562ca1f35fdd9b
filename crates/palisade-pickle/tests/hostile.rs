//! Hostile input for the pickle scanner (SPEC §9): a seeded mini-fuzz of every pickle-family
//! fixture (raw pickles, PyTorch zips, `.npy`, the zip bomb) that must never panic, plus
//! explicit cases: 100k-deep nesting, 600 MB declared sizes (length-prefixed opcodes, FRAME,
//! `.npy` headers, zip members, a sparse file), NUL bytes, invalid UTF-8 and byte order marks.
//! Run with `--nocapture` to see the slowest input per fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeSet;

use palisade_pickle::{
    Container, Limits, ModelScan, PickleError, scan_bytes, scan_bytes_with, scan_path,
};

/// Scans as the evidence reader does; any error's or scan error's message must name the
/// file. Reads cleanly: no error and no fail-closed scan error.
fn reads(name: &str, bytes: &[u8]) -> bool {
    match scan_bytes(bytes, name) {
        Ok(scan) => {
            for e in &scan.scan_errors {
                assert!(e.to_string().contains(name), "{e}");
                assert!(
                    !e.reason.chars().any(|c| c.is_control() && c != '\n'),
                    "{e}"
                );
            }
            scan.scan_errors.is_empty()
        }
        Err(error) => {
            assert!(error.to_string().contains(name), "{error}");
            false
        }
    }
}

fn pickle_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures(
        &["pickles", "pickles-extra"],
        &[".pkl", ".pt", ".npy", ".safetensors"],
    )
}

#[test]
fn mutated_fixtures_never_panic() {
    let all = pickle_fixtures();
    assert_eq!(
        all.len(),
        27,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let refused = [
        "pickles-extra/garbage.pkl",
        "pickles-extra/truncated.pkl",
        "pickles-extra/zip_bomb.pt",
    ];
    fuzz_all(&all, &refused, &reads);
}

/// One corpus file per container the scanner follows (zip with every kind of anomaly, tar,
/// npy and npz, joblib plain and compressed, torch legacy), fuzzed the same way.
#[test]
fn mutated_containers_never_panic() {
    let wanted = [
        "pickle-corpus/benign/torch_legacy_tar.pt",
        "pickle-corpus/benign/torch_state_dict_legacy.pt",
        "pickle-corpus/benign/sklearn_random_forest.joblib",
        "pickle-corpus/benign/sklearn_gzip.joblib",
        "pickle-corpus/benign/arrays_compressed.npz",
        "pickle-corpus/benign/structured.npy",
        "pickle-corpus/benign/model.keras",
        "pickle-corpus/malicious/joblib_zero_padding.joblib",
        "pickle-corpus/malicious/npy_escaped_descr.npy",
        "pickle-corpus/malicious/zip_unicode_path.pt",
        "pickle-corpus/malicious/torch_tar_storage_record.pt",
        "pickle-corpus/malicious/joblib_xz.joblib",
    ];
    let all: Vec<(String, Vec<u8>)> = fixtures(
        &["pickle-corpus/benign", "pickle-corpus/malicious"],
        &[".pt", ".joblib", ".npz", ".npy", ".keras"],
    )
    .into_iter()
    .filter(|(name, _)| wanted.contains(&name.as_str()))
    .collect();
    assert_eq!(all.len(), wanted.len());
    // Those with a fail-closed scan error unmutated must keep failing closed.
    let refused: Vec<&str> = all
        .iter()
        .filter(|(name, bytes)| !reads(name, bytes))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    fuzz_all(&all, &refused, &reads);
}

fn scan(bytes: &[u8], name: &str) -> ModelScan {
    match scan_bytes(bytes, name) {
        Ok(scan) => scan,
        Err(error) => panic!("{name}: {error}"),
    }
}

/// The one fail-closed scan error of a scan that ran.
fn fact(bytes: &[u8], name: &str) -> String {
    let scan = scan(bytes, name);
    assert_eq!(scan.scan_errors.len(), 1, "{name}: {:?}", scan.scan_errors);
    assert!(scan.unsafe_format());
    scan.scan_errors[0].to_string()
}

fn err(bytes: &[u8], name: &str) -> PickleError {
    match scan_bytes(bytes, name) {
        Ok(scan) => panic!("{name}: expected an error, got {scan:?}"),
        Err(error) => error,
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn nested_100k_deep() {
    // 100k MARKs closed by 100k LIST opcodes: lists nested 100k deep.
    let mut deep = b"\x80\x02".to_vec();
    deep.extend(nested("(", "", "l", 100_000));
    deep.push(b'.');
    let found = scan(&deep, "deep.pkl");
    assert_eq!(found.files[0].container, Container::Pickle { protocol: 2 });
    assert!(found.imports.is_empty());
    // The same with a dangerous import at the bottom: still found.
    let mut deep = b"\x80\x02".to_vec();
    deep.extend(nested("(", "cos\nsystem\n", "l", 100_000));
    deep.push(b'.');
    assert_eq!(
        scan(&deep, "deep.pkl").dangerous_imports,
        set(&["os.system"])
    );
    // 100k unclosed MARKs and EMPTY_LISTs, then STOP: a pickle (Python stops there too).
    let mut open = b"\x80\x02".to_vec();
    open.extend(std::iter::repeat_n(b'(', 100_000));
    open.extend(std::iter::repeat_n(b']', 100_000));
    open.push(b'.');
    assert_eq!(
        scan(&open, "open.pkl").files[0].container,
        Container::Pickle { protocol: 2 }
    );
    // Past the stack limit.
    let mut tall = b"\x80\x02".to_vec();
    tall.extend(std::iter::repeat_n(b']', 1_100_000));
    tall.push(b'.');
    assert_eq!(
        err(&tall, "tall.pkl").to_string(),
        "tall.pkl: byte 1000002: more than 1000000 stack entries (limit)"
    );
}

/// 600 MiB as a little-endian u32.
const LEN32: [u8; 4] = (600u32 << 20).to_le_bytes();
/// 600 MiB as a little-endian u64.
const LEN64: [u8; 8] = (600u64 << 20).to_le_bytes();

#[test]
fn a_600_mb_declared_opcode_argument_is_not_allocated() {
    let cases: [(&[u8], &[u8], &str); 8] = [
        (
            b"\x8d",
            &LEN64,
            "byte 2: truncated: the file ends inside BINUNICODE8",
        ),
        (
            b"\x8e",
            &LEN64,
            "byte 2: truncated: the file ends inside BINBYTES8",
        ),
        (
            b"\x96",
            &LEN64,
            "byte 2: truncated: the file ends inside BYTEARRAY8",
        ),
        (b"\x95", &LEN64, "byte 11: APPEND: stack underflow"),
        (
            b"X",
            &LEN32,
            "byte 2: truncated: the file ends inside BINUNICODE",
        ),
        (
            b"B",
            &LEN32,
            "byte 2: truncated: the file ends inside BINBYTES",
        ),
        (
            b"T",
            &LEN32,
            "byte 2: truncated: the file ends inside BINSTRING",
        ),
        (
            b"\x8b",
            &LEN32,
            "byte 2: truncated: the file ends inside LONG4",
        ),
    ];
    for (opcode, length, expected) in cases {
        let mut bytes = b"\x80\x05".to_vec();
        bytes.extend_from_slice(opcode);
        bytes.extend_from_slice(length);
        bytes.extend_from_slice(b"abc.");
        let start = std::time::Instant::now();
        let e = fact(&bytes, "huge.pkl");
        assert!(
            start.elapsed().as_secs() < 2,
            "{opcode:?}: {:?}",
            start.elapsed()
        );
        assert_eq!(e, format!("huge.pkl: {expected}"), "{opcode:?}");
    }
}

#[test]
fn a_600_mb_declared_npy_header_is_not_allocated() {
    // Version 2 headers carry a u32 length.
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    v2.extend_from_slice(&LEN32);
    v2.extend_from_slice(b"{'descr': '|O'");
    assert_eq!(
        fact(&v2, "huge.npy"),
        "huge.npy: byte 8: invalid .npy header: header of 629145600 bytes, more than the limit of 1048576"
    );
    // A 600M-element object array whose data is one tiny pickle: the shape allocates nothing.
    let header = b"{'descr': '|O', 'fortran_order': False, 'shape': (600000000,), }";
    let mut v1 = b"\x93NUMPY\x01\x00".to_vec();
    let padded = (header.len() + 1).div_ceil(64) * 64;
    v1.extend_from_slice(&u16::try_from(padded).unwrap().to_le_bytes());
    v1.extend_from_slice(header);
    v1.extend(std::iter::repeat_n(b' ', padded - header.len() - 1));
    v1.push(b'\n');
    v1.extend_from_slice(b"\x80\x02cos\nsystem\n.");
    let found = scan(&v1, "huge.npy");
    assert_eq!(
        found.files[0].container,
        Container::Npy { object_dtype: true }
    );
    assert_eq!(found.dangerous_imports, set(&["os.system"]));
}

/// `bytes` (a zip) with every uncompressed-size field of its one member set to `size`.
fn with_declared_size(zip: &[u8], size: u32) -> Vec<u8> {
    let mut out = zip.to_vec();
    let mut patched = 0;
    for at in 0..out.len().saturating_sub(4) {
        if out[at..].starts_with(b"PK\x03\x04") {
            out[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        } else if out[at..].starts_with(b"PK\x01\x02") {
            out[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "one local header and one central entry");
    out
}

fn zip_bomb() -> Vec<u8> {
    pickle_fixtures()
        .into_iter()
        .find(|(name, _)| name.ends_with("zip_bomb.pt"))
        .unwrap()
        .1
}

#[test]
fn a_600_mb_declared_zip_member_is_refused_before_inflating() {
    let bomb = with_declared_size(&zip_bomb(), 600 << 20);
    let start = std::time::Instant::now();
    let e = err(&bomb, "huge.pt");
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
    assert_eq!(
        e.to_string(),
        "huge.pt: member archive/data.pkl inflates to more than 268435456 bytes (629145600 declared): refusing a possible zip bomb"
    );
}

#[test]
fn a_zip_member_lying_about_its_size_is_stopped_at_the_limit() {
    // It says 1 kB and inflates to 300 MiB: the real size is counted while inflating.
    let liar = with_declared_size(&zip_bomb(), 1000);
    let limits = Limits {
        max_member_size: 1 << 20,
        ..Limits::default()
    };
    // More bytes than declared is damaged content: a fail-closed fact. (This was an error
    // carrying the zip crate's message before the scanner read archives itself.)
    let scan = scan_bytes_with(&liar, "liar.pt", &limits).unwrap();
    assert_eq!(
        scan.scan_errors[0].to_string(),
        "liar.pt!/archive/data.pkl: byte 2: corrupt data: the member inflates to more than its declared size"
    );
    assert!(scan.unsafe_format());
    assert_eq!(
        fact(&liar, "liar.pt"),
        "liar.pt!/archive/data.pkl: byte 2: corrupt data: the member inflates to more than its declared size"
    );
}

#[test]
fn a_600_mb_sparse_file_is_streamed_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = |name: &str| {
        let path = dir.path().join(name);
        // Sparse: 600 MB of declared size, nothing written; only the first bytes are read.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(600 << 20)
            .unwrap();
        path
    };
    let start = std::time::Instant::now();
    let path = sparse("huge.pkl");
    let found = scan_path(&path).unwrap();
    assert_eq!(
        found.scan_errors[0].to_string(),
        format!("{}: byte 0: invalid opcode 0x00", path.display())
    );
    let found = scan_path(&sparse("huge.bin")).unwrap();
    assert_eq!(found.files[0].container, Container::NotPickle);
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
}

#[test]
fn nul_bytes() {
    assert_eq!(
        fact(b"\0", "nul.pkl"),
        "nul.pkl: byte 0: invalid opcode 0x00"
    );
    assert_eq!(
        scan(b"\0", "nul.bin").files[0].container,
        Container::NotPickle
    );
    assert_eq!(
        scan(&[0u8; 4096], "zeros.bin").files[0].container,
        Container::NotPickle
    );
    // NUL inside a GLOBAL's module name: kept as written, escaped, and dangerous.
    let found = scan(b"\x80\x02cos\0\nsystem\n.", "nul-global.pkl");
    assert_eq!(found.imports, set(&["os\\u{0}.system"]));
    assert_eq!(found.dangerous_imports, set(&["os\\u{0}.system"]));
    // And in the middle of a STACK_GLOBAL operand (CPython fails to import `o\0s`).
    let found = scan(
        b"\x80\x04\x8c\x03o\0s\x8c\x06system\x93.",
        "nul-stack-global.pkl",
    );
    assert_eq!(found.imports, set(&["o\\u{0}s.system"]));
}

/// Was a deny-list bypass, now fixed by failing closed on names that are not plain dotted
/// Python names. CPython imports a *frozen* module (3.11: `os`, `stat`,
/// `posixpath`, `runpy`, `codecs`, `io` …) when anything follows a NUL in its name, since frozen
/// modules are looked up by C string. So `cos\0\nsystem\n` runs `os.system`, and so does
/// `os\0junk`; checked with CPython 3.11.7, both `pickle.loads` (C) and `pickle._loads`
/// (pure Python), on `b"\x80\x02cos\x00\nsystem\n(S'echo PWNED'\ntR."`, which prints PWNED.
/// (`builtins\0` and `posix\0` fail to import; a NUL after the attribute name fails too.) The
/// scanner reports the import as `os\0.system`, which is not on the deny list, so the model
/// passes as safe. A fix: cut module and name at the first NUL before the deny-list check, or
/// fail closed (unknown import) on any name that is not a dotted Python identifier.
#[test]
fn a_nul_after_the_module_name_does_not_hide_os_system() {
    let cases: [(&str, &[u8]); 4] = [
        ("GLOBAL", b"\x80\x02cos\x00\nsystem\n(S'echo PWNED'\ntR."),
        (
            "GLOBAL, junk after the NUL",
            b"\x80\x02cos\x00junk\nsystem\n(S'echo PWNED'\ntR.",
        ),
        ("INST", b"(S'echo PWNED'\nios\x00\nsystem\n."),
        (
            "STACK_GLOBAL",
            b"\x80\x04\x8c\x03os\x00\x8c\x06system\x93\x8c\x0becho PWNED\x85R.",
        ),
    ];
    let mut missed = Vec::new();
    for (what, pickle) in cases {
        let found = scan(pickle, "nul-module.pkl");
        if found.dangerous_imports.is_empty() {
            missed.push(format!("{what}: imports {:?}", found.imports));
        }
    }
    assert!(missed.is_empty(), "not flagged:\n{}", missed.join("\n"));
}

#[test]
fn invalid_utf8() {
    // CPython decodes GLOBAL's module as UTF-8 and fails before importing: a scan error (the
    // name promises a pickle), no import. These were errors, then `unknown.unknown`.
    assert_eq!(
        fact(b"\x80\x02c\xff\xfe\nsystem\n.", "bad-global.pkl"),
        "bad-global.pkl: byte 2: GLOBAL: module is not UTF-8"
    );
    assert_eq!(
        fact(
            b"\x80\x04\x8c\x02\xff\xfe\x8c\x06system\x93.",
            "bad-stack-global.pkl"
        ),
        "bad-stack-global.pkl: byte 2: SHORT_BINUNICODE: invalid UTF-8"
    );
    // A lone surrogate is a str CPython accepts (surrogatepass); a cut one is not.
    let found = scan(b"\x80\x02X\x03\x00\x00\x00\xed\xa0\x80.", "surrogate.pkl");
    assert!(found.scan_errors.is_empty());
    assert_eq!(
        fact(b"\x80\x02X\x02\x00\x00\x00\xed\xa0.", "bad-unicode.pkl"),
        "bad-unicode.pkl: byte 2: BINUNICODE: invalid UTF-8"
    );
}

#[test]
fn byte_order_marks() {
    for (name, bytes) in pickle_fixtures() {
        if !name.ends_with(".pkl")
            || name.ends_with("garbage.pkl")
            || name.ends_with("truncated.pkl")
        {
            continue;
        }
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&bytes);
        // Python's pickle.load fails on the BOM's first byte too, so nothing would run; the
        // name promises a pickle, so the scan fails closed.
        assert_eq!(
            fact(&with_bom, &name),
            format!("{name}: byte 0: invalid opcode 0xef")
        );
        let renamed = name.replace(".pkl", ".bin");
        assert_eq!(
            scan(&with_bom, &renamed).files[0].container,
            Container::NotPickle,
            "{renamed}"
        );
    }
}

// The mini-fuzz harness and fixture helpers are shared by every reader crate.
use palisade_testkit::*;
