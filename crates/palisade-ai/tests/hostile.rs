//! Hostile input for every reader of palisade-ai (SPEC §9): a seeded mini-fuzz of every fixture
//! that must never panic or hang, plus explicit cases: huge inputs and lines, invalid UTF-8,
//! 100k-deep nesting in JSON, YAML and XML, YAML alias bombs, overflowing counts and control
//! characters that must not reach a message. Run with `--nocapture` to see the slowest input
//! per fixture.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::time::{Duration, Instant};

use palisade_ai::AiError;
use palisade_ai::guardrails::{guardrails_ai, nemo};
use palisade_ai::pii;
use palisade_ai::redteam::{garak, promptfoo};
use palisade_testkit::{fixtures, fuzz_all, nested};

/// Every error's message names the input and holds no raw control character.
fn check_error(name: &str, error: &AiError) {
    let message = error.to_string();
    assert!(message.contains(name), "{message}");
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in {message:?}"
    );
}

fn accepts<T>(name: &str, result: Result<T, AiError>) -> bool {
    match result {
        Ok(_) => true,
        Err(error) => {
            check_error(name, &error);
            false
        }
    }
}

fn nemo_one(name: &str, bytes: &[u8]) -> Result<palisade_ai::GuardrailsConfig, AiError> {
    nemo::parse(name, &[nemo::ConfigFile { name, bytes }])
}

#[test]
fn mutated_garak_reports_never_panic() {
    let all = fixtures(&["ai/garak"], &[".report.jsonl"]);
    assert_eq!(all.len(), 3);
    fuzz_all(&all, &[], &|name, bytes| {
        accepts(name, garak::parse(bytes, name))
    });
}

#[test]
fn mutated_promptfoo_results_never_panic() {
    let mut all = fixtures(
        &["ai/promptfoo", "ai/promptfoo/redteam"],
        &[".results.json"],
    );
    // One of the three large OWASP runs: the others have the same shape.
    all.extend(fixtures(
        &["ai/promptfoo/redteam-owasp"],
        &["errors.results.json"],
    ));
    assert_eq!(all.len(), 5);
    fuzz_all(&all, &[], &|name, bytes| {
        accepts(name, promptfoo::parse(bytes, name))
    });
}

#[test]
fn mutated_guardrails_ai_files_never_panic() {
    let all = fixtures(&["ai/guardrails"], &["guard.json", "guards.json", ".rail"]);
    assert_eq!(
        all.len(),
        7,
        "{:?}",
        all.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    // rail-guards.json is the fixture script's own wrapper (file name -> guard), no format.
    fuzz_all(&all, &["ai/guardrails/rail-guards.json"], &|name, bytes| {
        if name.ends_with(".rail") {
            accepts(name, guardrails_ai::parse_rail(bytes, name))
        } else {
            accepts(name, guardrails_ai::parse_json(bytes, name))
        }
    });
}

#[test]
fn mutated_nemo_configs_never_panic() {
    let all = fixtures(
        &[
            "ai/nemoguardrails/config-protected",
            "ai/nemoguardrails/config-pii",
            "ai/nemoguardrails/config-guardrailsai",
        ],
        &[".yml"],
    );
    assert_eq!(all.len(), 5);
    // A config.yml alone lacks its prompts.yml: NeMo refuses it too.
    fuzz_all(
        &all,
        &[
            "ai/nemoguardrails/config-protected/config.yml",
            "ai/nemoguardrails/config-pii/config.yml",
        ],
        &|name, bytes| accepts(name, nemo_one(name, bytes)),
    );
}

#[test]
fn mutated_presidio_scans_never_panic() {
    let all = fixtures(&["ai/pii"], &[".scan.json"]);
    assert_eq!(all.len(), 5);
    fuzz_all(&all, &[], &|name, bytes| {
        accepts(name, pii::parse_presidio(bytes, name))
    });
}

fn err<T: std::fmt::Debug>(result: Result<T, AiError>) -> AiError {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error,
    }
}

#[test]
fn inputs_over_the_size_limit_are_refused_before_parsing() {
    // calloc'd zeroes: the size is checked first, no byte is looked at.
    let huge = vec![0u8; 256 * 1024 * 1024 + 1];
    let start = Instant::now();
    for error in [
        err(garak::parse(&huge, "huge")),
        err(promptfoo::parse(&huge, "huge")),
        err(pii::parse_presidio(&huge, "huge")),
        err(guardrails_ai::parse_json(
            &huge[..4 * 1024 * 1024 + 1],
            "huge",
        )),
        err(guardrails_ai::parse_rail(
            &huge[..4 * 1024 * 1024 + 1],
            "huge",
        )),
        err(nemo_one("huge.yml", &huge[..4 * 1024 * 1024 + 1])),
    ] {
        assert!(matches!(error, AiError::TooLarge { .. }), "{error}");
    }
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_huge_jsonl_line_is_refused() {
    let mut report = br#"{"entry_type": "start_run setup", "plugins.target_type": "x"}"#.to_vec();
    report.push(b'\n');
    report.extend_from_slice(br#"{"entry_type": "attempt", "prompt": ""#);
    report.extend(std::iter::repeat_n(b'a', 17 * 1024 * 1024));
    report.extend_from_slice(b"\"}\n");
    let error = err(garak::parse(&report, "big.report.jsonl"));
    let message = error.to_string();
    assert!(
        message.starts_with("big.report.jsonl: line 2 is 178"),
        "{message}"
    );
    assert!(
        message.ends_with("bytes, more than the limit of 16777216"),
        "{message}"
    );
}

#[test]
fn invalid_utf8_is_an_error_everywhere() {
    let bad = b"{\"a\": \"\xff\xfe\"}";
    for error in [
        err(garak::parse(bad, "bad")),
        err(promptfoo::parse(bad, "bad")),
        err(pii::parse_presidio(bad, "bad")),
        err(guardrails_ai::parse_json(bad, "bad")),
        err(guardrails_ai::parse_rail(b"<rail a=\"\xff\"/>", "bad")),
        err(nemo_one("bad.yml", b"rails: \xff\n")),
        err(nemo_one("bad.co", b"define flow \xff\n")),
    ] {
        assert!(matches!(error, AiError::NotUtf8 { .. }), "{error}");
    }
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let start = Instant::now();
    let json = nested("[", "1", "]", 100_000);
    let object = nested("{\"a\":", "1", "}", 100_000);
    for bytes in [&json, &object] {
        for error in [
            err(promptfoo::parse(bytes, "deep")),
            err(pii::parse_presidio(bytes, "deep")),
            err(guardrails_ai::parse_json(bytes, "deep")),
        ] {
            assert!(matches!(error, AiError::TooDeep { .. }), "{error}");
        }
    }
    let mut report = br#"{"entry_type": "start_run setup", "plugins.target_type": "x"}"#.to_vec();
    report.push(b'\n');
    report.extend(&object);
    assert!(matches!(
        err(garak::parse(&report, "deep")),
        AiError::TooDeep { .. }
    ));
    let xml = nested("<a>", "", "</a>", 100_000);
    let mut rail = b"<rail><output>".to_vec();
    rail.extend(xml);
    rail.extend_from_slice(b"</output></rail>");
    assert!(matches!(
        err(guardrails_ai::parse_rail(&rail, "deep.rail")),
        AiError::TooDeep { .. }
    ));
    for yaml in [
        nested("[", "1", "]", 100_000),
        nested("{a: ", "1", "}", 100_000),
    ] {
        let mut config = b"rails: ".to_vec();
        config.extend(yaml);
        let error = err(nemo_one("deep.yml", &config));
        check_error("deep.yml", &error);
    }
    let mut block = String::from("rails:\n");
    for depth in 1..2_000 {
        block.push_str(&" ".repeat(depth));
        block.push_str("a:\n");
    }
    check_error("block.yml", &err(nemo_one("block.yml", block.as_bytes())));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn yaml_alias_bombs_stop_at_the_budget() {
    // Billion laughs: 10 levels of 10 aliases each, 10^10 strings if expanded.
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let list = [previous.as_str(); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{list}]\n"));
    }
    bomb.push_str("rails:\n  input:\n    flows: *a9\n");
    let start = Instant::now();
    let error = err(nemo_one("bomb.yml", bomb.as_bytes()));
    assert!(matches!(error, AiError::Limit { .. }), "{error}");
    assert!(start.elapsed() < Duration::from_secs(2));

    // The same bomb reached through a mapping key NeMo ignores (it is still expanded).
    let ignored = bomb.replace(
        "rails:\n  input:\n    flows: *a9\n",
        "custom_data:\n  x: *a9\n",
    );
    let error = err(nemo_one("bomb.yml", ignored.as_bytes()));
    assert!(matches!(error, AiError::Limit { .. }), "{error}");

    // Many plain aliases of one anchor.
    let mut many = String::from("x: &x [self check input]\nl:\n");
    for _ in 0..5_000 {
        many.push_str("  - *x\n");
    }
    let error = err(nemo_one("many.yml", many.as_bytes()));
    assert!(matches!(error, AiError::Limit { .. }), "{error}");
}

#[test]
fn counts_that_overflow_are_inconsistent() {
    let report = format!(
        "{}\n{}",
        r#"{"entry_type": "start_run setup", "plugins.target_type": "x", "_config.version": "0.17.1"}"#,
        format_args!(
            r#"{{"entry_type": "eval", "probe": "dan.X", "detector": "d", "passed": {max}, "fails": 1, "nones": 0, "total_evaluated": 0}}"#,
            max = u64::MAX
        )
    );
    let error = err(garak::parse(report.as_bytes(), "overflow.report.jsonl"));
    assert!(matches!(error, AiError::Inconsistent { .. }), "{error}");
    // Numbers beyond u64 are a type error, not a wrap-around.
    let report = report.replace(&u64::MAX.to_string(), "18446744073709551616");
    let error = err(garak::parse(report.as_bytes(), "overflow.report.jsonl"));
    assert!(matches!(error, AiError::InvalidValue { .. }), "{error}");
}

#[test]
fn control_characters_never_reach_a_message() {
    let yaml = "rails:\n  input:\n    flows: [\"check \\e]0;pwned\\a for injection\"]\n";
    let error = err(nemo_one("ctl.yml", yaml.as_bytes()));
    check_error("ctl.yml", &error);
    let probe = "dan.\u{1b}[2J";
    let line = |passed: u64| {
        format!(
            r#"{{"entry_type": "eval", "probe": "{}", "detector": "d", "passed": {passed}, "fails": 0, "nones": 0, "total_evaluated": 1}}"#,
            probe.replace('\u{1b}', "\\u001b")
        )
    };
    let report = format!(
        "{}\n{}\n{}",
        r#"{"entry_type": "start_run setup", "plugins.target_type": "x", "_config.version": "1"}"#,
        line(1),
        line(1)
    );
    let error = err(garak::parse(report.as_bytes(), "ctl.report.jsonl"));
    assert!(error.to_string().contains("\\u{1b}[2J"), "{error}");
    check_error("ctl.report.jsonl", &error);
    let guard = "{\"validators\": [{\"id\": \"x\", \"on\": \"\\u001b[31mred\"}]}";
    check_error(
        "ctl.json",
        &err(guardrails_ai::parse_json(guard.as_bytes(), "ctl.json")),
    );
}

#[test]
fn too_many_nemo_files_are_refused() {
    let names: Vec<String> = (0..1_001).map(|i| format!("f{i}.yml")).collect();
    let files: Vec<nemo::ConfigFile<'_>> = names
        .iter()
        .map(|name| nemo::ConfigFile { name, bytes: b"{}" })
        .collect();
    assert!(matches!(
        err(nemo::parse("cfg", &files)),
        AiError::Limit { .. }
    ));
}

#[test]
fn errors_render_with_their_snippet() {
    let error = err(nemo_one(
        "config.yml",
        b"rails:\n  input:\n    flows:\n      - check for prompt injection\n",
    ));
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &error)
        .unwrap();
    assert!(out.contains("palisade::ai::nemo_unknown_flow"), "{out}");
    assert!(out.contains("not a library flow"), "{out}");
}

#[test]
fn huge_counts_stop_while_reading() {
    // A million and one texts of a Presidio batch: refused during parsing, not after.
    let mut batch = b"[".to_vec();
    batch.extend(std::iter::repeat_n(b"[],".as_slice(), 1_000_000).flatten());
    batch.extend_from_slice(b"[]]");
    let error = err(pii::parse_presidio(&batch, "many.json"));
    assert!(
        error.to_string().contains("more than 1000000 elements"),
        "{error}"
    );
    // A million and one promptfoo rows (each the smallest the reader accepts).
    let row = br#"{"success":true,"provider":{"id":"p"}},"#;
    let mut results =
        br#"{"metadata":{"promptfooVersion":"0.121.20"},"results":{"version":3,"results":["#
            .to_vec();
    results.extend(std::iter::repeat_n(row.as_slice(), 1_000_001).flatten());
    results.pop();
    results.extend_from_slice(b"]}}");
    let error = err(promptfoo::parse(&results, "rows.json"));
    assert!(
        error.to_string().contains("more than 1000000 elements"),
        "{error}"
    );
}
