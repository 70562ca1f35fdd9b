//! End-to-end tests of who may sign (issue 9, items 2 and 6): a verdict is never a signature,
//! provenance is only provenance and only from `signed_by`, `verify` pins a verdict, and
//! certificate chains pass RFC 5280 path validation. Each attack here was ALLOWed before.

use std::path::{Path, PathBuf};

use palisade_sigstore::bundle::VerificationMaterial;
use palisade_sigstore::keys::SigningKey;
use palisade_sigstore::{intoto, purpose, sign_statement};

use super::{AT, palisade, root};

const MODEL: &[u8] = b"weights v1";
const SAN: &str = "release@acme.example";
const ISSUER: &str = "https://issuer.acme.example";

fn pki(name: &str) -> PathBuf {
    root().join("tests/fixtures/pki").join(name)
}

/// sha256 hex of UTF-8 bytes (the public-key hint function is exactly that).
fn sha256_hex(bytes: &[u8]) -> String {
    palisade_sigstore::keys::pem_hint(std::str::from_utf8(bytes).unwrap())
}

/// Permits everything, but forbids releasing a model whose signature (and, when `provenance`,
/// whose provenance) is not verified.
fn policy(provenance: bool) -> String {
    let mut text = String::from(
        "@id(\"allow-all\")\npermit (principal, action, resource);\n\
         @id(\"signed\")\n@severity(\"high\")\n@message(\"{resource} is not signed\")\n\
         forbid (principal is Release, action == Action::\"release\", resource is Model)\n\
         when { resource.signature != \"verified\" };\n",
    );
    if provenance {
        text.push_str(
            "@id(\"built\")\n@severity(\"high\")\n@message(\"{resource} has no provenance\")\n\
             forbid (principal is Release, action == Action::\"release\", resource is Model)\n\
             when { resource.provenance != \"verified\" };\n",
        );
    }
    text
}

/// A temp folder with `models/m.bin`, the policy, and two generated keys `release` and
/// `other` (`*.key` PKCS#8, `*.pub`).
fn case(provenance: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("models")).unwrap();
    std::fs::create_dir_all(d.join("policies")).unwrap();
    std::fs::write(d.join("models/m.bin"), MODEL).unwrap();
    std::fs::write(d.join("policies/team.cedar"), policy(provenance)).unwrap();
    for name in ["release", "other"] {
        let key = SigningKey::generate_p256();
        std::fs::write(d.join(format!("{name}.key")), key.to_pkcs8_pem()).unwrap();
        std::fs::write(d.join(format!("{name}.pub")), key.public_key().to_pem()).unwrap();
    }
    dir
}

fn write_pipeline(d: &Path, file: &str, declarations: &str, model: &str) {
    std::fs::write(
        d.join(file),
        format!(
            "pipeline \"trust\" {{\n  policies = [\"policies\"]\n{declarations}\n  \
             model \"m\" {{ path = \"models/m.bin\" format = \"safetensors\" {model} }}\n  \
             release \"prod\" {{ artifacts = [model \"m\"] environment = \"production\" exposure = \"internal\" }}\n}}\n"
        ),
    )
    .unwrap();
}

/// An in-toto statement about `models/m.bin` with this predicate.
fn statement(predicate_type: &str, predicate: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "_type": intoto::STATEMENT_V1,
        "subject": [{"name": "models/m.bin", "digest": {"sha256": sha256_hex(MODEL)}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    }))
    .unwrap()
}

/// Signs `statement` with the key in `d/<key>.key` into `d/<out>`.
fn sign_with(d: &Path, key: &str, statement: &[u8], out: &str) {
    let private = std::fs::read_to_string(d.join(format!("{key}.key"))).unwrap();
    let public = std::fs::read_to_string(d.join(format!("{key}.pub"))).unwrap();
    let key = SigningKey::from_pem(&private, None).unwrap();
    std::fs::write(
        d.join(out),
        sign_statement(statement, &key, &public).to_json(),
    )
    .unwrap();
}

fn slsa_provenance() -> Vec<u8> {
    statement(
        intoto::SLSA_PROVENANCE_V1,
        serde_json::json!({
            "buildDefinition": {"buildType": "https://example.com/build/v1"},
            "runDetails": {"builder": {"id": "https://ci.example/builder"}},
        }),
    )
}

fn evaluate(d: &Path, file: &str) -> super::Run {
    palisade(d, &["evaluate", file, "--at", AT, "--format", "json"])
}

/// The ids of the policies a JSON report says were violated, sorted, each once.
fn violated(run: &super::Run) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["policy"].as_str().unwrap_or_default().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn a_failed_verdict_named_as_the_model_signature_is_not_a_signature() {
    let case = case(false);
    let d = case.path();
    // The gate refuses the unsigned model, and signs that FAILED verdict: its subjects
    // include the model.
    write_pipeline(d, "pipeline.pal", "", "");
    let run = palisade(
        d,
        &[
            "attest",
            "pipeline.pal",
            "--key",
            "release.key",
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let vsa = std::fs::read_to_string(d.join("vsa.json")).unwrap();
    let bundle = palisade_sigstore::bundle::parse(vsa.as_bytes(), "vsa.json").unwrap();
    let st = intoto::parse_statement(&bundle.envelope().unwrap().payload, "vsa").unwrap();
    assert!(purpose::is_verdict(&st.predicate_type));
    assert_eq!(st.predicate["verificationResult"], "FAILED");
    assert!(
        st.subjects
            .iter()
            .any(|s| s.digest.get("sha256") == Some(&sha256_hex(MODEL))),
        "{st:?}"
    );

    // The attacker names that verdict as the model's signature (and as its provenance).
    write_pipeline(
        d,
        "attack.pal",
        "  key \"release\" { public_key = \"release.pub\" }",
        "signature = \"vsa.json\" provenance = \"vsa.json\" signed_by = key \"release\"",
    );
    std::fs::write(d.join("policies/team.cedar"), policy(true)).unwrap();
    let run = evaluate(d, "attack.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(violated(&run), ["built", "signed"], "{}", run.stdout);
    let run = palisade(d, &["explain", "attack.pal", "model", "m", "--at", AT]);
    assert!(
        run.stdout
            .contains("a verification summary (a verdict about the artifact, never its signature)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("a verification summary (a verdict, not provenance)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_passed_verdict_is_not_a_signature_either_but_a_signature_statement_is() {
    let case = case(false);
    let d = case.path();
    write_pipeline(d, "pipeline.pal", "", "");
    std::fs::write(
        d.join("policies/team.cedar"),
        "permit (principal, action, resource);\n",
    )
    .unwrap();
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(d.join("policies/team.cedar"), policy(false)).unwrap();
    write_pipeline(
        d,
        "attack.pal",
        "  key \"release\" { public_key = \"release.pub\" }",
        "signature = \"vsa.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "attack.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(violated(&run), ["signed"]);

    // A statement whose predicate type is a signature's (here cosign's) does sign the model.
    sign_with(
        d,
        "release",
        &statement(purpose::COSIGN_SIGN_V1, serde_json::json!({})),
        "m.sig.json",
    );
    write_pipeline(
        d,
        "signed.pal",
        "  key \"release\" { public_key = \"release.pub\" }",
        "signature = \"m.sig.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "signed.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // Provenance named as the signature is not a signature.
    sign_with(d, "release", &slsa_provenance(), "prov.json");
    write_pipeline(
        d,
        "prov-as-sig.pal",
        "  key \"release\" { public_key = \"release.pub\" }",
        "signature = \"prov.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "prov-as-sig.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn provenance_is_only_provenance_and_only_from_signed_by() {
    let case = case(true);
    let d = case.path();
    let keys = "  key \"release\" { public_key = \"release.pub\" }\n  \
                key \"other\" { public_key = \"other.pub\" }";
    sign_with(
        d,
        "release",
        &statement(purpose::COSIGN_SIGN_V1, serde_json::json!({})),
        "m.sig.json",
    );
    // SLSA provenance signed by the artifact's signer: verified.
    sign_with(d, "release", &slsa_provenance(), "prov-release.json");
    write_pipeline(
        d,
        "ok.pal",
        keys,
        "signature = \"m.sig.json\" provenance = \"prov-release.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "ok.pal");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // Signed by a declared key that is not in `signed_by`: not verified.
    sign_with(d, "other", &slsa_provenance(), "prov-other.json");
    write_pipeline(
        d,
        "attack.pal",
        keys,
        "signature = \"m.sig.json\" provenance = \"prov-other.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "attack.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(violated(&run), ["built"]);

    // A signature statement named as provenance is not provenance.
    write_pipeline(
        d,
        "sig-as-prov.pal",
        keys,
        "signature = \"m.sig.json\" provenance = \"m.sig.json\" signed_by = key \"release\"",
    );
    let run = evaluate(d, "sig-as-prov.pal");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(violated(&run), ["built"]);
}

#[test]
fn verify_pins_the_verdict_result_policy_and_resource() {
    let case = case(false);
    let d = case.path();
    write_pipeline(d, "pipeline.pal", "", "");
    std::fs::write(
        d.join("policies/team.cedar"),
        "permit (principal, action, resource);\n",
    )
    .unwrap();
    let run = palisade(
        d,
        &[
            "attest",
            "--key",
            "release.key",
            "-o",
            "vsa.json",
            "--at",
            AT,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let vsa = std::fs::read_to_string(d.join("vsa.json")).unwrap();
    let bundle = palisade_sigstore::bundle::parse(vsa.as_bytes(), "vsa.json").unwrap();
    let st = intoto::parse_statement(&bundle.envelope().unwrap().payload, "vsa").unwrap();
    let policy = st.predicate["policy"]["digest"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let resource = st.predicate["resourceUri"].as_str().unwrap().to_string();
    let prefixed = format!("sha256:{policy}");
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "vsa.json", "--key", "release.pub"];
        args.extend_from_slice(extra);
        palisade(d, &args)
    };

    let run = verify(&[
        "--require-passed",
        "--policy-digest",
        &prefixed,
        "--resource-uri",
        &resource,
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!("resource:  {resource}\n")),
        "{}",
        run.stdout
    );
    let run = verify(&["--policy-digest", &policy]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    let other = "0".repeat(64);
    let run = verify(&["--policy-digest", &other]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "--policy-digest: the verdict was reached under policy sha256:{policy}, not sha256:{other}"
        )),
        "{}",
        run.stdout
    );
    let run = verify(&["--resource-uri", "other.pal"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "--resource-uri: the verdict is about `{resource}`, not `other.pal`"
        )),
        "{}",
        run.stdout
    );

    // A signature that is not a verdict cannot satisfy a verdict pin.
    sign_with(
        d,
        "release",
        &statement(purpose::COSIGN_SIGN_V1, serde_json::json!({})),
        "m.sig.json",
    );
    let run = palisade(
        d,
        &[
            "verify",
            "m.sig.json",
            "--key",
            "release.pub",
            "--policy-digest",
            &policy,
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("--policy-digest: the bundle is not a SLSA verification summary"),
        "{}",
        run.stdout
    );
}

/// A DSSE signature of the model (cosign's predicate) by the fixture leaf key, carrying
/// `chain` (leaf first) as its verification material.
fn chain_signature(d: &Path, out: &str, chain: &[&str]) {
    let key = SigningKey::from_pem(
        &std::fs::read_to_string(pki("TEST-ONLY-leaf.key")).unwrap(),
        None,
    )
    .unwrap();
    let mut bundle = sign_statement(
        &statement(purpose::COSIGN_SIGN_V1, serde_json::json!({})),
        &key,
        "",
    );
    let ders = chain
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(pki(name)).unwrap();
            palisade_sigstore::keys::certificates_from_pem(&text)
                .unwrap()
                .remove(0)
        })
        .collect();
    bundle.material = VerificationMaterial::Chain(ders);
    std::fs::write(d.join(out), bundle.to_json()).unwrap();
}

/// A case whose pipeline trusts `identity "signer"` (the fixture root, and `identity`'s
/// extra attributes) for a model signed with `chain`.
fn certificate_case(d: &Path, file: &str, identity: &str, chain: &[&str]) -> super::Run {
    std::fs::copy(pki("root.pem"), d.join("root.pem")).unwrap();
    let sig = format!("{file}.sig.json");
    chain_signature(d, &sig, chain);
    write_pipeline(
        d,
        file,
        &format!("  identity \"signer\" {{ ca = \"root.pem\" {identity} }}"),
        &format!("signature = \"{sig}\" signed_by = identity \"signer\""),
    );
    evaluate(d, file)
}

#[test]
fn certificate_chains_pass_rfc5280_path_validation() {
    let case = case(false);
    let d = case.path();
    let identity = format!("subject = \"{SAN}\" issuer = \"{ISSUER}\"");

    // The good chain (P-384 root, Ed25519 intermediate, P-256 leaf with codeSigning).
    let run = certificate_case(d, "good.pal", &identity, &["leaf-good.pem", "int-good.pem"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let attacks: [(&str, &[&str], &str); 4] = [
        // An intermediate with pathLen 0 issued a sub-CA, which issued the leaf.
        (
            "pathlen.pal",
            &["leaf-pathlen.pem", "subca.pem", "int-pathlen0.pem"],
            "more sub-CAs than its pathLenConstraint allows",
        ),
        // An intermediate whose critical keyUsage lacks keyCertSign.
        (
            "noks.pal",
            &["leaf-noks.pem", "int-noks.pem"],
            "may not issue certificates (its keyUsage lacks keyCertSign)",
        ),
        // A leaf without the codeSigning extended key usage.
        (
            "noeku.pal",
            &["leaf-noeku.pem", "int-good.pem"],
            "codeSigning is required",
        ),
        // A leaf with a critical extension nobody understands.
        (
            "critext.pal",
            &["leaf-critext.pem", "int-good.pem"],
            "critical extension that is not understood",
        ),
    ];
    for (file, chain, reason) in attacks {
        let run = certificate_case(d, file, &identity, chain);
        assert_eq!(run.code, 1, "{file}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(violated(&run), ["signed"], "{file}");
        let explained = palisade(d, &["explain", file, "model", "m", "--at", AT]);
        assert!(
            explained.stdout.contains(reason),
            "{file}: {}",
            explained.stdout
        );
    }

    // Validity at the evaluation time: after the chain expired, it does not verify.
    let run = palisade(d, &["evaluate", "good.pal", "--at", "2101-01-01T00:00:00Z"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn an_identity_with_ca_and_issuer_but_no_subject_enforces_the_issuer() {
    let case = case(false);
    let d = case.path();
    let identity = format!("issuer = \"{ISSUER}\"");
    let run = certificate_case(d, "good.pal", &identity, &["leaf-good.pem", "int-good.pem"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = certificate_case(
        d,
        "attack.pal",
        &identity,
        &["leaf-other-issuer.pem", "int-good.pem"],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let explained = palisade(d, &["explain", "attack.pal", "model", "m", "--at", AT]);
    assert!(
        explained.stdout.contains(&format!(
            "the certificate's OIDC issuer is `https://evil.example` but `{ISSUER}` is required"
        )),
        "{}",
        explained.stdout
    );

    // `palisade verify --ca --issuer` (no --identity) enforces it too.
    let verify = |bundle: &str| {
        palisade(
            d,
            &[
                "verify", bundle, "--ca", "root.pem", "--issuer", ISSUER, "--at", AT,
            ],
        )
    };
    assert_eq!(verify("good.pal.sig.json").code, 0);
    let run = verify("attack.pal.sig.json");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("OIDC issuer is `https://evil.example`"),
        "{}",
        run.stdout
    );
}
