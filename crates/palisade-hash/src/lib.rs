//! palisade-hash (work in progress).
