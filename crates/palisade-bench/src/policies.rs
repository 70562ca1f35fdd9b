//! Synthetic forbid policies, shaped like the ones teams add beside the baseline: denied
//! licenses, blocked CVEs and packages, release gates on signatures and provenance, stage
//! rules on identities and environments.

use std::fmt::Write as _;
use std::sync::Arc;

use palisade_policy::PolicyFile;

const DENIED_LICENSES: &[&str] = &[
    "AGPL-3.0-only",
    "GPL-3.0-only",
    "SSPL-1.0",
    "BUSL-1.1",
    "CC-BY-NC-4.0",
    "LicenseRef-proprietary",
];

const BLOCKED_PURLS: &[&str] = &[
    "pkg:npm/event-stream@*",
    "pkg:pypi/ctx@*",
    "pkg:npm/ua-parser-js@0.7.29",
    "pkg:pypi/torchtriton@*",
    "pkg:cargo/rustdecimal@*",
];

/// One policy's condition, by category.
fn package_policy(template: usize, round: usize, id: &str) -> String {
    let license = DENIED_LICENSES[round % DENIED_LICENSES.len()];
    let purl = BLOCKED_PURLS[round % BLOCKED_PURLS.len()];
    let cve = format!("CVE-2024-{:05}", 3094 + round * 97);
    let threshold = 1 + round;
    let (scope, condition, message) = match template % 6 {
        0 => (
            "principal, action == Action::\"include\", resource is Package",
            format!("resource.licenses.contains(\"{license}\")"),
            format!("{{principal}} includes {{resource}}, licensed {license}, which is denied"),
        ),
        1 => (
            "principal is Image, action == Action::\"include\", resource is Package",
            "resource.vulnerabilities.critical > 0".to_owned(),
            "{principal} ships {resource}, which has a critical vulnerability".to_owned(),
        ),
        2 => (
            "principal, action == Action::\"include\", resource is Package",
            format!("resource.vulnerability_ids.contains(\"{cve}\")"),
            format!("{{principal}} includes {{resource}}, affected by {cve}"),
        ),
        3 => (
            "principal, action == Action::\"include\", resource is Package",
            format!("resource.purl like \"{purl}\""),
            format!("{{principal}} includes {{resource}}, a known-malicious package ({purl})"),
        ),
        4 => (
            "principal is Model, action == Action::\"include\", resource is Package",
            format!(
                "context.exposure == \"public\" && resource.vulnerabilities.high > {threshold}"
            ),
            "{principal} is public and includes {resource} with several high vulnerabilities"
                .to_owned(),
        ),
        _ => (
            "principal, action == Action::\"include\", resource is Package",
            "principal.exposure == \"public\" && resource.max_severity == \"critical\"".to_owned(),
            "{principal} is public and includes {resource} with a critical vulnerability"
                .to_owned(),
        ),
    };
    policy(id, "high", "SCA", &message, scope, &condition)
}

pub(crate) fn release_policy(template: usize, round: usize, id: &str) -> String {
    let license = DENIED_LICENSES[round % DENIED_LICENSES.len()];
    let (scope, condition, message, control) = match template % 6 {
        0 => (
            "principal is Release, action == Action::\"release\", resource is Model",
            "principal.environment == \"production\" && resource.signature != \"verified\""
                .to_owned(),
            "{principal} ships {resource} to production without a verified signature",
            "SLSA-L2",
        ),
        1 => (
            "principal is Release, action == Action::\"release\", resource",
            format!("principal.exposure == \"public\" && resource.upstream_unpinned > {round}"),
            "{principal} publishes {resource}, whose lineage has unpinned artifacts",
            "SLSA-L3",
        ),
        2 => (
            "principal is Release, action == Action::\"release\", resource",
            "principal.environment == \"production\" && resource.upstream_max_vulnerability == \"critical\""
                .to_owned(),
            "{principal} ships {resource}, with a critical vulnerability upstream",
            "SCA",
        ),
        3 => (
            "principal is Release, action == Action::\"release\", resource is Model",
            "principal.exposure == \"public\" && !resource.model_card".to_owned(),
            "{principal} publishes {resource} without a model card",
            "ISO-42001",
        ),
        4 => (
            "principal is Release, action == Action::\"release\", resource is Image",
            "principal.environment == \"production\" && resource.provenance != \"verified\""
                .to_owned(),
            "{principal} ships {resource} without verified SLSA provenance",
            "SLSA-L2",
        ),
        _ => (
            "principal is Release, action == Action::\"release\", resource",
            format!(
                "principal.exposure == \"public\" && resource.upstream_licenses.contains(\"{license}\")"
            ),
            "{principal} publishes {resource}, which carries a denied license upstream",
            "SCA",
        ),
    };
    policy(id, "critical", control, message, scope, &condition)
}

pub(crate) fn stage_policy(template: usize, round: usize, id: &str) -> String {
    let (scope, condition, message) = match template % 6 {
        0 => (
            "principal is Stage, action == Action::\"write\", resource",
            "principal.environment == \"production\" && principal.runs_as == \"\"".to_owned(),
            "{principal} writes {resource} in production but runs as no identity",
        ),
        1 => (
            "principal is Stage, action == Action::\"read\", resource is Dataset",
            "resource.upstream_labels.contains(\"financial\") && principal.environment == \"\""
                .to_owned(),
            "{principal} reads financial data {resource} from an undeclared environment",
        ),
        2 => (
            "principal is Stage, action == Action::\"read\", resource is Code",
            format!("resource.sast.critical > {round}"),
            "{principal} builds from {resource}, which has critical SAST findings",
        ),
        3 => (
            "principal is Stage, action == Action::\"use_secret\", resource is Secret",
            "!(resource.vault like \"kv/data/*\")".to_owned(),
            "{principal} uses {resource}, which is not under kv/data/",
        ),
        4 => (
            "principal is Stage, action == Action::\"read\", resource is Dataset",
            "principal.environment == \"training\" && resource.integrity == \"mismatch\""
                .to_owned(),
            "{principal} trains on {resource}, whose content no longer matches the lock",
        ),
        _ => (
            "principal is Stage, action == Action::\"read\", resource in Label::\"restricted\"",
            "principal.runs_as == \"\"".to_owned(),
            "{principal} reads restricted {resource} but runs as no identity",
        ),
    };
    policy(id, "high", "NIST-800-53-AC-6", message, scope, &condition)
}

fn policy(
    id: &str,
    severity: &str,
    control: &str,
    message: &str,
    scope: &str,
    condition: &str,
) -> String {
    format!(
        "@id(\"{id}\")\n@severity(\"{severity}\")\n@control(\"{control}\")\n@message(\"{message}\")\nforbid ({scope})\nwhen {{ {condition} }};\n\n"
    )
}

/// `n` synthetic forbid policies in three files (`synthetic/packages.cedar`,
/// `synthetic/releases.cedar`, `synthetic/stages.cedar`), spread evenly over the three and
/// over six templates each; later rounds vary the licenses, CVEs, purls and thresholds, so
/// every policy is distinct. Ids are `syn-<category>-<i>`. All validate against the schema.
///
/// With the baseline pack, `extra_policies(30 - baseline policy count)` gives the SPEC §8
/// target of 30 policies.
pub fn extra_policies(n: usize) -> Vec<PolicyFile> {
    let mut texts = [String::new(), String::new(), String::new()];
    for i in 0..n {
        let category = i % 3;
        let template = (i / 3) % 6;
        let round = i / 18;
        let text = match category {
            0 => package_policy(template, round, &format!("syn-package-{i}")),
            1 => release_policy(template, round, &format!("syn-release-{i}")),
            _ => stage_policy(template, round, &format!("syn-stage-{i}")),
        };
        let _ = write!(texts[category], "{text}");
    }
    ["packages", "releases", "stages"]
        .into_iter()
        .zip(texts)
        .filter(|(_, text)| !text.is_empty())
        .map(|(name, text)| PolicyFile {
            name: format!("synthetic/{name}.cedar"),
            text: Arc::new(text),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_loads_and_validates() {
        for n in [0, 1, 2, 3, 21, 40] {
            let files = extra_policies(n);
            let extra = palisade_policy::PolicyPack::load(files.clone())
                .unwrap_or_else(|e| panic!("{n}: {e:?}"));
            assert_eq!(extra.info.len(), n, "{n}");
            assert_eq!(files.len(), n.min(3));
        }
    }

    #[test]
    fn reaches_thirty_with_the_baseline() {
        let baseline = palisade_policy::baseline();
        let count = palisade_policy::PolicyPack::load(baseline.clone())
            .unwrap()
            .info
            .len();
        let mut files = baseline;
        files.extend(extra_policies(30usize.saturating_sub(count)));
        let pack = palisade_policy::PolicyPack::load(files).unwrap();
        // At least SPEC §8's 30: the baseline alone may hold more.
        assert_eq!(pack.info.len(), count.max(30));
        assert_eq!(pack.set.policies().count(), count.max(30));
    }
}
