//! The language on real input: the SPEC §2 example, and the forms every value can take.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use palisade_syntax::{
    ArtifactKind, Date, Exposure, Kind, LoadOptions, Pipeline, PolicySource, Reference, load,
    parse_str,
};

const SPEC_EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/spec-example.pal"
);

fn fixtures_dir() -> PathBuf {
    Path::new(SPEC_EXAMPLE)
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

fn parse(text: &str) -> Pipeline {
    match parse_str(text, "t.pal", Path::new("."), &LoadOptions::default()) {
        Ok(pipeline) => pipeline,
        Err(diagnostics) => panic!(
            "{:#?}",
            diagnostics
                .errors()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        ),
    }
}

fn reference(kind: Kind, name: &str) -> Reference {
    Reference {
        kind,
        name: name.to_owned(),
    }
}

fn refs(list: &[palisade_syntax::Spanned<Reference>]) -> Vec<String> {
    list.iter().map(|r| r.value.to_string()).collect()
}

#[test]
fn spec_example_parses_into_the_expected_ast() {
    let pipeline = load(Path::new(SPEC_EXAMPLE), &LoadOptions::default()).unwrap();
    let base = fixtures_dir();

    assert_eq!(pipeline.name.value, "fraud-detection");
    assert_eq!(pipeline.source.name, SPEC_EXAMPLE);
    assert_eq!(pipeline.source.base_dir, base);
    assert_eq!(
        pipeline.owner.as_ref().map(|o| o.value.as_str()),
        Some("ml-platform@acme.example")
    );
    let policies: Vec<PolicySource> = pipeline
        .policies
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.value.clone())
        .collect();
    assert_eq!(policies.len(), 2);
    assert_eq!(policies[0], PolicySource::Baseline);
    let PolicySource::Folder(folder) = &policies[1] else {
        panic!("{policies:?}")
    };
    assert_eq!(folder.written, "policies");
    assert_eq!(folder.resolved, base.join("policies"));

    // key and identity
    assert_eq!(pipeline.keys.len(), 1);
    let key = &pipeline.keys[0];
    assert_eq!(key.name.value, "release");
    assert_eq!(key.public_key.value.written, "keys/release.pub");
    assert_eq!(key.public_key.value.resolved, base.join("keys/release.pub"));
    assert_eq!(pipeline.identities.len(), 1);
    let trainer = &pipeline.identities[0];
    assert_eq!(trainer.name.value, "trainer");
    assert_eq!(
        trainer.issuer.as_ref().unwrap().value,
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(
        trainer.subject.as_ref().unwrap().value,
        "repo:acme/fraud:ref:refs/heads/main"
    );
    assert!(trainer.ca.is_none() && trainer.builder.is_none());

    // artifacts, in source order
    let kinds: Vec<(ArtifactKind, &str)> = pipeline
        .artifacts
        .iter()
        .map(|a| (a.kind, a.name.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ArtifactKind::Code, "app"),
            (ArtifactKind::Dataset, "transactions"),
            (ArtifactKind::Model, "fraud-xgb"),
            (ArtifactKind::Image, "serving"),
            (ArtifactKind::Secret, "db-password"),
        ]
    );
    let [app, transactions, model, image, secret] = &pipeline.artifacts[..] else {
        unreachable!()
    };
    assert_eq!(app.path.as_ref().unwrap().value.resolved, base.join("src"));
    assert_eq!(app.bom.as_ref().unwrap().value.written, "sbom/app.cdx.json");
    assert_eq!(app.sast[0].value.written, "reports/bandit.sarif");
    assert_eq!(app.secrets[0].value.written, "reports/trivy-secrets.sarif");
    assert!(app.dast.is_empty() && app.scans.is_empty() && app.signed_by.is_empty());

    let labels: Vec<&str> = transactions
        .labels
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    assert_eq!(labels, ["pii", "financial"]);
    assert_eq!(
        transactions.provenance.as_ref().unwrap().value.written,
        "attestations/transactions.intoto.json"
    );

    assert_eq!(model.format.as_ref().unwrap().value, "safetensors");
    assert_eq!(
        model.signature.as_ref().unwrap().value.written,
        "models/fraud-xgb.sig"
    );
    assert_eq!(refs(&model.signed_by), [r#"key "release""#]);
    assert_eq!(
        model.bom.as_ref().unwrap().value.written,
        "sbom/fraud-xgb.mlbom.json"
    );

    // The example's digest is elided (`4f1c…`): the image stays unpinned, without an error.
    assert_eq!(
        image.remote.as_ref().unwrap().value,
        "registry.acme.example/fraud/serve@sha256:4f1c…"
    );
    assert!(image.path.is_none() && image.digest.is_none());
    assert_eq!(
        image.bom.as_ref().unwrap().value.written,
        "sbom/serving.cdx.json"
    );

    assert_eq!(secret.vault.as_ref().unwrap().value, "kv/data/fraud/db");

    // stages
    let [train, serve] = &pipeline.stages[..] else {
        panic!("{:?}", pipeline.stages)
    };
    assert_eq!(train.name.value, "train");
    assert_eq!(
        train.runs_as.as_ref().unwrap().value,
        reference(Kind::Identity, "trainer")
    );
    assert_eq!(
        refs(&train.inputs),
        [r#"dataset "transactions""#, r#"code "app""#]
    );
    assert_eq!(refs(&train.outputs), [r#"model "fraud-xgb""#]);
    assert!(train.secrets.is_empty() && train.guardrails.is_none());
    assert_eq!(serve.name.value, "serve");
    assert!(serve.runs_as.is_none());
    assert_eq!(
        refs(&serve.inputs),
        [r#"model "fraud-xgb""#, r#"code "app""#]
    );
    assert_eq!(refs(&serve.outputs), [r#"image "serving""#]);
    assert_eq!(refs(&serve.secrets), [r#"secret "db-password""#]);
    assert_eq!(
        serve.guardrails.as_ref().unwrap().value.resolved,
        base.join("config/guardrails.yaml")
    );

    // release and waiver
    let [release] = &pipeline.releases[..] else {
        panic!("{:?}", pipeline.releases)
    };
    assert_eq!(release.name.value, "production");
    assert_eq!(
        refs(&release.artifacts),
        [r#"image "serving""#, r#"model "fraud-xgb""#]
    );
    assert_eq!(release.environment.value, "production");
    assert_eq!(release.exposure.value, Exposure::Public);
    let [waiver] = &pipeline.waivers[..] else {
        panic!("{:?}", pipeline.waivers)
    };
    assert_eq!(waiver.name.value, "legacy-urllib3");
    assert_eq!(waiver.policy.value, "no-critical-vulnerabilities");
    assert_eq!(
        waiver.target.as_ref().unwrap().value,
        reference(Kind::Image, "serving")
    );
    assert_eq!(
        waiver.expires.value,
        Date {
            year: 2027,
            month: 1,
            day: 31
        }
    );
    assert_eq!(
        waiver.reason.value,
        "fixed upstream; rebuild scheduled (SEC-1234)"
    );
}

#[test]
fn spans_point_at_the_written_text() {
    let pipeline = load(Path::new(SPEC_EXAMPLE), &LoadOptions::default()).unwrap();
    let text = pipeline.source.text.as_str();
    let at = |span: miette::SourceSpan| &text[span.offset()..span.offset() + span.len()];
    assert_eq!(at(pipeline.name.span), "\"fraud-detection\"");
    let model = &pipeline.artifacts[2];
    assert_eq!(at(model.name.span), "\"fraud-xgb\"");
    assert!(at(model.span).starts_with("model \"fraud-xgb\" {"));
    assert!(at(model.span).ends_with('}'));
    assert_eq!(at(model.signed_by[0].span), "key \"release\"");
    assert_eq!(at(pipeline.waivers[0].expires.span), "2027-01-31");
    let (line, column) = pipeline.source.line_col(model.name.span.offset());
    assert_eq!((line, column), (25, 9));
}

#[test]
fn one_line_and_multi_line_blocks_are_the_same() {
    let one = parse(r#"pipeline "p" { dataset "d" { path = "d.csv" labels = ["pii"] } }"#);
    let four = parse(
        "pipeline \"p\" {\n  dataset \"d\" {\n    path = \"d.csv\"\n    labels = [\n      \"pii\",\n    ]\n  }\n}\n",
    );
    for pipeline in [&one, &four] {
        let [dataset] = &pipeline.artifacts[..] else {
            panic!("{:?}", pipeline.artifacts)
        };
        assert_eq!(dataset.kind, ArtifactKind::Dataset);
        assert_eq!(dataset.name.value, "d");
        assert_eq!(dataset.path.as_ref().unwrap().value.written, "d.csv");
        assert_eq!(dataset.labels.len(), 1);
        assert_eq!(dataset.labels[0].value, "pii");
    }
    assert_eq!(
        one.artifacts[0].path.as_ref().unwrap().value,
        four.artifacts[0].path.as_ref().unwrap().value
    );
}

#[test]
fn comments_are_ignored_everywhere() {
    let pipeline = parse(
        "// leading\n/* block\n comment */ pipeline /* here */ \"p\" // there\n{ \
         dataset /* a */ \"d\" /* b */ { labels /* c */ = /* d */ [ /* e */ \"pii\" /* f */, ] \
         // g\n } /* h */ } // trailing",
    );
    assert_eq!(pipeline.name.value, "p");
    assert_eq!(pipeline.artifacts[0].labels[0].value, "pii");
}

#[test]
fn strings_decode_escapes_and_unicode() {
    let pipeline =
        parse(r#"pipeline "p" { owner = "a \"q\" \\ \n \t \u{1F512} é" description = "x" }"#);
    assert_eq!(pipeline.owner.unwrap().value, "a \"q\" \\ \n \t 🔒 é");
}

#[test]
fn signed_by_takes_one_reference_or_a_list() {
    let pipeline = parse(
        r#"pipeline "p" {
          key "k" { public_key = "k.pub" }
          identity "ci" { issuer = "https://issuer.example" subject = "repo:x" builder = "https://b" ca = "ca.pem" }
          model "one" { path = "m1" signed_by = key "k" }
          model "list" { path = "m2" signed_by = [key "k", identity "ci"] }
          model "none" { path = "m3" signed_by = [] }
        }"#,
    );
    let signers: Vec<Vec<String>> = pipeline
        .artifacts
        .iter()
        .map(|a| refs(&a.signed_by))
        .collect();
    assert_eq!(
        signers,
        [
            vec![r#"key "k""#.to_owned()],
            vec![r#"key "k""#.to_owned(), r#"identity "ci""#.to_owned()],
            vec![],
        ]
    );
    let ci = &pipeline.identities[0];
    assert_eq!(ci.builder.as_ref().unwrap().value, "https://b");
    assert_eq!(ci.ca.as_ref().unwrap().value.written, "ca.pem");
}

#[test]
fn remote_artifacts_and_digests() {
    let hex = "0123456789abcdef".repeat(4);
    let pipeline = parse(&format!(
        r#"pipeline "p" {{
          image "pinned-by-ref" {{ ref = "r.example/a@sha256:{hex}" }}
          image "pinned-both" {{ ref = "r.example/a@sha256:{hex}" digest = "sha256:{hex}" }}
          model "by-uri" {{ uri = "hf://org/model" digest = "sha512:{hex}{hex}" }}
          image "unpinned" {{ ref = "r.example/a:latest" }}
        }}"#
    ));
    let digests: Vec<Option<String>> = pipeline
        .artifacts
        .iter()
        .map(|a| a.digest.as_ref().map(|d| d.value.to_string()))
        .collect();
    assert_eq!(
        digests,
        [
            Some(format!("sha256:{hex}")),
            Some(format!("sha256:{hex}")),
            Some(format!("sha512:{hex}{hex}")),
            None,
        ]
    );
    assert_eq!(
        pipeline.artifacts[2].remote.as_ref().unwrap().value,
        "hf://org/model"
    );
}

#[test]
fn every_kind_and_optional_fields() {
    let pipeline = parse(
        r#"pipeline "p" {
          description = "all kinds"
          code "c" { path = "src" dast = ["zap.sarif"] scans = ["a.sarif", "b.sarif"] description = "x" }
          secret "s" { vault = "kv/x" labels = ["prod"] }
          stage "st" { inputs = [code "c"] secrets = [secret "s"] environment = "ci" }
          release "r" { artifacts = [code "c"] environment = "staging" exposure = "internal" }
          release "q" { artifacts = [code "c",] environment = "dev" exposure = "private" }
          waiver "w" { policy = "p1" expires = 2028-02-29 reason = "r" }
          waiver "t" { policy = "p2" expires = 2028-02-29 reason = "r" target = stage "st" }
        }"#,
    );
    assert!(
        pipeline.policies.is_none(),
        "no `policies`: the built-in pack applies"
    );
    let code = &pipeline.artifacts[0];
    assert_eq!(code.dast.len(), 1);
    assert_eq!(code.scans.len(), 2);
    assert_eq!(pipeline.stages[0].environment.as_ref().unwrap().value, "ci");
    let exposures: Vec<Exposure> = pipeline.releases.iter().map(|r| r.exposure.value).collect();
    assert_eq!(exposures, [Exposure::Internal, Exposure::Private]);
    assert!(pipeline.waivers[0].target.is_none());
    assert_eq!(
        pipeline.waivers[1].target.as_ref().unwrap().value,
        reference(Kind::Stage, "st")
    );
    assert_eq!(pipeline.waivers[0].expires.value.to_string(), "2028-02-29");
}

#[test]
fn allow_outside_accepts_escaping_paths() {
    let text = r#"pipeline "p" { dataset "d" { path = "../elsewhere/d.csv" } key "k" { public_key = "/etc/k.pub" } }"#;
    let strict = parse_str(text, "t.pal", Path::new("."), &LoadOptions::default()).unwrap_err();
    assert_eq!(strict.len(), 2);
    let opts = LoadOptions {
        allow_outside: true,
        ..LoadOptions::default()
    };
    let pipeline = parse_str(text, "t.pal", Path::new("."), &opts).unwrap();
    let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
    assert_eq!(
        pipeline.artifacts[0].path.as_ref().unwrap().value.resolved,
        cwd.parent().unwrap().join("elsewhere/d.csv")
    );
    assert_eq!(
        pipeline.keys[0].public_key.value.resolved,
        PathBuf::from("/etc/k.pub")
    );
}

#[test]
fn load_reports_unreadable_and_oversized_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pal");
    let error = load(&missing, &LoadOptions::default()).unwrap_err();
    assert_eq!(error.len(), 1);
    assert!(
        error.errors()[0]
            .to_string()
            .starts_with(&format!("cannot read {}: ", missing.display()))
    );

    let big = dir.path().join("big.pal");
    std::fs::write(&big, "pipeline \"p\" {}\n// padding padding\n").unwrap();
    let opts = LoadOptions {
        max_bytes: 10,
        ..LoadOptions::default()
    };
    let error = load(&big, &opts).unwrap_err();
    assert_eq!(
        error.errors()[0].to_string(),
        format!(
            "{} is larger than the limit of 10 bytes (35 bytes or more)",
            big.display()
        )
    );
    let error = parse_str("pipeline \"p\" {}  ", "s.pal", dir.path(), &opts).unwrap_err();
    assert_eq!(
        error.errors()[0].to_string(),
        "s.pal is larger than the limit of 10 bytes (17 bytes or more)"
    );

    let binary = dir.path().join("bin.pal");
    std::fs::write(&binary, b"pipeline \"p\xff\" {}").unwrap();
    let error = load(&binary, &LoadOptions::default()).unwrap_err();
    assert_eq!(
        error.errors()[0].to_string(),
        format!(
            "{} is not UTF-8 text (invalid byte at offset 11)",
            binary.display()
        )
    );

    let error = load(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(error.errors()[0].to_string().starts_with("cannot read "));
}

#[test]
fn paths_resolve_against_the_file_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let file = dir.path().join("sub/pipeline.pal");
    std::fs::write(
        &file,
        r#"pipeline "p" { dataset "d" { path = "./data/../d.csv" } }"#,
    )
    .unwrap();
    let pipeline = load(&file, &LoadOptions::default()).unwrap();
    let base = dir.path().join("sub").canonicalize().unwrap();
    assert_eq!(pipeline.source.base_dir, base);
    let path = &pipeline.artifacts[0].path.as_ref().unwrap().value;
    assert_eq!(path.written, "./data/../d.csv");
    assert_eq!(path.resolved, base.join("d.csv"));
}

fn messages(text: &str) -> Vec<String> {
    parse_str(text, "t.pal", Path::new("."), &LoadOptions::default())
        .err()
        .map(|d| d.errors().iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn meaning_errors_say_what_and_where() {
    assert_eq!(
        messages(
            r#"pipeline "p" {
  model "m" { path = "m" signed_by = kye "k" }
  pipeline "q" {}
  image "i" { ref = "r" uri = "u" }
  stage "s" { inputs = [model "m"] runs_as = key "k" environment = 3 }
  waiver "w" { policy = "x" expires = 2027-01-01 reason = "  " target = key "k" }
  secret "db" { vault = "kv/x" labels = [["nested"]] }
  release "r" { artifacts = [secret "db"] environment = "e" exposure = "public" }
}"#
        ),
        [
            "t.pal:3:3: a `pipeline` block cannot be nested in another",
            "t.pal:2:38: unknown kind `kye`",
            "t.pal:4:25: `ref` and `uri` cannot both be set",
            "t.pal:5:46: `runs_as` takes an identity, not a key",
            "t.pal:5:68: `environment` expects a string, found an integer",
            "t.pal:6:73: `target` takes an artifact, stage or release, not a key",
            "t.pal:6:59: `reason` expects a non-empty string, found an empty string",
            "t.pal:7:41: `labels` expects a list of strings, found a list of lists",
            "t.pal:8:30: `artifacts` takes a code, dataset, model or image, not a secret",
        ]
    );
}

#[test]
fn every_attribute_type_mismatch_names_both_types() {
    let found = messages(
        r#"pipeline "p" {
  owner = ["a"]
  policies = "@baseline"
  dataset "d" { path = 2027-01-01 labels = "pii" sast = [dataset "d"] signed_by = "k" }
  stage "s" { outputs = [dataset "d", "x"] secrets = [] guardrails = true }
}"#,
    );
    assert_eq!(
        found,
        [
            "t.pal:2:11: `owner` expects a string, found a list of strings",
            "t.pal:3:14: `policies` expects a list of strings, found a string",
            "t.pal:4:24: `path` expects a path (a string), found a date",
            "t.pal:4:83: `signed_by` expects a reference or a list of references, found a string",
            "t.pal:4:44: `labels` expects a list of strings, found a string",
            "t.pal:4:57: `sast` expects a list of paths, found a list of references",
            "t.pal:5:25: `outputs` expects a list of references, found a list of mixed values",
            "t.pal:5:70: `guardrails` expects a path (a string), found a boolean",
        ]
    );
}

#[test]
fn pipeline_settings_for_the_baseline_rules() {
    let pipeline = parse(
        r#"pipeline "p" { vulnerability_threshold = "high" denied_licenses = ["GPL-3.0-only", "SSPL-1.0"] }"#,
    );
    assert_eq!(
        pipeline.vulnerability_threshold.map(|t| t.value).as_deref(),
        Some("high")
    );
    let licenses: Vec<String> = pipeline
        .denied_licenses
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.value)
        .collect();
    assert_eq!(licenses, ["GPL-3.0-only", "SSPL-1.0"]);
    assert!(
        parse(r#"pipeline "p" {}"#)
            .vulnerability_threshold
            .is_none()
    );
}

#[test]
fn max_attack_success_is_a_ratio_in_thousandths() {
    for (written, milli) in [
        ("0.05", 50),
        ("0", 0),
        ("1", 1000),
        ("0.125", 125),
        ("1.0", 1000),
    ] {
        let p = parse(&format!(
            "pipeline \"p\" {{ max_attack_success = {written} }}"
        ));
        assert_eq!(
            p.max_attack_success.map(|m| m.value),
            Some(milli),
            "{written}"
        );
    }
    for written in ["1.5", "0.0001", "-0.1", "\"0.05\"", "2"] {
        let text = format!("pipeline \"p\" {{ max_attack_success = {written} }}");
        assert!(
            parse_str(&text, "t.pal", Path::new("."), &LoadOptions::default()).is_err(),
            "{written} accepted"
        );
    }
}

#[test]
fn stages_declare_red_team_reports() {
    let p = parse(r#"pipeline "p" { stage "s" { redteam = ["a.report.jsonl", "results.json"] } }"#);
    let written: Vec<&str> = p.stages[0]
        .redteam
        .iter()
        .map(|r| r.value.written.as_str())
        .collect();
    assert_eq!(written, ["a.report.jsonl", "results.json"]);
}
