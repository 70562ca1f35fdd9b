//! SPDX 3.0 JSON-LD: the `@graph` read into one flat struct per element (only the properties
//! Palisade uses; the rest is skipped), inline objects pulled out into elements of their own,
//! compact IRIs expanded through the document's `namespaceMap`, then converted to the
//! [`Document`] model.
//!
//! JSON-LD lets a producer write the same graph several ways; the reader accepts them all:
//! `spdxId` or `@id`, `type` or `@type`, a single value where a set is expected, a referenced
//! element written inline instead of by id, vocabulary values as compact names (`dependsOn`)
//! or full IRIs, compact IRIs (`SPDXRef:Package-1`, as syft writes them) and decimals as
//! numbers or strings (spdx-python-model writes `"9.8"`).

// An element is ~1 KiB (every property Palisade reads, as options): the `@graph` list grows by
// doubling and the flattening moves elements, so they are boxed and only pointers move.
#![allow(clippy::vec_box)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::error::escape;
use crate::json::{BudgetGuard, Copies, Decimal, List, typed_pass};
use crate::model::*;
use crate::{Limits, SpdxError};

#[derive(Deserialize)]
struct RawTop {
    #[serde(rename = "@graph")]
    // Boxed: the struct is large, and the list grows by doubling.
    graph: Option<List<Box<RawElement>, true>>,
}

/// A reference to another element: its id, or the element written inline.
enum Ref {
    Id(String),
    Object(Box<RawElement>),
}

impl Ref {
    fn id(&self) -> &str {
        match self {
            Ref::Id(id) => id,
            // Every inline object is replaced by its id in `flatten`, before any lookup.
            Ref::Object(_) => "",
        }
    }
}

/// An element's `creationInfo`: a reference is skipped without allocating (every element has
/// one, and Palisade only needs the creation infos themselves); an inline creation info is
/// kept, to be flattened like any inline element.
#[derive(Default)]
struct CreationRef(Option<Ref>);

impl<'de> Deserialize<'de> for CreationRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CreationRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a creation info id (a string) or a creation info (an object)")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<CreationRef, E> {
                Ok(CreationRef(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<CreationRef, A::Error> {
                RawElement::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|e| CreationRef(Some(Ref::Object(Box::new(e)))))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ref;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an element id (a string) or an element (an object)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ref, E> {
                Ok(Ref::Id(v.to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Ref, A::Error> {
                RawElement::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|e| Ref::Object(Box::new(e)))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A string, number or boolean read as text (dictionary values are `xsd:string` but
/// hand-written documents put numbers there).
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The last segment of a vocabulary IRI (`…/PresenceType/yes` → `yes`); compact values are
/// returned as they are.
fn vocab(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text).trim()
}

/// A `PresenceType` value, checked while deserializing so a bad value gets its place.
struct PresenceField(Presence);

impl<'de> Deserialize<'de> for PresenceField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match vocab(&text) {
            "yes" => Ok(PresenceField(Presence::Yes)),
            "no" => Ok(PresenceField(Presence::No)),
            "noAssertion" => Ok(PresenceField(Presence::NoAssertion)),
            other => Err(de::Error::custom(format!(
                "unknown presence \"{}\" (expected yes, no or noAssertion)",
                escape(other)
            ))),
        }
    }
}

/// A `CvssSeverityType` value, checked while deserializing.
struct SeverityField(Severity);

impl<'de> Deserialize<'de> for SeverityField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Severity::parse(&text).map(SeverityField).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown severity \"{}\" (expected critical, high, medium, low or none)",
                escape(vocab(&text))
            ))
        })
    }
}

#[derive(Deserialize)]
struct RawDictionaryEntry {
    key: Text,
    value: Option<Text>,
}

#[derive(Deserialize)]
struct RawExternalIdentifier {
    #[serde(rename = "externalIdentifierType")]
    kind: Option<String>,
    identifier: Option<Text>,
}

/// An `extension` of an element. cdxgen (12.x) writes the CycloneDX facts it has no SPDX
/// property for as `extension_CdxPropertiesExtension` name/value pairs, licenses among them.
#[derive(Deserialize)]
struct RawExtension {
    #[serde(rename = "extension_cdxProperty")]
    properties: Option<List<RawCdxProperty>>,
}

#[derive(Deserialize)]
struct RawCdxProperty {
    #[serde(rename = "extension_cdxPropName")]
    name: Option<String>,
    #[serde(rename = "extension_cdxPropValue")]
    value: Option<Text>,
}

/// One CycloneDX license choice, as cdxgen embeds them (a JSON string in the `licenses`
/// property of its extension).
#[derive(Deserialize)]
struct CdxLicenseChoice {
    license: Option<CdxLicense>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct CdxLicense {
    id: Option<String>,
    name: Option<String>,
}

/// The licenses cdxgen put in an element's `CdxPropertiesExtension`; `Err` with the reason when
/// the embedded JSON does not read (refused rather than dropped: it may name a denied license).
fn cdxgen_licenses(e: &RawElement) -> Result<Vec<LicenseInfo>, String> {
    let mut out = Vec::new();
    for property in e
        .extensions
        .iter()
        .flat_map(|l| l.0.iter())
        .flat_map(|x| x.properties.iter().flat_map(|l| l.0.iter()))
        .filter(|p| p.name.as_deref() == Some("licenses"))
    {
        let Some(value) = &property.value else {
            continue;
        };
        let choices: Vec<CdxLicenseChoice> = serde_json::from_str(&value.0).map_err(|err| {
            format!("the CycloneDX licenses in its cdxgen extension do not read: {err}")
        })?;
        for choice in choices {
            let text = match (choice.expression, choice.license) {
                (Some(expression), _) => expression,
                (None, Some(CdxLicense { id: Some(id), .. })) => id,
                (
                    None,
                    Some(CdxLicense {
                        name: Some(name), ..
                    }),
                ) => name,
                _ => continue,
            };
            out.push(LicenseInfo::from_text(&text));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawNamespaceMap {
    prefix: String,
    namespace: String,
}

/// One `@graph` entry (or inline object), whatever its type: only the properties Palisade
/// reads, each optional.
#[derive(Deserialize, Default)]
struct RawElement {
    #[serde(rename = "type", alias = "@type")]
    kind: Option<List<String>>,
    #[serde(rename = "spdxId", alias = "@id")]
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "software_packageVersion")]
    version: Option<String>,
    #[serde(rename = "software_packageUrl")]
    package_url: Option<String>,
    #[serde(rename = "software_primaryPurpose")]
    purpose: Option<String>,
    #[serde(rename = "externalIdentifier")]
    external_identifiers: Option<List<RawExternalIdentifier>>,
    #[serde(rename = "extension")]
    extensions: Option<List<RawExtension>>,

    // Relationships and collections.
    #[serde(rename = "relationshipType")]
    relationship_type: Option<String>,
    from: Option<Ref>,
    to: Option<List<Ref>>,
    scope: Option<String>,
    #[serde(rename = "rootElement")]
    root_element: Option<List<Ref>>,
    #[serde(rename = "namespaceMap")]
    namespace_map: Option<List<RawNamespaceMap>>,

    // Creation info (a blank node, by id or inline).
    #[serde(rename = "creationInfo")]
    #[serde(default)]
    creation_info: CreationRef,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    #[serde(rename = "createdBy")]
    created_by: Option<List<Ref>>,
    #[serde(rename = "createdUsing")]
    created_using: Option<List<Ref>>,

    // AI profile.
    #[serde(rename = "ai_typeOfModel")]
    type_of_model: Option<List<String>>,
    #[serde(rename = "ai_domain")]
    domain: Option<List<String>>,
    #[serde(rename = "ai_metric")]
    metric: Option<List<RawDictionaryEntry>>,
    #[serde(rename = "ai_metricDecisionThreshold")]
    metric_decision_threshold: Option<List<RawDictionaryEntry>>,
    #[serde(rename = "ai_safetyRiskAssessment")]
    safety_risk_assessment: Option<String>,
    #[serde(rename = "ai_useSensitivePersonalInformation")]
    use_sensitive_personal_information: Option<PresenceField>,
    #[serde(rename = "ai_autonomyType")]
    autonomy_type: Option<PresenceField>,
    #[serde(rename = "ai_modelDataPreprocessing")]
    model_data_preprocessing: Option<List<String>>,
    #[serde(rename = "ai_standardCompliance")]
    standard_compliance: Option<List<String>>,
    #[serde(rename = "ai_modelExplainability")]
    model_explainability: Option<List<String>>,
    #[serde(rename = "ai_limitation")]
    limitation: Option<String>,
    #[serde(rename = "ai_informationAboutTraining")]
    information_about_training: Option<String>,
    #[serde(rename = "ai_informationAboutApplication")]
    information_about_application: Option<String>,
    #[serde(rename = "ai_hyperparameter")]
    hyperparameter: Option<List<RawDictionaryEntry>>,
    #[serde(rename = "ai_energyConsumption")]
    energy_consumption: Option<de::IgnoredAny>,

    // Dataset profile.
    #[serde(rename = "dataset_datasetType")]
    dataset_type: Option<List<String>>,
    #[serde(rename = "dataset_hasSensitivePersonalInformation")]
    has_sensitive_personal_information: Option<PresenceField>,
    #[serde(rename = "dataset_confidentialityLevel")]
    confidentiality_level: Option<String>,
    #[serde(rename = "dataset_anonymizationMethodUsed")]
    anonymization_method_used: Option<List<String>>,
    #[serde(rename = "dataset_datasetAvailability")]
    dataset_availability: Option<String>,
    #[serde(rename = "dataset_intendedUse")]
    intended_use: Option<String>,
    #[serde(rename = "dataset_knownBias")]
    known_bias: Option<List<String>>,
    #[serde(rename = "dataset_dataPreprocessing")]
    data_preprocessing: Option<List<String>>,
    #[serde(rename = "dataset_datasetSize")]
    dataset_size: Option<Decimal>,

    // Licensing profiles.
    #[serde(rename = "simplelicensing_licenseExpression")]
    license_expression: Option<String>,
    #[serde(rename = "expandedlicensing_member")]
    members: Option<List<Ref>>,
    #[serde(rename = "expandedlicensing_subjectLicense")]
    subject_license: Option<Ref>,
    #[serde(rename = "expandedlicensing_subjectAddition")]
    subject_addition: Option<Ref>,

    // Security profile.
    #[serde(rename = "security_severity")]
    severity: Option<SeverityField>,
    #[serde(rename = "security_score")]
    score: Option<Decimal>,
    #[serde(rename = "security_assessedElement")]
    assessed_element: Option<Ref>,
    #[serde(rename = "security_justificationType")]
    justification: Option<String>,
    #[serde(rename = "security_publishedTime")]
    published: Option<String>,
}

/// Parses an SPDX 3.0 JSON-LD document whose `@context` the caller has checked; also returns
/// the `specVersion`s its creation infos declare, for the caller to check.
pub(crate) fn parse(
    text: &str,
    name: &str,
    version: SpecVersion,
    limits: &Limits,
) -> Result<(Document, Vec<String>), SpdxError> {
    let fast = {
        let _guard = BudgetGuard::install(limits);
        serde_json::from_str::<RawTop>(text)
    };
    let top = match fast {
        Ok(top) => top,
        Err(_) => typed_pass::<RawTop>(text, name, limits)?,
    };
    let graph = match top.graph {
        Some(graph) => graph.0,
        // No `@graph`: the document is a single element written at the top level.
        None => {
            let fast = {
                let _guard = BudgetGuard::install(limits);
                serde_json::from_str::<RawElement>(text)
            };
            vec![Box::new(match fast {
                Ok(element) => element,
                Err(_) => typed_pass::<RawElement>(text, name, limits)?,
            })]
        }
    };
    convert(graph, version, text, name)
}

/// Spells an element type the way the SPDX 3 context compacts it (`software_Package`),
/// whether it was written compact or as a full IRI
/// (`https://spdx.org/rdf/3.0.1/terms/Software/Package`).
fn normalize_type(text: &str) -> String {
    let Some(at) = text.find("/terms/") else {
        return text.to_owned();
    };
    let mut parts = text[at + "/terms/".len()..].splitn(2, '/');
    let (Some(profile), Some(class)) = (parts.next(), parts.next()) else {
        return text.to_owned();
    };
    let prefix = match profile {
        "Core" => return class.to_owned(),
        "Software" => "software",
        "AI" => "ai",
        "Dataset" => "dataset",
        "Security" => "security",
        "SimpleLicensing" => "simplelicensing",
        "ExpandedLicensing" => "expandedlicensing",
        "Build" => "build",
        "Extension" => "extension",
        "Lite" => "lite",
        other => return format!("{}_{class}", other.to_ascii_lowercase()),
    };
    format!("{prefix}_{class}")
}

/// Pulls inline objects out of `element` (depth-first), giving each one without an id a
/// blank-node id, and returns the element's id. Recursion is bounded by the nesting pre-scan
/// ([`Limits::max_depth`]), which ran before serde built these values.
fn flatten(
    mut element: Box<RawElement>,
    out: &mut Vec<Box<RawElement>>,
    blank: &mut usize,
) -> String {
    fn pull(r: &mut Ref, out: &mut Vec<Box<RawElement>>, blank: &mut usize) {
        if let Ref::Object(_) = r {
            let Ref::Object(inner) = std::mem::replace(r, Ref::Id(String::new())) else {
                return;
            };
            *r = Ref::Id(flatten(inner, out, blank));
        }
    }
    fn pull_all(list: &mut Option<List<Ref>>, out: &mut Vec<Box<RawElement>>, blank: &mut usize) {
        for r in list.iter_mut().flat_map(|l| l.0.iter_mut()) {
            pull(r, out, blank);
        }
    }
    for r in [
        &mut element.from,
        &mut element.creation_info.0,
        &mut element.subject_license,
        &mut element.subject_addition,
        &mut element.assessed_element,
    ]
    .into_iter()
    .flatten()
    {
        pull(r, out, blank);
    }
    pull_all(&mut element.to, out, blank);
    pull_all(&mut element.root_element, out, blank);
    pull_all(&mut element.created_by, out, blank);
    pull_all(&mut element.created_using, out, blank);
    pull_all(&mut element.members, out, blank);
    let id = match &element.id {
        Some(id) => id.clone(),
        None => {
            *blank += 1;
            let id = format!("_:palisade-inline-{blank}");
            element.id = Some(id.clone());
            id
        }
    };
    out.push(element);
    id
}

/// Expands compact IRIs (`prefix:rest`) with the document's `namespaceMap`.
struct Namespaces(Vec<(String, String)>);

impl Namespaces {
    fn expand(&self, id: &mut String) {
        if self.0.is_empty() {
            return;
        }
        let Some((prefix, rest)) = id.split_once(':') else {
            return;
        };
        if let Some((_, namespace)) = self.0.iter().find(|(p, _)| p == prefix) {
            *id = format!("{namespace}{rest}");
        }
    }

    fn expand_ref(&self, r: &mut Ref) {
        if let Ref::Id(id) = r {
            self.expand(id);
        }
    }

    fn expand_element(&self, e: &mut RawElement) {
        if self.0.is_empty() {
            return;
        }
        if let Some(id) = &mut e.id {
            self.expand(id);
        }
        for r in [
            &mut e.from,
            &mut e.creation_info.0,
            &mut e.subject_license,
            &mut e.subject_addition,
            &mut e.assessed_element,
        ]
        .into_iter()
        .flatten()
        {
            self.expand_ref(r);
        }
        for list in [
            &mut e.to,
            &mut e.root_element,
            &mut e.created_by,
            &mut e.created_using,
            &mut e.members,
        ] {
            for r in list.iter_mut().flat_map(|l| l.0.iter_mut()) {
                self.expand_ref(r);
            }
        }
    }
}

/// What a graph entry is, for the conversion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Element(ElementKind),
    Relationship,
    Vulnerability,
    Assessment,
    License,
    Collection,
    Document,
    CreationInfo,
    Agent(&'static str),
    Ignored,
}

fn role(types: &[String]) -> (Role, String) {
    let mut first = String::new();
    for t in types {
        let t = normalize_type(t);
        let role = match t.as_str() {
            "software_Package" => Role::Element(ElementKind::Package),
            "ai_AIPackage" => Role::Element(ElementKind::AiPackage),
            "dataset_DatasetPackage" => Role::Element(ElementKind::DatasetPackage),
            "software_File" => Role::Element(ElementKind::File),
            "software_Snippet" => Role::Element(ElementKind::Snippet),
            "Relationship" | "LifecycleScopedRelationship" => Role::Relationship,
            "security_Vulnerability" => Role::Vulnerability,
            "SpdxDocument" => Role::Document,
            "software_Sbom" | "Bom" | "Bundle" => Role::Collection,
            "CreationInfo" => Role::CreationInfo,
            "Tool" => Role::Agent("Tool"),
            "Person" => Role::Agent("Person"),
            "Organization" => Role::Agent("Organization"),
            "SoftwareAgent" | "Agent" => Role::Agent("Agent"),
            s if s.starts_with("security_") && s.ends_with("VulnAssessmentRelationship") => {
                Role::Assessment
            }
            s if s.starts_with("simplelicensing_") || s.starts_with("expandedlicensing_") => {
                Role::License
            }
            _ => Role::Ignored,
        };
        if role != Role::Ignored {
            return (role, t);
        }
        if first.is_empty() {
            first = t;
        }
    }
    (Role::Ignored, first)
}

fn strings(list: Option<List<String>>) -> Vec<String> {
    list.map(|l| l.0).unwrap_or_default()
}

fn dictionary(list: Option<List<RawDictionaryEntry>>) -> Vec<(String, Option<String>)> {
    list.map(|l| l.0)
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.key.0.trim().to_owned(), e.value.map(|v| v.0)))
        .collect()
}

fn ai_facts(e: &mut RawElement) -> AiFacts {
    AiFacts {
        type_of_model: strings(e.type_of_model.take()),
        domain: strings(e.domain.take()),
        metrics: dictionary(e.metric.take()),
        metric_decision_thresholds: dictionary(e.metric_decision_threshold.take()),
        safety_risk_assessment: e
            .safety_risk_assessment
            .take()
            .map(|s| vocab(&s).to_owned()),
        use_sensitive_personal_information: e
            .use_sensitive_personal_information
            .take()
            .map(|p| p.0),
        autonomy_type: e.autonomy_type.take().map(|p| p.0),
        model_data_preprocessing: strings(e.model_data_preprocessing.take()),
        standard_compliance: strings(e.standard_compliance.take()),
        model_explainability: strings(e.model_explainability.take()),
        limitation: e.limitation.take(),
        information_about_training: e.information_about_training.take(),
        information_about_application: e.information_about_application.take(),
        hyperparameters: dictionary(e.hyperparameter.take()),
        has_energy_consumption: e.energy_consumption.is_some(),
    }
}

fn dataset_facts(e: &mut RawElement) -> DatasetFacts {
    DatasetFacts {
        dataset_type: strings(e.dataset_type.take())
            .iter()
            .map(|t| vocab(t).to_owned())
            .collect(),
        has_sensitive_personal_information: e
            .has_sensitive_personal_information
            .take()
            .map(|p| p.0),
        confidentiality_level: e.confidentiality_level.take().map(|s| vocab(&s).to_owned()),
        anonymization_methods: strings(e.anonymization_method_used.take()),
        availability: e.dataset_availability.take().map(|s| vocab(&s).to_owned()),
        intended_use: e.intended_use.take(),
        known_bias: strings(e.known_bias.take()),
        preprocessing: strings(e.data_preprocessing.take()),
        size: e
            .dataset_size
            .take()
            .filter(|d| d.0 >= 0.0)
            .map(|d| d.0 as u64),
    }
}

/// The purl of a package: `software_packageUrl`, else a `packageUrl` external identifier.
fn purl_of(e: &RawElement) -> Option<String> {
    if let Some(purl) = &e.package_url {
        return Some(purl.trim().to_owned());
    }
    e.external_identifiers
        .iter()
        .flat_map(|l| l.0.iter())
        .find(|x| x.kind.as_deref().map(vocab) == Some("packageUrl"))
        .and_then(|x| x.identifier.as_ref().map(|t| t.0.trim().to_owned()))
}

/// The identifier of a vulnerability: a `cve` external identifier, else any other, else the
/// name, else the element id.
fn vulnerability_id(e: &RawElement, element_id: &str) -> String {
    let identifiers: Vec<(&str, &str)> = e
        .external_identifiers
        .iter()
        .flat_map(|l| l.0.iter())
        .filter_map(|x| {
            Some((
                x.kind.as_deref().map(vocab).unwrap_or(""),
                x.identifier.as_ref()?.0.as_str(),
            ))
        })
        .collect();
    identifiers
        .iter()
        .find(|(k, _)| *k == "cve")
        .or_else(|| identifiers.first())
        .map(|(_, id)| id.trim().to_owned())
        .or_else(|| e.name.clone())
        .unwrap_or_else(|| element_id.to_owned())
}

/// Deepest nesting of license sets and operators the resolver follows.
const MAX_LICENSE_DEPTH: usize = 32;

/// Most bytes of license expression text the resolver may build for one document: sets that
/// share members can describe exponentially long expressions in a few bytes of JSON.
const MAX_LICENSE_TEXT: usize = 64 * 1024 * 1024;

/// Why a license could not be resolved: a document that builds absurd license structures is
/// refused rather than read partly (a denied license could hide in the part not read).
struct LicenseProblem {
    id: String,
    reason: String,
}

/// The license an id names: a license element of the document, a listed license IRI
/// (`https://spdx.org/licenses/MIT`), the `NoAssertionLicense` / `NoneLicense` individuals.
/// Anything else is kept as written and reported as unresolved. Each license element is
/// resolved once (memoized); a set that contains itself, nesting deeper than
/// [`MAX_LICENSE_DEPTH`] or more than [`MAX_LICENSE_TEXT`] bytes of text are errors.
struct LicenseResolver<'a> {
    nodes: &'a HashMap<String, usize>,
    graph: &'a [Box<RawElement>],
    kinds: &'a [String],
    memo: HashMap<usize, LicenseInfo>,
    visiting: HashSet<usize>,
    produced: usize,
}

impl LicenseResolver<'_> {
    fn resolve(
        &mut self,
        id: &str,
        unresolved: &mut Vec<(String, String)>,
        depth: usize,
    ) -> Result<LicenseInfo, LicenseProblem> {
        let tail = vocab(id);
        if tail.ends_with("NoAssertionLicense") {
            return Ok(LicenseInfo::NoAssertion);
        }
        if tail.ends_with("NoneLicense") {
            return Ok(LicenseInfo::None);
        }
        let Some(&index) = self.nodes.get(id) else {
            if let Some(listed) = id.strip_prefix("https://spdx.org/licenses/") {
                return Ok(LicenseInfo::Expression(
                    listed.trim_end_matches(".html").to_owned(),
                ));
            }
            unresolved.push(("license".to_owned(), id.to_owned()));
            return Ok(LicenseInfo::Expression(id.to_owned()));
        };
        if let Some(known) = self.memo.get(&index) {
            return Ok(known.clone());
        }
        if depth > MAX_LICENSE_DEPTH {
            return Err(LicenseProblem {
                id: id.to_owned(),
                reason: format!("license sets nest deeper than {MAX_LICENSE_DEPTH} levels"),
            });
        }
        if !self.visiting.insert(index) {
            return Err(LicenseProblem {
                id: id.to_owned(),
                reason: "a license set contains itself".to_owned(),
            });
        }
        let text = self.text(index, unresolved, depth);
        self.visiting.remove(&index);
        let text = text?;
        self.produced += text.len();
        if self.produced > MAX_LICENSE_TEXT {
            return Err(LicenseProblem {
                id: id.to_owned(),
                reason: format!("license expressions expand to more than {MAX_LICENSE_TEXT} bytes"),
            });
        }
        let info = LicenseInfo::from_text(&text);
        self.memo.insert(index, info.clone());
        Ok(info)
    }

    /// The expression text of license node `index`.
    fn text(
        &mut self,
        index: usize,
        unresolved: &mut Vec<(String, String)>,
        depth: usize,
    ) -> Result<String, LicenseProblem> {
        let graph = self.graph;
        let e = &graph[index];
        if let Some(expression) = &e.license_expression {
            return Ok(expression.trim().to_owned());
        }
        let kind = self.kinds[index].clone();
        let mut part = |this: &mut Self, r: &Ref| -> Result<String, LicenseProblem> {
            Ok(match this.resolve(r.id(), unresolved, depth + 1)? {
                LicenseInfo::Expression(text) => text,
                LicenseInfo::NoAssertion => "NOASSERTION".to_owned(),
                LicenseInfo::None => "NONE".to_owned(),
            })
        };
        Ok(match kind.as_str() {
            "expandedlicensing_ConjunctiveLicenseSet"
            | "expandedlicensing_DisjunctiveLicenseSet" => {
                let join = if kind.contains("Conjunctive") {
                    " AND "
                } else {
                    " OR "
                };
                let mut members = Vec::new();
                for r in e.members.iter().flat_map(|l| l.0.iter()) {
                    members.push(part(self, r)?);
                }
                format!("({})", members.join(join))
            }
            "expandedlicensing_WithAdditionOperator" | "expandedlicensing_OrLaterOperator" => {
                let license = match &e.subject_license {
                    Some(r) => part(self, r)?,
                    None => "NOASSERTION".to_owned(),
                };
                if kind.ends_with("OrLaterOperator") {
                    format!("{license}+")
                } else {
                    let addition = e
                        .subject_addition
                        .as_ref()
                        .map(|r| self.name_of(r.id()))
                        .unwrap_or_default();
                    format!("{license} WITH {addition}")
                }
            }
            // ListedLicense, CustomLicense, ListedLicenseException …: its name, else its id.
            _ => self.name_of(e.id.as_deref().unwrap_or_default()),
        })
    }

    /// A license or exception's name, else the last segment of its id.
    fn name_of(&self, id: &str) -> String {
        if let Some(name) = self
            .nodes
            .get(id)
            .and_then(|&i| self.graph[i].name.as_deref())
            .filter(|n| !n.trim().is_empty())
        {
            return name.trim().to_owned();
        }
        id.rsplit(['/', '#']).next().unwrap_or(id).to_owned()
    }
}

/// An error about an element of the graph, found after parsing: it points at the first
/// place the element's id is written.
fn graph_error(text: &str, name: &str, id: &str, reason: String) -> SpdxError {
    let offset = text.find(&format!("\"{id}\"")).map_or(0, |o| o + 1);
    let (line, column) = crate::error::line_column(text, offset);
    SpdxError::InvalidValue {
        name: escape(name),
        pointer: "/@graph".to_owned(),
        line,
        column,
        reason: escape(&format!("{reason} (at \"{id}\")")),
        src: crate::error::named_source(name, text),
        span: crate::error::span_at(text, offset),
    }
}

fn convert(
    top: Vec<Box<RawElement>>,
    spec_version: SpecVersion,
    text: &str,
    name: &str,
) -> Result<(Document, Vec<String>), SpdxError> {
    let mut graph = Vec::with_capacity(top.len());
    let mut blank = 0usize;
    for element in top {
        flatten(element, &mut graph, &mut blank);
    }
    let namespaces = Namespaces(
        graph
            .iter()
            .flat_map(|e| e.namespace_map.iter().flat_map(|l| l.0.iter()))
            .map(|m| (m.prefix.clone(), m.namespace.clone()))
            .collect(),
    );
    for element in &mut graph {
        namespaces.expand_element(element);
    }
    let mut roles = Vec::with_capacity(graph.len());
    let mut kinds = Vec::with_capacity(graph.len());
    let mut nodes: HashMap<String, usize> = HashMap::with_capacity(graph.len());
    let mut ignored_types: BTreeMap<String, usize> = BTreeMap::new();
    for (index, element) in graph.iter().enumerate() {
        let (role, kind) = role(element.kind.as_ref().map_or(&[][..], |l| &l.0[..]));
        if role == Role::Ignored {
            let kind = if kind.is_empty() {
                "(no type)".to_owned()
            } else {
                kind.clone()
            };
            *ignored_types.entry(kind).or_default() += 1;
        }
        if let Some(id) = &element.id {
            // The first definition of an id wins; a later one is a duplicate.
            nodes.entry(id.clone()).or_insert(index);
        }
        roles.push(role);
        kinds.push(kind);
    }

    let mut unresolved: Vec<(String, String)> = Vec::new();
    let known = |id: &str| nodes.contains_key(id);

    // Creators: the agents and tools named by creation infos.
    let mut creators = Vec::new();
    let mut creators_seen: HashSet<(usize, &str)> = HashSet::new();
    for (index, element) in graph.iter().enumerate() {
        if roles[index] != Role::CreationInfo {
            continue;
        }
        let lists = [(&element.created_using, "Tool"), (&element.created_by, "")];
        for (list, default) in lists {
            for r in list.iter().flat_map(|l| l.0.iter()) {
                let Some(&agent) = nodes.get(r.id()) else {
                    continue;
                };
                let label = match roles[agent] {
                    Role::Agent(label) => label,
                    _ if !default.is_empty() => default,
                    _ => "Agent",
                };
                // Each agent once, however many creation infos name it.
                if creators_seen.insert((agent, label)) {
                    let name = graph[agent].name.as_deref().unwrap_or(r.id());
                    creators.push(format!("{label}: {name}"));
                }
            }
        }
    }

    // The document and its subjects.
    let document = (0..graph.len()).find(|&i| roles[i] == Role::Document);
    let mut subjects: Vec<String> = Vec::new();
    let mut roots: Vec<String> = match document {
        Some(d) => graph[d]
            .root_element
            .iter()
            .flat_map(|l| l.0.iter())
            .map(|r| r.id().to_owned())
            .collect(),
        None => (0..graph.len())
            .filter(|&i| roles[i] == Role::Collection)
            .flat_map(|i| {
                graph[i]
                    .root_element
                    .iter()
                    .flat_map(|l| l.0.iter())
                    .map(|r| r.id().to_owned())
            })
            .collect(),
    };
    // Look through an Sbom/Bom root to its own roots (bounded: a collection may name itself).
    let mut seen_roots = HashSet::new();
    while let Some(root) = roots.pop() {
        if !seen_roots.insert(root.clone()) {
            continue;
        }
        match nodes.get(&root).map(|&i| (i, roles[i])) {
            Some((i, Role::Collection | Role::Document)) => roots.extend(
                graph[i]
                    .root_element
                    .iter()
                    .flat_map(|l| l.0.iter())
                    .map(|r| r.id().to_owned()),
            ),
            Some(_) => subjects.push(root),
            None => unresolved.push(("rootElement".to_owned(), root)),
        }
    }
    subjects.reverse();
    let mut subjects_seen: HashSet<String> = subjects.iter().cloned().collect();

    // Elements.
    let mut elements = Vec::new();
    let mut element_index: HashMap<String, usize> = HashMap::new();
    for (index, element) in graph.iter_mut().enumerate() {
        let Role::Element(kind) = roles[index] else {
            continue;
        };
        let Some(id) = element.id.clone() else {
            continue;
        };
        if element_index.contains_key(&id) {
            continue;
        }
        element_index.insert(id.clone(), elements.len());
        let ai = (kind == ElementKind::AiPackage).then(|| ai_facts(element));
        let dataset = (kind == ElementKind::DatasetPackage).then(|| dataset_facts(element));
        let declared =
            cdxgen_licenses(element).map_err(|reason| graph_error(text, name, &id, reason))?;
        elements.push(Element {
            id,
            kind,
            name: element.name.clone().unwrap_or_default(),
            version: element.version.clone(),
            purl: purl_of(element),
            purpose: element.purpose.as_deref().map(|p| vocab(p).to_owned()),
            licenses: Licenses {
                declared,
                ..Licenses::default()
            },
            ai,
            dataset,
        });
    }

    // Vulnerabilities.
    let mut vulnerabilities: Vec<Vulnerability> = Vec::new();
    let mut vulnerability_index: HashMap<String, usize> = HashMap::new();
    for (index, element) in graph.iter().enumerate() {
        if roles[index] != Role::Vulnerability {
            continue;
        }
        let Some(id) = element.id.clone() else {
            continue;
        };
        if vulnerability_index.contains_key(&id) {
            continue;
        }
        vulnerability_index.insert(id.clone(), vulnerabilities.len());
        vulnerabilities.push(Vulnerability {
            id: vulnerability_id(element, &id),
            element_id: id,
            associated: Vec::new(),
            assessments: Vec::new(),
        });
    }
    fn vulnerability_slot(
        id: &str,
        vulnerabilities: &mut Vec<Vulnerability>,
        index: &mut HashMap<String, usize>,
        unresolved: &mut Vec<(String, String)>,
        place: &str,
    ) -> usize {
        if let Some(&i) = index.get(id) {
            return i;
        }
        // Assessed or associated, but not defined here: still a vulnerability.
        unresolved.push((place.to_owned(), id.to_owned()));
        index.insert(id.to_owned(), vulnerabilities.len());
        vulnerabilities.push(Vulnerability {
            id: id.to_owned(),
            element_id: id.to_owned(),
            associated: Vec::new(),
            assessments: Vec::new(),
        });
        vulnerabilities.len() - 1
    }

    let mut licenses = LicenseResolver {
        nodes: &nodes,
        graph: &graph,
        kinds: &kinds,
        memo: HashMap::new(),
        visiting: HashSet::new(),
        produced: 0,
    };
    let mut license_seen: HashSet<(usize, bool, String)> = HashSet::new();
    let mut copies = Copies::for_input(text);
    let mut relationships = Vec::new();
    let mut license_facts: Vec<(usize, bool, LicenseInfo)> = Vec::new();
    for (index, element) in graph.iter().enumerate() {
        match roles[index] {
            Role::Relationship => {
                let Some(from) = element.from.as_ref().map(|r| r.id().to_owned()) else {
                    continue;
                };
                let written = element.relationship_type.as_deref().unwrap_or("other");
                let kind = RelationshipKind::parse(written);
                let scope = element.scope.as_deref().map(|s| vocab(s).to_owned());
                for target in element.to.iter().flat_map(|l| l.0.iter()) {
                    let to = target.id().to_owned();
                    copies.charge(
                        from.len()
                            + to.len()
                            + written.len()
                            + scope.as_ref().map_or(0, String::len),
                        "/@graph",
                        text,
                        name,
                    )?;
                    match (vocab(written), &kind) {
                        ("hasConcludedLicense" | "hasDeclaredLicense", _) => {
                            let concluded = written.ends_with("ConcludedLicense");
                            let owner = element_index.get(&from).copied();
                            // The same license twice on one element is resolved once.
                            if let Some(e) = owner
                                && !license_seen.insert((e, concluded, to.clone()))
                            {
                                continue;
                            }
                            let license = licenses
                                .resolve(&to, &mut unresolved, 0)
                                .map_err(|p| graph_error(text, name, &p.id, p.reason))?;
                            if let LicenseInfo::Expression(text_of) = &license {
                                copies.charge(text_of.len(), "/@graph", text, name)?;
                            }
                            match owner {
                                Some(e) => license_facts.push((e, concluded, license)),
                                None => unresolved.push((written.to_owned(), from.clone())),
                            }
                        }
                        (_, RelationshipKind::HasAssociatedVulnerability) => {
                            let v = vulnerability_slot(
                                &to,
                                &mut vulnerabilities,
                                &mut vulnerability_index,
                                &mut unresolved,
                                "hasAssociatedVulnerability",
                            );
                            vulnerabilities[v].associated.push(from.clone());
                        }
                        (_, RelationshipKind::Describes)
                            if nodes.get(&from).is_some_and(|&i| {
                                matches!(roles[i], Role::Document | Role::Collection)
                            }) =>
                        {
                            if subjects_seen.insert(to.clone()) {
                                subjects.push(to);
                            }
                        }
                        _ => {
                            for id in [&from, &to] {
                                if !known(id) {
                                    unresolved.push((written.to_owned(), id.clone()));
                                }
                            }
                            relationships.push(Relationship {
                                from: from.clone(),
                                kind: kind.clone(),
                                to,
                                scope: scope.clone(),
                            });
                        }
                    }
                }
            }
            Role::Assessment => {
                let Some(from) = element.from.as_ref().map(|r| r.id().to_owned()) else {
                    continue;
                };
                let kind = kinds[index].as_str();
                let assessment = if let Some(version) = kind.strip_prefix("security_CvssV") {
                    AssessmentKind::Cvss {
                        version: version
                            .chars()
                            .next()
                            .and_then(|c| c.to_digit(10))
                            .map_or(0, |d| d as u8),
                        score: element.score.as_ref().map(|s| s.0),
                        severity: element.severity.as_ref().map(|s| s.0),
                    }
                } else if kind.starts_with("security_Vex") {
                    let status = if kind.contains("NotAffected") {
                        VexStatus::NotAffected
                    } else if kind.contains("Affected") {
                        VexStatus::Affected
                    } else if kind.contains("Fixed") {
                        VexStatus::Fixed
                    } else {
                        VexStatus::UnderInvestigation
                    };
                    AssessmentKind::Vex {
                        status,
                        justification: element
                            .justification
                            .as_deref()
                            .map(|j| vocab(j).to_owned()),
                    }
                } else {
                    AssessmentKind::Other(kind.to_owned())
                };
                let v = vulnerability_slot(
                    &from,
                    &mut vulnerabilities,
                    &mut vulnerability_index,
                    &mut unresolved,
                    kind,
                );
                let targets: Vec<String> = match &element.assessed_element {
                    Some(r) => vec![r.id().to_owned()],
                    None => element
                        .to
                        .iter()
                        .flat_map(|l| l.0.iter())
                        .map(|r| r.id().to_owned())
                        .collect(),
                };
                for target in targets {
                    copies.charge(
                        target.len()
                            + kind.len()
                            + element.published.as_ref().map_or(0, String::len),
                        "/@graph",
                        text,
                        name,
                    )?;
                    if !known(&target) {
                        unresolved.push((kind.to_owned(), target.clone()));
                    }
                    vulnerabilities[v].assessments.push(Assessment {
                        element: target,
                        kind: assessment.clone(),
                        published: element.published.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    let mut placed: HashSet<(usize, bool, LicenseInfo)> = HashSet::new();
    for (e, concluded, license) in license_facts {
        if !placed.insert((e, concluded, license.clone())) {
            continue;
        }
        let licenses = &mut elements[e].licenses;
        if concluded {
            licenses.concluded.push(license);
        } else {
            licenses.declared.push(license);
        }
    }

    let mut declared: Vec<String> = (0..graph.len())
        .filter(|&i| roles[i] == Role::CreationInfo)
        .filter_map(|i| graph[i].spec_version.clone())
        .collect();
    declared.sort();
    declared.dedup();
    let document = Document {
        spec_version,
        name: document.and_then(|d| graph[d].name.clone()),
        namespace: document.and_then(|d| graph[d].id.clone()),
        creators,
        subjects,
        elements,
        relationships,
        vulnerabilities,
        unresolved,
        ignored_types,
    };
    Ok((document, declared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_compacted() {
        assert_eq!(normalize_type("software_Package"), "software_Package");
        assert_eq!(
            normalize_type("https://spdx.org/rdf/3.0.1/terms/Software/Package"),
            "software_Package"
        );
        assert_eq!(
            normalize_type("https://spdx.org/rdf/3.0.1/terms/Core/Relationship"),
            "Relationship"
        );
        assert_eq!(
            normalize_type("https://spdx.org/rdf/3.0.1/terms/AI/AIPackage"),
            "ai_AIPackage"
        );
    }
}
