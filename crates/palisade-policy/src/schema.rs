//! The Cedar schema Palisade generates: entity types, their attributes (the attribute contract
//! of SPEC §5) and the actions, each documented.
//!
//! The schema text is generated from the tables below, so `palisade schema`, strict validation
//! and the entities the engine builds all come from one source.

use std::fmt::Write as _;
use std::sync::OnceLock;

use cedar_policy::Schema;

/// A Cedar type in the schema, as text.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// Attribute name (snake_case, stable).
    pub name: &'static str,
    /// Cedar type (`String`, `Long`, `Bool`, `Set<String>`, `Counts`).
    pub ty: &'static str,
    /// What it means.
    pub doc: &'static str,
}

const fn attr(name: &'static str, ty: &'static str, doc: &'static str) -> Attr {
    Attr { name, ty, doc }
}

/// Attributes every artifact (`Code`, `Dataset`, `Model`, `Image`, `Secret`) has.
pub const ARTIFACT_ATTRS: &[Attr] = &[
    attr("name", "String", "the declared name"),
    attr("kind", "String", "code, dataset, model, image or secret"),
    attr(
        "labels",
        "Set<String>",
        "declared labels plus labels from evidence (e.g. an ML-BOM's data classification)",
    ),
    attr(
        "upstream_labels",
        "Set<String>",
        "labels over the artifact and its whole lineage (taint: a model trained on a pii dataset carries pii)",
    ),
    attr(
        "integrity",
        "String",
        "\"verified\", \"mismatch\", \"unpinned\" or \"remote\" (palisade.lock)",
    ),
    attr(
        "signature",
        "String",
        "\"verified\", \"invalid\" or \"absent\"",
    ),
    attr(
        "signers",
        "Set<String>",
        "declared keys / identities whose signature verified",
    ),
    attr("sast", "Counts", "SAST findings (SARIF)"),
    attr("dast", "Counts", "DAST findings (SARIF)"),
    attr("secrets", "Counts", "secret-scan findings (SARIF)"),
    attr("scans", "Counts", "other scanner findings (SARIF)"),
    attr(
        "vulnerabilities",
        "Counts",
        "vulnerabilities over the packages its SBOM includes, after VEX",
    ),
    attr(
        "licenses",
        "Set<String>",
        "licenses of the packages its SBOM includes",
    ),
    attr(
        "upstream_unsigned",
        "Long",
        "artifacts strictly upstream whose signature is not verified",
    ),
    attr(
        "upstream_unpinned",
        "Long",
        "artifacts strictly upstream that are not pinned (integrity neither verified nor remote)",
    ),
    attr(
        "upstream_max_vulnerability",
        "String",
        "highest vulnerability severity over the lineage: none, low, medium, high, critical",
    ),
    attr(
        "upstream_licenses",
        "Set<String>",
        "licenses over the lineage",
    ),
    attr(
        "upstream_datasets",
        "Set<String>",
        "source datasets (not produced by a stage) the artifact derives from",
    ),
    attr(
        "upstream_models",
        "Set<String>",
        "source (base) models the artifact derives from",
    ),
    attr(
        "upstream_secrets",
        "Counts",
        "secret-scan findings over the artifact and its lineage",
    ),
    attr(
        "upstream_sast",
        "Counts",
        "SAST findings over the artifact and its lineage",
    ),
    attr(
        "remote",
        "Bool",
        "declared by ref/uri rather than a local path",
    ),
    attr(
        "pinned_digest",
        "Bool",
        "declares a digest (sha256:… or an image ref @sha256:…)",
    ),
    attr("has_bom", "Bool", "declares a CycloneDX bom"),
    attr(
        "provenance",
        "String",
        "\"verified\", \"invalid\" or \"absent\": a provenance statement signed by a declared key/identity whose subject matches the artifact's digest",
    ),
    attr(
        "builder_id",
        "String",
        "SLSA builder id from the provenance, \"\" if none",
    ),
    attr(
        "build_type",
        "String",
        "SLSA build type from the provenance, \"\" if none",
    ),
    attr(
        "builders",
        "Set<String>",
        "declared identities whose `builder` matched the provenance's builder id",
    ),
    attr("produced_by", "Set<String>", "stages that write it"),
    attr(
        "producer_identities",
        "Set<String>",
        "identities those stages run as",
    ),
    attr(
        "unidentified_producers",
        "Long",
        "stages writing it that run as no declared identity",
    ),
    attr("released", "Bool", "shipped directly by some release"),
    attr(
        "exposure",
        "String",
        "most exposed release downstream: public, internal, private or none",
    ),
];

/// Attributes only `Model` has.
pub const MODEL_ATTRS: &[Attr] = &[
    attr(
        "format",
        "String",
        "declared or detected format (safetensors, onnx, pickle, pytorch …), \"\" if unknown",
    ),
    attr(
        "unsafe_format",
        "Bool",
        "pickle-based (can run code when loaded): by declared format, file extension or scan",
    ),
    attr(
        "dangerous_imports",
        "Set<String>",
        "dangerous imports the pickle would execute, as module.attr (posix.system)",
    ),
    attr("model_card", "Bool", "its ML-BOM carries a model card"),
    attr(
        "metrics",
        "Set<String>",
        "performance metric types in the model card (accuracy, adversarial-robustness …)",
    ),
];

/// Attributes only `Secret` has.
pub const SECRET_ATTRS: &[Attr] = &[attr("vault", "String", "the vault reference, \"\" if none")];

/// Attributes of `Stage`.
pub const STAGE_ATTRS: &[Attr] = &[
    attr("name", "String", "the declared name"),
    attr(
        "environment",
        "String",
        "where it runs, \"\" if not declared",
    ),
    attr(
        "runs_as",
        "String",
        "the declared identity it runs as, \"\" if none",
    ),
    attr("guardrails", "Bool", "declares a guardrails configuration"),
    attr(
        "exposure",
        "String",
        "most exposed release downstream of what it writes: public, internal, private or none",
    ),
    attr(
        "input_labels",
        "Set<String>",
        "upstream labels over everything it reads",
    ),
    attr(
        "output_kinds",
        "Set<String>",
        "kinds of what it writes (code, dataset, model, image): a stage writing a model trains, one writing an image serves",
    ),
];

/// Attributes of `Release`.
pub const RELEASE_ATTRS: &[Attr] = &[
    attr("name", "String", "the declared name"),
    attr("environment", "String", "target environment"),
    attr("exposure", "String", "public, internal or private"),
];

/// Attributes of `Identity`.
pub const IDENTITY_ATTRS: &[Attr] = &[
    attr("name", "String", "the declared name"),
    attr("issuer", "String", "OIDC issuer, \"\" if none"),
    attr("subject", "String", "subject, \"\" if none"),
    attr("builder", "String", "SLSA builder id, \"\" if none"),
];

/// Attributes of `Key`.
pub const KEY_ATTRS: &[Attr] = &[attr("name", "String", "the declared name")];

/// Attributes of `Package`.
pub const PACKAGE_ATTRS: &[Attr] = &[
    attr("name", "String", "component name (group/name when grouped)"),
    attr("purl", "String", "package URL, \"\" if none"),
    attr("version", "String", "version, \"\" if unknown"),
    attr("licenses", "Set<String>", "SPDX ids, names or expressions"),
    attr(
        "vulnerability_ids",
        "Set<String>",
        "vulnerabilities affecting it, after VEX",
    ),
    attr(
        "vulnerabilities",
        "Counts",
        "those vulnerabilities by severity",
    ),
    attr(
        "max_severity",
        "String",
        "highest of them: none, low, medium, high, critical",
    ),
    attr(
        "component_type",
        "String",
        "CycloneDX component type (library, machine-learning-model, data …)",
    ),
];

/// Attributes of `Pipeline`.
pub const PIPELINE_ATTRS: &[Attr] = &[
    attr("name", "String", "the pipeline's name"),
    attr("owner", "String", "owner, \"\" if none"),
];

/// The request context (the same record for every action).
pub const CONTEXT_ATTRS: &[Attr] = &[
    attr(
        "environment",
        "String",
        "release: its environment; stage requests: the stage's environment; include: \"\"",
    ),
    attr(
        "exposure",
        "String",
        "release: its exposure; otherwise the principal's downstream exposure",
    ),
    attr(
        "now",
        "Long",
        "evaluation time, seconds since the Unix epoch (--at)",
    ),
    attr("pipeline", "String", "the pipeline's name"),
    attr(
        "vulnerability_threshold",
        "String",
        "the pipeline's `vulnerability_threshold`: lowest severity the SCA rule denies (critical unless set)",
    ),
    attr(
        "denied_licenses",
        "Set<String>",
        "the pipeline's `denied_licenses`, else palisade's default list (strong copyleft, non-commercial, source-available)",
    ),
];

/// Licenses denied when the pipeline sets no `denied_licenses`: network copyleft, source-available
/// and non-commercial licenses (the last matter for model weights and datasets).
pub const DEFAULT_DENIED_LICENSES: &[&str] = &[
    "AGPL-1.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "SSPL-1.0",
    "BUSL-1.1",
    "Elastic-2.0",
    "Commons-Clause",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
];

/// The actions: name, principal types, resource types, when a request is made.
pub const ACTIONS: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "read",
        &["Stage"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per stage input",
    ),
    (
        "write",
        &["Stage"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per stage output",
    ),
    (
        "use_secret",
        &["Stage"],
        &["Secret"],
        "one request per secret a stage uses",
    ),
    (
        "include",
        &["Code", "Dataset", "Model", "Image"],
        &["Package"],
        "one request per package in an artifact's SBOM",
    ),
    (
        "release",
        &["Release"],
        &["Code", "Dataset", "Model", "Image"],
        "one request per released artifact",
    ),
];

/// The artifact entity types.
pub const ARTIFACT_TYPES: &[&str] = &["Code", "Dataset", "Model", "Image", "Secret"];

fn entity(out: &mut String, name: &str, parents: &str, doc: &str, groups: &[&[Attr]]) {
    let _ = writeln!(out, "// {doc}");
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!(" in [{parents}]")
    };
    let _ = writeln!(out, "entity {name}{parents} = {{");
    for attr in groups.iter().flat_map(|g| g.iter()) {
        let _ = writeln!(out, "  // {}", attr.doc);
        let _ = writeln!(out, "  {}: {},", attr.name, attr.ty);
    }
    out.push_str("};\n\n");
}

/// The schema in Cedar's schema syntax, documented; what `palisade schema` prints.
pub fn schema_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut out = String::from(
            "// Palisade's Cedar schema (generated; `palisade schema` prints it).\n\
             // Policies are validated against it in strict mode before evaluation.\n\n\
             // Findings or vulnerabilities counted by severity.\n\
             type Counts = { critical: Long, high: Long, medium: Long, low: Long, total: Long };\n\n",
        );
        out.push_str("// The request context, the same for every action.\ntype Context = {\n");
        for attr in CONTEXT_ATTRS {
            let _ = writeln!(out, "  // {}\n  {}: {},", attr.doc, attr.name, attr.ty);
        }
        out.push_str("};\n\n");
        entity(&mut out, "Pipeline", "", "The pipeline; every declared thing is in it.", &[PIPELINE_ATTRS]);
        out.push_str("// A label (pii, llm, financial …); an artifact is in its own and its upstream labels.\nentity Label;\n\n");
        entity(&mut out, "Identity", "Pipeline", "A declared CI workload identity.", &[IDENTITY_ATTRS]);
        entity(&mut out, "Key", "Pipeline", "A declared public key.", &[KEY_ATTRS]);
        entity(&mut out, "Stage", "Identity, Pipeline", "A stage; it is in the identity it runs as.", &[STAGE_ATTRS]);
        entity(&mut out, "Release", "Pipeline", "A release.", &[RELEASE_ATTRS]);
        for ty in ARTIFACT_TYPES {
            let groups: &[&[Attr]] = match *ty {
                "Model" => &[ARTIFACT_ATTRS, MODEL_ATTRS],
                "Secret" => &[ARTIFACT_ATTRS, SECRET_ATTRS],
                _ => &[ARTIFACT_ATTRS],
            };
            entity(&mut out, ty, "Label, Pipeline", &format!("A declared {} artifact.", ty.to_lowercase()), groups);
        }
        entity(&mut out, "Package", "Label, Pipeline", "A package (SBOM component), deduplicated by purl.", &[PACKAGE_ATTRS]);
        for (name, principals, resources, doc) in ACTIONS {
            let _ = writeln!(
                out,
                "// {doc}\naction {name} appliesTo {{\n  principal: [{}],\n  resource: [{}],\n  context: Context\n}};\n",
                principals.join(", "),
                resources.join(", ")
            );
        }
        out
    })
}

/// The parsed schema.
///
/// # Errors
/// Only if the generated text is not a valid schema, which a unit test rules out.
pub fn schema() -> Result<&'static Schema, String> {
    static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Schema::from_cedarschema_str(schema_text())
                .map(|(schema, _warnings)| schema)
                .map_err(|e| format!("{e:?}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_schema_parses() {
        assert!(schema().is_ok(), "{:?}", schema().err());
    }

    #[test]
    fn schema_text_is_stable() {
        insta::assert_snapshot!(schema_text());
    }
}
