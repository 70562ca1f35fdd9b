//! Every reader on what the real tools wrote (tests/fixtures/ai/, see its README): a passing
//! and a failing run of each, and for the guardrail frameworks a check that the reader agrees
//! with the framework's own reading of the same files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use palisade_ai::guardrails::{guardrails_ai, nemo};
use palisade_ai::modelcard::{self, PrivacyClaim, RobustnessClaim};
use palisade_ai::pii;
use palisade_ai::redteam::{garak, promptfoo};
use palisade_ai::{AiError, CheckKind, Counts, OwaspLlm, Position, RedTeamReport};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ai")
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&bytes(rel)).unwrap()
}

fn counts(attempts: u64, passes: u64, failures: u64, errors: u64) -> Counts {
    Counts {
        attempts,
        passes,
        failures,
        errors,
    }
}

/// (category, attempts, failures, errors) for every category.
fn summary(report: &RedTeamReport) -> Vec<(String, u64, u64, u64)> {
    report
        .categories
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                c.counts.attempts,
                c.counts.failures,
                c.counts.errors,
            )
        })
        .collect()
}

fn kinds(set: &BTreeSet<CheckKind>) -> Vec<&'static str> {
    set.iter().map(|k| k.as_str()).collect()
}

// ---- garak 0.17.1 ----

#[test]
fn garak_failing_run() {
    let report = garak::parse(
        &bytes("garak/garak-fail.report.jsonl"),
        "garak-fail.report.jsonl",
    )
    .unwrap();
    assert_eq!(report.version, "0.17.1");
    assert_eq!(
        report.run_id.as_deref(),
        Some("6d431ccd-3be3-43a3-a1f5-9397718ac64d")
    );
    let ran_at = report.ran_at.as_ref().unwrap();
    assert_eq!(ran_at.text, "2026-12-01T14:08:45.494556");
    assert!(!ran_at.zone_known);
    assert_eq!(report.target.kind, "test.Repeat");
    assert_eq!(report.target.name, None);
    assert_eq!(
        summary(&report),
        [
            ("dan".into(), 2, 1, 0),
            ("latentinjection".into(), 8, 8, 0),
            ("promptinject".into(), 8, 8, 0)
        ]
    );
    // The numbers garak printed as attack success rate, per probe and detector.
    let dan = &report.categories[0].checks;
    assert_eq!(dan[0].detector.as_deref(), Some("dan.DAN"));
    assert_eq!(dan[0].counts.attack_success_permille(), Some(1000));
    assert_eq!(
        dan[1].detector.as_deref(),
        Some("mitigation.MitigationBypass")
    );
    assert_eq!(dan[1].counts.attack_success_permille(), Some(0));
    assert_eq!(report.totals, counts(18, 1, 17, 0));
    assert!(report.conclusive(), "{:?}", report.inconclusive);
    // Every probe of this run carries owasp:llm01 in the report.
    assert_eq!(report.owasp_failed(), [OwaspLlm::Llm01]);
    assert_eq!(report.by_owasp()[&OwaspLlm::Llm01], report.totals);
}

#[test]
fn garak_blank_target_still_fails_mitigation_bypass() {
    let report = garak::parse(
        &bytes("garak/garak-pass.report.jsonl"),
        "garak-pass.report.jsonl",
    )
    .unwrap();
    assert_eq!(report.target.kind, "test.Blank");
    assert_eq!(
        summary(&report),
        [
            ("dan".into(), 2, 1, 0),
            ("latentinjection".into(), 8, 0, 0),
            ("promptinject".into(), 8, 0, 0)
        ]
    );
    // An empty reply contains no refusal: garak counts it as a bypass (FACTS.md).
    let bypass = &report.categories[0].checks[1];
    assert_eq!(bypass.probe, "dan.Dan_11_0");
    assert_eq!(
        bypass.detector.as_deref(),
        Some("mitigation.MitigationBypass")
    );
    assert_eq!(bypass.counts, counts(1, 0, 1, 0));
    assert_eq!(report.totals.attack_success_permille(), Some(56));
}

#[test]
fn garak_passing_run() {
    let report = garak::parse(
        &bytes("garak/garak-pass-refusal.report.jsonl"),
        "garak-pass-refusal.report.jsonl",
    )
    .unwrap();
    assert_eq!(report.target.kind, "function");
    assert_eq!(report.target.name.as_deref(), Some("refusal_target#refuse"));
    assert_eq!(report.totals, counts(18, 18, 0, 0));
    assert_eq!(report.totals.attack_success_permille(), Some(0));
    assert!(report.owasp_failed().is_empty());
    assert!(report.conclusive());
}

#[test]
fn garak_report_cut_short_is_inconclusive() {
    let full = bytes("garak/garak-fail.report.jsonl");
    let text = String::from_utf8(full).unwrap();
    // Keep the lines up to the first probe's results: no completion, two probes missing.
    let cut: Vec<&str> = text.lines().take(9).collect();
    let report = garak::parse(cut.join("\n").as_bytes(), "cut.report.jsonl").unwrap();
    assert_eq!(
        report.inconclusive,
        [
            "the run did not finish (the report has no \"completion\" entry)",
            "probe latentinjection.LatentInjectionFactSnippetEiffel was run but has no result",
            "probe promptinject.HijackHateHumans was run but has no result"
        ]
    );
}

#[test]
fn garak_eval_edited_against_its_digest_is_refused() {
    let text = String::from_utf8(bytes("garak/garak-fail.report.jsonl")).unwrap();
    // Someone turns the 8 prompt-injection hits into passes on the eval line only.
    let edited = text.replacen(
        r#""detector": "promptinject.AttackRogueString", "passed": 0, "fails": 8"#,
        r#""detector": "promptinject.AttackRogueString", "passed": 8, "fails": 0"#,
        1,
    );
    assert_ne!(edited, text);
    let error = garak::parse(edited.as_bytes(), "edited.report.jsonl").unwrap_err();
    assert!(matches!(error, AiError::Inconsistent { .. }), "{error}");
    assert!(
        error.to_string().contains(
            "promptinject.HijackHateHumans / promptinject.AttackRogueString: the digest says passed Some(0)"
        ),
        "{error}"
    );
}

#[test]
fn garak_hitlog_is_not_a_report() {
    let error = garak::parse(
        &bytes("garak/garak-fail.hitlog.jsonl"),
        "garak-fail.hitlog.jsonl",
    )
    .unwrap_err();
    assert!(matches!(error, AiError::UnknownFormat { .. }), "{error:?}");
}

// ---- promptfoo 0.121.20 ----

#[test]
fn promptfoo_plain_eval() {
    let fail = promptfoo::parse(
        &bytes("promptfoo/promptfoo-fail.results.json"),
        "promptfoo-fail.results.json",
    )
    .unwrap();
    assert_eq!(fail.version, "0.121.20");
    assert_eq!(fail.target.kind, "echo");
    assert_eq!(fail.target.name.as_deref(), Some("vulnerable-echo-bot"));
    assert_eq!(
        fail.ran_at.as_ref().unwrap().text,
        "2026-12-01T14:06:08.846Z"
    );
    assert!(fail.ran_at.as_ref().unwrap().zone_known);
    assert_eq!(summary(&fail), [("custom".into(), 4, 3, 0)]);
    assert!(fail.categories[0].owasp.is_empty());
    assert!(fail.conclusive());
    let pass = promptfoo::parse(
        &bytes("promptfoo/promptfoo-pass.results.json"),
        "promptfoo-pass.results.json",
    )
    .unwrap();
    assert_eq!(pass.target.kind, "file://refusal_provider.js");
    assert_eq!(pass.totals, counts(4, 4, 0, 0));
}

#[test]
fn promptfoo_intent_red_team() {
    let fail = promptfoo::parse(
        &bytes("promptfoo/redteam/promptfoo-redteam-fail.results.json"),
        "promptfoo-redteam-fail.results.json",
    )
    .unwrap();
    assert_eq!(summary(&fail), [("intent".into(), 6, 6, 0)]);
    let strategies: Vec<(Option<&str>, Vec<OwaspLlm>)> = fail.categories[0]
        .checks
        .iter()
        .map(|c| (c.detector.as_deref(), c.owasp.clone()))
        .collect();
    // `intent` alone maps to nothing; delivered through a strategy it is an LLM01 attack.
    assert_eq!(
        strategies,
        [
            (None, vec![]),
            (Some("base64"), vec![OwaspLlm::Llm01]),
            (Some("jailbreak-templates"), vec![OwaspLlm::Llm01])
        ]
    );
    assert_eq!(fail.by_owasp()[&OwaspLlm::Llm01], counts(4, 0, 4, 0));
    let pass = promptfoo::parse(
        &bytes("promptfoo/redteam/promptfoo-redteam-pass.results.json"),
        "promptfoo-redteam-pass.results.json",
    )
    .unwrap();
    assert_eq!(pass.totals, counts(6, 6, 0, 0));
    assert!(pass.conclusive());
}

#[test]
fn promptfoo_owasp_red_team_fail_pass_and_errors() {
    let read = |v: &str| {
        let name = format!("promptfoo/redteam-owasp/promptfoo-owasp-{v}.results.json");
        promptfoo::parse(&bytes(&name), &name).unwrap()
    };
    let fail = read("fail");
    assert_eq!(
        summary(&fail),
        [
            ("hallucination".into(), 4, 4, 0),
            ("pii:direct".into(), 6, 6, 0),
            ("prompt-extraction".into(), 4, 4, 0),
            ("sql-injection".into(), 4, 4, 0)
        ]
    );
    let ids = |report: &RedTeamReport| -> Vec<&str> {
        report.owasp_failed().iter().map(|o| o.id()).collect()
    };
    assert_eq!(
        ids(&fail),
        [
            "LLM01", "LLM02", "LLM05", "LLM06", "LLM07", "LLM08", "LLM09"
        ]
    );
    assert_eq!(
        fail.by_owasp()[&OwaspLlm::Llm07],
        counts(10, 0, 10, 0),
        "prompt-extraction (4) and pii:direct (6)"
    );
    assert_eq!(fail.totals.attack_success_permille(), Some(1000));

    let pass = read("pass");
    assert_eq!(pass.totals, counts(18, 18, 0, 0));
    assert!(pass.owasp_failed().is_empty());
    assert!(pass.conclusive());

    // The flaky target errored on every base64 test: errors are not passes.
    let errors = read("errors");
    assert_eq!(errors.target.name.as_deref(), Some("flaky-bot"));
    assert_eq!(errors.totals, counts(18, 9, 0, 9));
    assert_eq!(errors.totals.attack_success_permille(), Some(500));
    assert!(!errors.conclusive());
    assert_eq!(
        errors.inconclusive,
        ["9 of 18 attempts could not be judged (counted as successful attacks)"]
    );
    // Only the base64 rows errored, and base64 makes every test an LLM01 attempt.
    assert_eq!(ids(&errors), ids(&fail));
}

#[test]
fn promptfoo_edited_stats_are_refused() {
    let text = String::from_utf8(bytes(
        "promptfoo/redteam-owasp/promptfoo-owasp-fail.results.json",
    ))
    .unwrap();
    let edited = text.replacen("\"success\": false", "\"success\": true", 1);
    assert_ne!(edited, text);
    let error = promptfoo::parse(edited.as_bytes(), "edited.json").unwrap_err();
    assert!(matches!(error, AiError::Inconsistent { .. }), "{error}");
}

#[test]
fn red_team_readers_refuse_each_others_files() {
    let garak_file = bytes("garak/garak-fail.report.jsonl");
    let promptfoo_file = bytes("promptfoo/promptfoo-fail.results.json");
    assert!(matches!(
        promptfoo::parse(&garak_file, "x"),
        Err(AiError::Syntax { .. })
    ));
    assert!(matches!(
        garak::parse(&promptfoo_file, "x"),
        Err(AiError::Syntax { .. } | AiError::UnknownFormat { .. })
    ));
}

// ---- Guardrails AI 0.11.0 ----

/// Our reading of a guard file must match Guardrails' own reading of it
/// (guardrails-load-results.json, written by make_chat_guards.py): each validator on
/// "messages" is an input rail, on "$" an output rail, enforced unless its action is noop.
#[test]
fn guardrails_ai_agrees_with_guardrails() {
    let loaded = json("guardrails/guardrails-load-results.json");
    assert_eq!(loaded["guardrails_ai_version"], "0.11.0");
    for (file, guards) in loaded["files"].as_object().unwrap() {
        let path = format!("guardrails/{file}");
        let config = if file.ends_with(".rail") {
            guardrails_ai::parse_rail(&bytes(&path), file).unwrap()
        } else {
            guardrails_ai::parse_json(&bytes(&path), file).unwrap()
        };
        let mut theirs: Vec<(String, Position, bool)> = guards
            .as_object()
            .unwrap()
            .values()
            .flat_map(|validators| validators.as_array().unwrap())
            .map(|v| {
                let position = match v[1].as_str().unwrap() {
                    "messages" => Position::Input,
                    "$" => Position::Output,
                    other => panic!("{other}"),
                };
                let enforced = v[2].as_str().unwrap() != "noop";
                (v[0].as_str().unwrap().to_owned(), position, enforced)
            })
            .collect();
        let mut ours: Vec<(String, Position, bool)> = config
            .rails
            .iter()
            .map(|r| (r.id.clone(), r.position, r.enforced))
            .collect();
        theirs.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        ours.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        assert_eq!(ours, theirs, "{file}");
    }
}

#[test]
fn guardrails_ai_checks_per_file() {
    let read = |file: &str| {
        guardrails_ai::parse_json(&bytes(&format!("guardrails/{file}")), file).unwrap()
    };
    // The hub-template guards: every validator is on "$" (output), a ban list and a regex
    // are not prompt-injection detectors.
    let template = read("guards.json");
    assert_eq!(template.version.as_deref(), Some("0.11.0"));
    assert!(template.input_checks.is_empty());
    assert_eq!(
        kinds(&template.output_checks),
        ["secrets", "system_prompt_leak", "deny_list", "pattern"]
    );
    let chat = read("chat-guard.json");
    assert_eq!(kinds(&chat.input_checks), ["deny_list"]);
    assert_eq!(
        kinds(&chat.output_checks),
        ["secrets", "system_prompt_leak"]
    );
    let audit = read("audit-only-guard.json");
    assert!(audit.input_checks.is_empty() && audit.output_checks.is_empty());
    assert_eq!(audit.not_enforced.len(), 3);
    let rail =
        guardrails_ai::parse_rail(&bytes("guardrails/chat_guard.rail"), "chat_guard.rail").unwrap();
    assert_eq!(kinds(&rail.input_checks), ["deny_list"]);
    // secrets_present has no on-fail attribute: RAIL's default is noop.
    assert_eq!(kinds(&rail.output_checks), ["system_prompt_leak"]);
    // The fixture script's own wrapper (file name → guard) is not a Guardrails format.
    let error =
        guardrails_ai::parse_json(&bytes("guardrails/rail-guards.json"), "rail-guards.json")
            .unwrap_err();
    assert!(matches!(error, AiError::UnknownFormat { .. }), "{error:?}");
}

// ---- NeMo Guardrails 0.24.1 ----

fn nemo_config(dir: &str) -> Result<palisade_ai::GuardrailsConfig, AiError> {
    let folder = root().join("nemoguardrails").join(dir);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((name, std::fs::read(&path).unwrap()));
    }
    let files: Vec<nemo::ConfigFile<'_>> = files
        .iter()
        .map(|(name, bytes)| nemo::ConfigFile { name, bytes })
        .collect();
    nemo::parse(dir, &files)
}

/// Which configurations NeMo itself loads (nemo-load-results.json, written by
/// load_configs.py with RailsConfig.from_path + LLMRails): the reader accepts the same ones,
/// except where it deliberately fails closed.
#[test]
fn nemo_accepts_what_nemo_loads() {
    let results = json("nemoguardrails/nemo-load-results.json");
    assert_eq!(results["nemoguardrails_version"], "0.24.1");
    // NeMo loads these; they are refused here on purpose (see nemo.rs): two files set
    // `rails` (NeMo silently kept only one of them), and Colang 2.x is not read.
    let refused_on_purpose = ["config-two-rails-files", "config-colang2"];
    let configs = results["configs"].as_object().unwrap();
    assert_eq!(configs.len(), 11);
    for (dir, entry) in configs {
        let nemo_loaded = entry["loaded"].as_bool().unwrap();
        let ours = nemo_config(dir);
        if refused_on_purpose.contains(&dir.as_str()) {
            assert!(nemo_loaded, "{dir}");
            assert!(ours.is_err(), "{dir}");
            continue;
        }
        assert_eq!(ours.is_ok(), nemo_loaded, "{dir}: {:?}", ours.err());
        if let Ok(config) = ours {
            let flows = |position: Position| -> Vec<String> {
                config
                    .rails
                    .iter()
                    .filter(|r| r.position == position)
                    .map(|r| r.id.clone())
                    .collect()
            };
            let theirs = |key: &str| -> Vec<String> {
                entry[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_owned())
                    .collect()
            };
            assert_eq!(flows(Position::Input), theirs("input_flows"), "{dir}");
            assert_eq!(flows(Position::Output), theirs("output_flows"), "{dir}");
        }
    }
    // NeMo dropped the input rail of a-input.yml: the order of files decided.
    let two = &configs["config-two-rails-files"];
    assert_eq!(two["input_flows"].as_array().unwrap().len(), 0);
}

#[test]
fn nemo_checks_per_config() {
    let protected = nemo_config("config-protected").unwrap();
    assert_eq!(kinds(&protected.input_checks), ["jailbreak", "moderation"]);
    assert_eq!(kinds(&protected.output_checks), ["moderation"]);
    assert!(protected.unrecognised.is_empty() && protected.not_enforced.is_empty());

    let unprotected = nemo_config("config-unprotected").unwrap();
    assert!(unprotected.rails.is_empty());

    let error = nemo_config("config-broken").unwrap_err();
    assert_eq!(
        error.to_string(),
        "config-broken: the rail \"self check input\" needs a `self_check_input` prompt, and no prompts file defines it"
    );

    let pii = nemo_config("config-pii").unwrap();
    assert_eq!(
        kinds(&pii.input_checks),
        ["jailbreak", "pii", "content_safety"]
    );
    assert_eq!(kinds(&pii.output_checks), ["pii", "content_safety"]);

    let no_entities = nemo_config("config-pii-no-entities").unwrap();
    assert!(no_entities.input_checks.is_empty() && no_entities.output_checks.is_empty());
    assert_eq!(no_entities.not_enforced.len(), 2);

    let custom = nemo_config("config-custom-flow").unwrap();
    assert_eq!(kinds(&custom.input_checks), ["jailbreak"]);
    assert_eq!(
        custom.unrecognised,
        ["check ticket for injection (config.yml; defined in rails.co)"]
    );
    assert_eq!(custom.custom_code, ["actions.py"]);

    let wrong = nemo_config("config-wrong-position").unwrap();
    assert!(wrong.input_checks.is_empty());
    assert_eq!(wrong.not_enforced.len(), 1);

    let guardrails = nemo_config("config-guardrailsai").unwrap();
    assert_eq!(kinds(&guardrails.input_checks), ["jailbreak"]);
    assert_eq!(kinds(&guardrails.output_checks), ["pii"]);

    let error = nemo_config("config-unknown-flow").unwrap_err();
    assert_eq!(
        error.to_string(),
        "config.yml:9:9: unknown rail flow \"check for prompt injection\""
    );
    let error = nemo_config("config-two-rails-files").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("both a-input.yml and b-output.yml set `rails`"),
        "{error}"
    );
}

// ---- CycloneDX ML-BOM model cards (cdxgen 12.8.4, cyclonedx-python-lib 11.12.0) ----

fn model_card(rel: &str) -> palisade_cyclonedx::ModelCard {
    let bom = palisade_cyclonedx::parse(&bytes(rel), rel, &palisade_cyclonedx::Limits::default())
        .unwrap();
    bom.components
        .into_iter()
        .find_map(|c| c.model_card)
        .unwrap()
}

#[test]
fn dp_and_robustness_from_cdxgen() {
    let card = model_card("cyclonedx/mlbom-cdxgen.cdx.json");
    let PrivacyClaim::Claimed(privacy) = modelcard::training_privacy(&card) else {
        panic!()
    };
    assert_eq!(privacy.epsilon, 3.0);
    assert_eq!(privacy.delta, Some(1e-5));
    assert_eq!(privacy.mechanism, None);
    assert_eq!(privacy.epsilon_milli(), 3000);
    assert_eq!(privacy.delta_exponent(), Some(5));
    assert_eq!(
        privacy
            .fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        [
            "performanceMetrics[type=dp_epsilon]",
            "performanceMetrics[type=dp_delta]"
        ]
    );
    let RobustnessClaim::Reported(robustness) = modelcard::adversarial_robustness(&card) else {
        panic!()
    };
    let accuracy = robustness.robust_accuracy.unwrap();
    assert_eq!((accuracy.value, accuracy.milli_floor()), (0.734, 734));
    assert_eq!(
        accuracy.slice.as_deref(),
        Some("acme/support-tickets-2024-textfooler / adversarial-test")
    );
    assert_eq!(robustness.attack_success_rate.unwrap().milli_ceil(), 195);
}

#[test]
fn dp_and_robustness_from_cyclonedx_python_lib() {
    let card = model_card("cyclonedx/mlbom-pythonlib.cdx.json");
    let PrivacyClaim::Claimed(privacy) = modelcard::training_privacy(&card) else {
        panic!()
    };
    assert_eq!((privacy.epsilon, privacy.delta), (3.0, Some(1e-5)));
    assert_eq!(privacy.mechanism.as_deref(), Some("DP-SGD"));
    assert_eq!(privacy.accountant.as_deref(), Some("rdp"));
    // Two metrics and six model-card properties (epsilon, delta, mechanism, accountant, the
    // flag, and the epsilon/delta again) all agree.
    assert_eq!(privacy.fields.len(), 7);
    let RobustnessClaim::Reported(robustness) = modelcard::adversarial_robustness(&card) else {
        panic!()
    };
    assert_eq!(robustness.robust_accuracy.unwrap().value, 0.734);
    assert_eq!(robustness.attack_success_rate.unwrap().value, 0.195);
    assert_eq!(robustness.adversarial_training.as_deref(), Some("PGD"));
}

#[test]
fn dp_claim_edited_in_one_place_is_unusable() {
    let mut document = json("cyclonedx/mlbom-pythonlib.cdx.json");
    // Weaken only the model-card property (epsilon 30): the metric still says 3.0.
    let properties = document["components"][1]["modelCard"]["properties"]
        .as_array_mut()
        .unwrap();
    let epsilon = properties
        .iter_mut()
        .find(|p| p["name"] == "acme:ai:training:dp:epsilon")
        .unwrap();
    epsilon["value"] = Value::from("30");
    let edited = serde_json::to_string(&document).unwrap();
    let bom = palisade_cyclonedx::parse(
        edited.as_bytes(),
        "edited.cdx.json",
        &palisade_cyclonedx::Limits::default(),
    )
    .unwrap();
    let card = bom
        .components
        .into_iter()
        .find_map(|c| c.model_card)
        .unwrap();
    let PrivacyClaim::Unusable { reason, .. } = modelcard::training_privacy(&card) else {
        panic!()
    };
    assert!(reason.starts_with("the fields disagree"), "{reason}");
}

// ---- Presidio analyzer 2.2.366 ----

#[test]
fn presidio_scan_of_raw_tickets_finds_pii() {
    let scan = pii::parse_presidio(&bytes("pii/tickets.scan.json"), "tickets.scan.json").unwrap();
    assert_eq!(scan.tool, "presidio-analyzer");
    assert_eq!(
        (scan.version.as_deref(), scan.file.as_deref()),
        (None, None)
    );
    assert_eq!(scan.texts_scanned, Some(6));
    let counted: Vec<(&str, u64, f64)> = scan
        .entities
        .iter()
        .map(|(kind, stats)| (kind.as_str(), stats.count, stats.max_score))
        .collect();
    assert_eq!(
        counted,
        [
            ("CREDIT_CARD", 1, 1.0),
            ("DATE_TIME", 1, 0.6),
            ("EMAIL_ADDRESS", 2, 1.0),
            ("IBAN_CODE", 1, 1.0),
            ("IP_ADDRESS", 1, 0.6),
            ("PHONE_NUMBER", 1, 0.4),
            ("URL", 4, 0.5)
        ]
    );
    assert_eq!(scan.max_score, Some(1.0));
    assert_eq!(scan.count_at_least(0.5), 10);
    assert_eq!(
        scan.entity_types_at_least(0.85),
        ["CREDIT_CARD", "EMAIL_ADDRESS", "IBAN_CODE"]
    );
    // Ticket 4413 and 4416 have no personal data.
    let texts: BTreeSet<usize> = scan.findings.iter().map(|f| f.text_index).collect();
    assert_eq!(texts, [0, 1, 3, 4].into());
}

#[test]
fn presidio_scan_of_redacted_tickets_is_clean() {
    let scan = pii::parse_presidio(
        &bytes("pii/tickets.redacted.scan.json"),
        "tickets.redacted.scan.json",
    )
    .unwrap();
    assert_eq!(scan.texts_scanned, Some(6));
    assert_eq!(scan.max_score, None);
    assert!(scan.findings.is_empty());
    let single =
        pii::parse_presidio(&bytes("pii/ticket-4411.scan.json"), "ticket-4411.scan.json").unwrap();
    assert_eq!(single.texts_scanned, None);
    assert_eq!(
        single
            .entities
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["EMAIL_ADDRESS", "PHONE_NUMBER", "URL"]
    );
}
