//! SARIF 2.1.0: one rule per policy, one result per violation, located at the `.pal`
//! declaration at fault so code-scanning UIs show it inline.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use palisade_core::Severity;
use palisade_policy::{Evaluation, PolicyPack, Violation};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        _ => "note",
    }
}

/// GitHub's `security-severity` scores for our severities.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        _ => "2.0",
    }
}

fn result(v: &Violation, rule_index: usize, suppressed: bool) -> Value {
    let mut result = json!({
        "ruleId": v.policy,
        "ruleIndex": rule_index,
        "level": level(v.severity),
        "message": { "text": v.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": v.location.file },
                "region": { "startLine": v.location.line, "startColumn": v.location.column }
            },
            "logicalLocations": [{ "fullyQualifiedName": v.resource, "kind": "resource" }]
        }],
        "partialFingerprints": {
            "palisade/v1": format!("{}|{}|{}|{}", v.policy, v.principal, v.action.as_str(), v.resource)
        },
        "properties": {
            "principal": v.principal,
            "action": v.action,
            "resource": v.resource,
            "lineage": v.path,
            "reason": v.reason,
        }
    });
    if suppressed && let Some(w) = &v.waiver {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("waiver {:?} until {}: {}", w.name, w.expires, w.reason)
        }]);
    }
    result
}

fn rule(pack: &PolicyPack, id: &str) -> Value {
    let info = pack.policy(id);
    let severity = info.map_or(Severity::High, |i| i.severity);
    let text = if id == "no-permit" {
        "no policy permits this request (Cedar denies by default)".to_owned()
    } else {
        pack.description(id)
    };
    let tags: Vec<String> = info
        .map(|i| i.controls.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(["supply-chain".to_owned()])
        .collect();
    let mut rule = json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": text },
        "defaultConfiguration": { "level": level(severity) },
        "properties": {
            "security-severity": security_severity(severity),
            "tags": tags,
        }
    });
    if let Some(help) = info.and_then(|i| i.help.clone()) {
        rule["help"] = json!({ "text": help });
    }
    rule
}

pub(crate) fn render(evaluation: &Evaluation, pack: &PolicyPack) -> String {
    // Rules: every loaded policy (sorted by id), then `no-permit` and any other id a result
    // names that no loaded policy has.
    let mut rule_ids: BTreeMap<String, usize> = BTreeMap::new();
    for id in pack.ids() {
        let next = rule_ids.len();
        rule_ids.insert(id.to_owned(), next);
    }
    for v in evaluation.violations.iter().chain(&evaluation.waived) {
        let next = rule_ids.len();
        rule_ids.entry(v.policy.clone()).or_insert(next);
    }
    let mut rules: Vec<(usize, Value)> = rule_ids
        .iter()
        .map(|(id, &index)| (index, rule(pack, id)))
        .collect();
    rules.sort_by_key(|(i, _)| *i);
    let results: Vec<Value> = evaluation
        .violations
        .iter()
        .map(|v| result(v, rule_ids[&v.policy], false))
        .chain(
            evaluation
                .waived
                .iter()
                .map(|v| result(v, rule_ids[&v.policy], true)),
        )
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "palisade",
                "informationUri": "https://example.invalid/palisade",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": crate::timestamp(evaluation),
                "properties": { "decision": evaluation.decision, "policy_digest": evaluation.policy_digest }
            }],
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
