//! RFC 5280 certification path validation for signing certificates.
//!
//! The path is built and validated by `rustls-webpki` (basic constraints and `pathLenConstraint`,
//! name constraints, validity of every certificate at the signing time, extended key usage,
//! refusal of unknown critical extensions, signatures all along the path). webpki deliberately
//! ignores the keyUsage extension, so the two keyUsage rules of RFC 5280 are checked here on
//! the path webpki found: a CA certificate whose keyUsage is present must allow keyCertSign
//! (§4.2.1.3, §6.1.4 (n)), and a leaf whose keyUsage is present must allow digitalSignature.
//! The leaf must name the codeSigning extended key usage; an intermediate that restricts its
//! extended key usages must include codeSigning among them.
//!
//! The signature algorithms handed to webpki are the RustCrypto ones this crate already uses
//! (ECDSA P-256 and P-384 with SHA-256/384/512, Ed25519), so no C crypto library is pulled in.
//! RSA certificates are not supported (no key palisade reads is RSA).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm,
    UnixTime, alg_id,
};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use webpki::{EndEntityCert, KeyUsage as WebpkiUsage, VerifiedPath};
use x509_cert::Certificate;
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::spki::ObjectIdentifier;

use crate::keys::PublicKey;

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), DER-encoded content octets, as webpki wants it.
const CODE_SIGNING_DER: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
const EKU_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

#[derive(Clone, Copy, Debug)]
enum Curve {
    P256,
    P384,
}

#[derive(Clone, Copy, Debug)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// ECDSA over `curve` with `hash`, verified with the RustCrypto crates.
#[derive(Debug)]
struct Ecdsa {
    curve: Curve,
    hash: Hash,
}

impl SignatureVerificationAlgorithm for Ecdsa {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = match self.curve {
            Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map(PublicKey::P256)
                .map_err(|_| InvalidSignature)?,
            Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map(PublicKey::P384)
                .map_err(|_| InvalidSignature)?,
        };
        let prehash = match self.hash {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        };
        key.verify_prehash(&prehash, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        match self.curve {
            Curve::P256 => alg_id::ECDSA_P256,
            Curve::P384 => alg_id::ECDSA_P384,
        }
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.hash {
            Hash::Sha256 => alg_id::ECDSA_SHA256,
            Hash::Sha384 => alg_id::ECDSA_SHA384,
            Hash::Sha512 => alg_id::ECDSA_SHA512,
        }
    }
}

/// Ed25519 (RFC 8410), verified strictly with ed25519-dalek.
#[derive(Debug)]
struct Ed25519;

impl SignatureVerificationAlgorithm for Ed25519 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let bytes: [u8; 32] = public_key.try_into().map_err(|_| InvalidSignature)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| InvalidSignature)?;
        PublicKey::Ed25519(key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }
}

static ECDSA_P256_SHA256: Ecdsa = Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha256,
};
static ECDSA_P256_SHA384: Ecdsa = Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha384,
};
static ECDSA_P256_SHA512: Ecdsa = Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha512,
};
static ECDSA_P384_SHA256: Ecdsa = Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha256,
};
static ECDSA_P384_SHA384: Ecdsa = Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha384,
};
static ECDSA_P384_SHA512: Ecdsa = Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha512,
};
static ED25519: Ed25519 = Ed25519;

/// Every certificate signature algorithm accepted on a path.
static ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    &ECDSA_P256_SHA256,
    &ECDSA_P256_SHA384,
    &ECDSA_P256_SHA512,
    &ECDSA_P384_SHA256,
    &ECDSA_P384_SHA384,
    &ECDSA_P384_SHA512,
    &ED25519,
];

fn describe(cert: &Certificate) -> String {
    format!("`{}`", cert.tbs_certificate.subject)
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn key_usage(cert: &Certificate, what: &str) -> Result<Option<KeyUsage>, String> {
    extension(cert, OID_KEY_USAGE)
        .map(|der| {
            KeyUsage::from_der(der).map_err(|e| {
                format!(
                    "{what} {}: its keyUsage does not decode: {e}",
                    describe(cert)
                )
            })
        })
        .transpose()
}

/// A CA certificate with a keyUsage extension must allow keyCertSign (RFC 5280 §6.1.4 (n)).
fn check_ca_key_usage(cert: &Certificate, what: &str) -> Result<(), String> {
    match key_usage(cert, what)? {
        Some(usage) if !usage.key_cert_sign() => Err(format!(
            "{what} {} may not issue certificates (its keyUsage lacks keyCertSign)",
            describe(cert)
        )),
        _ => Ok(()),
    }
}

/// The leaf must be allowed to sign: keyUsage (when present) with digitalSignature, and an
/// extended key usage naming codeSigning.
fn check_leaf_usage(leaf: &Certificate) -> Result<(), String> {
    if let Some(usage) = key_usage(leaf, "the leaf certificate")?
        && !usage.digital_signature()
    {
        return Err(format!(
            "the leaf certificate {} may not sign (its keyUsage lacks digitalSignature)",
            describe(leaf)
        ));
    }
    let Some(der) = extension(leaf, OID_EXT_KEY_USAGE) else {
        return Err(format!(
            "the leaf certificate {} is not allowed to sign code (it has no extended key usage; codeSigning is required)",
            describe(leaf)
        ));
    };
    let eku = ExtendedKeyUsage::from_der(der)
        .map_err(|e| format!("the leaf certificate's extended key usage does not decode: {e}"))?;
    if eku.0.contains(&EKU_CODE_SIGNING) {
        Ok(())
    } else {
        Err(format!(
            "the leaf certificate {} is not allowed to sign code (no codeSigning extended key usage)",
            describe(leaf)
        ))
    }
}

fn check_validity(cert: &Certificate, what: &str, now: SystemTime) -> Result<(), String> {
    let validity = &cert.tbs_certificate.validity;
    if now < validity.not_before.to_system_time() {
        return Err(format!(
            "{what} is not valid before {}",
            validity.not_before
        ));
    }
    if now > validity.not_after.to_system_time() {
        return Err(format!("{what} expired on {}", validity.not_after));
    }
    Ok(())
}

/// What a webpki error means, as a sentence.
fn explain(error: &webpki::Error) -> String {
    use webpki::Error as E;
    match error {
        E::UnknownIssuer => "the certificate does not chain to any of the authority's roots (through the bundle's intermediates)".to_string(),
        E::PathLenConstraintViolated => "a CA certificate on the path issued more sub-CAs than its pathLenConstraint allows".to_string(),
        E::EndEntityUsedAsCa => "a certificate on the path that is not a CA (basicConstraints cA is false or absent) issued another certificate".to_string(),
        E::CaUsedAsEndEntity => "the leaf certificate is a CA certificate, not a signing certificate".to_string(),
        E::UnsupportedCriticalExtension => "a certificate on the path has a critical extension that is not understood".to_string(),
        E::CertExpired { .. } => "a certificate on the path had expired at the signing time".to_string(),
        E::CertNotValidYet { .. } => "a certificate on the path was not yet valid at the signing time".to_string(),
        E::RequiredEkuNotFoundContext(_) => "an intermediate restricts its extended key usages and codeSigning is not among them".to_string(),
        E::NameConstraintViolation => "the leaf violates a name constraint of a CA on the path".to_string(),
        E::InvalidSignatureForPublicKey => "the certificate does not chain to any of the authority's roots (a certificate's signature does not verify with the key of the issuer it names)".to_string(),
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => "a certificate on the path is signed with an unsupported algorithm (supported: ECDSA P-256/P-384 with SHA-256/384/512, Ed25519)".to_string(),
        E::UnsupportedCertVersion => "a certificate on the path is not an X.509 v3 certificate".to_string(),
        E::MaximumPathDepthExceeded | E::MaximumPathBuildCallsExceeded | E::MaximumSignatureChecksExceeded => "the certificate chain is too long or too tangled to follow".to_string(),
        other => format!("the certificate path is invalid ({other:?})"),
    }
}

/// Validates the path from `leaf_der` through `intermediates` (in any order; copies of the
/// roots and self-signed certificates among them are ignored) to one of `roots`, at `now`.
pub(crate) fn validate(
    leaf_der: &[u8],
    intermediates: &[Vec<u8>],
    roots: &[Vec<u8>],
    now: SystemTime,
) -> Result<(), String> {
    let leaf = Certificate::from_der(leaf_der)
        .map_err(|e| format!("the leaf certificate does not decode: {e}"))?;
    check_validity(&leaf, "the leaf certificate", now)?;
    check_leaf_usage(&leaf)?;
    if roots.is_empty() {
        return Err("the authority has no root certificate".to_string());
    }
    // Roots are trust anchors: a root that is not valid at `now`, or whose keyUsage forbids
    // issuing certificates, is not used (with the reason kept, should no other root do).
    let mut refused = Vec::new();
    let mut root_certs = Vec::new();
    let mut anchor_ders = Vec::new();
    for (i, der) in roots.iter().enumerate() {
        let cert = Certificate::from_der(der)
            .map_err(|e| format!("root certificate {i} does not decode: {e}"))?;
        match check_validity(&cert, &format!("the root {}", describe(&cert)), now)
            .and_then(|()| check_ca_key_usage(&cert, "the root"))
        {
            Ok(()) => anchor_ders.push(CertificateDer::from(der.as_slice())),
            Err(reason) => refused.push(reason),
        }
        root_certs.push(cert);
    }
    let anchors = anchor_ders
        .iter()
        .map(|der| {
            webpki::anchor_from_trusted_cert(der)
                .map(|a| a.to_owned())
                .map_err(|e| format!("a root certificate cannot be a trust anchor: {e:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A chain that includes the root (the spec forbids it, model_signing writes it) is
    // accepted: the copy of the root is simply dropped. A self-signed certificate can only be
    // trusted as one of the caller's roots, never as an intermediate the bundle brought along.
    let mut pool = Vec::new();
    for (i, der) in intermediates.iter().enumerate() {
        let cert = Certificate::from_der(der)
            .map_err(|e| format!("chain certificate {} does not decode: {e}", i + 1))?;
        let self_signed = cert.tbs_certificate.subject == cert.tbs_certificate.issuer;
        if !root_certs.contains(&cert) && !self_signed {
            pool.push(CertificateDer::from(der.as_slice()));
        }
    }
    let leaf_cert_der = CertificateDer::from(leaf_der);
    let end_entity = EndEntityCert::try_from(&leaf_cert_der)
        .map_err(|e| format!("the leaf certificate is not usable: {}", explain(&e)))?;
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the signing time is before 1970".to_string())?;
    // webpki ignores keyUsage; the path it found is checked here, and a refusal makes it try
    // the next path. The last refusal's reason is kept for the message.
    let key_usage_refusal: RefCell<Option<String>> = RefCell::new(None);
    let check_path = |path: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
        for cert in path.intermediate_certificates() {
            let der = cert.der();
            let parsed = Certificate::from_der(der.as_ref())
                .map_err(|_| webpki::Error::ExtensionValueInvalid)?;
            if let Err(reason) = check_ca_key_usage(&parsed, "the intermediate") {
                *key_usage_refusal.borrow_mut() = Some(reason);
                return Err(webpki::Error::ExtensionValueInvalid);
            }
        }
        Ok(())
    };
    let result = end_entity.verify_for_usage(
        ALGORITHMS,
        &anchors,
        &pool,
        UnixTime::since_unix_epoch(seconds),
        WebpkiUsage::required_if_present(CODE_SIGNING_DER),
        None,
        Some(&check_path),
    );
    match result {
        Ok(_) => Ok(()),
        Err(error) => {
            let mut reason = match (&error, key_usage_refusal.into_inner()) {
                (webpki::Error::ExtensionValueInvalid, Some(reason)) => reason,
                (error, _) => explain(error),
            };
            if anchors.is_empty() || matches!(error, webpki::Error::UnknownIssuer) {
                for why in refused {
                    reason.push_str(&format!("; {why}"));
                }
            }
            Err(reason)
        }
    }
}
