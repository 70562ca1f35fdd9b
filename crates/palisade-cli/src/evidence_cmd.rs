//! `lock` and `hash`: pinning and hashing local files.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use miette::Report;

use palisade_hash::lock::{self, Integrity};
use palisade_hash::{Algorithm, HashOptions, TreeKind};
use palisade_syntax::LoadOptions;

/// `palisade lock`.
#[derive(clap::Args, Clone)]
pub struct LockArgs {
    /// The pipeline file (default: pipeline.pal in the current folder).
    #[arg(value_name = "PIPELINE")]
    pub pipeline: Option<PathBuf>,
    /// Let paths in the pipeline leave its folder (through `..` or symlinks).
    #[arg(long)]
    pub allow_outside: bool,
    /// Do not write: exit 1 if palisade.lock is missing or differs from the files on disk.
    #[arg(long, conflicts_with = "sign")]
    pub check: bool,
    /// Also sign the lock: writes palisade.lock.sigstore.json, a Sigstore bundle (DSSE,
    /// in-toto statement of type https://palisade.dev/lock/v1 whose subject is the lock's
    /// sha256). Pipelines with `lock_signed_by` accept only a lock signed so.
    #[arg(long, requires = "key")]
    pub sign: bool,
    /// The signing key for --sign (PEM, or cosign's encrypted format with
    /// PALISADE_KEY_PASSWORD).
    #[arg(long, value_name = "KEY.pem", requires = "sign")]
    pub key: Option<PathBuf>,
    /// Report hashing progress on standard error even when it is not a terminal (a line
    /// before and one after; a terminal gets a progress bar anyway). Never in a report.
    #[arg(long)]
    pub progress: bool,
}

/// `palisade hash`.
#[derive(clap::Args, Clone)]
pub struct HashArgs {
    /// Files or directories to hash.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Also list every file of a directory.
    #[arg(long)]
    pub files: bool,
    /// Print JSON (the palisade.lock entry format) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `palisade lock`: hashes every local artifact path and writes `palisade.lock` beside the
/// pipeline, saying what changed since the previous lock.
pub fn lock(args: LockArgs) -> miette::Result<u8> {
    // Read the key first, so a wrong password fails before anything is hashed or written.
    let key = match &args.key {
        Some(path) => Some(crate::sign::signing_key(path)?),
        None => None,
    };
    let path = args
        .pipeline
        .unwrap_or_else(|| PathBuf::from("pipeline.pal"));
    let options = LoadOptions {
        allow_outside: args.allow_outside,
        ..LoadOptions::default()
    };
    let pipeline = palisade_syntax::load(&path, &options).map_err(Report::new)?;
    let terminal = std::io::stderr().is_terminal();
    let lines = args.progress && !crate::quiet() && !terminal;
    let local = pipeline
        .artifacts
        .iter()
        .filter(|a| a.path.is_some())
        .count();
    if lines {
        eprintln!("palisade: hashing {local} local artifact path(s)…");
    }
    let started = std::time::Instant::now();
    let fresh = palisade_evidence::build_lock(&pipeline, terminal && !crate::quiet())
        .map_err(Report::new)?;
    if lines {
        let files: usize = fresh.artifacts.values().map(|e| e.files.len()).sum();
        let bytes: u64 = fresh.artifacts.values().map(|e| e.size).sum();
        eprintln!(
            "palisade: hashed {files} files, {bytes} bytes in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let lock_path = palisade_evidence::lock_path(&pipeline);
    let previous = if lock_path.exists() {
        Some(palisade_hash::lock::Lockfile::read(&lock_path).map_err(Report::new)?)
    } else {
        None
    };
    let mut changes = Vec::new();
    let old = previous.as_ref().map(|l| &l.artifacts);
    for (key, entry) in &fresh.artifacts {
        match old.and_then(|o| o.get(key)) {
            None => changes.push(format!("+ {key} ({})", entry.path)),
            // Compared by the digests both pin: a version 1 entry (blake3 and sha256) matches
            // the blake3-only entry `lock` writes now for the same files.
            Some(before)
                if before.path != entry.path
                    || lock::check_entry(Some(before), entry) != Integrity::Verified =>
            {
                changes.push(format!("~ {key} ({})", entry.path));
            }
            Some(_) => {}
        }
    }
    if let Some(old) = old {
        for key in old.keys() {
            if !fresh.artifacts.contains_key(key) {
                changes.push(format!("- {key}"));
            }
        }
    }
    let files: usize = fresh.artifacts.values().map(|e| e.files.len()).sum();
    let bytes: u64 = fresh.artifacts.values().map(|e| e.size).sum();
    let shown = lock_path.file_name().map_or_else(
        || lock_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if args.check {
        if previous.is_none() {
            eprintln!("palisade: {shown} does not exist; run `palisade lock`");
            return Ok(crate::DENIED);
        }
        if changes.is_empty() {
            println!(
                "{shown} is up to date: {} artifacts, {files} files, {bytes} bytes",
                fresh.artifacts.len()
            );
            return Ok(crate::ALLOWED);
        }
        println!("{shown} is out of date:");
        for change in &changes {
            println!("  {change}");
        }
        return Ok(crate::DENIED);
    }
    fresh.write(&lock_path).map_err(Report::new)?;
    if !crate::quiet() {
        println!(
            "wrote {shown}: {} artifacts, {files} files, {bytes} bytes",
            fresh.artifacts.len()
        );
        if previous.is_some() && changes.is_empty() {
            println!("  (no change)");
        }
        for change in &changes {
            println!("  {change}");
        }
    }
    let signature_path = pipeline
        .source
        .base_dir
        .join(palisade_evidence::LOCK_SIGNATURE_FILE);
    match key {
        Some(key) => {
            // Sign the bytes just written, as `to_json` gives them (what `write` wrote).
            let text = fresh
                .to_json()
                .map_err(|e| miette::miette!(code = "palisade::lock::sign", "{e}"))?;
            let statement =
                palisade_evidence::lock_statement(text.as_bytes(), &pipeline.name.value);
            let public_pem = key.public_key().to_pem();
            let mut bundle =
                palisade_sigstore::sign_statement(&statement, &key, &public_pem).to_json();
            bundle.push('\n');
            std::fs::write(&signature_path, bundle).map_err(|e| {
                miette::miette!(
                    code = "palisade::lock::sign",
                    "cannot write {}: {e}",
                    palisade_evidence::LOCK_SIGNATURE_FILE
                )
            })?;
            if !crate::quiet() {
                println!(
                    "signed {shown}: wrote {} (key hint {})",
                    palisade_evidence::LOCK_SIGNATURE_FILE,
                    palisade_sigstore::keys::pem_hint(&public_pem)
                );
            }
        }
        None if signature_path.symlink_metadata().is_ok() && !changes.is_empty() => {
            eprintln!(
                "palisade: warning: {} signs the previous {shown}; sign the new one with `palisade lock --sign --key KEY`",
                palisade_evidence::LOCK_SIGNATURE_FILE
            );
        }
        None => {}
    }
    Ok(crate::ALLOWED)
}

/// Runs `palisade hash`: blake3 and sha256 of each path; a directory is hashed file by file
/// like OpenSSF model signing does, and its root digests are over the per-file digests.
pub fn hash(args: HashArgs) -> miette::Result<u8> {
    let options = HashOptions {
        progress: !crate::quiet() && std::io::stderr().is_terminal(),
        ..HashOptions::default()
    };
    let trees = palisade_hash::hash_paths(&args.paths, &options).map_err(Report::new)?;
    let mut out = String::new();
    if args.json {
        let entries: serde_json::Map<String, serde_json::Value> = args
            .paths
            .iter()
            .zip(&trees)
            .map(|(path, tree)| {
                let entry =
                    palisade_hash::lock::Lockfile::entry_from(&path.display().to_string(), tree);
                (
                    path.display().to_string(),
                    serde_json::to_value(entry).unwrap_or_default(),
                )
            })
            .collect();
        out.push_str(
            &serde_json::to_string_pretty(&serde_json::Value::Object(entries)).unwrap_or_default(),
        );
        out.push('\n');
    } else {
        for (path, tree) in args.paths.iter().zip(&trees) {
            let what = match tree.kind {
                TreeKind::File => String::new(),
                // Not any file's digest: the two sha256 values a model folder has (a file's
                // own and this one) must not be confused.
                TreeKind::Directory => format!(
                    "  ({} files; digests over the files' digests, as OpenSSF model signing computes its subject)",
                    tree.files.len()
                ),
            };
            out.push_str(&format!(
                "{}  {}{what}\n",
                digests_text(&tree.root),
                path.display()
            ));
            if args.files && tree.kind == TreeKind::Directory {
                for file in &tree.files {
                    out.push_str(&format!(
                        "  {}  {}\n",
                        digests_text(&file.digests),
                        file.path
                    ));
                }
            }
        }
    }
    crate::write_output(None, &out)?;
    Ok(crate::ALLOWED)
}

/// `blake3:<hex>  sha256:<hex>`, with the digests that were computed.
fn digests_text(digests: &palisade_hash::Digests) -> String {
    [Algorithm::Blake3, Algorithm::Sha256]
        .into_iter()
        .filter_map(|a| digests.hex(a).map(|h| format!("{}:{h}", a.name())))
        .collect::<Vec<_>>()
        .join("  ")
}
