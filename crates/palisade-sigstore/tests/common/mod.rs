//! Shared helpers of the integration tests (included with `mod common;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use palisade_sigstore::keys::{PublicKey, pem_hint};
use palisade_sigstore::verify::{IdentityMatcher, TrustedAuthority, TrustedKey};

/// A fixture of the repository's `tests/fixtures/`.
pub fn fx(rel: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fx(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn text(rel: &str) -> String {
    String::from_utf8(read(rel)).unwrap()
}

/// 2027-06-01T00:00:00Z: every fixture certificate is valid then.
pub fn now() -> SystemTime {
    at(1_811_808_000)
}

pub fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

pub fn trusted_key(name: &str, rel: &str) -> TrustedKey {
    let pem = text(rel);
    TrustedKey {
        name: name.to_string(),
        key: PublicKey::from_named_pem(&pem, rel).unwrap(),
        hint: pem_hint(&pem),
    }
}

/// The DER certificates of a PEM fixture.
pub fn certs(rel: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let text = text(rel);
    let mut out = Vec::new();
    let mut body = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE") {
            inside = true;
            body.clear();
        } else if line.starts_with("-----END CERTIFICATE") {
            inside = false;
            out.push(
                base64::engine::general_purpose::STANDARD
                    .decode(&body)
                    .unwrap(),
            );
        } else if inside {
            body.push_str(line.trim());
        }
    }
    out
}

pub fn authority(
    name: &str,
    ca_rel: &str,
    identity: Option<(&str, Option<&str>)>,
) -> TrustedAuthority {
    TrustedAuthority {
        name: name.to_string(),
        roots: certs(ca_rel),
        identity: identity.map(|(subject, issuer)| IdentityMatcher {
            subject: Some(subject.to_string()),
            issuer: issuer.map(str::to_string),
        }),
    }
}

/// The 4-file model signed by `model-signing/model.sig.json`, rebuilt by `regen-model.sh`
/// into the test target folder once. `None` (with a note) when openssl is missing.
pub fn signed_model_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("palisade-sigstore-model");
        let weights = dir.join("model.safetensors");
        if std::fs::metadata(&weights).map(|m| m.len()).ok() == Some(52_428_800) {
            return Some(dir);
        }
        if std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
        {
            eprintln!(
                "note: openssl is not installed; skipping the tests on the 50 MiB signed model"
            );
            return None;
        }
        let building = dir.with_extension(format!("building-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        let status = std::process::Command::new("sh")
            .arg(fx("model-signing/regen-model.sh"))
            .arg(&building)
            .status()
            .unwrap();
        assert!(status.success(), "regen-model.sh failed");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&building, &dir).unwrap();
        Some(dir)
    })
    .clone()
}

/// Copies a folder (recursively) into a fresh temporary folder.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_into(from, tmp.path());
    tmp
}

fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_into(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
