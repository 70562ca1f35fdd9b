//! Containers and their edge cases, built byte by byte: joblib wrappers (frames, nested
//! pickles, states the scan cannot follow), compressed streams (caps, nesting, formats the
//! scanner cannot open), tar members torch reads, zip archives whose views disagree, and the
//! memory budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::Write;

use palisade_pickle::{
    Container, Limits, MemoryBudget, ModelScan, PickleError, PickleFormat, Scanner, scan_bytes,
    scan_bytes_with,
};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn scan(bytes: &[u8], name: &str) -> ModelScan {
    scan_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn short(s: &str) -> Vec<u8> {
    let mut out = vec![0x8c, s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `posix.system('echo x')` with STACK_GLOBAL.
fn payload() -> Vec<u8> {
    cat(&[
        &short("posix"),
        &short("system"),
        b"\x93",
        &short("echo x"),
        b"\x85R",
    ])
}

/// joblib's NumpyArrayWrapper for a float64 array of `n` elements (or an object array),
/// NEWOBJ, its state dict, BUILD.
fn wrapper(n: u8, descr: &str, alignment: bool, extra_state: &[u8]) -> Vec<u8> {
    let mut state = cat(&[
        &short("shape"),
        &[b'K', n, 0x85],
        &short("order"),
        &short("C"),
        &short("dtype"),
        &short("numpy"),
        &short("dtype"),
        b"\x93",
        &short(descr),
        b"\x89\x88\x87R",
        b"(K\x03",
        &short("|"),
        b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb",
    ]);
    if alignment {
        state.extend(short("numpy_array_alignment_bytes"));
        state.extend_from_slice(b"K\x10");
    }
    state.extend_from_slice(extra_state);
    cat(&[
        &short("joblib.numpy_pickle"),
        &short("NumpyArrayWrapper"),
        b"\x93)\x81}(",
        &state,
        b"ub",
    ])
}

#[test]
fn joblib_array_data_is_skipped_by_its_exact_size() {
    // 3 float64 = 24 bytes, no alignment attribute: the data starts right after BUILD.
    let mut file = b"\x80\x04".to_vec();
    file.extend(wrapper(3, "f8", false, b""));
    file.extend([0x63u8; 24]); // 'c' bytes: GLOBAL opcodes if read as opcodes
    file.extend(b"0");
    file.extend(payload());
    file.push(b'.');
    let s = scan(&file, "a.joblib");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
    assert_eq!(s.format(), Some(PickleFormat::Joblib));

    // With the alignment attribute, a padding-length byte and that many bytes come first.
    let mut file = b"\x80\x04".to_vec();
    file.extend(wrapper(3, "f8", true, b""));
    file.push(5);
    file.extend([0xffu8; 5]);
    file.extend([0u8; 24]);
    file.extend(b"0");
    file.extend(payload());
    file.push(b'.');
    let s = scan(&file, "a.joblib");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn joblib_reads_array_data_after_the_current_frame() {
    // Python's unpickler reads a whole frame into memory; joblib then reads the array from the
    // file, after the frame, and the opcodes left in the frame run next.
    let mut framed = wrapper(2, "f8", false, b"");
    framed.extend(b"0");
    framed.extend(payload());
    framed.push(b'.');
    let mut file = b"\x80\x04\x95".to_vec();
    file.extend((framed.len() as u64).to_le_bytes());
    file.extend(&framed);
    file.extend([0x80u8; 16]); // the array, after the frame
    let s = scan(&file, "framed.joblib");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn joblib_object_arrays_are_nested_pickles() {
    let mut file = b"\x80\x04".to_vec();
    file.extend(wrapper(1, "O8", false, b""));
    // The nested pickle joblib reads for an object array, with the payload inside.
    file.extend(b"\x80\x05");
    file.extend(payload());
    file.push(b'.');
    file.extend(b"0N.");
    let s = scan(&file, "objects.joblib");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn joblib_states_the_scan_cannot_follow_fail_closed() {
    // An unknown dtype.
    let mut file = b"\x80\x04".to_vec();
    file.extend(wrapper(2, "x9", false, b""));
    file.extend([0u8; 16]);
    file.extend(b"0N.");
    let s = scan(&file, "dtype.joblib");
    assert_eq!(s.scan_errors.len(), 1, "{:?}", s.scan_errors);
    assert!(
        s.scan_errors[0]
            .reason
            .contains("not one the scan knows the size of")
    );

    // A shape that is not ints (the last `shape` key wins, as in a Python dict).
    let mut file = b"\x80\x04".to_vec();
    file.extend(wrapper(
        2,
        "f8",
        false,
        &cat(&[&short("shape"), &short("two")]),
    ));
    file.extend(b"0N.");
    let s = scan(&file, "shape.joblib");
    assert!(
        s.scan_errors[0]
            .reason
            .contains("shape is not a tuple of ints"),
        "{:?}",
        s.scan_errors
    );

    // BUILD on a value the scan cannot identify, once the wrapper was imported: joblib may
    // read array bytes there or not.
    let file = cat(&[
        b"\x80\x04",
        &short("joblib.numpy_pickle"),
        &short("NumpyArrayWrapper"),
        b"\x93",
        b"NQ}b0.",
    ]);
    let s = scan(&file, "ambiguous.joblib");
    assert!(
        s.scan_errors[0].reason.contains("cannot be told"),
        "{:?}",
        s.scan_errors
    );
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn compressed_streams() {
    let evil = cat(&[b"\x80\x04", &payload(), b"."]);
    let s = scan(&gzip(&evil), "model.joblib");
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
    assert!(matches!(
        &s.files[0].container,
        Container::Compressed { compression: "gzip", inner } if **inner == Container::Pickle { protocol: 4 }
    ));
    assert_eq!(s.format(), Some(PickleFormat::Joblib));

    // A pickle that skips 10 MiB of bytes, decompressing past a 1 MiB cap.
    let mut big = b"\x80\x04\x8e".to_vec();
    big.extend((10u64 << 20).to_le_bytes());
    big.resize(big.len() + (10 << 20), 0);
    big.push(b'.');
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let err = scan_bytes_with(&gzip(&big), "bomb.gz", &limits).unwrap_err();
    assert!(
        matches!(
            err,
            PickleError::LimitExceeded {
                what: "decompressed bytes",
                ..
            }
        ),
        "{err}"
    );

    // Gzip in gzip in gzip …: the nesting limit.
    let mut nested = evil.clone();
    for _ in 0..6 {
        nested = gzip(&nested);
    }
    let err = scan_bytes(&nested, "nested.gz").unwrap_err();
    assert!(
        err.to_string()
            .contains("nested archives or compressed streams"),
        "{err}"
    );

    // Corrupt compressed data fails closed.
    let mut corrupt = gzip(&evil);
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xff;
    corrupt.truncate(corrupt.len() - 4);
    let s = scan(&corrupt, "corrupt.joblib");
    assert!(s.unsafe_format() && !s.scan_errors.is_empty(), "{s:?}");

    for (magic, format) in [
        (&b"BZh91AY&SY\x00\x00"[..], "bzip2"),
        (b"\xfd7zXZ\x00\x00\x04", "xz"),
        (b"\x28\xb5\x2f\xfd\x00", "zstandard"),
        (b"\x04\x22\x4d\x18\x00", "lz4"),
        (b"Rar!\x1a\x07\x00", "rar"),
    ] {
        let s = scan(magic, "x.bin");
        assert_eq!(s.files[0].container, Container::Unsupported { format });
        assert!(s.unsafe_format());
    }
}

/// A ustar header for a regular file (`typeflag` b'0') or a link (b'2').
fn tar_header(name: &str, size: usize, typeflag: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[156] = typeflag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn tar(members: &[(&str, &[u8], u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, typeflag) in members {
        out.extend(tar_header(name, data.len(), *typeflag));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend([0u8; 1024]);
    out
}

#[test]
fn torch_tar_records_are_followed() {
    let float_storage = cat(&[b"\x80\x02K\x02X\x03\x00\x00\x00cpuctorch\nFloatStorage\n\x87."]);
    let mut storages = b"\x80\x02K\x01.".to_vec();
    storages.extend(&float_storage);
    storages.extend(2i64.to_le_bytes());
    storages.extend([0u8; 8]);
    storages.extend(b"\x80\x02].");
    let tensors = b"\x80\x02K\x00.".to_vec();
    let pickle = b"\x80\x02}.".to_vec();
    let file = tar(&[
        ("pickle", &pickle, b'0'),
        ("tensors", &tensors, b'0'),
        ("storages", &storages, b'0'),
    ]);
    let s = scan(&file, "legacy.pt");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.format(), Some(PickleFormat::Pytorch));
    assert_eq!(s.imports, set(&["torch.FloatStorage"]));

    // A storage record whose data runs past the member.
    let mut short_storages = b"\x80\x02K\x01.".to_vec();
    short_storages.extend(&float_storage);
    short_storages.extend(1000i64.to_le_bytes());
    let file = tar(&[
        ("pickle", &pickle, b'0'),
        ("tensors", &tensors, b'0'),
        ("storages", &short_storages, b'0'),
    ]);
    let s = scan(&file, "legacy.pt");
    assert!(
        s.scan_errors[0].reason.contains("storage data"),
        "{:?}",
        s.scan_errors
    );

    // A link torch would follow.
    let file = tar(&[
        ("pickle", &pickle, b'0'),
        ("tensors", &tensors, b'0'),
        ("storages", b"", b'2'),
    ]);
    let s = scan(&file, "legacy.pt");
    assert!(
        s.scan_errors[0].reason.contains("a link"),
        "{:?}",
        s.scan_errors
    );

    // Bytes after the end of the archive.
    let mut trailing = tar(&[("model.pkl", &pickle, b'0')]);
    trailing.extend(b"\x80\x02cposix\nsystem\n.");
    let s = scan(&trailing, "x.tar");
    assert!(!s.scan_errors.is_empty());
}

#[test]
fn the_memory_budget_is_counted_in_bytes_and_shared() {
    let mut dups = b"\x80\x04\x8d".to_vec();
    dups.extend(512u64.to_le_bytes());
    dups.extend([b'a'; 512]);
    dups.extend([b'2'; 200_000]);
    dups.push(b'.');
    // 200k slots of 16 bytes, well under the default limits.
    let budget = MemoryBudget::new(64 << 20);
    let scanner = Scanner::new().with_budget(budget.clone());
    scanner.scan_bytes(&dups, "dups.pkl").unwrap();
    assert_eq!(budget.in_use(), 0);
    assert!(
        budget.peak() >= 3 << 20 && budget.peak() <= 16 << 20,
        "{}",
        budget.peak()
    );
    // A budget smaller than the scan needs: a limit error, not growth.
    let small = Scanner::new().with_budget(MemoryBudget::new(1 << 20));
    let err = small.scan_bytes(&dups, "dups.pkl").unwrap_err();
    assert!(
        err.to_string()
            .contains("bytes of memory shared by concurrent scans"),
        "{err}"
    );
    let per_scan = Scanner::new().with_limits(Limits {
        max_scan_memory: 1 << 20,
        ..Limits::default()
    });
    let err = per_scan.scan_bytes(&dups, "dups.pkl").unwrap_err();
    assert!(
        err.to_string().contains("bytes of memory for one scan"),
        "{err}"
    );
}

#[test]
fn cycles_and_deep_values_are_freed() {
    // A list appended to itself, memoized, many times.
    let mut cyclic = b"\x80\x04".to_vec();
    for _ in 0..1000 {
        cyclic.extend(b"]\x94h\x00a0");
    }
    cyclic.extend(b"N.");
    let budget = MemoryBudget::new(64 << 20);
    Scanner::new()
        .with_budget(budget.clone())
        .scan_bytes(&cyclic, "cycles.pkl")
        .unwrap();
    assert_eq!(budget.in_use(), 0);
    // 100k nested 1-tuples: dropped without recursion.
    let mut deep = b"\x80\x02N".to_vec();
    deep.extend(std::iter::repeat_n(0x85u8, 100_000));
    deep.push(b'.');
    assert!(scan(&deep, "deep.pkl").scan_errors.is_empty());
}

fn local_and_central(name: &[u8], data: &[u8], flags: u16, method: u16) -> (Vec<u8>, Vec<u8>) {
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    };
    let mut local = b"PK\x03\x04\x14\x00".to_vec();
    local.extend(flags.to_le_bytes());
    local.extend(method.to_le_bytes());
    local.extend([0u8; 4]);
    local.extend(crc.to_le_bytes());
    local.extend((data.len() as u32).to_le_bytes());
    local.extend((data.len() as u32).to_le_bytes());
    local.extend((name.len() as u16).to_le_bytes());
    local.extend(0u16.to_le_bytes());
    local.extend(name);
    local.extend(data);
    let mut central = b"PK\x01\x02\x14\x00\x14\x00".to_vec();
    central.extend(flags.to_le_bytes());
    central.extend(method.to_le_bytes());
    central.extend([0u8; 4]);
    central.extend(crc.to_le_bytes());
    central.extend((data.len() as u32).to_le_bytes());
    central.extend((data.len() as u32).to_le_bytes());
    central.extend((name.len() as u16).to_le_bytes());
    central.extend([0u8; 12]);
    (local, central)
}

fn zip(members: &[(&[u8], &[u8], u16, u16)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cd = Vec::new();
    for (name, data, flags, method) in members {
        let offset = out.len() as u32;
        let (local, mut central) = local_and_central(name, data, *flags, *method);
        central.extend(offset.to_le_bytes());
        central.extend(*name);
        out.extend(local);
        cd.extend(central);
    }
    let cd_offset = out.len() as u32;
    out.extend(&cd);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((cd.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[test]
fn zip_archives_fail_closed_where_views_disagree() {
    let evil = cat(&[b"\x80\x02", &payload(), b"."]);
    let clean = zip(&[(b"a/data.pkl", &evil, 0, 0), (b"a/version", b"3\n", 0, 0)]);
    let s = scan(&clean, "m.pt");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));

    // Encrypted, or compressed with a method no loader here reads: cannot be scanned.
    for (flags, method, why) in [
        (1u16, 0u16, "encrypted"),
        (0, 12, "method 12"),
        (0x20, 0, "patch data"),
    ] {
        let s = scan(&zip(&[(b"a/data.pkl", &evil, flags, method)]), "m.pt");
        assert!(
            s.scan_errors.iter().any(|e| e.reason.contains(why)),
            "{why}: {:?}",
            s.scan_errors
        );
    }

    // Directory count disagrees with the directory bytes.
    let mut miscount = clean.clone();
    let at = miscount.len() - 12;
    miscount[at] = 1; // one entry on this disk
    miscount[at + 2] = 1; // one in total; the directory holds two
    let s = scan(&miscount, "m.pt");
    assert!(!s.scan_errors.is_empty());

    // No end record at all.
    let s = scan(b"PK\x03\x04 only a local header", "m.pt");
    assert!(
        s.scan_errors[0].reason.contains("end-of-central-directory"),
        "{:?}",
        s.scan_errors
    );

    // A keras-like archive without pickles is not pickle-based, and not an error.
    let keras = zip(&[
        (b"config.json", b"{}", 0, 0),
        (b"model.weights.h5", b"\x89HDF\r\n\x1a\n", 0, 0),
    ]);
    let s = scan(&keras, "model.keras");
    assert!(!s.unsafe_format(), "{s:?}");
}
