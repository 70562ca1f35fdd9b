//! Files and directories → detected formats → the format readers, and their results merged.

use std::fs::{self, File};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::detect::{HEAD_BYTES, detect};
use crate::error::ModelFormatError;
use crate::json;
use crate::protobuf::Wire;
use crate::source::{Place, ReadSeek, Source};
use crate::{
    FileScan, FindingKind, Findings, Format, Limits, ModelFormatScan, gguf, hdf5, keras, onnx,
    safetensors,
};

/// Scans bytes held in memory; `name` names them in findings and errors.
pub fn scan_bytes(bytes: &[u8], name: &str, limits: &Limits) -> FileScan {
    scan_reader(Cursor::new(bytes), bytes.len() as u64, name, limits)
}

/// Scans a readable, seekable file of `size` bytes positioned anywhere (it is rewound).
/// Only what the format needs is read: headers, configs, the ONNX structure without its
/// weights.
pub fn scan_reader<R: Read + Seek>(
    mut reader: R,
    size: u64,
    name: &str,
    limits: &Limits,
) -> FileScan {
    let mut scan = FileScan {
        path: name.to_owned(),
        format: Format::Unknown,
        findings: Vec::new(),
        findings_omitted: 0,
        external_data: Vec::new(),
        error: None,
    };
    if size > limits.max_file_size {
        scan.error = Some(ModelFormatError::TooLarge {
            path: name.to_owned(),
            size,
            limit: limits.max_file_size,
        });
        return scan;
    }
    let mut findings = Findings::new(name, limits.max_findings);
    let result = scan_into(&mut reader, size, name, limits, &mut scan, &mut findings);
    (scan.findings, scan.findings_omitted) = findings.into_parts();
    if let Err(error) = result {
        scan.error = Some(error);
    }
    scan
}

fn read_error(path: &str, e: &io::Error) -> ModelFormatError {
    ModelFormatError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn scan_into(
    reader: &mut dyn ReadSeek,
    size: u64,
    name: &str,
    limits: &Limits,
    scan: &mut FileScan,
    findings: &mut Findings,
) -> Result<(), ModelFormatError> {
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| read_error(name, &e))?;
    let head = {
        let mut src = Source::new(&mut *reader, size);
        src.read_up_to(0, HEAD_BYTES as u64)
            .map_err(|e| read_error(name, &e))?
    };
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        reader
            .seek(SeekFrom::Start(0))
            .map_err(|e| read_error(name, &e))?;
        return scan_zip(reader, &head, name, limits, scan, findings);
    }
    scan.format = detect(&head, None);
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| read_error(name, &e))?;
    let mut src = Source::new(reader, size);
    let place = |format| Place { path: name, format };
    match scan.format {
        Format::Hdf5 => scan_hdf5(&mut src, name, limits, scan, findings),
        Format::Gguf => gguf::check(&mut src, place("gguf"), limits, findings),
        Format::Safetensors => safetensors::check(&mut src, place("safetensors"), limits, findings),
        Format::Onnx => {
            let mut wire = Wire::new(
                &mut src,
                place("onnx"),
                limits.max_onnx_fields,
                limits.max_onnx_string,
            );
            let facts = onnx::check_model(&mut wire, limits, findings)?;
            scan.external_data = facts.external_data;
            Ok(())
        }
        Format::Keras | Format::KerasH5 | Format::Pickle | Format::Unknown | Format::Mixed => {
            Ok(())
        }
    }
}

/// An HDF5 file: a legacy Keras model when its root group has `model_config`.
fn scan_hdf5(
    src: &mut Source<'_>,
    name: &str,
    limits: &Limits,
    scan: &mut FileScan,
    findings: &mut Findings,
) -> Result<(), ModelFormatError> {
    const CONFIGS: [&str; 2] = ["model_config", "training_config"];
    let place = Place {
        path: name,
        format: "hdf5",
    };
    let attributes = hdf5::root_attributes(src, place, limits, &CONFIGS)?;
    for (attribute, value) in attributes {
        let Some(text) = value else { continue };
        if attribute == "model_config" {
            scan.format = Format::KerasH5;
        }
        if text.len() as u64 > limits.max_json_bytes {
            return Err(place.limit(0, "bytes of JSON in one attribute", limits.max_json_bytes));
        }
        let path = format!("{name} (attribute {attribute})");
        let config = json::parse(&text, &path, limits.max_json_depth)?;
        keras::check_config(&config, &attribute, findings);
    }
    Ok(())
}

/// A zip archive: a Keras archive is scanned, anything else only classified.
fn scan_zip(
    reader: &mut dyn ReadSeek,
    head: &[u8],
    name: &str,
    limits: &Limits,
    scan: &mut FileScan,
    findings: &mut Findings,
) -> Result<(), ModelFormatError> {
    let zip_error = |path: &str, reason: &dyn std::fmt::Display| ModelFormatError::Zip {
        path: path.to_owned(),
        reason: crate::text::escape_controls(&reason.to_string()),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| zip_error(name, &e))?;
    if archive.len() > limits.max_zip_members {
        return Err(zip_error(
            name,
            &format!(
                "{} members, more than the limit of {}",
                archive.len(),
                limits.max_zip_members
            ),
        ));
    }
    let members: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| zip_error(name, &e))?;
    let names: Vec<&str> = members.iter().map(String::as_str).collect();
    scan.format = detect(head, Some(&names));
    // Keras reads config.json (and runs what it names) before it looks for the weights: a
    // zip with only a Keras-shaped config.json is a Keras archive too.
    let maybe_keras = scan.format == Format::Unknown && names.contains(&"config.json");
    if scan.format != Format::Keras && !maybe_keras {
        return Ok(());
    }
    if archive.has_duplicate_names() {
        return Err(zip_error(name, &"two members with the same name"));
    }
    let member_path = format!("{name}!/config.json");
    let text = {
        let mut member = archive
            .by_name("config.json")
            .map_err(|e| zip_error(&member_path, &e))?;
        if member.size() > limits.max_json_bytes {
            return Err(ModelFormatError::LimitExceeded {
                path: member_path,
                format: "keras",
                offset: 0,
                what: "bytes of config.json",
                limit: limits.max_json_bytes,
            });
        }
        // The declared size can lie: read one byte past the limit to find out.
        let mut text = Vec::new();
        (&mut member)
            .take(limits.max_json_bytes + 1)
            .read_to_end(&mut text)
            .map_err(|e| zip_error(&member_path, &e))?;
        if text.len() as u64 > limits.max_json_bytes {
            return Err(ModelFormatError::LimitExceeded {
                path: member_path,
                format: "keras",
                offset: limits.max_json_bytes,
                what: "bytes of config.json (inflated)",
                limit: limits.max_json_bytes,
            });
        }
        text
    };
    let config = match json::parse(&text, &member_path, limits.max_json_depth) {
        Ok(config) => config,
        Err(_) if maybe_keras => return Ok(()),
        Err(error) => return Err(error),
    };
    if maybe_keras {
        if config
            .get("class_name")
            .and_then(crate::json::Json::as_str)
            .is_none()
        {
            return Ok(());
        }
        scan.format = Format::Keras;
    }
    for member in &names {
        if crate::text::leaves_folder(member) {
            findings.push(
                FindingKind::ArchivePathOutside,
                &format!("{name}!/{member}"),
                &format!(
                    "member `{}` would be extracted outside the model folder",
                    crate::text::shown(member.as_bytes())
                ),
            );
        }
    }
    keras::check_config(&config, "config.json", findings);
    Ok(())
}

/// Scans a file, or every regular file under a directory (sorted; symbolic links inside the
/// directory are listed in `skipped_symlinks`, never followed). ONNX external data is checked
/// against the folder holding the model, following symbolic links: data that resolves outside
/// it is an `ExternalDataOutside` finding.
///
/// A file that cannot be read is in the result with its error; only a directory that cannot
/// be listed, or breaks a directory limit, is an `Err`.
pub fn scan_path(path: &Path, limits: &Limits) -> Result<ModelFormatScan, ModelFormatError> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| read_error(&shown, &e))?;
    if !meta.is_dir() {
        let root = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut file = scan_file(path, &shown, limits);
        check_external_data(&mut file, path, root, limits);
        return Ok(ModelFormatScan {
            files: vec![file],
            skipped_symlinks: Vec::new(),
        });
    }
    let mut found = Vec::new();
    let mut symlinks = Vec::new();
    collect(path, "", 0, limits, &mut found, &mut symlinks)?;
    found.sort();
    symlinks.sort();
    let mut files = Vec::with_capacity(found.len());
    for rel in found {
        let full = path.join(&rel);
        let mut file = scan_file(&full, &rel, limits);
        check_external_data(&mut file, &full, path, limits);
        files.push(file);
    }
    Ok(ModelFormatScan {
        files,
        skipped_symlinks: symlinks,
    })
}

fn scan_file(path: &Path, name: &str, limits: &Limits) -> FileScan {
    let opened = File::open(path).and_then(|f| f.metadata().map(|m| (f, m.len())));
    match opened {
        Ok((file, size)) => scan_reader(file, size, name, limits),
        Err(e) => FileScan {
            path: name.to_owned(),
            format: Format::Unknown,
            findings: Vec::new(),
            findings_omitted: 0,
            external_data: Vec::new(),
            error: Some(read_error(&path.display().to_string(), &e)),
        },
    }
}

/// External data that stays in the folder on its face but resolves outside it (a symbolic
/// link in the way) is a finding too.
fn check_external_data(file: &mut FileScan, file_path: &Path, root: &Path, limits: &Limits) {
    if file.external_data.is_empty() {
        return;
    }
    let Ok(root) = root.canonicalize() else {
        return;
    };
    let dir = match file_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut findings = Findings::new(
        &file.path,
        limits.max_findings.saturating_sub(file.findings.len()),
    );
    for location in &file.external_data {
        if crate::text::leaves_folder(location) {
            continue; // already reported
        }
        let target: PathBuf = dir.join(location);
        // A target that does not exist cannot be read by the loader either.
        let Ok(resolved) = target.canonicalize() else {
            continue;
        };
        if !resolved.starts_with(&root) {
            findings.push(
                FindingKind::ExternalDataOutside,
                location,
                &format!(
                    "external data at `{location}` resolves through a symbolic link to {}, outside the model folder",
                    resolved.display()
                ),
            );
        }
    }
    let (more, omitted) = findings.into_parts();
    file.findings.extend(more);
    file.findings_omitted += omitted;
}

/// Relative paths (with `/`) of the regular files under `dir`.
fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    found: &mut Vec<String>,
    symlinks: &mut Vec<String>,
) -> Result<(), ModelFormatError> {
    let shown = dir.display().to_string();
    if depth > limits.max_dir_depth {
        return Err(ModelFormatError::Directory {
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
                return Err(ModelFormatError::Directory {
                    path: shown,
                    reason: format!("more than {} files (limit)", limits.max_dir_files),
                });
            }
            found.push(rel);
        }
    }
    Ok(())
}
