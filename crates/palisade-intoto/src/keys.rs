//! Verification keys for stage attestations: Ed25519, ECDSA P-256 / P-384 (through
//! palisade-sigstore) and RSA-PSS with SHA-256 (securesystemslib's `rsassa-pss-sha256`, the
//! in-toto default for RSA keys); and securesystemslib's keyids.
//!
//! A keyid only says which key to try first. Trust comes from a signature that verifies under
//! a key the caller passes.

use base64::Engine as _;
use rsa::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use sha2::{Digest as _, Sha256};

use palisade_sigstore::keys::PublicKey;

use crate::error::IntotoError;

/// RSA keys shorter than this are refused (securesystemslib and in-toto generate 3072 bits).
pub const MIN_RSA_BITS: usize = 2048;
/// RSA keys longer than this are refused (the `rsa` crate's own limit).
pub const MAX_RSA_BITS: usize = 4096;

/// A public key that can verify a stage attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationKey {
    /// Ed25519, ECDSA P-256 (SHA-256) or ECDSA P-384 (SHA-384); DER ECDSA signatures.
    Sigstore(PublicKey),
    /// RSA, RSASSA-PSS with SHA-256 and MGF1-SHA-256.
    Rsa(rsa::RsaPublicKey),
}

/// A key the caller trusts, under the name policies know it by.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    /// The name reported as the signer (e.g. the pipeline's `key "trainer"`).
    pub name: String,
    /// The key.
    pub key: VerificationKey,
}

impl TrustedKey {
    /// Reads a `PUBLIC KEY` (SPKI) PEM file's text; `source_name` names it in errors.
    pub fn from_pem(name: &str, pem: &str, source_name: &str) -> Result<Self, IntotoError> {
        Ok(TrustedKey {
            name: name.to_string(),
            key: VerificationKey::from_pem(pem, source_name)?,
        })
    }
}

impl VerificationKey {
    /// Reads a `PUBLIC KEY` (SPKI) PEM block: Ed25519, P-256, P-384 or RSA.
    pub fn from_pem(pem: &str, source_name: &str) -> Result<Self, IntotoError> {
        match PublicKey::from_named_pem(pem, source_name) {
            Ok(key) => Ok(VerificationKey::Sigstore(key)),
            Err(err) => match spki_der(pem) {
                // An RSA key is what palisade-sigstore leaves to us; anything else keeps its error.
                Some(der) if is_rsa_spki(&der) => Self::rsa_from_der(&der, source_name),
                _ => Err(err.into()),
            },
        }
    }

    fn rsa_from_der(der: &[u8], source_name: &str) -> Result<Self, IntotoError> {
        use rsa::traits::PublicKeyParts as _;
        let key = rsa::RsaPublicKey::from_public_key_der(der).map_err(|e| IntotoError::RsaKey {
            source_name: source_name.to_string(),
            reason: format!("malformed RSA public key: {e}"),
        })?;
        let bits = key.n().bits();
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(IntotoError::RsaKey {
                source_name: source_name.to_string(),
                reason: format!(
                    "a {bits}-bit RSA key is outside the accepted {MIN_RSA_BITS}–{MAX_RSA_BITS} bits"
                ),
            });
        }
        Ok(VerificationKey::Rsa(key))
    }

    /// A short name of the algorithm: `"Ed25519"`, `"P-256"`, `"P-384"` or `"RSA"`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            VerificationKey::Sigstore(k) => k.algorithm(),
            VerificationKey::Rsa(_) => "RSA",
        }
    }

    /// securesystemslib's key type and default signature scheme for this key.
    pub fn securesystemslib_scheme(&self) -> (&'static str, &'static str) {
        match self {
            VerificationKey::Sigstore(PublicKey::Ed25519(_)) => ("ed25519", "ed25519"),
            VerificationKey::Sigstore(PublicKey::P256(_)) => ("ecdsa", "ecdsa-sha2-nistp256"),
            VerificationKey::Sigstore(PublicKey::P384(_)) => ("ecdsa", "ecdsa-sha2-nistp384"),
            VerificationKey::Rsa(_) => ("rsa", "rsassa-pss-sha256"),
        }
    }

    /// The keyids securesystemslib may have written for this key: first the one of
    /// `SSlibKey.from_crypto` (securesystemslib ≥ 0.26, in-toto ≥ 2), sha256 of the canonical
    /// JSON of `{"keytype", "scheme", "keyval": {"public": …}}`, then the legacy form with
    /// `"keyid_hash_algorithms": ["sha256", "sha512"]` that older in-toto keys carried.
    /// `public` is the hex of the raw key for Ed25519, the SPKI PEM (64-column lines, LF, as
    /// `cryptography` writes it) otherwise.
    pub fn securesystemslib_keyids(&self) -> [String; 2] {
        let (keytype, scheme) = self.securesystemslib_scheme();
        let public = match self {
            VerificationKey::Sigstore(PublicKey::Ed25519(k)) => hex::encode(k.as_bytes()),
            VerificationKey::Sigstore(k) => k.to_pem(),
            VerificationKey::Rsa(k) => pem_of_spki(&rsa_spki_der(k)),
        };
        let mut modern = serde_json::Map::new();
        modern.insert("keytype".into(), keytype.into());
        modern.insert("scheme".into(), scheme.into());
        modern.insert(
            "keyval".into(),
            serde_json::json!({ "public": public.clone() }),
        );
        let mut legacy = modern.clone();
        legacy.insert(
            "keyid_hash_algorithms".into(),
            serde_json::json!(["sha256", "sha512"]),
        );
        [modern, legacy].map(|dict| {
            // Strings and a list of strings always have a canonical form.
            let bytes =
                crate::canonical::encode(&serde_json::Value::Object(dict)).unwrap_or_default();
            hex::encode(Sha256::digest(bytes))
        })
    }

    /// Checks `sig` over `msg`: Ed25519 (64 raw bytes), ECDSA (DER), RSA-PSS (the salt as long
    /// as the digest, as securesystemslib and in-toto-golang sign, or the longest possible, as
    /// Go's `PSSSaltLengthAuto` and OpenSSL's default sign). The error says why not.
    pub fn verify(
        &self,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<(), palisade_sigstore::keys::SignatureError> {
        match self {
            VerificationKey::Sigstore(k) => k.verify(msg, sig),
            VerificationKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts as _;
                let digest = Sha256::digest(msg);
                let em_len = k.n().bits().saturating_sub(1).div_ceil(8);
                let longest = em_len.saturating_sub(32 + 2);
                for salt in [32, longest] {
                    let scheme = rsa::Pss::new_with_salt::<Sha256>(salt);
                    if k.verify(scheme, &digest, sig).is_ok() {
                        return Ok(());
                    }
                }
                Err(palisade_sigstore::keys::SignatureError::Mismatch(
                    "RSA-PSS (SHA-256)",
                ))
            }
        }
    }
}

fn rsa_spki_der(k: &rsa::RsaPublicKey) -> Vec<u8> {
    // Encoding a valid in-memory RSA key has no failure path; an empty DER would only give a
    // keyid that matches nothing, which orders the tries and decides no trust.
    k.to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default()
}

/// `der` as a `PUBLIC KEY` PEM block with 64-column lines and LF line ends.
fn pem_of_spki(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

/// The DER of the first `PUBLIC KEY` PEM block, leniently (any line width, CR LF).
fn spki_der(pem: &str) -> Option<Vec<u8>> {
    let mut body = None::<String>;
    for line in pem.lines().map(str::trim) {
        match &mut body {
            None if line == "-----BEGIN PUBLIC KEY-----" => body = Some(String::new()),
            None => {}
            Some(_) if line == "-----END PUBLIC KEY-----" => {
                return body.and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
            }
            Some(b) => {
                if b.len() > 1 << 16 {
                    return None;
                }
                b.push_str(line);
            }
        }
    }
    None
}

/// True when the SPKI's algorithm is rsaEncryption (1.2.840.113549.1.1.1).
fn is_rsa_spki(der: &[u8]) -> bool {
    use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
    const RSA_ENCRYPTION: rsa::pkcs8::ObjectIdentifier =
        rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    SubjectPublicKeyInfoRef::try_from(der).is_ok_and(|spki| spki.algorithm.oid == RSA_ENCRYPTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/intoto/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn keyids_match_securesystemslib() {
        let expected: serde_json::Value = serde_json::from_str(&fixture("keyids.json")).unwrap();
        for name in ["ed25519", "p256", "p384", "rsa"] {
            let key = VerificationKey::from_pem(&fixture(&format!("{name}.pub")), name).unwrap();
            let want = &expected[name];
            assert_eq!(
                key.securesystemslib_keyids()[0],
                want["keyid"].as_str().unwrap(),
                "{name}"
            );
            let (keytype, scheme) = key.securesystemslib_scheme();
            assert_eq!(keytype, want["keytype"].as_str().unwrap());
            assert_eq!(scheme, want["scheme"].as_str().unwrap());
        }
    }

    #[test]
    fn rsa_keys_are_read_and_bounded() {
        let key = VerificationKey::from_pem(&fixture("rsa.pub"), "rsa.pub").unwrap();
        assert_eq!(key.algorithm(), "RSA");
        // A 1024-bit key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024).
        let small = "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCvP3J70xXF84l/8SOyhSeymJSr\nujZS7y+t3O0lYKgzOwIKBq4HIG9XeqtBONFGyPWakKsWiuu5ZowNO/7wI0/jX3h2\nzMpnpRIFHZ+DTmmrppGYc6lBe/4IksucHbv5q7e4woYCBkrlPVkHVfWG4503zDmC\nl5XmN9nMcSbkv9MGLwIDAQAB\n-----END PUBLIC KEY-----\n";
        let err = VerificationKey::from_pem(small, "small.pub").unwrap_err();
        assert!(err.to_string().contains("1024-bit"), "{err}");
        let err = VerificationKey::from_pem("nothing", "x.pub").unwrap_err();
        assert!(err.to_string().starts_with("x.pub"), "{err}");
    }
}
