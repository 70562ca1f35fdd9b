//! The registry of diagnostic codes: every `palisade::…` code any crate emits, with what it
//! means. Users grep for codes and link to them, so they are API: a test
//! (`tests/codes.rs`) fails if a crate emits a code that is not listed here, if a listed code
//! is no longer emitted, if a code is listed twice, or if `docs/diagnostics.md` (generated from
//! this table) is out of date.

/// One diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The code, `palisade::<area>::<what>`.
    pub code: &'static str,
    /// What it means, in one sentence.
    pub meaning: &'static str,
}

const fn code(code: &'static str, meaning: &'static str) -> Code {
    Code { code, meaning }
}

/// Every code, grouped by area, in the order `docs/diagnostics.md` lists them.
pub const CODES: &[Code] = &[code("palisade::usage", "a command-line usage error")];

/// The entry for `code`, if registered.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}
