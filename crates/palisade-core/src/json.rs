//! Where a JSON parse error is: serde_json reports a 1-based line and column; diagnostics need
//! a byte span into the text to draw a labelled snippet.

use miette::SourceSpan;

use crate::location::LineIndex;

/// miette 7.6's graphical renderer panics on a label past this column (a `u16` overflow), which
/// any minified JSON file reaches; past it a diagnostic gets no label, only the line and
/// column in its message.
pub const MAX_LABEL_COLUMN: usize = 65_535;

/// Where an error of a JSON text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Byte offset.
    pub offset: usize,
}

impl JsonPosition {
    /// The position of `error` in `text` (serde_json counts columns in bytes from 1; an
    /// error at end of input may report column 0).
    pub fn of(text: &str, error: &serde_json::Error) -> Self {
        Self::at(text, error.line(), error.column())
    }

    /// The position of a serde_json line and (byte) column in `text`.
    pub fn at(text: &str, line: usize, byte_column: usize) -> Self {
        let index = LineIndex::new(text);
        let line_start = index.offset(text, line.max(1), 1);
        let mut offset = (line_start + byte_column.saturating_sub(1)).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = index.line_col(text, offset);
        JsonPosition {
            line,
            column,
            offset,
        }
    }

    /// A one-character span for a label, or `None` past [`MAX_LABEL_COLUMN`] (see there).
    pub fn label(&self) -> Option<SourceSpan> {
        label_at(self.offset, self.column)
    }
}

/// A span of one character at `offset`, if `column` is safe to draw a label at.
pub fn label_at(offset: usize, column: usize) -> Option<SourceSpan> {
    (column <= MAX_LABEL_COLUMN).then(|| SourceSpan::from((offset, 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_error_and_drops_far_labels() {
        let text = "{\n  \"a\": x\n}";
        let error = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let at = JsonPosition::of(text, &error);
        assert_eq!(at.line, 2);
        assert!(at.label().is_some());
        let long = format!("[{}x]", "1,".repeat(40_000));
        let error = serde_json::from_str::<serde_json::Value>(&long).unwrap_err();
        let at = JsonPosition::of(&long, &error);
        assert_eq!(at.line, 1);
        assert!(at.column > MAX_LABEL_COLUMN);
        assert!(at.label().is_none());
    }
}
