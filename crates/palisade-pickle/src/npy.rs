//! The `.npy` header: magic, version, and the Python-literal dict whose `descr` says whether
//! the array holds Python objects (then the data is a pickle).

use std::io::Read;

/// Longest header accepted (numpy itself refuses more than 10,000 bytes by default).
const MAX_HEADER: u32 = 1 << 20;

/// The magic bytes.
pub(crate) const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// A header problem: byte offset and reason.
pub(crate) type NpyError = (u64, String);

/// Reads the header from just after nothing (the reader starts at the magic); returns whether
/// the dtype holds objects and the header's length (where the data starts).
pub(crate) fn read_header<R: Read>(reader: &mut R) -> Result<(bool, u64), NpyError> {
    let mut fixed = [0u8; 8];
    reader
        .read_exact(&mut fixed)
        .map_err(|e| (0, format!("cannot read the magic and version: {e}")))?;
    if &fixed[..6] != MAGIC {
        return Err((0, "missing the \\x93NUMPY magic".into()));
    }
    let (major, minor) = (fixed[6], fixed[7]);
    let len_size = match major {
        1 => 2,
        2 | 3 => 4,
        _ => return Err((6, format!("unsupported format version {major}.{minor}"))),
    };
    let mut len_bytes = [0u8; 4];
    reader
        .read_exact(&mut len_bytes[..len_size])
        .map_err(|e| (8, format!("cannot read the header length: {e}")))?;
    let header_len = u32::from_le_bytes(len_bytes);
    if header_len > MAX_HEADER {
        return Err((
            8,
            format!("header of {header_len} bytes, more than the limit of {MAX_HEADER}"),
        ));
    }
    let start = 8 + len_size as u64;
    let mut header = vec![0u8; header_len as usize];
    reader.read_exact(&mut header).map_err(|_| {
        (
            start,
            "truncated: the file ends inside the header".to_string(),
        )
    })?;
    // Versions 1 and 2 are latin-1, 3 is UTF-8; the literal itself is ASCII in practice.
    let text: String = if major == 3 {
        String::from_utf8(header).map_err(|_| (start, "header is not UTF-8".to_string()))?
    } else {
        header.iter().map(|&b| char::from(b)).collect()
    };
    let dict = Parser::new(&text)
        .value(0)
        .map_err(|(at, why)| (start + at as u64, why))?;
    let Lit::Dict(items) = dict else {
        return Err((start, "the header is not a dict".into()));
    };
    let descr = items
        .iter()
        .find_map(|(k, v)| matches!(k, Lit::Str(k) if k == "descr").then_some(v))
        .ok_or((start, "the header has no 'descr'".to_string()))?;
    Ok((holds_objects(descr), start + u64::from(header_len)))
}

/// Whether a dtype description contains the object type `O` (directly or in a field).
fn holds_objects(descr: &Lit) -> bool {
    match descr {
        Lit::Str(s) => s.trim_start_matches(['<', '>', '|', '=']).starts_with('O'),
        // Structured dtype: [(name, dtype) or (name, dtype, shape), …]; a name may be a
        // (title, name) pair, so only the second element is a dtype.
        Lit::List(fields) => fields.iter().any(|field| match field {
            Lit::List(parts) => parts.get(1).is_some_and(holds_objects),
            _ => false,
        }),
        Lit::Dict(_) | Lit::Other => false,
    }
}

/// A Python literal, as much as npy headers use.
#[derive(Debug, PartialEq)]
enum Lit {
    Str(String),
    /// A list or a tuple.
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
    /// A number, True/False/None.
    Other,
}

const MAX_LITERAL_DEPTH: usize = 32;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            s: text.as_bytes(),
            i: 0,
        }
    }

    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn err<T>(&self, why: &str) -> Result<T, (usize, String)> {
        Err((self.i, why.to_owned()))
    }

    fn value(&mut self, depth: usize) -> Result<Lit, (usize, String)> {
        if depth > MAX_LITERAL_DEPTH {
            return self.err("header literal nested too deeply");
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'\'' | b'"') => self.string(),
            Some(b'{') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Lit::Dict(items));
                    }
                    let key = self.value(depth + 1)?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.err("expected ':' in the header dict");
                    }
                    self.i += 1;
                    let value = self.value(depth + 1)?;
                    items.push((key, value));
                    self.comma(b'}')?;
                }
            }
            Some(&open @ (b'[' | b'(')) => {
                let close = if open == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&close) {
                        self.i += 1;
                        return Ok(Lit::List(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.comma(close)?;
                }
            }
            Some(c) if c.is_ascii_alphanumeric() || *c == b'-' || *c == b'+' => {
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
                {
                    self.i += 1;
                }
                Ok(Lit::Other)
            }
            Some(_) => self.err("unexpected character in the header"),
            None => self.err("the header ends early"),
        }
    }

    /// After an item: a comma, or the closing bracket (left for the caller).
    fn comma(&mut self, close: u8) -> Result<(), (usize, String)> {
        self.ws();
        match self.s.get(self.i) {
            Some(b',') => {
                self.i += 1;
                Ok(())
            }
            Some(c) if *c == close => Ok(()),
            _ => self.err("expected ',' in the header"),
        }
    }

    fn string(&mut self) -> Result<Lit, (usize, String)> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return self.err("unterminated string in the header"),
                Some(b'\\') => {
                    if let Some(&c) = self.s.get(self.i + 1) {
                        out.push(c);
                    }
                    self.i += 2;
                }
                Some(&c) if c == quote => {
                    self.i += 1;
                    return Ok(Lit::Str(String::from_utf8_lossy(&out).into_owned()));
                }
                Some(&c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out
    }

    #[test]
    fn object_and_plain_dtypes() {
        let cases = [
            (
                "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }",
                true,
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                false,
            ),
            (
                "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': [('Obj', '<i4'), ('b', '<f4', (2,))], 'fortran_order': False, 'shape': (), }",
                false,
            ),
            (
                "{'descr': [(('title', 'n'), [('x', 'O')])], 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
        ];
        for (header, expected) in cases {
            let bytes = npy(header);
            let (obj, end) = read_header(&mut &bytes[..]).unwrap();
            assert_eq!(obj, expected, "{header}");
            assert_eq!(end, bytes.len() as u64);
        }
    }

    #[test]
    fn bad_headers() {
        let mut v4 = npy("{}");
        v4[6] = 4;
        assert_eq!(
            read_header(&mut &v4[..]).unwrap_err(),
            (6, "unsupported format version 4.0".into())
        );
        let no_descr = npy("{'shape': (1,)}");
        assert_eq!(
            read_header(&mut &no_descr[..]).unwrap_err(),
            (10, "the header has no 'descr'".into())
        );
        let broken = npy("{'descr' '<f8'}");
        assert_eq!(
            read_header(&mut &broken[..]).unwrap_err(),
            (19, "expected ':' in the header dict".into())
        );
        let deep = npy(&format!("{{'descr': {}}}", "[".repeat(100)));
        assert_eq!(
            read_header(&mut &deep[..]).unwrap_err().1,
            "header literal nested too deeply"
        );
        let short = &npy("{'descr': '<f8'}")[..14];
        assert_eq!(
            read_header(&mut &short[..]).unwrap_err(),
            (10, "truncated: the file ends inside the header".into())
        );
    }
}
