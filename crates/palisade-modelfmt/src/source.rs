//! The file being read: buffered, position-tracked, with its size known up front so every
//! length is checked against it before anything is read or allocated.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use crate::error::ModelFormatError;

/// Anything readable and seekable (a file, a cursor over bytes, a zip member copy).
pub(crate) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// A buffered reader that knows its position and the file's size.
pub(crate) struct Source<'r> {
    inner: BufReader<&'r mut dyn ReadSeek>,
    size: u64,
    pos: u64,
}

impl<'r> Source<'r> {
    /// Wraps `reader`, which must be positioned at byte 0 of a file of `size` bytes.
    pub(crate) fn new(reader: &'r mut dyn ReadSeek, size: u64) -> Self {
        Self {
            inner: BufReader::with_capacity(64 << 10, reader),
            size,
            pos: 0,
        }
    }

    /// The file's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The current byte offset.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Bytes left after the current position.
    pub(crate) fn remaining(&self) -> u64 {
        self.size.saturating_sub(self.pos)
    }

    /// Moves to `at` (kept in the buffer when it is close).
    pub(crate) fn seek_to(&mut self, at: u64) -> io::Result<()> {
        if at == self.pos {
            return Ok(());
        }
        let delta = i128::from(at) - i128::from(self.pos);
        match i64::try_from(delta) {
            Ok(delta) => self.inner.seek_relative(delta)?,
            Err(_) => {
                self.inner.seek(SeekFrom::Start(at))?;
            }
        }
        self.pos = at;
        Ok(())
    }

    /// Skips `n` bytes.
    pub(crate) fn skip(&mut self, n: u64) -> io::Result<()> {
        self.seek_to(self.pos.saturating_add(n))
    }

    /// Fills `buf` from the current position.
    pub(crate) fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b)?;
        Ok(b[0])
    }

    /// `n` bytes from the current position; the caller has bounded `n` (by the file size and
    /// a limit) before asking.
    pub(crate) fn read_vec(&mut self, n: u64) -> io::Result<Vec<u8>> {
        if n > self.remaining() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends first",
            ));
        }
        let len = usize::try_from(n)
            .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "too large"))?;
        let mut out = vec![0u8; len];
        self.read_exact(&mut out)?;
        Ok(out)
    }

    /// `n` bytes at `at`, bounded like [`Source::read_vec`].
    pub(crate) fn read_at(&mut self, at: u64, n: u64) -> io::Result<Vec<u8>> {
        self.seek_to(at)?;
        self.read_vec(n)
    }

    /// Up to `n` bytes at `at` (fewer at the end of the file).
    pub(crate) fn read_up_to(&mut self, at: u64, n: u64) -> io::Result<Vec<u8>> {
        let n = n.min(self.size.saturating_sub(at));
        self.read_at(at, n)
    }
}

/// Which file and format a reader is working on: builds its errors.
#[derive(Clone, Copy)]
pub(crate) struct Place<'a> {
    /// The file or member, as shown in errors.
    pub(crate) path: &'a str,
    /// The format being read.
    pub(crate) format: &'static str,
}

impl Place<'_> {
    /// The structure is invalid at `offset`.
    pub(crate) fn malformed(&self, offset: u64, reason: impl Into<String>) -> ModelFormatError {
        ModelFormatError::Malformed {
            path: self.path.to_owned(),
            format: self.format,
            offset,
            reason: reason.into(),
        }
    }

    /// A limit was reached at `offset`.
    pub(crate) fn limit(&self, offset: u64, what: &'static str, limit: u64) -> ModelFormatError {
        ModelFormatError::LimitExceeded {
            path: self.path.to_owned(),
            format: self.format,
            offset,
            what,
            limit,
        }
    }

    /// A feature this reader does not handle.
    pub(crate) fn unsupported(&self, feature: impl Into<String>) -> ModelFormatError {
        ModelFormatError::Unsupported {
            path: self.path.to_owned(),
            format: self.format,
            feature: feature.into(),
        }
    }

    /// An I/O error at `offset`: the end of the file is a truncation, the rest a read error.
    pub(crate) fn io(&self, offset: u64, error: &io::Error) -> ModelFormatError {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            self.malformed(offset, "truncated: the file ends first")
        } else {
            ModelFormatError::Read {
                path: self.path.to_owned(),
                reason: format!("byte {offset}: {error}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_position_across_skips_and_seeks() {
        let data: Vec<u8> = (0..=255u8).collect();
        let mut cursor = io::Cursor::new(data);
        let mut src = Source::new(&mut cursor, 256);
        assert_eq!(src.byte().unwrap(), 0);
        src.skip(9).unwrap();
        assert_eq!(src.pos(), 10);
        assert_eq!(src.byte().unwrap(), 10);
        assert_eq!(src.read_at(200, 3).unwrap(), [200, 201, 202]);
        assert_eq!(src.read_at(5, 1).unwrap(), [5]);
        assert_eq!(src.read_up_to(250, 100).unwrap().len(), 6);
        assert_eq!(src.remaining(), 0);
        assert!(src.read_vec(1).is_err());
    }
}
