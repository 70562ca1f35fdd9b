//! Reading evidence files: every one through the pipeline's confined [`Folder`] (inside the
//! pipeline's folder unless `--allow-outside`, regular files only, size-capped), with its
//! sha256 recorded for the attestation's `inputAttestations`.

use palisade_core::Digest;
use palisade_core::fs::Folder;
use palisade_graph::EvidenceFile;
use palisade_syntax::PathValue;

/// Reads and parses an evidence file, and records its sha256 (from the bytes read once).
/// `what` names the kind of evidence in a size error.
pub(crate) fn read_evidence<T>(
    folder: &Folder,
    path: &PathValue,
    what: &str,
    limit: u64,
    parse: impl FnOnce(&[u8]) -> Result<T, miette::Report>,
) -> Result<(T, EvidenceFile), miette::Report> {
    use sha2::Digest as _;
    let bytes = folder
        .read(&path.resolved, &path.written, what, limit)
        .map_err(miette::Report::new)?;
    let value = parse(&bytes)?;
    let file = EvidenceFile {
        path: path.written.clone(),
        digest: Digest::sha256(sha2::Sha256::digest(&bytes).into()),
    };
    Ok((value, file))
}

/// Reads a Sigstore bundle, DSSE envelope or model-signing bundle.
pub(crate) fn read_bundle(
    folder: &Folder,
    path: &PathValue,
    what: &str,
) -> Result<(palisade_sigstore::bundle::Bundle, EvidenceFile), miette::Report> {
    let limit = u64::try_from(palisade_sigstore::bundle::MAX_BUNDLE_BYTES).unwrap_or(u64::MAX);
    read_evidence(folder, path, what, limit, |bytes| {
        palisade_sigstore::bundle::parse(bytes, &path.written).map_err(miette::Report::new)
    })
}
