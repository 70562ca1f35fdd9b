//! ONNX models (`ModelProto`), decoded from the protobuf wire format for just the fields that
//! matter: operator domains and external-data locations, everywhere they can hide (the main
//! graph, subgraphs in node attributes such as `If`/`Loop`/`Scan` bodies, model-local
//! functions, training graphs, sparse tensors).
//!
//! Field numbers, from onnx/onnx-ml.proto (onnx 1.23):
//!
//! | message | fields read |
//! | --- | --- |
//! | ModelProto | 7 graph, 8 opset_import, 20 training_info, 25 functions |
//! | OperatorSetIdProto | 1 domain |
//! | TrainingInfoProto | 1 initialization, 2 algorithm (graphs) |
//! | FunctionProto | 1 name, 7 node, 9 opset_import, 10 domain, 11 attribute_proto, 13 overload |
//! | GraphProto | 1 node, 5 initializer, 15 sparse_initializer |
//! | NodeProto | 3 name, 4 op_type, 5 attribute, 7 domain, 8 overload |
//! | AttributeProto | 1 name, 5 t, 6 g, 10 tensors, 11 graphs, 22 sparse_tensor, 23 sparse_tensors |
//! | SparseTensorProto | 1 values, 2 indices (tensors) |
//! | TensorProto | 8 name, 13 external_data |
//! | StringStringEntryProto | 1 key, 2 value |
//!
//! Singular fields take their last occurrence, as protobuf does; every `location` entry is
//! reported (loaders keep the last, a scanner must not guess which). A field with an
//! unexpected wire type is skipped, as protobuf treats it as unknown.

use std::collections::{BTreeMap, HashSet};

use crate::error::ModelFormatError;
use crate::protobuf::{LEN, Wire};
use crate::text::{leaves_folder, shown};
use crate::{FindingKind, Findings, Limits};

/// Operator domains defined by the ONNX standard (`""` is `ai.onnx`).
const STANDARD_DOMAINS: &[&[u8]] = &[
    b"",
    b"ai.onnx",
    b"ai.onnx.ml",
    b"ai.onnx.training",
    b"ai.onnx.preview.training",
];

/// An operator's identity: `(domain, op_type or function name, overload)`.
type OperatorId = (Vec<u8>, Vec<u8>, Vec<u8>);

/// A non-standard operator, with where it was first seen and how often.
struct CustomOp {
    location: String,
    count: u64,
}

/// What an ONNX walk found besides its findings: every external-data location, as written.
pub(crate) struct OnnxFacts {
    pub(crate) external_data: Vec<String>,
}

struct Walk<'w, 'p, 's, 'r, 'f> {
    wire: &'w mut Wire<'p, 's, 'r>,
    findings: &'f mut Findings,
    limits: &'w Limits,
    external_data: Vec<String>,
    /// Non-standard `(domain, op_type, overload)` used by nodes.
    custom_ops: BTreeMap<OperatorId, CustomOp>,
    /// Non-standard opset imports, with where they were seen.
    custom_opsets: Vec<(Vec<u8>, String)>,
    /// Model-local functions: `(domain, name, overload)`.
    functions: HashSet<OperatorId>,
}

/// Walks the `ModelProto` that fills the wire's source.
pub(crate) fn check_model(
    wire: &mut Wire<'_, '_, '_>,
    limits: &Limits,
    findings: &mut Findings,
) -> Result<OnnxFacts, ModelFormatError> {
    let mut walk = Walk {
        wire,
        findings,
        limits,
        external_data: Vec::new(),
        custom_ops: BTreeMap::new(),
        custom_opsets: Vec::new(),
        functions: HashSet::new(),
    };
    walk.model()?;
    walk.resolve();
    Ok(OnnxFacts {
        external_data: walk.external_data,
    })
}

fn is_standard(domain: &[u8]) -> bool {
    STANDARD_DOMAINS.contains(&domain)
}

impl Walk<'_, '_, '_, '_, '_> {
    fn model(&mut self) -> Result<(), ModelFormatError> {
        let end = self.wire.file_end();
        let (mut opsets, mut graphs, mut trainings, mut functions) = (0, 0, 0, 0);
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (7, LEN) => {
                    let path = if graphs == 0 {
                        "graph".to_owned()
                    } else {
                        format!("graph#{graphs}")
                    };
                    graphs += 1;
                    let graph_end = self.wire.len_end(end)?;
                    self.graph(graph_end, &path, 1)?;
                }
                (8, LEN) => {
                    let path = format!("opset_import[{opsets}]");
                    opsets += 1;
                    let opset_end = self.wire.len_end(end)?;
                    self.opset(opset_end, path)?;
                }
                (20, LEN) => {
                    let path = format!("training_info[{trainings}]");
                    trainings += 1;
                    let info_end = self.wire.len_end(end)?;
                    self.training_info(info_end, &path)?;
                }
                (25, LEN) => {
                    let path = format!("functions[{functions}]");
                    functions += 1;
                    let function_end = self.wire.len_end(end)?;
                    self.function(function_end, &path)?;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn opset(&mut self, end: u64, path: String) -> Result<(), ModelFormatError> {
        let mut domain = Vec::new();
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (1, LEN) => domain = self.wire.bytes(end)?,
                _ => self.wire.skip(wt, end)?,
            }
        }
        if !is_standard(&domain) {
            self.custom_opsets.push((domain, path));
        }
        Ok(())
    }

    fn training_info(&mut self, end: u64, path: &str) -> Result<(), ModelFormatError> {
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (1 | 2, LEN) => {
                    let name = if field == 1 {
                        "initialization"
                    } else {
                        "algorithm"
                    };
                    let graph_end = self.wire.len_end(end)?;
                    self.graph(graph_end, &format!("{path}/{name}"), 1)?;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn function(&mut self, end: u64, path: &str) -> Result<(), ModelFormatError> {
        let (mut name, mut domain, mut overload) = (Vec::new(), Vec::new(), Vec::new());
        let (mut nodes, mut opsets, mut attributes) = (0, 0, 0);
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (1, LEN) => name = self.wire.bytes(end)?,
                (10, LEN) => domain = self.wire.bytes(end)?,
                (13, LEN) => overload = self.wire.bytes(end)?,
                (7, LEN) => {
                    let node_end = self.wire.len_end(end)?;
                    self.node(node_end, format!("{path}/node[{nodes}]"), 1)?;
                    nodes += 1;
                }
                (9, LEN) => {
                    let opset_end = self.wire.len_end(end)?;
                    self.opset(opset_end, format!("{path}/opset_import[{opsets}]"))?;
                    opsets += 1;
                }
                (11, LEN) => {
                    let attribute_end = self.wire.len_end(end)?;
                    self.attribute(attribute_end, &format!("{path}/attribute[{attributes}]"), 1)?;
                    attributes += 1;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        self.functions.insert((domain, name, overload));
        Ok(())
    }

    fn graph(&mut self, end: u64, path: &str, depth: usize) -> Result<(), ModelFormatError> {
        if depth > self.limits.max_onnx_depth {
            return Err(self
                .wire
                .limit("nested graphs", self.limits.max_onnx_depth as u64));
        }
        let (mut nodes, mut initializers, mut sparse) = (0, 0, 0);
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (1, LEN) => {
                    let node_end = self.wire.len_end(end)?;
                    self.node(node_end, format!("{path}/node[{nodes}]"), depth)?;
                    nodes += 1;
                }
                (5, LEN) => {
                    let tensor_end = self.wire.len_end(end)?;
                    self.tensor(tensor_end, &format!("{path}/initializer[{initializers}]"))?;
                    initializers += 1;
                }
                (15, LEN) => {
                    let sparse_end = self.wire.len_end(end)?;
                    self.sparse_tensor(
                        sparse_end,
                        &format!("{path}/sparse_initializer[{sparse}]"),
                    )?;
                    sparse += 1;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn node(&mut self, end: u64, path: String, depth: usize) -> Result<(), ModelFormatError> {
        let (mut domain, mut op_type, mut overload, mut name) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut attributes = 0;
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (3, LEN) => name = self.wire.bytes(end)?,
                (4, LEN) => op_type = self.wire.bytes(end)?,
                (7, LEN) => domain = self.wire.bytes(end)?,
                (8, LEN) => overload = self.wire.bytes(end)?,
                (5, LEN) => {
                    let attribute_end = self.wire.len_end(end)?;
                    self.attribute(
                        attribute_end,
                        &format!("{path}/attribute[{attributes}]"),
                        depth,
                    )?;
                    attributes += 1;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        if !is_standard(&domain) {
            let location = if name.is_empty() {
                path
            } else {
                format!("{path} \"{}\"", shown(&name))
            };
            let key = (domain, op_type, overload);
            if let Some(op) = self.custom_ops.get_mut(&key) {
                op.count += 1;
            } else {
                if self.custom_ops.len() >= self.limits.max_onnx_custom_ops {
                    return Err(self.wire.limit(
                        "distinct custom operators",
                        self.limits.max_onnx_custom_ops as u64,
                    ));
                }
                self.custom_ops.insert(key, CustomOp { location, count: 1 });
            }
        }
        Ok(())
    }

    fn attribute(&mut self, end: u64, path: &str, depth: usize) -> Result<(), ModelFormatError> {
        // `{node}/{attribute name}`, or `{node}/attribute[i]` while the name is unknown (it
        // usually comes first, in field order, but need not).
        let mut name: Option<String> = None;
        let (mut tensors, mut graphs, mut sparse) = (0, 0, 0);
        while let Some((field, wt)) = self.wire.next_field(end)? {
            let here = match &name {
                Some(name) => {
                    let node = path.rsplit_once('/').map_or(path, |(node, _)| node);
                    format!("{node}/{name}")
                }
                None => path.to_owned(),
            };
            match (field, wt) {
                (1, LEN) => name = Some(shown(&self.wire.bytes(end)?)),
                (5, LEN) => {
                    let tensor_end = self.wire.len_end(end)?;
                    self.tensor(tensor_end, &here)?;
                }
                (10, LEN) => {
                    let tensor_end = self.wire.len_end(end)?;
                    self.tensor(tensor_end, &format!("{here}[{tensors}]"))?;
                    tensors += 1;
                }
                (6, LEN) => {
                    let graph_end = self.wire.len_end(end)?;
                    self.graph(graph_end, &here, depth + 1)?;
                }
                (11, LEN) => {
                    let graph_end = self.wire.len_end(end)?;
                    self.graph(graph_end, &format!("{here}[{graphs}]"), depth + 1)?;
                    graphs += 1;
                }
                (22, LEN) => {
                    let sparse_end = self.wire.len_end(end)?;
                    self.sparse_tensor(sparse_end, &here)?;
                }
                (23, LEN) => {
                    let sparse_end = self.wire.len_end(end)?;
                    self.sparse_tensor(sparse_end, &format!("{here}[{sparse}]"))?;
                    sparse += 1;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn sparse_tensor(&mut self, end: u64, path: &str) -> Result<(), ModelFormatError> {
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (1 | 2, LEN) => {
                    let part = if field == 1 { "values" } else { "indices" };
                    let tensor_end = self.wire.len_end(end)?;
                    self.tensor(tensor_end, &format!("{path}/{part}"))?;
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn tensor(&mut self, end: u64, path: &str) -> Result<(), ModelFormatError> {
        let mut name = Vec::new();
        let mut locations = Vec::new();
        while let Some((field, wt)) = self.wire.next_field(end)? {
            match (field, wt) {
                (8, LEN) => name = self.wire.bytes(end)?,
                (13, LEN) => {
                    let entry_end = self.wire.len_end(end)?;
                    let (mut key, mut value) = (Vec::new(), Vec::new());
                    while let Some((field, wt)) = self.wire.next_field(entry_end)? {
                        match (field, wt) {
                            (1, LEN) => key = self.wire.bytes(entry_end)?,
                            (2, LEN) => value = self.wire.bytes(entry_end)?,
                            _ => self.wire.skip(wt, entry_end)?,
                        }
                    }
                    if key == b"location" {
                        locations.push(String::from_utf8_lossy(&value).into_owned());
                    }
                }
                _ => self.wire.skip(wt, end)?,
            }
        }
        for location in locations {
            if leaves_folder(&location) {
                let at = if name.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path} \"{}\"", shown(&name))
                };
                self.findings.push(
                    FindingKind::ExternalDataOutside,
                    &at,
                    &format!(
                        "external data at `{}` lies outside the model folder",
                        shown(location.as_bytes())
                    ),
                );
            }
            if self.external_data.len() < self.limits.max_findings {
                self.external_data.push(location);
            }
        }
        Ok(())
    }

    /// Turns the custom domains seen into findings, now that the model's functions are known.
    fn resolve(&mut self) {
        let function_domains: HashSet<&[u8]> = self
            .functions
            .iter()
            .map(|(d, _, _)| d.as_slice())
            .collect();
        for (domain, path) in &self.custom_opsets {
            if !function_domains.contains(domain.as_slice()) {
                self.findings.push(
                    FindingKind::CustomOperatorDomain,
                    path,
                    &format!("imports operator set `{}`", shown(domain)),
                );
            }
        }
        for ((domain, op_type, overload), op) in &self.custom_ops {
            let key = (domain.clone(), op_type.clone(), overload.clone());
            if self.functions.contains(&key) {
                continue;
            }
            let more = match op.count {
                1 => String::new(),
                n => format!(" ({n} nodes)"),
            };
            self.findings.push(
                FindingKind::CustomOperatorDomain,
                &op.location,
                &format!(
                    "operator `{}` in domain `{}`{more}: a custom operator, not defined in the model",
                    shown(op_type),
                    shown(domain)
                ),
            );
        }
    }
}
