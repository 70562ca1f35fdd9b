//! Which imports a model file may perform.
//!
//! A pickle acts only through the globals it imports: REDUCE, NEWOBJ, BUILD and friends call
//! them. Each import is judged by the object it resolves to (see `names.rs`):
//!
//! - **allowed**: on [`DEFAULT_ALLOWED_IMPORTS`], the tensor and array rebuilders and plain
//!   containers that `torch.save`, `numpy` and `joblib` write for weights;
//! - **dangerous**: on the deny list (shells, processes, code execution, files, network,
//!   nested deserialisers …), not a plain dotted name, or not resolvable statically. These
//!   can never be allowed, not even by a model's own `allow_imports`;
//! - **unknown**: anything else (a scikit-learn estimator class, a full `nn.Module` …). The
//!   baseline denies them unless the model declares them ([`AllowImports`]).
//!
//! A deny list alone loses (`imaplib.IMAP4_stream`, `distutils.spawn.spawn`,
//! `_osx_support._read_output` run shell commands and were on no list): the deny list here
//! only decides what can never be allowed; the allow list decides what passes.

use std::fmt;
use std::str::FromStr;

use miette::Diagnostic;
use serde::Serialize;
use thiserror::Error;

use crate::names::{self, Form};

/// The name recorded for an import whose module or name the scan could not resolve
/// statically (STACK_GLOBAL on a computed string, an EXT opcode's registry code).
pub const UNKNOWN_IMPORT: &str = "unknown.unknown";

/// Imports a model file may perform without being declared: what `torch.save` (state dicts
/// and tensors), `numpy` (arrays, scalars, dtypes, random states) and `joblib` (its array
/// wrapper) write, and plain Python containers. Exact `module.name` after Python 2 renames.
/// The torch part is the allow list of `torch.load(weights_only=True)` in torch 2.15.
pub const DEFAULT_ALLOWED_IMPORTS: &[&str] = &[
    // Python containers and scalars, and how protocols 0-2 rebuild them.
    "_codecs.encode",
    "builtins.bool",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.dict",
    "builtins.float",
    "builtins.frozenset",
    "builtins.int",
    "builtins.list",
    "builtins.object",
    "builtins.range",
    "builtins.set",
    "builtins.slice",
    "builtins.str",
    "builtins.tuple",
    "collections.Counter",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "copyreg._reconstructor",
    // joblib: arrays written raw after the pickle opcodes that describe them.
    "joblib.numpy_pickle.NumpyArrayWrapper",
    // numpy 1.x (numpy.core) and 2.x (numpy._core): arrays, scalars, dtypes, masked arrays,
    // matrices and random generators.
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy._core.numeric._frombuffer",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy.dtype",
    "numpy.ma.MaskedArray",
    "numpy.ma.core.MaskedArray",
    "numpy.ma.core._mareconstruct",
    "numpy.matrix",
    "numpy.ndarray",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._sfc64.SFC64",
    "numpy.random.bit_generator.SeedSequence",
    "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
    // torch: tensors, storages, dtypes, devices, layouts, parameters.
    "torch.BFloat16Storage",
    "torch.BFloat16Tensor",
    "torch.BoolStorage",
    "torch.BoolTensor",
    "torch.ByteStorage",
    "torch.ByteTensor",
    "torch.CharStorage",
    "torch.CharTensor",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.DoubleTensor",
    "torch.FloatStorage",
    "torch.FloatTensor",
    "torch.HalfStorage",
    "torch.HalfTensor",
    "torch.IntStorage",
    "torch.IntTensor",
    "torch.LongStorage",
    "torch.LongTensor",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt2x4Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.ShortTensor",
    "torch.Size",
    "torch.Tensor",
    "torch._tensor._rebuild_from_type_v2",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_wrapper_subclass",
    "torch.bcomplex32",
    "torch.bfloat16",
    "torch.bits16",
    "torch.bits1x8",
    "torch.bits2x4",
    "torch.bits4x2",
    "torch.bits8",
    "torch.bool",
    "torch.complex128",
    "torch.complex32",
    "torch.complex64",
    "torch.cuda.BFloat16Storage",
    "torch.cuda.BFloat16Tensor",
    "torch.cuda.BoolStorage",
    "torch.cuda.BoolTensor",
    "torch.cuda.ByteStorage",
    "torch.cuda.ByteTensor",
    "torch.cuda.CharStorage",
    "torch.cuda.CharTensor",
    "torch.cuda.ComplexDoubleStorage",
    "torch.cuda.ComplexFloatStorage",
    "torch.cuda.DoubleStorage",
    "torch.cuda.DoubleTensor",
    "torch.cuda.FloatStorage",
    "torch.cuda.FloatTensor",
    "torch.cuda.HalfStorage",
    "torch.cuda.HalfTensor",
    "torch.cuda.IntStorage",
    "torch.cuda.IntTensor",
    "torch.cuda.LongStorage",
    "torch.cuda.LongTensor",
    "torch.cuda.ShortStorage",
    "torch.cuda.ShortTensor",
    "torch.cuda.sparse.BFloat16Tensor",
    "torch.cuda.sparse.ByteTensor",
    "torch.cuda.sparse.CharTensor",
    "torch.cuda.sparse.DoubleTensor",
    "torch.cuda.sparse.FloatTensor",
    "torch.cuda.sparse.HalfTensor",
    "torch.cuda.sparse.IntTensor",
    "torch.cuda.sparse.LongTensor",
    "torch.cuda.sparse.ShortTensor",
    "torch.device",
    "torch.float16",
    "torch.float32",
    "torch.float4_e2m1fn_x2",
    "torch.float64",
    "torch.float8_e4m3fn",
    "torch.float8_e4m3fnuz",
    "torch.float8_e5m2",
    "torch.float8_e5m2fnuz",
    "torch.float8_e8m0fnu",
    "torch.int1",
    "torch.int16",
    "torch.int2",
    "torch.int3",
    "torch.int32",
    "torch.int4",
    "torch.int5",
    "torch.int6",
    "torch.int64",
    "torch.int7",
    "torch.int8",
    "torch.nn.parameter.Parameter",
    "torch.per_channel_affine",
    "torch.per_channel_affine_float_qparams",
    "torch.per_channel_symmetric",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.qint32",
    "torch.qint8",
    "torch.quint2x4",
    "torch.quint4x2",
    "torch.quint8",
    "torch.serialization._get_layout",
    "torch.sparse.BFloat16Tensor",
    "torch.sparse.ByteTensor",
    "torch.sparse.CharTensor",
    "torch.sparse.DoubleTensor",
    "torch.sparse.FloatTensor",
    "torch.sparse.HalfTensor",
    "torch.sparse.IntTensor",
    "torch.sparse.LongTensor",
    "torch.sparse.ShortTensor",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.uint1",
    "torch.uint16",
    "torch.uint2",
    "torch.uint3",
    "torch.uint32",
    "torch.uint4",
    "torch.uint5",
    "torch.uint6",
    "torch.uint64",
    "torch.uint7",
    "torch.uint8",
];

/// The deny list: a `module` (and everything under it) or a `module.attr` (and everything
/// under it), and why a model has no business importing it. Matching is by whole dotted
/// segments: `os` covers `os.system` and `os.path.join`, not `osmium`.
const DENY_LIST: &[(&str, &str)] = &[
    // Processes, shells and the interpreter.
    ("os", "process, file and environment control"),
    (
        "posix",
        "os on POSIX (how os.system pickles on Linux and macOS)",
    ),
    ("nt", "os on Windows (how os.system pickles on Windows)"),
    ("subprocess", "runs programs"),
    ("_posixsubprocess", "runs programs"),
    ("_bootsubprocess", "runs programs"),
    ("_winapi", "runs programs on Windows"),
    ("pty", "spawns shells"),
    ("commands", "Python 2 shell commands"),
    ("popen2", "Python 2 shell commands"),
    ("platform", "platform._syscmd_* run shell commands"),
    ("uuid._get_command_stdout", "runs a program"),
    ("uuid._popen", "runs a program"),
    (
        "_osx_support",
        "_osx_support._read_output runs a shell command",
    ),
    ("_aix_support", "runs programs"),
    (
        "distutils",
        "distutils.spawn.spawn runs programs; builds and installs code",
    ),
    ("setuptools", "builds and installs code"),
    ("_distutils_hack", "changes how modules import"),
    ("pip", "installs packages"),
    ("ensurepip", "installs packages"),
    ("venv", "creates environments and runs programs"),
    ("imaplib", "imaplib.IMAP4_stream runs a shell command"),
    ("mailcap", "runs the commands of mailcap entries"),
    ("webbrowser", "opens URLs with local programs"),
    ("antigravity", "opens a web browser when imported"),
    ("sys", "interpreter state (sys.modules, exit, settrace …)"),
    ("signal", "process signals"),
    ("_signal", "process signals"),
    ("resource", "process limits"),
    ("gc", "reaches every live object"),
    ("multiprocessing", "starts processes"),
    ("_multiprocessing", "starts processes"),
    ("concurrent", "runs callables in threads and processes"),
    ("threading", "runs callables in threads"),
    ("_thread", "runs callables in threads"),
    ("thread", "Python 2 threads"),
    (
        "asyncio",
        "asyncio.create_subprocess_shell and subprocess transports",
    ),
    ("ctypes", "native code and memory"),
    ("_ctypes", "native code and memory"),
    ("cffi", "native code and memory"),
    ("mmap", "maps files into memory"),
    ("fcntl", "file descriptor control"),
    ("termios", "terminal control"),
    // Running code.
    ("builtins.eval", "evaluates code"),
    ("builtins.exec", "executes code"),
    ("builtins.compile", "compiles code"),
    ("builtins.open", "opens files"),
    ("builtins.__import__", "imports any module"),
    ("builtins.getattr", "reaches any attribute"),
    ("builtins.setattr", "changes any attribute"),
    ("builtins.delattr", "deletes any attribute"),
    ("builtins.globals", "interpreter globals"),
    ("builtins.locals", "interpreter locals"),
    ("builtins.vars", "object namespaces"),
    ("builtins.input", "reads the terminal"),
    ("builtins.breakpoint", "starts a debugger"),
    ("builtins.help", "starts pydoc, whose pager runs a shell"),
    ("builtins.exit", "exits the interpreter"),
    ("builtins.quit", "exits the interpreter"),
    ("builtins.memoryview", "raw memory views"),
    ("__builtin__.eval", "Python 2 builtins: evaluates code"),
    ("__builtin__.exec", "Python 2 builtins: executes code"),
    ("__builtin__.execfile", "Python 2 builtins: executes a file"),
    ("__builtin__.compile", "Python 2 builtins: compiles code"),
    ("__builtin__.open", "Python 2 builtins: opens files"),
    ("__builtin__.file", "Python 2 builtins: opens files"),
    (
        "__builtin__.__import__",
        "Python 2 builtins: imports any module",
    ),
    (
        "__builtin__.getattr",
        "Python 2 builtins: reaches any attribute",
    ),
    (
        "__builtin__.setattr",
        "Python 2 builtins: changes any attribute",
    ),
    (
        "__builtin__.delattr",
        "Python 2 builtins: deletes any attribute",
    ),
    ("__builtin__.apply", "Python 2 builtins: calls anything"),
    (
        "__builtin__.globals",
        "Python 2 builtins: interpreter globals",
    ),
    (
        "__builtin__.locals",
        "Python 2 builtins: interpreter locals",
    ),
    ("__builtin__.vars", "Python 2 builtins: object namespaces"),
    ("__builtin__.input", "Python 2 builtins: evaluates input"),
    (
        "__builtin__.raw_input",
        "Python 2 builtins: reads the terminal",
    ),
    (
        "__builtin__.reload",
        "Python 2 builtins: re-executes a module",
    ),
    ("_sitebuiltins", "help() and exit() objects"),
    ("site", "site.addsitedir executes .pth files"),
    ("code", "interactive interpreter"),
    ("codeop", "compiles code"),
    ("runpy", "runs modules and scripts"),
    ("importlib", "imports any module"),
    ("imp", "imports any module"),
    ("zipimport", "imports code from archives"),
    ("pkgutil", "pkgutil.resolve_name imports anything"),
    (
        "pydoc",
        "pydoc.locate imports anything; pipepager runs a shell",
    ),
    ("pdb", "pdb.run executes code"),
    ("bdb", "bdb.Bdb.run executes code"),
    ("timeit", "timeit.timeit executes code strings"),
    ("profile", "profile.run executes code"),
    ("cProfile", "cProfile.run executes code"),
    ("trace", "executes code"),
    ("doctest", "executes code"),
    (
        "idlelib",
        "IDLE runs code (and starts when some of its modules import)",
    ),
    ("lib2to3", "rewrites source files"),
    ("rlcompleter", "evaluates expressions"),
    ("readline", "reads init files and history"),
    ("tkinter", "Tcl evaluates code"),
    ("_tkinter", "Tcl evaluates code"),
    ("Tkinter", "Python 2 Tcl bindings"),
    ("turtle", "Tcl evaluates code"),
    ("turtledemo", "runs demo code"),
    ("types.CodeType", "builds code objects"),
    ("types.FunctionType", "builds functions from code"),
    ("types.LambdaType", "builds functions from code"),
    ("types.MethodType", "binds functions"),
    (
        "logging.config",
        "logging.config.listen executes received configuration",
    ),
    ("logging.handlers", "network and file handlers"),
    ("numpy.testing", "numpy.testing's runstring executes code"),
    ("numpy.f2py", "compiles and loads code"),
    ("numpy.distutils", "builds code and runs programs"),
    ("numpy.ctypeslib", "loads native libraries"),
    ("numpy.load", "may unpickle"),
    ("numpy.save", "writes files"),
    ("numpy.savez", "writes files"),
    ("numpy.savez_compressed", "writes files"),
    ("numpy.savetxt", "writes files"),
    ("numpy.loadtxt", "reads files"),
    ("numpy.genfromtxt", "reads files"),
    ("numpy.fromfile", "reads files"),
    ("numpy.memmap", "maps and truncates files"),
    ("numpy.DataSource", "reads files and URLs"),
    (
        "numpy.lib",
        "numpy.lib.format and npyio read and write files and unpickle",
    ),
    ("numpy.core.memmap", "maps and truncates files"),
    ("numpy._core.memmap", "maps and truncates files"),
    ("numpy.core.records.fromfile", "reads files"),
    ("numpy._core.records.fromfile", "reads files"),
    // Reaching attributes and wrapping callables turn a harmless import into a dangerous call.
    ("operator.attrgetter", "reaches any attribute"),
    ("operator.methodcaller", "calls any method"),
    ("_operator.attrgetter", "reaches any attribute"),
    ("_operator.methodcaller", "calls any method"),
    (
        "functools.partial",
        "wraps any callable with keyword arguments",
    ),
    ("functools.partialmethod", "wraps any callable"),
    ("_functools.partial", "wraps any callable"),
    ("copyreg.add_extension", "changes what EXT opcodes import"),
    (
        "copyreg.remove_extension",
        "changes what EXT opcodes import",
    ),
    (
        "copyreg.clear_extension_cache",
        "changes what EXT opcodes import",
    ),
    ("copyreg.pickle", "changes how objects pickle"),
    ("copyreg.constructor", "registers constructors"),
    ("copyreg.dispatch_table", "changes how objects pickle"),
    (
        "copyreg._extension_registry",
        "changes what EXT opcodes import",
    ),
    (
        "copyreg._inverted_registry",
        "changes what EXT opcodes import",
    ),
    (
        "copyreg._extension_cache",
        "changes what EXT opcodes import",
    ),
    // Files.
    ("shutil", "copies, moves and deletes files"),
    ("tempfile", "creates files"),
    ("pathlib", "reads, writes and deletes files"),
    ("fileinput", "opens files"),
    ("linecache", "reads files"),
    ("zipfile", "reads and writes archives"),
    ("tarfile", "reads and writes archives"),
    ("io.open", "opens files"),
    ("io.open_code", "opens files"),
    ("io.FileIO", "opens files"),
    ("_io.open", "opens files"),
    ("_io.open_code", "opens files"),
    ("_io.FileIO", "opens files"),
    ("codecs.open", "opens files"),
    ("gzip.open", "opens files"),
    ("gzip.GzipFile", "opens files"),
    ("bz2.open", "opens files"),
    ("bz2.BZ2File", "opens files"),
    ("lzma.open", "opens files"),
    ("lzma.LZMAFile", "opens files"),
    ("dbm", "opens database files"),
    ("sqlite3", "opens databases and loads extensions"),
    ("_sqlite3", "opens databases and loads extensions"),
    // Network.
    ("socket", "network access"),
    ("_socket", "network access"),
    ("ssl", "network access"),
    ("_ssl", "network access"),
    ("http", "network access"),
    ("httplib", "network access"),
    ("urllib", "network access"),
    ("urllib2", "network access"),
    ("urllib3", "network access"),
    ("requests", "network access"),
    ("httpx", "network access"),
    ("aiohttp", "network access"),
    ("ftplib", "network access"),
    ("smtplib", "network access"),
    ("smtpd", "network access"),
    ("poplib", "network access"),
    ("nntplib", "network access"),
    ("telnetlib", "network access"),
    ("xmlrpc", "network access"),
    ("xmlrpclib", "network access"),
    ("socketserver", "network servers"),
    ("SocketServer", "network servers"),
    ("asyncore", "network access"),
    ("asynchat", "network access"),
    ("wsgiref", "network servers"),
    ("cgi", "runs CGI programs"),
    ("cgitb", "writes files"),
    // Other deserialisers: a pickle inside a pickle hides its imports from this scan.
    ("pickle", "nested unpickling"),
    ("_pickle", "nested unpickling"),
    ("cPickle", "nested unpickling"),
    ("dill", "pickles code"),
    ("cloudpickle", "pickles code"),
    ("jsonpickle", "unpickles JSON"),
    ("marshal", "loads code objects"),
    ("shelve", "pickle-backed files"),
    ("yaml", "yaml.load builds arbitrary objects"),
    ("joblib.load", "nested unpickling"),
    ("joblib.dump", "writes files"),
    ("joblib.Parallel", "runs callables in processes"),
    ("joblib.parallel", "runs callables in processes"),
    ("joblib.Memory", "caches to files"),
    ("joblib.memory", "caches to files"),
    ("joblib.externals", "bundled loky and cloudpickle"),
    ("joblib.pool", "runs callables in processes"),
    ("joblib._parallel_backends", "runs callables in processes"),
    ("joblib.executor", "runs callables in processes"),
    ("joblib.numpy_pickle.load", "nested unpickling"),
    ("joblib.numpy_pickle.dump", "writes files"),
    (
        "joblib.numpy_pickle_compat",
        "reads arrays from other files named in the pickle",
    ),
    ("pandas.read_pickle", "nested unpickling"),
    ("pandas.eval", "evaluates expressions"),
    ("pandas.io", "reads files and URLs, unpickles"),
    ("pandas.core.computation", "evaluates expressions"),
    ("pandas.read_csv", "reads files and URLs"),
    ("pandas.read_json", "reads files and URLs"),
    ("pandas.read_html", "reads files and URLs"),
    ("pandas.read_xml", "reads files and URLs"),
    ("pandas.read_parquet", "reads files and URLs"),
    ("pandas.read_excel", "reads files and URLs"),
    ("pandas.read_sql", "queries databases"),
    ("pandas.read_table", "reads files and URLs"),
    ("pandas.read_hdf", "reads files"),
    ("pandas.read_feather", "reads files"),
    ("pandas.read_orc", "reads files"),
    ("pandas.read_sas", "reads files"),
    ("pandas.read_spss", "reads files"),
    ("pandas.read_stata", "reads files"),
    ("pandas.read_fwf", "reads files"),
    ("pandas.read_clipboard", "reads the clipboard"),
    ("torch.load", "nested unpickling"),
    ("torch.save", "writes files"),
    (
        "torch.serialization",
        "loads and saves pickles, changes the weights-only allow list",
    ),
    ("torch.storage._load_from_bytes", "nested unpickling"),
    (
        "torch._weights_only_unpickler",
        "changes the weights-only allow list",
    ),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "compiles and loads code"),
    ("torch.package", "loads packaged code"),
    (
        "torch.utils.cpp_extension",
        "compiles and loads native code",
    ),
    ("torch.utils.collect_env", "runs programs"),
    ("torch.utils.data", "starts worker processes"),
    ("torch.ops", "torch.ops.load_library loads native code"),
    (
        "torch.classes",
        "torch.classes.load_library loads native code",
    ),
    ("torch.library", "registers operators"),
    ("torch._C", "the native binding, including code compilation"),
    ("torch._ops", "operator registry"),
    ("torch.fx", "builds modules from generated source (exec)"),
    ("torch._dynamo", "compiles code"),
    ("torch._inductor", "compiles and runs code"),
    ("torch.compile", "compiles code"),
    ("torch.compiler", "compiles code"),
    ("torch.export", "loads and saves programs"),
    ("torch._export", "loads programs"),
    ("torch.onnx", "writes files"),
    ("torch.distributed", "network access"),
    ("torch.multiprocessing", "starts processes"),
    ("torch.testing", "test helpers that run code"),
    ("torch._utils._import_dotted_name", "imports any module"),
    ("sklearn.datasets", "downloads data"),
    ("sklearn.externals", "bundled joblib, loky and cloudpickle"),
    ("keras.models.load_model", "loads models with Lambda layers"),
    ("keras.saving", "loads models with Lambda layers"),
    ("tensorflow.io", "reads and writes files"),
    (
        "tensorflow.keras.models.load_model",
        "loads models with Lambda layers",
    ),
    // An import whose module or name the scan could not resolve (fail closed).
    (
        "unknown.unknown",
        "module or name not resolvable statically",
    ),
];

/// Names under a denied prefix that are harmless and written by `torch.save`.
const DENY_EXCEPTIONS: &[&str] = &["torch.serialization._get_layout"];

/// Attributes that walk from any object to arbitrary code (`x.__class__.__base__ …`),
/// dangerous anywhere in a dotted name (protocol 4 resolves `builtins.object.__subclasses__`).
const DANGEROUS_DUNDERS: &[&str] = &[
    "__getattribute__",
    "__getattr__",
    "__setattr__",
    "__delattr__",
    "__globals__",
    "__builtins__",
    "__subclasses__",
    "__import__",
    "__code__",
    "__dict__",
    "__class__",
    "__base__",
    "__bases__",
    "__mro__",
    "__self__",
    "__func__",
    "__closure__",
    "__wrapped__",
    "__objclass__",
    "__loader__",
    "__spec__",
    "__reduce__",
    "__reduce_ex__",
];

/// Whether an import, written `module.attr` (or `module:qual.name`), is dangerous: on the
/// deny list, reaching one through module attributes, walking dunder attributes, not a plain
/// dotted name, or unresolvable. Dangerous imports can never be allowed.
///
/// ```
/// assert!(palisade_pickle::is_dangerous("posix.system"));
/// assert!(palisade_pickle::is_dangerous("os.path.join"));
/// assert!(palisade_pickle::is_dangerous("imaplib.IMAP4_stream"));
/// assert!(palisade_pickle::is_dangerous("posixpath:os.system")); // os.system, through posixpath.os
/// assert!(palisade_pickle::is_dangerous("os\0.system"));
/// assert!(!palisade_pickle::is_dangerous("collections.OrderedDict"));
/// assert!(!palisade_pickle::is_dangerous("sklearn.linear_model._logistic.LogisticRegression"));
/// ```
pub fn is_dangerous(import: &str) -> bool {
    why_dangerous(import).is_some()
}

/// Why an import is dangerous (for reports), or None.
pub fn why_dangerous(import: &str) -> Option<&'static str> {
    dangerous_object(import).map(|(_, why)| why)
}

/// The dangerous object an import reaches and why: for `posixpath:os.system` that is
/// `os.system`.
pub(crate) fn dangerous_object(import: &str) -> Option<(String, &'static str)> {
    if import.contains('\0') {
        return Some((
            escape(import),
            "a NUL in the name: CPython imports a frozen module by the part before it (`os\\0` loads os)",
        ));
    }
    let (module, name) = match import.split_once(':') {
        Some((module, name)) => (module, name),
        None => ("", import),
    };
    let plain = if module.is_empty() {
        names::is_dotted(name) && name.contains('.')
    } else {
        names::is_dotted(module) && names::is_dotted(name)
    };
    if !plain {
        return Some((
            escape(import),
            "not a plain dotted Python name: a loader may resolve it to another object",
        ));
    }
    let objects = if module.is_empty() {
        // `package.module.name`: a module path and one attribute.
        vec![name.to_owned()]
    } else {
        Form {
            module: module.to_owned(),
            name: name.to_owned(),
        }
        .objects()
    };
    objects.into_iter().find_map(|object| {
        let why = deny_match(&object).or_else(|| {
            object
                .split('.')
                .any(|s| DANGEROUS_DUNDERS.contains(&s))
                .then_some("walks attributes to arbitrary code")
        })?;
        Some((object, why))
    })
}

fn deny_match(object: &str) -> Option<&'static str> {
    if DENY_EXCEPTIONS.contains(&object) {
        return None;
    }
    DENY_LIST
        .iter()
        .find(|(prefix, _)| covers(prefix, object))
        .map(|&(_, why)| why)
}

/// Whether `prefix` is `name` or a dotted ancestor of it.
fn covers(prefix: &str, name: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Whether an import is on [`DEFAULT_ALLOWED_IMPORTS`].
pub fn is_allowed_by_default(import: &str) -> bool {
    DEFAULT_ALLOWED_IMPORTS.binary_search(&import).is_ok()
}

/// How one import is judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// On [`DEFAULT_ALLOWED_IMPORTS`].
    Allowed,
    /// Can never be allowed.
    Dangerous {
        /// The object reached (`os.system` for `posixpath:os.system`).
        object: String,
        /// Why.
        why: String,
    },
    /// Neither: the model must declare it.
    Unknown,
}

/// One import a pickle performs, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// What the loader imports: `module.name` after Python 2 renames, or `module:qual.name`
    /// when the name walks attributes (protocol 4). Control characters are escaped.
    pub name: String,
    /// How the pickle spells it, `module.name`, when that differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    /// The judgement.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Judges an import as `find_class(module, name)` would resolve it.
pub(crate) fn judge_pair(module: &str, name: &str) -> Import {
    let written = format!("{module}.{name}");
    if !names::importable_module(module) || module.contains('\0') || !names::is_dotted(name) {
        let verdict = match dangerous_object(&written) {
            Some((object, why)) => Verdict::Dangerous {
                object,
                why: why.to_owned(),
            },
            None => Verdict::Dangerous {
                object: escape(&written),
                why: "not a plain dotted Python name".to_owned(),
            },
        };
        return Import {
            name: escape(&written),
            written: None,
            verdict,
        };
    }
    let forms = names::forms(module, name);
    let shown = forms[0].shown();
    let dangerous = forms
        .iter()
        .find_map(|form| dangerous_object(&form.shown()));
    let verdict = match dangerous {
        Some((object, why)) => Verdict::Dangerous {
            object,
            why: why.to_owned(),
        },
        None if forms.iter().all(|f| is_allowed_by_default(&f.shown())) => Verdict::Allowed,
        None => Verdict::Unknown,
    };
    Import {
        written: (written != shown).then_some(written),
        name: shown,
        verdict,
    }
}

/// The import recorded when the module or name cannot be resolved statically.
pub(crate) fn unresolved() -> Import {
    Import {
        name: UNKNOWN_IMPORT.to_owned(),
        written: None,
        verdict: Verdict::Dangerous {
            object: UNKNOWN_IMPORT.to_owned(),
            why: "module or name not resolvable statically".to_owned(),
        },
    }
}

/// Escapes control characters (`\u{1b}` style) and caps the length, for messages and facts.
pub(crate) fn escape(s: &str) -> String {
    const MAX: usize = 200;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// One entry of a model's `allow_imports`: an exact import (`module.name`, or
/// `module:qual.name` for a dotted name) or every import under a package (`prefix.*`).
///
/// A pattern never allows a dangerous import, and a pattern that can only name dangerous
/// imports (`os.*`, `builtins.eval`) is refused when parsed.
///
/// ```
/// use palisade_pickle::ImportPattern;
/// let p: ImportPattern = "sklearn.linear_model.*".parse().unwrap();
/// assert!(p.allows("sklearn.linear_model._logistic.LogisticRegression"));
/// assert!(!p.allows("sklearn.tree._classes.DecisionTreeClassifier"));
/// assert!("subprocess.*".parse::<ImportPattern>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct ImportPattern {
    text: String,
    kind: PatternKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternKind {
    Exact,
    Under(String),
}

/// Why an `allow_imports` pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum PatternError {
    /// Not `module.name`, `module:qual.name` or `prefix.*`.
    #[error(
        "allow_imports pattern {pattern:?} is not `module.name`, `module:qual.name` or `package.*`"
    )]
    #[diagnostic(
        code(palisade::pickle::pattern_syntax),
        help(
            "write dotted Python identifiers, e.g. `sklearn.linear_model.*` or `mypkg.model.Net`"
        )
    )]
    Syntax {
        /// The pattern, escaped.
        pattern: String,
    },
    /// The pattern names only dangerous imports.
    #[error("allow_imports pattern {pattern:?} can only allow dangerous imports ({why})")]
    #[diagnostic(
        code(palisade::pickle::pattern_dangerous),
        help("dangerous imports (shells, code execution, files, network …) can never be allowed")
    )]
    Dangerous {
        /// The pattern, escaped.
        pattern: String,
        /// Why its imports are dangerous.
        why: &'static str,
    },
}

impl FromStr for ImportPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, PatternError> {
        let syntax = || PatternError::Syntax {
            pattern: escape(text),
        };
        if let Some(prefix) = text.strip_suffix(".*") {
            if !names::is_dotted(prefix) {
                return Err(syntax());
            }
            if let Some(why) = deny_match(prefix).or_else(|| {
                prefix
                    .split('.')
                    .any(|s| DANGEROUS_DUNDERS.contains(&s))
                    .then_some("walks attributes to arbitrary code")
            }) {
                return Err(PatternError::Dangerous {
                    pattern: escape(text),
                    why,
                });
            }
            return Ok(Self {
                text: text.to_owned(),
                kind: PatternKind::Under(prefix.to_owned()),
            });
        }
        let well_formed = match text.split_once(':') {
            Some((module, name)) => names::is_dotted(module) && names::is_dotted(name),
            None => names::is_dotted(text) && text.contains('.'),
        };
        if !well_formed {
            return Err(syntax());
        }
        if let Some(why) = why_dangerous(text) {
            return Err(PatternError::Dangerous {
                pattern: escape(text),
                why,
            });
        }
        Ok(Self {
            text: text.to_owned(),
            kind: PatternKind::Exact,
        })
    }
}

impl ImportPattern {
    /// Whether this pattern allows `import` (as in [`Import::name`]). Dangerous imports are
    /// never allowed; a `prefix.*` pattern matches `module.name` imports under the prefix,
    /// never a `module:qual.name` one (a dotted name may reach anything through module
    /// attributes, so it must be listed exactly).
    pub fn allows(&self, import: &str) -> bool {
        let matched = match &self.kind {
            PatternKind::Exact => import == self.text,
            PatternKind::Under(prefix) => {
                !import.contains(':') && {
                    import
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
                }
            }
        };
        matched && !is_dangerous(import)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ImportPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<ImportPattern> for String {
    fn from(p: ImportPattern) -> String {
        p.text
    }
}

/// A model's `allow_imports`: the imports it declares on top of the default allow list.
///
/// ```
/// use palisade_pickle::AllowImports;
/// let allow = AllowImports::parse(["sklearn.*", "mypkg.net:Net.Block"]).unwrap();
/// assert!(allow.allows("sklearn.svm._classes.SVC"));
/// assert!(allow.allows("mypkg.net:Net.Block"));
/// assert!(!allow.allows("os.system"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AllowImports {
    patterns: Vec<ImportPattern>,
}

impl AllowImports {
    /// Parses every pattern; the first refused one is the error.
    pub fn parse<I, S>(patterns: I) -> Result<Self, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|p| p.as_ref().parse())
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// Whether any pattern allows `import`.
    pub fn allows(&self, import: &str) -> bool {
        self.patterns.iter().any(|p| p.allows(import))
    }

    /// The patterns.
    pub fn patterns(&self) -> &[ImportPattern] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_is_sorted_and_disjoint_from_the_deny_list() {
        assert!(DEFAULT_ALLOWED_IMPORTS.windows(2).all(|w| w[0] < w[1]));
        for name in DEFAULT_ALLOWED_IMPORTS {
            assert!(!is_dangerous(name), "{name} is allowed and dangerous");
            assert_eq!(judge_pair_str(name).verdict, Verdict::Allowed, "{name}");
        }
    }

    fn judge_pair_str(name: &str) -> Import {
        let (module, attr) = name.rsplit_once('.').unwrap();
        judge_pair(module, attr)
    }

    #[test]
    fn deny_list_matches() {
        for bad in [
            "posix.system",
            "nt.system",
            "os.system",
            "os.path.join",
            "subprocess.Popen",
            "builtins.eval",
            "builtins.getattr",
            "__builtin__.apply",
            "sys.modules",
            "socket.create_connection",
            "shutil.rmtree",
            "runpy.run_path",
            "importlib.util.spec_from_file_location",
            "pickle.loads",
            "marshal.loads",
            "types.CodeType",
            "ctypes.CDLL",
            "operator.attrgetter",
            "functools.partial",
            "builtins.object.__subclasses__",
            "imaplib.IMAP4_stream",
            "distutils.spawn.spawn",
            "_osx_support._read_output",
            "bdb.Bdb.run",
            "pip.main",
            "asyncio.unix_events._UnixSubprocessTransport",
            "torch.serialization.load",
            "numpy.lib.format.read_array",
            UNKNOWN_IMPORT,
        ] {
            assert!(is_dangerous(bad), "{bad} should be dangerous");
        }
    }

    #[test]
    fn ordinary_imports_are_not_dangerous() {
        for ok in [
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.serialization._get_layout",
            "numpy.core.multiarray._reconstruct",
            "sklearn.linear_model._logistic.LogisticRegression",
            "operator.itemgetter",
            "systemd.thing",
            "osmium.x",
            "sysconfig.get_paths",
            "io.StringIO",
        ] {
            assert!(!is_dangerous(ok), "{ok} should not be dangerous");
        }
    }

    #[test]
    fn pairs_are_judged_by_what_they_resolve_to() {
        let i = judge_pair("StringIO", "open");
        assert_eq!(i.name, "io.open");
        assert_eq!(i.written.as_deref(), Some("StringIO.open"));
        assert!(matches!(i.verdict, Verdict::Dangerous { ref object, .. } if object == "io.open"));

        let i = judge_pair("posixpath", "os.system");
        assert_eq!(i.name, "posixpath:os.system");
        assert!(
            matches!(i.verdict, Verdict::Dangerous { ref object, .. } if object == "os.system")
        );

        let i = judge_pair("codecs", "builtins.exec");
        assert!(
            matches!(i.verdict, Verdict::Dangerous { ref object, .. } if object == "builtins.exec")
        );

        let i = judge_pair("__builtin__", "set");
        assert_eq!(i.name, "builtins.set");
        assert_eq!(i.verdict, Verdict::Allowed);

        let i = judge_pair("thread", "start_new_thread");
        assert_eq!(i.name, "_thread.start_new_thread");
        assert!(matches!(i.verdict, Verdict::Dangerous { .. }));

        assert_eq!(
            judge_pair("sklearn.svm._classes", "SVC").verdict,
            Verdict::Unknown
        );
        let nul = judge_pair("os\0", "system");
        assert_eq!(nul.name, "os\\u{0}.system");
        assert!(matches!(nul.verdict, Verdict::Dangerous { .. }));
    }

    #[test]
    fn patterns() {
        let p: ImportPattern = "sklearn.*".parse().unwrap();
        assert!(p.allows("sklearn.tree._classes.DecisionTreeClassifier"));
        assert!(!p.allows("sklearn"));
        assert!(!p.allows("sklearnx.a"));
        // A dotted name may reach os through a module attribute: globs never match it.
        assert!(!p.allows("sklearn.utils:_os.system"));
        // Dangerous imports under an allowed prefix stay refused.
        assert!(!p.allows("sklearn.datasets.fetch_openml"));
        let exact: ImportPattern = "mypkg.m:Outer.Inner".parse().unwrap();
        assert!(exact.allows("mypkg.m:Outer.Inner"));
        assert!(!exact.allows("mypkg.m.Outer"));

        for (bad, dangerous) in [
            ("os.*", true),
            ("subprocess.*", true),
            ("builtins.eval", true),
            ("posixpath:os.system", true),
            ("x.__class__.*", true),
            ("*", false),
            ("", false),
            ("os", false),
            ("a.*.b", false),
            ("a b.c", false),
            ("a.b.", false),
        ] {
            let err = bad.parse::<ImportPattern>().unwrap_err();
            assert_eq!(
                matches!(err, PatternError::Dangerous { .. }),
                dangerous,
                "{bad}: {err}"
            );
        }
        assert!(AllowImports::parse(["a.*", "os.*"]).is_err());
        assert!(
            "builtins.*"
                .parse::<ImportPattern>()
                .unwrap()
                .allows("builtins.print")
        );
        assert!(
            !"builtins.*"
                .parse::<ImportPattern>()
                .unwrap()
                .allows("builtins.eval")
        );
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape(&"x".repeat(300)).chars().count(), 201);
    }
}
