//! `palisade.lock`: the pinned digests of every local artifact path, and the comparison of a
//! fresh hash against them.
//!
//! The lock is the integrity pin, and blake3 is enough for that: `palisade lock` computes and
//! writes blake3 alone ([`PINNED`]), which is several times faster than sha256. sha256 digests
//! (signature and provenance subjects, model-signing manifests) are computed from the files
//! when they are needed, never taken from the lock: the lock is not signed, and a digest in it
//! says nothing about bytes it was not checked against.
//!
//! The file is pretty JSON with a stable order and a trailing newline, so that a change shows up
//! as a small, reviewable diff:
//!
//! ```json
//! {
//!   "version": 2,
//!   "artifacts": {
//!     "dataset transactions": {
//!       "path": "data/transactions.csv",
//!       "kind": "file",
//!       "size": 1234,
//!       "blake3": "…64 hex digits…",
//!       "files": [ { "path": "transactions.csv", "size": 1234, "blake3": "…" } ]
//!     }
//!   }
//! }
//! ```
//!
//! Version 2 entries carry `blake3`, `sha256` or both, the same ones for the entry and each of
//! its files. Version 1 (the first format) carries both everywhere; it is still read, and
//! [`Lockfile::write`] writes it back as version 2.

// A lock error carries the file's text for its labelled snippet; it is built once, on the cold
// path, so its size does not matter.
#![allow(clippy::result_large_err)]

mod err;
mod locate;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use miette::{NamedSource, SourceSpan};
use serde::Serialize;
use serde_json::{Map, Value};

pub use err::LockError;

use crate::{Algorithm, Algorithms, TreeDigests, TreeKind};

/// The lock file format this code writes.
pub const VERSION: u32 = 2;
/// The first format, where every entry and file carries both blake3 and sha256; still read.
pub const VERSION_1: u32 = 1;
/// The digests `palisade lock` pins: blake3 alone.
pub const PINNED: Algorithms = Algorithms::Blake3;
/// A larger lock file is refused before it is parsed.
pub const MAX_LOCK_BYTES: u64 = 64 * 1024 * 1024;

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockfile {
    /// The format version the file was read in ([`VERSION`] for a new lock). Whatever it says,
    /// [`Lockfile::write`] writes [`VERSION`]: every entry that reads fits it.
    #[serde(serialize_with = "current_version")]
    pub version: u32,
    /// Keyed by `"<kind> <name>"`, e.g. `"dataset transactions"`.
    pub artifacts: BTreeMap<String, LockEntry>,
}

/// One pinned artifact path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockEntry {
    /// The artifact's `path` as written in the pipeline (relative to the pipeline's folder).
    pub path: String,
    /// File or directory.
    pub kind: TreeKind,
    /// Total bytes.
    pub size: u64,
    /// Root blake3, lowercase hex (see [`crate::TreeDigests::root`]), if pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// Root sha256, lowercase hex, if pinned (always in version 1; written by version 2 only
    /// when the tree it was made from had sha256).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The artifact's `ignore = [...]` patterns as written in the pipeline when the lock was
    /// made (absent when it has none). A pipeline whose list differs does not verify against
    /// this entry: adding an ignore pattern cannot hide a file without re-locking.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Every file, each with the digests the entry has; for a single file, one entry named
    /// after it.
    pub files: Vec<LockedFile>,
}

/// One pinned file of an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedFile {
    /// Relative to the artifact's directory, '/'-separated (for a single file: its name).
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// blake3, lowercase hex, if pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// sha256, lowercase hex, if pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl LockEntry {
    /// The root digest of `algorithm`, if the entry pins it.
    pub fn digest(&self, algorithm: Algorithm) -> Option<&str> {
        match algorithm {
            Algorithm::Blake3 => self.blake3.as_deref(),
            Algorithm::Sha256 => self.sha256.as_deref(),
        }
    }

    /// Which digests the entry pins (`None` for an entry with none, which never verifies).
    pub fn algorithms(&self) -> Option<Algorithms> {
        Algorithms::from_flags(self.blake3.is_some(), self.sha256.is_some())
    }
}

impl LockedFile {
    /// The file's digest of `algorithm`, if pinned.
    pub fn digest(&self, algorithm: Algorithm) -> Option<&str> {
        match algorithm {
            Algorithm::Blake3 => self.blake3.as_deref(),
            Algorithm::Sha256 => self.sha256.as_deref(),
        }
    }
}

/// How an artifact compares with its lock entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// Every file matches: same size, and every digest both sides have is equal (they share at
    /// least one).
    Verified,
    /// Something differs: the changed files, sorted by path.
    Mismatch(Vec<Change>),
    /// The lock has no entry for it.
    Unpinned,
}

/// One difference between the lock and the files on disk (relative file paths).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// In both, but its size or a digest differs, or no digest was computed that the lock pins
    /// it by (it cannot be shown unchanged). `"."` when only the artifact as a whole differs
    /// (its kind changed, or the lock's root digest disagrees with its own files).
    Modified(String),
    /// On disk, not in the lock.
    Added(String),
    /// In the lock, not on disk.
    Removed(String),
    /// The artifact's `ignore` patterns differ from those the lock was made with: the lock's
    /// list, then the pipeline's.
    Ignore(Vec<String>, Vec<String>),
}

impl Change {
    /// The relative path the change is about.
    pub fn path(&self) -> &str {
        match self {
            Change::Modified(p) | Change::Added(p) | Change::Removed(p) => p,
            Change::Ignore(..) => ".",
        }
    }
}

impl Default for Lockfile {
    fn default() -> Self {
        Lockfile {
            version: VERSION,
            artifacts: BTreeMap::new(),
        }
    }
}

impl Lockfile {
    /// Reads and validates a lock file: its version, every field's type, 64-digit lowercase hex
    /// digests, safe relative file paths, no duplicate keys or files, sizes that add up.
    pub fn read(path: &Path) -> Result<Lockfile, LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let mut bytes = Vec::new();
        // Read one byte past the limit to tell "at the limit" from "over it" without trusting
        // metadata (the file may be a pipe or grow meanwhile).
        file.take(MAX_LOCK_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if bytes.len() as u64 > MAX_LOCK_BYTES {
            return Err(LockError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_LOCK_BYTES,
            });
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let (line, column) = line_column(&text, offset);
                return Err(LockError::Syntax {
                    path: path.to_path_buf(),
                    line,
                    column,
                    reason: "not valid UTF-8".to_owned(),
                    src: NamedSource::new(path.display().to_string(), text),
                    span: SourceSpan::from(offset..offset),
                });
            }
        };
        Self::parse(path, text)
    }

    /// Parses lock-file text; `path` is only used in errors.
    pub fn parse(path: &Path, text: String) -> Result<Lockfile, LockError> {
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                let offset = offset_of(&text, e.line(), e.column());
                return Err(LockError::Syntax {
                    path: path.to_path_buf(),
                    line: e.line(),
                    column: e.column(),
                    reason: strip_position(&e.to_string()),
                    src: NamedSource::new(path.display().to_string(), text),
                    span: SourceSpan::from(offset..offset),
                });
            }
        };
        let ctx = Ctx { path, text: &text };
        if let Some(dup) = locate::first_duplicate(&text) {
            return Err(ctx.invalid_at(dup.pointer, "duplicate key".to_owned(), Some(dup.span)));
        }
        ctx.lockfile(&value)
    }

    /// Writes the lock file atomically (a temporary file in the same folder, then a rename), as
    /// pretty JSON with a trailing newline.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = self.to_json().map_err(|e| io_err(e.into()))?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".palisade.lock.")
            .tempfile_in(dir)
            .map_err(io_err)?;
        tmp.write_all(text.as_bytes()).map_err(io_err)?;
        tmp.as_file().sync_all().map_err(io_err)?;
        tmp.persist(path).map_err(|e| io_err(e.error))?;
        Ok(())
    }

    /// The text [`Lockfile::write`] writes.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// The lock entry for an artifact whose pipeline `path` hashed to `tree`, pinning the
    /// digests `tree` has (hash with [`PINNED`] for what `palisade lock` writes).
    pub fn entry_from(path: &str, tree: &TreeDigests) -> LockEntry {
        LockEntry {
            path: path.to_owned(),
            kind: tree.kind,
            size: tree.root.size,
            blake3: tree.root.blake3_hex(),
            sha256: tree.root.sha256_hex(),
            ignore: Vec::new(),
            files: tree
                .files
                .iter()
                .map(|f| LockedFile {
                    path: f.path.clone(),
                    size: f.digests.size,
                    blake3: f.digests.blake3_hex(),
                    sha256: f.digests.sha256_hex(),
                })
                .collect(),
        }
    }

    /// The cheapest digests to compute so that every entry can be checked (each shares one
    /// with them) and `needed` is among them: blake3 when the entries allow it, sha256 when
    /// sha256 is needed anyway and every entry pins it (a version 1 lock), both otherwise.
    pub fn algorithms_to_check(&self, needed: Option<Algorithms>) -> Algorithms {
        // Cheapest first: blake3 costs about half of sha256 on the CPU.
        [Algorithms::Blake3, Algorithms::Sha256, Algorithms::Both]
            .into_iter()
            .find(|&candidate| {
                needed.is_none_or(|n| candidate.union(n) == candidate)
                    && self.artifacts.values().all(|e| {
                        e.algorithms()
                            .is_none_or(|pinned| shares_one(candidate, pinned))
                    })
            })
            .unwrap_or(Algorithms::Both)
    }
}

/// Whether the two sets have an algorithm in common.
fn shares_one(a: Algorithms, b: Algorithms) -> bool {
    [Algorithm::Blake3, Algorithm::Sha256]
        .into_iter()
        .any(|alg| a.contains(alg) && b.contains(alg))
}

/// Writes [`VERSION`] whatever the lock was read as.
fn current_version<S: serde::Serializer>(_: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u32(VERSION)
}

/// Compares what is on disk now with the lock entry (if any). Only digests both sides have are
/// compared; a file (or root) sharing none with the lock is [`Change::Modified`]: what cannot be
/// checked is never verified.
pub fn check(entry: Option<&LockEntry>, actual: &TreeDigests) -> Integrity {
    check_entry(entry, &Lockfile::entry_from("", actual))
}

/// [`check`] against a lock entry made from a fresh hash (`palisade lock --check` compares the
/// lock it would write with the one on disk this way, so that a version 1 entry pinning both
/// digests still matches a fresh blake3-only one). The entries' `path`s are not compared.
pub fn check_entry(entry: Option<&LockEntry>, fresh: &LockEntry) -> Integrity {
    let Some(entry) = entry else {
        return Integrity::Unpinned;
    };
    if entry.ignore != fresh.ignore {
        // Checked first and alone: with another list the files compared are other files.
        return Integrity::Mismatch(vec![Change::Ignore(
            entry.ignore.clone(),
            fresh.ignore.clone(),
        )]);
    }
    let locked: BTreeMap<&str, &LockedFile> =
        entry.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut changes = BTreeSet::new();
    let mut seen = HashSet::new();
    for file in &fresh.files {
        seen.insert(file.path.as_str());
        match locked.get(file.path.as_str()) {
            None => {
                changes.insert(Change::Added(file.path.clone()));
            }
            Some(l) => {
                if l.size != file.size || !digests_agree(|a| l.digest(a), |a| file.digest(a)) {
                    changes.insert(Change::Modified(file.path.clone()));
                }
            }
        }
    }
    for path in locked.keys() {
        if !seen.contains(path) {
            changes.insert(Change::Removed((*path).to_owned()));
        }
    }
    let root_differs = entry.kind != fresh.kind
        || entry.size != fresh.size
        || !digests_agree(|a| entry.digest(a), |a| fresh.digest(a));
    if changes.is_empty() && root_differs {
        changes.insert(Change::Modified(".".to_owned()));
    }
    if changes.is_empty() {
        Integrity::Verified
    } else {
        let mut changes: Vec<Change> = changes.into_iter().collect();
        changes.sort_by(|a, b| a.path().cmp(b.path()).then_with(|| a.cmp(b)));
        Integrity::Mismatch(changes)
    }
}

/// True when every digest both sides have is equal and they have at least one in common.
fn digests_agree<'a, 'b>(
    locked: impl Fn(Algorithm) -> Option<&'a str>,
    fresh: impl Fn(Algorithm) -> Option<&'b str>,
) -> bool {
    let mut compared = false;
    for algorithm in [Algorithm::Blake3, Algorithm::Sha256] {
        if let (Some(l), Some(f)) = (locked(algorithm), fresh(algorithm)) {
            if l != f {
                return false;
            }
            compared = true;
        }
    }
    compared
}

/// Validation context: the file being read, for error messages.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

type Object = Map<String, Value>;

impl Ctx<'_> {
    fn invalid_at(
        &self,
        pointer: String,
        reason: String,
        span: Option<std::ops::Range<usize>>,
    ) -> LockError {
        LockError::Invalid {
            path: self.path.to_path_buf(),
            pointer,
            reason,
            src: NamedSource::new(self.path.display().to_string(), self.text.to_owned()),
            span: span.map(SourceSpan::from),
        }
    }

    fn invalid(&self, pointer: &str, reason: impl Into<String>) -> LockError {
        let span = locate::find(self.text, pointer);
        self.invalid_at(pointer.to_owned(), reason.into(), span)
    }

    /// The object at `pointer`, with no field outside `fields` and every one of them present
    /// except those in `optional`.
    fn object<'v>(
        &self,
        value: &'v Value,
        pointer: &str,
        fields: &[&str],
        optional: &[&str],
    ) -> Result<&'v Object, LockError> {
        let obj = value.as_object().ok_or_else(|| {
            self.invalid(
                pointer,
                format!("expected an object, found {}", type_name(value)),
            )
        })?;
        for key in obj.keys() {
            if !fields.contains(&key.as_str()) {
                return Err(self.invalid(
                    &format!("{pointer}/{}", locate::escape(key)),
                    format!(
                        "unknown field `{key}`, expected one of {}",
                        fields.join(", ")
                    ),
                ));
            }
        }
        for field in fields {
            if !optional.contains(field) && !obj.contains_key(*field) {
                return Err(self.invalid(pointer, format!("missing field `{field}`")));
            }
        }
        Ok(obj)
    }

    fn string<'v>(
        &self,
        obj: &'v Object,
        pointer: &str,
        field: &str,
    ) -> Result<&'v str, LockError> {
        let value = field_of(obj, field);
        value.as_str().ok_or_else(|| {
            self.invalid(
                &format!("{pointer}/{field}"),
                format!("expected a string, found {}", type_name(value)),
            )
        })
    }

    fn size(&self, obj: &Object, pointer: &str, field: &str) -> Result<u64, LockError> {
        let value = field_of(obj, field);
        value.as_u64().ok_or_else(|| {
            self.invalid(
                &format!("{pointer}/{field}"),
                format!(
                    "expected a non-negative integer, found {}",
                    type_name(value)
                ),
            )
        })
    }

    fn digest(&self, obj: &Object, pointer: &str, field: &str) -> Result<String, LockError> {
        let s = self.string(obj, pointer, field)?;
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(self.invalid(
                &format!("{pointer}/{field}"),
                format!(
                    "expected a {field} digest of 64 lowercase hex digits, found {} characters",
                    s.chars().count()
                ),
            ));
        }
        Ok(s.to_owned())
    }

    /// The digest fields of an entry or file: both required in version 1, either or both in
    /// version 2.
    fn digests(
        &self,
        obj: &Object,
        pointer: &str,
        version: u32,
    ) -> Result<(Option<String>, Option<String>), LockError> {
        let read = |field: &str| -> Result<Option<String>, LockError> {
            if version == VERSION_1 || obj.contains_key(field) {
                self.digest(obj, pointer, field).map(Some)
            } else {
                Ok(None)
            }
        };
        Ok((read("blake3")?, read("sha256")?))
    }

    fn lockfile(&self, value: &Value) -> Result<Lockfile, LockError> {
        let root = self.object(value, "", &["version", "artifacts"], &[])?;
        let version_value = field_of(root, "version");
        let version = match version_value.as_u64() {
            Some(v) if v == u64::from(VERSION_1) => VERSION_1,
            Some(v) if v == u64::from(VERSION) => VERSION,
            _ => {
                return Err(self.invalid(
                    "/version",
                    format!(
                        "unsupported version {version_value} (this palisade reads versions \
                         {VERSION_1} and {VERSION})"
                    ),
                ));
            }
        };
        let artifacts_value = field_of(root, "artifacts");
        let artifacts = artifacts_value.as_object().ok_or_else(|| {
            self.invalid(
                "/artifacts",
                format!("expected an object, found {}", type_name(artifacts_value)),
            )
        })?;
        let mut out = BTreeMap::new();
        for (key, entry) in artifacts {
            let pointer = format!("/artifacts/{}", locate::escape(key));
            let well_formed = key
                .split_once(' ')
                .is_some_and(|(kind, name)| !kind.is_empty() && !name.is_empty());
            if !well_formed {
                return Err(self.invalid(
                    &pointer,
                    format!("key `{key}` is not of the form `<kind> <name>`"),
                ));
            }
            out.insert(key.clone(), self.entry(entry, &pointer, version)?);
        }
        Ok(Lockfile {
            version,
            artifacts: out,
        })
    }

    fn entry(&self, value: &Value, pointer: &str, version: u32) -> Result<LockEntry, LockError> {
        let optional: &[&str] = if version == VERSION_1 {
            &[]
        } else {
            &["blake3", "sha256"]
        };
        let obj = self.object(
            value,
            pointer,
            &[
                "path", "kind", "size", "blake3", "sha256", "ignore", "files",
            ],
            &[optional, &["ignore"]].concat(),
        )?;
        let path = self.string(obj, pointer, "path")?;
        if path.is_empty() {
            return Err(self.invalid(&format!("{pointer}/path"), "expected a non-empty path"));
        }
        let kind = match self.string(obj, pointer, "kind")? {
            "file" => TreeKind::File,
            "directory" => TreeKind::Directory,
            other => {
                return Err(self.invalid(
                    &format!("{pointer}/kind"),
                    format!("expected \"file\" or \"directory\", found {other:?}"),
                ));
            }
        };
        let size = self.size(obj, pointer, "size")?;
        let ignore = self.ignore(obj, pointer)?;
        let (blake3, sha256) = self.digests(obj, pointer, version)?;
        let pinned = (blake3.is_some(), sha256.is_some());
        if pinned == (false, false) {
            return Err(self.invalid(
                pointer,
                "the entry pins no digest: expected `blake3`, `sha256` or both",
            ));
        }
        let files_pointer = format!("{pointer}/files");
        let files_value = field_of(obj, "files");
        let list = files_value.as_array().ok_or_else(|| {
            self.invalid(
                &files_pointer,
                format!("expected an array, found {}", type_name(files_value)),
            )
        })?;
        if kind == TreeKind::File && list.len() != 1 {
            return Err(self.invalid(
                &files_pointer,
                format!(
                    "a file artifact lists exactly one file, found {}",
                    list.len()
                ),
            ));
        }
        let mut files = Vec::with_capacity(list.len());
        let mut names = HashSet::new();
        let mut total: u64 = 0;
        for (i, file) in list.iter().enumerate() {
            let fp = format!("{files_pointer}/{i}");
            let fobj = self.object(file, &fp, &["path", "size", "blake3", "sha256"], optional)?;
            let rel = self.string(fobj, &fp, "path")?;
            if let Some(reason) = unsafe_relative_path(rel) {
                return Err(self.invalid(&format!("{fp}/path"), reason));
            }
            if !names.insert(rel) {
                return Err(self.invalid(
                    &format!("{fp}/path"),
                    format!("file `{rel}` is listed twice"),
                ));
            }
            let fsize = self.size(fobj, &fp, "size")?;
            total = total.saturating_add(fsize);
            let (fblake3, fsha256) = self.digests(fobj, &fp, version)?;
            let file_pins = (fblake3.is_some(), fsha256.is_some());
            if file_pins != pinned {
                return Err(self.invalid(
                    &fp,
                    format!(
                        "the file pins {}, its entry pins {}: every file carries the entry's \
                         digests",
                        pin_names(file_pins),
                        pin_names(pinned)
                    ),
                ));
            }
            files.push(LockedFile {
                path: rel.to_owned(),
                size: fsize,
                blake3: fblake3,
                sha256: fsha256,
            });
        }
        if total != size {
            return Err(self.invalid(
                &format!("{pointer}/size"),
                format!("size is {size} but the files add up to {total}"),
            ));
        }
        Ok(LockEntry {
            path: path.to_owned(),
            kind,
            size,
            blake3,
            sha256,
            ignore,
            files,
        })
    }

    /// The optional `ignore` list: strings, each a valid pattern.
    fn ignore(&self, obj: &Object, pointer: &str) -> Result<Vec<String>, LockError> {
        let Some(value) = obj.get("ignore") else {
            return Ok(Vec::new());
        };
        let ip = format!("{pointer}/ignore");
        let list = value.as_array().ok_or_else(|| {
            self.invalid(
                &ip,
                format!("expected an array of strings, found {}", type_name(value)),
            )
        })?;
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let text = item.as_str().ok_or_else(|| {
                self.invalid(
                    &format!("{ip}/{i}"),
                    format!("expected a string, found {}", type_name(item)),
                )
            })?;
            out.push(text.to_owned());
        }
        if let Err(e) = palisade_core::ignore::IgnoreList::parse(&out) {
            return Err(self.invalid(&ip, e.to_string()));
        }
        Ok(out)
    }
}

/// "blake3", "sha256", "blake3 and sha256" or "no digest".
fn pin_names((blake3, sha256): (bool, bool)) -> &'static str {
    match (blake3, sha256) {
        (true, true) => "blake3 and sha256",
        (true, false) => "blake3",
        (false, true) => "sha256",
        (false, false) => "no digest",
    }
}

/// Why a locked file path is not a plain relative '/'-separated path, if it is not.
fn unsafe_relative_path(rel: &str) -> Option<String> {
    if rel.is_empty() {
        return Some("expected a non-empty relative path".to_owned());
    }
    if rel.starts_with('/') || rel.contains('\\') {
        return Some(format!("`{rel}` is not a relative '/'-separated path"));
    }
    if rel
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Some(format!("`{rel}` has an empty, `.` or `..` component"));
    }
    None
}

/// The value of a field `object()` has already checked is present (`null` otherwise, which
/// every caller rejects), without the panicking `Index`.
fn field_of<'v>(obj: &'v Object, name: &str) -> &'v Value {
    static NULL: Value = Value::Null;
    obj.get(name).unwrap_or(&NULL)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() => "an integer",
        Value::Number(n) if n.is_i64() => "a negative integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// serde_json appends " at line L column C", which the error prints separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests;
