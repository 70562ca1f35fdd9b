//! The scanner on the committed fixtures (made by Python's pickle module, never loaded).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use palisade_pickle::{
    Container, Limits, ModelScan, PickleError, PickleFormat, UNKNOWN_IMPORT, is_pickle_extension,
    scan_bytes, scan_path, scan_path_with,
};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn scan(rel: &str) -> ModelScan {
    scan_path(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn original_fixtures_are_classified() {
    let os_system = scan("pickles/evil_os_system.pkl");
    assert!(os_system.pickle_based);
    assert_eq!(
        os_system.files[0].container,
        Container::Pickle { protocol: 4 }
    );
    assert_eq!(os_system.imports, set(&["posix.system"]));
    assert_eq!(os_system.dangerous_imports, set(&["posix.system"]));

    let eval = scan("pickles/evil_builtins_eval.pkl");
    assert_eq!(eval.files[0].container, Container::Pickle { protocol: 2 });
    // Protocol 2 writes Python 3's builtins under their Python 2 name; pickle.load maps it back
    // (_compat_pickle), and the import is judged by what it resolves to.
    assert_eq!(eval.dangerous_imports, set(&["builtins.eval"]));
    assert_eq!(
        eval.files[0].import_details[0].written.as_deref(),
        Some("__builtin__.eval")
    );

    let safe = scan("pickles/safe_dict.pkl");
    assert!(safe.pickle_based);
    assert_eq!(safe.files[0].container, Container::Pickle { protocol: 4 });
    assert!(safe.imports.is_empty());
    assert!(safe.dangerous_imports.is_empty());

    let torch = scan("pickles/safe_torchlike.pt");
    assert!(torch.pickle_based);
    assert_eq!(
        torch.files[0].container,
        Container::Zip {
            pickle_members: vec!["archive/data.pkl".into()]
        }
    );
    assert!(torch.imports.is_empty());
}

#[test]
fn every_protocol() {
    for proto in 0..=5u8 {
        let evil = scan(&format!("pickles-extra/evil_proto{proto}.pkl"));
        assert_eq!(
            evil.files[0].container,
            Container::Pickle { protocol: proto },
            "protocol {proto}"
        );
        assert_eq!(evil.imports, set(&["posix.system"]), "protocol {proto}");
        assert_eq!(evil.dangerous_imports, set(&["posix.system"]));

        let safe = scan(&format!("pickles-extra/safe_proto{proto}.pkl"));
        assert_eq!(
            safe.files[0].container,
            Container::Pickle { protocol: proto }
        );
        assert_eq!(safe.imports, set(&["collections.OrderedDict"]));
        assert!(safe.dangerous_imports.is_empty(), "protocol {proto}");
    }
}

#[test]
fn memo_indirected_stack_global() {
    // A naive scanner that takes the last two strings pushed would report `exec.pad!`.
    let s = scan("pickles-extra/memo_stack_global.pkl");
    assert_eq!(s.imports, set(&["builtins.exec"]));
    assert_eq!(s.dangerous_imports, set(&["builtins.exec"]));
}

#[test]
fn inst_and_concatenated() {
    let inst = scan("pickles-extra/inst_proto0.pkl");
    assert_eq!(inst.dangerous_imports, set(&["os.system"]));
    assert_eq!(inst.files[0].container, Container::Pickle { protocol: 0 });

    // The malicious pickle is the second of two: scanning continues after STOP.
    let cat = scan("pickles-extra/concatenated.pkl");
    assert_eq!(cat.files[0].container, Container::Pickle { protocol: 4 });
    assert_eq!(cat.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn legacy_torch_with_trailing_storage() {
    let s = scan("pickles-extra/legacy_torch.pt");
    assert_eq!(s.files[0].container, Container::Pickle { protocol: 2 });
    assert_eq!(s.format(), Some(PickleFormat::Pytorch));
    assert!(s.scan_errors.is_empty());
    assert_eq!(s.imports, set(&["collections.OrderedDict"]));
    assert!(s.dangerous_imports.is_empty());
}

#[test]
fn torch_zip_with_os_system() {
    let s = scan("pickles-extra/torch_evil.pt");
    assert_eq!(
        s.files[0].container,
        Container::Zip {
            pickle_members: vec!["archive/data.pkl".into()]
        }
    );
    assert_eq!(s.imports, set(&["collections.OrderedDict", "posix.system"]));
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
    assert_eq!(s.format(), Some(PickleFormat::Pytorch));
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
}

#[test]
fn npy_object_and_plain() {
    let evil = scan("pickles-extra/objects_evil.npy");
    assert!(evil.pickle_based);
    assert_eq!(
        evil.files[0].container,
        Container::Npy { object_dtype: true }
    );
    assert_eq!(
        evil.imports,
        set(&[
            "numpy._core.multiarray._reconstruct",
            "numpy.dtype",
            "numpy.ndarray",
            "posix.system"
        ])
    );
    assert_eq!(evil.dangerous_imports, set(&["posix.system"]));
    assert!(evil.unknown_imports.is_empty());
    assert_eq!(evil.format(), Some(PickleFormat::Numpy));

    let floats = scan("pickles-extra/floats.npy");
    assert!(!floats.pickle_based);
    assert_eq!(
        floats.files[0].container,
        Container::Npy {
            object_dtype: false
        }
    );
    assert!(floats.imports.is_empty());
}

#[test]
fn safetensors_is_not_pickle() {
    let s = scan("pickles-extra/weights.safetensors");
    assert!(!s.pickle_based);
    assert_eq!(s.files[0].container, Container::NotPickle);
    assert!(s.imports.is_empty());
    // JSON and a README are not pickles either, whatever their extension.
    let json = scan("sarif-extra/README.md");
    assert_eq!(json.files[0].container, Container::NotPickle);
}

#[test]
fn zip_bomb_is_refused() {
    let err = scan_path(&fixture("pickles-extra/zip_bomb.pt")).unwrap_err();
    match &err {
        PickleError::ZipBomb {
            member,
            size,
            limit,
            ..
        } => {
            assert_eq!(member, "archive/data.pkl");
            assert_eq!(*size, (300 << 20) + 11);
            assert_eq!(*limit, 256 << 20);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().ends_with(
        "zip_bomb.pt: member archive/data.pkl inflates to more than 268435456 bytes (314572811 declared): refusing a possible zip bomb"
    ), "{err}");
}

#[test]
fn member_cap_applies_to_real_archives() {
    // data.pkl declares 106 bytes; a 10-byte cap refuses it (the check while inflating, for
    // headers that lie, is unit-tested on the capped reader in src/scan.rs).
    let limits = Limits {
        max_member_size: 10,
        ..Limits::default()
    };
    let err = scan_path_with(&fixture("pickles-extra/torch_evil.pt"), &limits).unwrap_err();
    assert!(
        matches!(&err, PickleError::ZipBomb { member, limit: 10, .. } if member == "archive/data.pkl"),
        "{err:?}"
    );
}

#[test]
fn zip_member_count_limit() {
    let limits = Limits {
        max_zip_members: 4,
        ..Limits::default()
    };
    let err = scan_path_with(&fixture("pickles-extra/torch_evil.pt"), &limits).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("torch_evil.pt: byte 0: more than 4 zip members (limit)"),
        "{err}"
    );
}

/// Content that does not parse is a fail-closed fact, not an error: the model is unsafe and
/// the scan says where and why. (These were `PickleError::Malformed` errors before.)
fn only_error(s: &ModelScan) -> String {
    assert_eq!(s.scan_errors.len(), 1, "{:?}", s.scan_errors);
    assert!(s.pickle_based && s.unsafe_format());
    s.scan_errors[0].to_string()
}

#[test]
fn truncated_pickle_is_a_scan_error_with_offset() {
    let s = scan("pickles-extra/truncated.pkl");
    assert!(
        only_error(&s)
            .ends_with("truncated.pkl: byte 30: truncated: the file ends inside SHORT_BINUNICODE"),
        "{:?}",
        s.scan_errors
    );
    assert_eq!(s.scan_errors[0].offset, Some(30));
    // The import came before the cut: it is still reported.
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn garbage_with_pickle_extension_is_a_scan_error() {
    let s = scan("pickles-extra/garbage.pkl");
    assert!(
        only_error(&s).ends_with("garbage.pkl: byte 0: invalid opcode 0x00"),
        "{:?}",
        s.scan_errors
    );
    // The same bytes under a name that promises nothing are simply not a pickle.
    let bytes = std::fs::read(fixture("pickles-extra/garbage.pkl")).unwrap();
    let s = scan_bytes(&bytes, "weights.bin").unwrap();
    assert_eq!(s.files[0].container, Container::NotPickle);
    assert!(!s.unsafe_format());
}

#[test]
fn truncated_malicious_bin_fails_closed() {
    // Not a pickle extension, no PROTO, but an import was reached before the garbage.
    let s = scan_bytes(b"cposix\nsystem\n\xff\xff", "weights.bin").unwrap();
    assert_eq!(only_error(&s), "weights.bin: byte 14: invalid opcode 0xff");
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
}

#[test]
fn truncated_protocol2_bin_is_a_scan_error() {
    let s = scan_bytes(b"\x80\x02}q\x00", "model.bin").unwrap();
    assert_eq!(
        only_error(&s),
        "model.bin: byte 5: truncated: the pickle ends before its STOP opcode"
    );
}

#[test]
fn a_proto_opcode_says_pickle_in_a_file_of_its_own() {
    // PROTO 4, then garbage: meant to be a pickle, whatever the name.
    let s = scan_bytes(b"\x80\x04\x00garbage", "weights.bin").unwrap();
    assert_eq!(only_error(&s), "weights.bin: byte 2: invalid opcode 0x00");
    // Inside an archive raw tensor bytes may start so by chance: there it takes more (the
    // torch_evil.pt fixture's raw storage member is not reported).
    let s = scan("pickles-extra/torch_evil.pt");
    assert!(s.scan_errors.is_empty());
}

#[test]
fn missing_file() {
    let err = scan_path(Path::new("/nonexistent/model.pkl")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read /nonexistent/model.pkl: No such file or directory (os error 2)"
    );
}

#[test]
fn too_large_file() {
    let limits = Limits {
        max_file_size: 10,
        ..Limits::default()
    };
    let err = scan_path_with(&fixture("pickles/safe_dict.pkl"), &limits).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("safe_dict.pkl is 83 bytes, more than the limit of 10 bytes"),
        "{err}"
    );
}

#[test]
fn directory_scan_sorted_without_following_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("config.json"), b"{\"a\": 1}").unwrap();
    std::fs::copy(
        fixture("pickles-extra/weights.safetensors"),
        root.join("model.safetensors"),
    )
    .unwrap();
    std::fs::copy(
        fixture("pickles-extra/evil_proto4.pkl"),
        root.join("sub/deeper/evil.pkl"),
    )
    .unwrap();
    std::fs::copy(
        fixture("pickles-extra/torch_evil.pt"),
        root.join("sub/a.pt"),
    )
    .unwrap();
    // A symlink to a malicious file outside: listed, not followed.
    std::os::unix::fs::symlink(
        fixture("pickles/evil_builtins_eval.pkl"),
        root.join("linked.pkl"),
    )
    .unwrap();

    let s = scan_path(root).unwrap();
    let paths: Vec<&str> = s.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "config.json",
            "model.safetensors",
            "sub/a.pt",
            "sub/deeper/evil.pkl"
        ]
    );
    assert_eq!(s.skipped_symlinks, vec!["linked.pkl".to_owned()]);
    assert!(s.pickle_based);
    assert_eq!(s.dangerous_imports, set(&["posix.system"]));
    assert_eq!(s.imports, set(&["collections.OrderedDict", "posix.system"]));
    assert_eq!(s.files[0].container, Container::NotPickle);

    let limits = Limits {
        max_dir_files: 3,
        ..Limits::default()
    };
    let err = scan_path_with(root, &limits).unwrap_err();
    assert!(
        err.to_string().ends_with(": more than 3 files (limit)"),
        "{err}"
    );
}

#[test]
fn unknown_import_is_dangerous() {
    // STACK_GLOBAL on a value the scan cannot know (a persistent load's result).
    let s = scan_bytes(b"\x80\x04NQ\x8c\x06system\x93.", "x.pkl").unwrap();
    assert_eq!(s.dangerous_imports, set(&[UNKNOWN_IMPORT]));
    // On a value known not to be a str, CPython fails before importing: a scan error, no
    // import. (This assertion used to expect `unknown.unknown`.)
    let s = scan_bytes(b"\x80\x04N\x8c\x06system\x93.", "x.pkl").unwrap();
    assert!(s.imports.is_empty());
    assert!(only_error(&s).contains("STACK_GLOBAL requires str"));
}

#[test]
fn extensions() {
    for yes in [
        "a.pkl", "a.PICKLE", "a.pt", "a.pth", "a.bin", "a.joblib", "a.npy", "a.ckpt", "a.dat",
    ] {
        assert!(is_pickle_extension(Path::new(yes)), "{yes}");
    }
    for no in ["a.safetensors", "a.onnx", "a.json", "a", "pkl"] {
        assert!(!is_pickle_extension(Path::new(no)), "{no}");
    }
}
