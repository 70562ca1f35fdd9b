//! The cryptography under `sigstore-verify`, in pure Rust.
//!
//! `sigstore-crypto` (the primitives `sigstore-verify` calls) defaults to `aws-lc-rs`, whose
//! `aws-lc-sys` compiles a C library on every fresh build: the largest single item on the path
//! to a first verdict. The crate offers a [`CryptoProvider`] trait for backends it does not ship;
//! this module is one over the RustCrypto crates the rest of Palisade already verifies with
//! (`sha2`, `p256`, `p384`, `ed25519-dalek`, `rsa`). It verifies only: Palisade never signs
//! keyless, and key generation stays with `palisade-sigstore`.
//!
//! ML-DSA is not offered (no Sigstore instance issues it yet); a bundle that uses it fails
//! verification with an "unsupported algorithm" error instead of passing.
//!
//! [`install`] registers the provider once per process; every public entry point of this crate
//! calls it before touching `sigstore-verify`.

use sigstore_verify::crypto::{
    CryptoProvider, Error, HashContext, Result, SigningScheme, install_default_provider,
};
use sigstore_verify::types::HashAlgorithm;

/// The provider [`install`] registers.
#[derive(Debug)]
pub struct RustCryptoProvider;

static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// Registers [`RustCryptoProvider`] as `sigstore-crypto`'s process-wide backend, once.
///
/// Idempotent and cheap; a provider someone else installed first is left in place (it was
/// chosen on purpose by the embedding program).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means a provider is already installed: keep it.
        let _ = install_default_provider(&PROVIDER);
    });
}

/// A streaming SHA-2 state.
enum Sha {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl HashContext for Sha {
    fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match self {
            Sha::Sha256(h) => h.update(data),
            Sha::Sha384(h) => h.update(data),
            Sha::Sha512(h) => h.update(data),
        }
    }

    fn finalize(self: Box<Self>) -> Vec<u8> {
        use sha2::Digest;
        match *self {
            Sha::Sha256(h) => h.finalize().to_vec(),
            Sha::Sha384(h) => h.finalize().to_vec(),
            Sha::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

fn invalid(scheme: SigningScheme) -> Error {
    Error::Verification(format!("{} signature invalid", scheme.name()))
}

fn bad_key(what: &str) -> Error {
    Error::InvalidKey(format!("invalid {what} public key"))
}

/// Which SHA-2 a scheme hashes the message with.
fn digest_of(algorithm: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>> {
    use sha2::Digest;
    Ok(match algorithm {
        HashAlgorithm::Sha2256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha2384 => sha2::Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha2512 => sha2::Sha512::digest(data).to_vec(),
        other => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "cannot compute {other} digests"
            )));
        }
    })
}

/// ECDSA over a prehashed digest (DER signature, as Sigstore writes them).
fn ecdsa_prehashed(
    scheme: SigningScheme,
    key: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    match scheme {
        SigningScheme::EcdsaP256Sha256 | SigningScheme::EcdsaP256Sha384 => {
            let key =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key("P-256"))?;
            let sig =
                p256::ecdsa::DerSignature::try_from(signature).map_err(|_| invalid(scheme))?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| invalid(scheme))
        }
        SigningScheme::EcdsaP384Sha256 | SigningScheme::EcdsaP384Sha384 => {
            let key =
                p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key("P-384"))?;
            let sig =
                p384::ecdsa::DerSignature::try_from(signature).map_err(|_| invalid(scheme))?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| invalid(scheme))
        }
        _ => Err(Error::UnsupportedAlgorithm(format!(
            "{} is not an ECDSA scheme",
            scheme.name()
        ))),
    }
}

/// RSA (PKCS#1 v1.5 or PSS) over a prehashed digest; `key` is a PKCS#1 `RSAPublicKey`.
fn rsa_prehashed(scheme: SigningScheme, key: &[u8], digest: &[u8], signature: &[u8]) -> Result<()> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let key = rsa::RsaPublicKey::from_pkcs1_der(key).map_err(|_| bad_key("RSA"))?;
    let outcome = match scheme {
        SigningScheme::RsaPkcs1Sha256 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature)
        }
        SigningScheme::RsaPkcs1Sha384 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest, signature)
        }
        SigningScheme::RsaPkcs1Sha512 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest, signature)
        }
        SigningScheme::RsaPssSha256 => {
            key.verify(rsa::Pss::new::<sha2::Sha256>(), digest, signature)
        }
        SigningScheme::RsaPssSha384 => {
            key.verify(rsa::Pss::new::<sha2::Sha384>(), digest, signature)
        }
        SigningScheme::RsaPssSha512 => {
            key.verify(rsa::Pss::new::<sha2::Sha512>(), digest, signature)
        }
        _ => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{} is not an RSA scheme",
                scheme.name()
            )));
        }
    };
    outcome.map_err(|_| invalid(scheme))
}

impl CryptoProvider for RustCryptoProvider {
    fn hash(&self, algorithm: HashAlgorithm) -> Result<Box<dyn HashContext>> {
        use sha2::Digest;
        Ok(Box::new(match algorithm {
            HashAlgorithm::Sha2256 => Sha::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha2384 => Sha::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha2512 => Sha::Sha512(sha2::Sha512::new()),
            other => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "cannot compute {other} digests"
                )));
            }
        }))
    }

    fn sha256(&self, data: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(data).into()
    }

    fn sha384(&self, data: &[u8]) -> [u8; 48] {
        use sha2::Digest;
        sha2::Sha384::digest(data).into()
    }

    fn sha512(&self, data: &[u8]) -> [u8; 64] {
        use sha2::Digest;
        sha2::Sha512::digest(data).into()
    }

    fn verify_raw(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        if scheme == SigningScheme::Ed25519 {
            let key: [u8; 32] = spki_pubkey_bytes
                .try_into()
                .map_err(|_| bad_key("Ed25519"))?;
            let key =
                ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| bad_key("Ed25519"))?;
            let sig =
                ed25519_dalek::Signature::from_slice(signature).map_err(|_| invalid(scheme))?;
            // Strict: rejects the malleable and small-order cases RFC 8032 verifiers accept.
            return key.verify_strict(data, &sig).map_err(|_| invalid(scheme));
        }
        let Some(algorithm) = scheme.hash_algorithm() else {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{} signatures are not supported",
                scheme.name()
            )));
        };
        let digest = digest_of(algorithm, data)?;
        self.verify_prehashed(scheme, spki_pubkey_bytes, &digest, signature)
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        match scheme {
            SigningScheme::EcdsaP256Sha256
            | SigningScheme::EcdsaP256Sha384
            | SigningScheme::EcdsaP384Sha256
            | SigningScheme::EcdsaP384Sha384 => {
                ecdsa_prehashed(scheme, spki_pubkey_bytes, digest, signature)
            }
            SigningScheme::RsaPkcs1Sha256
            | SigningScheme::RsaPkcs1Sha384
            | SigningScheme::RsaPkcs1Sha512
            | SigningScheme::RsaPssSha256
            | SigningScheme::RsaPssSha384
            | SigningScheme::RsaPssSha512 => {
                rsa_prehashed(scheme, spki_pubkey_bytes, digest, signature)
            }
            _ => Err(Error::UnsupportedAlgorithm(format!(
                "{} does not support prehashed verification",
                scheme.name()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;

    #[test]
    fn p256_signatures_verify_and_tampering_fails() {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let sig: p256::ecdsa::DerSignature = key.sign(b"message");
        let provider = RustCryptoProvider;
        let scheme = SigningScheme::EcdsaP256Sha256;
        provider
            .verify_raw(scheme, point.as_bytes(), b"message", sig.as_bytes())
            .unwrap();
        assert!(
            provider
                .verify_raw(scheme, point.as_bytes(), b"messagE", sig.as_bytes())
                .is_err()
        );
        // The same key under the P-384 scheme is a bad key, not a pass.
        assert!(
            provider
                .verify_raw(
                    SigningScheme::EcdsaP384Sha384,
                    point.as_bytes(),
                    b"message",
                    sig.as_bytes()
                )
                .is_err()
        );
    }

    #[test]
    fn ed25519_signatures_verify_and_tampering_fails() {
        use ed25519_dalek::Signer as _;
        let key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let sig = key.sign(b"message");
        let public = key.verifying_key().to_bytes();
        let provider = RustCryptoProvider;
        provider
            .verify_raw(SigningScheme::Ed25519, &public, b"message", &sig.to_bytes())
            .unwrap();
        assert!(
            provider
                .verify_raw(SigningScheme::Ed25519, &public, b"other", &sig.to_bytes())
                .is_err()
        );
    }

    /// A 2048-bit key and signatures over "message" made by `openssl dgst` (PKCS#1 v1.5 with
    /// SHA-256; PSS with SHA-384, salt = digest length), see tests/data/rsa/.
    #[test]
    fn rsa_signatures_from_openssl_verify_and_tampering_fails() {
        let data = |name: &str| {
            std::fs::read(format!(
                "{}/tests/data/rsa/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let (public, pkcs1, pss) = (data("pub.der"), data("p1.sig"), data("pss.sig"));
        let provider = RustCryptoProvider;
        provider
            .verify_raw(SigningScheme::RsaPkcs1Sha256, &public, b"message", &pkcs1)
            .unwrap();
        provider
            .verify_raw(SigningScheme::RsaPssSha384, &public, b"message", &pss)
            .unwrap();
        // Wrong message, wrong padding, wrong hash: each fails.
        for (scheme, sig) in [
            (SigningScheme::RsaPkcs1Sha256, &pss),
            (SigningScheme::RsaPssSha256, &pss),
            (SigningScheme::RsaPkcs1Sha384, &pkcs1),
        ] {
            assert!(
                provider
                    .verify_raw(scheme, &public, b"message", sig)
                    .is_err(),
                "{scheme:?}"
            );
        }
        assert!(
            provider
                .verify_raw(SigningScheme::RsaPkcs1Sha256, &public, b"messagE", &pkcs1)
                .is_err()
        );
    }

    #[test]
    fn ml_dsa_is_refused_not_passed() {
        let provider = RustCryptoProvider;
        let err = provider
            .verify_raw(SigningScheme::MlDsa65, &[0u8; 1952], b"m", &[0u8; 3309])
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedAlgorithm(_)), "{err:?}");
    }

    #[test]
    fn hashes_match_the_sha2_crate() {
        use sha2::Digest;
        let provider = RustCryptoProvider;
        let mut ctx = provider.hash(HashAlgorithm::Sha2384).unwrap();
        ctx.update(b"ab");
        ctx.update(b"c");
        assert_eq!(ctx.finalize(), sha2::Sha384::digest(b"abc").to_vec());
        assert_eq!(
            provider.sha256(b"abc").to_vec(),
            sha2::Sha256::digest(b"abc").to_vec()
        );
    }
}
