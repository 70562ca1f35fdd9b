//! The pest parser and the concrete syntax tree it produces.
//!
//! This layer knows the shape of the text only: blocks, attributes and values, with strings
//! decoded and every span kept. What the words mean is the job of [`crate::resolve`].

use miette::SourceSpan;
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest_derive::Parser;

use crate::error::SyntaxError;
use crate::report::{Reporter, span};

/// The longest string literal accepted, in bytes (after decoding).
pub(crate) const MAX_STRING_BYTES: usize = 64 * 1024;
/// The most elements one list may hold.
pub(crate) const MAX_LIST_ITEMS: usize = 100_000;
/// The most tokens a file may hold. pest keeps two queue entries per token, so a file of
/// nothing but one-character tokens would cost ~80 bytes of memory per input byte; this bounds
/// it (a realistic 10,000-declaration pipeline holds about 200,000 tokens).
pub(crate) const MAX_TOKENS: usize = 2_000_000;

#[derive(Parser)]
#[grammar = "../../grammar/pipeline.pest"]
struct PipelineParser;

/// A word (kind keyword or attribute name) and where it is.
#[derive(Debug, Clone)]
pub(crate) struct Word<'i> {
    pub(crate) text: &'i str,
    pub(crate) span: SourceSpan,
}

/// A decoded string literal; `span` covers the quotes.
#[derive(Debug, Clone)]
pub(crate) struct Str {
    pub(crate) value: String,
    pub(crate) span: SourceSpan,
}

/// A block: `kind "name" { … }`.
#[derive(Debug)]
pub(crate) struct Block<'i> {
    pub(crate) keyword: Word<'i>,
    pub(crate) name: Str,
    pub(crate) span: SourceSpan,
    pub(crate) items: Vec<Item<'i>>,
}

/// What a block holds.
#[derive(Debug)]
pub(crate) enum Item<'i> {
    Block(Block<'i>),
    Attribute(Attribute<'i>),
}

/// `name = value`.
#[derive(Debug)]
pub(crate) struct Attribute<'i> {
    pub(crate) name: Word<'i>,
    pub(crate) value: Value<'i>,
}

/// A value as written.
#[derive(Debug)]
// No attribute takes a number or a boolean yet; their values are kept for the ones to come.
#[allow(dead_code)]
pub(crate) enum Value<'i> {
    String(Str),
    Integer(i64, SourceSpan),
    /// `0.05`, as written (the meaning pass reads it).
    Decimal(&'i str, SourceSpan),
    Boolean(bool, SourceSpan),
    /// A date, still unchecked (`2027-02-30` parses; resolve says why it is not a date).
    Date(&'i str, SourceSpan),
    Reference(RawReference<'i>),
    List(Vec<Value<'i>>, SourceSpan),
}

/// `kind "name"`, with the kind still a word.
#[derive(Debug)]
pub(crate) struct RawReference<'i> {
    pub(crate) kind: Word<'i>,
    pub(crate) name: Str,
    pub(crate) span: SourceSpan,
}

impl Value<'_> {
    pub(crate) fn span(&self) -> SourceSpan {
        match self {
            Value::String(s) => s.span,
            Value::Integer(_, span)
            | Value::Decimal(_, span)
            | Value::Boolean(_, span)
            | Value::Date(_, span)
            | Value::List(_, span) => *span,
            Value::Reference(r) => r.span,
        }
    }
}

fn pest_span(pair: &Pair<'_, Rule>) -> SourceSpan {
    let s = pair.as_span();
    span(s.start(), s.end())
}

/// Parses `text` into top-level items. A syntax error stops parsing (pest cannot recover) and
/// is the only error; decoding errors inside values (bad escapes, oversized strings) are all
/// collected and parsing goes on.
pub(crate) fn parse<'i>(text: &'i str, reporter: &mut Reporter) -> Option<Vec<Item<'i>>> {
    if let Some(at) = beyond_token_limit(text, MAX_TOKENS) {
        let sp = span(at, at + 1);
        reporter.push(SyntaxError::LimitExceeded {
            location: reporter.location(sp),
            what: "tokens".to_owned(),
            limit: MAX_TOKENS,
            src: reporter.src(),
            span: sp,
        });
        return None;
    }
    let pairs = match PipelineParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => {
            reporter.push(translate_error(text, &error, reporter));
            return None;
        }
    };
    let mut items = Vec::new();
    for file in pairs {
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::outer_block => items.push(Item::Block(block(pair, reporter))),
                Rule::attribute => items.push(Item::Attribute(attribute(pair, reporter))),
                _ => {}
            }
        }
    }
    Some(items)
}

fn block<'i>(pair: Pair<'i, Rule>, reporter: &mut Reporter) -> Block<'i> {
    let whole = pest_span(&pair);
    let mut keyword = None;
    let mut name = None;
    let mut items = Vec::new();
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::ident => keyword = Some(word(&inner)),
            Rule::string => name = Some(string(inner, reporter)),
            Rule::block => items.push(Item::Block(block(inner, reporter))),
            Rule::attribute => items.push(Item::Attribute(attribute(inner, reporter))),
            _ => {}
        }
    }
    Block {
        // The grammar puts an ident and a string at the head of every block.
        keyword: keyword.unwrap_or(Word {
            text: "",
            span: whole,
        }),
        name: name.unwrap_or(Str {
            value: String::new(),
            span: whole,
        }),
        span: whole,
        items,
    }
}

fn attribute<'i>(pair: Pair<'i, Rule>, reporter: &mut Reporter) -> Attribute<'i> {
    let whole = pest_span(&pair);
    let mut name = Word {
        text: "",
        span: whole,
    };
    let mut value = None;
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::ident => name = word(&inner),
            Rule::eq | Rule::line_comment | Rule::block_comment => {}
            _ => value = Some(self::value(inner, reporter)),
        }
    }
    Attribute {
        name,
        // The grammar requires a value after `=`; an empty list stands in if it ever lacked one.
        value: value.unwrap_or(Value::List(Vec::new(), whole)),
    }
}

fn word<'i>(pair: &Pair<'i, Rule>) -> Word<'i> {
    Word {
        text: pair.as_str(),
        span: pest_span(pair),
    }
}

fn value<'i>(pair: Pair<'i, Rule>, reporter: &mut Reporter) -> Value<'i> {
    let whole = pest_span(&pair);
    match pair.as_rule() {
        Rule::string => Value::String(string(pair, reporter)),
        Rule::integer => match pair.as_str().parse::<i64>() {
            Ok(n) => Value::Integer(n, whole),
            Err(_) => {
                reporter.push(SyntaxError::IntegerOutOfRange {
                    location: reporter.location(whole),
                    written: pair.as_str().to_owned(),
                    src: reporter.src(),
                    span: whole,
                });
                Value::Integer(0, whole)
            }
        },
        Rule::boolean => Value::Boolean(pair.as_str() == "true", whole),
        Rule::decimal => Value::Decimal(pair.as_str(), whole),
        Rule::date => Value::Date(pair.as_str(), whole),
        Rule::reference => {
            let mut kind = Word {
                text: "",
                span: whole,
            };
            let mut name = Str {
                value: String::new(),
                span: whole,
            };
            for inner in pair.into_inner() {
                match inner.as_rule() {
                    Rule::ident => kind = word(&inner),
                    Rule::string => name = string(inner, reporter),
                    _ => {}
                }
            }
            Value::Reference(RawReference {
                kind,
                name,
                span: whole,
            })
        }
        Rule::list | Rule::inner_list => {
            let mut items = Vec::new();
            for inner in pair.into_inner() {
                match inner.as_rule() {
                    Rule::lbracket
                    | Rule::rbracket
                    | Rule::comma
                    | Rule::line_comment
                    | Rule::block_comment => {}
                    _ => {
                        if items.len() == MAX_LIST_ITEMS {
                            reporter.push(SyntaxError::LimitExceeded {
                                location: reporter.location(pest_span(&inner)),
                                what: "items in one list".to_owned(),
                                limit: MAX_LIST_ITEMS,
                                src: reporter.src(),
                                span: pest_span(&inner),
                            });
                            break;
                        }
                        items.push(value(inner, reporter));
                    }
                }
            }
            Value::List(items, whole)
        }
        // Every value rule is handled above; anything else would be a grammar change.
        _ => Value::List(Vec::new(), whole),
    }
}

/// Decodes a string literal, reporting each invalid escape at its own place.
fn string(pair: Pair<'_, Rule>, reporter: &mut Reporter) -> Str {
    let whole = pest_span(&pair);
    let inner = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::string_inner);
    let Some(inner) = inner else {
        return Str {
            value: String::new(),
            span: whole,
        };
    };
    let raw = inner.as_str();
    let base = inner.as_span().start();
    if raw.len() > MAX_STRING_BYTES {
        reporter.push(SyntaxError::LimitExceeded {
            location: reporter.location(whole),
            what: "bytes in one string".to_owned(),
            limit: MAX_STRING_BYTES,
            src: reporter.src(),
            span: whole,
        });
        return Str {
            value: String::new(),
            span: whole,
        };
    }
    Str {
        value: decode(raw, base, reporter),
        span: whole,
    }
}

fn decode(raw: &str, base: usize, reporter: &mut Reporter) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let bad = |end: usize, reporter: &mut Reporter| {
            let sp = span(base + at, base + end);
            reporter.push(SyntaxError::InvalidEscape {
                location: reporter.location(sp),
                escape: raw[at..end].to_owned(),
                src: reporter.src(),
                span: sp,
            });
        };
        // The grammar guarantees a character after every backslash.
        let Some((next_at, next)) = chars.next() else {
            bad(raw.len(), reporter);
            break;
        };
        let after_next = next_at + next.len_utf8();
        match next {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                // `\u{` 1–6 hex digits `}`.
                if chars.next_if(|&(_, c)| c == '{').is_none() {
                    bad(after_next, reporter);
                    continue;
                }
                let mut digits = String::new();
                let mut end = after_next + 1;
                let mut closed = false;
                while let Some((i, c)) = chars.next_if(|&(_, c)| c != '"') {
                    end = i + c.len_utf8();
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    if !c.is_ascii_hexdigit() || digits.len() == 6 {
                        break;
                    }
                    digits.push(c);
                }
                let decoded = if closed && !digits.is_empty() {
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                } else {
                    None
                };
                match decoded {
                    Some(c) => out.push(c),
                    None => bad(end, reporter),
                }
            }
            _ => bad(after_next, reporter),
        }
    }
    out
}

/// Turns pest's error into a friendly one. An unterminated string or comment before the
/// failure point is almost always the cause, so it is reported instead, at its opening.
fn translate_error(
    text: &str,
    error: &pest::error::Error<Rule>,
    reporter: &Reporter,
) -> SyntaxError {
    let at = match error.location {
        InputLocation::Pos(at) => at,
        InputLocation::Span((start, _)) => start,
    }
    .min(text.len());
    if let Some(unclosed) = find_unclosed(text, at) {
        return match unclosed {
            Unclosed::String(start) => SyntaxError::UnterminatedString {
                location: reporter.location(span(start, start + 1)),
                src: reporter.src(),
                span: span(start, start + 1),
            },
            Unclosed::Comment(start) => SyntaxError::UnterminatedComment {
                location: reporter.location(span(start, start + 2)),
                src: reporter.src(),
                span: span(start, start + 2),
            },
        };
    }
    let (found, found_len) = describe_found(text, at);
    let (expected, help) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => expected_phrase(positives, text, at),
        ErrorVariant::CustomError { message } => (message.clone(), None),
    };
    let sp = span(at, at + found_len);
    SyntaxError::Syntax {
        location: reporter.location(sp),
        message: format!("expected {expected}, found {found}"),
        src: reporter.src(),
        span: sp,
        label: format!("expected {expected}"),
        help,
    }
}

/// Describes the token at `at` for "found …", and its length for the label.
fn describe_found(text: &str, at: usize) -> (String, usize) {
    let rest = &text[at..];
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_owned(), 0);
    };
    if first == '"' {
        return ("a string".to_owned(), 1);
    }
    if first.is_ascii_alphanumeric() || first == '_' {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..len.min(40)];
        return (format!("`{word}`"), len);
    }
    (format!("`{}`", first.escape_debug()), first.len_utf8())
}

/// What pest expected, in the user's words, and a hint for the common mistakes.
fn expected_phrase(positives: &[Rule], text: &str, at: usize) -> (String, Option<String>) {
    let has = |rule: Rule| positives.contains(&rule);
    let value_rules = [
        Rule::string,
        Rule::date,
        Rule::integer,
        Rule::decimal,
        Rule::boolean,
        Rule::reference,
    ];
    let mut phrases: Vec<&str> = Vec::new();
    // Where a value may start, pest tries a string and a boolean (dates and numbers only after
    // a digit, references as an identifier).
    let is_value = has(Rule::string) && value_rules[1..].iter().any(|r| has(*r));
    let has_string = has(Rule::string);
    // "`=`" reads best first: a missing `=` is the commonest slip.
    let mut ordered = positives.to_vec();
    ordered.sort_by_key(|rule| *rule != Rule::eq);
    for rule in &ordered {
        let phrase = match rule {
            Rule::string
            | Rule::date
            | Rule::integer
            | Rule::decimal
            | Rule::boolean
            | Rule::reference
                if is_value =>
            {
                "a value"
            }
            Rule::list | Rule::inner_list if is_value => "a value",
            // The insides of a value's alternatives (a reference's kind).
            Rule::ident | Rule::string_inner if is_value => "a value",
            Rule::list | Rule::inner_list => "a list",
            Rule::string if has(Rule::eq) => "a quoted name (for a block)",
            Rule::eq if has_string => "`=` (for an attribute)",
            Rule::string => "a quoted string",
            Rule::string_inner => "`\"`",
            Rule::date => "a date",
            Rule::integer | Rule::decimal => "a number",
            Rule::boolean => "`true` or `false`",
            Rule::reference => "a reference",
            // Where an item may start, the ident is the head of an attribute or a block.
            Rule::ident if has(Rule::rbrace) => "an attribute, a block",
            Rule::ident if has(Rule::EOI) => "a `pipeline` block",
            Rule::ident => "a name",
            Rule::attribute => "an attribute",
            Rule::block | Rule::outer_block => "a block",
            Rule::eq => "`=`",
            Rule::lbrace => "`{`",
            Rule::rbrace => "`}`",
            Rule::lbracket => "`[`",
            Rule::rbracket => "`]`",
            Rule::comma => "`,`",
            Rule::EOI => "the end of the file",
            Rule::file => "a `pipeline` block",
            // Silent or internal rules; pest does not report them, but stay total.
            _ => continue,
        };
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    if phrases.is_empty() {
        phrases.push("something else");
    }
    let phrase = join_or(&phrases);
    let found = text[at..].chars().next();
    let help = if positives == [Rule::lbrace] {
        Some(
            "a block is written `kind \"name\" { … }`; an attribute is written `name = value`"
                .to_owned(),
        )
    } else if positives == [Rule::eq] {
        Some("an attribute is written `name = value`".to_owned())
    } else if has(Rule::eq) && has_string {
        Some(
            "an attribute is written `name = value`; a block is written `kind \"name\" { … }`"
                .to_owned(),
        )
    } else if found == Some('[') && is_value {
        Some(
            "lists hold strings, numbers, dates, booleans or references, and do not nest"
                .to_owned(),
        )
    } else if has(Rule::attribute) && has(Rule::rbrace) && !has(Rule::block) && found == Some('"') {
        Some(
            "a declaration block holds `name = value` attributes only; blocks do not nest in it"
                .to_owned(),
        )
    } else if has(Rule::attribute)
        && has(Rule::rbrace)
        && found.is_some_and(|c| c.is_ascii_alphabetic())
    {
        Some("a declaration block holds `name = value` attributes only".to_owned())
    } else {
        None
    };
    (phrase, help)
}

fn join_or(phrases: &[&str]) -> String {
    match phrases {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// An unterminated construct found by [`find_unclosed`].
enum Unclosed {
    /// Byte offset of the opening quote.
    String(usize),
    /// Byte offset of the `/*`.
    Comment(usize),
}

/// Scans for the first string or block comment that opens before `limit` and is never closed.
/// Mirrors the grammar's lexical rules: strings end at a line break, escapes skip one character.
fn find_unclosed(text: &str, limit: usize) -> Option<Unclosed> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && i <= limit {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr_from(bytes, i, b'\n').unwrap_or(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(end) => i = i + 2 + end + 2,
                None => return Some(Unclosed::Comment(i)),
            },
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n' | b'\r') => return Some(Unclosed::String(start)),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            if matches!(bytes.get(i + 1), None | Some(b'\n' | b'\r')) {
                                return Some(Unclosed::String(start));
                            }
                            i += 2;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Counts tokens roughly the way the grammar splits them (words and numbers, strings,
/// punctuation; comments and whitespace skipped) and returns where the count passes `limit`.
fn beyond_token_limit(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut count = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr_from(bytes, i, b'\n').unwrap_or(bytes.len());
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| i + 2 + end + 2);
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-'))
                {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        count += 1;
        if count > limit {
            return Some(start);
        }
    }
    None
}

fn memchr_from(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn parse_ok(text: &str) -> Vec<Item<'_>> {
        let mut reporter = Reporter::new("t.pal", Arc::new(text.to_owned()));
        let items = parse(text, &mut reporter);
        assert!(!reporter.has_errors(), "{:?}", reporter.finish());
        items.unwrap_or_default()
    }

    fn errors(text: &str) -> Vec<String> {
        let mut reporter = Reporter::new("t.pal", Arc::new(text.to_owned()));
        let _ = parse(text, &mut reporter);
        reporter.finish().iter().map(ToString::to_string).collect()
    }

    fn decoded(text: &str) -> String {
        let full = format!("pipeline \"p\" {{ a = \"{text}\" }}");
        let mut reporter = Reporter::new("t.pal", Arc::new(full.clone()));
        let items = parse(&full, &mut reporter).unwrap_or_default();
        assert!(!reporter.has_errors(), "{:?}", reporter.finish());
        match &items[..] {
            [Item::Block(b)] => match &b.items[..] {
                [
                    Item::Attribute(Attribute {
                        value: Value::String(s),
                        ..
                    }),
                ] => s.value.clone(),
                other => panic!("unexpected {other:?}"),
            },
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(decoded(r#"a\"b\\c\nd\te\r"#), "a\"b\\c\nd\te\r");
        assert_eq!(decoded(r"\u{41}\u{1F600}\u{0000e9}"), "A😀é");
        assert_eq!(decoded("plain…"), "plain…");
    }

    #[test]
    fn bad_escapes_are_each_reported() {
        let errs = errors(r#"pipeline "p" { a = "\q \u{D800} \u{} \u41 \u{1234567}" }"#);
        assert_eq!(
            errs,
            [
                r"t.pal:1:21: invalid escape `\q` in a string",
                r"t.pal:1:24: invalid escape `\u{D800}` in a string",
                r"t.pal:1:33: invalid escape `\u{}` in a string",
                r"t.pal:1:38: invalid escape `\u` in a string",
                r"t.pal:1:43: invalid escape `\u{1234567` in a string",
            ]
        );
    }

    #[test]
    fn values_of_every_type() {
        let items = parse_ok(
            "pipeline \"p\" { s = \"x\" i = -42 b = true f = false d = 2027-01-31 \
             r = model \"m\" l = [1, \"a\", [2],] e = [] }",
        );
        let [Item::Block(block)] = &items[..] else {
            panic!("{items:?}")
        };
        let kinds: Vec<String> = block
            .items
            .iter()
            .map(|item| match item {
                Item::Attribute(a) => format!("{}={}", a.name.text, describe(&a.value)),
                Item::Block(_) => "block".to_owned(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "s=str:x",
                "i=int:-42",
                "b=bool:true",
                "f=bool:false",
                "d=date:2027-01-31",
                "r=ref:model:m",
                "l=[int:1,str:a,[int:2]]",
                "e=[]",
            ]
        );
    }

    fn describe(value: &Value<'_>) -> String {
        match value {
            Value::String(s) => format!("str:{}", s.value),
            Value::Integer(n, _) => format!("int:{n}"),
            Value::Decimal(d, _) => format!("dec:{d}"),
            Value::Boolean(b, _) => format!("bool:{b}"),
            Value::Date(d, _) => format!("date:{d}"),
            Value::Reference(r) => format!("ref:{}:{}", r.kind.text, r.name.value),
            Value::List(items, _) => {
                format!(
                    "[{}]",
                    items.iter().map(describe).collect::<Vec<_>>().join(",")
                )
            }
        }
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        assert_eq!(
            errors("pipeline \"p\" { owner \"x\" }"),
            ["t.pal:1:26: syntax error: expected `{`, found `}`"]
        );
        assert_eq!(
            errors("pipeline \"p\" { owner }"),
            [
                "t.pal:1:22: syntax error: expected `=` (for an attribute) or a quoted name (for a block), found `}`"
            ]
        );
        assert_eq!(
            errors("pipeline \"p\" { a = [[[1]]] }"),
            ["t.pal:1:22: syntax error: expected a value or `]`, found `[`"]
        );
        assert_eq!(
            errors("pipeline \"p\" { a = 1"),
            [
                "t.pal:1:21: syntax error: expected an attribute, a block or `}`, found the end of the file"
            ]
        );
    }

    #[test]
    fn unterminated_string_points_at_its_quote() {
        assert_eq!(
            errors("pipeline \"p\" {\n  owner = \"abc\n}\n"),
            ["t.pal:2:11: unterminated string"]
        );
        assert_eq!(errors("pipeline \"p"), ["t.pal:1:10: unterminated string"]);
        // A quote inside a comment or an escaped quote is not an opening.
        assert_eq!(
            errors("// \"\npipeline \"p\" { a = \"x\\\" }"),
            ["t.pal:2:20: unterminated string"]
        );
    }

    #[test]
    fn unterminated_comment_points_at_its_start() {
        assert_eq!(
            errors("pipeline \"p\" { /* no end\n }"),
            ["t.pal:1:16: unterminated comment"]
        );
    }

    #[test]
    fn token_count_is_bounded() {
        let text = "a = [\"x\\\"y\", 12, 2027-01-01] /* c */ // d\n{ }";
        // a = [ "…" , 12 , 2027-01-01 ] { }
        assert_eq!(beyond_token_limit(text, 11), None);
        assert_eq!(beyond_token_limit(text, 10), Some(text.len() - 1));
        assert_eq!(beyond_token_limit(text, 0), Some(0));
        let many = format!("pipeline \"p\" {{ a = [{}] }}", "1,".repeat(MAX_TOKENS));
        assert_eq!(
            errors(&many),
            ["t.pal:1:2000015: too many tokens (the limit is 2000000)"]
        );
    }

    #[test]
    fn deep_nesting_fails_fast_without_recursion() {
        let text = format!("pipeline \"p\" {{ a = {} }}", "[".repeat(100_000));
        assert_eq!(
            errors(&text),
            ["t.pal:1:22: syntax error: expected a value or `]`, found `[`"]
        );
        let text = "pipeline \"p\" { ".repeat(100_000);
        assert_eq!(errors(&text).len(), 1);
    }
}
