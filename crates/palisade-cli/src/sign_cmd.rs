//! `palisade sign`: a message-signature bundle over a file or a sha256 digest with a key, the
//! evidence `signature =` reads for an artifact that has no signer of its own (a dataset, an
//! image digest, a pii scan). The same bundle form as `cosign sign-blob --bundle`.

use std::path::PathBuf;

/// `palisade sign`.
#[derive(clap::Args, Clone)]
pub struct SignArgs {
    /// The file to sign (its sha256 is signed; the file is read once, streaming).
    #[arg(
        value_name = "FILE",
        required_unless_present = "digest",
        conflicts_with = "digest"
    )]
    pub file: Option<PathBuf>,
    /// Sign this digest instead of a file: `sha256:` and 64 hex digits (an image digest, a
    /// file hashed elsewhere).
    #[arg(long, value_name = "sha256:HEX")]
    pub digest: Option<String>,
    /// The signing key: P-256 PEM (`palisade keygen`), or cosign's encrypted format with
    /// PALISADE_KEY_PASSWORD.
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// Write the bundle to FILE (default: FILE.sigstore.json next to the file signed; with
    /// --digest, standard output).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// Runs `palisade sign`.
pub fn sign(args: SignArgs) -> miette::Result<u8> {
    let key = crate::sign::signing_key(&args.key)?;
    let digest = match (&args.file, &args.digest) {
        (_, Some(written)) => parse_digest(written)?,
        (Some(file), None) => sha256_of(file)?,
        (None, None) => {
            return Err(miette::miette!(
                code = "palisade::sign::input",
                "nothing to sign: give a FILE or --digest sha256:HEX"
            ));
        }
    };
    let public_pem = key.public_key().to_pem();
    let Some(bundle) = palisade_sigstore::sign_digest(&digest, &key, &public_pem) else {
        return Err(miette::miette!(
            code = "palisade::sign::key",
            help = "make one with `palisade keygen`; Sigstore verifiers check message signatures over a SHA-256 digest with P-256 keys only",
            "{} is not a P-256 key",
            args.key.display()
        ));
    };
    let output = args.output.clone().or_else(|| {
        args.file.as_ref().map(|f| {
            let mut name = f.as_os_str().to_owned();
            name.push(".sigstore.json");
            PathBuf::from(name)
        })
    });
    let mut text = bundle.to_json();
    text.push('\n');
    crate::write_output(output.as_ref(), &text)?;
    if !crate::quiet() {
        eprintln!(
            "palisade: signed sha256:{}{}",
            hex::encode(digest),
            match &output {
                Some(path) => format!("; wrote {}", path.display()),
                None => String::new(),
            }
        );
    }
    Ok(0)
}

/// `sha256:` and 64 hex digits.
fn parse_digest(written: &str) -> miette::Result<[u8; 32]> {
    let bad = || {
        miette::miette!(
            code = "palisade::sign::digest",
            "--digest {written:?} is not `sha256:` followed by 64 hex digits"
        )
    };
    let hex_part = written.strip_prefix("sha256:").ok_or_else(bad)?;
    if hex_part.len() != 64 {
        return Err(bad());
    }
    let bytes = hex::decode(hex_part.to_ascii_lowercase()).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

/// The sha256 of a regular file, read once.
fn sha256_of(path: &PathBuf) -> miette::Result<[u8; 32]> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Err(miette::miette!(
            code = "palisade::sign::input",
            help = "sign a folder's digest with `--digest` (`palisade hash` prints it)",
            "{} is not a readable regular file",
            path.display()
        ));
    }
    palisade_hash::hash_file(path, palisade_hash::Algorithms::Sha256)
        .ok()
        .and_then(|d| d.get(palisade_hash::Algorithm::Sha256))
        .ok_or_else(|| {
            miette::miette!(
                code = "palisade::sign::input",
                "cannot read {}",
                path.display()
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn digests_must_be_sha256_and_64_hex() {
        assert!(parse_digest(&format!("sha256:{}", "ab".repeat(32))).is_ok());
        assert!(parse_digest(&format!("sha256:{}", "AB".repeat(32))).is_ok());
        assert!(parse_digest(&"ab".repeat(32)).is_err());
        assert!(parse_digest(&format!("sha512:{}", "ab".repeat(32))).is_err());
        assert!(parse_digest(&format!("sha256:{}", "ab".repeat(31))).is_err());
        assert!(parse_digest(&format!("sha256:{}", "zz".repeat(32))).is_err());
    }
}
