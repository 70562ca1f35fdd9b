//! `palisade init` infers stages from their attestations (issues 11 and 14): a folder without
//! `dvc.yaml` but with the signed record of a run (`in-toto-run` links, here the real ones in
//! tests/fixtures/intoto) gets a stage whose inputs are the record's materials, outputs its
//! products, `attestation =` the record, and `runs_as` an identity with the folder's key that
//! verifies it. `evaluate` then verifies what init only read.

use std::fs;
use std::path::PathBuf;

use super::copy_dir;
use super::{AT, palisade, root};

/// A scratch repository: the in-toto fixtures' workspace, one link under `links/`, and the
/// P-256 public key under `keys/`.
fn repository(link: &str) -> (tempfile::TempDir, PathBuf) {
    let fixtures = root().join("tests/fixtures/intoto");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("train-repo");
    copy_dir(&fixtures.join("workspace"), &dir);
    fs::create_dir_all(dir.join("links")).expect("mkdir links");
    fs::create_dir_all(dir.join("keys")).expect("mkdir keys");
    fs::copy(fixtures.join(link), dir.join("links/train.3e134cc8.link")).expect("copy link");
    fs::copy(fixtures.join("keys/p256.pub"), dir.join("keys/p256.pub")).expect("copy key");
    (tmp, dir)
}

/// The `stage "train"` block of a written pipeline, with the comments above it.
fn stage_block(pipeline: &str) -> String {
    let start = pipeline
        .find("  // command:")
        .or_else(|| pipeline.find("  stage \"train\""))
        .expect("a train stage");
    let end = start + pipeline[start..].find("\n  }\n").expect("stage end") + 4;
    pipeline[start..end].to_owned()
}

#[test]
fn init_turns_an_in_toto_run_link_into_a_verified_stage() {
    let (_tmp, dir) = repository("classic/train.3e134cc8.link");
    let run = palisade(&dir, &["init"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("1 stage"),
        "the summary counts the inferred stage:\n{}",
        run.stderr
    );
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).expect("pipeline.pal written");
    assert!(
        pipeline.contains("identity \"train-runner\""),
        "the identity the key verifies:\n{pipeline}"
    );
    insta::assert_snapshot!(stage_block(&pipeline));
    // What init wrote checks, locks and evaluates; evaluate verifies the link itself.
    let check = palisade(&dir, &["check"]);
    assert_eq!(check.code, 0, "{pipeline}\n{}", check.stderr);
    let lock = palisade(&dir, &["lock"]);
    assert_eq!(lock.code, 0, "{}", lock.stderr);
    let explain = palisade(&dir, &["explain", "stage", "train", "--at", AT]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain.stdout.contains("attestation:   verified"),
        "{}",
        explain.stdout
    );
    assert!(
        !explain.stdout.contains("undeclared input"),
        "the honest run reads only what init declared:\n{}",
        explain.stdout
    );
}

#[test]
fn init_declares_the_pii_table_a_run_really_read() {
    // The sneaky run (`-m data src`, `train.py --with-pii`) read the PII table: inferring from
    // the record, not from what a human remembered, makes it a declared input.
    let (_tmp, dir) = repository("sneaky/train.3e134cc8.link");
    let run = palisade(&dir, &["init"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).expect("pipeline.pal written");
    let stage = stage_block(&pipeline);
    assert!(
        stage.contains("dataset \"customers-pii\""),
        "the PII table is an input:\n{stage}"
    );
    assert!(
        stage.contains("differs from what the run wrote"),
        "the model on disk is not the one this run wrote:\n{stage}"
    );
    let check = palisade(&dir, &["check"]);
    assert_eq!(check.code, 0, "{pipeline}\n{}", check.stderr);
}

#[test]
fn a_link_no_key_in_the_folder_verifies_leaves_the_signer_to_the_user() {
    let (_tmp, dir) = repository("classic/train.3e134cc8.link");
    fs::remove_file(dir.join("keys/p256.pub")).expect("remove key");
    let run = palisade(&dir, &["init"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).expect("pipeline.pal written");
    assert!(!pipeline.contains("runs_as    ="), "{pipeline}");
    assert!(
        run.stderr.contains("stage \"train\": who runs it"),
        "listed as not inferred:\n{}",
        run.stderr
    );
}
