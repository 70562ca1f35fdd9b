//! One input being read: its name and text, the checks every reader makes first (size, UTF-8,
//! JSON nesting) and the constructors of errors that point into it.

use serde::de::DeserializeOwned;

use crate::error::{AiError, escape, line_column, named_source, offset_of, span_at};

/// Deepest nesting of JSON arrays/objects (or YAML collections, or XML elements) accepted. The
/// formats read here need about 10 levels; tool-specific `metadata`/`kwargs` bags get the rest.
pub const MAX_DEPTH: usize = 64;

/// An input's name (for messages) and its text (for spans).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl<'a> Source<'a> {
    /// Checks the size limit and UTF-8, and skips a byte-order mark.
    pub fn decode(bytes: &'a [u8], name: &'a str, limit: u64) -> Result<Source<'a>, AiError> {
        if bytes.len() as u64 > limit {
            return Err(AiError::TooLarge {
                name: name.to_owned(),
                size: bytes.len() as u64,
                limit,
            });
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.valid_up_to();
                // The prefix is valid UTF-8 by definition, so positions are counted in it.
                let prefix = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
                let (line, column) = line_column(prefix, offset);
                return Err(AiError::NotUtf8 {
                    name: name.to_owned(),
                    line,
                    column,
                    offset,
                });
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Ok(Source { name, text })
    }

    /// The byte offset of `part` (a slice of this text) in the text.
    pub fn offset_of_slice(&self, part: &str) -> usize {
        let start = part.as_ptr() as usize;
        let base = self.text.as_ptr() as usize;
        start.saturating_sub(base).min(self.text.len())
    }

    pub fn syntax(&self, format: &'static str, offset: usize, reason: &str) -> AiError {
        let (line, column) = line_column(self.text, offset);
        let reason = escape(reason);
        AiError::Syntax {
            name: self.name.to_owned(),
            format,
            line,
            column,
            reason,
            src: named_source(self.name, self.text),
            span: span_at(self.text, offset),
        }
    }

    pub fn too_deep(&self, offset: usize, limit: usize) -> AiError {
        let (line, column) = line_column(self.text, offset);
        AiError::TooDeep {
            name: self.name.to_owned(),
            line,
            column,
            limit,
            src: named_source(self.name, self.text),
            span: span_at(self.text, offset),
        }
    }

    pub fn invalid(&self, pointer: &str, offset: usize, reason: &str) -> AiError {
        let (line, column) = line_column(self.text, offset);
        AiError::InvalidValue {
            name: self.name.to_owned(),
            line,
            column,
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                escape(pointer)
            },
            reason: escape(reason),
            src: named_source(self.name, self.text),
            span: span_at(self.text, offset),
        }
    }

    pub fn limit(&self, what: impl Into<String>, limit: u64) -> AiError {
        AiError::Limit {
            name: self.name.to_owned(),
            what: escape(&what.into()),
            limit,
        }
    }

    pub fn unknown_format(&self, expected: &'static str, found: &str) -> AiError {
        AiError::UnknownFormat {
            name: self.name.to_owned(),
            expected,
            found: escape(found),
        }
    }

    pub fn unsupported(&self, reason: &str) -> AiError {
        AiError::Unsupported {
            name: self.name.to_owned(),
            reason: escape(reason),
        }
    }

    pub fn inconsistent(&self, reason: &str) -> AiError {
        AiError::Inconsistent {
            name: self.name.to_owned(),
            reason: escape(reason),
        }
    }

    /// Fails if JSON arrays/objects in `part` (a slice of this text) nest deeper than `limit`.
    /// A byte scan outside strings: cheap, and it gives the exact place, which serde_json's
    /// own recursion limit (128) does not.
    pub fn check_json_depth(&self, part: &str, limit: usize) -> Result<(), AiError> {
        let base = self.offset_of_slice(part);
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        for (i, byte) in part.bytes().enumerate() {
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Err(self.too_deep(base + i, limit));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    /// The byte offset of the value at a JSON pointer (`/guards/0/validators/1/on`) in this
    /// text, for errors found after parsing; the start of the text when it cannot be found.
    /// The text is valid JSON and depth-checked by then, so a plain scan suffices.
    pub fn locate(&self, pointer: &str) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = skip_ws(bytes, 0);
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            match bytes.get(at) {
                Some(b'{') => {
                    at = skip_ws(bytes, at + 1);
                    loop {
                        if bytes.get(at) != Some(&b'"') {
                            return 0;
                        }
                        let end = skip_string(bytes, at);
                        let key: Option<String> = serde_json::from_str(&self.text[at..end]).ok();
                        at = skip_ws(bytes, end);
                        if bytes.get(at) != Some(&b':') {
                            return 0;
                        }
                        at = skip_ws(bytes, at + 1);
                        if key.as_deref() == Some(segment.as_str()) {
                            break;
                        }
                        at = skip_ws(bytes, skip_value(bytes, at));
                        match bytes.get(at) {
                            Some(b',') => at = skip_ws(bytes, at + 1),
                            _ => return 0,
                        }
                    }
                }
                Some(b'[') => {
                    let Ok(index) = segment.parse::<usize>() else {
                        return 0;
                    };
                    at = skip_ws(bytes, at + 1);
                    for _ in 0..index {
                        at = skip_ws(bytes, skip_value(bytes, at));
                        match bytes.get(at) {
                            Some(b',') => at = skip_ws(bytes, at + 1),
                            _ => return 0,
                        }
                    }
                }
                _ => return 0,
            }
        }
        at.min(self.text.len())
    }

    /// Deserializes `part` (a slice of this text, already depth-checked) as JSON into `T`.
    /// Syntax errors and wrong values point into the text; a wrong value also gets its JSON
    /// pointer (found by a second, path-tracking pass that runs only on failure).
    pub fn json<T: DeserializeOwned>(&self, part: &str) -> Result<T, AiError> {
        match serde_json::from_str::<T>(part) {
            Ok(value) => Ok(value),
            Err(first) => {
                let base = self.offset_of_slice(part);
                let mut de = serde_json::Deserializer::from_str(part);
                let (error, pointer) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                    Ok(_) => (first, String::new()),
                    Err(error) => {
                        let pointer = pointer_of(error.path());
                        (error.into_inner(), pointer)
                    }
                };
                Err(self.json_error(&error, part, base, &pointer))
            }
        }
    }

    fn json_error(
        &self,
        error: &serde_json::Error,
        part: &str,
        base: usize,
        pointer: &str,
    ) -> AiError {
        let offset = base + offset_of(part, error.line(), error.column().max(1));
        let message = error.to_string();
        // serde_json appends " at line L column C"; the place is reported separately.
        let reason = match message.rfind(" at line ") {
            Some(cut) => &message[..cut],
            None => &message,
        };
        match error.classify() {
            serde_json::error::Category::Data => self.invalid(pointer, offset, reason),
            serde_json::error::Category::Eof => {
                self.syntax("JSON", offset, &format!("truncated ({reason})"))
            }
            _ => self.syntax("JSON", offset, reason),
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The offset just past the string starting at `at` (a `"`).
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    at += 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The offset just past the value starting at `at`.
fn skip_value(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'"') => skip_string(bytes, at),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&byte) = bytes.get(i) {
                match byte {
                    b'"' => {
                        i = skip_string(bytes, i);
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            let mut i = at;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b']' | b'}') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            i
        }
    }
}

/// A serde_path_to_error path as a JSON pointer (`/results/3/success`).
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

/// A JSON array of at most `MAX` elements, refused while it is read (so a hostile file
/// cannot make the reader build a huge vector first).
pub(crate) struct Bounded<T, const MAX: usize>(pub Vec<T>);

impl<'de, T: serde::Deserialize<'de>, const MAX: usize> serde::Deserialize<'de>
    for Bounded<T, MAX>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T, const MAX: usize>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for Visit<T, MAX> {
            type Value = Bounded<T, MAX>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "an array of at most {MAX} elements")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if out.len() == MAX {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX} elements, the reader's limit"
                        )));
                    }
                    out.push(item);
                }
                Ok(Bounded(out))
            }
        }
        deserializer.deserialize_seq(Visit::<T, MAX>(std::marker::PhantomData))
    }
}

/// The first non-whitespace character of a text, for "what is this" messages.
pub(crate) fn json_kind(text: &str) -> &'static str {
    match text.trim_start().chars().next() {
        Some('{') => "an object",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        None => "empty",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_checks_size_utf8_and_skips_bom() {
        assert!(matches!(
            Source::decode(b"12345", "f", 4),
            Err(AiError::TooLarge {
                size: 5,
                limit: 4,
                ..
            })
        ));
        match Source::decode(b"ok\nab\xffc", "f", 100) {
            Err(AiError::NotUtf8 {
                line,
                column,
                offset,
                ..
            }) => assert_eq!((line, column, offset), (2, 3, 5)),
            other => panic!("{other:?}"),
        }
        let source = Source::decode("\u{feff}{}".as_bytes(), "f", 100).unwrap();
        assert_eq!(source.text, "{}");
    }

    #[test]
    fn depth_check_ignores_brackets_in_strings() {
        let text = r#"{"a":"[[[[[[[[","b":[[1]]}"#;
        let source = Source { name: "f", text };
        source.check_json_depth(text, 3).unwrap();
        let error = source.check_json_depth(text, 2).unwrap_err();
        assert_eq!(error.to_string(), "f:1:22: nested deeper than 2 levels");
    }

    #[test]
    fn locate_finds_values_by_pointer() {
        let text = r#" {"a": [1, {"b\"]": "x,]}"}, {"c": [true, null]}], "d~/e": 5}"#;
        let source = Source { name: "f", text };
        let at = |pointer: &str| &text[source.locate(pointer)..];
        assert!(at("/a/1/b\"]").starts_with("\"x,]}\""));
        assert!(at("/a/2/c/1").starts_with("null"));
        assert!(at("/d~0~1e").starts_with('5'));
        assert!(at("").starts_with('{'));
        assert_eq!(source.locate("/a/7"), 0);
        assert_eq!(source.locate("/zz"), 0);
        assert_eq!(source.locate("/a/x"), 0);
    }

    #[test]
    fn json_errors_carry_pointer_and_place() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            n: u32,
        }
        let text = "xx{\"rows\": [{\"n\": 1}, {\"n\": \"two\"}]}";
        let source = Source { name: "f", text };
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            rows: Vec<Row>,
        }
        let error = source.json::<Doc>(&text[2..]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("f:1:33: at /rows/1/n: invalid type: string \"two\""),
            "{error}"
        );
        let error = source.json::<Doc>(&text[2..20]).unwrap_err();
        assert!(
            error.to_string().contains("invalid JSON: truncated"),
            "{error}"
        );
    }
}
