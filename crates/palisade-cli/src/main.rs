//! `palisade`: the command line. Parses flags and wires the crates together
//! (syntax → graph → evidence → policy → report); the logic lives in the libraries.

mod evidence_cmd;
mod generate;
mod init_cmd;
mod keyless;
mod run_cmd;
mod sign;
mod sign_cmd;
mod testcases;

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand, ValueEnum};

use palisade_core::Timestamp;
use palisade_evidence::LockMode;
use palisade_gate::{Gate, Options, PolicyArg};
use palisade_syntax::Kind;

/// Small allocations dominate evaluating big graphs (Cedar values and entities): mimalloc is
/// markedly faster at them than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: the release may go ahead.
const ALLOWED: u8 = 0;
/// Exit code: a violation or a policy error.
const DENIED: u8 = 1;
/// Exit code: the input could not be used.
const UNUSABLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "palisade",
    version,
    about = "Policy-as-code release gate for software and ML supply chains",
    long_about = "Palisade reads pipeline.pal, builds one graph of code, data, models, images, secrets and stages, \
                  attaches the evidence your tools produce, and checks Cedar policies across the whole graph.\n\n\
                  Exit codes: 0 allowed, 1 denied (a violation or a policy error), 2 the input could not be used."
)]
struct Cli {
    /// Print only results and errors.
    ///
    /// No progress, no notes on standard error, and no "ok"/"wrote" lines from `check` and
    /// `lock` (the exit code says it). Reports and errors are unchanged.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Colour diagnostics: auto, always or never.
    ///
    /// `auto` colours on a terminal unless the NO_COLOR environment variable is set
    /// (non-empty); `always` and `never` override both. Reports are never coloured.
    #[arg(
        long,
        value_enum,
        global = true,
        value_name = "WHEN",
        default_value = "auto",
        hide_possible_values = true,
        hide_default_value = true
    )]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

/// `--color`.
#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether diagnostics on standard error are coloured.
    fn enabled(self) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        }
    }
}

/// `--quiet`, set once after parsing.
static QUIET: AtomicBool = AtomicBool::new(false);

/// True under `--quiet`: notes and progress on standard error are left out.
pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `--at`: an RFC 3339 time (or a bare date, meaning midnight UTC).
fn parse_at(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|e| e.to_string())
}

/// How every command that judges a pipeline loads it: the same flags, parsed the same way.
#[derive(clap::Args, Clone, Debug)]
struct LoadArgs {
    /// Policy folders (or @baseline), replacing the pipeline's `policies` list. Repeatable.
    #[arg(long = "policies", value_name = "DIR")]
    policies: Vec<PolicyArg>,
    /// Let paths in the pipeline leave its folder (through `..` or symlinks).
    #[arg(long)]
    allow_outside: bool,
    /// Require palisade.lock (default: use it when it exists).
    #[arg(long, conflicts_with = "no_lock")]
    lock: bool,
    /// Ignore palisade.lock: every local artifact is `unpinned`.
    #[arg(long)]
    no_lock: bool,
    /// Judge at this time (RFC 3339, e.g. 2026-11-25T12:00:00Z): waivers, `context.now` and
    /// certificate validity all read it, so a past decision replays the same on any later
    /// day. Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_at)]
    at: Option<Timestamp>,
    /// The oldest verification summary (`summary = "…"`) accepted, by its verification time
    /// against --at: a number and a unit s, m, h, d or w (`30d`). Caps every artifact's
    /// `summary_max_age` (which can only make it stricter); older is `invalid`.
    #[arg(long, value_name = "DURATION", value_parser = parse_max_age)]
    max_age: Option<u64>,
}

fn parse_max_age(text: &str) -> Result<u64, String> {
    palisade_syntax::duration::parse_duration(text)
}

impl LoadArgs {
    fn options(&self) -> Options {
        Options {
            policies: self.policies.clone(),
            allow_outside: self.allow_outside,
            lock: if self.lock {
                LockMode::Require
            } else if self.no_lock {
                LockMode::Ignore
            } else {
                LockMode::Auto
            },
            at: self.at.unwrap_or_else(Timestamp::now),
            progress: !quiet() && std::io::stderr().is_terminal(),
            max_age: self.max_age,
        }
    }

    fn load(&self, pipeline: &Path) -> miette::Result<Gate> {
        Gate::load(pipeline, &self.options()).map_err(miette::Report::new)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Markdown,
    /// GitLab Code Quality (Code Climate issues JSON).
    #[value(name = "codequality")]
    CodeQuality,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and validate the pipeline and its policies, and read its evidence.
    Check {
        /// The pipeline file (default: pipeline.pal in the current folder).
        #[arg(value_name = "PIPELINE")]
        pipeline: Option<PathBuf>,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Evaluate every policy across the graph; exit 0 allowed, 1 denied, 2 unusable input.
    Evaluate {
        /// The pipeline file (default: pipeline.pal in the current folder).
        #[arg(value_name = "PIPELINE")]
        pipeline: Option<PathBuf>,
        #[command(flatten)]
        load: LoadArgs,
        /// Report format.
        #[arg(long, value_enum, default_value = "human")]
        format: ReportFormat,
        /// Write the report to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Group the result by control framework (OWASP LLM Top 10, MITRE ATLAS, NIST AI RMF,
        /// SLSA, NIST SSDF, OWASP CI/CD): checked, passed, failed, waived, not covered. For the
        /// human, json and markdown formats.
        #[arg(long)]
        controls: bool,
    },
    /// Show the lineage, evidence and every decision for one thing.
    Explain {
        /// The pipeline file (optional), then the kind and name (e.g. `model fraud-xgb`).
        #[arg(num_args = 2..=3, value_names = ["PIPELINE", "KIND", "NAME"], required = true)]
        words: Vec<String>,
        #[command(flatten)]
        load: LoadArgs,
        /// Print JSON (palisade.explain/v1) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the graph.
    Graph {
        /// The pipeline file (default: pipeline.pal in the current folder).
        #[arg(value_name = "PIPELINE")]
        pipeline: Option<PathBuf>,
        #[command(flatten)]
        load: LoadArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Include SBOM packages.
        #[arg(long)]
        packages: bool,
    },
    /// Print the Cedar schema policies are validated against.
    Schema,
    /// Run policy test cases: `.pal` files whose `// expect:` comments state the decisions.
    Test {
        /// Folder to search for test cases (default: current folder).
        dir: Option<PathBuf>,
        /// `--policies` replaces each case's list; `--at` is the time of cases without an
        /// `// at:` line (default: 2027-01-15, so cases are reproducible).
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Write or refresh palisade.lock: blake3 and sha256 of every local path.
    Lock(evidence_cmd::LockArgs),
    /// Print blake3 and sha256 of files, or model-signing style digests of directories.
    Hash(evidence_cmd::HashArgs),
    /// Generate a P-256 signing key pair (PEM).
    Keygen(sign::KeygenArgs),
    /// Evaluate, then sign the verdict as a SLSA verification summary (Sigstore bundle v0.3).
    Attest(sign::AttestArgs),
    /// Sign a file or a sha256 digest with a key: a message-signature bundle (as `cosign
    /// sign-blob --bundle` writes), the evidence `signature =` reads.
    Sign(sign_cmd::SignArgs),
    /// Verify a Sigstore bundle (keyless or key-signed), a DSSE envelope or an OpenSSF
    /// model-signing bundle, offline.
    #[command(after_help = sign::verify_after_help())]
    Verify(sign::VerifyArgs),
    /// Print a shell completion script (bash, elvish, fish, powershell, zsh), e.g.
    /// `palisade completions bash > /etc/bash_completion.d/palisade`.
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff), e.g. `palisade man | man -l -`.
    Man(generate::ManArgs),
    /// Write a starter pipeline.pal (and policies/) inferred from the folder: DVC stages,
    /// SBOMs, SARIF reports, signatures, model files, GitHub Actions image builds.
    Init(init_cmd::InitArgs),
    /// Run a stage's command and write its signed attestation (an in-toto link statement of
    /// what it read and wrote) where the stage's `attestation` says. Exit code: the command's.
    Run(run_cmd::RunArgs),
}

fn main() -> ExitCode {
    // clap quotes the offending argument in its messages; an argument can hold escape
    // sequences too, so its message goes through the same escaping as every diagnostic.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            if error.use_stderr() {
                eprint!("{}", escape_controls(&text));
            } else {
                print!("{text}");
            }
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(UNUSABLE));
        }
    };
    QUIET.store(cli.quiet, Ordering::Relaxed);
    let color = cli.color.enabled();
    miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .width(100)
                .context_lines(2)
                // The same drawing characters whatever the locale says (reports use ✗ and →
                // anyway), so CI logs and snapshots look alike everywhere.
                .unicode(true)
                .color(color)
                .build(),
        )
    }))
    .ok();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{}", render_error(&report));
            ExitCode::from(UNUSABLE)
        }
    }
}

/// Renders an error with miette's graphical handler, falling back to plain messages if the
/// handler panics (miette 7.6 does on a label past column 65,535, e.g. in minified JSON): a bad
/// input must end in a message and exit 2, never in a crash.
fn render_error(report: &miette::Report) -> String {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let graphical =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| format!("{report:?}")));
    std::panic::set_hook(previous);
    let text = match graphical {
        Ok(text) => text,
        Err(_) => {
            let mut text = String::new();
            plain(report.as_ref(), 0, &mut text);
            text
        }
    };
    escape_controls(&text)
}

/// Escapes control characters that came from the input (a hostile file could otherwise move
/// the cursor, retitle the terminal or hide text): keeps newlines, tabs and the colour codes
/// (`ESC [ digits ; … m`) the renderer itself writes, and shows anything else as `\u{…}`.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' || c == '\t' || !palisade_core::text::is_display_control(c) {
            out.push(c);
            continue;
        }
        if c == '\u{1b}' {
            let rest = &text[i + 1..];
            let sgr = rest.strip_prefix('[').and_then(|r| {
                let len = r.find(|ch: char| !(ch.is_ascii_digit() || ch == ';'))?;
                r[len..].starts_with('m').then_some(len + 2)
            });
            if let Some(len) = sgr {
                out.push(c);
                out.push_str(&rest[..len]);
                for _ in 0..len {
                    chars.next();
                }
                continue;
            }
        }
        out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
    }
    out
}

/// Every message of a diagnostic and its related ones, indented, without source snippets.
fn plain(diagnostic: &dyn miette::Diagnostic, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let code = diagnostic
        .code()
        .map_or_else(String::new, |c| format!("[{c}] "));
    out.push_str(&format!("{indent}× {code}{diagnostic}\n"));
    if let Some(help) = diagnostic.help() {
        out.push_str(&format!("{indent}  help: {help}\n"));
    }
    if let Some(related) = diagnostic.related() {
        for inner in related {
            plain(inner, depth + 1, out);
        }
    }
}

fn pipeline_path(path: Option<PathBuf>) -> PathBuf {
    path.unwrap_or_else(|| PathBuf::from("pipeline.pal"))
}

/// Writes a command's output to `output`, or standard output. A failure to write is exit 2
/// (the report did not reach its reader), except a closed pipe (`palisade … | head`), which
/// is the reader's choice.
fn write_output(output: Option<&PathBuf>, text: &str) -> miette::Result<()> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            miette::miette!(
                code = "palisade::output",
                "cannot write {}: {e}",
                path.display()
            )
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(miette::miette!(
                    code = "palisade::output",
                    "cannot write to standard output: {e}"
                )),
                _ => Ok(()),
            }
        }
    }
}

/// The node `explain` is about, or a usage error with a suggestion.
fn explained_node(
    gate: &Gate,
    kind: &str,
    name: &str,
) -> miette::Result<palisade_graph::NodeIndex> {
    let graph = &gate.graph;
    let kind_value = Kind::from_keyword(kind).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.keyword()).collect();
        let hint = palisade_syntax::suggest(kind, names.iter().copied())
            .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
        miette::miette!(
            code = "palisade::usage",
            "unknown kind `{kind}`{hint}; kinds are {}",
            names.join(", ")
        )
    })?;
    graph.find(kind_value, name).ok_or_else(|| {
        let declared: Vec<String> = graph
            .graph()
            .node_indices()
            .filter(|&n| graph.node_name(n).0.eq_ignore_ascii_case(kind))
            .map(|n| graph.node_name(n).1.to_owned())
            .collect();
        let hint = palisade_syntax::suggest(name, declared.iter().map(String::as_str))
            .map_or_else(String::new, |s| format!(" (did you mean {s:?}?)"));
        miette::miette!(
            code = "palisade::usage",
            "no {kind} {name:?} is declared{hint}"
        )
    })
}

fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Check { pipeline, load } => {
            let gate = load.load(&pipeline_path(pipeline))?;
            for warning in &gate.pack.warnings {
                eprintln!("warning: {warning}");
            }
            if quiet() {
                return Ok(ALLOWED);
            }
            let evidence = &gate.evidence;
            println!(
                "ok: pipeline {:?}: {} declarations, {} packages, {} policies ({})",
                gate.graph.pipeline.name.value,
                gate.declarations(),
                gate.graph.packages().count(),
                gate.pack.info.len(),
                gate.pack.digest
            );
            println!(
                "    evidence: {} files read, {} local files hashed ({} bytes), lock: {}",
                evidence.evidence_files,
                evidence.files_hashed,
                evidence.bytes_hashed,
                evidence
                    .lock_file
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |p| p.display().to_string())
            );
            let facts = gate.graph.pipeline_facts();
            if facts.lock.is_some() {
                let state = facts.lock_signature;
                let detail = match (&facts.lock_signature_reason, facts.lock_signers.is_empty()) {
                    (Some(reason), _) => format!(": {reason}"),
                    (None, false) => format!(
                        " by {}",
                        facts
                            .lock_signers
                            .iter()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, true) => String::new(),
                };
                let required = if gate.graph.pipeline.lock_signed_by.is_empty() {
                    ""
                } else {
                    " (required: lock_signed_by)"
                };
                println!("    lock signature: {}{detail}{required}", state.as_str());
            }
            Ok(ALLOWED)
        }
        Command::Evaluate {
            pipeline,
            load,
            format,
            output,
            controls,
        } => {
            // Refused before anything is read: the flag would be silently ignored.
            if controls
                && !matches!(
                    format,
                    ReportFormat::Human | ReportFormat::Json | ReportFormat::Markdown
                )
            {
                return Err(miette::miette!(
                    code = "palisade::usage",
                    "--controls needs --format human, json or markdown"
                ));
            }
            let gate = load.load(&pipeline_path(pipeline))?;
            let evaluation = gate.evaluate().map_err(miette::Report::new)?;
            let format = match format {
                ReportFormat::Human => palisade_report::Format::Human,
                ReportFormat::Json => palisade_report::Format::Json,
                ReportFormat::Sarif => palisade_report::Format::Sarif,
                ReportFormat::Junit => palisade_report::Format::Junit,
                ReportFormat::Markdown => palisade_report::Format::Markdown,
                ReportFormat::CodeQuality => palisade_report::Format::CodeQuality,
            };
            let options = palisade_report::Options { controls };
            let lineage = palisade_report::lineage::stages(&gate.graph);
            let text =
                palisade_report::render_report(format, &evaluation, &gate.pack, options, &lineage);
            write_output(output.as_ref(), &text)?;
            if output.is_some() && !quiet() {
                eprintln!(
                    "palisade: {} ({} violations) — report written",
                    evaluation.decision,
                    evaluation.violations.len()
                );
            }
            Ok(if evaluation.allowed() {
                ALLOWED
            } else {
                DENIED
            })
        }
        Command::Explain { words, load, json } => {
            let (pipeline, kind, name) = match words.as_slice() {
                [kind, name] => (PathBuf::from("pipeline.pal"), kind, name),
                [pipeline, kind, name] => (PathBuf::from(pipeline), kind, name),
                _ => {
                    return Err(miette::miette!(
                        code = "palisade::usage",
                        "usage: palisade explain [PIPELINE] <KIND> <NAME>"
                    ));
                }
            };
            let gate = load.load(&pipeline)?;
            let node = explained_node(&gate, kind, name)?;
            let evaluation = gate.evaluate().map_err(miette::Report::new)?;
            let text = if json {
                palisade_report::explain::json(&gate.graph, node, &evaluation)
            } else {
                palisade_report::explain::text(&gate.graph, node, &evaluation)
            };
            write_output(None, &text)?;
            Ok(ALLOWED)
        }
        Command::Graph {
            pipeline,
            load,
            format,
            packages,
        } => {
            let gate = load.load(&pipeline_path(pipeline))?;
            let options = palisade_graph::render::RenderOptions { packages };
            let text = match format {
                GraphFormat::Dot => palisade_graph::render::dot(&gate.graph, options),
                GraphFormat::Mermaid => palisade_graph::render::mermaid(&gate.graph, options),
                GraphFormat::Json => palisade_graph::render::json(&gate.graph, options),
            };
            write_output(None, &text)?;
            Ok(ALLOWED)
        }
        Command::Schema => {
            write_output(None, palisade_policy::schema_text())?;
            Ok(ALLOWED)
        }
        Command::Test { dir, load } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            testcases::run(&dir, &load)
        }
        Command::Lock(args) => evidence_cmd::lock(args),
        Command::Run(args) => run_cmd::run(args),
        Command::Hash(args) => evidence_cmd::hash(args),
        Command::Keygen(args) => sign::keygen(args),
        Command::Attest(args) => sign::attest(args),
        Command::Sign(args) => sign_cmd::sign(args),
        Command::Verify(args) => sign::verify(args),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Init(args) => init_cmd::init(args),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn input_controls_are_escaped_and_colours_kept() {
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{1b}[0m\n\tx"),
            "\u{1b}[31mred\u{1b}[0m\n\tx"
        );
        assert_eq!(
            escape_controls("a\u{1b}]0;pwned\u{7}b\0c\u{1b}[2J"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{0}c\\u{1b}[2J"
        );
    }
}
