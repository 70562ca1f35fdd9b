//! `palisade init`: a starter `pipeline.pal` inferred from what a repository already holds.
//!
//! One job: look at a folder and write down, as a pipeline, what it can tell — with a comment
//! on every inferred line saying where it came from, and a list of what it could not infer.
//! Nothing is guessed silently: where a line is an assumption (the release's exposure, which
//! key signed a signature) the comment says so, and `palisade evaluate` then checks it against
//! the evidence (a wrong key makes the signature invalid; it never makes it pass).
//!
//! | source | becomes |
//! | --- | --- |
//! | `dvc.yaml` stages (`cmd`, `deps`, `outs`, `params`, `metrics`) | `stage`s with `inputs` and `outputs`; each path a `code`, `dataset` or `model` by content (model formats), then extension, then folder name |
//! | `dvc.lock` md5 of each dep and out | cross-checked against the files: a difference is a [`DvcMismatch`] (an integrity fact, reported and written as a comment) |
//! | model files by content (pickle, safetensors, ONNX, GGUF, HDF5: `palisade-modelfmt`'s detection) | `model` declarations with `format`; a model's folder when it holds its config files |
//! | CycloneDX (JSON, XML) and SPDX (2.x JSON, 3.0 JSON-LD) documents | `bom` of the artifact they describe (by name, ML-BOM → the model, else the main code) |
//! | SARIF reports | `sast` / `dast` / `secrets` / `scans` by the tool's name |
//! | Sigstore bundles, model-signing bundles, DSSE envelopes next to what they sign (`X.sig`, `X.sigstore.json`, `X.intoto.json` …) | `signature` / `provenance` (+ `signed_by` the only public key, marked as an assumption) |
//! | PEM public keys (`*.pub`) | `key` declarations |
//! | stage attestations (`in-toto-run` links, `palisade run` link statements; SLSA provenance only when named after a `dvc.yaml` stage) | `stage`s with `inputs` (materials) and `outputs` (products) by path, `attestation =`, and `runs_as` an identity with the folder's public key that verifies it; a file that changed since the run is a comment |
//! | GitHub Actions workflows that build and push images | `image` declarations, an `identity` (`token.actions.githubusercontent.com`, the repository, the workflow) and a build `stage` running as it |
//!
//! ```no_run
//! let init = palisade_init::infer("my-repo".as_ref(), &mut |_| {})?;
//! println!("{}", init.pipeline);
//! for note in &init.not_inferred {
//!     eprintln!("not inferred: {note}");
//! }
//! # Ok::<(), palisade_init::InitError>(())
//! ```

mod attested;
mod dvc;
mod render;
mod scan;
mod suggest;
mod workflows;

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub use dvc::DvcMismatch;

/// What `init` could not do at all.
#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    /// The folder could not be listed.
    #[error("cannot read the folder {path}: {reason}")]
    #[diagnostic(
        code(palisade::init::read),
        help("run `palisade init` on a readable folder (default: the current one)")
    )]
    Read {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
    /// `pipeline.pal` exists and `--force` was not given.
    #[error("{path} already exists; palisade init does not overwrite it")]
    #[diagnostic(
        code(palisade::init::exists),
        help(
            "pass --force to replace it, or --stdout to print the inferred pipeline instead of writing it"
        )
    )]
    Exists {
        /// The existing file.
        path: String,
    },
    /// Writing the pipeline or the policies folder failed.
    #[error("cannot write {path}: {reason}")]
    #[diagnostic(code(palisade::init::write))]
    Write {
        /// The file or folder.
        path: String,
        /// Why.
        reason: String,
    },
}

/// What `init` inferred.
#[derive(Debug, Clone)]
pub struct Init {
    /// The starter `pipeline.pal`.
    pub pipeline: String,
    /// What it could not infer, one sentence each (also written as comments at the top of
    /// [`Init::pipeline`]).
    pub not_inferred: Vec<String>,
    /// Files that differ from the md5 `dvc.lock` records for them.
    pub dvc_mismatches: Vec<DvcMismatch>,
    /// Files looked at.
    pub files_scanned: usize,
    /// Declarations written, by kind (`code`, `dataset`, `model`, `image`, `stage`, `key`,
    /// `identity`, `release`).
    pub declared: Vec<(&'static str, usize)>,
}

/// An artifact kind, as the pipeline language spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Code,
    Dataset,
    Model,
    Image,
}

impl Kind {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Kind::Code => "code",
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Image => "image",
        }
    }
}

/// An attribute value with the comment saying where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Sourced {
    pub(crate) value: String,
    pub(crate) origin: String,
}

impl Sourced {
    pub(crate) fn new(value: impl Into<String>, origin: impl Into<String>) -> Sourced {
        Sourced {
            value: value.into(),
            origin: origin.into(),
        }
    }
}

/// One artifact declaration being inferred.
#[derive(Debug, Clone)]
pub(crate) struct Artifact {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    /// Why it is this kind of artifact.
    pub(crate) origin: String,
    /// A local path, relative to the root, `/`-separated.
    pub(crate) path: Option<String>,
    /// A remote reference (images).
    pub(crate) reference: Option<Sourced>,
    pub(crate) format: Option<Sourced>,
    pub(crate) bom: Option<Sourced>,
    pub(crate) sast: Vec<Sourced>,
    pub(crate) dast: Vec<Sourced>,
    pub(crate) secrets: Vec<Sourced>,
    pub(crate) scans: Vec<Sourced>,
    pub(crate) signature: Option<Sourced>,
    pub(crate) provenance: Option<Sourced>,
    pub(crate) signed_by: Option<Sourced>,
    /// Comments written above the declaration (a `dvc.lock` mismatch …).
    pub(crate) notes: Vec<String>,
}

impl Artifact {
    pub(crate) fn new(kind: Kind, name: String, origin: String) -> Artifact {
        Artifact {
            kind,
            name,
            origin,
            path: None,
            reference: None,
            format: None,
            bom: None,
            sast: Vec::new(),
            dast: Vec::new(),
            secrets: Vec::new(),
            scans: Vec::new(),
            signature: None,
            provenance: None,
            signed_by: None,
            notes: Vec::new(),
        }
    }
}

/// A stage being inferred.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    pub(crate) name: String,
    pub(crate) origin: String,
    /// Comments above the stage (its command, params, metrics).
    pub(crate) notes: Vec<String>,
    pub(crate) runs_as: Option<Sourced>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) outputs: Vec<usize>,
    /// Its attestations (signed records of a run), when the folder holds them.
    pub(crate) attestation: Vec<Sourced>,
}

/// A `key` or `identity` declaration: its lines are written as given.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    pub(crate) keyword: &'static str,
    pub(crate) name: String,
    pub(crate) origin: String,
    pub(crate) attributes: Vec<(&'static str, Sourced)>,
}

/// Everything inferred so far.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) root: PathBuf,
    pub(crate) artifacts: Vec<Artifact>,
    pub(crate) stages: Vec<Stage>,
    pub(crate) signers: Vec<Signer>,
    pub(crate) not_inferred: Vec<String>,
    pub(crate) dvc_mismatches: Vec<DvcMismatch>,
    /// Files whose md5 `dvc.lock` records and that were checked.
    pub(crate) dvc_checked: usize,
}

impl Model {
    /// The artifact with this local path, if one is declared.
    pub(crate) fn by_path(&self, path: &str) -> Option<usize> {
        self.artifacts
            .iter()
            .position(|a| a.path.as_deref() == Some(path))
    }

    /// A name for a new artifact of `kind`, unique among that kind's names.
    pub(crate) fn unique_name(&self, kind: Kind, wanted: &str) -> String {
        let base = if wanted.is_empty() {
            "artifact"
        } else {
            wanted
        };
        let taken = |name: &str| {
            self.artifacts
                .iter()
                .any(|a| a.kind == kind && a.name == name)
        };
        if !taken(base) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|name| !taken(name))
            .unwrap_or_else(|| base.to_owned())
    }

    /// Declares a local artifact (or returns the one already declared for the path).
    pub(crate) fn local(&mut self, kind: Kind, path: &str, origin: String) -> usize {
        if let Some(index) = self.by_path(path) {
            return index;
        }
        let name = self.unique_name(kind, &name_of(path));
        let mut artifact = Artifact::new(kind, name, origin);
        artifact.path = Some(path.to_owned());
        self.artifacts.push(artifact);
        self.artifacts.len() - 1
    }
}

/// A declaration name from a path: its last component without the extension(s).
pub(crate) fn name_of(path: &str) -> String {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    let stem = last.split('.').next().unwrap_or(last);
    let stem = if stem.is_empty() { last } else { stem };
    stem.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Infers a starter pipeline for the folder `root`. `progress` is called with the number of
/// files looked at so far, every 1,000 files (for a progress line on large folders).
pub fn infer(root: &Path, progress: &mut dyn FnMut(usize)) -> Result<Init, InitError> {
    let files = scan::walk(root, progress)?;
    let mut model = Model {
        root: root.to_path_buf(),
        ..Model::default()
    };
    let mut found = scan::classify(root, &files, &mut model);
    dvc::infer(&mut model, &found);
    scan::declare_models(&mut model, &found);
    scan::declare_unstaged(&mut model, &found);
    workflows::infer(&mut model, &found);
    attested::infer(&mut model, &mut found);
    scan::attach(&mut model, &found);
    let pipeline = render::render(&model, root);
    let mut declared: Vec<(&'static str, usize)> = Vec::new();
    for kind in [Kind::Code, Kind::Dataset, Kind::Model, Kind::Image] {
        let n = model.artifacts.iter().filter(|a| a.kind == kind).count();
        declared.push((kind.keyword(), n));
    }
    declared.push(("stage", model.stages.len()));
    for keyword in ["key", "identity"] {
        let n = model
            .signers
            .iter()
            .filter(|s| s.keyword == keyword)
            .count();
        declared.push((keyword, n));
    }
    declared.push(("release", usize::from(render::has_release(&model))));
    Ok(Init {
        pipeline,
        not_inferred: model.not_inferred,
        dvc_mismatches: model.dvc_mismatches,
        files_scanned: files.len(),
        declared,
    })
}

/// Writes `pipeline.pal` (refusing to replace one unless `force`) and, when the folder has
/// none, `policies/` with a starter policy file. Returns the files written.
pub fn write(root: &Path, init: &Init, force: bool) -> Result<Vec<PathBuf>, InitError> {
    let target = root.join("pipeline.pal");
    let failed = |path: &Path, e: std::io::Error| InitError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    // `symlink_metadata`, not `exists`: a (dangling) symlink planted as pipeline.pal or
    // policies/ must not make init write outside the folder, with or without --force.
    let link = |path: &Path| {
        std::fs::symlink_metadata(path)
            .ok()
            .map(|m| m.file_type().is_symlink())
    };
    for path in [&target, &root.join("policies")] {
        if link(path) == Some(true) {
            return Err(failed(
                path,
                std::io::Error::other("it is a symbolic link; palisade init writes no link"),
            ));
        }
    }
    if link(&target).is_some() && !force {
        return Err(InitError::Exists {
            path: target.display().to_string(),
        });
    }
    let mut written = Vec::new();
    let policies = root.join("policies");
    if link(&policies).is_none() {
        std::fs::create_dir_all(&policies).map_err(|e| failed(&policies, e))?;
        let file = policies.join("team.cedar");
        std::fs::write(&file, render::STARTER_POLICY).map_err(|e| failed(&file, e))?;
        written.push(file);
    }
    std::fs::write(&target, &init.pipeline).map_err(|e| failed(&target, e))?;
    written.insert(0, target);
    Ok(written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// A pipeline.pal planted as a symlink (dangling or not) is never written through.
    #[cfg(unix)]
    #[test]
    fn init_writes_no_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::os::unix::fs::symlink(&victim, dir.path().join("pipeline.pal")).unwrap();
        let init = Init {
            pipeline: "pipeline \"p\" {}\n".to_owned(),
            not_inferred: Vec::new(),
            dvc_mismatches: Vec::new(),
            files_scanned: 0,
            declared: Vec::new(),
        };
        for force in [false, true] {
            let err = write(dir.path(), &init, force).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
            assert!(!victim.exists());
        }
    }

    #[test]
    fn names_come_from_the_last_path_component() {
        assert_eq!(name_of("data/transactions.csv"), "transactions");
        assert_eq!(name_of("models/fraud-xgb/"), "fraud-xgb");
        assert_eq!(name_of("a b\"c.txt"), "a-b-c");
        assert_eq!(name_of(".hidden"), "-hidden");
    }
}
