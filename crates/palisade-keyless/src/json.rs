//! The limits every JSON document passes before serde sees it: size, UTF-8, nesting depth.

use miette::{NamedSource, SourceSpan};

use crate::error::{KeylessError, Step, escape};

/// Deepest nesting of arrays/objects accepted. Bundles and trusted roots nest about 8 levels;
/// an in-toto statement inside a DSSE payload is base64 and does not count here.
pub const MAX_DEPTH: usize = 64;

/// A document that passed the limits, as text.
pub(crate) struct Checked<'a> {
    pub text: &'a str,
}

/// Checks size, UTF-8 and depth; `what` is `bundle` or `trusted root`.
pub(crate) fn check<'a>(
    bytes: &'a [u8],
    name: &str,
    what: &'static str,
    step: Step,
    limit: usize,
) -> Result<Checked<'a>, KeylessError> {
    if bytes.len() > limit {
        return Err(KeylessError::TooLarge {
            name: name.to_string(),
            what,
            size: bytes.len(),
            limit,
            step,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        syntax_error(bytes, name, what, step, offset, "invalid UTF-8".to_string())
    })?;
    if let Some(offset) = too_deep_at(bytes) {
        return Err(syntax_error(
            bytes,
            name,
            what,
            step,
            offset,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    Ok(Checked { text })
}

/// The byte offset of the first bracket past [`MAX_DEPTH`], skipping string contents.
fn too_deep_at(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A serde_json error as a located [`KeylessError::Json`].
pub(crate) fn from_serde(
    bytes: &[u8],
    name: &str,
    what: &'static str,
    step: Step,
    error: &serde_json::Error,
) -> KeylessError {
    let offset = offset_of(bytes, error.line(), error.column());
    // serde_json appends " at line L column C"; the error carries them separately.
    let full = error.to_string();
    let reason = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_string(),
        None => full,
    };
    syntax_error(bytes, name, what, step, offset, escape(&reason))
}

fn syntax_error(
    bytes: &[u8],
    name: &str,
    what: &'static str,
    step: Step,
    offset: usize,
    reason: String,
) -> KeylessError {
    let offset = offset.min(bytes.len());
    let (line, column) = line_column(bytes, offset);
    KeylessError::Json {
        name: name.to_string(),
        what,
        line,
        column,
        reason,
        src: Box::new(NamedSource::new(
            name,
            String::from_utf8_lossy(bytes).into_owned(),
        )),
        span: SourceSpan::from((offset, 0)),
        step,
    }
}

/// serde_json reports 1-based lines and columns (column 0 at end of input on line 1 …).
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut current = 1usize;
    let mut start = 0usize;
    if line > 1 {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                current += 1;
                if current == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(too_deep_at(deep.as_bytes()), Some(MAX_DEPTH));
        let quoted = format!("\"{}\"", "[".repeat(1000));
        assert_eq!(too_deep_at(quoted.as_bytes()), None);
        let escaped_quote = format!("\"\\\"{}\"", "{".repeat(1000));
        assert_eq!(too_deep_at(escaped_quote.as_bytes()), None);
    }

    #[test]
    fn size_limit_is_checked_first() {
        let err = check(b"{}", "x.json", "bundle", Step::Bundle, 1)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("x.json: bundle is 2 bytes, more than the limit of 1 bytes")
        );
    }

    #[test]
    fn serde_errors_point_at_the_place() {
        let text = b"{\n  \"a\": 1,\n  ]\n}";
        let error = serde_json::from_slice::<serde_json::Value>(text).err();
        let Some(error) = error else {
            panic!("invalid JSON parsed")
        };
        let err = from_serde(text, "b.json", "bundle", Step::Bundle, &error);
        assert!(err.to_string().starts_with("b.json:3:3: bundle: "), "{err}");
        assert_eq!(err.step(), Step::Bundle);
    }
}
