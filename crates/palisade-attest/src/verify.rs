//! `palisade verify`: check any bundle palisade reads — our verdicts, other Sigstore bundles
//! (DSSE or message signature) and OpenSSF model signatures — against trusted keys or
//! certificate authorities, and optionally re-hash the artifacts they are about.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use palisade_sigstore::bundle::{self, Bundle, Content, VerificationMaterial};
use palisade_sigstore::intoto::{self, Statement};
use palisade_sigstore::keys::{PublicKey, pem_hint};
use palisade_sigstore::model_signing::{self, FileCheck};
use palisade_sigstore::purpose;
use palisade_sigstore::verify::{
    IdentityMatcher, Outcome, TrustedAuthority, TrustedKey, verify_bundle,
};

use crate::error::VerifyError;
use crate::vsa::{DECISION_EXTENSION, INPUTS_EXTENSION, VSA_PREDICATE_TYPE};

/// Largest key or certificate file read.
pub const MAX_TRUST_FILE_BYTES: u64 = 1 << 20;

/// Reads a bounded file; `what` names it in errors.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_string());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than the {limit}-byte limit"));
    }
    Ok(bytes)
}

/// A trusted public key read from a PEM file, named by the file; its hint is the sha256 of
/// the file's exact text (what Sigstore's `publicKey.hint` holds by convention).
pub fn trusted_key_file(path: &Path) -> Result<TrustedKey, VerifyError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, MAX_TRUST_FILE_BYTES).map_err(|reason| VerifyError::Trust {
        file: name.clone(),
        reason: format!("cannot read the public key: {reason}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| VerifyError::Trust {
        file: name.clone(),
        reason: "the public key is not UTF-8 PEM text".to_string(),
    })?;
    let key = PublicKey::from_named_pem(&text, &name)?;
    Ok(TrustedKey {
        name,
        key,
        hint: pem_hint(&text),
    })
}

/// DER certificates of every `CERTIFICATE` block of a PEM text.
pub fn certificates_from_pem(text: &str, file: &str) -> Result<Vec<Vec<u8>>, VerifyError> {
    palisade_sigstore::keys::certificates_from_pem(text).map_err(|reason| VerifyError::Trust {
        file: file.to_string(),
        reason,
    })
}

/// A trusted certificate authority read from a PEM file of root certificates, named by the
/// file, optionally only for one identity (subjectAltName) and OIDC issuer.
pub fn trusted_ca_file(
    path: &Path,
    identity: Option<&str>,
    issuer: Option<&str>,
) -> Result<TrustedAuthority, VerifyError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, MAX_TRUST_FILE_BYTES).map_err(|reason| VerifyError::Trust {
        file: name.clone(),
        reason: format!("cannot read the CA certificates: {reason}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| VerifyError::Trust {
        file: name.clone(),
        reason: "the CA file is not UTF-8 PEM text".to_string(),
    })?;
    let roots = certificates_from_pem(&text, &name)?;
    // Every field given is enforced; `--issuer` alone accepts any identity that issuer vouched for.
    let identity = (identity.is_some() || issuer.is_some()).then(|| IdentityMatcher {
        subject: identity.map(str::to_string),
        issuer: issuer.map(str::to_string),
    });
    Ok(TrustedAuthority {
        name,
        roots,
        identity,
    })
}

/// What to verify.
#[derive(Debug, Clone)]
pub struct Request {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Trusted keys.
    pub keys: Vec<TrustedKey>,
    /// Trusted certificate authorities.
    pub authorities: Vec<TrustedAuthority>,
    /// Files or folders to re-hash and match against what was signed.
    pub artifacts: Vec<PathBuf>,
    /// The time certificates must be valid at.
    pub now: SystemTime,
    /// Fail unless the bundle is a verification summary whose result is `PASSED`.
    pub require_passed: bool,
    /// Fail unless the bundle is a verification summary whose `policy.digest.sha256` is this
    /// (lowercase hex; a `sha256:` prefix is accepted).
    pub policy_digest: Option<String>,
    /// Fail unless the bundle is a verification summary whose `resourceUri` is exactly this.
    pub resource_uri: Option<String>,
    /// Fail unless the verification summary binds a pipeline file with this sha256 (hex,
    /// optionally `sha256:`-prefixed): `palisade hash pipeline.pal` prints it.
    pub pipeline_digest: Option<String>,
    /// Fail unless the verification summary binds a `palisade.lock` with this sha256.
    pub lock_digest: Option<String>,
}

/// An `--artifact` and how it compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactCheck {
    /// The path given.
    pub path: PathBuf,
    /// Its sha256 hex (model-signing style for a folder).
    pub sha256: String,
    /// The subject it matched, if any.
    pub matched: Option<String>,
}

/// What a bundle is, what verified, and what did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The bundle file.
    pub bundle: String,
    /// What the bundle carries (`DSSE envelope (…)`, `message signature`).
    pub content: String,
    /// What identifies the signer in the bundle (a key hint, a certificate).
    pub material: String,
    /// The signature check.
    pub signature: Outcome,
    /// For a certificate: the identity that had to match (`None`: any identity of the CA).
    pub required_identity: Option<String>,
    /// For a verified certificate: the identities it names (subjectAltName emails, URIs and
    /// DNS names) and its OIDC issuer extension, if any.
    pub signer_identity: Option<String>,
    /// The in-toto predicate type, when the payload is a statement.
    pub statement_type: Option<String>,
    /// Subjects: name and digest (`alg:hex`, comma-separated when several).
    pub subjects: Vec<(String, String)>,
    /// For a verification summary: `verificationResult` and the details worth printing.
    pub verdict: Option<Verdict>,
    /// For a model signature checked against its files.
    pub model_files: Option<FileCheck>,
    /// `--artifact` comparisons.
    pub artifacts: Vec<ArtifactCheck>,
    /// Why verification failed after the signature was good (a digest, a file, the verdict).
    pub failures: Vec<String>,
    /// What was not checked, and how to check it.
    pub notes: Vec<String>,
}

/// A verification summary's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `PASSED` or `FAILED` (as written).
    pub result: String,
    /// `verifier.id`.
    pub verifier: String,
    /// `timeVerified`.
    pub time: String,
    /// `policy.digest.sha256`.
    pub policy_sha256: String,
    /// `resourceUri`: what was verified.
    pub resource_uri: String,
    /// The pipeline's name (palisade's extension), if present.
    pub pipeline: Option<String>,
    /// sha256 of the pipeline file (palisade's inputs extension), if present.
    pub pipeline_sha256: Option<String>,
    /// sha256 of `palisade.lock` (palisade's inputs extension), if one was used.
    pub lock_sha256: Option<String>,
}

impl Report {
    /// True when the signature verified and every requested check passed.
    pub fn verified(&self) -> bool {
        self.signature.is_verified() && self.failures.is_empty()
    }

    /// The report as text for a terminal, one fact a line, ending in `verified` or
    /// `NOT VERIFIED: …`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!("bundle:    {}", self.bundle));
        line(format!("content:   {}", self.content));
        line(format!("material:  {}", self.material));
        match &self.signature {
            Outcome::Verified { signer, .. } => {
                let identity = match &self.required_identity {
                    Some(id) => format!(" for identity {id}"),
                    None => String::new(),
                };
                line(format!("signature: verified by {signer}{identity}"));
                if let Some(id) = &self.signer_identity {
                    line(format!("signer:    {id}"));
                }
            }
            Outcome::Invalid { reason } => line(format!("signature: INVALID: {reason}")),
        }
        if let Some(t) = &self.statement_type {
            line(format!("statement: {t}"));
        }
        // A model-signing subject digest is sha256 over the files' sha256 digests, so it never
        // equals the sha256 of the model file itself (`sha256sum`, `palisade hash`): say which.
        let subject_kind = if self.model_files.is_some() {
            " (model-signing digest: sha256 over the signed files' sha256 digests, not a file's own sha256)"
        } else {
            ""
        };
        for (name, digest) in &self.subjects {
            line(format!("subject:   {name} {digest}{subject_kind}"));
        }
        if let Some(v) = &self.verdict {
            let pipeline = v
                .pipeline
                .as_ref()
                .map(|p| format!("pipeline {p:?}, "))
                .unwrap_or_default();
            line(format!(
                "verdict:   {} ({pipeline}policy sha256:{}, verified {} by {})",
                v.result, v.policy_sha256, v.time, v.verifier
            ));
            line(format!("resource:  {}", v.resource_uri));
            if let Some(sha256) = &v.pipeline_sha256 {
                line(format!("inputs:    pipeline file sha256:{sha256}"));
            }
            if let Some(sha256) = &v.lock_sha256 {
                line(format!("inputs:    palisade.lock sha256:{sha256}"));
            }
        }
        match &self.model_files {
            Some(FileCheck::Match) => line("model:     every signed file matches".to_string()),
            Some(FileCheck::Mismatch {
                modified,
                missing,
                extra,
            }) => line(format!(
                "model:     MISMATCH: modified [{}], missing [{}], extra [{}]",
                modified.join(", "),
                missing.join(", "),
                extra.join(", ")
            )),
            Some(FileCheck::Unsupported(why)) => line(format!("model:     NOT CHECKED: {why}")),
            Some(FileCheck::Inconsistent(why)) => line(format!("model:     INCONSISTENT: {why}")),
            None => {}
        }
        for a in &self.artifacts {
            match &a.matched {
                Some(subject) => line(format!(
                    "artifact:  {} sha256:{} matches {subject}",
                    a.path.display(),
                    a.sha256
                )),
                None => line(format!(
                    "artifact:  {} sha256:{} matches NO subject",
                    a.path.display(),
                    a.sha256
                )),
            }
        }
        for n in &self.notes {
            line(format!("note:      {n}"));
        }
        if self.verified() {
            line("verified".to_string());
        } else {
            let mut reasons: Vec<String> = Vec::new();
            if let Outcome::Invalid { reason } = &self.signature {
                reasons.push(format!("signature: {reason}"));
            }
            reasons.extend(self.failures.iter().cloned());
            line(format!("NOT VERIFIED: {}", reasons.join("; ")));
        }
        out
    }
}

fn read_bundle(path: &Path) -> Result<Bundle, VerifyError> {
    let io = |reason: String| VerifyError::Io {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = read_bounded(path, bundle::MAX_BUNDLE_BYTES as u64).map_err(io)?;
    Ok(bundle::parse(&bytes, &path.display().to_string())?)
}

fn describe_material(material: &VerificationMaterial) -> String {
    match material {
        VerificationMaterial::PublicKey { hint } if hint.is_empty() => {
            "public key (no hint)".to_string()
        }
        VerificationMaterial::PublicKey { hint } => format!("public key, hint {hint}"),
        VerificationMaterial::Certificate(_) => "certificate".to_string(),
        VerificationMaterial::Chain(chain) => {
            format!("certificate chain of {}", chain.len())
        }
    }
}

fn digest_text(digest: &std::collections::BTreeMap<String, String>) -> String {
    digest
        .iter()
        .map(|(alg, hex)| format!("{alg}:{hex}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn verdict(statement: &Statement) -> Option<Verdict> {
    if statement.predicate_type != VSA_PREDICATE_TYPE {
        return None;
    }
    let p = &statement.predicate;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    Some(Verdict {
        result: text(&p["verificationResult"]),
        verifier: text(&p["verifier"]["id"]),
        time: text(&p["timeVerified"]),
        policy_sha256: text(&p["policy"]["digest"]["sha256"]),
        resource_uri: text(&p["resourceUri"]),
        pipeline: p[DECISION_EXTENSION]["pipeline"]
            .as_str()
            .map(str::to_string),
        pipeline_sha256: p[INPUTS_EXTENSION]["pipeline"]["digest"]["sha256"]
            .as_str()
            .map(str::to_string),
        lock_sha256: p[INPUTS_EXTENSION]["lock"]["digest"]["sha256"]
            .as_str()
            .map(str::to_string),
    })
}

/// Verifies a bundle. Unusable input (an unreadable or malformed bundle, an unreadable
/// artifact, arguments that do not fit the bundle) is an error; everything else — a bad
/// signature, a digest that matches no subject, changed model files — is in the [`Report`].
///
/// - DSSE with an in-toto statement: the signature, then each `--artifact` (sha256 of a file;
///   model-signing style digest of a folder) must equal a subject's sha256.
/// - OpenSSF model signature: with one `--artifact` (the model file or folder), the model is
///   re-hashed exactly as `model_signing verify` does; without, only the signature is checked
///   (and the report says so).
/// - Message signature: with one `--artifact`, its sha256 must be the signed digest; without,
///   the bundle's own `messageDigest` is checked against the signature.
pub fn verify(request: &Request) -> Result<Report, VerifyError> {
    let (bundle, mut report) = verify_inner(request)?;
    if report.signature.is_verified() {
        report.signer_identity = certificate_identity(&bundle.material);
    }
    Ok(report)
}

/// The identities a bundle's leaf certificate names, and its OIDC issuer (Fulcio's extension).
fn certificate_identity(material: &VerificationMaterial) -> Option<String> {
    let der = match material {
        VerificationMaterial::Certificate(der) => der,
        VerificationMaterial::Chain(chain) => chain.first()?,
        VerificationMaterial::PublicKey { .. } => return None,
    };
    let (names, issuer) = palisade_sigstore::verify::certificate_identity(der)?;
    Some(match issuer {
        Some(issuer) => format!("{} (issuer {issuer})", names.join(", ")),
        None => names.join(", "),
    })
}

fn verify_inner(request: &Request) -> Result<(Bundle, Report), VerifyError> {
    let file = request.bundle.display().to_string();
    let usage = |reason: &str| VerifyError::Usage {
        file: file.clone(),
        reason: reason.to_string(),
    };
    if request.keys.is_empty() && request.authorities.is_empty() {
        return Err(usage(
            "nothing to verify against: give --key PUB.pem or --ca CA.pem",
        ));
    }
    let bundle = read_bundle(&request.bundle)?;
    let mut report = Report {
        bundle: file.clone(),
        content: String::new(),
        material: describe_material(&bundle.material),
        signature: Outcome::Invalid {
            reason: "not checked".to_string(),
        },
        required_identity: None,
        signer_identity: None,
        statement_type: None,
        subjects: Vec::new(),
        verdict: None,
        model_files: None,
        artifacts: Vec::new(),
        failures: Vec::new(),
        notes: Vec::new(),
    };
    let certificate = !matches!(bundle.material, VerificationMaterial::PublicKey { .. });
    if certificate {
        let ids: Vec<String> = request
            .authorities
            .iter()
            .filter_map(|a| a.identity.as_ref())
            .map(|m| match (&m.subject, &m.issuer) {
                (Some(subject), Some(issuer)) => format!("{subject} (issuer {issuer})"),
                (Some(subject), None) => subject.clone(),
                (None, Some(issuer)) => format!("any identity from issuer {issuer}"),
                (None, None) => "any identity".to_string(),
            })
            .collect();
        if !ids.is_empty() {
            report.required_identity = Some(ids.join(" or "));
        } else {
            report
                .notes
                .push("any identity certified by the CA was accepted (no --identity)".to_string());
        }
    }

    match &bundle.content {
        Content::MessageSignature { .. } => {
            report.content = "message signature".to_string();
            let digest = match request.artifacts.as_slice() {
                [] => {
                    report.notes.push(
                        "no --artifact: checked the signature over the bundle's messageDigest only"
                            .to_string(),
                    );
                    None
                }
                [one] => {
                    let d = palisade_hash::hash_file(one, palisade_hash::Algorithms::Sha256)?;
                    report.artifacts.push(ArtifactCheck {
                        path: one.clone(),
                        sha256: d.sha256_hex().unwrap_or_default(),
                        matched: None,
                    });
                    d.sha256
                }
                _ => {
                    return Err(usage(
                        "a message signature covers one artifact; give one --artifact",
                    ));
                }
            };
            report.signature = verify_bundle(
                &bundle,
                &request.keys,
                &request.authorities,
                digest.as_ref(),
                request.now,
            );
            if report.signature.is_verified() {
                for a in &mut report.artifacts {
                    a.matched = Some("the signed message digest".to_string());
                }
            }
            require_verdict(
                request,
                None,
                "a message signature carries no verdict",
                &mut report.failures,
            );
            return Ok((bundle, report));
        }
        Content::Dsse(env) => {
            report.content = format!("DSSE envelope ({})", env.payload_type);
        }
    }

    let statement = match bundle.envelope() {
        Some(env) if env.payload_type == palisade_sigstore::IN_TOTO_PAYLOAD_TYPE => {
            intoto::parse_statement(&env.payload, &format!("{file}: DSSE payload")).ok()
        }
        _ => None,
    };

    if let Some(st) = statement
        .as_ref()
        .filter(|st| purpose::is_model_signature(st))
    {
        report.statement_type = Some(st.predicate_type.clone());
        report.content = format!("{} — OpenSSF model signature", report.content);
        match request.artifacts.as_slice() {
            [] => {
                report.signature = verify_bundle(
                    &bundle,
                    &request.keys,
                    &request.authorities,
                    None,
                    request.now,
                );
                report.notes.push(
                    "no --artifact: the model's files were not re-hashed; only the signature over the statement was checked".to_string(),
                );
            }
            [model] => {
                let checked = model_signing::verify_model(
                    &bundle,
                    model,
                    &request.keys,
                    &request.authorities,
                    request.now,
                )?;
                report.signature = checked.signature;
                if checked.files != FileCheck::Match {
                    report.failures.push(format!(
                        "the model at {} is not the one that was signed",
                        model.display()
                    ));
                }
                report.model_files = Some(checked.files);
            }
            _ => {
                return Err(usage(
                    "a model signature covers one model (a file or a folder); give one --artifact",
                ));
            }
        }
        if report.signature.is_verified() {
            report.subjects = st
                .subjects
                .iter()
                .map(|s| (s.name.clone(), digest_text(&s.digest)))
                .collect();
        }
        require_verdict(
            request,
            None,
            "a model signature carries no verdict",
            &mut report.failures,
        );
        return Ok((bundle, report));
    }

    report.signature = verify_bundle(
        &bundle,
        &request.keys,
        &request.authorities,
        None,
        request.now,
    );
    if !report.signature.is_verified() {
        // Nothing the payload says is worth showing, or hashing artifacts for.
        return Ok((bundle, report));
    }
    match &statement {
        Some(st) => {
            report.statement_type = Some(st.predicate_type.clone());
            report.subjects = st
                .subjects
                .iter()
                .map(|s| (s.name.clone(), digest_text(&s.digest)))
                .collect();
            report.verdict = verdict(st);
            for path in &request.artifacts {
                let tree = palisade_hash::hash_path(
                    path,
                    &palisade_hash::HashOptions::with_algorithms(palisade_hash::Algorithms::Sha256),
                )?;
                let sha256 = tree.root.sha256_hex().unwrap_or_default();
                let matched = st
                    .subjects
                    .iter()
                    .find(|s| s.digest.get("sha256") == Some(&sha256))
                    .map(|s| s.name.clone());
                if matched.is_none() {
                    report.failures.push(format!(
                        "{} (sha256:{sha256}) is not a subject of the statement",
                        path.display()
                    ));
                }
                report.artifacts.push(ArtifactCheck {
                    path: path.clone(),
                    sha256,
                    matched,
                });
            }
        }
        None => {
            if !request.artifacts.is_empty() {
                report.failures.push(
                    "the signed payload is not an in-toto statement, so --artifact cannot be matched to a subject".to_string(),
                );
            }
        }
    }
    let verdict = report.verdict.clone();
    require_verdict(
        request,
        verdict.as_ref(),
        "the bundle is not a SLSA verification summary",
        &mut report.failures,
    );
    let pins = [
        (
            "--pipeline-digest",
            "pipeline file",
            request.pipeline_digest.as_deref(),
            report
                .verdict
                .as_ref()
                .and_then(|v| v.pipeline_sha256.clone()),
        ),
        (
            "--lock-digest",
            "palisade.lock",
            request.lock_digest.as_deref(),
            report.verdict.as_ref().and_then(|v| v.lock_sha256.clone()),
        ),
    ];
    for (flag, what, wanted, bound) in pins {
        let Some(wanted) = wanted else { continue };
        let wanted = wanted
            .strip_prefix("sha256:")
            .unwrap_or(wanted)
            .to_ascii_lowercase();
        match bound {
            Some(bound) if bound == wanted => {}
            Some(bound) => report.failures.push(format!(
                "{flag}: the verdict was reached on a {what} with sha256:{bound}, not sha256:{wanted}"
            )),
            None if report.verdict.is_none() => report.failures.push(format!(
                "{flag}: the bundle is not a SLSA verification summary"
            )),
            None => report
                .failures
                .push(format!("{flag}: the verdict binds no {what}")),
        }
    }
    Ok((bundle, report))
}

/// The checks that pin a verdict (`--require-passed`, `--policy-digest`, `--resource-uri`):
/// each one asked for fails unless the bundle is a verdict that satisfies it. `what` says why
/// the bundle is not a verdict.
fn require_verdict(
    request: &Request,
    verdict: Option<&Verdict>,
    what: &str,
    failures: &mut Vec<String>,
) {
    let asked = [
        ("--require-passed", request.require_passed),
        ("--policy-digest", request.policy_digest.is_some()),
        ("--resource-uri", request.resource_uri.is_some()),
    ];
    let Some(v) = verdict else {
        for (flag, _) in asked.iter().filter(|(_, on)| *on) {
            failures.push(format!("{flag}: {what}"));
        }
        return;
    };
    if request.require_passed && v.result != "PASSED" {
        failures.push(format!("--require-passed: the verdict is {}", v.result));
    }
    if let Some(expected) = &request.policy_digest {
        let expected = expected.strip_prefix("sha256:").unwrap_or(expected);
        if !expected.eq_ignore_ascii_case(&v.policy_sha256) {
            failures.push(format!(
                "--policy-digest: the verdict was reached under policy sha256:{}, not sha256:{expected}",
                v.policy_sha256
            ));
        }
    }
    if let Some(expected) = &request.resource_uri
        && *expected != v.resource_uri
    {
        failures.push(format!(
            "--resource-uri: the verdict is about `{}`, not `{expected}`",
            v.resource_uri
        ));
    }
}
