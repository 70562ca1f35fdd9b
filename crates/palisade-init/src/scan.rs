//! Walking the folder and recognising what each file is by its content: model files, SBOMs,
//! SARIF reports, signature bundles, public keys, workflows, `dvc.yaml`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{InitError, Kind, Model, Sourced, name_of};

/// Most files looked at; past it the rest of the folder is not inferred (and the list says so).
pub(crate) const MAX_FILES: usize = 500_000;

/// Largest JSON document sniffed (SBOMs, SARIF, bundles).
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// Folders never entered: version control, caches, virtual environments, build output.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".dvc",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
    ".idea",
    ".vscode",
];

/// File extensions of source code.
const CODE_EXTENSIONS: &[&str] = &[
    "py", "ipynb", "r", "sh", "bash", "js", "mjs", "cjs", "ts", "tsx", "go", "rs", "java", "kt",
    "scala", "jl", "rb", "c", "cc", "cpp", "h", "hpp", "cs", "sql", "lua", "swift", "m", "pl",
];

/// File extensions of data.
const DATA_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "parquet", "jsonl", "ndjson", "arrow", "feather", "avro", "orc", "xlsx", "xls",
    "txt", "xml", "tfrecord", "png", "jpg", "jpeg", "wav", "mp3", "zip", "gz", "tar", "h5ad",
];

/// File extensions of model files whose content this crate cannot tell (zip-based formats).
const MODEL_EXTENSIONS: &[&str] = &["pt", "pth", "ckpt", "keras", "joblib", "mar", "pkl"];

/// Folder names that hold several models rather than being one.
const MODEL_CONTAINERS: &[&str] = &[
    "models",
    "model",
    "artifacts",
    "checkpoints",
    "weights",
    "output",
    "outputs",
];

/// Top-level folders that are evidence or configuration, not code or data.
const NOT_ARTIFACT_DIRS: &[&str] = &[
    ".github",
    "policies",
    "keys",
    "sbom",
    "sboms",
    "reports",
    "attestations",
    "docs",
    "tests",
    "test",
    "config",
];

/// A file recognised as a model by its content (or, for zip formats, its extension).
#[derive(Debug, Clone)]
pub(crate) struct ModelFile {
    pub(crate) path: String,
    /// The pipeline language's `format` value, if one fits.
    pub(crate) format: Option<&'static str>,
    pub(crate) origin: String,
}

/// An SBOM found on disk.
#[derive(Debug, Clone)]
pub(crate) struct Bom {
    pub(crate) path: String,
    pub(crate) what: String,
    /// It describes a model (CycloneDX `machine-learning-model`, SPDX `ai_AIPackage`).
    pub(crate) ml: bool,
    /// The name of the thing it describes (CycloneDX `metadata.component.name`, SPDX name).
    pub(crate) subject: Option<String>,
    /// The image reference of a CycloneDX SBOM of a container (`metadata.component` of type
    /// `container`: its name, and its version when that is a digest or a tag).
    pub(crate) container: Option<String>,
}

/// A signature or provenance bundle.
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    pub(crate) path: String,
    pub(crate) provenance: bool,
    pub(crate) what: String,
}

/// What the folder holds, by kind.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) files: Vec<String>,
    pub(crate) models: Vec<ModelFile>,
    pub(crate) boms: Vec<Bom>,
    /// `(path, tool name)`.
    pub(crate) sarif: Vec<(String, String)>,
    pub(crate) bundles: Vec<Bundle>,
    pub(crate) keys: Vec<String>,
    pub(crate) workflows: Vec<String>,
    pub(crate) dvc_yaml: Option<String>,
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Lists every regular file under `root` (not following symlinks), skipping caches and
/// version control, as `/`-separated relative paths in a stable order.
pub(crate) fn walk(
    root: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<PathBuf>, InitError> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut first = true;
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if first => {
                return Err(InitError::Read {
                    path: root.display().to_string(),
                    reason: e.to_string(),
                });
            }
            Err(_) => continue,
        };
        first = false;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries.into_iter().rev() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            if kind.is_dir() {
                if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                    stack.push(entry.path());
                }
            } else if kind.is_file() {
                files.push(entry.path());
                if files.len() % 1000 == 0 {
                    progress(files.len());
                }
                if files.len() >= MAX_FILES {
                    files.sort();
                    return Ok(files);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

pub(crate) fn is_code(path: &str) -> bool {
    CODE_EXTENSIONS.contains(&extension(path).as_str())
}

fn head(path: &Path, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(n as u64).read_to_end(&mut out);
    }
    out
}

fn model_format(path: &Path, rel: &str) -> Option<(Option<&'static str>, String)> {
    use palisade_modelfmt::Format;
    let ext = extension(rel);
    // Text and evidence files are never model files, whatever their first bytes.
    if CODE_EXTENSIONS.contains(&ext.as_str())
        || matches!(
            ext.as_str(),
            "json" | "yaml" | "yml" | "md" | "toml" | "cfg" | "ini" | "lock" | "csv" | "txt"
        )
    {
        return None;
    }
    let bytes = head(path, palisade_modelfmt::HEAD_BYTES);
    let format = palisade_modelfmt::detect(&bytes, None);
    let named = match format {
        Format::Safetensors => Some("safetensors"),
        Format::Gguf => Some("gguf"),
        Format::Keras => Some("keras"),
        Format::KerasH5 => Some("keras_h5"),
        Format::Hdf5 => Some("hdf5"),
        Format::Pickle => Some("pickle"),
        // ONNX is a protobuf: its sniff is only trusted on files named as models.
        Format::Onnx if matches!(ext.as_str(), "onnx" | "pb" | "bin") => Some("onnx"),
        _ => None,
    };
    if let Some(name) = named {
        let how = if name == "pickle" && ext == "npy" {
            "NumPy file by content".to_owned()
        } else {
            format!("{name} by content")
        };
        return Some((Some(name), how));
    }
    if MODEL_EXTENSIONS.contains(&ext.as_str()) {
        let format = match ext.as_str() {
            "pt" | "pth" | "ckpt" => Some("pytorch"),
            "keras" => Some("keras"),
            "joblib" => Some("joblib"),
            "pkl" => Some("pickle"),
            _ => None,
        };
        return Some((format, format!("model file by extension (.{ext})")));
    }
    None
}

fn read_json(path: &Path) -> Option<Value> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_JSON_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace())?;
    if first != b'{' {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

fn sniff_json(found: &mut Found, rel: &str, path: &Path) {
    let ext = extension(rel);
    if !matches!(
        ext.as_str(),
        "json" | "sarif" | "sig" | "jsonld" | "bundle" | "sigstore" | "intoto" | "spdx" | "link"
    ) {
        return;
    }
    if let Ok(bytes) = std::fs::read(path)
        && bytes.len() as u64 <= MAX_JSON_BYTES
        && palisade_spdx::detect(&bytes) != palisade_spdx::Format::NotSpdx
    {
        let v3 = palisade_spdx::detect(&bytes) == palisade_spdx::Format::Spdx3JsonLd;
        let text = String::from_utf8_lossy(&bytes);
        let subject = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_owned));
        found.boms.push(Bom {
            path: rel.to_owned(),
            what: if v3 {
                "SPDX 3 JSON-LD".into()
            } else {
                "SPDX 2 JSON".into()
            },
            ml: text.contains("ai_AIPackage") || text.contains("\"AIPackage\""),
            subject,
            container: None,
        });
        return;
    }
    let Some(json) = read_json(path) else {
        return;
    };
    let str_at = |pointer: &str| json.pointer(pointer).and_then(Value::as_str);
    if str_at("/bomFormat") == Some("CycloneDX") {
        let ml = json
            .get("components")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter().any(|c| {
                    c.get("type").and_then(Value::as_str) == Some("machine-learning-model")
                })
            })
            || str_at("/metadata/component/type") == Some("machine-learning-model");
        let container = (str_at("/metadata/component/type") == Some("container"))
            .then(|| str_at("/metadata/component/name"))
            .flatten()
            .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
            .map(|name| match str_at("/metadata/component/version") {
                Some(v) if v.starts_with("sha256:") && !name.contains('@') => format!("{name}@{v}"),
                Some(v)
                    if !v.is_empty() && !v.contains(char::is_whitespace) && !name.contains('@') =>
                {
                    format!("{name}:{v}")
                }
                _ => name.to_owned(),
            });
        found.boms.push(Bom {
            container,
            path: rel.to_owned(),
            what: format!(
                "CycloneDX {}",
                str_at("/specVersion").unwrap_or("(no specVersion)")
            ),
            ml,
            subject: str_at("/metadata/component/name").map(str::to_owned),
        });
    } else if json.get("runs").is_some_and(Value::is_array)
        && (str_at("/version") == Some("2.1.0")
            || str_at("/$schema").is_some_and(|s| s.contains("sarif")))
    {
        let tool = str_at("/runs/0/tool/driver/name").unwrap_or("").to_owned();
        found.sarif.push((rel.to_owned(), tool));
    } else if let Some(media) = str_at("/mediaType")
        && media.starts_with("application/vnd.dev.sigstore.bundle")
    {
        let dsse = json.get("dsseEnvelope").is_some();
        let lower = rel.to_ascii_lowercase();
        let provenance = dsse
            && (lower.contains("provenance") || lower.contains("intoto") || lower.contains("slsa"));
        let what = if json.get("messageSignature").is_some() {
            "Sigstore bundle (message signature)"
        } else if provenance {
            "Sigstore bundle (in-toto statement)"
        } else {
            "Sigstore bundle (DSSE)"
        };
        found.bundles.push(Bundle {
            path: rel.to_owned(),
            provenance,
            what: what.to_owned(),
        });
    } else if str_at("/signed/_type") == Some("link") && json.get("signatures").is_some() {
        found.bundles.push(Bundle {
            path: rel.to_owned(),
            provenance: true,
            what: "in-toto link".to_owned(),
        });
    } else if json.get("payloadType").is_some() && json.get("signatures").is_some() {
        found.bundles.push(Bundle {
            path: rel.to_owned(),
            provenance: true,
            what: "DSSE envelope".to_owned(),
        });
    }
}

/// Recognises each file.
pub(crate) fn classify(root: &Path, files: &[PathBuf], model: &mut Model) -> Found {
    let mut found = Found::default();
    for path in files {
        let Some(rel) = relative(root, path) else {
            model.not_inferred.push(format!(
                "{}: the path is not UTF-8, so no pipeline can name it",
                palisade_core::text::escape_line(&path.to_string_lossy())
            ));
            continue;
        };
        found.files.push(rel.clone());
        let ext = extension(&rel);
        if rel == "dvc.yaml" {
            found.dvc_yaml = Some(rel.clone());
        } else if rel.ends_with("/dvc.yaml") {
            model.not_inferred.push(format!(
                "{rel}: a dvc.yaml outside the folder's root (run palisade init in its folder)"
            ));
        }
        if rel.starts_with(".github/workflows/") && matches!(ext.as_str(), "yml" | "yaml") {
            found.workflows.push(rel.clone());
        }
        if ext == "pub" || ext == "pem" {
            let text = String::from_utf8_lossy(&head(path, 4096)).into_owned();
            if text.contains("-----BEGIN PUBLIC KEY-----") {
                found.keys.push(rel.clone());
            }
        }
        let lower = rel.to_ascii_lowercase();
        if is_redteam_report(&rel) {
            model.not_inferred.push(format!(
                "{}: a red-team report; put it in the `redteam` list of the stage that serves the model",
                palisade_core::text::escape_line(&rel)
            ));
        }
        if lower.contains("guardrails") && matches!(ext.as_str(), "yml" | "yaml" | "json" | "rail")
        {
            let target = match rel.rsplit_once('/') {
                Some((dir, _)) if dir.to_ascii_lowercase().ends_with("guardrails") => dir,
                _ => rel.as_str(),
            };
            let note = format!(
                "{}: a guardrails configuration; set `guardrails` on the stage that serves the model",
                palisade_core::text::escape_line(target)
            );
            if !model.not_inferred.contains(&note) {
                model.not_inferred.push(note);
            }
        }
        if let Some((format, origin)) = model_format(path, &rel) {
            found.models.push(ModelFile {
                path: rel.clone(),
                format,
                origin,
            });
            continue;
        }
        sniff_json(&mut found, &rel, path);
    }
    found
}

/// Where a model file's declaration points: its folder when that folder is the model (holds
/// its config, tokenizer …), else the file.
fn model_unit(file: &str, files: &[String]) -> String {
    match file.rsplit_once('/') {
        Some((dir, _)) => {
            let dir_name = dir.rsplit('/').next().unwrap_or(dir);
            // A folder is the model when it holds more than the one file (its config,
            // tokenizer, adapter settings …) and is not a shelf of several models.
            let siblings = files
                .iter()
                .filter(|f| f.starts_with(&format!("{dir}/")))
                .count();
            if MODEL_CONTAINERS.contains(&dir_name.to_ascii_lowercase().as_str()) || siblings < 2 {
                file.to_owned()
            } else {
                dir.to_owned()
            }
        }
        None => file.to_owned(),
    }
}

/// `path` is `other` or inside it (or the reverse).
pub(crate) fn overlaps(path: &str, other: &str) -> bool {
    let within = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
    within(path, other) || within(other, path)
}

/// How a DVC path should be declared: model, code or dataset, and why.
pub(crate) fn kind_of(found: &Found, path: &str) -> (Kind, String) {
    let path = path.trim_end_matches('/');
    if let Some(m) = found.models.iter().find(|m| m.path == path) {
        return (Kind::Model, m.origin.clone());
    }
    let inside: Vec<&String> = found
        .files
        .iter()
        .filter(|f| f.starts_with(&format!("{path}/")))
        .collect();
    if !inside.is_empty() {
        if let Some(m) = found
            .models
            .iter()
            .find(|m| m.path.starts_with(&format!("{path}/")))
        {
            return (Kind::Model, format!("a folder holding {}", m.origin));
        }
        let code = inside.iter().filter(|f| is_code(f)).count();
        if code * 2 > inside.len() {
            return (
                Kind::Code,
                format!("code: {code} of its {} files are source code", inside.len()),
            );
        }
    } else if is_code(path) {
        return (
            Kind::Code,
            format!("code by extension (.{})", extension(path)),
        );
    }
    let in_model_folder = path
        .split('/')
        .any(|part| matches!(part.to_ascii_lowercase().as_str(), "models" | "model"));
    if in_model_folder {
        return (Kind::Model, "a model by its folder name".to_owned());
    }
    let ext = extension(path);
    if DATA_EXTENSIONS.contains(&ext.as_str()) {
        (Kind::Dataset, format!("data by extension (.{ext})"))
    } else {
        (
            Kind::Dataset,
            "data (neither code nor a model file)".to_owned(),
        )
    }
}

/// The top-level folder a code file is in, when that folder is mostly source code (and not
/// evidence or configuration): `(folder, "the folder src: 3 of its 3 files are source code")`.
pub(crate) fn code_folder(found: &Found, file: &str) -> Option<(String, String)> {
    let (dir, _) = file.split_once('/')?;
    if NOT_ARTIFACT_DIRS.contains(&dir) {
        return None;
    }
    let inside: Vec<&String> = found
        .files
        .iter()
        .filter(|f| f.starts_with(&format!("{dir}/")))
        .collect();
    let code = inside.iter().filter(|f| is_code(f)).count();
    (code * 2 >= inside.len() && code > 0).then(|| {
        (
            dir.to_owned(),
            format!(
                "the folder {dir}, code: {code} of its {} files are source code",
                inside.len()
            ),
        )
    })
}

/// Declares model files no stage mentions, one per model (a model folder or a file).
pub(crate) fn declare_models(model: &mut Model, found: &Found) {
    for file in &found.models {
        let covered = model
            .artifacts
            .iter()
            .any(|a| a.path.as_deref().is_some_and(|p| overlaps(&file.path, p)));
        if covered {
            // A model a stage declared: give it its format when the content told it.
            if let Some(a) = model
                .artifacts
                .iter_mut()
                .find(|a| a.kind == Kind::Model && a.path.as_deref() == Some(file.path.as_str()))
                && a.format.is_none()
                && let Some(format) = file.format
            {
                a.format = Some(Sourced::new(format, file.origin.clone()));
            }
            continue;
        }
        let unit = model_unit(&file.path, &found.files);
        let origin = if unit == file.path {
            format!("{}: {}", file.path, file.origin)
        } else {
            format!("a folder holding {} ({})", file.path, file.origin)
        };
        let index = model.local(Kind::Model, &unit, origin);
        let formats: Vec<Option<&str>> = found
            .models
            .iter()
            .filter(|m| overlaps(&m.path, &unit))
            .map(|m| m.format)
            .collect();
        if let Some(Some(format)) = formats.first()
            && formats.iter().all(|f| f == &Some(*format))
        {
            model.artifacts[index].format = Some(Sourced::new(*format, file.origin.clone()));
        }
    }
}

/// Declares code folders and data files no stage mentions: top-level folders that are mostly
/// source code, and files under `data/` or `datasets/`.
pub(crate) fn declare_unstaged(model: &mut Model, found: &Found) {
    let covered = |model: &Model, path: &str| {
        model
            .artifacts
            .iter()
            .any(|a| a.path.as_deref().is_some_and(|p| overlaps(path, p)))
    };
    let mut top: Vec<&str> = found
        .files
        .iter()
        .filter_map(|f| f.split_once('/').map(|(dir, _)| dir))
        .collect();
    top.dedup();
    for dir in top {
        if NOT_ARTIFACT_DIRS.contains(&dir) || covered(model, dir) {
            continue;
        }
        let inside: Vec<&String> = found
            .files
            .iter()
            .filter(|f| f.starts_with(&format!("{dir}/")))
            .collect();
        let code = inside.iter().filter(|f| is_code(f)).count();
        if code > 0 && code * 2 >= inside.len() {
            model.local(
                Kind::Code,
                dir,
                format!("code: {code} of its {} files are source code", inside.len()),
            );
        } else if matches!(dir, "data" | "datasets" | "dataset") {
            for file in inside {
                if !covered(model, file) && !found.models.iter().any(|m| &m.path == file) {
                    let (_, origin) = kind_of(found, file);
                    model.local(Kind::Dataset, file, format!("under {dir}/: {origin}"));
                }
            }
        }
    }
}

/// Strips the suffixes signature and attestation files add to what they are about.
fn subject_of(path: &str) -> String {
    let mut subject = path.to_owned();
    for suffix in [
        ".sigstore.json",
        ".sigstore",
        ".bundle.json",
        ".bundle",
        ".sig.json",
        ".sig",
        ".intoto.jsonl",
        ".intoto.json",
        ".provenance.json",
        ".att.json",
        ".dsse.json",
        ".cdx.json",
        ".cdx.xml",
        ".mlbom.json",
        ".spdx.json",
        ".spdx3.json",
        ".sarif",
        ".json",
    ] {
        if let Some(stripped) = subject.strip_suffix(suffix) {
            subject = stripped.to_owned();
            break;
        }
    }
    subject
}

/// The artifact a piece of evidence at `path` is about: the one at its path minus the
/// evidence suffix, else the one whose name is that stem.
fn subject_artifact(model: &Model, path: &str, kinds: &[Kind]) -> Option<(usize, String)> {
    let subject = subject_of(path);
    if let Some(i) = model.by_path(&subject)
        && kinds.contains(&model.artifacts[i].kind)
    {
        return Some((i, format!("next to {subject}")));
    }
    let stem = name_of(&subject);
    let named: Vec<usize> = (0..model.artifacts.len())
        .filter(|&i| model.artifacts[i].name == stem && kinds.contains(&model.artifacts[i].kind))
        .collect();
    match named.as_slice() {
        [one] => Some((
            *one,
            format!(
                "named after {} \"{stem}\"",
                model.artifacts[*one].kind.keyword()
            ),
        )),
        _ => None,
    }
}

/// The main code artifact: the only one, or the one at `src`/`app`.
fn main_code(model: &Model) -> Option<usize> {
    let code: Vec<usize> = (0..model.artifacts.len())
        .filter(|&i| model.artifacts[i].kind == Kind::Code)
        .collect();
    if let [one] = code.as_slice() {
        return Some(*one);
    }
    code.iter().copied().find(|&i| {
        matches!(
            model.artifacts[i].path.as_deref(),
            Some("src" | "app" | "lib")
        )
    })
}

/// Which SARIF slot a tool's report goes in.
fn sarif_slot(tool: &str, path: &str) -> &'static str {
    let tool = tool.to_ascii_lowercase();
    let path = path.to_ascii_lowercase();
    let secrets = [
        "gitleaks",
        "trufflehog",
        "detect-secrets",
        "ggshield",
        "secretlint",
        "kingfisher",
    ];
    let dast = [
        "zap",
        "nuclei",
        "burp",
        "nikto",
        "arachni",
        "wapiti",
        "stackhawk",
    ];
    let sast = [
        "bandit",
        "semgrep",
        "codeql",
        "sonar",
        "gosec",
        "brakeman",
        "eslint",
        "pylint",
        "flawfinder",
        "spotbugs",
        "pmd",
        "checkov",
        "snyk code",
        "ruff",
        "horusec",
        "njsscan",
    ];
    if secrets.iter().any(|s| tool.contains(s)) || path.contains("secret") {
        "secrets"
    } else if dast.iter().any(|s| tool.contains(s)) {
        "dast"
    } else if sast.iter().any(|s| tool.contains(s)) {
        "sast"
    } else {
        "scans"
    }
}

/// Attaches the evidence found to the artifacts it is about, and declares the public keys.
pub(crate) fn attach(model: &mut Model, found: &Found) {
    for key in &found.keys {
        let name = name_of(key);
        model.signers.push(crate::Signer {
            keyword: "key",
            name,
            origin: "a PEM public key".to_owned(),
            attributes: vec![("public_key", Sourced::new(key.clone(), "found on disk"))],
        });
    }
    let all = [Kind::Code, Kind::Dataset, Kind::Model, Kind::Image];
    for bom in &found.boms {
        if let Some(reference) = &bom.container {
            let repository = |r: &str| {
                let r = r.split('@').next().unwrap_or(r);
                match r.rsplit_once(':') {
                    Some((name, tag)) if !tag.contains('/') => name.to_owned(),
                    _ => r.to_owned(),
                }
            };
            let existing = model.artifacts.iter().position(|a| {
                a.kind == Kind::Image
                    && a.reference
                        .as_ref()
                        .is_some_and(|r| repository(&r.value) == repository(reference))
            });
            let i = match existing {
                Some(i) => i,
                None => {
                    let name =
                        model.unique_name(Kind::Image, &crate::name_of(&repository(reference)));
                    let mut image = crate::Artifact::new(
                        Kind::Image,
                        name,
                        format!("{} describes this container", bom.path),
                    );
                    image.reference = Some(Sourced::new(
                        reference.clone(),
                        "the SBOM's metadata.component (name, version)",
                    ));
                    model.artifacts.push(image);
                    model.artifacts.len() - 1
                }
            };
            if model.artifacts[i].bom.is_none() {
                model.artifacts[i].bom = Some(Sourced::new(
                    bom.path.clone(),
                    format!("{}; an SBOM of this container", bom.what),
                ));
                continue;
            }
        }
        let target = subject_artifact(model, &bom.path, &all)
            .or_else(|| {
                let subject = bom.subject.as_deref()?;
                let i = model.artifacts.iter().position(|a| a.name == subject)?;
                Some((i, format!("it describes \"{subject}\"")))
            })
            .or_else(|| {
                if !bom.ml {
                    return None;
                }
                let models: Vec<usize> = (0..model.artifacts.len())
                    .filter(|&i| model.artifacts[i].kind == Kind::Model)
                    .collect();
                match models.as_slice() {
                    [one] => Some((*one, "an ML-BOM, and the only model".to_owned())),
                    _ => None,
                }
            })
            .or_else(|| {
                (!bom.ml)
                    .then(|| main_code(model))
                    .flatten()
                    .map(|i| (i, "a software SBOM, given to the main code".to_owned()))
            });
        match target {
            Some((i, why)) if model.artifacts[i].bom.is_none() => {
                model.artifacts[i].bom = Some(Sourced::new(
                    bom.path.clone(),
                    format!("{}; {why}", bom.what),
                ));
            }
            _ => model.not_inferred.push(format!(
                "{} ({}): which artifact it describes{}",
                bom.path,
                bom.what,
                bom.subject
                    .as_deref()
                    .map(|s| format!(" (it names \"{}\")", palisade_core::text::escape_line(s)))
                    .unwrap_or_default()
            )),
        }
    }
    for (path, tool) in &found.sarif {
        let slot = sarif_slot(tool, path);
        let target = subject_artifact(model, path, &all).or_else(|| {
            if slot == "dast" {
                let images: Vec<usize> = (0..model.artifacts.len())
                    .filter(|&i| model.artifacts[i].kind == Kind::Image)
                    .collect();
                if let [one] = images.as_slice() {
                    return Some((*one, "a dynamic scan, given to the only image".to_owned()));
                }
            }
            main_code(model).map(|i| (i, "given to the main code".to_owned()))
        });
        let tool_name = if tool.is_empty() {
            "a tool without a name".to_owned()
        } else {
            palisade_core::text::escape_line(tool).into_owned()
        };
        match target {
            Some((i, why)) => {
                let origin = format!("SARIF from {tool_name} → {slot}; {why}");
                let a = &mut model.artifacts[i];
                let list = match slot {
                    "secrets" => &mut a.secrets,
                    "dast" => &mut a.dast,
                    "sast" => &mut a.sast,
                    _ => &mut a.scans,
                };
                list.push(Sourced::new(path.clone(), origin));
            }
            None => model.not_inferred.push(format!(
                "{path} (SARIF from {tool_name}): which artifact it scanned"
            )),
        }
    }
    let keys: Vec<String> = model
        .signers
        .iter()
        .filter(|s| s.keyword == "key")
        .map(|s| s.name.clone())
        .collect();
    for bundle in &found.bundles {
        match subject_artifact(model, &bundle.path, &all) {
            Some((i, why)) => {
                let a = &mut model.artifacts[i];
                let slot = if bundle.provenance {
                    &mut a.provenance
                } else {
                    &mut a.signature
                };
                if slot.is_some() {
                    model.not_inferred.push(format!(
                        "{}: a second {} for {} \"{}\"",
                        bundle.path,
                        bundle.what,
                        a.kind.keyword(),
                        a.name
                    ));
                    continue;
                }
                *slot = Some(Sourced::new(
                    bundle.path.clone(),
                    format!("{}; {why}", bundle.what),
                ));
                if a.signed_by.is_none() {
                    if let [key] = keys.as_slice() {
                        a.signed_by = Some(Sourced::new(
                            format!("key \"{key}\""),
                            "assumed: the only public key in the folder; evaluate verifies it",
                        ));
                    } else {
                        let name = a.name.clone();
                        let kind = a.kind.keyword();
                        model.not_inferred.push(format!(
                            "signed_by of {kind} \"{name}\": who signed {} ({} public keys found)",
                            bundle.path,
                            keys.len()
                        ));
                    }
                }
            }
            None => model.not_inferred.push(format!(
                "{} ({}): what it signs or attests (nothing declared is at {} or named \"{}\")",
                bundle.path,
                bundle.what,
                subject_of(&bundle.path),
                name_of(&subject_of(&bundle.path))
            )),
        }
    }
}

/// Whether a file looks like a red-team report (garak's `*.report.jsonl`, promptfoo output):
/// evidence for a stage's `redteam` list, not an artifact.
pub(crate) fn is_redteam_report(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    lower.ends_with(".report.jsonl") || lower.contains("promptfoo")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn sarif_tools_go_to_their_slots() {
        assert_eq!(sarif_slot("Bandit", "reports/bandit.sarif"), "sast");
        assert_eq!(sarif_slot("gitleaks", "r.sarif"), "secrets");
        assert_eq!(
            sarif_slot("Trivy", "reports/trivy-secrets.sarif"),
            "secrets"
        );
        assert_eq!(sarif_slot("ZAP", "r.sarif"), "dast");
        assert_eq!(sarif_slot("Trivy", "reports/trivy.sarif"), "scans");
    }

    #[test]
    fn evidence_suffixes_name_their_subject() {
        assert_eq!(subject_of("models/fraud-xgb.sig"), "models/fraud-xgb");
        assert_eq!(
            subject_of("attestations/transactions.intoto.json"),
            "attestations/transactions"
        );
        assert_eq!(subject_of("sbom/app.cdx.json"), "sbom/app");
    }

    #[test]
    fn model_folders_and_container_folders() {
        let files: Vec<String> = [
            "models/fraud-xgb/model.safetensors",
            "models/fraud-xgb/config.json",
            "models/model.pkl",
            "index/kb-index.safetensors",
            "model.gguf",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            model_unit("models/fraud-xgb/model.safetensors", &files),
            "models/fraud-xgb"
        );
        assert_eq!(model_unit("models/model.pkl", &files), "models/model.pkl");
        assert_eq!(
            model_unit("index/kb-index.safetensors", &files),
            "index/kb-index.safetensors"
        );
        assert_eq!(model_unit("model.gguf", &files), "model.gguf");
    }
}
