//! palisade-syntax (work in progress).
