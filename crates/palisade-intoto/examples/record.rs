//! Records one run as a signed stage attestation, the way `palisade run` will: what
//! tests/fixtures/intoto/make.sh uses to write the attestations that in-toto's own tools then
//! verify (verify-with-in-toto.py).
//!
//! ```text
//! cargo run -p palisade-intoto --example record -- --stage NAME --key KEY.pem
//!     [--dsse OUT] [--bundle OUT --public PUB.pem] [-m PATH]… [-p PATH]… [--record DIR] -- CMD ARGS…
//! ```
//! Paths are recorded relative to the working directory. Exits with the command's status.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use palisade_intoto::run::{RunRequest, run_stage};
use palisade_intoto::write::{sign_bundle, sign_dsse};
use palisade_sigstore::keys::SigningKey;

fn main() -> ExitCode {
    match record() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("record: {message}");
            ExitCode::from(2)
        }
    }
}

fn record() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let mut req = RunRequest {
        base: std::env::current_dir().map_err(|e| e.to_string())?,
        ..Default::default()
    };
    let (mut key, mut public, mut dsse, mut bundle) = (None, None, None, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--stage" => req.stage = value()?,
            "--key" => key = Some(value()?),
            "--public" => public = Some(value()?),
            "--dsse" => dsse = Some(value()?),
            "--bundle" => bundle = Some(value()?),
            "-m" => req.inputs.push(PathBuf::from(value()?)),
            "-p" => req.outputs.push(PathBuf::from(value()?)),
            "--record" => req.record = Some(PathBuf::from(value()?)),
            "--" => {
                req.command = args.by_ref().collect();
                break;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let key_path = key.ok_or("--key is required")?;
    let pem = std::fs::read_to_string(&key_path).map_err(|e| format!("{key_path}: {e}"))?;
    let key = SigningKey::from_named_pem(&pem, None, &key_path).map_err(|e| e.to_string())?;
    let run = run_stage(&req).map_err(|e| e.to_string())?;
    let statement = run.statement().to_json();
    if let Some(out) = dsse {
        std::fs::write(&out, sign_dsse(&statement, &key)).map_err(|e| format!("{out}: {e}"))?;
    }
    if let Some(out) = bundle {
        let public = public.ok_or("--bundle needs --public (the hint is the PEM file's sha256)")?;
        let public_pem = std::fs::read_to_string(&public).map_err(|e| format!("{public}: {e}"))?;
        std::fs::write(&out, sign_bundle(&statement, &key, &public_pem))
            .map_err(|e| format!("{out}: {e}"))?;
    }
    if !run.missing_outputs.is_empty() {
        eprintln!(
            "record: not written by the run: {}",
            run.missing_outputs.join(", ")
        );
    }
    Ok(ExitCode::from(
        run.status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
    ))
}
