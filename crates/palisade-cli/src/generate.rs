//! `palisade completions SHELL` and `palisade man`: shell completion scripts and a man page,
//! generated from the same clap definition that parses the command line, so they never drift.

use clap::CommandFactory as _;

/// `palisade completions`.
#[derive(clap::Args, Clone)]
pub struct CompletionsArgs {
    /// The shell: bash, elvish, fish, powershell or zsh.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `palisade man`.
#[derive(clap::Args, Clone)]
pub struct ManArgs {
    /// Write `palisade.1` and one `palisade-<command>.1` per subcommand into DIR instead of
    /// printing `palisade.1` to standard output.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// Prints the completion script for one shell.
pub fn completions(args: &CompletionsArgs) -> miette::Result<u8> {
    let mut command = crate::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "palisade", &mut out);
    crate::write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(crate::ALLOWED)
}

/// Prints the man page (roff), or writes one page per command into a folder.
pub fn man(args: &ManArgs) -> miette::Result<u8> {
    let command = crate::Cli::command();
    let failed = |e: std::io::Error| {
        miette::miette!(code = "palisade::output", "cannot write the man page: {e}")
    };
    match &args.dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(failed)?;
            crate::write_output(None, &String::from_utf8_lossy(&out))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(failed)?;
            clap_mangen::generate_to(command, dir).map_err(failed)?;
            if !crate::quiet() {
                eprintln!("palisade: man pages written to {}", dir.display());
            }
        }
    }
    Ok(crate::ALLOWED)
}
