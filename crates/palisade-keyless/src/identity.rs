//! Who signed: the claims of a Fulcio certificate as typed facts, and identity requirements
//! (subject, issuer, repository, ref, workflow …) matched against them.
//!
//! Fulcio copies the OIDC token of the signer into the certificate: the SAN (`subject`), the
//! issuer (OID 1.3.6.1.4.1.57264.1.8, or 1.1 in older certificates) and, for CI workloads, the
//! extensions 1.3.6.1.4.1.57264.1.9 … 1.24 (see Fulcio's `docs/oid-info.md`). The claims are
//! only worth anything once the certificate chain verified, which is why [`Claims`] is only
//! handed out inside a successful verification.

use sigstore_verify::crypto::{CertificateInfo, SubjectAltName};

/// What kind of name the certificate's SAN is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// An e-mail address (a person who signed interactively).
    Email,
    /// A URI (a workload: a CI workflow, a SPIFFE ID …).
    Uri,
}

/// The claims of a verified Fulcio certificate. Every field but `subject` is optional: which
/// ones are set depends on the identity provider (a person's e-mail certificate carries none of
/// the CI claims). Field names follow Fulcio's OID document.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Claims {
    /// The SAN: an e-mail address or a URI (for GitHub Actions, the workflow that signed:
    /// `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main`).
    pub subject: String,
    /// Whether [`Claims::subject`] is an e-mail or a URI.
    pub subject_kind: Option<SubjectKind>,
    /// 1.8 (or legacy 1.1): the OIDC issuer, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: Option<String>,
    /// 1.9: the build configuration that requested the signature (for a reusable workflow,
    /// the reusable workflow), with its ref.
    pub build_signer_uri: Option<String>,
    /// 1.10: the commit the signing configuration was taken from.
    pub build_signer_digest: Option<String>,
    /// 1.11: `github-hosted`, `self-hosted` …
    pub runner_environment: Option<String>,
    /// 1.12: the repository the artifact was built from, e.g. `https://github.com/acme/fraud`.
    pub source_repository_uri: Option<String>,
    /// 1.13: the commit the artifact was built from.
    pub source_repository_digest: Option<String>,
    /// 1.14: the ref the artifact was built from, e.g. `refs/heads/main`, `refs/tags/v1.2.0`.
    pub source_repository_ref: Option<String>,
    /// 1.15: the provider's immutable repository identifier (survives renames).
    pub source_repository_identifier: Option<String>,
    /// 1.16: the repository owner, e.g. `https://github.com/acme`.
    pub source_repository_owner_uri: Option<String>,
    /// 1.17: the provider's immutable owner identifier.
    pub source_repository_owner_identifier: Option<String>,
    /// 1.18: the top-level build configuration that ran (the workflow a person or event
    /// started), with its ref.
    pub build_config_uri: Option<String>,
    /// 1.19: the commit the build configuration was taken from.
    pub build_config_digest: Option<String>,
    /// 1.20: the event that triggered the build: `push`, `release`, `workflow_dispatch` …
    pub build_trigger: Option<String>,
    /// 1.21: the run that signed (for GitHub, the run's URL with its attempt).
    pub run_invocation_uri: Option<String>,
    /// 1.22: `public`, `private` or `internal` at signing time.
    pub source_repository_visibility: Option<String>,
    /// 1.23: the deployment environment the job ran in, if any.
    pub deployment_environment: Option<String>,
    /// 1.2–1.6: the GitHub-only claims Fulcio deprecated (trigger, sha, workflow name,
    /// `owner/repo`, ref). Certificates from before 2023 carry only these; reported as facts,
    /// never used to satisfy a requirement on the claims above.
    pub legacy_github: Option<LegacyGithubClaims>,
}

/// The deprecated GitHub claims 1.3.6.1.4.1.57264.1.2 … 1.6.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LegacyGithubClaims {
    /// 1.2: the event that triggered the workflow.
    pub workflow_trigger: Option<String>,
    /// 1.3: the commit.
    pub workflow_sha: Option<String>,
    /// 1.4: the workflow's display name.
    pub workflow_name: Option<String>,
    /// 1.5: `owner/repo`.
    pub workflow_repository: Option<String>,
    /// 1.6: the ref.
    pub workflow_ref: Option<String>,
}

impl Claims {
    /// The claims of a parsed certificate. Control characters are escaped.
    pub(crate) fn from_certificate(info: &CertificateInfo) -> Claims {
        let e = |v: &Option<String>| v.as_deref().map(crate::error::escape);
        let ci = &info.ci_claims;
        let (subject, subject_kind) = match &info.identity {
            Some(SubjectAltName::Email(s)) => (s.clone(), Some(SubjectKind::Email)),
            Some(SubjectAltName::Uri(s)) => (s.clone(), Some(SubjectKind::Uri)),
            Some(other) => (other.as_str().to_string(), None),
            None => (String::new(), None),
        };
        Claims {
            subject: crate::error::escape(&subject),
            subject_kind,
            issuer: e(&info.issuer),
            build_signer_uri: e(&ci.build_signer_uri),
            build_signer_digest: e(&ci.build_signer_digest),
            runner_environment: e(&ci.runner_environment),
            source_repository_uri: e(&ci.source_repository_uri),
            source_repository_digest: e(&ci.source_repository_digest),
            source_repository_ref: e(&ci.source_repository_ref),
            source_repository_identifier: e(&ci.source_repository_identifier),
            source_repository_owner_uri: e(&ci.source_repository_owner_uri),
            source_repository_owner_identifier: e(&ci.source_repository_owner_identifier),
            build_config_uri: e(&ci.build_config_uri),
            build_config_digest: e(&ci.build_config_digest),
            build_trigger: e(&ci.build_trigger),
            run_invocation_uri: e(&ci.run_invocation_uri),
            source_repository_visibility: e(&ci.source_repository_visibility_at_signing),
            deployment_environment: e(&ci.deployment_environment),
            legacy_github: (!ci.deprecated_github.is_empty()).then(|| LegacyGithubClaims {
                workflow_trigger: e(&ci.deprecated_github.workflow_trigger),
                workflow_sha: e(&ci.deprecated_github.workflow_sha),
                workflow_name: e(&ci.deprecated_github.workflow_name),
                workflow_repository: e(&ci.deprecated_github.workflow_repository),
                workflow_ref: e(&ci.deprecated_github.workflow_ref),
            }),
        }
    }

    /// The workflow file of [`Claims::build_config_uri`] inside its repository, without the
    /// ref: `.github/workflows/release.yml` (GitHub), `.gitlab-ci.yml` (GitLab).
    pub fn workflow_path(&self) -> Option<String> {
        workflow_path(self.build_config_uri.as_deref()?, self)
    }

    /// The same for [`Claims::build_signer_uri`] (which may live in another repository: a
    /// reusable workflow's URI is returned whole, without its ref, when it does not start with
    /// the source repository).
    pub fn signer_workflow_path(&self) -> Option<String> {
        workflow_path(self.build_signer_uri.as_deref()?, self)
    }
}

fn workflow_path(uri: &str, claims: &Claims) -> Option<String> {
    let without_ref = uri.split_once('@').map_or(uri, |(path, _)| path);
    let repository = claims.source_repository_uri.as_deref()?;
    match without_ref.strip_prefix(repository) {
        Some(rest) if rest.starts_with('/') => Some(rest.trim_start_matches('/').to_string()),
        _ => Some(without_ref.to_string()),
    }
}

/// A value to match: exact, or a glob where `*` matches any run of characters (including
/// none and `/`). No other character is special.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Equal, byte for byte.
    Exact(String),
    /// `*` matches any run of characters.
    Glob(String),
}

impl Pattern {
    /// `text` with a `*` in it is a glob, otherwise exact.
    pub fn parse(text: &str) -> Pattern {
        if text.contains('*') {
            Pattern::Glob(text.to_string())
        } else {
            Pattern::Exact(text.to_string())
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        match self {
            Pattern::Exact(s) | Pattern::Glob(s) => s,
        }
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Exact(s) => s == value,
            Pattern::Glob(g) => glob_matches(g, value),
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Iterative glob with `*` only: linear in practice, worst case O(len(glob) · len(value)),
/// never recursive.
fn glob_matches(glob: &str, value: &str) -> bool {
    let g = glob.as_bytes();
    let v = value.as_bytes();
    let (mut gi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, vi));
            gi += 1;
        } else if gi < g.len() && g[gi] == v[vi] {
            gi += 1;
            vi += 1;
        } else if let Some((sg, sv)) = star {
            gi = sg + 1;
            vi = sv + 1;
            star = Some((sg, sv + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == b'*')
}

/// Who may have signed. Each declared field must match; undeclared fields are not checked.
/// A requirement that declares nothing is refused by [`IdentityRequirement::check`] (fail
/// closed: "anyone with a Fulcio certificate" is never a policy by accident).
///
/// - `subject`: the SAN (e-mail or URI), exact or glob.
/// - `issuer`: the OIDC issuer URL, exact or glob.
/// - `repository`: the source repository (1.12). `owner/repo` (no `://`) means
///   `https://github.com/owner/repo`; otherwise the full URI, exact or glob.
/// - `git_ref`: the source ref (1.14): `refs/heads/main`, `refs/tags/v*` …
/// - `workflow`: the top-level workflow that ran (build config URI, 1.18). Without `://` it is
///   the workflow's path in the repository (`.github/workflows/release.yml`), the ref
///   stripped; with `://`, the whole URI including `@ref`. This is "the release.yml workflow":
///   the one a push or a person started, even when the signing step is in a reusable workflow.
/// - `signer_workflow`: the workflow that requested the certificate (build signer URI, 1.9,
///   which is also the SAN for GitHub). It differs from `workflow` only when signing happens
///   in a reusable workflow (e.g. `slsa-framework/slsa-github-generator`); same forms.
/// - `trigger`: the build trigger (1.20): `push`, `release` …
/// - `runner`: the runner environment (1.11): `github-hosted` to refuse self-hosted runners.
/// - `source_digest`: the commit (1.13).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IdentityRequirement {
    /// A label for reports (`release workflow`); defaults to the requirement's position.
    pub name: Option<String>,
    /// SAN.
    pub subject: Option<Pattern>,
    /// OIDC issuer.
    pub issuer: Option<Pattern>,
    /// Source repository.
    pub repository: Option<Pattern>,
    /// Source ref.
    pub git_ref: Option<Pattern>,
    /// Top-level workflow (build config).
    pub workflow: Option<Pattern>,
    /// Signing workflow (build signer).
    pub signer_workflow: Option<Pattern>,
    /// Build trigger.
    pub trigger: Option<Pattern>,
    /// Runner environment.
    pub runner: Option<Pattern>,
    /// Source commit.
    pub source_digest: Option<Pattern>,
}

/// The first declared field of a requirement that did not match, with what was expected and
/// what the certificate said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    /// The requirement's name or `#<position>`.
    pub requirement: String,
    /// The field: `subject`, `issuer`, `repository`, `ref`, `workflow` …
    pub field: &'static str,
    /// What the requirement declared.
    pub expected: String,
    /// What the certificate carries (`None`: the claim is absent).
    pub found: Option<String>,
}

impl Mismatch {
    pub(crate) fn other(detail: String) -> Mismatch {
        Mismatch {
            requirement: String::new(),
            field: "identity",
            expected: detail,
            found: None,
        }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let found = self.found.as_deref().unwrap_or("(absent)");
        write!(
            f,
            "{}: {} expected {}, found {}",
            self.requirement, self.field, self.expected, found
        )
    }
}

impl IdentityRequirement {
    /// The common case: an exact SAN and issuer, as `cosign verify --certificate-identity …
    /// --certificate-oidc-issuer …`.
    pub fn subject_and_issuer(subject: &str, issuer: &str) -> IdentityRequirement {
        IdentityRequirement {
            subject: Some(Pattern::Exact(subject.to_string())),
            issuer: Some(Pattern::Exact(issuer.to_string())),
            ..IdentityRequirement::default()
        }
    }

    /// Whether no field is declared.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.issuer.is_none()
            && self.repository.is_none()
            && self.git_ref.is_none()
            && self.workflow.is_none()
            && self.signer_workflow.is_none()
            && self.trigger.is_none()
            && self.runner.is_none()
            && self.source_digest.is_none()
    }

    /// `Ok` if every declared field matches `claims`; otherwise the first that does not.
    /// `label` names the requirement in the mismatch when it has no name.
    pub fn check(&self, claims: &Claims, label: &str) -> Result<(), Mismatch> {
        let requirement = self.name.clone().unwrap_or_else(|| label.to_string());
        let miss = |field: &'static str, expected: &Pattern, found: Option<String>| Mismatch {
            requirement: requirement.clone(),
            field,
            expected: expected.to_string(),
            found,
        };
        if self.is_empty() {
            return Err(Mismatch {
                requirement: requirement.clone(),
                field: "identity",
                expected: "at least one declared field".to_string(),
                found: None,
            });
        }
        let plain = |field: &'static str, p: &Option<Pattern>, v: Option<&str>| match p {
            Some(p) if !v.is_some_and(|v| p.matches(v)) => Err(miss(field, p, v.map(String::from))),
            _ => Ok(()),
        };
        let subject = (!claims.subject.is_empty()).then_some(claims.subject.as_str());
        plain("subject", &self.subject, subject)?;
        plain("issuer", &self.issuer, claims.issuer.as_deref())?;
        if let Some(p) = &self.repository {
            let expected = repository_pattern(p);
            let found = claims.source_repository_uri.as_deref();
            if !found.is_some_and(|v| expected.matches(v)) {
                return Err(miss("repository", &expected, found.map(String::from)));
            }
        }
        plain(
            "ref",
            &self.git_ref,
            claims.source_repository_ref.as_deref(),
        )?;
        workflow_check(
            "workflow",
            &self.workflow,
            claims.build_config_uri.as_deref(),
            claims.workflow_path(),
        )
        .map_err(|(p, f)| miss("workflow", p, f))?;
        workflow_check(
            "signer_workflow",
            &self.signer_workflow,
            claims.build_signer_uri.as_deref(),
            claims.signer_workflow_path(),
        )
        .map_err(|(p, f)| miss("signer_workflow", p, f))?;
        plain("trigger", &self.trigger, claims.build_trigger.as_deref())?;
        plain("runner", &self.runner, claims.runner_environment.as_deref())?;
        plain(
            "source_digest",
            &self.source_digest,
            claims.source_repository_digest.as_deref(),
        )?;
        Ok(())
    }
}

/// `owner/repo` → `https://github.com/owner/repo`; a URI (or glob of one) stays as written.
fn repository_pattern(p: &Pattern) -> Pattern {
    let text = p.as_str();
    if text.contains("://") {
        p.clone()
    } else {
        Pattern::parse(&format!("https://github.com/{}", text.trim_matches('/')))
    }
}

type WorkflowMiss<'a> = (&'a Pattern, Option<String>);

fn workflow_check<'a>(
    _field: &'static str,
    pattern: &'a Option<Pattern>,
    uri: Option<&str>,
    path: Option<String>,
) -> Result<(), WorkflowMiss<'a>> {
    let Some(p) = pattern else { return Ok(()) };
    let Some(uri) = uri else {
        return Err((p, None));
    };
    let ok = if p.as_str().contains("://") {
        p.matches(uri)
    } else {
        path.as_deref().is_some_and(|path| p.matches(path))
    };
    if ok {
        Ok(())
    } else {
        Err((p, Some(uri.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github_claims() -> Claims {
        Claims {
            subject: "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main"
                .into(),
            subject_kind: Some(SubjectKind::Uri),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            build_signer_uri: Some(
                "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main"
                    .into(),
            ),
            source_repository_uri: Some("https://github.com/acme/fraud".into()),
            source_repository_ref: Some("refs/heads/main".into()),
            build_config_uri: Some(
                "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main"
                    .into(),
            ),
            build_trigger: Some("push".into()),
            runner_environment: Some("github-hosted".into()),
            ..Claims::default()
        }
    }

    #[test]
    fn globs_match_runs_of_any_characters() {
        let p = Pattern::parse("https://github.com/acme/*/.github/workflows/*.yml@refs/tags/v*");
        assert!(p.matches("https://github.com/acme/x/.github/workflows/r.yml@refs/tags/v1.0"));
        assert!(!p.matches("https://github.com/evil/x/.github/workflows/r.yml@refs/tags/v1"));
        assert!(Pattern::parse("*").matches(""));
        assert!(Pattern::parse("a*b*c").matches("aXXbYYc"));
        assert!(!Pattern::parse("a*b*c").matches("aXXbYY"));
        // No other metacharacter: a dot is a dot.
        assert!(!Pattern::parse("a.c").matches("abc"));
        // Pathological input stays fast (no backtracking explosion).
        let long = "a".repeat(10_000);
        assert!(!Pattern::parse("*a*a*a*a*a*b").matches(&long));
    }

    #[test]
    fn the_release_workflow_on_main_of_acme_fraud() {
        let claims = github_claims();
        let req = IdentityRequirement {
            issuer: Some(Pattern::parse(
                "https://token.actions.githubusercontent.com",
            )),
            repository: Some(Pattern::parse("acme/fraud")),
            git_ref: Some(Pattern::parse("refs/heads/main")),
            workflow: Some(Pattern::parse(".github/workflows/release.yml")),
            ..IdentityRequirement::default()
        };
        assert_eq!(req.check(&claims, "#0"), Ok(()));
        let on_branch = Claims {
            source_repository_ref: Some("refs/heads/feature".into()),
            ..claims.clone()
        };
        let miss = req.check(&on_branch, "#0").unwrap_err();
        assert_eq!(miss.field, "ref");
        assert_eq!(miss.found.as_deref(), Some("refs/heads/feature"));
        let other_workflow = IdentityRequirement {
            workflow: Some(Pattern::parse(".github/workflows/ci.yml")),
            ..req.clone()
        };
        let miss = other_workflow.check(&claims, "#0").unwrap_err();
        assert_eq!(miss.field, "workflow");
        let gitlab = IdentityRequirement {
            repository: Some(Pattern::parse("https://gitlab.com/acme/fraud")),
            ..req
        };
        assert_eq!(gitlab.check(&claims, "#0").unwrap_err().field, "repository");
    }

    #[test]
    fn an_empty_requirement_matches_nothing() {
        let miss = IdentityRequirement::default()
            .check(&github_claims(), "#3")
            .unwrap_err();
        assert_eq!(miss.requirement, "#3");
        assert_eq!(miss.field, "identity");
    }

    #[test]
    fn an_absent_claim_fails_a_declared_field() {
        let person = Claims {
            subject: "alice@example.com".into(),
            subject_kind: Some(SubjectKind::Email),
            issuer: Some("https://accounts.google.com".into()),
            ..Claims::default()
        };
        let req = IdentityRequirement {
            repository: Some(Pattern::parse("acme/fraud")),
            ..IdentityRequirement::default()
        };
        let miss = req.check(&person, "#0").unwrap_err();
        assert_eq!(miss.found, None);
        assert_eq!(
            miss.to_string(),
            "#0: repository expected https://github.com/acme/fraud, found (absent)"
        );
    }

    #[test]
    fn workflow_paths_strip_repository_and_ref() {
        let claims = github_claims();
        assert_eq!(
            claims.workflow_path().as_deref(),
            Some(".github/workflows/release.yml")
        );
        let gitlab = Claims {
            source_repository_uri: Some("https://gitlab.com/acme/fraud".into()),
            build_config_uri: Some(
                "https://gitlab.com/acme/fraud//.gitlab-ci.yml@refs/heads/main".into(),
            ),
            ..Claims::default()
        };
        assert_eq!(gitlab.workflow_path().as_deref(), Some(".gitlab-ci.yml"));
        let reusable = Claims {
            build_signer_uri: Some("https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0".into()),
            ..claims
        };
        assert_eq!(
            reusable.signer_workflow_path().as_deref(),
            Some(
                "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
            )
        );
    }
}
