//! The Palisade pipeline language: the pest grammar, the typed syntax tree and its diagnostics.
//!
//! [`load`] reads a `pipeline.pal` file, parses it (`grammar/pipeline.pest`) and resolves it
//! into a [`Pipeline`]: kinds and attributes checked, references resolved to declarations,
//! dates and digests validated, and every path resolved inside the pipeline's folder. All
//! errors of the file come back together as [`Diagnostics`], ready for miette to render with
//! file, line, column, a labelled snippet and "did you mean" suggestions.
//!
//! ```
//! use std::path::Path;
//! use palisade_syntax::{parse_str, LoadOptions};
//!
//! let text = r#"pipeline "demo" {
//!   dataset "d" { path = "d.csv" labels = ["pii"] }
//!   model "m" { path = "m.safetensors" }
//!   stage "train" { inputs = [dataset "d"] outputs = [model "m"] }
//!   release "prod" { artifacts = [model "m"] environment = "production" exposure = "internal" }
//! }"#;
//! let pipeline = parse_str(text, "pipeline.pal", Path::new("."), &LoadOptions::default()).unwrap();
//! assert_eq!(pipeline.name.value, "demo");
//! assert_eq!(pipeline.stages[0].inputs[0].value.to_string(), r#"dataset "d""#);
//!
//! let errors = parse_str(r#"pipeline "x" { datset "d" {} }"#, "bad.pal", Path::new("."),
//!                        &LoadOptions::default()).unwrap_err();
//! assert_eq!(errors.errors()[0].to_string(), "bad.pal:1:16: unknown kind `datset`");
//! ```

// Tests may panic on what they did not expect; library code may not.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod ast;
pub mod duration;
pub mod error;
mod parser;
mod paths;
mod report;
mod resolve;
mod suggest;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

pub use ast::*;
pub use error::{Diagnostics, SyntaxError};
pub use suggest::suggest;

use report::Reporter;

/// The default for [`LoadOptions::max_bytes`]: 8 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// The most declarations (blocks) one pipeline may hold.
pub const MAX_DECLARATIONS: usize = 100_000;

/// How to load a pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Let paths leave the pipeline's folder (through `..`, absolute paths or symlinks).
    /// Off by default: a pipeline file must not make palisade read outside its folder.
    pub allow_outside: bool,
    /// The largest pipeline file accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            allow_outside: false,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Reads, parses and resolves the pipeline file at `path`.
///
/// Relative paths in the file resolve against the file's folder. The file is named in
/// diagnostics as `path` is written.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Pipeline, Diagnostics> {
    let file_name = path.display().to_string();
    let fail = |error: SyntaxError| Diagnostics::new(file_name.clone(), vec![error]);
    let io = |e: std::io::Error| {
        fail(SyntaxError::Io {
            file: file_name.clone(),
            reason: e.to_string(),
        })
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if metadata.is_dir() {
        return Err(fail(SyntaxError::Io {
            file: file_name.clone(),
            reason: "it is a directory".to_owned(),
        }));
    }
    let too_large = |size: u64| {
        fail(SyntaxError::TooLarge {
            file: file_name.clone(),
            size,
            limit: opts.max_bytes,
        })
    };
    if metadata.len() > opts.max_bytes {
        return Err(too_large(metadata.len()));
    }
    // Read at most one byte past the limit: the metadata may not tell the truth (pipes, /proc).
    let mut bytes = Vec::new();
    file.take(opts.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > opts.max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(SyntaxError::NotUtf8 {
            file: file_name.clone(),
            offset: e.utf8_error().valid_up_to(),
        })
    })?;
    let base_dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    parse_str(&text, &file_name, base_dir, opts)
}

/// Parses and resolves pipeline `text` as if read from a file named `file_name` in the folder
/// `base_dir` (relative paths in the text resolve against it).
pub fn parse_str(
    text: &str,
    file_name: &str,
    base_dir: &Path,
    opts: &LoadOptions,
) -> Result<Pipeline, Diagnostics> {
    if text.len() as u64 > opts.max_bytes {
        return Err(Diagnostics::new(
            file_name,
            vec![SyntaxError::TooLarge {
                file: file_name.to_owned(),
                size: text.len() as u64,
                limit: opts.max_bytes,
            }],
        ));
    }
    let text = Arc::new(text.to_owned());
    let mut reporter = Reporter::new(file_name, Arc::clone(&text));
    for (at, c) in text
        .char_indices()
        .filter(|(_, c)| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .take(8)
    {
        let span = miette::SourceSpan::from((at, c.len_utf8()));
        reporter.push(SyntaxError::BidiControl {
            location: reporter.location(span),
            code: u32::from(c),
            src: reporter.src(),
            span,
        });
    }
    let items = parser::parse(&text, &mut reporter);
    let pipeline = items.and_then(|items| resolve::resolve(&items, base_dir, opts, &mut reporter));
    match pipeline {
        Some(pipeline) if !reporter.has_errors() => Ok(pipeline),
        _ => Err(Diagnostics::new(file_name, reporter.finish())),
    }
}
