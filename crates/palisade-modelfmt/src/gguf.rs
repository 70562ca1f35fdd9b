//! GGUF (llama.cpp): the header, every metadata entry (all 13 value types, arrays nested to a
//! limit), the tensor infos and where their data lies, checked the way llama.cpp's
//! `gguf_init_from_file_impl` checks them; the chat templates (`tokenizer.chat_template` and
//! its named variants `tokenizer.chat_template.<name>`) go through [`crate::jinja`].
//!
//! Layout (little-endian): `GGUF`, version u32, tensor count u64, entry count u64; each entry a
//! string key (u64 length + bytes), a u32 value type and the value; each tensor info a string
//! name, u32 dimension count, u64 dimensions, u32 ggml type, u64 offset; then padding to the
//! alignment (`general.alignment`, default 32) and the tensor data.
//!
//! Unreadable (an error): a bad magic or version, a big-endian file, anything truncated, a
//! length past the file or a limit. Findings (`MalformedHeader`): what llama.cpp refuses in a
//! header that reads: duplicate keys or tensor names, an alignment that is not a power of two
//! (or not a u32), a name of 64 bytes or more, more than 4 dimensions, an unknown ggml type, a
//! row not a multiple of its block, tensor data not laid out contiguously, or past the file.

use std::collections::HashSet;

use crate::error::ModelFormatError;
use crate::jinja::template_injections;
use crate::source::{Place, Source};
use crate::text::shown;
use crate::{FindingKind, Findings, Limits};

/// GGUF metadata value types.
const TYPE_UINT32: u32 = 4;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

/// The byte size of each fixed-size value type (0–12; string and array are variable).
fn fixed_size(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1), // uint8, int8, bool
        2 | 3 => Some(2),     // uint16, int16
        4..=6 => Some(4),     // uint32, int32, float32
        10..=12 => Some(8),   // uint64, int64, float64
        _ => None,
    }
}

/// ggml tensor types: (type, elements per block, bytes per block), from gguf-py's
/// `GGML_QUANT_SIZES` (gguf 0.19). Removed types (4, 5, 31–33, 36–38) are absent.
const GGML_TYPES: &[(u32, u64, u64)] = &[
    (0, 1, 4),      // F32
    (1, 1, 2),      // F16
    (2, 32, 18),    // Q4_0
    (3, 32, 20),    // Q4_1
    (6, 32, 22),    // Q5_0
    (7, 32, 24),    // Q5_1
    (8, 32, 34),    // Q8_0
    (9, 32, 40),    // Q8_1
    (10, 256, 84),  // Q2_K
    (11, 256, 110), // Q3_K
    (12, 256, 144), // Q4_K
    (13, 256, 176), // Q5_K
    (14, 256, 210), // Q6_K
    (15, 256, 292), // Q8_K
    (16, 256, 66),  // IQ2_XXS
    (17, 256, 74),  // IQ2_XS
    (18, 256, 98),  // IQ3_XXS
    (19, 256, 50),  // IQ1_S
    (20, 32, 18),   // IQ4_NL
    (21, 256, 110), // IQ3_S
    (22, 256, 82),  // IQ2_S
    (23, 256, 136), // IQ4_XS
    (24, 1, 1),     // I8
    (25, 1, 2),     // I16
    (26, 1, 4),     // I32
    (27, 1, 8),     // I64
    (28, 1, 8),     // F64
    (29, 256, 56),  // IQ1_M
    (30, 1, 2),     // BF16
    (34, 256, 54),  // TQ1_0
    (35, 256, 66),  // TQ2_0
    (39, 32, 17),   // MXFP4
    (40, 64, 36),   // NVFP4
    (41, 128, 18),  // Q1_0
];

/// llama.cpp's `GGML_MAX_NAME` and `GGML_MAX_DIMS`.
const MAX_NAME: usize = 64;
const MAX_DIMS: u32 = 4;
const DEFAULT_ALIGNMENT: u64 = 32;

struct Reader<'p, 's, 'r, 'f> {
    src: &'s mut Source<'r>,
    place: Place<'p>,
    limits: &'p Limits,
    findings: &'f mut Findings,
    elements: u64,
}

struct TensorInfo {
    name: String,
    dims: Vec<u64>,
    ggml_type: u32,
    offset: u64,
}

/// Reads the GGUF file in `src` and records findings.
pub(crate) fn check(
    src: &mut Source<'_>,
    place: Place<'_>,
    limits: &Limits,
    findings: &mut Findings,
) -> Result<(), ModelFormatError> {
    let mut reader = Reader {
        src,
        place,
        limits,
        findings,
        elements: 0,
    };
    reader.file()
}

impl Reader<'_, '_, '_, '_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], ModelFormatError> {
        let at = self.src.pos();
        let mut buf = [0u8; N];
        self.src
            .read_exact(&mut buf)
            .map_err(|e| self.place.io(at, &e))?;
        Ok(buf)
    }

    fn u32(&mut self) -> Result<u32, ModelFormatError> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    fn u64(&mut self) -> Result<u64, ModelFormatError> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }

    /// A count of items at least `min_item` bytes each, bounded by the bytes left and `limit`.
    fn count(
        &mut self,
        what: &'static str,
        min_item: u64,
        limit: u64,
    ) -> Result<u64, ModelFormatError> {
        let at = self.src.pos();
        let n = self.u64()?;
        if n > limit {
            return Err(self.place.limit(at, what, limit));
        }
        if n.saturating_mul(min_item) > self.src.remaining() {
            return Err(self.place.malformed(
                at,
                format!(
                    "{n} {what} cannot fit in the {} bytes left",
                    self.src.remaining()
                ),
            ));
        }
        Ok(n)
    }

    /// A string's length, bounded by the file and the limit.
    fn string_len(&mut self) -> Result<u64, ModelFormatError> {
        self.count("bytes in one string", 1, self.limits.max_gguf_string)
    }

    fn string(&mut self) -> Result<Vec<u8>, ModelFormatError> {
        let len = self.string_len()?;
        let at = self.src.pos();
        self.src.read_vec(len).map_err(|e| self.place.io(at, &e))
    }

    fn skip(&mut self, n: u64) -> Result<(), ModelFormatError> {
        let at = self.src.pos();
        if n > self.src.remaining() {
            return Err(self.place.malformed(at, "truncated: the file ends first"));
        }
        self.src.skip(n).map_err(|e| self.place.io(at, &e))
    }

    fn file(&mut self) -> Result<(), ModelFormatError> {
        let magic: [u8; 4] = self.bytes()?;
        if &magic != b"GGUF" {
            return Err(self.place.malformed(0, "no GGUF magic"));
        }
        let version = self.u32()?;
        match version {
            2 | 3 => {}
            1 => return Err(self.place.unsupported("GGUF version 1 (32-bit lengths)")),
            v if v != 0 && v & 0xFFFF == 0 && v.swap_bytes() <= 3 => {
                return Err(self.place.unsupported("a big-endian GGUF file"));
            }
            v => return Err(self.place.malformed(4, format!("GGUF version {v}"))),
        }
        // A tensor info is at least 8 (name length) + 4 + 4 + 8 bytes, an entry 8 + 4 + 1.
        let tensors = self.count("tensors", 24, self.limits.max_gguf_entries)?;
        let entries = self.count("metadata entries", 13, self.limits.max_gguf_entries)?;

        let mut keys = HashSet::new();
        let mut alignment = DEFAULT_ALIGNMENT;
        for _ in 0..entries {
            let key_at = self.src.pos();
            let key = self.string()?;
            let key_text = shown(&key);
            let value_type = self.u32()?;
            if !keys.insert(key.clone()) {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &key_text,
                    &format!(
                        "duplicate metadata key at byte {key_at} (llama.cpp refuses the file)"
                    ),
                );
            }
            if key == b"general.alignment" {
                if value_type == TYPE_UINT32 {
                    let value = self.u32()?;
                    if value == 0 || !value.is_power_of_two() {
                        self.findings.push(
                            FindingKind::MalformedHeader,
                            &key_text,
                            &format!("alignment {value} is not a power of two"),
                        );
                    } else {
                        alignment = u64::from(value);
                    }
                    continue;
                }
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &key_text,
                    &format!("alignment of value type {value_type}, not uint32"),
                );
            }
            let is_template =
                key == b"tokenizer.chat_template" || key.starts_with(b"tokenizer.chat_template.");
            if is_template && value_type == TYPE_STRING {
                let template = self.string()?;
                for why in template_injections(&String::from_utf8_lossy(&template)) {
                    self.findings
                        .push(FindingKind::ChatTemplateInjection, &key_text, &why);
                }
                continue;
            }
            if is_template {
                // Not a string: not checkable as a template, and not what loaders expect.
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &key_text,
                    &format!("chat template of value type {value_type}, not a string"),
                );
            }
            self.value(value_type, 0)?;
        }

        let mut infos = Vec::new();
        let mut names = HashSet::new();
        for _ in 0..tensors {
            let info_at = self.src.pos();
            let raw_name = self.string()?;
            let name = shown(&raw_name);
            if raw_name.len() >= MAX_NAME {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &name,
                    &format!(
                        "tensor name of {} bytes (llama.cpp allows {})",
                        raw_name.len(),
                        MAX_NAME - 1
                    ),
                );
            }
            if !names.insert(raw_name) {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &name,
                    &format!("duplicate tensor name at byte {info_at}"),
                );
            }
            let n_dims = self.u32()?;
            if n_dims > MAX_DIMS {
                // The rest of the header cannot be located reliably past a wild count.
                return Err(self.place.malformed(
                    info_at,
                    format!("tensor {name} has {n_dims} dimensions (at most {MAX_DIMS})"),
                ));
            }
            let mut dims = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                dims.push(self.u64()?);
            }
            let ggml_type = self.u32()?;
            let offset = self.u64()?;
            infos.push(TensorInfo {
                name,
                dims,
                ggml_type,
                offset,
            });
        }
        let data_start = self.src.pos().next_multiple_of(alignment);
        self.tensor_data(&infos, data_start, alignment);
        Ok(())
    }

    /// Skips one value of `value_type`, arrays included (nested to the depth limit).
    fn value(&mut self, value_type: u32, depth: usize) -> Result<(), ModelFormatError> {
        if let Some(size) = fixed_size(value_type) {
            return self.skip(size);
        }
        match value_type {
            TYPE_STRING => {
                let len = self.string_len()?;
                self.skip(len)
            }
            TYPE_ARRAY => {
                let at = self.src.pos();
                if depth >= self.limits.max_gguf_depth {
                    return Err(self.place.limit(
                        at,
                        "nested arrays",
                        self.limits.max_gguf_depth as u64,
                    ));
                }
                let element_type = self.u32()?;
                let min = match element_type {
                    TYPE_STRING => 8,
                    TYPE_ARRAY => 12,
                    t => fixed_size(t).ok_or_else(|| {
                        self.place
                            .malformed(at, format!("array of unknown value type {t}"))
                    })?,
                };
                let n = self.count("array elements", min, self.limits.max_gguf_string)?;
                self.elements = self.elements.saturating_add(n);
                if self.elements > self.limits.max_gguf_elements {
                    return Err(self.place.limit(
                        at,
                        "array elements in the file",
                        self.limits.max_gguf_elements,
                    ));
                }
                match fixed_size(element_type) {
                    Some(size) => self.skip(n * size),
                    None => (0..n).try_for_each(|_| self.value(element_type, depth + 1)),
                }
            }
            other => {
                let at = self.src.pos().saturating_sub(4);
                Err(self
                    .place
                    .malformed(at, format!("unknown metadata value type {other}")))
            }
        }
    }

    /// Checks each tensor's type, size and place as llama.cpp does.
    fn tensor_data(&mut self, infos: &[TensorInfo], data_start: u64, alignment: u64) {
        let file_size = self.src.size();
        let mut expected = 0u64;
        for info in infos {
            let Some(&(_, block, type_size)) =
                GGML_TYPES.iter().find(|(t, _, _)| *t == info.ggml_type)
            else {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &info.name,
                    &format!("unknown ggml type {}", info.ggml_type),
                );
                return;
            };
            let row = info.dims.first().copied().unwrap_or(1);
            let elements = info
                .dims
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d))
                .filter(|&n| i64::try_from(n).is_ok());
            let Some(elements) = elements else {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &info.name,
                    &format!("shape {:?} overflows", info.dims),
                );
                return;
            };
            if row % block != 0 {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &info.name,
                    &format!("row of {row} elements is not a multiple of the block size {block}"),
                );
                return;
            }
            let size = (elements / block).saturating_mul(type_size);
            if info.offset != expected {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &info.name,
                    &format!(
                        "data at offset {}, expected {expected}: tensors overlap or leave gaps",
                        info.offset
                    ),
                );
                return;
            }
            let end = data_start.saturating_add(info.offset).saturating_add(size);
            if end > file_size {
                self.findings.push(
                    FindingKind::MalformedHeader,
                    &info.name,
                    &format!(
                        "data ends at byte {end}, past the end of the file ({file_size} bytes)"
                    ),
                );
                return;
            }
            expected = expected.saturating_add(size.next_multiple_of(alignment));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A GGUF v3 file with the given entries (key, type, value bytes) and tensors.
    pub(crate) fn gguf(
        entries: &[(&str, u32, Vec<u8>)],
        tensors: &[(&str, &[u64], u32, u64)],
    ) -> Vec<u8> {
        let mut f = b"GGUF".to_vec();
        f.extend(3u32.to_le_bytes());
        f.extend((tensors.len() as u64).to_le_bytes());
        f.extend((entries.len() as u64).to_le_bytes());
        for (key, value_type, value) in entries {
            f.extend((key.len() as u64).to_le_bytes());
            f.extend(key.as_bytes());
            f.extend(value_type.to_le_bytes());
            f.extend(value);
        }
        for (name, dims, ggml_type, offset) in tensors {
            f.extend((name.len() as u64).to_le_bytes());
            f.extend(name.as_bytes());
            f.extend((dims.len() as u32).to_le_bytes());
            for d in *dims {
                f.extend(d.to_le_bytes());
            }
            f.extend(ggml_type.to_le_bytes());
            f.extend(offset.to_le_bytes());
        }
        f
    }

    fn string(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u64).to_le_bytes().to_vec();
        v.extend(s.as_bytes());
        v
    }

    fn run(bytes: &[u8]) -> Result<Vec<(FindingKind, String, String)>, ModelFormatError> {
        let mut cursor = Cursor::new(bytes.to_vec());
        let mut src = Source::new(&mut cursor, bytes.len() as u64);
        let place = Place {
            path: "t.gguf",
            format: "gguf",
        };
        let mut findings = Findings::new("t.gguf", 100);
        check(&mut src, place, &Limits::default(), &mut findings)?;
        Ok(findings
            .into_parts()
            .0
            .into_iter()
            .map(|f| (f.kind, f.location, f.detail))
            .collect())
    }

    #[test]
    fn all_thirteen_value_types() {
        let mut nested = 9u32.to_le_bytes().to_vec(); // array of arrays
        nested.extend(2u64.to_le_bytes());
        for _ in 0..2 {
            nested.extend(8u32.to_le_bytes()); // of strings
            nested.extend(1u64.to_le_bytes());
            nested.extend(string("s"));
        }
        let entries = vec![
            ("u8", 0, vec![1]),
            ("i8", 1, vec![0xff]),
            ("u16", 2, vec![1, 0]),
            ("i16", 3, vec![1, 0]),
            ("u32", 4, vec![1, 0, 0, 0]),
            ("i32", 5, vec![1, 0, 0, 0]),
            ("f32", 6, 1.5f32.to_le_bytes().to_vec()),
            ("bool", 7, vec![1]),
            ("str", 8, string("hello")),
            ("arr", 9, nested),
            ("u64", 10, 1u64.to_le_bytes().to_vec()),
            ("i64", 11, 1i64.to_le_bytes().to_vec()),
            ("f64", 12, 1.5f64.to_le_bytes().to_vec()),
        ];
        let mut f = gguf(&entries, &[("w", &[4, 2], 0, 0)]);
        f.resize(f.len().next_multiple_of(32) + 32, 0);
        assert_eq!(run(&f).unwrap(), []);
        // An unknown value type is unreadable.
        let f = gguf(&[("x", 13, vec![0])], &[]);
        assert!(
            run(&f)
                .unwrap_err()
                .to_string()
                .contains("unknown metadata value type 13")
        );
    }

    #[test]
    fn header_findings_llama_cpp_refuses() {
        let entries = vec![
            ("a", 4, vec![1, 0, 0, 0]),
            ("a", 4, vec![1, 0, 0, 0]),
            ("general.alignment", 4, 24u32.to_le_bytes().to_vec()),
        ];
        let long = "n".repeat(70);
        let f = gguf(
            &entries,
            &[("w", &[4], 0, 0), (&long, &[4], 0, 32), ("x", &[3], 2, 64)],
        );
        let found = run(&f).unwrap();
        let details: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
        assert!(
            details[0].starts_with("duplicate metadata key"),
            "{details:?}"
        );
        assert_eq!(details[1], "alignment 24 is not a power of two");
        assert!(
            details[2].starts_with("tensor name of 70 bytes"),
            "{details:?}"
        );
        // `w` (16 bytes, padded to 32) fits only if the file has its data: it does not.
        assert!(
            details[3].contains("past the end of the file"),
            "{details:?}"
        );
        assert!(found.iter().all(|f| f.0 == FindingKind::MalformedHeader));
    }

    #[test]
    fn tensor_layout_checks() {
        let pad = |mut f: Vec<u8>, data: usize| {
            f.resize(f.len().next_multiple_of(32) + data, 0);
            f
        };
        // Overlap: the second tensor starts inside the first.
        let f = pad(gguf(&[], &[("a", &[16], 0, 0), ("b", &[16], 0, 32)]), 128);
        let found = run(&f).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("offset 32, expected 64"), "{found:?}");
        // Q4_0 rows must be multiples of 32.
        let f = pad(gguf(&[], &[("q", &[16], 2, 0)]), 64);
        assert!(
            run(&f).unwrap()[0]
                .2
                .contains("not a multiple of the block size 32")
        );
        // Removed type 4.
        let f = pad(gguf(&[], &[("q", &[32], 4, 0)]), 64);
        assert_eq!(run(&f).unwrap()[0].2, "unknown ggml type 4");
        // A chat template that is not a string cannot be checked.
        let f = gguf(&[("tokenizer.chat_template", 4, vec![0; 4])], &[]);
        assert_eq!(
            run(&f).unwrap()[0].2,
            "chat template of value type 4, not a string"
        );
        // Five dimensions: unreadable.
        let f = gguf(&[], &[("d", &[1, 1, 1, 1, 1], 0, 0)]);
        assert!(run(&f).unwrap_err().to_string().contains("5 dimensions"));
    }

    #[test]
    fn versions_and_counts() {
        let mut f = gguf(&[], &[]);
        f[4] = 1;
        assert!(run(&f).unwrap_err().to_string().contains("version 1"));
        f[4..8].copy_from_slice(&3u32.to_be_bytes());
        assert!(run(&f).unwrap_err().to_string().contains("big-endian"));
        f[4..8].copy_from_slice(&7u32.to_le_bytes());
        assert!(run(&f).unwrap_err().to_string().contains("GGUF version 7"));
        // Counts that cannot fit in the file.
        let mut f = gguf(&[], &[]);
        f[8..16].copy_from_slice(&1000u64.to_le_bytes());
        assert!(
            run(&f)
                .unwrap_err()
                .to_string()
                .contains("1000 tensors cannot fit")
        );
        let mut f = gguf(&[], &[]);
        f[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(
            run(&f)
                .unwrap_err()
                .to_string()
                .contains("more than 1048576 metadata entries (limit)")
        );
        // A string longer than the file.
        let mut long = 1000u64.to_le_bytes().to_vec();
        long.extend(b"abc");
        let f = gguf(&[("s", 8, long)], &[]);
        assert!(
            run(&f)
                .unwrap_err()
                .to_string()
                .contains("1000 bytes in one string cannot fit")
        );
    }
}
