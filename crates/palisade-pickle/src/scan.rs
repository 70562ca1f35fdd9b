//! Scanning files and directories: what a file is (by content), what its pickles import, and
//! what could not be followed.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use crate::budget::{MemoryBudget, Meter, OverBudget};
use crate::formats::{PickleFormat, extension_promises_pickle};
use crate::input::Input;
use crate::judge::{Import, Verdict};
use crate::source::{self, CapKind, Codec, Origin, Stream};
use crate::value::Role;
use crate::walk::{Failure, Findings, Halt, Hard, Walker};
use crate::{Container, FileScan, Limits, ModelScan, PickleError, ScanError, npy, tar, zip};

/// Legacy `torch.save` starts with this pickle: protocol 2, its magic number.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

/// A scanner: limits and the memory budget its scans reserve from.
///
/// ```
/// use palisade_pickle::{Limits, MemoryBudget, Scanner};
/// let scanner = Scanner::new()
///     .with_limits(Limits { max_opcodes: 1_000_000, ..Limits::default() })
///     .with_budget(MemoryBudget::new(256 << 20));
/// let scan = scanner.scan_bytes(b"\x80\x02cbuiltins\nset\n)R.", "a.pkl").unwrap();
/// assert!(scan.pickle_based);
/// assert!(scan.dangerous_imports.is_empty() && scan.unknown_imports.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Scanner {
    limits: Limits,
    budget: MemoryBudget,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

impl Scanner {
    /// Default [`Limits`], and the process-wide [`MemoryBudget::process`].
    pub fn new() -> Self {
        Self {
            limits: Limits::default(),
            budget: MemoryBudget::process(),
        }
    }

    /// These limits instead.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// This budget instead (share one between scans that run in parallel).
    pub fn with_budget(mut self, budget: MemoryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The budget.
    pub fn budget(&self) -> &MemoryBudget {
        &self.budget
    }

    /// Scans bytes held in memory; `source_name` names them in messages and, if its
    /// extension promises a pickle ([`crate::PICKLE_EXTENSIONS`]), content that does not
    /// parse is a scan error rather than "not a pickle".
    pub fn scan_bytes(&self, bytes: &[u8], source_name: &str) -> Result<ModelScan, PickleError> {
        if bytes.len() as u64 > self.limits.max_file_size {
            return Err(PickleError::TooLarge {
                path: source_name.to_owned(),
                size: bytes.len() as u64,
                limit: self.limits.max_file_size,
            });
        }
        let strict = extension_promises_pickle(Path::new(source_name));
        let file = self.scan_origin(&Origin::Bytes(bytes), source_name, strict)?;
        Ok(aggregate(vec![file], Vec::new()))
    }

    /// Scans a file, or every regular file under a directory (sorted; symbolic links inside
    /// the directory are listed in `skipped_symlinks`, never followed). Files are read in
    /// place, never loaded whole.
    pub fn scan_path(&self, path: &Path) -> Result<ModelScan, PickleError> {
        let shown = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| read_error(&shown, &e))?;
        if !meta.is_dir() {
            let file = self.scan_file(path, shown)?;
            return Ok(aggregate(vec![file], Vec::new()));
        }
        let mut found = Vec::new();
        let mut symlinks = Vec::new();
        collect(path, "", 0, &self.limits, &mut found, &mut symlinks)?;
        found.sort();
        symlinks.sort();
        let mut files = Vec::with_capacity(found.len());
        for rel in found {
            let mut scan = self.scan_file(&path.join(&rel), format!("{shown}/{rel}"))?;
            scan.path = rel;
            files.push(scan);
        }
        Ok(aggregate(files, symlinks))
    }

    fn scan_file(&self, path: &Path, shown: String) -> Result<FileScan, PickleError> {
        let file = File::open(path).map_err(|e| read_error(&shown, &e))?;
        let size = file.metadata().map_err(|e| read_error(&shown, &e))?.len();
        if size > self.limits.max_file_size {
            return Err(PickleError::TooLarge {
                path: shown,
                size,
                limit: self.limits.max_file_size,
            });
        }
        let strict = extension_promises_pickle(path);
        self.scan_origin(&Origin::File(&file, size), &shown, strict)
    }

    fn scan_origin(
        &self,
        origin: &Origin<'_>,
        shown: &str,
        strict: bool,
    ) -> Result<FileScan, PickleError> {
        let mut ctx = Ctx {
            origin,
            limits: &self.limits,
            meter: Meter::new(self.budget.clone(), self.limits.max_scan_memory),
            imports: Vec::new(),
            errors: Vec::new(),
        };
        let whole = Stream::Region {
            start: 0,
            len: origin.len(),
        };
        let part = ctx.scan_stream(&whole, shown, 0, strict)?;
        Ok(ctx.finish(shown, part))
    }
}

/// Scans bytes with a default [`Scanner`]; see [`Scanner::scan_bytes`].
pub fn scan_bytes(bytes: &[u8], source_name: &str) -> Result<ModelScan, PickleError> {
    Scanner::new().scan_bytes(bytes, source_name)
}

/// [`scan_bytes`] with explicit limits.
pub fn scan_bytes_with(
    bytes: &[u8],
    source_name: &str,
    limits: &Limits,
) -> Result<ModelScan, PickleError> {
    Scanner::new()
        .with_limits(limits.clone())
        .scan_bytes(bytes, source_name)
}

/// Scans a file or directory with a default [`Scanner`]; see [`Scanner::scan_path`].
pub fn scan_path(path: &Path) -> Result<ModelScan, PickleError> {
    Scanner::new().scan_path(path)
}

/// [`scan_path`] with explicit limits.
pub fn scan_path_with(path: &Path, limits: &Limits) -> Result<ModelScan, PickleError> {
    Scanner::new().with_limits(limits.clone()).scan_path(path)
}

fn read_error(path: &str, e: &io::Error) -> PickleError {
    PickleError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn aggregate(files: Vec<FileScan>, skipped_symlinks: Vec<String>) -> ModelScan {
    let mut scan = ModelScan {
        pickle_based: files.iter().any(|f| f.pickle_based),
        imports: Default::default(),
        dangerous_imports: Default::default(),
        unknown_imports: Default::default(),
        scan_errors: Vec::new(),
        files: Vec::new(),
        skipped_symlinks,
    };
    for file in &files {
        scan.imports.extend(file.imports.iter().cloned());
        scan.dangerous_imports
            .extend(file.dangerous_imports.iter().cloned());
        scan.unknown_imports
            .extend(file.unknown_imports.iter().cloned());
        scan.scan_errors.extend(file.scan_errors.iter().cloned());
    }
    scan.files = files;
    scan
}

/// Relative paths (with `/`) of the regular files under `dir`.
fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    found: &mut Vec<String>,
    symlinks: &mut Vec<String>,
) -> Result<(), PickleError> {
    let shown = dir.display().to_string();
    if depth > limits.max_dir_depth {
        return Err(PickleError::Directory {
            path: shown,
            reason: format!(
                "nested more than {} directories deep (limit)",
                limits.max_dir_depth
            ),
        });
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| read_error(&shown, &e))? {
        let entry = entry.map_err(|e| read_error(&shown, &e))?;
        // file_type() does not follow symbolic links.
        let kind = entry.file_type().map_err(|e| read_error(&shown, &e))?;
        entries.push((entry.file_name().to_string_lossy().into_owned(), kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if kind.is_symlink() {
            symlinks.push(rel);
        } else if kind.is_dir() {
            collect(&dir.join(&name), &rel, depth + 1, limits, found, symlinks)?;
        } else if kind.is_file() {
            if found.len() >= limits.max_dir_files {
                return Err(PickleError::Directory {
                    path: shown,
                    reason: format!("more than {} files (limit)", limits.max_dir_files),
                });
            }
            found.push(rel);
        }
    }
    Ok(())
}

/// What one stream (a file, a member, a decompressed file) is.
struct Part {
    container: Container,
    pickle_based: bool,
    format: Option<PickleFormat>,
}

impl Part {
    fn not_pickle() -> Self {
        Part {
            container: Container::NotPickle,
            pickle_based: false,
            format: None,
        }
    }
}

/// What the first bytes say a stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Npy,
    Compressed(Codec),
    Tar,
    Unsupported(&'static str),
    Other,
}

fn detect(head: &[u8]) -> Kind {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.starts_with(npy::MAGIC) {
        return Kind::Npy;
    }
    if let [0x1f, 0x8b, 8, flags, ..] = head
        && flags & 0xe0 == 0
    {
        return Kind::Compressed(Codec::Gzip);
    }
    if let [cmf @ 0x78, flg, ..] = head
        && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        && flg & 0x20 == 0
    {
        return Kind::Compressed(Codec::Zlib);
    }
    if tar::is_header(head) {
        return Kind::Tar;
    }
    let unsupported = if head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == *b"1AY&SY" || head[4..10] == *b"\x17rE8P\x90")
    {
        "bzip2"
    } else if head.starts_with(b"\xfd7zXZ\x00") {
        "xz"
    } else if head.len() >= 13
        && head[0] == 0x5d
        && u32::from_le_bytes([head[1], head[2], head[3], head[4]]).is_power_of_two()
        && u32::from_le_bytes([head[1], head[2], head[3], head[4]]) >= 4096
        && (head[5..13] == [0xff; 8]
            || u64::from_le_bytes(head[5..13].try_into().unwrap_or([0xff; 8])) < 1 << 40)
    {
        "lzma"
    } else if head.starts_with(b"\x04\x22\x4d\x18") {
        "lz4"
    } else if head.starts_with(b"\x28\xb5\x2f\xfd") {
        "zstandard"
    } else if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        "7z"
    } else if head.starts_with(b"Rar!\x1a\x07") {
        "rar"
    } else if head.starts_with(b"ZF0x") {
        "joblib zfile"
    } else {
        return Kind::Other;
    };
    Kind::Unsupported(unsupported)
}

/// What walking a stream of pickles found.
struct StreamWalk {
    /// The first pickle, or why it did not parse.
    first: Result<u8, Failure>,
    /// Opcodes of the first pickle up to its end or failure.
    first_ops: u64,
}

struct Ctx<'a> {
    origin: &'a Origin<'a>,
    limits: &'a Limits,
    meter: Meter,
    imports: Vec<Import>,
    errors: Vec<ScanError>,
}

/// A read problem: content (a fact) or the scan cannot go on.
enum ReadFailure {
    Fact(String),
    Hard(PickleError),
}

impl<'a> Ctx<'a> {
    fn fact(&mut self, path: &str, offset: Option<u64>, reason: impl Into<String>) {
        self.errors.push(ScanError {
            path: path.to_owned(),
            offset,
            reason: reason.into(),
        });
    }

    /// Classifies an I/O error met while reading `path`.
    fn read_failure(&self, path: &str, offset: u64, error: io::Error) -> ReadFailure {
        if let Some(cap) = source::cap_exceeded(&error) {
            return ReadFailure::Hard(match &cap.kind {
                CapKind::Member {
                    archive,
                    name,
                    declared,
                } => PickleError::ZipBomb {
                    path: archive.clone(),
                    member: name.clone(),
                    size: (*declared).max(cap.cap + 1),
                    limit: cap.cap,
                },
                CapKind::Decompressed => PickleError::LimitExceeded {
                    path: path.to_owned(),
                    offset,
                    what: "decompressed bytes",
                    limit: cap.cap,
                },
            });
        }
        match error.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
                ReadFailure::Fact(format!("corrupt data: {error}"))
            }
            io::ErrorKind::UnexpectedEof => ReadFailure::Fact(format!("truncated: {error}")),
            _ => ReadFailure::Hard(PickleError::Read {
                path: path.to_owned(),
                reason: format!("byte {offset}: {error}"),
            }),
        }
    }

    fn hard(&self, path: &str, hard: Hard) -> PickleError {
        match hard {
            Hard::Limit {
                offset,
                what,
                limit,
            } => PickleError::LimitExceeded {
                path: path.to_owned(),
                offset,
                what,
                limit,
            },
            Hard::Budget { offset, over } => over_budget(path, offset, over),
            Hard::Io { offset, error } => match self.read_failure(path, offset, error) {
                ReadFailure::Hard(e) => e,
                ReadFailure::Fact(reason) => PickleError::Read {
                    path: path.to_owned(),
                    reason,
                },
            },
        }
    }

    fn head(
        &mut self,
        stream: &Stream,
        path: &str,
    ) -> Result<Result<Vec<u8>, String>, PickleError> {
        match source::head(stream, self.origin, 512) {
            Ok(head) => Ok(Ok(head)),
            Err(e) => match self.read_failure(path, 0, e) {
                ReadFailure::Fact(why) => Ok(Err(why)),
                ReadFailure::Hard(e) => Err(e),
            },
        }
    }

    fn scan_stream(
        &mut self,
        stream: &Stream,
        path: &str,
        depth: u32,
        strict: bool,
    ) -> Result<Part, PickleError> {
        let head = match self.head(stream, path)? {
            Ok(head) => head,
            Err(why) => {
                self.fact(path, None, why);
                return Ok(Part {
                    container: Container::NotPickle,
                    pickle_based: true,
                    format: None,
                });
            }
        };
        let kind = detect(&head);
        if depth >= self.limits.max_nesting && !matches!(kind, Kind::Other | Kind::Npy) {
            return Err(PickleError::LimitExceeded {
                path: path.to_owned(),
                offset: 0,
                what: "nested archives or compressed streams",
                limit: u64::from(self.limits.max_nesting),
            });
        }
        match kind {
            Kind::Zip => self.scan_zip(stream, path, depth),
            Kind::Npy => self.scan_npy(stream, path),
            Kind::Tar => self.scan_tar(stream, path, depth),
            Kind::Compressed(codec) => {
                let inner = Stream::Inflate {
                    inner: Box::new(stream.clone()),
                    codec,
                    cap: self.limits.max_decompressed,
                    cap_kind: CapKind::Decompressed,
                    exact: None,
                };
                let compression = if codec == Codec::Gzip { "gzip" } else { "zlib" };
                let part = self.scan_stream(&inner, path, depth + 1, strict)?;
                Ok(Part {
                    container: Container::Compressed {
                        compression,
                        inner: Box::new(part.container),
                    },
                    pickle_based: part.pickle_based,
                    format: part.format.map(|f| {
                        // joblib is what writes compressed pickles.
                        if f == PickleFormat::Pickle {
                            PickleFormat::Joblib
                        } else {
                            f
                        }
                    }),
                })
            }
            Kind::Unsupported(format) => {
                self.fact(
                    path,
                    None,
                    format!(
                        "{format} data: a loader may unpack it (joblib and pandas open \
                         compressed pickles), the scanner cannot look inside"
                    ),
                );
                Ok(Part {
                    container: Container::Unsupported { format },
                    pickle_based: true,
                    format: None,
                })
            }
            Kind::Other => self.scan_pickle(stream, path, &head, strict, depth == 0),
        }
    }

    /// Walks a stream of pickles: the first must be complete; later ones are read until one
    /// fails (legacy torch storage bytes, trailing data), keeping their imports.
    fn walk_stream(
        &mut self,
        stream: &Stream,
        path: &str,
        findings: &mut Findings,
        joblib: bool,
        offset: u64,
    ) -> Result<StreamWalk, PickleError> {
        let reader = match stream.open(self.origin) {
            Ok(r) => r,
            Err(e) => {
                return match self.read_failure(path, offset, e) {
                    ReadFailure::Fact(reason) => Ok(StreamWalk {
                        first: Err(Failure {
                            offset,
                            reason,
                            truncated: false,
                            damaged: true,
                        }),
                        first_ops: 0,
                    }),
                    ReadFailure::Hard(e) => Err(e),
                };
            }
        };
        let limits = self.limits;
        let mut walker = Walker::new(
            Input::new(reader),
            limits,
            &mut self.meter,
            findings,
            joblib,
        );
        let first = walker.one_pickle(true);
        let first_ops = walker.ops_in_pickle;
        let first = match first {
            Ok(pickle) => Ok(pickle.protocol),
            Err(Halt::Fail(f)) => Err(f),
            Err(Halt::Hard(h)) => {
                drop(walker);
                return Err(self.hard(path, h));
            }
        };
        if first.is_ok() {
            loop {
                match walker.input.at_end() {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(e) => {
                        drop(walker);
                        return match self.read_failure(path, offset, e) {
                            ReadFailure::Hard(e) => Err(e),
                            ReadFailure::Fact(_) => Ok(StreamWalk { first, first_ops }),
                        };
                    }
                }
                match walker.one_pickle(false) {
                    Ok(_) => {}
                    Err(Halt::Fail(_)) => break,
                    Err(Halt::Hard(h)) => {
                        drop(walker);
                        return Err(self.hard(path, h));
                    }
                }
            }
        }
        Ok(StreamWalk { first, first_ops })
    }

    fn keep(&mut self, findings: Findings) {
        self.imports.extend(findings.imports);
    }

    /// `top`: the stream is a file of its own (not an archive member), where a PROTO opcode
    /// alone says "pickle"; inside archives, raw tensor bytes may start like one by chance.
    fn scan_pickle(
        &mut self,
        stream: &Stream,
        path: &str,
        head: &[u8],
        strict: bool,
        top: bool,
    ) -> Result<Part, PickleError> {
        let magic = matches!(head, [0x80, p, ..] if *p <= 5);
        let mut findings = Findings::default();
        let walk = self.walk_stream(stream, path, &mut findings, true, 0)?;
        let joblib = findings.joblib_arrays > 0 || findings.joblib_wrapper_named;
        let two_readings = joblib || findings.numpy_wrapper_imported;
        let import_reached = findings.import_reached;
        self.keep(findings);
        if two_readings {
            // Joblib reads arrays where `pickle.load` reads opcodes: also walk the file as
            // `pickle.load` would, for the imports the array bytes hold in that reading.
            let mut plain = Findings::default();
            let _ = self.walk_stream(stream, path, &mut plain, false, 0)?;
            self.keep(plain);
        }
        let format = if head.starts_with(TORCH_LEGACY_MAGIC) {
            PickleFormat::Pytorch
        } else if joblib {
            PickleFormat::Joblib
        } else {
            PickleFormat::Pickle
        };
        match walk.first {
            Ok(protocol) => Ok(Part {
                container: Container::Pickle { protocol },
                pickle_based: true,
                format: Some(format),
            }),
            Err(failure) => {
                let looks_pickled = import_reached
                    || strict
                    || failure.damaged
                    || (magic && (top || failure.truncated || walk.first_ops >= 8));
                if !looks_pickled {
                    return Ok(Part::not_pickle());
                }
                self.fact(path, Some(failure.offset), failure.reason);
                Ok(Part {
                    container: Container::Pickle {
                        protocol: if magic { head[1] } else { 0 },
                    },
                    pickle_based: true,
                    format: Some(format),
                })
            }
        }
    }

    fn scan_npy(&mut self, stream: &Stream, path: &str) -> Result<Part, PickleError> {
        let numpy = |object_dtype| Part {
            container: Container::Npy { object_dtype },
            pickle_based: object_dtype,
            format: object_dtype.then_some(PickleFormat::Numpy),
        };
        let mut reader = match stream.open(self.origin) {
            Ok(r) => r,
            Err(e) => {
                return match self.read_failure(path, 0, e) {
                    ReadFailure::Fact(why) => {
                        self.fact(path, Some(0), why);
                        Ok(numpy(true))
                    }
                    ReadFailure::Hard(e) => Err(e),
                };
            }
        };
        let header = match npy::read_header(&mut reader) {
            Ok(h) => h,
            Err((offset, reason)) => {
                self.fact(path, Some(offset), format!("invalid .npy header: {reason}"));
                return Ok(numpy(true));
            }
        };
        drop(reader);
        if !header.object {
            return Ok(numpy(false));
        }
        let data = match stream.region() {
            Some((_, len)) => {
                stream.sub(header.data_offset, len.saturating_sub(header.data_offset))
            }
            None => stream.sub(header.data_offset, u64::MAX),
        };
        let data_path = format!("{path} (object data at byte {})", header.data_offset);
        let mut findings = Findings::default();
        let walk = self.walk_stream(&data, &data_path, &mut findings, false, 0)?;
        self.keep(findings);
        if let Err(failure) = walk.first {
            self.fact(&data_path, Some(failure.offset), failure.reason);
        }
        Ok(numpy(true))
    }

    fn scan_zip(&mut self, stream: &Stream, path: &str, depth: u32) -> Result<Part, PickleError> {
        let fail_part = Part {
            container: Container::Zip {
                pickle_members: Vec::new(),
            },
            pickle_based: true,
            format: None,
        };
        let Some((start, len)) = stream.region() else {
            self.fact(
                path,
                None,
                "a zip archive inside a compressed stream: the scanner cannot look inside",
            );
            return Ok(fail_part);
        };
        let dir = match zip::read_directory(self.origin, start, len, self.limits.max_zip_members) {
            Ok(dir) => dir,
            Err(zip::ZipError::Broken(why)) => {
                self.fact(path, None, format!("invalid zip archive: {why}"));
                return Ok(fail_part);
            }
            Err(zip::ZipError::TooMany(n)) => {
                return Err(PickleError::LimitExceeded {
                    path: path.to_owned(),
                    offset: 0,
                    what: "zip members",
                    limit: (self.limits.max_zip_members as u64).min(n),
                });
            }
            Err(zip::ZipError::Io(e)) => return Err(read_error(path, &e)),
        };
        let held = dir
            .members
            .iter()
            .map(|m| 160 + m.name.len() as u64)
            .sum::<u64>();
        self.meter
            .hold(held)
            .map_err(|over| over_budget(path, 0, over))?;
        for anomaly in dir.anomalies {
            self.fact(path, None, anomaly);
        }
        let mut pickle_members = Vec::new();
        let mut formats = Vec::new();
        for member in &dir.members {
            let member_path = format!("{path}!/{}", member.name);
            if let Some(why) = &member.unreadable {
                self.fact(&member_path, None, format!("cannot be read: {why}"));
                pickle_members.push(member.name.clone());
                continue;
            }
            let cap = self.limits.max_member_size;
            let Some(mut member_stream) = member.stream(cap) else {
                continue;
            };
            if let Stream::Inflate { cap_kind, .. } = &mut member_stream {
                *cap_kind = CapKind::Member {
                    archive: path.to_owned(),
                    name: member.name.clone(),
                    declared: member.size,
                };
                // A pickle or array must be read whole: refuse before inflating one whose
                // declared size is past the cap.
                if member.size > cap
                    && let Ok(Ok(head)) = self.head(&member_stream, &member_path)
                    && (head.first() == Some(&0x80)
                        || matches!(detect(&head), Kind::Npy | Kind::Zip))
                {
                    return Err(PickleError::ZipBomb {
                        path: path.to_owned(),
                        member: member.name.clone(),
                        size: member.size,
                        limit: cap,
                    });
                }
            }
            let errors_before = self.errors.len();
            let part = self.scan_stream(&member_stream, &member_path, depth + 1, false)?;
            if part.pickle_based || member.size <= CRC_CHECKED_SIZE {
                self.check_crc(&member_stream, &member_path, member.crc)?;
            }
            if part.pickle_based || self.errors.len() > errors_before {
                pickle_members.push(member.name.clone());
                if let Some(f) = part.format {
                    formats.push(f);
                }
            }
        }
        let torch = dir
            .members
            .iter()
            .any(|m| m.name == "data.pkl" || m.name.ends_with("/data.pkl"));
        let format = if pickle_members.is_empty() {
            None
        } else if torch {
            Some(PickleFormat::Pytorch)
        } else if !formats.is_empty() && formats.iter().all(|f| *f == formats[0]) {
            Some(formats[0])
        } else {
            Some(PickleFormat::Pickle)
        };
        Ok(Part {
            pickle_based: !pickle_members.is_empty(),
            container: Container::Zip { pickle_members },
            format,
        })
    }

    fn check_crc(&mut self, stream: &Stream, path: &str, expected: u32) -> Result<(), PickleError> {
        let mut reader = match stream.open(self.origin) {
            Ok(r) => r,
            Err(e) => {
                return match self.read_failure(path, 0, e) {
                    ReadFailure::Fact(_) => Ok(()),
                    ReadFailure::Hard(e) => Err(e),
                };
            }
        };
        let mut crc = flate2::Crc::new();
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => crc.update(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return match self.read_failure(path, crc.amount().into(), e) {
                        ReadFailure::Fact(why) => {
                            if !self.errors.iter().any(|e| e.path == path) {
                                self.fact(path, Some(u64::from(crc.amount())), why);
                            }
                            Ok(())
                        }
                        ReadFailure::Hard(e) => Err(e),
                    };
                }
            }
        }
        if crc.sum() != expected {
            self.fact(
                path,
                None,
                format!(
                    "CRC-32 0x{:08x} does not match the directory's 0x{expected:08x}: Python's \
                     zipfile refuses the member, PyTorch loads it",
                    crc.sum()
                ),
            );
        }
        Ok(())
    }

    fn scan_tar(&mut self, stream: &Stream, path: &str, depth: u32) -> Result<Part, PickleError> {
        let reader = match stream.open(self.origin) {
            Ok(r) => r,
            Err(e) => return Err(read_error(path, &e)),
        };
        let listing = match tar::list(reader, self.limits.max_zip_members) {
            Ok(Ok(listing)) => listing,
            Ok(Err(why)) => {
                self.fact(path, None, format!("invalid tar archive: {why}"));
                return Ok(Part {
                    container: Container::Tar {
                        pickle_members: Vec::new(),
                    },
                    pickle_based: true,
                    format: None,
                });
            }
            Err(e) => match self.read_failure(path, 0, e) {
                ReadFailure::Fact(why) => {
                    self.fact(path, None, why);
                    return Ok(Part {
                        container: Container::Tar {
                            pickle_members: Vec::new(),
                        },
                        pickle_based: true,
                        format: None,
                    });
                }
                ReadFailure::Hard(e) => return Err(e),
            },
        };
        self.meter
            .hold(listing.entries.len() as u64 * 160)
            .map_err(|over| over_budget(path, 0, over))?;
        for anomaly in &listing.anomalies {
            self.fact(path, None, anomaly.clone());
        }
        // legacy_load extracts these by name (the last member of that name).
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, entry) in listing.entries.iter().enumerate() {
            if matches!(entry.name.as_str(), "storages" | "tensors" | "pickle") {
                last.insert(entry.name.as_str(), i);
            }
        }
        let torch = last.contains_key("storages") && last.contains_key("tensors");
        let mut pickle_members = Vec::new();
        for (i, entry) in listing.entries.iter().enumerate() {
            let member_path = format!("{path}!/{}", entry.name);
            let role = if torch {
                last.iter().find(|(_, at)| **at == i).map(|(name, _)| *name)
            } else {
                None
            };
            if entry.kind == tar::Kind::Link {
                if role.is_some() {
                    self.fact(
                        &member_path,
                        None,
                        "a link: torch.load extracts and reads whatever it points to",
                    );
                    pickle_members.push(entry.name.clone());
                }
                continue;
            }
            if entry.kind != tar::Kind::File {
                continue;
            }
            let member = stream.sub(entry.offset, entry.size);
            let errors_before = self.errors.len();
            let pickled = match role {
                Some("storages") => self.torch_records(&member, &member_path, Records::Storages)?,
                Some("tensors") => self.torch_records(&member, &member_path, Records::Tensors)?,
                Some(_) => {
                    let mut findings = Findings::default();
                    let walk = self.walk_stream(&member, &member_path, &mut findings, false, 0)?;
                    self.keep(findings);
                    if let Err(f) = walk.first {
                        self.fact(&member_path, Some(f.offset), f.reason);
                    }
                    true
                }
                None => {
                    self.scan_stream(&member, &member_path, depth + 1, false)?
                        .pickle_based
                }
            };
            if pickled || self.errors.len() > errors_before {
                pickle_members.push(entry.name.clone());
            }
        }
        Ok(Part {
            pickle_based: !pickle_members.is_empty(),
            format: (!pickle_members.is_empty()).then_some(if torch {
                PickleFormat::Pytorch
            } else {
                PickleFormat::Pickle
            }),
            container: Container::Tar { pickle_members },
        })
    }

    /// torch's legacy `storages` and `tensors` members: a count, then per record a pickle
    /// followed by raw bytes whose length the pickle and a header give.
    fn torch_records(
        &mut self,
        stream: &Stream,
        path: &str,
        records: Records,
    ) -> Result<bool, PickleError> {
        let reader = match stream.open(self.origin) {
            Ok(r) => r,
            Err(e) => return Err(read_error(path, &e)),
        };
        let mut findings = Findings::default();
        let limits = self.limits;
        let mut failure: Option<Failure> = None;
        {
            let mut walker = Walker::new(
                Input::new(reader),
                limits,
                &mut self.meter,
                &mut findings,
                false,
            );
            let result = torch_walk(&mut walker, records);
            match result {
                Ok(()) => {}
                Err(Halt::Fail(f)) => failure = Some(f),
                Err(Halt::Hard(h)) => {
                    drop(walker);
                    let e = self.hard(path, h);
                    return Err(e);
                }
            }
        }
        self.keep(findings);
        if let Some(f) = failure {
            self.fact(path, Some(f.offset), f.reason);
        }
        Ok(true)
    }

    fn finish(self, path: &str, part: Part) -> FileScan {
        let mut seen = std::collections::HashSet::new();
        let details: Vec<Import> = self
            .imports
            .into_iter()
            .filter(|i| seen.insert((i.name.clone(), i.written.clone())))
            .collect();
        let mut scan = FileScan {
            path: path.to_owned(),
            pickle_based: part.pickle_based || !self.errors.is_empty(),
            format: part.format.or_else(|| {
                (!self.errors.is_empty() && part.pickle_based).then_some(PickleFormat::Pickle)
            }),
            container: part.container,
            imports: Default::default(),
            dangerous_imports: Default::default(),
            unknown_imports: Default::default(),
            import_details: Vec::new(),
            scan_errors: self.errors,
        };
        for import in &details {
            scan.imports.insert(import.name.clone());
            match &import.verdict {
                Verdict::Dangerous { object, .. } => {
                    scan.dangerous_imports.insert(object.clone());
                }
                Verdict::Unknown => {
                    scan.unknown_imports.insert(import.name.clone());
                }
                Verdict::Allowed => {}
            }
        }
        scan.import_details = details;
        scan
    }
}

/// Members torch's legacy tar loader reads record by record.
#[derive(Debug, Clone, Copy)]
enum Records {
    Storages,
    Tensors,
}

/// Zip members up to this size have their CRC checked even when they hold no pickle.
const CRC_CHECKED_SIZE: u64 = 16 << 20;

fn over_budget(path: &str, offset: u64, over: OverBudget) -> PickleError {
    let (what, limit) = match over {
        OverBudget::Scan(limit) => ("bytes of memory for one scan", limit),
        OverBudget::Shared(limit) => ("bytes of memory shared by concurrent scans", limit),
    };
    PickleError::LimitExceeded {
        path: path.to_owned(),
        offset,
        what,
        limit,
    }
}

fn fail_at(offset: u64, reason: impl Into<String>, truncated: bool) -> Halt {
    Halt::Fail(Failure {
        offset,
        reason: reason.into(),
        truncated,
        damaged: false,
    })
}

/// `legacy_load`'s loops over `storages` and `tensors`.
fn torch_walk<R: io::BufRead>(walker: &mut Walker<'_, R>, records: Records) -> Result<(), Halt> {
    let what = match records {
        Records::Storages => "storages",
        Records::Tensors => "tensors",
    };
    let count = walker.one_pickle(true)?;
    let at = walker.input.offset();
    let Some(count) = count.top.int.filter(|n| *n >= 0) else {
        return Err(fail_at(
            at,
            format!("{what}: the record count is not an int"),
            false,
        ));
    };
    for record in 0..count {
        let pickle = walker.one_pickle(true)?;
        let at = walker.input.offset();
        let io = |e| crate::walk::io_halt(at, e);
        match records {
            Records::Storages => {
                let size = match pickle.top.tuple_roles.as_deref() {
                    Some([_, _, Some(Role::TorchStorage(size))]) => u64::from(*size),
                    _ => {
                        return Err(fail_at(
                            at,
                            format!(
                                "storage {record}: not (key, location, storage type): the size of \
                                 its data cannot be told"
                            ),
                            false,
                        ));
                    }
                };
                let numel = walker.input.exact::<8>().map_err(io)?.ok_or_else(|| {
                    fail_at(at, "truncated: the file ends inside a storage size", true)
                })?;
                let numel = u64::try_from(i64::from_le_bytes(numel))
                    .map_err(|_| fail_at(at, format!("storage {record}: negative size"), false))?;
                let bytes = numel.checked_mul(size).ok_or_else(|| {
                    fail_at(at, format!("storage {record}: size overflows"), false)
                })?;
                if walker.input.skip(bytes).map_err(io)? < bytes {
                    return Err(fail_at(
                        at,
                        "truncated: the file ends inside storage data",
                        true,
                    ));
                }
            }
            Records::Tensors => {
                let head = walker.input.exact::<8>().map_err(io)?.ok_or_else(|| {
                    fail_at(at, "truncated: the file ends inside a tensor header", true)
                })?;
                let ndim = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
                let ndim = u64::try_from(ndim)
                    .map_err(|_| fail_at(at, format!("tensor {record}: negative ndim"), false))?;
                let bytes = 16 * ndim + 8;
                if walker.input.skip(bytes).map_err(io)? < bytes {
                    return Err(fail_at(
                        at,
                        "truncated: the file ends inside a tensor header",
                        true,
                    ));
                }
            }
        }
    }
    if matches!(records, Records::Storages) {
        // storage_views
        walker.one_pickle(true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(detect(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(detect(b"\x93NUMPY\x01\x00"), Kind::Npy);
        assert_eq!(detect(b"\x1f\x8b\x08\x00"), Kind::Compressed(Codec::Gzip));
        assert_eq!(detect(b"x\x9c"), Kind::Compressed(Codec::Zlib));
        assert_eq!(detect(b"x^"), Kind::Compressed(Codec::Zlib));
        assert_eq!(detect(b"BZh31AY&SY\x9b"), Kind::Unsupported("bzip2"));
        assert_eq!(detect(b"\xfd7zXZ\x00\x00"), Kind::Unsupported("xz"));
        assert_eq!(
            detect(b"]\x00\x00@\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00"),
            Kind::Unsupported("lzma")
        );
        assert_eq!(detect(b"7z\xbc\xaf\x27\x1c"), Kind::Unsupported("7z"));
        assert_eq!(detect(b"\x80\x04\x95"), Kind::Other);
        // An int32 array of 93s is not lzma.
        assert_eq!(
            detect(b"]\x00\x00\x00]\x00\x00\x00]\x00\x00\x00]\x00"),
            Kind::Other
        );
        assert_eq!(detect(b"xyz"), Kind::Other);
    }
}
