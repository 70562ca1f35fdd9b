//! GitHub Actions workflows that build and push images: each pushed image becomes an `image`
//! declaration, the workflow an `identity` (GitHub's OIDC issuer, the repository, the
//! workflow's path: what a keyless signature made in that workflow carries), and the job a
//! `stage` that runs as it and outputs the images.
//!
//! Recognised pushes: `docker/build-push-action` with `push: true` (its `tags`), and `run:`
//! lines with `docker push IMAGE` or `docker buildx build … --push … -t IMAGE`.

use serde_json::Value;

use crate::scan::Found;
use crate::{Artifact, Kind, Model, Signer, Sourced, Stage};

const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// `owner/repo` of the folder's GitHub remote (`origin` first), from `.git/config`.
fn repository(model: &Model) -> Option<String> {
    let config = std::fs::read_to_string(model.root.join(".git/config")).ok()?;
    let mut urls = Vec::new();
    let mut origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            origin = line == "[remote \"origin\"]";
        } else if let Some(url) = line.strip_prefix("url") {
            let url = url.trim_start().trim_start_matches('=').trim();
            urls.push((origin, url.to_owned()));
        }
    }
    urls.sort_by_key(|(origin, _)| !origin);
    urls.into_iter().find_map(|(_, url)| {
        let rest = url
            .strip_prefix("https://github.com/")
            .or_else(|| url.strip_prefix("git@github.com:"))
            .or_else(|| url.strip_prefix("ssh://git@github.com/"))?;
        let rest = rest.trim_end_matches('/').trim_end_matches(".git");
        let mut parts = rest.split('/');
        let (owner, repo) = (parts.next()?, parts.next()?);
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (ok(owner) && ok(repo) && parts.next().is_none()).then(|| format!("{owner}/{repo}"))
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => s
            .split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim() == "true" || s.contains("${{"),
        _ => false,
    }
}

/// Images a `run:` script pushes.
fn pushed_by_script(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines() {
        let words: Vec<&str> = line
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
            .collect();
        for (i, pair) in words.windows(2).enumerate() {
            if pair == ["docker", "push"]
                && let Some(image) = words[i + 2..].iter().find(|w| !w.starts_with('-'))
            {
                out.push((*image).to_owned());
            }
        }
        if words.windows(2).any(|p| p == ["buildx", "build"]) && words.contains(&"--push") {
            for pair in words.windows(2) {
                if pair[0] == "-t" || pair[0] == "--tag" {
                    out.push(pair[1].to_owned());
                }
            }
        }
    }
    out
}

/// The image's name in the pipeline: the repository's last path component.
fn image_name(reference: &str) -> String {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let name = last.split(':').next().unwrap_or(last);
    crate::name_of(name)
}

fn substitute(reference: &str, repository: Option<&str>) -> String {
    let mut out = reference.to_owned();
    if let Some(repository) = repository {
        let owner = repository.split('/').next().unwrap_or(repository);
        for (from, to) in [
            ("${{ github.repository }}", repository),
            ("${{github.repository}}", repository),
            ("${{ github.repository_owner }}", owner),
            ("${{github.repository_owner}}", owner),
        ] {
            out = out.replace(from, to);
        }
    }
    out
}

fn text(s: &str) -> String {
    palisade_core::text::escape_line(s).into_owned()
}

/// Infers images, identities and build stages from `.github/workflows/*.yml`.
pub(crate) fn infer(model: &mut Model, found: &Found) {
    if found.workflows.is_empty() {
        model.not_inferred.push(
            "image builds: no GitHub Actions workflow builds and pushes an image (GitLab CI, Jenkins and other CI files are not read); declare the images CI builds, with their `ref` and the stage that builds them".to_owned(),
        );
        return;
    }
    let repository = repository(model);
    let mut any = false;
    for workflow in &found.workflows {
        let parsed: Value = match crate::dvc::read_yaml(model, workflow) {
            Ok(v) => v,
            Err(reason) => {
                model
                    .not_inferred
                    .push(format!("{workflow}: could not be read: {reason}"));
                continue;
            }
        };
        let Some(jobs) = parsed.get("jobs").and_then(Value::as_object) else {
            continue;
        };
        let mut identity: Option<String> = None;
        for (job_name, job) in jobs {
            let mut pushed: Vec<(String, String)> = Vec::new();
            for step in job
                .get("steps")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let uses = step.get("uses").and_then(Value::as_str).unwrap_or("");
                if uses.starts_with("docker/build-push-action") {
                    let with = step.get("with");
                    if truthy(with.and_then(|w| w.get("push"))) {
                        for tag in strings(with.and_then(|w| w.get("tags"))) {
                            pushed.push((tag, format!("{} `tags`, push: true", text(uses))));
                        }
                    }
                }
                if let Some(script) = step.get("run").and_then(Value::as_str) {
                    for image in pushed_by_script(script) {
                        pushed.push((image, "a `run:` step pushes it".to_owned()));
                    }
                }
            }
            if pushed.is_empty() {
                continue;
            }
            any = true;
            let identity_name = identity
                .get_or_insert_with(|| {
                    let name = crate::name_of(workflow);
                    let mut attributes = vec![(
                        "issuer",
                        Sourced::new(ISSUER, "GitHub Actions' OIDC issuer"),
                    )];
                    match &repository {
                        Some(repo) => attributes.push((
                            "repository",
                            Sourced::new(repo.clone(), "the folder's GitHub remote (.git/config)"),
                        )),
                        None => model.not_inferred.push(format!(
                            "identity \"{name}\": the GitHub repository (no github.com remote in .git/config); add `repository = \"owner/repo\"`"
                        )),
                    }
                    attributes.push((
                        "workflow",
                        Sourced::new(workflow.clone(), "the workflow that pushes the images"),
                    ));
                    model.signers.push(Signer {
                        keyword: "identity",
                        name: name.clone(),
                        origin: format!("{workflow} runs with `id-token` on GitHub Actions"),
                        attributes,
                    });
                    name
                })
                .clone();
            let mut outputs = Vec::new();
            for (reference, how) in pushed {
                let reference = substitute(&reference, repository.as_deref());
                if reference.contains("${{") || reference.contains('$') {
                    model.not_inferred.push(format!(
                        "{workflow} job \"{}\": the image \"{}\" is named by an expression; declare it with its `ref`",
                        text(job_name),
                        text(&reference)
                    ));
                    continue;
                }
                if let Some(i) = model.artifacts.iter().position(|a| {
                    a.kind == Kind::Image
                        && a.reference.as_ref().is_some_and(|r| r.value == reference)
                }) {
                    outputs.push(i);
                    continue;
                }
                let name = model.unique_name(Kind::Image, &image_name(&reference));
                let mut image = Artifact::new(
                    Kind::Image,
                    name,
                    format!("{workflow} job \"{}\" builds and pushes it", text(job_name)),
                );
                let pinned = reference.contains("@sha256:");
                image.reference = Some(Sourced::new(
                    reference.clone(),
                    if pinned {
                        how
                    } else {
                        format!("{how}; a tag, not a digest: pin it as name@sha256:…")
                    },
                ));
                model.artifacts.push(image);
                outputs.push(model.artifacts.len() - 1);
            }
            if outputs.is_empty() {
                continue;
            }
            // The build context is the repository: it reads the code declared so far.
            let inputs: Vec<usize> = (0..model.artifacts.len())
                .filter(|&i| model.artifacts[i].kind == Kind::Code)
                .collect();
            model.stages.push(Stage {
                name: crate::name_of(job_name),
                origin: format!("{workflow} job \"{}\"", text(job_name)),
                notes: if inputs.is_empty() {
                    Vec::new()
                } else {
                    vec!["inputs: assumed, the code in the build context; review".to_owned()]
                },
                runs_as: Some(Sourced::new(
                    format!("identity \"{identity_name}\""),
                    "the job runs in this workflow",
                )),
                inputs,
                outputs,
                attestation: Vec::new(),
            });
        }
    }
    if !any {
        model.not_inferred.push(
            "image builds: no GitHub Actions workflow builds and pushes an image; declare the images CI builds, with their `ref` and the stage that builds them".to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn scripts_that_push() {
        assert_eq!(
            pushed_by_script("docker build -t x .\ndocker push ghcr.io/acme/app:1\n"),
            ["ghcr.io/acme/app:1"]
        );
        assert_eq!(
            pushed_by_script("docker buildx build --push -t reg/a:b ."),
            ["reg/a:b"]
        );
        assert!(pushed_by_script("docker build -t x .").is_empty());
    }

    #[test]
    fn image_names() {
        assert_eq!(
            image_name("ghcr.io/acme/fraud-serving:latest"),
            "fraud-serving"
        );
        assert_eq!(image_name("reg:5000/a/b@sha256:00"), "b");
    }
}
