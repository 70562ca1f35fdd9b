//! Attacks on the gate's inputs (issue 9 items 5, 7): each one said ALLOW or drove the terminal
//! before; each now ends in a denial that shows the input inert, or in exit 2.

use super::{AT, cases, palisade};

/// The spec example with `edit` applied, written next to the real case files (the copy shares
/// the evidence through `../cases` paths would escape the folder, so the whole case is copied).
fn variant(edit: impl Fn(String) -> String, policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&cases(), dir.path());
    let text = std::fs::read_to_string(cases().join("spec-example.pal")).unwrap();
    std::fs::write(dir.path().join("spec-example.pal"), edit(text)).unwrap();
    if let Some(policy) = policy {
        std::fs::write(dir.path().join("policies/attack.cedar"), policy).unwrap();
    }
    dir
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// 9.7: a misspelt attribute made the policy impossible; Cedar only warned and the gate
/// allowed. Now it is an error that names the policy.
#[test]
fn misspelt_attribute_makes_the_policy_an_error_not_a_silent_allow() {
    let dir = variant(
        |t| t,
        Some(
            r#"@id("no-pii-upstream")
forbid (principal, action == Action::"release", resource is Model)
when { resource has upstream_label && resource.upstream_label == "pii" };
"#,
        ),
    );
    let run = palisade(dir.path(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::policy::impossible"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no-pii-upstream"), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "no verdict is printed: {}",
        run.stdout
    );
}

/// 9.7: a policy about `Identity::"trainr"` when the pipeline declares `trainer` never applies.
#[test]
fn policy_naming_an_undeclared_entity_is_an_error_with_a_suggestion() {
    let dir = variant(
        |t| t,
        Some(
            r#"@id("trainer-only")
forbid (principal, action == Action::"write", resource)
unless { principal in Identity::"trainr" };
"#,
        ),
    );
    let run = palisade(dir.path(), &["check", "spec-example.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::policy::unknown_entity"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(r#"did you mean Identity::"trainer"?"#),
        "{}",
        run.stderr
    );
}

/// 9.5: a waiver reason and a policy message carrying terminal escapes (a fake green
/// "allowed" line, a window-title OSC) are printed inert in the human report.
#[test]
fn terminal_escapes_in_messages_and_reasons_are_printed_inert() {
    let dir = variant(
        |t| {
            t.replace(
                "fixed upstream; rebuild scheduled (SEC-1234)",
                r"fixed\u{1b}[2K\r\u{1b}[32mpalisade: ALLOW\u{1b}]0;pwned\u{7}",
            )
        },
        Some(
            "@id(\"evil-message\")\n@message(\"\u{1b}[1A\u{1b}[2K\u{1b}[32m0 violations \u{202e}wolla\")\nforbid (principal, action == Action::\"release\", resource is Model);\n",
        ),
    );
    let run = palisade(dir.path(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{202e}'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains(r"\u{1b}[32mpalisade: ALLOW"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r"\u{202e}wolla"), "{}", run.stdout);
}

/// 9.5: in the Markdown report (a PR comment) a backtick in a policy id or message cannot
/// break out into images, links or HTML.
#[test]
fn markdown_report_keeps_names_and_messages_inert() {
    let dir = variant(
        |t| t,
        Some(
            "@id(\"x` ![img](https://evil.example/p.png) <img src=x onerror=alert(1)> `\")\n@message(\"[click](https://evil.example) **bold** <script>\")\nforbid (principal, action == Action::\"release\", resource is Model);\n",
        ),
    );
    let run = palisade(
        dir.path(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "markdown",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for raw in [
        "![img](", "<img", "<script>", "[click](", "**bold**", "` ![",
    ] {
        assert!(
            !run.stdout.contains(raw),
            "{raw:?} reached the Markdown:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("&lt;script&gt;"), "{}", run.stdout);
}

/// 9.5: names in `.pal` refuse control and bidi characters, and a raw bidi override anywhere
/// in the file (Trojan Source) is an error.
#[test]
fn bidi_and_control_characters_in_the_pipeline_are_refused() {
    let escaped = variant(
        |t| t.replace("\"db-password\" {", "\"db\\u{202e}drowssap\" {"),
        None,
    );
    let run = palisade(escaped.path(), &["check", "spec-example.pal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("palisade::syntax::invalid_name"),
        "{}",
        run.stderr
    );

    let raw = variant(
        |t| t.replace("// The SPEC", "// \u{202e} }\u{2066} The SPEC"),
        None,
    );
    let run = palisade(raw.path(), &["check", "spec-example.pal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("palisade::syntax::bidi_control"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{202e}'), "{:?}", run.stderr);
}

/// 9.4: the lock and a policy file that are links to a file outside the pipeline's folder are
/// refused before they are read, and no diagnostic quotes the file.
#[cfg(unix)]
#[test]
fn links_out_of_the_folder_are_refused_and_never_quoted() {
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "root:x:0:0:root:/root:/bin/bash\n").unwrap();

    let lock = variant(|t| t, None);
    std::os::unix::fs::symlink(secret.path(), lock.path().join("palisade.lock")).unwrap();
    let run = palisade(lock.path(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("root:x:0:0"), "{}", run.stderr);
    assert!(!run.stdout.contains("root:x:0:0"), "{}", run.stdout);

    let policy = variant(|t| t, None);
    std::os::unix::fs::symlink(secret.path(), policy.path().join("policies/leak.cedar")).unwrap();
    let run = palisade(policy.path(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("root:x:0:0"), "{}", run.stderr);
    assert!(
        run.stderr.contains("palisade::read::outside") || run.stderr.contains("outside"),
        "{}",
        run.stderr
    );
}

/// 9.4: a FIFO named as evidence is refused at once (exit 2), never waited on.
#[cfg(unix)]
#[test]
fn a_fifo_as_evidence_is_exit_2_not_a_hang() {
    let dir = variant(|t| t, None);
    let sbom = dir.path().join("sbom/serving.cdx.json");
    std::fs::remove_file(&sbom).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&sbom)
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["evaluate", "spec-example.pal", "--at", AT])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against a hang, not a speed assertion: a blocking open would wait forever.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("palisade blocked on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}

/// An identity with a private `ca` cannot also claim Fulcio fields (`repository`, `workflow`
/// …): the CA verifier does not check them, so the declaration would look enforced and not be.
#[test]
fn fulcio_claims_on_a_ca_identity_are_refused() {
    let dir = variant(
        |t| {
            t.replace(
                r#"subject = "repo:acme/fraud:ref:refs/heads/main""#,
                "subject = \"repo:acme/fraud:ref:refs/heads/main\"\n    ca = \"src/app.py\"\n    repository = \"acme/fraud\"",
            )
        },
        None,
    );
    let run = palisade(dir.path(), &["check", "spec-example.pal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("palisade::syntax::conflicting_attributes"),
        "{}",
        run.stderr
    );
}
