//! CycloneDX XML, read with quick-xml's pull parser. Only elements in the document's CycloneDX
//! namespace are interpreted; everything else (extensions, fields we do not use) is skipped
//! iteratively. The only recursion is components-in-components, bounded by
//! [`Limits::max_depth`](crate::Limits::max_depth); overall element depth is bounded too.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::error::{line_column, named_source, span_at};
use crate::flatten::{Flattener, RawComponentFields};
use crate::model::*;
use crate::{BomError, Limits};

/// Deepest element nesting accepted, whatever the elements are.
const MAX_ELEMENT_DEPTH: usize = 256;

const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

/// Parses a CycloneDX XML document.
pub(crate) fn parse(text: &str, file: &str, limits: &Limits) -> Result<Bom, BomError> {
    let mut parser = Parser {
        reader: NsReader::from_str(text),
        text,
        file,
        limits,
        namespace: String::new(),
        path: Vec::new(),
        component_count: 0,
        component_depth: 0,
    };
    parser.bom()
}

/// An element start: its local name, whether it is in the CycloneDX namespace, its attributes,
/// and whether it is empty (`<x/>`, so there is nothing inside to read or skip).
struct Element<'a> {
    name: String,
    ours: bool,
    start: BytesStart<'a>,
    empty: bool,
}

struct Parser<'a, 'l> {
    reader: NsReader<&'a [u8]>,
    text: &'a str,
    file: &'a str,
    limits: &'l Limits,
    /// `http://cyclonedx.org/schema/bom/1.x` as declared by the root.
    namespace: String,
    /// Local names of the open elements, for error messages.
    path: Vec<String>,
    component_count: usize,
    component_depth: usize,
}

impl<'a> Parser<'a, '_> {
    // ---- errors ----

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn place(&self) -> String {
        let mut out = String::new();
        for name in &self.path {
            out.push('/');
            out.push_str(name);
        }
        if out.is_empty() { "/".to_owned() } else { out }
    }

    fn syntax(&self, offset: usize, reason: String) -> BomError {
        let (line, column) = line_column(self.text, offset);
        BomError::Syntax {
            file: self.file.to_owned(),
            format: "XML",
            line,
            column,
            reason,
            src: named_source(self.file, self.text),
            span: span_at(self.text, offset),
        }
    }

    fn invalid(&self, reason: String) -> BomError {
        let offset = self.position();
        let (line, column) = line_column(self.text, offset);
        BomError::InvalidValue {
            file: self.file.to_owned(),
            place: self.place(),
            line,
            column,
            reason,
            src: named_source(self.file, self.text),
            span: span_at(self.text, offset.saturating_sub(1)),
        }
    }

    fn too_deep(&self, reason: String) -> BomError {
        let (line, column) = line_column(self.text, self.position());
        BomError::TooDeep {
            file: self.file.to_owned(),
            place: self.place(),
            line,
            column,
            reason,
        }
    }

    // ---- events ----

    /// The next event that matters, with namespace resolved; keeps `path` in step.
    fn next(&mut self) -> Result<(bool, Event<'a>), BomError> {
        loop {
            let (resolved, event) = match self.reader.read_resolved_event() {
                Ok(pair) => pair,
                Err(err) => {
                    let offset =
                        usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                    return Err(self.syntax(offset, err.to_string()));
                }
            };
            let ours = matches!(resolved, ResolveResult::Bound(ns) if ns.0 == self.namespace);
            match event {
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => continue,
                Event::Start(ref start) => {
                    if self.path.len() >= MAX_ELEMENT_DEPTH {
                        return Err(self.too_deep(format!(
                            "XML elements are nested more than {MAX_ELEMENT_DEPTH} levels deep"
                        )));
                    }
                    let name = local_name(start);
                    self.path.push(name);
                    return Ok((ours, event));
                }
                Event::End(_) => {
                    self.path.pop();
                    return Ok((ours, event));
                }
                _ => return Ok((ours, event)),
            }
        }
    }

    /// The next child element of the element just opened, or `None` at its end tag. Text
    /// between children is ignored.
    fn next_child(&mut self) -> Result<Option<Element<'a>>, BomError> {
        loop {
            let (ours, event) = self.next()?;
            match event {
                Event::Start(start) => {
                    return Ok(Some(Element {
                        name: local_name(&start),
                        ours,
                        start,
                        empty: false,
                    }));
                }
                Event::Empty(start) => {
                    return Ok(Some(Element {
                        name: local_name(&start),
                        ours,
                        start,
                        empty: true,
                    }));
                }
                Event::End(_) => return Ok(None),
                Event::Eof => {
                    return Err(self.syntax(
                        self.text.len(),
                        "the document is truncated (unexpected end of file)".to_owned(),
                    ));
                }
                _ => continue,
            }
        }
    }

    /// Skips the content of an element without recursion.
    fn skip(&mut self, element: &Element<'a>) -> Result<(), BomError> {
        if element.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        while depth > 0 {
            let (_, event) = self.next()?;
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => {
                    return Err(self.syntax(
                        self.text.len(),
                        "the document is truncated (unexpected end of file)".to_owned(),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The text content of a leaf element (entities resolved, whitespace trimmed). Child
    /// elements inside it are skipped.
    fn text(&mut self, element: &Element<'a>) -> Result<String, BomError> {
        let mut out = String::new();
        if element.empty {
            return Ok(out);
        }
        loop {
            let (ours, event) = self.next()?;
            match event {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(c) => out.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                                .map(str::to_owned)
                        }
                        Err(err) => return Err(self.invalid(err.to_string())),
                    };
                    match resolved {
                        Some(text) => out.push_str(&text),
                        None => {
                            return Err(
                                self.invalid(format!("unknown entity &{};", r.xml10_content()))
                            );
                        }
                    }
                }
                Event::Start(start) => {
                    let child = Element {
                        name: local_name(&start),
                        ours,
                        start,
                        empty: false,
                    };
                    self.skip(&child)?;
                }
                Event::End(_) => break,
                Event::Eof => {
                    return Err(self.syntax(
                        self.text.len(),
                        "the document is truncated (unexpected end of file)".to_owned(),
                    ));
                }
                _ => {}
            }
        }
        Ok(out.trim().to_owned())
    }

    fn attribute(&self, element: &Element<'a>, name: &str) -> Result<Option<String>, BomError> {
        for attr in element.start.attributes() {
            let attr = attr.map_err(|err| self.syntax(self.position(), err.to_string()))?;
            if attr.key.local_name().into_inner() == name && attr.key.prefix().is_none() {
                let value = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|err| self.invalid(format!("attribute {name}: {err}")))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    // ---- the document ----

    fn bom(&mut self) -> Result<Bom, BomError> {
        // Find the root element.
        let root = loop {
            let event = match self.reader.read_resolved_event() {
                Ok((resolved, event)) => {
                    let ns = match resolved {
                        ResolveResult::Bound(ns) => Some(ns.0.to_owned()),
                        _ => None,
                    };
                    (ns, event)
                }
                Err(err) => {
                    let offset =
                        usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                    return Err(self.syntax(offset, err.to_string()));
                }
            };
            match event {
                (ns, Event::Start(start)) => break (ns, start, false),
                (ns, Event::Empty(start)) => break (ns, start, true),
                (_, Event::Eof) => {
                    return Err(BomError::NotCycloneDx {
                        file: self.file.to_owned(),
                        reason: "the XML document has no root element".to_owned(),
                    });
                }
                (_, Event::Text(t)) if !t.xml10_content().trim().is_empty() => {
                    return Err(BomError::NotCycloneDx {
                        file: self.file.to_owned(),
                        reason: "text before the root element".to_owned(),
                    });
                }
                _ => continue,
            }
        };
        let (namespace, start, empty) = root;
        let name = local_name(&start);
        if name != "bom" {
            return Err(BomError::NotCycloneDx {
                file: self.file.to_owned(),
                reason: format!("the root element is <{name}>, not <bom>"),
            });
        }
        let Some(namespace) = namespace else {
            return Err(BomError::NotCycloneDx {
                file: self.file.to_owned(),
                reason: "the <bom> element has no namespace".to_owned(),
            });
        };
        let Some(version) = namespace.strip_prefix(NAMESPACE_PREFIX) else {
            return Err(BomError::NotCycloneDx {
                file: self.file.to_owned(),
                reason: format!("the <bom> namespace is {namespace}, not {NAMESPACE_PREFIX}1.x"),
            });
        };
        let spec_version =
            SpecVersion::from_version_str(version).ok_or_else(|| BomError::UnsupportedVersion {
                file: self.file.to_owned(),
                version: version.to_owned(),
            })?;
        self.namespace = namespace.clone();
        self.path.push("bom".to_owned());
        let root = Element {
            name: "bom".to_owned(),
            ours: true,
            start,
            empty,
        };
        let serial_number = self.attribute(&root, "serialNumber")?;

        let mut flattener = Flattener::default();
        let mut metadata_component = None;
        let mut metadata_children = Vec::new();
        let mut dependencies = Vec::new();
        let mut vulnerabilities = Vec::new();
        let mut vulnerability_data = false;
        if !empty {
            while let Some(child) = self.next_child()? {
                match (child.ours, child.name.as_str()) {
                    (true, "metadata") if !child.empty => {
                        while let Some(meta) = self.next_child()? {
                            if meta.ours && meta.name == "component" {
                                // Its sub-components go to a separate list, appended after the
                                // main components (as the JSON reader does).
                                let mut side = Flattener::default();
                                let index = self.component(&meta, &mut side, None)?;
                                let mut list = side.into_components();
                                let top = list.remove(index);
                                for mut c in list {
                                    c.parent = c.parent.and_then(|p| p.checked_sub(1));
                                    metadata_children.push(c);
                                }
                                metadata_component = Some(Component {
                                    parent: None,
                                    ..top
                                });
                            } else {
                                self.skip(&meta)?;
                            }
                        }
                    }
                    (true, "components") => self.components(&child, &mut flattener, None)?,
                    (true, "dependencies") => self.dependencies(&child, &mut dependencies)?,
                    (true, "vulnerabilities") => {
                        vulnerability_data = true;
                        self.vulnerabilities(&child, &mut vulnerabilities)?
                    }
                    _ => self.skip(&child)?,
                }
            }
        }
        let mut components = flattener.into_components();
        let base = components.len();
        for mut c in metadata_children {
            // Parents inside the metadata list move by the length of the main list.
            c.parent = c.parent.map(|p| p + base);
            components.push(c);
        }
        Ok(Bom {
            spec_version,
            serial_number,
            metadata_component,
            components,
            dependencies,
            vulnerabilities,
            vulnerability_data,
        })
    }

    fn components(
        &mut self,
        element: &Element<'a>,
        out: &mut Flattener,
        parent: Option<usize>,
    ) -> Result<(), BomError> {
        if element.empty {
            return Ok(());
        }
        self.component_depth += 1;
        if self.component_depth > self.limits.max_depth {
            return Err(self.too_deep(format!(
                "components are nested more than {} levels deep",
                self.limits.max_depth
            )));
        }
        while let Some(child) = self.next_child()? {
            if child.ours && child.name == "component" {
                self.component_count += 1;
                if self.component_count > self.limits.max_components {
                    let (line, column) = line_column(self.text, self.position());
                    return Err(BomError::TooManyComponents {
                        file: self.file.to_owned(),
                        place: self.place(),
                        line,
                        column,
                        limit: self.limits.max_components,
                    });
                }
                self.component(&child, out, parent)?;
            } else {
                self.skip(&child)?;
            }
        }
        self.component_depth -= 1;
        Ok(())
    }

    /// Reads one `<component>`; pushes it, then its nested components, and returns its index.
    fn component(
        &mut self,
        element: &Element<'a>,
        out: &mut Flattener,
        parent: Option<usize>,
    ) -> Result<usize, BomError> {
        let kind = self.attribute(element, "type")?.unwrap_or_default();
        let bom_ref = self.attribute(element, "bom-ref")?;
        let mut fields = RawComponentFields {
            bom_ref,
            kind,
            group: None,
            name: String::new(),
            version: None,
            purl: None,
            licenses: Vec::new(),
            hashes: Vec::new(),
            model_card: None,
            data: Vec::new(),
        };
        // Nested components must come after their parent in the flat list, but the XML may put
        // <components> before other fields; so the parent is pushed first with a placeholder.
        let index = out.push(
            RawComponentFields {
                bom_ref: None,
                kind: String::new(),
                group: None,
                name: String::new(),
                version: None,
                purl: None,
                licenses: Vec::new(),
                hashes: Vec::new(),
                model_card: None,
                data: Vec::new(),
            },
            parent,
        );
        if !element.empty {
            while let Some(child) = self.next_child()? {
                if !child.ours {
                    self.skip(&child)?;
                    continue;
                }
                match child.name.as_str() {
                    "group" => fields.group = Some(self.text(&child)?),
                    "name" => fields.name = self.text(&child)?,
                    "version" => fields.version = Some(self.text(&child)?),
                    "purl" => fields.purl = Some(self.text(&child)?),
                    "licenses" => fields.licenses = self.licenses(&child)?,
                    "hashes" => fields.hashes = self.hashes(&child)?,
                    "modelCard" => fields.model_card = Some(self.model_card(&child)?),
                    "data" => fields.data = self.data(&child)?,
                    "components" => self.components(&child, out, Some(index))?,
                    _ => self.skip(&child)?,
                }
            }
        }
        if fields.name.is_empty() {
            return Err(self.invalid("a <component> has no <name>".to_owned()));
        }
        if fields.kind.is_empty() {
            return Err(self.invalid(format!(
                "component \"{}\" has no type attribute",
                fields.name
            )));
        }
        out.replace(index, fields);
        Ok(index)
    }

    fn licenses(&mut self, element: &Element<'a>) -> Result<Vec<License>, BomError> {
        let mut out = Vec::new();
        if element.empty {
            return Ok(out);
        }
        while let Some(child) = self.next_child()? {
            match (child.ours, child.name.as_str()) {
                (true, "expression") => out.push(License::Expression(self.text(&child)?)),
                (true, "license") => {
                    let mut id = None;
                    let mut name = None;
                    if !child.empty {
                        while let Some(field) = self.next_child()? {
                            match (field.ours, field.name.as_str()) {
                                (true, "id") => id = Some(self.text(&field)?),
                                (true, "name") => name = Some(self.text(&field)?),
                                _ => self.skip(&field)?,
                            }
                        }
                    }
                    if let Some(id) = id {
                        out.push(License::Id(id));
                    } else if let Some(name) = name {
                        out.push(License::Name(name));
                    }
                }
                _ => self.skip(&child)?,
            }
        }
        Ok(out)
    }

    fn hashes(&mut self, element: &Element<'a>) -> Result<Vec<Hash>, BomError> {
        let mut out = Vec::new();
        if element.empty {
            return Ok(out);
        }
        while let Some(child) = self.next_child()? {
            if child.ours && child.name == "hash" {
                let alg = self.attribute(&child, "alg")?.unwrap_or_default();
                let content = self.text(&child)?;
                out.push(Hash { alg, content });
            } else {
                self.skip(&child)?;
            }
        }
        Ok(out)
    }

    fn model_card(&mut self, element: &Element<'a>) -> Result<ModelCard, BomError> {
        let mut card = ModelCard::default();
        if element.empty {
            return Ok(card);
        }
        while let Some(child) = self.next_child()? {
            match (child.ours, child.name.as_str()) {
                (true, "modelParameters") if !child.empty => {
                    while let Some(param) = self.next_child()? {
                        match (param.ours, param.name.as_str()) {
                            (true, "task") => card.task = Some(self.text(&param)?),
                            (true, "architectureFamily") => {
                                card.architecture_family = Some(self.text(&param)?)
                            }
                            (true, "datasets") if !param.empty => {
                                while let Some(dataset) = self.next_child()? {
                                    match (dataset.ours, dataset.name.as_str()) {
                                        // <ref> directly, or a <dataset> holding <ref>/<name>.
                                        (true, "ref") => card.datasets.push(self.text(&dataset)?),
                                        (true, "dataset") => {
                                            let data = self.component_data(&dataset)?;
                                            if let Some(name) = data.1.or(data.0.name) {
                                                card.datasets.push(name);
                                            }
                                        }
                                        _ => self.skip(&dataset)?,
                                    }
                                }
                            }
                            _ => self.skip(&param)?,
                        }
                    }
                }
                (true, "quantitativeAnalysis") if !child.empty => {
                    while let Some(part) = self.next_child()? {
                        if part.ours && part.name == "performanceMetrics" && !part.empty {
                            while let Some(metric) = self.next_child()? {
                                if metric.ours && metric.name == "performanceMetric" {
                                    if let Some(m) = self.metric(&metric)? {
                                        card.metrics.push(m);
                                    }
                                } else {
                                    self.skip(&metric)?;
                                }
                            }
                        } else {
                            self.skip(&part)?;
                        }
                    }
                }
                (true, "considerations") => {
                    card.has_considerations = true;
                    card.considerations = Some(self.considerations(&child)?);
                }
                (true, "properties") if !child.empty => {
                    while let Some(property) = self.next_child()? {
                        if property.ours && property.name == "property" {
                            let name = self.attribute(&property, "name")?.unwrap_or_default();
                            let value = self.text(&property)?;
                            card.properties.push(Property {
                                name,
                                value: Some(value),
                            });
                        } else {
                            self.skip(&property)?;
                        }
                    }
                }
                _ => self.skip(&child)?,
            }
        }
        Ok(card)
    }

    fn metric(&mut self, element: &Element<'a>) -> Result<Option<PerformanceMetric>, BomError> {
        let (mut kind, mut value, mut slice, mut interval) = (None, None, None, None);
        if !element.empty {
            while let Some(field) = self.next_child()? {
                match (field.ours, field.name.as_str()) {
                    (true, "type") => kind = Some(self.text(&field)?),
                    (true, "value") => value = Some(self.text(&field)?),
                    (true, "slice") => slice = Some(self.text(&field)?),
                    (true, "confidenceInterval") => {
                        let mut bounds = ConfidenceInterval::default();
                        if !field.empty {
                            while let Some(bound) = self.next_child()? {
                                match (bound.ours, bound.name.as_str()) {
                                    (true, "lowerBound") => {
                                        bounds.lower_bound = Some(self.text(&bound)?)
                                    }
                                    (true, "upperBound") => {
                                        bounds.upper_bound = Some(self.text(&bound)?)
                                    }
                                    _ => self.skip(&bound)?,
                                }
                            }
                        }
                        interval = Some(bounds);
                    }
                    _ => self.skip(&field)?,
                }
            }
        }
        Ok(kind.map(|kind| PerformanceMetric {
            kind,
            value,
            slice,
            confidence_interval: interval,
        }))
    }

    /// `<considerations>`: lists of texts, ethical considerations and fairness assessments.
    fn considerations(&mut self, element: &Element<'a>) -> Result<Considerations, BomError> {
        let mut out = Considerations::default();
        if element.empty {
            return Ok(out);
        }
        while let Some(list) = self.next_child()? {
            let (target, item) = match (list.ours, list.name.as_str()) {
                (true, "users") => (Some(&mut out.users), "user"),
                (true, "useCases") => (Some(&mut out.use_cases), "useCase"),
                (true, "technicalLimitations") => {
                    (Some(&mut out.technical_limitations), "technicalLimitation")
                }
                (true, "performanceTradeoffs") => {
                    (Some(&mut out.performance_tradeoffs), "performanceTradeoff")
                }
                (true, "ethicalConsiderations") | (true, "fairnessAssessments") => (None, ""),
                _ => {
                    self.skip(&list)?;
                    continue;
                }
            };
            if list.empty {
                continue;
            }
            match target {
                Some(texts) => {
                    let mut found = Vec::new();
                    while let Some(entry) = self.next_child()? {
                        if entry.ours && entry.name == item {
                            found.push(self.text(&entry)?);
                        } else {
                            self.skip(&entry)?;
                        }
                    }
                    texts.extend(found);
                }
                None => {
                    let ethical = list.name == "ethicalConsiderations";
                    while let Some(entry) = self.next_child()? {
                        let wanted = if ethical {
                            "ethicalConsideration"
                        } else {
                            "fairnessAssessment"
                        };
                        if !(entry.ours && entry.name == wanted) || entry.empty {
                            self.skip(&entry)?;
                            continue;
                        }
                        let mut fields: Vec<(String, String)> = Vec::new();
                        while let Some(field) = self.next_child()? {
                            if field.ours {
                                let text = self.text(&field)?;
                                fields.push((field.name.clone(), text));
                            } else {
                                self.skip(&field)?;
                            }
                        }
                        let get = |name: &str| {
                            fields
                                .iter()
                                .find(|(field, _)| field == name)
                                .map(|(_, text)| text.clone())
                        };
                        if ethical {
                            out.ethical_considerations.push(Risk {
                                name: get("name"),
                                mitigation_strategy: get("mitigationStrategy"),
                            });
                        } else {
                            out.fairness_assessments.push(FairnessAssessment {
                                group_at_risk: get("groupAtRisk"),
                                benefits: get("benefits"),
                                harms: get("harms"),
                                mitigation_strategy: get("mitigationStrategy"),
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// `<data>` of a component: either a list of `<dataset>`-like entries, or (as some
    /// producers write it) the entry's fields directly.
    fn data(&mut self, element: &Element<'a>) -> Result<Vec<ComponentData>, BomError> {
        let mut out = Vec::new();
        if element.empty {
            return Ok(out);
        }
        let mut direct = ComponentData::default();
        let mut has_direct = false;
        while let Some(child) = self.next_child()? {
            if !child.ours {
                self.skip(&child)?;
                continue;
            }
            if self.data_field(&child, &mut direct)? {
                has_direct = true;
            } else if !child.empty {
                out.push(self.component_data(&child)?.0);
            }
        }
        if has_direct {
            out.insert(0, direct);
        }
        Ok(out)
    }

    /// Reads one data entry; also returns its `<ref>` if it is a reference.
    fn component_data(
        &mut self,
        element: &Element<'a>,
    ) -> Result<(ComponentData, Option<String>), BomError> {
        let mut data = ComponentData::default();
        let mut reference = None;
        if element.empty {
            return Ok((data, reference));
        }
        while let Some(field) = self.next_child()? {
            if field.ours && field.name == "ref" {
                reference = Some(self.text(&field)?);
            } else if !field.ours || !self.data_field(&field, &mut data)? {
                self.skip(&field)?;
            }
        }
        Ok((data, reference))
    }

    /// Reads `field` into `data` if it is one of the data entry's fields we use.
    fn data_field(
        &mut self,
        field: &Element<'a>,
        data: &mut ComponentData,
    ) -> Result<bool, BomError> {
        match field.name.as_str() {
            "type" => data.kind = self.text(field)?,
            "name" => data.name = Some(self.text(field)?),
            "classification" => data.classification = Some(self.text(field)?),
            "sensitiveData" => data.sensitive_data.push(self.text(field)?),
            "governance" => data.governance = self.governance(field)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn governance(&mut self, element: &Element<'a>) -> Result<Governance, BomError> {
        let mut governance = Governance::default();
        if element.empty {
            return Ok(governance);
        }
        while let Some(group) = self.next_child()? {
            let target = match (group.ours, group.name.as_str()) {
                (true, "owners") => &mut governance.owners,
                (true, "custodians") => &mut governance.custodians,
                (true, "stewards") => &mut governance.stewards,
                _ => {
                    self.skip(&group)?;
                    continue;
                }
            };
            let mut names = Vec::new();
            if !group.empty {
                // <owners><owner><organization><name>… or <owners><organization><name>…
                while let Some(party) = self.next_child()? {
                    match (party.ours, party.name.as_str()) {
                        (true, "organization" | "contact") => {
                            if let Some(name) = self.party_name(&party)? {
                                names.push(name);
                            }
                        }
                        (true, _) if !party.empty => {
                            while let Some(inner) = self.next_child()? {
                                if inner.ours
                                    && matches!(inner.name.as_str(), "organization" | "contact")
                                {
                                    if let Some(name) = self.party_name(&inner)? {
                                        names.push(name);
                                    }
                                } else {
                                    self.skip(&inner)?;
                                }
                            }
                        }
                        _ => self.skip(&party)?,
                    }
                }
            }
            target.extend(names);
        }
        Ok(governance)
    }

    fn party_name(&mut self, element: &Element<'a>) -> Result<Option<String>, BomError> {
        let (mut name, mut email) = (None, None);
        if !element.empty {
            while let Some(field) = self.next_child()? {
                match (field.ours, field.name.as_str()) {
                    (true, "name") => name = Some(self.text(&field)?),
                    (true, "email") => email = Some(self.text(&field)?),
                    _ => self.skip(&field)?,
                }
            }
        }
        Ok(name.or(email))
    }

    fn dependencies(
        &mut self,
        element: &Element<'a>,
        out: &mut Vec<Dependency>,
    ) -> Result<(), BomError> {
        if element.empty {
            return Ok(());
        }
        while let Some(child) = self.next_child()? {
            if !(child.ours && child.name == "dependency") {
                self.skip(&child)?;
                continue;
            }
            let Some(bom_ref) = self.attribute(&child, "ref")? else {
                return Err(self.invalid("a <dependency> has no ref attribute".to_owned()));
            };
            let mut depends_on = Vec::new();
            if !child.empty {
                while let Some(inner) = self.next_child()? {
                    if inner.ours && inner.name == "dependency" {
                        match self.attribute(&inner, "ref")? {
                            Some(target) => depends_on.push(target),
                            None => {
                                return Err(self.invalid(
                                    "a nested <dependency> has no ref attribute".to_owned(),
                                ));
                            }
                        }
                    }
                    // Deeper nesting is not part of the schema; skip whatever is inside.
                    self.skip(&inner)?;
                }
            }
            out.push(Dependency {
                bom_ref,
                depends_on,
            });
        }
        Ok(())
    }

    fn vulnerabilities(
        &mut self,
        element: &Element<'a>,
        out: &mut Vec<Vulnerability>,
    ) -> Result<(), BomError> {
        if element.empty {
            return Ok(());
        }
        while let Some(child) = self.next_child()? {
            if child.ours && child.name == "vulnerability" {
                let v = self.vulnerability(&child)?;
                out.push(v);
            } else {
                self.skip(&child)?;
            }
        }
        Ok(())
    }

    fn vulnerability(&mut self, element: &Element<'a>) -> Result<Vulnerability, BomError> {
        let mut v = Vulnerability {
            id: String::new(),
            source: None,
            ratings: Vec::new(),
            affects: Vec::new(),
            analysis: None,
        };
        if element.empty {
            return Ok(v);
        }
        while let Some(child) = self.next_child()? {
            match (child.ours, child.name.as_str()) {
                (true, "id") => v.id = self.text(&child)?,
                (true, "source") => {
                    let (name, url) = self.source(&child)?;
                    v.source = name.or(url);
                }
                (true, "ratings") if !child.empty => {
                    while let Some(rating) = self.next_child()? {
                        if rating.ours && rating.name == "rating" {
                            let r = self.rating(&rating)?;
                            v.ratings.push(r);
                        } else {
                            self.skip(&rating)?;
                        }
                    }
                }
                (true, "affects") if !child.empty => {
                    while let Some(target) = self.next_child()? {
                        if target.ours && target.name == "target" && !target.empty {
                            while let Some(field) = self.next_child()? {
                                if field.ours && field.name == "ref" {
                                    v.affects.push(self.text(&field)?);
                                } else {
                                    self.skip(&field)?;
                                }
                            }
                        } else {
                            self.skip(&target)?;
                        }
                    }
                }
                (true, "analysis") if !child.empty => {
                    let mut analysis = Analysis {
                        state: None,
                        justification: None,
                    };
                    while let Some(field) = self.next_child()? {
                        match (field.ours, field.name.as_str()) {
                            (true, "state") => {
                                let text = self.text(&field)?;
                                analysis.state = Some(
                                    AnalysisState::from_cyclonedx(&text).ok_or_else(|| {
                                        self.invalid(format!(
                                        "unknown analysis state \"{text}\" (expected one of {})",
                                        AnalysisState::EXPECTED
                                    ))
                                    })?,
                                );
                            }
                            (true, "justification") => {
                                analysis.justification = Some(self.text(&field)?)
                            }
                            _ => self.skip(&field)?,
                        }
                    }
                    v.analysis = Some(analysis);
                }
                _ => self.skip(&child)?,
            }
        }
        Ok(v)
    }

    fn source(
        &mut self,
        element: &Element<'a>,
    ) -> Result<(Option<String>, Option<String>), BomError> {
        let (mut name, mut url) = (None, None);
        if !element.empty {
            while let Some(field) = self.next_child()? {
                match (field.ours, field.name.as_str()) {
                    (true, "name") => name = Some(self.text(&field)?),
                    (true, "url") => url = Some(self.text(&field)?),
                    _ => self.skip(&field)?,
                }
            }
        }
        Ok((name, url))
    }

    fn rating(&mut self, element: &Element<'a>) -> Result<Rating, BomError> {
        let mut rating = Rating {
            severity: None,
            score: None,
            method: None,
        };
        if element.empty {
            return Ok(rating);
        }
        while let Some(field) = self.next_child()? {
            match (field.ours, field.name.as_str()) {
                (true, "severity") => {
                    let text = self.text(&field)?;
                    rating.severity = Some(Severity::from_cyclonedx(&text).ok_or_else(|| {
                        self.invalid(format!(
                            "unknown severity \"{text}\" (expected one of {})",
                            Severity::EXPECTED
                        ))
                    })?);
                }
                (true, "score") => {
                    let text = self.text(&field)?;
                    rating.score =
                        Some(text.parse::<f64>().map_err(|_| {
                            self.invalid(format!("score \"{text}\" is not a number"))
                        })?);
                }
                (true, "method") => rating.method = Some(self.text(&field)?),
                (true, "source") => {
                    self.skip(&field)?;
                }
                _ => self.skip(&field)?,
            }
        }
        Ok(rating)
    }
}

fn local_name(start: &BytesStart<'_>) -> String {
    start.local_name().into_inner().to_owned()
}
