//! Rule descriptions for reports that list policies rather than violations (SARIF rules).

use crate::load::PolicyPack;

/// How a message template's placeholder reads in a rule description: the policy's scope
/// (`principal is Release` → "a release"), else a neutral word.
pub(crate) fn scope_word(constraint: Option<String>, fallback: &str) -> String {
    match constraint {
        Some(ty) => {
            let ty = ty.rsplit("::").next().unwrap_or(&ty).to_lowercase();
            let article = if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {ty}")
        }
        None => fallback.to_owned(),
    }
}

impl PolicyPack {
    /// A rule's description: its `@message` with `{principal}`, `{resource}` and `{action}` read
    /// off the policy's scope, so no raw placeholder reaches the code-scanning UI.
    pub fn description(&self, id: &str) -> String {
        use cedar_policy::{ActionConstraint, PolicyId, PrincipalConstraint, ResourceConstraint};
        let pack = self;
        let Some(info) = pack.policy(id) else {
            return id.to_owned();
        };
        let Some(message) = &info.message else {
            return format!("{id} ({} policy)", info.effect);
        };
        let policy = pack.set.policy(&PolicyId::new(id));
        let principal = policy.and_then(|p| match p.principal_constraint() {
            PrincipalConstraint::Is(ty) | PrincipalConstraint::IsIn(ty, _) => Some(ty.to_string()),
            _ => None,
        });
        let resource = policy.and_then(|p| match p.resource_constraint() {
            ResourceConstraint::Is(ty) | ResourceConstraint::IsIn(ty, _) => Some(ty.to_string()),
            _ => None,
        });
        let action = policy
            .and_then(|p| match p.action_constraint() {
                ActionConstraint::Eq(uid) => Some(uid.id().unescaped().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| "act on".to_owned());
        let text = message
            .replace("{principal}", &scope_word(principal, "the principal"))
            .replace("{resource}", &scope_word(resource, "the resource"))
            .replace("{action}", &action);
        let mut chars = text.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }
}
