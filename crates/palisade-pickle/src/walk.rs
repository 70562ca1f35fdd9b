//! The symbolic pickle machine: walks the opcodes (protocols 0-5, every opcode `pickletools`
//! knows) as CPython's unpicklers would execute them, recording every import and building
//! nothing.
//!
//! It parses what CPython parses. Where the C unpickler (`pickle.load`, `torch.load`) and the
//! pure-Python one (`joblib.load`) differ, it accepts whatever either accepts, so it never
//! stops where a loader goes on: POP of a MARK, `1_0` and ` 10 ` as ints, lines of any length,
//! frames that end early. It stops where both would fail (an unknown opcode, a stack
//! underflow, an import of a name no module can have), and the caller decides whether that is
//! "not a pickle" or a fail-closed scan error.
//!
//! Joblib semantics (`joblib: true`): BUILD on a `joblib.numpy_pickle.NumpyArrayWrapper`
//! reads the array from the file right there (raw bytes, or a nested pickle for object
//! arrays), exactly as many bytes as the wrapper's shape and dtype say. A BUILD the scan
//! cannot place fails closed.

use std::collections::HashMap;
use std::io::{self, BufRead};

use crate::Limits;
use crate::budget::{Meter, OverBudget};
use crate::input::{Aside, Input};
use crate::judge::{self, Import, Verdict};
use crate::names;
use crate::pytext::{self, Int, IntArg, Utf8};
use crate::value::{
    Entries, GlobalInfo, Heap, Items, MAX_TRACKED_ITEMS, MAX_TRACKED_TEXT, Node, Object, Role,
    SLOT, V,
};

/// Bytes of a GLOBAL/INST argument kept (a longer module name cannot be imported unless a NUL
/// comes first, and that is within these bytes).
const MAX_NAME_LINE: usize = 4096;

/// Why a walk stopped before STOP.
#[derive(Debug)]
pub(crate) enum Halt {
    /// The content: CPython would fail here too, or the scan cannot follow it.
    Fail(Failure),
    /// A limit, the memory budget or a read error: the scan cannot go on.
    Hard(Hard),
}

/// Content that does not parse.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub offset: u64,
    pub reason: String,
    /// The input ended (rather than holding something invalid).
    pub truncated: bool,
    /// The bytes themselves are damaged (a corrupt compressed stream, a member larger than
    /// declared): whatever they are meant to be, the scan could not see it all.
    pub damaged: bool,
}

#[derive(Debug)]
pub(crate) enum Hard {
    Limit {
        offset: u64,
        what: &'static str,
        limit: u64,
    },
    Budget {
        offset: u64,
        over: OverBudget,
    },
    Io {
        offset: u64,
        error: io::Error,
    },
}

fn fail(offset: u64, reason: impl Into<String>) -> Halt {
    Halt::Fail(Failure {
        offset,
        reason: reason.into(),
        truncated: false,
        damaged: false,
    })
}

fn truncated(offset: u64, what: &str) -> Halt {
    Halt::Fail(Failure {
        offset,
        reason: format!("truncated: the file ends inside {what}"),
        truncated: true,
        damaged: false,
    })
}

/// A read error: corrupt compressed data is content, anything else is I/O.
pub(crate) fn io_halt(offset: u64, error: io::Error) -> Halt {
    match error.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => Halt::Fail(Failure {
            offset,
            reason: format!("corrupt data: {error}"),
            truncated: false,
            damaged: true,
        }),
        io::ErrorKind::UnexpectedEof => Halt::Fail(Failure {
            offset,
            reason: format!("truncated: {error}"),
            truncated: true,
            damaged: true,
        }),
        _ => Halt::Hard(Hard::Io { offset, error }),
    }
}

/// What the walks of one file found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub imports: Vec<Import>,
    index: HashMap<(String, Option<String>), usize>,
    /// A loader would have imported something (a plausible module) before any failure.
    pub import_reached: bool,
    /// A global that may be joblib's NumpyArrayWrapper (it, or an unresolved one) was imported.
    pub numpy_wrapper_imported: bool,
    /// Joblib's NumpyArrayWrapper itself was imported.
    pub joblib_wrapper_named: bool,
    /// Arrays joblib would read from the stream.
    pub joblib_arrays: u64,
}

impl Findings {
    fn record(&mut self, import: Import, meter: &mut Meter) -> Result<(), OverBudget> {
        let key = (import.name.clone(), import.written.clone());
        if !self.index.contains_key(&key) {
            meter.hold(256 + 2 * key.0.len() as u64)?;
            self.index.insert(key, self.imports.len());
            self.imports.push(import);
        }
        Ok(())
    }
}

/// The value a pickle left at STOP, as far as callers need it.
#[derive(Debug, Default)]
pub(crate) struct Top {
    pub int: Option<i64>,
    /// For a tuple whose items are kept: each item's role if it is a global.
    pub tuple_roles: Option<Vec<Option<Role>>>,
}

/// One complete pickle.
#[derive(Debug)]
pub(crate) struct Pickle {
    pub top: Top,
    /// Its PROTO argument, else the highest protocol of its opcodes.
    pub protocol: u8,
}

/// Walks pickles from one input.
pub(crate) struct Walker<'w, R> {
    pub input: Input<R>,
    limits: &'w Limits,
    meter: &'w mut Meter,
    pub findings: &'w mut Findings,
    /// Joblib semantics (BUILD on NumpyArrayWrapper reads array data).
    joblib: bool,
    opcodes: u64,
    /// Opcodes read in the current outermost pickle.
    pub ops_in_pickle: u64,
    /// The bytes the machines outside the current one hold (nested pickles).
    outer_usage: u64,
}

impl<'w, R: BufRead> Walker<'w, R> {
    pub(crate) fn new(
        input: Input<R>,
        limits: &'w Limits,
        meter: &'w mut Meter,
        findings: &'w mut Findings,
        joblib: bool,
    ) -> Self {
        Self {
            input,
            limits,
            meter,
            findings,
            joblib,
            opcodes: 0,
            ops_in_pickle: 0,
            outer_usage: 0,
        }
    }

    /// Walks one pickle to its STOP, then past the rest of its last frame. `fresh_memo`: the
    /// loader starts this pickle with an empty memo (so a GET of a missing key fails as in
    /// CPython); false for later pickles of a stream, which some loaders read with one
    /// unpickler.
    pub(crate) fn one_pickle(&mut self, fresh_memo: bool) -> Result<Pickle, Halt> {
        self.ops_in_pickle = 0;
        let mut run = Run {
            w: self,
            m: Machine::default(),
            fresh_memo,
        };
        let result = run.go();
        drop(run);
        let pickle = result?;
        let at = self.input.offset();
        self.input.finish_frame().map_err(|e| io_halt(at, e))?;
        Ok(pickle)
    }
}

/// Memo keys: small ones, and those past u64 spelt canonically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum MemoKey {
    Small(u64),
    Big(Box<str>),
}

#[derive(Debug, Default)]
struct Memo {
    dense: Vec<Option<V>>,
    sparse: HashMap<MemoKey, V>,
    count: u64,
}

impl Memo {
    fn get(&self, key: &MemoKey) -> Option<&V> {
        if let MemoKey::Small(k) = key
            && let Some(Some(v)) = usize::try_from(*k).ok().and_then(|k| self.dense.get(k))
        {
            return Some(v);
        }
        self.sparse.get(key)
    }

    fn put(&mut self, key: MemoKey, value: V) {
        if let MemoKey::Small(k) = key
            && let Ok(index) = usize::try_from(k)
            && (index < self.dense.len() || index < 2 * self.dense.len() + 1024)
        {
            if index >= self.dense.len() {
                self.dense.resize(index + 1, None);
            }
            let slot = &mut self.dense[index];
            if slot.is_none() && self.sparse.remove(&key).is_none() {
                self.count += 1;
            }
            *slot = Some(value);
            return;
        }
        if self.sparse.insert(key, value).is_none() {
            self.count += 1;
        }
    }

    fn bytes(&self) -> u64 {
        self.dense.capacity() as u64 * SLOT + self.sparse.capacity() as u64 * 64
    }
}

#[derive(Debug, Default)]
struct Machine {
    stack: Vec<V>,
    marks: Vec<usize>,
    memo: Memo,
    heap: Heap,
    proto: u8,
}

impl Machine {
    fn usage(&self) -> u64 {
        self.heap.live.get()
            + self.stack.capacity() as u64 * SLOT
            + self.marks.capacity() as u64 * 8
            + self.memo.bytes()
            + self.heap.registry_bytes()
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        // Drop the references first, then break cycles among the mutable values.
        self.stack.clear();
        self.memo = Memo::default();
        self.heap.clear();
    }
}

struct Run<'r, 'w, R> {
    w: &'r mut Walker<'w, R>,
    m: Machine,
    fresh_memo: bool,
}

/// Joblib's view of a BUILD target.
enum WrapperClass {
    NumpyArrayWrapper,
    No,
    Maybe,
}

impl<R: BufRead> Run<'_, '_, R> {
    fn io(&self, at: u64) -> impl Fn(io::Error) -> Halt {
        move |e| io_halt(at, e)
    }

    fn push(&mut self, v: V, at: u64) -> Result<(), Halt> {
        if self.m.stack.len() + self.m.marks.len() >= self.w.limits.max_stack {
            return Err(Halt::Hard(Hard::Limit {
                offset: at,
                what: "stack entries",
                limit: self.w.limits.max_stack as u64,
            }));
        }
        self.m.stack.push(v);
        Ok(())
    }

    fn pop(&mut self, at: u64, op: &str) -> Result<V, Halt> {
        if self.m.stack.len() <= self.m.fence() {
            return Err(fail(at, format!("{op}: stack underflow")));
        }
        self.m
            .stack
            .pop()
            .ok_or_else(|| fail(at, format!("{op}: stack underflow")))
    }

    fn top(&self, at: u64, op: &str) -> Result<&V, Halt> {
        if self.m.stack.len() <= self.m.fence() {
            return Err(fail(at, format!("{op}: stack underflow")));
        }
        self.m
            .stack
            .last()
            .ok_or_else(|| fail(at, format!("{op}: stack underflow")))
    }

    /// Pops to the last MARK: the first items (at most `keep`) and how many there were.
    fn pop_mark(&mut self, at: u64, op: &str, keep: usize) -> Result<(Vec<V>, u64), Halt> {
        let Some(mark) = self.m.marks.pop() else {
            return Err(fail(at, format!("{op}: no MARK on the stack")));
        };
        let count = (self.m.stack.len() - mark) as u64;
        let kept = if count as usize <= keep {
            self.m.stack.drain(mark..).collect()
        } else {
            let kept = self.m.stack[mark..mark + keep].to_vec();
            self.m.stack.truncate(mark);
            kept
        };
        Ok((kept, count))
    }

    fn tuple(&mut self, items: Vec<V>, len: u64) -> V {
        let items = if len > MAX_TRACKED_ITEMS as u64 {
            Vec::new()
        } else {
            items
        };
        self.m.heap.node(Node::Tuple(items.into_boxed_slice(), len))
    }

    fn memo_key(&self, line: &[u8], at: u64, op: &str) -> Result<MemoKey, Halt> {
        match pytext::python_int(line, false) {
            Some(Int::Small(k)) if k >= 0 => Ok(MemoKey::Small(k as u64)),
            Some(Int::Big(k)) if !k.starts_with('-') => Ok(MemoKey::Big(k)),
            Some(_) => Err(fail(at, format!("{op}: negative memo key"))),
            None => Err(fail(at, format!("{op}: invalid memo key"))),
        }
    }

    fn get(&mut self, key: MemoKey, at: u64, op: &str) -> Result<(), Halt> {
        let value = match self.m.memo.get(&key) {
            Some(v) => v.clone(),
            None if self.fresh_memo => {
                return Err(fail(at, format!("{op}: memo value not found")));
            }
            None => V::Opaque,
        };
        self.push(value, at)
    }

    fn put(&mut self, key: MemoKey, at: u64, op: &str) -> Result<(), Halt> {
        let value = self.top(at, op)?.clone();
        if self.m.memo.count >= self.w.limits.max_memo {
            return Err(Halt::Hard(Hard::Limit {
                offset: at,
                what: "memo entries",
                limit: self.w.limits.max_memo,
            }));
        }
        self.m.memo.put(key, value);
        Ok(())
    }

    fn line(&mut self, at: u64, op: &str, keep: usize) -> Result<crate::input::Line, Halt> {
        self.w
            .input
            .line(keep)
            .map_err(self.io(at))?
            .ok_or_else(|| truncated(at, op))
    }

    fn exact<const N: usize>(&mut self, at: u64, op: &str) -> Result<[u8; N], Halt> {
        self.w
            .input
            .exact::<N>()
            .map_err(self.io(at))?
            .ok_or_else(|| truncated(at, op))
    }

    /// Reads (or skips) `len` argument bytes; Some when kept.
    fn data(&mut self, len: u64, keep: usize, at: u64, op: &str) -> Result<Option<Vec<u8>>, Halt> {
        if len > i64::MAX as u64 {
            return Err(fail(at, format!("{op}: length exceeds the maximum size")));
        }
        self.w
            .input
            .bytes(len, keep)
            .map_err(self.io(at))?
            .ok_or_else(|| truncated(at, op))
    }

    fn text_value(&mut self, bytes: Option<Vec<u8>>, at: u64, op: &str) -> Result<V, Halt> {
        let Some(bytes) = bytes else {
            return Ok(V::UntrackedStr);
        };
        match pytext::utf8_surrogatepass(bytes) {
            Utf8::Text(s) => Ok(self.m.heap.text(&s)),
            Utf8::Surrogates => Ok(V::UntrackedStr),
            Utf8::Invalid => Err(fail(at, format!("{op}: invalid UTF-8"))),
        }
    }

    /// Protocol 0-2 strings: bytes decoded by the loader's encoding (ASCII by default, UTF-8
    /// in torch, Latin-1 in numpy): kept as text either way.
    fn legacy_string(&mut self, bytes: Option<Vec<u8>>) -> V {
        match bytes {
            Some(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.m.heap.text(&text)
            }
            None => V::UntrackedStr,
        }
    }

    fn record(&mut self, import: Import, at: u64) -> Result<Role, Halt> {
        let role = role_of(&import);
        if matches!(role, Role::NumpyArrayWrapper | Role::Unresolved) {
            self.w.findings.numpy_wrapper_imported = true;
        }
        if role == Role::NumpyArrayWrapper {
            self.w.findings.joblib_wrapper_named = true;
        }
        self.w.findings.import_reached = true;
        self.w
            .findings
            .record(import, self.w.meter)
            .map_err(|over| Halt::Hard(Hard::Budget { offset: at, over }))?;
        Ok(role)
    }

    /// `find_class(module, name)` for GLOBAL/INST/STACK_GLOBAL: records the import and returns
    /// the global, or fails where CPython's import would.
    fn import(&mut self, module: &str, name: &str, at: u64, op: &str) -> Result<V, Halt> {
        if !names::importable_module(module) {
            return Err(fail(
                at,
                format!(
                    "{op} imports {:?}, which no module can be named: CPython's import fails here",
                    judge::escape(module)
                ),
            ));
        }
        let role = self.record(judge::judge_pair(module, name), at)?;
        Ok(self.m.heap.node(Node::Global(GlobalInfo { role })))
    }

    fn unresolved(&mut self, at: u64) -> Result<V, Halt> {
        let role = self.record(judge::unresolved(), at)?;
        Ok(self.m.heap.node(Node::Global(GlobalInfo { role })))
    }

    /// GLOBAL and INST arguments: `module\nname\n`, decoded as CPython does (UTF-8 for GLOBAL,
    /// ASCII for INST).
    fn name_lines(&mut self, at: u64, op: &str, ascii: bool) -> Result<(String, String), Halt> {
        let module = self.w.input.line(MAX_NAME_LINE).map_err(self.io(at))?;
        let Some(module) = module else {
            // Python's unpickler imports a module even when the file ends inside its
            // arguments (it drops the last byte and finds no name): count the import.
            self.w.findings.import_reached = true;
            return Err(truncated(at, op));
        };
        let name = self.w.input.line(MAX_NAME_LINE).map_err(self.io(at))?;
        let decode = |line: &crate::input::Line| -> Option<String> {
            let text = String::from_utf8(line.kept.clone()).ok()?;
            if ascii && !text.is_ascii() {
                return None;
            }
            if line.len > line.kept.len() as u64 {
                // Too long to keep: what is kept, and a mark that it is not the whole name.
                return Some(format!("{text}\u{fffd}"));
            }
            Some(text)
        };
        let Some(module_text) = decode(&module) else {
            return Err(fail(at, format!("{op}: module is not {}", utf(ascii))));
        };
        let Some(name) = name else {
            if names::importable_module(&module_text) {
                self.w.findings.import_reached = true;
            }
            return Err(truncated(at, op));
        };
        let Some(name_text) = decode(&name) else {
            return Err(fail(at, format!("{op}: name is not {}", utf(ascii))));
        };
        Ok((module_text, name_text))
    }

    fn go(&mut self) -> Result<Pickle, Halt> {
        let mut proto: Option<u8> = None;
        let mut highest = 0u8;
        let mut first = true;
        loop {
            let at = self.w.input.offset();
            let Some(op) = self.w.input.byte().map_err(self.io(at))? else {
                return Err(Halt::Fail(Failure {
                    offset: at,
                    reason: if first {
                        "empty: expected a pickle opcode".into()
                    } else {
                        "truncated: the pickle ends before its STOP opcode".into()
                    },
                    truncated: true,
                    damaged: false,
                }));
            };
            first = false;
            self.w.opcodes += 1;
            self.w.ops_in_pickle += 1;
            if self.w.opcodes > self.w.limits.max_opcodes {
                return Err(Halt::Hard(Hard::Limit {
                    offset: at,
                    what: "opcodes",
                    limit: self.w.limits.max_opcodes,
                }));
            }
            let Some((name, op_proto)) = opcode_info(op) else {
                return Err(fail(at, format!("invalid opcode 0x{op:02x}")));
            };
            highest = highest.max(op_proto);
            if op == b'.' {
                let value = self.pop(at, name)?;
                return Ok(Pickle {
                    top: summarize(&value),
                    protocol: proto.unwrap_or(highest),
                });
            }
            if op == 0x80 {
                let [version] = self.exact::<1>(at, name)?;
                if version > 5 {
                    return Err(fail(at, format!("unsupported pickle protocol {version}")));
                }
                proto.get_or_insert(version);
                self.m.proto = version;
            } else {
                self.step(op, name, at)?;
            }
            let usage = self.m.usage() + self.w.outer_usage;
            self.w
                .meter
                .check(usage)
                .map_err(|over| Halt::Hard(Hard::Budget { offset: at, over }))?;
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per opcode, as in pickle.py's dispatch table
    fn step(&mut self, op: u8, name: &'static str, at: u64) -> Result<(), Halt> {
        match op {
            b'(' => {
                if self.m.stack.len() + self.m.marks.len() >= self.w.limits.max_stack {
                    return Err(Halt::Hard(Hard::Limit {
                        offset: at,
                        what: "stack entries",
                        limit: self.w.limits.max_stack as u64,
                    }));
                }
                self.m.marks.push(self.m.stack.len());
            }
            b'0' => {
                // POP discards the top item, or the MARK when nothing is above it (both
                // CPython unpicklers do this).
                if self.m.marks.last() == Some(&self.m.stack.len()) {
                    self.m.marks.pop();
                } else {
                    self.pop(at, name)?;
                }
            }
            b'1' => {
                self.pop_mark(at, name, 0)?;
            }
            b'2' => {
                let top = self.top(at, name)?.clone();
                self.push(top, at)?;
            }
            b'I' => {
                let line = self.line(at, name, 256)?;
                let value = if line.len > 256 {
                    None
                } else {
                    pytext::int_arg(&line.kept)
                };
                let value = match value {
                    Some(IntArg::Bool(b)) => V::Bool(b),
                    Some(IntArg::Int(Int::Small(i))) => V::Int(i),
                    Some(IntArg::Int(Int::Big(_))) => V::BigInt,
                    None if line.len > 256 => V::BigInt,
                    None => return Err(fail(at, "INT: invalid integer")),
                };
                self.push(value, at)?;
            }
            b'L' => {
                let line = self.line(at, name, 256)?;
                let value = if line.len > 256 {
                    V::BigInt
                } else {
                    match pytext::long_arg(&line.kept) {
                        Some(Int::Small(i)) => V::Int(i),
                        Some(Int::Big(_)) => V::BigInt,
                        None => return Err(fail(at, "LONG: invalid integer")),
                    }
                };
                self.push(value, at)?;
            }
            b'F' => {
                let line = self.line(at, name, 256)?;
                if line.len <= 256 && !pytext::float_arg(&line.kept) {
                    return Err(fail(at, "FLOAT: invalid float"));
                }
                self.push(V::Float, at)?;
            }
            b'J' => {
                let raw = self.exact::<4>(at, name)?;
                self.push(V::Int(i64::from(i32::from_le_bytes(raw))), at)?;
            }
            b'K' => {
                let [b] = self.exact::<1>(at, name)?;
                self.push(V::Int(i64::from(b)), at)?;
            }
            b'M' => {
                let raw = self.exact::<2>(at, name)?;
                self.push(V::Int(i64::from(u16::from_le_bytes(raw))), at)?;
            }
            b'G' => {
                self.exact::<8>(at, name)?;
                self.push(V::Float, at)?;
            }
            0x8a => {
                let [len] = self.exact::<1>(at, name)?;
                let data = self.data(u64::from(len), 8, at, name)?;
                self.push(long_value(data), at)?;
            }
            0x8b => {
                let len = i32::from_le_bytes(self.exact::<4>(at, name)?);
                let Ok(len) = u64::try_from(len) else {
                    return Err(fail(at, "LONG4: negative byte count"));
                };
                let data = self.data(len, 8, at, name)?;
                self.push(long_value(data), at)?;
            }
            b'N' => self.push(V::None, at)?,
            0x88 => self.push(V::Bool(true), at)?,
            0x89 => self.push(V::Bool(false), at)?,
            b'S' => {
                let line = self.line(at, name, MAX_TRACKED_TEXT + 2)?;
                let value = if line.len > MAX_TRACKED_TEXT as u64 + 2 {
                    V::UntrackedStr
                } else {
                    match pytext::string_arg(&line.kept) {
                        Some(bytes) => self.legacy_string(Some(bytes)),
                        None => {
                            return Err(fail(
                                at,
                                "STRING: the argument is not a valid quoted string",
                            ));
                        }
                    }
                };
                self.push(value, at)?;
            }
            b'V' => {
                let line = self.line(at, name, MAX_TRACKED_TEXT * 6)?;
                let value = if line.len > (MAX_TRACKED_TEXT * 6) as u64 {
                    V::UntrackedStr
                } else {
                    match pytext::raw_unicode_escape(&line.kept) {
                        Some(text) if text.len() <= MAX_TRACKED_TEXT => self.m.heap.text(&text),
                        Some(_) => V::UntrackedStr,
                        None => return Err(fail(at, "UNICODE: invalid escape")),
                    }
                };
                self.push(value, at)?;
            }
            b'T' => {
                let len = i32::from_le_bytes(self.exact::<4>(at, name)?);
                let Ok(len) = u64::try_from(len) else {
                    return Err(fail(at, "BINSTRING: negative length"));
                };
                let data = self.data(len, MAX_TRACKED_TEXT, at, name)?;
                let value = self.legacy_string(data);
                self.push(value, at)?;
            }
            b'U' => {
                let [len] = self.exact::<1>(at, name)?;
                let data = self.data(u64::from(len), MAX_TRACKED_TEXT, at, name)?;
                let value = self.legacy_string(data);
                self.push(value, at)?;
            }
            b'X' | 0x8c | 0x8d => {
                let len = match op {
                    b'X' => u64::from(u32::from_le_bytes(self.exact::<4>(at, name)?)),
                    0x8c => u64::from(self.exact::<1>(at, name)?[0]),
                    _ => u64::from_le_bytes(self.exact::<8>(at, name)?),
                };
                let data = self.data(len, MAX_TRACKED_TEXT, at, name)?;
                let value = self.text_value(data, at, name)?;
                self.push(value, at)?;
            }
            b'B' | b'C' | 0x8e | 0x96 => {
                let len = match op {
                    b'B' => u64::from(u32::from_le_bytes(self.exact::<4>(at, name)?)),
                    b'C' => u64::from(self.exact::<1>(at, name)?[0]),
                    _ => u64::from_le_bytes(self.exact::<8>(at, name)?),
                };
                self.data(len, 0, at, name)?;
                self.push(V::Bytes, at)?;
            }
            0x97 => self.push(V::Opaque, at)?,
            0x98 => {
                self.top(at, name)?;
            }
            b')' => {
                let v = self.tuple(Vec::new(), 0);
                self.push(v, at)?;
            }
            b']' => {
                let v = self.m.heap.node(Node::List(Default::default()));
                self.push(v, at)?;
            }
            b'}' => {
                let v = self.m.heap.node(Node::Dict(Default::default()));
                self.push(v, at)?;
            }
            0x8f => {
                let v = self.m.heap.node(Node::Set(Default::default()));
                self.push(v, at)?;
            }
            b't' => {
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS)?;
                let v = self.tuple(items, len);
                self.push(v, at)?;
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop(at, name)?);
                }
                items.reverse();
                let v = self.tuple(items, n as u64);
                self.push(v, at)?;
            }
            b'l' => {
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS)?;
                let truncated = len > items.len() as u64;
                let v = self.m.heap.node(Node::List(
                    Items {
                        items: Vec::new(),
                        truncated,
                    }
                    .into(),
                ));
                extend_items(&v, items);
                self.push(v, at)?;
            }
            b'd' => {
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS * 2)?;
                if len % 2 == 1 {
                    return Err(fail(at, "DICT: odd number of items"));
                }
                let v = self.m.heap.node(Node::Dict(
                    Entries {
                        entries: Vec::new(),
                        truncated: len > items.len() as u64,
                    }
                    .into(),
                ));
                set_items(&v, items);
                self.push(v, at)?;
            }
            0x91 => {
                self.pop_mark(at, name, 0)?;
                let v = self.m.heap.node(Node::FrozenSet);
                self.push(v, at)?;
            }
            b'a' => {
                let value = self.pop(at, name)?;
                let target = self.top(at, name)?.clone();
                match target.node() {
                    Some(Node::List(_)) => extend_items(&target, vec![value]),
                    Some(Node::Object(_) | Node::Global(_)) | None if accepts_calls(&target) => {}
                    _ => {
                        return Err(fail(at, format!("APPEND to {}", target.kind())));
                    }
                }
            }
            b'e' => {
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS)?;
                let target = self.top(at, name)?.clone();
                match target.node() {
                    Some(Node::List(_)) => {
                        if len > items.len() as u64
                            && let Some(Node::List(l)) = target.node()
                        {
                            l.borrow_mut().truncated = true;
                        }
                        extend_items(&target, items);
                    }
                    _ if len == 0 || accepts_calls(&target) => {}
                    _ => return Err(fail(at, format!("APPENDS to {}", target.kind()))),
                }
            }
            b's' => {
                let value = self.pop(at, name)?;
                let key = self.pop(at, name)?;
                let target = self.top(at, name)?.clone();
                match target.node() {
                    Some(Node::Dict(_)) => set_items(&target, vec![key, value]),
                    Some(Node::List(_)) => {}
                    _ if accepts_calls(&target) => {}
                    _ => return Err(fail(at, format!("SETITEM on {}", target.kind()))),
                }
            }
            b'u' => {
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS * 2)?;
                let target = self.top(at, name)?.clone();
                match target.node() {
                    Some(Node::Dict(d)) => {
                        if len > items.len() as u64 {
                            d.borrow_mut().truncated = true;
                        }
                        set_items(&target, items);
                    }
                    Some(Node::List(_)) => {}
                    _ if len == 0 || accepts_calls(&target) => {}
                    _ => return Err(fail(at, format!("SETITEMS on {}", target.kind()))),
                }
                if len % 2 == 1 {
                    return Err(fail(at, "SETITEMS: odd number of items"));
                }
            }
            0x90 => {
                let (_, len) = self.pop_mark(at, name, 0)?;
                let target = self.top(at, name)?.clone();
                match target.node() {
                    Some(Node::Set(s)) => {
                        if len > 0 {
                            s.borrow_mut().truncated = true;
                        }
                    }
                    _ if len == 0 || accepts_calls(&target) => {}
                    _ => return Err(fail(at, format!("ADDITEMS on {}", target.kind()))),
                }
            }
            b'c' => {
                let (module, attr) = self.name_lines(at, name, false)?;
                let global = self.import(&module, &attr, at, name)?;
                self.push(global, at)?;
            }
            b'i' => {
                let (module, attr) = self.name_lines(at, name, true)?;
                // Python imports before looking for the MARK (C after): count the import.
                let global = self.import(&module, &attr, at, name)?;
                let (items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS)?;
                let args = self.tuple(items, len);
                let object = self.object(global, args);
                self.push(object, at)?;
            }
            0x93 => {
                let attr = self.pop(at, name)?;
                let module = self.pop(at, name)?;
                let global = match (&module, &attr) {
                    (V::Str(m), V::Str(a)) => {
                        let (m, a) = (m.text.to_string(), a.text.to_string());
                        self.import(&m, &a, at, name)?
                    }
                    (
                        V::Str(_) | V::UntrackedStr | V::Opaque,
                        V::Str(_) | V::UntrackedStr | V::Opaque,
                    ) => self.unresolved(at)?,
                    _ => {
                        return Err(fail(
                            at,
                            format!(
                                "STACK_GLOBAL requires str, got {} and {}",
                                module.kind(),
                                attr.kind()
                            ),
                        ));
                    }
                };
                self.push(global, at)?;
            }
            0x82..=0x84 => {
                match op {
                    0x82 => drop(self.exact::<1>(at, name)?),
                    0x83 => drop(self.exact::<2>(at, name)?),
                    _ => drop(self.exact::<4>(at, name)?),
                }
                // The extension registry maps a code to a global the scan cannot see.
                let global = self.unresolved(at)?;
                self.push(global, at)?;
            }
            b'P' => {
                let line = self.line(at, name, 0)?;
                let _ = line;
                self.push(V::Opaque, at)?;
            }
            b'Q' => {
                self.pop(at, name)?;
                self.push(V::Opaque, at)?;
            }
            b'R' => {
                let args = self.pop(at, name)?;
                let callable = self.pop(at, name)?;
                if !accepts_calls(&callable) {
                    return Err(fail(at, format!("REDUCE calls {}", callable.kind())));
                }
                let object = self.object(callable, args);
                self.push(object, at)?;
            }
            0x81 => {
                let args = self.pop(at, name)?;
                let class = self.pop(at, name)?;
                if !accepts_calls(&class) {
                    return Err(fail(at, format!("NEWOBJ on {}", class.kind())));
                }
                let object = self.object(class, args);
                self.push(object, at)?;
            }
            0x92 => {
                let _kwargs = self.pop(at, name)?;
                let args = self.pop(at, name)?;
                let class = self.pop(at, name)?;
                if !accepts_calls(&class) {
                    return Err(fail(at, format!("NEWOBJ_EX on {}", class.kind())));
                }
                let object = self.object(class, args);
                self.push(object, at)?;
            }
            b'o' => {
                let (mut items, len) = self.pop_mark(at, name, MAX_TRACKED_ITEMS + 1)?;
                if len == 0 {
                    return Err(fail(at, "OBJ: no class after the MARK"));
                }
                let class = items.remove(0);
                if !accepts_calls(&class) {
                    return Err(fail(at, format!("OBJ on {}", class.kind())));
                }
                let args = self.tuple(items, len - 1);
                let object = self.object(class, args);
                self.push(object, at)?;
            }
            b'b' => self.build(at)?,
            b'g' => {
                let line = self.line(at, name, 256)?;
                let key = self.memo_key(&line.kept, at, name)?;
                self.get(key, at, name)?;
            }
            b'h' => {
                let [key] = self.exact::<1>(at, name)?;
                self.get(MemoKey::Small(u64::from(key)), at, name)?;
            }
            b'j' => {
                let key = u32::from_le_bytes(self.exact::<4>(at, name)?);
                self.get(MemoKey::Small(u64::from(key)), at, name)?;
            }
            b'p' => {
                let line = self.line(at, name, 256)?;
                let key = self.memo_key(&line.kept, at, name)?;
                self.put(key, at, name)?;
            }
            b'q' => {
                let [key] = self.exact::<1>(at, name)?;
                self.put(MemoKey::Small(u64::from(key)), at, name)?;
            }
            b'r' => {
                let key = u32::from_le_bytes(self.exact::<4>(at, name)?);
                self.put(MemoKey::Small(u64::from(key)), at, name)?;
            }
            0x94 => {
                let key = MemoKey::Small(self.m.memo.count);
                self.put(key, at, name)?;
            }
            0x95 => {
                let size = u64::from_le_bytes(self.exact::<8>(at, name)?);
                if size > i64::MAX as u64 {
                    return Err(fail(at, "FRAME: size exceeds the maximum"));
                }
                self.w.input.start_frame(size);
            }
            _ => return Err(fail(at, format!("invalid opcode 0x{op:02x}"))),
        }
        Ok(())
    }

    fn object(&mut self, maker: V, args: V) -> V {
        self.m.heap.node(Node::Object(
            Object {
                maker,
                args,
                state: None,
                attrs: Vec::new(),
                attrs_unknown: false,
            }
            .into(),
        ))
    }

    fn build(&mut self, at: u64) -> Result<(), Halt> {
        let state = self.pop(at, "BUILD")?;
        let target = self.top(at, "BUILD")?.clone();
        if self.w.joblib && self.w.findings.numpy_wrapper_imported {
            match classify(&target) {
                WrapperClass::NumpyArrayWrapper => return self.joblib_array(&target, state, at),
                WrapperClass::Maybe => {
                    return Err(fail(
                        at,
                        "BUILD on an object the scan cannot identify, in a pickle that imports \
                         joblib's NumpyArrayWrapper: joblib may read array bytes here, so where \
                         the next opcode starts cannot be told",
                    ));
                }
                WrapperClass::No => {}
            }
        }
        if let Some(Node::Object(object)) = target.node()
            && let Ok(mut object) = object.try_borrow_mut()
        {
            object.state = Some(state);
        }
        Ok(())
    }

    /// Joblib's `NumpyUnpickler.load_build` on a NumpyArrayWrapper: set its attributes, then
    /// read the array from the file, then replace the wrapper with the array.
    fn joblib_array(&mut self, target: &V, state: V, at: u64) -> Result<(), Halt> {
        let cannot = |what: &str| {
            fail(
                at,
                format!(
                    "joblib array wrapper: {what}, so where its array data ends cannot be told"
                ),
            )
        };
        let Some(Node::Object(object)) = target.node() else {
            return Err(cannot("not an object"));
        };
        merge_build_state(&mut object.borrow_mut(), &state).map_err(|why| cannot(&why))?;
        let object = object.borrow();
        if object.attrs_unknown {
            return Err(cannot("its attributes are not all known"));
        }
        let attr = |key: &str| {
            object
                .attrs
                .iter()
                .rev()
                .find(|(k, _)| &*k.text == key)
                .map(|(_, v)| v.clone())
        };
        let shape = attr("shape").ok_or_else(|| cannot("no shape"))?;
        let dims = int_items(&shape).ok_or_else(|| cannot("its shape is not a tuple of ints"))?;
        let dtype = attr("dtype").ok_or_else(|| cannot("no dtype"))?;
        let (itemsize, has_object) = dtype_of(&dtype).map_err(|why| cannot(&why))?;
        let aligned = !matches!(attr("numpy_array_alignment_bytes"), None | Some(V::None));
        drop(object);

        let mut count: i64 = 1;
        for d in dims {
            if d < 0 {
                return Err(fail(
                    at,
                    "joblib array wrapper: negative dimension (joblib fails)",
                ));
            }
            count = count
                .checked_mul(d)
                .ok_or_else(|| cannot("its element count overflows"))?;
        }
        if has_object {
            self.nested_pickle(at)?;
        } else {
            if itemsize == 0 {
                return Err(fail(
                    at,
                    "joblib array wrapper: zero item size (joblib fails)",
                ));
            }
            let size = count
                .checked_mul(itemsize)
                .ok_or_else(|| cannot("its byte size overflows"))?;
            let aside = self.w.input.frame_to_set_aside();
            self.w
                .meter
                .hold(aside)
                .map_err(|over| Halt::Hard(Hard::Budget { offset: at, over }))?;
            if aligned {
                let pad = self
                    .w
                    .input
                    .raw_byte()
                    .map_err(self.io(at))?
                    .ok_or_else(|| truncated(at, "joblib array padding"))?;
                if self.w.input.raw_skip(u64::from(pad)).map_err(self.io(at))? < u64::from(pad) {
                    return Err(truncated(at, "joblib array padding"));
                }
            }
            let size = size as u64;
            if self.w.input.raw_skip(size).map_err(self.io(at))? < size {
                return Err(truncated(at, "joblib array data"));
            }
        }
        self.w.findings.joblib_arrays += 1;
        let array = self.m.heap.node(Node::Array);
        if let Some(top) = self.m.stack.last_mut() {
            *top = array;
        }
        Ok(())
    }

    /// The pickle joblib reads for an object array: a fresh unpickler on the same file,
    /// at the file position.
    fn nested_pickle(&mut self, at: u64) -> Result<(), Halt> {
        let aside: Aside = self.w.input.set_aside().map_err(self.io(at))?;
        let usage = self.m.usage();
        let (joblib, outer, ops) = (self.w.joblib, self.w.outer_usage, self.w.ops_in_pickle);
        self.w.joblib = false;
        self.w.outer_usage = outer + usage;
        let result = self.w.one_pickle(true);
        self.w.joblib = joblib;
        self.w.outer_usage = outer;
        self.w.ops_in_pickle += ops;
        self.w.input.restore(aside);
        match result {
            Ok(_) => Ok(()),
            Err(Halt::Fail(f)) => Err(Halt::Fail(Failure {
                reason: format!("in the pickle of a joblib object array: {}", f.reason),
                ..f
            })),
            Err(hard) => Err(hard),
        }
    }
}

fn utf(ascii: bool) -> &'static str {
    if ascii { "ASCII" } else { "UTF-8" }
}

fn long_value(data: Option<Vec<u8>>) -> V {
    match data {
        Some(bytes) if bytes.len() <= 8 => {
            let mut buf = if bytes.last().is_some_and(|&b| b & 0x80 != 0) {
                [0xffu8; 8]
            } else {
                [0u8; 8]
            };
            buf[..bytes.len()].copy_from_slice(&bytes);
            V::Int(i64::from_le_bytes(buf))
        }
        _ => V::BigInt,
    }
}

/// Whether CPython may call this value (a global, an object, anything unknown).
fn accepts_calls(v: &V) -> bool {
    match v {
        V::Opaque => true,
        V::Node(rc) => matches!(rc.node, Node::Global(_) | Node::Object(_)),
        _ => false,
    }
}

fn extend_items(list: &V, items: Vec<V>) {
    if let V::Node(rc) = list
        && let Node::List(l) | Node::Set(l) = &rc.node
    {
        let mut l = l.borrow_mut();
        let room = MAX_TRACKED_ITEMS.saturating_sub(l.items.len());
        if items.len() > room {
            l.truncated = true;
        }
        let kept: Vec<V> = items.into_iter().take(room).collect();
        rc.grow(kept.len() as u64);
        l.items.extend(kept);
    }
}

fn set_items(dict: &V, items: Vec<V>) {
    if let V::Node(rc) = dict
        && let Node::Dict(d) = &rc.node
    {
        let mut d = d.borrow_mut();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            // Python dict semantics for str keys: the last value wins.
            if let Some(text) = k.text()
                && let Some(slot) = d
                    .entries
                    .iter_mut()
                    .find(|(key, _)| key.text() == Some(text))
            {
                slot.1 = v;
                continue;
            }
            if d.entries.len() >= MAX_TRACKED_ITEMS {
                d.truncated = true;
                continue;
            }
            rc.grow(2);
            d.entries.push((k, v));
        }
    }
}

/// What a STOP value tells callers.
fn summarize(v: &V) -> Top {
    let mut top = Top::default();
    match v {
        V::Int(i) => top.int = Some(*i),
        V::Bool(b) => top.int = Some(i64::from(*b)),
        V::Node(rc) => {
            if let Node::Tuple(items, len) = &rc.node
                && items.len() as u64 == *len
            {
                top.tuple_roles = Some(items.iter().map(V::role).collect());
            }
        }
        _ => {}
    }
    top
}

/// The role a judged import plays for the scan.
fn role_of(import: &Import) -> Role {
    if import.name == judge::UNKNOWN_IMPORT {
        return Role::Unresolved;
    }
    let last = import
        .name
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(import.name.as_str());
    match last {
        "NumpyArrayWrapper" => return Role::NumpyArrayWrapper,
        "NDArrayWrapper" | "ZNDArrayWrapper" => return Role::OtherArrayWrapper,
        _ => {}
    }
    if let Verdict::Dangerous { .. } = import.verdict {
        return Role::Other;
    }
    match import.name.as_str() {
        "numpy.dtype" => Role::NumpyDtype,
        "copyreg._reconstructor" | "copyreg.__newobj__" | "copyreg.__newobj_ex__" => {
            Role::Reconstructor
        }
        name => match torch_storage_size(name) {
            Some(size) => Role::TorchStorage(size),
            None => Role::Other,
        },
    }
}

/// Element size of a torch storage class (`torch.FloatStorage`, `torch.cuda.HalfStorage` …).
fn torch_storage_size(name: &str) -> Option<u8> {
    let class = name
        .strip_prefix("torch.cuda.")
        .or_else(|| name.strip_prefix("torch."))?;
    Some(match class {
        "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
        "ComplexDoubleStorage" => 16,
        "FloatStorage" | "IntStorage" | "QInt32Storage" => 4,
        "HalfStorage" | "BFloat16Storage" | "ShortStorage" => 2,
        "ByteStorage" | "CharStorage" | "BoolStorage" | "QInt8Storage" | "QUInt8Storage"
        | "QUInt4x2Storage" | "QUInt2x4Storage" => 1,
        _ => return None,
    })
}

/// Joblib's `isinstance(inst, NumpyArrayWrapper)`, as far as the scan can tell.
fn classify(v: &V) -> WrapperClass {
    match v {
        V::Opaque => WrapperClass::Maybe,
        V::Node(rc) => match &rc.node {
            Node::Object(object) => {
                let Ok(object) = object.try_borrow() else {
                    return WrapperClass::Maybe;
                };
                match object.maker.role() {
                    Some(Role::NumpyArrayWrapper) => WrapperClass::NumpyArrayWrapper,
                    Some(Role::Unresolved) | None => WrapperClass::Maybe,
                    Some(Role::Reconstructor) => match first_item(&object.args) {
                        Some(class) => match class.role() {
                            Some(Role::NumpyArrayWrapper) => WrapperClass::NumpyArrayWrapper,
                            Some(Role::Unresolved) => WrapperClass::Maybe,
                            Some(_) => WrapperClass::No,
                            None if matches!(class, V::Opaque) => WrapperClass::Maybe,
                            None => WrapperClass::No,
                        },
                        None => WrapperClass::Maybe,
                    },
                    Some(_) => {
                        let mut visits = 256;
                        if may_hold_wrapper(&object.args, &mut visits) {
                            WrapperClass::Maybe
                        } else {
                            WrapperClass::No
                        }
                    }
                }
            }
            Node::Global(g) if g.role == Role::Unresolved => WrapperClass::Maybe,
            _ => WrapperClass::No,
        },
        _ => WrapperClass::No,
    }
}

fn first_item(v: &V) -> Option<V> {
    match v.node()? {
        Node::Tuple(items, len) if *len > 0 => items.first().cloned(),
        _ => None,
    }
}

/// Whether `v` may be or contain joblib's wrapper class or an instance of it (so that a call
/// with it as an argument may return one).
fn may_hold_wrapper(v: &V, visits: &mut u32) -> bool {
    if *visits == 0 {
        return true;
    }
    *visits -= 1;
    let V::Node(rc) = v else {
        return matches!(v, V::Opaque);
    };
    match &rc.node {
        Node::Global(g) => matches!(g.role, Role::NumpyArrayWrapper | Role::Unresolved),
        Node::Tuple(items, len) => {
            items.len() as u64 != *len || items.iter().any(|i| may_hold_wrapper(i, visits))
        }
        Node::List(items) | Node::Set(items) => match items.try_borrow() {
            Ok(items) => items.truncated || items.items.iter().any(|i| may_hold_wrapper(i, visits)),
            Err(_) => true,
        },
        Node::Dict(entries) => match entries.try_borrow() {
            Ok(e) => {
                e.truncated
                    || e.entries
                        .iter()
                        .any(|(k, v)| may_hold_wrapper(k, visits) || may_hold_wrapper(v, visits))
            }
            Err(_) => true,
        },
        Node::Object(object) => match object.try_borrow() {
            Ok(o) => may_hold_wrapper(&o.maker, visits) || may_hold_wrapper(&o.args, visits),
            Err(_) => true,
        },
        Node::FrozenSet | Node::Array => false,
    }
}

/// Python's BUILD without `__setstate__`: a dict updates `__dict__`; a pair
/// `(dict or None, slot dict or None)` updates both; a false state does nothing.
fn merge_build_state(object: &mut Object, state: &V) -> Result<(), String> {
    let merge = |dict: &V, object: &mut Object| -> Result<(), String> {
        match dict.truthy() {
            Some(false) => return Ok(()),
            None if !matches!(dict.node(), Some(Node::Dict(_))) => {
                return Err(format!("its BUILD state is {}", dict.kind()));
            }
            _ => {}
        }
        let Some(Node::Dict(entries)) = dict.node() else {
            return Err(format!("its BUILD state is {}", dict.kind()));
        };
        let entries = entries.borrow();
        if entries.truncated {
            object.attrs_unknown = true;
        }
        for (k, v) in &entries.entries {
            match k {
                V::Str(text) => object.attrs.push((text.clone(), v.clone())),
                V::UntrackedStr | V::Opaque => object.attrs_unknown = true,
                // Non-str keys land in __dict__ under names no attribute lookup uses.
                _ => {}
            }
        }
        Ok(())
    };
    if let Some(Node::Tuple(items, 2)) = state.node()
        && items.len() == 2
    {
        merge(&items[0], object)?;
        merge(&items[1], object)?;
        return Ok(());
    }
    merge(state, object)
}

/// The ints of a tuple or list whose items are all known.
fn int_items(v: &V) -> Option<Vec<i64>> {
    let items: Vec<V> = match v.node()? {
        Node::Tuple(items, len) if items.len() as u64 == *len => items.to_vec(),
        Node::List(items) => {
            let items = items.try_borrow().ok()?;
            if items.truncated {
                return None;
            }
            items.items.clone()
        }
        _ => return None,
    };
    items
        .iter()
        .map(|i| match i {
            V::Int(i) => Some(*i),
            V::Bool(b) => Some(i64::from(*b)),
            _ => None,
        })
        .collect()
}

/// Item size and `hasobject` of a numpy dtype object rebuilt as numpy pickles it:
/// `numpy.dtype(descr, False, True)` then BUILD with the version 3 or 4 state tuple
/// `(version, endian, subarray, names, fields, elsize, alignment, flags[, metadata])`.
/// Flexible types (`U`, `S`, `V`) take their size and `hasobject` from the state, as numpy's
/// `__setstate__` does; fixed types from the type code.
fn dtype_of(v: &V) -> Result<(i64, bool), String> {
    let Some(Node::Object(object)) = v.node() else {
        return Err(format!("its dtype is {}", v.kind()));
    };
    let object = object
        .try_borrow()
        .map_err(|_| "its dtype refers to itself".to_owned())?;
    if object.maker.role() != Some(Role::NumpyDtype) {
        return Err("its dtype is not made by numpy.dtype".to_owned());
    }
    let descr = first_item(&object.args)
        .and_then(|d| d.text().map(str::to_owned))
        .ok_or_else(|| "its dtype's description is not a str".to_owned())?;
    let code = descr.trim_start_matches(['<', '>', '|', '=']);
    let (kind, digits) = code.split_at(code.chars().next().map_or(0, char::len_utf8));
    let (state_elsize, state_flags) = match &object.state {
        None => (None, 0),
        Some(state) => {
            let Some(Node::Tuple(items, len)) = state.node() else {
                return Err("its dtype's state is not a tuple".to_owned());
            };
            if items.len() as u64 != *len || !(*len == 8 || *len == 9) {
                return Err("its dtype's state is not numpy's version 3 or 4 tuple".to_owned());
            }
            match (&items[0], &items[5], &items[7]) {
                (V::Int(3 | 4), V::Int(elsize), V::Int(flags)) => (Some(*elsize), *flags),
                _ => return Err("its dtype's state is not understood".to_owned()),
            }
        }
    };
    let fixed = |size: i64| Ok((size, false));
    match (kind, digits) {
        ("b", "1") | ("?", "") => fixed(1),
        ("i" | "u", "1" | "2" | "4" | "8") | ("f", "2" | "4" | "8" | "12" | "16") => {
            fixed(digits.parse().map_err(|_| "bad size".to_owned())?)
        }
        ("c", "8" | "16" | "24" | "32") => {
            fixed(digits.parse().map_err(|_| "bad size".to_owned())?)
        }
        ("M" | "m", "8") => fixed(8),
        ("O", "" | "4" | "8") => Ok((8, true)),
        ("U" | "S" | "V" | "a", _)
            if digits.is_empty() || digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let from_descr: i64 = if digits.is_empty() {
                0
            } else {
                digits.parse().map_err(|_| "bad size".to_owned())?
            };
            let size = match state_elsize {
                Some(e) if e >= 0 => e,
                _ if kind == "U" => from_descr.saturating_mul(4),
                _ => from_descr,
            };
            Ok((size, state_flags & 1 != 0))
        }
        _ => Err(format!(
            "its dtype {:?} is not one the scan knows the size of",
            judge::escape(&descr)
        )),
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
    use crate::budget::MemoryBudget;

    /// Walks the first pickle of `bytes`: its protocol or the failure, and the imports.
    fn walk_with(bytes: &[u8], limits: &Limits) -> (Result<u8, Halt>, Vec<String>) {
        let mut meter = Meter::new(MemoryBudget::new(u64::MAX), u64::MAX);
        let mut findings = Findings::default();
        let result = {
            let mut walker =
                Walker::new(Input::new(bytes), limits, &mut meter, &mut findings, true);
            walker.one_pickle(true).map(|p| p.protocol)
        };
        (
            result,
            findings.imports.into_iter().map(|i| i.name).collect(),
        )
    }

    fn walk(bytes: &[u8]) -> (Result<u8, Halt>, Vec<String>) {
        walk_with(bytes, &Limits::default())
    }

    fn failure(bytes: &[u8]) -> Failure {
        match walk(bytes).0 {
            Err(Halt::Fail(f)) => f,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn knows_all_68_opcodes() {
        assert_eq!(
            (0..=255u8).filter(|&b| opcode_info(b).is_some()).count(),
            68
        );
    }

    #[test]
    fn protocol0_global_inst_and_protocol4_stack_global() {
        let (protocol, imports) = walk(b"cposix\nsystem\n(S'echo hi'\ntR.");
        assert_eq!(
            (protocol.ok(), imports),
            (Some(0), vec!["posix.system".to_owned()])
        );
        assert_eq!(walk(b"(S'ls'\nios\nsystem\n.").1, ["os.system"]);
        let memo = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x9400h\x00h\x01\x93.";
        let (protocol, imports) = walk(memo);
        assert_eq!(
            (protocol.ok(), imports),
            (Some(4), vec!["os.system".to_owned()])
        );
    }

    #[test]
    fn what_cpython_accepts_is_accepted() {
        for ok in [
            &b"(0N."[..], // POP of a MARK
            b"I1_0\n.",   // underscores
            b"I 10 \n.",  // spaces
            b"I010\n.",   // C's strtol reads octal
            b"L1_0L\n.",
            b"F1_0.5\n.",
            b"Np1_0\n0g1_0\n.",
            b"N\x80\x02.",                                     // PROTO in the middle
            b"((N.",                                           // STOP with MARKs left
            b"\x80\x04\x95\xff\xff\x00\x00\x00\x00\x00\x00N.", // a frame past the end
        ] {
            assert!(walk(ok).0.is_ok(), "{ok:?}: {:?}", walk(ok).0);
        }
        let mut long = b"V".to_vec();
        long.extend(std::iter::repeat_n(b'a', 100_000));
        long.extend(b"\n.");
        assert!(walk(&long).0.is_ok());
    }

    #[test]
    fn what_cpython_refuses_fails() {
        for (bad, reason) in [
            (&b"N(2."[..], "DUP: stack underflow"),
            (b"N(.", "STOP: stack underflow"),
            (b".", "STOP: stack underflow"),
            (b"I12x\n.", "INT: invalid integer"),
            (b"g5\n.", "GET: memo value not found"),
            (b"h\x05.", "BINGET: memo value not found"),
            (b"Np-1\n.", "PUT: negative memo key"),
            (
                b"K\x01K\x02\x93.",
                "STACK_GLOBAL requires str, got an int and an int",
            ),
            (b"}(K\x01u.", "SETITEMS: odd number of items"),
            (b"\x80\x09N.", "unsupported pickle protocol 9"),
            (b"R.", "REDUCE: stack underflow"),
            (b"Ne.", "APPENDS: no MARK on the stack"),
            (
                b"S'unquoted\n.",
                "STRING: the argument is not a valid quoted string",
            ),
            (b"K\x01)R.", "REDUCE calls an int"),
        ] {
            assert_eq!(failure(bad).reason, reason, "{bad:?}");
        }
        // An import of a name no module can have fails where CPython's import fails.
        assert!(
            failure(b"cmport torch\nx\n.")
                .reason
                .contains("no module can be named")
        );
        let f = failure(b"\x80\x04\x8c\x05pos");
        assert_eq!((f.offset, f.truncated), (2, true));
    }

    #[test]
    fn imports_before_a_failure_are_kept() {
        let (result, imports) = walk(b"cos\nsystem\n\xff");
        assert!(matches!(
            result,
            Err(Halt::Fail(Failure { offset: 11, .. }))
        ));
        assert_eq!(imports, ["os.system"]);
        // An unknown value as a STACK_GLOBAL operand: unresolved, dangerous, and the walk goes on.
        assert_eq!(
            walk(b"\x80\x04NQ\x8c\x06system\x93.").1,
            ["unknown.unknown"]
        );
    }

    #[test]
    fn limits_are_hard_errors() {
        let hard = |bytes: &[u8], limits: Limits| match walk_with(bytes, &limits).0 {
            Err(Halt::Hard(Hard::Limit { what, .. })) => what,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            hard(
                b"NNNN.",
                Limits {
                    max_opcodes: 3,
                    ..Limits::default()
                }
            ),
            "opcodes"
        );
        assert_eq!(
            hard(
                b"NNN.",
                Limits {
                    max_stack: 2,
                    ..Limits::default()
                }
            ),
            "stack entries"
        );
        assert_eq!(
            hard(
                b"\x80\x04N\x94N\x94.",
                Limits {
                    max_memo: 1,
                    ..Limits::default()
                }
            ),
            "memo entries"
        );
    }

    #[test]
    fn big_arguments_are_skipped_not_buffered() {
        let mut bytes = b"\x80\x04\x8e".to_vec();
        bytes.extend((1u64 << 20).to_le_bytes());
        bytes.resize(bytes.len() + (1 << 20), 0);
        bytes.push(b'.');
        assert!(walk(&bytes).0.is_ok());
        let mut bytes = b"\x80\x04\x8e".to_vec();
        bytes.extend(u64::MAX.to_le_bytes());
        assert!(failure(&bytes).reason.contains("exceeds the maximum size"));
    }

    #[test]
    fn a_following_pickle_starts_after_the_frame() {
        // STOP inside a 6-byte frame whose last bytes are padding; the next pickle follows it.
        let bytes = b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00N.XXXXK\x01.";
        let mut meter = Meter::new(MemoryBudget::new(u64::MAX), u64::MAX);
        let mut findings = Findings::default();
        let limits = Limits::default();
        let mut walker = Walker::new(
            Input::new(&bytes[..]),
            &limits,
            &mut meter,
            &mut findings,
            false,
        );
        walker.one_pickle(true).unwrap();
        let second = walker.one_pickle(false).unwrap();
        assert_eq!(second.top.int, Some(1));
    }
}
