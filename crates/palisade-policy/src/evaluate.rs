//! Evaluation: one request per pair in the actions table, each checked only against the
//! policies whose scope can match it, in parallel; fail closed on policy errors; waivers.

use std::collections::{BTreeMap, HashMap};

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Decision, EntityUid, PolicySet, PrincipalConstraint,
    Request, ResourceConstraint, RestrictedExpression,
};
use palisade_graph::NodeIndex;
use rayon::prelude::*;
use serde::Serialize;

use palisade_graph::{EdgeKind, Node, PipelineGraph, SignatureState};
use palisade_syntax::Waiver;

use crate::entities::{self, uid};
use crate::load::PolicyPack;
use crate::time;

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

/// A place in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file.
    pub file: String,
    /// Line.
    pub line: usize,
    /// Column.
    pub column: usize,
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
    pub severity: String,
    /// Its `@message`, filled in.
    pub message: String,
    /// `Stage::"serve"`.
    pub principal: String,
    /// `release`.
    pub action: String,
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
    /// `@control`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
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
    pub decision: &'static str,
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
    pub decision: &'static str,
    /// When it was judged (Unix seconds; `--at`).
    #[serde(skip)]
    pub at: i64,
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
        self.decision == "allow"
    }
}

/// Every request the graph calls for, in a stable order.
pub fn requests(graph: &PipelineGraph) -> Vec<RequestSpec> {
    let mut out = Vec::new();
    for &node in graph.topological() {
        match graph.node(node) {
            Node::Stage(..) => {
                for input in graph.predecessors(node, &[EdgeKind::Input]) {
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

struct Judged {
    decision: Decision,
    reasons: Vec<String>,
    errors: Vec<(String, String)>,
}

/// Evaluates every request at time `at` (Unix seconds).
pub fn evaluate(graph: &PipelineGraph, pack: &PolicyPack, at: i64) -> Result<Evaluation, String> {
    let map = entities::build(graph)?;
    let specs = requests(graph);
    let pipeline_name = graph.pipeline.name.value.clone();

    // Scope once per (action, principal type, resource type).
    let mut scopes: HashMap<(Action, &'static str, &'static str), PolicySet> = HashMap::new();
    for spec in &specs {
        let key = (
            spec.action,
            graph.node_name(spec.principal).0,
            graph.node_name(spec.resource).0,
        );
        scopes
            .entry(key)
            .or_insert_with(|| scoped(pack, &uid("Action", spec.action.as_str()), key.1, key.2));
    }
    let contexts: HashMap<(NodeIndex, Action), Context> = specs
        .iter()
        .map(|spec| {
            (
                (spec.principal, spec.action),
                context(graph, spec, at, &pipeline_name),
            )
        })
        .collect::<HashMap<_, _>>()
        .into_iter()
        .map(|(k, v)| v.map(|c| (k, c)))
        .collect::<Result<_, _>>()?;

    let authorizer = Authorizer::new();
    let judged: Vec<Judged> = specs
        .par_iter()
        .map(|spec| {
            let key = (
                spec.action,
                graph.node_name(spec.principal).0,
                graph.node_name(spec.resource).0,
            );
            let principal = map.uids[&spec.principal].clone();
            let resource = map.uids[&spec.resource].clone();
            let context = contexts[&(spec.principal, spec.action)].clone();
            let request = Request::new(
                principal,
                uid("Action", spec.action.as_str()),
                resource,
                context,
                None,
            );
            match request {
                Ok(request) => {
                    let response = authorizer.is_authorized(&request, &scopes[&key], &map.entities);
                    Judged {
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
                                    (inner.policy_id().to_string(), inner.inner().to_string())
                                }
                            })
                            .collect(),
                    }
                }
                Err(e) => Judged {
                    decision: Decision::Deny,
                    reasons: Vec::new(),
                    errors: vec![("request".to_owned(), e.to_string())],
                },
            }
        })
        .collect();

    let mut evaluation = Evaluation {
        pipeline: pipeline_name,
        decision: "allow",
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
    let waivers = &graph.pipeline.waivers;
    let mut used_waivers = vec![false; waivers.len()];
    for (spec, judged) in specs.iter().zip(judged) {
        let principal = graph.uid_string(spec.principal);
        let resource = graph.uid_string(spec.resource);
        let mut outcome = Outcome {
            principal: principal.clone(),
            action: spec.action,
            resource: resource.clone(),
            decision: "allow",
            policies: judged.reasons.clone(),
        };
        if !judged.errors.is_empty() {
            evaluation.summary.errors += 1;
            outcome.decision = "deny";
            for (policy, error) in &judged.errors {
                let mut violation = violation(graph, pack, spec, policy, Reason::PolicyError);
                violation.message = format!(
                    "policy {policy:?} failed to evaluate, so the request is denied (fail closed): {error}"
                );
                violation.error = Some(error.clone());
                evaluation.violations.push(violation);
            }
        } else if judged.decision == Decision::Allow {
            evaluation.summary.allowed += 1;
        } else if judged.reasons.is_empty() {
            evaluation.summary.denied += 1;
            outcome.decision = "deny";
            evaluation
                .violations
                .push(violation(graph, pack, spec, "no-permit", Reason::NoPermit));
        } else {
            let mut found = Vec::new();
            let mut all_waived = true;
            for policy in &judged.reasons {
                let mut v = violation(graph, pack, spec, policy, Reason::Forbidden);
                match covering_waiver(waivers, policy, &principal, &resource, at) {
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
                outcome.decision = "waived";
                evaluation.waived.extend(found);
            } else {
                evaluation.summary.denied += 1;
                outcome.decision = "deny";
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
    let rank = |s: &str| {
        crate::load::SEVERITIES
            .iter()
            .position(|x| *x == s)
            .unwrap_or(0)
    };
    evaluation.violations.sort_by(|a, b| {
        rank(&a.severity)
            .cmp(&rank(&b.severity))
            .then_with(|| a.location.line.cmp(&b.location.line))
            .then_with(|| a.policy.cmp(&b.policy))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    if evaluation.summary.denied > 0 || evaluation.summary.errors > 0 {
        evaluation.decision = "deny";
    }
    Ok(evaluation)
}

/// Whether a waiver no longer applies at `at`: it covers through the whole of its `expires` day (UTC).
pub fn expired(waiver: &Waiver, at: i64) -> bool {
    at >= waiver.expires.value.unix_seconds() + 86_400
}

fn covering_waiver(
    waivers: &[Waiver],
    policy: &str,
    principal: &str,
    resource: &str,
    at: i64,
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

fn context(
    graph: &PipelineGraph,
    spec: &RequestSpec,
    at: i64,
    pipeline: &str,
) -> Result<Context, String> {
    let (environment, exposure) = match graph.node(spec.principal) {
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

/// A pal-style reference for messages: `model "fraud-xgb"`.
fn mention(graph: &PipelineGraph, node: NodeIndex) -> String {
    let (ty, name) = graph.node_name(node);
    format!("{} {}", ty.to_lowercase(), palisade_graph::quote(name))
}

fn location(graph: &PipelineGraph, spec: &RequestSpec) -> Location {
    let source = &graph.pipeline.source;
    let span = graph
        .span(spec.resource)
        .filter(|_| !matches!(graph.node(spec.resource), Node::Package(_)))
        .or_else(|| graph.span(spec.principal))
        .unwrap_or(graph.pipeline.name.span);
    let (line, column) = source.line_col(span.offset());
    Location {
        file: source.name.clone(),
        line,
        column,
    }
}

fn violation(
    graph: &PipelineGraph,
    pack: &PolicyPack,
    spec: &RequestSpec,
    policy: &str,
    reason: Reason,
) -> Violation {
    let info = pack.policy(policy);
    let principal = mention(graph, spec.principal);
    let resource = mention(graph, spec.resource);
    let template = match (reason, info.and_then(|i| i.message.clone())) {
        (Reason::NoPermit, _) => "no policy permits {principal} to {action} {resource}".to_owned(),
        (_, Some(message)) => message,
        (_, None) => format!("{policy} forbids {{principal}} to {{action}} {{resource}}"),
    };
    let message = template
        .replace("{principal}", &principal)
        .replace("{resource}", &resource)
        .replace("{action}", spec.action.as_str());
    Violation {
        policy: policy.to_owned(),
        severity: info.map_or_else(|| "high".to_owned(), |i| i.severity.clone()),
        message,
        principal: graph.uid_string(spec.principal),
        action: spec.action.as_str().to_owned(),
        resource: graph.uid_string(spec.resource),
        path: explain_path(graph, spec, info.and_then(|i| i.lineage.as_deref())),
        location: location(graph, spec),
        reason,
        help: match reason {
            Reason::NoPermit => Some("Cedar denies by default: add a permit policy for this action (the @baseline pack has broad permits)".to_owned()),
            _ => info.and_then(|i| i.help.clone()),
        },
        control: info.and_then(|i| i.control.clone()),
        policy_location: info.map(|i| Location { file: i.file.clone(), line: i.line, column: i.column }),
        waiver: None,
        error: None,
    }
}

/// The lineage path explaining a violation, upstream first, as entity uids.
fn explain_path(graph: &PipelineGraph, spec: &RequestSpec, lineage: Option<&str>) -> Vec<String> {
    let artifact_node = if matches!(graph.node(spec.resource), Node::Artifact(_)) {
        spec.resource
    } else {
        spec.principal
    };
    let found = lineage.and_then(|how| match how {
        "unsigned" => graph.path_to_upstream(artifact_node, |a| {
            a.kind != palisade_syntax::ArtifactKind::Secret
                && a.facts.signature != SignatureState::Verified
        }),
        "unpinned" => graph.path_to_upstream(artifact_node, |a| {
            a.kind != palisade_syntax::ArtifactKind::Secret && !a.facts.integrity.is_pinned()
        }),
        "secrets" => graph.lineage_path(artifact_node, |g, n| {
            g.artifact(n).is_some_and(|a| a.facts.secrets.total > 0)
        }),
        "sast" => graph.lineage_path(artifact_node, |g, n| {
            g.artifact(n)
                .is_some_and(|a| a.facts.sast.critical + a.facts.sast.high > 0)
        }),
        "vulnerabilities" => graph.lineage_path(artifact_node, |g, n| {
            g.artifact(n).is_some_and(|a| {
                a.facts.vulnerabilities.highest() >= palisade_graph::Severity::High
            })
        }),
        label => label
            .strip_prefix("label:")
            .and_then(|l| graph.path_to_label(artifact_node, l)),
    });
    let mut path: Vec<NodeIndex> = found.unwrap_or_else(|| vec![artifact_node]);
    // Close the path with the other side of the request, in data-flow order.
    match spec.action {
        Action::Release | Action::Read | Action::UseSecret => path.push(spec.principal),
        Action::Write => path.insert(0, spec.principal),
        Action::Include => path.insert(0, spec.resource),
    }
    path.into_iter().map(|n| graph.uid_string(n)).collect()
}

/// Per-policy decision counts, for reports.
pub fn by_policy(evaluation: &Evaluation) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for v in &evaluation.violations {
        *counts.entry(v.policy.clone()).or_default() += 1;
    }
    counts
}

/// Parses `--at`.
pub fn parse_at(text: &str) -> Result<i64, String> {
    time::parse_rfc3339(text)
}
