//! palisade-pickle (work in progress).
