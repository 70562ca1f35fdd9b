//! Where a scan's bytes come from: the file (or the caller's bytes), windows of it (zip and tar
//! members), and decompressed streams over those (deflated members, gzip and zlib files).
//! A stream can be opened as often as needed (a second walk, a CRC check), each time from its
//! start, and never holds more than a read buffer.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

/// The whole input: bytes in memory, or an open file read in place.
pub(crate) enum Origin<'a> {
    Bytes(&'a [u8]),
    File(&'a File, u64),
}

impl Origin<'_> {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Origin::Bytes(b) => b.len() as u64,
            Origin::File(_, len) => *len,
        }
    }

    /// Reads as much of `buf` as there is at `offset`.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Origin::Bytes(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                Ok(n)
            }
            Origin::File(file, _) => {
                let mut file = *file;
                file.seek(SeekFrom::Start(offset))?;
                let mut got = 0;
                while got < buf.len() {
                    match file.read(&mut buf[got..]) {
                        Ok(0) => break,
                        Ok(n) => got += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(got)
            }
        }
    }

    /// Exactly `len` bytes at `offset`, or None past the end.
    pub(crate) fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; len];
        let n = self.read_at(offset, &mut buf)?;
        Ok((n == len).then_some(buf))
    }
}

/// A file region as a reader.
struct Window<'a> {
    origin: &'a Origin<'a>,
    pos: u64,
    end: u64,
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.origin.read_at(self.pos, &mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// How a stream is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Raw deflate (zip method 8).
    Deflate,
    Zlib,
    /// One or more gzip members.
    Gzip,
}

/// What a cap on inflated bytes protects against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CapKind {
    /// A zip member, whose declared size is known.
    Member {
        archive: String,
        name: String,
        declared: u64,
    },
    /// A whole compressed file.
    Decompressed,
}

/// A stream that can be opened again and again.
#[derive(Debug, Clone)]
pub(crate) enum Stream {
    /// Bytes of the origin.
    Region { start: u64, len: u64 },
    /// A decompressed stream, capped at `cap` bytes. `exact`: the stream must end at exactly
    /// this many bytes (a zip member's declared size); more is corrupt content.
    Inflate {
        inner: Box<Stream>,
        codec: Codec,
        cap: u64,
        cap_kind: CapKind,
        exact: Option<u64>,
    },
    /// `len` bytes after `skip` of a stream that cannot seek (a tar member inside gzip).
    Slice {
        inner: Box<Stream>,
        skip: u64,
        len: u64,
    },
}

/// Inflating past a cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CapExceeded {
    pub kind: CapKind,
    pub cap: u64,
}

impl fmt::Display for CapExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inflates to more than {} bytes", self.cap)
    }
}

impl std::error::Error for CapExceeded {}

/// The CapExceeded inside an I/O error, if that is what it is.
pub(crate) fn cap_exceeded(error: &io::Error) -> Option<&CapExceeded> {
    error
        .get_ref()
        .and_then(|e| e.downcast_ref::<CapExceeded>())
}

struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: CapExceeded,
    exact: Option<u64>,
    read: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ if self.exact.is_some_and(|e| e <= self.exceeded.cap) => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the member inflates to more than its declared size",
                )),
                _ => Err(io::Error::other(self.exceeded.clone())),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        self.read += n as u64;
        if n == 0
            && let Some(exact) = self.exact
            && self.read < exact
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the member inflates to less than its declared size",
            ));
        }
        Ok(n)
    }
}

impl Stream {
    /// Opens the stream from its start.
    pub(crate) fn open<'a>(&self, origin: &'a Origin<'a>) -> io::Result<Box<dyn BufRead + 'a>> {
        match self {
            Stream::Region { start, len } => match origin {
                Origin::Bytes(bytes) => {
                    let from = usize::try_from(*start)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let to = usize::try_from(start.saturating_add(*len))
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    Ok(Box::new(&bytes[from..to.max(from)]))
                }
                Origin::File(..) => Ok(Box::new(BufReader::with_capacity(
                    64 << 10,
                    Window {
                        origin,
                        pos: *start,
                        end: start.saturating_add(*len),
                    },
                ))),
            },
            Stream::Inflate {
                inner,
                codec,
                cap,
                cap_kind,
                exact,
            } => {
                let inner = inner.open(origin)?;
                let decoded: Box<dyn Read + 'a> = match codec {
                    Codec::Deflate => Box::new(flate2::bufread::DeflateDecoder::new(inner)),
                    Codec::Zlib => Box::new(flate2::bufread::ZlibDecoder::new(inner)),
                    Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(inner)),
                };
                let limit = exact.map_or(*cap, |e| e.min(*cap));
                Ok(Box::new(BufReader::with_capacity(
                    64 << 10,
                    Capped {
                        inner: decoded,
                        left: limit,
                        exceeded: CapExceeded {
                            kind: cap_kind.clone(),
                            cap: *cap,
                        },
                        exact: *exact,
                        read: 0,
                    },
                )))
            }
            Stream::Slice { inner, skip, len } => {
                let mut reader = inner.open(origin)?;
                let skipped = io::copy(&mut (&mut reader).take(*skip), &mut io::sink())?;
                if skipped < *skip {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ends before the member",
                    ));
                }
                Ok(Box::new(BufReader::new(reader.take(*len))))
            }
        }
    }

    /// The origin region, when the stream is one (random access is possible).
    pub(crate) fn region(&self) -> Option<(u64, u64)> {
        match self {
            Stream::Region { start, len } => Some((*start, *len)),
            _ => None,
        }
    }

    /// A window of this stream.
    pub(crate) fn sub(&self, skip: u64, len: u64) -> Stream {
        match self {
            Stream::Region { start, .. } => Stream::Region {
                start: start + skip,
                len,
            },
            _ => Stream::Slice {
                inner: Box::new(self.clone()),
                skip,
                len,
            },
        }
    }
}

/// Reads up to `n` bytes from the start of a stream.
pub(crate) fn head(stream: &Stream, origin: &Origin<'_>, n: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    stream.open(origin)?.take(n as u64).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn regions_and_slices() {
        let data = b"0123456789";
        let origin = Origin::Bytes(data);
        let region = Stream::Region { start: 2, len: 5 };
        assert_eq!(head(&region, &origin, 100).unwrap(), b"23456");
        assert_eq!(head(&region.sub(1, 2), &origin, 100).unwrap(), b"34");
    }

    #[test]
    fn inflate_caps_and_declared_sizes() {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&[7u8; 1000]).unwrap();
        let deflated = enc.finish().unwrap();
        let origin = Origin::Bytes(&deflated);
        let stream = |cap, exact| Stream::Inflate {
            inner: Box::new(Stream::Region {
                start: 0,
                len: deflated.len() as u64,
            }),
            codec: Codec::Deflate,
            cap,
            cap_kind: CapKind::Decompressed,
            exact,
        };
        assert_eq!(
            head(&stream(2000, Some(1000)), &origin, 5000)
                .unwrap()
                .len(),
            1000
        );
        let err = head(&stream(100, None), &origin, 5000).unwrap_err();
        assert_eq!(cap_exceeded(&err).unwrap().cap, 100);
        let err = head(&stream(2000, Some(10)), &origin, 5000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let err = head(&stream(2000, Some(1500)), &origin, 5000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
