//! `palisade run --stage NAME [--key KEY] [--record DIR] -- CMD ARGS…`: runs a stage's command
//! and writes its signed attestation where the stage's `attestation =` says.
//!
//! The declared inputs are hashed (sha256) before the command runs and the declared outputs
//! after; the command runs directly (no shell) with the inherited standard streams, and its exit
//! code is palisade's. The attestation is an in-toto Statement v1 with the link predicate v0.3
//! (materials, command, `byproducts.return-value`; the products are its subjects), signed into
//! a DSSE envelope, or a Sigstore bundle v0.3 when the file name ends in `.sigstore.json` or
//! `.bundle`. Without `--key` the statement is written unsigned (its `attestation` fact is then
//! `invalid`).
//!
//! `--record DIR`: every file under DIR is hashed before and after the run. Every file that was
//! there before is a material (the command could have read it: reads that do not change a file
//! leave no trace in its digest, and access times are not used, since `relatime`/`noatime`
//! mounts do not update them on every read), and the files it added or changed are products.
//! So a dataset lying in DIR is attested as available to the command, read or not.
//!
//! `--param KEY=VALUE` (repeatable): a parameter of the run, recorded in the link's
//! `environment` (dotted keys nest: `differential_privacy.epsilon=7.03` is
//! `{"differential_privacy": {"epsilon": 7.03}}`; numbers and `true`/`false` are written as
//! JSON numbers and booleans). Signed with the rest, a training stage's `differential_privacy`
//! parameters are evidence for its model's DP claim (see palisade-evidence's `dp_link`).

use std::io::IsTerminal as _;
use std::path::PathBuf;

use miette::Report;

use palisade_intoto::run::{RunRequest, run_stage};
use palisade_syntax::LoadOptions;

/// `palisade run`.
#[derive(clap::Args, Clone, Debug)]
pub struct RunArgs {
    /// The stage whose command this is (its `inputs`, `outputs` and `attestation`).
    #[arg(long, value_name = "NAME")]
    pub stage: String,
    /// The signing key (PEM, or cosign's encrypted format with PALISADE_KEY_PASSWORD): the
    /// key of the stage's `runs_as` identity. Without it the attestation is unsigned.
    #[arg(long, value_name = "KEY.pem")]
    pub key: Option<PathBuf>,
    /// Also list every file under DIR: all of them as materials (what the command could read),
    /// the ones it added or changed as products.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// A parameter of the run, recorded in the attestation's `environment`: dotted keys nest
    /// (`differential_privacy.epsilon=7.03`). Repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// The pipeline file.
    #[arg(long, value_name = "PIPELINE", default_value = "pipeline.pal")]
    pub pipeline: PathBuf,
    /// Let paths in the pipeline leave its folder (through `..` or symlinks).
    #[arg(long)]
    pub allow_outside: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// Runs `palisade run`: the command's exit code, or 2 when the stage cannot be recorded.
pub fn run(args: RunArgs) -> miette::Result<u8> {
    // Read the key first, so a wrong password fails before the (possibly long) command runs.
    let key = match &args.key {
        Some(path) => Some(crate::sign::signing_key(path)?),
        None => None,
    };
    let environment = parameters(&args.params)?;
    let options = LoadOptions {
        allow_outside: args.allow_outside,
        ..LoadOptions::default()
    };
    let pipeline = palisade_syntax::load(&args.pipeline, &options).map_err(Report::new)?;
    let Some(stage) = pipeline.stages.iter().find(|s| s.name.value == args.stage) else {
        let known: Vec<&str> = pipeline
            .stages
            .iter()
            .map(|s| s.name.value.as_str())
            .collect();
        return Err(miette::miette!(
            code = "palisade::run::stage",
            help = format!("stages of this pipeline: {}", known.join(", ")),
            "the pipeline declares no stage {:?}",
            args.stage
        ));
    };
    let Some(target) = stage.attestation.first() else {
        return Err(miette::miette!(
            code = "palisade::run::no_attestation",
            help = "declare where it goes: `attestation = \"attestations/<stage>.intoto.json\"`",
            "stage {:?} declares no `attestation`",
            stage.name.value
        ));
    };
    let local = |refs: &[palisade_syntax::Spanned<palisade_syntax::Reference>]| -> Vec<PathBuf> {
        refs.iter()
            .filter_map(|r| {
                pipeline
                    .artifacts
                    .iter()
                    .find(|a| a.kind.kind() == r.value.kind && a.name.value == r.value.name)
            })
            .filter_map(|a| a.path.as_ref().map(|p| p.value.resolved.clone()))
            .collect()
    };
    // Each declared folder's own `ignore` patterns, so the record lists what evaluate hashes.
    let exclude: Vec<(PathBuf, Vec<String>)> = pipeline
        .artifacts
        .iter()
        .filter(|a| !a.ignore.is_empty())
        .filter_map(|a| {
            let path = a.path.as_ref()?.value.resolved.clone();
            Some((path, a.ignore.iter().map(|p| p.value.clone()).collect()))
        })
        .collect();
    let request = RunRequest {
        stage: stage.name.value.clone(),
        command: args.command.clone(),
        base: pipeline.source.base_dir.clone(),
        working_dir: None,
        inputs: local(&stage.inputs),
        outputs: local(&stage.outputs),
        record: args.record.clone(),
        ignore: Vec::new(),
        exclude,
    };
    let record = run_stage(&request).map_err(Report::new)?;
    let mut statement = record.statement();
    statement.environment = environment;
    let statement = statement.to_json();
    let written = &target.value.written;
    let text = match &key {
        Some(key) if written.ends_with(".sigstore.json") || written.ends_with(".bundle") => {
            let public_pem = key.public_key().to_pem();
            palisade_intoto::write::sign_bundle(&statement, key, &public_pem)
        }
        Some(key) => palisade_intoto::write::sign_dsse(&statement, key),
        None => {
            eprintln!(
                "palisade: warning: no --key: the attestation of stage {:?} is unsigned, so it will not verify",
                stage.name.value
            );
            String::from_utf8_lossy(&statement).into_owned()
        }
    };
    let path = &target.value.resolved;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            miette::miette!(code = "palisade::run::write", "{}: {e}", parent.display())
        })?;
    }
    std::fs::write(path, text + "\n")
        .map_err(|e| miette::miette!(code = "palisade::run::write", "{written}: {e}"))?;
    for missing in &record.missing_outputs {
        eprintln!("palisade: warning: declared output {missing} does not exist after the run");
    }
    for skipped in &record.skipped {
        eprintln!(
            "palisade: note: {} not hashed ({})",
            palisade_core::text::escape_line(&skipped.path),
            skipped.what
        );
    }
    let code = record.status.code();
    if std::io::stderr().is_terminal() || code != Some(0) {
        eprintln!(
            "palisade: stage {:?}: {} materials, {} products, {} recorded changes; exit {} → {written}",
            stage.name.value,
            record.materials.len(),
            record.products.len(),
            record.changes.len(),
            code.map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
        );
    }
    // A command killed by a signal has no code: palisade says it failed.
    Ok(code.map_or(1, |c| u8::try_from(c).unwrap_or(1)))
}

/// The `--param KEY=VALUE` arguments as the link's `environment` object.
fn parameters(params: &[String]) -> miette::Result<serde_json::Map<String, serde_json::Value>> {
    use serde_json::Value;
    let bad = |param: &str, why: &str| {
        miette::miette!(
            code = "palisade::run::param",
            help = "write `--param KEY=VALUE`, KEY dotted names of letters, digits, `_` or `-` (`differential_privacy.epsilon=7.03`)",
            "--param {:?}: {why}",
            param
        )
    };
    let mut environment = serde_json::Map::new();
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            return Err(bad(param, "no `=`"));
        };
        let names: Vec<&str> = key.split('.').collect();
        if names.iter().any(|n| {
            n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        }) {
            return Err(bad(param, "the key is not dotted names"));
        }
        let value = match value {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            v => match serde_json::from_str::<serde_json::Number>(v) {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(v.to_owned()),
            },
        };
        let (last, parents) = names.split_last().ok_or_else(|| bad(param, "no key"))?;
        let mut object = &mut environment;
        for name in parents {
            let slot = object
                .entry((*name).to_owned())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            object = match slot {
                Value::Object(inner) => inner,
                _ => return Err(bad(param, &format!("{name:?} is already a value"))),
            };
        }
        if object.contains_key(*last) {
            return Err(bad(param, "given twice"));
        }
        object.insert((*last).to_owned(), value);
    }
    Ok(environment)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::parameters;

    #[test]
    fn dotted_keys_nest_and_numbers_stay_numbers() {
        let env = parameters(&[
            "differential_privacy.epsilon=7.03".into(),
            "differential_privacy.delta=1e-5".into(),
            "differential_privacy.mechanism=DP-GD".into(),
            "seed=42".into(),
            "shuffle=true".into(),
        ])
        .expect("parameters");
        assert_eq!(
            serde_json::Value::Object(env),
            serde_json::json!({
                "differential_privacy": {"epsilon": 7.03, "delta": 1e-5, "mechanism": "DP-GD"},
                "seed": 42,
                "shuffle": true
            })
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            &["epsilon"][..],
            &["=1"],
            &["a..b=1"],
            &["a b=1"],
            &["a=1", "a=2"],
            &["a=1", "a.b=2"],
        ] {
            let params: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            assert!(parameters(&params).is_err(), "{bad:?}");
        }
    }
}
