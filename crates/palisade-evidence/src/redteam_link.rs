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
//!    [`palisade_ai::redteam::digest_in`]). Equal to the current sha256 of a model the stage
//!    reads, it tested that model, but only when the report is **bound**: signed by the
//!    stage's `runs_as` identity (`<report>.sigstore.json`) or among the products of a
//!    verified attestation. An unsigned report is a file anyone can write, so the digest in
//!    it is a claim (kept in `unlinked`). A digest equal to none of the stage's models makes
//!    the report stale for each model the stage reads, signed or not (failing closed).
//!
//! A stale link wins over a fresh one for the same model (one report tested an old version).
//! A report linked to nothing tested no model the gate can name: `unlinked` says why, and
//! the baseline's `llm-redteam-unlinked` denies a public LLM whose model no report tested.

use std::collections::BTreeMap;

use palisade_graph::{ArtifactFacts, SignatureState, StageEvidence};
use palisade_syntax::{Kind, Pipeline};

/// What linking found for one red-teamed stage.
struct Links {
    /// The stage.
    index: usize,
    /// Models a report tested at their current digest.
    fresh: Vec<String>,
    /// Models a report tested at another digest, with why.
    stale: BTreeMap<String, String>,
    /// Why a report counts for no model.
    unlinked: Vec<String>,
}

/// Fills `tested_models`, `stale_models` and `unlinked` of every stage's red-team facts.
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
    let mut found: Vec<Links> = Vec::new();
    for (index, evidence) in stages.iter().enumerate() {
        let Some(redteam) = &evidence.redteam else {
            continue;
        };
        let mut fresh = Vec::new();
        let mut stale = BTreeMap::new();
        let mut unlinked = Vec::new();
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
        let bound = |report: &String| {
            redteam.signed_reports.contains(report) || produced_by_verified_stage(stages, report)
        };
        let current: Vec<(&String, String)> = pipeline.stages[index]
            .inputs
            .iter()
            .filter(|input| input.value.kind == Kind::Model)
            .filter_map(|input| {
                let model = &input.value.name;
                let digest = model_decl(model)
                    .and_then(|d| artifacts.get(d))
                    .and_then(Option::as_ref)
                    .and_then(|f| f.digest.as_ref())
                    .and_then(|d| d.as_sha256())?;
                Some((model, format!("sha256:{}", hex_text(&digest))))
            })
            .collect();
        for (report, target) in &redteam.named_targets {
            let named: Vec<&String> = current
                .iter()
                .filter(|(_, digest)| digest == target)
                .map(|(model, _)| *model)
                .collect();
            if named.is_empty() {
                for (model, digest) in &current {
                    stale.entry((*model).clone()).or_insert_with(|| {
                        format!(
                            "the red-team report names the model it tested as {target}, and {model:?} is now {digest}"
                        )
                    });
                }
            } else if bound(report) {
                fresh.extend(named.into_iter().cloned());
            } else {
                unlinked.push(format!(
                    "report {report} names {target} ({}) as the model it tested, but only in the report itself: it is neither signed by the stage's runs_as identity nor a product of a verified stage attestation",
                    named
                        .iter()
                        .map(|m| format!("{m:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        for report in &redteam.report_digests {
            if !produced_by_verified_stage(stages, report)
                && !redteam.named_targets.contains_key(report)
            {
                unlinked.push(format!(
                    "report {report} is linked to no model: it names no model digest as its target, and no verified stage attestation lists it among its products"
                ));
            }
        }
        found.push(Links {
            index,
            fresh,
            stale,
            unlinked,
        });
    }
    for Links {
        index,
        fresh,
        stale,
        unlinked,
    } in found
    {
        if let Some(redteam) = stages[index].redteam.as_mut() {
            redteam.unlinked.extend(unlinked);
            redteam.tested_models = fresh
                .into_iter()
                .filter(|m| !stale.contains_key(m))
                .collect();
            redteam.stale_models = stale;
        }
    }
}

/// Whether a stage's verified attestation lists `report` (`sha256:<hex>`) among its products.
fn produced_by_verified_stage(stages: &[StageEvidence], report: &str) -> bool {
    stages.iter().any(|evidence| {
        evidence.lineage.as_ref().is_some_and(|lineage| {
            lineage.attestation == SignatureState::Verified
                && lineage
                    .undeclared_outputs
                    .iter()
                    .any(|r| r.digest == report)
        })
    })
}

fn hex_text(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
