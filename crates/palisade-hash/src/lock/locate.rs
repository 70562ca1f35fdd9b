//! Finding where a JSON value sits in its text, and refusing duplicate object keys.
//!
//! `serde_json::Value` keeps no positions and silently keeps the last of two equal keys; a lock
//! file with two entries for one artifact must not pass, and errors should point at the value.
//! The text has already been parsed by serde_json, so this scanner may assume it is valid JSON
//! (it still never panics on invalid input: it just stops).

use std::collections::HashSet;
use std::ops::Range;

/// A duplicate key: the JSON pointer of the second occurrence and the key's byte range.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub pointer: String,
    pub span: Range<usize>,
}

/// Byte range of the value at `pointer` (RFC 6901, "" is the whole document), if found.
pub(crate) fn find(text: &str, pointer: &str) -> Option<Range<usize>> {
    let mut scanner = Scanner::new(text, Some(pointer));
    scanner.value();
    scanner.found
}

/// The first duplicate key in any object, if any.
pub(crate) fn first_duplicate(text: &str) -> Option<Duplicate> {
    let mut scanner = Scanner::new(text, None);
    scanner.value();
    scanner.duplicate
}

/// Escapes a key for use as one JSON pointer segment.
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pointer: String,
    target: Option<&'a str>,
    found: Option<Range<usize>>,
    duplicate: Option<Duplicate>,
    depth: usize,
}

/// Deeper than serde_json's own limit (128): such text never gets here.
const MAX_DEPTH: usize = 256;

impl<'a> Scanner<'a> {
    fn new(text: &'a str, target: Option<&'a str>) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            pointer: String::new(),
            target,
            found: None,
            duplicate: None,
            depth: 0,
        }
    }

    fn done(&self) -> bool {
        self.found.is_some() || self.duplicate.is_some()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Scans one value starting at `pos`; returns false when scanning must stop.
    fn value(&mut self) -> bool {
        self.skip_ws();
        let start = self.pos;
        let ok = match self.bytes.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().is_some(),
            Some(_) => {
                while let Some(b) = self.bytes.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                true
            }
            None => false,
        };
        if ok && self.found.is_none() && self.target == Some(self.pointer.as_str()) {
            self.found = Some(start..self.pos);
        }
        ok && !self.done()
    }

    /// Scans a string token; returns its byte range including the quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.bytes.get(self.pos)? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some(start..self.pos);
                }
                _ => self.pos += 1,
            }
        }
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        self.pos += 1;
        self.depth <= MAX_DEPTH
    }

    fn object(&mut self) -> bool {
        if !self.enter() {
            return false;
        }
        let mut keys = HashSet::new();
        loop {
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return true;
                }
                Some(b',') => self.pos += 1,
                Some(b'"') => {
                    let Some(range) = self.string() else {
                        return false;
                    };
                    let key: String = serde_json::from_str(&self.text[range.clone()])
                        .unwrap_or_else(|_| self.text[range.clone()].to_owned());
                    let saved = self.pointer.len();
                    self.pointer.push('/');
                    self.pointer.push_str(&escape(&key));
                    if !keys.insert(key) {
                        self.duplicate = Some(Duplicate {
                            pointer: self.pointer.clone(),
                            span: range,
                        });
                        return false;
                    }
                    self.skip_ws();
                    if self.bytes.get(self.pos) != Some(&b':') {
                        return false;
                    }
                    self.pos += 1;
                    if !self.value() {
                        return false;
                    }
                    self.pointer.truncate(saved);
                }
                _ => return false,
            }
        }
    }

    fn array(&mut self) -> bool {
        if !self.enter() {
            return false;
        }
        let mut index = 0usize;
        loop {
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return true;
                }
                Some(b',') => self.pos += 1,
                Some(_) => {
                    let saved = self.pointer.len();
                    self.pointer.push('/');
                    self.pointer.push_str(&index.to_string());
                    if !self.value() {
                        return false;
                    }
                    self.pointer.truncate(saved);
                    index += 1;
                }
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{ "a": [1, {"b~/c": "x\"y"}], "d": true }"#;

    #[test]
    fn finds_values_by_pointer() {
        let at = |p: &str| find(TEXT, p).map(|r| &TEXT[r]);
        assert_eq!(at(""), Some(TEXT));
        assert_eq!(at("/a/0"), Some("1"));
        assert_eq!(at("/a/1/b~0~1c"), Some(r#""x\"y""#));
        assert_eq!(at("/d"), Some("true"));
        assert_eq!(at("/a/1"), Some(r#"{"b~/c": "x\"y"}"#));
        assert_eq!(at("/nope"), None);
        assert_eq!(first_duplicate(TEXT), None);
    }

    #[test]
    fn reports_the_second_of_two_equal_keys() {
        let text = r#"{"x": {"k": 1, "\u006b": 2}}"#;
        let dup = first_duplicate(text);
        assert_eq!(
            dup,
            Some(Duplicate {
                pointer: "/x/k".to_owned(),
                span: 15..23
            })
        );
    }

    #[test]
    fn never_panics_on_truncated_text() {
        for end in 0..TEXT.len() {
            let _ = find(&TEXT[..end], "/d");
            let _ = first_duplicate(&TEXT[..end]);
        }
        assert_eq!(find("\"abc\\", ""), None);
    }
}
