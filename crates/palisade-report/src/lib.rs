//! palisade-report (work in progress).
