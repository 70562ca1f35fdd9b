//! End-to-end tests of SPDX SBOMs as `bom` evidence (issue 14 item 2): an SPDX 2.3 or 3.0
//! document, told from CycloneDX by its content, gives the same packages, licenses,
//! vulnerabilities, model-card and dataset facts. The documents are the ones real tools wrote
//! under `tests/fixtures/spdx/` (npm, spdx-python-model; see its README).

use std::fs;
use std::path::Path;

use super::{AT, Run, palisade, root, violations};

const PIPELINE: &str = r#"pipeline "spdx" {
  policies        = ["@baseline"]
  denied_licenses = ["WTFPL"]
  code "app" {
    path = "src"
    bom  = "APP_BOM"
  }
  model "fraud" {
    path = "m.safetensors"
    bom  = "ai.spdx3.json"
  }
  release "prod" {
    artifacts   = [code "app", model "fraud"]
    environment = "production"
    exposure    = "public"
  }
}
"#;

/// A pipeline folder whose code `bom` is `app_bom` (a file of tests/fixtures/spdx) and whose
/// model's is the spdx-python-model AI BOM.
fn project(app_bom: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let fixtures = root().join("tests/fixtures/spdx");
    fs::create_dir_all(d.join("src")).expect("mkdir");
    fs::write(d.join("src/app.js"), "console.log(1)\n").expect("write");
    fs::copy(fixtures.join(app_bom), d.join(app_bom)).expect("copy bom");
    fs::copy(
        fixtures.join("spdx-python-model-aibom.spdx3.json"),
        d.join("ai.spdx3.json"),
    )
    .expect("copy ai bom");
    fs::copy(
        root().join("tests/e2e/cases/m.safetensors"),
        d.join("m.safetensors"),
    )
    .expect("copy model");
    fs::write(d.join("pipeline.pal"), PIPELINE.replace("APP_BOM", app_bom)).expect("write");
    dir
}

fn packages(dir: &Path) -> Vec<String> {
    let run: Run = palisade(
        dir,
        &["graph", "--format", "json", "--packages", "--no-lock"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let graph: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let mut ids: Vec<String> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == "Package")
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
fn npm_spdx_gives_the_packages_of_its_cyclonedx_twin() {
    let spdx = project("npm-sbom.spdx.json");
    let cdx = project("npm-sbom.cdx.json");
    let from_spdx = packages(spdx.path());
    let from_cdx = packages(cdx.path());
    // The AI BOM's packages are in both; SPDX lists the described app among its packages
    // (CycloneDX keeps it in metadata.component), and that is the only difference.
    let extra: Vec<&String> = from_spdx.iter().filter(|p| !from_cdx.contains(p)).collect();
    assert_eq!(extra, [r#"Package::"pkg:npm/spdx-fixture-app@1.0.0""#]);
    assert!(from_cdx.iter().all(|p| from_spdx.contains(p)));
    assert!(from_cdx.len() >= 8, "{from_cdx:?}");
}

#[test]
fn spdx_licenses_vulnerabilities_model_card_and_datasets_reach_the_policies() {
    let dir = project("npm-sbom.spdx.json");
    let run = palisade(
        dir.path(),
        &["evaluate", "--at", AT, "--format", "json", "--no-lock"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = violations(&run);
    let has =
        |policy: &str, resource: &str| found.iter().any(|(p, r)| p == policy && r == resource);
    // npm's SPDX: left-pad is WTFPL, denied by this pipeline.
    assert!(
        has("denied-license", r#"Package::"pkg:npm/left-pad@1.3.0""#),
        "{found:?}"
    );
    // An inventory without vulnerability data is no scan.
    assert!(
        has("vulnerability-scan-required", r#"Code::"app""#),
        "{found:?}"
    );
    // The SPDX 3 AI BOM: a critical CVE affecting xgboost (VEX affected) counts…
    assert!(
        has("no-critical-vulnerabilities", r#"Model::"fraud""#),
        "{found:?}"
    );
    // …its ai_AIPackage is a model card, so that rule is satisfied…
    assert!(
        !has("model-card-required", r#"Model::"fraud""#),
        "{found:?}"
    );
    // …and its training dataset's sensitive personal information taints the model.
    assert!(has("pii-public-release", r#"Model::"fraud""#), "{found:?}");
}

#[test]
fn spdx_tag_value_is_refused_with_a_hint() {
    let dir = project("npm-sbom.spdx.json");
    fs::write(
        dir.path().join("npm-sbom.spdx.json"),
        "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n",
    )
    .expect("write");
    let run = palisade(dir.path(), &["check", "--no-lock"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("palisade::spdx::tag_value"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("npm-sbom.spdx.json"), "{}", run.stderr);
}

/// The attack: a BOM that is CycloneDX to CycloneDX tools (with a critical vulnerability) and an
/// empty SPDX inventory to an SPDX reader. Read as SPDX, the gate would see a clean BOM; it is
/// refused instead, naming the file and its declaration.
#[test]
fn a_bom_that_is_both_cyclonedx_and_spdx_is_refused() {
    let dir = project("npm-sbom.spdx.json");
    fs::write(
        dir.path().join("npm-sbom.spdx.json"),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
  "components": [{"type": "library", "name": "left-pad", "version": "1.0.0", "bom-ref": "lp"}],
  "vulnerabilities": [{"id": "CVE-2024-0001", "ratings": [{"severity": "critical"}],
    "affects": [{"ref": "lp"}]}],
  "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
  "dataLicense": "CC0-1.0", "documentNamespace": "https://example.invalid/app",
  "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]},
  "packages": []}"#,
    )
    .expect("write");
    let run = palisade(dir.path(), &["evaluate", "--no-lock", "--at", AT]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("both a CycloneDX document"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pipeline.pal:"), "{}", run.stderr);
}
