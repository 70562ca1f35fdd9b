//! OpenSSF model signatures (`model_signing`, predicate `https://model_signing/signature/v1.0`):
//! verify the bundle, then re-hash the model and compare it with the signed resource list.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::bundle::Bundle;
use crate::intoto::parse_statement;
use crate::verify::{Outcome, TrustedAuthority, TrustedKey, verify_bundle};

/// Predicate type of model_signing v1.0 signatures.
pub const PREDICATE_V1: &str = "https://model_signing/signature/v1.0";
/// Predicate type of model_signing v0.2 signatures (subjects are the files, sha256).
pub const PREDICATE_V0_2: &str = "https://model_signing/Digests/v0.1";

/// Most files (or shards) a model may have.
pub const MAX_RESOURCES: usize = 1_000_000;
/// Deepest folder nesting inside a model.
pub const MAX_DEPTH: usize = 64;

/// The result of checking a model signature: the signature and the files, separately, so a
/// report can say which failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelVerification {
    /// Whether a trusted key or authority signed the bundle.
    pub signature: Outcome,
    /// Whether the model on disk is the one that was signed.
    pub files: FileCheck,
}

/// How the model on disk compares with the signed resource list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileCheck {
    /// Every signed file (or shard) is present with the signed digest, and nothing else is.
    Match,
    /// Differences, by resource name (relative POSIX path, or `path:start:end` for shards).
    Mismatch {
        /// Present, but with another digest.
        modified: Vec<String>,
        /// Signed, but not on disk.
        missing: Vec<String>,
        /// On disk (and not ignored), but not signed.
        extra: Vec<String>,
    },
    /// The signature uses a serialization or hash we cannot recompute (the reason says which).
    Unsupported(String),
    /// The signed statement contradicts itself: its subject digest is not the digest of its
    /// resource list, so it was not made by model_signing (or was made wrongly).
    Inconsistent(String),
}

/// Why a model signature could not be checked at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ModelSigningError {
    /// The bundle does not hold a model_signing statement.
    #[error("not an OpenSSF model signature: at {path}: {reason}")]
    #[diagnostic(code(palisade::model_signing::payload))]
    Payload {
        /// JSON-pointer-like path inside the signed statement (`/` for the whole).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file of the model could not be read.
    #[error("{}: cannot read: {reason}", path.display())]
    #[diagnostic(code(palisade::model_signing::io))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The model contains a symbolic link; following it could read outside the model.
    #[error("{}: symbolic links are refused inside a signed model", path.display())]
    #[diagnostic(code(palisade::model_signing::symlink))]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The model is too large to list (files, shards or nesting).
    #[error("{}: {reason}", path.display())]
    #[diagnostic(code(palisade::model_signing::limit))]
    Limit {
        /// The model.
        path: PathBuf,
        /// Which limit was passed.
        reason: String,
    },
}

fn payload_err(path: &str, reason: impl Into<String>) -> ModelSigningError {
    ModelSigningError::Payload {
        path: if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        },
        reason: reason.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HashKind {
    Sha256,
    Blake3,
}

enum Method {
    Files,
    Shards(u64),
}

struct Signed {
    method: Method,
    hash: HashKind,
    ignore_paths: Vec<String>,
    /// Resource name → lowercase hex digest, in the statement's order for the subject check.
    resources: Vec<(String, String)>,
}

/// Verifies an OpenSSF model signature over the model at `model_path` (a file or a folder).
///
/// The bundle's signature is checked with [`verify_bundle`]; independently, the model is
/// re-hashed with the signature's serialization (`files` or `shards`, sha256 or blake3,
/// minus its `ignore_paths`) and compared with the signed resources and subject digest
/// (sha256 over the concatenated raw resource digests, in the statement's order).
/// Symbolic links are refused. A signature file inside the model folder must be listed in
/// the predicate's `ignore_paths` (model_signing does that when signing), or it counts as extra.
pub fn verify_model(
    bundle: &Bundle,
    model_path: &Path,
    keys: &[TrustedKey],
    authorities: &[TrustedAuthority],
    now: SystemTime,
) -> Result<ModelVerification, ModelSigningError> {
    let signature = verify_bundle(bundle, keys, authorities, None, now);
    let env = bundle.envelope().ok_or_else(|| {
        payload_err(
            "",
            "the bundle holds a message signature, not a DSSE envelope",
        )
    })?;
    let files = check_model_files(&env.payload_type, &env.payload, model_path)?;
    Ok(ModelVerification { signature, files })
}

/// Compares the model at `model_path` with a model_signing statement (the DSSE payload of a
/// model signature): re-hashes the model with the signed serialization and compares it with
/// the signed resources and subject digest. The signature itself is not checked here: the
/// caller verifies it (with [`verify_bundle`], or a keyless verifier) and passes the verified
/// payload.
pub fn check_model_files(
    payload_type: &str,
    payload: &[u8],
    model_path: &Path,
) -> Result<FileCheck, ModelSigningError> {
    if payload_type != "application/vnd.in-toto+json" {
        return Err(payload_err(
            "",
            format!("DSSE payload type `{payload_type}` is not `application/vnd.in-toto+json`"),
        ));
    }
    let statement = parse_statement(payload, "model signature statement")
        .map_err(|e| payload_err("", e.to_string()))?;
    let (signed, subject_check) = match statement.predicate_type.as_str() {
        PREDICATE_V1 => {
            let signed = match read_predicate(&statement.predicate)? {
                Ok(signed) => signed,
                Err(reason) => {
                    return Ok(FileCheck::Unsupported(reason));
                }
            };
            let check = check_subject(&statement.subjects, &signed.resources)?;
            (signed, check)
        }
        PREDICATE_V0_2 => {
            // The pre-1.0 format: every file is a subject with its sha256; nothing else.
            let mut resources = Vec::new();
            for (i, s) in statement.subjects.iter().enumerate() {
                let digest = s.digest.get("sha256").ok_or_else(|| {
                    payload_err(&format!("/subject/{i}/digest"), "no sha256 digest")
                })?;
                resources.push((s.name.clone(), digest.clone()));
            }
            let signed = Signed {
                method: Method::Files,
                hash: HashKind::Sha256,
                ignore_paths: Vec::new(),
                resources,
            };
            (signed, None)
        }
        other => {
            return Err(payload_err(
                "/predicateType",
                format!("`{other}` is not a model signature (expected `{PREDICATE_V1}`)"),
            ));
        }
    };
    if let Some(reason) = subject_check {
        return Ok(FileCheck::Inconsistent(reason));
    }
    compare(&signed, model_path)
}

/// The signed serialization; the inner `Err` is a serialization we cannot recompute (a fact
/// for the report, not a broken input).
fn read_predicate(predicate: &Value) -> Result<Result<Signed, String>, ModelSigningError> {
    let ser = predicate
        .get("serialization")
        .and_then(Value::as_object)
        .ok_or_else(|| payload_err("/predicate", "missing object `serialization`"))?;
    let method_name = ser
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| payload_err("/predicate/serialization", "missing string `method`"))?;
    let hash_name = ser
        .get("hash_type")
        .and_then(Value::as_str)
        .ok_or_else(|| payload_err("/predicate/serialization", "missing string `hash_type`"))?;
    let ignore_paths = match ser.get("ignore_paths") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(|s| s.trim_end_matches('/').to_string())
                    .ok_or_else(|| {
                        payload_err(
                            &format!("/predicate/serialization/ignore_paths/{i}"),
                            "expected a string",
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(payload_err(
                "/predicate/serialization/ignore_paths",
                "expected an array",
            ));
        }
    };
    let method = match method_name {
        "files" => Method::Files,
        "shards" => {
            let size = ser
                .get("shard_size")
                .and_then(Value::as_f64)
                .ok_or_else(|| {
                    payload_err("/predicate/serialization", "missing number `shard_size`")
                })?;
            // model_signing writes the size as a float (`8.0`); it must be a positive integer.
            if !(size >= 1.0 && size.fract() == 0.0 && size <= 9.0e15) {
                return Err(payload_err(
                    "/predicate/serialization/shard_size",
                    format!("{size} is not a positive whole number of bytes"),
                ));
            }
            // Checked above: a whole number in 1..=9e15, so the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Method::Shards(size as u64)
        }
        other => {
            return Ok(Err(format!(
                "serialization method `{other}` is not supported (files, shards)"
            )));
        }
    };
    let hash = match hash_name {
        "sha256" => HashKind::Sha256,
        "blake3" => HashKind::Blake3,
        other => {
            return Ok(Err(format!(
                "hash type `{other}` is not supported (sha256, blake3)"
            )));
        }
    };
    let list = predicate
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| payload_err("/predicate", "missing array `resources`"))?;
    if list.len() > MAX_RESOURCES {
        return Err(payload_err(
            "/predicate/resources",
            format!(
                "{} resources is more than the limit of {MAX_RESOURCES}",
                list.len()
            ),
        ));
    }
    let mut resources = Vec::with_capacity(list.len());
    let mut seen = BTreeSet::new();
    for (i, r) in list.iter().enumerate() {
        let p = format!("/predicate/resources/{i}");
        let name = r
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| payload_err(&p, "missing string `name`"))?;
        let digest = r
            .get("digest")
            .and_then(Value::as_str)
            .ok_or_else(|| payload_err(&p, "missing string `digest`"))?;
        if hex::decode(digest).map(|d| d.len()) != Ok(32) {
            return Err(payload_err(
                &format!("{p}/digest"),
                "not a 32-byte hex digest",
            ));
        }
        if !seen.insert(name.to_string()) {
            return Err(payload_err(
                &format!("{p}/name"),
                format!("`{name}` is listed twice"),
            ));
        }
        resources.push((name.to_string(), digest.to_ascii_lowercase()));
    }
    Ok(Ok(Signed {
        method,
        hash,
        ignore_paths,
        resources,
    }))
}

/// `None` when the subject digest matches the resources, else the reason it does not.
fn check_subject(
    subjects: &[crate::intoto::Subject],
    resources: &[(String, String)],
) -> Result<Option<String>, ModelSigningError> {
    let [subject] = subjects else {
        return Err(payload_err(
            "/subject",
            format!("expected one subject, found {}", subjects.len()),
        ));
    };
    let expected = subject
        .digest
        .get("sha256")
        .ok_or_else(|| payload_err("/subject/0/digest", "no sha256 digest"))?;
    let mut hasher = Sha256::new();
    for (_, digest) in resources {
        // Validated as 32-byte hex in read_predicate.
        hasher.update(hex::decode(digest).unwrap_or_default());
    }
    let actual = hex::encode(hasher.finalize());
    if actual == *expected {
        Ok(None)
    } else {
        Ok(Some(format!(
            "the subject `{}` has sha256 {expected}, but its resource list hashes to {actual}",
            subject.name
        )))
    }
}

fn compare(signed: &Signed, model_path: &Path) -> Result<FileCheck, ModelSigningError> {
    let files = list_files(model_path, &signed.ignore_paths)?;
    // Actual resource names, each with the file and byte range to hash.
    let mut actual: BTreeMap<String, (PathBuf, u64, Option<u64>)> = BTreeMap::new();
    for (name, path, len) in files {
        match signed.method {
            Method::Files => {
                actual.insert(name, (path, 0, None));
            }
            Method::Shards(size) => {
                let mut start = 0;
                while start < len {
                    let end = start.saturating_add(size).min(len);
                    actual.insert(
                        format!("{name}:{start}:{end}"),
                        (path.clone(), start, Some(end)),
                    );
                    if actual.len() > MAX_RESOURCES {
                        return Err(ModelSigningError::Limit {
                            path: model_path.to_path_buf(),
                            reason: format!("more than {MAX_RESOURCES} shards"),
                        });
                    }
                    start = end;
                }
            }
        }
    }
    let expected: BTreeMap<&str, &str> = signed
        .resources
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_str()))
        .collect();
    let mut modified = Vec::new();
    let mut missing = Vec::new();
    for (name, digest) in &expected {
        match actual.get(*name) {
            None => missing.push((*name).to_string()),
            Some((path, start, end)) => {
                let got = hash_range(path, *start, *end, signed.hash)?;
                if got != *digest {
                    modified.push((*name).to_string());
                }
            }
        }
    }
    let extra: Vec<String> = actual
        .keys()
        .filter(|n| !expected.contains_key(n.as_str()))
        .cloned()
        .collect();
    if modified.is_empty() && missing.is_empty() && extra.is_empty() {
        Ok(FileCheck::Match)
    } else {
        Ok(FileCheck::Mismatch {
            modified,
            missing,
            extra,
        })
    }
}

fn io_err(path: &Path, e: &std::io::Error) -> ModelSigningError {
    ModelSigningError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn is_ignored(name: &str, ignore_paths: &[String]) -> bool {
    ignore_paths.iter().any(|p| {
        name == p
            || name
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Every regular file of the model as (relative POSIX name, path, length), sorted by name.
/// A single-file model is named `.`, as model_signing names it.
fn list_files(
    model_path: &Path,
    ignore_paths: &[String],
) -> Result<Vec<(String, PathBuf, u64)>, ModelSigningError> {
    let meta = std::fs::symlink_metadata(model_path).map_err(|e| io_err(model_path, &e))?;
    if meta.file_type().is_symlink() {
        return Err(ModelSigningError::Symlink {
            path: model_path.to_path_buf(),
        });
    }
    if meta.is_file() {
        return Ok(vec![(
            ".".to_string(),
            model_path.to_path_buf(),
            meta.len(),
        )]);
    }
    let mut out = Vec::new();
    let mut stack = vec![(model_path.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ModelSigningError::Limit {
                path: dir,
                reason: format!("folders nested deeper than {MAX_DEPTH}"),
            });
        }
        for entry in std::fs::read_dir(&dir).map_err(|e| io_err(&dir, &e))? {
            let entry = entry.map_err(|e| io_err(&dir, &e))?;
            let path = entry.path();
            let Some(file_name) = entry.file_name().to_str().map(str::to_string) else {
                return Err(ModelSigningError::Io {
                    path,
                    reason: "the file name is not UTF-8".to_string(),
                });
            };
            let name = if prefix.is_empty() {
                file_name
            } else {
                format!("{prefix}/{file_name}")
            };
            if is_ignored(&name, ignore_paths) {
                continue;
            }
            let kind = entry.file_type().map_err(|e| io_err(&path, &e))?;
            if kind.is_symlink() {
                return Err(ModelSigningError::Symlink { path });
            } else if kind.is_dir() {
                stack.push((path, name, depth + 1));
            } else if kind.is_file() {
                let len = entry.metadata().map_err(|e| io_err(&path, &e))?.len();
                out.push((name, path, len));
                if out.len() > MAX_RESOURCES {
                    return Err(ModelSigningError::Limit {
                        path: model_path.to_path_buf(),
                        reason: format!("more than {MAX_RESOURCES} files"),
                    });
                }
            }
            // Sockets, FIFOs and devices are not model content: skipped, as model_signing does.
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Hex digest of `path`'s bytes from `start` to `end` (or to the end of the file).
fn hash_range(
    path: &Path,
    start: u64,
    end: Option<u64>,
    kind: HashKind,
) -> Result<String, ModelSigningError> {
    let mut file = std::fs::File::open(path).map_err(|e| io_err(path, &e))?;
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .map_err(|e| io_err(path, &e))?;
    }
    let mut remaining = end.map(|e| e.saturating_sub(start));
    let mut sha = Sha256::new();
    let mut b3 = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let want = match remaining {
            Some(0) => break,
            // Bounded by the buffer length, so the conversion cannot truncate.
            Some(r) => usize::try_from(r.min(buf.len() as u64)).unwrap_or(buf.len()),
            None => buf.len(),
        };
        let n = file.read(&mut buf[..want]).map_err(|e| io_err(path, &e))?;
        if n == 0 {
            break;
        }
        match kind {
            HashKind::Sha256 => sha.update(&buf[..n]),
            HashKind::Blake3 => {
                b3.update(&buf[..n]);
            }
        }
        if let Some(r) = remaining.as_mut() {
            *r -= n as u64;
        }
    }
    Ok(match kind {
        HashKind::Sha256 => hex::encode(sha.finalize()),
        HashKind::Blake3 => b3.finalize().to_hex().to_string(),
    })
}
