//! Content digests: an algorithm and its bytes, parsed once from the `alg:hex` text that
//! pipelines, locks, in-toto subjects and image references write.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The digest algorithms palisade reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    /// SHA-256 (the common currency: locks, Sigstore, in-toto, OCI).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512 (npm provenance subjects).
    Sha512,
    /// BLAKE3-256 (palisade locks, model-signing's fast mode).
    Blake3,
}

impl DigestAlgorithm {
    /// Every algorithm.
    pub const ALL: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
        DigestAlgorithm::Blake3,
    ];

    /// The name as written before the colon (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
            DigestAlgorithm::Blake3 => "blake3",
        }
    }

    /// The digest's length in bytes.
    pub fn byte_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 | DigestAlgorithm::Blake3 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// Parses an algorithm name (`sha256`, `SHA-256`, `sha2-256` are all accepted).
    pub fn from_name(name: &str) -> Option<Self> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.as_str() {
            "sha256" | "sha2256" => Some(DigestAlgorithm::Sha256),
            "sha384" | "sha2384" => Some(DigestAlgorithm::Sha384),
            "sha512" | "sha2512" => Some(DigestAlgorithm::Sha512),
            "blake3" | "blake3256" => Some(DigestAlgorithm::Blake3),
            _ => None,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A digest: algorithm and bytes. Equal only when both are equal; two digests of different
/// algorithms never match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    bytes: Vec<u8>,
}

/// Why a digest text does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// No `alg:` prefix.
    #[error("{0:?} is not a digest: write it as sha256:<64 hex digits>")]
    NoAlgorithm(String),
    /// An algorithm palisade does not know.
    #[error("unknown digest algorithm {0:?} (known: sha256, sha384, sha512, blake3)")]
    UnknownAlgorithm(String),
    /// Not hex, or the wrong length for the algorithm.
    #[error("{algorithm} digest must be {expected} hex digits, got {found:?}")]
    BadHex {
        /// The algorithm.
        algorithm: DigestAlgorithm,
        /// Hex digits expected.
        expected: usize,
        /// What was written (shortened).
        found: String,
    },
}

impl Digest {
    /// A digest from raw bytes; `None` if the length is wrong for the algorithm.
    pub fn new(algorithm: DigestAlgorithm, bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == algorithm.byte_len()).then_some(Digest { algorithm, bytes })
    }

    /// A SHA-256 digest from its 32 bytes.
    pub fn sha256(bytes: [u8; 32]) -> Self {
        Digest {
            algorithm: DigestAlgorithm::Sha256,
            bytes: bytes.to_vec(),
        }
    }

    /// A digest from an algorithm and hex digits (any case).
    pub fn from_hex(algorithm: DigestAlgorithm, hex_digits: &str) -> Result<Self, DigestError> {
        let bad = || DigestError::BadHex {
            algorithm,
            expected: algorithm.byte_len() * 2,
            found: hex_digits.chars().take(80).collect(),
        };
        if hex_digits.len() != algorithm.byte_len() * 2 {
            return Err(bad());
        }
        let bytes = hex::decode(hex_digits).map_err(|_| bad())?;
        Ok(Digest { algorithm, bytes })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lowercase hex of the bytes (no prefix).
    pub fn hex(&self) -> String {
        hex::encode(&self.bytes)
    }

    /// The SHA-256 bytes, if this is a SHA-256 digest.
    pub fn as_sha256(&self) -> Option<[u8; 32]> {
        match self.algorithm {
            DigestAlgorithm::Sha256 => <[u8; 32]>::try_from(self.bytes.as_slice()).ok(),
            _ => None,
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex())
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    /// Parses `alg:hex` (`sha256:9f86…`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, hex_digits) = text
            .split_once(':')
            .ok_or_else(|| DigestError::NoAlgorithm(text.chars().take(80).collect()))?;
        let algorithm = DigestAlgorithm::from_name(name)
            .ok_or_else(|| DigestError::UnknownAlgorithm(name.chars().take(40).collect()))?;
        Digest::from_hex(algorithm, hex_digits)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_and_prints_the_same() {
        let text = "sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        let digest: Digest = text.parse().unwrap();
        assert_eq!(digest.to_string(), text.to_ascii_lowercase());
        assert_eq!(digest.as_sha256().unwrap()[0], 0x9f);
        assert!("sha256:abc".parse::<Digest>().is_err());
        assert!("md5:00".parse::<Digest>().is_err());
        assert!("9f86".parse::<Digest>().is_err());
        let sha512: Digest = format!("sha512:{}", "ab".repeat(64)).parse().unwrap();
        assert_eq!(sha512.algorithm(), DigestAlgorithm::Sha512);
        assert!(sha512.as_sha256().is_none());
        assert_eq!(
            DigestAlgorithm::from_name("SHA2-256"),
            Some(DigestAlgorithm::Sha256)
        );
    }

    #[test]
    fn different_algorithms_never_match() {
        let a = Digest::new(DigestAlgorithm::Sha256, vec![1; 32]).unwrap();
        let b = Digest::new(DigestAlgorithm::Blake3, vec![1; 32]).unwrap();
        assert_ne!(a, b);
        assert!(Digest::new(DigestAlgorithm::Sha256, vec![1; 31]).is_none());
    }
}
