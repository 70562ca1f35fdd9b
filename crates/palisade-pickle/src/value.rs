//! The values of the symbolic pickle machine.
//!
//! Nothing is built: a value records only what the scan needs later (a string that may be a
//! STACK_GLOBAL operand, the import a global came from, what made an object and its BUILD
//! state for joblib's array wrapper and numpy dtypes, the few items of small containers).
//! Values are shared by reference (`Rc`), so DUP, GET and MEMOIZE copy a pointer, never a
//! string, and every live byte is counted in [`LiveBytes`], which the scan checks against its
//! memory budget.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

/// Longest string whose text is kept (no module or qualified name is longer).
pub(crate) const MAX_TRACKED_TEXT: usize = 512;

/// Most items kept of one container; past it the container is marked truncated.
pub(crate) const MAX_TRACKED_ITEMS: usize = 64;

/// Estimated bytes of one value slot (stack, memo, container item).
pub(crate) const SLOT: u64 = 16;

/// Estimated fixed bytes of a shared allocation (counts, header, padding).
const OVERHEAD: u64 = 48;

/// Bytes held by the values of one walk, shared by all of them; values give their bytes back
/// when dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct LiveBytes(Rc<Cell<u64>>);

impl LiveBytes {
    pub(crate) fn get(&self) -> u64 {
        self.0.get()
    }

    fn add(&self, bytes: u64) {
        self.0.set(self.0.get().saturating_add(bytes));
    }

    fn sub(&self, bytes: u64) {
        self.0.set(self.0.get().saturating_sub(bytes));
    }
}

/// A string whose text is tracked.
#[derive(Debug)]
pub(crate) struct Text {
    pub(crate) text: Box<str>,
    live: LiveBytes,
}

impl Drop for Text {
    fn drop(&mut self) {
        self.live.sub(self.text.len() as u64 + OVERHEAD);
    }
}

/// A value on the symbolic stack or in the memo.
#[derive(Debug, Clone)]
pub(crate) enum V {
    None,
    Bool(bool),
    Int(i64),
    /// An int outside i64.
    BigInt,
    Float,
    /// A str whose text is kept.
    Str(Rc<Text>),
    /// A str too long to keep, or holding lone surrogates.
    UntrackedStr,
    Bytes,
    Node(Rc<NodeBox>),
    /// Anything the scan cannot know (a persistent load, a value it forgot).
    Opaque,
}

/// A shared value with its byte count.
#[derive(Debug)]
pub(crate) struct NodeBox {
    pub(crate) node: Node,
    bytes: Cell<u64>,
    live: LiveBytes,
}

impl Drop for NodeBox {
    fn drop(&mut self) {
        self.live.sub(self.bytes.get());
        // Values nest as deep as the pickle says (100k nested lists): drop the children
        // iteratively, never by recursion.
        let mut pending = take_children(&mut self.node);
        while let Some(v) = pending.pop() {
            if let V::Node(rc) = v
                && let Ok(mut only) = Rc::try_unwrap(rc)
            {
                pending.extend(take_children(&mut only.node));
            }
        }
    }
}

/// Moves a value's children out (leaving it empty).
fn take_children(node: &mut Node) -> Vec<V> {
    match node {
        Node::Tuple(items, _) => std::mem::take(items).into_vec(),
        Node::List(items) | Node::Set(items) => std::mem::take(&mut items.get_mut().items),
        Node::Dict(entries) => std::mem::take(&mut entries.get_mut().entries)
            .into_iter()
            .flat_map(|(k, v)| [k, v])
            .collect(),
        Node::Object(object) => {
            let object = object.get_mut();
            let mut out = vec![
                std::mem::replace(&mut object.maker, V::None),
                std::mem::replace(&mut object.args, V::None),
            ];
            out.extend(object.state.take());
            out.extend(
                std::mem::take(&mut object.attrs)
                    .into_iter()
                    .map(|(_, v)| v),
            );
            out
        }
        Node::FrozenSet | Node::Global(_) | Node::Array => Vec::new(),
    }
}

/// What a global is to the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `numpy.dtype`: its objects describe joblib arrays.
    NumpyDtype,
    /// joblib's `NumpyArrayWrapper`: BUILD on an instance reads raw array bytes in joblib.
    NumpyArrayWrapper,
    /// joblib's older wrappers, whose arrays live in other files.
    OtherArrayWrapper,
    /// `copyreg._reconstructor`, `__newobj__`, `__newobj_ex__`: make an instance of their
    /// first argument.
    Reconstructor,
    /// A torch storage class, with its element size.
    TorchStorage(u8),
    /// An import the scan could not resolve: it may be anything.
    Unresolved,
    Other,
}

#[derive(Debug)]
pub(crate) struct GlobalInfo {
    pub(crate) role: Role,
}

/// Items of a list or set.
#[derive(Debug, Default)]
pub(crate) struct Items {
    pub(crate) items: Vec<V>,
    pub(crate) truncated: bool,
}

/// Entries of a dict.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    pub(crate) entries: Vec<(V, V)>,
    pub(crate) truncated: bool,
}

/// What a call or instantiation made.
#[derive(Debug)]
pub(crate) struct Object {
    /// The callable or class.
    pub(crate) maker: V,
    /// Its arguments (a tuple for REDUCE and NEWOBJ).
    pub(crate) args: V,
    /// The last BUILD state.
    pub(crate) state: Option<V>,
    /// Attributes set by BUILD through `__dict__` (joblib's wrapper), in order.
    pub(crate) attrs: Vec<(Rc<Text>, V)>,
    /// BUILD set attributes the scan could not follow.
    pub(crate) attrs_unknown: bool,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// Items kept only when few; the true length.
    Tuple(Box<[V]>, u64),
    List(RefCell<Items>),
    Set(RefCell<Items>),
    FrozenSet,
    Dict(RefCell<Entries>),
    Global(GlobalInfo),
    Object(RefCell<Object>),
    /// An ndarray read by joblib.
    Array,
}

/// Makes values and keeps a weak list of the mutable ones, whose contents are cleared when
/// the walk ends so that reference cycles (a list appended to itself) are freed.
#[derive(Debug, Default)]
pub(crate) struct Heap {
    pub(crate) live: LiveBytes,
    mutable: Vec<Weak<NodeBox>>,
}

impl Heap {
    pub(crate) fn text(&self, text: &str) -> V {
        self.live.add(text.len() as u64 + OVERHEAD);
        V::Str(Rc::new(Text {
            text: text.into(),
            live: self.live.clone(),
        }))
    }

    pub(crate) fn node(&mut self, node: Node) -> V {
        let items = match &node {
            Node::Tuple(items, _) => items.len() as u64,
            _ => 0,
        };
        let bytes = OVERHEAD + items * SLOT;
        self.live.add(bytes);
        let mutable = matches!(
            node,
            Node::List(_) | Node::Set(_) | Node::Dict(_) | Node::Object(_)
        );
        let rc = Rc::new(NodeBox {
            node,
            bytes: Cell::new(bytes),
            live: self.live.clone(),
        });
        if mutable {
            self.mutable.push(Rc::downgrade(&rc));
        }
        V::Node(rc)
    }

    /// Bytes of the weak list itself.
    pub(crate) fn registry_bytes(&self) -> u64 {
        self.mutable.capacity() as u64 * 8
    }

    /// Clears every mutable value still alive (breaking cycles) and forgets them.
    pub(crate) fn clear(&mut self) {
        for weak in self.mutable.drain(..) {
            if let Some(rc) = weak.upgrade() {
                match &rc.node {
                    Node::List(items) | Node::Set(items) => {
                        if let Ok(mut items) = items.try_borrow_mut() {
                            items.items.clear();
                        }
                    }
                    Node::Dict(entries) => {
                        if let Ok(mut entries) = entries.try_borrow_mut() {
                            entries.entries.clear();
                        }
                    }
                    Node::Object(object) => {
                        if let Ok(mut object) = object.try_borrow_mut() {
                            object.maker = V::None;
                            object.args = V::None;
                            object.state = None;
                            object.attrs.clear();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        self.clear();
    }
}

impl NodeBox {
    /// Counts `slots` more item slots held by this value.
    pub(crate) fn grow(&self, slots: u64) {
        let more = slots * SLOT;
        self.bytes.set(self.bytes.get() + more);
        self.live.add(more);
    }
}

impl V {
    pub(crate) fn node(&self) -> Option<&Node> {
        match self {
            V::Node(rc) => Some(&rc.node),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            V::Str(t) => Some(&t.text),
            _ => None,
        }
    }

    pub(crate) fn role(&self) -> Option<Role> {
        match self.node() {
            Some(Node::Global(g)) => Some(g.role),
            _ => None,
        }
    }

    /// Python truthiness where the scan knows it.
    pub(crate) fn truthy(&self) -> Option<bool> {
        match self {
            V::None => Some(false),
            V::Bool(b) => Some(*b),
            V::Int(i) => Some(*i != 0),
            V::Str(t) => Some(!t.text.is_empty()),
            V::Node(rc) => match &rc.node {
                Node::Tuple(items, len) => Some(*len > 0 || !items.is_empty()),
                Node::Dict(e) => {
                    let e = e.borrow();
                    Some(!e.entries.is_empty() || e.truncated)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            V::None => "None",
            V::Bool(_) => "a bool",
            V::Int(_) | V::BigInt => "an int",
            V::Float => "a float",
            V::Str(_) | V::UntrackedStr => "a str",
            V::Bytes => "bytes",
            V::Opaque => "an unknown value",
            V::Node(rc) => match rc.node {
                Node::Tuple(..) => "a tuple",
                Node::List(_) => "a list",
                Node::Set(_) => "a set",
                Node::FrozenSet => "a frozenset",
                Node::Dict(_) => "a dict",
                Node::Global(_) => "a global",
                Node::Object(_) => "an object",
                Node::Array => "an array",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_bytes_follow_values_and_cycles_are_freed() {
        let mut heap = Heap::default();
        let s = heap.text("os");
        assert_eq!(heap.live.get(), 2 + OVERHEAD);
        let copy = s.clone();
        drop(s);
        assert_eq!(heap.live.get(), 2 + OVERHEAD);
        drop(copy);
        assert_eq!(heap.live.get(), 0);

        let list = heap.node(Node::List(RefCell::default()));
        if let V::Node(rc) = &list
            && let Node::List(items) = &rc.node
        {
            items.borrow_mut().items.push(list.clone());
            rc.grow(1);
        }
        drop(list);
        // The list holds itself: alive until the heap clears it.
        assert!(heap.live.get() > 0);
        heap.clear();
        assert_eq!(heap.live.get(), 0);
    }
}
