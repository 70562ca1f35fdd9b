//! The end-to-end scale cases of `benches/scale.rs` (issue 13), written as real files so that
//! the `palisade` binary and other engines read the very same input:
//!
//! - [`write_sbom_case`]: a pipeline whose `code "app"` carries a synthetic CycloneDX SBOM of
//!   `n` components, judged by a fixed pack of 30 Cedar policies ([`scale_policies`]: one
//!   permit, 20 package rules — 10 license `contains`, 10 purl `like` — and 9 release and stage
//!   rules) and, for regorus, the same 20 package rules in Rego ([`scale_rego`]).
//! - [`write_wide_case`]: the same pipeline and policies over a lean SBOM of `n` components
//!   and as many dependency edges ([`wide_sbom_json`]: 181 MB at 1,000,000 components, the
//!   attack-style input of issue 13), for the growth curve from 1k to 1M packages.
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

/// A lean CycloneDX 1.6 JSON document of `components` libraries, each with a purl, a version,
/// one license (every sixth `GPL-3.0-only`, every sixth `MPL-2.0`, so the license rules deny a
/// third of them) and one dependency on the next component: the shape of the 1,000,000-package
/// input of issue 13 (about 181 bytes per component). Deterministic.
pub fn wide_sbom_json(components: usize) -> String {
    const ECOSYSTEMS: [&str; 4] = ["npm", "pypi", "cargo", "golang"];
    const LICENSES: [&str; 6] = [
        "MIT",
        "Apache-2.0",
        "BSD-3-Clause",
        "ISC",
        "MPL-2.0",
        "GPL-3.0-only",
    ];
    let mut out = String::with_capacity(components * 190 + 512);
    out.push_str(
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,\"metadata\":{\"component\":{\"type\":\"application\",\"bom-ref\":\"root\",\"name\":\"wide\"}},\n\"components\":[",
    );
    for i in 0..components {
        if i > 0 {
            out.push(',');
        }
        let eco = ECOSYSTEMS[i % ECOSYSTEMS.len()];
        let license = LICENSES[i % LICENSES.len()];
        let _ = write!(
            out,
            "\n{{\"type\":\"library\",\"bom-ref\":\"c{i}\",\"name\":\"pkg-{i:07}\",\"version\":\"1.{}.0\",\"purl\":\"pkg:{eco}/pkg-{i:07}@1.{}.0\",\"licenses\":[{{\"license\":{{\"id\":\"{license}\"}}}}]}}",
            i % 10,
            i % 10
        );
    }
    out.push_str("],\n\"dependencies\":[{\"ref\":\"root\",\"dependsOn\":[\"c0\"]}");
    for i in 0..components {
        let _ = write!(out, ",\n{{\"ref\":\"c{i}\",\"dependsOn\":[");
        if i + 1 < components {
            let _ = write!(out, "\"c{}\"", i + 1);
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    out
}

/// Writes the case of [`write_sbom_case`] with the lean SBOM of [`wide_sbom_json`].
pub fn write_wide_case(dir: &Path, components: usize) -> io::Result<()> {
    write_sbom_case(dir, 0)?;
    std::fs::write(dir.join("sbom.cdx.json"), wide_sbom_json(components))
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

    #[test]
    fn the_wide_sbom_reads_with_one_edge_per_component() {
        let text = wide_sbom_json(100);
        let bom = palisade_cyclonedx::parse(
            text.as_bytes(),
            "wide.cdx.json",
            &palisade_cyclonedx::Limits::default(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(bom.components.len(), 100);
        assert_eq!(bom.dependencies.len(), 101);
        let bytes_per_component = wide_sbom_json(10_000).len() / 10_000;
        assert!(
            (170..200).contains(&bytes_per_component),
            "{bytes_per_component}"
        );
    }

    /// Writes the scale inputs for profiling by hand: `PALISADE_SCALE_DIR=/tmp/x
    /// PALISADE_SCALE_SIZES=50000,1000000 <palisade_bench test binary> --ignored write_scale_inputs`
    /// writes `sbom-50000` (the rich case) and `wide-N` for each size.
    #[test]
    #[ignore = "writes files for profiling by hand"]
    fn write_scale_inputs() {
        let dir = std::path::PathBuf::from(
            std::env::var("PALISADE_SCALE_DIR").unwrap_or_else(|_| "target/scale".into()),
        );
        let sizes = std::env::var("PALISADE_SCALE_SIZES").unwrap_or_else(|_| "50000".into());
        for n in sizes
            .split(',')
            .filter_map(|n| n.trim().parse::<usize>().ok())
        {
            write_sbom_case(&dir.join(format!("sbom-{n}")), n).unwrap();
            write_wide_case(&dir.join(format!("wide-{n}")), n).unwrap();
        }
    }
}
