//! The protobuf wire format, streamed: tags, varints and length-delimited fields, each length
//! checked against the enclosing message before anything is read, large fields skipped with a
//! seek (an ONNX file's `raw_data` is never read). Groups (wire types 3 and 4, unused by
//! onnx.proto) are refused.

use crate::error::ModelFormatError;
use crate::source::{Place, Source};

/// Wire types.
pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const FIXED32: u8 = 5;

/// A protobuf decoder over a [`Source`].
pub(crate) struct Wire<'p, 's, 'r> {
    src: &'s mut Source<'r>,
    place: Place<'p>,
    fields: u64,
    max_fields: u64,
    max_string: u64,
}

impl<'p, 's, 'r> Wire<'p, 's, 'r> {
    pub(crate) fn new(
        src: &'s mut Source<'r>,
        place: Place<'p>,
        max_fields: u64,
        max_string: u64,
    ) -> Self {
        Self {
            src,
            place,
            fields: 0,
            max_fields,
            max_string,
        }
    }

    /// The current byte offset.
    pub(crate) fn pos(&self) -> u64 {
        self.src.pos()
    }

    /// Where the outermost message ends: the end of the file.
    pub(crate) fn file_end(&self) -> u64 {
        self.src.size()
    }

    /// A malformed-input error at the current offset.
    pub(crate) fn malformed(&self, reason: impl Into<String>) -> ModelFormatError {
        self.place.malformed(self.pos(), reason)
    }

    /// A limit error at the current offset.
    pub(crate) fn limit(&self, what: &'static str, limit: u64) -> ModelFormatError {
        self.place.limit(self.pos(), what, limit)
    }

    fn byte(&mut self) -> Result<u8, ModelFormatError> {
        let at = self.pos();
        self.src.byte().map_err(|e| self.place.io(at, &e))
    }

    /// A base-128 varint (at most 10 bytes).
    pub(crate) fn varint(&mut self) -> Result<u64, ModelFormatError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            if i == 9 && b > 1 {
                return Err(self.malformed("varint overflows 64 bits"));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.malformed("varint longer than 10 bytes"))
    }

    /// The next field of a message ending at `end`: `(field number, wire type)`, or `None` at
    /// the end.
    pub(crate) fn next_field(&mut self, end: u64) -> Result<Option<(u64, u8)>, ModelFormatError> {
        let pos = self.pos();
        if pos == end {
            return Ok(None);
        }
        if pos > end {
            return Err(self.malformed(format!("field runs past its message's end at {end}")));
        }
        self.fields += 1;
        if self.fields > self.max_fields {
            return Err(self.limit("protobuf fields", self.max_fields));
        }
        let tag = self.varint()?;
        let field = tag >> 3;
        let wire_type = (tag & 7) as u8;
        if field == 0 {
            return Err(self.place.malformed(pos, "field number 0"));
        }
        if self.pos() > end {
            return Err(self.malformed(format!("tag runs past its message's end at {end}")));
        }
        Ok(Some((field, wire_type)))
    }

    /// Reads a length prefix and returns where that field ends (checked against `end`).
    pub(crate) fn len_end(&mut self, end: u64) -> Result<u64, ModelFormatError> {
        let len = self.varint()?;
        match self.pos().checked_add(len) {
            Some(field_end) if field_end <= end => Ok(field_end),
            _ => Err(self.malformed(format!(
                "a {len}-byte field runs past its message's end at {end}"
            ))),
        }
    }

    /// Skips a field's value of `wire_type`.
    pub(crate) fn skip(&mut self, wire_type: u8, end: u64) -> Result<(), ModelFormatError> {
        let n = match wire_type {
            VARINT => {
                self.varint()?;
                return Ok(());
            }
            FIXED64 => 8,
            LEN => {
                let field_end = self.len_end(end)?;
                field_end - self.pos()
            }
            FIXED32 => 4,
            other => {
                return Err(self.malformed(format!(
                    "wire type {other} (groups are not used by onnx.proto)"
                )));
            }
        };
        if self.pos() + n > end {
            return Err(self.malformed(format!("field runs past its message's end at {end}")));
        }
        let at = self.pos();
        self.src.skip(n).map_err(|e| self.place.io(at, &e))
    }

    /// A length-delimited string or bytes field (at most `max_string` bytes).
    pub(crate) fn bytes(&mut self, end: u64) -> Result<Vec<u8>, ModelFormatError> {
        let field_end = self.len_end(end)?;
        let len = field_end - self.pos();
        if len > self.max_string {
            return Err(self.limit("bytes in one string", self.max_string));
        }
        let at = self.pos();
        self.src.read_vec(len).map_err(|e| self.place.io(at, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const PLACE: Place<'static> = Place {
        path: "t.onnx",
        format: "onnx",
    };

    fn with_wire<T>(bytes: &[u8], f: impl FnOnce(&mut Wire<'_, '_, '_>) -> T) -> T {
        let mut cursor = Cursor::new(bytes.to_vec());
        let mut src = Source::new(&mut cursor, bytes.len() as u64);
        let mut wire = Wire::new(&mut src, PLACE, 100, 16);
        f(&mut wire)
    }

    #[test]
    fn fields_varints_and_skips() {
        // field 1 varint 300, field 2 bytes "hi", field 3 fixed32, field 4 fixed64
        let msg = [
            0x08, 0xac, 0x02, 0x12, 0x02, b'h', b'i', 0x1d, 1, 2, 3, 4, 0x21, 1, 2, 3, 4, 5, 6, 7,
            8,
        ];
        with_wire(&msg, |w| {
            let end = w.file_end();
            assert_eq!(w.next_field(end).unwrap(), Some((1, VARINT)));
            assert_eq!(w.varint().unwrap(), 300);
            assert_eq!(w.next_field(end).unwrap(), Some((2, LEN)));
            assert_eq!(w.bytes(end).unwrap(), b"hi");
            assert_eq!(w.next_field(end).unwrap(), Some((3, FIXED32)));
            w.skip(FIXED32, end).unwrap();
            assert_eq!(w.next_field(end).unwrap(), Some((4, FIXED64)));
            w.skip(FIXED64, end).unwrap();
            assert_eq!(w.next_field(end).unwrap(), None);
        });
    }

    #[test]
    fn lengths_past_the_message_and_bad_wire_types_fail() {
        with_wire(&[0x12, 0x7f, 0], |w| {
            let end = w.file_end();
            w.next_field(end).unwrap();
            assert!(
                w.skip(LEN, end)
                    .unwrap_err()
                    .to_string()
                    .contains("127-byte field runs past")
            );
        });
        with_wire(&[0x0b], |w| {
            let end = w.file_end();
            let (_, wt) = w.next_field(end).unwrap().unwrap();
            assert!(w.skip(wt, end).unwrap_err().to_string().contains("groups"));
        });
        with_wire(&[0xff; 12], |w| assert!(w.varint().is_err()));
        with_wire(&[0x00], |w| {
            let end = w.file_end();
            assert!(
                w.next_field(end)
                    .unwrap_err()
                    .to_string()
                    .contains("field number 0")
            );
        });
        with_wire(&[0x12, 20], |w| {
            let end = w.file_end();
            w.next_field(end).unwrap();
            assert!(w.bytes(end).is_err());
        });
        let long = [&[0x12, 17][..], &[b'x'; 17]].concat();
        with_wire(&long, |w| {
            let end = w.file_end();
            w.next_field(end).unwrap();
            assert!(
                w.bytes(end)
                    .unwrap_err()
                    .to_string()
                    .contains("more than 16 bytes in one string")
            );
        });
    }

    #[test]
    fn field_count_is_limited() {
        let many = [0x08, 0x01].repeat(101);
        with_wire(&many, |w| {
            let end = w.file_end();
            let mut n = 0;
            let err = loop {
                match w.next_field(end) {
                    Ok(Some(_)) => {
                        w.varint().unwrap();
                        n += 1;
                    }
                    Ok(None) => panic!("no limit"),
                    Err(e) => break e,
                }
            };
            assert_eq!(n, 100);
            assert!(err.to_string().contains("more than 100 protobuf fields"));
        });
    }
}
