//! A model's ML-BOM model card as evidence: its differential-privacy and adversarial-robustness
//! claims (read by `palisade_ai::modelcard` from the fields real producers write), and whether
//! the BOM is signed.
//!
//! "Signed" means: the model declares `bom_signature = "….json"`, a Sigstore bundle whose
//! subject digest is the sha256 of the `bom` file as read, and it verifies under the model's
//! `signed_by` (any declared key or identity when it has none), exactly as an artifact
//! `signature` does (`trust::check_signature`). An unsigned card is a claim, not evidence: its
//! ε is still reported (`dp_epsilon_milli`) but `dp_evidenced` stays false, with the reason.

use palisade_ai::modelcard::{self, PrivacyClaim, RobustnessClaim};
use palisade_graph::SignatureState;
use palisade_syntax::ArtifactKind;

use crate::read::read_bundle;
use crate::{Gathering, trust};

/// Reads the DP and robustness claims of a model's card and checks its `bom_signature`.
pub(crate) fn gather(g: &mut Gathering<'_>) {
    if g.artifact.kind != ArtifactKind::Model {
        return;
    }
    let signature_problem = check_bom_signature(g);
    let cards = g
        .bom
        .as_ref()
        .map(|b| b.model_cards.clone())
        .unwrap_or_default();
    let mut epsilon: Option<u64> = None;
    let mut unusable: Option<String> = None;
    let mut robust: Option<u64> = None;
    for card in &cards {
        match modelcard::training_privacy(card) {
            PrivacyClaim::None => {}
            // Of several cards, the weakest guarantee (the largest ε) counts.
            PrivacyClaim::Claimed(privacy) => {
                epsilon = Some(
                    epsilon.map_or(privacy.epsilon_milli(), |e| e.max(privacy.epsilon_milli())),
                );
            }
            PrivacyClaim::Unusable { reason, .. } => unusable = Some(reason),
        }
        if let RobustnessClaim::Reported(robustness) = modelcard::adversarial_robustness(card)
            && let Some(accuracy) = robustness.robust_accuracy
        {
            let milli = accuracy.milli_floor();
            robust = Some(robust.map_or(milli, |r| r.min(milli)));
        }
    }
    let model = &mut g.facts.model;
    model.robust_accuracy_milli = robust;
    let max = g.context.pipeline.max_dp_epsilon_milli();
    if let Some(reason) = unusable {
        model.dp_reason = Some(format!("the model card's DP fields are unusable: {reason}"));
        return;
    }
    model.dp_epsilon_milli = epsilon;
    let Some(epsilon) = epsilon else {
        return;
    };
    let shown = |milli: u64| format!("{}", milli as f64 / 1000.0);
    if !model.bom_signed {
        model.dp_reason = Some(signature_problem.unwrap_or_else(|| {
            "the ML-BOM that records DP training is not signed (no `bom_signature`): claimed, not evidenced"
                .to_owned()
        }));
    } else if epsilon > max {
        model.dp_reason = Some(format!(
            "the signed model card records DP training with ε = {}, above the pipeline's max_dp_epsilon {}",
            shown(epsilon),
            shown(max)
        ));
    } else {
        model.dp_evidenced = true;
        model
            .dp_evidence
            .push("its signed ML-BOM's model card".to_owned());
    }
}

/// Verifies `bom_signature` over the `bom` file's sha256; returns why it does not verify.
fn check_bom_signature(g: &mut Gathering<'_>) -> Option<String> {
    let artifact = g.artifact;
    let signature = artifact.bom_signature.as_ref()?;
    let file = &signature.value.written;
    let Some(bom) = &artifact.bom else {
        g.fail(
            signature.span,
            "bom_signature",
            file,
            miette::miette!(
                code = "palisade::evidence::bom_signature",
                help = "declare the ML-BOM it signs: `bom = \"….mlbom.json\"`",
                "a bom_signature signs the model's bom, and the model declares none"
            ),
        );
        return None;
    };
    let Some(bom_digest) = g
        .facts
        .evidence_files
        .iter()
        .find(|f| f.path == bom.value.written)
        .map(|f| f.digest.clone())
    else {
        // The BOM could not be read: already reported.
        return None;
    };
    let (bundle, read) = match read_bundle(&g.context.folder, &signature.value, "a signature") {
        Ok(read) => read,
        Err(cause) => {
            g.fail(signature.span, "bom_signature", file, cause);
            return None;
        }
    };
    g.facts.evidence_files.push(read);
    let signed_by: Vec<_> = artifact.signed_by.iter().map(|r| r.value.clone()).collect();
    let trust = g.context.trust.restricted_to(&signed_by);
    let check = trust::check_signature(&bundle, Some(&bom_digest), &trust, g.context.now, file);
    g.facts.model.bom_signed = check.state == SignatureState::Verified;
    if g.facts.model.bom_signed {
        None
    } else {
        Some(format!(
            "bom_signature {file:?} does not verify ({}): the DP claim is claimed, not evidenced",
            check.reason.as_deref().unwrap_or("not verified")
        ))
    }
}
