//! The baseline Palisade is measured against: the same requests, with the same context, sent
//! straight to `cedar_policy::Authorizer::is_authorized` with the whole policy set (no scoping,
//! no parallelism, no waivers, no reports).

use std::collections::{BTreeSet, HashMap};

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request};
use miette::Diagnostic;
use palisade_graph::{LineageGraph, NodeIndex};
use palisade_policy::RequestSpec;
use palisade_policy::entities::uid;

/// Why the plain-Cedar requests could not be built.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum PlainError {
    /// The graph could not be turned into Cedar entities.
    #[error("pipeline {pipeline:?}: building Cedar entities failed: {reason}")]
    Entities {
        /// The pipeline's name.
        pipeline: String,
        /// Cedar's reason.
        reason: String,
    },
    /// A node has no entity uid (the entity map does not belong to this graph).
    #[error("pipeline {pipeline:?}: request {request} names a node with no entity")]
    MissingEntity {
        /// The pipeline's name.
        pipeline: String,
        /// `Stage::"train" read Dataset::"d"`.
        request: String,
    },
    /// Cedar refused the request or its context.
    #[error("pipeline {pipeline:?}: request {request} is not a valid Cedar request: {reason}")]
    Request {
        /// The pipeline's name.
        pipeline: String,
        /// `Stage::"train" read Dataset::"d"`.
        request: String,
        /// Cedar's reason.
        reason: String,
    },
}

/// One plain-Cedar decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainDecision {
    /// Allow or deny.
    pub decision: Decision,
    /// The determining policies' ids.
    pub reasons: BTreeSet<String>,
    /// Ids of policies that failed to evaluate.
    pub errors: BTreeSet<String>,
}

/// The request context exactly as Palisade builds it ([`palisade_policy::entities::context`]).
pub fn context(
    graph: &LineageGraph,
    spec: &RequestSpec,
    at: i64,
) -> Result<Context, palisade_policy::InternalError> {
    palisade_policy::entities::context(graph, spec.principal, at)
}

/// The Cedar requests for `specs` (in order), one context per request.
pub fn requests(
    graph: &LineageGraph,
    specs: &[RequestSpec],
    uids: &HashMap<NodeIndex, EntityUid>,
    at: i64,
) -> Result<Vec<Request>, PlainError> {
    let pipeline = &graph.pipeline.name.value;
    specs
        .iter()
        .map(|spec| {
            let describe = || {
                format!(
                    "{} {} {}",
                    graph.uid_string(spec.principal),
                    spec.action.as_str(),
                    graph.uid_string(spec.resource)
                )
            };
            let (Some(principal), Some(resource)) =
                (uids.get(&spec.principal), uids.get(&spec.resource))
            else {
                return Err(PlainError::MissingEntity {
                    pipeline: pipeline.clone(),
                    request: describe(),
                });
            };
            let invalid = |reason: String| PlainError::Request {
                pipeline: pipeline.clone(),
                request: describe(),
                reason,
            };
            let context = context(graph, spec, at).map_err(|e| invalid(e.to_string()))?;
            Request::new(
                principal.clone(),
                uid("Action", spec.action.as_str()),
                resource.clone(),
                context,
                None,
            )
            .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

/// Authorizes every request against the whole policy set, one after the other.
pub fn authorize(requests: &[Request], set: &PolicySet, entities: &Entities) -> Vec<PlainDecision> {
    let authorizer = Authorizer::new();
    requests
        .iter()
        .map(|request| {
            let response = authorizer.is_authorized(request, set, entities);
            PlainDecision {
                decision: response.decision(),
                reasons: response
                    .diagnostics()
                    .reason()
                    .map(ToString::to_string)
                    .collect(),
                errors: response
                    .diagnostics()
                    .errors()
                    .map(|e| match e {
                        cedar_policy::AuthorizationError::PolicyEvaluationError(inner) => {
                            inner.policy_id().to_string()
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Everything at once: entities, Palisade's requests, plain-Cedar decisions in request order.
pub fn decide_all(
    graph: &LineageGraph,
    set: &PolicySet,
    at: i64,
) -> Result<Vec<PlainDecision>, PlainError> {
    let map = palisade_policy::entities::build(graph).map_err(|e| PlainError::Entities {
        pipeline: graph.pipeline.name.value.clone(),
        reason: e.to_string(),
    })?;
    let specs = palisade_policy::requests(graph);
    let requests = requests(graph, &specs, &map.uids, at)?;
    Ok(authorize(&requests, set, &map.entities))
}
