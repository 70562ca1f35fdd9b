//! Labels that lift a baseline rule: exemptions.
//!
//! Most labels add taint (`pii`, `llm`, `financial` …) and may come from anywhere, evidence
//! included: more taint only makes the gate stricter. An exemption label does the opposite, it
//! removes a denial, so it may only come from the pipeline file (reviewed code) or from
//! evidence verified against a declared key. An SBOM `data` component classified "Differential
//! Privacy" or "allow pickle" is unsigned evidence anyone who can edit the SBOM controls: its
//! exemption labels are dropped (and reported as claimed, not evidenced).
//!
//! This list is the one `palisade-evidence` filters BOM labels with and the one
//! `docs/policies.md` prints (a test keeps the two equal).

/// Every exemption label and the baseline rule it lifts.
pub const EXEMPTION_LABELS: &[(&str, &str)] = &[
    ("allow-pickle", "unsafe-model-format"),
    ("differential-privacy", "pii-public-release"),
    ("robustness-waived", "robustness-metric"),
];

/// Whether `label` is an exemption label.
pub fn is_exemption(label: &str) -> bool {
    EXEMPTION_LABELS.iter().any(|(l, _)| *l == label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exemptions_are_known() {
        assert!(is_exemption("differential-privacy"));
        assert!(is_exemption("allow-pickle"));
        assert!(!is_exemption("pii"));
    }
}

#[cfg(test)]
mod docs {
    use super::EXEMPTION_LABELS;

    /// docs/policies.md lists exactly the exemption labels of [`EXEMPTION_LABELS`].
    #[test]
    fn policies_md_lists_every_exemption() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policies.md");
        let text = std::fs::read_to_string(path).unwrap();
        let section = text
            .split("### Exemption labels")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap();
        let rows: Vec<(String, String)> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
                (cells[1].to_owned(), cells[2].to_owned())
            })
            .collect();
        let expected: Vec<(String, String)> = EXEMPTION_LABELS
            .iter()
            .map(|(l, r)| ((*l).to_owned(), (*r).to_owned()))
            .collect();
        assert_eq!(rows, expected);
    }
}
