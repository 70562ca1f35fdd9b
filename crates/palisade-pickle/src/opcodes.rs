//! A streaming walk over pickle opcodes (protocols 0–5, every opcode `pickletools` knows),
//! recording imports without building any object.
//!
//! Only strings are tracked, on a small symbolic stack and memo, because `STACK_GLOBAL` takes
//! its module and name from the stack; everything else is an opaque placeholder. Large
//! arguments (tensor bytes) are skipped, not buffered, so memory stays bounded whatever the
//! file size.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufRead, Read};

use crate::Limits;
use crate::deny::UNKNOWN_IMPORT;

/// A problem found while walking, before it is given a file name.
#[derive(Debug)]
pub(crate) enum WalkError {
    /// Truncated or invalid stream.
    Malformed { offset: u64, reason: String },
    /// A limit was reached.
    Limit {
        offset: u64,
        what: &'static str,
        limit: u64,
    },
    /// The underlying reader failed (including a zip member inflating past its cap).
    Io { offset: u64, error: io::Error },
}

/// What one successful walk over a stream found.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Imports, as `module.name`.
    pub imports: BTreeSet<String>,
    /// The first pickle's protocol: its PROTO argument, else the highest protocol of its opcodes.
    pub protocol: u8,
    /// Complete pickles read (several may be concatenated).
    pub pickles: u32,
    /// Where unparseable bytes after the last complete pickle start (e.g. legacy torch storage).
    pub trailing_at: Option<u64>,
}

/// A walk that failed; the imports seen before the failure are kept (fail closed).
#[derive(Debug)]
pub(crate) struct Failed {
    pub error: WalkError,
    pub imports: BTreeSet<String>,
}

/// A value on the symbolic stack.
#[derive(Debug, Clone)]
enum Sym {
    /// A short string (module or name candidate).
    Str(Box<str>),
    /// The MARK object.
    Mark,
    /// Anything else.
    Other,
}

/// Strings longer than this are not tracked (no module or qualified name is this long);
/// a STACK_GLOBAL on one records [`UNKNOWN_IMPORT`].
const MAX_TRACKED_STRING: usize = 512;

/// Wraps an I/O error with the offset it happened at.
fn io_at(offset: u64) -> impl Fn(io::Error) -> WalkError {
    move |error| WalkError::Io { offset, error }
}

/// A byte source that knows its offset.
struct Src<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Src<R> {
    fn io(&self, error: io::Error) -> WalkError {
        WalkError::Io {
            offset: self.pos,
            error,
        }
    }

    fn truncated(&self, what: &str) -> WalkError {
        WalkError::Malformed {
            offset: self.pos,
            reason: format!("truncated: the file ends inside {what}"),
        }
    }

    /// The next byte, or None at the end.
    fn byte(&mut self) -> Result<Option<u8>, WalkError> {
        let pos = self.pos;
        let buf = self.inner.fill_buf().map_err(io_at(pos))?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.inner.consume(1);
        self.pos += 1;
        Ok(Some(b))
    }

    fn at_end(&mut self) -> Result<bool, WalkError> {
        let pos = self.pos;
        let buf = self.inner.fill_buf().map_err(io_at(pos))?;
        Ok(buf.is_empty())
    }

    fn exact<const N: usize>(&mut self, what: &str) -> Result<[u8; N], WalkError> {
        let mut out = [0u8; N];
        match self.inner.read_exact(&mut out) {
            Ok(()) => {
                self.pos += N as u64;
                Ok(out)
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.truncated(what)),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Reads `len` bytes if they are few enough to track, else skips them; None when skipped.
    fn data(&mut self, len: u64, what: &str) -> Result<Option<Vec<u8>>, WalkError> {
        if len <= MAX_TRACKED_STRING as u64 {
            let mut out = vec![0u8; len as usize];
            return match self.inner.read_exact(&mut out) {
                Ok(()) => {
                    self.pos += len;
                    Ok(Some(out))
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.truncated(what)),
                Err(e) => Err(self.io(e)),
            };
        }
        let copied =
            io::copy(&mut (&mut self.inner).take(len), &mut io::sink()).map_err(|e| self.io(e))?;
        self.pos += copied;
        if copied < len {
            return Err(self.truncated(what));
        }
        Ok(None)
    }

    /// A newline-terminated argument, without the newline.
    fn line(&mut self, what: &str, limits: &Limits) -> Result<Vec<u8>, WalkError> {
        let mut out = Vec::new();
        loop {
            let pos = self.pos;
            let buf = self.inner.fill_buf().map_err(io_at(pos))?;
            if buf.is_empty() {
                return Err(self.truncated(what));
            }
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if out.len() + chunk.len() > limits.max_line {
                return Err(WalkError::Limit {
                    offset: self.pos,
                    what: "bytes in one text argument",
                    limit: limits.max_line as u64,
                });
            }
            out.extend_from_slice(chunk);
            let used = done.unwrap_or(chunk.len());
            self.inner.consume(used);
            self.pos += used as u64;
            if done.is_some() {
                return Ok(out);
            }
        }
    }
}

/// Walks every pickle in the stream. The first must be complete; after it, bytes that do not
/// parse as another pickle end the walk (recorded in `trailing_at`), keeping their imports.
pub(crate) fn walk<R: BufRead>(reader: R, limits: &Limits) -> Result<Walk, Failed> {
    let mut src = Src {
        inner: reader,
        pos: 0,
    };
    let mut walk = Walk::default();
    let mut opcodes = 0u64;
    loop {
        let start = src.pos;
        match one_pickle(&mut src, limits, &mut walk.imports, &mut opcodes) {
            Ok(protocol) => {
                if walk.pickles == 0 {
                    walk.protocol = protocol;
                }
                walk.pickles += 1;
            }
            Err(error) if walk.pickles == 0 => {
                return Err(Failed {
                    error,
                    imports: walk.imports,
                });
            }
            Err(_) => {
                walk.trailing_at = Some(start);
                return Ok(walk);
            }
        }
        match src.at_end() {
            Ok(true) => return Ok(walk),
            Ok(false) => {}
            Err(error) => {
                return Err(Failed {
                    error,
                    imports: walk.imports,
                });
            }
        }
    }
}

/// The per-pickle state.
struct Machine<'l> {
    stack: Vec<Sym>,
    /// Every key put; only string values are kept (others read back as `Other`). The key
    /// count must be exact: MEMOIZE stores under `len(memo)`, as Python does.
    memo: HashMap<u64, Option<Box<str>>>,
    memo_bytes: usize,
    limits: &'l Limits,
}

impl Machine<'_> {
    fn push(&mut self, sym: Sym, offset: u64) -> Result<(), WalkError> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(WalkError::Limit {
                offset,
                what: "stack entries",
                limit: self.limits.max_stack as u64,
            });
        }
        self.stack.push(sym);
        Ok(())
    }

    fn pop(&mut self, offset: u64, op: &str) -> Result<Sym, WalkError> {
        match self.stack.pop() {
            Some(Sym::Mark) | None => Err(WalkError::Malformed {
                offset,
                reason: format!("{op}: stack underflow"),
            }),
            Some(sym) => Ok(sym),
        }
    }

    fn pop_n(&mut self, n: usize, offset: u64, op: &str) -> Result<(), WalkError> {
        for _ in 0..n {
            self.pop(offset, op)?;
        }
        Ok(())
    }

    fn pop_mark(&mut self, offset: u64, op: &str) -> Result<(), WalkError> {
        loop {
            match self.stack.pop() {
                Some(Sym::Mark) => return Ok(()),
                Some(_) => {}
                None => {
                    return Err(WalkError::Malformed {
                        offset,
                        reason: format!("{op}: no MARK on the stack"),
                    });
                }
            }
        }
    }

    fn top(&self, offset: u64, op: &str) -> Result<&Sym, WalkError> {
        match self.stack.last() {
            Some(Sym::Mark) | None => Err(WalkError::Malformed {
                offset,
                reason: format!("{op}: empty stack"),
            }),
            Some(sym) => Ok(sym),
        }
    }

    fn put(&mut self, key: u64, offset: u64, op: &str) -> Result<(), WalkError> {
        let value = self.top(offset, op)?.clone();
        if !self.memo.contains_key(&key) && self.memo.len() as u64 >= self.limits.max_memo {
            return Err(WalkError::Limit {
                offset,
                what: "memo entries",
                limit: self.limits.max_memo,
            });
        }
        let kept = match value {
            Sym::Str(s) if self.memo_bytes + s.len() <= self.limits.max_memo_bytes => {
                self.memo_bytes += s.len();
                Some(s)
            }
            // Past the byte budget a string is forgotten: a later STACK_GLOBAL on it records
            // an unknown import, which fails closed.
            _ => None,
        };
        self.memo.insert(key, kept);
        Ok(())
    }

    fn get(&mut self, key: u64, offset: u64) -> Result<(), WalkError> {
        let sym = match self.memo.get(&key) {
            Some(Some(s)) => Sym::Str(s.clone()),
            _ => Sym::Other,
        };
        self.push(sym, offset)
    }
}

fn text(bytes: Option<Vec<u8>>) -> Sym {
    match bytes.map(String::from_utf8) {
        Some(Ok(s)) => Sym::Str(s.into_boxed_str()),
        _ => Sym::Other,
    }
}

/// `'text'` or `"text"` as protocol 0's STRING writes it; escaped strings are not tracked.
fn quoted(line: &[u8]) -> Sym {
    let inner = match line {
        [b'\'', inner @ .., b'\''] | [b'"', inner @ .., b'"'] => inner,
        _ => return Sym::Other,
    };
    if inner.contains(&b'\\') || inner.len() > MAX_TRACKED_STRING {
        return Sym::Other;
    }
    text(Some(inner.to_vec()))
}

fn decimal(line: &[u8], offset: u64, op: &str) -> Result<u64, WalkError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| WalkError::Malformed {
            offset,
            reason: format!("{op}: invalid decimal argument"),
        })
}

/// GLOBAL/INST take `module\nname\n`, decoded as UTF-8 (as Python 3 does).
fn global_pair<R: BufRead>(
    src: &mut Src<R>,
    limits: &Limits,
    op: &str,
) -> Result<String, WalkError> {
    let at = src.pos;
    let module = src.line(op, limits)?;
    let name = src.line(op, limits)?;
    match (String::from_utf8(module), String::from_utf8(name)) {
        (Ok(m), Ok(n)) => Ok(format!("{m}.{n}")),
        _ => Err(WalkError::Malformed {
            offset: at,
            reason: format!("{op}: module or name is not UTF-8"),
        }),
    }
}

fn length(raw: i64, offset: u64, op: &str) -> Result<u64, WalkError> {
    u64::try_from(raw).map_err(|_| WalkError::Malformed {
        offset,
        reason: format!("{op}: negative length {raw}"),
    })
}

/// Walks one pickle to its STOP; returns its protocol.
fn one_pickle<R: BufRead>(
    src: &mut Src<R>,
    limits: &Limits,
    imports: &mut BTreeSet<String>,
    opcodes: &mut u64,
) -> Result<u8, WalkError> {
    let mut m = Machine {
        stack: Vec::new(),
        memo: HashMap::new(),
        memo_bytes: 0,
        limits,
    };
    let mut proto: Option<u8> = None;
    let mut highest = 0u8;
    let mut first = true;
    loop {
        let at = src.pos;
        let Some(op) = src.byte()? else {
            return Err(WalkError::Malformed {
                offset: at,
                reason: if first {
                    "empty: expected a pickle opcode".into()
                } else {
                    "truncated: the pickle ends before its STOP opcode".into()
                },
            });
        };
        first = false;
        *opcodes += 1;
        if *opcodes > limits.max_opcodes {
            return Err(WalkError::Limit {
                offset: at,
                what: "opcodes",
                limit: limits.max_opcodes,
            });
        }
        let (name, op_proto) = opcode_info(op).ok_or_else(|| WalkError::Malformed {
            offset: at,
            reason: format!("invalid opcode 0x{op:02x}"),
        })?;
        highest = highest.max(op_proto);
        match op {
            b'(' => m.push(Sym::Mark, at)?,
            b'.' => return Ok(proto.unwrap_or(highest)),
            b'0' => {
                m.pop(at, name)?;
            }
            b'1' => m.pop_mark(at, name)?,
            b'2' => {
                let top = m.top(at, name)?.clone();
                m.push(top, at)?;
            }
            b'F' | b'I' | b'L' => {
                src.line(name, limits)?;
                m.push(Sym::Other, at)?;
            }
            b'J' => {
                src.exact::<4>(name)?;
                m.push(Sym::Other, at)?;
            }
            b'K' => {
                src.exact::<1>(name)?;
                m.push(Sym::Other, at)?;
            }
            b'M' => {
                src.exact::<2>(name)?;
                m.push(Sym::Other, at)?;
            }
            b'G' => {
                src.exact::<8>(name)?;
                m.push(Sym::Other, at)?;
            }
            b'N' | 0x88 | 0x89 | b']' | b')' | b'}' | 0x8f | 0x97 => m.push(Sym::Other, at)?,
            b'P' => {
                src.line(name, limits)?;
                m.push(Sym::Other, at)?;
            }
            b'Q' | 0x98 => {
                m.pop(at, name)?;
                m.push(Sym::Other, at)?;
            }
            b'R' | 0x81 => {
                m.pop_n(2, at, name)?;
                m.push(Sym::Other, at)?;
            }
            0x92 => {
                m.pop_n(3, at, name)?;
                m.push(Sym::Other, at)?;
            }
            b'S' => {
                let line = src.line(name, limits)?;
                m.push(quoted(&line), at)?;
            }
            b'V' => {
                // raw-unicode-escape: only tracked when it has no escapes.
                let line = src.line(name, limits)?;
                let sym = if line.contains(&b'\\') || line.len() > MAX_TRACKED_STRING {
                    Sym::Other
                } else {
                    text(Some(line))
                };
                m.push(sym, at)?;
            }
            b'T' | b'X' => {
                let raw = src.exact::<4>(name)?;
                let len = if op == b'T' {
                    length(i64::from(i32::from_le_bytes(raw)), at, name)?
                } else {
                    u64::from(u32::from_le_bytes(raw))
                };
                let data = src.data(len, name)?;
                m.push(text(data), at)?;
            }
            b'U' | 0x8c => {
                let [len] = src.exact::<1>(name)?;
                let data = src.data(u64::from(len), name)?;
                m.push(text(data), at)?;
            }
            0x8d => {
                let len = u64::from_le_bytes(src.exact::<8>(name)?);
                let data = src.data(len, name)?;
                m.push(text(data), at)?;
            }
            b'B' => {
                let len = u64::from(u32::from_le_bytes(src.exact::<4>(name)?));
                src.data(len, name)?;
                m.push(Sym::Other, at)?;
            }
            b'C' => {
                let [len] = src.exact::<1>(name)?;
                src.data(u64::from(len), name)?;
                m.push(Sym::Other, at)?;
            }
            0x8e | 0x96 => {
                let len = u64::from_le_bytes(src.exact::<8>(name)?);
                src.data(len, name)?;
                m.push(Sym::Other, at)?;
            }
            0x8a => {
                let [len] = src.exact::<1>(name)?;
                src.data(u64::from(len), name)?;
                m.push(Sym::Other, at)?;
            }
            0x8b => {
                let len = length(
                    i64::from(i32::from_le_bytes(src.exact::<4>(name)?)),
                    at,
                    name,
                )?;
                src.data(len, name)?;
                m.push(Sym::Other, at)?;
            }
            b'a' | b'b' => {
                m.pop(at, name)?;
            }
            b's' => m.pop_n(2, at, name)?,
            b'e' | b'u' | 0x90 => m.pop_mark(at, name)?,
            b'd' | b'l' | b't' | b'o' | 0x91 => {
                m.pop_mark(at, name)?;
                m.push(Sym::Other, at)?;
            }
            0x85 => {
                m.pop(at, name)?;
                m.push(Sym::Other, at)?;
            }
            0x86 => {
                m.pop_n(2, at, name)?;
                m.push(Sym::Other, at)?;
            }
            0x87 => {
                m.pop_n(3, at, name)?;
                m.push(Sym::Other, at)?;
            }
            b'c' => {
                imports.insert(global_pair(src, limits, name)?);
                m.push(Sym::Other, at)?;
            }
            b'i' => {
                imports.insert(global_pair(src, limits, name)?);
                m.pop_mark(at, name)?;
                m.push(Sym::Other, at)?;
            }
            0x93 => {
                let attr = m.pop(at, name)?;
                let module = m.pop(at, name)?;
                let import = match (module, attr) {
                    (Sym::Str(module), Sym::Str(attr)) => format!("{module}.{attr}"),
                    _ => UNKNOWN_IMPORT.to_owned(),
                };
                imports.insert(import);
                m.push(Sym::Other, at)?;
            }
            0x82..=0x84 => {
                // The extension registry maps a code to a global we cannot see: fail closed.
                match op {
                    0x82 => drop(src.exact::<1>(name)?),
                    0x83 => drop(src.exact::<2>(name)?),
                    _ => drop(src.exact::<4>(name)?),
                }
                imports.insert(UNKNOWN_IMPORT.to_owned());
                m.push(Sym::Other, at)?;
            }
            b'g' => {
                let line = src.line(name, limits)?;
                let key = decimal(&line, at, name)?;
                m.get(key, at)?;
            }
            b'h' => {
                let [key] = src.exact::<1>(name)?;
                m.get(u64::from(key), at)?;
            }
            b'j' => {
                let key = u32::from_le_bytes(src.exact::<4>(name)?);
                m.get(u64::from(key), at)?;
            }
            b'p' => {
                let line = src.line(name, limits)?;
                let key = decimal(&line, at, name)?;
                m.put(key, at, name)?;
            }
            b'q' => {
                let [key] = src.exact::<1>(name)?;
                m.put(u64::from(key), at, name)?;
            }
            b'r' => {
                let key = u32::from_le_bytes(src.exact::<4>(name)?);
                m.put(u64::from(key), at, name)?;
            }
            0x94 => {
                let key = m.memo.len() as u64;
                m.put(key, at, name)?;
            }
            0x80 => {
                let [version] = src.exact::<1>(name)?;
                if version > 5 {
                    return Err(WalkError::Malformed {
                        offset: at,
                        reason: format!("unsupported pickle protocol {version}"),
                    });
                }
                proto.get_or_insert(version);
            }
            0x95 => {
                // A framing hint only; the opcodes inside are read as usual.
                src.exact::<8>(name)?;
            }
            _ => {
                // opcode_info knows exactly the opcodes matched above.
                return Err(WalkError::Malformed {
                    offset: at,
                    reason: format!("invalid opcode 0x{op:02x}"),
                });
            }
        }
    }
}

/// Name and introducing protocol of every opcode in Python's `pickletools` (68 of them).
pub(crate) fn opcode_info(op: u8) -> Option<(&'static str, u8)> {
    Some(match op {
        b'(' => ("MARK", 0),
        b'.' => ("STOP", 0),
        b'0' => ("POP", 0),
        b'1' => ("POP_MARK", 1),
        b'2' => ("DUP", 0),
        b'F' => ("FLOAT", 0),
        b'I' => ("INT", 0),
        b'J' => ("BININT", 1),
        b'K' => ("BININT1", 1),
        b'L' => ("LONG", 0),
        b'M' => ("BININT2", 1),
        b'N' => ("NONE", 0),
        b'P' => ("PERSID", 0),
        b'Q' => ("BINPERSID", 1),
        b'R' => ("REDUCE", 0),
        b'S' => ("STRING", 0),
        b'T' => ("BINSTRING", 1),
        b'U' => ("SHORT_BINSTRING", 1),
        b'V' => ("UNICODE", 0),
        b'X' => ("BINUNICODE", 1),
        b'a' => ("APPEND", 0),
        b'b' => ("BUILD", 0),
        b'c' => ("GLOBAL", 0),
        b'd' => ("DICT", 0),
        b'}' => ("EMPTY_DICT", 1),
        b'e' => ("APPENDS", 1),
        b'g' => ("GET", 0),
        b'h' => ("BINGET", 1),
        b'i' => ("INST", 0),
        b'j' => ("LONG_BINGET", 1),
        b'l' => ("LIST", 0),
        b']' => ("EMPTY_LIST", 1),
        b'o' => ("OBJ", 1),
        b'p' => ("PUT", 0),
        b'q' => ("BINPUT", 1),
        b'r' => ("LONG_BINPUT", 1),
        b's' => ("SETITEM", 0),
        b't' => ("TUPLE", 0),
        b')' => ("EMPTY_TUPLE", 1),
        b'u' => ("SETITEMS", 1),
        b'G' => ("BINFLOAT", 1),
        b'B' => ("BINBYTES", 3),
        b'C' => ("SHORT_BINBYTES", 3),
        0x80 => ("PROTO", 2),
        0x81 => ("NEWOBJ", 2),
        0x82 => ("EXT1", 2),
        0x83 => ("EXT2", 2),
        0x84 => ("EXT4", 2),
        0x85 => ("TUPLE1", 2),
        0x86 => ("TUPLE2", 2),
        0x87 => ("TUPLE3", 2),
        0x88 => ("NEWTRUE", 2),
        0x89 => ("NEWFALSE", 2),
        0x8a => ("LONG1", 2),
        0x8b => ("LONG4", 2),
        0x8c => ("SHORT_BINUNICODE", 4),
        0x8d => ("BINUNICODE8", 4),
        0x8e => ("BINBYTES8", 4),
        0x8f => ("EMPTY_SET", 4),
        0x90 => ("ADDITEMS", 4),
        0x91 => ("FROZENSET", 4),
        0x92 => ("NEWOBJ_EX", 4),
        0x93 => ("STACK_GLOBAL", 4),
        0x94 => ("MEMOIZE", 4),
        0x95 => ("FRAME", 4),
        0x96 => ("BYTEARRAY8", 5),
        0x97 => ("NEXT_BUFFER", 5),
        0x98 => ("READONLY_BUFFER", 5),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Result<Walk, Failed> {
        walk(bytes, &Limits::default())
    }

    #[test]
    fn knows_all_68_opcodes() {
        assert_eq!(
            (0..=255u8).filter(|&b| opcode_info(b).is_some()).count(),
            68
        );
    }

    #[test]
    fn protocol0_global_and_reduce() {
        let w = run(b"cposix\nsystem\n(S'echo hi'\ntR.").unwrap();
        assert_eq!(
            w.imports.into_iter().collect::<Vec<_>>(),
            vec!["posix.system"]
        );
        assert_eq!(w.protocol, 0);
        assert_eq!(w.pickles, 1);
    }

    #[test]
    fn inst_records_import() {
        let w = run(b"(S'ls'\nios\nsystem\n.").unwrap();
        assert_eq!(w.imports.into_iter().collect::<Vec<_>>(), vec!["os.system"]);
    }

    #[test]
    fn stack_global_through_memo() {
        // PROTO 4, 'os' MEMOIZE(0), 'system' MEMOIZE(1), POP, POP, BINGET 0, BINGET 1, STACK_GLOBAL.
        let bytes = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x9400h\x00h\x01\x93.";
        let w = run(bytes).unwrap();
        assert_eq!(w.imports.into_iter().collect::<Vec<_>>(), vec!["os.system"]);
        assert_eq!(w.protocol, 4);
    }

    #[test]
    fn unresolved_stack_global_fails_closed() {
        // Module is an int: cannot be resolved statically.
        let w = run(b"\x80\x04K\x01\x8c\x06system\x93.").unwrap();
        assert_eq!(
            w.imports.into_iter().collect::<Vec<_>>(),
            vec![UNKNOWN_IMPORT]
        );
    }

    #[test]
    fn truncated_reports_offset() {
        let f = run(b"\x80\x04\x8c\x05pos").unwrap_err();
        match f.error {
            WalkError::Malformed { offset, reason } => {
                assert_eq!(offset, 4);
                assert_eq!(reason, "truncated: the file ends inside SHORT_BINUNICODE");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_stop() {
        let f = run(b"\x80\x04N").unwrap_err();
        match f.error {
            WalkError::Malformed { offset, reason } => {
                assert_eq!(offset, 3);
                assert_eq!(reason, "truncated: the pickle ends before its STOP opcode");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn imports_before_garbage_are_kept() {
        let f = run(b"cos\nsystem\n\xff").unwrap_err();
        assert!(f.imports.contains("os.system"));
        assert!(matches!(f.error, WalkError::Malformed { offset: 11, .. }));
    }

    #[test]
    fn concatenated_and_trailing() {
        let w = run(b"\x80\x02N.cos\nsystem\n.\x00\x01garbage").unwrap();
        assert_eq!(w.pickles, 2);
        assert_eq!(w.trailing_at, Some(16));
        assert_eq!(w.imports.into_iter().collect::<Vec<_>>(), vec!["os.system"]);
    }

    #[test]
    fn underflow_and_missing_mark() {
        let f = run(b"R.").unwrap_err();
        assert!(
            matches!(&f.error, WalkError::Malformed { offset: 0, reason } if reason == "REDUCE: stack underflow")
        );
        let f = run(b"Ne.").unwrap_err();
        assert!(
            matches!(&f.error, WalkError::Malformed { offset: 1, reason } if reason == "APPENDS: no MARK on the stack")
        );
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_opcodes: 3,
            ..Limits::default()
        };
        let f = walk(&b"NNNN."[..], &limits).unwrap_err();
        assert!(matches!(
            f.error,
            WalkError::Limit {
                offset: 3,
                what: "opcodes",
                limit: 3
            }
        ));
        let limits = Limits {
            max_stack: 2,
            ..Limits::default()
        };
        let f = walk(&b"NNN."[..], &limits).unwrap_err();
        assert!(matches!(
            f.error,
            WalkError::Limit {
                what: "stack entries",
                ..
            }
        ));
        let limits = Limits {
            max_line: 4,
            ..Limits::default()
        };
        let f = walk(&b"cposix\nsystem\n."[..], &limits).unwrap_err();
        assert!(matches!(
            f.error,
            WalkError::Limit {
                what: "bytes in one text argument",
                ..
            }
        ));
        let limits = Limits {
            max_memo: 1,
            ..Limits::default()
        };
        let f = walk(&b"\x80\x04N\x94N\x94."[..], &limits).unwrap_err();
        assert!(matches!(
            f.error,
            WalkError::Limit {
                what: "memo entries",
                offset: 5,
                ..
            }
        ));
    }

    #[test]
    fn big_binary_arguments_are_skipped_not_buffered() {
        let mut bytes = b"\x80\x04\x8e".to_vec();
        bytes.extend_from_slice(&(1u64 << 20).to_le_bytes());
        bytes.extend(std::iter::repeat_n(0u8, 1 << 20));
        bytes.push(b'.');
        let w = run(&bytes).unwrap();
        assert!(w.imports.is_empty());
        // A length past the end is a truncation, not an allocation.
        let mut bytes = b"\x80\x04\x8e".to_vec();
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        let f = run(&bytes).unwrap_err();
        assert!(matches!(f.error, WalkError::Malformed { offset: 11, .. }));
    }

    #[test]
    fn bad_protocol() {
        let f = run(b"\x80\x09.").unwrap_err();
        assert!(
            matches!(&f.error, WalkError::Malformed { offset: 0, reason } if reason == "unsupported pickle protocol 9")
        );
    }
}
