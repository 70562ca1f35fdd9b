//! Cedar entities built from the graph, by running the attribute table of `schema.rs`.
//! Parents stay shallow — labels, the identity a stage runs as, the pipeline — so Cedar's
//! transitive closure stays linear; lineage facts are precomputed attributes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression,
};
use rayon::prelude::*;

use palisade_graph::{LineageGraph, Node, NodeIndex};

use crate::error::InternalError;
use crate::schema::{self, Attr, ContextView, StageView, Value};

/// The attribute map of a row set over `view`.
fn attributes<V: ?Sized, F: Fn(&V) -> Value + 'static>(
    rows: impl IntoIterator<Item = &'static Attr<F>>,
    view: &V,
) -> HashMap<String, RestrictedExpression> {
    rows.into_iter()
        .map(|row| (row.name.to_owned(), (row.value)(view).into_expr()))
        .collect()
}

/// The schema entities and requests are checked against: in debug builds (every test) Cedar
/// validates every entity and context against it, so an attribute the schema lacks, one it
/// declares that no entity sets, or a value of the wrong type fails loudly. Release builds
/// skip the check (it is a property of the code, not of the input).
pub(crate) fn checking_schema() -> Result<Option<&'static cedar_policy::Schema>, InternalError> {
    if cfg!(debug_assertions) {
        schema::schema().map(Some)
    } else {
        Ok(None)
    }
}

fn internal(what: &str) -> impl Fn(String) -> InternalError + '_ {
    move |reason| InternalError {
        what: what.to_owned(),
        reason,
    }
}

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

/// The entities of a graph and the uid of each node.
pub struct EntityMap {
    /// All entities, with the transitive closure of their (shallow) parents computed.
    pub entities: Entities,
    /// The uid of every node.
    pub uids: HashMap<NodeIndex, EntityUid>,
}

/// Builds every entity, in one store.
pub fn build(graph: &LineageGraph) -> Result<EntityMap, InternalError> {
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
pub fn build_sharded(
    graph: &LineageGraph,
    shards: usize,
) -> Result<ShardedEntities, InternalError> {
    build_stores(graph, shards, true)
}

/// Like [`build_sharded`], but without packages when `packages` is false: for evaluations
/// whose package requests were all decided without Cedar (see `fastpath`), one store of the
/// declared things, so 50,000 package entities are neither built nor held.
pub(crate) fn build_stores(
    graph: &LineageGraph,
    shards: usize,
    with_packages: bool,
) -> Result<ShardedEntities, InternalError> {
    let pipeline = &graph.pipeline;
    let pipeline_uid = uid("Pipeline", &pipeline.name.value);
    let in_pipeline = HashSet::from([pipeline_uid.clone()]);
    let checking = checking_schema()?;

    let mut declared = vec![
        Entity::new(
            pipeline_uid.clone(),
            attributes(schema::PIPELINE_ATTRS, pipeline),
            HashSet::new(),
        )
        .map_err(|e| internal("the pipeline entity")(e.to_string()))?,
    ];
    let mut uids = HashMap::with_capacity(graph.node_count());
    let mut labels = BTreeSet::new();
    let mut packages = Vec::new();
    let mut things = Vec::new();
    for index in graph.graph().node_indices() {
        match graph.node(index) {
            Node::Package(_) => {
                if with_packages {
                    packages.push(index);
                }
            }
            node => {
                if let (Node::Artifact(_), Some(upstream)) = (node, graph.upstream(index)) {
                    labels.extend(upstream.labels.iter().cloned());
                }
                things.push(index);
            }
        }
    }
    // A 10,000-deep lineage has 10,000 artifacts of some 35 attributes each: on every core too.
    let built: Vec<(EntityUid, Entity)> = things
        .par_iter()
        .map(|&index| node_entity(graph, index, &in_pipeline))
        .collect::<Result<_, InternalError>>()?;
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
    let build_chunk = |chunk: &[NodeIndex],
                       mut entities: Vec<Entity>|
     -> Result<(Entities, Vec<(NodeIndex, EntityUid)>), InternalError> {
        entities.reserve(chunk.len());
        let mut chunk_uids = Vec::with_capacity(chunk.len());
        for &index in chunk {
            let (me, entity) = node_entity(graph, index, &in_pipeline)?;
            chunk_uids.push((index, me));
            entities.push(entity);
        }
        let store = Entities::from_entities(entities, checking)
            .map_err(|e| internal("the entity store")(e.to_string()))?;
        Ok((store, chunk_uids))
    };
    // One store takes the declared entities as they are: a copy of 100,000 stage and dataset
    // entities (a long chain) would double the peak memory for nothing.
    let built: Vec<(Entities, Vec<(NodeIndex, EntityUid)>)> = match chunks.as_slice() {
        [only] => vec![build_chunk(only, declared)?],
        _ => chunks
            .into_par_iter()
            .map(|chunk| build_chunk(chunk, declared.clone()))
            .collect::<Result<_, _>>()?,
    };
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
    graph: &LineageGraph,
    index: NodeIndex,
    in_pipeline: &HashSet<EntityUid>,
) -> Result<(EntityUid, Entity), InternalError> {
    let pipeline = &graph.pipeline;
    let (ty, name) = graph.node_name(index);
    let me = uid(ty, name);
    let missing = || InternalError {
        what: format!("the entity {ty}::{name:?}"),
        reason: "a fact of the lineage phase is missing".to_owned(),
    };
    let entity = match graph.node(index) {
        Node::Key(i) => Entity::new(
            me.clone(),
            attributes(schema::KEY_ATTRS, &pipeline.keys[*i]),
            in_pipeline.clone(),
        ),
        Node::Identity(i) => Entity::new(
            me.clone(),
            attributes(schema::IDENTITY_ATTRS, &pipeline.identities[*i]),
            in_pipeline.clone(),
        ),
        Node::Stage(i) => {
            let stage = &pipeline.stages[*i];
            let mut parents = in_pipeline.clone();
            if let Some(identity) = &stage.runs_as {
                parents.insert(uid("Identity", &identity.value.name));
            }
            let view = StageView {
                decl: stage,
                facts: graph.stage_facts(index).ok_or_else(missing)?,
            };
            Entity::new(me.clone(), attributes(schema::STAGE_ATTRS, &view), parents)
        }
        Node::Release(i) => Entity::new(
            me.clone(),
            attributes(schema::RELEASE_ATTRS, &pipeline.releases[*i]),
            in_pipeline.clone(),
        ),
        Node::Artifact(artifact) => {
            let view = schema::artifact_view(graph, index).ok_or_else(missing)?;
            let mut parents = in_pipeline.clone();
            for label in &view.upstream.labels {
                parents.insert(uid("Label", label));
            }
            Entity::new(
                me.clone(),
                attributes(schema::artifact_attrs(artifact.kind), &view),
                parents,
            )
        }
        Node::Package(package) => Entity::new(
            me.clone(),
            attributes(schema::PACKAGE_ATTRS, package.as_ref()),
            in_pipeline.clone(),
        ),
    }
    .map_err(|e| InternalError {
        what: format!("the entity {ty}::{name:?}"),
        reason: e.to_string(),
    })?;
    Ok((me, entity))
}

/// The `context` of every request whose principal is `principal`, at `at` (Unix seconds): the
/// release's `environment` and `exposure` for a release, the stage's environment and downstream
/// exposure for a stage, the artifact's downstream exposure for `include`; the time, the
/// pipeline's name, its `vulnerability_threshold` and `denied_licenses`.
pub fn context(
    graph: &LineageGraph,
    principal: NodeIndex,
    at: i64,
) -> Result<Context, InternalError> {
    Context::from_pairs(
        context_values(graph, principal, at)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into_expr())),
    )
    .map_err(|e| InternalError {
        what: "a request context".to_owned(),
        reason: e.to_string(),
    })
}

/// The values of [`context`], by attribute name, in the order of the schema's rows.
pub fn context_values(
    graph: &LineageGraph,
    principal: NodeIndex,
    at: i64,
) -> Vec<(&'static str, Value)> {
    context_values_named(graph, principal, at, |_| true)
}

/// The values of [`context`] whose names `keep` accepts, in the order of the schema's rows.
pub(crate) fn context_values_named(
    graph: &LineageGraph,
    principal: NodeIndex,
    at: i64,
    keep: impl Fn(&str) -> bool,
) -> Vec<(&'static str, Value)> {
    let pipeline = &graph.pipeline;
    let (environment, exposure) = match graph.node(principal) {
        Node::Release(i) => {
            let release = &pipeline.releases[*i];
            (
                Some(release.environment.value.as_str()),
                Some(release.exposure.value),
            )
        }
        Node::Stage(i) => (
            pipeline.stages[*i]
                .environment
                .as_ref()
                .map(|e| e.value.as_str()),
            graph.stage_facts(principal).and_then(|f| f.exposure),
        ),
        Node::Artifact(_) => (None, graph.downstream(principal).and_then(|d| d.exposure)),
        _ => (None, None),
    };
    let view = ContextView {
        pipeline,
        environment,
        exposure,
        now: at,
        facts: graph.pipeline_facts(),
    };
    schema::CONTEXT_ATTRS
        .iter()
        .filter(|row| keep(row.name))
        .map(|row| (row.name, (row.value)(&view)))
        .collect()
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
