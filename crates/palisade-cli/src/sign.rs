//! `keygen`, `attest` and `verify`: signing keys, signed verdicts and verifying bundles.
//! Wiring only: the statement and the checks live in `palisade-attest`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use palisade_sigstore::keys::{PublicKey, SigningKey};

use palisade_core::Timestamp;

use crate::{ALLOWED, DENIED, LoadArgs};

/// The environment variable holding the password of a cosign-encrypted private key.
const PASSWORD_VAR: &str = "PALISADE_KEY_PASSWORD";
/// Key files are tiny; anything larger is not a key.
const MAX_KEY_FILE: u64 = 1 << 20;

/// `palisade keygen`.
#[derive(clap::Args, Clone)]
pub struct KeygenArgs {
    /// Write PREFIX.key (private) and PREFIX.pub (public).
    #[arg(long = "out", value_name = "PREFIX", default_value = "palisade")]
    pub out: PathBuf,
    /// Write the private key in cosign's encrypted format, with the password from
    /// PALISADE_KEY_PASSWORD.
    #[arg(long)]
    pub cosign: bool,
}

/// `palisade attest`.
#[derive(clap::Args, Clone)]
pub struct AttestArgs {
    /// The pipeline file (default: pipeline.pal in the current folder).
    #[arg(value_name = "PIPELINE")]
    pub pipeline: Option<PathBuf>,
    /// The signing key (PEM, or cosign's encrypted format with PALISADE_KEY_PASSWORD).
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// The public key file verifiers will use: its text's sha256 becomes the bundle's
    /// `publicKey.hint` (default: the key's public half as palisade writes it).
    #[arg(long = "public-key", value_name = "PUB.pem")]
    pub public_key: Option<PathBuf>,
    /// Write the bundle to FILE (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// The VSA's `resourceUri` (default: the pipeline file's name), e.g. the repository URL.
    #[arg(long = "resource-uri", value_name = "URI")]
    pub resource_uri: Option<String>,
    /// The VSA's `policy.uri` (default: `<pipeline file>#policies`).
    #[arg(long = "policy-uri", value_name = "URI")]
    pub policy_uri: Option<String>,
}

/// `palisade verify`.
#[derive(clap::Args, Clone)]
pub struct VerifyArgs {
    /// The bundle to verify.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// A trusted public key (PEM: P-256, P-384 or Ed25519). Repeatable.
    #[arg(long, value_name = "PUB.pem")]
    pub key: Vec<PathBuf>,
    /// A trusted certificate authority (PEM roots), for certificate-carrying bundles. Repeatable.
    #[arg(long, value_name = "CA.pem")]
    pub ca: Vec<PathBuf>,
    /// The signer's certificate must carry this subjectAltName (email, URI or DNS; `*` globs
    /// for keyless bundles). Without --ca: a keyless (Fulcio) bundle, verified against the
    /// trusted root.
    #[arg(long, value_name = "SAN")]
    pub identity: Option<String>,
    /// The certificate's OIDC issuer extension must be this URL.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Keyless: the Sigstore trusted root (trusted_root.json) to verify against, instead of
    /// the public-good snapshot built into palisade.
    #[arg(long = "trusted-root", value_name = "FILE", conflicts_with = "ca")]
    pub trusted_root: Option<PathBuf>,
    /// Keyless: the certificate's source repository must be this (`owner/repo` on GitHub, or
    /// a URI; `*` globs).
    #[arg(long, value_name = "REPO", conflicts_with = "ca")]
    pub repository: Option<String>,
    /// Keyless: the certificate's source ref must be this (`refs/heads/main`, `refs/tags/v*`).
    #[arg(long = "ref", value_name = "REF", conflicts_with = "ca")]
    pub git_ref: Option<String>,
    /// Keyless: the top-level workflow must be this (`.github/workflows/release.yml`).
    #[arg(long, value_name = "WORKFLOW", conflicts_with = "ca")]
    pub workflow: Option<String>,
    /// A file or folder the bundle is about: re-hashed and matched against what was signed.
    /// For a model signature, the model (file or folder). Repeatable (keyless: once).
    #[arg(long, value_name = "PATH")]
    pub artifact: Vec<PathBuf>,
    /// Keyless or --trusted-root: the artifact's digest (`sha256:HEX`, also sha384, sha512)
    /// instead of --artifact.
    #[arg(long, value_name = "ALG:HEX", conflicts_with = "artifact")]
    pub digest: Option<String>,
    /// Certificates must be valid at this time (RFC 3339); default: now. Keys and --ca only:
    /// a keyless bundle is checked at its own signed time (log entry or timestamp).
    #[arg(long, value_name = "RFC3339", value_parser = crate::parse_at)]
    pub at: Option<Timestamp>,
    /// Also fail unless the bundle is a verification summary whose result is PASSED.
    #[arg(long)]
    pub require_passed: bool,
    /// Also fail unless the bundle is a verification summary reached under this policy digest
    /// (`sha256:HEX` or `HEX`, as `palisade attest` prints it).
    #[arg(long, value_name = "SHA256")]
    pub policy_digest: Option<String>,
    /// Also fail unless the bundle is a verification summary whose resourceUri is exactly this.
    #[arg(long = "resource-uri", value_name = "URI")]
    pub resource_uri: Option<String>,
    /// Also fail unless the verdict was reached on the pipeline file with this sha256
    /// (`sha256:<hex>` or `<hex>`, as `palisade hash pipeline.pal` prints it).
    #[arg(long, value_name = "SHA256")]
    pub pipeline_digest: Option<String>,
    /// Also fail unless the verdict was reached with the palisade.lock of this sha256.
    #[arg(long, value_name = "SHA256")]
    pub lock_digest: Option<String>,
}

fn read_key_file(path: &Path) -> miette::Result<String> {
    use std::io::Read as _;
    let err = |reason: String| {
        miette::miette!(
            code = "palisade::key::io",
            "{}: cannot read the key: {reason}",
            path.display()
        )
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(err(format!("larger than {MAX_KEY_FILE} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| err("not UTF-8 PEM text".to_string()))
}

/// Creates `path` only if it does not exist yet; `private` files get mode 0600.
fn create_new(path: &Path, text: &str, private: bool) -> miette::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| {
        miette::miette!(
            code = "palisade::keygen::write",
            "{}: cannot create: {e}",
            path.display()
        )
    })?;
    file.write_all(text.as_bytes()).map_err(|e| {
        miette::miette!(
            code = "palisade::keygen::write",
            "{}: cannot write: {e}",
            path.display()
        )
    })
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Runs `palisade keygen`.
pub fn keygen(args: KeygenArgs) -> miette::Result<u8> {
    let private_path = with_suffix(&args.out, ".key");
    let public_path = with_suffix(&args.out, ".pub");
    for path in [&private_path, &public_path] {
        if path.symlink_metadata().is_ok() {
            return Err(miette::miette!(
                code = "palisade::keygen::exists",
                help = "choose another --out PREFIX, or move the old key away first",
                "{} already exists; palisade keygen never overwrites a key",
                path.display()
            ));
        }
    }
    let password = if args.cosign {
        match std::env::var(PASSWORD_VAR) {
            Ok(p) if !p.is_empty() => Some(p),
            _ => {
                return Err(miette::miette!(
                    code = "palisade::keygen::password",
                    help = "export PALISADE_KEY_PASSWORD=… (cosign's encrypted format needs a password)",
                    "--cosign: {PASSWORD_VAR} is not set or empty"
                ));
            }
        }
    } else {
        None
    };
    let key = SigningKey::generate_p256();
    let private_pem = match &password {
        Some(p) => key.to_cosign_pem(p.as_bytes()),
        None => key.to_pkcs8_pem(),
    };
    let public_pem = key.public_key().to_pem();
    create_new(&private_path, &private_pem, true)?;
    create_new(&public_path, &public_pem, false)?;
    println!(
        "wrote {} (private, {}) and {} (public, hint {})",
        private_path.display(),
        if password.is_some() {
            "cosign-encrypted"
        } else {
            "PKCS#8"
        },
        public_path.display(),
        palisade_sigstore::keys::pem_hint(&public_pem)
    );
    Ok(ALLOWED)
}

/// Reads a private key, decrypting a cosign key with PALISADE_KEY_PASSWORD.
pub(crate) fn signing_key(path: &Path) -> miette::Result<SigningKey> {
    let text = read_key_file(path)?;
    let password = std::env::var(PASSWORD_VAR).ok();
    SigningKey::from_named_pem(
        &text,
        password.as_deref().map(str::as_bytes),
        &path.display().to_string(),
    )
    .map_err(miette::Report::new)
}

/// Runs `palisade attest`.
pub fn attest(args: AttestArgs) -> miette::Result<u8> {
    // Read the key before the (possibly long) evaluation, so a wrong password fails fast.
    let key = signing_key(&args.key)?;
    let public_pem = match &args.public_key {
        Some(path) => {
            let text = read_key_file(path)?;
            let given = PublicKey::from_named_pem(&text, &path.display().to_string())
                .map_err(miette::Report::new)?;
            if given != key.public_key() {
                return Err(miette::miette!(
                    code = "palisade::attest::key_pair",
                    "{} is not the public half of {}",
                    path.display(),
                    args.key.display()
                ));
            }
            text
        }
        None => key.public_key().to_pem(),
    };
    let pipeline = crate::pipeline_path(args.pipeline.clone());
    let gate = args.load.load(&pipeline)?;
    let evaluation = gate.evaluate().map_err(miette::Report::new)?;
    let summary = palisade_attest::summarize(
        &gate.graph,
        &evaluation,
        &gate.pack.digest,
        &palisade_attest::SummaryOptions {
            resource_uri: args.resource_uri.clone(),
            policy_uri: args.policy_uri.clone(),
            verifier_version: env!("CARGO_PKG_VERSION").to_string(),
            policy_files: gate.pack.files.clone(),
        },
    )
    .map_err(miette::Report::new)?;
    let mut bundle = palisade_attest::sign(&summary, &key, &public_pem);
    bundle.push('\n');
    crate::write_output(args.output.as_ref(), &bundle)?;
    let code = if evaluation.allowed() {
        ALLOWED
    } else {
        DENIED
    };
    if crate::quiet() {
        return Ok(code);
    }
    eprintln!(
        "palisade: {} ({} violations); {} subject(s) attested as {}{}",
        evaluation.decision,
        evaluation.violations.len(),
        summary.subjects.len(),
        summary.verification_result(),
        match &args.output {
            Some(path) => format!(" in {}", path.display()),
            None => String::new(),
        }
    );
    Ok(code)
}

/// Runs `palisade verify`.
pub fn verify(args: VerifyArgs) -> miette::Result<u8> {
    if crate::keyless::wanted(&args) {
        return crate::keyless::verify(&args);
    }
    if args.key.is_empty() && args.ca.is_empty() {
        return Err(miette::miette!(
            code = "palisade::usage",
            help = "palisade verify BUNDLE --key PUB.pem, or --ca CA.pem [--identity SAN], or \
                    (keyless) --identity SAN --issuer URL [--trusted-root FILE]",
            "verify needs a trusted --key or --ca, or (keyless) --identity"
        ));
    }

    let now = args.at.unwrap_or_else(Timestamp::now).to_system_time();
    let mut keys = Vec::new();
    for path in &args.key {
        keys.push(palisade_attest::verify::trusted_key_file(path).map_err(miette::Report::new)?);
    }
    let mut authorities = Vec::new();
    for path in &args.ca {
        authorities.push(
            palisade_attest::verify::trusted_ca_file(
                path,
                args.identity.as_deref(),
                args.issuer.as_deref(),
            )
            .map_err(miette::Report::new)?,
        );
    }
    let report = palisade_attest::verify::verify(&palisade_attest::verify::Request {
        bundle: args.bundle.clone(),
        keys,
        authorities,
        artifacts: args.artifact.clone(),
        now,
        require_passed: args.require_passed,
        policy_digest: args.policy_digest.clone(),
        resource_uri: args.resource_uri.clone(),
        pipeline_digest: args.pipeline_digest.clone(),
        lock_digest: args.lock_digest.clone(),
    })
    .map_err(miette::Report::new)?;
    crate::write_output(None, &report.render())?;
    Ok(if report.verified() { ALLOWED } else { DENIED })
}

/// The text after `palisade verify --help`: the embedded trusted root's date and how to pass
/// a newer one.
pub fn verify_after_help() -> String {
    format!(
        "Keyless bundles (a Fulcio certificate: GitHub attestations, npm/PyPI provenance, cosign \
         sign-blob, model_signing) are verified offline against a Sigstore trusted root. {}.\n\n\
         Exit status: 0 verified, 1 did not verify (the failing step is named: \
         palisade::keyless::<step>), 2 usage error or unreadable input.",
        capitalized(&palisade_keyless::root::embedded_root_notice(
            std::time::SystemTime::now()
        ))
    )
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
