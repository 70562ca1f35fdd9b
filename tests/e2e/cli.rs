//! The command line itself: every subcommand's `--help` pinned (it is the first documentation
//! a user reads, and a reviewer should see every change to it), and every option fed hostile
//! values: each ends in a clear error (exit 2) or a verdict, never a panic.

use super::{AT, cases, palisade};

const SUBCOMMANDS: &[&str] = &[
    "", "check", "evaluate", "explain", "graph", "schema", "test", "lock", "hash", "keygen",
    "attest", "verify", "sign",
];

#[test]
fn help_of_every_subcommand_is_pinned() {
    for sub in SUBCOMMANDS {
        let args: Vec<&str> = if sub.is_empty() {
            vec!["--help"]
        } else {
            vec![sub, "--help"]
        };
        let run = palisade(&cases(), &args);
        assert_eq!(run.code, 0, "{sub} --help: {}", run.stderr);
        let name = if sub.is_empty() { "palisade" } else { sub };
        insta::assert_snapshot!(format!("help-{name}"), without_age(&run.stdout));
    }
}

/// `verify --help` says how old the embedded trusted root is, which changes every day.
fn without_age(text: &str) -> String {
    let Some(end) = text.find(" days old)") else {
        return text.to_owned();
    };
    let start = text[..end]
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .len();
    format!("{}N{}", &text[..start], &text[end..])
}

/// Values that broke or could break parsers: multi-byte characters where a parser slices
/// bytes (`+0\u{2000}0` once panicked), controls, huge and empty values, paths that are not
/// there or are devices.
const HOSTILE: &[&str] = &[
    "2026-01-01T00:00:00+0\u{2000}0",
    "2026-13-45T99:99:99Z",
    "+999999-01-01T00:00:00Z",
    "",
    " ",
    "-",
    "--",
    "\u{1b}]0;pwned\u{7}",
    "\u{202e}lanigiro",
    "@",
    "@baseline\u{0}",
    "/dev/zero",
    "/dev/null",
    "/proc/self/mem",
    "nonexistent/deeply/../../x",
    "é",
    "9223372036854775807",
    "sha256:",
    "..",
];

#[test]
fn hostile_option_values_end_in_exit_2_or_a_verdict_never_a_panic() {
    let dir = cases();
    let options: &[(&[&str], &str)] = &[
        (&["evaluate", "spec-example.pal", "--at"], ""),
        (
            &["evaluate", "spec-example.pal", "--at", AT, "--format"],
            "",
        ),
        (
            &["evaluate", "spec-example.pal", "--at", AT, "--policies"],
            "",
        ),
        (&["evaluate", "spec-example.pal", "--at", AT, "--lock"], ""),
        (&["evaluate", "--at", AT], "pipeline"),
        (&["explain", "spec-example.pal", "--at", AT], "target"),
        (&["graph", "spec-example.pal", "--format"], ""),
        (&["test"], "folder"),
        (&["verify"], "bundle"),
        (&["hash"], "path"),
    ];
    let long = "9".repeat(100_000);
    let mut values: Vec<&str> = HOSTILE.to_vec();
    values.push(&long);
    let mut failures = Vec::new();
    for (prefix, _) in options {
        for value in &values {
            // NUL cannot be passed in an argument: the OS refuses it before we run.
            if value.contains('\u{0}') {
                continue;
            }
            let mut args = prefix.to_vec();
            args.push(value);
            let run = palisade(&dir, &args);
            let ok = matches!(run.code, 0..=2)
                && !run.stderr.contains("panicked")
                && !run.stderr.contains("RUST_BACKTRACE")
                && !run.stdout.contains('\u{1b}')
                && !run.stderr.contains('\u{1b}');
            if !ok {
                failures.push(format!(
                    "{args:?}: exit {}\n{}",
                    run.code,
                    run.stderr.chars().take(400).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
