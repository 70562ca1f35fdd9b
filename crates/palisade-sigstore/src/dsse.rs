//! DSSE envelopes (Dead Simple Signing Envelope, `secure-systems-lab/dsse` v1).

/// A DSSE envelope: a typed payload and signatures over its PAE encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The payload's media type, e.g. `application/vnd.in-toto+json`.
    pub payload_type: String,
    /// The payload bytes (base64-decoded).
    pub payload: Vec<u8>,
    /// One or more signatures over `pae(payload_type, payload)`.
    pub signatures: Vec<DsseSignature>,
}

/// One signature of an [`Envelope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DsseSignature {
    /// An optional, unauthenticated hint of the signing key; Sigstore tools write `""`.
    pub keyid: String,
    /// The signature bytes (base64-decoded); ECDSA signatures are ASN.1 DER.
    pub sig: Vec<u8>,
}

impl Envelope {
    /// The bytes that the envelope's signatures sign.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// DSSE's Pre-Authentication Encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal byte counts.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // The worked example from the DSSE protocol description.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn pae_counts_bytes_not_chars() {
        assert_eq!(pae("é", b""), "DSSEv1 2 é 0 ".as_bytes().to_vec());
    }
}
