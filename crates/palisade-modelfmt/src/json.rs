//! JSON for hostile files: a tree that keeps every key in order, refuses duplicate keys (Python's
//! `json` keeps the last one, serde maps keep one too: a decoy `class_name` must not hide the
//! real one) and refuses nesting past a depth limit.

use std::collections::HashSet;
use std::fmt;

use miette::{NamedSource, SourceSpan};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::ModelFormatError;

/// A JSON value. Objects keep their keys in file order (no duplicates).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// A JSON number as serde_json read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl Json {
    /// The value of `key` in an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The non-negative integer, if this is one.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(Number::Unsigned(n)) => Some(*n),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses `bytes` (UTF-8 JSON, nothing but whitespace after the value); `path` names it in
/// errors, which carry the text and the place.
pub(crate) fn parse(bytes: &[u8], path: &str, max_depth: usize) -> Result<Json, ModelFormatError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Seed {
        depth: 0,
        max_depth,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    value.map_err(|e| {
        let reason = crate::text::escape_controls(&strip_position(&e.to_string()));
        let offset = offset_of(bytes, e.line(), e.column());
        ModelFormatError::Json {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            reason,
            src: NamedSource::new(path, String::from_utf8_lossy(bytes).into_owned()),
            span: SourceSpan::from((offset, 0)),
        }
    })
}

/// serde_json appends " at line L column C"; the error already has both.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match bytes[offset..].iter().position(|&b| b == b'\n') {
            Some(nl) => offset += nl + 1,
            None => return bytes.len(),
        }
    }
    (offset + column.saturating_sub(1)).min(bytes.len())
}

#[derive(Clone, Copy)]
struct Seed {
    depth: usize,
    max_depth: usize,
}

impl Seed {
    fn deeper<E: de::Error>(self) -> Result<Seed, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(format_args!(
                "nested deeper than {} levels (limit)",
                self.max_depth
            )));
        }
        Ok(Seed {
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(Number::Unsigned(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(match u64::try_from(v) {
            Ok(u) => Number::Unsigned(u),
            Err(_) => Number::Signed(v),
        }))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(Number::Float(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let inner = self.deeper()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let inner = self.deeper()?;
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}",
                    crate::text::shown(key.as_bytes())
                )));
            }
            let value = map.next_value_seed(inner)?;
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ModelFormatError {
        parse(text.as_bytes(), "t.json", 4).unwrap_err()
    }

    #[test]
    fn keeps_order_and_types() {
        let v = parse(br#"{"b": [1, -2, 1.5, "x", null, true], "a": {}}"#, "t", 8).unwrap();
        let Json::Object(entries) = &v else {
            panic!("{v:?}")
        };
        assert_eq!(entries[0].0, "b");
        assert_eq!(
            v.get("b"),
            Some(&Json::Array(vec![
                Json::Number(Number::Unsigned(1)),
                Json::Number(Number::Signed(-2)),
                Json::Number(Number::Float(1.5)),
                Json::String("x".into()),
                Json::Null,
                Json::Bool(true),
            ]))
        );
    }

    #[test]
    fn refuses_duplicates_depth_and_trailing_data() {
        let dup = err("{\n  \"class_name\": \"Dense\",\n  \"class_name\": \"Lambda\"}");
        assert_eq!(
            dup.to_string(),
            "t.json:3:14: invalid JSON: duplicate key class_name"
        );
        let ModelFormatError::Json { span, .. } = dup else {
            panic!()
        };
        assert_eq!(span.offset(), 40); // the closing quote of the second key
        assert_eq!(
            err("[[[[[1]]]]]").to_string(),
            "t.json:1:5: invalid JSON: nested deeper than 4 levels (limit)"
        );
        assert!(parse(b"[[[[1]]]]", "t", 4).is_ok());
        assert!(err("{} x").to_string().contains("trailing characters"));
        assert!(err("{\"a\": NaN}").to_string().contains("invalid JSON"));
    }
}
