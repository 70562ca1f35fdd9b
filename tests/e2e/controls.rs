//! Controls (issue 12 item 6) and reports (issue 14 item 6): repeatable `@control`, results
//! grouped by framework, SARIF rules for every loaded policy, Cedar errors naming `@id`, the
//! summary line for partly waived requests.

use std::path::Path;

use super::{AT, Run, cases, palisade};

/// A pipeline folder with one model, one release and the given policy files.
fn folder(policies: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        cases().join("bad-policy/m.safetensors"),
        dir.path().join("m.safetensors"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pipeline.pal"),
        "pipeline \"controls\" {\n  policies = [\"@baseline\", \"policies\"]\n  model \"m\" { path = \"m.safetensors\" }\n  release \"r\" { artifacts = [model \"m\"] environment = \"production\" exposure = \"internal\" }\n}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for (name, text) in policies {
        std::fs::write(dir.path().join("policies").join(name), text).unwrap();
    }
    dir
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

fn evaluate(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["evaluate", "--at", AT];
    args.extend_from_slice(extra);
    palisade(dir, &args)
}

const REPEATED: &str = "// Cedar alone rejects a repeated annotation key.\n\
@id(\"card-everywhere\")\n\
@severity(\"low\")\n\
@control(\"OWASP-LLM09\")\n\
@control(\"AML.T0048.003\")\n\
@ control(\"NIST-AI-RMF-MAP-2.2\")\n\
@message(\"{principal} ships {resource}; @control(\\\"not-a-control\\\") in a string stays\")\n\
@control(\"GDPR-ART-13\")\n\
forbid (principal is Release, action == Action::\"release\", resource is Model)\n\
when { !resource.model_card };\n";

#[test]
fn control_may_repeat_and_every_value_reaches_the_reports() {
    let dir = folder(&[("mine.cedar", REPEATED)]);
    let run = evaluate(dir.path(), &["--format", "json", "--controls"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let mine = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["policy"] == "card-everywhere")
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(
        mine["controls"],
        serde_json::json!([
            "OWASP-LLM09",
            "AML.T0048.003",
            "NIST-AI-RMF-MAP-2.2",
            "GDPR-ART-13"
        ])
    );
    assert_eq!(mine["control"], "OWASP-LLM09");
    let frameworks = report["controls"].as_array().unwrap();
    let owasp = frameworks
        .iter()
        .find(|f| f["framework"] == "owasp-llm")
        .unwrap();
    assert_eq!(owasp["controls"], 10);
    let llm09 = owasp["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "OWASP-LLM09")
        .unwrap();
    assert_eq!(llm09["status"], "failed");
    assert_eq!(llm09["policies"], serde_json::json!(["card-everywhere"]));
    // The user's own control is grouped under "other".
    let other = frameworks
        .iter()
        .find(|f| f["framework"] == "other")
        .unwrap();
    assert!(
        other["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "GDPR-ART-13" && r["status"] == "failed"),
        "{other}"
    );
    // Counts add up for every framework.
    for f in frameworks {
        let n = |k: &str| f[k].as_u64().unwrap();
        assert_eq!(n("checked"), n("passed") + n("failed") + n("waived"), "{f}");
        assert_eq!(n("controls"), n("checked") + n("not_covered"), "{f}");
    }
}

#[test]
fn repeated_controls_keep_diagnostics_on_the_written_lines() {
    // A Cedar error after renamed keys still points at the line and column as written.
    let broken = REPEATED.replace("model_card", "model_crd");
    let dir = folder(&[("mine.cedar", &broken)]);
    let run = evaluate(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("policies/mine.cedar:10:9"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("when { !resource.model_crd };"));
    assert!(!run.stderr.contains("c__0"), "{}", run.stderr);
}

#[test]
fn a_control_misspelt_within_a_framework_is_a_load_error() {
    let typo = REPEATED.replace("AML.T0048.003", "AML.T0048.03");
    let dir = folder(&[("mine.cedar", &typo)]);
    let run = evaluate(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("palisade::policy::annotation"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("AML.T0048.03"), "{}", run.stderr);
    assert!(run.stderr.contains("MITRE ATLAS"), "{}", run.stderr);
}

#[test]
fn cedar_validation_errors_name_the_policy_id() {
    let run = palisade(&cases().join("bad-policy"), &["evaluate", "--at", AT]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("for policy `needs-card`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("policy0"), "{}", run.stderr);
}

#[test]
fn markdown_and_human_reports_group_by_framework() {
    let markdown = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "markdown",
            "--controls",
        ],
    );
    assert_eq!(markdown.code, 1, "{}", markdown.stderr);
    assert!(
        markdown.stdout.contains("### Controls"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("| OWASP Top 10 for LLM Applications 2025 | 10 |"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("| OWASP-LLM02 Sensitive Information Disclosure | failed |"),
        "{}",
        markdown.stdout
    );
    let human = palisade(
        &cases(),
        &["evaluate", "spec-example.pal", "--at", AT, "--controls"],
    );
    assert!(
        human
            .stdout
            .contains("controls: OWASP Top 10 for LLM Applications 2025: "),
        "{}",
        human.stdout
    );
    // Without the flag, reports are as before.
    let plain = palisade(&cases(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert!(!plain.stdout.contains("controls:"), "{}", plain.stdout);
    // The formats without a control section refuse the flag rather than ignore it.
    let sarif = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "sarif",
            "--controls",
        ],
    );
    assert_eq!(sarif.code, 2, "{}", sarif.stdout);
}

#[test]
fn sarif_lists_every_loaded_policy_with_rendered_descriptions() {
    let run = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "sarif",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = json(&run);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let check = palisade(&cases(), &["check", "spec-example.pal"]);
    // "ok: pipeline …: N declarations, N packages, N policies (sha256:…)"
    let loaded: usize = check
        .stdout
        .split(" policies (")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", check.stdout));
    assert!(
        rules.len() >= loaded,
        "{} rules, {loaded} policies",
        rules.len()
    );
    for id in ["baseline-permit", "llm-public-redteam", "lock-signed"] {
        assert!(rules.iter().any(|r| r["id"] == id), "{id} has no rule");
    }
    assert!(!run.stdout.contains("{resource}"), "{}", run.stdout);
    assert!(!run.stdout.contains("{principal}"), "{}", run.stdout);
    let card = rules
        .iter()
        .find(|r| r["id"] == "model-card-required")
        .unwrap();
    assert_eq!(
        card["shortDescription"]["text"],
        "A release ships a model, a model without a model card"
    );
    // Every result's ruleIndex points at its rule.
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn the_summary_line_explains_partly_waived_requests() {
    // spec-example: the waiver covers the image's vulnerability, but other policies still deny
    // shipping the image, so the request counts as denied.
    let run = palisade(&cases(), &["evaluate", "spec-example.pal", "--at", AT]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "5 denied (1 partly waived: a waiver covers one policy, another still denies)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    let bash = palisade(&cases(), &["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("_palisade()"), "{}", bash.stdout);
    assert!(
        bash.stdout.contains("--controls"),
        "every flag is completed"
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let run = palisade(&cases(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("evaluate"), "{shell}");
    }
    let unknown = palisade(&cases(), &["completions", "tcsh"]);
    assert_eq!(unknown.code, 2);
    let man = palisade(&cases(), &["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &man.stdout[..80.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".TH palisade 1"), "{}", man.stdout);
    assert!(man.stdout.contains("completions"), "{}", man.stdout);
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let run = palisade(&cases(), &["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(pages.join("palisade.1").is_file());
    assert!(pages.join("palisade-evaluate.1").is_file());
}

#[test]
fn quiet_leaves_only_results_and_errors() {
    let check = palisade(&cases(), &["check", "spec-example.pal", "--quiet"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert_eq!(check.stdout, "");
    // The report still reaches its reader; the note about the written file does not.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let run = palisade(
        &cases(),
        &[
            "-q",
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("\"decision\": \"deny\"")
    );
    // Errors are never quiet.
    let broken = palisade(&cases().join("bad-policy"), &["check", "--quiet"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("needs-card"), "{}", broken.stderr);
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let ansi = |run: &Run| run.stderr.contains("\u{1b}[");
    let bad = cases().join("bad-policy");
    // The harness sets NO_COLOR and stderr is a pipe: no colour unless asked.
    assert!(!ansi(&palisade(&bad, &["check"])));
    assert!(!ansi(&palisade(&bad, &["check", "--color", "auto"])));
    assert!(ansi(&palisade(&bad, &["check", "--color", "always"])));
    assert!(!ansi(&palisade(&bad, &["check", "--color", "never"])));
    // Reports are never coloured.
    let report = palisade(
        &cases(),
        &[
            "evaluate",
            "spec-example.pal",
            "--at",
            AT,
            "--color",
            "always",
        ],
    );
    assert!(!report.stdout.contains("\u{1b}["), "{}", report.stdout);
}

#[test]
fn lock_progress_is_on_stderr_only_when_asked() {
    let dir = folder(&[]);
    std::fs::remove_dir(dir.path().join("policies")).unwrap();
    let plain = palisade(dir.path(), &["lock"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!plain.stderr.contains("hashing"), "{}", plain.stderr);
    let asked = palisade(dir.path(), &["lock", "--progress"]);
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    assert!(
        asked
            .stderr
            .contains("palisade: hashing 1 local artifact path(s)"),
        "{}",
        asked.stderr
    );
    assert!(
        asked.stderr.contains("palisade: hashed 1 files"),
        "{}",
        asked.stderr
    );
    assert!(
        asked.stdout.starts_with("wrote palisade.lock: 1 artifacts"),
        "{}",
        asked.stdout
    );
    let quiet = palisade(dir.path(), &["lock", "--progress", "--quiet"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stdout, "");
    assert_eq!(quiet.stderr, "");
}
