//! End-to-end tests of keygen, attest and verify.
