//! palisade-sigstore (work in progress).
