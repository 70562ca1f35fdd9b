//! Generates large, valid CycloneDX 1.6 JSON documents for benchmarks and scale tests.

use std::fmt::Write;

const LICENSES: [&str; 6] = [
    "MIT",
    "Apache-2.0",
    "BSD-3-Clause",
    "ISC",
    "MPL-2.0",
    "GPL-3.0-only",
];
const ECOSYSTEMS: [&str; 4] = ["pypi", "npm", "cargo", "golang"];
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// A valid CycloneDX 1.6 JSON document with `components` libraries (realistic purls, licenses,
/// sha256 hashes, properties), each depending on the next `deps_per_component` components, and
/// `vulns` vulnerabilities spread over them (ratings of every severity, every fourth one marked
/// `not_affected` by VEX). Deterministic: the same arguments give the same text.
pub fn synthetic_json(components: usize, deps_per_component: usize, vulns: usize) -> String {
    let mut out = String::with_capacity(components * 520 + vulns * 400 + 1024);
    out.push_str(
        "{\n  \"$schema\": \"http://cyclonedx.org/schema/bom-1.6.schema.json\",\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"serialNumber\": \"urn:uuid:00000000-0000-4000-8000-000000000000\",\n  \"version\": 1,\n",
    );
    out.push_str("  \"metadata\": {\"timestamp\": \"2026-01-01T00:00:00Z\", \"tools\": {\"components\": [{\"type\": \"application\", \"name\": \"palisade-synthetic\", \"version\": \"0.1.0\"}]}, \"component\": {\"type\": \"application\", \"bom-ref\": \"root\", \"name\": \"synthetic-app\", \"version\": \"1.0.0\"}},\n");
    out.push_str("  \"components\": [");
    for i in 0..components {
        let eco = ECOSYSTEMS[i % ECOSYSTEMS.len()];
        let license = LICENSES[i % LICENSES.len()];
        let (major, minor, patch) = (i % 7, i % 13, i % 5);
        let name = format!("pkg-{i:06}");
        let purl = format!("pkg:{eco}/{name}@{major}.{minor}.{patch}");
        if i > 0 {
            out.push(',');
        }
        let digest = fake_sha256(i as u64);
        // Every tenth license is an expression, every seventh a free-text name.
        let licenses = if i % 10 == 0 {
            format!("[{{\"expression\": \"{license} OR MIT\"}}]")
        } else if i % 7 == 0 {
            format!("[{{\"license\": {{\"name\": \"Custom license {i}\"}}}}]")
        } else {
            format!("[{{\"license\": {{\"id\": \"{license}\"}}}}]")
        };
        let _ = write!(
            out,
            "\n    {{\"type\": \"library\", \"bom-ref\": \"{purl}\", \"name\": \"{name}\", \"version\": \"{major}.{minor}.{patch}\", \"description\": \"Synthetic package number {i}\", \"licenses\": {licenses}, \"purl\": \"{purl}\", \"hashes\": [{{\"alg\": \"SHA-256\", \"content\": \"{digest}\"}}], \"externalReferences\": [{{\"type\": \"website\", \"url\": \"https://example.invalid/{name}\"}}], \"properties\": [{{\"name\": \"synthetic:index\", \"value\": \"{i}\"}}]}}"
        );
    }
    out.push_str("\n  ],\n  \"dependencies\": [");
    let _ = write!(out, "\n    {{\"ref\": \"root\", \"dependsOn\": [");
    for i in 0..components.min(10) {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "\"{}\"", purl_of(i));
    }
    out.push_str("]}");
    for i in 0..components {
        let _ = write!(
            out,
            ",\n    {{\"ref\": \"{}\", \"dependsOn\": [",
            purl_of(i)
        );
        let mut first = true;
        for d in 1..=deps_per_component {
            let target = i + d;
            if target >= components {
                break;
            }
            if !first {
                out.push_str(", ");
            }
            first = false;
            let _ = write!(out, "\"{}\"", purl_of(target));
        }
        out.push_str("]}");
    }
    out.push_str("\n  ],\n  \"vulnerabilities\": [");
    for j in 0..vulns {
        if j > 0 {
            out.push(',');
        }
        let target = if components == 0 {
            "root".to_owned()
        } else {
            purl_of((j * 7919) % components)
        };
        let severity = SEVERITIES[j % SEVERITIES.len()];
        let score = match severity {
            "critical" => 9.8,
            "high" => 7.5,
            "medium" => 5.3,
            "low" => 2.1,
            _ => 0.0,
        };
        let analysis = if j % 4 == 3 {
            ", \"analysis\": {\"state\": \"not_affected\", \"justification\": \"code_not_reachable\"}"
        } else {
            ""
        };
        let _ = write!(
            out,
            "\n    {{\"bom-ref\": \"vuln-{j}\", \"id\": \"CVE-2026-{:05}\", \"source\": {{\"name\": \"NVD\", \"url\": \"https://nvd.nist.gov/\"}}, \"ratings\": [{{\"score\": {score}, \"severity\": \"{severity}\", \"method\": \"CVSSv31\"}}], \"description\": \"Synthetic vulnerability {j}\", \"affects\": [{{\"ref\": \"{target}\"}}]{analysis}}}",
            10000 + j
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

fn purl_of(i: usize) -> String {
    let eco = ECOSYSTEMS[i % ECOSYSTEMS.len()];
    format!("pkg:{eco}/pkg-{i:06}@{}.{}.{}", i % 7, i % 13, i % 5)
}

/// 64 hex characters derived from `seed` (not a real digest; the schema only checks the shape).
fn fake_sha256(seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let _ = write!(out, "{z:016x}");
    }
    out
}
