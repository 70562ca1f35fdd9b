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
            ("llm-public-guardrails", "guardrails.cedar", "high"),
            ("llm-public-guardrail-checks", "guardrails.cedar", "high"),
            ("llm-public-redteam", "redteam.cedar", "high"),
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
            ("model-card-required", "model-docs.cedar", "medium"),
            ("robustness-metric", "model-docs.cedar", "medium"),
            ("released-signed", "signatures.cedar", "high"),
            ("image-provenance-builder", "signatures.cedar", "high"),
            ("invalid-signature", "signatures.cedar", "critical"),
            ("invalid-provenance", "signatures.cedar", "critical"),
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
}
