//! OLPC canonical JSON, as securesystemslib's `encode_canonical` writes it: what classic in-toto
//! link metadata is signed over.
//!
//! Object keys sorted by code point, no whitespace, integers only (a float is an error, as in
//! securesystemslib), strings in UTF-8 with only `\` and `"` escaped (every other character,
//! control characters included, is written as itself).

use serde_json::Value;

/// Deepest nesting of arrays and objects encoded (a link's free-form `byproducts` and
/// `environment` need a handful of levels).
pub const MAX_CANONICAL_DEPTH: usize = 64;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CanonicalError {
    /// A number that is not an integer (securesystemslib refuses floats).
    Float(String),
    /// Nested deeper than [`MAX_CANONICAL_DEPTH`].
    TooDeep,
}

/// The canonical bytes of `value`.
pub(crate) fn encode(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write(value, 0, &mut out)?;
    Ok(out)
}

fn write(value: &Value, depth: usize, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(CanonicalError::Float(n.to_string()));
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            if depth >= MAX_CANONICAL_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, depth + 1, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            if depth >= MAX_CANONICAL_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            // Sorted here, not by relying on the map: serde_json's `preserve_order` feature
            // (enabled by any crate in the build) would keep insertion order instead. Rust
            // orders strings by UTF-8 bytes, which is Python's code-point order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(key, out);
                out.push(b':');
                write(item, depth + 1, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        if b == b'\\' || b == b'"' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: &Value) -> String {
        String::from_utf8(encode(v).unwrap()).unwrap()
    }

    #[test]
    fn matches_securesystemslib_examples() {
        // The doctests of securesystemslib.formats.encode_canonical.
        assert_eq!(text(&json!("")), r#""""#);
        assert_eq!(text(&json!([1, 2, 3])), "[1,2,3]");
        assert_eq!(text(&json!([])), "[]");
        assert_eq!(text(&json!({"A": [99]})), r#"{"A":[99]}"#);
        assert_eq!(text(&json!({"x": 3, "y": 2})), r#"{"x":3,"y":2}"#);
    }

    #[test]
    fn escapes_only_quote_and_backslash() {
        // encode_canonical('a"b\\c\n\u00e9\u0001') == '"a\\"b\\\\c\n\u00e9\u0001"' (raw newline).
        assert_eq!(
            text(&json!("a\"b\\c\n\u{e9}\u{1}")),
            "\"a\\\"b\\\\c\n\u{e9}\u{1}\""
        );
    }

    #[test]
    fn sorts_by_code_point_and_refuses_floats() {
        assert_eq!(
            text(&json!({"b": null, "a": true, "B": false, "é": -1, "z": 18446744073709551615u64})),
            r#"{"B":false,"a":true,"b":null,"z":18446744073709551615,"é":-1}"#
        );
        assert_eq!(
            encode(&json!({"a": 1.5})),
            Err(CanonicalError::Float("1.5".into()))
        );
        // serde_json reads `-0` as a float, where Python reads the integer 0: refused, which
        // fails closed (the link is unreadable, never wrongly verified).
        let minus_zero: Value = serde_json::from_str("-0").unwrap();
        assert_eq!(
            encode(&minus_zero),
            Err(CanonicalError::Float("-0.0".into()))
        );
    }

    #[test]
    fn depth_is_limited() {
        let mut v = json!(1);
        for _ in 0..MAX_CANONICAL_DEPTH {
            v = json!([v]);
        }
        assert!(encode(&v).is_ok());
        v = json!({ "k": v });
        assert_eq!(encode(&v), Err(CanonicalError::TooDeep));
    }
}
