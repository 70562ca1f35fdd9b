//! The scanner on files the real libraries wrote (tests/fixtures/modelfmt, see its README):
//! Keras 3 `.keras` and legacy `.h5`, h5py layouts, ONNX, GGUF and safetensors, plus the
//! pickle fixtures this crate must leave to palisade-pickle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use palisade_modelfmt::{
    FileScan, FindingKind, Format, Limits, ModelFormatScan, Verdict, scan_bytes, scan_path,
};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/modelfmt")
}

fn scan(rel: &str) -> FileScan {
    let bytes = std::fs::read(fixture_dir().join(rel)).unwrap();
    scan_bytes(&bytes, rel, &Limits::default())
}

/// `(kind, location)` of every finding.
fn found(scan: &FileScan) -> Vec<(FindingKind, &str)> {
    scan.findings
        .iter()
        .map(|f| (f.kind, f.location.as_str()))
        .collect()
}

fn clean(rel: &str, format: Format) {
    let s = scan(rel);
    assert_eq!(
        (s.format, s.verdict()),
        (format, Verdict::Clean),
        "{rel}: {s:?}"
    );
    assert!(!s.runs_code_on_load());
}

#[test]
fn benign_files_of_every_format_are_clean() {
    clean("keras/benign.keras", Format::Keras);
    clean("keras/benign.h5", Format::KerasH5);
    clean("keras/benign.weights.h5", Format::Hdf5);
    clean("onnx/benign.onnx", Format::Onnx);
    clean("gguf/benign.gguf", Format::Gguf);
    clean("gguf/all_types.gguf", Format::Gguf);
    clean("safetensors/benign.safetensors", Format::Safetensors);
}

#[test]
fn keras_lambda_layers_in_both_containers() {
    for (rel, location) in [
        ("keras/lambda.keras", "config.json:/config/layers/2"),
        ("keras/lambda.h5", "model_config:/config/layers/2"),
        ("hdf5/latest.h5", "model_config:/config/layers/2"),
        ("hdf5/fixed_string.h5", "model_config:/config/layers/2"),
        ("hdf5/user_block.h5", "model_config:/config/layers/2"),
    ] {
        let s = scan(rel);
        assert_eq!(s.verdict(), Verdict::Findings, "{rel}");
        assert_eq!(found(&s), [(FindingKind::LambdaLayer, location)], "{rel}");
        assert_eq!(
            s.findings[0].detail,
            "Lambda layer `double` carries marshalled Python bytecode: runs on load when safe_mode is off"
        );
        assert!(s.runs_code_on_load());
    }
}

#[test]
fn keras_custom_objects_nested_in_a_sequential_inside_a_functional_model() {
    let keras = scan("keras/custom.keras");
    assert_eq!(keras.format, Format::Keras);
    assert_eq!(
        found(&keras),
        [
            (
                FindingKind::CustomObject,
                "config.json:/config/layers/1/config/layers/1/config/activation"
            ),
            (
                FindingKind::CustomObject,
                "config.json:/config/layers/1/config/layers/2"
            ),
            (FindingKind::LambdaLayer, "config.json:/config/layers/2"),
            (
                FindingKind::CustomObject,
                "config.json:/config/layers/2/config/function"
            ),
        ]
    );
    let details: Vec<&str> = keras.findings.iter().map(|f| f.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "function `acme>swish2` is a registered custom function",
            "`Scale` resolves to the registered custom object `acme>Scale`",
            "Lambda layer `named_fn` calls function `plus_one`: runs on load when safe_mode is off",
            "function `plus_one` is not a Keras built-in",
        ]
    );
    // The legacy file spells the same objects without modules.
    let h5 = scan("keras/custom.h5");
    assert_eq!(h5.format, Format::KerasH5);
    let kinds: Vec<FindingKind> = h5.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FindingKind::CustomObject,
            FindingKind::CustomObject,
            FindingKind::LambdaLayer,
            FindingKind::CustomObject
        ]
    );
    assert_eq!(
        h5.findings[1].detail,
        "`acme>Scale` names a registered custom object"
    );

    for rel in ["keras/custom_layer.keras", "keras/custom_layer.h5"] {
        let s = scan(rel);
        assert_eq!(
            s.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
            [FindingKind::CustomObject],
            "{rel}"
        );
    }
}

#[test]
fn hdf5_dense_attribute_storage_fails_closed() {
    let s = scan("hdf5/dense_attributes.h5");
    assert_eq!(s.verdict(), Verdict::Unreadable);
    assert_eq!(
        s.error.unwrap().to_string(),
        "hdf5/dense_attributes.h5: hdf5: dense attribute storage (a fractal heap) is not supported, so the file cannot be checked"
    );
}

#[test]
fn onnx_external_data_and_custom_domains() {
    let escape = scan("onnx/external_escape.onnx");
    assert_eq!(
        found(&escape),
        [(
            FindingKind::ExternalDataOutside,
            "graph/initializer[0] \"w\""
        )]
    );
    assert_eq!(escape.external_data, ["../../etc/passwd"]);
    assert!(!escape.runs_code_on_load());
    let absolute = scan("onnx/external_absolute.onnx");
    assert_eq!(absolute.external_data, ["/etc/shadow"]);
    assert_eq!(absolute.findings.len(), 1);

    let inside = scan("onnx/external_inside/model.onnx");
    assert_eq!(inside.verdict(), Verdict::Clean);
    assert_eq!(inside.external_data, ["weights.bin"]);

    let custom = scan("onnx/custom_domain.onnx");
    assert_eq!(
        found(&custom),
        [
            (FindingKind::CustomOperatorDomain, "opset_import[1]"),
            (FindingKind::CustomOperatorDomain, "graph/node[0]"),
        ]
    );
    assert_eq!(
        custom.findings[1].detail,
        "operator `EvilOp` in domain `com.evil`: a custom operator, not defined in the model"
    );
    assert!(custom.runs_code_on_load());
}

#[test]
fn onnx_findings_inside_subgraphs_and_functions() {
    let s = scan("onnx/nested.onnx");
    assert_eq!(
        found(&s),
        [
            (
                FindingKind::ExternalDataOutside,
                "graph/node[1]/else_branch/node[0]/value \"c\""
            ),
            (FindingKind::CustomOperatorDomain, "opset_import[2]"),
            (FindingKind::CustomOperatorDomain, "opset_import[3]"),
            (
                FindingKind::CustomOperatorDomain,
                "functions[0]/opset_import[1]"
            ),
            (
                FindingKind::CustomOperatorDomain,
                "graph/node[1]/else_branch/node[1]"
            ),
            (FindingKind::CustomOperatorDomain, "functions[0]/node[1]"),
            (
                FindingKind::CustomOperatorDomain,
                "graph/node[3]/body/node[1]"
            ),
        ]
    );
    // `local.fn` is the domain of a function the model defines: neither its opset import
    // (opset_import[1]) nor the node calling it (graph/node[4]) is a custom operator.
    assert!(!s.findings.iter().any(|f| f.detail.contains("local.fn")));
}

#[test]
fn gguf_templates_and_truncation() {
    let s = scan("gguf/malicious_template.gguf");
    assert_eq!(s.verdict(), Verdict::Findings);
    assert!(
        s.findings
            .iter()
            .all(|f| f.kind == FindingKind::ChatTemplateInjection
                && f.location == "tokenizer.chat_template")
    );
    let details: Vec<&str> = s.findings.iter().map(|f| f.detail.as_str()).collect();
    for expected in [
        "dunder name `__class__` in template code",
        "dunder name `__subclasses__` in template code",
        "string spells the dunder name `__import__`",
        "`popen` in template code",
    ] {
        assert!(details.contains(&expected), "{details:?}");
    }
    let truncated = scan("gguf/truncated.gguf");
    assert_eq!(truncated.verdict(), Verdict::Unreadable);
    assert_eq!(
        truncated.error.unwrap().to_string(),
        "gguf/truncated.gguf: gguf byte 16: 7 metadata entries cannot fit in the 76 bytes left"
    );
}

#[test]
fn safetensors_headers_the_library_refuses() {
    let cases = [
        (
            "overlap",
            "embed.weight",
            "data_offsets [0, 48] overlap tensor `steps`, which ends at 8",
        ),
        (
            "gap",
            "embed.bias",
            "data_offsets [64, 72] leave a gap after tensor `embed.weight`, which ends at 56",
        ),
        (
            "out_of_range",
            "embed.bias",
            "data_offsets [56, 64] run past the end of the data (56 bytes)",
        ),
        (
            "size_mismatch",
            "embed.weight",
            "shape [3, 5] of dtype F32 needs 60 bytes but data_offsets [8, 56] span 48",
        ),
        ("unknown_dtype", "steps", "unknown dtype `Q4`"),
    ];
    for (name, tensor, detail) in cases {
        let s = scan(&format!("safetensors/{name}.safetensors"));
        assert_eq!(s.verdict(), Verdict::Findings, "{name}");
        assert_eq!(s.findings[0].kind, FindingKind::MalformedHeader);
        assert_eq!(
            (
                s.findings[0].location.as_str(),
                s.findings[0].detail.as_str()
            ),
            (tensor, detail),
            "{name}"
        );
    }
    let huge = scan("safetensors/huge_header.safetensors");
    assert_eq!(huge.verdict(), Verdict::Unreadable);
    assert_eq!(
        huge.error.unwrap().to_string(),
        "safetensors/huge_header.safetensors: safetensors byte 0: more than 67108864 bytes of header (limit)"
    );
}

#[test]
fn pickle_family_files_are_not_mine_and_never_clean() {
    for folder in ["pickles", "pickles-extra"] {
        let scan = scan_path(&fixture_dir().join("..").join(folder), &Limits::default()).unwrap();
        for file in &scan.files {
            if file.path.ends_with(".safetensors") {
                assert_eq!(file.verdict(), Verdict::Clean, "{}", file.path);
                continue;
            }
            assert_eq!(file.verdict(), Verdict::NotMine, "{}", file.path);
            let protocol_0_or_1 = file.path.contains("proto0")
                || file.path.contains("proto1")
                || ["garbage.pkl", "README.md", "make.py"]
                    .iter()
                    .any(|n| file.path.ends_with(n));
            let expected = if protocol_0_or_1 {
                Format::Unknown
            } else {
                Format::Pickle
            };
            assert_eq!(file.format, expected, "{}", file.path);
        }
    }
}

fn by_path<'a>(scan: &'a ModelFormatScan, path: &str) -> &'a FileScan {
    scan.files.iter().find(|f| f.path == path).unwrap()
}

#[test]
fn a_directory_model_merges_its_files() {
    let model = scan_path(
        &fixture_dir().join("onnx/external_inside"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(model.files.len(), 2);
    assert_eq!(model.format(), Format::Onnx);
    assert_eq!(by_path(&model, "weights.bin").format, Format::Unknown);
    assert!(model.findings().next().is_none());
    assert!(!model.unsafe_format());

    let keras = scan_path(&fixture_dir().join("keras"), &Limits::default()).unwrap();
    assert_eq!(keras.format(), Format::Mixed);
    assert_eq!(
        keras.finding_kinds().into_iter().collect::<Vec<_>>(),
        ["custom_object", "lambda_layer"]
    );
    assert!(keras.runs_code_on_load());
    assert_eq!(
        by_path(&keras, "lambda.keras").findings[0].file,
        "lambda.keras"
    );

    // Nothing recognised: unknown, so not safe.
    let nothing = tempfile::tempdir().unwrap();
    std::fs::write(
        nothing.path().join("saved_model.pb"),
        [0x08, 0x01, 0x12, 0x00],
    )
    .unwrap();
    let unknown = scan_path(nothing.path(), &Limits::default()).unwrap();
    assert_eq!(unknown.format(), Format::Unknown);
    assert!(unknown.unsafe_format());
    // Only pickles: this crate leaves the verdict to palisade-pickle.
    let pickles = scan_path(&fixture_dir().join("../pickles"), &Limits::default()).unwrap();
    assert_eq!(pickles.format(), Format::Pickle);
    assert!(!pickles.unsafe_format());

    let gguf = scan_path(&fixture_dir().join("gguf"), &Limits::default()).unwrap();
    assert_eq!(gguf.format(), Format::Gguf);
    assert_eq!(gguf.unreadable().count(), 1);
    assert!(gguf.unsafe_format());
}

#[cfg(unix)]
#[test]
fn external_data_through_a_symbolic_link_is_outside() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.bin");
    std::fs::write(&secret, [0u8; 8]).unwrap();
    let model = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("onnx/external_inside/model.onnx"),
        model.path().join("model.onnx"),
    )
    .unwrap();
    // The model's `weights.bin` is a link to a file outside its folder.
    std::os::unix::fs::symlink(&secret, model.path().join("weights.bin")).unwrap();

    let scan = scan_path(model.path(), &Limits::default()).unwrap();
    assert_eq!(scan.skipped_symlinks, ["weights.bin"]);
    let onnx = by_path(&scan, "model.onnx");
    assert_eq!(
        found(onnx),
        [(FindingKind::ExternalDataOutside, "weights.bin")]
    );
    assert!(
        onnx.findings[0]
            .detail
            .contains("resolves through a symbolic link to"),
        "{}",
        onnx.findings[0].detail
    );
    // Scanning the file alone checks against its own folder the same way.
    let single = scan_path(&model.path().join("model.onnx"), &Limits::default()).unwrap();
    assert_eq!(single.files[0].findings.len(), 1);

    // A link that stays inside the folder is fine.
    std::fs::remove_file(model.path().join("weights.bin")).unwrap();
    std::fs::write(model.path().join("real.bin"), [0u8; 8]).unwrap();
    std::os::unix::fs::symlink("real.bin", model.path().join("weights.bin")).unwrap();
    let scan = scan_path(model.path(), &Limits::default()).unwrap();
    assert!(scan.findings().next().is_none());
}

#[test]
fn a_missing_path_is_an_error_and_an_unreadable_file_is_a_verdict() {
    let err = scan_path(Path::new("/nonexistent/model"), &Limits::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read /nonexistent/model")
    );
    let limits = Limits {
        max_file_size: 10,
        ..Limits::default()
    };
    let s = scan_path(&fixture_dir().join("onnx/benign.onnx"), &limits).unwrap();
    assert_eq!(s.files[0].verdict(), Verdict::Unreadable);
    assert!(s.unsafe_format());
}
