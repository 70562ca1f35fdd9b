//! Which imports make a pickle dangerous: one table, matched against `module.attr` exactly as
//! the pickle spells it (`posix.system`, `__builtin__.eval`, `subprocess.Popen`).
//!
//! A pickle can only act through the callables it imports (REDUCE/NEWOBJ/BUILD call them), so
//! the imports are the whole attack surface. The list errs on the side of flagging: a model
//! has no business importing a shell, a file opener, a network client or another deserialiser.

/// `ANY` as the attribute: the whole module and everything under it (`os` covers `os.system`,
/// `os.path.join` …).
const ANY: &str = "*";

/// The deny list: (module, attribute or [`ANY`], why).
pub(crate) const DENY_LIST: &[(&str, &str, &str)] = &[
    // Processes, shells and the interpreter itself.
    ("os", ANY, "process, file and environment control"),
    (
        "posix",
        ANY,
        "os on POSIX (how os.system pickles on Linux/macOS)",
    ),
    (
        "nt",
        ANY,
        "os on Windows (how os.system pickles on Windows)",
    ),
    ("subprocess", ANY, "runs programs"),
    ("_posixsubprocess", ANY, "runs programs"),
    ("_winapi", ANY, "runs programs on Windows"),
    ("pty", ANY, "spawns shells"),
    ("commands", ANY, "Python 2 shell commands"),
    ("popen2", ANY, "Python 2 shell commands"),
    ("platform", "popen", "runs a shell command"),
    ("uuid", "_get_command_stdout", "runs a program"),
    (
        "sys",
        ANY,
        "interpreter state (sys.modules, exit, settrace …)",
    ),
    ("multiprocessing", ANY, "starts processes"),
    (
        "asyncio",
        ANY,
        "asyncio.create_subprocess_shell and friends",
    ),
    ("signal", ANY, "process signals"),
    // Running code.
    ("builtins", "eval", "evaluates code"),
    ("builtins", "exec", "executes code"),
    ("builtins", "compile", "compiles code"),
    ("builtins", "open", "opens files"),
    ("builtins", "__import__", "imports any module"),
    ("builtins", "getattr", "reaches any attribute"),
    ("builtins", "setattr", "changes any attribute"),
    ("builtins", "delattr", "deletes any attribute"),
    ("builtins", "globals", "interpreter globals"),
    ("builtins", "locals", "interpreter locals"),
    ("builtins", "vars", "object namespaces"),
    ("builtins", "input", "reads the terminal"),
    ("builtins", "breakpoint", "starts a debugger"),
    ("__builtin__", "eval", "Python 2 builtins"),
    ("__builtin__", "exec", "Python 2 builtins"),
    ("__builtin__", "execfile", "Python 2 builtins"),
    ("__builtin__", "compile", "Python 2 builtins"),
    ("__builtin__", "open", "Python 2 builtins"),
    ("__builtin__", "file", "Python 2 builtins"),
    ("__builtin__", "__import__", "Python 2 builtins"),
    ("__builtin__", "getattr", "Python 2 builtins"),
    ("__builtin__", "setattr", "Python 2 builtins"),
    ("__builtin__", "delattr", "Python 2 builtins"),
    ("__builtin__", "apply", "Python 2 builtins: calls anything"),
    ("__builtin__", "globals", "Python 2 builtins"),
    ("__builtin__", "locals", "Python 2 builtins"),
    ("__builtin__", "vars", "Python 2 builtins"),
    ("__builtin__", "input", "Python 2 builtins: evaluates input"),
    ("__builtin__", "raw_input", "Python 2 builtins"),
    ("__builtin__", "reload", "Python 2 builtins"),
    ("code", ANY, "interactive interpreter"),
    ("codeop", ANY, "compiles code"),
    ("runpy", ANY, "runs modules and scripts"),
    ("importlib", ANY, "imports any module"),
    ("imp", ANY, "imports any module"),
    ("zipimport", ANY, "imports code from archives"),
    ("pkgutil", ANY, "pkgutil.resolve_name imports anything"),
    (
        "pydoc",
        ANY,
        "pydoc.locate imports anything; pipepager runs a shell",
    ),
    ("pdb", ANY, "pdb.run executes code"),
    ("bdb", ANY, "debugger that executes code"),
    ("timeit", ANY, "timeit.timeit executes code strings"),
    ("profile", ANY, "profile.run executes code"),
    ("cProfile", ANY, "cProfile.run executes code"),
    ("trace", ANY, "executes code"),
    ("doctest", ANY, "executes code"),
    ("types", "CodeType", "builds code objects"),
    ("types", "FunctionType", "builds functions from code"),
    ("types", "LambdaType", "builds functions from code"),
    ("types", "MethodType", "binds functions"),
    ("ctypes", ANY, "native code and memory"),
    ("_ctypes", ANY, "native code and memory"),
    ("numpy.testing._private.utils", "runstring", "executes code"),
    // Reaching attributes and wrapping callables: turn a harmless import into a dangerous call.
    ("operator", "attrgetter", "reaches any attribute"),
    ("operator", "methodcaller", "calls any method"),
    ("_operator", "attrgetter", "reaches any attribute"),
    ("_operator", "methodcaller", "calls any method"),
    ("functools", "partial", "wraps any callable"),
    ("functools", "partialmethod", "wraps any callable"),
    ("_functools", "partial", "wraps any callable"),
    // Files.
    ("shutil", ANY, "copies, moves and deletes files"),
    ("io", "open", "opens files"),
    ("io", "open_code", "opens files"),
    ("io", "FileIO", "opens files"),
    ("_io", "open", "opens files"),
    ("_io", "open_code", "opens files"),
    ("_io", "FileIO", "opens files"),
    ("codecs", "open", "opens files"),
    ("tempfile", ANY, "creates files"),
    // Network.
    ("socket", ANY, "network access"),
    ("_socket", ANY, "network access"),
    ("ssl", ANY, "network access"),
    ("http", ANY, "network access"),
    ("httplib", ANY, "network access"),
    ("urllib", ANY, "network access"),
    ("urllib2", ANY, "network access"),
    ("urllib3", ANY, "network access"),
    ("requests", ANY, "network access"),
    ("ftplib", ANY, "network access"),
    ("smtplib", ANY, "network access"),
    ("telnetlib", ANY, "network access"),
    ("webbrowser", ANY, "opens URLs with local programs"),
    // Other deserialisers: a pickle inside a pickle hides its imports from this scan.
    ("pickle", "loads", "nested unpickling"),
    ("pickle", "load", "nested unpickling"),
    ("pickle", "Unpickler", "nested unpickling"),
    ("pickle", "_loads", "nested unpickling"),
    ("pickle", "_load", "nested unpickling"),
    ("pickle", "_Unpickler", "nested unpickling"),
    ("_pickle", "loads", "nested unpickling"),
    ("_pickle", "load", "nested unpickling"),
    ("_pickle", "Unpickler", "nested unpickling"),
    ("cPickle", "loads", "nested unpickling"),
    ("cPickle", "load", "nested unpickling"),
    ("cPickle", "Unpickler", "nested unpickling"),
    ("dill", ANY, "pickles code"),
    ("cloudpickle", ANY, "pickles code"),
    ("marshal", ANY, "loads code objects"),
    ("shelve", ANY, "pickle-backed files"),
    ("joblib", "load", "nested unpickling"),
    ("numpy", "load", "may unpickle"),
    ("torch", "load", "nested unpickling"),
    ("torch.serialization", "load", "nested unpickling"),
    ("torch.hub", ANY, "downloads and runs code"),
    ("pip", ANY, "installs packages"),
    // An import whose module or name the scan could not resolve statically (fail closed).
    ("unknown", "unknown", "operands not resolvable statically"),
];

/// Dunder attributes that walk from any object to arbitrary code (`x.__class__.__base__ …`);
/// flagged anywhere in a dotted name (protocol 4 allows qualified names such as
/// `builtins.object.__subclasses__`).
const DANGEROUS_DUNDERS: &[&str] = &[
    "__getattribute__",
    "__getattr__",
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
];

/// The name recorded for an import whose operands cannot be resolved statically.
pub const UNKNOWN_IMPORT: &str = "unknown.unknown";

/// Whether an import, written `module.attr` as the pickle names it, is on the deny list.
///
/// ```
/// assert!(palisade_pickle::is_dangerous("posix.system"));
/// assert!(palisade_pickle::is_dangerous("__builtin__.eval"));
/// assert!(palisade_pickle::is_dangerous("os.path.join"));
/// assert!(!palisade_pickle::is_dangerous("collections.OrderedDict"));
/// assert!(!palisade_pickle::is_dangerous("torch._utils._rebuild_tensor_v2"));
/// assert!(palisade_pickle::is_dangerous("os\0.system"));
/// ```
pub fn is_dangerous(global: &str) -> bool {
    why_dangerous(global).is_some()
}

/// Why an import is dangerous (the deny-list entry's reason), for reports.
pub fn why_dangerous(global: &str) -> Option<&'static str> {
    // Fail closed on anything but a plain dotted name: CPython imports a frozen module through
    // a C string, so `os\0` (or `os\0junk`) loads `os`, and such a name would slip past any list.
    if global.is_empty()
        || !global
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Some(
            "not a plain dotted Python name: a loader may resolve it to another module (`os\\0` imports os)",
        );
    }
    DENY_LIST
        .iter()
        .find(|&&(module, attr, _)| {
            global
                .strip_prefix(module)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|rest| {
                    attr == ANY
                        || rest == attr
                        || rest
                            .strip_prefix(attr)
                            .is_some_and(|tail| tail.starts_with('.'))
                })
        })
        .map(|&(_, _, why)| why)
        .or_else(|| {
            global
                .split('.')
                .any(|s| DANGEROUS_DUNDERS.contains(&s))
                .then_some("walks attributes to arbitrary code")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_list_matches() {
        for bad in [
            "posix.system",
            "nt.system",
            "os.system",
            "os.path.join",
            "subprocess.Popen",
            "subprocess.check_output",
            "builtins.eval",
            "builtins.exec",
            "builtins.getattr",
            "__builtin__.eval",
            "__builtin__.apply",
            "sys.modules",
            "socket.create_connection",
            "shutil.rmtree",
            "runpy.run_path",
            "pty.spawn",
            "importlib.import_module",
            "importlib.util.spec_from_file_location",
            "webbrowser.open",
            "pickle.loads",
            "_pickle.loads",
            "marshal.loads",
            "code.InteractiveInterpreter",
            "types.CodeType",
            "types.FunctionType",
            "ctypes.CDLL",
            "operator.attrgetter",
            "operator.methodcaller",
            "functools.partial",
            "builtins.object.__subclasses__",
            "unknown.unknown",
            UNKNOWN_IMPORT,
        ] {
            assert!(is_dangerous(bad), "{bad} should be dangerous");
            assert!(why_dangerous(bad).is_some(), "{bad} should have a reason");
        }
    }

    #[test]
    fn ordinary_model_imports_are_safe() {
        for ok in [
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage",
            "numpy.core.multiarray._reconstruct",
            "numpy.ndarray",
            "numpy.dtype",
            "_codecs.encode",
            "copyreg._reconstructor",
            "copy_reg._reconstructor",
            "builtins.set",
            "__builtin__.set",
            "sklearn.linear_model._logistic.LogisticRegression",
            "operator.itemgetter",
            "functools.reduce",
            "pickle.PickleBuffer",
            "systemd.thing",
            "osmium.x",
            "codecs.encode",
            "sysconfig.get_paths",
        ] {
            assert!(!is_dangerous(ok), "{ok} should be safe");
            assert_eq!(why_dangerous(ok), None);
        }
    }
}
