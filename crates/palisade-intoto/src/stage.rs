//! The normalised record of what a stage really ran, whichever form the attestation had.

use std::collections::BTreeMap;

use serde::Serialize;

/// A file or other resource a stage read or wrote: a classic link's path, or an in-toto
/// ResourceDescriptor's `name` / `uri`, with its digests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// The path (classic links) or the descriptor's `name` (`""` when it has none).
    pub name: String,
    /// The descriptor's `uri`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm, both lowercased (`sha256` → 64 hex digits, `sha512`, `gitCommit`
    /// written `gitcommit` …). Algorithms are data: any name is kept.
    pub digests: BTreeMap<String, String>,
}

impl Resource {
    /// The path to match against a declared artifact: the name, or else the URI without a
    /// `file:` scheme.
    pub fn path(&self) -> &str {
        if !self.name.is_empty() {
            return &self.name;
        }
        let uri = self.uri.as_deref().unwrap_or("");
        uri.strip_prefix("file://")
            .or_else(|| uri.strip_prefix("file:"))
            .unwrap_or(uri)
    }
}

/// Which standard form the attestation had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// (a) in-toto Statement v1 with a SLSA provenance v1 predicate: the materials are
    /// `buildDefinition.resolvedDependencies`, the products the statement's subjects.
    SlsaProvenanceV1,
    /// (a) in-toto Statement with a SLSA provenance v0.2 predicate: `materials[]`.
    SlsaProvenanceV02,
    /// (b) in-toto Statement v1 with the link predicate
    /// `https://in-toto.io/attestation/link/v0.3`.
    LinkV03,
    /// (c) classic in-toto link metadata (`"_type": "link"`), as `in-toto-run` writes it.
    ClassicLink,
}

/// What the attestation came wrapped in, and so what its signatures cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapper {
    /// `{"signed": …, "signatures": [{keyid, sig}]}`: hex signatures over the canonical JSON
    /// of `signed` (classic `in-toto-run`).
    Metablock,
    /// A bare DSSE envelope (`in-toto-run --use-dsse`, securesystemslib, cosign `attest`).
    Dsse,
    /// A Sigstore bundle (v0.1–v0.3) holding a DSSE envelope.
    SigstoreBundle,
    /// No signature at all: a bare statement or link. Never verified.
    Unsigned,
}

/// Whether a trusted key signed the attestation. A fact for policies, not an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verification {
    /// A signature verified under a key (or certificate authority) the caller trusts.
    Verified {
        /// The [`crate::TrustedKey::name`] (or authority name) that verified.
        signer: String,
        /// Whether the verified signature's `keyid` was that key's securesystemslib keyid
        /// (informative only: keyids never decide trust).
        keyid_matched: bool,
    },
    /// No trusted key verified any signature; the reason says what was tried.
    Invalid {
        /// A sentence saying what failed.
        reason: String,
    },
}

impl Verification {
    /// The signer's name when verified.
    pub fn signer(&self) -> Option<&str> {
        match self {
            Verification::Verified { signer, .. } => Some(signer),
            Verification::Invalid { .. } => None,
        }
    }
}

/// What a stage attestation says really ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageRecord {
    /// The step's name (`name` of a link; `None` for SLSA provenance, which has none).
    pub name: Option<String>,
    /// The command, one argument per element (`[]` when the attestation records none).
    pub command: Vec<String>,
    /// What the step read (its materials / resolved dependencies).
    pub materials: Vec<Resource>,
    /// What the step wrote (a link's products; a statement's subjects).
    pub products: Vec<Resource>,
    /// `byproducts` as written (`return-value`, `stdout`, `stderr` …), `null` if absent.
    pub byproducts: serde_json::Value,
    /// `environment` as written, `null` if absent.
    pub environment: serde_json::Value,
    /// SLSA provenance: `buildDefinition.externalParameters` (v1) or `invocation.parameters`
    /// (v0.2) as written, `null` if absent or for links.
    pub parameters: serde_json::Value,
    /// SLSA provenance: the builder's id.
    pub builder_id: Option<String>,
    /// SLSA provenance: the build type.
    pub build_type: Option<String>,
    /// Which form the attestation had.
    pub form: Form,
    /// What wrapped it.
    pub wrapper: Wrapper,
    /// Which key verified it, if any.
    pub verification: Verification,
}

impl StageRecord {
    /// What the run was given: a link's `environment`, provenance's parameters (`null` when
    /// the attestation records none). `palisade run --param` writes the link's.
    pub fn recorded_parameters(&self) -> &serde_json::Value {
        match self.form {
            Form::SlsaProvenanceV1 | Form::SlsaProvenanceV02 => &self.parameters,
            _ => &self.environment,
        }
    }

    /// The signer's name when a trusted key verified the attestation.
    pub fn signer(&self) -> Option<&str> {
        self.verification.signer()
    }

    /// The command's exit code as the attestation records it (`byproducts["return-value"]`),
    /// when it is an integer (protobuf-built predicates write `0.0`, accepted when whole).
    pub fn return_value(&self) -> Option<i64> {
        let v = self.byproducts.get("return-value")?;
        v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_falls_back_to_a_file_uri() {
        let mut r = Resource {
            name: String::new(),
            uri: Some("file:data/x.csv".into()),
            digests: BTreeMap::new(),
        };
        assert_eq!(r.path(), "data/x.csv");
        r.uri = Some("file:///abs/x.csv".into());
        assert_eq!(r.path(), "/abs/x.csv");
        r.uri = Some("git+https://h/r".into());
        assert_eq!(r.path(), "git+https://h/r");
        r.name = "n".into();
        assert_eq!(r.path(), "n");
    }
}
