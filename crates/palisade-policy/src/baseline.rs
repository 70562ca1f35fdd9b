//! The baseline policy pack, embedded in the binary from `policies/baseline/`.

use std::sync::Arc;

use crate::load::PolicyFile;

macro_rules! baseline_files {
    ($($name:literal),* $(,)?) => {
        /// The baseline pack's files: name and text, embedded at build time.
        pub const BASELINE_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../policies/baseline/", $name))),)*
        ];
    };
}

baseline_files!(
    "permit.cedar",
    "access.cedar",
    "leakage.cedar",
    "guardrails.cedar",
    "redteam.cedar",
    "unsafe-models.cedar",
    "sast.cedar",
    "secrets.cedar",
    "sca.cedar",
    "integrity.cedar",
    "model-docs.cedar",
    "signatures.cedar",
    "lineage.cedar",
);

/// The baseline pack as policy files named `@baseline/<file>`.
pub fn baseline() -> Vec<PolicyFile> {
    BASELINE_FILES
        .iter()
        .map(|(name, text)| PolicyFile {
            name: format!("@baseline/{name}"),
            text: Arc::new((*text).to_owned()),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly by design
mod tests {
    use super::*;

    /// Every `.cedar` file in `policies/baseline/` is embedded, so none is silently left out.
    #[test]
    fn every_baseline_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/baseline");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".cedar"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BASELINE_FILES
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn baseline_validates_strictly() {
        let pack = crate::PolicyPack::load(baseline()).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(pack.policy("pii-public-release").is_some());
        assert!(pack.digest.starts_with("sha256:"));
    }

    /// The rule ids are a contract (waivers and reports name them): every one is present, in
    /// its file, with its severity, a message, a help text and a control, and no other.
    #[test]
    fn baseline_rule_ids_are_stable() {
        let pack = crate::PolicyPack::load(baseline()).unwrap_or_else(|e| panic!("{e:?}"));
        let expected = [
            ("baseline-permit", "permit.cedar", "low"),
            ("pii-read-requires-identity", "access.cedar", "high"),
            ("secret-use-requires-identity", "access.cedar", "high"),
            ("secret-from-vault", "access.cedar", "critical"),
            ("production-release-identified", "access.cedar", "high"),
            ("pii-public-release", "leakage.cedar", "critical"),
            ("dp-claim-not-evidenced", "leakage.cedar", "critical"),
            ("llm-public-guardrails", "guardrails.cedar", "high"),
            ("llm-public-guardrail-checks", "guardrails.cedar", "high"),
            ("llm-public-redteam", "redteam.cedar", "high"),
            ("llm-redteam-stale", "redteam.cedar", "high"),
            ("llm-redteam-unlinked", "redteam.cedar", "high"),
            ("unsafe-model-format", "unsafe-models.cedar", "high"),
            (
                "dangerous-pickle-imports",
                "unsafe-models.cedar",
                "critical",
            ),
            ("model-scan-error", "unsafe-models.cedar", "critical"),
            ("unknown-pickle-imports", "unsafe-models.cedar", "high"),
            ("model-format-findings", "unsafe-models.cedar", "high"),
            ("no-high-sast-findings", "sast.cedar", "high"),
            ("no-secret-findings", "secrets.cedar", "critical"),
            ("no-critical-vulnerabilities", "sca.cedar", "critical"),
            ("denied-license", "sca.cedar", "high"),
            ("vulnerability-scan-required", "sca.cedar", "high"),
            ("released-lineage-pinned", "integrity.cedar", "high"),
            ("integrity-mismatch", "integrity.cedar", "critical"),
            ("dataset-provenance", "integrity.cedar", "high"),
            ("lock-signed", "integrity.cedar", "critical"),
            ("dvc-lock-mismatch", "integrity.cedar", "critical"),
            ("model-card-required", "model-docs.cedar", "medium"),
            ("robustness-metric", "model-docs.cedar", "medium"),
            ("released-signed", "signatures.cedar", "high"),
            ("image-provenance-builder", "signatures.cedar", "high"),
            ("invalid-signature", "signatures.cedar", "critical"),
            ("invalid-provenance", "signatures.cedar", "critical"),
            ("remote-upstream-unverified", "signatures.cedar", "high"),
            ("summary-failed", "signatures.cedar", "high"),
            ("invalid-summary", "signatures.cedar", "high"),
            ("lineage-undeclared-input", "lineage.cedar", "critical"),
            ("lineage-unattested-stage", "lineage.cedar", "high"),
            ("invalid-attestation", "lineage.cedar", "critical"),
        ];
        let mut ids: Vec<&str> = expected.iter().map(|(id, _, _)| *id).collect();
        ids.sort_unstable();
        assert_eq!(pack.ids(), ids);
        for (id, file, severity) in expected {
            let info = pack.policy(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(info.file, format!("@baseline/{file}"), "{id}");
            assert_eq!(info.severity.as_str(), severity, "{id}");
            assert!(info.message.is_some(), "{id} has no @message");
            if id != "baseline-permit" {
                assert!(info.help.is_some(), "{id} has no @help");
                assert!(info.control.is_some(), "{id} has no @control");
            }
        }
    }

    /// Rules about data, models and LLMs (where the AI frameworks apply) map to at least one
    /// control in each AI framework; every other rule names at least one control. A
    /// framework may be left out of a rule only here, with the reason.
    #[test]
    fn baseline_rules_map_to_controls_in_each_framework_that_applies() {
        use crate::controls::{FRAMEWORKS, framework_of};
        const AI_RULES: &[&str] = &[
            "pii-read-requires-identity",
            "pii-public-release",
            "llm-public-guardrails",
            "llm-public-guardrail-checks",
            "llm-public-redteam",
            "unsafe-model-format",
            "dangerous-pickle-imports",
            "model-scan-error",
            "unknown-pickle-imports",
            "model-format-findings",
            "no-critical-vulnerabilities",
            "released-lineage-pinned",
            "integrity-mismatch",
            "dataset-provenance",
            "lock-signed",
            "model-card-required",
            "robustness-metric",
            "released-signed",
            "invalid-signature",
            "invalid-provenance",
            "dp-claim-not-evidenced",
            "lineage-undeclared-input",
            "lineage-unattested-stage",
            "invalid-attestation",
            "remote-upstream-unverified",
            "summary-failed",
            "invalid-summary",
        ];
        // (rule, framework key, why no control of it applies)
        const EXEMPT: &[(&str, &str, &str)] = &[
            (
                "model-card-required",
                "mitre-atlas",
                "documentation is no adversary technique",
            ),
            (
                "robustness-metric",
                "owasp-llm",
                "adversarial robustness of any model is none of the LLM Top 10",
            ),
        ];
        let pack = crate::PolicyPack::load(baseline()).unwrap_or_else(|e| panic!("{e:?}"));
        for id in pack.ids() {
            if id == "baseline-permit" {
                continue;
            }
            let info = pack.policy(id).unwrap();
            let keys: Vec<&str> = info
                .controls
                .iter()
                .filter_map(|c| framework_of(c).map(|f| f.key))
                .collect();
            if AI_RULES.contains(&id) {
                for framework in FRAMEWORKS.iter().filter(|f| f.ai) {
                    let exempt = EXEMPT
                        .iter()
                        .any(|(rule, key, _)| *rule == id && *key == framework.key);
                    assert!(
                        exempt || keys.contains(&framework.key),
                        "{id} maps to no control of {}",
                        framework.name
                    );
                }
            } else {
                // Supply-chain rules map to SLSA, SSDF or OWASP CI/CD where one fits; a rule
                // such as `denied-license` names the standard it serves (OpenChain).
                assert!(!info.controls.is_empty(), "{id} names no control");
            }
        }
        for (rule, _, _) in EXEMPT {
            assert!(
                AI_RULES.contains(rule),
                "{rule} is exempt but not an AI rule"
            );
        }
    }

    /// `docs/controls.md` is generated from the framework table and the baseline pack.
    #[test]
    fn docs_controls_md_is_the_table() {
        let pack = crate::PolicyPack::load(baseline()).unwrap_or_else(|e| panic!("{e:?}"));
        let expected = crate::controls::markdown(&pack);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/controls.md");
        if std::env::var_os("PALISADE_BLESS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/controls.md is out of date: run PALISADE_BLESS=1 cargo test --workspace --lib -- docs_controls_md"
        );
    }
}
