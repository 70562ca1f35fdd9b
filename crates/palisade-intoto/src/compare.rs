//! Declared versus attested: what a pipeline says a stage reads and writes, against what the
//! stage's attestation says it really read and wrote.
//!
//! Matching is by content, never by name alone: a declared file matches an attested resource
//! when they share at least one digest algorithm and every shared algorithm agrees. No shared
//! algorithm is a mismatch. A declared folder matches either one resource carrying its root
//! digest (model-signing style, as palisade-hash computes it), or one attested entry per file,
//! all under one path prefix, each with the file's digest (how `in-toto-run` lists a folder).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::stage::{Resource, StageRecord};

/// Digests by lowercase algorithm name (`sha256`, `blake3`, `sha512` …), lowercase hex.
pub type DigestSet = BTreeMap<String, String>;

/// An artifact as the pipeline declares it, with the digests palisade computed for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredArtifact {
    /// The artifact's name in the pipeline (`dataset "transactions"` → `transactions`).
    pub name: String,
    /// Its path as declared, '/'-separated; used only to prefer one attested place over
    /// another when the content matches in several.
    pub path: Option<String>,
    /// What its content is.
    pub content: DeclaredContent,
}

/// The content of a declared artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeclaredContent {
    /// A single file (or a remote artifact known by digest).
    File(DigestSet),
    /// A folder: its root digests and each file's, by '/'-separated relative path.
    Folder {
        /// The folder's digests (palisade-hash: each algorithm over the files' digests).
        root: DigestSet,
        /// Every file under it.
        files: Vec<(String, DigestSet)>,
    },
}

impl DeclaredArtifact {
    /// The declared artifact for a tree palisade-hash computed (sha256 and blake3 digests).
    pub fn from_tree(name: &str, path: Option<&str>, tree: &palisade_hash::TreeDigests) -> Self {
        let set = |d: &palisade_hash::Digests| -> DigestSet {
            [
                ("sha256".to_string(), d.sha256_hex()),
                ("blake3".to_string(), d.blake3_hex()),
            ]
            .into_iter()
            .filter_map(|(algorithm, hex)| Some((algorithm, hex?)))
            .collect()
        };
        let content = match tree.kind {
            palisade_hash::TreeKind::File => DeclaredContent::File(set(&tree.root)),
            palisade_hash::TreeKind::Directory => DeclaredContent::Folder {
                root: set(&tree.root),
                files: tree
                    .files
                    .iter()
                    .map(|f| (f.path.clone(), set(&f.digests)))
                    .collect(),
            },
        };
        DeclaredArtifact {
            name: name.to_string(),
            path: path.map(normalize),
            content,
        }
    }
}

/// How two digest sets compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigestMatch {
    /// At least one algorithm in common, and every common algorithm agrees.
    Same(BTreeSet<String>),
    /// A common algorithm disagrees.
    Different(String),
    /// No algorithm in common: nothing can be said, which is not a match.
    NoCommonAlgorithm,
}

/// Compares two digest sets (algorithm names and values case-insensitively).
pub fn compare_digests(declared: &DigestSet, attested: &DigestSet) -> DigestMatch {
    let mut same = BTreeSet::new();
    for (alg, value) in declared {
        let alg = alg.to_ascii_lowercase();
        let Some(other) = attested
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(&alg))
            .map(|(_, v)| v)
        else {
            continue;
        };
        if value.is_empty() || other.is_empty() || !value.eq_ignore_ascii_case(other) {
            return DigestMatch::Different(alg);
        }
        same.insert(alg);
    }
    if same.is_empty() {
        DigestMatch::NoCommonAlgorithm
    } else {
        DigestMatch::Same(same)
    }
}

fn same(declared: &DigestSet, attested: &DigestSet) -> bool {
    matches!(compare_digests(declared, attested), DigestMatch::Same(_))
}

/// Which side of the stage an artifact is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A declared input, compared with the materials.
    Input,
    /// A declared output, compared with the products.
    Output,
}

/// A declared artifact the attestation accounts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// The declared artifact's name.
    pub artifact: String,
    /// Input or output.
    pub direction: Direction,
    /// The attested entries that carry its content (one, or one per file of a folder).
    pub resources: Vec<String>,
    /// The digest algorithms compared.
    pub algorithms: BTreeSet<String>,
}

/// A declared artifact the attestation does not account for, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unattested {
    /// The declared artifact's name.
    pub artifact: String,
    /// Why it is not matched (no entry with its content, a different digest, no common
    /// algorithm, files of a folder missing …).
    pub reason: String,
}

/// An attested resource no declared artifact of the stage accounts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Undeclared {
    /// The resource as attested.
    pub resource: Resource,
    /// Other artifacts of the pipeline (the `known` list) whose content it is: a resource
    /// that is one file of a known folder names that folder.
    pub known_as: Vec<String>,
}

/// The outcome of comparing a stage's declaration with its attestation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Declared inputs and outputs the attestation accounts for.
    pub matched: Vec<Matched>,
    /// Declared inputs that are not among the materials.
    pub unattested_inputs: Vec<Unattested>,
    /// Declared outputs that are not among the products.
    pub unattested_outputs: Vec<Unattested>,
    /// Materials that match no declared input.
    pub undeclared_inputs: Vec<Undeclared>,
    /// Products that match no declared output.
    pub undeclared_outputs: Vec<Undeclared>,
}

/// Compares a stage's declared `inputs` and `outputs` with what `record` attests. `known` is
/// every other artifact of the pipeline: undeclared materials and products are looked up in
/// it by content, so that "the stage read the PII table" can be said by name.
pub fn compare(
    record: &StageRecord,
    inputs: &[DeclaredArtifact],
    outputs: &[DeclaredArtifact],
    known: &[DeclaredArtifact],
) -> Comparison {
    let mut out = Comparison::default();
    let (matched, unattested, undeclared) =
        compare_side(&record.materials, inputs, known, Direction::Input);
    out.matched.extend(matched);
    out.unattested_inputs = unattested;
    out.undeclared_inputs = undeclared;
    let (matched, unattested, undeclared) =
        compare_side(&record.products, outputs, known, Direction::Output);
    out.matched.extend(matched);
    out.unattested_outputs = unattested;
    out.undeclared_outputs = undeclared;
    out
}

fn compare_side(
    resources: &[Resource],
    declared: &[DeclaredArtifact],
    known: &[DeclaredArtifact],
    direction: Direction,
) -> (Vec<Matched>, Vec<Unattested>, Vec<Undeclared>) {
    let mut used = vec![false; resources.len()];
    let mut matched = Vec::new();
    let mut unattested = Vec::new();
    for artifact in declared {
        match match_artifact(artifact, resources) {
            Ok((indices, algorithms)) => {
                for &i in &indices {
                    used[i] = true;
                }
                matched.push(Matched {
                    artifact: artifact.name.clone(),
                    direction,
                    resources: indices
                        .iter()
                        .map(|&i| resources[i].path().to_string())
                        .collect(),
                    algorithms,
                });
            }
            Err((indices, reason)) => {
                // Entries that are part of a partly attested folder are that folder's, not
                // undeclared: the folder is reported once, as unattested.
                for i in indices {
                    used[i] = true;
                }
                unattested.push(Unattested {
                    artifact: artifact.name.clone(),
                    reason,
                });
            }
        }
    }
    let undeclared = resources
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(r, _)| Undeclared {
            resource: r.clone(),
            known_as: known
                .iter()
                .filter(|k| holds(k, r))
                .map(|k| k.name.clone())
                .collect(),
        })
        .collect();
    (matched, unattested, undeclared)
}

/// True when `r` carries the content of `artifact` or of one of its files.
fn holds(artifact: &DeclaredArtifact, r: &Resource) -> bool {
    match &artifact.content {
        DeclaredContent::File(d) => same(d, &r.digests),
        DeclaredContent::Folder { root, files } => {
            same(root, &r.digests) || files.iter().any(|(_, d)| same(d, &r.digests))
        }
    }
}

type MatchResult = Result<(Vec<usize>, BTreeSet<String>), (Vec<usize>, String)>;

fn match_artifact(artifact: &DeclaredArtifact, resources: &[Resource]) -> MatchResult {
    match &artifact.content {
        DeclaredContent::File(digests) => match_file(digests, resources),
        DeclaredContent::Folder { root, files } => {
            // A single entry for the whole folder, digested as palisade-hash does.
            if let Ok(found) = match_file(root, resources) {
                return Ok(found);
            }
            match_folder(artifact.path.as_deref(), files, resources)
        }
    }
}

fn match_file(digests: &DigestSet, resources: &[Resource]) -> MatchResult {
    let mut indices = Vec::new();
    let mut algorithms = BTreeSet::new();
    let mut different = None;
    let mut no_common = 0;
    for (i, r) in resources.iter().enumerate() {
        match compare_digests(digests, &r.digests) {
            DigestMatch::Same(algs) => {
                indices.push(i);
                algorithms.extend(algs);
            }
            DigestMatch::Different(alg) => different = different.or(Some(alg)),
            DigestMatch::NoCommonAlgorithm => no_common += 1,
        }
    }
    if !indices.is_empty() {
        return Ok((indices, algorithms));
    }
    let algs: Vec<&str> = digests.keys().map(String::as_str).collect();
    let reason = if resources.is_empty() {
        "the attestation lists no entries on this side".to_string()
    } else if no_common == resources.len() {
        format!(
            "no attested entry has a digest in a common algorithm (declared: {})",
            algs.join(", ")
        )
    } else {
        format!(
            "no attested entry has its content ({} compared)",
            different.unwrap_or_else(|| algs.join(", "))
        )
    };
    Err((Vec::new(), reason))
}

/// '/'-separated, without `./` or a trailing '/'.
fn normalize(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p.trim_end_matches('/').to_string()
}

/// How a declared folder's files are found under one attested prefix.
struct PrefixMatch {
    /// The prefix is the declared path.
    is_declared: bool,
    /// The attested entries that carry a declared file.
    indices: Vec<usize>,
    /// The algorithms compared.
    algorithms: BTreeSet<String>,
    /// Declared files not found there.
    missing: Vec<String>,
    /// `""` or a path ending in '/'.
    prefix: String,
}

fn match_folder(
    declared_path: Option<&str>,
    files: &[(String, DigestSet)],
    resources: &[Resource],
) -> MatchResult {
    if files.is_empty() {
        return Err((
            Vec::new(),
            "the declared folder holds no file, so no entry can attest it".to_string(),
        ));
    }
    // Every prefix under which some attested entry carries some declared file's content at
    // that file's relative path.
    let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        by_path.entry(normalize(r.path())).or_default().push(i);
    }
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for (rel, digests) in files {
        for (path, indices) in &by_path {
            let prefix = if path == rel {
                Some(String::new())
            } else {
                path.strip_suffix(rel.as_str())
                    .filter(|p| p.ends_with('/'))
                    .map(str::to_string)
            };
            if let Some(prefix) = prefix
                && indices
                    .iter()
                    .any(|&i| same(digests, &resources[i].digests))
            {
                prefixes.insert(prefix);
            }
        }
    }
    if prefixes.is_empty() {
        return Err((
            Vec::new(),
            format!(
                "none of the folder's {} files is among the attested entries",
                files.len()
            ),
        ));
    }
    // Best prefix: most files matched; then the declared path; then the shortest.
    let declared_prefix = declared_path.map(|p| {
        let p = normalize(p);
        if p.is_empty() { p } else { format!("{p}/") }
    });
    let mut best: Option<PrefixMatch> = None;
    for prefix in prefixes {
        let mut indices = Vec::new();
        let mut algorithms = BTreeSet::new();
        let mut missing = Vec::new();
        for (rel, digests) in files {
            let hit = by_path.get(&format!("{prefix}{rel}")).and_then(|ix| {
                ix.iter()
                    .find_map(|&i| match compare_digests(digests, &resources[i].digests) {
                        DigestMatch::Same(algs) => Some((i, algs)),
                        _ => None,
                    })
            });
            match hit {
                Some((i, algs)) => {
                    indices.push(i);
                    algorithms.extend(algs);
                }
                None => missing.push(rel.clone()),
            }
        }
        let is_declared = declared_prefix.as_deref() == Some(prefix.as_str());
        let better = match &best {
            None => true,
            Some(b) => {
                indices.len() > b.indices.len()
                    || (indices.len() == b.indices.len() && is_declared && !b.is_declared)
            }
        };
        if better {
            best = Some(PrefixMatch {
                is_declared,
                indices,
                algorithms,
                missing,
                prefix,
            });
        }
    }
    let Some(PrefixMatch {
        indices,
        algorithms,
        missing,
        prefix,
        ..
    }) = best
    else {
        return Err((Vec::new(), "no attested entry matches".to_string()));
    };
    // Entries under the prefix that are not the declared files: the attested folder had more.
    let extra: Vec<String> = if prefix.is_empty() {
        Vec::new()
    } else {
        resources
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                let path = normalize(r.path());
                path.strip_prefix(prefix.as_str())
                    .is_some_and(|rel| !indices.contains(i) && !files.iter().any(|(f, _)| f == rel))
            })
            .map(|(_, r)| r.path().to_string())
            .collect()
    };
    let shown = if prefix.is_empty() {
        "the top level"
    } else {
        prefix.as_str()
    };
    if missing.is_empty() && extra.is_empty() {
        return Ok((indices, algorithms));
    }
    let list = |items: &[String]| {
        let mut s = items
            .iter()
            .take(5)
            .map(|p| format!("`{}`", crate::error::escape(p)))
            .collect::<Vec<_>>()
            .join(", ");
        if items.len() > 5 {
            s.push_str(&format!(" and {} more", items.len() - 5));
        }
        s
    };
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!(
            "{} of the folder's {} files attested under {shown}; missing or different: {}",
            files.len() - missing.len(),
            files.len(),
            list(&missing)
        ));
    }
    if !extra.is_empty() {
        reasons.push(format!(
            "the attested folder {shown} also holds files the declared one does not: {}",
            list(&extra)
        ));
    }
    // The extra entries stay undeclared; the matched files belong to this folder.
    Err((indices, reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{Form, Verification, Wrapper};

    fn d(pairs: &[(&str, &str)]) -> DigestSet {
        pairs
            .iter()
            .map(|(a, v)| (a.to_string(), v.to_string()))
            .collect()
    }

    fn res(name: &str, pairs: &[(&str, &str)]) -> Resource {
        Resource {
            name: name.into(),
            uri: None,
            digests: d(pairs),
        }
    }

    fn record(materials: Vec<Resource>, products: Vec<Resource>) -> StageRecord {
        StageRecord {
            name: Some("train".into()),
            command: vec![],
            materials,
            products,
            byproducts: serde_json::Value::Null,
            environment: serde_json::Value::Null,
            parameters: serde_json::Value::Null,
            builder_id: None,
            build_type: None,
            form: Form::ClassicLink,
            wrapper: Wrapper::Metablock,
            verification: Verification::Invalid {
                reason: String::new(),
            },
        }
    }

    fn file(name: &str, pairs: &[(&str, &str)]) -> DeclaredArtifact {
        DeclaredArtifact {
            name: name.into(),
            path: None,
            content: DeclaredContent::File(d(pairs)),
        }
    }

    #[test]
    fn digests_compare_on_common_algorithms_only() {
        let a = d(&[("sha256", "AA"), ("blake3", "bb")]);
        assert_eq!(
            compare_digests(&a, &d(&[("SHA256", "aa")])),
            DigestMatch::Same(["sha256".to_string()].into())
        );
        assert_eq!(
            compare_digests(&a, &d(&[("sha256", "aa"), ("blake3", "cc")])),
            DigestMatch::Different("blake3".into())
        );
        assert_eq!(
            compare_digests(&a, &d(&[("sha512", "aa")])),
            DigestMatch::NoCommonAlgorithm
        );
        assert_eq!(
            compare_digests(&d(&[]), &d(&[("sha256", "aa")])),
            DigestMatch::NoCommonAlgorithm
        );
    }

    #[test]
    fn files_match_by_content_and_the_rest_is_reported() {
        let rec = record(
            vec![
                res("data/t.csv", &[("sha256", "01")]),
                res("data/pii.csv", &[("sha256", "02")]),
            ],
            vec![res("model.bin", &[("sha256", "03")])],
        );
        let pii = file("pii", &[("sha256", "02"), ("blake3", "ff")]);
        let c = compare(
            &rec,
            &[
                file("transactions", &[("sha256", "01")]),
                file("code", &[("sha512", "09")]),
            ],
            &[file("model", &[("sha256", "04")])],
            &[pii],
        );
        assert_eq!(c.matched.len(), 1);
        assert_eq!(c.matched[0].artifact, "transactions");
        assert_eq!(c.matched[0].resources, vec!["data/t.csv"]);
        assert_eq!(c.unattested_inputs.len(), 1);
        assert_eq!(c.unattested_inputs[0].artifact, "code");
        assert!(
            c.unattested_inputs[0].reason.contains("common algorithm"),
            "{}",
            c.unattested_inputs[0].reason
        );
        assert_eq!(c.undeclared_inputs.len(), 1);
        assert_eq!(c.undeclared_inputs[0].resource.name, "data/pii.csv");
        assert_eq!(c.undeclared_inputs[0].known_as, vec!["pii"]);
        assert_eq!(c.unattested_outputs[0].artifact, "model");
        assert!(c.unattested_outputs[0].reason.contains("sha256 compared"));
        assert_eq!(c.undeclared_outputs[0].resource.name, "model.bin");
    }

    fn folder(name: &str, path: &str, files: &[(&str, &str)]) -> DeclaredArtifact {
        DeclaredArtifact {
            name: name.into(),
            path: Some(path.into()),
            content: DeclaredContent::Folder {
                root: d(&[("sha256", "root")]),
                files: files
                    .iter()
                    .map(|(p, h)| (p.to_string(), d(&[("sha256", h)])))
                    .collect(),
            },
        }
    }

    #[test]
    fn folders_match_per_file_under_one_prefix() {
        let model = folder(
            "model",
            "out/model",
            &[("a.bin", "0a"), ("cfg/c.json", "0c")],
        );
        // Listed relative to another working directory: the prefix is found from the content.
        let rec = record(
            vec![],
            vec![
                res("build/model/a.bin", &[("sha256", "0a")]),
                res("build/model/cfg/c.json", &[("sha256", "0c")]),
                res("log.txt", &[("sha256", "99")]),
            ],
        );
        let c = compare(&rec, &[], std::slice::from_ref(&model), &[]);
        assert!(c.unattested_outputs.is_empty(), "{c:?}");
        assert_eq!(
            c.matched[0].resources,
            vec!["build/model/a.bin", "build/model/cfg/c.json"]
        );
        assert_eq!(c.undeclared_outputs.len(), 1);

        // One file different, one extra file under the folder.
        let rec = record(
            vec![],
            vec![
                res("model/a.bin", &[("sha256", "0a")]),
                res("model/cfg/c.json", &[("sha256", "0d")]),
                res("model/extra.py", &[("sha256", "0e")]),
            ],
        );
        let c = compare(&rec, &[], std::slice::from_ref(&model), &[]);
        let reason = &c.unattested_outputs[0].reason;
        assert!(reason.contains("1 of the folder's 2 files"), "{reason}");
        assert!(reason.contains("`cfg/c.json`"), "{reason}");
        assert!(reason.contains("`model/extra.py`"), "{reason}");
        assert!(!reason.contains("`model/cfg/c.json`"), "{reason}");
        let undeclared: Vec<&str> = c
            .undeclared_outputs
            .iter()
            .map(|u| u.resource.name.as_str())
            .collect();
        assert_eq!(undeclared, vec!["model/cfg/c.json", "model/extra.py"]);

        // The folder's root digest as one entry is a match too.
        let rec = record(vec![], vec![res("model", &[("sha256", "root")])]);
        assert!(
            compare(&rec, &[], &[model], &[])
                .unattested_outputs
                .is_empty()
        );
    }

    #[test]
    fn an_empty_folder_is_never_attested() {
        let empty = folder("empty", "e", &[]);
        let rec = record(vec![res("e", &[("sha256", "00")])], vec![]);
        let c = compare(&rec, &[empty], &[], &[]);
        assert_eq!(c.unattested_inputs.len(), 1);
        assert_eq!(c.undeclared_inputs.len(), 1);
    }
}
