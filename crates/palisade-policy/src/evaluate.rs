//! Evaluation: one request per pair in the actions table, each checked only against the
//! policies whose scope can match it, in parallel; fail closed on policy errors; waivers.

use std::collections::{BTreeMap, HashMap};

use cedar_policy::{
    ActionConstraint, Authorizer, Context, EntityUid, PolicySet, PrincipalConstraint, Request,
    ResourceConstraint,
};
use palisade_graph::NodeIndex;
use rayon::prelude::*;
use serde::Serialize;

pub use palisade_core::Location;
use palisade_core::{Decision, LineIndex, RequestDecision, Severity, Timestamp};
use palisade_graph::{ArtifactFacts, EdgeKind, LineageGraph, NearestOrigins, Node, SignatureState};
use palisade_syntax::{ArtifactKind, Waiver};

use crate::entities::{self, uid};
use crate::error::InternalError;
use crate::load::PolicyPack;
use crate::{fastenv, fastpath};

/// One request Palisade makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestSpec {
    /// The principal's node.
    pub principal: NodeIndex,
    /// The action.
    pub action: Action,
    /// The resource's node.
    pub resource: NodeIndex,
}

/// The actions of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Stage reads an input.
    Read,
    /// Stage writes an output.
    Write,
    /// Stage uses a secret.
    UseSecret,
    /// Artifact includes a package.
    Include,
    /// Release ships an artifact.
    Release,
}

impl Action {
    /// The action's name in policies (`Action::"read"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::UseSecret => "use_secret",
            Action::Include => "include",
            Action::Release => "release",
        }
    }
}

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A forbid policy matched.
    Forbidden,
    /// No permit policy matched (Cedar denies by default).
    NoPermit,
    /// A policy failed to evaluate; Palisade fails closed.
    PolicyError,
}

/// The waiver that covered a violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverUse {
    /// Its name.
    pub name: String,
    /// Its last day.
    pub expires: String,
    /// Its reason.
    pub reason: String,
}

/// A denied request, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The determining policy's `@id` (`no-permit` when nothing permits).
    pub policy: String,
    /// Its `@severity`.
    pub severity: Severity,
    /// Its `@message`, filled in.
    pub message: String,
    /// `Stage::"serve"`.
    pub principal: String,
    /// `release`.
    pub action: Action,
    /// `Model::"fraud-xgb"`.
    pub resource: String,
    /// The lineage path that explains it, upstream first.
    pub path: Vec<String>,
    /// The `.pal` declaration at fault.
    pub location: Location,
    /// Why.
    pub reason: Reason,
    /// `@help`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The first `@control` (kept for readers of the single field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Every `@control`, in written order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// Where the policy is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_location: Option<Location>,
    /// The waiver covering it (in `waived` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverUse>,
    /// The evaluation error (reason `policy_error` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The outcome of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// `Stage::"train"`.
    pub principal: String,
    /// `read`.
    pub action: Action,
    /// `Dataset::"transactions"`.
    pub resource: String,
    /// allow, deny or waived.
    pub decision: RequestDecision,
    /// Policies that determined it.
    pub policies: Vec<String>,
}

/// Request counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Requests made.
    pub requests: usize,
    /// Allowed.
    pub allowed: usize,
    /// Denied (and not fully waived).
    pub denied: usize,
    /// Denied, but every determining forbid waived.
    pub waived: usize,
    /// Requests where a policy failed to evaluate.
    pub errors: usize,
}

/// The verdict of a whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The pipeline's name.
    pub pipeline: String,
    /// `allow` or `deny`.
    pub decision: Decision,
    /// When it was judged (`--at`).
    #[serde(skip)]
    pub at: Timestamp,
    /// The policy set's digest.
    pub policy_digest: String,
    /// Counts.
    pub summary: Summary,
    /// Violations, most severe first.
    pub violations: Vec<Violation>,
    /// Violations covered by unexpired waivers.
    pub waived: Vec<Violation>,
    /// Things worth knowing that do not change the decision (expired or unused waivers,
    /// validation warnings).
    pub warnings: Vec<String>,
    /// Every request's outcome (for `explain`).
    #[serde(skip)]
    pub outcomes: Vec<Outcome>,
}

impl Evaluation {
    /// True when the release may go ahead.
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allow
    }
}

/// Every request the graph calls for, in a stable order.
pub fn requests(graph: &LineageGraph) -> Vec<RequestSpec> {
    let mut out = Vec::new();
    for &node in graph.topological() {
        match graph.node(node) {
            Node::Stage(_) => {
                // What the stage's attestation shows it read undeclared is read too.
                for input in graph.predecessors(node, &[EdgeKind::Input, EdgeKind::UndeclaredInput])
                {
                    out.push(RequestSpec {
                        principal: node,
                        action: Action::Read,
                        resource: input,
                    });
                }
                for output in graph.successors(node, &[EdgeKind::Output]) {
                    out.push(RequestSpec {
                        principal: node,
                        action: Action::Write,
                        resource: output,
                    });
                }
                for secret in graph.predecessors(node, &[EdgeKind::UsesSecret]) {
                    out.push(RequestSpec {
                        principal: node,
                        action: Action::UseSecret,
                        resource: secret,
                    });
                }
            }
            Node::Release(_) => {
                for artifact in graph.predecessors(node, &[EdgeKind::ReleasedBy]) {
                    out.push(RequestSpec {
                        principal: node,
                        action: Action::Release,
                        resource: artifact,
                    });
                }
            }
            Node::Artifact(artifact) => {
                for &package in &artifact.packages {
                    out.push(RequestSpec {
                        principal: node,
                        action: Action::Include,
                        resource: package,
                    });
                }
            }
            _ => {}
        }
    }
    // petgraph lists edges newest first; keep declaration order for stable reports.
    out.sort_by_key(|r| (r.principal.index(), r.action, r.resource.index()));
    out
}

/// The policies that can apply to requests of one action and principal/resource type.
fn scoped(
    pack: &PolicyPack,
    action: &EntityUid,
    principal_ty: &str,
    resource_ty: &str,
) -> PolicySet {
    let mut set = PolicySet::new();
    for policy in pack.set.policies() {
        let action_ok = match policy.action_constraint() {
            ActionConstraint::Any => true,
            ActionConstraint::Eq(a) => &a == action,
            ActionConstraint::In(list) => list.contains(action),
        };
        let type_ok = |ty: Option<String>, wanted: &str| ty.is_none_or(|t| t == wanted);
        let principal_ok = type_ok(
            match policy.principal_constraint() {
                PrincipalConstraint::Is(t) | PrincipalConstraint::IsIn(t, _) => Some(t.to_string()),
                PrincipalConstraint::Eq(uid) => Some(uid.type_name().to_string()),
                _ => None,
            },
            principal_ty,
        );
        let resource_ok = type_ok(
            match policy.resource_constraint() {
                ResourceConstraint::Is(t) | ResourceConstraint::IsIn(t, _) => Some(t.to_string()),
                ResourceConstraint::Eq(uid) => Some(uid.type_name().to_string()),
                _ => None,
            },
            resource_ty,
        );
        if action_ok && principal_ok && resource_ok {
            // Ids are unique in the pack, so adding cannot collide.
            let _ = set.add(policy.clone());
        }
    }
    set
}

#[derive(Clone)]
struct Judged {
    decision: cedar_policy::Decision,
    reasons: Vec<String>,
    errors: Vec<(String, String)>,
}

/// How requests are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// `include` requests whose policies are all in the fast path's subset are decided by it
    /// (see `fastpath`); everything else by Cedar.
    #[default]
    Fast,
    /// Every request by Cedar (the reference the fast path is tested against).
    CedarOnly,
}

/// Evaluates every request at time `at`.
pub fn evaluate(
    graph: &LineageGraph,
    pack: &PolicyPack,
    at: Timestamp,
) -> Result<Evaluation, InternalError> {
    evaluate_with(graph, pack, at, Engine::Fast)
}

/// What the fast path needs for the requests of one (action, principal type, resource type):
/// the compiled scoped policies and the attribute names they read of each variable.
struct Plan {
    policies: Vec<fastpath::Compiled>,
    principal: Vec<String>,
    resource: Vec<String>,
    context: Vec<String>,
}

/// The fast path's decisions for the requests it can decide (`None` for the rest): each scope
/// compiled once, and for each request only the attributes its policies read (no Cedar entity,
/// context or request is built, and nothing is kept per request but the decision).
fn fast_decisions(
    graph: &LineageGraph,
    pack: &PolicyPack,
    specs: &[RequestSpec],
    at: Timestamp,
) -> Vec<Option<Judged>> {
    type Key = (Action, &'static str, &'static str);
    let mut plans: HashMap<Key, Option<Plan>> = HashMap::new();
    for spec in specs {
        let key = (
            spec.action,
            graph.node_name(spec.principal).0,
            graph.node_name(spec.resource).0,
        );
        plans.entry(key).or_insert_with(|| {
            let action = uid("Action", spec.action.as_str());
            let policies = fastpath::compile_all(scoped(pack, &action, key.1, key.2).policies())?;
            Some(Plan {
                principal: fastpath::reads(&policies, fastpath::Var::Principal),
                resource: fastpath::reads(&policies, fastpath::Var::Resource),
                context: fastpath::reads(&policies, fastpath::Var::Context),
                policies,
            })
        });
    }
    specs
        .par_iter()
        .map(|spec| {
            let (principal_ty, _) = graph.node_name(spec.principal);
            let (resource_ty, _) = graph.node_name(spec.resource);
            let plan = plans
                .get(&(spec.action, principal_ty, resource_ty))?
                .as_ref()?;
            let principal = fastenv::node_values(graph, spec.principal, &plan.principal)?;
            let resource = fastenv::node_values(graph, spec.resource, &plan.resource)?;
            let context = entities::context_values_named(graph, spec.principal, at.unix(), |n| {
                plan.context.iter().any(|c| c == n)
            });
            let env = fastpath::Env {
                principal_ty,
                principal: &principal,
                resource_ty,
                resource: &resource,
                context: &context,
            };
            let decided = fastpath::decide(&plan.policies, &env)?;
            Some(Judged {
                decision: if decided.allow {
                    cedar_policy::Decision::Allow
                } else {
                    cedar_policy::Decision::Deny
                },
                reasons: decided.reasons,
                errors: Vec::new(),
            })
        })
        .collect()
}

/// Evaluates every request at time `at`, deciding them as `engine` says.
pub fn evaluate_with(
    graph: &LineageGraph,
    pack: &PolicyPack,
    at: Timestamp,
    engine: Engine,
) -> Result<Evaluation, InternalError> {
    let checking = entities::checking_schema()?;
    let specs = requests(graph);
    let pipeline_name = graph.pipeline.name.value.clone();
    let fast = match engine {
        Engine::Fast => fast_decisions(graph, pack, &specs, at),
        Engine::CedarOnly => vec![None; specs.len()],
    };
    // Cedar needs the packages only when a package request is left to it.
    let packages_needed = specs.iter().zip(&fast).any(|(spec, fast)| {
        fast.is_none() && matches!(graph.node(spec.resource), Node::Package(_))
    });
    // And the declared things only when any request is left to it: a lineage chain of 50,000
    // stages whose requests the fast path decides builds no entity at all. Debug builds (every
    // test) still build them, so that every entity is checked against the schema.
    let cedar_needed = fast.iter().any(Option::is_none) || checking.is_some();
    let map = if packages_needed {
        Some(entities::build_sharded(graph, shard_count(graph, pack))?)
    } else if cedar_needed {
        Some(entities::build_stores(graph, 1, false)?)
    } else {
        None
    };

    // Scope once per (action, principal type, resource type) Cedar decides.
    let mut scopes: HashMap<(Action, &'static str, &'static str), PolicySet> = HashMap::new();
    for (spec, _) in specs.iter().zip(&fast).filter(|(_, fast)| fast.is_none()) {
        let key = (
            spec.action,
            graph.node_name(spec.principal).0,
            graph.node_name(spec.resource).0,
        );
        scopes
            .entry(key)
            .or_insert_with(|| scoped(pack, &uid("Action", spec.action.as_str()), key.1, key.2));
    }
    // The context depends on the principal only: build it once per principal, not per request.
    let mut contexts: HashMap<NodeIndex, Context> = HashMap::new();
    for (spec, _) in specs.iter().zip(&fast).filter(|(_, fast)| fast.is_none()) {
        if let std::collections::hash_map::Entry::Vacant(slot) = contexts.entry(spec.principal) {
            slot.insert(entities::context(graph, spec.principal, at.unix())?);
        }
    }

    let authorizer = Authorizer::new();
    let judged: Vec<Judged> = specs
        .par_iter()
        .zip(fast)
        .map(|(spec, fast)| {
            if let Some(judged) = fast {
                return judged;
            }
            // Built above whenever a request is left to Cedar.
            let Some(map) = &map else {
                return Judged {
                    decision: cedar_policy::Decision::Deny,
                    reasons: Vec::new(),
                    errors: vec![("request".to_owned(), "no entity store".to_owned())],
                };
            };
            let key = (
                spec.action,
                graph.node_name(spec.principal).0,
                graph.node_name(spec.resource).0,
            );
            let principal = map.uids[&spec.principal].clone();
            let resource = map.uids[&spec.resource].clone();
            let context = contexts[&spec.principal].clone();
            let request = Request::new(
                principal,
                uid("Action", spec.action.as_str()),
                resource,
                context,
                checking,
            );
            match request {
                Ok(request) => {
                    let response = authorizer.is_authorized(
                        &request,
                        &scopes[&key],
                        map.store_for(spec.resource),
                    );
                    // Cedar keeps the determining policies in a `HashSet`, whose order changes
                    // from run to run: sort, so that reports and `explain` are reproducible.
                    let mut reasons: Vec<String> = response
                        .diagnostics()
                        .reason()
                        .map(ToString::to_string)
                        .collect();
                    reasons.sort_unstable();
                    let mut errors: Vec<(String, String)> = response
                        .diagnostics()
                        .errors()
                        .map(|e| match e {
                            cedar_policy::AuthorizationError::PolicyEvaluationError(inner) => {
                                (inner.policy_id().to_string(), inner.inner().to_string())
                            }
                        })
                        .collect();
                    errors.sort_unstable();
                    Judged {
                        decision: response.decision(),
                        reasons,
                        errors,
                    }
                }
                Err(e) => Judged {
                    decision: cedar_policy::Decision::Deny,
                    reasons: Vec::new(),
                    errors: vec![("request".to_owned(), e.to_string())],
                },
            }
        })
        .collect();

    // Freeing 50,000 entities takes a good part of a second: one store per core, in parallel.
    if let Some(map) = map {
        map.shards.into_par_iter().for_each(drop);
    }

    let mut evaluation = Evaluation {
        pipeline: pipeline_name,
        decision: Decision::Allow,
        at,
        policy_digest: pack.digest.clone(),
        summary: Summary {
            requests: specs.len(),
            ..Summary::default()
        },
        violations: Vec::new(),
        waived: Vec::new(),
        warnings: pack.warnings.clone(),
        outcomes: Vec::with_capacity(specs.len()),
    };
    // Explaining a denial (uids, message, lineage path, location) needs nothing but the graph:
    // draft every request's violations on every core, then decide waivers and counts in order.
    let mut explainer = Explainer::new(graph, pack);
    for judged in &judged {
        for policy in judged
            .reasons
            .iter()
            .chain(judged.errors.iter().map(|(p, _)| p))
        {
            if let Some(lineage) = pack.policy(policy).and_then(|i| i.lineage.as_deref()) {
                explainer.prepare(lineage);
            }
        }
    }
    let explainer = &explainer;
    let drafts: Vec<(String, String, Vec<Violation>)> = specs
        .par_iter()
        .zip(&judged)
        .map(|(spec, judged)| {
            let violations = if !judged.errors.is_empty() {
                judged
                    .errors
                    .iter()
                    .map(|(policy, error)| {
                        let mut violation = explainer.violation(spec, policy, Reason::PolicyError);
                        violation.message = format!(
                            "policy {policy:?} failed to evaluate, so the request is denied (fail closed): {error}"
                        );
                        violation.error = Some(error.clone());
                        violation
                    })
                    .collect()
            } else if judged.decision == cedar_policy::Decision::Allow {
                Vec::new()
            } else if judged.reasons.is_empty() {
                vec![explainer.violation(spec, "no-permit", Reason::NoPermit)]
            } else {
                judged
                    .reasons
                    .iter()
                    .map(|policy| explainer.violation(spec, policy, Reason::Forbidden))
                    .collect()
            };
            (
                graph.uid_string(spec.principal),
                graph.uid_string(spec.resource),
                violations,
            )
        })
        .collect();

    let waivers = &graph.pipeline.waivers;
    let mut used_waivers = vec![false; waivers.len()];
    for ((spec, judged), (principal, resource, drafted)) in specs.iter().zip(judged).zip(drafts) {
        let mut outcome = Outcome {
            principal,
            action: spec.action,
            resource,
            decision: RequestDecision::Allow,
            policies: judged.reasons,
        };
        if !judged.errors.is_empty() {
            evaluation.summary.errors += 1;
            outcome.decision = RequestDecision::Deny;
            evaluation.violations.extend(drafted);
        } else if judged.decision == cedar_policy::Decision::Allow {
            evaluation.summary.allowed += 1;
        } else if outcome.policies.is_empty() {
            evaluation.summary.denied += 1;
            outcome.decision = RequestDecision::Deny;
            evaluation.violations.extend(drafted);
        } else {
            let mut found = Vec::new();
            let mut all_waived = true;
            for mut v in drafted {
                match covering_waiver(
                    waivers,
                    &v.policy,
                    &outcome.principal,
                    &outcome.resource,
                    at,
                ) {
                    Some(i) => {
                        used_waivers[i] = true;
                        let w = &waivers[i];
                        v.waiver = Some(WaiverUse {
                            name: w.name.value.clone(),
                            expires: w.expires.value.to_string(),
                            reason: w.reason.value.clone(),
                        });
                    }
                    None => all_waived = false,
                }
                found.push(v);
            }
            if all_waived {
                evaluation.summary.waived += 1;
                outcome.decision = RequestDecision::Waived;
                evaluation.waived.extend(found);
            } else {
                evaluation.summary.denied += 1;
                outcome.decision = RequestDecision::Deny;
                // Partially waived denials stay violations; the waived parts are still listed
                // under `waived` so the reader sees what the waiver covers.
                for v in found {
                    if v.waiver.is_some() {
                        evaluation.waived.push(v);
                    } else {
                        evaluation.violations.push(v);
                    }
                }
            }
        }
        evaluation.outcomes.push(outcome);
    }
    for (i, waiver) in waivers.iter().enumerate() {
        if expired(waiver, at) {
            evaluation.warnings.push(format!(
                "waiver {:?} for policy {:?} expired on {}; it no longer covers anything",
                waiver.name.value, waiver.policy.value, waiver.expires.value
            ));
        } else if !used_waivers[i] {
            evaluation.warnings.push(format!(
                "waiver {:?} for policy {:?} covered nothing in this evaluation; remove it if the issue is fixed",
                waiver.name.value, waiver.policy.value
            ));
        }
    }
    evaluation.violations.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.line.cmp(&b.location.line))
            .then_with(|| a.policy.cmp(&b.policy))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    if evaluation.summary.denied > 0 || evaluation.summary.errors > 0 {
        evaluation.decision = Decision::Deny;
    }
    Ok(evaluation)
}

/// Packages per entity store. Cedar's transitive closure over a store is cheaper per entity
/// in small stores (on 50,000 packages, 12 stores cost 15 % less CPU than 2), and the stores
/// spread over every core; each store also holds a copy of the declared things, which is
/// cheap next to 4,096 packages.
const PACKAGES_PER_SHARD: usize = 4_096;

/// How many entity stores to build: one per [`PACKAGES_PER_SHARD`] packages (at most 64); one
/// when a policy names a package by uid (it must be found whichever store answers).
fn shard_count(graph: &LineageGraph, pack: &PolicyPack) -> usize {
    let names_a_package = pack.set.policies().any(|policy| {
        policy
            .entity_literals()
            .iter()
            .any(|uid| uid.type_name().to_string() == "Package")
    });
    let packages = graph.node_count().saturating_sub(graph.topological().len());
    if names_a_package {
        1
    } else {
        (packages / PACKAGES_PER_SHARD).clamp(1, 64)
    }
}

/// Whether a waiver no longer applies at `at`: it covers through the whole of its `expires` day
/// (UTC), up to the first instant of the next day.
pub fn expired(waiver: &Waiver, at: Timestamp) -> bool {
    at >= waiver.expires.value.end()
}

fn covering_waiver(
    waivers: &[Waiver],
    policy: &str,
    principal: &str,
    resource: &str,
    at: Timestamp,
) -> Option<usize> {
    waivers.iter().position(|w| {
        w.policy.value == policy
            && !expired(w, at)
            && w.target.as_ref().is_none_or(|t| {
                let target = format!(
                    "{}::{}",
                    entity_type_of(t.value.kind),
                    palisade_graph::quote(&t.value.name)
                );
                target == principal || target == resource
            })
    })
}

fn entity_type_of(kind: palisade_syntax::Kind) -> &'static str {
    use palisade_syntax::Kind;
    match kind {
        Kind::Key => "Key",
        Kind::Identity => "Identity",
        Kind::Code => "Code",
        Kind::Dataset => "Dataset",
        Kind::Model => "Model",
        Kind::Image => "Image",
        Kind::Secret => "Secret",
        Kind::Stage => "Stage",
        Kind::Release => "Release",
        Kind::Waiver => "Waiver",
    }
}

/// A pal-style reference for messages: `model "fraud-xgb"`.
fn mention(graph: &LineageGraph, node: NodeIndex) -> String {
    let (ty, name) = graph.node_name(node);
    format!("{} {}", ty.to_lowercase(), palisade_graph::quote(name))
}

/// Lineage paths longer than this many nodes keep their first and last halves and name how
/// many nodes are left out in one entry between them (see [`elided_marker`]). Without a cap a
/// 10,000-deep chain with a violation every few stages listed tens of millions of nodes.
pub const PATH_LIMIT: usize = 50;

/// The entry standing for `count` nodes left out of the middle of a violation's `path`.
pub fn elided_marker(count: usize) -> String {
    format!("… {count} more …")
}

/// Builds violations, sharing the work they have in common: one lineage pass per `@lineage`
/// question (not one search per violation) and the file's line starts (not a scan per
/// location).
struct Explainer<'g> {
    graph: &'g LineageGraph,
    pack: &'g PolicyPack,
    lines: LineIndex,
    origins: HashMap<String, Option<NearestOrigins>>,
}

impl<'g> Explainer<'g> {
    fn new(graph: &'g LineageGraph, pack: &'g PolicyPack) -> Self {
        Self {
            graph,
            pack,
            lines: LineIndex::new(&graph.pipeline.source.text),
            origins: HashMap::new(),
        }
    }

    fn location(&self, spec: &RequestSpec) -> Location {
        let graph = self.graph;
        let span = graph
            .span(spec.resource)
            .filter(|_| !matches!(graph.node(spec.resource), Node::Package(_)))
            .or_else(|| graph.span(spec.principal))
            .unwrap_or(graph.pipeline.name.span);
        self.lines.location(
            &graph.pipeline.source.name,
            &graph.pipeline.source.text,
            span.offset(),
        )
    }

    fn violation(&self, spec: &RequestSpec, policy: &str, reason: Reason) -> Violation {
        let graph = self.graph;
        let info = self.pack.policy(policy);
        let principal = mention(graph, spec.principal);
        let resource = mention(graph, spec.resource);
        let template = match (reason, info.and_then(|i| i.message.clone())) {
            (Reason::NoPermit, _) => {
                "no policy permits {principal} to {action} {resource}".to_owned()
            }
            (_, Some(message)) => message,
            (_, None) => format!("{policy} forbids {{principal}} to {{action}} {{resource}}"),
        };
        let message = template
            .replace("{principal}", &principal)
            .replace("{resource}", &resource)
            .replace("{action}", spec.action.as_str());
        Violation {
            policy: policy.to_owned(),
            severity: info.map_or(Severity::High, |i| i.severity),
            message,
            principal: graph.uid_string(spec.principal),
            action: spec.action,
            resource: graph.uid_string(spec.resource),
            path: self.explain_path(spec, info.and_then(|i| i.lineage.as_deref())),
            location: self.location(spec),
            reason,
            help: match reason {
                Reason::NoPermit => Some("Cedar denies by default: add a permit policy for this action (the @baseline pack has broad permits)".to_owned()),
                _ => info.and_then(|i| i.help.clone()),
            },
            control: info.and_then(|i| i.control.clone()),
            controls: info.map(|i| i.controls.clone()).unwrap_or_default(),
            policy_location: info.map(|i| Location { file: i.file.clone(), line: i.line, column: i.column }),
            waiver: None,
            error: None,
        }
    }

    /// The nearest-origin paths for one `@lineage` value (computed by [`Explainer::prepare`]),
    /// and whether the origin must be strictly upstream. `None` for a value that names no
    /// question or was not prepared.
    fn origins(&self, lineage: &str) -> Option<(&NearestOrigins, bool)> {
        let strict = matches!(lineage, "unsigned" | "unpinned");
        Some((self.origins.get(lineage)?.as_ref()?, strict))
    }

    /// Computes the nearest-origin paths for one `@lineage` value, once.
    fn prepare(&mut self, lineage: &str) {
        let graph = self.graph;
        if self.origins.contains_key(lineage) {
            return;
        }
        let artifact_is = |test: &dyn Fn(ArtifactKind, &ArtifactFacts) -> bool| {
            graph.nearest_origins(|g, n| {
                g.artifact(n)
                    .zip(graph.facts(n))
                    .is_some_and(|(a, facts)| test(a.kind, facts))
            })
        };
        let origins = match lineage {
            "unsigned" => Some(artifact_is(&|kind, facts| {
                kind != ArtifactKind::Secret && facts.signature != SignatureState::Verified
            })),
            "unpinned" => Some(artifact_is(&|kind, facts| {
                kind != ArtifactKind::Secret && !facts.integrity.is_pinned()
            })),
            "secrets" => Some(artifact_is(&|_, facts| facts.secrets.total > 0)),
            "sast" => Some(artifact_is(&|_, facts| {
                facts.sast.critical + facts.sast.high > 0
            })),
            "vulnerabilities" => Some(artifact_is(&|_, facts| {
                facts.vulnerabilities.highest() >= Severity::High
            })),
            // A stage without a verified attestation.
            "unattested" => Some(graph.nearest_origins(|g, n| {
                match g.node(n) {
                    Node::Stage(i) => graph
                        .stage_evidence(*i)
                        .is_none_or(|e| e.attestation() != SignatureState::Verified),
                    _ => false,
                }
            })),
            // What a stage read undeclared: the declared artifact (its `undeclared_input`
            // edge), else the stage itself when what it read is no declared artifact.
            "undeclared" => Some(graph.nearest_origins(|g, n| {
                match g.node(n) {
                    Node::Artifact(_) => g
                        .successors(n, &[palisade_graph::EdgeKind::UndeclaredInput])
                        .next()
                        .is_some(),
                    Node::Stage(i) => graph
                        .stage_evidence(*i)
                        .and_then(|e| e.lineage.as_ref())
                        .is_some_and(|l| l.undeclared_inputs.iter().any(|r| r.known_as.is_empty())),
                    _ => false,
                }
            })),
            other => other
                .strip_prefix("label:")
                .map(|label| graph.nearest_origins(|_, n| graph.has_own_label(n, label))),
        };
        self.origins.insert(lineage.to_owned(), origins);
    }

    /// The lineage path explaining a violation, upstream first, as entity uids; the middle of
    /// a path longer than [`PATH_LIMIT`] is one [`elided_marker`] entry.
    fn explain_path(&self, spec: &RequestSpec, lineage: Option<&str>) -> Vec<String> {
        let graph = self.graph;
        let artifact_node = if matches!(graph.node(spec.resource), Node::Artifact(_)) {
            spec.resource
        } else {
            spec.principal
        };
        let found = lineage
            .and_then(|how| self.origins(how))
            .and_then(|(origins, strict)| origins.path(graph, artifact_node, strict, PATH_LIMIT));
        let mut path: Vec<String> = match found {
            Some(found) => {
                let mut path: Vec<String> = Vec::with_capacity(found.nodes.len() + 2);
                for (i, &node) in found.nodes.iter().enumerate() {
                    if found.elided > 0 && i == found.split {
                        path.push(elided_marker(found.elided));
                    }
                    path.push(graph.uid_string(node));
                }
                path
            }
            None => vec![graph.uid_string(artifact_node)],
        };
        // Close the path with the other side of the request, in data-flow order.
        match spec.action {
            Action::Release | Action::Read | Action::UseSecret => {
                path.push(graph.uid_string(spec.principal));
            }
            Action::Write => path.insert(0, graph.uid_string(spec.principal)),
            Action::Include => path.insert(0, graph.uid_string(spec.resource)),
        }
        path
    }
}

/// Per-policy decision counts, for reports.
pub fn by_policy(evaluation: &Evaluation) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for v in &evaluation.violations {
        *counts.entry(v.policy.clone()).or_default() += 1;
    }
    counts
}
