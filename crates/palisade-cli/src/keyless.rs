//! `palisade verify` for keyless Sigstore bundles (a Fulcio certificate plus a transparency-log
//! entry or an RFC 3161 timestamp), and for public-key bundles checked against a trusted root
//! (`--key` with `--trusted-root` or `--digest`): wiring around `palisade-keyless`.
//!
//! Exit 0: verified (who, when, what on standard output). Exit 1: did not verify, with the
//! failing step's diagnostic (`palisade::keyless::<step>`) on standard error. Exit 2: usage
//! error, unreadable file or unusable trusted root.

use std::fmt::Write as _;
use std::path::Path;

use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, Content, IdentityRequirement, KeylessError, Pattern,
    Policy, PublicKeyPolicy, Signer, TrustRoot, Verified,
};
use palisade_sigstore::model_signing::{FileCheck, check_model_files};

use crate::sign::VerifyArgs;
use crate::{ALLOWED, DENIED};

/// Largest trusted root, bundle or key file read (the library applies tighter limits).
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Whether `palisade verify` goes through the keyless verifier: no `--ca`, and either a keyless
/// flag (`--trusted-root`, `--digest`, `--identity`, `--issuer`, `--repository`, `--ref`,
/// `--workflow`) or no `--key` at all.
pub fn wanted(args: &VerifyArgs) -> bool {
    if !args.ca.is_empty() {
        return false;
    }
    args.trusted_root.is_some()
        || args.digest.is_some()
        || args.identity.is_some()
        || args.issuer.is_some()
        || args.repository.is_some()
        || args.git_ref.is_some()
        || args.workflow.is_some()
        || args.key.is_empty()
}

fn usage(message: impl std::fmt::Display) -> miette::Report {
    miette::miette!(
        code = "palisade::usage",
        help = "palisade verify BUNDLE [--trusted-root FILE] (--identity SAN [--issuer URL] \
                [--repository R] [--ref REF] [--workflow W] | --key PUB.pem) \
                (--artifact PATH | --digest ALG:HEX)",
        "{message}"
    )
}

fn read(path: &Path, what: &str) -> miette::Result<Vec<u8>> {
    use std::io::Read as _;
    let err = |reason: String| {
        miette::miette!(
            code = "palisade::verify::io",
            "{}: cannot read {what}: {reason}",
            path.display()
        )
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(err(format!("larger than {MAX_INPUT} bytes")));
    }
    Ok(bytes)
}

/// Prints a verification failure and returns exit 1.
fn did_not_verify(error: KeylessError) -> miette::Result<u8> {
    let report = miette::Report::new(error);
    eprintln!("{}", crate::render_error(&report));
    Ok(DENIED)
}

/// Runs the keyless `palisade verify`.
pub fn verify(args: &VerifyArgs) -> miette::Result<u8> {
    let requirement = IdentityRequirement {
        name: args.identity.clone(),
        subject: args.identity.as_deref().map(Pattern::parse),
        issuer: args.issuer.as_deref().map(Pattern::parse),
        repository: args.repository.as_deref().map(Pattern::parse),
        git_ref: args.git_ref.as_deref().map(Pattern::parse),
        workflow: args.workflow.as_deref().map(Pattern::parse),
        ..IdentityRequirement::default()
    };
    if args.key.len() > 1 {
        return Err(usage("with --trusted-root or --digest, give one --key"));
    }
    if !args.key.is_empty() && !requirement.is_empty() {
        return Err(usage(
            "--key verifies a key-signed bundle; --identity/--issuer/--repository/--ref/\
             --workflow a keyless one: not both",
        ));
    }
    if args.key.is_empty() && requirement.is_empty() {
        return Err(usage(
            "verify needs a trusted --key or --ca, or for a keyless bundle an identity to \
             verify against: --identity SAN and --issuer URL (or --repository, --ref, \
             --workflow)",
        ));
    }
    if args.require_passed {
        return Err(usage(
            "--require-passed applies to palisade's own verification summaries (--key or --ca)",
        ));
    }
    let artifact_path = match (args.artifact.as_slice(), &args.digest) {
        ([], Some(_)) => None,
        ([path], None) => Some(path.clone()),
        ([], None) => {
            return Err(usage(
                "give the artifact: --artifact PATH or --digest ALG:HEX",
            ));
        }
        _ => return Err(usage("give one --artifact PATH, or --digest ALG:HEX")),
    };

    // Inputs first: anything unreadable or unusable is exit 2.
    let root = match &args.trusted_root {
        Some(path) => {
            let bytes = read(path, "the trusted root")?;
            TrustRoot::from_json(&bytes, &path.display().to_string())
                .map_err(miette::Report::new)?
        }
        None => TrustRoot::public_good().map_err(miette::Report::new)?,
    };
    let bundle_name = args.bundle.display().to_string();
    let bundle_bytes = read(&args.bundle, "the bundle")?;
    let bundle = match Bundle::parse(&bundle_bytes, &bundle_name) {
        Ok(bundle) => bundle,
        // Valid JSON that is not a usable bundle did not verify; a file that is not JSON at
        // all is unreadable input.
        Err(e @ (KeylessError::Json { .. } | KeylessError::TooLarge { .. })) => {
            return Err(miette::Report::new(e));
        }
        Err(e) => return did_not_verify(e),
    };
    let policy = match args.key.first() {
        Some(path) => {
            let pem = read(path, "the public key")?;
            Policy::PublicKey(
                PublicKeyPolicy::from_pem(&pem, &path.display().to_string())
                    .map_err(miette::Report::new)?,
            )
        }
        None => Policy::Identities(vec![requirement]),
    };

    let model = model_subject(&bundle_bytes, &bundle_name);
    let mut file;
    let artifact = match (&artifact_path, &args.digest, &model) {
        (Some(_), _, Some(subject)) => Artifact::Digest(subject.clone()),
        (Some(path), _, None) => {
            if path.is_dir() {
                return Err(usage(format!(
                    "{}: a folder is only verified against a model signature (model_signing); \
                     {bundle_name} is not one",
                    path.display()
                )));
            }
            file = std::fs::File::open(path).map_err(|e| {
                miette::miette!(
                    code = "palisade::verify::io",
                    "{}: cannot read the artifact: {e}",
                    path.display()
                )
            })?;
            Artifact::Reader(&mut file)
        }
        (None, Some(text), _) => match ArtifactDigestInput::parse(text) {
            Ok(digest) => Artifact::Digest(digest),
            Err(e) => return Err(usage(e)),
        },
        (None, None, _) => return Err(usage("give the artifact")),
    };
    let verified = match root.verify(&bundle, artifact, &policy) {
        Ok(verified) => verified,
        Err(e) => return did_not_verify(e),
    };
    if let (Some(path), Some(_)) = (&artifact_path, &model) {
        let payload = match &verified.content {
            Content::Statement { payload, .. } => payload.as_slice(),
            Content::MessageSignature { .. } => &[],
        };
        let problem = match check_model_files("application/vnd.in-toto+json", payload, path) {
            Ok(FileCheck::Match) => None,
            Ok(FileCheck::Mismatch {
                modified,
                missing,
                extra,
            }) => Some(format!(
                "the model's files differ from what was signed (modified: {modified:?}; \
                 missing: {missing:?}; not signed: {extra:?})"
            )),
            Ok(FileCheck::Unsupported(reason)) => {
                Some(format!("the model's files cannot be checked: {reason}"))
            }
            Ok(FileCheck::Inconsistent(reason)) => Some(reason),
            Err(e) => Some(format!("the model signature cannot be read: {e}")),
        };
        if let Some(detail) = problem {
            return did_not_verify(KeylessError::ArtifactMismatch {
                name: bundle_name,
                detail,
            });
        }
    }
    crate::write_output(None, &render(&verified, root.name()))?;
    Ok(ALLOWED)
}

/// The subject digest of a model_signing statement (unverified: it selects what the signature
/// must cover; the files are then compared with the verified statement).
fn model_subject(bytes: &[u8], name: &str) -> Option<ArtifactDigestInput> {
    let bundle = palisade_sigstore::bundle::parse(bytes, name).ok()?;
    let statement = palisade_evidence::trust::peek_statement(&bundle, name)?;
    if !statement
        .predicate_type
        .starts_with("https://model_signing/")
    {
        return None;
    }
    let hex_digits = statement.subjects.first()?.digest.get("sha256")?;
    ArtifactDigestInput::parse(&format!("sha256:{hex_digits}")).ok()
}

/// Who, when, what.
fn render(verified: &Verified, root: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verified: {} ({})",
        verified.bundle, verified.media_type
    );
    match &verified.signer {
        Signer::Certificate { claims, .. } => {
            let _ = writeln!(out, "  signer      {}", claims.subject);
            for (label, value) in [
                ("issuer", claims.issuer.clone()),
                ("repository", claims.source_repository_uri.clone()),
                ("ref", claims.source_repository_ref.clone()),
                ("commit", claims.source_repository_digest.clone()),
                ("workflow", claims.workflow_path()),
                ("trigger", claims.build_trigger.clone()),
                ("runner", claims.runner_environment.clone()),
            ] {
                if let Some(value) = value {
                    let _ = writeln!(out, "  {label:<11} {value}");
                }
            }
        }
        Signer::PublicKey { name } => {
            let _ = writeln!(out, "  key         {name}");
        }
    }
    match &verified.signed_time {
        Some(time) => {
            let source = match time.source {
                palisade_keyless::TimeSource::TransparencyLog => "transparency log",
                palisade_keyless::TimeSource::TimestampAuthority => "timestamp authority",
            };
            let _ = writeln!(out, "  signed at   {} ({source})", time.rfc3339);
        }
        None => {
            let _ = writeln!(out, "  signed at   (no signed time)");
        }
    }
    match &verified.content {
        Content::MessageSignature { digest } => {
            let _ = writeln!(
                out,
                "  content     message signature{}",
                digest
                    .as_deref()
                    .map(|d| format!(" over {d}"))
                    .unwrap_or_default()
            );
        }
        Content::Statement {
            predicate_type,
            subjects,
            ..
        } => {
            let _ = writeln!(
                out,
                "  content     in-toto statement {predicate_type} ({} subject{})",
                subjects.len(),
                if subjects.len() == 1 { "" } else { "s" }
            );
        }
    }
    let _ = writeln!(
        out,
        "  checked     trusted root {root}; log entries {}{}; SCT {}",
        verified.log_entries.len(),
        if verified.log_verified {
            " (verified)"
        } else {
            ""
        },
        if verified.sct_verified {
            "verified"
        } else {
            "not required"
        }
    );
    out
}
