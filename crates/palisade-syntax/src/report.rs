//! Collects the errors of one file, with what every error needs: the named source and a
//! `file:line:column` location.

use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

use crate::error::{Source, SyntaxError};

/// More errors than this are not worth reading; the rest are summarised.
pub(crate) const MAX_ERRORS: usize = 200;

/// The errors of one file so far.
pub(crate) struct Reporter {
    file: String,
    text: Arc<String>,
    /// Byte offset where each line starts, for line/column lookups without rescanning.
    line_starts: Vec<usize>,
    errors: Vec<SyntaxError>,
    overflowed: bool,
}

impl Reporter {
    pub(crate) fn new(file: &str, text: Arc<String>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            file: file.to_owned(),
            text,
            line_starts,
            errors: Vec::new(),
            overflowed: false,
        }
    }

    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    pub(crate) fn text(&self) -> &Arc<String> {
        &self.text
    }

    /// The source every diagnostic carries.
    pub(crate) fn src(&self) -> Source {
        NamedSource::new(self.file.clone(), Arc::clone(&self.text))
    }

    /// `file:line:column` of the start of `span` (1-based; column in characters).
    pub(crate) fn location(&self, span: SourceSpan) -> String {
        let offset = span.offset().min(self.text.len());
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let mut end = offset;
        while end > line_start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[line_start..end].chars().count() + 1;
        format!("{}:{}:{}", self.file, line_index + 1, column)
    }

    /// Records an error (or notes that the limit is reached).
    pub(crate) fn push(&mut self, error: SyntaxError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(error);
        } else {
            self.overflowed = true;
        }
    }

    /// Whether any error was recorded.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether the error limit is reached (further work only finds unreported errors).
    pub(crate) fn is_full(&self) -> bool {
        self.overflowed
    }

    /// All errors, with a final note if some were dropped.
    pub(crate) fn finish(mut self) -> Vec<SyntaxError> {
        if self.overflowed {
            self.errors.push(SyntaxError::TooManyErrors {
                file: self.file,
                limit: MAX_ERRORS,
            });
        }
        self.errors
    }
}

/// The span from byte `start` to byte `end`.
pub(crate) fn span(start: usize, end: usize) -> SourceSpan {
    SourceSpan::new(start.into(), end.saturating_sub(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_in_characters() {
        let reporter = Reporter::new("p.pal", Arc::new("ab\ncé d\n\nx".to_owned()));
        assert_eq!(reporter.location(span(0, 1)), "p.pal:1:1");
        assert_eq!(reporter.location(span(2, 3)), "p.pal:1:3");
        assert_eq!(reporter.location(span(3, 4)), "p.pal:2:1");
        // `é` is two bytes but one column.
        assert_eq!(reporter.location(span(7, 8)), "p.pal:2:4");
        assert_eq!(reporter.location(span(9, 9)), "p.pal:3:1");
        assert_eq!(reporter.location(span(10, 11)), "p.pal:4:1");
        // Past the end clamps to the end.
        assert_eq!(reporter.location(span(99, 99)), "p.pal:4:2");
    }
}
