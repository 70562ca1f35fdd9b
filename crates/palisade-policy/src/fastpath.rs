//! A fast path for the requests of large pipelines (the `include` requests of a big SBOM, the
//! `read`/`write` requests of a long lineage chain): a small subset of Cedar, compiled once per
//! policy and evaluated straight over the attribute values of `schema.rs`.
//!
//! Cedar stays the semantics. A policy is compiled only when its scope is plain (`principal`,
//! `principal is T`, the same for `resource`; any action constraint, which the caller's scoping
//! already decided) and every condition uses only: `principal`/`resource`/`context` attribute
//! access and `has`, record field access, string/long/bool literals, literal sets of strings,
//! `==`, `!=`, `<`, `<=`, `>`, `>=` on longs, `&&`, `||`, `!`, `principal is T` and
//! `resource is T`, set `.contains(…)`, `.containsAny(…)`, `.containsAll(…)`, `.isEmpty()` and
//! `like`. Evaluation answers only when it is certain: any value Cedar would reject (a missing
//! attribute, a type it would error on, an equality over records) makes the whole request go
//! to Cedar, so a decision and its reasons are always the ones Cedar gives (the differential
//! test in `palisade-bench` decides random policies over random requests both ways).

use cedar_policy::{Policy, PrincipalConstraint, ResourceConstraint};
use serde_json::Value as Json;

use crate::schema::Value;

/// A request variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    Principal,
    Resource,
    Context,
}

/// A compiled expression of the subset.
#[derive(Debug, Clone)]
enum Expr {
    Bool(bool),
    Long(i64),
    Str(String),
    /// A literal set of strings (`["high", "low"]`).
    Strs(Vec<String>),
    /// `var is T` (without `in`).
    Is(Var, String),
    /// `expr.isEmpty()`.
    IsEmpty(Box<Expr>),
    /// `left.containsAny(right)`.
    ContainsAny(Box<Expr>, Box<Expr>),
    /// `left.containsAll(right)`.
    ContainsAll(Box<Expr>, Box<Expr>),
    /// `var.attr`.
    Attr(Var, String),
    /// `var has attr`.
    Has(Var, String),
    /// `expr.field` on a record value.
    Field(Box<Expr>, String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Eq(Box<Expr>, Box<Expr>),
    Ne(Box<Expr>, Box<Expr>),
    Cmp(Cmp, Box<Expr>, Box<Expr>),
    Contains(Box<Expr>, Box<Expr>),
    Like(Box<Expr>, Vec<Elem>),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

/// One element of a `like` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Char(char),
    Wildcard,
}

/// A policy of the subset.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Its id.
    pub id: String,
    /// `forbid`.
    pub forbid: bool,
    /// `when` bodies (true) and `unless` bodies (false).
    conditions: Vec<(bool, Expr)>,
}

/// The attribute values one variable has in a request.
pub(crate) type Attrs<'a> = &'a [(&'static str, Value)];

/// What the fast path decides for one request: `None` when Cedar must decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decided {
    /// Allow.
    pub allow: bool,
    /// The determining policies, sorted (satisfied forbids on deny, satisfied permits on allow).
    pub reasons: Vec<String>,
}

/// Compiles `policy`, or `None` when it uses anything outside the subset.
pub(crate) fn compile(policy: &Policy) -> Option<Compiled> {
    if !policy.is_static() {
        return None;
    }
    match policy.principal_constraint() {
        PrincipalConstraint::Any | PrincipalConstraint::Is(_) => {}
        _ => return None,
    }
    match policy.resource_constraint() {
        ResourceConstraint::Any | ResourceConstraint::Is(_) => {}
        _ => return None,
    }
    let json = policy.to_json().ok()?;
    let forbid = match json.get("effect")?.as_str()? {
        "forbid" => true,
        "permit" => false,
        _ => return None,
    };
    let mut conditions = Vec::new();
    for condition in json.get("conditions")?.as_array()? {
        let when = match condition.get("kind")?.as_str()? {
            "when" => true,
            "unless" => false,
            _ => return None,
        };
        conditions.push((when, expr(condition.get("body")?)?));
    }
    Some(Compiled {
        id: policy.id().to_string(),
        forbid,
        conditions,
    })
}

fn var(json: &Json) -> Option<Var> {
    match json.get("Var")?.as_str()? {
        "principal" => Some(Var::Principal),
        "resource" => Some(Var::Resource),
        "context" => Some(Var::Context),
        _ => None,
    }
}

fn expr(json: &Json) -> Option<Expr> {
    let map = json.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (key, body) = map.iter().next()?;
    let pair = |body: &Json| -> Option<(Box<Expr>, Box<Expr>)> {
        Some((
            Box::new(expr(body.get("left")?)?),
            Box::new(expr(body.get("right")?)?),
        ))
    };
    Some(match key.as_str() {
        "Value" => match body {
            Json::Bool(b) => Expr::Bool(*b),
            Json::String(s) => Expr::Str(s.clone()),
            Json::Number(n) => Expr::Long(n.as_i64()?),
            Json::Array(items) => Expr::Strs(
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        },
        // A set literal: only of string literals.
        "Set" => Expr::Strs(
            body.as_array()?
                .iter()
                .map(|i| match expr(i)? {
                    Expr::Str(s) => Some(s),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        ),
        "is" => {
            if body.get("in").is_some() {
                return None;
            }
            Expr::Is(
                var(body.get("left")?)?,
                body.get("entity_type")?.as_str()?.to_owned(),
            )
        }
        "isEmpty" => Expr::IsEmpty(Box::new(expr(body.get("arg")?)?)),
        "containsAny" => {
            let (l, r) = pair(body)?;
            Expr::ContainsAny(l, r)
        }
        "containsAll" => {
            let (l, r) = pair(body)?;
            Expr::ContainsAll(l, r)
        }
        "." => {
            let attr = body.get("attr")?.as_str()?.to_owned();
            let left = body.get("left")?;
            match var(left) {
                Some(v) => Expr::Attr(v, attr),
                None => Expr::Field(Box::new(expr(left)?), attr),
            }
        }
        "has" => Expr::Has(
            var(body.get("left")?)?,
            body.get("attr")?.as_str()?.to_owned(),
        ),
        "!" => Expr::Not(Box::new(expr(body.get("arg")?)?)),
        "&&" => {
            let (l, r) = pair(body)?;
            Expr::And(l, r)
        }
        "||" => {
            let (l, r) = pair(body)?;
            Expr::Or(l, r)
        }
        "==" => {
            let (l, r) = pair(body)?;
            Expr::Eq(l, r)
        }
        "!=" => {
            let (l, r) = pair(body)?;
            Expr::Ne(l, r)
        }
        "<" | "<=" | ">" | ">=" => {
            let (l, r) = pair(body)?;
            let cmp = match key.as_str() {
                "<" => Cmp::Lt,
                "<=" => Cmp::Le,
                ">" => Cmp::Gt,
                _ => Cmp::Ge,
            };
            Expr::Cmp(cmp, l, r)
        }
        "contains" => {
            let (l, r) = pair(body)?;
            Expr::Contains(l, r)
        }
        "like" => {
            let left = Box::new(expr(body.get("left")?)?);
            let mut pattern = Vec::new();
            for elem in body.get("pattern")?.as_array()? {
                match elem {
                    Json::String(w) if w == "Wildcard" => pattern.push(Elem::Wildcard),
                    Json::Object(lit) if lit.len() == 1 => {
                        pattern.extend(lit.get("Literal")?.as_str()?.chars().map(Elem::Char));
                    }
                    _ => return None,
                }
            }
            Expr::Like(left, pattern)
        }
        _ => return None,
    })
}

/// A value during evaluation.
#[derive(Debug, Clone, Copy)]
enum Out<'a> {
    Bool(bool),
    Long(i64),
    Str(&'a str),
    Set(&'a [String]),
    Val(&'a Value),
}

impl<'a> Out<'a> {
    /// Scalars as themselves; sets, counts and records stay values.
    fn of(value: &'a Value) -> Out<'a> {
        match value {
            Value::Bool(b) => Out::Bool(*b),
            Value::Long(n) => Out::Long(*n),
            Value::String(s) => Out::Str(s),
            Value::Set(items) => Out::Set(items),
            other => Out::Val(other),
        }
    }
}

/// The variables of one request.
pub(crate) struct Env<'a> {
    /// The principal's entity type (`Stage`).
    pub principal_ty: &'a str,
    pub principal: Attrs<'a>,
    /// The resource's entity type (`Dataset`).
    pub resource_ty: &'a str,
    pub resource: Attrs<'a>,
    pub context: Attrs<'a>,
}

impl<'a> Env<'a> {
    fn attrs(&self, var: Var) -> Attrs<'a> {
        match var {
            Var::Principal => self.principal,
            Var::Resource => self.resource,
            Var::Context => self.context,
        }
    }
}

fn lookup<'a>(attrs: Attrs<'a>, name: &str) -> Option<&'a Value> {
    attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn boolean(e: &Expr, env: &Env<'_>) -> Option<bool> {
    match eval(e, env)? {
        Out::Bool(b) => Some(b),
        _ => None,
    }
}

/// Evaluates `e`; `None` when Cedar would error or the subset cannot tell.
fn eval<'a>(e: &'a Expr, env: &Env<'a>) -> Option<Out<'a>> {
    Some(match e {
        Expr::Bool(b) => Out::Bool(*b),
        Expr::Long(n) => Out::Long(*n),
        Expr::Str(s) => Out::Str(s),
        Expr::Strs(items) => Out::Set(items),
        Expr::Is(v, ty) => Out::Bool(match v {
            Var::Principal => env.principal_ty == ty,
            Var::Resource => env.resource_ty == ty,
            Var::Context => return None,
        }),
        Expr::IsEmpty(inner) => match eval(inner, env)? {
            Out::Set(items) => Out::Bool(items.is_empty()),
            _ => return None,
        },
        Expr::ContainsAny(l, r) => match (eval(l, env)?, eval(r, env)?) {
            (Out::Set(items), Out::Set(wanted)) => {
                Out::Bool(wanted.iter().any(|w| items.contains(w)))
            }
            _ => return None,
        },
        Expr::ContainsAll(l, r) => match (eval(l, env)?, eval(r, env)?) {
            (Out::Set(items), Out::Set(wanted)) => {
                Out::Bool(wanted.iter().all(|w| items.contains(w)))
            }
            _ => return None,
        },
        Expr::Attr(v, name) => Out::of(lookup(env.attrs(*v), name)?),
        Expr::Has(v, name) => Out::Bool(lookup(env.attrs(*v), name).is_some()),
        Expr::Field(inner, name) => match eval(inner, env)? {
            Out::Val(Value::Counts(c)) => {
                let n = match name.as_str() {
                    "critical" => c.critical,
                    "high" => c.high,
                    "medium" => c.medium,
                    "low" => c.low,
                    "total" => c.total,
                    _ => return None,
                };
                Out::Long(i64::try_from(n).unwrap_or(i64::MAX))
            }
            Out::Val(Value::Record(ty, values)) => {
                let i = ty.fields.iter().position(|(f, _, _)| *f == name)?;
                Out::of(values.get(i)?)
            }
            _ => return None,
        },
        Expr::Not(inner) => Out::Bool(!boolean(inner, env)?),
        Expr::And(l, r) => Out::Bool(boolean(l, env)? && boolean(r, env)?),
        Expr::Or(l, r) => Out::Bool(boolean(l, env)? || boolean(r, env)?),
        Expr::Eq(l, r) => Out::Bool(equal(eval(l, env)?, eval(r, env)?)?),
        Expr::Ne(l, r) => Out::Bool(!equal(eval(l, env)?, eval(r, env)?)?),
        Expr::Cmp(cmp, l, r) => match (eval(l, env)?, eval(r, env)?) {
            (Out::Long(a), Out::Long(b)) => Out::Bool(match cmp {
                Cmp::Lt => a < b,
                Cmp::Le => a <= b,
                Cmp::Gt => a > b,
                Cmp::Ge => a >= b,
            }),
            _ => return None,
        },
        Expr::Contains(l, r) => match (eval(l, env)?, eval(r, env)?) {
            (Out::Set(items), Out::Str(s)) => Out::Bool(items.iter().any(|i| i == s)),
            // A set of strings never holds a long, a boolean or a set.
            (Out::Set(_), Out::Long(_) | Out::Bool(_) | Out::Set(_)) => Out::Bool(false),
            _ => return None,
        },
        Expr::Like(l, pattern) => match eval(l, env)? {
            Out::Str(s) => Out::Bool(like(s, pattern)),
            _ => return None,
        },
    })
}

/// Cedar's `==` on scalars and sets of strings (values of different types are unequal, sets
/// are equal when they hold the same strings); `None` for counts and records, left to Cedar.
fn equal(a: Out<'_>, b: Out<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Out::Val(_), _) | (_, Out::Val(_)) => return None,
        (Out::Bool(x), Out::Bool(y)) => x == y,
        (Out::Long(x), Out::Long(y)) => x == y,
        (Out::Str(x), Out::Str(y)) => x == y,
        (Out::Set(x), Out::Set(y)) => {
            x.iter().all(|i| y.contains(i)) && y.iter().all(|i| x.contains(i))
        }
        _ => false,
    })
}

/// Cedar's `like`: `*` matches any run of characters, everything else itself.
fn like(text: &str, pattern: &[Elem]) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Elem::Wildcard) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Elem::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|e| *e == Elem::Wildcard)
}

/// Decides one request against `policies` (all of the request's scoped policies), or `None`
/// when any of them needs Cedar.
pub(crate) fn decide(policies: &[Compiled], env: &Env<'_>) -> Option<Decided> {
    let mut forbids = Vec::new();
    let mut permits = Vec::new();
    for policy in policies {
        let mut satisfied = true;
        for (when, body) in &policy.conditions {
            // Cedar joins the conditions with `&&`: later ones are not evaluated once one fails.
            if boolean(body, env)? != *when {
                satisfied = false;
                break;
            }
        }
        if satisfied {
            if policy.forbid {
                forbids.push(policy.id.clone());
            } else {
                permits.push(policy.id.clone());
            }
        }
    }
    let (allow, mut reasons) = if !forbids.is_empty() {
        (false, forbids)
    } else if !permits.is_empty() {
        (true, permits)
    } else {
        (false, Vec::new())
    };
    reasons.sort_unstable();
    Some(Decided { allow, reasons })
}

/// The attribute names of `var` any of `policies` reads.
pub(crate) fn reads(policies: &[Compiled], var: Var) -> Vec<String> {
    fn walk(e: &Expr, var: Var, out: &mut Vec<String>) {
        match e {
            Expr::Attr(v, name) | Expr::Has(v, name) => {
                if *v == var && !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Expr::Field(inner, _)
            | Expr::Not(inner)
            | Expr::Like(inner, _)
            | Expr::IsEmpty(inner) => {
                walk(inner, var, out);
            }
            Expr::And(l, r)
            | Expr::ContainsAny(l, r)
            | Expr::ContainsAll(l, r)
            | Expr::Or(l, r)
            | Expr::Eq(l, r)
            | Expr::Ne(l, r)
            | Expr::Cmp(_, l, r)
            | Expr::Contains(l, r) => {
                walk(l, var, out);
                walk(r, var, out);
            }
            Expr::Bool(_) | Expr::Long(_) | Expr::Str(_) | Expr::Strs(_) | Expr::Is(..) => {}
        }
    }
    let mut out = Vec::new();
    for policy in policies {
        for (_, body) in &policy.conditions {
            walk(body, var, &mut out);
        }
    }
    out
}

/// Compiles every policy of a scoped set: `None` when one is outside the subset.
pub(crate) fn compile_all<'p>(policies: impl Iterator<Item = &'p Policy>) -> Option<Vec<Compiled>> {
    policies.map(compile).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(p: &str) -> Vec<Elem> {
        p.chars()
            .map(|c| {
                if c == '*' {
                    Elem::Wildcard
                } else {
                    Elem::Char(c)
                }
            })
            .collect()
    }

    fn compiled(text: &str) -> Compiled {
        let policy = Policy::parse(None, text).expect("the policy parses");
        compile(&policy).expect("the policy is in the subset")
    }

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| (*s).to_owned()).collect())
    }

    /// `is`, set literals, `containsAny`, `containsAll`, `isEmpty` and set equality, decided
    /// over a stage reading a dataset.
    #[test]
    fn decides_the_forms_lineage_policies_use() {
        let principal = [
            ("output_kinds", set(&["model"])),
            ("runs_as", Value::String(String::new())),
        ];
        let resource = [
            ("upstream_labels", set(&["pii", "llm"])),
            ("signers", set(&[])),
        ];
        let context = [("vulnerability_threshold", Value::String("high".to_owned()))];
        let env = Env {
            principal_ty: "Stage",
            principal: &principal,
            resource_ty: "Dataset",
            resource: &resource,
            context: &context,
        };
        for (condition, want) in [
            ("resource is Dataset", true),
            ("resource is Model || principal is Release", false),
            ("principal is Stage && principal.runs_as == \"\"", true),
            (
                "resource.upstream_labels.containsAny([\"pii\", \"x\"])",
                true,
            ),
            ("resource.upstream_labels.containsAny([])", false),
            (
                "resource.upstream_labels.containsAll([\"llm\", \"pii\"])",
                true,
            ),
            (
                "resource.upstream_labels.containsAll([\"llm\", \"x\"])",
                false,
            ),
            ("resource.signers.isEmpty()", true),
            ("!principal.output_kinds.isEmpty()", true),
            (
                "resource.upstream_labels == [\"llm\", \"pii\", \"pii\"]",
                true,
            ),
            ("resource.upstream_labels == [\"llm\"]", false),
            ("resource.upstream_labels != \"pii\"", true),
            (
                "[\"high\", \"low\"].contains(context.vulnerability_threshold)",
                true,
            ),
            ("principal.output_kinds.contains(\"model\")", true),
        ] {
            let policy = compiled(&format!(
                "forbid (principal, action, resource) when {{ {condition} }};"
            ));
            let decided = decide(&[policy], &env).expect("decided");
            assert_eq!(
                !decided.allow && !decided.reasons.is_empty(),
                want,
                "{condition}"
            );
        }
        // Cedar errors on these: the fast path leaves them to it.
        for condition in [
            "context is Stage",
            "resource.missing == 1",
            "resource.upstream_labels.containsAny(\"pii\")",
            "context.vulnerability_threshold.isEmpty()",
        ] {
            let policy = compiled(&format!(
                "forbid (principal, action, resource) when {{ {condition} }};"
            ));
            assert_eq!(decide(&[policy], &env), None, "{condition}");
        }
    }

    #[test]
    fn is_in_and_sets_of_other_things_are_left_to_cedar() {
        for text in [
            "forbid (principal, action, resource) when { resource is Dataset in Pipeline::\"p\" };",
            "forbid (principal, action, resource) when { [1, 2].contains(3) };",
            "forbid (principal, action, resource) when { principal in Pipeline::\"p\" };",
        ] {
            let policy = Policy::parse(None, text).expect("the policy parses");
            assert!(compile(&policy).is_none(), "{text}");
        }
    }

    #[test]
    fn like_matches_as_cedar_does() {
        for (text, pattern, want) in [
            ("pkg:npm/event-stream@3.3.6", "pkg:npm/event-stream@*", true),
            ("pkg:npm/event-stream", "pkg:npm/event-stream@*", false),
            ("", "*", true),
            ("", "", true),
            ("a", "", false),
            ("abc", "a*c", true),
            ("abcbc", "a*bc", true),
            ("abcb", "a*bc", false),
            ("aXbXc", "*X*X*", true),
            ("ü", "?", false),
            ("ü", "*", true),
        ] {
            assert_eq!(like(text, &pat(pattern)), want, "{text} like {pattern}");
        }
    }
}
