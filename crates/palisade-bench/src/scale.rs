//! The end-to-end scale cases of `benches/scale.rs` (issue 13), written as real files so that
//! the `palisade` binary and other engines read the very same input:
//!
//! - [`write_sbom_case`]: a pipeline whose `code "app"` carries a synthetic CycloneDX SBOM of
//!   `n` components, judged by a fixed pack of 30 Cedar policies ([`scale_policies`]: one
//!   permit, 20 package rules — 10 license `contains`, 10 purl `like` — and 9 release and stage
//!   rules) and, for regorus, the same 20 package rules in Rego ([`scale_rego`]).
//! - [`write_chain_case`]: a lineage chain of `depth` stages.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::policies;

/// Licenses the 10 license rules deny (the synthetic SBOM uses `GPL-3.0-only` and `MPL-2.0`).
pub const SCALE_LICENSES: [&str; 10] = [
    "GPL-3.0-only",
    "AGPL-3.0-only",
    "SSPL-1.0",
    "BUSL-1.1",
    "CC-BY-NC-4.0",
    "LicenseRef-proprietary",
    "MPL-2.0",
    "GPL-2.0-only",
    "LGPL-3.0-only",
    "EUPL-1.2",
];

/// Purl prefixes the 10 purl rules block (`like "<prefix>*"`); some match synthetic packages.
pub const SCALE_PURLS: [&str; 10] = [
    "pkg:npm/pkg-00001",
    "pkg:pypi/pkg-0420",
    "pkg:cargo/pkg-0333",
    "pkg:golang/pkg-01",
    "pkg:npm/event-stream@",
    "pkg:pypi/ctx@",
    "pkg:npm/ua-parser-js@0.7.29",
    "pkg:pypi/torchtriton@",
    "pkg:cargo/rustdecimal@",
    "pkg:npm/pkg-04999",
];

/// The 30 policies of the scale case, as one `.cedar` text.
pub fn scale_policies() -> String {
    let mut out = String::from(
        "@id(\"permit-all\")\n@severity(\"low\")\npermit (principal, action, resource);\n\n",
    );
    for (i, license) in SCALE_LICENSES.iter().enumerate() {
        let _ = write!(
            out,
            "@id(\"pkg-license-{i}\")\n@severity(\"high\")\n@message(\"{{principal}} includes {{resource}}, licensed {license}\")\nforbid (principal, action == Action::\"include\", resource is Package)\nwhen {{ resource.licenses.contains(\"{license}\") }};\n\n"
        );
    }
    for (i, prefix) in SCALE_PURLS.iter().enumerate() {
        let _ = write!(
            out,
            "@id(\"pkg-purl-{i}\")\n@severity(\"high\")\n@message(\"{{principal}} includes {{resource}}, a blocked package\")\nforbid (principal, action == Action::\"include\", resource is Package)\nwhen {{ resource.purl like \"{prefix}*\" }};\n\n"
        );
    }
    for i in 0..9 {
        let id = format!("other-{i}");
        let text = if i % 2 == 0 {
            policies::release_policy(i / 2, 0, &id)
        } else {
            policies::stage_policy(i / 2, 0, &id)
        };
        out.push_str(&text);
    }
    out
}

/// The 20 package rules of [`scale_policies`] in Rego, over the CycloneDX document as input:
/// `data.palisade.deny` is the set of `{policy, package}` pairs they deny.
pub fn scale_rego() -> String {
    let mut out = String::from("package palisade\n\nimport rego.v1\n\n");
    for (i, license) in SCALE_LICENSES.iter().enumerate() {
        let _ = write!(
            out,
            "deny contains v if {{\n\tsome c in input.components\n\tsome l in c.licenses\n\tl.license.id == \"{license}\"\n\tv := {{\"policy\": \"pkg-license-{i}\", \"package\": c.purl}}\n}}\n\n"
        );
    }
    for (i, prefix) in SCALE_PURLS.iter().enumerate() {
        let _ = write!(
            out,
            "deny contains v if {{\n\tsome c in input.components\n\tstartswith(c.purl, \"{prefix}\")\n\tv := {{\"policy\": \"pkg-purl-{i}\", \"package\": c.purl}}\n}}\n\n"
        );
    }
    out
}

/// The pipeline of the SBOM case: the SBOM on `code "app"`, built into an image that a public
/// production release ships.
pub fn scale_pipeline() -> String {
    "pipeline \"scale\" {\n  policies = [\"policies\"]\n\n  code \"app\" {\n    path = \"src\"\n    bom  = \"sbom.cdx.json\"\n  }\n\n  image \"serving\" {\n    ref = \"registry.example/scale/serve@sha256:4f1c9a3e7b2d6c8f0a5e1b9d3c7f2a6e8b0d4f1c9a3e7b2d6c8f0a5e1b9d3c7f\"\n  }\n\n  stage \"build\" {\n    inputs  = [code \"app\"]\n    outputs = [image \"serving\"]\n  }\n\n  release \"production\" {\n    artifacts   = [image \"serving\"]\n    environment = \"production\"\n    exposure    = \"public\"\n  }\n}\n".to_owned()
}

/// Writes the SBOM case of `components` packages into `dir` (created): `pipeline.pal`,
/// `sbom.cdx.json`, `src/main.py`, `policies/scale.cedar`, `rules.rego`.
pub fn write_sbom_case(dir: &Path, components: usize) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("policies"))?;
    std::fs::write(dir.join("pipeline.pal"), scale_pipeline())?;
    std::fs::write(dir.join("src/main.py"), "print('scale')\n")?;
    std::fs::write(dir.join("policies/scale.cedar"), scale_policies())?;
    std::fs::write(dir.join("rules.rego"), scale_rego())?;
    let vulns = (components / 25).max(1);
    std::fs::write(
        dir.join("sbom.cdx.json"),
        palisade_cyclonedx::synthetic_json(components, 4, vulns),
    )
}

/// Writes a lineage chain of `depth` stages (`dataset → stage → dataset …`) as `chain.pal`.
pub fn write_chain_case(dir: &Path, depth: usize) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("data"))?;
    std::fs::write(dir.join("data/d.csv"), "a,b\n1,2\n")?;
    let mut out = String::with_capacity(depth * 100);
    out.push_str("pipeline \"chain\" {\n  policies = [\"@baseline\"]\n");
    for i in 0..=depth {
        let _ = writeln!(out, "  dataset \"d{i}\" {{ path = \"data/d.csv\" }}");
    }
    for i in 0..depth {
        let _ = writeln!(
            out,
            "  stage \"s{i}\" {{ inputs = [dataset \"d{i}\"] outputs = [dataset \"d{}\"] }}",
            i + 1
        );
    }
    out.push_str("}\n");
    std::fs::write(dir.join("chain.pal"), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_pack_has_thirty_policies_twenty_on_packages() {
        let pack = palisade_policy::PolicyPack::load(vec![palisade_policy::PolicyFile {
            name: "scale.cedar".to_owned(),
            text: std::sync::Arc::new(scale_policies()),
        }])
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(pack.info.len(), 30);
        let package_rules = pack.info.keys().filter(|id| id.starts_with("pkg-")).count();
        assert_eq!(package_rules, 20);
    }
}
