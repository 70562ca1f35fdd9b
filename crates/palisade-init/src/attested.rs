//! Stages from their attestations: a signed record of a run (an in-toto link as `in-toto-run`
//! or `palisade run` writes it, a link statement, SLSA provenance) says what a stage read and
//! wrote, so a folder without `dvc.yaml` still tells its stages.
//!
//! Links (classic, or the link predicate in a statement) are stages' records; SLSA provenance
//! stays an artifact's `provenance` unless it is named after a `dvc.yaml` stage.
//!
//! Each record's materials become the stage's `inputs` and its products the `outputs`, by
//! path (a file inside a declared folder is that folder's artifact). The file is named as the
//! stage's `attestation`, so `evaluate` verifies it and compares it with what the stage
//! declares — inference writes down what the record says; it never vouches for it. When a
//! public key found in the folder verifies the record, the stage `runs_as` an identity with
//! that key (marked as inferred); otherwise who signed it is left for the user to declare.
//! A material whose file differs from the digest the record holds is written as a comment:
//! the folder changed since that run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use palisade_intoto::{Form, Resource, StageRecord, Trust, TrustedKey, Verification};

use crate::scan::{Found, code_folder, kind_of};
use crate::{Kind, Model, Signer, Sourced, Stage, name_of};

/// Files larger than this are not hashed to compare with a record's digest.
const MAX_HASHED_BYTES: u64 = 4 << 30;

/// A record read from a file, and what it is.
struct Attested {
    path: String,
    what: String,
    record: StageRecord,
}

/// The folder's files, and how many files each folder holds (at any depth): built once, so a
/// record listing thousands of files is matched in time linear in the folder.
struct Paths<'a> {
    files: HashSet<&'a str>,
    per_dir: HashMap<&'a str, usize>,
}

impl<'a> Paths<'a> {
    fn new(files: &'a [String]) -> Self {
        let mut per_dir: HashMap<&str, usize> = HashMap::new();
        for file in files {
            for (i, _) in file.match_indices('/') {
                *per_dir.entry(&file[..i]).or_default() += 1;
            }
        }
        Paths {
            files: files.iter().map(String::as_str).collect(),
            per_dir,
        }
    }

    /// A file of the folder, or a folder holding some.
    fn exists(&self, path: &str) -> bool {
        self.files.contains(path) || self.per_dir.contains_key(path)
    }
}

/// Infers stages from the attestation files `found` holds and removes those files from
/// `found.bundles` (they are the stages' evidence, not an artifact's signature). A bundle that
/// is an artifact's provenance (named after it, or a SLSA provenance of one subject) stays.
pub(crate) fn infer(model: &mut Model, found: &mut Found) {
    let keys = trusted_keys(model, found);
    let paths = Paths::new(&found.files);
    let mut consumed = Vec::new();
    let mut inferred = 0;
    for bundle in &found.bundles {
        let Some(attested) = read(model, &bundle.path, &bundle.what, &keys) else {
            continue;
        };
        let is_link = matches!(attested.record.form, Form::ClassicLink | Form::LinkV03);
        // SLSA provenance is, by its standard use, an artifact's evidence (attached to it by
        // name later); a link, or provenance named after a `dvc.yaml` stage, is a stage's.
        let named_stage =
            stage_name(&attested).is_some_and(|name| model.stages.iter().any(|s| s.name == name));
        if !is_link && !named_stage {
            continue;
        }
        if attested.record.materials.is_empty() && attested.record.products.is_empty() {
            continue;
        }
        if add_stage(model, found, &paths, attested) {
            inferred += 1;
        }
        consumed.push(bundle.path.clone());
    }
    found.bundles.retain(|b| !consumed.contains(&b.path));
    if inferred > 0 && found.dvc_yaml.is_none() {
        for note in &mut model.not_inferred {
            if note.starts_with("stages: there is no dvc.yaml") {
                *note = format!(
                    "stages: there is no dvc.yaml; {inferred} stage(s) come from their attestations, any other stage is not known: declare it"
                );
            }
        }
    }
}

/// The public keys found in the folder, as keys an attestation may verify under.
fn trusted_keys(model: &Model, found: &Found) -> Vec<TrustedKey> {
    found
        .keys
        .iter()
        .filter_map(|path| {
            let pem = std::fs::read_to_string(model.root.join(path)).ok()?;
            TrustedKey::from_pem(&name_of(path), &pem, path).ok()
        })
        .collect()
}

/// Reads `path` as a stage attestation; `None` when it is not one (a message signature, a
/// statement of another kind, unreadable).
fn read(model: &Model, path: &str, what: &str, keys: &[TrustedKey]) -> Option<Attested> {
    let file = std::fs::File::open(model.root.join(path)).ok()?;
    let mut bytes = Vec::new();
    file.take(palisade_intoto::MAX_ATTESTATION_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    let record = palisade_intoto::read_attestation(&bytes, path, &Trust::keys(keys)).ok()?;
    Some(Attested {
        path: path.to_owned(),
        what: what.to_owned(),
        record,
    })
}

/// The stage a record is of: its name (links), else the file's name (`train.intoto.json`,
/// `train.1a2b3c4d.link` → `train`).
fn stage_name(attested: &Attested) -> Option<String> {
    let name = attested
        .record
        .name
        .clone()
        .unwrap_or_else(|| name_of(&attested.path));
    let name = name_of(&name);
    (!name.is_empty()).then_some(name)
}

/// Adds the stage the record describes (or gives an existing stage of that name, from
/// `dvc.yaml`, its attestation). Returns whether a new stage was declared.
fn add_stage(model: &mut Model, found: &Found, paths: &Paths<'_>, attested: Attested) -> bool {
    let Some(name) = stage_name(&attested) else {
        return false;
    };
    let form = match attested.record.form {
        Form::ClassicLink => "an in-toto link",
        Form::LinkV03 => "an in-toto link statement",
        Form::SlsaProvenanceV1 | Form::SlsaProvenanceV02 => "SLSA provenance",
    };
    let signer = match &attested.record.verification {
        Verification::Verified { signer, .. } => Some(signer.clone()),
        Verification::Invalid { .. } => None,
    };
    let wrapper = if attested.what == "in-toto link" {
        String::new()
    } else {
        format!(" ({})", attested.what)
    };
    let origin = format!(
        "{}: {form}{wrapper}{}",
        attested.path,
        match &signer {
            Some(key) => format!(", verified with key \"{key}\""),
            None => ", not verified by any key in this folder".to_owned(),
        }
    );
    if let Some(stage) = model.stages.iter_mut().find(|s| s.name == name) {
        stage.attestation.push(Sourced::new(
            attested.path.clone(),
            format!("{form}; compared with the stage's inputs and outputs at evaluate"),
        ));
        return false;
    }
    let mut notes = Vec::new();
    if !attested.record.command.is_empty() {
        notes.push(format!(
            "command: {}",
            palisade_core::text::escape_line(&attested.record.command.join(" "))
        ));
    }
    let mut hashes = BTreeMap::new();
    let mut inputs = Vec::new();
    for resource in &attested.record.materials {
        if let Some(i) = artifact_for(model, found, paths, resource, &name, "material", &mut notes)
        {
            check_digest(model, resource, "read", &mut hashes, &mut notes);
            if !inputs.contains(&i) {
                inputs.push(i);
            }
        }
    }
    let mut outputs = Vec::new();
    // How many of each folder's files the run wrote (each product file counted once).
    let mut written: HashMap<&str, usize> = HashMap::new();
    let products: HashSet<&str> = attested
        .record
        .products
        .iter()
        .map(|r| r.path().trim_start_matches("./"))
        .filter(|p| paths.files.contains(p))
        .collect();
    for product in &products {
        for (i, _) in product.match_indices('/') {
            *written.entry(&product[..i]).or_default() += 1;
        }
    }
    for resource in &attested.record.products {
        if crate::scan::is_redteam_report(resource.path()) {
            notes.push(format!(
                "product {}: a red-team report, not an artifact; this record links it to the models among the inputs (list it in `redteam` of the stage that serves them)",
                palisade_core::text::escape_line(resource.path())
            ));
            continue;
        }
        let folder = written_folder(paths, resource.path(), &written);
        let unit = match &folder {
            Some(folder) => Resource {
                name: folder.clone(),
                uri: None,
                digests: BTreeMap::new(),
            },
            None => resource.clone(),
        };
        if let Some(i) = artifact_for(model, found, paths, &unit, &name, "product", &mut notes) {
            check_digest(model, resource, "wrote", &mut hashes, &mut notes);
            if !outputs.contains(&i) && !inputs.contains(&i) {
                outputs.push(i);
            }
        }
    }
    let runs_as = signer.map(|key| {
        let identity = unique_identity(model, &format!("{name}-runner"));
        model.signers.push(Signer {
            keyword: "identity",
            name: identity.clone(),
            origin: format!("signed the attestation of stage \"{name}\""),
            attributes: vec![(
                "key",
                Sourced::new(key, format!("{} verifies under it", attested.path)),
            )],
        });
        Sourced::new(
            format!("identity \"{identity}\""),
            "inferred from the signature; review who runs this stage",
        )
    });
    if runs_as.is_none() {
        model.not_inferred.push(format!(
            "stage \"{name}\": who runs it (its attestation {} verifies under no public key in this folder; declare an identity with its key, CA or Fulcio claims)",
            attested.path
        ));
    }
    model.stages.push(Stage {
        name,
        origin,
        notes,
        runs_as,
        inputs,
        outputs,
        attestation: vec![Sourced::new(
            attested.path,
            "what really ran; evaluate verifies it against runs_as",
        )],
    });
    true
}

/// The folder a product is in when the run wrote that whole folder (every file in it is among
/// the products, and it holds more than one): `in-toto-run -p model` lists a folder file by
/// file, and the pipeline declares the folder.
fn written_folder(paths: &Paths<'_>, path: &str, written: &HashMap<&str, usize>) -> Option<String> {
    let (dir, _) = path.trim_start_matches("./").rsplit_once('/')?;
    let inside = paths.per_dir.get(dir).copied().unwrap_or(0);
    (inside > 1 && written.get(dir) == Some(&inside)).then(|| dir.to_owned())
}

/// An identity name not yet taken.
fn unique_identity(model: &Model, wanted: &str) -> String {
    let taken = |n: &str| model.signers.iter().any(|s| s.name == n);
    if !taken(wanted) {
        return wanted.to_owned();
    }
    (2..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| wanted.to_owned())
}

/// The artifact a record's resource is: a declared artifact at that path or holding it, or a
/// new one for a file in the folder. A resource not in the folder is a note.
fn artifact_for(
    model: &mut Model,
    found: &Found,
    paths: &Paths<'_>,
    resource: &Resource,
    stage: &str,
    role: &str,
    notes: &mut Vec<String>,
) -> Option<usize> {
    let path = resource
        .path()
        .trim_start_matches("./")
        .trim_end_matches('/');
    let shown = palisade_core::text::escape_line(path).into_owned();
    let inside = |declared: &str| path == declared || path.starts_with(&format!("{declared}/"));
    if let Some(i) = model
        .artifacts
        .iter()
        .position(|a| a.path.as_deref().is_some_and(inside))
    {
        return Some(i);
    }
    let on_disk = !path.is_empty()
        && !path.split('/').any(|part| part == ".." || part.is_empty())
        && paths.exists(path);
    if !on_disk {
        let digest = resource
            .digests
            .get("sha256")
            .map(|d| format!(" (sha256:{d})"))
            .unwrap_or_default();
        let text = format!(
            "{role} {shown}{digest} is not in this folder: declare it (a remote artifact with `uri` and `digest`) if the stage needs it"
        );
        notes.push(text.clone());
        model
            .not_inferred
            .push(format!("stage \"{stage}\": {text}"));
        return None;
    }
    let (kind, why) = kind_of(found, path);
    let (path, why) = match (kind, code_folder(found, path)) {
        (Kind::Code, Some((folder, how))) => (folder, format!("{shown} is in {how}")),
        _ => (path.to_owned(), why),
    };
    Some(model.local(
        kind,
        &path,
        format!("{role} of stage \"{stage}\" in its attestation; {why}"),
    ))
}

/// Notes a resource whose file on disk no longer has the sha256 the record holds.
fn check_digest(
    model: &Model,
    resource: &Resource,
    verb: &str,
    hashes: &mut BTreeMap<String, Option<String>>,
    notes: &mut Vec<String>,
) {
    let Some(recorded) = resource.digests.get("sha256") else {
        return;
    };
    let path = resource.path().trim_start_matches("./").to_owned();
    let actual = hashes
        .entry(path.clone())
        .or_insert_with(|| sha256_of(model, &path));
    if let Some(actual) = actual
        && actual != recorded
    {
        notes.push(format!(
            "{} differs from what the run {verb} (sha256:{recorded} then, sha256:{actual} now): re-run the stage",
            palisade_core::text::escape_line(&path)
        ));
    }
}

/// The sha256 of a regular file in the folder (`None` for folders, links and huge files).
fn sha256_of(model: &Model, path: &str) -> Option<String> {
    let full = model.root.join(path);
    let meta = std::fs::symlink_metadata(&full).ok()?;
    if !meta.is_file() || meta.len() > MAX_HASHED_BYTES {
        return None;
    }
    palisade_hash::hash_file(&full, palisade_hash::Algorithms::Sha256)
        .ok()?
        .sha256_hex()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn written(products: &[&'static str]) -> HashMap<&'static str, usize> {
        let mut counts = HashMap::new();
        for p in products {
            for (i, _) in p.match_indices('/') {
                *counts.entry(&p[..i]).or_default() += 1;
            }
        }
        counts
    }

    #[test]
    fn a_folder_is_the_unit_only_when_the_run_wrote_all_of_it() {
        let files: Vec<String> = [
            "model/w.bin",
            "model/config.json",
            "data/a.csv",
            "data/b.csv",
        ]
        .map(String::from)
        .to_vec();
        let paths = Paths::new(&files);
        assert!(paths.exists("model") && paths.exists("data/a.csv") && !paths.exists("mod"));
        let whole = written(&["model/w.bin", "model/config.json"]);
        assert_eq!(
            written_folder(&paths, "model/w.bin", &whole).as_deref(),
            Some("model")
        );
        let part = written(&["model/w.bin", "data/a.csv"]);
        assert_eq!(written_folder(&paths, "model/w.bin", &part), None);
        assert_eq!(written_folder(&paths, "data/a.csv", &part), None);
    }
}
