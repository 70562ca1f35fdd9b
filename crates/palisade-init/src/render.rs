//! Writing the inferred model as `pipeline.pal`: every inferred line ends with a comment
//! saying where it came from; what could not be inferred is listed at the top.

use std::fmt::Write as _;
use std::path::Path;

use crate::{Artifact, Kind, Model, Sourced};

/// The column comments start at (when the line is shorter).
const COMMENT_COLUMN: usize = 44;

/// The starter `policies/team.cedar` written beside a new pipeline.
pub(crate) const STARTER_POLICY: &str = r#"// Your team's own policies, loaded with the baseline (`policies = ["@baseline", "policies"]`).
// Each rule is a Cedar `forbid` with an @id, @severity and @message; see docs/policies.md.
// `palisade schema` prints every entity and attribute a rule can use. An example:
//
// @id("models-are-safetensors")
// @severity("high")
// @message("{principal} ships {resource}, a model not stored as safetensors")
// forbid (principal is Release, action == Action::"release", resource is Model)
// when { resource.format != "safetensors" };
"#;

/// A string literal of the pipeline language.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || palisade_core::text::is_display_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment's text on one line, with no control or bidirectional characters.
fn comment(text: &str) -> String {
    palisade_core::text::escape_line(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn line(out: &mut String, indent: usize, code: &str, origin: &str) {
    let mut text = format!("{}{code}", " ".repeat(indent));
    if !origin.is_empty() {
        let width = text.chars().count();
        if width < COMMENT_COLUMN {
            text.push_str(&" ".repeat(COMMENT_COLUMN - width));
        } else {
            text.push_str("  ");
        }
        text.push_str("// ");
        text.push_str(&comment(origin));
    }
    out.push_str(text.trim_end());
    out.push('\n');
}

fn attribute(out: &mut String, name: &str, value: &Sourced) {
    line(
        out,
        4,
        &format!("{name:<10} = {}", quote(&value.value)),
        &value.origin,
    );
}

fn list(out: &mut String, name: &str, values: &[Sourced]) {
    if values.is_empty() {
        return;
    }
    let items: Vec<String> = values.iter().map(|v| quote(&v.value)).collect();
    let origins: Vec<&str> = values.iter().map(|v| v.origin.as_str()).collect();
    line(
        out,
        4,
        &format!("{name:<10} = [{}]", items.join(", ")),
        &origins.join("; "),
    );
}

fn reference(artifact: &Artifact) -> String {
    format!("{} {}", artifact.kind.keyword(), quote(&artifact.name))
}

/// Whether the pipeline gets a release (it needs something to ship).
pub(crate) fn has_release(model: &Model) -> bool {
    !released(model).is_empty()
}

/// What the starter release ships: images and models; else the code.
fn released(model: &Model) -> Vec<usize> {
    let of = |kinds: &[Kind]| -> Vec<usize> {
        (0..model.artifacts.len())
            .filter(|&i| kinds.contains(&model.artifacts[i].kind))
            .collect()
    };
    let shipped = of(&[Kind::Image, Kind::Model]);
    if shipped.is_empty() {
        of(&[Kind::Code])
    } else {
        shipped
    }
}

fn artifact(out: &mut String, a: &Artifact, root: &Path) {
    for note in &a.notes {
        line(out, 2, &format!("// {}", comment(note)), "");
    }
    line(out, 2, &format!("{} {{", reference(a)), &a.origin);
    if let Some(path) = &a.path {
        attribute(out, "path", &Sourced::new(path.clone(), ""));
        if crate::suggest::has_pycache(&root.join(path)) {
            // Never written as a setting: leaving files out of the digest is the user's call.
            line(
                out,
                4,
                "// ignore    = [\"__pycache__/\", \"*.pyc\"]",
                "review, then uncomment: Python wrote a __pycache__/ folder under this path; without this line it makes the artifact an integrity mismatch once locked",
            );
        }
    }
    if let Some(r) = &a.reference {
        attribute(out, "ref", r);
    }
    if let Some(f) = &a.format {
        attribute(out, "format", f);
    }
    if let Some(b) = &a.bom {
        attribute(out, "bom", b);
    }
    list(out, "sast", &a.sast);
    list(out, "dast", &a.dast);
    list(out, "secrets", &a.secrets);
    list(out, "scans", &a.scans);
    if let Some(s) = &a.signature {
        attribute(out, "signature", s);
    }
    if let Some(p) = &a.provenance {
        attribute(out, "provenance", p);
    }
    if let Some(s) = &a.signed_by {
        line(
            out,
            4,
            &format!("{:<10} = {}", "signed_by", s.value),
            &s.origin,
        );
    }
    line(out, 2, "}", "");
}

/// The pipeline text.
pub(crate) fn render(model: &Model, root: &Path) -> String {
    let mut out = String::new();
    let name = std::fs::canonicalize(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "pipeline".to_owned());
    out.push_str(
        "// Written by `palisade init` from what this folder holds. Every inferred line says\n",
    );
    out.push_str(
        "// where it came from; review each one, then run `palisade check`, `palisade lock`\n",
    );
    out.push_str("// and `palisade evaluate`.\n");
    if model.dvc_checked > 0 && model.dvc_mismatches.is_empty() {
        let _ = writeln!(
            out,
            "//\n// dvc.lock: the md5 of all {} files it records match the files.",
            model.dvc_checked
        );
    }
    if !model.dvc_mismatches.is_empty() {
        out.push_str("//\n// Files that differ from what dvc.lock records (the data or model is not the one\n");
        out.push_str("// `dvc repro` saw; re-run it, or find out who changed them):\n");
        for m in &model.dvc_mismatches {
            let _ = writeln!(out, "// - {}", comment(&m.to_string()));
        }
    }
    out.push_str("//\n// Not inferred (declare these yourself):\n");
    let mut notes = vec![
        "owner: who owns this pipeline (`owner = \"team@example.com\"`)".to_owned(),
        "labels: what the data holds (`pii`, `financial` …): data sensitivity cannot be read from files"
            .to_owned(),
        "secrets: which stages use which secrets (`secret` blocks)".to_owned(),
        "remote artifacts: base models or data fetched at run time (`uri` + `digest`) are not on disk"
            .to_owned(),
    ];
    notes.extend(model.not_inferred.iter().cloned());
    for note in &notes {
        let _ = writeln!(out, "// - {}", comment(note));
    }
    out.push('\n');
    line(
        &mut out,
        0,
        &format!("pipeline {} {{", quote(&name)),
        "the folder's name",
    );
    line(
        &mut out,
        2,
        "policies = [\"@baseline\", \"policies\"]",
        "the built-in baseline + your own rules in policies/",
    );
    if model.dvc_checked > 0 || !model.dvc_mismatches.is_empty() {
        line(
            &mut out,
            2,
            "dvc_lock = \"dvc.lock\"",
            "dvc.lock: evaluate checks the md5 it records against every artifact's files (the baseline's dvc-lock-mismatch)",
        );
    }
    // Keys first: identities refer to them.
    let mut signers: Vec<&crate::Signer> = model.signers.iter().collect();
    signers.sort_by_key(|s| s.keyword != "key");
    for signer in signers {
        out.push('\n');
        line(
            &mut out,
            2,
            &format!("{} {} {{", signer.keyword, quote(&signer.name)),
            &signer.origin,
        );
        for (attr, value) in &signer.attributes {
            if *attr == "key" {
                // A reference to a key declaration, not a string.
                line(
                    &mut out,
                    4,
                    &format!("{attr:<10} = key {}", quote(&value.value)),
                    &value.origin,
                );
            } else {
                attribute(&mut out, attr, value);
            }
        }
        line(&mut out, 2, "}", "");
    }
    let mut ordered: Vec<&Artifact> = model.artifacts.iter().collect();
    ordered.sort_by_key(|a| a.kind);
    for a in ordered {
        out.push('\n');
        artifact(&mut out, a, root);
    }
    for stage in &model.stages {
        out.push('\n');
        for note in &stage.notes {
            line(&mut out, 2, &format!("// {}", comment(note)), "");
        }
        line(
            &mut out,
            2,
            &format!("stage {} {{", quote(&stage.name)),
            &stage.origin,
        );
        if let Some(r) = &stage.runs_as {
            line(
                &mut out,
                4,
                &format!("{:<10} = {}", "runs_as", r.value),
                &r.origin,
            );
        }
        for (field, items) in [("inputs", &stage.inputs), ("outputs", &stage.outputs)] {
            if items.is_empty() {
                continue;
            }
            let refs: Vec<String> = items
                .iter()
                .map(|&i| reference(&model.artifacts[i]))
                .collect();
            line(
                &mut out,
                4,
                &format!("{field:<10} = [{}]", refs.join(", ")),
                "",
            );
        }
        match stage.attestation.as_slice() {
            [] => {}
            [one] => line(
                &mut out,
                4,
                &format!("{:<10} = {}", "attestation", quote(&one.value)),
                &one.origin,
            ),
            many => {
                let paths: Vec<String> = many.iter().map(|a| quote(&a.value)).collect();
                line(
                    &mut out,
                    4,
                    &format!("{:<10} = [{}]", "attestation", paths.join(", ")),
                    &many[0].origin,
                );
            }
        }
        line(&mut out, 2, "}", "");
    }
    let shipped = released(model);
    if !shipped.is_empty() {
        out.push('\n');
        line(
            &mut out,
            2,
            "release \"production\" {",
            "assumed: what ships is the images and models (else the code); review",
        );
        let refs: Vec<String> = shipped
            .iter()
            .map(|&i| reference(&model.artifacts[i]))
            .collect();
        line(
            &mut out,
            4,
            &format!("{:<11} = [{}]", "artifacts", refs.join(", ")),
            "",
        );
        line(
            &mut out,
            4,
            &format!("{:<11} = \"production\"", "environment"),
            "assumed; review",
        );
        line(
            &mut out,
            4,
            &format!("{:<11} = \"internal\"", "exposure"),
            "assumed; set \"public\" if anyone outside can reach it",
        );
        line(&mut out, 2, "}", "");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn quoting_escapes_what_the_language_escapes() {
        assert_eq!(quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(quote("\u{202e}x"), r#""\u{202e}x""#);
    }
}
