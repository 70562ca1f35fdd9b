//! ZIP archives (PyTorch checkpoints, `.npz`, `.keras` …), read the way the loaders that open
//! them do, and checked for the places where loaders disagree.
//!
//! Python's `zipfile` (numpy, keras) and PyTorch's miniz reader both find members through the
//! central directory, then read the data after each member's local header; Python compares
//! the local name with the central one, miniz does not; miniz ignores CRCs, Python checks
//! them; Python honours the Info-ZIP Unicode Path field (0x7075), miniz does not. Scanners
//! that trusted one of those views missed pickles another loader runs (CVE-2025-1944,
//! CVE-2025-1945, CVE-2025-10156). Here every member is found through the central
//! directory and scanned by its content whatever its name, and every disagreement between
//! the views is an anomaly the caller reports as a fail-closed scan error.

use crate::judge::escape;
use crate::source::{Codec, Origin, Stream};

const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const EOCD64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const LOCAL: &[u8; 4] = b"PK\x03\x04";

/// One member, as the central directory describes it.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The name, decoded (UTF-8 when flagged, else as bytes that are mostly ASCII) and
    /// escaped.
    pub name: String,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    /// Where the data starts (after the local header), when the local header was readable.
    pub data_start: Option<u64>,
    /// Why the member cannot be read (encrypted, an unknown method, a broken header).
    pub unreadable: Option<String>,
}

impl Member {
    /// The member's bytes, decompressed; `cap` bounds what inflating may produce.
    pub(crate) fn stream(&self, cap: u64) -> Option<Stream> {
        let start = self.data_start?;
        if self.unreadable.is_some() {
            return None;
        }
        let raw = Stream::Region {
            start,
            len: self.compressed,
        };
        Some(match self.method {
            0 => raw,
            _ => Stream::Inflate {
                inner: Box::new(raw),
                codec: Codec::Deflate,
                cap,
                cap_kind: crate::source::CapKind::Member {
                    archive: String::new(),
                    name: self.name.clone(),
                    declared: self.size,
                },
                exact: Some(self.size),
            },
        })
    }
}

/// A directory and what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub members: Vec<Member>,
    /// Disagreements and damage, each a reason to fail closed.
    pub anomalies: Vec<String>,
}

/// Why a directory could not be read at all.
#[derive(Debug)]
pub(crate) enum ZipError {
    /// Broken beyond reading: a fail-closed fact.
    Broken(String),
    /// More members than the limit.
    TooMany(u64),
    Io(std::io::Error),
}

impl From<std::io::Error> for ZipError {
    fn from(e: std::io::Error) -> Self {
        ZipError::Io(e)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Extra fields: (id, data).
fn extra_fields(extra: &[u8]) -> Result<Vec<(u16, &[u8])>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = u16_at(extra, at);
        let len = usize::from(u16_at(extra, at + 2));
        let data = extra
            .get(at + 4..at + 4 + len)
            .ok_or_else(|| "an extra field runs past its header".to_owned())?;
        out.push((id, data));
        at += 4 + len;
    }
    // Trailing bytes shorter than a field header are padding some writers leave; torch pads
    // with whole fields.
    Ok(out)
}

/// The name an Info-ZIP Unicode Path field (0x7075) gives, if any, and whether its CRC
/// matches the header name.
fn unicode_path(extra: &[(u16, &[u8])], header_name: &[u8]) -> Option<(String, bool)> {
    let (_, data) = extra.iter().find(|(id, _)| *id == 0x7075)?;
    if data.len() < 5 || data[0] != 1 {
        return Some(("(malformed Unicode Path field)".to_owned(), false));
    }
    let crc_ok = u32_at(data, 1) == crc32(header_name);
    let name = String::from_utf8_lossy(&data[5..]).into_owned();
    Some((name, crc_ok))
}

pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

fn decode_name(raw: &[u8], utf8_flag: bool) -> Result<String, String> {
    if utf8_flag {
        String::from_utf8(raw.to_vec()).map_err(|_| "a name flagged UTF-8 is not UTF-8".to_owned())
    } else {
        // Python decodes unflagged names as cp437, miniz keeps the bytes: they agree on ASCII.
        Ok(String::from_utf8_lossy(raw).into_owned())
    }
}

/// Reads the central directory of the zip archive in `origin[start..start+len]`.
pub(crate) fn read_directory(
    origin: &Origin<'_>,
    start: u64,
    len: u64,
    max_members: usize,
) -> Result<Directory, ZipError> {
    let mut dir = Directory::default();
    let broken = |why: &str| ZipError::Broken(why.to_owned());

    // The end record: the last signature in the final 64 KiB + 22 bytes (what both Python and
    // miniz look for).
    let tail_len = len.min(65_557);
    let tail_start = start + len - tail_len;
    let tail = origin
        .bytes_at(tail_start, tail_len as usize)?
        .ok_or_else(|| broken("cannot read the end of the archive"))?;
    let eocd_at = tail
        .windows(4)
        .rposition(|w| w == EOCD)
        .filter(|&at| at + 22 <= tail.len())
        .ok_or_else(|| broken("no end-of-central-directory record"))?;
    if tail[..eocd_at].windows(4).any(|w| w == EOCD) {
        dir.anomalies.push(
            "several end-of-central-directory records: loaders may pick different ones".into(),
        );
    }
    let eocd = &tail[eocd_at..];
    let eocd_offset = tail_start + eocd_at as u64 - start;
    let comment_len = u64::from(u16_at(eocd, 20));
    if eocd_offset + 22 + comment_len != len {
        dir.anomalies
            .push("bytes after the end record that its comment does not account for".into());
    }
    if u16_at(eocd, 4) != 0 || u16_at(eocd, 6) != 0 {
        return Err(broken("a multi-disk archive"));
    }
    let mut entries = u64::from(u16_at(eocd, 10));
    let mut cd_size = u64::from(u32_at(eocd, 12));
    let mut cd_offset = u64::from(u32_at(eocd, 16));
    let mut records_start = eocd_offset;

    // Zip64.
    if eocd_offset >= 20 {
        let locator = origin
            .bytes_at(start + eocd_offset - 20, 20)?
            .ok_or_else(|| broken("cannot read the zip64 locator"))?;
        if &locator[..4] == EOCD64_LOCATOR {
            let at = u64_at(&locator, 8);
            let record = origin
                .bytes_at(start + at, 56)?
                .filter(|r| &r[..4] == EOCD64)
                .ok_or_else(|| broken("the zip64 end record is missing"))?;
            entries = u64_at(&record, 32);
            cd_size = u64_at(&record, 40);
            cd_offset = u64_at(&record, 48);
            records_start = at;
            if at + 56 + 20 > eocd_offset {
                dir.anomalies
                    .push("the zip64 end record overlaps the end record".into());
            }
        }
    }
    if entries > max_members as u64 {
        return Err(ZipError::TooMany(entries));
    }
    if cd_offset + cd_size != records_start {
        // Python accepts data prepended to the archive and shifts every offset; miniz does
        // not: the loaders would read different bytes.
        dir.anomalies.push(format!(
            "the central directory is not where the end record says ({} bytes unaccounted for)",
            i128::from(records_start) - i128::from(cd_offset) - i128::from(cd_size)
        ));
    }
    if cd_offset.saturating_add(cd_size) > len {
        return Err(broken(
            "the central directory runs past the end of the file",
        ));
    }
    let cd = origin
        .bytes_at(
            start + cd_offset,
            usize::try_from(cd_size).unwrap_or(usize::MAX),
        )?
        .ok_or_else(|| broken("cannot read the central directory"))?;

    let mut at = 0usize;
    let mut names: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for _ in 0..entries {
        let fixed = cd
            .get(at..at + 46)
            .filter(|f| &f[..4] == CENTRAL)
            .ok_or_else(|| broken("a central directory entry is missing or damaged"))?;
        let flags = u16_at(fixed, 8);
        let method = u16_at(fixed, 10);
        let crc = u32_at(fixed, 16);
        let mut compressed = u64::from(u32_at(fixed, 20));
        let mut size = u64::from(u32_at(fixed, 24));
        let name_len = usize::from(u16_at(fixed, 28));
        let extra_len = usize::from(u16_at(fixed, 30));
        let comment_len = usize::from(u16_at(fixed, 32));
        let disk = u16_at(fixed, 34);
        let mut local = u64::from(u32_at(fixed, 42));
        let raw_name = cd
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| broken("a central directory name runs past the directory"))?
            .to_vec();
        let extra = cd
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or_else(|| broken("a central directory extra field runs past the directory"))?;
        at += 46 + name_len + extra_len + comment_len;

        let mut member_anomalies = Vec::new();
        let fields = match extra_fields(extra) {
            Ok(f) => f,
            Err(why) => {
                member_anomalies.push(why);
                Vec::new()
            }
        };
        // Zip64 sizes and offset, in this order, for the fields that are 0xFFFFFFFF.
        if let Some((_, data)) = fields.iter().find(|(id, _)| *id == 0x0001) {
            let mut z = 0;
            let mut next = |value: &mut u64, wide: bool| {
                if wide {
                    if let Some(b) = data.get(z..z + 8) {
                        *value = u64_at(b, 0);
                        z += 8;
                    } else {
                        member_anomalies.push("a zip64 field is too short".into());
                    }
                }
            };
            let (s, c, l) = (
                size == 0xffff_ffff,
                compressed == 0xffff_ffff,
                local == 0xffff_ffff,
            );
            next(&mut size, s);
            next(&mut compressed, c);
            next(&mut local, l);
        }
        let name = match decode_name(&raw_name, flags & 0x0800 != 0) {
            Ok(n) => n,
            Err(why) => {
                member_anomalies.push(why);
                String::from_utf8_lossy(&raw_name).into_owned()
            }
        };
        let shown = escape(&name);
        if let Some((unicode, crc_ok)) = unicode_path(&fields, &raw_name)
            && (unicode != name || !crc_ok)
        {
            member_anomalies.push(format!(
                "its Unicode Path field names it {:?}: loaders disagree on its name",
                escape(&unicode)
            ));
        }
        if !names.insert(raw_name.clone()) {
            member_anomalies.push("two members have this name: loaders may read either".into());
        }
        if disk != 0 {
            member_anomalies.push("it is on another disk".into());
        }

        let mut member = Member {
            name: shown,
            method,
            crc,
            compressed,
            size,
            data_start: None,
            unreadable: None,
        };
        if flags & 0x0001 != 0 || flags & 0x0040 != 0 {
            member.unreadable = Some("it is encrypted".into());
        } else if flags & 0x0020 != 0 {
            member.unreadable = Some("it is compressed patch data".into());
        } else if !matches!(method, 0 | 8) {
            member.unreadable = Some(format!("it is compressed with method {method}"));
        } else if method == 0 && compressed != size {
            member_anomalies.push("stored, but its sizes differ".into());
        }

        // The local header.
        match origin.bytes_at(start + local, 30)? {
            Some(header) if &header[..4] == LOCAL => {
                let l_flags = u16_at(&header, 6);
                let l_method = u16_at(&header, 8);
                let l_name_len = u64::from(u16_at(&header, 26));
                let l_extra_len = u64::from(u16_at(&header, 28));
                let l_name = origin
                    .bytes_at(start + local + 30, l_name_len as usize)?
                    .unwrap_or_default();
                let l_extra = origin
                    .bytes_at(start + local + 30 + l_name_len, l_extra_len as usize)?
                    .unwrap_or_default();
                if l_name != raw_name {
                    member_anomalies.push(format!(
                        "its local header names it {:?}: loaders disagree on its name",
                        escape(&String::from_utf8_lossy(&l_name))
                    ));
                }
                if l_flags != flags {
                    member_anomalies.push(format!(
                        "its local header flags 0x{l_flags:04x} differ from the directory's 0x{flags:04x}"
                    ));
                }
                if l_method != method {
                    member_anomalies.push(format!(
                        "its local header says method {l_method}, the directory {method}"
                    ));
                }
                if let Ok(l_fields) = extra_fields(&l_extra)
                    && let Some((unicode, crc_ok)) = unicode_path(&l_fields, &l_name)
                    && (unicode != name || !crc_ok)
                {
                    member_anomalies.push(format!(
                        "its local Unicode Path field names it {:?}",
                        escape(&unicode)
                    ));
                }
                let data_start = local + 30 + l_name_len + l_extra_len;
                if data_start + compressed > cd_offset.min(len) {
                    member_anomalies.push("its data runs into the central directory".into());
                } else {
                    member.data_start = Some(start + data_start);
                }
            }
            _ => member.unreadable = Some("its local header is missing".into()),
        }
        for why in member_anomalies {
            dir.anomalies.push(format!("member {}: {why}", member.name));
        }
        dir.members.push(member);
    }
    if at as u64 != cd_size {
        dir.anomalies.push(
            "the central directory holds more or fewer bytes than its entries: loaders that \
             count entries and loaders that read to the end disagree"
                .into(),
        );
    }
    // Members must not overlap (overlapping members are a zip bomb technique and let two
    // names share bytes).
    let mut spans: Vec<(u64, u64, &str)> = dir
        .members
        .iter()
        .filter_map(|m| {
            Some((
                m.data_start? - start,
                m.data_start? - start + m.compressed,
                m.name.as_str(),
            ))
        })
        .collect();
    spans.sort_unstable();
    let overlaps: Vec<String> = spans
        .windows(2)
        .filter(|w| w[1].0 < w[0].1)
        .map(|w| format!("members {} and {} overlap", w[0].2, w[1].2))
        .collect();
    dir.anomalies.extend(overlaps);
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored zip written by hand: (name in the directory, name in the local header, data).
    fn zip(members: &[(&[u8], &[u8], &[u8])], unicode: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (central_name, local_name, data) in members {
            let offset = out.len() as u32;
            let crc = crc32(data);
            let mut extra = Vec::new();
            if let Some(u) = unicode {
                extra.extend_from_slice(&0x7075u16.to_le_bytes());
                extra.extend_from_slice(&((5 + u.len()) as u16).to_le_bytes());
                extra.push(1);
                extra.extend_from_slice(&crc32(central_name).to_le_bytes());
                extra.extend_from_slice(u.as_bytes());
            }
            out.extend_from_slice(LOCAL);
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(local_name);
            out.extend_from_slice(data);
            central.extend_from_slice(CENTRAL);
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(central_name.len() as u16).to_le_bytes());
            central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0u8; 10]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(central_name);
            central.extend_from_slice(&extra);
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(EOCD);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn dir(bytes: &[u8]) -> Directory {
        read_directory(&Origin::Bytes(bytes), 0, bytes.len() as u64, 100).unwrap()
    }

    #[test]
    fn clean_archive() {
        let bytes = zip(
            &[
                (b"a/data.pkl", b"a/data.pkl", b"N."),
                (b"a/x", b"a/x", b"12"),
            ],
            None,
        );
        let d = dir(&bytes);
        assert!(d.anomalies.is_empty(), "{:?}", d.anomalies);
        assert_eq!(d.members.len(), 2);
        assert_eq!(d.members[0].name, "a/data.pkl");
        assert_eq!(d.members[0].data_start, Some(40));
    }

    #[test]
    fn disagreements_are_anomalies() {
        let d = dir(&zip(&[(b"a/data.bin", b"a/data.pkl", b"N.")], None));
        assert_eq!(d.anomalies.len(), 1, "{:?}", d.anomalies);
        assert!(d.anomalies[0].contains("local header names it"));
        let d = dir(&zip(&[(b"a/x", b"a/x", b"N.")], Some("a/y")));
        assert!(d.anomalies[0].contains("Unicode Path"), "{:?}", d.anomalies);
        let d = dir(&zip(
            &[(b"a/x", b"a/x", b"1"), (b"a/x", b"a/x", b"2")],
            None,
        ));
        assert!(d.anomalies.iter().any(|a| a.contains("two members")));
        let mut prepended = b"junk".to_vec();
        prepended.extend(zip(&[(b"a", b"a", b"N.")], None));
        // Python's zipfile shifts every offset past prepended data; miniz does not.
        match read_directory(&Origin::Bytes(&prepended), 0, prepended.len() as u64, 100) {
            Err(ZipError::Broken(_)) => {}
            Ok(d) => assert!(!d.anomalies.is_empty(), "{:?}", d.anomalies),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn broken_and_limits() {
        assert!(matches!(
            read_directory(&Origin::Bytes(b"PK\x03\x04junk"), 0, 8, 100),
            Err(ZipError::Broken(_))
        ));
        let bytes = zip(&[(b"a", b"a", b"1"), (b"b", b"b", b"2")], None);
        assert!(matches!(
            read_directory(&Origin::Bytes(&bytes), 0, bytes.len() as u64, 1),
            Err(ZipError::TooMany(2))
        ));
    }
}
