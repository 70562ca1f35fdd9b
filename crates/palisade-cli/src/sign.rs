//! `keygen`, `attest` and `verify`: signing keys, signed verdicts and verifying bundles.

use std::path::PathBuf;

/// `palisade keygen`.
#[derive(clap::Args, Clone)]
pub struct KeygenArgs {
    /// Write PREFIX.key (private) and PREFIX.pub (public).
    #[arg(long = "out", value_name = "PREFIX", default_value = "palisade")]
    pub out: PathBuf,
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
    /// Write the bundle to FILE (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `palisade verify`.
#[derive(clap::Args, Clone)]
pub struct VerifyArgs {
    /// The bundle to verify.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
}

/// Runs `palisade keygen`.
pub fn keygen(_args: KeygenArgs) -> miette::Result<u8> {
    Err(miette::miette!("palisade keygen is not built yet"))
}

/// Runs `palisade attest`.
pub fn attest(_args: AttestArgs) -> miette::Result<u8> {
    Err(miette::miette!("palisade attest is not built yet"))
}

/// Runs `palisade verify`.
pub fn verify(_args: VerifyArgs) -> miette::Result<u8> {
    Err(miette::miette!("palisade verify is not built yet"))
}
