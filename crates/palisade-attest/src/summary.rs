//! From an evaluated pipeline to a [`Summary`]: the released artifacts with their digests, the
//! evidence files, and the verdict.

use std::collections::BTreeSet;
use std::path::Path;

use palisade_core::Digest;
use palisade_graph::{LineageGraph, Node};
use palisade_policy::Evaluation;
use palisade_syntax::{Artifact, ArtifactKind};

use crate::error::{AttestError, HashFailed, NoDigest};
use crate::vsa::{Decision, InputAttestation, Inputs, Subject, Summary, WaiverBinding};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What the caller chooses about a summary; the rest comes from the graph and the evaluation.
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// `resourceUri`; default: the pipeline file's name (e.g. `pipeline.pal`).
    pub resource_uri: Option<String>,
    /// `policy.uri`; default: `<pipeline file name>#policies`.
    pub policy_uri: Option<String>,
    /// palisade's version, for `verifier.version`.
    pub verifier_version: String,
    /// The policy files evaluated (the pack's `files`): each is bound by its sha256.
    pub policy_files: Vec<palisade_policy::PolicyFile>,
}

/// Builds the verification summary of an evaluated pipeline.
///
/// Subjects are the artifacts of every `release` (deduplicated). A local artifact's digest is
/// `facts.sha256` when the evidence stage filled it in, else the artifact is hashed here
/// (sha256 of a file; model-signing style for a folder: sha256 over the concatenated sha256 of
/// its files in model_signing's order), because its bytes are right there and a verdict
/// must name what it is about. A remote artifact's digest is its `digest` attribute, or the
/// `@sha256:` of its reference. A released artifact with neither (a remote one not pinned by a
/// digest, or a secret) is an [`AttestError::NoDigest`]: signing a verdict about "whatever
/// that tag points to today" would attest nothing.
///
/// Input attestations are every artifact's `facts.evidence_files`, deduplicated and sorted.
pub fn summarize(
    graph: &LineageGraph,
    evaluation: &Evaluation,
    policy_digest: &str,
    options: &SummaryOptions,
) -> Result<Summary, AttestError> {
    let pipeline = &graph.pipeline;
    let file_name = Path::new(&pipeline.source.name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| pipeline.source.name.clone());

    let mut subjects = BTreeSet::new();
    for release in &pipeline.releases {
        for reference in &release.artifacts {
            let Some(index) = graph.find(reference.value.kind, &reference.value.name) else {
                // The resolver refuses references to undeclared things; nothing to attest.
                continue;
            };
            let Node::Artifact(node) = graph.node(index) else {
                continue;
            };
            let artifact = &pipeline.artifacts[node.decl];
            let known = graph.facts(index).and_then(|f| f.digest.as_ref());
            let sha256 = subject_digest(graph, artifact, known)?;
            subjects.insert(Subject {
                name: subject_name(artifact),
                sha256,
                kind: artifact.kind.to_string(),
                artifact: artifact.name.value.clone(),
            });
        }
    }

    let mut inputs = BTreeSet::new();
    for (index, _) in graph.artifacts() {
        for file in graph.facts(index).map_or(&[][..], |f| &f.evidence_files) {
            inputs.insert(InputAttestation {
                uri: file.path.clone(),
                sha256: file.digest.hex(),
            });
        }
    }

    let facts = graph.pipeline_facts();
    let as_input = |file: &palisade_graph::EvidenceFile| InputAttestation {
        uri: file.path.clone(),
        sha256: file.digest.hex(),
    };
    let mut waivers = BTreeSet::new();
    for used in evaluation.waived.iter().filter_map(|v| v.waiver.as_ref()) {
        let declared = pipeline.waivers.iter().find(|w| w.name.value == used.name);
        waivers.insert(WaiverBinding {
            name: used.name.clone(),
            policy: declared.map_or_else(String::new, |w| w.policy.value.clone()),
            target: declared
                .and_then(|w| w.target.as_ref())
                .map(|t| t.value.to_string()),
            expires: used.expires.clone(),
            reason: used.reason.clone(),
        });
    }
    let bound = Inputs {
        pipeline: Some(InputAttestation {
            uri: file_name.clone(),
            sha256: sha256_hex(pipeline.source.text.as_bytes()),
        }),
        lock: facts.lock.as_ref().map(as_input),
        lock_signature: facts.lock_signature_file.as_ref().map(as_input),
        policies: options
            .policy_files
            .iter()
            .map(|f| InputAttestation {
                uri: f.name.clone(),
                sha256: sha256_hex(f.text.as_bytes()),
            })
            .collect(),
        waivers: waivers.into_iter().collect(),
    };

    let mut violated = std::collections::BTreeMap::new();
    for v in &evaluation.violations {
        *violated.entry(v.policy.clone()).or_insert(0) += 1;
    }
    Ok(Summary {
        subjects: subjects.into_iter().collect(),
        verifier_version: options.verifier_version.clone(),
        time_verified: evaluation.at,
        resource_uri: options
            .resource_uri
            .clone()
            .unwrap_or_else(|| file_name.clone()),
        policy_uri: options
            .policy_uri
            .clone()
            .unwrap_or_else(|| format!("{file_name}#policies")),
        policy_sha256: policy_digest.to_string(),
        input_attestations: inputs.into_iter().collect(),
        inputs: bound,
        decision: Decision {
            pipeline: evaluation.pipeline.clone(),
            passed: evaluation.allowed(),
            requests: evaluation.summary.requests,
            violations: evaluation.violations.len(),
            waived: evaluation.waived.len(),
            errors: evaluation.summary.errors,
            violated_policies: violated,
        },
    })
}

/// The subject's name: the local path as written, else the remote reference as written.
fn subject_name(artifact: &Artifact) -> String {
    if let Some(path) = &artifact.path {
        return path.value.written.clone();
    }
    if let Some(remote) = &artifact.remote {
        return remote.value.clone();
    }
    format!("{} {}", artifact.kind, artifact.name.value)
}

/// The sha256 hex of a released artifact (see [`summarize`]).
fn subject_digest(
    graph: &LineageGraph,
    artifact: &Artifact,
    known: Option<&Digest>,
) -> Result<String, AttestError> {
    let pipeline = &graph.pipeline;
    let no_digest = |reason: String, help: &str, span| {
        AttestError::NoDigest(Box::new(NoDigest {
            file: pipeline.source.name.clone(),
            kind: artifact.kind.to_string(),
            name: artifact.name.value.clone(),
            reason,
            help: help.to_string(),
            src: pipeline.source.named_source(),
            span,
        }))
    };
    if let Some(sha256) = known.and_then(Digest::as_sha256) {
        return Ok(hex::encode(sha256));
    }
    if artifact.kind == ArtifactKind::Secret {
        return Err(no_digest(
            "a secret is a vault reference, with no content to attest".to_string(),
            "release the artifacts that use the secret, not the secret itself",
            artifact.name.span,
        ));
    }
    if let Some(path) = &artifact.path {
        let tree = palisade_hash::hash_path(
            &path.value.resolved,
            &palisade_hash::HashOptions::with_algorithms(palisade_hash::Algorithms::Sha256),
        )
        .map_err(|source| {
            AttestError::Hash(Box::new(HashFailed {
                file: pipeline.source.name.clone(),
                kind: artifact.kind.to_string(),
                name: artifact.name.value.clone(),
                source,
                src: pipeline.source.named_source(),
                span: path.span,
            }))
        })?;
        return Ok(tree.root.sha256_hex().unwrap_or_default());
    }
    if let Some(digest) = &artifact.digest {
        return match digest.value.as_sha256() {
            Some(sha256) => Ok(hex::encode(sha256)),
            None => Err(no_digest(
                format!("`digest = \"{}\"` is not a sha256 digest", digest.value),
                "pin it by sha256 as well: a verification summary names its subjects by sha256",
                digest.span,
            )),
        };
    }
    if let Some(remote) = &artifact.remote {
        return Err(no_digest(
            format!("`{}` is not pinned by a sha256 digest", remote.value),
            "pin it: `ref = \"…@sha256:<digest>\"` or `digest = \"sha256:<digest>\"`",
            remote.span,
        ));
    }
    Err(no_digest(
        "it has no `path`, `ref`, `uri` or `digest`".to_string(),
        "give it a `path` (hashed locally) or a `ref` pinned by `digest`",
        artifact.name.span,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(dir: &Path, text: &str) -> palisade_graph::DeclaredGraph {
        let base = dir.canonicalize().unwrap();
        let pipeline =
            palisade_syntax::parse_str(text, "pipeline.pal", &base, &Default::default()).unwrap();
        palisade_graph::DeclaredGraph::build(pipeline).unwrap()
    }

    fn graph(dir: &Path, text: &str) -> LineageGraph {
        declared(dir, text)
            .attach(palisade_graph::Evidence::default())
            .lineage()
    }

    fn evaluation(allowed: bool) -> Evaluation {
        use palisade_core::Decision;
        Evaluation {
            pipeline: "p".into(),
            decision: if allowed {
                Decision::Allow
            } else {
                Decision::Deny
            },
            at: palisade_core::Timestamp::from_unix(1_796_083_200),
            policy_digest: String::new(),
            summary: Default::default(),
            violations: Vec::new(),
            waived: Vec::new(),
            warnings: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    const SHA_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn subjects_are_the_released_artifacts_hashed_or_pinned() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.bin"), b"abc").unwrap();
        std::fs::create_dir(dir.path().join("tok")).unwrap();
        std::fs::write(dir.path().join("tok/a"), b"abc").unwrap();
        let g = graph(
            dir.path(),
            r#"pipeline "p" {
              dataset "unreleased" { path = "nope.csv" }
              model "m" { path = "m.bin" }
              model "t" { path = "tok" }
              image "i" { ref = "r.example/i@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
              image "j" { ref = "r.example/j:v1" digest = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }
              release "a" { artifacts = [model "m", image "i"] environment = "prod" exposure = "public" }
              release "b" { artifacts = [model "m", model "t", image "j"] environment = "prod" exposure = "public" }
            }"#,
        );
        let s = summarize(
            &g,
            &evaluation(true),
            "sha256:00",
            &SummaryOptions::default(),
        )
        .unwrap();
        let got: Vec<(&str, &str, &str)> = s
            .subjects
            .iter()
            .map(|s| (s.name.as_str(), s.sha256.as_str(), s.artifact.as_str()))
            .collect();
        // A folder of one file "a": sha256 over that file's raw sha256.
        let tok = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(hex::decode(SHA_ABC).unwrap()))
        };
        assert_eq!(
            got,
            vec![
                ("m.bin", SHA_ABC, "m"),
                (
                    "r.example/i@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    &*"a".repeat(64),
                    "i"
                ),
                ("r.example/j:v1", &*"b".repeat(64), "j"),
                ("tok", tok.as_str(), "t"),
            ]
        );
        assert_eq!(s.resource_uri, "pipeline.pal");
        assert_eq!(s.policy_uri, "pipeline.pal#policies");
        assert!(s.decision.passed);
    }

    #[test]
    fn facts_sha256_wins_over_hashing() {
        let dir = tempfile::tempdir().unwrap();
        let d = declared(
            dir.path(),
            r#"pipeline "p" {
              model "m" { path = "missing.bin" }
              release "a" { artifacts = [model "m"] environment = "prod" exposure = "public" }
            }"#,
        );
        let digest = |hex: &str| format!("sha256:{hex}").parse::<Digest>().unwrap();
        let facts = palisade_graph::ArtifactFacts {
            digest: Some(digest(&"C".repeat(64))),
            evidence_files: vec![
                palisade_graph::EvidenceFile {
                    path: "sbom/z.json".into(),
                    digest: digest(&"1".repeat(64)),
                },
                palisade_graph::EvidenceFile {
                    path: "sbom/a.json".into(),
                    digest: digest(&"2".repeat(64)),
                },
            ],
            ..Default::default()
        };
        let g = d
            .attach(palisade_graph::Evidence {
                artifacts: vec![Some(facts)],
                boms: Vec::new(),
                ..Default::default()
            })
            .lineage();
        let s = summarize(
            &g,
            &evaluation(false),
            "sha256:00",
            &SummaryOptions::default(),
        )
        .unwrap();
        assert_eq!(s.subjects[0].sha256, "c".repeat(64));
        let uris: Vec<&str> = s
            .input_attestations
            .iter()
            .map(|i| i.uri.as_str())
            .collect();
        assert_eq!(uris, ["sbom/a.json", "sbom/z.json"]);
        assert!(!s.decision.passed);
    }

    fn render(e: &AttestError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut out, e)
            .unwrap();
        out
    }

    #[test]
    fn unpinned_remote_is_an_error_pointing_at_the_ref() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph(
            dir.path(),
            r#"pipeline "p" {
  image "i" { ref = "r.example/i:latest" }
  release "a" { artifacts = [image "i"] environment = "prod" exposure = "public" }
}"#,
        );
        let e = summarize(&g, &evaluation(true), "", &SummaryOptions::default()).unwrap_err();
        assert!(matches!(e, AttestError::NoDigest(_)));
        insta::assert_snapshot!(render(&e));
    }

    #[test]
    fn bad_digest_and_nothing_to_hash_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"pipeline "p" {
  image "i" { ref = "r.example/i:1" digest = "sha512:{}" }
  release "a" { artifacts = [image "i"] environment = "prod" exposure = "public" }
}"#
        .replace("{}", &"e".repeat(128));
        let g = graph(dir.path(), &text);
        let e = summarize(&g, &evaluation(true), "", &SummaryOptions::default()).unwrap_err();
        assert!(e.to_string().contains("is not a sha256 digest"), "{e}");

        let g = graph(
            dir.path(),
            r#"pipeline "p" {
  model "m" { format = "onnx" }
  release "a" { artifacts = [model "m"] environment = "prod" exposure = "public" }
}"#,
        );
        let e = summarize(&g, &evaluation(true), "", &SummaryOptions::default()).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("it has no `path`, `ref`, `uri` or `digest`"),
            "{e}"
        );
    }

    #[test]
    fn missing_local_file_is_a_hash_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph(
            dir.path(),
            r#"pipeline "p" {
  model "m" { path = "gone.bin" }
  release "a" { artifacts = [model "m"] environment = "prod" exposure = "public" }
}"#,
        );
        let e = summarize(&g, &evaluation(true), "", &SummaryOptions::default()).unwrap_err();
        let AttestError::Hash(failed) = &e else {
            panic!("{e:?}")
        };
        let source = failed.source.to_string();
        assert!(source.ends_with("gone.bin: not found"), "{source}");
        assert!(render(&e).contains("hashed from here"));
    }
}
