//! safetensors: an 8-byte little-endian header length, a JSON header, the tensor data. The
//! header is checked the way the `safetensors` library (0.8) checks it before loading:
//! length at most 100 MB and within the file, UTF-8 JSON starting with `{`, `__metadata__` a
//! string-to-string map, each tensor a known dtype whose `shape` × dtype size equals its
//! `data_offsets` span, and the spans, sorted, tiling the data exactly (no overlap, no gap,
//! ending at the end of the file).
//!
//! A header that cannot be read (too long, past the file, not JSON) makes the file
//! unreadable; a header that reads but breaks a rule is a `MalformedHeader` finding per
//! problem: the library refuses such a file, and another reader might not.

use crate::error::ModelFormatError;
use crate::json::{self, Json};
use crate::source::{Place, Source};
use crate::text::shown;
use crate::{FindingKind, Findings, Format, Limits};

/// The library's `MAX_HEADER_SIZE`.
const MAX_HEADER: u64 = 100_000_000;

/// Bits per element of each dtype the library knows (0.8: sub-byte floats included).
const DTYPES: &[(&str, u64)] = &[
    ("BOOL", 8),
    ("F4", 4),
    ("F6_E2M3", 6),
    ("F6_E3M2", 6),
    ("U8", 8),
    ("I8", 8),
    ("F8_E5M2", 8),
    ("F8_E4M3", 8),
    ("F8_E8M0", 8),
    ("I16", 16),
    ("U16", 16),
    ("F16", 16),
    ("BF16", 16),
    ("I32", 32),
    ("U32", 32),
    ("F32", 32),
    ("C64", 64),
    ("F64", 64),
    ("I64", 64),
    ("U64", 64),
];

/// One tensor entry that passed its own checks.
struct Span {
    name: String,
    begin: u64,
    end: u64,
}

/// Reads the header of the safetensors file in `src` and records findings.
pub(crate) fn check(
    src: &mut Source<'_>,
    place: Place<'_>,
    limits: &Limits,
    findings: &mut Findings,
) -> Result<(), ModelFormatError> {
    let size = src.size();
    let head = src.read_up_to(0, 8).map_err(|e| place.io(0, &e))?;
    let Ok(len_bytes) = <[u8; 8]>::try_from(head.as_slice()) else {
        return Err(place.malformed(0, "truncated: no 8-byte header length"));
    };
    let header_len = u64::from_le_bytes(len_bytes);
    let cap = MAX_HEADER.min(limits.max_json_bytes);
    if header_len > cap {
        return Err(place.limit(0, "bytes of header", cap));
    }
    if header_len > size - 8 {
        return Err(place.malformed(
            0,
            format!("header length {header_len} runs past the end of the file ({size} bytes)"),
        ));
    }
    let header = src.read_at(8, header_len).map_err(|e| place.io(8, &e))?;
    if header.first() != Some(&b'{') {
        return Err(place.malformed(8, "the header does not start with `{`"));
    }
    let header_path = format!("{} (header)", place.path);
    let json = json::parse(&header, &header_path, limits.max_json_depth)?;
    let Json::Object(entries) = json else {
        return Err(ModelFormatError::Shape {
            path: header_path,
            format: Format::Safetensors,
            reason: format!("the header is {}, not an object", json.kind()),
        });
    };
    let mut spans = Vec::new();
    for (name, entry) in &entries {
        if name == "__metadata__" {
            metadata(entry, findings);
        } else if let Some(span) = tensor(name, entry, findings) {
            spans.push(span);
        }
    }
    layout(spans, size - 8 - header_len, findings);
    Ok(())
}

fn malformed(findings: &mut Findings, name: &str, detail: &str) {
    findings.push(FindingKind::MalformedHeader, name, detail);
}

fn metadata(entry: &Json, findings: &mut Findings) {
    let ok = match entry {
        Json::Object(pairs) => pairs.iter().all(|(_, v)| matches!(v, Json::String(_))),
        _ => false,
    };
    if !ok {
        malformed(
            findings,
            "__metadata__",
            "__metadata__ is not a map of strings to strings",
        );
    }
}

/// Checks one tensor entry on its own; returns its span when its offsets are a valid pair (a
/// tensor with a bad dtype or size still takes its place in the layout check).
fn tensor(name: &str, entry: &Json, findings: &mut Findings) -> Option<Span> {
    let shown_name = shown(name.as_bytes());
    let mut problem = |detail: String| malformed(findings, &shown_name, &detail);
    if !matches!(entry, Json::Object(_)) {
        problem(format!("entry is {}, not an object", entry.kind()));
        return None;
    }
    let offsets = match entry.get("data_offsets") {
        Some(Json::Array(pair)) if pair.len() == 2 => pair[0].as_u64().zip(pair[1].as_u64()),
        _ => None,
    };
    let span = match offsets {
        Some((begin, end)) if end >= begin => Some(Span {
            name: shown_name.clone(),
            begin,
            end,
        }),
        Some((begin, end)) => {
            problem(format!(
                "data_offsets [{begin}, {end}] end before they begin"
            ));
            None
        }
        None => {
            problem("data_offsets is not a pair of non-negative integers".to_owned());
            None
        }
    };
    let dtype = entry.get("dtype").and_then(Json::as_str);
    let Some(&(_, bits)) = dtype.and_then(|d| DTYPES.iter().find(|(n, _)| *n == d)) else {
        problem(match dtype {
            Some(d) => format!("unknown dtype `{}`", shown(d.as_bytes())),
            None => "no dtype string".to_owned(),
        });
        return span;
    };
    let shape = match entry.get("shape") {
        Some(Json::Array(dims)) => dims.iter().map(Json::as_u64).collect::<Option<Vec<_>>>(),
        _ => None,
    };
    let Some(shape) = shape else {
        problem("shape is not a list of non-negative integers".to_owned());
        return span;
    };
    let nbits = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .and_then(|n| n.checked_mul(bits));
    match (nbits, &span) {
        (None, _) => problem(format!("shape {shape:?} overflows")),
        (Some(nbits), _) if nbits % 8 != 0 => {
            problem(format!(
                "shape {shape:?} of {nbits} bits is not whole bytes"
            ));
        }
        (Some(nbits), Some(span)) if nbits / 8 != span.end - span.begin => problem(format!(
            "shape {shape:?} of dtype {} needs {} bytes but data_offsets [{}, {}] span {}",
            dtype.unwrap_or("?"),
            nbits / 8,
            span.begin,
            span.end,
            span.end - span.begin
        )),
        _ => {}
    }
    span
}

/// The spans, sorted, must tile `0..data_len` exactly.
fn layout(mut spans: Vec<Span>, data_len: u64, findings: &mut Findings) {
    spans.sort_by_key(|s| (s.begin, s.end));
    let mut covered = 0u64;
    let mut previous: Option<&str> = None;
    for span in &spans {
        let after = match previous {
            Some(name) => format!("tensor `{name}`"),
            None => "the start of the data".to_owned(),
        };
        if span.begin < covered {
            malformed(
                findings,
                &span.name,
                &format!(
                    "data_offsets [{}, {}] overlap {after}, which ends at {covered}",
                    span.begin, span.end
                ),
            );
        } else if span.begin > covered {
            malformed(
                findings,
                &span.name,
                &format!(
                    "data_offsets [{}, {}] leave a gap after {after}, which ends at {covered}",
                    span.begin, span.end
                ),
            );
        }
        if span.end > data_len {
            malformed(
                findings,
                &span.name,
                &format!(
                    "data_offsets [{}, {}] run past the end of the data ({data_len} bytes)",
                    span.begin, span.end
                ),
            );
        }
        covered = covered.max(span.end);
        previous = Some(&span.name);
    }
    if covered < data_len {
        malformed(
            findings,
            "data",
            &format!("{} bytes after the last tensor's data", data_len - covered),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn file(header: &str, data: usize) -> Vec<u8> {
        let mut f = (header.len() as u64).to_le_bytes().to_vec();
        f.extend(header.as_bytes());
        f.extend(vec![0u8; data]);
        f
    }

    fn run(bytes: &[u8]) -> Result<Vec<(String, String)>, ModelFormatError> {
        let mut cursor = Cursor::new(bytes.to_vec());
        let mut src = Source::new(&mut cursor, bytes.len() as u64);
        let place = Place {
            path: "t.safetensors",
            format: "safetensors",
        };
        let mut findings = Findings::new("t.safetensors", 100);
        check(&mut src, place, &Limits::default(), &mut findings)?;
        Ok(findings
            .into_parts()
            .0
            .into_iter()
            .map(|f| (f.location, f.detail))
            .collect())
    }

    #[test]
    fn a_well_formed_header_is_clean() {
        let header = r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F4","shape":[0],"data_offsets":[12,12]},"f":{"dtype":"F4","shape":[2,3],"data_offsets":[12,15]}}  "#;
        assert_eq!(run(&file(header, 15)).unwrap(), []);
    }

    #[test]
    fn every_rule_the_library_enforces() {
        let cases: &[(&str, usize, &str)] = &[
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                12,
                "data_offsets [4, 12] overlap tensor `a`, which ends at 8",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                12,
                "data_offsets [4, 12] leave a gap after the start of the data, which ends at 0",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                4,
                "data_offsets [0, 8] run past the end of the data (4 bytes)",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                9,
                "1 bytes after the last tensor's data",
            ),
            (
                r#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#,
                8,
                "unknown dtype `Q4`",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                8,
                "shape [3] of dtype F32 needs 12 bytes but data_offsets [0, 8] span 8",
            ),
            (
                r#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#,
                2,
                "shape [3] of 12 bits is not whole bytes",
            ),
            (
                r#"{"a":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,0]}}"#,
                0,
                "shape [4294967296, 4294967296, 2] overflows",
            ),
            (
                r#"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#,
                0,
                "shape is not a list of non-negative integers",
            ),
            (
                r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}"#,
                0,
                "data_offsets [1, 0] end before they begin",
            ),
            (
                r#"{"__metadata__":{"k":1}}"#,
                0,
                "__metadata__ is not a map of strings to strings",
            ),
        ];
        for (header, data, expected) in cases {
            let found = run(&file(header, *data)).unwrap();
            assert!(
                found.iter().any(|(_, d)| d == expected),
                "{header}: {found:?}"
            );
        }
    }

    #[test]
    fn unreadable_headers() {
        let mut huge = (1u64 << 40).to_le_bytes().to_vec();
        huge.extend(b"{}");
        assert!(run(&huge).unwrap_err().to_string().contains("(limit)"));
        let mut past = 100u64.to_le_bytes().to_vec();
        past.extend(b"{}");
        assert!(
            run(&past)
                .unwrap_err()
                .to_string()
                .contains("runs past the end")
        );
        assert!(
            run(&file("[]", 0))
                .unwrap_err()
                .to_string()
                .contains("does not start")
        );
        assert!(
            run(&file("{\"a\":", 0))
                .unwrap_err()
                .to_string()
                .contains("invalid JSON")
        );
        assert!(
            run(b"\x02\x00")
                .unwrap_err()
                .to_string()
                .contains("truncated")
        );
        assert!(
            run(&file(r#"{"a":1,"a":2}"#, 0))
                .unwrap_err()
                .to_string()
                .contains("duplicate key a")
        );
    }
}
