//! The `.npy` header as numpy reads it (`numpy.lib.format.read_array_header_*`): magic,
//! version 1.0/2.0/3.0, a header length, and a Python literal (read with `ast.literal_eval`)
//! that must be a dict of exactly `descr`, `fortran_order` and `shape`. The `descr` says
//! whether the array holds Python objects; then its data is a pickle (`np.load(...,
//! allow_pickle=True)` unpickles it).
//!
//! Anything not understood is an error, which the scan turns into a fail-closed fact: a
//! header numpy reads differently than this scanner must never pass as "no objects".

use std::io::Read;

use crate::pyliteral::{self, Lit};

/// Longest header read (numpy refuses more than 10,000 bytes unless `allow_pickle=True`,
/// which is also what loading an object array needs).
pub(crate) const MAX_HEADER: u32 = 1 << 20;

/// The magic bytes.
pub(crate) const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// A header problem: byte offset and reason.
pub(crate) type NpyError = (u64, String);

/// What a header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The dtype holds Python objects: the data is a pickle.
    pub object: bool,
    /// Where the data starts.
    pub data_offset: u64,
}

/// Reads the header (the reader starts at the magic).
pub(crate) fn read_header<R: Read>(reader: &mut R) -> Result<Header, NpyError> {
    let mut fixed = [0u8; 8];
    reader
        .read_exact(&mut fixed)
        .map_err(|e| (0, format!("cannot read the magic and version: {e}")))?;
    if &fixed[..6] != MAGIC {
        return Err((0, "missing the \\x93NUMPY magic".into()));
    }
    let (major, minor) = (fixed[6], fixed[7]);
    let len_size = match (major, minor) {
        (1, 0) => 2,
        (2 | 3, 0) => 4,
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
    // Versions 1 and 2 are Latin-1, 3 is UTF-8.
    let text: String = if major == 3 {
        String::from_utf8(header).map_err(|_| (start, "header is not UTF-8".to_string()))?
    } else {
        header.iter().map(|&b| char::from(b)).collect()
    };
    let dict = pyliteral::parse(&text, major < 3)
        .map_err(|(at, why)| (start + at as u64, format!("header literal: {why}")))?;
    let object = dict_object(&dict).map_err(|why| (start, why))?;
    Ok(Header {
        object,
        data_offset: start + u64::from(header_len),
    })
}

fn dict_object(dict: &Lit) -> Result<bool, String> {
    let Lit::Dict(entries) = dict else {
        return Err("the header is not a dict".into());
    };
    let mut descr = None;
    let mut shape = None;
    let mut fortran = None;
    for (key, value) in entries {
        match key {
            Lit::Str(k) if k == "descr" => descr = Some(value),
            Lit::Str(k) if k == "shape" => shape = Some(value),
            Lit::Str(k) if k == "fortran_order" => fortran = Some(value),
            _ => {
                return Err("the header has keys other than descr, fortran_order and shape".into());
            }
        }
    }
    let (Some(descr), Some(shape), Some(fortran)) = (descr, shape, fortran) else {
        return Err("the header lacks descr, fortran_order or shape".into());
    };
    let Lit::Tuple(dims) = shape else {
        return Err("shape is not a tuple".into());
    };
    if !dims
        .iter()
        .all(|d| matches!(d, Lit::Int(_) | Lit::BigInt | Lit::Bool(_)))
    {
        return Err("shape is not a tuple of ints".into());
    }
    if !matches!(fortran, Lit::Bool(_)) {
        return Err("fortran_order is not a bool".into());
    }
    holds_objects(descr, 0)
}

/// Whether numpy's `descr_to_dtype(descr)` holds Python objects.
pub(crate) fn holds_objects(descr: &Lit, depth: usize) -> Result<bool, String> {
    if depth > 32 {
        return Err("dtype description nested too deeply".into());
    }
    match descr {
        Lit::Str(s) => dtype_string(s),
        // A subarray: (base, shape).
        Lit::Tuple(items) if items.len() >= 2 => {
            if !is_shape(&items[1]) {
                return Err("subarray shape is not an int or a tuple of ints".into());
            }
            holds_objects(&items[0], depth + 1)
        }
        // Structured: fields (name, descr) or (name, descr, shape); any sequence of two or three
        // items is unpacked, a two- or three-character string included.
        Lit::List(fields) => {
            let mut any = false;
            for field in fields {
                let parts: Vec<Lit> = match field {
                    Lit::Tuple(p) | Lit::List(p) => p.clone(),
                    Lit::Str(s) => s.chars().map(|c| Lit::Str(c.to_string())).collect(),
                    _ => return Err("a structured field is not a tuple".into()),
                };
                match parts.len() {
                    2 => any |= holds_objects(&parts[1], depth + 1)?,
                    3 => {
                        if !is_shape(&parts[2]) {
                            return Err("field shape is not an int or a tuple of ints".into());
                        }
                        any |= holds_objects(&parts[1], depth + 1)?;
                    }
                    _ => return Err("a structured field has neither two nor three items".into()),
                }
            }
            Ok(any)
        }
        _ => Err("descr is not a str, a list of fields or a (base, shape) tuple".into()),
    }
}

fn is_shape(lit: &Lit) -> bool {
    match lit {
        Lit::Int(_) | Lit::Bool(_) => true,
        Lit::Tuple(items) => items
            .iter()
            .all(|i| matches!(i, Lit::Int(_) | Lit::Bool(_))),
        _ => false,
    }
}

/// Whether `numpy.dtype(s)` holds objects, for the spellings `np.save` writes (and the
/// object spellings numpy accepts); anything else is not understood.
fn dtype_string(s: &str) -> Result<bool, String> {
    let code = s.strip_prefix(['<', '>', '|', '=']).unwrap_or(s);
    if matches!(code, "O" | "O4" | "O8" | "object" | "object_" | "object0") {
        return Ok(true);
    }
    let (kind, rest) = code.split_at(code.chars().next().map_or(0, char::len_utf8));
    let digits_only = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let known = match kind {
        "b" => rest == "1",
        "i" | "u" => matches!(rest, "1" | "2" | "4" | "8"),
        "f" => matches!(rest, "2" | "4" | "8" | "12" | "16"),
        "c" => matches!(rest, "8" | "16" | "24" | "32"),
        "M" | "m" => {
            rest == "8"
                || rest
                    .strip_prefix("8[")
                    .and_then(|u| u.strip_suffix(']'))
                    .is_some_and(|unit| {
                        let unit = unit.trim_start_matches(|c: char| c.is_ascii_digit());
                        matches!(
                            unit,
                            "Y" | "M"
                                | "W"
                                | "D"
                                | "h"
                                | "m"
                                | "s"
                                | "ms"
                                | "us"
                                | "ns"
                                | "ps"
                                | "fs"
                                | "as"
                                | "generic"
                        )
                    })
        }
        "U" | "S" | "a" | "V" => digits_only(rest),
        _ => false,
    } || (code.len() == 1 && "bBhHiIlLqQpPefdgFDG?".contains(code));
    if known {
        Ok(false)
    } else {
        Err(format!(
            "dtype {:?} is not one the scanner knows (it could hold objects)",
            crate::judge::escape(s)
        ))
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

    fn object(header: &str) -> Result<bool, NpyError> {
        let bytes = npy(header);
        read_header(&mut &bytes[..]).map(|h| {
            assert_eq!(h.data_offset, bytes.len() as u64);
            h.object
        })
    }

    #[test]
    fn object_and_plain_dtypes() {
        for (header, expected) in [
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
            (
                "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }",
                false,
            ),
            (
                "{'descr': '<U10', 'fortran_order': True, 'shape': (1,), }",
                false,
            ),
            // The variants numpy reads as object arrays.
            (
                "{'descr': 'object', 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': ('|O', (2,)), 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O'}",
                true,
            ),
            (
                "{'descr': '\\x7cO', 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': ['xO'], 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (10L,), }",
                false,
            ),
        ] {
            assert_eq!(object(header), Ok(expected), "{header}");
        }
    }

    #[test]
    fn not_understood_fails() {
        for header in [
            "{'descr': 'i4, O', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': 'float64', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': {'names': ['a'], 'formats': ['O']}, 'fortran_order': False, 'shape': (1,), }",
            "{'descr': '<f8', 'fortran_order': False}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }",
            "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
        ] {
            assert!(object(header).is_err(), "{header}");
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
        let mut v11 = npy("{}");
        v11[7] = 1;
        assert!(read_header(&mut &v11[..]).is_err());
        let short = &npy("{'descr': '<f8'}")[..14];
        assert_eq!(
            read_header(&mut &short[..]).unwrap_err(),
            (10, "truncated: the file ends inside the header".into())
        );
        let deep = npy(&format!("{{'descr': {}}}", "[".repeat(100)));
        assert!(read_header(&mut &deep[..]).is_err());
    }
}
