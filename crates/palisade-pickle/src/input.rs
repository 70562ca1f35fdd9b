//! The bytes a walk reads: streamed (arguments that are not kept are skipped, never
//! buffered), with the offset of every byte, and with pickle frames tracked as Python's
//! unpickler buffers them.
//!
//! Frames matter in two places. A loader that reads several pickles from one file (legacy
//! `torch.save`, torch's tar `storages`) starts the next one after the previous pickle's last
//! frame, even if STOP came earlier. And joblib reads raw array bytes from the *file*
//! position, which is the end of the current frame: bytes left in the frame are read as
//! opcodes after the array. Those bytes are set aside ("pending") while the array is skipped.

use std::io::{self, BufRead};

/// A newline-terminated argument.
#[derive(Debug)]
pub(crate) struct Line {
    /// Its first bytes (at most the `keep` asked for), without the newline.
    pub kept: Vec<u8>,
    /// Its length without the newline.
    pub len: u64,
}

pub(crate) struct Input<R> {
    inner: R,
    /// Offset of the next byte of `inner` (the file position).
    pos: u64,
    /// Frame bytes read from `inner` before a raw read, to be read as opcodes next.
    pending: Vec<u8>,
    pending_at: usize,
    pending_origin: u64,
    /// Bytes left in the current frame.
    frame_left: u64,
}

/// What `set_aside` saved.
pub(crate) struct Aside {
    pending: Vec<u8>,
    pending_at: usize,
    pending_origin: u64,
    frame_left: u64,
}

impl<R: BufRead> Input<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            pos: 0,
            pending: Vec::new(),
            pending_at: 0,
            pending_origin: 0,
            frame_left: 0,
        }
    }

    /// The offset of the next opcode byte.
    pub(crate) fn offset(&self) -> u64 {
        if self.pending_at < self.pending.len() {
            self.pending_origin + self.pending_at as u64
        } else {
            self.pos
        }
    }

    /// Calls `f` on the bytes available now (pending ones first), retrying reads the OS
    /// interrupted; an empty slice means the end.
    #[inline]
    fn with_available<T>(&mut self, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        if self.pending_at < self.pending.len() {
            return Ok(f(&self.pending[self.pending_at..]));
        }
        loop {
            match self.inner.fill_buf() {
                Ok(buf) => return Ok(f(buf)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        if self.pending_at < self.pending.len() {
            self.pending_at += n;
            if self.pending_at >= self.pending.len() {
                self.pending = Vec::new();
                self.pending_at = 0;
            }
        } else {
            self.inner.consume(n);
            self.pos += n as u64;
        }
        self.frame_left = self.frame_left.saturating_sub(n as u64);
    }

    /// The next byte, or None at the end.
    #[inline]
    pub(crate) fn byte(&mut self) -> io::Result<Option<u8>> {
        let Some(b) = self.with_available(|buf| buf.first().copied())? else {
            return Ok(None);
        };
        self.consume(1);
        Ok(Some(b))
    }

    /// `N` bytes, or None if the input ends first.
    #[inline]
    pub(crate) fn exact<const N: usize>(&mut self) -> io::Result<Option<[u8; N]>> {
        let mut out = [0u8; N];
        let mut got = 0;
        while got < N {
            let n = self.with_available(|buf| {
                let n = buf.len().min(N - got);
                out[got..got + n].copy_from_slice(&buf[..n]);
                n
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.consume(n);
            got += n;
        }
        Ok(Some(out))
    }

    /// `len` bytes, kept if at most `keep`, else skipped. `Ok(None)`: the input ends first.
    pub(crate) fn bytes(&mut self, len: u64, keep: usize) -> io::Result<Option<Option<Vec<u8>>>> {
        if len <= keep as u64 {
            let mut out = Vec::with_capacity(len as usize);
            while (out.len() as u64) < len {
                let want = len as usize - out.len();
                let n = self.with_available(|buf| {
                    let n = buf.len().min(want);
                    out.extend_from_slice(&buf[..n]);
                    n
                })?;
                if n == 0 {
                    return Ok(None);
                }
                self.consume(n);
            }
            return Ok(Some(Some(out)));
        }
        Ok((self.skip(len)? == len).then_some(None))
    }

    /// Skips up to `len` bytes; returns how many there were.
    pub(crate) fn skip(&mut self, len: u64) -> io::Result<u64> {
        let mut left = len;
        while left > 0 {
            let room = usize::try_from(left).unwrap_or(usize::MAX);
            let n = self.with_available(|buf| buf.len().min(room))?;
            if n == 0 {
                break;
            }
            self.consume(n);
            left -= n as u64;
        }
        Ok(len - left)
    }

    /// A newline-terminated argument, or None if the input ends before the newline. Lines
    /// have no length limit (CPython has none); only the first `keep` bytes are kept.
    pub(crate) fn line(&mut self, keep: usize) -> io::Result<Option<Line>> {
        let mut line = Line {
            kept: Vec::new(),
            len: 0,
        };
        loop {
            let room = keep.saturating_sub(line.kept.len());
            let kept = &mut line.kept;
            let step = self.with_available(|buf| {
                if buf.is_empty() {
                    return None;
                }
                let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                    Some(i) => (i, true),
                    None => (buf.len(), false),
                };
                kept.extend_from_slice(&buf[..room.min(chunk)]);
                Some((chunk, done))
            })?;
            let Some((chunk, done)) = step else {
                return Ok(None);
            };
            line.len += chunk as u64;
            self.consume(chunk + usize::from(done));
            if done {
                return Ok(Some(line));
            }
        }
    }

    /// Whether nothing is left.
    pub(crate) fn at_end(&mut self) -> io::Result<bool> {
        self.with_available(<[u8]>::is_empty)
    }

    /// A FRAME opcode: the next `size` bytes are one frame.
    pub(crate) fn start_frame(&mut self, size: u64) {
        self.frame_left = size;
    }

    /// After STOP: a loader reading the next pickle starts after the current frame.
    pub(crate) fn finish_frame(&mut self) -> io::Result<()> {
        let left = self.frame_left;
        self.skip(left)?;
        self.frame_left = 0;
        Ok(())
    }

    /// Bytes a raw read would set aside now (the rest of the current frame, not yet read).
    pub(crate) fn frame_to_set_aside(&self) -> u64 {
        if self.pending_at < self.pending.len() {
            0
        } else {
            self.frame_left
        }
    }

    /// Reads the rest of the current frame from the file into `pending`, so that raw reads
    /// come from the file position after it (as Python's unpickler does).
    fn buffer_frame(&mut self) -> io::Result<()> {
        let want = self.frame_to_set_aside();
        if want == 0 {
            return Ok(());
        }
        let origin = self.pos;
        let mut buffered = Vec::new();
        while (buffered.len() as u64) < want {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let n = buf
                .len()
                .min(usize::try_from(want).unwrap_or(usize::MAX) - buffered.len());
            buffered.extend_from_slice(&buf[..n]);
            self.inner.consume(n);
            self.pos += n as u64;
        }
        self.frame_left = buffered.len() as u64;
        self.pending = buffered;
        self.pending_at = 0;
        self.pending_origin = origin;
        Ok(())
    }

    /// A raw byte at the file position (joblib's padding length).
    pub(crate) fn raw_byte(&mut self) -> io::Result<Option<u8>> {
        self.buffer_frame()?;
        loop {
            match self.inner.fill_buf() {
                Ok(buf) => {
                    let Some(&b) = buf.first() else {
                        return Ok(None);
                    };
                    self.inner.consume(1);
                    self.pos += 1;
                    return Ok(Some(b));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Skips up to `len` raw bytes at the file position (joblib's array data); returns how
    /// many there were.
    pub(crate) fn raw_skip(&mut self, len: u64) -> io::Result<u64> {
        self.buffer_frame()?;
        let mut left = len;
        while left > 0 {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            self.inner.consume(n);
            self.pos += n as u64;
            left -= n as u64;
        }
        Ok(len - left)
    }

    /// Starts reading at the file position with no frame (a nested pickle read from the same
    /// file, as joblib does for object arrays); `restore` goes back.
    pub(crate) fn set_aside(&mut self) -> io::Result<Aside> {
        self.buffer_frame()?;
        let aside = Aside {
            pending: std::mem::take(&mut self.pending),
            pending_at: self.pending_at,
            pending_origin: self.pending_origin,
            frame_left: self.frame_left,
        };
        self.pending_at = 0;
        self.frame_left = 0;
        Ok(aside)
    }

    pub(crate) fn restore(&mut self, aside: Aside) {
        self.pending = aside.pending;
        self.pending_at = aside.pending_at;
        self.pending_origin = aside.pending_origin;
        self.frame_left = aside.frame_left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_no_length_limit_and_keep_a_prefix() {
        let mut data = vec![b'a'; 100_000];
        data.extend_from_slice(b"\nrest");
        let mut input = Input::new(&data[..]);
        let line = input.line(10).unwrap().unwrap();
        assert_eq!(line.kept, b"aaaaaaaaaa");
        assert_eq!(line.len, 100_000);
        assert_eq!(input.offset(), 100_001);
        assert!(input.line(10).unwrap().is_none());
    }

    #[test]
    fn raw_reads_come_after_the_frame() {
        // A frame of 4 bytes "ABCD" of which "AB" were read; a raw read of 2 takes "XY" (after
        // the frame); then "CD" is read, then "Z".
        let mut input = Input::new(&b"ABCDXYZ"[..]);
        input.start_frame(4);
        assert_eq!(input.exact::<2>().unwrap(), Some(*b"AB"));
        assert_eq!(input.frame_to_set_aside(), 2);
        assert_eq!(input.raw_skip(2).unwrap(), 2);
        assert_eq!(input.offset(), 2);
        assert_eq!(input.exact::<2>().unwrap(), Some(*b"CD"));
        assert_eq!(input.byte().unwrap(), Some(b'Z'));
        assert_eq!(input.byte().unwrap(), None);
    }

    #[test]
    fn finishing_a_frame_skips_its_rest() {
        let mut input = Input::new(&b"AB..CD"[..]);
        input.start_frame(4);
        assert_eq!(input.exact::<2>().unwrap(), Some(*b"AB"));
        input.finish_frame().unwrap();
        assert_eq!(input.exact::<2>().unwrap(), Some(*b"CD"));
    }

    #[test]
    fn set_aside_reads_at_the_file_position() {
        let mut input = Input::new(&b"ABCDnested"[..]);
        input.start_frame(4);
        assert_eq!(input.byte().unwrap(), Some(b'A'));
        let aside = input.set_aside().unwrap();
        assert_eq!(input.exact::<6>().unwrap(), Some(*b"nested"));
        input.restore(aside);
        assert_eq!(input.exact::<3>().unwrap(), Some(*b"BCD"));
        assert!(input.at_end().unwrap());
    }
}
