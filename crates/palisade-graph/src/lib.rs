//! palisade-graph (work in progress).
