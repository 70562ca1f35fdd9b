//! Cedar entities built from the graph. Parents stay shallow — labels, the identity a stage
//! runs as, the pipeline — so Cedar's transitive closure stays linear; lineage facts are
//! precomputed attributes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression,
};
use rayon::prelude::*;

use palisade_graph::{ArtifactNode, Counts, Node, NodeIndex, PipelineGraph};
use palisade_syntax::ArtifactKind;

/// Builds a Cedar entity uid.
///
/// `ty` is one of the schema's fixed entity type names (`Dataset`, `Label` …), all valid Cedar
/// identifiers (a unit test checks every one), so parsing it cannot fail. Those names are
/// parsed once per process: parsing one per entity and per request cost more than the rest of
/// the uid.
#[allow(clippy::expect_used)]
pub fn uid(ty: &str, id: &str) -> EntityUid {
    static PARSED: std::sync::OnceLock<Vec<(&'static str, EntityTypeName)>> =
        std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        TYPE_NAMES
            .iter()
            .filter_map(|&name| Some((name, EntityTypeName::from_str(name).ok()?)))
            .collect()
    });
    let ty = match parsed.iter().find(|(name, _)| *name == ty) {
        Some((_, parsed)) => parsed.clone(),
        None => {
            EntityTypeName::from_str(ty).expect("schema entity type names are valid identifiers")
        }
    };
    EntityUid::from_type_name_and_id(ty, EntityId::new(id))
}

/// Every entity type name of the schema, and `Action`.
const TYPE_NAMES: &[&str] = &[
    "Pipeline", "Label", "Identity", "Key", "Stage", "Release", "Code", "Dataset", "Model",
    "Image", "Secret", "Package", "Action",
];

fn string(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

fn long(value: u64) -> RestrictedExpression {
    RestrictedExpression::new_long(i64::try_from(value).unwrap_or(i64::MAX))
}

fn set<'a>(values: impl IntoIterator<Item = &'a String>) -> RestrictedExpression {
    RestrictedExpression::new_set(values.into_iter().map(|v| string(v)))
}

fn counts(counts: &Counts) -> RestrictedExpression {
    RestrictedExpression::new_record([
        ("critical".to_owned(), long(counts.critical)),
        ("high".to_owned(), long(counts.high)),
        ("medium".to_owned(), long(counts.medium)),
        ("low".to_owned(), long(counts.low)),
        ("total".to_owned(), long(counts.total)),
    ])
    // Distinct keys, so the record is always well formed.
    .unwrap_or_else(|_| RestrictedExpression::new_bool(false))
}

/// The entities of a graph and the uid of each node.
pub struct EntityMap {
    /// All entities, with the transitive closure of their (shallow) parents computed.
    pub entities: Entities,
    /// The uid of every node.
    pub uids: HashMap<NodeIndex, EntityUid>,
}

/// The labels an artifact carries itself: declared plus evidence.
pub fn own_labels(graph: &PipelineGraph, artifact: &ArtifactNode) -> BTreeSet<String> {
    let mut labels: BTreeSet<String> = graph.pipeline.artifacts[artifact.decl]
        .labels
        .iter()
        .map(|l| l.value.clone())
        .collect();
    labels.extend(artifact.facts.evidence_labels.iter().cloned());
    labels
}

/// Builds every entity, in one store.
pub fn build(graph: &PipelineGraph) -> Result<EntityMap, String> {
    let mut sharded = build_sharded(graph, 1)?;
    let entities = sharded.shards.pop().unwrap_or_else(Entities::empty);
    Ok(EntityMap {
        entities,
        uids: sharded.uids,
    })
}

/// The entities of a graph split into stores that are built, searched and dropped
/// independently: each holds the pipeline, every declared thing and label, and its share of the
/// packages. A request needs only its principal, its resource and their ancestors (no
/// attribute holds an entity), so one whose resource is a package is answered by that
/// package's store, any other by the first.
pub struct ShardedEntities {
    /// The stores (at least one).
    pub shards: Vec<Entities>,
    /// The uid of every node.
    pub uids: HashMap<NodeIndex, EntityUid>,
    /// The store of each package, by node index (0 for declared things).
    shard_of: Vec<u32>,
}

impl ShardedEntities {
    /// The store that answers requests about `resource`.
    pub fn store_for(&self, resource: NodeIndex) -> &Entities {
        let shard = self.shard_of.get(resource.index()).copied().unwrap_or(0) as usize;
        // `shards` is never empty (see `build_sharded`), so the fallback is only for types.
        self.shards
            .get(shard)
            .or_else(|| self.shards.first())
            .unwrap_or_else(|| empty_entities())
    }
}

fn empty_entities() -> &'static Entities {
    static EMPTY: std::sync::OnceLock<Entities> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Entities::empty)
}

/// Builds every entity into `shards` stores (at least one), on every core: evaluating
/// attributes and Cedar's transitive closure over 50,000 packages is most of an evaluation's
/// fixed cost, and both split cleanly by package.
pub fn build_sharded(graph: &PipelineGraph, shards: usize) -> Result<ShardedEntities, String> {
    let pipeline = &graph.pipeline;
    let pipeline_uid = uid("Pipeline", &pipeline.name.value);
    let in_pipeline = HashSet::from([pipeline_uid.clone()]);
    let attrs_err = |e: cedar_policy::EntityAttrEvaluationError| e.to_string();

    let mut declared = vec![
        Entity::new(
            pipeline_uid.clone(),
            HashMap::from([
                ("name".to_owned(), string(&pipeline.name.value)),
                (
                    "owner".to_owned(),
                    string(pipeline.owner.as_ref().map_or("", |o| o.value.as_str())),
                ),
            ]),
            HashSet::new(),
        )
        .map_err(attrs_err)?,
    ];
    let mut uids = HashMap::with_capacity(graph.node_count());
    let mut labels = BTreeSet::new();
    let mut packages = Vec::new();
    let mut things = Vec::new();
    for index in graph.graph().node_indices() {
        match graph.node(index) {
            Node::Package(_) => packages.push(index),
            node => {
                if let Node::Artifact(artifact) = node {
                    labels.extend(artifact.upstream.labels.iter().cloned());
                }
                things.push(index);
            }
        }
    }
    // A 10,000-deep lineage has 10,000 artifacts of some 35 attributes each: on every core too.
    let built: Vec<(EntityUid, Entity)> = things
        .par_iter()
        .map(|&index| node_entity(graph, index, &in_pipeline))
        .collect::<Result<_, _>>()?;
    for (&index, (me, entity)) in things.iter().zip(built) {
        uids.insert(index, me);
        declared.push(entity);
    }
    for label in labels {
        declared.push(Entity::new_no_attrs(uid("Label", &label), HashSet::new()));
    }

    let shards = shards.clamp(1, packages.len().max(1));
    let per_shard = packages.len().div_ceil(shards).max(1);
    let mut shard_of = vec![0; graph.node_count()];
    for (i, package) in packages.iter().enumerate() {
        if let Some(slot) = shard_of.get_mut(package.index()) {
            *slot = u32::try_from(i / per_shard).unwrap_or(0);
        }
    }
    let chunks: Vec<&[NodeIndex]> = if packages.is_empty() {
        vec![&[]]
    } else {
        packages.chunks(per_shard).collect()
    };
    let built: Vec<(Entities, Vec<(NodeIndex, EntityUid)>)> = chunks
        .into_par_iter()
        .map(|chunk| -> Result<_, String> {
            let mut entities = declared.clone();
            entities.reserve(chunk.len());
            let mut chunk_uids = Vec::with_capacity(chunk.len());
            for &index in chunk {
                let (me, entity) = node_entity(graph, index, &in_pipeline)?;
                chunk_uids.push((index, me));
                entities.push(entity);
            }
            let store = Entities::from_entities(entities, None).map_err(|e| e.to_string())?;
            Ok((store, chunk_uids))
        })
        .collect::<Result<_, _>>()?;
    let mut stores = Vec::with_capacity(built.len());
    for (store, chunk_uids) in built {
        uids.extend(chunk_uids);
        stores.push(store);
    }
    Ok(ShardedEntities {
        shards: stores,
        uids,
        shard_of,
    })
}

/// The uid and entity of one node.
fn node_entity(
    graph: &PipelineGraph,
    index: NodeIndex,
    in_pipeline: &HashSet<EntityUid>,
) -> Result<(EntityUid, Entity), String> {
    let pipeline = &graph.pipeline;
    let attrs_err = |e: cedar_policy::EntityAttrEvaluationError| e.to_string();
    let (ty, name) = graph.node_name(index);
    let me = uid(ty, name);
    let entity = match graph.node(index) {
        Node::Key(_) => Entity::new(
            me.clone(),
            HashMap::from([("name".to_owned(), string(name))]),
            in_pipeline.clone(),
        ),
        Node::Identity(i) => {
            let identity = &pipeline.identities[*i];
            let text = |v: &Option<palisade_syntax::Spanned<String>>| {
                string(v.as_ref().map_or("", |s| s.value.as_str()))
            };
            Entity::new(
                me.clone(),
                HashMap::from([
                    ("name".to_owned(), string(name)),
                    ("issuer".to_owned(), text(&identity.issuer)),
                    ("subject".to_owned(), text(&identity.subject)),
                    ("builder".to_owned(), text(&identity.builder)),
                ]),
                in_pipeline.clone(),
            )
        }
        Node::Stage(i, facts) => {
            let stage = &pipeline.stages[*i];
            let runs_as = stage.runs_as.as_ref().map_or("", |r| r.value.name.as_str());
            let mut parents = in_pipeline.clone();
            if !runs_as.is_empty() {
                parents.insert(uid("Identity", runs_as));
            }
            Entity::new(
                me.clone(),
                HashMap::from([
                    ("name".to_owned(), string(name)),
                    (
                        "environment".to_owned(),
                        string(stage.environment.as_ref().map_or("", |e| e.value.as_str())),
                    ),
                    ("runs_as".to_owned(), string(runs_as)),
                    (
                        "guardrails".to_owned(),
                        RestrictedExpression::new_bool(stage.guardrails.is_some()),
                    ),
                    ("exposure".to_owned(), string(&facts.exposure)),
                    ("input_labels".to_owned(), set(&facts.input_labels)),
                    (
                        "output_kinds".to_owned(),
                        RestrictedExpression::new_set(
                            stage
                                .outputs
                                .iter()
                                .map(|o| o.value.kind.to_string())
                                .collect::<std::collections::BTreeSet<_>>()
                                .into_iter()
                                .map(RestrictedExpression::new_string),
                        ),
                    ),
                ]),
                parents,
            )
        }
        Node::Release(i) => {
            let release = &pipeline.releases[*i];
            Entity::new(
                me.clone(),
                HashMap::from([
                    ("name".to_owned(), string(name)),
                    ("environment".to_owned(), string(&release.environment.value)),
                    (
                        "exposure".to_owned(),
                        string(release.exposure.value.as_str()),
                    ),
                ]),
                in_pipeline.clone(),
            )
        }
        Node::Artifact(artifact) => {
            let mut parents = in_pipeline.clone();
            for label in &artifact.upstream.labels {
                parents.insert(uid("Label", label));
            }
            Entity::new(me.clone(), artifact_attrs(graph, artifact), parents)
        }
        Node::Package(package) => Entity::new(
            me.clone(),
            HashMap::from([
                ("name".to_owned(), string(&package.name)),
                ("purl".to_owned(), string(&package.purl)),
                ("version".to_owned(), string(&package.version)),
                ("licenses".to_owned(), set(&package.licenses)),
                (
                    "vulnerability_ids".to_owned(),
                    set(&package.vulnerability_ids),
                ),
                (
                    "vulnerabilities".to_owned(),
                    counts(&package.vulnerabilities),
                ),
                (
                    "max_severity".to_owned(),
                    string(package.vulnerabilities.highest().as_str()),
                ),
                ("component_type".to_owned(), string(&package.component_type)),
            ]),
            in_pipeline.clone(),
        ),
    }
    .map_err(attrs_err)?;
    Ok((me, entity))
}

fn artifact_attrs(
    graph: &PipelineGraph,
    artifact: &ArtifactNode,
) -> HashMap<String, RestrictedExpression> {
    let decl = &graph.pipeline.artifacts[artifact.decl];
    let facts = &artifact.facts;
    let upstream = &artifact.upstream;
    let downstream = &artifact.downstream;
    let mut attrs = HashMap::from([
        ("name".to_owned(), string(&decl.name.value)),
        ("kind".to_owned(), string(decl.kind.kind().keyword())),
        ("labels".to_owned(), set(&own_labels(graph, artifact))),
        ("upstream_labels".to_owned(), set(&upstream.labels)),
        ("integrity".to_owned(), string(facts.integrity.as_str())),
        ("signature".to_owned(), string(facts.signature.as_str())),
        ("signers".to_owned(), set(&facts.signers)),
        ("sast".to_owned(), counts(&facts.sast)),
        ("dast".to_owned(), counts(&facts.dast)),
        ("secrets".to_owned(), counts(&facts.secrets)),
        ("scans".to_owned(), counts(&facts.scans)),
        ("vulnerabilities".to_owned(), counts(&facts.vulnerabilities)),
        ("licenses".to_owned(), set(&facts.licenses)),
        ("upstream_unsigned".to_owned(), long(upstream.unsigned)),
        ("upstream_unpinned".to_owned(), long(upstream.unpinned)),
        (
            "upstream_max_vulnerability".to_owned(),
            string(upstream.max_vulnerability.as_str()),
        ),
        ("upstream_licenses".to_owned(), set(&upstream.licenses)),
        ("upstream_datasets".to_owned(), set(&upstream.datasets)),
        ("upstream_models".to_owned(), set(&upstream.models)),
        ("upstream_secrets".to_owned(), counts(&upstream.secrets)),
        ("upstream_sast".to_owned(), counts(&upstream.sast)),
        (
            "remote".to_owned(),
            RestrictedExpression::new_bool(decl.remote.is_some()),
        ),
        (
            "pinned_digest".to_owned(),
            RestrictedExpression::new_bool(decl.digest.is_some()),
        ),
        (
            "has_bom".to_owned(),
            RestrictedExpression::new_bool(decl.bom.is_some()),
        ),
        (
            "provenance".to_owned(),
            string(facts.provenance.state.as_str()),
        ),
        (
            "builder_id".to_owned(),
            string(&facts.provenance.builder_id),
        ),
        (
            "build_type".to_owned(),
            string(&facts.provenance.build_type),
        ),
        ("builders".to_owned(), set(&facts.provenance.builders)),
        ("produced_by".to_owned(), set(&downstream.produced_by)),
        (
            "producer_identities".to_owned(),
            set(&downstream.producer_identities),
        ),
        (
            "unidentified_producers".to_owned(),
            long(downstream.unidentified_producers),
        ),
        (
            "released".to_owned(),
            RestrictedExpression::new_bool(!downstream.released_in.is_empty()),
        ),
        ("exposure".to_owned(), string(&downstream.exposure)),
    ]);
    match artifact.kind {
        ArtifactKind::Model => {
            let model = &facts.model;
            attrs.insert("format".to_owned(), string(&model.format));
            attrs.insert(
                "unsafe_format".to_owned(),
                RestrictedExpression::new_bool(model.unsafe_format),
            );
            attrs.insert(
                "dangerous_imports".to_owned(),
                set(&model.dangerous_imports),
            );
            attrs.insert(
                "model_card".to_owned(),
                RestrictedExpression::new_bool(model.model_card),
            );
            attrs.insert("metrics".to_owned(), set(&model.metrics));
        }
        ArtifactKind::Secret => {
            attrs.insert(
                "vault".to_owned(),
                string(decl.vault.as_ref().map_or("", |v| v.value.as_str())),
            );
        }
        _ => {}
    }
    attrs
}

/// The `context` of every request whose principal is `principal`, at `at` (Unix seconds): the
/// release's `environment` and `exposure` for a release, the stage's environment and downstream
/// exposure for a stage, the artifact's downstream exposure for `include`; the time, the
/// pipeline's name, its `vulnerability_threshold` and `denied_licenses`.
///
/// # Errors
/// Only if Cedar refuses the record (a bug: its keys are distinct).
pub fn context(graph: &PipelineGraph, principal: NodeIndex, at: i64) -> Result<Context, String> {
    let pipeline = graph.pipeline.name.value.as_str();
    let (environment, exposure) = match graph.node(principal) {
        Node::Release(i) => {
            let release = &graph.pipeline.releases[*i];
            (
                release.environment.value.clone(),
                release.exposure.value.as_str().to_owned(),
            )
        }
        Node::Stage(i, facts) => (
            graph.pipeline.stages[*i]
                .environment
                .as_ref()
                .map_or_else(String::new, |e| e.value.clone()),
            facts.exposure.clone(),
        ),
        Node::Artifact(artifact) => (String::new(), artifact.downstream.exposure.clone()),
        _ => (String::new(), "none".to_owned()),
    };
    Context::from_pairs([
        (
            "environment".to_owned(),
            RestrictedExpression::new_string(environment),
        ),
        (
            "exposure".to_owned(),
            RestrictedExpression::new_string(exposure),
        ),
        ("now".to_owned(), RestrictedExpression::new_long(at)),
        (
            "pipeline".to_owned(),
            RestrictedExpression::new_string(pipeline.to_owned()),
        ),
        (
            "vulnerability_threshold".to_owned(),
            RestrictedExpression::new_string(
                graph
                    .pipeline
                    .vulnerability_threshold
                    .as_ref()
                    .map_or_else(|| "critical".to_owned(), |t| t.value.clone()),
            ),
        ),
        (
            "denied_licenses".to_owned(),
            RestrictedExpression::new_set(match &graph.pipeline.denied_licenses {
                Some(list) => list
                    .iter()
                    .map(|l| RestrictedExpression::new_string(l.value.clone()))
                    .collect::<Vec<_>>(),
                None => crate::schema::DEFAULT_DENIED_LICENSES
                    .iter()
                    .map(|l| RestrictedExpression::new_string((*l).to_owned()))
                    .collect(),
            }),
        ),
    ])
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_entity_type_name_is_valid() {
        for ty in super::TYPE_NAMES {
            assert_eq!(super::uid(ty, "x").type_name().to_string(), *ty);
            assert_eq!(super::uid(ty, "x").id().unescaped(), "x");
        }
    }
}
