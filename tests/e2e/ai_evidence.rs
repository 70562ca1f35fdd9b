//! End-to-end tests of issue 12 items 3 and 4 and the example: a differential-privacy label
//! counts only with a signed ML-BOM model card, the robustness rule reads the metric's value,
//! `declassifies = ["pii"]` counts only with a clean Presidio scan of the stage's output, and
//! rag-assistant's ALLOW rests on each piece of its AI evidence.

use std::fs;
use std::path::Path;

use super::ai::{copy, denied, evaluate_json, folder};
use super::{palisade, root};

/// rag-assistant with `line` replaced by `with`: the policies that deny.
fn rag_without(line: &str, with: &str) -> Vec<String> {
    let example = root().join("examples/rag-assistant");
    let text = fs::read_to_string(example.join("pipeline.pal")).expect("read");
    assert!(text.contains(line), "{line}");
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    fs::write(dir.path().join("pipeline.pal"), text.replace(line, with)).expect("write");
    let run = evaluate_json(dir.path(), "pipeline.pal");
    assert_eq!(run.code, 1, "without {line}: {}", run.stderr);
    denied(&run)
}

/// Item 3 and the example: the adapter's DP claim is evidence only with its ML-BOM signed.
/// Before, the `differential-privacy` label alone lifted `pii-public-release`.
#[test]
fn rag_assistant_dp_needs_the_signed_ml_bom() {
    let example = root().join("examples/rag-assistant");
    let run = evaluate_json(&example, "pipeline.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let found = rag_without(
        "    bom_signature = \"sbom/support-lora.mlbom.sig.json\"   // the release key signs that ML-BOM\n",
        "",
    );
    assert!(
        found.iter().any(|p| p == "dp-claim-not-evidenced"),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|p| *p == "pii-public-release").count(),
        2,
        "the adapter and the image it flows into: {found:?}"
    );
    // The explanation says why.
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    let text = fs::read_to_string(example.join("pipeline.pal")).expect("read");
    fs::write(
        dir.path().join("pipeline.pal"),
        text.replace("bom_signature = \"sbom/support-lora.mlbom.sig.json\"", ""),
    )
    .expect("write");
    let run = palisade(
        dir.path(),
        &["explain", "pipeline.pal", "model", "support-lora"],
    );
    assert!(
        run.stdout.contains("DP ε 7.03 · DP evidenced false")
            && run.stdout.contains("claimed, not evidenced"),
        "{}",
        run.stdout
    );
}

/// Item 3: a signature over another file (the SBOM of the app) is no signature of the ML-BOM.
#[test]
fn a_bom_signature_over_another_file_is_no_evidence() {
    let example = root().join("examples/rag-assistant");
    let dir = tempfile::tempdir().expect("tmp");
    copy(&example, dir.path());
    // The image's cosign signature: valid, by the release key, over the image digest.
    fs::copy(
        example.join("attestations/rag-serve.sig.json"),
        dir.path().join("sbom/support-lora.mlbom.sig.json"),
    )
    .expect("copy");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(
        found.iter().any(|p| p == "dp-claim-not-evidenced"),
        "{found:?}"
    );
}

/// Item 3: the robustness rule reads the value. rag-assistant's adapter reports 0.2327, which
/// its pipeline accepts with `min_robustness = 0.2`; the default bar (0.5) denies it. Before,
/// the metric's presence passed.
#[test]
fn rag_assistant_robustness_is_judged_by_its_value() {
    let found = rag_without("  min_robustness = 0.2\n", "");
    assert_eq!(found, ["robustness-metric"], "{found:?}");
}

const DEIDENTIFY: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  key "deid" { public_key = "keys/deid.pub" }
  key "other" { public_key = "keys/other.pub" }
  identity "deid" { key = key "deid" }
  dataset "customers" { path = "data/customers.csv" labels = ["pii"] }
  dataset "customers-anon" { path = "data/customers.deidentified.csv" }
  model "m" { path = "m.safetensors" format = "safetensors" }
  stage "deidentify" { runs_as = identity "deid" inputs = [dataset "customers"] outputs = [dataset "customers-anon"] DECLASSIFY }
  stage "train" { inputs = [dataset "customers-anon"] outputs = [model "m"] }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "public" }
}
"#;

/// A pipeline whose de-identification stage (run as identity `deid`) declares `declassify`,
/// with the real CSVs and Presidio scans of tests/fixtures/ai/pii, and two key pairs:
/// `keys/deid.{key,pub}` (the stage's) and `keys/other.{key,pub}`. Nothing is signed.
fn deidentified(declassify: &str) -> tempfile::TempDir {
    let pii = root().join("tests/fixtures/ai/pii");
    let read = |name: &str| fs::read(pii.join(name)).expect("fixture");
    let dir = folder(&[
        (
            "pipeline.pal",
            DEIDENTIFY.replace("DECLASSIFY", declassify).as_bytes(),
        ),
        ("data/customers.csv", &read("customers.csv")),
        (
            "data/customers.deidentified.csv",
            &read("customers.deidentified.csv"),
        ),
        ("m.safetensors", b"not read"),
        (
            "scans/clean.json",
            &read("customers.deidentified.scan.json"),
        ),
        ("scans/dirty.json", &read("customers.scan.json")),
    ]);
    for name in ["deid", "other"] {
        let key = palisade_sigstore::keys::SigningKey::generate_p256();
        let keys = dir.path().join("keys");
        fs::create_dir_all(&keys).expect("mkdir");
        fs::write(keys.join(format!("{name}.key")), key.to_pkcs8_pem()).expect("write");
        fs::write(keys.join(format!("{name}.pub")), key.public_key().to_pem()).expect("write");
    }
    dir
}

/// Signs `file` (in `dir`) with `keys/<key>.key`, as `<file>.sigstore.json`: a DSSE statement
/// whose subject is the file's sha256 (what `cosign attest-blob`/`palisade run` write).
fn sign_scan(dir: &Path, file: &str, key: &str) {
    use sha2::Digest as _;
    let private = fs::read_to_string(dir.join(format!("keys/{key}.key"))).expect("key");
    let public = fs::read_to_string(dir.join(format!("keys/{key}.pub"))).expect("pub");
    let signing = palisade_sigstore::keys::SigningKey::from_pem(&private, None).expect("pem");
    let digest = hex::encode(sha2::Sha256::digest(
        fs::read(dir.join(file)).expect("scan"),
    ));
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": file, "digest": {"sha256": digest}}],
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "predicate": {}
    });
    let bundle =
        palisade_sigstore::sign_statement(statement.to_string().as_bytes(), &signing, &public);
    fs::write(dir.join(format!("{file}.sigstore.json")), bundle.to_json()).expect("write");
}

/// `explain stage deidentify`.
fn explain_deidentify(dir: &Path) -> String {
    palisade(dir, &["explain", "pipeline.pal", "stage", "deidentify"]).stdout
}

const PII_RULE: &str = "pii-public-release";

/// Item 4: with a clean Presidio scan of its output, signed by the stage's identity,
/// `declassifies = ["pii"]` stops the label; with a scan that still finds e-mails and card
/// numbers (signed or not), or with none, the claim is ignored (and `explain` reports it).
#[test]
fn declassification_needs_a_clean_pii_scan() {
    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "scans/clean.json""#);
    sign_scan(dir.path(), "scans/clean.json", "deid");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == PII_RULE), "{found:?}");
    let text = explain_deidentify(dir.path());
    assert!(text.contains("declassifies:  pii (evidenced)"), "{text}");

    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "scans/dirty.json""#);
    sign_scan(dir.path(), "scans/dirty.json", "deid");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == PII_RULE), "{found:?}");
    let text = explain_deidentify(dir.path());
    assert!(
        text.contains("claimed, not evidenced: the PII scan still finds")
            && text.contains("CREDIT_CARD, EMAIL_ADDRESS"),
        "{text}"
    );

    let dir = deidentified(r#"declassifies = ["pii"]"#);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == PII_RULE), "{found:?}");

    // Only `pii` has an evidence reader: another label's claim is ignored.
    let dir = deidentified(r#"declassifies = ["pii", "financial"] pii_scan = "scans/clean.json""#);
    sign_scan(dir.path(), "scans/clean.json", "deid");
    let text = explain_deidentify(dir.path());
    assert!(
        text.contains("declassifies \\\"financial\\\": claimed, not evidenced")
            || text.contains("declassifies \"financial\": claimed, not evidenced"),
        "{text}"
    );
}

/// The attacks on an unbound scan (each passed the gate before: the label stopped at the
/// stage): a scan of nothing (`[]`, `[[]]`), and a real, clean scan that is nobody's (the right
/// one, unsigned; one signed by a key that is not the stage's; one of other data).
#[test]
fn attack_an_unbound_or_partial_pii_scan_does_not_declassify() {
    let cases: &[(&str, &[u8], Option<&str>, &str)] = &[
        ("flat empty", b"[]\n", Some("deid"), "flat array"),
        (
            "one empty text",
            b"[[]]\n",
            Some("deid"),
            "records were not scanned",
        ),
        ("zero texts, signed", b"[]", None, "flat array"),
        (
            "the right scan, unsigned",
            &fs::read(root().join("tests/fixtures/ai/pii/customers.deidentified.scan.json"))
                .expect("fixture"),
            None,
            "the scan is unsigned",
        ),
        (
            "the right scan, signed by another key",
            &fs::read(root().join("tests/fixtures/ai/pii/customers.deidentified.scan.json"))
                .expect("fixture"),
            Some("other"),
            "does not verify against deid",
        ),
        (
            // Six texts fit the six data rows (the header unscanned): only the binding can
            // tell other data of the same size from this output's.
            "a clean scan of other data (six redacted tickets), unsigned",
            &fs::read(root().join("tests/fixtures/ai/pii/tickets.redacted.scan.json"))
                .expect("fixture"),
            None,
            "the scan is unsigned",
        ),
        (
            "five clean texts of seven records, signed",
            b"[[],[],[],[],[]]",
            Some("deid"),
            "covers 5 texts but the output holds 7 CSV records",
        ),
        (
            "a clean scan of more records than the output, signed",
            b"[[],[],[],[],[],[],[],[],[]]",
            Some("deid"),
            "it is a scan of some other data",
        ),
    ];
    for (what, scan, key, why) in cases {
        let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "scans/attack.json""#);
        fs::write(dir.path().join("scans/attack.json"), scan).expect("write");
        if let Some(key) = key {
            sign_scan(dir.path(), "scans/attack.json", key);
        }
        let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
        assert!(found.iter().any(|p| p == PII_RULE), "{what}: {found:?}");
        let text = explain_deidentify(dir.path());
        assert!(
            text.contains("claimed, not evidenced") && text.contains(why),
            "{what}: {text}"
        );
    }
}

/// A scan bound by the stage's verified attestation: `palisade run` records the command that
/// writes the de-identified CSV and its scan, so both digests are among the products. A scan
/// swapped after the run (same count, still clean) is not the attested one.
#[test]
fn a_pii_scan_among_the_products_of_the_verified_attestation_declassifies() {
    let attested = r#"declassifies = ["pii"] pii_scan = "evidence/scan.json" attestation = "attestations/deidentify.intoto.json""#;
    let dir = deidentified(attested);
    let d = dir.path();
    fs::create_dir_all(d.join("evidence")).expect("mkdir");
    fs::create_dir_all(d.join("attestations")).expect("mkdir");
    let run = palisade(
        d,
        &[
            "run",
            "--stage",
            "deidentify",
            "--key",
            "keys/deid.key",
            "--record",
            "evidence",
            "--",
            "cp",
            "scans/clean.json",
            "evidence/scan.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = denied(&evaluate_json(d, "pipeline.pal"));
    assert!(!found.iter().any(|p| p == PII_RULE), "{found:?}");
    assert!(explain_deidentify(d).contains("declassifies:  pii (evidenced)"));

    // Swapped after the run: a clean scan of as many texts, not the one attested.
    fs::write(d.join("evidence/scan.json"), "[[],[],[],[],[],[],[]]").expect("write");
    let found = denied(&evaluate_json(d, "pipeline.pal"));
    assert!(found.iter().any(|p| p == PII_RULE), "{found:?}");
    let text = explain_deidentify(d);
    assert!(
        text.contains("its verified attestation does not list this scan among its products"),
        "{text}"
    );
}

/// Item 4: a scan that is not Presidio's JSON is exit 2 at the declaration.
#[test]
fn an_unreadable_pii_scan_is_exit_2() {
    let dir = deidentified(r#"declassifies = ["pii"] pii_scan = "data/customers.csv""#);
    let run = palisade(dir.path(), &["check", "pipeline.pal"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("pii_scan"), "{}", run.stderr);
}

const REDTEAM_LINKED: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  key "rt" { public_key = "keys/deid.pub" }
  identity "redteam" { key = key "rt" }
  model "chat" { path = "models/chat.bin" labels = ["llm"] }
  image "api" { ref = "registry.example/api@sha256:bf601d0c00972e33504447069e8bf00937bedacadcc19f7f53bf3a89926c1be0" }
  stage "redteam" { runs_as = identity "redteam" inputs = [model "chat"] attestation = "attestations/redteam.intoto.json" }
  stage "serve" { inputs = [model "chat"] outputs = [image "api"] redteam = ["reports/garak.report.jsonl"] }
  release "web" { artifacts = [image "api"] environment = "production" exposure = "public" }
}
"#;

/// The red-team facts of stage `serve`, from `explain --json`.
fn serve_redteam(dir: &Path) -> serde_json::Value {
    let run = palisade(
        dir,
        &["explain", "stage", "serve", "--at", super::AT, "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    doc["facts"]["evidence"]["redteam"].clone()
}

/// Item 2, freshness by digest through an attestation: the `redteam` stage's verified
/// attestation (`palisade run` around garak) holds the model among its materials and the
/// report among its products, so the report tested that version. The attack: the model is
/// retrained after the red team ran and released with the old, passing report; before, the
/// gate allowed it (the report's own verdict is a pass).
#[test]
fn attack_a_red_team_report_of_an_older_model_is_stale() {
    let rule = "llm-redteam-stale";
    let dir = deidentified(""); // for its keys
    let d = dir.path();
    fs::write(d.join("pipeline.pal"), REDTEAM_LINKED).expect("write");
    fs::create_dir_all(d.join("models")).expect("mkdir");
    fs::create_dir_all(d.join("reports")).expect("mkdir");
    fs::write(d.join("models/chat.bin"), "weights v1\n").expect("write");
    copy(
        &root().join("tests/fixtures/ai/garak/garak-pass-refusal.report.jsonl"),
        &d.join("garak-out/run.report.jsonl"),
    );
    let run = palisade(
        d,
        &[
            "run",
            "--stage",
            "redteam",
            "--key",
            "keys/deid.key",
            "--record",
            "reports",
            "--",
            "cp",
            "garak-out/run.report.jsonl",
            "reports/garak.report.jsonl",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = denied(&evaluate_json(d, "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    assert!(
        !found.iter().any(|p| p == "llm-public-redteam"),
        "{found:?}"
    );
    let facts = serve_redteam(d);
    assert_eq!(
        facts["tested_models"],
        serde_json::json!(["chat"]),
        "{facts}"
    );

    // Retrained after the red team ran.
    fs::write(d.join("models/chat.bin"), "weights v2\n").expect("write");
    let found = denied(&evaluate_json(d, "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    assert!(
        !found.iter().any(|p| p == "llm-public-redteam"),
        "{found:?}"
    );
    let facts = serve_redteam(d);
    assert_eq!(facts["tested_models"], serde_json::json!([]), "{facts}");
    let why = facts["stale_models"]["chat"].as_str().unwrap_or_default();
    assert!(why.contains("the report tested another version"), "{facts}");
    let text = palisade(d, &["explain", "stage", "serve", "--at", super::AT]).stdout;
    assert!(
        text.contains("stale:         red team of chat: stage \"redteam\"'s attestation"),
        "{text}"
    );
}

/// Item 2, freshness by the digest the report names: garak's `target_name` holding the model's
/// digest (a model loaded by digest) links the report to that version, once the stage's
/// runs_as identity signed the report; another digest is stale. The attack: an unsigned report
/// whose target name claims the current digest (anyone can write it) linked the report before.
#[test]
fn a_red_team_report_naming_another_model_digest_is_stale() {
    use sha2::Digest as _;
    let rule = "llm-redteam-stale";
    let report =
        fs::read_to_string(root().join("tests/fixtures/ai/garak/garak-pass-refusal.report.jsonl"))
            .expect("fixture");
    assert!(report.contains("refusal_target#refuse"));
    let v1 = hex::encode(sha2::Sha256::digest(b"weights v1\n"));
    let text = REDTEAM_LINKED
        .replace(
            r#"  stage "redteam" { runs_as = identity "redteam" inputs = [model "chat"] attestation = "attestations/redteam.intoto.json" }
"#,
            "",
        )
        .replace(
            r#"stage "serve" { inputs"#,
            r#"stage "serve" { runs_as = identity "redteam" inputs"#,
        );
    let named = report.replace(
        "refusal_target#refuse",
        &format!("refusal_target#refuse@sha256:{v1}"),
    );
    let dir = deidentified(""); // for its keys
    for (path, bytes) in [
        ("pipeline.pal", text.as_bytes()),
        ("models/chat.bin", b"weights v1\n".as_slice()),
        ("reports/garak.report.jsonl", named.as_bytes()),
    ] {
        let to = dir.path().join(path);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::write(to, bytes).expect("write");
    }
    // Unsigned: the digest is the report's word only.
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    assert!(
        found.iter().any(|p| p == "llm-redteam-unlinked"),
        "{found:?}"
    );
    let facts = serve_redteam(dir.path());
    assert_eq!(facts["tested_models"], serde_json::json!([]), "{facts}");
    assert!(
        facts["unlinked"][0]
            .as_str()
            .unwrap_or_default()
            .contains("but only in the report itself"),
        "{facts}"
    );
    // Signed by the serving stage's runs_as key: linked.
    let run = palisade(
        dir.path(),
        &[
            "sign",
            "--key",
            "keys/deid.key",
            "reports/garak.report.jsonl",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(!found.iter().any(|p| p == rule), "{found:?}");
    assert!(
        !found.iter().any(|p| p == "llm-redteam-unlinked"),
        "{found:?}"
    );
    assert_eq!(
        serve_redteam(dir.path())["tested_models"],
        serde_json::json!(["chat"])
    );
    fs::write(dir.path().join("models/chat.bin"), "weights v2\n").expect("write");
    let found = denied(&evaluate_json(dir.path(), "pipeline.pal"));
    assert!(found.iter().any(|p| p == rule), "{found:?}");
    let facts = serve_redteam(dir.path());
    assert!(
        facts["stale_models"]["chat"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("names the model it tested as sha256:{v1}")),
        "{facts}"
    );
}

const DP_TRAINED: &str = r#"pipeline "p" {
  policies = ["@baseline"]
  max_dp_epsilon = 8.0
  key "trainer" { public_key = "keys/deid.pub" }
  identity "trainer" { key = key "trainer" }
  dataset "tickets" { path = "data/tickets.jsonl" labels = ["pii"] }
  model "m" { path = "m.bin" labels = ["differential-privacy"] }
  stage "train" { runs_as = identity "trainer" inputs = [dataset "tickets"] outputs = [model "m"] attestation = "attestations/train.intoto.json" }
  release "r" { artifacts = [model "m"] environment = "production" exposure = "public" }
}
"#;

/// `palisade run --stage train` writing `m.bin`, signed with `key` (none: unsigned), with the
/// `--param`s given.
fn train(dir: &Path, key: Option<&str>, params: &[&str], weights: &str) {
    let mut args = vec!["run", "--stage", "train"];
    if let Some(key) = key {
        args.extend(["--key", key]);
    }
    for param in params {
        args.extend(["--param", param]);
    }
    let script = format!("printf '{weights}' > m.bin");
    args.extend(["--", "sh", "-c", &script]);
    let run = palisade(dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Item 3, the stage-attestation way: the training stage's signed record of its run
/// (`palisade run --param differential_privacy.epsilon=…`) with the model among its products at
/// its current digest evidences the DP label. Unsigned, over the bar, or the model changed
/// since: claimed, not evidenced.
#[test]
fn a_signed_training_record_evidences_differential_privacy() {
    let rules = ["dp-claim-not-evidenced", "pii-public-release"];
    let dir = deidentified(""); // for its keys
    let d = dir.path();
    fs::write(d.join("pipeline.pal"), DP_TRAINED).expect("write");
    fs::create_dir_all(d.join("data")).expect("mkdir");
    fs::write(
        d.join("data/tickets.jsonl"),
        "{\"email\": \"a@b.example\"}\n",
    )
    .expect("write");
    let explain = |d: &Path| palisade(d, &["explain", "model", "m", "--at", super::AT]).stdout;

    // Signed, with the DP parameters: evidence.
    train(
        d,
        Some("keys/deid.key"),
        &[
            "differential_privacy.epsilon=7.03",
            "differential_privacy.delta=1e-5",
        ],
        "v1",
    );
    let found = denied(&evaluate_json(d, "pipeline.pal"));
    assert!(
        !found.iter().any(|p| rules.contains(&p.as_str())),
        "{found:?}"
    );
    let text = explain(d);
    assert!(
        text.contains("DP ε 7.03 · DP evidenced true")
            && text.contains("DP evidence:       stage \"train\"'s verified attestation"),
        "{text}"
    );

    // Each of these leaves the label claimed, not evidenced, and says why: (signing key,
    // parameters, model bytes written by the run, what `explain` says).
    let not_evidence: [(Option<&str>, &[&str], &str, &str); 5] = [
        // Over the pipeline's bar.
        (
            Some("keys/deid.key"),
            &["differential_privacy.epsilon=9"],
            "v3",
            "above the pipeline's max_dp_epsilon 8",
        ),
        // Unsigned: the parameters are anyone's word.
        (
            None,
            &["differential_privacy.epsilon=1"],
            "v4",
            "DP evidenced false",
        ),
        // Signed by another key than the trainer's.
        (
            Some("keys/other.key"),
            &["differential_privacy.epsilon=1"],
            "v5",
            "DP evidenced false",
        ),
        // No ε among the DP parameters: unusable, said so.
        (
            Some("keys/deid.key"),
            &["differential_privacy.delta=1e-5"],
            "v6",
            "unusable DP parameters",
        ),
        // Retrained after the recorded run: the record is of another version.
        (
            Some("keys/deid.key"),
            &["differential_privacy.epsilon=1"],
            "v7",
            "at its current digest among its products",
        ),
    ];
    for (i, (key, params, weights, why)) in not_evidence.into_iter().enumerate() {
        train(d, key, params, weights);
        if i == 4 {
            fs::write(d.join("m.bin"), "v8").expect("write");
        }
        let found = denied(&evaluate_json(d, "pipeline.pal"));
        assert!(
            found.iter().any(|p| p == "dp-claim-not-evidenced"),
            "{params:?}: {found:?}"
        );
        let text = explain(d);
        assert!(text.contains(why), "{params:?}: {text}");
    }
}
