//! Differential-privacy evidence from a stage attestation: a model's `differential-privacy`
//! claim holds when the **verified** attestation of the stage that wrote it (its `lineage`
//! facts, not verified again) lists the model among its products at its current digest and its
//! parameters record the DP training: `differential_privacy.epsilon` (and optionally `delta`,
//! `mechanism`, `accountant`) in an in-toto link's `environment` (`palisade run --param
//! differential_privacy.epsilon=…`) or SLSA provenance's `externalParameters`, with ε at most
//! the pipeline's `max_dp_epsilon`. The trainer's key signs the parameters and the model's
//! digest together, which is what makes them evidence; the ML-BOM model card is the other way
//! (`modelcard`). With both, the weaker guarantee (the larger ε) counts.

use palisade_graph::{ArtifactFacts, SignatureState, StageEvidence};
use palisade_syntax::{Kind, Pipeline};

/// Sets the DP facts of every model a verified stage attestation records DP training for.
pub(crate) fn link(
    pipeline: &Pipeline,
    artifacts: &mut [Option<ArtifactFacts>],
    stages: &[StageEvidence],
) {
    let max = pipeline.max_dp_epsilon_milli();
    let shown = |milli: u64| format!("{}", milli as f64 / 1000.0);
    for (index, evidence) in stages.iter().enumerate() {
        let Some(lineage) = &evidence.lineage else {
            continue;
        };
        if lineage.attestation != SignatureState::Verified {
            continue;
        }
        let stage = &pipeline.stages[index].name.value;
        for output in &pipeline.stages[index].outputs {
            if output.value.kind != Kind::Model {
                continue;
            }
            let model_name = &output.value.name;
            let Some(model) = pipeline
                .artifacts
                .iter()
                .position(|a| a.kind.kind() == Kind::Model && &a.name.value == model_name)
                .and_then(|d| artifacts.get_mut(d))
                .and_then(Option::as_mut)
                .map(|f| &mut f.model)
            else {
                continue;
            };
            if let Some(unusable) = &lineage.dp_unusable {
                model.dp_evidenced = false;
                model.dp_reason = Some(format!(
                    "stage {stage:?}'s attestation records unusable DP parameters: {unusable}"
                ));
                continue;
            }
            let Some(recorded) = lineage.dp_epsilon_milli else {
                continue;
            };
            if !lineage.attested_outputs.contains(model_name) {
                if !model.dp_evidenced {
                    model.dp_reason = Some(format!(
                        "stage {stage:?}'s attestation records DP training with ε = {}, but not {model_name:?} at its current digest among its products",
                        shown(recorded)
                    ));
                }
                continue;
            }
            // The weaker of two evidenced guarantees counts.
            let epsilon = if model.dp_evidenced {
                model.dp_epsilon_milli.map_or(recorded, |e| e.max(recorded))
            } else {
                recorded
            };
            model.dp_epsilon_milli = Some(epsilon);
            if epsilon > max {
                model.dp_evidenced = false;
                model.dp_evidence.clear();
                model.dp_reason = Some(format!(
                    "stage {stage:?}'s verified attestation records DP training with ε = {}, above the pipeline's max_dp_epsilon {}",
                    shown(epsilon),
                    shown(max)
                ));
            } else {
                model.dp_evidenced = true;
                model.dp_reason = None;
                model
                    .dp_evidence
                    .push(format!("stage {stage:?}'s verified attestation"));
            }
        }
    }
}
