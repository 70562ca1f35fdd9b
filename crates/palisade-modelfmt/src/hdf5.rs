//! Just enough HDF5 to read the root group's string attributes (where legacy Keras keeps
//! `model_config` and `training_config`): the superblock, the root object header with its
//! continuation blocks, attribute messages, and the global heap that holds variable-length
//! strings. Field layouts follow the HDF5 File Format Specification 3.0 (§II.A superblock,
//! §IV.A object headers, §IV.A.2.m attribute message, §IV.A.2.b dataspace, §IV.A.2.d
//! datatype, §III.E global heap).
//!
//! Why not search the file for the JSON: a file can hold any number of JSON-looking strings
//! (a decoy in another attribute, in a dataset, in free space), and only the attribute h5py
//! would return is the one Keras deserialises. So this reads the structure h5py reads, and
//! fails closed on what it does not handle: shared attribute messages, dense attribute
//! storage (a fractal heap), duplicate attribute names, a superblock version past 3.
//! Checksums (version 2 headers) are not verified: a file HDF5 would refuse is read anyway,
//! which can only add findings.

use crate::Limits;
use crate::error::ModelFormatError;
use crate::source::{Place, Source};

/// The root group's attributes, by name: each a single string (`Some`) or another type (`None`).
pub(crate) type Attributes = Vec<(String, Option<Vec<u8>>)>;

/// HDF5 message types used here.
const MSG_ATTRIBUTE: u16 = 0x000C;
const MSG_CONTINUATION: u16 = 0x0010;
const MSG_ATTRIBUTE_INFO: u16 = 0x0015;

/// Datatype classes.
const CLASS_STRING: u8 = 3;
const CLASS_VLEN: u8 = 9;

/// The largest user block probed for the signature (HDF5 probes 0, 512, 1024, 2048 …).
const MAX_USER_BLOCK: u64 = 1 << 30;

/// Sizes of offsets and lengths in this file (2, 4 or 8 bytes), and the base address.
#[derive(Clone, Copy)]
struct Layout {
    offset_size: usize,
    length_size: usize,
    base: u64,
}

impl Layout {
    fn undefined(&self, addr: u64) -> bool {
        addr == u64::MAX >> (64 - 8 * self.offset_size)
    }
}

/// A bounds-checked little-endian reader over a block already in memory.
struct Bytes<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Bytes<'b> {
    fn new(buf: &'b [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    fn uint(&mut self, n: usize) -> Option<u64> {
        let bytes = self.take(n)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        )
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.uint(2).and_then(|v| u16::try_from(v).ok())
    }

    fn u32(&mut self) -> Option<u32> {
        self.uint(4).and_then(|v| u32::try_from(v).ok())
    }
}

struct Reader<'p, 's, 'r> {
    src: &'s mut Source<'r>,
    place: Place<'p>,
    limits: &'p Limits,
    layout: Layout,
    /// Version 2 headers whose messages carry a creation order (header flag bit 2).
    track_order: bool,
}

/// Reads the root group's attributes of the HDF5 file in `src`. Attribute values are read
/// only for `wanted` names (the others are listed with `None`).
pub(crate) fn root_attributes(
    src: &mut Source<'_>,
    place: Place<'_>,
    limits: &Limits,
    wanted: &[&str],
) -> Result<Attributes, ModelFormatError> {
    let (superblock, version) = find_superblock(src, place)?;
    let mut reader = Reader {
        src,
        place,
        limits,
        layout: Layout {
            offset_size: 8,
            length_size: 8,
            base: 0,
        },
        track_order: false,
    };
    let root = reader.superblock(superblock, version)?;
    reader.attributes(root, wanted)
}

fn find_superblock(src: &mut Source<'_>, place: Place<'_>) -> Result<(u64, u8), ModelFormatError> {
    let mut at = 0u64;
    while at.saturating_add(9) <= src.size() && at <= MAX_USER_BLOCK {
        let head = src.read_at(at, 9).map_err(|e| place.io(at, &e))?;
        if head[..8] == *crate::detect::HDF5_SIGNATURE {
            return Ok((at, head[8]));
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    Err(place.malformed(0, "no HDF5 superblock signature"))
}

impl Reader<'_, '_, '_> {
    fn block(&mut self, at: u64, len: u64) -> Result<Vec<u8>, ModelFormatError> {
        if len > self.limits.max_hdf5_block {
            return Err(self.place.limit(
                at,
                "bytes in one HDF5 block",
                self.limits.max_hdf5_block,
            ));
        }
        if at.checked_add(len).is_none_or(|end| end > self.src.size()) {
            return Err(self.place.malformed(
                at,
                format!("a {len}-byte block runs past the end of the file"),
            ));
        }
        self.src.read_at(at, len).map_err(|e| self.place.io(at, &e))
    }

    /// An address in the file as an absolute offset.
    fn absolute(&self, addr: u64, at: u64) -> Result<u64, ModelFormatError> {
        match self.layout.base.checked_add(addr) {
            Some(abs) if abs < self.src.size() && !self.layout.undefined(addr) => Ok(abs),
            _ => Err(self
                .place
                .malformed(at, format!("address {addr:#x} is outside the file"))),
        }
    }

    /// Parses the superblock at `at`; returns the root group's object header address.
    fn superblock(&mut self, at: u64, version: u8) -> Result<u64, ModelFormatError> {
        let buf = self
            .src
            .read_up_to(at, 256)
            .map_err(|e| self.place.io(at, &e))?;
        let place = self.place;
        let short = || place.malformed(at, "truncated superblock");
        let mut b = Bytes::new(&buf);
        b.take(9).ok_or_else(short)?;
        let (root, base) = match version {
            0 | 1 => {
                // free-space version, root entry version, reserved, shared header version
                b.take(4).ok_or_else(short)?;
                let offsets = usize::from(b.u8().ok_or_else(short)?);
                let lengths = usize::from(b.u8().ok_or_else(short)?);
                self.set_sizes(at, offsets, lengths)?;
                // reserved, leaf K, internal K, flags (+ indexed storage K, reserved in v1)
                b.take(if version == 0 { 9 } else { 13 })
                    .ok_or_else(short)?;
                let base = b.uint(offsets).ok_or_else(short)?;
                // free-space address, end-of-file address, driver information address
                b.take(3 * offsets).ok_or_else(short)?;
                // root group symbol table entry: link name offset, object header address
                b.take(offsets).ok_or_else(short)?;
                (b.uint(offsets).ok_or_else(short)?, base)
            }
            2 | 3 => {
                let offsets = usize::from(b.u8().ok_or_else(short)?);
                let lengths = usize::from(b.u8().ok_or_else(short)?);
                self.set_sizes(at, offsets, lengths)?;
                b.take(1).ok_or_else(short)?; // flags
                let base = b.uint(offsets).ok_or_else(short)?;
                // superblock extension address, end-of-file address
                b.take(2 * offsets).ok_or_else(short)?;
                (b.uint(offsets).ok_or_else(short)?, base)
            }
            other => {
                return Err(self
                    .place
                    .unsupported(format!("superblock version {other}")));
            }
        };
        self.layout.base = base;
        self.absolute(root, at)
    }

    fn set_sizes(
        &mut self,
        at: u64,
        offsets: usize,
        lengths: usize,
    ) -> Result<(), ModelFormatError> {
        if ![2, 4, 8].contains(&offsets) || ![2, 4, 8].contains(&lengths) {
            return Err(self.place.malformed(
                at,
                format!("offset size {offsets} or length size {lengths} is not 2, 4 or 8"),
            ));
        }
        self.layout.offset_size = offsets;
        self.layout.length_size = lengths;
        Ok(())
    }

    /// Walks the object header at `at` and its continuation blocks.
    fn attributes(&mut self, at: u64, wanted: &[&str]) -> Result<Attributes, ModelFormatError> {
        let head = self
            .src
            .read_up_to(at, 4)
            .map_err(|e| self.place.io(at, &e))?;
        let v2 = head == b"OHDR";
        let mut chunks = vec![self.first_chunk(at, v2)?];
        let mut seen = Vec::new();
        let mut messages = 0usize;
        let mut header_bytes = 0u64;
        let mut out: Attributes = Vec::new();
        while let Some((start, len)) = chunks.pop() {
            // All chunks together, so continuations cannot re-read large blocks over and over.
            header_bytes = header_bytes.saturating_add(len);
            if header_bytes > self.limits.max_hdf5_block {
                return Err(self.place.limit(
                    start,
                    "bytes of HDF5 object header",
                    self.limits.max_hdf5_block,
                ));
            }
            if seen.contains(&start) {
                return Err(self
                    .place
                    .malformed(start, "object header continuation loops"));
            }
            seen.push(start);
            if seen.len() > self.limits.max_hdf5_messages {
                return Err(self.place.limit(
                    start,
                    "HDF5 header blocks",
                    self.limits.max_hdf5_messages as u64,
                ));
            }
            let chunk = self.block(start, len)?;
            let mut b = Bytes::new(&chunk);
            let header_len = match (v2, self.track_order) {
                (true, true) => 6,
                (true, false) => 4,
                (false, _) => 8,
            };
            while chunk.len() - b.pos >= header_len {
                let msg_at = start + b.pos as u64;
                let place = self.place;
                let short = || place.malformed(msg_at, "truncated header message");
                let (kind, size, flags) = if v2 {
                    let kind = u16::from(b.u8().ok_or_else(short)?);
                    let size = b.u16().ok_or_else(short)?;
                    let flags = b.u8().ok_or_else(short)?;
                    if self.track_order {
                        b.take(2).ok_or_else(short)?;
                    }
                    (kind, size, flags)
                } else {
                    let kind = b.u16().ok_or_else(short)?;
                    let size = b.u16().ok_or_else(short)?;
                    let flags = b.u8().ok_or_else(short)?;
                    b.take(3).ok_or_else(short)?;
                    (kind, size, flags)
                };
                let data = b.take(usize::from(size)).ok_or_else(short)?;
                messages += 1;
                if messages > self.limits.max_hdf5_messages {
                    return Err(self.place.limit(
                        msg_at,
                        "HDF5 header messages",
                        self.limits.max_hdf5_messages as u64,
                    ));
                }
                match kind {
                    MSG_CONTINUATION => {
                        let mut c = Bytes::new(data);
                        let addr = c.uint(self.layout.offset_size).ok_or_else(short)?;
                        let length = c.uint(self.layout.length_size).ok_or_else(short)?;
                        let addr = self.absolute(addr, msg_at)?;
                        chunks.push(if v2 {
                            self.continuation_v2(addr, length)?
                        } else {
                            (addr, length)
                        });
                    }
                    MSG_ATTRIBUTE_INFO => self.attribute_info(data, msg_at)?,
                    MSG_ATTRIBUTE => {
                        if flags & 0x02 != 0 {
                            return Err(self.place.unsupported("a shared attribute message"));
                        }
                        let (name, value) = self.attribute(data, msg_at, wanted)?;
                        if out.iter().any(|(n, _)| *n == name) {
                            return Err(self.place.malformed(
                                msg_at,
                                format!(
                                    "two attributes named {}",
                                    crate::text::shown(name.as_bytes())
                                ),
                            ));
                        }
                        out.push((name, value));
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// The first chunk of an object header: (start, length) of its messages.
    fn first_chunk(&mut self, at: u64, v2: bool) -> Result<(u64, u64), ModelFormatError> {
        let head = self
            .src
            .read_up_to(at, 40)
            .map_err(|e| self.place.io(at, &e))?;
        let place = self.place;
        let short = || place.malformed(at, "truncated object header");
        let mut b = Bytes::new(&head);
        if v2 {
            b.take(4).ok_or_else(short)?;
            let version = b.u8().ok_or_else(short)?;
            if version != 2 {
                return Err(self
                    .place
                    .malformed(at, format!("object header version {version}, expected 2")));
            }
            let flags = b.u8().ok_or_else(short)?;
            if flags & 0x20 != 0 {
                b.take(16).ok_or_else(short)?; // access, modification, change, birth times
            }
            if flags & 0x10 != 0 {
                b.take(4).ok_or_else(short)?; // attribute phase change values
            }
            let len = b.uint(1 << (flags & 0x03)).ok_or_else(short)?;
            let start = at + b.pos as u64;
            self.track_order = flags & 0x04 != 0;
            Ok((start, len))
        } else {
            let version = b.u8().ok_or_else(short)?;
            if version != 1 {
                return Err(self
                    .place
                    .malformed(at, format!("object header version {version}, expected 1")));
            }
            b.take(7).ok_or_else(short)?; // reserved, message count, reference count
            let len = u64::from(b.u32().ok_or_else(short)?);
            // The 12-byte prefix is padded to 16 so messages are 8-byte aligned.
            Ok((at + 16, len))
        }
    }

    /// A version 2 continuation block: `OCHK`, messages, a checksum.
    fn continuation_v2(&mut self, at: u64, length: u64) -> Result<(u64, u64), ModelFormatError> {
        let sig = self
            .src
            .read_up_to(at, 4)
            .map_err(|e| self.place.io(at, &e))?;
        if sig != b"OCHK" || length < 8 {
            return Err(self
                .place
                .malformed(at, "continuation block without its OCHK signature"));
        }
        Ok((at + 4, length - 8))
    }

    /// An Attribute Info message: attributes in dense storage (a fractal heap) are not read,
    /// so their presence makes the file unreadable.
    fn attribute_info(&mut self, data: &[u8], at: u64) -> Result<(), ModelFormatError> {
        let place = self.place;
        let short = || place.malformed(at, "truncated attribute info message");
        let mut b = Bytes::new(data);
        b.u8().ok_or_else(short)?; // version
        let flags = b.u8().ok_or_else(short)?;
        if flags & 0x01 != 0 {
            b.take(2).ok_or_else(short)?; // maximum creation index
        }
        let heap = b.uint(self.layout.offset_size).ok_or_else(short)?;
        if !self.layout.undefined(heap) {
            return Err(self
                .place
                .unsupported("dense attribute storage (a fractal heap)"));
        }
        Ok(())
    }

    /// One attribute message: its name and, if wanted, its value as a single string.
    fn attribute(
        &mut self,
        data: &[u8],
        at: u64,
        wanted: &[&str],
    ) -> Result<(String, Option<Vec<u8>>), ModelFormatError> {
        let place = self.place;
        let short = || place.malformed(at, "truncated attribute message");
        let mut b = Bytes::new(data);
        let version = b.u8().ok_or_else(short)?;
        let flags = b.u8().ok_or_else(short)?;
        let name_size = usize::from(b.u16().ok_or_else(short)?);
        let type_size = usize::from(b.u16().ok_or_else(short)?);
        let space_size = usize::from(b.u16().ok_or_else(short)?);
        let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
        match version {
            1 | 2 => {}
            3 => {
                b.u8().ok_or_else(short)?; // name character set
            }
            other => {
                return Err(self
                    .place
                    .malformed(at, format!("attribute message version {other}")));
            }
        }
        let raw_name = b.take(pad(name_size)).ok_or_else(short)?;
        let raw_name = &raw_name[..name_size.min(raw_name.len())];
        let name_end = raw_name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(raw_name.len());
        let name = String::from_utf8_lossy(&raw_name[..name_end]).into_owned();
        let datatype = b.take(pad(type_size)).ok_or_else(short)?;
        let dataspace = b.take(pad(space_size)).ok_or_else(short)?;
        let value = &data[b.pos..];
        if !wanted.contains(&name.as_str()) {
            return Ok((name, None));
        }
        if flags & 0x03 != 0 {
            return Err(self.place.unsupported(format!(
                "attribute {name} with a shared datatype or dataspace"
            )));
        }
        let not_a_string = |why: &str| {
            self.place.unsupported(format!(
                "attribute {name} that is not a single string ({why})"
            ))
        };
        if self.elements(dataspace, at)? != 1 {
            return Err(not_a_string("not one element"));
        }
        let mut t = Bytes::new(datatype);
        let class_and_version = t.u8().ok_or_else(short)?;
        let bits0 = t.u8().ok_or_else(short)?;
        t.take(2).ok_or_else(short)?;
        let size = t.u32().ok_or_else(short)? as usize;
        let text = match class_and_version & 0x0F {
            CLASS_STRING => {
                let raw = value.get(..size).ok_or_else(short)?;
                match bits0 & 0x0F {
                    // space padded
                    2 => raw.trim_ascii_end().to_vec(),
                    // null terminated or null padded
                    _ => raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())].to_vec(),
                }
            }
            CLASS_VLEN if bits0 & 0x0F == 1 => {
                let mut v = Bytes::new(value);
                let length = u64::from(v.u32().ok_or_else(short)?);
                let collection = v.uint(self.layout.offset_size).ok_or_else(short)?;
                let index = v.u32().ok_or_else(short)?;
                self.global_heap_object(collection, index, length, at)?
            }
            _ => return Err(not_a_string("another datatype")),
        };
        Ok((name, Some(text)))
    }

    /// The number of elements a dataspace message describes (saturating).
    fn elements(&self, dataspace: &[u8], at: u64) -> Result<u64, ModelFormatError> {
        let place = self.place;
        let short = || place.malformed(at, "truncated dataspace");
        let mut b = Bytes::new(dataspace);
        let version = b.u8().ok_or_else(short)?;
        let rank = usize::from(b.u8().ok_or_else(short)?);
        b.u8().ok_or_else(short)?; // flags
        match version {
            1 => {
                b.take(5).ok_or_else(short)?;
            }
            2 => {
                if b.u8().ok_or_else(short)? == 2 {
                    return Ok(0); // null dataspace
                }
            }
            other => {
                return Err(self
                    .place
                    .malformed(at, format!("dataspace version {other}")));
            }
        }
        let mut count = 1u64;
        for _ in 0..rank {
            let dim = b.uint(self.layout.length_size).ok_or_else(short)?;
            count = count.saturating_mul(dim);
        }
        Ok(count)
    }

    /// Object `index` of the global heap collection at `addr`, cut to `length` bytes.
    fn global_heap_object(
        &mut self,
        addr: u64,
        index: u32,
        length: u64,
        at: u64,
    ) -> Result<Vec<u8>, ModelFormatError> {
        let start = self.absolute(addr, at)?;
        let lengths = self.layout.length_size;
        let head = self.block(start, (8 + lengths) as u64)?;
        if &head[..4] != b"GCOL" {
            return Err(self
                .place
                .malformed(start, "global heap collection without its GCOL signature"));
        }
        let mut h = Bytes::new(&head[8..]);
        let size = h
            .uint(lengths)
            .ok_or_else(|| self.place.malformed(start, "truncated global heap"))?;
        let collection = self.block(start, size)?;
        let mut b = Bytes::new(&collection);
        b.take(8 + lengths);
        loop {
            let obj_at = start + b.pos as u64;
            let place = self.place;
            let short = || place.malformed(obj_at, format!("global heap object {index} not found"));
            let id = b.u16().ok_or_else(short)?;
            if id == 0 {
                return Err(short()); // free space: the end of the objects
            }
            b.take(6).ok_or_else(short)?; // reference count, reserved
            let obj_size = b.uint(lengths).ok_or_else(short)?;
            let obj_len = usize::try_from(obj_size).map_err(|_| short())?;
            let data = b.take(obj_len).ok_or_else(short)?;
            if u32::from(id) == index {
                let len = usize::try_from(length).map_err(|_| short())?;
                return data.get(..len).map(<[u8]>::to_vec).ok_or_else(|| {
                    self.place.malformed(
                        obj_at,
                        format!("string of {length} bytes in a {obj_size}-byte heap object"),
                    )
                });
            }
            // Objects are padded to a multiple of 8 bytes.
            b.take(obj_len.next_multiple_of(8) - obj_len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const PLACE: Place<'static> = Place {
        path: "t.h5",
        format: "hdf5",
    };

    fn read(bytes: &[u8], wanted: &[&str]) -> Result<Attributes, ModelFormatError> {
        read_with(bytes, wanted, &Limits::default())
    }

    fn read_with(
        bytes: &[u8],
        wanted: &[&str],
        limits: &Limits,
    ) -> Result<Attributes, ModelFormatError> {
        let mut cursor = Cursor::new(bytes.to_vec());
        let mut src = Source::new(&mut cursor, bytes.len() as u64);
        root_attributes(&mut src, PLACE, limits, wanted)
    }

    /// A version 0 superblock (8-byte offsets and lengths) whose root object header (v1) is at
    /// 96 and holds `messages` (type, data).
    fn file_v0(messages: &[(u16, Vec<u8>)], tail: &[u8]) -> Vec<u8> {
        let mut f = crate::detect::HDF5_SIGNATURE.to_vec();
        f.extend([0, 0, 0, 0, 0, 8, 8, 0]);
        f.extend([4, 0, 16, 0, 0, 0, 0, 0]); // leaf K, internal K, flags
        f.extend(0u64.to_le_bytes()); // base
        f.extend(u64::MAX.to_le_bytes()); // free space
        f.extend(u64::MAX.to_le_bytes()); // end of file (unused)
        f.extend(u64::MAX.to_le_bytes()); // driver
        f.extend(0u64.to_le_bytes()); // link name offset
        f.extend(96u64.to_le_bytes()); // root object header
        f.extend([0u8; 24]); // cache type, reserved, scratch
        assert_eq!(f.len(), 96);
        let mut body = Vec::new();
        for (kind, data) in messages {
            let mut data = data.clone();
            data.resize(data.len().next_multiple_of(8), 0);
            body.extend(kind.to_le_bytes());
            body.extend((data.len() as u16).to_le_bytes());
            body.extend([0, 0, 0, 0]);
            body.extend(data);
        }
        f.extend([1, 0]);
        f.extend((messages.len() as u16).to_le_bytes());
        f.extend(1u32.to_le_bytes());
        f.extend((body.len() as u32).to_le_bytes());
        f.extend([0u8; 4]);
        f.extend(body);
        f.extend(tail);
        f
    }

    /// A version 1 attribute message holding a fixed-length string.
    fn fixed_string_attribute(name: &str, value: &[u8]) -> Vec<u8> {
        let mut name = name.as_bytes().to_vec();
        name.push(0);
        let mut datatype = vec![CLASS_STRING | 0x10, 0, 0, 0];
        datatype.extend((value.len() as u32).to_le_bytes());
        let dataspace = vec![1, 0, 0, 0, 0, 0, 0, 0]; // scalar
        let mut m = vec![1, 0];
        m.extend((name.len() as u16).to_le_bytes());
        m.extend((datatype.len() as u16).to_le_bytes());
        m.extend((dataspace.len() as u16).to_le_bytes());
        for part in [name, datatype, dataspace] {
            let len = part.len().next_multiple_of(8);
            m.extend(part);
            m.resize(m.len().next_multiple_of(8).max(len), 0);
        }
        m.extend(value);
        m
    }

    #[test]
    fn fixed_length_string_attributes() {
        let f = file_v0(
            &[
                (0x0001, vec![0; 8]), // a dataspace message: ignored
                (MSG_ATTRIBUTE, fixed_string_attribute("backend", b"jax")),
                (
                    MSG_ATTRIBUTE,
                    fixed_string_attribute("model_config", b"{}\0\0"),
                ),
            ],
            &[],
        );
        let attrs = read(&f, &["model_config"]).unwrap();
        assert_eq!(
            attrs,
            [
                ("backend".to_owned(), None),
                ("model_config".to_owned(), Some(b"{}".to_vec()))
            ]
        );
    }

    #[test]
    fn duplicates_dense_storage_and_loops_fail_closed() {
        let dup = file_v0(
            &[
                (MSG_ATTRIBUTE, fixed_string_attribute("model_config", b"{}")),
                (MSG_ATTRIBUTE, fixed_string_attribute("model_config", b"[]")),
            ],
            &[],
        );
        assert!(
            read(&dup, &["model_config"])
                .unwrap_err()
                .to_string()
                .contains("two attributes named model_config")
        );
        let mut info = vec![0, 0];
        info.extend(4096u64.to_le_bytes()); // a fractal heap address
        info.extend(u64::MAX.to_le_bytes());
        let dense = file_v0(&[(MSG_ATTRIBUTE_INFO, info)], &[]);
        assert!(
            read(&dense, &["model_config"])
                .unwrap_err()
                .to_string()
                .contains("dense attribute storage")
        );
        // A continuation pointing back at the header's own messages.
        let mut cont = 112u64.to_le_bytes().to_vec();
        cont.extend(24u64.to_le_bytes());
        let looped = file_v0(&[(MSG_CONTINUATION, cont)], &[]);
        assert!(
            read(&looped, &[])
                .unwrap_err()
                .to_string()
                .contains("continuation loops")
        );
    }

    #[test]
    fn continuations_share_one_byte_budget() {
        // Three continuations into a 2 kB tail of NIL messages: 1800 bytes of header in all.
        let tail_at = 96 + 16 + 3 * 24;
        let continuations: Vec<(u16, Vec<u8>)> = (0..3u64)
            .map(|i| {
                let mut data = (tail_at as u64 + i * 8).to_le_bytes().to_vec();
                data.extend(600u64.to_le_bytes());
                (MSG_CONTINUATION, data)
            })
            .collect();
        let f = file_v0(&continuations, &[0u8; 2048]);
        assert!(read(&f, &[]).is_ok());
        let limits = Limits {
            max_hdf5_block: 1000,
            ..Limits::default()
        };
        assert!(
            read_with(&f, &[], &limits)
                .unwrap_err()
                .to_string()
                .contains("more than 1000 bytes of HDF5 object header (limit)")
        );
    }

    #[test]
    fn truncated_and_foreign_input() {
        let f = file_v0(
            &[(MSG_ATTRIBUTE, fixed_string_attribute("model_config", b"{}"))],
            &[],
        );
        for cut in [0, 8, 9, 50, 100, 120, f.len() - 1] {
            assert!(read(&f[..cut], &["model_config"]).is_err(), "cut {cut}");
        }
        let mut v9 = f.clone();
        v9[8] = 9;
        assert!(
            read(&v9, &[])
                .unwrap_err()
                .to_string()
                .contains("superblock version 9 is not supported")
        );
    }
}
