//! Shared helpers for reading untrusted JSON documents with precise error places.

use base64::Engine as _;
use serde_json::{Map, Value};

/// A JSON syntax error in a named file, with the place it occurred.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}:{line}:{column}: not valid JSON: {reason}")]
#[diagnostic(code(palisade::json::syntax))]
pub struct JsonSyntaxError {
    /// The file's name.
    pub file: String,
    /// 1-based line of the error.
    pub line: usize,
    /// 1-based column of the error.
    pub column: usize,
    /// What the JSON parser said.
    pub reason: String,
    /// The file's text.
    #[source_code]
    pub src: miette::NamedSource<String>,
    /// Where the error is.
    #[label("here")]
    pub span: miette::SourceSpan,
}

impl JsonSyntaxError {
    /// Builds the error for `err` raised while parsing `text` (from `file`).
    pub(crate) fn new(file: &str, text: &str, err: &serde_json::Error) -> Box<Self> {
        let place = syntax_place(text, err);
        Box::new(JsonSyntaxError {
            file: file.to_string(),
            line: place.line,
            column: place.column,
            // serde_json appends " at line L column C"; the place is already in the message.
            reason: {
                let full = err.to_string();
                let suffix = format!(" at line {} column {}", err.line(), err.column());
                full.strip_suffix(&suffix).unwrap_or(&full).to_string()
            },
            src: miette::NamedSource::new(file, text.to_string()),
            span: miette::SourceSpan::from((place.offset, 0)),
        })
    }
}

/// Where a JSON syntax error sits: 1-based line and column, and the byte offset.
pub(crate) struct SyntaxPlace {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// The byte offset of serde_json's 1-based (line, column), clamped to the text.
pub(crate) fn syntax_place(text: &str, err: &serde_json::Error) -> SyntaxPlace {
    let (line, column) = (err.line(), err.column());
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            offset += column.saturating_sub(1).min(l.len());
            break;
        }
        offset += l.len();
    }
    SyntaxPlace {
        line,
        column,
        offset: offset.min(text.len()),
    }
}

/// `someField` → `some_field`: protobuf's JSON mapping accepts both spellings.
fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Looks up a field by its camelCase name, or its snake_case spelling.
pub(crate) fn field<'v>(obj: &'v Map<String, Value>, camel: &str) -> Option<&'v Value> {
    obj.get(camel).or_else(|| obj.get(&snake(camel)))
}

/// A JSON-pointer-like path (`/a/0/b`), built as we descend.
pub(crate) fn join(path: &str, key: &str) -> String {
    format!("{path}/{key}")
}

/// The JSON type name of a value, for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decodes base64 as DSSE and protobuf JSON allow: standard or URL-safe alphabet, with or
/// without padding, ignoring no other characters.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, config);
    standard
        .decode(text)
        .or_else(|_| url_safe.decode(text))
        .map_err(|e| format!("not valid base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_accepts_both_alphabets_and_optional_padding() {
        assert_eq!(decode_base64("+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_base64("+/8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_base64("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode_base64("a b").is_err());
    }

    #[test]
    fn snake_case_fallback() {
        let v: Value = serde_json::json!({"payload_type": "x"});
        let obj = v.as_object().unwrap();
        assert_eq!(field(obj, "payloadType"), Some(&Value::String("x".into())));
    }

    #[test]
    fn syntax_place_points_at_the_error() {
        let text = "{\n  \"a\": 1,,\n}";
        let err = serde_json::from_str::<Value>(text).unwrap_err();
        let place = syntax_place(text, &err);
        assert_eq!((place.line, place.column), (2, 10));
        assert_eq!(&text[place.offset - 1..=place.offset], ",,");
    }
}
