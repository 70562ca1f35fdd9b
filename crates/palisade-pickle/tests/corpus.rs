//! The benchmark corpus (tests/fixtures/pickle-corpus, written by its make_corpus.py; every
//! malicious file there reaches its payload's import in a real loader, see verify_reach.py):
//! every malicious file is caught, no benign file is flagged, and each class of bypass is
//! caught for the right reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use palisade_pickle::{AllowImports, Container, ModelScan, PickleFormat, scan_path};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/pickle-corpus"
    ))
}

fn scan(rel: &str) -> ModelScan {
    scan_path(&corpus().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// What the baseline denies even on a model labelled `allow-pickle`.
fn flagged(scan: &ModelScan, allow: &AllowImports) -> bool {
    !scan.dangerous_imports.is_empty()
        || !scan.unknown_imports_allowing(allow).is_empty()
        || !scan.scan_errors.is_empty()
}

#[test]
fn every_malicious_file_is_caught_and_no_benign_file_is_flagged() {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("corpus.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert!(files.len() >= 60, "{} files", files.len());
    let mut missed = Vec::new();
    let mut false_alarms = Vec::new();
    for entry in files {
        let rel = entry["path"].as_str().unwrap();
        let malicious = entry["malicious"].as_bool().unwrap();
        let allow = AllowImports::parse(
            entry["allow_imports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap()),
        )
        .unwrap();
        let scan = scan(rel);
        match (malicious, flagged(&scan, &allow)) {
            (true, false) => missed.push(format!("{rel}: {scan:?}")),
            (false, true) => false_alarms.push(format!(
                "{rel}: dangerous {:?} unknown {:?} errors {:?}",
                scan.dangerous_imports,
                scan.unknown_imports_allowing(&allow),
                scan.scan_errors
            )),
            _ => {}
        }
    }
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
    assert!(
        false_alarms.is_empty(),
        "false alarms:\n{}",
        false_alarms.join("\n")
    );
}

/// Parsed as CPython parses: these load in CPython, so they are whole pickles, not scan
/// errors, and the import after the construct the old walker refused is found.
#[test]
fn parser_disagreements_parse() {
    for rel in [
        "malicious/pop_of_mark.bin",
        "malicious/int_underscore.bin",
        "malicious/int_whitespace.bin",
        "malicious/long_line.bin",
        "malicious/put_underscore.bin",
        "malicious/frame_past_eof.pkl",
        "malicious/string_escape.bin",
        "malicious/unicode_escape.bin",
    ] {
        let s = scan(rel);
        assert!(s.scan_errors.is_empty(), "{rel}: {:?}", s.scan_errors);
        assert!(
            matches!(s.files[0].container, Container::Pickle { .. }),
            "{rel}"
        );
        assert_eq!(s.dangerous_imports, set(&["posix.system"]), "{rel}");
    }
}

#[test]
fn names_are_judged_by_what_they_resolve_to() {
    for (rel, import, object) in [
        (
            "malicious/codecs_builtins_exec.pkl",
            "codecs:builtins.exec",
            "builtins.exec",
        ),
        (
            "malicious/posixpath_os_system.pkl",
            "posixpath:os.system",
            "os.system",
        ),
        (
            "malicious/posixpath_os_system_stack.pkl",
            "posixpath:os.system",
            "os.system",
        ),
        ("malicious/py2_stringio_open.pkl", "io.open", "io.open"),
        (
            "malicious/py2_builtin_eval.pkl",
            "builtins.eval",
            "builtins.eval",
        ),
        (
            "malicious/py2_commands.pkl",
            "subprocess.getoutput",
            "subprocess.getoutput",
        ),
        ("malicious/bdb_run.pkl", "bdb:Bdb.run", "bdb.Bdb.run"),
    ] {
        let s = scan(rel);
        assert!(s.imports.contains(import), "{rel}: {:?}", s.imports);
        assert!(
            s.dangerous_imports.contains(object),
            "{rel}: {:?}",
            s.dangerous_imports
        );
    }
    let thread = scan("malicious/py2_thread.pkl");
    assert!(
        thread
            .dangerous_imports
            .contains("_thread.start_new_thread")
    );
}

#[test]
fn deny_lists_lose_to_the_allow_list() {
    for (rel, object) in [
        ("malicious/imaplib_imap4_stream.pkl", "imaplib.IMAP4_stream"),
        ("malicious/distutils_spawn.pkl", "distutils.spawn.spawn"),
        (
            "malicious/osx_support_read_output.pkl",
            "_osx_support._read_output",
        ),
        ("malicious/pip_main.pkl", "pip.main"),
        (
            "malicious/asyncio_subprocess.pkl",
            "asyncio.unix_events._UnixSubprocessTransport",
        ),
    ] {
        assert_eq!(scan(rel).dangerous_imports, set(&[object]), "{rel}");
    }
    // On no deny list, yet not allowed: unknown, which the baseline denies, and which no
    // glob over another package allows.
    let s = scan("malicious/test_support_python.pkl");
    assert!(s.dangerous_imports.is_empty());
    assert_eq!(
        s.unknown_imports,
        set(&["test.support.script_helper.assert_python_ok"])
    );
    let sklearn = AllowImports::parse(["sklearn.*"]).unwrap();
    assert_eq!(s.unknown_imports_allowing(&sklearn).len(), 1);
}

#[test]
fn containers_fail_closed_where_loaders_disagree() {
    for rel in [
        "malicious/zip_name_mismatch.pt",
        "malicious/zip_flag_bits.pt",
        "malicious/zip_bad_crc.pt",
        "malicious/zip_unicode_path.pt",
    ] {
        let s = scan(rel);
        assert!(!s.scan_errors.is_empty(), "{rel}");
        // The member is scanned anyway, by content.
        assert_eq!(s.dangerous_imports, set(&["posix.system"]), "{rel}");
    }
    for (rel, format) in [
        ("malicious/joblib_xz.joblib", "xz"),
        ("malicious/joblib_bz2.joblib", "bzip2"),
        ("malicious/joblib_lzma.joblib", "lzma"),
        ("malicious/torch_in_7z.pt", "7z"),
    ] {
        let s = scan(rel);
        assert_eq!(
            s.files[0].container,
            Container::Unsupported { format },
            "{rel}"
        );
        assert!(s.unsafe_format() && !s.scan_errors.is_empty(), "{rel}");
    }
    for rel in [
        "malicious/npy_descr_object_word.npy",
        "malicious/npy_descr_tuple.npy",
        "malicious/npy_duplicate_key.npy",
        "malicious/npy_escaped_descr.npy",
    ] {
        let s = scan(rel);
        assert_eq!(
            s.files[0].container,
            Container::Npy { object_dtype: true },
            "{rel}"
        );
        assert_eq!(s.dangerous_imports, set(&["posix.system"]), "{rel}");
    }
    let npz = scan("malicious/npz_member_without_suffix.npz");
    assert_eq!(
        npz.files[0].container,
        Container::Zip {
            pickle_members: vec!["weights".into()]
        }
    );
    for rel in [
        "malicious/torch_tar_pickle.pt",
        "malicious/torch_tar_storage_record.pt",
    ] {
        let s = scan(rel);
        assert!(
            matches!(s.files[0].container, Container::Tar { .. }),
            "{rel}"
        );
        assert_eq!(s.dangerous_imports, set(&["posix.system"]), "{rel}");
    }
}

#[test]
fn joblib_arrays_are_skipped_exactly() {
    for rel in [
        "malicious/joblib_payload_after_array.joblib",
        "malicious/joblib_no_alignment.joblib",
        "malicious/joblib_zero_padding.joblib",
        "malicious/joblib_gzip.joblib",
        "malicious/joblib_zlib.joblib",
    ] {
        let s = scan(rel);
        assert!(s.scan_errors.is_empty(), "{rel}: {:?}", s.scan_errors);
        assert_eq!(s.dangerous_imports, set(&["posix.system"]), "{rel}");
        assert_eq!(s.format(), Some(PickleFormat::Joblib), "{rel}");
    }
    // A plain joblib.dump of a scikit-learn model reads to the end: its estimator classes are
    // unknown until declared.
    let s = scan("benign/sklearn_random_forest.joblib");
    assert!(s.scan_errors.is_empty(), "{:?}", s.scan_errors);
    assert!(s.dangerous_imports.is_empty());
    assert_eq!(
        s.unknown_imports,
        set(&[
            "sklearn.ensemble._forest.RandomForestClassifier",
            "sklearn.tree._classes.DecisionTreeClassifier",
            "sklearn.tree._tree.Tree"
        ])
    );
    let allow = AllowImports::parse(["sklearn.*"]).unwrap();
    assert!(s.unknown_imports_allowing(&allow).is_empty());
    assert_eq!(s.format(), Some(PickleFormat::Joblib));
}

#[test]
fn benign_files_are_routed_by_kind() {
    let keras = scan("benign/model.keras");
    assert_eq!(
        keras.files[0].container,
        Container::Zip {
            pickle_members: vec![]
        }
    );
    assert!(!keras.unsafe_format());
    for rel in [
        "benign/weights.safetensors",
        "benign/raw_weights.bin",
        "benign/config.json",
        "benign/vocab.txt",
    ] {
        let s = scan(rel);
        assert_eq!(s.files[0].container, Container::NotPickle, "{rel}");
        assert!(!s.unsafe_format(), "{rel}");
    }
    for (rel, format) in [
        ("benign/torch_state_dict.pt", PickleFormat::Pytorch),
        ("benign/torch_state_dict_legacy.pt", PickleFormat::Pytorch),
        ("benign/torch_legacy_tar.pt", PickleFormat::Pytorch),
        ("benign/object_benign.npy", PickleFormat::Numpy),
        ("benign/plain_dict.pkl", PickleFormat::Pickle),
    ] {
        let s = scan(rel);
        assert!(s.pickle_based && s.scan_errors.is_empty(), "{rel}");
        assert_eq!(s.format(), Some(format), "{rel}");
        assert!(
            s.unknown_imports.is_empty(),
            "{rel}: {:?}",
            s.unknown_imports
        );
    }
    let floats = scan("benign/floats.npy");
    assert!(!floats.pickle_based);
}
