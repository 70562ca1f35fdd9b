//! The bundles people actually publish, each verified with the trusted root its own test data
//! uses and its real artifact (or digest), and each with a negative twin.
//!
//! The samples are real files from public repositories (tests/fixtures/keyless/README.md says
//! which repository, commit and path). They are not committed with this crate: data fetched
//! from other repositories reaches this project through the shared fixtures folder, not
//! through a helper's branch. Until they are vendored, these tests are ignored; run them with
//! the samples in place:
//!
//! ```text
//! PALISADE_KEYLESS_SAMPLES=/path/to/samples cargo test -p palisade-keyless --test real_world -- --ignored
//! ```
//!
//! (default folder: tests/fixtures/keyless/ of the repository). A missing sample is a failure,
//! not a skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, Claims, Content, IdentityRequirement, KeylessError,
    Pattern, Policy, Signer, Step, TimeSource, TrustRoot, Verified,
};

const GITHUB_ACTIONS: &str = "https://token.actions.githubusercontent.com";

fn samples() -> PathBuf {
    match std::env::var_os("PALISADE_KEYLESS_SAMPLES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keyless"),
    }
}

fn read(rel: &str) -> Vec<u8> {
    let path = samples().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("sample {}: {e}", path.display()))
}

fn root(rel: Option<&str>) -> TrustRoot {
    match rel {
        Some(rel) => TrustRoot::from_json(&read(rel), rel).unwrap(),
        None => TrustRoot::public_good().unwrap(),
    }
}

fn bundle(rel: &str) -> Bundle {
    Bundle::parse(&read(rel), rel).unwrap()
}

fn one(req: IdentityRequirement) -> Policy {
    Policy::Identities(vec![req])
}

fn p(text: &str) -> Option<Pattern> {
    Some(Pattern::parse(text))
}

fn digest(text: &str) -> Artifact<'static> {
    Artifact::Digest(ArtifactDigestInput::parse(text).unwrap())
}

fn claims(v: &Verified) -> &Claims {
    match &v.signer {
        Signer::Certificate { claims, .. } => claims,
        Signer::PublicKey { .. } => panic!("a keyless bundle"),
    }
}

fn predicate(v: &Verified) -> &str {
    match &v.content {
        Content::Statement { predicate_type, .. } => predicate_type,
        Content::MessageSignature { .. } => "",
    }
}

fn step(result: Result<Verified, KeylessError>) -> Step {
    match result {
        Ok(v) => panic!("must fail, verified: {v:?}"),
        Err(e) => e.step(),
    }
}

/// A GitHub artifact attestation on the public-good instance, made by a reusable workflow: the
/// SAN (build signer, 1.9) is the reusable `attest.yml`, the build config (1.18) is the
/// calling repository's `shared.yml`. `workflow` pins the latter, `signer_workflow` the former.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn github_attestation_public_good_reusable_workflow() {
    let root = root(Some("roots/cli-public-good-2024-trusted_root.json"));
    let b = bundle("gh-attestation-public-good/bundle.sigstore.json");
    let artifact = read("gh-attestation-public-good/artifact");
    let policy = one(IdentityRequirement {
        name: Some("attest-demo main".into()),
        issuer: p(GITHUB_ACTIONS),
        repository: p("malancas/attest-demo"),
        git_ref: p("refs/heads/main"),
        workflow: p(".github/workflows/shared.yml"),
        signer_workflow: p(
            "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml*",
        ),
        ..IdentityRequirement::default()
    });
    let v = root
        .verify(&b, Artifact::Bytes(&artifact), &policy)
        .unwrap();
    assert!(
        matches!(&v.signer, Signer::Certificate { requirement, .. } if requirement == "attest-demo main")
    );
    assert_eq!(
        claims(&v).runner_environment.as_deref(),
        Some("github-hosted")
    );
    assert_eq!(predicate(&v), "https://slsa.dev/provenance/v1");
    assert!(v.log_verified && v.sct_verified);
    assert_eq!(v.log_entries[0].kind, "dsse");
    let t = v.signed_time.clone().unwrap();
    assert_eq!(
        (t.rfc3339.as_str(), t.source),
        ("2024-05-24T19:14:24Z", TimeSource::TransparencyLog)
    );

    // The signing workflow is not the workflow that ran: a policy naming attest.yml as
    // `workflow` must not match.
    let confused = one(IdentityRequirement {
        workflow: p(
            "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml*",
        ),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&artifact), &confused)),
        Step::Identity
    );
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(b"another file"), &policy)),
        Step::Artifact
    );
}

/// A GitHub artifact attestation on GitHub's own Sigstore instance: Fulcio CA and TSA of
/// GitHub, no transparency log, no SCT. Needs GitHub's trusted root; the public-good root
/// refuses it.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn github_attestation_github_instance() {
    let github = root(Some("roots/github-trusted_root.json"));
    assert!(!github.has_transparency_logs() && !github.has_ct_logs());
    let b = bundle("gh-attestation-github-instance/bundle.jsonl");
    let wheel =
        read("gh-attestation-github-instance/github_provenance_demo-0.0.12-py3-none-any.whl");
    let policy = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("actions/attest-demo"),
        git_ref: p("refs/heads/main"),
        workflow: p(".github/workflows/build-python.yml"),
        ..IdentityRequirement::default()
    });
    let v = github.verify(&b, Artifact::Bytes(&wheel), &policy).unwrap();
    assert!(!v.log_verified && !v.sct_verified && v.log_entries.is_empty());
    let t = v.signed_time.clone().unwrap();
    assert_eq!(t.source, TimeSource::TimestampAuthority);
    assert_eq!(t.rfc3339, "2024-04-22T17:33:26Z");
    let sha256 = "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";
    github.verify(&b, digest(sha256), &policy).unwrap();

    // The public-good root has no GitHub CA and demands a log entry.
    let public = TrustRoot::public_good().unwrap();
    assert!(matches!(
        step(public.verify(&b, Artifact::Bytes(&wheel), &policy)),
        Step::Tlog | Step::Chain
    ));
}

/// A GitHub release attestation (immutable releases) from GitHub's instance: the certificate
/// has a SAN but no issuer extension at all, so a requirement naming an issuer fails and one
/// naming the SAN matches. Verified by digest: the tarball is not in the test data.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn github_release_attestation_by_digest() {
    let github = root(Some("roots/github-trusted_root.json"));
    let b = bundle("gh-private-attestation/bundle.sigstore.json");
    let tarball = "sha256:76f1fe8593bf227cca2c089e3c16dc95014a8d3e89c5dd220530469ca043c428";
    let by_san = one(IdentityRequirement {
        subject: p("https://dotcom.releases.github.com"),
        ..IdentityRequirement::default()
    });
    let v = github.verify(&b, digest(tarball), &by_san).unwrap();
    assert_eq!(claims(&v).issuer, None);
    assert_eq!(predicate(&v), "https://in-toto.io/attestation/release/v0.2");
    let with_issuer = one(IdentityRequirement::subject_and_issuer(
        "https://dotcom.releases.github.com",
        GITHUB_ACTIONS,
    ));
    let Err(KeylessError::IdentityMismatch { mismatches, .. }) =
        github.verify(&b, digest(tarball), &with_issuer)
    else {
        panic!("issuer must not match")
    };
    assert_eq!(
        (mismatches[0].field, mismatches[0].found.as_deref()),
        ("issuer", None)
    );
    let other = "sha256:827415b1df71c418ec467512c02a014b6ff3197f16ec723b8f624044ceff1dc0";
    github.verify(&b, digest(other), &by_san).unwrap();
    let not_a_subject = format!("sha256:{}", "00".repeat(32));
    assert_eq!(
        step(github.verify(&b, digest(&not_a_subject), &by_san)),
        Step::Artifact
    );
}

fn sigstore_js_policy() -> Policy {
    one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("sigstore/sigstore-js"),
        git_ref: p("refs/heads/main"),
        workflow: p(".github/workflows/release.yml"),
        trigger: p("push"),
        ..IdentityRequirement::default()
    })
}

/// npm provenance of sigstore@2.1.0, bundle v0.1 and v0.3: `intoto` 0.0.2 log entries and a
/// sha512-only subject (`pkg:npm/sigstore@2.1.0`), matched from the tarball's bytes or from
/// its sha512 digest; a sha256 digest cannot match a sha512-only subject.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn npm_provenance_v01_and_v03() {
    let root = root(Some("roots/cli-public-good-2024-trusted_root.json"));
    let tgz = read("npm-provenance-v0.1/sigstore-2.1.0.tgz");
    for (rel, media) in [
        (
            "npm-provenance-v0.1/bundle.sigstore.json",
            "application/vnd.dev.sigstore.bundle+json;version=0.1",
        ),
        (
            "npm-provenance-v0.3/bundle.sigstore.json",
            "application/vnd.dev.sigstore.bundle.v0.3+json",
        ),
    ] {
        let b = bundle(rel);
        let v = root
            .verify(&b, Artifact::Bytes(&tgz), &sigstore_js_policy())
            .unwrap();
        assert_eq!(v.media_type, media);
        assert_eq!(
            (v.log_entries[0].kind, v.log_entries[0].version),
            ("intoto", "0.0.2")
        );
        let Content::Statement { subjects, .. } = &v.content else {
            panic!("a statement")
        };
        assert_eq!(subjects[0].name, "pkg:npm/sigstore@2.1.0");
        assert_eq!(subjects[0].digests[0].0, "sha512");
        let sha512 = format!("sha512:{}", subjects[0].digests[0].1);
        root.verify(&b, digest(&sha512), &sigstore_js_policy())
            .unwrap();
        let sha256 = "sha256:f7ea6e1ba4e2ba40e6d7a0a8d3f41fbc1a9d2d1f6b8d4bc1a0b0f6bd0d8e0e0b";
        assert!(matches!(
            step(root.verify(&b, digest(sha256), &sigstore_js_policy())),
            Step::Artifact | Step::Unsupported
        ));
        let on_branch = one(IdentityRequirement {
            repository: p("sigstore/sigstore-js"),
            git_ref: p("refs/tags/*"),
            ..IdentityRequirement::default()
        });
        assert_eq!(
            step(root.verify(&b, Artifact::Bytes(&tgz), &on_branch)),
            Step::Identity
        );
    }
    // The embedded (2025) root verifies the 2023 bundle too: old CAs and keys stay in it.
    let b = bundle("npm-provenance-v0.3/bundle.sigstore.json");
    TrustRoot::public_good()
        .unwrap()
        .verify(&b, Artifact::Bytes(&tgz), &sigstore_js_policy())
        .unwrap();
}

/// PyPI PEP 740 publish attestations, converted to bundles with pypi-attestations'
/// `Attestation.to_bundle()`: pypi-attestations 0.0.19's own release (trusted publishing from
/// GitHub Actions, public-good) and rfc8785 0.1.2 (an e-mail identity, signed on staging).
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn pypi_pep740_publish_attestations() {
    let b = bundle("pypi-pep740/pypi_attestations-0.0.19.tar.gz.publish.sigstore.json");
    let sdist = read("pypi-pep740/pypi_attestations-0.0.19.tar.gz");
    let policy = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("trailofbits/pypi-attestations"),
        git_ref: p("refs/tags/v*"),
        workflow: p(".github/workflows/release.yml"),
        ..IdentityRequirement::default()
    });
    let v = TrustRoot::public_good()
        .unwrap()
        .verify(&b, Artifact::Bytes(&sdist), &policy)
        .unwrap();
    assert_eq!(
        predicate(&v),
        "https://docs.pypi.org/attestations/publish/v1"
    );
    assert_eq!(
        claims(&v).source_repository_ref.as_deref(),
        Some("refs/tags/v0.0.19")
    );
    assert_eq!(claims(&v).build_trigger.as_deref(), Some("release"));

    let staging = root(Some("roots/sigstore-python-staging-trusted_root.json"));
    let b = bundle("pypi-pep740/rfc8785-0.1.2-py3-none-any.whl.publish.sigstore.json");
    let wheel = read("pypi-pep740/rfc8785-0.1.2-py3-none-any.whl");
    let person = one(IdentityRequirement::subject_and_issuer(
        "william@yossarian.net",
        "https://github.com/login/oauth",
    ));
    let v = staging
        .verify(&b, Artifact::Bytes(&wheel), &person)
        .unwrap();
    assert_eq!(
        claims(&v).subject_kind,
        Some(palisade_keyless::SubjectKind::Email)
    );
    // A staging signature is not a production one.
    assert_eq!(
        step(
            TrustRoot::public_good()
                .unwrap()
                .verify(&b, Artifact::Bytes(&wheel), &person)
        ),
        Step::Tlog
    );
}

/// `cosign sign-blob --bundle` from cosign v3: a hashedrekord entry and an RFC 3161 timestamp
/// from the public-good TSA, both verified; the earliest is the signed time.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn cosign_v3_sign_blob() {
    let b = bundle("cosign-v3-sign-blob/bundle.sigstore.json");
    let blob = read("cosign-v3-sign-blob/artifact.txt");
    let policy = one(IdentityRequirement::subject_and_issuer(
        "w.vollprecht@gmail.com",
        "https://github.com/login/oauth",
    ));
    let v = TrustRoot::public_good()
        .unwrap()
        .verify(&b, Artifact::Bytes(&blob), &policy)
        .unwrap();
    let sources: Vec<TimeSource> = v.signed_times.iter().map(|t| t.source).collect();
    assert!(
        sources.contains(&TimeSource::TransparencyLog)
            && sources.contains(&TimeSource::TimestampAuthority)
    );
    assert_eq!(v.log_entries[0].kind, "hashedrekord");
    assert!(
        matches!(&v.content, Content::MessageSignature { digest: Some(d) } if d.starts_with("sha256:"))
    );
    let mut tampered = blob.clone();
    tampered.push(b'!');
    assert!(matches!(
        step(
            TrustRoot::public_good()
                .unwrap()
                .verify(&b, Artifact::Bytes(&tampered), &policy)
        ),
        Step::Artifact | Step::Signature
    ));
}

/// A cosign OCI attestation (in-toto Statement v0.1, predicate cosign.sigstore.dev/attestation/v1)
/// over an image digest, with cosign's test trusted root.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn cosign_oci_attestation_statement_v01() {
    let root = root(Some("roots/cosign-pgi-trusted_root.json"));
    let b = bundle("cosign-oci-attestation/bundle.sigstore.json");
    let image = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    let policy = one(IdentityRequirement::subject_and_issuer(
        "cody@soyland.com",
        "https://github.com/login/oauth",
    ));
    let v = root.verify(&b, digest(image), &policy).unwrap();
    let Content::Statement { statement_type, .. } = &v.content else {
        panic!("a statement")
    };
    assert_eq!(statement_type, "https://in-toto.io/Statement/v0.1");
    let other = format!("sha256:{}", "11".repeat(32));
    assert_eq!(
        step(root.verify(&b, digest(&other), &policy)),
        Step::Artifact
    );
}

/// An OpenSSF model_signing keyless signature (model-transparency v1.1.0 test data): this crate
/// verifies the bundle over its subject digest; palisade-sigstore re-hashes the model files
/// against the signed resource list. Together: signed by whom, when, and for these files.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn model_signing_keyless() {
    let b = bundle("model-signing-keyless/model.sig");
    let policy = one(IdentityRequirement::subject_and_issuer(
        "stefanb@us.ibm.com",
        "https://sigstore.verify.ibm.com/oauth2",
    ));
    let Content::Statement { subjects, .. } = &TrustRoot::public_good()
        .unwrap()
        .verify(
            &b,
            digest("sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226"),
            &policy,
        )
        .unwrap()
        .content
    else {
        panic!("a statement")
    };
    assert_eq!(subjects[0].name, "v1.1.0-sigstore");
    let v = TrustRoot::public_good()
        .unwrap()
        .verify(
            &b,
            digest(&format!("sha256:{}", subjects[0].digests[0].1)),
            &policy,
        )
        .unwrap();
    assert_eq!(predicate(&v), "https://model_signing/signature/v1.0");
    assert_eq!(v.signed_times.len(), 2, "a log time and a TSA time");

    let legacy =
        palisade_sigstore::bundle::parse(&read("model-signing-keyless/model.sig"), "model.sig")
            .unwrap();
    let files = palisade_sigstore::model_signing::verify_model(
        &legacy,
        &samples().join("model-signing-keyless"),
        &[],
        &[],
        std::time::SystemTime::now(),
    )
    .unwrap()
    .files;
    assert_eq!(files, palisade_sigstore::model_signing::FileCheck::Match);
}

/// DSSE bundles logged on Rekor v2 (`hashedrekord` 0.0.2 over the envelope, checkpoint-only,
/// RFC 3161 time), on the staging instance: sigstore-python's test asset and a conda publish
/// attestation from sigstore-rust's test data. The embedded production root does not know the
/// staging logs.
#[test]
#[ignore = "needs the real-world samples: see tests/fixtures/keyless/README.md"]
fn dsse_on_rekor_v2() {
    let staging = root(Some("roots/sigstore-rust-staging-trusted_root.json"));
    let b = bundle("rekor-v2-dsse-staging/bundle.sigstore.json");
    let beacon = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("sigstore-conformance/extremely-dangerous-public-oidc-beacon"),
        ..IdentityRequirement::default()
    });
    // The subject is the conformance suite's a.txt.
    let a_txt = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let v = staging.verify(&b, digest(a_txt), &beacon).unwrap();
    assert!(v.log_entries[0].rekor_v2 && v.log_verified);
    assert_eq!(
        v.signed_time.clone().unwrap().source,
        TimeSource::TimestampAuthority
    );

    let b = bundle("rekor-v2-dsse-conda/bundle.sigstore.json");
    let conda = read("rekor-v2-dsse-conda/signed-package-2.1.0-hb0f4dca_0.conda");
    let person = one(IdentityRequirement::subject_and_issuer(
        "jku@goto.fi",
        "https://github.com/login/oauth",
    ));
    let v = staging
        .verify(&b, Artifact::Bytes(&conda), &person)
        .unwrap();
    assert_eq!(
        predicate(&v),
        "https://schemas.conda.org/attestations-publish-1.schema.json"
    );
    assert!(matches!(
        step(
            TrustRoot::public_good()
                .unwrap()
                .verify(&b, Artifact::Bytes(&conda), &person)
        ),
        Step::Chain | Step::Sct | Step::Tlog | Step::Checkpoint | Step::Timestamp
    ));
}
