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
    "unsafe-models.cedar",
    "sast.cedar",
    "secrets.cedar",
    "sca.cedar",
    "integrity.cedar",
    "model-docs.cedar",
    "signatures.cedar",
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
}
