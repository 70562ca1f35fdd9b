//! End-to-end tests of `palisade init` (issue 14 item 1): on a repository made with the real
//! dvc (tests/fixtures/init/make-dvc-repo.sh) and on the examples with their pipeline.pal
//! removed, the written pipeline is pinned, `check` passes on it and `evaluate` runs.

use std::fs;
use std::path::{Path, PathBuf};

use super::copy_dir;
use super::{AT, palisade, root};

/// A scratch copy of `from` named `name` (the pipeline is named after its folder).
fn scratch(from: &Path, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join(name);
    copy_dir(from, &to);
    let _ = fs::remove_file(to.join("pipeline.pal"));
    (dir, to)
}

fn dvc_repo() -> (tempfile::TempDir, PathBuf) {
    scratch(&root().join("tests/fixtures/init/dvc-repo"), "dvc-repo")
}

/// `init`, then `check` passes and `evaluate` gives a verdict (not "unusable input").
fn init_check_evaluate(dir: &Path) -> String {
    let run = palisade(dir, &["init"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).expect("pipeline.pal written");
    assert!(dir.join("policies/team.cedar").is_file() || dir.join("policies").is_dir());
    let check = palisade(dir, &["check"]);
    assert_eq!(
        check.code, 0,
        "check failed on:\n{pipeline}\n{}",
        check.stderr
    );
    let evaluate = palisade(dir, &["evaluate", "--at", AT]);
    assert!(
        evaluate.code == 0 || evaluate.code == 1,
        "{}\n{}",
        evaluate.stdout,
        evaluate.stderr
    );
    pipeline
}

#[test]
fn init_on_a_dvc_repository() {
    let (_tmp, dir) = dvc_repo();
    let pipeline = init_check_evaluate(&dir);
    insta::assert_snapshot!(pipeline);
    // The stages dvc wrote, the model found by content, the image the workflow pushes.
    for line in [
        r#"stage "prepare""#,
        r#"inputs     = [dataset "prepared", code "src"]"#,
        r#"format     = "pickle""#,
        r#"ref        = "ghcr.io/acme/fraud-serving:latest""#,
        "dvc.lock: the md5 of all 9 files it records match the files.",
    ] {
        assert!(pipeline.contains(line), "{line} not in\n{pipeline}");
    }
}

#[test]
fn init_reports_files_that_differ_from_dvc_lock() {
    let (_tmp, dir) = dvc_repo();
    // Someone swapped the training data after `dvc repro`.
    fs::write(
        dir.join("data/transactions.csv"),
        "amount,merchant,label\n1.00,x,1\n",
    )
    .expect("write");
    let run = palisade(&dir, &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("differs from dvc.lock: data/transactions.csv: md5 "),
        "{}",
        run.stderr
    );
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).expect("written");
    assert!(
        pipeline.contains("// DIFFERS FROM dvc.lock: data/transactions.csv"),
        "{pipeline}"
    );
    assert!(pipeline.contains("records e607d41a55435daa01a62e713ee1e8a4"));
    let check = palisade(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn init_refuses_to_overwrite_unless_forced_and_prints_with_stdout() {
    let (_tmp, dir) = dvc_repo();
    fs::write(dir.join("pipeline.pal"), "// mine\n").expect("write");
    let refused = palisade(&dir, &["init"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("palisade::init::exists"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.join("pipeline.pal")).unwrap(),
        "// mine\n"
    );

    let printed = palisade(&dir, &["init", "--stdout"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(printed.stdout.contains(r#"pipeline "dvc-repo""#));
    assert_eq!(
        fs::read_to_string(dir.join("pipeline.pal")).unwrap(),
        "// mine\n"
    );
    assert!(!dir.join("policies").exists(), "--stdout writes nothing");

    let forced = palisade(&dir, &["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        fs::read_to_string(dir.join("pipeline.pal")).unwrap(),
        printed.stdout
    );
}

#[test]
fn init_on_the_fraud_detection_example_without_its_pipeline() {
    let (_tmp, dir) = scratch(&root().join("examples/fraud-detection"), "fraud-detection");
    let pipeline = init_check_evaluate(&dir);
    insta::assert_snapshot!(pipeline);
}

#[test]
fn init_on_the_rag_assistant_example_without_its_pipeline() {
    let (_tmp, dir) = scratch(&root().join("examples/rag-assistant"), "rag-assistant");
    let pipeline = init_check_evaluate(&dir);
    insta::assert_snapshot!(pipeline);
}

/// A FIFO where dvc.lock records a file: `init` hashed it with a plain open, which blocks until
/// a writer comes, so `init` hung. Now the file is refused unopened and reported as differing.
#[cfg(unix)]
#[test]
fn init_does_not_wait_on_a_fifo_listed_in_dvc_lock() {
    let (_tmp, dir) = dvc_repo();
    let data = dir.join("data/transactions.csv");
    fs::remove_file(&data).expect("rm");
    let made = std::process::Command::new("mkfifo")
        .arg(&data)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("init")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // A guard against a hang, not a speed assertion: a blocking open would wait forever.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().expect("kill");
            panic!("palisade init blocked on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("data/transactions.csv: missing or not a regular file, but dvc.lock"),
        "{stderr}"
    );
}
