//! Sigstore bundles, DSSE envelopes, keys, certificate chains, in-toto statements and
//! OpenSSF model signatures — read from untrusted files and verified offline.
//!
//! Palisade uses this crate to check the `signature` and `provenance` evidence of a pipeline
//! and to sign its own verdicts. Everything runs without a network: trust comes from the
//! keys and certificate authorities the caller declares, never from Rekor or Fulcio.
//!
//! The bundle and DSSE layer is written here against the specifications (Sigstore
//! `sigstore_bundle.proto` in its JSON form, DSSE v1, in-toto Statement v1); the
//! cryptography comes from the RustCrypto crates (`p256`, `p384`, `ed25519-dalek`,
//! `x509-cert`, `scrypt`, `crypto_secretbox`). The `sigstore` crate was measured and not
//! used: it always pulls in tokio, and its crypto needs OpenSSL or aws-lc-rs.
//!
//! ```
//! use palisade_sigstore::{bundle, keys, sign_statement, verify};
//!
//! let key = keys::SigningKey::generate_p256();
//! let public_pem = key.public_key().to_pem();
//! let statement = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://example.com/p","predicate":{}}"#;
//! let json = sign_statement(statement, &key, &public_pem).to_json();
//!
//! let read = bundle::parse(json.as_bytes(), "verdict.sigstore.json").unwrap();
//! let trusted = verify::TrustedKey {
//!     name: "release".to_string(),
//!     key: keys::PublicKey::from_pem(&public_pem).unwrap(),
//!     hint: keys::pem_hint(&public_pem),
//! };
//! let outcome = verify::verify_bundle(&read, &[trusted], &[], None, std::time::SystemTime::now());
//! assert!(matches!(outcome, verify::Outcome::Verified { ref signer, .. } if signer == "release"));
//! ```

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod bundle;
mod chain;
pub mod dsse;
pub mod intoto;
mod json;
pub use json::JsonSyntaxError;
pub mod keys;
pub mod model_signing;
mod pem;
pub mod purpose;
pub mod verify;

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Signs a SHA-256 digest (of a file, or given) into a v0.3 message-signature bundle, the
/// form `cosign sign-blob --bundle` writes: `messageSignature` with `messageDigest`
/// `SHA2_256` and an ECDSA P-256 signature over that digest, `publicKey.hint` =
/// [`keys::pem_hint`]`(public_pem)`. `None` unless the key is P-256.
pub fn sign_digest(
    sha256: &[u8; 32],
    key: &keys::SigningKey,
    public_pem: &str,
) -> Option<bundle::Bundle> {
    let signature = key.sign_sha256_prehash(sha256)?;
    Some(bundle::Bundle {
        media_type: bundle::MEDIA_TYPE_V0_3.to_string(),
        version: bundle::BundleVersion::V0_3,
        material: bundle::VerificationMaterial::PublicKey {
            hint: keys::pem_hint(public_pem),
        },
        content: bundle::Content::MessageSignature {
            digest: Some(("SHA2_256".to_string(), sha256.to_vec())),
            signature,
        },
    })
}

/// Signs an in-toto statement (its exact bytes) into a v0.3 bundle: a DSSE envelope of type
/// `application/vnd.in-toto+json` with one signature (keyid `""`), and
/// `publicKey.hint` = [`keys::pem_hint`]`(public_pem)`. `public_pem` should be the text of
/// the public key file that verifiers will be given.
pub fn sign_statement(
    statement_json: &[u8],
    key: &keys::SigningKey,
    public_pem: &str,
) -> bundle::Bundle {
    let payload = statement_json.to_vec();
    let sig = key.sign(&dsse::pae(IN_TOTO_PAYLOAD_TYPE, &payload));
    bundle::Bundle {
        media_type: bundle::MEDIA_TYPE_V0_3.to_string(),
        version: bundle::BundleVersion::V0_3,
        material: bundle::VerificationMaterial::PublicKey {
            hint: keys::pem_hint(public_pem),
        },
        content: bundle::Content::Dsse(dsse::Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.to_string(),
            payload,
            signatures: vec![dsse::DsseSignature {
                keyid: String::new(),
                sig,
            }],
        }),
    }
}
