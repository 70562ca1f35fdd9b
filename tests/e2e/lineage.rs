//! Verified lineage (issue 11): `palisade run` records a stage, its attestation is verified
//! against the stage's `runs_as` identity and compared with what the stage declares.
//!
//! The attack: the training command reads a PII dataset its stage does not declare. Without
//! attestations the gate allows (the declared lineage has no PII); with the attestation
//! `palisade run --record data` writes, the dataset is an undeclared input and the release is
//! denied with a lineage path that names it.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::copy_dir;
use crate::{AT, Run, palisade, root, violations};

const TRAIN: &str = "cat data/transactions.csv data/customers.csv > models/model.bin\n";

/// A pipeline whose `train` stage declares only `transactions`; `attestation` goes into it.
fn pipeline(attestation: &str) -> String {
    format!(
        r#"pipeline "lineage" {{
  key "trainer" {{ public_key = "keys/trainer.pub" }}
  key "other" {{ public_key = "keys/other.pub" }}
  identity "trainer" {{ key = key "trainer" }}
  dataset "transactions" {{ path = "data/transactions.csv" }}
  dataset "customers" {{ path = "data/customers.csv" labels = ["pii"] }}
  model "fraud" {{ path = "models/model.bin" }}
  stage "profile" {{ runs_as = identity "trainer" inputs = [dataset "customers"] }}
  stage "train" {{
    runs_as = identity "trainer"
    inputs = [dataset "transactions"]
    outputs = [model "fraud"]
    {attestation}
  }}
  release "public" {{ artifacts = [model "fraud"] environment = "production" exposure = "public" }}
}}
"#
    )
}

/// A folder with the pipeline, its data, two key pairs and the policies judged: the baseline's
/// permit, leakage and lineage rules (so that nothing else denies).
fn setup(attestation: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["data", "models", "keys", "policies"] {
        fs::create_dir_all(d.join(sub)).unwrap();
    }
    fs::write(
        d.join("data/transactions.csv"),
        "amount,fraud\n12,0\n900,1\n",
    )
    .unwrap();
    fs::write(
        d.join("data/customers.csv"),
        "name,email\nTest Person,test@example.invalid\n",
    )
    .unwrap();
    fs::write(d.join("models/model.bin"), "old model\n").unwrap();
    fs::write(d.join("train.sh"), TRAIN).unwrap();
    fs::write(d.join("pipeline.pal"), pipeline(attestation)).unwrap();
    for file in ["permit.cedar", "leakage.cedar", "lineage.cedar"] {
        fs::copy(
            root().join("policies/baseline").join(file),
            d.join("policies").join(file),
        )
        .unwrap();
    }
    for key in ["trainer", "other"] {
        let run = palisade(d, &["keygen", "--out", &format!("keys/{key}")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    dir
}

fn evaluate(dir: &Path) -> Run {
    palisade(
        dir,
        &[
            "evaluate",
            "--no-lock",
            "--policies",
            "policies",
            "--format",
            "json",
            "--at",
            AT,
        ],
    )
}

/// The `path` of the first violation of `policy`.
fn path_of(run: &Run, policy: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["policy"] == policy)
        .unwrap_or_else(|| panic!("no {policy} in {}", run.stdout))["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

/// The `lineage` facts of stage `train`, from `explain --json`.
fn train_lineage(dir: &Path) -> Value {
    let run = palisade(
        dir,
        &[
            "explain",
            "--no-lock",
            "--policies",
            "policies",
            "--json",
            "--at",
            AT,
            "stage",
            "train",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    doc["facts"]["evidence"]["lineage"].clone()
}

const ATTESTATION: &str = r#"attestation = "attestations/train.intoto.json""#;

fn record(dir: &Path, key: &str) -> Run {
    palisade(
        dir,
        &[
            "run", "--stage", "train", "--key", key, "--record", "data", "--", "sh", "train.sh",
        ],
    )
}

/// `palisade run --stage train --key keys/trainer.key -- COMMAND…`.
fn run_train(dir: &Path, command: &[&str]) -> Run {
    let mut args = vec!["run", "--stage", "train", "--key", "keys/trainer.key", "--"];
    args.extend_from_slice(command);
    palisade(dir, &args)
}

#[test]
fn attack_undeclared_pii_input_is_denied_naming_the_dataset() {
    // Before: the declared lineage has no PII, and the gate allows.
    let dir = setup("");
    let before = evaluate(dir.path());
    assert_eq!(before.code, 0, "{}\n{}", before.stdout, before.stderr);
    assert!(violations(&before).is_empty());

    // After: the stage is recorded; its attestation lists customers.csv among the materials.
    fs::write(dir.path().join("pipeline.pal"), pipeline(ATTESTATION)).unwrap();
    let run = record(dir.path(), "keys/trainer.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = evaluate(dir.path());
    assert_eq!(after.code, 1, "{}\n{}", after.stdout, after.stderr);
    let found = violations(&after);
    assert!(
        found.contains(&("pii-public-release".into(), "Model::\"fraud\"".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("lineage-undeclared-input".into(), "Model::\"fraud\"".into())),
        "{found:?}"
    );
    let expected = [
        "Dataset::\"customers\"",
        "Stage::\"train\"",
        "Model::\"fraud\"",
        "Release::\"public\"",
    ];
    assert_eq!(path_of(&after, "pii-public-release"), expected);
    assert_eq!(path_of(&after, "lineage-undeclared-input"), expected);

    // The reports name the file and its digest: JSON's `lineage`, the human report's section.
    let report: Value = serde_json::from_str(&after.stdout).unwrap();
    insta::assert_json_snapshot!("attack-json-lineage", report["lineage"]);
    let human = palisade(
        dir.path(),
        &[
            "evaluate",
            "--no-lock",
            "--policies",
            "policies",
            "--at",
            AT,
        ],
    );
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("+ undeclared input: data/customers.csv (sha256:")
            && human.stdout.contains("), declared as customers"),
        "{}",
        human.stdout
    );
    insta::assert_snapshot!("attack-human", human.stdout);
    let markdown = palisade(
        dir.path(),
        &[
            "evaluate",
            "--no-lock",
            "--policies",
            "policies",
            "--format",
            "markdown",
            "--at",
            AT,
        ],
    );
    assert!(
        markdown.stdout.contains("### Lineage")
            && markdown
                .stdout
                .contains("| undeclared input | data/customers.csv"),
        "{}",
        markdown.stdout
    );

    let lineage = train_lineage(dir.path());
    assert_eq!(lineage["attestation"], "verified");
    assert_eq!(lineage["signer"], "trainer");
    assert_eq!(
        lineage["undeclared_inputs"][0]["path"],
        "data/customers.csv"
    );
    assert_eq!(
        lineage["undeclared_inputs"][0]["known_as"],
        json!(["customers"])
    );
    assert!(
        lineage["undeclared_inputs"][0]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    // The graph draws it: the dataset red, the attested edges solid.
    let graph = palisade(dir.path(), &["graph", "--no-lock"]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    assert!(
        graph
            .stdout
            .contains("label=\"undeclared_input\", color=red")
    );
    assert!(graph.stdout.contains("label=\"input\", style=solid"));
    let human = palisade(
        dir.path(),
        &[
            "explain",
            "--no-lock",
            "--policies",
            "policies",
            "--at",
            AT,
            "stage",
            "train",
        ],
    );
    assert!(
        human
            .stdout
            .contains("+ undeclared input: data/customers.csv (sha256:"),
        "{}",
        human.stdout
    );
}

#[test]
fn an_undeclared_input_the_pipeline_does_not_know_is_denied_too() {
    let dir = setup(ATTESTATION);
    fs::write(dir.path().join("data/extra.csv"), "secret,1\n").unwrap();
    let run = record(dir.path(), "keys/trainer.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lineage = train_lineage(dir.path());
    let paths: Vec<&str> = lineage["undeclared_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["data/customers.csv", "data/extra.csv"]);
    let after = evaluate(dir.path());
    assert_eq!(after.code, 1);
    assert_eq!(
        path_of(&after, "lineage-undeclared-input"),
        [
            "Stage::\"train\"",
            "Model::\"fraud\"",
            "Release::\"public\""
        ]
    );
}

#[test]
fn run_exits_with_the_commands_code_and_records_it() {
    let dir = setup(ATTESTATION);
    let run = run_train(dir.path(), &["sh", "-c", "exit 3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let envelope: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("attestations/train.intoto.json")).unwrap(),
    )
    .unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["predicate"]["byproducts"]["return-value"], 3);
    assert_eq!(
        statement["predicate"]["command"],
        json!(["sh", "-c", "exit 3"])
    );

    let unknown = palisade(dir.path(), &["run", "--stage", "nope", "--", "true"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("palisade::run::stage"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn tampered_attestation_is_invalid_and_denied() {
    let dir = setup(ATTESTATION);
    let run = record(dir.path(), "keys/trainer.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Drop customers.csv from the materials and put the envelope back, signature unchanged.
    let file = dir.path().join("attestations/train.intoto.json");
    let mut envelope: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut statement: Value =
        serde_json::from_slice(&b64.decode(envelope["payload"].as_str().unwrap()).unwrap())
            .unwrap();
    statement["predicate"]["materials"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["name"] != "data/customers.csv");
    envelope["payload"] = Value::String(b64.encode(serde_json::to_vec(&statement).unwrap()));
    fs::write(&file, envelope.to_string()).unwrap();

    let after = evaluate(dir.path());
    assert_eq!(after.code, 1, "{}", after.stderr);
    assert!(
        violations(&after).contains(&("invalid-attestation".into(), "Model::\"fraud\"".into())),
        "{}",
        after.stdout
    );
    assert_eq!(train_lineage(dir.path())["attestation"], "invalid");
}

#[test]
fn attestation_signed_by_another_key_than_runs_as_is_denied() {
    let dir = setup(ATTESTATION);
    // `other` is a key the pipeline declares, but not the key of identity "trainer".
    let run = record(dir.path(), "keys/other.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = evaluate(dir.path());
    assert_eq!(after.code, 1, "{}", after.stderr);
    let found = violations(&after);
    assert!(
        found.contains(&("invalid-attestation".into(), "Model::\"fraud\"".into())),
        "{found:?}"
    );
    let lineage = train_lineage(dir.path());
    assert_eq!(lineage["attestation"], "invalid");
    assert!(lineage["signer"].is_null());
}

#[test]
fn a_missing_attestation_file_is_exit_2_at_its_declaration() {
    let dir = setup(ATTESTATION);
    let run = evaluate(dir.path());
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("attestation \"attestations/train.intoto.json\" of stage \"train\""),
        "{}",
        run.stderr
    );
}

#[test]
fn require_attestations_denies_an_unattested_stage_upstream() {
    let dir = setup("");
    let text = pipeline("").replace(
        "pipeline \"lineage\" {\n",
        "pipeline \"lineage\" {\n  require_attestations = true\n",
    );
    fs::write(dir.path().join("pipeline.pal"), text).unwrap();
    let run = evaluate(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        path_of(&run, "lineage-unattested-stage"),
        [
            "Stage::\"train\"",
            "Model::\"fraud\"",
            "Release::\"public\""
        ]
    ); // The report lists every stage as absent.
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let stages: Vec<(&str, &str)> = report["lineage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap(),
                s["attestation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(stages, [("profile", "absent"), ("train", "absent")]);
}

/// The in-toto fixtures (tests/fixtures/intoto, made by real tools: see its README).
fn intoto() -> std::path::PathBuf {
    root().join("tests/fixtures/intoto")
}

/// The fixtures' training step as a pipeline: its workspace, the public key `key` as the
/// `runs_as` identity's key, and `attestation` (a file of the fixtures) on stage `train`.
fn intoto_setup(key: &str, attestation: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["data", "src", "model"] {
        copy_dir(&intoto().join("workspace").join(sub), &d.join(sub));
    }
    for sub in ["keys", "attestations", "policies"] {
        fs::create_dir_all(d.join(sub)).unwrap();
    }
    fs::copy(
        intoto().join(format!("keys/{key}.pub")),
        d.join("keys/trainer.pub"),
    )
    .unwrap();
    let name = Path::new(attestation)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    fs::copy(
        intoto().join(attestation),
        d.join("attestations").join(name),
    )
    .unwrap();
    for file in ["permit.cedar", "leakage.cedar", "lineage.cedar"] {
        fs::copy(
            root().join("policies/baseline").join(file),
            d.join("policies").join(file),
        )
        .unwrap();
    }
    fs::write(
        d.join("pipeline.pal"),
        format!(
            r#"pipeline "intoto" {{
  key "trainer" {{ public_key = "keys/trainer.pub" }}
  identity "trainer" {{ key = key "trainer" }}
  dataset "transactions" {{ path = "data/transactions.csv" }}
  dataset "customers" {{ path = "data/customers-pii.csv" labels = ["pii"] }}
  code "train" {{ path = "src/train.py" }}
  model "model" {{ path = "model" }}
  stage "profile" {{ runs_as = identity "trainer" inputs = [dataset "customers"] }}
  stage "train" {{
    runs_as = identity "trainer"
    inputs = [dataset "transactions", code "train"]
    outputs = [model "model"]
    attestation = "attestations/{name}"
  }}
  release "public" {{ artifacts = [model "model"] environment = "production" exposure = "public" }}
}}
"#
        ),
    )
    .unwrap();
    dir
}

/// Every form, from the tools that produce it (tests/fixtures/intoto/manifest.json): classic
/// and `--use-dsse` links from `in-toto-run` 3.1.0, Statement v1 with the link predicate and
/// with SLSA provenance v1 from in-toto-attestation 0.9.3 + securesystemslib 1.6.0 in DSSE and
/// in a Sigstore bundle, and palisade-intoto's own. Each verifies against the `runs_as`
/// identity's key, accounts for the declared inputs and outputs, and the gate allows. RSA keys
/// are left out: a pipeline `key` is Ed25519 or ECDSA.
#[test]
fn every_attestation_form_from_its_producer_verifies() {
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(intoto().join("manifest.json")).unwrap()).unwrap();
    let mut entries: Vec<(String, String)> = manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let file = e["file"].as_str().unwrap();
            // RSA keys (in-toto's default) are pipeline keys for stage attestations too.
            !file.starts_with("sneaky/") && !file.starts_with("tampered/")
        })
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_owned(),
                e["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    entries.extend(
        [
            ("palisade/train.dsse.json", "p256"),
            ("palisade/train.sigstore.json", "p256"),
            ("palisade/train.ed25519.dsse.json", "ed25519"),
        ]
        .map(|(f, k)| (f.to_owned(), k.to_owned())),
    );
    let mut forms = std::collections::BTreeSet::new();
    for (file, key) in &entries {
        let dir = intoto_setup(key, file);
        let lineage = train_lineage(dir.path());
        assert_eq!(lineage["attestation"], "verified", "{file}: {lineage}");
        assert_eq!(lineage["signer"], "trainer", "{file}");
        assert_eq!(
            lineage["attested_inputs"],
            json!(["train", "transactions"]),
            "{file}"
        );
        assert_eq!(lineage["attested_outputs"], json!(["model"]), "{file}");
        assert_eq!(lineage["undeclared_inputs"], json!([]), "{file}");
        forms.insert(lineage["forms"][0].as_str().unwrap().to_owned());
        let run = evaluate(dir.path());
        assert_eq!(run.code, 0, "{file}: {}", run.stdout);
    }
    assert_eq!(
        forms.into_iter().collect::<Vec<_>>(),
        [
            "classic-link in dsse",
            "classic-link in signed link",
            "link-v03 in dsse",
            "link-v03 in sigstore bundle",
            "slsa-provenance-v1 in dsse",
            "slsa-provenance-v1 in sigstore bundle",
        ]
    );
}

/// The attack as in-toto-run recorded it: `python3 src/train.py --with-pii` read the PII table
/// (`-m data src`). Signed by the right key, so verified; denied by what it says.
#[test]
fn the_attack_recorded_by_in_toto_run_is_denied_naming_the_dataset() {
    for (file, key) in [
        ("sneaky/train.3e134cc8.link", "p256"),
        ("sneaky/train.73baf85b.link", "ed25519"),
    ] {
        let dir = intoto_setup(key, file);
        let lineage = train_lineage(dir.path());
        assert_eq!(lineage["attestation"], "verified", "{file}: {lineage}");
        assert_eq!(
            lineage["undeclared_inputs"][0]["path"],
            "data/customers-pii.csv"
        );
        let run = evaluate(dir.path());
        assert_eq!(run.code, 1, "{file}");
        assert_eq!(
            path_of(&run, "pii-public-release"),
            [
                "Dataset::\"customers\"",
                "Stage::\"train\"",
                "Model::\"model\"",
                "Release::\"public\""
            ],
            "{file}"
        );
    }
}

/// Tampered attestations (tests/fixtures/intoto/tampered, not RSA): invalid, denied.
#[test]
fn tampered_in_toto_attestations_are_invalid() {
    for (file, key) in [
        ("tampered/classic-material.link", "p256"),
        ("tampered/classic-dropped-material.link", "p256"),
        ("tampered/statement-signature.dsse.json", "p384"),
        ("palisade/tampered.dsse.json", "p256"),
    ] {
        let dir = intoto_setup(key, file);
        assert_eq!(
            train_lineage(dir.path())["attestation"],
            "invalid",
            "{file}"
        );
        let run = evaluate(dir.path());
        assert_eq!(run.code, 1, "{file}");
        assert!(
            violations(&run).contains(&("invalid-attestation".into(), "Model::\"model\"".into())),
            "{file}: {}",
            run.stdout
        );
    }
    // And a right attestation under the wrong key.
    let dir = intoto_setup("ed25519", "classic/train.3e134cc8.link");
    assert_eq!(train_lineage(dir.path())["attestation"], "invalid");
}

/// `palisade run` writes the link predicate into a Sigstore bundle for a `.sigstore.json`
/// attestation, and it verifies.
#[test]
fn run_writes_a_bundle_for_a_sigstore_json_attestation() {
    let dir = setup(r#"attestation = "attestations/train.sigstore.json""#);
    let d = dir.path();
    let run = run_train(d, &["sh", "-c", "echo trained > models/model.bin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lineage = train_lineage(d);
    assert_eq!(lineage["attestation"], "verified", "{lineage}");
    assert_eq!(lineage["forms"], json!(["link-v03 in sigstore bundle"]));
    assert_eq!(lineage["attested_inputs"], json!(["transactions"]));
    assert_eq!(lineage["attested_outputs"], json!(["fraud"]));
    let bundle: Value = serde_json::from_str(
        &fs::read_to_string(d.join("attestations/train.sigstore.json")).unwrap(),
    )
    .unwrap();
    assert!(
        bundle["mediaType"]
            .as_str()
            .unwrap()
            .starts_with("application/vnd.dev.sigstore.bundle")
    );
}

/// A real GitHub artifact attestation (SLSA provenance v1, public-good Sigstore, keyless): the
/// pypi-attestations 0.0.19 sdist built by its `release.yml`.
const GH_ATTESTATION: &str = "tests/fixtures/keyless/gh-attestation-public-good/pypi_attestations-0.0.19.tar.gz.slsa.sigstore.json";
const GH_COMMIT: &str = "08802efe1f8e5fec4ad842d6b8ce97656092ee72";

/// A pipeline whose `build` stage is attested by the GitHub attestation, run as the keyless
/// identity `release-ci` with `claims`; it reads the source at `commit` and writes the sdist.
fn keyless_pipeline(claims: &str, commit: &str, exposure: &str) -> String {
    format!(
        r#"pipeline "keyless-lineage" {{
  policies = ["policies"]
  require_attestations = true
  identity "release-ci" {{
    issuer = "https://token.actions.githubusercontent.com"
    {claims}
  }}
  code "source" {{ uri = "git+https://github.com/trailofbits/pypi-attestations@{commit}" }}
  model "sdist" {{
    uri = "https://files.pythonhosted.org/pypi_attestations-0.0.19.tar.gz"
    digest = "sha256:9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
  }}
  stage "build" {{
    runs_as = identity "release-ci"
    inputs = [code "source"]
    outputs = [model "sdist"]
    attestation = "attestations/build.sigstore.json"
  }}
  release "pypi" {{ artifacts = [model "sdist"] environment = "prod" exposure = "{exposure}" }}
}}
"#
    )
}

const RELEASE_CI: &str = r#"repository = "trailofbits/pypi-attestations"
    workflow = ".github/workflows/release.yml""#;

/// A folder with `pipeline`, the attestation (`payload` rewrites its DSSE payload) and the
/// baseline's permit and lineage rules.
fn keyless_setup(pipeline: &str, payload: impl Fn(Vec<u8>) -> Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["attestations", "policies"] {
        fs::create_dir_all(d.join(sub)).unwrap();
    }
    let mut bundle: Value =
        serde_json::from_slice(&fs::read(root().join(GH_ATTESTATION)).unwrap()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let original = b64
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    bundle["dsseEnvelope"]["payload"] = Value::String(b64.encode(payload(original)));
    fs::write(
        d.join("attestations/build.sigstore.json"),
        serde_json::to_vec(&bundle).unwrap(),
    )
    .unwrap();
    fs::write(d.join("pipeline.pal"), pipeline).unwrap();
    for file in ["permit.cedar", "lineage.cedar"] {
        fs::copy(
            root().join("policies/baseline").join(file),
            d.join("policies").join(file),
        )
        .unwrap();
    }
    dir
}

/// The `lineage` facts of stage `build`, from `explain --json`.
fn build_lineage(dir: &Path) -> Value {
    let run = palisade(
        dir,
        &[
            "explain",
            "--no-lock",
            "--json",
            "--at",
            AT,
            "stage",
            "build",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    doc["facts"]["evidence"]["lineage"].clone()
}

fn evaluate_json(dir: &Path) -> Run {
    palisade(
        dir,
        &["evaluate", "--no-lock", "--format", "json", "--at", AT],
    )
}

#[test]
fn a_keyless_github_attestation_verifies_as_the_runs_as_identity() {
    let dir = keyless_setup(&keyless_pipeline(RELEASE_CI, GH_COMMIT, "public"), |p| p);
    let lineage = build_lineage(dir.path());
    assert_eq!(lineage["attestation"], "verified", "{lineage}");
    assert_eq!(lineage["signer"], "release-ci");
    assert_eq!(
        lineage["forms"],
        json!(["slsa-provenance-v1 in sigstore bundle"])
    );
    // `resolvedDependencies` (the checkout, by gitCommit) are the materials, the subject the
    // product: both declared, nothing undeclared.
    assert_eq!(lineage["attested_inputs"], json!(["source"]));
    assert_eq!(lineage["attested_outputs"], json!(["sdist"]));
    assert_eq!(lineage["undeclared_inputs"], json!([]));
    let run = evaluate_json(dir.path());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(violations(&run).is_empty());
}

#[test]
fn a_keyless_attestation_of_an_undeclared_checkout_names_it() {
    // The pipeline pins another commit than the one the workflow built from.
    let other = "1".repeat(40);
    let dir = keyless_setup(&keyless_pipeline(RELEASE_CI, &other, "public"), |p| p);
    let lineage = build_lineage(dir.path());
    assert_eq!(lineage["attestation"], "verified", "{lineage}");
    assert_eq!(
        lineage["undeclared_inputs"][0]["path"],
        "git+https://github.com/trailofbits/pypi-attestations@refs/tags/v0.0.19"
    );
    assert_eq!(
        lineage["undeclared_inputs"][0]["digest"],
        format!("gitcommit:{GH_COMMIT}")
    );
    let run = evaluate_json(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let found = violations(&run);
    assert!(
        found.contains(&("lineage-undeclared-input".into(), "Model::\"sdist\"".into())),
        "{found:?}"
    );
}

#[test]
fn a_keyless_attestation_from_another_repository_or_workflow_is_invalid() {
    for (claims, field) in [
        (
            r#"repository = "evil/pypi-attestations""#,
            "repository expected https://github.com/evil/pypi-attestations",
        ),
        (
            r#"subject = "https://github.com/trailofbits/pypi-attestations/.github/workflows/ci.yml@refs/heads/main""#,
            "subject expected",
        ),
        (
            r#"repository = "trailofbits/pypi-attestations"
    workflow = ".github/workflows/ci.yml""#,
            "workflow expected .github/workflows/ci.yml",
        ),
    ] {
        let dir = keyless_setup(&keyless_pipeline(claims, GH_COMMIT, "public"), |p| p);
        let lineage = build_lineage(dir.path());
        assert_eq!(lineage["attestation"], "invalid", "{claims}: {lineage}");
        let reason = lineage["reason"].as_str().unwrap();
        assert!(
            reason.contains("failed at step `identity`") && reason.contains(field),
            "{claims}: {reason}"
        );
        let run = evaluate_json(dir.path());
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        let found = violations(&run);
        for (policy, resource) in [
            ("invalid-attestation", "Model::\"sdist\""),
            ("lineage-unattested-stage", "Model::\"sdist\""),
        ] {
            assert!(
                found.contains(&(policy.into(), resource.into())),
                "{claims}: {found:?}"
            );
        }
    }
}

#[test]
fn a_tampered_keyless_attestation_is_invalid() {
    // The payload says the sdist was built from another commit; the pipeline agrees with the
    // forgery, and only the signature tells.
    let other = "1".repeat(40);
    let forged = other.clone();
    let dir = keyless_setup(&keyless_pipeline(RELEASE_CI, &other, "public"), move |p| {
        String::from_utf8(p)
            .unwrap()
            .replace(GH_COMMIT, &forged)
            .into_bytes()
    });
    let lineage = build_lineage(dir.path());
    assert_eq!(lineage["attestation"], "invalid", "{lineage}");
    assert!(
        lineage["reason"]
            .as_str()
            .unwrap()
            .contains("failed at step `signature`"),
        "{lineage}"
    );
    let run = evaluate_json(dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        violations(&run).contains(&("invalid-attestation".into(), "Model::\"sdist\"".into())),
        "{}",
        run.stdout
    );
}

#[test]
fn reports_name_unattested_and_undeclared_inputs_with_digests() {
    let dir = setup(ATTESTATION);
    let d = dir.path();
    fs::write(d.join("data/extra.csv"), "secret,1\n").unwrap();
    let run = record(d, "keys/trainer.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The declared input changes after the run: the attestation no longer accounts for it.
    fs::write(d.join("data/transactions.csv"), "amount,fraud\n13,0\n").unwrap();
    let json = evaluate(d);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let lineage = &report["lineage"];
    assert_eq!(lineage.as_array().unwrap().len(), 1, "{lineage}");
    let train = &lineage[0];
    assert_eq!(train["stage"], "train");
    assert_eq!(train["attestation"], "verified");
    assert_eq!(train["signer"], "trainer");
    let mut undeclared: Vec<&str> = train["undeclared_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    undeclared.sort_unstable();
    // The old transactions.csv is an attested material no declared input matches any more.
    assert_eq!(
        undeclared,
        [
            "data/customers.csv",
            "data/extra.csv",
            "data/transactions.csv"
        ]
    );
    let unattested = &train["unattested_inputs"][0];
    assert_eq!(unattested["artifact"], "transactions");
    assert!(
        unattested["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "{unattested}"
    );
    let human = palisade(
        d,
        &[
            "evaluate",
            "--no-lock",
            "--policies",
            "policies",
            "--at",
            AT,
        ],
    );
    for expected in [
        "lineage: stage \"train\": attestation verified (signer: trainer)",
        "+ undeclared input: data/extra.csv (sha256:",
        "- unattested input: transactions (sha256:",
    ] {
        assert!(
            human.stdout.contains(expected),
            "{expected}\n{}",
            human.stdout
        );
    }
}

/// `graph`: a stage's edges are solid only when its attestation verified and shows the flow;
/// an attestation that does not verify draws them dashed, like a stage without one.
#[test]
fn graph_draws_only_verified_attested_edges_solid() {
    let verified = keyless_setup(&keyless_pipeline(RELEASE_CI, GH_COMMIT, "public"), |p| p);
    let dot = palisade(verified.path(), &["graph", "--no-lock"]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    insta::assert_snapshot!("keyless-graph-verified", dot.stdout);
    let invalid = keyless_setup(
        &keyless_pipeline(
            r#"repository = "evil/pypi-attestations""#,
            GH_COMMIT,
            "public",
        ),
        |p| p,
    );
    for (format, solid, dashed) in [
        ("dot", "style=solid", "style=dashed"),
        ("mermaid", "-->|input|", "-.->|input|"),
        ("json", "\"attested\": true", "\"attested\": false"),
    ] {
        let run = palisade(invalid.path(), &["graph", "--no-lock", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            !run.stdout.contains(solid) && run.stdout.contains(dashed),
            "{format}: {}",
            run.stdout
        );
    }
    // Without an attestation, declared edges are declared only.
    let text = keyless_pipeline(RELEASE_CI, GH_COMMIT, "public").replace(
        "    attestation = \"attestations/build.sigstore.json\"\n",
        "",
    );
    let absent = keyless_setup(&text, |p| p);
    let run = palisade(absent.path(), &["graph", "--no-lock"]);
    assert!(
        run.stdout.contains("[label=\"input\", style=dashed]")
            && run.stdout.contains("[label=\"output\", style=dashed]"),
        "{}",
        run.stdout
    );
}

/// The fraud-detection example's train attestation (written by `palisade run` in its
/// regen.sh) accounts for exactly the committed inputs and model: the model, its signature,
/// ML-BOM and lock come from the recorded run.
#[test]
fn the_example_train_attestation_matches_the_committed_model() {
    let example = root().join("examples/fraud-detection");
    let run = palisade(
        &example,
        &["explain", "--json", "--at", AT, "stage", "train"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let lineage = &doc["facts"]["evidence"]["lineage"];
    assert_eq!(lineage["attestation"], "verified", "{lineage}");
    assert_eq!(lineage["attested_inputs"], json!(["app", "transactions"]));
    assert_eq!(lineage["attested_outputs"], json!(["fraud-xgb"]));
    for side in [
        "undeclared_inputs",
        "undeclared_outputs",
        "unattested_inputs",
        "unattested_outputs",
    ] {
        assert_eq!(lineage[side], json!([]), "{side}: {lineage}");
    }
}

/// A GitHub release attestation (GitHub's Sigstore instance, predicate `release/v0.2`) says
/// what was released, not what a stage read: refused as a stage attestation (exit 2).
#[test]
fn a_keyless_release_attestation_is_no_stage_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("attestations")).unwrap();
    let keyless = root().join("tests/fixtures/keyless");
    fs::copy(
        keyless.join("gh-release-attestation/bundle.sigstore.json"),
        d.join("attestations/publish.sigstore.json"),
    )
    .unwrap();
    fs::copy(
        keyless.join("roots/github-trusted_root.json"),
        d.join("github-root.json"),
    )
    .unwrap();
    fs::write(
        d.join("pipeline.pal"),
        r#"pipeline "release" {
  trusted_root = "github-root.json"
  identity "gh-release" { subject = "https://dotcom.releases.github.com" }
  model "bin" {
    uri = "https://github.com/jdx/communique/releases/download/v0.1.9/communique-x86_64-unknown-linux-gnu.tar.gz"
    digest = "sha256:b958c6046bab52febf958c94974e1ffcc450bff78c28d7233e179bfd73828912"
  }
  stage "publish" {
    runs_as = identity "gh-release"
    outputs = [model "bin"]
    attestation = "attestations/publish.sigstore.json"
  }
  release "r" { artifacts = [model "bin"] environment = "prod" exposure = "internal" }
}
"#,
    )
    .unwrap();
    let run = palisade(d, &["evaluate", "--no-lock", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("attestation/release/v0.2") && run.stderr.contains("publish"),
        "{}",
        run.stderr
    );
}

/// An RSA pipeline key (what `in-toto-keygen` makes by default) verifies stage attestations
/// (classic links, RSA-PSS) and nothing else: an RSA key given for another kind of evidence
/// verifies nothing, so that evidence stays unverified.
#[test]
fn an_rsa_key_signs_attestations_only() {
    let dir = intoto_setup("rsa", "classic/train.581b47aa.link");
    let lineage = train_lineage(dir.path());
    assert_eq!(lineage["attestation"], "verified", "{lineage}");
    assert_eq!(lineage["signer"], "trainer");
    // An RSA-signed statement about the model, given as its signature by the RSA key: not
    // a verified signature.
    let d = dir.path();
    fs::copy(
        intoto().join("statement/slsa.rsa.dsse.json"),
        d.join("model.dsse.json"),
    )
    .unwrap();
    let text = fs::read_to_string(d.join("pipeline.pal")).unwrap().replace(
        r#"model "model" { path = "model" }"#,
        r#"model "model" { path = "model" signature = "model.dsse.json" signed_by = key "trainer" }"#,
    );
    assert!(text.contains("signed_by = key"), "{text}");
    fs::write(d.join("pipeline.pal"), text).unwrap();
    let run = palisade(
        d,
        &[
            "explain",
            "--no-lock",
            "--json",
            "--at",
            AT,
            "model",
            "model",
        ],
    );
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    let facts = &doc["facts"]["own"];
    assert_eq!(facts["signature"], "invalid", "{}", run.stdout);
    assert!(
        facts["signature_reason"]
            .as_str()
            .unwrap()
            .contains("no trusted key"),
        "{facts}"
    );
}

/// `palisade run` lists a declared folder without the files its `ignore = [...]` leaves out, as
/// evaluate hashes it. Before, the run's own record listed them, so the stage it had just
/// recorded read as "unattested input" plus an undeclared input per ignored file.
#[test]
fn run_leaves_out_what_a_folders_ignore_leaves_out() {
    let dir = setup(ATTESTATION);
    let d = dir.path();
    let text = fs::read_to_string(d.join("pipeline.pal")).unwrap();
    let text = text
        .replace(
            "  model \"fraud\"",
            "  code \"app\" { path = \"src\" ignore = [\"*.log\"] }\n  model \"fraud\"",
        )
        .replace(
            "inputs = [dataset \"transactions\"]\n    outputs",
            "inputs = [dataset \"transactions\", code \"app\"]\n    outputs",
        );
    assert!(text.contains("code \"app\"]"), "{text}");
    fs::write(d.join("pipeline.pal"), text).unwrap();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/train.py"), "print('train')\n").unwrap();
    fs::write(d.join("src/debug.log"), "noise\n").unwrap();
    let run = run_train(d, &["sh", "train.sh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lineage = train_lineage(d);
    assert_eq!(
        lineage["attested_inputs"],
        json!(["app", "transactions"]),
        "{lineage}"
    );
    assert_eq!(lineage["unattested_inputs"], json!([]), "{lineage}");
    assert_eq!(lineage["undeclared_inputs"], json!([]), "{lineage}");
}
