//! Public and private keys: P-256, P-384 and Ed25519, read from PEM (SPKI, PKCS#8, SEC1 and
//! cosign's encrypted format), and the signatures they make.

use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use sha2::{Digest as _, Sha256};
use x509_cert::der::Decode as _;
use x509_cert::spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use crate::pem;

/// Why a key could not be read. Every message names the key's source and the reason.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KeyError {
    /// The text is not PEM, or a block is malformed.
    #[error("{source_name}: not a usable PEM file: {reason}")]
    #[diagnostic(code(palisade::key::pem))]
    Pem {
        /// Where the key came from (a file name, or a description).
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The PEM block is of a kind that does not hold the expected key.
    #[error("{source_name}: {reason}")]
    #[diagnostic(
        code(palisade::key::unsupported),
        help(
            "supported: public keys as `PUBLIC KEY` (SPKI); private keys as `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1) or cosign's `ENCRYPTED SIGSTORE PRIVATE KEY`; curves P-256, P-384 and Ed25519"
        )
    )]
    Unsupported {
        /// Where the key came from.
        source_name: String,
        /// What was found and why it is not supported.
        reason: String,
    },
    /// The DER inside the PEM block does not decode as the key it claims to be.
    #[error("{source_name}: malformed key: {reason}")]
    #[diagnostic(code(palisade::key::malformed))]
    Malformed {
        /// Where the key came from.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The key is encrypted and no password was given.
    #[error("{source_name}: the private key is encrypted and no password was given")]
    #[diagnostic(
        code(palisade::key::password_required),
        help("set PALISADE_KEY_PASSWORD")
    )]
    PasswordRequired {
        /// Where the key came from.
        source_name: String,
    },
    /// Decryption failed: the password is wrong or the file was altered.
    #[error("{source_name}: cannot decrypt the private key: wrong password or damaged file")]
    #[diagnostic(code(palisade::key::decrypt))]
    Decrypt {
        /// Where the key came from.
        source_name: String,
    },
}

/// A public key that can verify signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// ECDSA over NIST P-256 with SHA-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA over NIST P-384 with SHA-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519 (pure, over the whole message).
    Ed25519(ed25519_dalek::VerifyingKey),
}

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Key files are tiny; anything larger is not a key.
const MAX_KEY_TEXT: usize = 1 << 20;

fn curve_name(oid: ObjectIdentifier) -> String {
    if oid == RSA_ENCRYPTION {
        "RSA".to_string()
    } else {
        format!("OID {oid}")
    }
}

/// Why DER bytes are not a public key palisade can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpkiError {
    /// Not a DER `SubjectPublicKeyInfo`.
    #[error("not a SubjectPublicKeyInfo: {0}")]
    NotSpki(String),
    /// An EC key whose parameters name no curve.
    #[error("EC public key without a named curve")]
    NoNamedCurve,
    /// The point is not on the named curve.
    #[error("invalid {0} public point")]
    InvalidPoint(&'static str),
    /// A curve other than P-256 and P-384.
    #[error("unsupported elliptic curve {0} (supported: P-256, P-384, Ed25519)")]
    UnsupportedCurve(String),
    /// Malformed Ed25519 key bytes.
    #[error("invalid Ed25519 public key: {0}")]
    InvalidEd25519(String),
    /// RSA, DSA or another algorithm.
    #[error("unsupported public key algorithm {0} (supported: P-256, P-384, Ed25519)")]
    UnsupportedAlgorithm(String),
}

/// Why a signature does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The bytes are not a DER ECDSA signature for the curve.
    #[error("the signature is not a DER-encoded {0} ECDSA signature")]
    NotDer(&'static str),
    /// Well-formed, but not made by this key over these bytes.
    #[error("the {0} signature does not match")]
    Mismatch(&'static str),
    /// An Ed25519 signature of the wrong length.
    #[error("the signature is {0} bytes, an Ed25519 signature is 64")]
    Ed25519Length(usize),
    /// Ed25519 signs the whole message, never a digest.
    #[error("an Ed25519 signature covers the whole message and cannot be checked from a digest")]
    Ed25519Prehash,
}

impl PublicKey {
    /// Reads a `PUBLIC KEY` (SPKI) PEM block. Errors name the source as "public key".
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_named_pem(pem, "public key")
    }

    /// Like [`PublicKey::from_pem`], naming `source_name` (e.g. the file) in errors.
    pub fn from_named_pem(pem: &str, source_name: &str) -> Result<Self, KeyError> {
        let blocks = read_blocks(pem, source_name)?;
        let Some(block) = blocks.iter().find(|b| b.label == "PUBLIC KEY") else {
            let found: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
            return Err(KeyError::Unsupported {
                source_name: source_name.to_string(),
                reason: format!(
                    "expected a `PUBLIC KEY` PEM block, found {}",
                    found.join(", ")
                ),
            });
        };
        Self::from_spki_der(&block.der).map_err(|reason| KeyError::Unsupported {
            source_name: source_name.to_string(),
            reason: reason.to_string(),
        })
    }

    /// Reads a DER `SubjectPublicKeyInfo` (as found in a certificate).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, SpkiError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| SpkiError::NotSpki(e.to_string()))?;
        let oid = spki.algorithm.oid;
        if oid == ID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters_oid()
                .map_err(|_| SpkiError::NoNamedCurve)?;
            let point = spki.subject_public_key.raw_bytes();
            if curve == SECP256R1 {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map(PublicKey::P256)
                    .map_err(|_| SpkiError::InvalidPoint("P-256"))
            } else if curve == SECP384R1 {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map(PublicKey::P384)
                    .map_err(|_| SpkiError::InvalidPoint("P-384"))
            } else {
                Err(SpkiError::UnsupportedCurve(curve.to_string()))
            }
        } else if oid == ID_ED25519 {
            ed25519_dalek::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::Ed25519)
                .map_err(|e| SpkiError::InvalidEd25519(e.to_string()))
        } else {
            Err(SpkiError::UnsupportedAlgorithm(curve_name(oid)))
        }
    }

    /// The key as a `PUBLIC KEY` PEM block (SPKI, LF line ends).
    pub fn to_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.to_spki_der())
    }

    /// The key as DER `SubjectPublicKeyInfo`.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let der = match self {
            PublicKey::P256(k) => k.to_public_key_der(),
            PublicKey::P384(k) => k.to_public_key_der(),
            PublicKey::Ed25519(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory key into a growable buffer has no failure path: the
        // errors of `to_public_key_der` are for malformed algorithm parameters, which a
        // constructed key cannot have.
        #[allow(clippy::expect_used)]
        der.expect("encoding a valid public key cannot fail")
            .into_vec()
    }

    /// A short name of the algorithm: `"P-256"`, `"P-384"` or `"Ed25519"`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            PublicKey::P256(_) => "P-256",
            PublicKey::P384(_) => "P-384",
            PublicKey::Ed25519(_) => "Ed25519",
        }
    }

    /// Checks `sig` over `msg`: ECDSA signatures are ASN.1 DER over SHA-256 (P-256) or
    /// SHA-384 (P-384); Ed25519 signatures are the raw 64 bytes. The error says why not.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        use p256::ecdsa::signature::Verifier as _;
        match self {
            PublicKey::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::NotDer("P-256"))?;
                k.verify(msg, &sig)
                    .map_err(|_| SignatureError::Mismatch("P-256"))
            }
            PublicKey::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::NotDer("P-384"))?;
                k.verify(msg, &sig)
                    .map_err(|_| SignatureError::Mismatch("P-384"))
            }
            PublicKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(sig)
                    .map_err(|_| SignatureError::Ed25519Length(sig.len()))?;
                k.verify_strict(msg, &sig)
                    .map_err(|_| SignatureError::Mismatch("Ed25519"))
            }
        }
    }

    /// Checks an ECDSA DER signature against an already computed digest (`prehash`).
    /// Ed25519 signs the whole message, so it cannot be checked this way.
    pub fn verify_prehash(&self, prehash: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        match self {
            PublicKey::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::NotDer("P-256"))?;
                k.verify_prehash(prehash, &sig)
                    .map_err(|_| SignatureError::Mismatch("P-256"))
            }
            PublicKey::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(sig)
                    .map_err(|_| SignatureError::NotDer("P-384"))?;
                k.verify_prehash(prehash, &sig)
                    .map_err(|_| SignatureError::Mismatch("P-384"))
            }
            PublicKey::Ed25519(_) => Err(SignatureError::Ed25519Prehash),
        }
    }
}

/// The Sigstore `publicKey.hint` of a key: the sha256 hex of its PEM text exactly as given.
pub fn pem_hint(pem_text: &str) -> String {
    hex::encode(Sha256::digest(pem_text.as_bytes()))
}

/// A private key that can sign.
pub enum SigningKey {
    /// ECDSA over NIST P-256 with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA over NIST P-384 with SHA-384.
    P384(p384::ecdsa::SigningKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    // Never print secret material, only what kind of key this is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey::{}", self.public_key().algorithm())
    }
}

/// PEM labels of cosign's encrypted private keys (new and old spelling).
const COSIGN_LABELS: [&str; 2] = [
    "ENCRYPTED SIGSTORE PRIVATE KEY",
    "ENCRYPTED COSIGN PRIVATE KEY",
];

impl SigningKey {
    /// Reads a private key: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1), or cosign's
    /// `ENCRYPTED SIGSTORE PRIVATE KEY` / `ENCRYPTED COSIGN PRIVATE KEY` (needs `password`).
    pub fn from_pem(pem: &str, password: Option<&[u8]>) -> Result<Self, KeyError> {
        Self::from_named_pem(pem, password, "private key")
    }

    /// Like [`SigningKey::from_pem`], naming `source_name` (e.g. the file) in errors.
    pub fn from_named_pem(
        pem: &str,
        password: Option<&[u8]>,
        source_name: &str,
    ) -> Result<Self, KeyError> {
        let blocks = read_blocks(pem, source_name)?;
        let malformed = |reason: String| KeyError::Malformed {
            source_name: source_name.to_string(),
            reason,
        };
        // `openssl ecparam -genkey` writes an `EC PARAMETERS` block first: skip it.
        for block in &blocks {
            match block.label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(&block.der, source_name),
                "EC PRIVATE KEY" => {
                    if let Ok(k) = p256::SecretKey::from_sec1_der(&block.der) {
                        return Ok(SigningKey::P256(k.into()));
                    }
                    if let Ok(k) = p384::SecretKey::from_sec1_der(&block.der) {
                        return Ok(SigningKey::P384(k.into()));
                    }
                    return Err(malformed(
                        "the `EC PRIVATE KEY` block is not a SEC1 P-256 or P-384 key".to_string(),
                    ));
                }
                label if COSIGN_LABELS.contains(&label) => {
                    let Some(password) = password else {
                        return Err(KeyError::PasswordRequired {
                            source_name: source_name.to_string(),
                        });
                    };
                    let der = cosign_decrypt(&block.der, password, source_name)?;
                    return Self::from_pkcs8_der(&der, source_name);
                }
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(KeyError::Unsupported {
                        source_name: source_name.to_string(),
                        reason: "PKCS#8 password-encrypted keys are not supported; use cosign's encrypted format or an unencrypted PKCS#8 key".to_string(),
                    });
                }
                "RSA PRIVATE KEY" => {
                    return Err(KeyError::Unsupported {
                        source_name: source_name.to_string(),
                        reason: "RSA keys are not supported".to_string(),
                    });
                }
                _ => {}
            }
        }
        let found: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        Err(KeyError::Unsupported {
            source_name: source_name.to_string(),
            reason: format!("no private key PEM block, found {}", found.join(", ")),
        })
    }

    fn from_pkcs8_der(der: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let info = p256::pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| KeyError::Malformed {
            source_name: source_name.to_string(),
            reason: format!("not a PKCS#8 private key: {e}"),
        })?;
        let unsupported = |reason: String| KeyError::Unsupported {
            source_name: source_name.to_string(),
            reason,
        };
        let malformed = |reason: String| KeyError::Malformed {
            source_name: source_name.to_string(),
            reason,
        };
        let oid = info.algorithm.oid;
        if oid == ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| malformed("EC private key without a named curve".to_string()))?;
            if curve == SECP256R1 {
                p256::SecretKey::try_from(info)
                    .map(|k| SigningKey::P256(k.into()))
                    .map_err(|e| malformed(format!("invalid P-256 private key: {e}")))
            } else if curve == SECP384R1 {
                p384::SecretKey::try_from(info)
                    .map(|k| SigningKey::P384(k.into()))
                    .map_err(|e| malformed(format!("invalid P-384 private key: {e}")))
            } else {
                Err(unsupported(format!(
                    "unsupported elliptic curve {curve} (supported: P-256, P-384, Ed25519)"
                )))
            }
        } else if oid == ID_ED25519 {
            ed25519_dalek::SigningKey::from_pkcs8_der(der)
                .map(SigningKey::Ed25519)
                .map_err(|e| malformed(format!("invalid Ed25519 private key: {e}")))
        } else {
            Err(unsupported(format!(
                "unsupported private key algorithm {} (supported: P-256, P-384, Ed25519)",
                curve_name(oid)
            )))
        }
    }

    /// A fresh P-256 key from the operating system's random source.
    pub fn generate_p256() -> Self {
        SigningKey::P256(p256::ecdsa::SigningKey::random(&mut rand_core::OsRng))
    }

    /// The key as an unencrypted `PRIVATE KEY` (PKCS#8) PEM block.
    pub fn to_pkcs8_pem(&self) -> String {
        let der = self.to_pkcs8_der();
        pem::encode("PRIVATE KEY", &der)
    }

    fn to_pkcs8_der(&self) -> Vec<u8> {
        let doc = match self {
            SigningKey::P256(k) => k.to_pkcs8_der(),
            SigningKey::P384(k) => k.to_pkcs8_der(),
            SigningKey::Ed25519(k) => k.to_pkcs8_der(),
        };
        // As for public keys: encoding a valid in-memory key cannot fail.
        #[allow(clippy::expect_used)]
        doc.expect("encoding a valid private key cannot fail")
            .as_bytes()
            .to_vec()
    }

    /// The key in cosign's encrypted format (`ENCRYPTED SIGSTORE PRIVATE KEY`: scrypt
    /// N=32768 r=8 p=1, NaCl secretbox over the PKCS#8 DER), readable by cosign.
    pub fn to_cosign_pem(&self, password: &[u8]) -> String {
        let mut salt = [0u8; 32];
        let mut nonce = [0u8; 24];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
        let json = cosign_encrypt(&self.to_pkcs8_der(), password, &salt, &nonce);
        pem::encode(COSIGN_LABELS[0], json.as_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            SigningKey::P384(k) => PublicKey::P384(*k.verifying_key()),
            SigningKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Signs an already computed SHA-256 digest with a P-256 key (DER), the form of a
    /// message-signature bundle (`cosign sign-blob`); `None` for other keys, whose message
    /// signatures Sigstore verifiers do not check against a SHA-256 digest.
    pub fn sign_sha256_prehash(&self, digest: &[u8; 32]) -> Option<Vec<u8>> {
        use p256::ecdsa::signature::hazmat::PrehashSigner as _;
        match self {
            SigningKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(digest).ok()?;
                Some(sig.to_der().as_bytes().to_vec())
            }
            SigningKey::P384(_) | SigningKey::Ed25519(_) => None,
        }
    }

    /// Signs `msg`: ECDSA gives a DER signature over SHA-256 (P-256) or SHA-384 (P-384),
    /// Ed25519 the raw 64-byte signature.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        match self {
            SigningKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
            SigningKey::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
            SigningKey::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
        }
    }
}

fn read_blocks(text: &str, source_name: &str) -> Result<Vec<pem::PemBlock>, KeyError> {
    if text.len() > MAX_KEY_TEXT {
        return Err(KeyError::Pem {
            source_name: source_name.to_string(),
            reason: format!(
                "{} bytes is more than the {MAX_KEY_TEXT}-byte limit for a key file",
                text.len()
            ),
        });
    }
    pem::decode_all(text).map_err(|reason| KeyError::Pem {
        source_name: source_name.to_string(),
        reason,
    })
}

/// cosign's JSON inside the encrypted PEM block.
#[derive(serde::Deserialize, serde::Serialize)]
struct CosignKeyFile {
    kdf: CosignKdf,
    cipher: CosignCipher,
    ciphertext: String,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct CosignKdf {
    name: String,
    params: CosignScryptParams,
    salt: String,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct CosignScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct CosignCipher {
    name: String,
    nonce: String,
}

fn cosign_encrypt(plaintext: &[u8], password: &[u8], salt: &[u8; 32], nonce: &[u8; 24]) -> String {
    use crypto_secretbox::aead::{Aead as _, KeyInit as _};
    let key = scrypt_key(password, salt, 15);
    let cipher = crypto_secretbox::XSalsa20Poly1305::new(&key.into());
    let sealed = cipher.encrypt(nonce.into(), plaintext);
    // XSalsa20Poly1305 encryption into a Vec only fails if the buffer cannot grow, which
    // aborts the process anyway; an empty ciphertext could never decrypt, so it is not hidden.
    let sealed = sealed.unwrap_or_default();
    let b64 = base64::engine::general_purpose::STANDARD;
    let file = CosignKeyFile {
        kdf: CosignKdf {
            name: "scrypt".to_string(),
            params: CosignScryptParams {
                n: 32768,
                r: 8,
                p: 1,
            },
            salt: b64.encode(salt),
        },
        cipher: CosignCipher {
            name: "nacl/secretbox".to_string(),
            nonce: b64.encode(nonce),
        },
        ciphertext: b64.encode(sealed),
    };
    serde_json::to_string(&file).unwrap_or_default()
}

fn scrypt_key(password: &[u8], salt: &[u8], log_n: u8) -> [u8; 32] {
    let mut key = [0u8; 32];
    // Parameters are limited to cosign's two settings before this is called, so they are
    // always valid and the output length (32) is always accepted.
    if let Ok(params) = scrypt::Params::new(log_n, 8, 1, 32) {
        let _ = scrypt::scrypt(password, salt, &params, &mut key);
    }
    key
}

fn cosign_decrypt(json: &[u8], password: &[u8], source_name: &str) -> Result<Vec<u8>, KeyError> {
    use crypto_secretbox::aead::{Aead as _, KeyInit as _};
    let bad = |reason: String| KeyError::Malformed {
        source_name: source_name.to_string(),
        reason: format!("cosign encrypted key: {reason}"),
    };
    let file: CosignKeyFile =
        serde_json::from_slice(json).map_err(|e| bad(format!("not cosign's JSON: {e}")))?;
    if file.kdf.name != "scrypt" {
        return Err(bad(format!(
            "unknown kdf `{}` (expected scrypt)",
            file.kdf.name
        )));
    }
    if file.cipher.name != "nacl/secretbox" {
        return Err(bad(format!(
            "unknown cipher `{}` (expected nacl/secretbox)",
            file.cipher.name
        )));
    }
    // Only cosign's two settings: this bounds scrypt's memory (at most 64 MiB) and time.
    let log_n = match (file.kdf.params.n, file.kdf.params.r, file.kdf.params.p) {
        (32768, 8, 1) => 15,
        (65536, 8, 1) => 16,
        (n, r, p) => {
            return Err(bad(format!(
                "unexpected scrypt parameters N={n} r={r} p={p} (cosign uses N=32768 or 65536, r=8, p=1)"
            )));
        }
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let salt = b64
        .decode(&file.kdf.salt)
        .map_err(|e| bad(format!("salt is not base64: {e}")))?;
    let nonce = b64
        .decode(&file.cipher.nonce)
        .map_err(|e| bad(format!("nonce is not base64: {e}")))?;
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|n: Vec<u8>| bad(format!("nonce is {} bytes, expected 24", n.len())))?;
    let ciphertext = b64
        .decode(&file.ciphertext)
        .map_err(|e| bad(format!("ciphertext is not base64: {e}")))?;
    let key = scrypt_key(password, &salt, log_n);
    let cipher = crypto_secretbox::XSalsa20Poly1305::new(&key.into());
    cipher
        .decrypt((&nonce).into(), ciphertext.as_slice())
        .map_err(|_| KeyError::Decrypt {
            source_name: source_name.to_string(),
        })
}

/// The DER certificates of a PEM file holding one or more `CERTIFICATE` blocks (a CA file, a
/// chain). Other blocks are skipped; the error is a reason without the file name.
pub fn certificates_from_pem(text: &str) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    let mut body: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some((i + 1, String::new()));
        } else if line == "-----END CERTIFICATE-----" {
            let Some((start, b64)) = body.take() else {
                return Err(format!("line {}: END CERTIFICATE without BEGIN", i + 1));
            };
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| {
                    format!("the certificate starting on line {start} is not base64: {e}")
                })?;
            out.push(der);
        } else if let Some((_, b64)) = body.as_mut() {
            b64.push_str(line);
        }
    }
    if body.is_some() {
        return Err("a CERTIFICATE block is not closed".to_string());
    }
    if out.is_empty() {
        return Err("no `CERTIFICATE` PEM block".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod certificate_file_tests {
    use super::certificates_from_pem;

    #[test]
    fn certificates_from_a_chain_file() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/sigstore/chain-root.pem"
        ))
        .unwrap();
        let certs = certificates_from_pem(&format!("{text}\n{text}")).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0], certs[1]);
        let key = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/sigstore/p384-pub.pem"
        ))
        .unwrap();
        assert_eq!(
            certificates_from_pem(&key).unwrap_err(),
            "no `CERTIFICATE` PEM block"
        );
    }
}
