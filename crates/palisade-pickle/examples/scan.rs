//! Scans model files or folders and prints one JSON object per file: what the scanner found
//! and the verdict the baseline would reach. Used by `benches/compare.py` to run Palisade side
//! by side with other pickle scanners.
//!
//! `cargo run --release -p palisade-pickle --example scan -- [--allow PATTERN]… PATH…`

use std::path::Path;
use std::process::ExitCode;

use palisade_pickle::{AllowImports, Scanner};

fn main() -> ExitCode {
    let mut allow = Vec::new();
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--allow" {
            match args.next() {
                Some(p) => allow.push(p),
                None => {
                    eprintln!("--allow needs a pattern");
                    return ExitCode::from(2);
                }
            }
        } else {
            paths.push(arg);
        }
    }
    let allow = match AllowImports::parse(&allow) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let scanner = Scanner::new();
    let mut status = ExitCode::SUCCESS;
    for path in paths {
        let line = match scanner.scan_path(Path::new(&path)) {
            Ok(scan) => {
                let unknown = scan.unknown_imports_allowing(&allow);
                let flagged = !scan.dangerous_imports.is_empty()
                    || !unknown.is_empty()
                    || !scan.scan_errors.is_empty();
                serde_json::json!({
                    "path": path,
                    "flagged": flagged,
                    "pickle_based": scan.pickle_based,
                    "format": scan.format().map(|f| f.as_str()),
                    "container": scan.files.first().map(|f| &f.container),
                    "dangerous_imports": scan.dangerous_imports,
                    "unknown_imports": unknown,
                    "scan_errors": scan.scan_errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            }
            Err(e) => {
                status = ExitCode::from(2);
                serde_json::json!({ "path": path, "flagged": true, "error": e.to_string() })
            }
        };
        println!("{line}");
    }
    status
}
