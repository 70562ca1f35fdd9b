//! What object a pickle's `(module, name)` pair reaches, as CPython's `Unpickler.find_class`
//! resolves it:
//!
//! - protocols 0-2 with `fix_imports` (the default of `pickle.load`, `torch.load`,
//!   `numpy.load` and `joblib.load`) rename Python 2 names through `_compat_pickle`'s
//!   `NAME_MAPPING` (the pair) or else `IMPORT_MAPPING` (the module): `StringIO.open` is
//!   `io.open`, `__builtin__.eval` is `builtins.eval`;
//! - protocol 4+ walks a dotted name attribute by attribute (`posixpath` + `os.system` is
//!   `os.system`, reached through `posixpath`'s `os` attribute).
//!
//! The scanner does not know which protocol or loader will be in force (a loader can pass
//! `fix_imports=False`, joblib resolves nested pickles with the outer pickle's protocol), so
//! it considers every spelling a loader may reach: the renamed one, the unrenamed one when a
//! module of that name exists in Python 3, and a dotted name whatever the protocol.

use crate::compat_table::{IMPORT_MAPPING, NAME_MAPPING};

/// One spelling a loader may import: `(module, name)`, the name possibly dotted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    pub module: String,
    pub name: String,
}

impl Form {
    /// `module.name`, or `module:qual.name` when the name walks attributes.
    pub fn shown(&self) -> String {
        if self.name.contains('.') {
            format!("{}:{}", self.module, self.name)
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }

    /// The objects this spelling may end at: `module.name` itself and, for a dotted name, the
    /// same walk started at each attribute that may be a module (`posixpath:os.system` may be
    /// `os.system`; `codecs:builtins.exec` may be `builtins.exec`). Each is `a.b…` with at
    /// least two parts.
    pub fn objects(&self) -> Vec<String> {
        let mut out = vec![format!("{}.{}", self.module, self.name)];
        let parts: Vec<&str> = self.name.split('.').collect();
        for start in 0..parts.len().saturating_sub(1) {
            out.push(parts[start..].join("."));
        }
        out
    }
}

/// The spellings of `(module, name)` a Python 3 loader may import, the renamed one first.
pub(crate) fn forms(module: &str, name: &str) -> Vec<Form> {
    let raw = Form {
        module: module.to_owned(),
        name: name.to_owned(),
    };
    let (mapped, raw_importable) =
        match NAME_MAPPING.binary_search_by(|((m, n), _, _)| (*m, *n).cmp(&(module, name))) {
            Ok(i) => {
                let (_, (m3, n3), importable) = NAME_MAPPING[i];
                (
                    Form {
                        module: m3.to_owned(),
                        name: n3.to_owned(),
                    },
                    importable,
                )
            }
            Err(_) => match IMPORT_MAPPING.binary_search_by(|(m, _, _)| (*m).cmp(module)) {
                Ok(i) => {
                    let (_, m3, importable) = IMPORT_MAPPING[i];
                    (
                        Form {
                            module: m3.to_owned(),
                            name: name.to_owned(),
                        },
                        importable,
                    )
                }
                Err(_) => return vec![raw],
            },
        };
    if raw_importable && mapped != raw {
        vec![mapped, raw]
    } else {
        vec![mapped]
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Identifiers joined by single dots.
pub(crate) fn is_dotted(s: &str) -> bool {
    s.split('.').all(is_identifier)
}

/// Whether CPython could import a module of this name. A NUL ends the name for frozen
/// modules (`os\0junk` imports `os`), so what comes before it counts; a name with characters
/// no module file can have makes `__import__` fail before anything runs.
pub(crate) fn importable_module(module: &str) -> bool {
    let before_nul = module.split('\0').next().unwrap_or_default();
    is_dotted(before_nul)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(module: &str, name: &str) -> Vec<String> {
        forms(module, name).iter().map(Form::shown).collect()
    }

    #[test]
    fn python2_names_are_renamed() {
        assert_eq!(shown("__builtin__", "eval"), ["builtins.eval"]);
        assert_eq!(shown("StringIO", "open"), ["io.open"]);
        assert_eq!(
            shown("thread", "start_new_thread"),
            ["_thread.start_new_thread"]
        );
        assert_eq!(
            shown("copy_reg", "_reconstructor"),
            ["copyreg._reconstructor"]
        );
        assert_eq!(shown("__builtin__", "xrange"), ["builtins.range"]);
        assert_eq!(shown("UserDict", "UserDict"), ["collections.UserDict"]);
        // `dbm` exists in Python 3 too: both spellings are judged.
        assert_eq!(shown("dbm", "open"), ["dbm.ndbm.open", "dbm.open"]);
        assert_eq!(
            shown("itertools", "izip"),
            ["builtins.zip", "itertools.izip"]
        );
        assert_eq!(
            shown("collections", "OrderedDict"),
            ["collections.OrderedDict"]
        );
    }

    #[test]
    fn dotted_names_reach_through_attributes() {
        let form = &forms("posixpath", "os.system")[0];
        assert_eq!(form.shown(), "posixpath:os.system");
        assert_eq!(form.objects(), ["posixpath.os.system", "os.system"]);
        let form = &forms("codecs", "builtins.exec")[0];
        assert_eq!(form.objects(), ["codecs.builtins.exec", "builtins.exec"]);
        let form = &forms("a", "b.c.d")[0];
        assert_eq!(form.objects(), ["a.b.c.d", "b.c.d", "c.d"]);
        assert_eq!(forms("os", "system")[0].objects(), ["os.system"]);
    }

    #[test]
    fn plausibility() {
        assert!(importable_module("os"));
        assert!(importable_module("os\0junk"));
        assert!(importable_module("torch._utils"));
        assert!(!importable_module("\0os"));
        assert!(!importable_module("mport torch"));
        assert!(!importable_module(""));
        assert!(!importable_module("a..b"));
        assert!(is_dotted("a.b_c.D9"));
        assert!(!is_dotted("9a"));
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(IMPORT_MAPPING.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(NAME_MAPPING.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
