//! Entity names in policies checked against the pipeline: a policy that names
//! `Identity::"trainr"` when the pipeline declares `trainer` could never apply, so it is an
//! error, not a silent allow.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde_json::Value;

use palisade_syntax::Pipeline;

use crate::error::{PolicyError, PolicyErrors};
use crate::load::{PolicyPack, line_col};
use crate::schema::ARTIFACT_TYPES;

/// The names the pipeline declares, by entity type (`Label` and `Action` are not checked:
/// labels are an open vocabulary and actions are fixed by the schema).
fn declared(pipeline: &Pipeline) -> HashMap<&'static str, BTreeSet<&str>> {
    let mut names: HashMap<&'static str, BTreeSet<&str>> = HashMap::new();
    names
        .entry("Pipeline")
        .or_default()
        .insert(&pipeline.name.value);
    for key in &pipeline.keys {
        names.entry("Key").or_default().insert(&key.name.value);
    }
    for identity in &pipeline.identities {
        names
            .entry("Identity")
            .or_default()
            .insert(&identity.name.value);
    }
    for stage in &pipeline.stages {
        names.entry("Stage").or_default().insert(&stage.name.value);
    }
    for release in &pipeline.releases {
        names
            .entry("Release")
            .or_default()
            .insert(&release.name.value);
    }
    for (ty, kind) in ARTIFACT_TYPES {
        let set = names.entry(ty).or_default();
        for artifact in pipeline.artifacts.iter().filter(|a| a.kind == *kind) {
            set.insert(&artifact.name.value);
        }
    }
    names
}

/// Every `Type::"id"` a policy's JSON form names (scope and condition).
fn named_entities(node: &Value, out: &mut Vec<(String, String)>) {
    match node {
        Value::Object(map) => {
            if let (Some(Value::String(ty)), Some(Value::String(id)), 2) =
                (map.get("type"), map.get("id"), map.len())
            {
                out.push((ty.clone(), id.clone()));
                return;
            }
            for value in map.values() {
                named_entities(value, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                named_entities(item, out);
            }
        }
        _ => {}
    }
}

/// Checks that every pipeline-declared entity a policy names exists in `pipeline`.
///
/// # Errors
/// One [`PolicyError::UnknownEntity`] per undeclared name, with a suggestion when a declared
/// name of the same type is close.
pub fn check_entities(pipeline: &Pipeline, pack: &PolicyPack) -> Result<(), PolicyErrors> {
    let declared = declared(pipeline);
    let mut errors = Vec::new();
    let mut ids: Vec<_> = pack.info.keys().collect();
    ids.sort();
    for id in ids {
        let Some(policy) = pack.set.policy(&cedar_policy::PolicyId::new(id)) else {
            continue;
        };
        let Ok(json) = policy.to_json() else {
            continue;
        };
        let mut named = Vec::new();
        named_entities(&json, &mut named);
        named.sort();
        named.dedup();
        for (ty, name) in named {
            let Some(known) = declared.get(ty.as_str()) else {
                continue;
            };
            if known.contains(name.as_str()) {
                continue;
            }
            let info = &pack.info[id];
            let entity = format!("{ty}::{name:?}");
            let file = pack.files.iter().find(|f| f.name == info.file);
            let (src, span) = match file {
                Some(file) => {
                    let start = palisade_core::LineIndex::new(&file.text).offset(
                        &file.text,
                        info.line,
                        info.column,
                    );
                    let offset = file.text[start..]
                        .find(&format!("{ty}::\"{name}\""))
                        .map_or(start, |at| start + at);
                    let length = file.text[offset..]
                        .find('"')
                        .and_then(|q| file.text[offset + q + 1..].find('"').map(|e| q + e + 2))
                        .unwrap_or(1);
                    (
                        NamedSource::new(file.name.clone(), Arc::clone(&file.text)),
                        SourceSpan::from((offset, length)),
                    )
                }
                None => (
                    NamedSource::new(info.file.clone(), Arc::new(String::new())),
                    SourceSpan::from((0, 0)),
                ),
            };
            let (line, column) = file.map_or((info.line, info.column), |f| {
                line_col(&f.text, span.offset())
            });
            errors.push(PolicyError::UnknownEntity {
                policy: id.clone(),
                entity,
                file: info.file.clone(),
                line,
                column,
                src,
                span,
                help: palisade_syntax::suggest(&name, known.iter().copied())
                    .map(|s| format!("did you mean {ty}::{s:?}?"))
                    .or_else(|| {
                        Some(format!(
                            "the pipeline declares no {ty} of that name; declare it or fix the policy"
                        ))
                    }),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PolicyErrors { errors })
    }
}
