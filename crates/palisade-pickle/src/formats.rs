//! Which model formats and file extensions are pickle-based: the one place the rest of
//! Palisade asks (the graph builder's declared facts, the evidence reader's routing).

use std::path::Path;

use serde::Serialize;

/// Declared `format`s (lower case) whose loading runs a pickle: `format = "pytorch"` on a
/// model makes it `unsafe_format` before any file is scanned.
pub const PICKLE_FORMATS: &[&str] = &[
    "cloudpickle",
    "dill",
    "joblib",
    "keras-pickle",
    "npy-object",
    "pickle",
    "pkl",
    "pt",
    "pth",
    "pytorch",
    "scikit-learn",
    "sklearn",
    "torch",
];

/// Whether a declared format (any case, surrounding spaces ignored) is pickle-based.
///
/// ```
/// assert!(palisade_pickle::declared_format_is_pickle("PyTorch"));
/// assert!(palisade_pickle::declared_format_is_pickle("joblib"));
/// assert!(!palisade_pickle::declared_format_is_pickle("safetensors"));
/// assert!(!palisade_pickle::declared_format_is_pickle("onnx"));
/// ```
pub fn declared_format_is_pickle(format: &str) -> bool {
    let format = format.trim().to_ascii_lowercase();
    PICKLE_FORMATS.contains(&format.as_str())
}

/// Extensions whose files are pickles by convention: a declared path with one of them makes
/// the model `unsafe_format` before it is scanned, and content under such a name that does
/// not parse is a fail-closed scan error rather than "not a pickle".
pub const PICKLE_EXTENSIONS: &[&str] = &["ckpt", "dill", "joblib", "pickle", "pkl", "pt", "pth"];

/// Extensions that may hold a pickle but often do not (`.bin` raw weights, plain `.npy`
/// arrays, `.npz`, `.dat`): only their content decides.
pub const MAYBE_PICKLE_EXTENSIONS: &[&str] = &["bin", "dat", "npy", "npz"];

/// Whether `path`'s extension is in [`PICKLE_EXTENSIONS`] (any case).
pub fn extension_promises_pickle(path: &Path) -> bool {
    extension_in(path, PICKLE_EXTENSIONS)
}

/// Whether `path`'s extension is in [`PICKLE_EXTENSIONS`] or [`MAYBE_PICKLE_EXTENSIONS`]
/// (any case). Scans never rely on it: content decides.
pub fn is_pickle_extension(path: &Path) -> bool {
    extension_in(path, PICKLE_EXTENSIONS) || extension_in(path, MAYBE_PICKLE_EXTENSIONS)
}

fn extension_in(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The pickle-based format a scan detected, from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PickleFormat {
    /// A plain pickle stream.
    Pickle,
    /// A PyTorch checkpoint: a zip with `data.pkl`, a legacy tar, or a legacy pickle sequence.
    Pytorch,
    /// A NumPy `.npy` with objects, or an `.npz` holding one.
    Numpy,
    /// A joblib dump (arrays written raw between pickle opcodes), possibly compressed.
    Joblib,
}

impl PickleFormat {
    /// The name used for the `format` fact: `pickle`, `pytorch`, `numpy` or `joblib`.
    pub fn as_str(self) -> &'static str {
        match self {
            PickleFormat::Pickle => "pickle",
            PickleFormat::Pytorch => "pytorch",
            PickleFormat::Numpy => "numpy",
            PickleFormat::Joblib => "joblib",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_lower_case_and_known_to_the_predicate() {
        for list in [PICKLE_FORMATS, PICKLE_EXTENSIONS, MAYBE_PICKLE_EXTENSIONS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
            assert!(list.iter().all(|f| f.to_ascii_lowercase() == *f));
        }
        for format in PICKLE_FORMATS {
            assert!(declared_format_is_pickle(&format.to_uppercase()));
        }
        for detected in [
            PickleFormat::Pickle,
            PickleFormat::Pytorch,
            PickleFormat::Joblib,
        ] {
            assert!(declared_format_is_pickle(detected.as_str()), "{detected:?}");
        }
    }

    #[test]
    fn extensions() {
        for yes in [
            "a.pkl", "a.PICKLE", "a.pt", "a.pth", "a.joblib", "a.ckpt", "a.dill",
        ] {
            assert!(extension_promises_pickle(Path::new(yes)), "{yes}");
            assert!(is_pickle_extension(Path::new(yes)), "{yes}");
        }
        for maybe in ["a.bin", "a.npy", "a.npz", "a.dat"] {
            assert!(!extension_promises_pickle(Path::new(maybe)), "{maybe}");
            assert!(is_pickle_extension(Path::new(maybe)), "{maybe}");
        }
        for no in ["a.safetensors", "a.onnx", "a.json", "a", "pkl"] {
            assert!(!is_pickle_extension(Path::new(no)), "{no}");
        }
    }
}
