//! An SPDX document (2.2/2.3 JSON or 3.0 JSON-LD, told apart from CycloneDX by content) as the
//! same [`BomFacts`] a CycloneDX BOM gives, so everything after the readers is one path.
//!
//! `palisade_spdx::reduce` already produces the CycloneDX-shaped facts (its module docs give
//! every mapping); this module only changes their types. What SPDX says beyond CycloneDX:
//! - the described packages stay packages (SPDX lists them among the packages; CycloneDX keeps
//!   its `metadata.component` apart), so their licenses and vulnerabilities reach per-package
//!   rules;
//! - a dataset a model was `trainedOn` / `testedOn` is a `data` package of the model's BOM, and
//!   its sensitivity and confidentiality are labels of the artifact, as CycloneDX `data`
//!   components' are;
//! - the document "carries vulnerability data" (`vulnerability_scan`) when it lists any
//!   vulnerability (SPDX 3 `security_Vulnerability`, SPDX 2 SECURITY `advisory` references),
//!   as a CycloneDX BOM does when it has a `vulnerabilities` array.

use palisade_graph::{Counts, PackageFacts};
use palisade_spdx::{ReducedBom, SeverityCounts};

use crate::bom::BomFacts;

/// The bytes are SPDX (JSON, JSON-LD, or tag-value, which the reader refuses with a hint).
pub(crate) fn is_spdx(bytes: &[u8]) -> bool {
    palisade_spdx::detect(bytes) != palisade_spdx::Format::NotSpdx
}

/// Parses and reduces an SPDX document: its facts and whether it carries vulnerability data.
pub(crate) fn read(bytes: &[u8], name: &str) -> Result<(BomFacts, bool), miette::Report> {
    let document = palisade_spdx::parse(bytes, name, &palisade_spdx::Limits::default())
        .map_err(miette::Report::new)?;
    let reduced = palisade_spdx::reduce(&document);
    Ok((facts(&reduced), !document.vulnerabilities.is_empty()))
}

fn counts(counts: &SeverityCounts) -> Counts {
    Counts {
        critical: counts.critical,
        high: counts.high,
        medium: counts.medium,
        low: counts.low,
        total: counts.total,
    }
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The reduced SPDX document as the facts a CycloneDX BOM gives.
pub fn facts(reduced: &ReducedBom) -> BomFacts {
    BomFacts {
        packages: reduced
            .packages
            .iter()
            .map(|p| PackageFacts {
                key: p.key.clone(),
                name: p.name.clone(),
                version: optional(&p.version),
                purl: optional(&p.purl),
                licenses: p.licenses.clone(),
                vulnerability_ids: p.vulnerability_ids.clone(),
                vulnerabilities: counts(&p.vulnerabilities),
                component_type: optional(&p.component_type),
            })
            .collect(),
        dependencies: reduced.dependencies.clone(),
        vulnerabilities: counts(&reduced.vulnerabilities),
        licenses: reduced.licenses.clone(),
        labels: reduced.labels.clone(),
        model_card: reduced.model_card,
        metrics: reduced.metrics.clone(),
        // The DP and robustness values (modelcard.rs) are read from CycloneDX model cards
        // only: an SPDX AI package records that a model card exists, not those values.
        model_cards: Vec::new(),
    }
}
