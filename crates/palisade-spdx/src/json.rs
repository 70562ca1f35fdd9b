//! JSON plumbing shared by the SPDX 2 and SPDX 3 readers: the nesting pre-scan, the element
//! budget enforced while serde builds lists, lenient list/number shapes, and the mapping of
//! serde_json errors to [`SpdxError`]s with spans and JSON pointers.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Limits;
use crate::error::{SpdxError, escape, line_column, named_source, offset_of, span_at};

/// Checks that arrays and objects nest at most `limit` deep, without building anything.
/// Runs before serde, so the typed pass (and the recursive inline-element conversion of the
/// SPDX 3 reader) never sees more than `limit` levels.
pub(crate) fn check_depth(text: &str, name: &str, limit: usize) -> Result<(), SpdxError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    let (line, column) = line_column(text, offset);
                    return Err(SpdxError::TooDeep {
                        name: escape(name),
                        line,
                        column,
                        limit,
                        src: named_source(name, text),
                        span: span_at(text, offset),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

// ---- the per-thread budget that bounds what serde builds ----

#[derive(Clone, Copy, Default)]
struct Budget {
    max_elements: usize,
    max_items: usize,
    elements: usize,
    items: usize,
    hit: Option<LimitHit>,
}

/// Which limit stopped a parse.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LimitHit {
    /// [`Limits::max_elements`].
    Elements,
    /// [`Limits::max_list_items`].
    Items,
}

thread_local! {
    static BUDGET: Cell<Budget> = Cell::new(Budget::default());
}

/// Installs the budget for one parse and clears it when the parse ends, however it ends.
pub(crate) struct BudgetGuard;

impl BudgetGuard {
    pub(crate) fn install(limits: &Limits) -> BudgetGuard {
        BUDGET.with(|b| {
            b.set(Budget {
                max_elements: limits.max_elements,
                max_items: limits.max_list_items,
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

/// Which limit, if any, stopped the last parse on this thread.
pub(crate) fn budget_hit() -> Option<LimitHit> {
    BUDGET.with(|b| b.get().hit)
}

/// Counts one list entry (and one element when `element`); `Err` once over a limit.
fn charge(element: bool) -> Result<(), String> {
    BUDGET.with(|cell| {
        let mut b = cell.get();
        b.items += 1;
        if element {
            b.elements += 1;
        }
        let result = if element && b.elements > b.max_elements {
            b.hit = Some(LimitHit::Elements);
            Err(format!("more than {} elements", b.max_elements))
        } else if b.items > b.max_items {
            b.hit = Some(LimitHit::Items);
            Err(format!("more than {} list entries", b.max_items))
        } else {
            Ok(())
        };
        cell.set(b);
        result
    })
}

/// A JSON list whose entries count against the budget while they are built. A single value
/// where a list is expected is read as a list of one: JSON-LD compaction writes one-entry sets
/// that way, and nothing is lost by accepting it. `ELEMENT` lists (packages, files,
/// relationships, `@graph`) also count against [`Limits::max_elements`].
#[derive(Debug)]
pub(crate) struct List<T, const ELEMENT: bool = false>(pub(crate) Vec<T>);

impl<T, const E: bool> Default for List<T, E> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const E: bool> Deserialize<'de> for List<T, E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor::<T, E>(PhantomData))
    }
}

struct ListVisitor<T, const E: bool>(PhantomData<T>);

/// Deserializes one entry after charging the budget, so the error points at the entry over
/// the limit.
struct Charged<T, const E: bool>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const E: bool> DeserializeSeed<'de> for Charged<T, E> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        charge(E).map_err(de::Error::custom)?;
        T::deserialize(deserializer)
    }
}

impl<T, const E: bool> ListVisitor<T, E> {
    fn one<'de, X, Err>(value: X) -> Result<List<T, E>, Err>
    where
        T: Deserialize<'de>,
        X: de::IntoDeserializer<'de, Err>,
        Err: de::Error,
    {
        charge(E).map_err(Err::custom)?;
        Ok(List(vec![T::deserialize(value.into_deserializer())?]))
    }
}

impl<'de, T: Deserialize<'de>, const E: bool> Visitor<'de> for ListVisitor<T, E> {
    type Value = List<T, E>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The size hint is the input talking: trust it only a little.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(entry) = seq.next_element_seed(Charged::<T, E>(PhantomData))? {
            out.push(entry);
        }
        Ok(List(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        charge(E).map_err(de::Error::custom)?;
        Ok(List(vec![T::deserialize(
            de::value::MapAccessDeserializer::new(map),
        )?]))
    }

    fn visit_str<Err: de::Error>(self, v: &str) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_borrowed_str<Err: de::Error>(self, v: &'de str) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_string<Err: de::Error>(self, v: String) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_bool<Err: de::Error>(self, v: bool) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_i64<Err: de::Error>(self, v: i64) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_u64<Err: de::Error>(self, v: u64) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_f64<Err: de::Error>(self, v: f64) -> Result<Self::Value, Err> {
        Self::one(v)
    }

    fn visit_unit<Err: de::Error>(self) -> Result<Self::Value, Err> {
        // `null` for a list: nothing listed.
        Ok(List(Vec::new()))
    }
}

/// A decimal written as a JSON number or as a string (spdx-python-model writes CVSS scores as
/// strings, `"9.8"`; the JSON-LD context types them `xsd:decimal`).
pub(crate) struct Decimal(pub(crate) f64);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number (a JSON number or a string like \"9.8\")")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                finite(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                finite(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                finite(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                match v.trim().parse::<f64>() {
                    Ok(n) => finite(n),
                    Err(_) => Err(E::custom(format!(
                        "\"{}\" is not a decimal number",
                        escape(&v.chars().take(64).collect::<String>())
                    ))),
                }
            }
        }
        fn finite<E: de::Error>(v: f64) -> Result<Decimal, E> {
            if v.is_finite() {
                Ok(Decimal(v))
            } else {
                Err(E::custom("the number is not finite"))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Runs the typed pass with path tracking and turns any failure into the best [`SpdxError`].
/// Only called after the fast pass failed, so its cost does not matter.
pub(crate) fn typed_pass<'de, T: Deserialize<'de>>(
    text: &'de str,
    name: &str,
    limits: &Limits,
) -> Result<T, SpdxError> {
    let _guard = BudgetGuard::install(limits);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => match deserializer.end() {
            Ok(()) => Ok(value),
            Err(err) => Err(json_error(err, String::new(), text, name, limits)),
        },
        Err(err) => {
            let pointer = pointer_of(err.path());
            Err(json_error(err.into_inner(), pointer, text, name, limits))
        }
    }
}

/// Maps a serde_json error (syntax, truncation, wrong type, budget) to an [`SpdxError`].
pub(crate) fn json_error(
    err: serde_json::Error,
    pointer: String,
    text: &str,
    name: &str,
    limits: &Limits,
) -> SpdxError {
    let (line, column) = (err.line(), err.column());
    let offset = offset_of(text, line, column);
    let message = err.to_string();
    // serde_json appends " at line L column C"; the place is reported separately.
    let reason = escape(match message.rfind(" at line ") {
        Some(cut) => &message[..cut],
        None => &message,
    });
    let pointer = if pointer.is_empty() {
        "/".to_owned()
    } else {
        escape(&pointer)
    };
    if let Some(hit) = budget_hit() {
        let (what, limit) = match hit {
            LimitHit::Elements => ("elements", limits.max_elements),
            LimitHit::Items => ("list entries", limits.max_list_items),
        };
        // serde stops just before the entry: point at its first character.
        let start = offset.saturating_sub(1);
        let start = text[start..]
            .find(|c: char| !c.is_whitespace() && c != ',')
            .map_or(start, |skip| start + skip);
        let (line, column) = line_column(text, start);
        return SpdxError::TooMany {
            name: escape(name),
            what,
            limit,
            pointer,
            line,
            column,
            src: named_source(name, text),
            span: span_at(text, start),
        };
    }
    match err.classify() {
        serde_json::error::Category::Eof => SpdxError::Syntax {
            name: escape(name),
            line,
            column,
            reason: format!("the document is truncated ({reason})"),
            src: named_source(name, text),
            span: span_at(text, offset),
        },
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            SpdxError::Syntax {
                name: escape(name),
                line,
                column,
                reason,
                src: named_source(name, text),
                span: span_at(text, offset),
            }
        }
        serde_json::error::Category::Data => SpdxError::InvalidValue {
            name: escape(name),
            pointer,
            line,
            column,
            reason,
            src: named_source(name, text),
            span: span_at(text, offset.saturating_sub(1)),
        },
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

/// Bytes the conversion copies for one-to-many references (a relationship's `from` for each of
/// its targets, a license expression for each element it applies to …). Bounded by a multiple
/// of the input, so a short document cannot make the reader copy a long id millions of times.
pub(crate) struct Copies {
    used: usize,
    limit: usize,
}

impl Copies {
    /// The budget for one input: four times its size, plus 16 MiB.
    pub(crate) fn for_input(text: &str) -> Copies {
        Copies {
            used: 0,
            limit: text
                .len()
                .saturating_mul(4)
                .saturating_add(16 * 1024 * 1024),
        }
    }

    /// Counts `bytes` copied; `Err` once over the budget, pointing at `pointer`.
    pub(crate) fn charge(
        &mut self,
        bytes: usize,
        pointer: &str,
        text: &str,
        name: &str,
    ) -> Result<(), SpdxError> {
        self.used = self.used.saturating_add(bytes);
        if self.used <= self.limit {
            return Ok(());
        }
        Err(SpdxError::TooMany {
            name: escape(name),
            what: "bytes copied for repeated references",
            limit: self.limit,
            pointer: pointer.to_owned(),
            line: 1,
            column: 1,
            src: named_source(name, text),
            span: span_at(text, 0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: for<'de> Deserialize<'de>>(json: &str, limits: &Limits) -> Result<T, SpdxError> {
        typed_pass(json, "t.json", limits)
    }

    #[test]
    fn lists_accept_a_single_value_and_null() {
        let one: List<String> = parse(r#""a""#, &Limits::default()).unwrap();
        assert_eq!(one.0, ["a"]);
        let none: Option<List<String>> = parse("null", &Limits::default()).unwrap();
        assert!(none.is_none_or(|l| l.0.is_empty()));
        let many: List<u64> = parse("[1,2,3]", &Limits::default()).unwrap();
        assert_eq!(many.0, [1, 2, 3]);
    }

    #[test]
    fn lists_stop_at_the_budget_and_point_at_the_entry() {
        let limits = Limits {
            max_list_items: 2,
            ..Limits::default()
        };
        let err = parse::<List<u64>>("[1,2,3]", &limits).unwrap_err();
        assert!(
            matches!(err, SpdxError::TooMany { what: "list entries", ref pointer, .. } if pointer == "/2"),
            "{err:?}"
        );
        let limits = Limits {
            max_elements: 1,
            ..Limits::default()
        };
        let err = parse::<List<u64, true>>("[1,2]", &limits).unwrap_err();
        assert!(
            matches!(
                err,
                SpdxError::TooMany {
                    what: "elements",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn decimals_come_as_numbers_or_strings() {
        assert_eq!(parse::<Decimal>("9.8", &Limits::default()).unwrap().0, 9.8);
        assert_eq!(
            parse::<Decimal>("\"7.5\"", &Limits::default()).unwrap().0,
            7.5
        );
        assert!(parse::<Decimal>("\"high\"", &Limits::default()).is_err());
    }

    #[test]
    fn depth_is_checked_outside_strings() {
        assert!(check_depth(r#"{"a":"[[[[[[[[[["}"#, "t", 2).is_ok());
        let err = check_depth("[[[1]]]", "t", 2).unwrap_err();
        assert!(
            matches!(err, SpdxError::TooDeep { column: 3, .. }),
            "{err:?}"
        );
    }
}
