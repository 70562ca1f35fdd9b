//! Tar archives as Python's `tarfile` reads them (legacy `torch.save` checkpoints are tars of
//! `sys_info`, `pickle`, `storages` and `tensors`; pandas opens tarred pickles): ustar, GNU
//! and pax headers, long names, checksums. Reading is sequential, so a tar inside a gzip
//! stream works too.

use std::io::{self, BufRead, Read};

use crate::judge::escape;

const BLOCK: u64 = 512;

/// Whether a 512-byte block is a tar header (its checksum matches, signed or unsigned, as
/// `tarfile` accepts).
pub(crate) fn is_header(block: &[u8]) -> bool {
    block.len() >= 512 && !block[..512].iter().all(|&b| b == 0) && checksum_ok(&block[..512])
}

fn checksum_ok(block: &[u8]) -> bool {
    let field = &block[148..156];
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| char::from(b))
        .collect();
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let unsigned: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    let signed: i64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(b as i8)
            }
        })
        .sum();
    stored == unsigned || i64::from(stored) == signed
}

/// A member's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Link,
    Other,
}

/// One member.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The name `tarfile` gives it (pax path, GNU long name, or prefix + name), escaped.
    pub name: String,
    pub kind: Kind,
    /// Offset of its data in the tar stream.
    pub offset: u64,
    pub size: u64,
}

/// The members, and what is odd about the archive.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub entries: Vec<Entry>,
    pub anomalies: Vec<String>,
}

fn octal(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // Base-256 (GNU): big-endian after the marker bit.
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| char::from(b))
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn cstr(field: &[u8]) -> Vec<u8> {
    field.iter().take_while(|&&b| b != 0).copied().collect()
}

/// pax records `LEN key=value\n`: the `path`, if any.
fn pax_path(data: &[u8]) -> Option<Vec<u8>> {
    let mut rest = data;
    let mut path = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(..len)?;
        let body = record.get(space + 1..len.checked_sub(1)?)?;
        if let Some(value) = body.strip_prefix(b"path=") {
            path = Some(value.to_vec());
        }
        rest = &rest[len..];
    }
    path
}

/// Lists the members of the tar stream `reader`, reading at most `max_entries` headers and
/// keeping at most 64 KiB of pax or long-name data per header.
pub(crate) fn list<R: BufRead>(
    mut reader: R,
    max_entries: usize,
) -> io::Result<Result<Listing, String>> {
    let mut listing = Listing::default();
    let mut offset = 0u64;
    let mut long_name: Option<Vec<u8>> = None;
    let mut pax_name: Option<Vec<u8>> = None;
    let mut block = [0u8; 512];
    loop {
        let n = read_block(&mut reader, &mut block)?;
        if n == 0 {
            if offset == 0 {
                return Ok(Err("empty archive".into()));
            }
            listing
                .anomalies
                .push("the archive ends without its end-of-archive blocks".into());
            break;
        }
        if n < 512 {
            if offset == 0 {
                return Ok(Err("not a tar archive (too short)".into()));
            }
            listing
                .anomalies
                .push("the archive ends inside a header".into());
            break;
        }
        if block.iter().all(|&b| b == 0) {
            // `tarfile` stops at the first zero block; anything but zeros after it is read by
            // no loader and hides from this scan: fail closed.
            let mut rest = Vec::new();
            (&mut reader).take(1 << 20).read_to_end(&mut rest)?;
            if rest.iter().any(|&b| b != 0) {
                listing
                    .anomalies
                    .push("data after the end-of-archive block".into());
            }
            break;
        }
        if !checksum_ok(&block) {
            if offset == 0 {
                return Ok(Err("not a tar archive (bad header checksum)".into()));
            }
            listing.anomalies.push(format!(
                "a damaged header at byte {offset}: tarfile stops reading there"
            ));
            break;
        }
        if listing.entries.len() >= max_entries {
            return Ok(Err(format!("more than {max_entries} members")));
        }
        let Some(size) = octal(&block[124..136]) else {
            listing
                .anomalies
                .push(format!("a header at byte {offset} has an invalid size"));
            break;
        };
        let typeflag = block[156];
        let data_offset = offset + BLOCK;
        let padded = size.div_ceil(BLOCK) * BLOCK;
        match typeflag {
            b'L' | b'x' => {
                let mut data = Vec::new();
                let kept = (&mut reader)
                    .take(size.min(64 << 10))
                    .read_to_end(&mut data)? as u64;
                skip(&mut reader, padded - kept)?;
                if typeflag == b'L' {
                    long_name = Some(cstr(&data));
                } else {
                    pax_name = pax_path(&data);
                }
                offset = data_offset + padded;
                continue;
            }
            _ => {}
        }
        let mut name = cstr(&block[0..100]);
        let ustar = &block[257..263] == b"ustar\0";
        if ustar {
            let prefix = cstr(&block[345..500]);
            if !prefix.is_empty() {
                let mut full = prefix;
                full.push(b'/');
                full.extend_from_slice(&name);
                name = full;
            }
        }
        if let Some(long) = long_name.take() {
            name = long;
        }
        if let Some(pax) = pax_name.take() {
            name = pax;
        }
        let kind = match typeflag {
            b'0' | 0 | b'7' | b'S' => Kind::File,
            b'1' | b'2' => Kind::Link,
            _ => Kind::Other,
        };
        // Only regular members have data in the stream.
        let data = if kind == Kind::File || typeflag == b'g' {
            padded
        } else {
            0
        };
        listing.entries.push(Entry {
            name: escape(&String::from_utf8_lossy(&name)),
            kind,
            offset: data_offset,
            size: if kind == Kind::File { size } else { 0 },
        });
        skip(&mut reader, data)?;
        offset = data_offset + data;
    }
    Ok(Ok(listing))
}

fn read_block<R: Read>(reader: &mut R, block: &mut [u8; 512]) -> io::Result<usize> {
    let mut got = 0;
    while got < 512 {
        match reader.read(&mut block[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn skip<R: Read>(reader: &mut R, n: u64) -> io::Result<()> {
    io::copy(&mut reader.take(n), &mut io::sink())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: u64, typeflag: u8) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[156] = typeflag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            out.extend_from_slice(&header(name, data.len() as u64, b'0'));
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    #[test]
    fn lists_members() {
        let bytes = tar(&[("pickle", b"N."), ("storages", &[1u8; 600])]);
        assert!(is_header(&bytes));
        let listing = list(&bytes[..], 100).unwrap().unwrap();
        assert!(listing.anomalies.is_empty(), "{:?}", listing.anomalies);
        let names: Vec<_> = listing
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.offset, e.size))
            .collect();
        assert_eq!(names, [("pickle", 512, 2), ("storages", 1536, 600)]);
    }

    #[test]
    fn oddities() {
        let mut bytes = tar(&[("a", b"x")]);
        bytes.extend_from_slice(b"hidden");
        let listing = list(&bytes[..], 100).unwrap().unwrap();
        assert_eq!(listing.anomalies, ["data after the end-of-archive block"]);
        assert!(!is_header(&[0u8; 512]));
        assert!(!is_header(b"\x80\x02N."));
        assert!(list(&b"not a tar at all"[..], 10).unwrap().is_err());
    }
}
