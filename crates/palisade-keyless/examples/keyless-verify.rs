//! A stand-in for `palisade verify` until the CLI wires this crate: the same flags, the same
//! exit codes, so `tests/conformance/run.sh` can drive the library end to end today.
//!
//! ```text
//! keyless-verify [verify] BUNDLE [--trusted-root FILE]
//!     (--identity SAN --issuer URL | --key PUB) (--artifact PATH | --digest sha256:HEX)
//! ```
//!
//! Exit 0: verified (the facts as JSON on stdout). Exit 1: invalid (`invalid (<step>):
//! <code>: <message>` on stderr). Exit 2: usage error or unreadable file.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use miette::Diagnostic;
use palisade_keyless::{
    Artifact, ArtifactDigestInput, Bundle, IdentityRequirement, KeylessError, Policy,
    PublicKeyPolicy, TrustRoot,
};

struct Args {
    bundle: String,
    trusted_root: Option<String>,
    identity: Option<String>,
    issuer: Option<String>,
    key: Option<String>,
    artifact: Option<String>,
    digest: Option<String>,
}

fn usage(message: &str) -> ExitCode {
    eprintln!("usage error: {message}");
    eprintln!(
        "usage: keyless-verify [verify] BUNDLE [--trusted-root FILE] \
         (--identity SAN --issuer URL | --key PUB) (--artifact PATH | --digest sha256:HEX)"
    );
    ExitCode::from(2)
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        bundle: String::new(),
        trusted_root: None,
        identity: None,
        issuer: None,
        key: None,
        artifact: None,
        digest: None,
    };
    let mut positional = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--trusted-root" => args.trusted_root = Some(value("--trusted-root")?),
            "--identity" => args.identity = Some(value("--identity")?),
            "--issuer" => args.issuer = Some(value("--issuer")?),
            "--key" => args.key = Some(value("--key")?),
            "--artifact" => args.artifact = Some(value("--artifact")?),
            "--digest" => args.digest = Some(value("--digest")?),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => positional.push(arg),
        }
    }
    if positional.first().map(String::as_str) == Some("verify") {
        positional.remove(0);
    }
    match positional.as_slice() {
        [bundle] => args.bundle = bundle.clone(),
        _ => return Err("exactly one BUNDLE".to_string()),
    }
    if args.artifact.is_some() == args.digest.is_some() {
        return Err("give exactly one of --artifact and --digest".to_string());
    }
    let identity = args.identity.is_some() || args.issuer.is_some();
    if identity == args.key.is_some() {
        return Err("give --identity and --issuer, or --key".to_string());
    }
    if identity && (args.identity.is_none() || args.issuer.is_none()) {
        return Err("--identity and --issuer go together".to_string());
    }
    Ok(args)
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn invalid(error: &KeylessError) -> ExitCode {
    let code = error
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "palisade::keyless".to_string());
    eprintln!("invalid ({}): {code}: {error}", error.step());
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => return usage(&message),
    };
    let root = match &args.trusted_root {
        Some(path) => match read(path) {
            Ok(bytes) => TrustRoot::from_json(&bytes, path),
            Err(message) => return usage(&message),
        },
        None => TrustRoot::public_good(),
    };
    let root = match root {
        Ok(root) => root,
        Err(error) => return invalid(&error),
    };
    let bundle_bytes = match read(&args.bundle) {
        Ok(bytes) => bytes,
        Err(message) => return usage(&message),
    };
    let bundle = match Bundle::parse(&bundle_bytes, &args.bundle) {
        Ok(bundle) => bundle,
        Err(error) => return invalid(&error),
    };
    let policy = match (&args.key, &args.identity, &args.issuer) {
        (Some(path), _, _) => match read(path) {
            Ok(pem) => match PublicKeyPolicy::from_pem(&pem, path) {
                Ok(key) => Policy::PublicKey(key),
                Err(error) => return invalid(&error),
            },
            Err(message) => return usage(&message),
        },
        (None, Some(identity), Some(issuer)) => {
            Policy::Identities(vec![IdentityRequirement::subject_and_issuer(
                identity, issuer,
            )])
        }
        _ => return usage("no signer given"),
    };
    let artifact_bytes;
    let artifact = match (&args.artifact, &args.digest) {
        (Some(path), _) => {
            artifact_bytes = match read(path) {
                Ok(bytes) => bytes,
                Err(message) => return usage(&message),
            };
            Artifact::Bytes(&artifact_bytes)
        }
        (None, Some(text)) => match ArtifactDigestInput::parse(text) {
            Ok(digest) => Artifact::Digest(digest),
            Err(error) => return invalid(&error),
        },
        _ => return usage("no artifact given"),
    };
    match root.verify(&bundle, artifact, &policy) {
        Ok(verified) => {
            match serde_json::to_string_pretty(&verified) {
                Ok(json) => println!("{json}"),
                Err(e) => eprintln!("verified, but the facts did not serialise: {e}"),
            }
            ExitCode::SUCCESS
        }
        Err(error) => invalid(&error),
    }
}
