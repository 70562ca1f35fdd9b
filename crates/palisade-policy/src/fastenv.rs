//! The attribute values the fast path reads of one node: the same rows of `schema.rs` the
//! Cedar entity of the node is built from (`entities::node_entity`), but only those a request's
//! policies name, so a request costs a handful of values, not an entity of ~35 attributes.

use palisade_graph::{LineageGraph, Node, NodeIndex};

use crate::schema::{self, Attr, StageView, Value};

/// The values of the rows named in `names`, in the order of the schema's rows; a name the
/// node's type does not have is absent (Cedar's `has` is false, reading it is an error).
fn pick<V: ?Sized, F: Fn(&V) -> Value + 'static>(
    rows: impl IntoIterator<Item = &'static Attr<F>>,
    view: &V,
    names: &[String],
) -> Vec<(&'static str, Value)> {
    if names.is_empty() {
        return Vec::new();
    }
    rows.into_iter()
        .filter(|row| names.iter().any(|n| n == row.name))
        .map(|row| (row.name, (row.value)(view)))
        .collect()
}

/// The values of `names` for the entity of `node`; `None` when a fact the entity needs is
/// missing (Cedar's entity building reports that).
pub(crate) fn node_values(
    graph: &LineageGraph,
    node: NodeIndex,
    names: &[String],
) -> Option<Vec<(&'static str, Value)>> {
    let pipeline = &graph.pipeline;
    Some(match graph.node(node) {
        Node::Key(i) => pick(schema::KEY_ATTRS, pipeline.keys.get(*i)?, names),
        Node::Identity(i) => pick(schema::IDENTITY_ATTRS, pipeline.identities.get(*i)?, names),
        Node::Stage(i) => {
            let view = StageView {
                decl: pipeline.stages.get(*i)?,
                facts: graph.stage_facts(node)?,
            };
            pick(schema::STAGE_ATTRS, &view, names)
        }
        Node::Release(i) => pick(schema::RELEASE_ATTRS, pipeline.releases.get(*i)?, names),
        Node::Artifact(artifact) => {
            let view = schema::artifact_view(graph, node)?;
            pick(schema::artifact_attrs(artifact.kind), &view, names)
        }
        Node::Package(package) => pick(schema::PACKAGE_ATTRS, package.as_ref(), names),
    })
}
