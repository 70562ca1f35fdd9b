//! SPDX 2.2 / 2.3 JSON: typed serde structs for the fields Palisade reads (the rest is skipped
//! without building values), converted to the [`Document`] model.
//!
//! Producers differ in small ways the reader absorbs: `PACKAGE-MANAGER` (2.3) or
//! `PACKAGE_MANAGER` (2.2, spdx-tools) as the purl's category; the subject named by
//! `documentDescribes` or by a `DESCRIBES` relationship; dependencies written forwards
//! (`DEPENDS_ON`, sbom4python, cargo-sbom, GitHub) or backwards (`DEPENDENCY_OF`, npm).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::json::{BudgetGuard, Copies, List, typed_pass};
use crate::model::*;
use crate::{Limits, SpdxError};

// Strings that are only looked at (reference categories and types, license fields, relationship
// types) borrow from the input when they have no escapes: fewer allocations on big documents.

#[derive(Deserialize)]
struct RawDocument<'a> {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    name: Option<String>,
    #[serde(rename = "documentNamespace")]
    namespace: Option<String>,
    #[serde(rename = "creationInfo")]
    creation_info: Option<RawCreationInfo>,
    #[serde(rename = "documentDescribes")]
    describes: Option<List<String>>,
    #[serde(borrow)]
    packages: Option<List<RawPackage<'a>, true>>,
    #[serde(borrow)]
    files: Option<List<RawFile<'a>, true>>,
    #[serde(borrow)]
    snippets: Option<List<RawSnippet<'a>, true>>,
    #[serde(borrow)]
    relationships: Option<List<RawRelationship<'a>, true>>,
}

#[derive(Deserialize)]
struct RawCreationInfo {
    creators: Option<List<String>>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(rename = "SPDXID")]
    id: String,
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version: Option<String>,
    #[serde(rename = "primaryPackagePurpose")]
    purpose: Option<String>,
    #[serde(rename = "licenseConcluded", borrow)]
    license_concluded: Option<Cow<'a, str>>,
    #[serde(rename = "licenseDeclared", borrow)]
    license_declared: Option<Cow<'a, str>>,
    #[serde(rename = "licenseInfoFromFiles", borrow)]
    license_info_from_files: Option<List<Cow<'a, str>>>,
    #[serde(rename = "externalRefs", borrow)]
    external_refs: Option<List<RawExternalRef<'a>>>,
}

#[derive(Deserialize)]
struct RawExternalRef<'a> {
    #[serde(rename = "referenceCategory", borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(rename = "referenceType", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "referenceLocator")]
    locator: Option<String>,
}

#[derive(Deserialize)]
struct RawFile<'a> {
    #[serde(rename = "SPDXID")]
    id: String,
    #[serde(rename = "fileName")]
    file_name: Option<String>,
    #[serde(rename = "licenseConcluded", borrow)]
    license_concluded: Option<Cow<'a, str>>,
    #[serde(rename = "licenseInfoInFiles", borrow)]
    license_info_in_files: Option<List<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct RawSnippet<'a> {
    #[serde(rename = "SPDXID")]
    id: String,
    name: Option<String>,
    #[serde(rename = "licenseConcluded", borrow)]
    license_concluded: Option<Cow<'a, str>>,
    #[serde(rename = "licenseInfoInSnippets", borrow)]
    license_info_in_snippets: Option<List<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct RawRelationship<'a> {
    #[serde(rename = "spdxElementId")]
    from: String,
    #[serde(rename = "relationshipType", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "relatedSpdxElement")]
    to: String,
}

/// GitHub's REST API answer: the document under `sbom`.
#[derive(Deserialize)]
struct RawWrapped<'a> {
    #[serde(borrow)]
    sbom: RawDocument<'a>,
}

/// Parses an SPDX 2.x JSON document whose version the caller has checked; `wrapped` when it
/// sits under `{"sbom": …}`.
pub(crate) fn parse(
    text: &str,
    name: &str,
    version: SpecVersion,
    wrapped: bool,
    limits: &Limits,
) -> Result<Document, SpdxError> {
    // Happy path without path tracking; on failure, parse again to explain where.
    let fast = {
        let _guard = BudgetGuard::install(limits);
        if wrapped {
            serde_json::from_str::<RawWrapped>(text).map(|w| w.sbom)
        } else {
            serde_json::from_str::<RawDocument>(text)
        }
    };
    let raw = match fast {
        Ok(raw) => raw,
        Err(_) if wrapped => typed_pass::<RawWrapped>(text, name, limits)?.sbom,
        Err(_) => typed_pass::<RawDocument>(text, name, limits)?,
    };
    convert(raw, version, text, name)
}

fn license(field: Option<Cow<'_, str>>) -> Vec<LicenseInfo> {
    field
        .map(|t| LicenseInfo::from_text(&t))
        .into_iter()
        .collect()
}

fn licenses(list: Option<List<Cow<'_, str>>>) -> Vec<LicenseInfo> {
    list.unwrap_or_default()
        .0
        .iter()
        .map(|t| LicenseInfo::from_text(t))
        .collect()
}

fn convert(
    raw: RawDocument<'_>,
    spec_version: SpecVersion,
    text: &str,
    name: &str,
) -> Result<Document, SpdxError> {
    let mut copies = Copies::for_input(text);
    let document_id = raw
        .spdx_id
        .clone()
        .unwrap_or_else(|| "SPDXRef-DOCUMENT".to_owned());
    let mut elements = Vec::new();
    // Advisory URL -> (id, packages carrying it), in first-seen order.
    let mut advisories: BTreeMap<String, (usize, String, Vec<String>)> = BTreeMap::new();

    for package in raw.packages.unwrap_or_default().0 {
        let mut purl = None;
        for reference in package.external_refs.unwrap_or_default().0 {
            let kind = reference.kind.unwrap_or_default();
            let security = reference
                .category
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("SECURITY"));
            let Some(locator) = reference.locator else {
                continue;
            };
            if kind.eq_ignore_ascii_case("purl") {
                if purl.is_none() {
                    purl = Some(locator.trim().to_owned());
                }
            } else if security && kind.eq_ignore_ascii_case("advisory") {
                copies.charge(package.id.len(), "/packages", text, name)?;
                let order = advisories.len();
                advisories
                    .entry(locator.trim().to_owned())
                    .or_insert_with(|| (order, advisory_id(&locator), Vec::new()))
                    .2
                    .push(package.id.clone());
            }
        }
        elements.push(Element {
            id: package.id,
            kind: ElementKind::Package,
            name: package.name.unwrap_or_default(),
            version: package.version,
            purl,
            purpose: package.purpose,
            licenses: Licenses {
                concluded: license(package.license_concluded),
                declared: license(package.license_declared),
                in_files: licenses(package.license_info_from_files),
            },
            ai: None,
            dataset: None,
        });
    }
    for file in raw.files.unwrap_or_default().0 {
        elements.push(Element {
            id: file.id,
            kind: ElementKind::File,
            name: file.file_name.unwrap_or_default(),
            version: None,
            purl: None,
            purpose: None,
            licenses: Licenses {
                concluded: license(file.license_concluded),
                declared: Vec::new(),
                in_files: licenses(file.license_info_in_files),
            },
            ai: None,
            dataset: None,
        });
    }
    for snippet in raw.snippets.unwrap_or_default().0 {
        elements.push(Element {
            id: snippet.id,
            kind: ElementKind::Snippet,
            name: snippet.name.unwrap_or_default(),
            version: None,
            purl: None,
            purpose: None,
            licenses: Licenses {
                concluded: license(snippet.license_concluded),
                declared: Vec::new(),
                in_files: licenses(snippet.license_info_in_snippets),
            },
            ai: None,
            dataset: None,
        });
    }

    let known: HashSet<&str> = elements.iter().map(|e| e.id.as_str()).collect();
    let mut subjects: Vec<String> = raw.describes.unwrap_or_default().0;
    let mut relationships = Vec::new();
    let mut unresolved = Vec::new();
    for (index, relationship) in raw
        .relationships
        .unwrap_or_default()
        .0
        .into_iter()
        .enumerate()
    {
        let kind = RelationshipKind::parse(&relationship.kind);
        let (from, to) = (relationship.from, relationship.to);
        // `X CONTAINS NONE` and the like say "nothing"; they relate no element.
        if matches!(to.as_str(), "NONE" | "NOASSERTION") {
            continue;
        }
        if from == document_id && kind == RelationshipKind::Describes {
            subjects.push(to);
            continue;
        }
        if to == document_id && kind == RelationshipKind::DescribedBy {
            subjects.push(from);
            continue;
        }
        for id in [&from, &to] {
            if id != &document_id && !known.contains(id.as_str()) {
                unresolved.push((format!("/relationships/{index}"), id.clone()));
            }
        }
        relationships.push(Relationship {
            from,
            kind,
            to,
            scope: None,
        });
    }
    let mut seen = HashSet::new();
    subjects.retain(|s| seen.insert(s.clone()));
    for subject in &subjects {
        if !known.contains(subject.as_str()) {
            unresolved.push(("/documentDescribes".to_owned(), subject.clone()));
        }
    }

    let mut advisories: Vec<_> = advisories.into_iter().collect();
    advisories.sort_by_key(|(_, (order, _, _))| *order);
    let vulnerabilities = advisories
        .into_iter()
        .map(|(url, (_, id, associated))| Vulnerability {
            id,
            element_id: url,
            associated,
            assessments: Vec::new(),
        })
        .collect();

    Ok(Document {
        spec_version,
        name: raw.name,
        namespace: raw.namespace,
        creators: raw
            .creation_info
            .and_then(|c| c.creators)
            .unwrap_or_default()
            .0,
        subjects,
        elements,
        relationships,
        vulnerabilities,
        unresolved,
        ignored_types: BTreeMap::new(),
    })
}

/// The CVE or GHSA id in an advisory URL (`https://nvd.nist.gov/vuln/detail/CVE-2021-32012`,
/// `https://github.com/advisories/GHSA-f96h-pmfr-66vw`), else the URL itself.
fn advisory_id(url: &str) -> String {
    let upper = url.to_ascii_uppercase();
    for prefix in ["CVE-", "GHSA-"] {
        if let Some(start) = upper.find(prefix) {
            let rest = &url[start..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len());
            let id = &rest[..end];
            if id.len() > prefix.len() + 3 {
                return if prefix == "CVE-" {
                    id.to_ascii_uppercase()
                } else {
                    format!("GHSA-{}", &id[5..].to_ascii_lowercase())
                };
            }
        }
    }
    url.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisory_ids_come_out_of_urls() {
        assert_eq!(
            advisory_id("https://nvd.nist.gov/vuln/detail/CVE-2021-32012"),
            "CVE-2021-32012"
        );
        assert_eq!(
            advisory_id("https://github.com/advisories/GHSA-f96h-pmfr-66vw"),
            "GHSA-f96h-pmfr-66vw"
        );
        assert_eq!(
            advisory_id("https://example.com/advisory/42"),
            "https://example.com/advisory/42"
        );
    }
}
