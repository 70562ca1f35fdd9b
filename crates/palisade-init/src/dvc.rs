//! DVC: `dvc.yaml` stages become pipeline stages; `dvc.lock`'s md5 of every dependency and
//! output is checked against the files.
//!
//! dvc 3 records `hash: md5` with the md5 of the file's raw bytes (dvc 2 wrote no `hash` field
//! and normalised line endings of text files first; such entries are checked the same way and
//! may differ on CRLF files). A directory's entry (`md5: ….dir`) is the md5 of dvc's listing of
//! it in dvc's cache, which a checkout without the cache cannot recompute: those are reported
//! as not checked.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::scan::{Found, kind_of};
use crate::{Kind, Model, Stage};

/// Largest `dvc.yaml` / `dvc.lock` read.
const MAX_YAML_BYTES: u64 = 8 * 1024 * 1024;

/// A file whose content differs from what `dvc.lock` records for it: the data or model a
/// stage used or produced is not the one `dvc repro` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DvcMismatch {
    /// The file, relative to the folder.
    pub path: String,
    /// The `dvc.lock` stage that records it.
    pub stage: String,
    /// The md5 `dvc.lock` records.
    pub recorded: String,
    /// The file's md5 now; `None` when the file is missing or not a regular file.
    pub actual: Option<String>,
}

impl fmt::Display for DvcMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.actual {
            Some(actual) => write!(
                f,
                "{}: md5 {actual}, but dvc.lock (stage \"{}\") records {}",
                self.path, self.stage, self.recorded
            ),
            None => write!(
                f,
                "{}: missing or not a regular file, but dvc.lock (stage \"{}\") records md5 {}",
                self.path, self.stage, self.recorded
            ),
        }
    }
}

/// A YAML mapping in document order (stage order matters to a reader of the pipeline).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(serde::Deserialize)]
struct DvcYaml {
    #[serde(default)]
    stages: Option<Ordered>,
}

/// Reads a YAML file of the folder into `T`; the reason as text when it cannot.
pub(crate) fn read_yaml<T: serde::de::DeserializeOwned>(
    model: &Model,
    rel: &str,
) -> Result<T, String> {
    let path = model.root.join(rel);
    let size = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
    if size > MAX_YAML_BYTES {
        return Err(format!("larger than {MAX_YAML_BYTES} bytes"));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    serde_saphyr::from_str_with_options::<T>(&text, palisade_ai::yaml_options())
        .map_err(|e| palisade_core::text::escape_line(&e.to_string()).into_owned())
}

/// The path of a `deps`/`outs`/`metrics` entry: a string, or a one-key mapping
/// `{path: {cache: false}}`.
fn entry_path(entry: &Value) -> Option<String> {
    match entry {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) if map.len() == 1 => map.keys().next().cloned(),
        _ => None,
    }
}

fn list(stage: &Value, field: &str) -> Vec<Value> {
    match stage.get(field) {
        Some(Value::Array(items)) => items.clone(),
        Some(other @ Value::String(_)) => vec![other.clone()],
        _ => Vec::new(),
    }
}

fn params(stage: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for entry in list(stage, "params") {
        match entry {
            Value::String(key) => out.push(format!("{key} (params.yaml)")),
            Value::Object(map) => {
                for (file, keys) in map {
                    match keys {
                        Value::Array(keys) if !keys.is_empty() => {
                            for key in keys.iter().filter_map(Value::as_str) {
                                out.push(format!("{key} ({file})"));
                            }
                        }
                        _ => out.push(format!("all of {file}")),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn text(s: &str) -> String {
    palisade_core::text::escape_line(s).into_owned()
}

/// Infers stages from `dvc.yaml` and checks `dvc.lock`.
pub(crate) fn infer(model: &mut Model, found: &Found) {
    let Some(rel) = &found.dvc_yaml else {
        model.not_inferred.push(
            "stages: there is no dvc.yaml, so what reads and writes what is not known; declare `stage` blocks".to_owned(),
        );
        return;
    };
    let yaml: DvcYaml = match read_yaml(model, rel) {
        Ok(yaml) => yaml,
        Err(reason) => {
            model
                .not_inferred
                .push(format!("stages: dvc.yaml could not be read: {reason}"));
            return;
        }
    };
    let stages = yaml.stages.map(|s| s.0).unwrap_or_default();
    for (name, stage) in stages {
        let shown = text(&name);
        if stage.get("foreach").is_some() || stage.get("matrix").is_some() {
            model.not_inferred.push(format!(
                "dvc.yaml stage \"{shown}\": foreach/matrix stages are not expanded; declare its instances"
            ));
            continue;
        }
        let wdir = stage.get("wdir").and_then(Value::as_str).unwrap_or(".");
        let mut notes = Vec::new();
        match stage.get("cmd") {
            Some(Value::String(cmd)) => notes.push(format!("cmd: {}", text(cmd))),
            Some(Value::Array(cmds)) => {
                for cmd in cmds.iter().filter_map(Value::as_str) {
                    notes.push(format!("cmd: {}", text(cmd)));
                }
            }
            _ => {}
        }
        let params = params(&stage);
        if !params.is_empty() {
            notes.push(format!(
                "params: {} (configuration, not artifacts)",
                text(&params.join(", "))
            ));
        }
        let mut metrics = Vec::new();
        for field in ["metrics", "plots"] {
            for entry in list(&stage, field) {
                if let Some(path) = entry_path(&entry) {
                    metrics.push(format!("{field}: {}", text(&path)));
                }
            }
        }
        if !metrics.is_empty() {
            notes.push(format!(
                "{} (DVC metrics and plots: reports, not artifacts)",
                metrics.join(", ")
            ));
        }
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for (field, into) in [("deps", &mut inputs), ("outs", &mut outputs)] {
            let role = if field == "deps" { "dep" } else { "out" };
            for entry in list(&stage, field) {
                let Some(written) = entry_path(&entry) else {
                    continue;
                };
                let Some(path) = palisade_hash::dvc::join(wdir, &written) else {
                    model.not_inferred.push(format!(
                        "dvc.yaml stage \"{shown}\" {role} \"{}\": templated or outside the folder",
                        text(&written)
                    ));
                    continue;
                };
                if path == "params.yaml" {
                    continue;
                }
                let (kind, why) = kind_of(found, &path);
                let exists = model.root.join(&path).exists();
                // A script inside a code folder (`src/train.py`) is that folder's code: one
                // `code` artifact per folder, as a team declares it.
                let (path, why) = match (kind, crate::scan::code_folder(found, &path)) {
                    (Kind::Code, Some((folder, how))) => {
                        (folder, format!("{} is in {how}", text(&path)))
                    }
                    _ => (path, why),
                };
                let index = model.local(
                    kind,
                    &path,
                    format!("dvc.yaml: {role} of stage \"{shown}\"; {why}"),
                );
                if !exists
                    && !model.artifacts[index]
                        .notes
                        .iter()
                        .any(|n| n.contains("missing"))
                {
                    model.artifacts[index].notes.push(
                        "missing on disk: run `dvc pull` or `dvc repro` before `palisade check`"
                            .to_owned(),
                    );
                    model.not_inferred.push(format!(
                        "{}: missing on disk (not pulled or not reproduced); check needs it",
                        text(&path)
                    ));
                }
                if !into.contains(&index) {
                    into.push(index);
                }
            }
        }
        model.stages.push(Stage {
            name: crate::name_of(&name),
            origin: format!("dvc.yaml stage \"{shown}\""),
            notes,
            runs_as: None,
            inputs,
            outputs,
            attestation: Vec::new(),
        });
    }
    check_lock(model);
}

fn md5_of(model: &Model, path: &str) -> Option<String> {
    palisade_hash::dvc::md5_file(&model.root.join(path), path).ok()
}

#[derive(serde::Deserialize)]
struct DvcLock {
    #[serde(default)]
    stages: Option<Ordered>,
}

/// Cross-checks `dvc.lock`: every recorded md5 of a file against the file.
fn check_lock(model: &mut Model) {
    if !model.root.join("dvc.lock").is_file() {
        model.not_inferred.push(
            "dvc.lock: none, so the stages' data and models could not be cross-checked (run `dvc repro`)"
                .to_owned(),
        );
        return;
    }
    let lock: DvcLock = match read_yaml(model, "dvc.lock") {
        Ok(lock) => lock,
        Err(reason) => {
            model
                .not_inferred
                .push(format!("dvc.lock could not be read: {reason}"));
            return;
        }
    };
    let mut directories = Vec::new();
    let mut checked = 0usize;
    for (stage, entry) in lock.stages.map(|s| s.0).unwrap_or_default() {
        let wdir = entry.get("wdir").and_then(Value::as_str).unwrap_or(".");
        for field in ["deps", "outs"] {
            for item in list(&entry, field) {
                let (Some(written), Some(md5)) = (
                    item.get("path").and_then(Value::as_str),
                    item.get("md5").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let Some(path) = palisade_hash::dvc::join(wdir, written) else {
                    continue;
                };
                if md5.ends_with(".dir") {
                    if !directories.contains(&path) {
                        directories.push(path);
                    }
                    continue;
                }
                checked += 1;
                let actual = md5_of(model, &path);
                if actual.as_deref() != Some(md5) {
                    let mismatch = DvcMismatch {
                        path: text(&path),
                        stage: text(&stage),
                        recorded: text(md5),
                        actual,
                    };
                    if let Some(i) = model.by_path(&path) {
                        model.artifacts[i]
                            .notes
                            .push(format!("DIFFERS FROM dvc.lock: {mismatch}"));
                    }
                    if !model.dvc_mismatches.contains(&mismatch) {
                        model.dvc_mismatches.push(mismatch);
                    }
                }
            }
        }
    }
    model.dvc_checked = checked;
    if !directories.is_empty() {
        model.not_inferred.push(format!(
            "dvc.lock directory hashes ({}): not cross-checked (dvc's .dir listing lives in its cache)",
            text(&directories.join(", "))
        ));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn stages_keep_their_order() {
        let yaml = "stages:\n  b:\n    cmd: x\n  a:\n    cmd: y\n";
        let parsed: DvcYaml = serde_saphyr::from_str(yaml).unwrap();
        let names: Vec<String> = parsed
            .stages
            .unwrap()
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(names, ["b", "a"]);
    }
}
