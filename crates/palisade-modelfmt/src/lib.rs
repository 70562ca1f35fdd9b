//! Static checks for the model formats that are not pickles: Keras (`.keras` archives and
//! legacy `.h5`), ONNX, GGUF and safetensors. Each file is recognised by its content (never
//! its name), read with explicit [`Limits`], and reported as [`Finding`]s: what would run code
//! on load (Lambda layers, custom Keras objects, custom ONNX operator domains, a Jinja chat
//! template that breaks out of its sandbox), what reaches outside the model folder (ONNX
//! external data), and headers the format's own library would reject. Nothing is ever loaded.
//!
//! Pickle-family files (raw pickles, PyTorch zips, `.npy`/`.npz`, joblib) belong to
//! `palisade-pickle`; this crate says [`Format::Pickle`] and leaves them alone. A file it
//! recognises but cannot read is [`Verdict::Unreadable`] (fail closed), and a file it does not
//! recognise is [`Format::Unknown`]: neither is ever "clean".
//!
//! A directory model is scanned file by file and merged ([`ModelFormatScan`]); its facts for
//! policies are [`ModelFormatScan::format`] (the model's `format`),
//! [`ModelFormatScan::unsafe_format`] (code runs on load, or a recognised file could not be
//! read) and [`ModelFormatScan::finding_kinds`] (a `format_findings` set of the stable names
//! of [`FindingKind`]).
//!
//! ```
//! use palisade_modelfmt::{FindingKind, Format, Limits, Verdict, scan_bytes};
//!
//! // A GGUF file whose chat template reaches Python internals (CVE-2024-34359).
//! let template = b"{{ ().__class__.__base__.__subclasses__() }}";
//! let mut gguf = b"GGUF".to_vec();
//! gguf.extend(3u32.to_le_bytes()); // version
//! gguf.extend(0u64.to_le_bytes()); // tensors
//! gguf.extend(1u64.to_le_bytes()); // metadata entries
//! let key = b"tokenizer.chat_template";
//! gguf.extend((key.len() as u64).to_le_bytes());
//! gguf.extend(key);
//! gguf.extend(8u32.to_le_bytes()); // string
//! gguf.extend((template.len() as u64).to_le_bytes());
//! gguf.extend(template);
//!
//! let scan = scan_bytes(&gguf, "evil.gguf", &Limits::default());
//! assert_eq!(scan.format, Format::Gguf);
//! assert_eq!(scan.verdict(), Verdict::Findings);
//! assert!(scan.findings.iter().all(|f| f.kind == FindingKind::ChatTemplateInjection));
//! assert!(scan.runs_code_on_load());
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// JSON errors carry their text for miette's snippet (as in palisade-sarif); errors are cold.
#![allow(clippy::result_large_err)]

mod detect;
mod error;
mod gguf;
mod hdf5;
mod jinja;
mod json;
mod keras;
mod onnx;
mod protobuf;
mod safetensors;
mod scan;
mod source;
mod text;

use std::collections::BTreeSet;

use serde::{Serialize, Serializer};

pub use detect::{HEAD_BYTES, detect};
pub use error::ModelFormatError;
pub use jinja::template_injections;
pub use scan::{scan_bytes, scan_path, scan_reader};

/// A model file format, as recognised from the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A Keras 3 `.keras` archive: a zip with `config.json` and `metadata.json` or
    /// `model.weights.{h5,npz}`.
    Keras,
    /// A legacy Keras HDF5 model: an HDF5 file whose root group has a `model_config` attribute.
    KerasH5,
    /// An HDF5 file without a model config (weights only, such as `save_weights` writes):
    /// nothing in it is deserialised into code by Keras.
    Hdf5,
    /// An ONNX `ModelProto`.
    Onnx,
    /// A GGUF file (llama.cpp), version 2 or 3.
    Gguf,
    /// A safetensors file.
    Safetensors,
    /// A pickle-family file (raw pickle, PyTorch zip, `.npy`/`.npz`): `palisade-pickle` judges it.
    Pickle,
    /// Not a format this crate or `palisade-pickle` recognises. Never "safe".
    Unknown,
    /// Several of the formats above in one directory model.
    Mixed,
}

impl Format {
    /// The name used in facts and reports (`"keras"`, `"keras_h5"`, `"onnx"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Keras => "keras",
            Format::KerasH5 => "keras_h5",
            Format::Hdf5 => "hdf5",
            Format::Onnx => "onnx",
            Format::Gguf => "gguf",
            Format::Safetensors => "safetensors",
            Format::Pickle => "pickle",
            Format::Unknown => "unknown",
            Format::Mixed => "mixed",
        }
    }

    /// Whether this crate judges files of this format (everything but pickle and unknown).
    pub fn is_mine(self) -> bool {
        !matches!(self, Format::Pickle | Format::Unknown | Format::Mixed)
    }
}

/// What a finding is about. The names (see [`FindingKind::as_str`]) are stable: policies
/// match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A Keras `Lambda` layer (or tf.keras `TFOpLambda`): marshalled Python bytecode or a named
    /// function, run on load unless Keras' `safe_mode` is on.
    LambdaLayer,
    /// A marshalled Python lambda (`__lambda__`) outside a Lambda layer's own function.
    PythonLambda,
    /// A Keras object that is not a Keras built-in: a registered custom class or function, or
    /// a `module` outside `keras` (which Keras before 3.9 imports: CVE-2025-1550).
    CustomObject,
    /// A Keras API that is not a modelling object (`keras.utils.get_file` …): Keras ≥ 3.11
    /// refuses these on load; earlier versions call them (CVE-2025-8747).
    UnsafeKerasApi,
    /// A member of a `.keras` archive whose name is absolute or climbs with `..`.
    ArchivePathOutside,
    /// An ONNX tensor whose external data lies outside the model folder (absolute path, `..`,
    /// or a symbolic link out of the folder).
    ExternalDataOutside,
    /// An ONNX node or opset import in a domain that is neither standard nor a function
    /// defined in the model: a custom operator, which needs native code registered at load.
    CustomOperatorDomain,
    /// A GGUF chat template (Jinja, rendered at inference) that reaches Python internals
    /// (the CVE-2024-34359 server-side template injection class).
    ChatTemplateInjection,
    /// A header the format's own library rejects (overlapping or out-of-range safetensors
    /// data, a GGUF tensor past the end of the file …): at best unloadable, at worst a parser
    /// differential.
    MalformedHeader,
}

impl FindingKind {
    /// The stable name used in facts (`"lambda_layer"`, `"custom_object"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::LambdaLayer => "lambda_layer",
            FindingKind::PythonLambda => "python_lambda",
            FindingKind::CustomObject => "custom_object",
            FindingKind::UnsafeKerasApi => "unsafe_keras_api",
            FindingKind::ArchivePathOutside => "archive_path_outside",
            FindingKind::ExternalDataOutside => "external_data_outside",
            FindingKind::CustomOperatorDomain => "custom_operator_domain",
            FindingKind::ChatTemplateInjection => "chat_template_injection",
            FindingKind::MalformedHeader => "malformed_header",
        }
    }

    /// Whether a file with this finding runs code that is not the format library's own when
    /// it is loaded (or, for a chat template, when the model is used).
    pub fn runs_code_on_load(self) -> bool {
        match self {
            FindingKind::LambdaLayer
            | FindingKind::PythonLambda
            | FindingKind::CustomObject
            | FindingKind::UnsafeKerasApi
            | FindingKind::CustomOperatorDomain
            | FindingKind::ChatTemplateInjection => true,
            FindingKind::ArchivePathOutside
            | FindingKind::ExternalDataOutside
            | FindingKind::MalformedHeader => false,
        }
    }
}

/// One thing found in a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it is.
    pub kind: FindingKind,
    /// The file (as named to the scan; relative to the directory in a directory scan).
    pub file: String,
    /// Where in the file: a JSON pointer into a Keras config (`config.json:/config/layers/2`),
    /// an ONNX path (`graph/node[1]/else_branch/node[0]`), a GGUF key, a safetensors tensor.
    pub location: String,
    /// What was seen, with control characters from the file escaped.
    pub detail: String,
}

/// How a file came out of the scan: the distinction callers act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not one of this crate's formats (pickle family or unknown): judge it elsewhere.
    NotMine,
    /// Recognised, read completely, nothing found.
    Clean,
    /// Recognised and read; see the findings.
    Findings,
    /// Recognised but could not be read within the limits, or uses a feature this reader does
    /// not handle: fail closed, never "clean".
    Unreadable,
}

/// What one file holds.
#[derive(Debug, Serialize)]
pub struct FileScan {
    /// The file: as given for a single file, relative to the directory (with `/`) in a
    /// directory scan.
    pub path: String,
    /// Its format, from its content.
    pub format: Format,
    /// What was found, in file order (at most [`Limits::max_findings`]).
    pub findings: Vec<Finding>,
    /// Findings beyond [`Limits::max_findings`], counted but not kept.
    pub findings_omitted: u64,
    /// Every ONNX external-data `location`, as written (at most [`Limits::max_findings`]): the
    /// caller checks these against the model folder ([`scan_path`] already does, following
    /// symbolic links).
    pub external_data: Vec<String>,
    /// Why a recognised file could not be read (the verdict is then [`Verdict::Unreadable`]).
    #[serde(serialize_with = "error_message")]
    pub error: Option<ModelFormatError>,
}

fn error_message<S: Serializer>(
    error: &Option<ModelFormatError>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match error {
        Some(error) => serializer.serialize_some(&error.to_string()),
        None => serializer.serialize_none(),
    }
}

impl FileScan {
    /// How the file came out: not mine, clean, findings, or unreadable.
    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() {
            Verdict::Unreadable
        } else if !self.format.is_mine() {
            Verdict::NotMine
        } else if self.findings.is_empty() && self.findings_omitted == 0 {
            Verdict::Clean
        } else {
            Verdict::Findings
        }
    }

    /// Whether loading (or using) the file runs code that is not the format library's own.
    pub fn runs_code_on_load(&self) -> bool {
        self.findings.iter().any(|f| f.kind.runs_code_on_load())
    }
}

/// What a scan of a model (one file, or every file of a directory) found.
#[derive(Debug, Serialize)]
pub struct ModelFormatScan {
    /// Every regular file scanned, sorted by path.
    pub files: Vec<FileScan>,
    /// Symbolic links met while walking a directory: listed, never followed.
    pub skipped_symlinks: Vec<String>,
}

impl ModelFormatScan {
    /// The model's format: the one format of its recognised files, [`Format::Mixed`] for
    /// several, [`Format::Pickle`] when only pickle-family files were seen, else
    /// [`Format::Unknown`].
    pub fn format(&self) -> Format {
        let mine = self.formats();
        let mut mine = mine.iter().filter(|f| f.is_mine());
        match (mine.next(), mine.next()) {
            (Some(only), None) => *only,
            (Some(_), Some(_)) => Format::Mixed,
            (None, _) if self.files.iter().any(|f| f.format == Format::Pickle) => Format::Pickle,
            (None, _) => Format::Unknown,
        }
    }

    /// Every format seen, recognised or not.
    pub fn formats(&self) -> BTreeSet<Format> {
        self.files.iter().map(|f| f.format).collect()
    }

    /// Every finding of every file.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// The kinds found, by their stable names: the model's `format_findings`.
    pub fn finding_kinds(&self) -> BTreeSet<&'static str> {
        self.findings().map(|f| f.kind.as_str()).collect()
    }

    /// Whether any file runs code on load.
    pub fn runs_code_on_load(&self) -> bool {
        self.files.iter().any(FileScan::runs_code_on_load)
    }

    /// The files that were recognised but could not be read.
    pub fn unreadable(&self) -> impl Iterator<Item = &FileScan> {
        self.files.iter().filter(|f| f.error.is_some())
    }

    /// The model's `unsafe_format` as far as this crate can tell: some file runs code on
    /// load, or could not be read, or no file of the model is in a known format at all
    /// ([`Format::Unknown`]: cannot tell, so not safe). Pickle-family files are left to
    /// `palisade-pickle`, whose verdict the caller ORs in.
    pub fn unsafe_format(&self) -> bool {
        self.runs_code_on_load()
            || self.unreadable().next().is_some()
            || self.format() == Format::Unknown
    }
}

/// Limits that keep a hostile file from using unbounded time or memory. Each one reached
/// makes the file [`Verdict::Unreadable`] with an error naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file scanned (checked from its size before reading). Only headers are read:
    /// GGUF and safetensors weights are skipped, ONNX `raw_data` is skipped.
    pub max_file_size: u64,
    /// Most bytes of JSON (a Keras config, a safetensors header) read into memory.
    pub max_json_bytes: u64,
    /// Deepest JSON nesting.
    pub max_json_depth: usize,
    /// Most members in a zip archive.
    pub max_zip_members: usize,
    /// Deepest ONNX graph nesting (subgraphs in `If`/`Loop`/`Scan` attributes, functions).
    pub max_onnx_depth: usize,
    /// Most protobuf fields decoded in one ONNX file.
    pub max_onnx_fields: u64,
    /// Longest ONNX string kept (names, domains, external-data locations).
    pub max_onnx_string: u64,
    /// Most distinct non-standard `(domain, op_type)` pairs in one ONNX file.
    pub max_onnx_custom_ops: usize,
    /// Most GGUF metadata entries and tensors (each).
    pub max_gguf_entries: u64,
    /// Longest GGUF string (keys, values, chat templates) and longest array.
    pub max_gguf_string: u64,
    /// Most GGUF array elements walked in one file.
    pub max_gguf_elements: u64,
    /// Deepest GGUF array nesting.
    pub max_gguf_depth: usize,
    /// Most HDF5 object-header messages and continuation blocks read for the root group.
    pub max_hdf5_messages: usize,
    /// Most bytes of HDF5 object header read for the root group (all its chunks together), and
    /// the largest global-heap collection read.
    pub max_hdf5_block: u64,
    /// Most findings kept per file (the rest are counted in `findings_omitted`).
    pub max_findings: usize,
    /// Most files in a directory scan.
    pub max_dir_files: usize,
    /// Deepest directory nesting in a directory scan.
    pub max_dir_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 1 << 40,
            max_json_bytes: 64 << 20,
            max_json_depth: 100,
            max_zip_members: 100_000,
            max_onnx_depth: 64,
            max_onnx_fields: 200_000_000,
            max_onnx_string: 1 << 20,
            max_onnx_custom_ops: 10_000,
            max_gguf_entries: 1 << 20,
            max_gguf_string: 64 << 20,
            max_gguf_elements: 100_000_000,
            max_gguf_depth: 8,
            max_hdf5_messages: 4096,
            max_hdf5_block: 64 << 20,
            max_findings: 1000,
            max_dir_files: 100_000,
            max_dir_depth: 32,
        }
    }
}

/// Findings of one file, capped at [`Limits::max_findings`].
pub(crate) struct Findings {
    file: String,
    cap: usize,
    kept: Vec<Finding>,
    omitted: u64,
}

impl Findings {
    pub(crate) fn new(file: &str, cap: usize) -> Self {
        Self {
            file: file.to_owned(),
            cap,
            kept: Vec::new(),
            omitted: 0,
        }
    }

    /// Records a finding; `location` and `detail` are escaped here.
    pub(crate) fn push(&mut self, kind: FindingKind, location: &str, detail: &str) {
        if self.kept.len() >= self.cap {
            self.omitted += 1;
            return;
        }
        self.kept.push(Finding {
            kind,
            file: self.file.clone(),
            location: text::escape_controls(location),
            detail: text::escape_controls(detail),
        });
    }

    pub(crate) fn into_parts(self) -> (Vec<Finding>, u64) {
        (self.kept, self.omitted)
    }
}
