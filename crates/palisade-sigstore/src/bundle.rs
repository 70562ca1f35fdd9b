//! Sigstore bundles v0.1–v0.3 (`sigstore_bundle.proto`, protobuf JSON mapping), and bare
//! DSSE envelopes, read from untrusted JSON; and the canonical v0.3 form we write.

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};
use x509_cert::der::Decode as _;

use crate::dsse::{DsseSignature, Envelope};
use crate::json::{decode_base64, field, join, type_name};

/// Media type of a v0.1 bundle.
pub const MEDIA_TYPE_V0_1: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// Media type of a v0.2 bundle.
pub const MEDIA_TYPE_V0_2: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// Media type of a v0.3 bundle (the one we write).
pub const MEDIA_TYPE_V0_3: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The older spelling of v0.3's media type, still accepted by Sigstore clients.
const MEDIA_TYPE_V0_3_ALT: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";

/// Largest bundle we read. DSSE payloads can carry whole SBOMs, hence generous.
pub const MAX_BUNDLE_BYTES: usize = 64 << 20;
/// Most signatures in one DSSE envelope.
pub const MAX_SIGNATURES: usize = 64;
/// Most certificates in one chain.
pub const MAX_CHAIN_CERTIFICATES: usize = 16;

/// A parsed Sigstore bundle (or a bare DSSE envelope).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The `mediaType` as written (`""` for a bare DSSE envelope).
    pub media_type: String,
    /// The bundle format version, from the media type.
    pub version: BundleVersion,
    /// What identifies the signer: a key hint, a certificate, or a certificate chain.
    pub material: VerificationMaterial,
    /// What is signed: a DSSE envelope or a message signature.
    pub content: Content,
}

/// Bundle format versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`
    V0_1,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.2`
    V0_2,
    /// `application/vnd.dev.sigstore.bundle.v0.3+json`
    V0_3,
    /// Not a bundle: a bare DSSE envelope (`{payloadType, payload, signatures}`).
    BareDsse,
}

/// The bundle's `verificationMaterial`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationMaterial {
    /// `publicKey.hint`: by convention the sha256 hex of the public key's PEM text (may be `""`).
    PublicKey {
        /// The hint as written.
        hint: String,
    },
    /// `certificate.rawBytes` (v0.3): the DER leaf certificate.
    Certificate(Vec<u8>),
    /// `x509CertificateChain.certificates[].rawBytes`: DER, leaf first.
    Chain(Vec<Vec<u8>>),
}

/// The signed content of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// `dsseEnvelope`.
    Dsse(Envelope),
    /// `messageSignature`: a signature directly over an artifact.
    MessageSignature {
        /// `messageDigest`: the algorithm as written (e.g. `"SHA2_256"`) and the digest bytes.
        digest: Option<(String, Vec<u8>)>,
        /// The signature bytes; ECDSA signatures are ASN.1 DER.
        signature: Vec<u8>,
    },
}

/// Why a bundle could not be read. Every message names the file, the place and the reason.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BundleError {
    /// The file is larger than [`MAX_BUNDLE_BYTES`].
    #[error("{file}: {size} bytes is more than the {limit}-byte limit for a bundle")]
    #[diagnostic(code(palisade::bundle::too_large))]
    TooLarge {
        /// The bundle's file name.
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
    /// The JSON is not a bundle: a field is missing, of the wrong type, or has a bad value.
    #[error("{file}: at {path}: {reason}")]
    #[diagnostic(code(palisade::bundle::invalid))]
    Invalid {
        /// The bundle's file name.
        file: String,
        /// JSON-pointer-like path to the offending value (`""` is the whole document).
        path: String,
        /// What is wrong.
        reason: String,
    },
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, path: &str, reason: impl Into<String>) -> BundleError {
        BundleError::Invalid {
            file: self.file.to_string(),
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            reason: reason.into(),
        }
    }

    fn object<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, BundleError> {
        v.as_object()
            .ok_or_else(|| self.err(path, format!("expected an object, found {}", type_name(v))))
    }

    fn required<'v>(
        &self,
        obj: &'v Map<String, Value>,
        path: &str,
        name: &str,
    ) -> Result<&'v Value, BundleError> {
        field(obj, name).ok_or_else(|| self.err(path, format!("missing required field `{name}`")))
    }

    fn string<'v>(&self, v: &'v Value, path: &str) -> Result<&'v str, BundleError> {
        v.as_str()
            .ok_or_else(|| self.err(path, format!("expected a string, found {}", type_name(v))))
    }

    fn base64(&self, v: &Value, path: &str) -> Result<Vec<u8>, BundleError> {
        let text = self.string(v, path)?;
        decode_base64(text).map_err(|reason| self.err(path, reason))
    }

    fn array<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Vec<Value>, BundleError> {
        v.as_array()
            .ok_or_else(|| self.err(path, format!("expected an array, found {}", type_name(v))))
    }

    fn certificate(&self, v: &Value, path: &str) -> Result<Vec<u8>, BundleError> {
        let obj = self.object(v, path)?;
        let raw_path = join(path, "rawBytes");
        let der = self.base64(self.required(obj, path, "rawBytes")?, &raw_path)?;
        x509_cert::Certificate::from_der(&der)
            .map_err(|e| self.err(&raw_path, format!("not a DER X.509 certificate: {e}")))?;
        Ok(der)
    }

    fn material(&self, v: &Value, path: &str) -> Result<VerificationMaterial, BundleError> {
        let obj = self.object(v, path)?;
        if let Some(tlog) = field(obj, "tlogEntries") {
            // Transparency-log entries need Rekor's key to mean anything; offline we only
            // check that they are shaped as a list.
            self.array(tlog, &join(path, "tlogEntries"))?;
        }
        let mut found = Vec::new();
        if let Some(pk) = field(obj, "publicKey") {
            let p = join(path, "publicKey");
            let pk = self.object(pk, &p)?;
            let hint = match field(pk, "hint") {
                Some(h) => self.string(h, &join(&p, "hint"))?.to_string(),
                None => String::new(),
            };
            found.push(VerificationMaterial::PublicKey { hint });
        }
        if let Some(cert) = field(obj, "certificate") {
            found.push(VerificationMaterial::Certificate(
                self.certificate(cert, &join(path, "certificate"))?,
            ));
        }
        if let Some(chain) = field(obj, "x509CertificateChain") {
            let p = join(path, "x509CertificateChain");
            let chain = self.object(chain, &p)?;
            let certs_path = join(&p, "certificates");
            let certs = self.array(self.required(chain, &p, "certificates")?, &certs_path)?;
            if certs.is_empty() {
                return Err(self.err(&certs_path, "the certificate chain is empty"));
            }
            if certs.len() > MAX_CHAIN_CERTIFICATES {
                return Err(self.err(
                    &certs_path,
                    format!(
                        "{} certificates is more than the limit of {MAX_CHAIN_CERTIFICATES}",
                        certs.len()
                    ),
                ));
            }
            let ders = certs
                .iter()
                .enumerate()
                .map(|(i, c)| self.certificate(c, &join(&certs_path, &i.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            found.push(VerificationMaterial::Chain(ders));
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(self.err(
                path,
                "no `publicKey`, `certificate` or `x509CertificateChain`",
            )),
            _ => Err(self.err(
                path,
                "more than one of `publicKey`, `certificate`, `x509CertificateChain`",
            )),
        }
    }

    fn envelope(&self, v: &Value, path: &str) -> Result<Envelope, BundleError> {
        let obj = self.object(v, path)?;
        let payload_type = self
            .string(
                self.required(obj, path, "payloadType")?,
                &join(path, "payloadType"),
            )?
            .to_string();
        let payload = self.base64(self.required(obj, path, "payload")?, &join(path, "payload"))?;
        let sigs_path = join(path, "signatures");
        let sigs = self.array(self.required(obj, path, "signatures")?, &sigs_path)?;
        if sigs.is_empty() {
            return Err(self.err(&sigs_path, "the envelope has no signature"));
        }
        if sigs.len() > MAX_SIGNATURES {
            return Err(self.err(
                &sigs_path,
                format!(
                    "{} signatures is more than the limit of {MAX_SIGNATURES}",
                    sigs.len()
                ),
            ));
        }
        let mut signatures = Vec::with_capacity(sigs.len());
        for (i, s) in sigs.iter().enumerate() {
            let p = join(&sigs_path, &i.to_string());
            let obj = self.object(s, &p)?;
            let sig = self.base64(self.required(obj, &p, "sig")?, &join(&p, "sig"))?;
            if sig.is_empty() {
                return Err(self.err(&join(&p, "sig"), "the signature is empty"));
            }
            let keyid = match field(obj, "keyid") {
                Some(k) => self.string(k, &join(&p, "keyid"))?.to_string(),
                None => String::new(),
            };
            signatures.push(DsseSignature { keyid, sig });
        }
        Ok(Envelope {
            payload_type,
            payload,
            signatures,
        })
    }

    fn message_signature(&self, v: &Value, path: &str) -> Result<Content, BundleError> {
        let obj = self.object(v, path)?;
        let signature = self.base64(
            self.required(obj, path, "signature")?,
            &join(path, "signature"),
        )?;
        let digest = match field(obj, "messageDigest") {
            None => None,
            Some(d) => {
                let p = join(path, "messageDigest");
                let d = self.object(d, &p)?;
                let algorithm = self
                    .string(self.required(d, &p, "algorithm")?, &join(&p, "algorithm"))?
                    .to_string();
                let bytes = self.base64(self.required(d, &p, "digest")?, &join(&p, "digest"))?;
                Some((algorithm, bytes))
            }
        };
        Ok(Content::MessageSignature { digest, signature })
    }
}

/// Reads a Sigstore bundle (v0.1, v0.2 or v0.3) or a bare DSSE envelope from `bytes`.
/// `source_name` (the file name) is used in errors. A bare envelope gets
/// `VerificationMaterial::PublicKey { hint: "" }` and [`BundleVersion::BareDsse`].
pub fn parse(bytes: &[u8], source_name: &str) -> Result<Bundle, BundleError> {
    let r = Reader { file: source_name };
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            file: source_name.to_string(),
            size: bytes.len(),
            limit: MAX_BUNDLE_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| r.err("", format!("not UTF-8 text (byte {})", e.valid_up_to())))?;
    // RFC 8259 §8.1 lets a parser ignore a byte order mark; the SBOM and SARIF readers do too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // serde_json limits nesting to 128 levels, so deep documents fail instead of overflowing.
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        BundleError::Syntax(crate::json::JsonSyntaxError::new(source_name, text, &e))
    })?;
    let root = r.object(&doc, "")?;

    if field(root, "mediaType").is_none() && field(root, "payloadType").is_some() {
        let envelope = r.envelope(&doc, "")?;
        return Ok(Bundle {
            media_type: String::new(),
            version: BundleVersion::BareDsse,
            material: VerificationMaterial::PublicKey {
                hint: String::new(),
            },
            content: Content::Dsse(envelope),
        });
    }

    let media_type = r
        .string(r.required(root, "", "mediaType")?, "/mediaType")?
        .to_string();
    let version = match media_type.as_str() {
        MEDIA_TYPE_V0_1 => BundleVersion::V0_1,
        MEDIA_TYPE_V0_2 => BundleVersion::V0_2,
        MEDIA_TYPE_V0_3 | MEDIA_TYPE_V0_3_ALT => BundleVersion::V0_3,
        other => {
            return Err(r.err(
                "/mediaType",
                format!(
                    "unknown bundle media type `{other}` (expected `{MEDIA_TYPE_V0_1}`, `{MEDIA_TYPE_V0_2}` or `{MEDIA_TYPE_V0_3}`)"
                ),
            ));
        }
    };
    let material = r.material(
        r.required(root, "", "verificationMaterial")?,
        "/verificationMaterial",
    )?;
    let content = match (field(root, "dsseEnvelope"), field(root, "messageSignature")) {
        (Some(env), None) => Content::Dsse(r.envelope(env, "/dsseEnvelope")?),
        (None, Some(ms)) => r.message_signature(ms, "/messageSignature")?,
        (None, None) => {
            return Err(r.err("", "no `dsseEnvelope` or `messageSignature`"));
        }
        (Some(_), Some(_)) => {
            return Err(r.err("", "both `dsseEnvelope` and `messageSignature`"));
        }
    };
    Ok(Bundle {
        media_type,
        version,
        material,
        content,
    })
}

// The canonical v0.3 output, fields in the order Sigstore's own tools write them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutBundle<'a> {
    media_type: &'static str,
    verification_material: OutMaterial<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dsse_envelope: Option<OutEnvelope<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_signature: Option<OutMessageSignature<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutMaterial<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key: Option<OutHint<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate: Option<OutRaw>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x509_certificate_chain: Option<OutChain>,
    tlog_entries: [(); 0],
}

#[derive(Serialize)]
struct OutHint<'a> {
    hint: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutRaw {
    raw_bytes: String,
}

#[derive(Serialize)]
struct OutChain {
    certificates: Vec<OutRaw>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutEnvelope<'a> {
    payload: String,
    payload_type: &'a str,
    signatures: Vec<OutSignature<'a>>,
}

#[derive(Serialize)]
struct OutSignature<'a> {
    sig: String,
    keyid: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutMessageSignature<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    message_digest: Option<OutDigest<'a>>,
    signature: String,
}

#[derive(Serialize)]
struct OutDigest<'a> {
    algorithm: &'a str,
    digest: String,
}

/// True for a self-signed certificate (a root), which a bundle must not carry.
fn is_self_signed(der: &[u8]) -> bool {
    x509_cert::Certificate::from_der(der)
        .map(|c| c.tbs_certificate.subject == c.tbs_certificate.issuer)
        .unwrap_or(false)
}

impl Bundle {
    /// The bundle as canonical v0.3 JSON (whatever version it was read as): `mediaType`,
    /// `verificationMaterial` (`publicKey.hint`, or `certificate` / `x509CertificateChain`
    /// without the self-signed root, which the bundle spec forbids), `tlogEntries: []`, then
    /// `dsseEnvelope` (`payload`, `payloadType`, `signatures[{sig, keyid}]`) or
    /// `messageSignature`. Base64 is standard with padding.
    pub fn to_json(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        let raw = |der: &Vec<u8>| OutRaw {
            raw_bytes: b64.encode(der),
        };
        let mut material = OutMaterial {
            public_key: None,
            certificate: None,
            x509_certificate_chain: None,
            tlog_entries: [],
        };
        match &self.material {
            VerificationMaterial::PublicKey { hint } => {
                material.public_key = Some(OutHint { hint })
            }
            VerificationMaterial::Certificate(der) => material.certificate = Some(raw(der)),
            VerificationMaterial::Chain(chain) => {
                let kept: Vec<&Vec<u8>> = chain
                    .iter()
                    .enumerate()
                    .filter(|(i, der)| *i == 0 || !is_self_signed(der))
                    .map(|(_, der)| der)
                    .collect();
                if kept.len() == 1 {
                    material.certificate = Some(raw(kept[0]));
                } else {
                    material.x509_certificate_chain = Some(OutChain {
                        certificates: kept.into_iter().map(raw).collect(),
                    });
                }
            }
        }
        let mut out = OutBundle {
            media_type: MEDIA_TYPE_V0_3,
            verification_material: material,
            dsse_envelope: None,
            message_signature: None,
        };
        match &self.content {
            Content::Dsse(env) => {
                out.dsse_envelope = Some(OutEnvelope {
                    payload: b64.encode(&env.payload),
                    payload_type: &env.payload_type,
                    signatures: env
                        .signatures
                        .iter()
                        .map(|s| OutSignature {
                            sig: b64.encode(&s.sig),
                            keyid: &s.keyid,
                        })
                        .collect(),
                });
            }
            Content::MessageSignature { digest, signature } => {
                out.message_signature = Some(OutMessageSignature {
                    message_digest: digest.as_ref().map(|(algorithm, d)| OutDigest {
                        algorithm,
                        digest: b64.encode(d),
                    }),
                    signature: b64.encode(signature),
                });
            }
        }
        // Serializing these plain structs of strings and arrays has no failure path
        // (no maps with non-string keys, no custom serializers).
        #[allow(clippy::expect_used)]
        serde_json::to_string(&out).expect("serializing a bundle cannot fail")
    }

    /// The DSSE envelope, if the bundle carries one.
    pub fn envelope(&self) -> Option<&Envelope> {
        match &self.content {
            Content::Dsse(env) => Some(env),
            Content::MessageSignature { .. } => None,
        }
    }
}
