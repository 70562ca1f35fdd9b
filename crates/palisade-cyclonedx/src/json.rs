//! CycloneDX JSON: typed serde structs for the fields Palisade reads (unknown fields are skipped
//! without building values), converted to the public model.
//!
//! Two passes: a header pass reads only `bomFormat` and `specVersion` (so a non-CycloneDX or
//! unsupported document gets that error, not a type error deep inside), then the typed pass.
//! Component count and component nesting are enforced *during* deserialization, through a
//! per-thread budget, so a hostile file cannot make us build a huge vector first.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{named_source, offset_of, span_at};
use crate::flatten::{Flattener, RawComponentFields};
use crate::model::*;
use crate::{BomError, Limits};

/// A JSON document parsed into the raw serde model, not yet converted to [`Bom`]: it owns its
/// strings, so the document's text can be freed before the conversion.
pub(crate) struct Deferred(RawBom, SpecVersion);

impl Deferred {
    /// The [`Bom`] model, consuming the raw one (its strings move, they are not copied).
    pub(crate) fn into_bom(self) -> Bom {
        convert(self.0, self.1)
    }
}

/// Parses a CycloneDX JSON document (already known to start with `{` or `[`), leaving the
/// conversion to [`Deferred::into_bom`].
pub(crate) fn parse_deferred(
    text: &str,
    file: &str,
    limits: &Limits,
) -> Result<Deferred, BomError> {
    if text.trim_start().starts_with('[') {
        return Err(BomError::NotCycloneDx {
            file: file.to_owned(),
            reason: "the top level is a JSON array, not an object".to_owned(),
        });
    }
    // Happy path: one typed pass without path tracking (serde_path_to_error costs about a third
    // of the parse time). Only when it fails do we parse again to build the best error: the
    // header first (so "not CycloneDX" beats a type error), then with paths.
    let fast = {
        let _guard = BudgetGuard::install(limits);
        serde_json::from_str::<RawBom>(text)
    };
    match fast {
        Ok(raw) => {
            let spec_version =
                check_header(file, raw.bom_format.as_ref(), raw.spec_version.as_ref())?;
            Ok(Deferred(raw, spec_version))
        }
        Err(_) => {
            let spec_version = header(text, file)?;
            let raw = typed_pass(text, file, limits)?;
            Ok(Deferred(raw, spec_version))
        }
    }
}

#[derive(Deserialize)]
struct Header {
    #[serde(rename = "bomFormat")]
    bom_format: Option<Value>,
    #[serde(rename = "specVersion")]
    spec_version: Option<Value>,
}

fn header(text: &str, file: &str) -> Result<SpecVersion, BomError> {
    let header: Header = match serde_json::from_str(text) {
        Ok(header) => header,
        Err(err) => return Err(json_error(err, String::new(), text, file)),
    };
    check_header(
        file,
        header.bom_format.as_ref(),
        header.spec_version.as_ref(),
    )
}

/// `bomFormat` must be `"CycloneDX"` and `specVersion` one we support.
fn check_header(
    file: &str,
    bom_format: Option<&Value>,
    spec_version: Option<&Value>,
) -> Result<SpecVersion, BomError> {
    match bom_format {
        Some(Value::String(format)) if format == "CycloneDX" => {}
        Some(other) => {
            return Err(BomError::NotCycloneDx {
                file: file.to_owned(),
                reason: format!("\"bomFormat\" is {other}, not \"CycloneDX\""),
            });
        }
        None => {
            return Err(BomError::NotCycloneDx {
                file: file.to_owned(),
                reason: "the JSON object has no \"bomFormat\"".to_owned(),
            });
        }
    }
    match spec_version {
        Some(Value::String(version)) => {
            SpecVersion::from_version_str(version).ok_or_else(|| BomError::UnsupportedVersion {
                file: file.to_owned(),
                version: version.clone(),
            })
        }
        Some(other) => Err(BomError::UnsupportedVersion {
            file: file.to_owned(),
            version: other.to_string(),
        }),
        None => Err(BomError::NotCycloneDx {
            file: file.to_owned(),
            reason: "the JSON object has no \"specVersion\"".to_owned(),
        }),
    }
}

// ---- the per-thread budget that bounds components while serde builds them ----

#[derive(Clone, Copy, Default)]
struct Budget {
    max_components: usize,
    max_depth: usize,
    components: usize,
    depth: usize,
    /// Set when a limit (not a type error) stopped the parse.
    hit: Option<LimitHit>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LimitHit {
    Components,
    Depth,
}

thread_local! {
    static BUDGET: Cell<Budget> = Cell::new(Budget::default());
}

/// Resets the budget when the typed pass ends, however it ends.
struct BudgetGuard;

impl BudgetGuard {
    fn install(limits: &Limits) -> BudgetGuard {
        BUDGET.with(|b| {
            b.set(Budget {
                max_components: limits.max_components,
                max_depth: limits.max_depth,
                ..Budget::default()
            })
        });
        BudgetGuard
    }
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(Budget::default()));
    }
}

fn budget_hit() -> Option<LimitHit> {
    BUDGET.with(|b| b.get().hit)
}

/// A list of components that counts itself against the budget while it is deserialized.
struct Components(Vec<RawComponent>);

impl<'de> Deserialize<'de> for Components {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entered = BUDGET.with(|cell| {
            let mut b = cell.get();
            b.depth += 1;
            let ok = b.depth <= b.max_depth;
            if !ok {
                b.hit = Some(LimitHit::Depth);
            }
            cell.set(b);
            (ok, b.max_depth)
        });
        if !entered.0 {
            return Err(de::Error::custom(format!(
                "components are nested more than {} levels deep",
                entered.1
            )));
        }
        let result = deserializer.deserialize_seq(ComponentsVisitor);
        BUDGET.with(|cell| {
            let mut b = cell.get();
            b.depth = b.depth.saturating_sub(1);
            cell.set(b);
        });
        result
    }
}

struct ComponentsVisitor;

impl<'de> Visitor<'de> for ComponentsVisitor {
    type Value = Components;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of components")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Components, A::Error> {
        // Trust the size hint only up to a small amount: it is the input talking.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            // Count first so `OneComponent` can refuse the element that goes over the limit
            // (the error then points at it); give the count back when the array ends instead.
            let limit = BUDGET.with(|cell| {
                let mut b = cell.get();
                b.components += 1;
                cell.set(b);
                b.max_components
            });
            match seq.next_element_seed(OneComponent { limit })? {
                Some(component) => out.push(component),
                None => {
                    BUDGET.with(|cell| {
                        let mut b = cell.get();
                        b.components = b.components.saturating_sub(1);
                        cell.set(b);
                    });
                    break;
                }
            }
        }
        Ok(Components(out))
    }
}

/// Deserializes one component after checking the count budget, so the error points at the
/// first component over the limit.
struct OneComponent {
    limit: usize,
}

impl<'de> DeserializeSeed<'de> for OneComponent {
    type Value = RawComponent;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<RawComponent, D::Error> {
        let over = BUDGET.with(|cell| {
            let mut b = cell.get();
            let over = b.components > b.max_components;
            if over {
                b.hit = Some(LimitHit::Components);
                cell.set(b);
            }
            over
        });
        if over {
            return Err(de::Error::custom(format!(
                "more than {} components",
                self.limit
            )));
        }
        RawComponent::deserialize(deserializer)
    }
}

// ---- raw serde model: only the fields we read; everything else is skipped ----

#[derive(Deserialize)]
struct RawBom {
    #[serde(rename = "bomFormat")]
    bom_format: Option<Value>,
    #[serde(rename = "specVersion")]
    spec_version: Option<Value>,
    #[serde(rename = "serialNumber")]
    serial_number: Option<String>,
    metadata: Option<RawMetadata>,
    components: Option<Components>,
    dependencies: Option<Vec<RawDependency>>,
    vulnerabilities: Option<Vec<RawVulnerability>>,
}

#[derive(Deserialize)]
struct RawMetadata {
    component: Option<RawComponent>,
}

#[derive(Deserialize)]
struct RawComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    group: Option<String>,
    name: String,
    version: Option<String>,
    purl: Option<String>,
    licenses: Option<Vec<RawLicenseChoice>>,
    hashes: Option<Vec<RawHash>>,
    #[serde(rename = "modelCard")]
    model_card: Option<RawModelCard>,
    data: Option<Vec<RawComponentData>>,
    components: Option<Components>,
}

#[derive(Deserialize)]
struct RawLicenseChoice {
    license: Option<RawLicense>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct RawLicense {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawHash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
struct RawModelCard {
    #[serde(rename = "modelParameters")]
    model_parameters: Option<RawModelParameters>,
    #[serde(rename = "quantitativeAnalysis")]
    quantitative_analysis: Option<RawQuantitativeAnalysis>,
    considerations: Option<RawConsiderations>,
    properties: Option<Vec<RawProperty>>,
}

#[derive(Deserialize)]
struct RawProperty {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct RawConsiderations {
    users: Option<Vec<String>>,
    #[serde(rename = "useCases")]
    use_cases: Option<Vec<String>>,
    #[serde(rename = "technicalLimitations")]
    technical_limitations: Option<Vec<String>>,
    #[serde(rename = "performanceTradeoffs")]
    performance_tradeoffs: Option<Vec<String>>,
    #[serde(rename = "ethicalConsiderations")]
    ethical_considerations: Option<Vec<RawRisk>>,
    #[serde(rename = "fairnessAssessments")]
    fairness_assessments: Option<Vec<RawFairnessAssessment>>,
}

#[derive(Deserialize)]
struct RawRisk {
    name: Option<String>,
    #[serde(rename = "mitigationStrategy")]
    mitigation_strategy: Option<String>,
}

#[derive(Deserialize)]
struct RawFairnessAssessment {
    #[serde(rename = "groupAtRisk")]
    group_at_risk: Option<String>,
    benefits: Option<String>,
    harms: Option<String>,
    #[serde(rename = "mitigationStrategy")]
    mitigation_strategy: Option<String>,
}

#[derive(Deserialize)]
struct RawModelParameters {
    task: Option<String>,
    #[serde(rename = "architectureFamily")]
    architecture_family: Option<String>,
    datasets: Option<Vec<RawDatasetChoice>>,
}

/// Either `{"ref": …}` or an inline data entry; we keep the ref, else the name.
#[derive(Deserialize)]
struct RawDatasetChoice {
    #[serde(rename = "ref")]
    reference: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawQuantitativeAnalysis {
    #[serde(rename = "performanceMetrics")]
    performance_metrics: Option<Vec<RawPerformanceMetric>>,
}

#[derive(Deserialize)]
struct RawPerformanceMetric {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
    slice: Option<String>,
    #[serde(rename = "confidenceInterval")]
    confidence_interval: Option<RawConfidenceInterval>,
}

#[derive(Deserialize)]
struct RawConfidenceInterval {
    #[serde(rename = "lowerBound")]
    lower_bound: Option<String>,
    #[serde(rename = "upperBound")]
    upper_bound: Option<String>,
}

#[derive(Deserialize)]
struct RawComponentData {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    classification: Option<String>,
    #[serde(rename = "sensitiveData")]
    sensitive_data: Option<Vec<String>>,
    governance: Option<RawGovernance>,
}

#[derive(Deserialize)]
struct RawGovernance {
    owners: Option<Vec<RawParty>>,
    custodians: Option<Vec<RawParty>>,
    stewards: Option<Vec<RawParty>>,
}

#[derive(Deserialize)]
struct RawParty {
    organization: Option<RawNamed>,
    contact: Option<RawContact>,
}

#[derive(Deserialize)]
struct RawNamed {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawContact {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct RawDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawVulnerability {
    id: Option<String>,
    source: Option<RawSource>,
    ratings: Option<Vec<RawRating>>,
    affects: Option<Vec<RawAffects>>,
    analysis: Option<RawAnalysis>,
}

#[derive(Deserialize)]
struct RawSource {
    name: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawRating {
    severity: Option<SeverityField>,
    score: Option<f64>,
    method: Option<String>,
}

#[derive(Deserialize)]
struct RawAffects {
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
struct RawAnalysis {
    state: Option<StateField>,
    justification: Option<String>,
}

fn typed_pass(text: &str, file: &str, limits: &Limits) -> Result<RawBom, BomError> {
    let _guard = BudgetGuard::install(limits);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, RawBom>(&mut deserializer) {
        Ok(raw) => match deserializer.end() {
            Ok(()) => Ok(raw),
            Err(err) => Err(json_error(err, String::new(), text, file)),
        },
        Err(err) => {
            let pointer = pointer_of(err.path());
            let inner = err.into_inner();
            let (line, column) = (inner.line(), inner.column());
            let place = if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.clone()
            };
            match budget_hit() {
                Some(LimitHit::Components) => Err(BomError::TooManyComponents {
                    file: file.to_owned(),
                    place,
                    line,
                    column,
                    limit: limits.max_components,
                }),
                Some(LimitHit::Depth) => Err(BomError::TooDeep {
                    file: file.to_owned(),
                    place,
                    line,
                    column,
                    reason: format!(
                        "components are nested more than {} levels deep",
                        limits.max_depth
                    ),
                }),
                None => Err(json_error(inner, pointer, text, file)),
            }
        }
    }
}

/// Maps a serde_json error (syntax, truncation, recursion limit or wrong type) to a [`BomError`].
fn json_error(err: serde_json::Error, pointer: String, text: &str, file: &str) -> BomError {
    let (line, column) = (err.line(), err.column());
    let offset = offset_of(text, line, column);
    let message = err.to_string();
    // serde_json appends " at line L column C"; we report the place ourselves.
    let reason = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.clone(),
    };
    let place = if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer
    };
    if reason.starts_with("recursion limit exceeded") {
        return BomError::TooDeep {
            file: file.to_owned(),
            place,
            line,
            column,
            reason: "JSON nesting exceeds 128 levels (serde_json's recursion limit)".to_owned(),
        };
    }
    match err.classify() {
        serde_json::error::Category::Eof => BomError::Syntax {
            file: file.to_owned(),
            format: "JSON",
            line,
            column,
            reason: format!("the document is truncated ({reason})"),
            src: named_source(file, text),
            span: span_at(text, offset),
        },
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => BomError::Syntax {
            file: file.to_owned(),
            format: "JSON",
            line,
            column,
            reason,
            src: named_source(file, text),
            span: span_at(text, offset),
        },
        serde_json::error::Category::Data => {
            if place == "/" && reason.contains("expected struct") {
                return BomError::NotCycloneDx {
                    file: file.to_owned(),
                    reason: format!("the top level is not a JSON object ({reason})"),
                };
            }
            BomError::InvalidValue {
                file: file.to_owned(),
                place,
                line,
                column,
                reason,
                src: named_source(file, text),
                span: span_at(text, offset.saturating_sub(1)),
            }
        }
    }
}

/// Renders a serde_path_to_error path as a JSON pointer (RFC 6901).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

// ---- conversion to the public model ----

fn convert(raw: RawBom, spec_version: SpecVersion) -> Bom {
    let mut flattener = Flattener::default();
    let mut metadata_children = Vec::new();
    let metadata_component = raw.metadata.and_then(|m| m.component).map(|mut component| {
        if let Some(Components(children)) = component.components.take() {
            metadata_children = children;
        }
        Flattener::convert_one(into_fields(component), None)
    });
    if let Some(Components(list)) = raw.components {
        flattener.reserve(list.len() + metadata_children.len());
        for component in list {
            flatten_into(&mut flattener, component, None);
        }
    }
    // Sub-components of metadata.component (cdxgen's modules) are components of the BOM too;
    // they come after the main list and have no parent in it.
    for component in metadata_children {
        flatten_into(&mut flattener, component, None);
    }

    let dependencies = raw
        .dependencies
        .unwrap_or_default()
        .into_iter()
        .map(|d| Dependency {
            bom_ref: d.reference,
            depends_on: d.depends_on.unwrap_or_default(),
        })
        .collect();

    let vulnerability_data = raw.vulnerabilities.is_some();
    let vulnerabilities = raw
        .vulnerabilities
        .unwrap_or_default()
        .into_iter()
        .map(convert_vulnerability)
        .collect();

    Bom {
        spec_version,
        serial_number: raw.serial_number,
        metadata_component,
        components: flattener.into_components(),
        dependencies,
        vulnerabilities,
        vulnerability_data,
    }
}

/// Flattens a component and its descendants depth-first without recursion on the Rust stack
/// beyond what serde already bounded.
fn flatten_into(flattener: &mut Flattener, component: RawComponent, parent: Option<usize>) {
    let mut stack: Vec<(RawComponent, Option<usize>)> = vec![(component, parent)];
    while let Some((mut c, parent)) = stack.pop() {
        let children = c.components.take();
        let index = flattener.push(into_fields(c), parent);
        if let Some(Components(children)) = children {
            // Reverse so the first child is visited first (depth-first, document order).
            for child in children.into_iter().rev() {
                stack.push((child, Some(index)));
            }
        }
    }
}

fn into_fields(c: RawComponent) -> RawComponentFields {
    let licenses = c
        .licenses
        .unwrap_or_default()
        .into_iter()
        .filter_map(|choice| match (choice.license, choice.expression) {
            (_, Some(expression)) => Some(License::Expression(expression)),
            (Some(RawLicense { id: Some(id), .. }), None) => Some(License::Id(id)),
            (
                Some(RawLicense {
                    name: Some(name), ..
                }),
                None,
            ) => Some(License::Name(name)),
            // Neither id, name nor expression: nothing a policy could match on.
            _ => None,
        })
        .collect();
    let hashes = c
        .hashes
        .unwrap_or_default()
        .into_iter()
        .map(|h| Hash {
            alg: h.alg,
            content: h.content,
        })
        .collect();
    let model_card = c.model_card.map(|card| {
        let params = card.model_parameters;
        ModelCard {
            task: params.as_ref().and_then(|p| p.task.clone()),
            architecture_family: params.as_ref().and_then(|p| p.architecture_family.clone()),
            datasets: params
                .and_then(|p| p.datasets)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|d| d.reference.or(d.name))
                .collect(),
            metrics: card
                .quantitative_analysis
                .and_then(|q| q.performance_metrics)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| {
                    m.kind.map(|kind| PerformanceMetric {
                        kind,
                        value: m.value,
                        slice: m.slice,
                        confidence_interval: m.confidence_interval.map(|ci| ConfidenceInterval {
                            lower_bound: ci.lower_bound,
                            upper_bound: ci.upper_bound,
                        }),
                    })
                })
                .collect(),
            has_considerations: card.considerations.is_some(),
            considerations: card.considerations.map(|c| Considerations {
                users: c.users.unwrap_or_default(),
                use_cases: c.use_cases.unwrap_or_default(),
                technical_limitations: c.technical_limitations.unwrap_or_default(),
                performance_tradeoffs: c.performance_tradeoffs.unwrap_or_default(),
                ethical_considerations: c
                    .ethical_considerations
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| Risk {
                        name: r.name,
                        mitigation_strategy: r.mitigation_strategy,
                    })
                    .collect(),
                fairness_assessments: c
                    .fairness_assessments
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| FairnessAssessment {
                        group_at_risk: f.group_at_risk,
                        benefits: f.benefits,
                        harms: f.harms,
                        mitigation_strategy: f.mitigation_strategy,
                    })
                    .collect(),
            }),
            properties: card
                .properties
                .unwrap_or_default()
                .into_iter()
                .map(|p| Property {
                    name: p.name,
                    value: p.value,
                })
                .collect(),
        }
    });
    let data = c
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|d| ComponentData {
            kind: d.kind.unwrap_or_default(),
            name: d.name,
            classification: d.classification,
            sensitive_data: d.sensitive_data.unwrap_or_default(),
            governance: d
                .governance
                .map(|g| Governance {
                    owners: parties(g.owners),
                    custodians: parties(g.custodians),
                    stewards: parties(g.stewards),
                })
                .unwrap_or_default(),
        })
        .collect();
    RawComponentFields {
        bom_ref: c.bom_ref,
        kind: c.kind,
        group: c.group,
        name: c.name,
        version: c.version,
        purl: c.purl,
        licenses,
        hashes,
        model_card,
        data,
    }
}

fn parties(list: Option<Vec<RawParty>>) -> Vec<String> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            p.organization
                .and_then(|o| o.name)
                .or_else(|| p.contact.and_then(|c| c.name.or(c.email)))
        })
        .collect()
}

fn convert_vulnerability(v: RawVulnerability) -> Vulnerability {
    Vulnerability {
        id: v.id.unwrap_or_default(),
        source: v.source.and_then(|s| s.name.or(s.url)),
        ratings: v
            .ratings
            .unwrap_or_default()
            .into_iter()
            .map(|r| Rating {
                severity: r.severity.map(|s| s.0),
                score: r.score,
                method: r.method,
            })
            .collect(),
        affects: v
            .affects
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.reference)
            .collect(),
        analysis: v.analysis.map(|a| Analysis {
            state: a.state.map(|s| s.0),
            justification: a.justification,
        }),
    }
}

/// A severity string, checked while deserializing so a bad value is reported with its path.
struct SeverityField(Severity);

impl<'de> Deserialize<'de> for SeverityField {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Severity::from_cyclonedx(&text)
            .map(SeverityField)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "unknown severity \"{text}\" (expected one of {})",
                    Severity::EXPECTED
                ))
            })
    }
}

/// A VEX analysis state, checked while deserializing.
struct StateField(AnalysisState);

impl<'de> Deserialize<'de> for StateField {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        AnalysisState::from_cyclonedx(&text)
            .map(StateField)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "unknown analysis state \"{text}\" (expected one of {})",
                    AnalysisState::EXPECTED
                ))
            })
    }
}
