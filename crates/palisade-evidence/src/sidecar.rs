//! A stage's own signature beside an evidence file it wrote: `<file>.sigstore.json`, a
//! message signature or a DSSE statement whose subject is the file's sha256 (as `palisade
//! sign`, `cosign sign-blob --bundle` or `palisade run` write), verified against the stage's
//! `runs_as` identity (its key or CA). Tool output names neither who ran the tool nor on what,
//! so a declassification's PII scan and a red-team report are bound to their stage this way
//! (or by the stage's verified attestation, which `lineage` checks).

use std::path::PathBuf;

use palisade_graph::{EvidenceFile, SignatureState};
use palisade_syntax::{PathValue, Stage};

use crate::Context;

/// The file name suffix of an evidence file's signature, next to it.
pub(crate) const SIGNATURE_SUFFIX: &str = ".sigstore.json";

/// What checking the signature beside an evidence file found.
pub(crate) enum Sidecar {
    /// No `<file>.sigstore.json`.
    Absent(PathValue),
    /// Read: `problem` is why it does not verify against the stage's `runs_as` identity
    /// (`None`: it does).
    Checked {
        path: PathValue,
        problem: Option<String>,
        file: EvidenceFile,
    },
    /// There, but not a bundle palisade reads.
    Unreadable { path: PathValue, why: String },
}

impl Sidecar {
    /// Whether the signature verifies.
    pub(crate) fn verified(&self) -> bool {
        matches!(self, Sidecar::Checked { problem: None, .. })
    }

    /// Why the file (`subject`: "the scan") is not signed by the stage (`None`: it is).
    pub(crate) fn problem(&self, subject: &str) -> Option<String> {
        match self {
            Sidecar::Absent(path) => Some(format!(
                "{subject} is unsigned (no {:?} by the stage's runs_as identity)",
                path.written
            )),
            Sidecar::Checked { problem: None, .. } => None,
            Sidecar::Checked {
                path,
                problem: Some(why),
                ..
            } => Some(format!("its signature {:?} {why}", path.written)),
            Sidecar::Unreadable { path, why } => Some(format!(
                "its signature {:?} is unreadable: {why}",
                path.written
            )),
        }
    }

    /// The signature file read, to list among the evidence files.
    pub(crate) fn into_file(self) -> Option<EvidenceFile> {
        match self {
            Sidecar::Checked { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// Where the signature of `path` lives.
pub(crate) fn path_of(path: &PathValue) -> PathValue {
    PathValue {
        written: format!("{}{SIGNATURE_SUFFIX}", path.written),
        resolved: {
            let mut name = path.resolved.clone().into_os_string();
            name.push(SIGNATURE_SUFFIX);
            PathBuf::from(name)
        },
    }
}

/// Checks the signature beside `path` (whose content `file` was read) against `stage`'s
/// `runs_as` identity.
pub(crate) fn check(
    context: &Context<'_>,
    stage: &Stage,
    path: &PathValue,
    file: &EvidenceFile,
) -> Sidecar {
    let signature = path_of(path);
    if std::fs::symlink_metadata(&signature.resolved).is_err() {
        return Sidecar::Absent(signature);
    }
    let (bundle, read) = match crate::read::read_bundle(&context.folder, &signature, "a signature")
    {
        Ok(read) => read,
        Err(e) => {
            return Sidecar::Unreadable {
                path: signature,
                why: e.to_string(),
            };
        }
    };
    let Some(runs_as) = &stage.runs_as else {
        return Sidecar::Checked {
            path: signature,
            problem: Some("cannot be checked: the stage declares no `runs_as` identity".to_owned()),
            file: read,
        };
    };
    let trust = crate::lineage::identity_trust(context, &runs_as.value);
    let check = crate::trust::check_signature(
        &bundle,
        Some(&file.digest),
        &trust,
        context.now,
        &signature.written,
    );
    let problem = match check.state {
        SignatureState::Verified => None,
        _ => Some(format!(
            "does not verify against {}: {}",
            runs_as.value.name,
            check.reason.unwrap_or_default()
        )),
    };
    Sidecar::Checked {
        path: signature,
        problem,
        file: read,
    }
}
