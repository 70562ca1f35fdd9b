//! Synthetic pipelines of any size, and the pieces of Palisade's benchmark (`benches/phases.rs`).
//!
//! [`pipeline_text`] writes a valid `.pal` file of a given [`Shape`] (datasets with `pii`
//! labels, base models with `llm` labels, a lineage chain of the given depth, training and
//! serving stages, public and internal releases, secrets, identities, a waiver);
//! [`add_packages`] adds synthetic SBOM packages to the evidence a graph is attached with;
//! [`add_evidence`] fills in signature, lock and provenance facts; [`synthetic_gate`] loads
//! all of it through the gate, as every command does; [`extra_policies`] writes forbid policies so the
//! pack reaches SPEC §8's 30 policies; [`plain`] sends the same requests straight to Cedar with
//! the whole policy set, the baseline Palisade's scoped, parallel evaluation is measured against.
//! Everything is deterministic.
//!
//! ```
//! use palisade_bench::{Shape, synthetic_gate, pack_of};
//! use palisade_core::Timestamp;
//!
//! let gate = synthetic_gate(&Shape::small(), 200, pack_of(30).unwrap(), Timestamp::from_unix(1_800_000_000)).unwrap();
//! let verdict = gate.evaluate().unwrap();
//! assert_eq!(verdict.summary.requests, palisade_policy::requests(&gate.graph).len());
//! ```

// Tests may panic on what they did not expect; library code may not.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod evidence;
mod memory;
mod packages;
pub mod plain;
mod policies;
mod rng;
pub mod scale;
mod shape;

use std::path::Path;

use miette::Diagnostic;
use palisade_core::Timestamp;
use palisade_gate::Gate;
use palisade_graph::{DeclaredGraph, GraphError, LineageGraph};
use palisade_policy::{PolicyErrors, PolicyPack};
use palisade_syntax::{Diagnostics, LoadOptions};

pub use evidence::{EvidenceMix, add_evidence};
pub use memory::{cpu_time_ns, peak_rss_kib};
pub use packages::{Attached, add_packages, declared_evidence};
pub use policies::extra_policies;
pub use rng::XorShift;
pub use shape::{Shape, pipeline_text};

/// The file name synthetic pipelines are parsed under.
pub const FILE_NAME: &str = "synthetic.pal";

/// Why a synthetic pipeline or pack could not be built (a generator out of step with the
/// language or the schema).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum BenchError {
    /// The generated text did not parse.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] Box<Diagnostics>),
    /// The graph could not be built.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Graph(#[from] Box<GraphError>),
    /// The generated policies did not load.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] Box<PolicyErrors>),
    /// The gate refused the synthetic pipeline.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] Box<palisade_gate::GateError>),
}

/// Parses `text` as the synthetic pipeline file (paths resolve under the current folder; the
/// files need not exist, the parser only checks they stay inside it).
pub fn parse(text: &str) -> Result<palisade_syntax::Pipeline, BenchError> {
    palisade_syntax::parse_str(text, FILE_NAME, Path::new("."), &LoadOptions::default())
        .map_err(|e| BenchError::Parse(Box::new(e)))
}

/// The synthetic pipeline of `shape` with `packages` packages and the synthetic evidence,
/// ready to attach: the declared graph and its evidence.
pub fn synthetic_evidence(
    shape: &Shape,
    packages: usize,
    deps_per_package: usize,
    vuln_ratio: f64,
) -> Result<(DeclaredGraph, palisade_graph::Evidence, Attached), BenchError> {
    let pipeline = parse(&pipeline_text(shape))?;
    let graph = DeclaredGraph::build(pipeline).map_err(|e| BenchError::Graph(Box::new(e)))?;
    let mut evidence = declared_evidence(&graph);
    let attached = add_packages(
        &graph,
        &mut evidence,
        packages,
        deps_per_package,
        vuln_ratio,
    );
    add_evidence(&graph, &mut evidence);
    Ok((graph, evidence, attached))
}

/// The whole preparation, as `palisade evaluate` does it before the policies, with synthetic
/// evidence: the graph with every fact.
pub fn synthetic_graph(
    shape: &Shape,
    packages: usize,
    deps_per_package: usize,
    vuln_ratio: f64,
) -> Result<(LineageGraph, Attached), BenchError> {
    let (graph, evidence, attached) =
        synthetic_evidence(shape, packages, deps_per_package, vuln_ratio)?;
    Ok((graph.attach(evidence).lineage(), attached))
}

/// The synthetic pipeline loaded through the gate ([`Gate::assemble`]), as every command loads
/// a pipeline: ready to evaluate at `at`.
pub fn synthetic_gate(
    shape: &Shape,
    packages: usize,
    pack: PolicyPack,
    at: Timestamp,
) -> Result<Gate, BenchError> {
    let (graph, evidence, _) = synthetic_evidence(shape, packages, 2, 0.02)?;
    Gate::assemble(graph, evidence, pack, at).map_err(|e| BenchError::Gate(Box::new(e)))
}

/// The baseline pack plus [`extra_policies`] up to `total` policies (just the baseline when it
/// already has that many).
pub fn pack_of(total: usize) -> Result<PolicyPack, BenchError> {
    let baseline = palisade_policy::baseline();
    let count = PolicyPack::load(baseline.clone())
        .map_err(|e| BenchError::Policy(Box::new(e)))?
        .info
        .len();
    let mut files = baseline;
    files.extend(extra_policies(total.saturating_sub(count)));
    PolicyPack::load(files).map_err(|e| BenchError::Policy(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use cedar_policy::Decision;
    use palisade_policy::Action;
    use palisade_syntax::Kind;

    use super::*;

    const AT: Timestamp = Timestamp::from_unix(1_800_000_000);

    /// The generator's text parses and the graph builds, with exactly the shape's counts: a
    /// language change that breaks the generator fails here, not in a benchmark run.
    #[test]
    fn small_shape_parses_and_builds() {
        let shape = Shape::small();
        let pipeline = parse(&pipeline_text(&shape)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(pipeline.name.value, "synthetic");
        assert_eq!(pipeline.artifacts.len(), shape.artifact_count());
        assert_eq!(pipeline.stages.len(), shape.stage_count());
        assert_eq!(pipeline.releases.len(), shape.images);
        assert_eq!(pipeline.waivers.len(), 1);
        let graph = DeclaredGraph::build(pipeline).unwrap();
        assert_eq!(graph.node_count(), shape.declared_nodes());
        let graph = graph.attach(palisade_graph::Evidence::default()).lineage();
        // Taint flows down the chain: raw-0 is pii, so the deepest features and the model
        // trained on them carry it.
        let last = graph
            .find(Kind::Dataset, &format!("feat-{}", shape.depth - 1))
            .unwrap();
        assert!(graph.upstream(last).unwrap().labels.contains("pii"));
        let model = graph.find(Kind::Model, "model-0").unwrap();
        let upstream = graph.upstream(model).unwrap();
        assert!(upstream.labels.contains("pii"));
        assert!(upstream.labels.contains("llm"));
        // raw-0 → prep-0 → feat-0 → … → feat-2 → train-0: the only source dataset.
        assert_eq!(upstream.datasets, BTreeSet::from(["raw-0".to_owned()]));
    }

    #[test]
    fn big_shapes_parse_and_build() {
        for shape in [Shape::artifacts_200(), Shape::chain(500)] {
            let (graph, _) = synthetic_graph(&shape, 0, 0, 0.0).unwrap();
            assert_eq!(graph.node_count(), shape.declared_nodes());
        }
    }

    #[test]
    fn a_padded_pack_loads() {
        // Past the baseline's own count, so synthetic policies are added.
        let pack = pack_of(40).unwrap();
        assert_eq!(pack.info.len(), 40);
        assert!(pack.policy("pii-public-release").is_some());
        // Synthetic rules fill the gap only when the baseline holds fewer than thirty.
        assert!(pack.policy("syn-package-0").is_some() || pack.info.len() > 30);
    }

    /// Palisade scopes each request to the policies that can apply to it; plain Cedar sees the
    /// whole set. Every request must get the same decision, the same determining policies and
    /// the same errors: scoping changes no decision.
    #[test]
    fn scoping_changes_no_decision() {
        for (shape, packages) in [(Shape::small(), 400), (Shape::artifacts_200(), 1_500)] {
            let (graph, _) = synthetic_graph(&shape, packages, 2, 0.2).unwrap();
            // The baseline alone has about 30 rules: add a dozen of each synthetic category.
            let pack = pack_of(90).unwrap();
            let verdict = palisade_policy::evaluate(&graph, &pack, AT).unwrap();
            let plain = plain::decide_all(&graph, &pack.set, AT.unix()).unwrap();
            assert_eq!(verdict.outcomes.len(), plain.len());
            let mut denied = 0;
            let mut actions = BTreeSet::new();
            let mut forbids = BTreeSet::new();
            for (outcome, plain) in verdict.outcomes.iter().zip(&plain) {
                actions.insert(outcome.action);
                let palisade_allows = outcome.decision == palisade_core::RequestDecision::Allow;
                assert_eq!(
                    palisade_allows,
                    plain.decision == Decision::Allow,
                    "{} {} {}",
                    outcome.principal,
                    outcome.action.as_str(),
                    outcome.resource
                );
                let reasons: BTreeSet<String> = outcome.policies.iter().cloned().collect();
                assert_eq!(reasons, plain.reasons, "{}", outcome.resource);
                assert!(plain.errors.is_empty(), "{:?}", plain.errors);
                if !palisade_allows {
                    denied += 1;
                    forbids.extend(plain.reasons.iter().cloned());
                }
            }
            // The mix is realistic enough to matter: every action occurs, and denials come
            // from the baseline and from each synthetic category.
            assert_eq!(
                actions,
                BTreeSet::from([
                    Action::Read,
                    Action::Write,
                    Action::UseSecret,
                    Action::Include,
                    Action::Release
                ])
            );
            assert!(denied > 0);
            assert!(forbids.contains("pii-public-release"), "{forbids:?}");
            assert!(forbids.contains("unsafe-model-format"), "{forbids:?}");
            assert!(
                forbids.iter().any(|f| f.starts_with("syn-package-")),
                "{forbids:?}"
            );
            assert!(
                forbids.iter().any(|f| f.starts_with("syn-release-")),
                "{forbids:?}"
            );
            assert!(
                forbids.iter().any(|f| f.starts_with("syn-stage-")),
                "{forbids:?}"
            );
        }
    }

    #[test]
    fn waiver_covers_the_public_pii_model() {
        let (graph, _) = synthetic_graph(&Shape::small(), 0, 0, 0.0).unwrap();
        let verdict = palisade_policy::evaluate(&graph, &pack_of(0).unwrap(), AT).unwrap();
        assert!(
            verdict
                .waived
                .iter()
                .any(|v| v.policy == "pii-public-release" && v.resource == "Model::\"model-0\"")
        );
        assert!(
            !verdict
                .warnings
                .iter()
                .any(|w| w.contains("covered nothing"))
        );
    }

    /// The explaining path of every violation, computed as the evaluation did before it shared
    /// one lineage pass per question: a breadth-first search per violation. Same paths.
    fn searched_path(
        graph: &LineageGraph,
        lineage: Option<&str>,
        principal: palisade_graph::NodeIndex,
        action: palisade_policy::Action,
        resource: palisade_graph::NodeIndex,
    ) -> Vec<String> {
        use palisade_graph::{ArtifactFacts, Node, SignatureState};
        let artifact_node = if matches!(graph.node(resource), Node::Artifact(_)) {
            resource
        } else {
            principal
        };
        let content = |n| {
            graph
                .artifact(n)
                .is_some_and(|a| a.kind != palisade_syntax::ArtifactKind::Secret)
        };
        let strictly = |test: &dyn Fn(&ArtifactFacts) -> bool| {
            graph.lineage_path(artifact_node, |_, n| {
                n != artifact_node && content(n) && graph.facts(n).is_some_and(test)
            })
        };
        let any = |test: &dyn Fn(&ArtifactFacts) -> bool| {
            graph.lineage_path(artifact_node, |_, n| graph.facts(n).is_some_and(test))
        };
        let found = lineage.and_then(|how| match how {
            "unsigned" => strictly(&|f| f.signature != SignatureState::Verified),
            "unpinned" => strictly(&|f| !f.integrity.is_pinned()),
            "secrets" => any(&|f| f.secrets.total > 0),
            "sast" => any(&|f| f.sast.critical + f.sast.high > 0),
            "vulnerabilities" => {
                any(&|f| f.vulnerabilities.highest() >= palisade_graph::Severity::High)
            }
            label => label
                .strip_prefix("label:")
                .and_then(|l| graph.path_to_label(artifact_node, l)),
        });
        let mut path = found.unwrap_or_else(|| vec![artifact_node]);
        match action {
            palisade_policy::Action::Write => path.insert(0, principal),
            palisade_policy::Action::Include => path.insert(0, resource),
            _ => path.push(principal),
        }
        path.into_iter().map(|n| graph.uid_string(n)).collect()
    }

    /// `path` is `full`, or `full` with its middle replaced by one marker so that 50 lineage
    /// nodes and the request's other side remain. True if elided.
    fn check_path(path: &[String], full: &[String]) -> bool {
        if path == full {
            return false;
        }
        assert_eq!(path.len(), 52, "{path:?}");
        let marker = path.iter().position(|p| p.starts_with('…')).unwrap();
        assert_eq!(path[marker], format!("… {} more …", full.len() - 51));
        assert_eq!(path[..marker], full[..marker]);
        assert_eq!(path[marker + 1..], full[full.len() - (51 - marker)..]);
        true
    }

    #[test]
    fn violation_paths_are_the_searched_ones() {
        for (shape, packages) in [
            (Shape::small(), 300),
            (Shape::artifacts_200(), 2_000),
            (Shape::chain(30), 10),
        ] {
            let (graph, _) = synthetic_graph(&shape, packages, 2, 0.2).unwrap();
            // The baseline alone has about 30 rules: add a dozen of each synthetic category.
            let pack = pack_of(90).unwrap();
            let verdict = palisade_policy::evaluate(&graph, &pack, AT).unwrap();
            let nodes: std::collections::HashMap<String, _> = graph
                .graph()
                .node_indices()
                .map(|n| (graph.uid_string(n), n))
                .collect();
            let mut long = 0;
            for v in verdict.violations.iter().chain(&verdict.waived) {
                let lineage = pack.policy(&v.policy).and_then(|i| i.lineage.as_deref());
                let expected = searched_path(
                    &graph,
                    lineage,
                    nodes[&v.principal],
                    v.action,
                    nodes[&v.resource],
                );
                check_path(&v.path, &expected);
                long += usize::from(expected.len() > 3);
            }
            assert!(long > 0);
        }
    }

    /// A 2,000-deep chain: paths past 50 nodes keep both ends and count what they leave out.
    #[test]
    fn long_violation_paths_are_elided_in_the_middle() {
        let (graph, _) = synthetic_graph(&Shape::chain(2_000), 0, 0, 0.0).unwrap();
        let pack = pack_of(30).unwrap();
        let verdict = palisade_policy::evaluate(&graph, &pack, AT).unwrap();
        let nodes: std::collections::HashMap<String, _> = graph
            .graph()
            .node_indices()
            .map(|n| (graph.uid_string(n), n))
            .collect();
        let mut elided = 0;
        for v in verdict.violations.iter().chain(&verdict.waived) {
            let lineage = pack.policy(&v.policy).and_then(|i| i.lineage.as_deref());
            let full = searched_path(
                &graph,
                lineage,
                nodes[&v.principal],
                v.action,
                nodes[&v.resource],
            );
            elided += usize::from(check_path(&v.path, &full));
        }
        assert!(elided > 100, "{elided}");
    }

    /// Entities split into several stores answer every request exactly as one store does.
    #[test]
    fn sharded_entities_change_no_decision() {
        let (graph, _) = synthetic_graph(&Shape::artifacts_200(), 3_000, 2, 0.2).unwrap();
        let pack = pack_of(30).unwrap();
        let one = palisade_policy::entities::build(&graph).unwrap();
        let three = palisade_policy::entities::build_sharded(&graph, 3).unwrap();
        assert_eq!(three.shards.len(), 3);
        assert_eq!(one.uids, three.uids);
        let specs = palisade_policy::requests(&graph);
        let requests = plain::requests(&graph, &specs, &one.uids, AT.unix()).unwrap();
        let whole = plain::authorize(&requests, &pack.set, &one.entities);
        let authorizer = cedar_policy::Authorizer::new();
        let mut packages = 0;
        for ((spec, request), expected) in specs.iter().zip(&requests).zip(&whole) {
            let response =
                authorizer.is_authorized(request, &pack.set, three.store_for(spec.resource));
            assert_eq!(response.decision(), expected.decision);
            let reasons: BTreeSet<String> = response
                .diagnostics()
                .reason()
                .map(ToString::to_string)
                .collect();
            assert_eq!(reasons, expected.reasons);
            assert_eq!(response.diagnostics().errors().count(), 0);
            packages += usize::from(spec.action == Action::Include);
        }
        assert!(packages > 3_000, "{packages}");
    }

    /// A policy that reads a package named by uid needs that package whichever request it
    /// judges: the evaluation then keeps one entity store, and decides as plain Cedar does.
    #[test]
    fn a_policy_naming_a_package_keeps_one_store() {
        let (graph, attached) = synthetic_graph(&Shape::small(), 9_000, 1, 0.05).unwrap();
        let named = attached.packages[7].clone();
        let mut files = palisade_policy::baseline();
        files.push(palisade_policy::PolicyFile {
            name: "named.cedar".to_owned(),
            text: std::sync::Arc::new(format!(
                "@id(\"named-package\")\n@severity(\"high\")\n\
                 forbid (principal, action == Action::\"include\", resource is Package)\n\
                 when {{ resource.version == Package::{uid}.version }};\n",
                uid = palisade_graph::quote(&named),
            )),
        });
        let pack = PolicyPack::load(files).unwrap_or_else(|e| panic!("{e:?}"));
        let verdict = palisade_policy::evaluate(&graph, &pack, AT).unwrap();
        let plain = plain::decide_all(&graph, &pack.set, AT.unix()).unwrap();
        assert_eq!(verdict.outcomes.len(), plain.len());
        let mut named_denials = 0;
        for (outcome, plain) in verdict.outcomes.iter().zip(&plain) {
            assert_eq!(
                outcome.decision == palisade_core::RequestDecision::Allow,
                plain.decision == Decision::Allow
            );
            assert!(plain.errors.is_empty(), "{:?}", plain.errors);
            named_denials += usize::from(outcome.policies.iter().any(|p| p == "named-package"));
        }
        assert!(named_denials > 0);
        assert_eq!(verdict.summary.errors, 0);
    }
}
