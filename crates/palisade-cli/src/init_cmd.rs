//! `palisade init`: a starter pipeline inferred from the folder (crates/palisade-init).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use miette::Report;

/// `palisade init`.
#[derive(clap::Args, Clone)]
pub struct InitArgs {
    /// The repository folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Replace an existing pipeline.pal.
    #[arg(long, conflicts_with = "stdout")]
    pub force: bool,
    /// Print the inferred pipeline on standard output instead of writing pipeline.pal and
    /// policies/ (nothing is written).
    #[arg(long)]
    pub stdout: bool,
}

pub fn init(args: InitArgs) -> miette::Result<u8> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |n: usize| {
        if terminal {
            eprint!("\rpalisade init: {n} files looked at…");
        }
    };
    let inferred = palisade_init::infer(&dir, &mut progress).map_err(Report::new)?;
    if terminal && inferred.files_scanned >= 1000 {
        eprintln!();
    }
    if args.stdout {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out.write_all(inferred.pipeline.as_bytes());
    } else {
        let written = palisade_init::write(&dir, &inferred, args.force).map_err(Report::new)?;
        for file in &written {
            eprintln!(
                "palisade init: wrote {}",
                palisade_core::text::escape_line(&file.display().to_string())
            );
        }
    }
    let declared: Vec<String> = inferred
        .declared
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    eprintln!(
        "palisade init: {} files looked at; declared {}",
        inferred.files_scanned,
        if declared.is_empty() {
            "nothing".to_owned()
        } else {
            declared.join(", ")
        }
    );
    for mismatch in &inferred.dvc_mismatches {
        eprintln!("palisade init: differs from dvc.lock: {mismatch}");
    }
    if !inferred.not_inferred.is_empty() {
        eprintln!("palisade init: not inferred (listed at the top of the pipeline too):");
        for note in &inferred.not_inferred {
            eprintln!("  - {note}");
        }
    }
    if !args.stdout {
        eprintln!(
            "palisade init: next: review pipeline.pal, then `palisade check`, `palisade lock`, `palisade evaluate`"
        );
    }
    Ok(0)
}
