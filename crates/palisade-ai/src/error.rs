//! Every way reading AI evidence can fail. Each error names the source, the place in it where
//! there is one (line, column, a JSON pointer and a span for miette) and the reason. Text taken
//! from the input is escaped ([`escape`]) before it goes into a message, so a hostile file cannot
//! put control characters on the user's terminal.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Evidence that could not be used: for the gate this is "exit 2" material, never a pass.
#[derive(Debug, Error, Diagnostic)]
pub enum AiError {
    /// The input is larger than the reader's limit; nothing was parsed.
    #[error("{name} is {size} bytes, more than the limit of {limit} bytes")]
    #[diagnostic(
        code(palisade::ai::too_large),
        help("keep evidence files to what the gate reads; split large runs into several reports")
    )]
    TooLarge {
        /// The source name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },

    /// The bytes are not UTF-8 (every format read here is UTF-8 text).
    #[error("{name}:{line}:{column}: not UTF-8 text (invalid byte at offset {offset})")]
    #[diagnostic(code(palisade::ai::not_utf8))]
    NotUtf8 {
        /// The source name.
        name: String,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (in characters) of the first invalid byte.
        column: usize,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },

    /// The text is not well-formed JSON, YAML or XML (truncated, stray characters …).
    #[error("{name}:{line}:{column}: invalid {format}: {reason}")]
    #[diagnostic(code(palisade::ai::syntax))]
    Syntax {
        /// The source name.
        name: String,
        /// `"JSON"`, `"YAML"` or `"XML"`.
        format: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser reported (escaped).
        reason: String,
        /// The text.
        #[source_code]
        src: NamedSource<String>,
        /// Where the parser stopped.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// Arrays, objects, mappings or elements are nested deeper than the limit.
    #[error("{name}:{line}:{column}: nested deeper than {limit} levels")]
    #[diagnostic(code(palisade::ai::too_deep))]
    TooDeep {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The depth limit.
        limit: usize,
        /// The text.
        #[source_code]
        src: NamedSource<String>,
        /// The opening that went past the limit.
        #[label("nesting level {} starts here", limit + 1)]
        span: SourceSpan,
    },

    /// A count limit was reached (lines, results, flows, validators, YAML aliases or nodes …).
    #[error("{name}: {what}, more than the limit of {limit}")]
    #[diagnostic(
        code(palisade::ai::limit),
        help("this is far beyond what the tool writes for a real run; the file may be hostile")
    )]
    Limit {
        /// The source name.
        name: String,
        /// What was counted, and where (escaped).
        what: String,
        /// The limit.
        limit: u64,
    },

    /// Well-formed input, but not the format this reader expects.
    #[error("{name}: not {expected}: {found}")]
    #[diagnostic(code(palisade::ai::unknown_format))]
    UnknownFormat {
        /// The source name.
        name: String,
        /// The format that was expected, e.g. `"a garak report (*.report.jsonl)"`.
        expected: &'static str,
        /// What was found instead (escaped).
        found: String,
    },

    /// A recognised format, in a version or variant this reader does not read.
    #[error("{name}: {reason}")]
    #[diagnostic(code(palisade::ai::unsupported))]
    Unsupported {
        /// The source name.
        name: String,
        /// What is not supported, and what is (escaped).
        reason: String,
    },

    /// A value has the wrong type, is missing or out of range.
    #[error("{name}:{line}:{column}: at {pointer}: {reason}")]
    #[diagnostic(code(palisade::ai::invalid_value))]
    InvalidValue {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Where in the document: a JSON pointer (`/results/results/3/success`) or a YAML /
        /// XML path.
        pointer: String,
        /// What is wrong with it (escaped).
        reason: String,
        /// The text.
        #[source_code]
        src: NamedSource<String>,
        /// The offending value.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// The numbers in the document contradict each other (a summary that does not match its
    /// rows): the file was edited or truncated, so none of it is trusted.
    #[error("{name}: inconsistent: {reason}")]
    #[diagnostic(code(palisade::ai::inconsistent))]
    Inconsistent {
        /// The source name.
        name: String,
        /// The contradiction (escaped).
        reason: String,
    },

    /// A NeMo Guardrails rail names a flow that is neither in NeMo's flow library nor defined
    /// in the configuration's own Colang files.
    #[error("{name}:{line}:{column}: unknown rail flow \"{flow}\"")]
    #[diagnostic(
        code(palisade::ai::nemo_unknown_flow),
        help(
            "use a flow from NeMo Guardrails' library (see palisade-ai's docs for the list) or define it in a .co file of the configuration"
        )
    )]
    UnknownFlow {
        /// The source name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The flow as written (escaped).
        flow: String,
        /// The text.
        #[source_code]
        src: NamedSource<String>,
        /// The flow name.
        #[label("not a library flow and not defined in this configuration")]
        span: SourceSpan,
    },

    /// A NeMo Guardrails rail needs a prompt template the configuration does not define;
    /// NeMo itself refuses to load such a configuration.
    #[error("{name}: the rail \"{flow}\" needs a `{task}` prompt, and no prompts file defines it")]
    #[diagnostic(
        code(palisade::ai::nemo_missing_prompt),
        help(
            "add `prompts: [{{task: {task}, content: …}}]` to prompts.yml in the configuration folder"
        )
    )]
    MissingPrompt {
        /// The configuration (folder or file names).
        name: String,
        /// The rail flow (escaped).
        flow: String,
        /// The prompt task it needs.
        task: String,
    },
}

impl AiError {
    /// Every diagnostic code this crate emits, for documentation and a uniqueness test.
    pub const CODES: &'static [&'static str] = &[
        "palisade::ai::too_large",
        "palisade::ai::not_utf8",
        "palisade::ai::syntax",
        "palisade::ai::too_deep",
        "palisade::ai::limit",
        "palisade::ai::unknown_format",
        "palisade::ai::unsupported",
        "palisade::ai::invalid_value",
        "palisade::ai::inconsistent",
        "palisade::ai::nemo_unknown_flow",
        "palisade::ai::nemo_missing_prompt",
    ];
}

/// Escapes control characters (`\u{1b}`, `\n` …) and caps the length, so text from the input is
/// safe to print in a message.
pub fn escape(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 2));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The source text for a miette snippet.
pub(crate) fn named_source(name: &str, text: &str) -> NamedSource<String> {
    NamedSource::new(name, text.to_owned())
}

/// A one-character span at `offset`, clamped inside the text.
pub(crate) fn span_at(text: &str, offset: usize) -> SourceSpan {
    let offset = offset.min(text.len());
    let len = text[offset..].chars().next().map_or(0, char::len_utf8);
    SourceSpan::from((offset, len))
}

/// The byte offset of a 1-based line and column (in characters), clamped to the text.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line.max(1) {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[offset..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let within = rest[..line_end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_end, |(i, _)| i);
    offset + within
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_namespaced() {
        let mut seen = std::collections::BTreeSet::new();
        for code in AiError::CODES {
            assert!(code.starts_with("palisade::ai::"), "{code}");
            assert!(seen.insert(code), "duplicate code {code}");
        }
    }

    #[test]
    fn escape_removes_control_characters_and_caps_length() {
        assert_eq!(escape("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\u{a}c");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        let long = "é".repeat(500);
        let escaped = escape(&long);
        assert_eq!(escaped.chars().count(), 201);
        assert!(escaped.ends_with('…'));
    }

    #[test]
    fn offsets_and_positions_round_trip() {
        let text = "ab\ncdé\nf";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 3), 5);
        assert_eq!(line_column(text, 5), (2, 3));
        assert_eq!(line_column(text, 6), (2, 3)); // inside é: clamped back to its start
        assert_eq!(offset_of(text, 9, 9), text.len());
        assert_eq!(span_at(text, 5), SourceSpan::from((5, 2)));
        assert_eq!(span_at(text, 100), SourceSpan::from((text.len(), 0)));
    }
}
