//! Places in source files: a [`Location`] for reports, and the [`LineIndex`] that turns a byte
//! offset into one.

use serde::{Deserialize, Serialize};

/// A place in a file, 1-based (columns count characters, not bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The file, as the user named it.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The start of every line of a text, to find the line and column of any byte offset in
/// `O(log lines)` (a scan from the start per lookup made reports quadratic).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// 1-based line and column (in characters) of byte `offset` in `text` (the text this index
    /// was built from). An offset past the end, or inside a character, counts from the
    /// nearest character boundary before it.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    /// Byte offset of 1-based `line` and `column` (characters), clamped to the text.
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(text.len());
        let rest = text.get(start..).unwrap_or_default();
        let within = rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        start + within
    }

    /// A [`Location`] in `file`.
    pub fn location(&self, file: &str, text: &str, offset: usize) -> Location {
        let (line, column) = self.line_col(text, offset);
        Location {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "ab\nçd\n\nxyz";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 2), (1, 3));
        assert_eq!(index.line_col(text, 3), (2, 1));
        // Inside `ç` (2 bytes): counts from its start.
        assert_eq!(index.line_col(text, 4), (2, 1));
        assert_eq!(index.line_col(text, 5), (2, 2));
        assert_eq!(index.line_col(text, 7), (3, 1));
        assert_eq!(index.line_col(text, 999), (4, 4));
        for offset in [0, 2, 3, 5, 7, 8, 11] {
            let (line, column) = index.line_col(text, offset);
            assert_eq!(index.offset(text, line, column), offset.min(text.len()));
        }
    }
}
