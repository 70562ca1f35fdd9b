//! Synthetic evidence facts: what signatures, the lock, provenance and model cards would say,
//! so that policies over them see a realistic mix of passes and failures instead of "absent"
//! everywhere.

use palisade_graph::{Counts, DeclaredGraph, Evidence, Integrity, Severity, SignatureState};
use palisade_syntax::ArtifactKind;

/// What [`add_evidence`] set, for tests and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvidenceMix {
    /// Artifacts whose signature verified.
    pub signed: usize,
    /// Local artifacts whose content matched the lock.
    pub pinned: usize,
    /// Images with verified provenance.
    pub with_provenance: usize,
    /// Models with a model card.
    pub with_model_card: usize,
}

/// Fills in evidence facts deterministically by declaration order: most local artifacts are
/// pinned (every 8th is not), trained models are signed (every 6th is not) and mostly carry a
/// model card (every 4th does not), images are signed with verified provenance (every 5th
/// lacks both), and every 4th code artifact has one high SAST finding.
///
/// `evidence` starts from [`crate::declared_evidence`].
pub fn add_evidence(graph: &DeclaredGraph, evidence: &mut Evidence) -> EvidenceMix {
    let mut mix = EvidenceMix::default();
    for (n, artifact) in graph.pipeline.artifacts.iter().enumerate() {
        let Some(Some(facts)) = evidence.artifacts.get_mut(n) else {
            continue;
        };
        // Secrets are vault references: nothing to hash, so the lock never pins them.
        if artifact.kind != ArtifactKind::Secret
            && facts.integrity == Integrity::Unpinned
            && n % 8 != 7
        {
            facts.integrity = Integrity::Verified;
        }
        match artifact.kind {
            ArtifactKind::Model if facts.integrity != Integrity::Remote => {
                if n % 6 != 5 {
                    facts.signature = SignatureState::Verified;
                    facts.signers.insert("release".to_owned());
                }
                if n % 4 != 3 {
                    facts.model.model_card = true;
                    facts.model.metrics.insert("accuracy".to_owned());
                    if n % 2 == 0 {
                        facts
                            .model
                            .metrics
                            .insert("adversarial-robustness".to_owned());
                    }
                }
            }
            ArtifactKind::Image if n % 5 != 4 => {
                facts.signature = SignatureState::Verified;
                facts.signers.insert("release".to_owned());
                facts.provenance.state = SignatureState::Verified;
                facts.provenance.builder_id =
                    Some("https://github.com/acme/builders/ci-0@v1".to_owned());
                facts.provenance.builders.insert("ci-0".to_owned());
            }
            ArtifactKind::Code if n % 4 == 0 => {
                let mut sast = Counts::default();
                sast.add(Severity::High);
                facts.sast = sast;
            }
            _ => {}
        }
        if facts.signature == SignatureState::Verified {
            mix.signed += 1;
        }
        if facts.integrity == Integrity::Verified {
            mix.pinned += 1;
        }
        if facts.provenance.state == SignatureState::Verified {
            mix.with_provenance += 1;
        }
        if facts.model.model_card {
            mix.with_model_card += 1;
        }
    }
    mix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Shape, pipeline_text};

    #[test]
    fn mix_is_fixed_for_a_shape() {
        let text = pipeline_text(&Shape::artifacts_200());
        let pipeline = palisade_syntax::parse_str(
            &text,
            "pipeline.pal",
            std::path::Path::new("."),
            &Default::default(),
        )
        .unwrap();
        let graph = DeclaredGraph::build(pipeline).unwrap();
        let mut evidence = crate::declared_evidence(&graph);
        let mix = add_evidence(&graph, &mut evidence);
        assert_eq!(
            mix,
            EvidenceMix {
                signed: 69,
                pinned: 127,
                with_provenance: 32,
                with_model_card: 34,
            }
        );
        // Of 200 artifacts, 145 are local content (base models and images are remote,
        // secrets are vault references); every 8th by position stays unpinned.
        assert!(mix.pinned < 145);
    }
}
