//! palisade-cyclonedx (work in progress).
