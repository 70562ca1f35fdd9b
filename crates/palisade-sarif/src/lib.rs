//! palisade-sarif (work in progress).
