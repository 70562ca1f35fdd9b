//! Recording real runs: inputs and outputs hashed, a recorded folder's writes found, the
//! statement signed and read back, and the comparison with the declaration.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::fs;

use palisade_intoto::keys::{TrustedKey, VerificationKey};
use palisade_intoto::run::{ChangeKind, RunRequest, run_stage};
use palisade_intoto::write::{sign_bundle, sign_dsse};
use palisade_intoto::{
    DeclaredArtifact, Form, IntotoError, Trust, Wrapper, compare, read_attestation,
};
use palisade_sigstore::keys::SigningKey;

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    fs::create_dir_all(w.join("data")).unwrap();
    fs::create_dir_all(w.join("src")).unwrap();
    fs::write(w.join("data/transactions.csv"), "id,amount\n1,2\n").unwrap();
    fs::write(w.join("data/pii.csv"), "id,email\n1,a@example.com\n").unwrap();
    fs::write(
        w.join("src/train.sh"),
        "cat data/transactions.csv > model/m.bin\n",
    )
    .unwrap();
    fs::write(w.join("stale.txt"), "old\n").unwrap();
    dir
}

#[test]
fn inputs_outputs_and_status_are_recorded() {
    let dir = workspace();
    let w = dir.path();
    let req = RunRequest {
        stage: "train".into(),
        command: sh("mkdir -p model && cat data/transactions.csv > model/m.bin && exit 3"),
        base: w.to_path_buf(),
        working_dir: Some(w.to_path_buf()),
        inputs: vec![w.join("data/transactions.csv"), w.join("src")],
        outputs: vec![w.join("model"), w.join("never-written.bin")],
        ..Default::default()
    };
    let run = run_stage(&req).unwrap();
    assert_eq!(run.status.code(), Some(3));
    let names =
        |rs: &[palisade_intoto::Resource]| rs.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&run.materials),
        vec!["data/transactions.csv", "src/train.sh"]
    );
    assert_eq!(names(&run.products), vec!["model/m.bin"]);
    assert_eq!(
        run.materials[0].digests["sha256"],
        run.products[0].digests["sha256"]
    );
    assert_eq!(run.missing_outputs, vec!["never-written.bin"]);
    assert!(run.changes.is_empty());

    let statement = run.statement();
    assert_eq!(statement.byproducts["return-value"], 3);
    let key = SigningKey::generate_p256();
    let trusted = [TrustedKey {
        name: "ci".into(),
        key: VerificationKey::Sigstore(key.public_key()),
    }];
    let public_pem = key.public_key().to_pem();
    for (signed, wrapper) in [
        (sign_dsse(&statement.to_json(), &key), Wrapper::Dsse),
        (
            sign_bundle(&statement.to_json(), &key, &public_pem),
            Wrapper::SigstoreBundle,
        ),
    ] {
        let record =
            read_attestation(signed.as_bytes(), "run.json", &Trust::keys(&trusted)).unwrap();
        assert_eq!(record.signer(), Some("ci"));
        assert_eq!((record.form, record.wrapper), (Form::LinkV03, wrapper));
        assert_eq!(record.name.as_deref(), Some("train"));
        assert_eq!(record.command, req.command);
        assert_eq!(record.materials, run.materials);
        assert_eq!(record.products, run.products);
        assert_eq!(record.return_value(), Some(3));

        let hash = |rel: &str| {
            let tree =
                palisade_hash::hash_path(&w.join(rel), &palisade_hash::HashOptions::default())
                    .unwrap();
            DeclaredArtifact::from_tree(rel, Some(rel), &tree)
        };
        let c = compare(
            &record,
            &[hash("data/transactions.csv"), hash("src")],
            &[hash("model")],
            &[],
        );
        assert_eq!(c.matched.len(), 3, "{c:?}");
        assert!(c.undeclared_inputs.is_empty() && c.unattested_outputs.is_empty());
    }
}

#[test]
fn a_recorded_folder_shows_writes_and_everything_that_could_be_read() {
    let dir = workspace();
    let w = dir.path();
    std::os::unix::fs::symlink("/etc/passwd", w.join("outside-link")).unwrap();
    fs::create_dir(w.join(".git")).unwrap();
    fs::write(w.join(".git/HEAD"), "ref\n").unwrap();
    let req = RunRequest {
        stage: "train".into(),
        command: sh(
            "mkdir -p model && cat data/transactions.csv data/pii.csv > model/m.bin && echo more >> data/transactions.csv && rm stale.txt && echo x > .git/HEAD",
        ),
        base: w.to_path_buf(),
        working_dir: Some(w.to_path_buf()),
        inputs: vec![w.join("data/transactions.csv")],
        record: Some(w.to_path_buf()),
        ..Default::default()
    };
    let run = run_stage(&req).unwrap();
    assert!(run.status.success());
    let changes: Vec<(&str, ChangeKind)> = run
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.kind))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("data/transactions.csv", ChangeKind::Modified),
            ("model/m.bin", ChangeKind::Added),
            ("stale.txt", ChangeKind::Removed),
        ]
    );
    // Every file before the run is a material (the PII table included); .git is ignored.
    let mut materials: Vec<&str> = run.materials.iter().map(|r| r.name.as_str()).collect();
    materials.sort();
    assert_eq!(
        materials,
        vec![
            "data/pii.csv",
            "data/transactions.csv",
            "src/train.sh",
            "stale.txt"
        ]
    );
    let products: Vec<&str> = run.products.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(products, vec!["data/transactions.csv", "model/m.bin"]);
    // The link was listed, never followed out of the folder.
    assert_eq!(run.skipped.len(), 1);
    assert_eq!(run.skipped[0].path, "outside-link");
    assert_eq!(run.skipped[0].what, "symlink → /etc/passwd");
    let statement = run.statement();
    assert_eq!(
        statement.byproducts["removed"],
        serde_json::json!(["stale.txt"])
    );
    assert_eq!(
        statement.byproducts["not-hashed"]["outside-link"],
        "symlink → /etc/passwd"
    );

    // Compared with a declaration that names only the transactions: the PII table is an
    // undeclared input, found by content.
    let key = SigningKey::generate_p256();
    let trusted = [TrustedKey {
        name: "ci".into(),
        key: VerificationKey::Sigstore(key.public_key()),
    }];
    let record = read_attestation(
        sign_dsse(&statement.to_json(), &key).as_bytes(),
        "run",
        &Trust::keys(&trusted),
    )
    .unwrap();
    let pii = DeclaredArtifact::from_tree(
        "customers",
        None,
        &palisade_hash::hash_path(
            &w.join("data/pii.csv"),
            &palisade_hash::HashOptions::default(),
        )
        .unwrap(),
    );
    let c = compare(&record, &[], &[], &[pii]);
    let known: Vec<_> = c
        .undeclared_inputs
        .iter()
        .filter(|u| !u.known_as.is_empty())
        .collect();
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].resource.name, "data/pii.csv");
}

#[test]
fn unusable_requests_are_errors() {
    let dir = workspace();
    let w = dir.path();
    let base = RunRequest {
        stage: "s".into(),
        command: vec!["true".into()],
        base: w.join("data"),
        ..Default::default()
    };
    let err = run_stage(&RunRequest {
        command: vec![],
        ..base.clone()
    })
    .unwrap_err();
    assert!(matches!(err, IntotoError::Request { .. }), "{err}");
    let err = run_stage(&RunRequest {
        inputs: vec![w.join("src/train.sh")],
        ..base.clone()
    })
    .unwrap_err();
    assert!(matches!(err, IntotoError::OutsideBase { .. }), "{err}");
    let err = run_stage(&RunRequest {
        inputs: vec![w.join("data/../src/train.sh")],
        ..base.clone()
    })
    .unwrap_err();
    assert!(matches!(err, IntotoError::OutsideBase { .. }), "{err}");
    let err = run_stage(&RunRequest {
        command: vec!["/nonexistent/palisade-test-program".into()],
        ..base.clone()
    })
    .unwrap_err();
    assert!(matches!(err, IntotoError::Spawn { .. }), "{err}");
    let err = run_stage(&RunRequest {
        inputs: vec![w.join("data/missing.csv")],
        ..base
    })
    .unwrap_err();
    assert!(matches!(err, IntotoError::Hash(_)), "{err}");
}
