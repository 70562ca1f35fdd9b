//! The registry of diagnostic codes is complete and true: every `palisade::…` code any crate's
//! library code emits is listed once in `palisade_core::codes::CODES`, every listed code is
//! still emitted, and `docs/diagnostics.md` is the table's rendering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use palisade_core::codes::{CODES, markdown};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Codes written as `code(palisade::a::b)` or as a string literal `"palisade::a::b"`.
fn codes_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (prefix, end) in [("code(palisade::", ')'), ("\"palisade::", '"')] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let len = after
                .find(|c: char| {
                    !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':')
                })
                .unwrap_or(after.len());
            let body = &after[..len];
            if after[len..].starts_with(end) && !body.is_empty() && !body.ends_with(':') {
                found.push(format!("palisade::{body}"));
            }
            rest = &after[len..];
        }
    }
    found
}

fn emitted() -> BTreeSet<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Code in unit-test modules may name codes only to assert on them.
        let library = text.split("#[cfg(test)]").next().unwrap_or("");
        codes.extend(codes_in(library));
    }
    codes
}

#[test]
fn every_emitted_code_is_registered_and_every_registered_code_is_emitted() {
    let emitted = emitted();
    let registered: BTreeSet<String> = CODES.iter().map(|c| c.code.to_owned()).collect();
    let missing: Vec<_> = emitted.difference(&registered).collect();
    let stale: Vec<_> = registered.difference(&emitted).collect();
    assert!(
        missing.is_empty(),
        "codes emitted but not in palisade_core::codes::CODES (add them with a meaning): {missing:#?}"
    );
    assert!(
        stale.is_empty(),
        "codes registered but no longer emitted: {stale:#?}"
    );
    assert_eq!(registered.len(), CODES.len(), "a code is listed twice");
    assert!(CODES.iter().all(|c| !c.meaning.is_empty()));
}

#[test]
fn docs_diagnostics_md_is_the_table() {
    let path = root().join("docs/diagnostics.md");
    let expected = markdown();
    if std::env::var_os("PALISADE_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is out of date: run PALISADE_BLESS=1 cargo test -p palisade-core --test codes"
    );
}
