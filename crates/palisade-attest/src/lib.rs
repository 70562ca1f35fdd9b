//! palisade-attest (work in progress).
