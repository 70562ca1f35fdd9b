//! Red-team freshness by digest: which version of a model a stage's `redteam` reports tested.
//!
//! A report is linked to a model in two ways, after every stage's evidence is read:
//!
//! 1. **by attestation**: a stage (the serving stage itself, or a `redteam` stage that runs
//!    the tool: `stage "redteam" { inputs = [model "llm"] attestation = "…" }`) has a
//!    **verified** attestation (its `lineage` facts, not verified again) with the report's
//!    sha256 among its products and the model among its declared inputs. When the model is
//!    among `attested_inputs` (its current digest is a material) the report tested this
//!    version: `tested_models`. When it is among `unattested_inputs` (the materials hold no
//!    file with its current digest: it changed since) the report is stale: `stale_models`;
//! 2. **by name**: the report's target names a digest (`…@sha256:…`, see
//!    [`palisade_ai::redteam::digest_in`]): equal to the sha256 of a model the stage reads, it
//!    tested that model; matching none of them, the report is stale for each model it reads.
//!
//! A stale link wins over a fresh one for the same model (one report tested an old version).
//! A report linked to nothing leaves both sets empty: the baseline cannot tell its age.

use std::collections::BTreeMap;

use palisade_graph::{ArtifactFacts, SignatureState, StageEvidence};
use palisade_syntax::{Kind, Pipeline};

/// Fills `tested_models` and `stale_models` of every stage's red-team facts.
pub(crate) fn link(
    pipeline: &Pipeline,
    artifacts: &[Option<ArtifactFacts>],
    stages: &mut [StageEvidence],
) {
    let model_decl = |name: &str| {
        pipeline
            .artifacts
            .iter()
            .position(|a| a.kind.kind() == Kind::Model && a.name.value == name)
    };
    // (stage index, fresh, stale) found for each red-teamed stage.
    let mut found: Vec<(usize, Vec<String>, BTreeMap<String, String>)> = Vec::new();
    for (index, evidence) in stages.iter().enumerate() {
        let Some(redteam) = &evidence.redteam else {
            continue;
        };
        let mut fresh = Vec::new();
        let mut stale = BTreeMap::new();
        // 1. By attestation: any stage whose verified attestation produced a report.
        for (other, other_evidence) in stages.iter().enumerate() {
            let Some(lineage) = &other_evidence.lineage else {
                continue;
            };
            if lineage.attestation != SignatureState::Verified
                || !lineage
                    .undeclared_outputs
                    .iter()
                    .any(|r| redteam.report_digests.contains(&r.digest))
            {
                continue;
            }
            let writer = &pipeline.stages[other].name.value;
            for input in &pipeline.stages[other].inputs {
                if input.value.kind != Kind::Model {
                    continue;
                }
                let model = &input.value.name;
                if lineage.attested_inputs.contains(model) {
                    fresh.push(model.clone());
                } else if let Some((_, why)) = lineage
                    .unattested_inputs
                    .iter()
                    .find(|(name, _)| name == model)
                {
                    stale.insert(
                        model.clone(),
                        format!(
                            "stage {writer:?}'s attestation, which produced the red-team report, does not hold the current model {model:?} among its materials ({why}): the report tested another version"
                        ),
                    );
                }
            }
        }
        // 2. By name: a digest in the report's target.
        if !redteam.target_digests.is_empty() {
            for input in &pipeline.stages[index].inputs {
                if input.value.kind != Kind::Model {
                    continue;
                }
                let model = &input.value.name;
                let current = model_decl(model)
                    .and_then(|d| artifacts.get(d))
                    .and_then(Option::as_ref)
                    .and_then(|f| f.digest.as_ref())
                    .and_then(|d| d.as_sha256())
                    .map(|hex| format!("sha256:{}", hex_text(&hex)));
                match current {
                    Some(current) if redteam.target_digests.contains(&current) => {
                        fresh.push(model.clone());
                    }
                    Some(current) => {
                        stale.entry(model.clone()).or_insert_with(|| {
                            format!(
                                "the red-team report names the model it tested as {}, and {model:?} is now {current}",
                                redteam
                                    .target_digests
                                    .iter()
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    }
                    None => {}
                }
            }
        }
        found.push((index, fresh, stale));
    }
    for (index, fresh, stale) in found {
        if let Some(redteam) = stages[index].redteam.as_mut() {
            redteam.tested_models = fresh
                .into_iter()
                .filter(|m| !stale.contains_key(m))
                .collect();
            redteam.stale_models = stale;
        }
    }
}

fn hex_text(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
