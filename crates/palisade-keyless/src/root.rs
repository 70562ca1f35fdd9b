//! Trusted roots: the CAs, transparency logs, CT logs and timestamp authorities a keyless
//! signature is checked against, each with its validity window (both ends inclusive).

use std::time::{Duration, SystemTime};

use sigstore_verify::Verifier;
use sigstore_verify::trust_root::TrustedRoot;

use crate::error::{KeylessError, Step, escape};
use crate::json;

/// The Sigstore public-good production trusted root shipped inside the binary: the copy in
/// sigstore-python 4.5.1 (`sigstore/_store/prod/trusted_root.json`).
pub const PUBLIC_GOOD_ROOT_JSON: &[u8] = include_bytes!("../roots/public-good-trusted_root.json");

/// The snapshot date of [`PUBLIC_GOOD_ROOT_JSON`]: the newest validity start in it (the Rekor
/// v2 log `log2025-1`, 2025-09-23). A key or CA Sigstore added after this date is not in it;
/// pass a newer `trusted_root.json` to verify bundles that need one.
pub const PUBLIC_GOOD_ROOT_DATE: &str = "2025-09-23";

/// The same date as Unix seconds (2025-09-23T00:00:00Z).
const PUBLIC_GOOD_ROOT_UNIX: u64 = 1_758_585_600;

/// Largest trusted root accepted (the public-good root is 7 KiB; GitHub's 12 KiB).
pub const MAX_TRUST_ROOT_BYTES: usize = 1024 * 1024;

/// Most authorities (CAs + logs + CT logs + TSAs) a trusted root may declare.
pub const MAX_AUTHORITIES: usize = 256;

/// The media type prefix every trusted root version shares (`…+json;version=0.1`,
/// `….v0.2+json`).
pub const TRUST_ROOT_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.trustedroot";

/// How old the embedded public-good snapshot is at `now` (zero if the clock is earlier).
pub fn embedded_root_age(now: SystemTime) -> Duration {
    let snapshot = SystemTime::UNIX_EPOCH + Duration::from_secs(PUBLIC_GOOD_ROOT_UNIX);
    now.duration_since(snapshot).unwrap_or(Duration::ZERO)
}

/// A sentence for `palisade verify --help` and the docs: the embedded root's date, its age in
/// days at `now`, and how to pass a newer one.
pub fn embedded_root_notice(now: SystemTime) -> String {
    let days = embedded_root_age(now).as_secs() / 86_400;
    format!(
        "the embedded Sigstore public-good trusted root is a snapshot of {PUBLIC_GOOD_ROOT_DATE} \
         ({days} days old); pass a newer trusted_root.json (`--trusted-root FILE`, or \
         `trusted_root = \"…\"` in the pipeline) to trust keys and CAs added since"
    )
}

/// What an authority of the trusted root is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityKind {
    /// A Fulcio certificate authority (issues signing certificates).
    CertificateAuthority,
    /// A Rekor transparency log (v1 or v2).
    TransparencyLog,
    /// A certificate-transparency log (signs the SCT in a Fulcio certificate).
    CtLog,
    /// An RFC 3161 timestamp authority.
    TimestampAuthority,
}

/// One authority of a trusted root and its validity window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Authority {
    /// What it is.
    pub kind: AuthorityKind,
    /// Its URI or base URL as written.
    pub uri: String,
    /// Start of its validity window (RFC 3339), if declared (required for logs).
    pub valid_from: Option<String>,
    /// End of its validity window (RFC 3339, inclusive); `None` means still valid.
    pub valid_until: Option<String>,
}

/// A trusted root, parsed, checked and ready to verify bundles with.
///
/// Loading builds the sigstore-verify `Verifier` at once, so malformed keys, certificates,
/// duplicate log IDs or inverted windows are reported when the root is loaded, not when the
/// first bundle is checked.
pub struct TrustRoot {
    name: String,
    pub(crate) verifier: Verifier,
    authorities: Vec<Authority>,
    pub(crate) has_tlogs: bool,
    pub(crate) has_ctlogs: bool,
}

impl std::fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot")
            .field("name", &self.name)
            .field("authorities", &self.authorities)
            .finish_non_exhaustive()
    }
}

impl TrustRoot {
    /// The embedded Sigstore public-good root ([`PUBLIC_GOOD_ROOT_JSON`], snapshot of
    /// [`PUBLIC_GOOD_ROOT_DATE`]).
    pub fn public_good() -> Result<TrustRoot, KeylessError> {
        TrustRoot::from_json(PUBLIC_GOOD_ROOT_JSON, "embedded public-good trusted root")
    }

    /// Reads a `trusted_root.json` from bytes; `name` is used in errors.
    pub fn from_json(bytes: &[u8], name: &str) -> Result<TrustRoot, KeylessError> {
        crate::provider::install();
        let checked = json::check(
            bytes,
            name,
            "trusted root",
            Step::TrustRoot,
            MAX_TRUST_ROOT_BYTES,
        )?;
        let value: serde_json::Value = serde_json::from_str(checked.text)
            .map_err(|e| json::from_serde(bytes, name, "trusted root", Step::TrustRoot, &e))?;
        let unusable = |detail: String| KeylessError::TrustRoot {
            name: name.to_string(),
            detail: escape(&detail),
        };
        let media_type = value
            .get("mediaType")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| unusable("no mediaType".to_string()))?;
        if !media_type.starts_with(TRUST_ROOT_MEDIA_TYPE_PREFIX) {
            return Err(unusable(format!(
                "media type {media_type:?} is not a Sigstore trusted root"
            )));
        }
        let root: TrustedRoot =
            serde_json::from_value(value).map_err(|e| unusable(e.to_string()))?;
        let count = root.tlogs.len()
            + root.ctlogs.len()
            + root.certificate_authorities.len()
            + root.timestamp_authorities.len();
        if count > MAX_AUTHORITIES {
            return Err(unusable(format!(
                "{count} authorities, more than the limit of {MAX_AUTHORITIES}"
            )));
        }
        if count == 0 {
            return Err(unusable("it declares no authority at all".to_string()));
        }
        let verifier = Verifier::new(&root)
            .map_err(|e| KeylessError::from_verify(name, e))
            .map_err(|e| match e {
                KeylessError::TrustRoot { .. } => e,
                other => unusable(other.to_string()),
            })?;
        Ok(TrustRoot {
            name: name.to_string(),
            verifier,
            authorities: authorities(&root),
            has_tlogs: !root.tlogs.is_empty(),
            has_ctlogs: !root.ctlogs.is_empty(),
        })
    }

    /// The source name given when loading.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every authority with its window, CAs first, then logs, CT logs, TSAs.
    pub fn authorities(&self) -> &[Authority] {
        &self.authorities
    }

    /// The newest validity start in the root (RFC 3339): how recent the snapshot is.
    pub fn newest_validity_start(&self) -> Option<&str> {
        self.authorities
            .iter()
            .filter_map(|a| a.valid_from.as_deref())
            .max_by(|a, b| compare_rfc3339(a, b))
    }

    /// Whether the root declares transparency logs. Without any (GitHub's instance), bundles
    /// are verified with RFC 3161 timestamps alone and must carry no log entry.
    pub fn has_transparency_logs(&self) -> bool {
        self.has_tlogs
    }

    /// Whether the root declares CT logs. Without any (GitHub's instance), no SCT is required.
    pub fn has_ct_logs(&self) -> bool {
        self.has_ctlogs
    }
}

fn compare_rfc3339(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn authorities(root: &TrustedRoot) -> Vec<Authority> {
    let window = |range: Option<sigstore_verify::types::TimeRange>| match range {
        Some(r) => (Some(r.start.to_string()), r.end.map(|e| e.to_string())),
        None => (None, None),
    };
    let mut out = Vec::new();
    for ca in &root.certificate_authorities {
        let (valid_from, valid_until) = window(ca.valid_for);
        out.push(Authority {
            kind: AuthorityKind::CertificateAuthority,
            uri: escape(&ca.uri),
            valid_from,
            valid_until,
        });
    }
    for log in &root.tlogs {
        let (valid_from, valid_until) = window(log.public_key.valid_for);
        out.push(Authority {
            kind: AuthorityKind::TransparencyLog,
            uri: escape(&log.base_url),
            valid_from,
            valid_until,
        });
    }
    for log in &root.ctlogs {
        let (valid_from, valid_until) = window(log.public_key.valid_for);
        out.push(Authority {
            kind: AuthorityKind::CtLog,
            uri: escape(&log.base_url),
            valid_from,
            valid_until,
        });
    }
    for tsa in &root.timestamp_authorities {
        let (valid_from, valid_until) = window(tsa.valid_for);
        out.push(Authority {
            kind: AuthorityKind::TimestampAuthority,
            uri: escape(tsa.uri.as_deref().unwrap_or("")),
            valid_from,
            valid_until,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_root_loads_and_its_date_is_its_newest_validity_start() {
        let root = TrustRoot::public_good().unwrap();
        let newest = root.newest_validity_start().unwrap();
        assert!(newest.starts_with(PUBLIC_GOOD_ROOT_DATE), "{newest}");
        let parsed: jiff::Timestamp = newest.parse().unwrap();
        assert_eq!(parsed.as_second() as u64, PUBLIC_GOOD_ROOT_UNIX);
        assert!(root.has_transparency_logs() && root.has_ct_logs());
        let kinds: Vec<AuthorityKind> = root.authorities().iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AuthorityKind::CertificateAuthority,
                AuthorityKind::CertificateAuthority,
                AuthorityKind::TransparencyLog,
                AuthorityKind::TransparencyLog,
                AuthorityKind::CtLog,
                AuthorityKind::CtLog,
                AuthorityKind::TimestampAuthority,
            ]
        );
    }

    #[test]
    fn age_counts_from_the_snapshot_date() {
        let a_year_later =
            SystemTime::UNIX_EPOCH + Duration::from_secs(PUBLIC_GOOD_ROOT_UNIX + 365 * 86_400);
        assert_eq!(embedded_root_age(a_year_later).as_secs() / 86_400, 365);
        assert_eq!(embedded_root_age(SystemTime::UNIX_EPOCH), Duration::ZERO);
        let notice = embedded_root_notice(a_year_later);
        assert!(notice.contains("2025-09-23 (365 days old)"), "{notice}");
    }

    #[test]
    fn a_document_of_another_media_type_is_refused() {
        let err = TrustRoot::from_json(
            br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#,
            "root.json",
        )
        .unwrap_err();
        assert_eq!(err.step(), Step::TrustRoot);
        assert!(
            err.to_string().contains("not a Sigstore trusted root"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_root_is_refused() {
        let err = TrustRoot::from_json(
            br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
            "root.json",
        )
        .unwrap_err();
        assert!(err.to_string().contains("no authority"), "{err}");
    }
}
