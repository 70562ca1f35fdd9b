//! palisade-evidence (work in progress).
