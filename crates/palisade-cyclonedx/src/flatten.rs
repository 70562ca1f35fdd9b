//! Shared by both readers: turns one component's fields into a public [`Component`] and keeps
//! the flattened list with parent indexes.

use crate::model::{Component, ComponentData, ComponentKind, Hash, License, ModelCard};

/// A component's fields as a reader found them, before it is placed in the flat list.
pub(crate) struct RawComponentFields {
    pub bom_ref: Option<String>,
    pub kind: String,
    pub group: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub licenses: Vec<License>,
    pub hashes: Vec<Hash>,
    pub model_card: Option<ModelCard>,
    pub data: Vec<ComponentData>,
}

/// The flat, depth-first list of components being built.
#[derive(Default)]
pub(crate) struct Flattener {
    components: Vec<Component>,
}

impl Flattener {
    /// Builds a component without placing it in the list.
    pub fn convert_one(fields: RawComponentFields, parent: Option<usize>) -> Component {
        // Producers are inconsistent about empty strings; an empty field says nothing.
        let non_empty = |value: Option<String>| value.filter(|v| !v.is_empty());
        Component {
            bom_ref: non_empty(fields.bom_ref),
            kind: ComponentKind::from_cyclonedx(&fields.kind),
            group: non_empty(fields.group),
            name: fields.name,
            version: non_empty(fields.version),
            purl: non_empty(fields.purl),
            licenses: fields.licenses,
            hashes: fields.hashes,
            model_card: fields.model_card,
            data: fields.data,
            parent,
        }
    }

    /// Appends a component and returns its index.
    /// Makes room for `more` components (the top-level count: most documents nest none, so
    /// the list is allocated once at its size instead of doubling past it).
    pub fn reserve(&mut self, more: usize) {
        self.components.reserve_exact(more);
    }

    pub fn push(&mut self, fields: RawComponentFields, parent: Option<usize>) -> usize {
        self.components.push(Self::convert_one(fields, parent));
        self.components.len() - 1
    }

    /// Replaces the component at `index` (pushed earlier as a placeholder) keeping its parent.
    pub fn replace(&mut self, index: usize, fields: RawComponentFields) {
        if let Some(slot) = self.components.get_mut(index) {
            let parent = slot.parent;
            *slot = Self::convert_one(fields, parent);
        }
    }

    /// The finished list.
    pub fn into_components(self) -> Vec<Component> {
        self.components
    }
}
