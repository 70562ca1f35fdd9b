//! in-toto Statements (v1, and v0.1 read as the same shape) and the provenance facts that
//! policies use: SLSA provenance v1 (and v0.2), SLSA VSA v1, CycloneDX predicates.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json::{field, join, type_name};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of an in-toto Statement v0.1 (accepted when reading).
pub const STATEMENT_V0_1: &str = "https://in-toto.io/Statement/v0.1";
/// SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance v0.2 predicate type.
pub const SLSA_PROVENANCE_V0_2: &str = "https://slsa.dev/provenance/v0.2";
/// SLSA verification summary (VSA) v1 predicate type.
pub const SLSA_VSA_V1: &str = "https://slsa.dev/verification_summary/v1";
/// CycloneDX BOM predicate type.
pub const CYCLONEDX_BOM: &str = "https://cyclonedx.org/bom";

/// Largest statement we read.
pub const MAX_STATEMENT_BYTES: usize = 64 << 20;
/// Most subjects in one statement.
pub const MAX_SUBJECTS: usize = 100_000;

/// An in-toto Statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// What the statement is about.
    pub subjects: Vec<Subject>,
    /// `predicateType`, a URI.
    pub predicate_type: String,
    /// The predicate as JSON (`null` when absent).
    pub predicate: Value,
}

/// A subject: a name and its digests by algorithm (lowercase hex, e.g. `sha256`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The subject's name (`""` when absent).
    pub name: String,
    /// Digests keyed by algorithm name.
    pub digest: BTreeMap<String, String>,
}

/// Why a statement could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StatementError {
    /// The payload is larger than [`MAX_STATEMENT_BYTES`].
    #[error("{file}: {size} bytes is more than the {limit}-byte limit for a statement")]
    #[diagnostic(code(palisade::intoto::too_large))]
    TooLarge {
        /// Where the statement came from.
        file: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not JSON.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<crate::json::JsonSyntaxError>),
    /// The JSON is not an in-toto statement.
    #[error("{file}: at {path}: {reason}")]
    #[diagnostic(code(palisade::intoto::invalid))]
    Invalid {
        /// Where the statement came from.
        file: String,
        /// JSON-pointer-like path to the offending value.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads an in-toto Statement (v1; v0.1 accepted) from a DSSE payload.
/// `source_name` names the bundle or file in errors.
pub fn parse_statement(payload: &[u8], source_name: &str) -> Result<Statement, StatementError> {
    let invalid = |path: &str, reason: String| StatementError::Invalid {
        file: source_name.to_string(),
        path: if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        },
        reason,
    };
    if payload.len() > MAX_STATEMENT_BYTES {
        return Err(StatementError::TooLarge {
            file: source_name.to_string(),
            size: payload.len(),
            limit: MAX_STATEMENT_BYTES,
        });
    }
    let text = std::str::from_utf8(payload)
        .map_err(|e| invalid("", format!("not UTF-8 text (byte {})", e.valid_up_to())))?;
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        StatementError::Syntax(crate::json::JsonSyntaxError::new(source_name, text, &e))
    })?;
    let Some(root) = doc.as_object() else {
        return Err(invalid(
            "",
            format!("expected an object, found {}", type_name(&doc)),
        ));
    };
    match root.get("_type") {
        Some(Value::String(t)) if t == STATEMENT_V1 || t == STATEMENT_V0_1 => {}
        Some(Value::String(t)) => {
            return Err(invalid(
                "/_type",
                format!("`{t}` is not an in-toto Statement (expected `{STATEMENT_V1}`)"),
            ));
        }
        Some(other) => {
            return Err(invalid(
                "/_type",
                format!("expected a string, found {}", type_name(other)),
            ));
        }
        None => return Err(invalid("", "missing required field `_type`".to_string())),
    }
    let predicate_type = match field(root, "predicateType") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid(
                "/predicateType",
                format!("expected a string, found {}", type_name(other)),
            ));
        }
        None => {
            return Err(invalid(
                "",
                "missing required field `predicateType`".to_string(),
            ));
        }
    };
    let subjects_value = root
        .get("subject")
        .ok_or_else(|| invalid("", "missing required field `subject`".to_string()))?;
    let Some(list) = subjects_value.as_array() else {
        return Err(invalid(
            "/subject",
            format!("expected an array, found {}", type_name(subjects_value)),
        ));
    };
    if list.len() > MAX_SUBJECTS {
        return Err(invalid(
            "/subject",
            format!(
                "{} subjects is more than the limit of {MAX_SUBJECTS}",
                list.len()
            ),
        ));
    }
    let mut subjects = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let p = join("/subject", &i.to_string());
        let Some(obj) = s.as_object() else {
            return Err(invalid(
                &p,
                format!("expected an object, found {}", type_name(s)),
            ));
        };
        let name = match obj.get("name") {
            None => String::new(),
            Some(Value::String(n)) => n.clone(),
            Some(other) => {
                return Err(invalid(
                    &join(&p, "name"),
                    format!("expected a string, found {}", type_name(other)),
                ));
            }
        };
        let mut digest = BTreeMap::new();
        match obj.get("digest") {
            None => {}
            Some(Value::Object(d)) => {
                for (alg, value) in d {
                    let Some(v) = value.as_str() else {
                        return Err(invalid(
                            &join(&join(&p, "digest"), alg),
                            format!("expected a string, found {}", type_name(value)),
                        ));
                    };
                    digest.insert(alg.clone(), v.to_ascii_lowercase());
                }
            }
            Some(other) => {
                return Err(invalid(
                    &join(&p, "digest"),
                    format!("expected an object, found {}", type_name(other)),
                ));
            }
        }
        subjects.push(Subject { name, digest });
    }
    let predicate = root.get("predicate").cloned().unwrap_or(Value::Null);
    Ok(Statement {
        subjects,
        predicate_type,
        predicate,
    })
}

/// Facts read from a provenance-like predicate; fields a predicate does not have are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The statement's predicate type.
    pub predicate_type: String,
    /// SLSA provenance: `runDetails.builder.id` (v1) or `builder.id` (v0.2).
    pub builder_id: Option<String>,
    /// SLSA provenance: `buildDefinition.buildType` (v1) or `buildType` (v0.2).
    pub build_type: Option<String>,
    /// SLSA VSA: `verificationResult` (`PASSED` / `FAILED`).
    pub verification_result: Option<String>,
    /// SLSA VSA: `verifier.id`.
    pub verifier_id: Option<String>,
}

fn string_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Reads the builder, build type, verifier and result from SLSA provenance v1/v0.2 and SLSA
/// VSA v1 predicates. A CycloneDX predicate (or any other) yields only its predicate type.
pub fn provenance_facts(st: &Statement) -> Provenance {
    let p = &st.predicate;
    let mut facts = Provenance {
        predicate_type: st.predicate_type.clone(),
        ..Provenance::default()
    };
    match st.predicate_type.as_str() {
        SLSA_PROVENANCE_V1 => {
            facts.builder_id = string_at(p, "/runDetails/builder/id");
            facts.build_type = string_at(p, "/buildDefinition/buildType");
        }
        SLSA_PROVENANCE_V0_2 => {
            facts.builder_id = string_at(p, "/builder/id");
            facts.build_type = string_at(p, "/buildType");
        }
        SLSA_VSA_V1 => {
            facts.verifier_id = string_at(p, "/verifier/id");
            facts.verification_result = string_at(p, "/verificationResult");
        }
        _ => {}
    }
    facts
}
