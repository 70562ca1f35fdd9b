//! Parsing: bytes → checked JSON → SARIF object model → [`Report`].
//!
//! Three passes over the text, each cheap: a bracket scan that enforces the nesting limit and
//! gives its exact place; a top-level pass that validates the whole document's syntax and
//! borrows `version` and `runs` as raw slices (so later errors keep absolute positions); then
//! the typed pass over `runs`, with `serde_path_to_error` for the JSON path of a bad value.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_path_to_error::Segment;

use crate::error::SarifError;
use crate::model::{Finding, Level, Location, Report, Severity};
use crate::raw::{self, Bounded, MAX_RUNS, RawComponent, RawLevel, RawResult, RawRule, RawRun};

/// Largest SARIF file read, in bytes (256 MiB), checked from the file's metadata first.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// Deepest nesting of JSON arrays/objects accepted. SARIF itself needs about 10 levels;
/// property bags get the rest.
pub const MAX_DEPTH: usize = 64;

/// Reads and parses a SARIF 2.1.0 file.
///
/// The file's size is checked against [`MAX_FILE_SIZE`] before anything is read.
pub fn read(path: &Path) -> Result<Report, SarifError> {
    let read_error = |e: std::io::Error| SarifError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let file = File::open(path).map_err(read_error)?;
    let meta = file.metadata().map_err(read_error)?;
    if meta.is_dir() {
        return Err(SarifError::Read {
            path: path.to_owned(),
            reason: "it is a directory, not a file".into(),
        });
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(SarifError::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
            limit: MAX_FILE_SIZE,
        });
    }
    // The file may grow between the check and the read: read at most one byte past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(SarifError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_FILE_SIZE,
        });
    }
    parse(&bytes, &path.display().to_string())
}

/// Parses a SARIF 2.1.0 log held in memory; `source_name` names it in errors.
///
/// All runs are merged into one [`Report`]. A UTF-8 byte-order mark is skipped. Input larger
/// than [`MAX_FILE_SIZE`] is refused, as [`read`] refuses such a file.
pub fn parse(bytes: &[u8], source_name: &str) -> Result<Report, SarifError> {
    // The same limit as `read`, for logs that arrive from memory.
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(SarifError::TooLarge {
            path: source_name.into(),
            size: bytes.len() as u64,
            limit: MAX_FILE_SIZE,
        });
    }
    let ctx = Ctx::new(bytes, source_name)?;
    let bom = if ctx.text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let text = &ctx.text[bom..];
    check_depth(text, bom, &ctx)?;

    let first = text.trim_start().chars().next();
    if first != Some('{') {
        // Report bad JSON as bad JSON; only valid non-objects are "not SARIF".
        serde_json::from_str::<IgnoredAny>(text).map_err(|e| ctx.json_error(&e, text, bom))?;
        let what = match first {
            Some('[') => "an array",
            Some('"') => "a string",
            Some('t' | 'f') => "a boolean",
            Some('n') => "null",
            _ => "a number",
        };
        return Err(ctx.not_sarif(
            format!("the top level is {what}, not an object"),
            Some((bom + text.len() - text.trim_start().len(), 1)),
        ));
    }

    let header: Header<'_> =
        serde_json::from_str(text).map_err(|e| ctx.json_error(&e, text, bom))?;
    check_header(&header, &ctx)?;
    let Some(runs) = header.runs else {
        return Err(ctx.not_sarif("no \"runs\" property".into(), None));
    };
    let runs_text = runs.get();
    let runs_offset = ctx.offset_of(runs_text);
    if !runs_text.starts_with('[') {
        return Err(ctx.not_sarif(
            format!("\"runs\" is {}, not an array", json_kind(runs_text)),
            Some((runs_offset, runs_text.len())),
        ));
    }

    // Path tracking costs time on every value; pay it only to explain a failure.
    raw::reset_result_budget();
    let mut de = serde_json::Deserializer::from_str(runs_text);
    if let Ok(runs) = Bounded::<RawRun, MAX_RUNS>::deserialize(&mut de) {
        return Ok(build_report(runs.0));
    }
    raw::reset_result_budget();
    let mut de = serde_json::Deserializer::from_str(runs_text);
    match serde_path_to_error::deserialize::<_, Bounded<RawRun, MAX_RUNS>>(&mut de) {
        Ok(runs) => Ok(build_report(runs.0)),
        Err(e) => Err(ctx.value_error(&e, runs_text, runs_offset)),
    }
}

/// The top level of a log: `version` and `runs` kept as raw text, plus a few other key names
/// to say what the file is when it is not SARIF.
struct Header<'a> {
    version: Option<&'a RawValue>,
    runs: Option<&'a RawValue>,
    other_keys: Vec<String>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Header<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Header<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SARIF log object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut header = Header {
                    version: None,
                    runs: None,
                    other_keys: Vec::new(),
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "version" if header.version.is_none() => {
                            header.version = Some(map.next_value()?);
                        }
                        "runs" if header.runs.is_none() => header.runs = Some(map.next_value()?),
                        "version" | "runs" => {
                            return Err(de::Error::custom(format!("duplicate key \"{key}\"")));
                        }
                        _ => {
                            if header.other_keys.len() < 5 {
                                header.other_keys.push(key.into_owned());
                            }
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(header)
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Accepts a log with `runs` and `"version": "2.1.0"` only, naming what was found otherwise.
/// A missing `runs` is reported first: it says "this is some other JSON" most clearly.
fn check_header(header: &Header<'_>, ctx: &Ctx<'_>) -> Result<(), SarifError> {
    let missing = match (header.runs.is_some(), header.version.is_some()) {
        (false, false) => Some("no \"runs\" and no \"version\" property"),
        (false, true) => Some("no \"runs\" property"),
        (true, false) => Some("no \"version\" property"),
        (true, true) => None,
    };
    if let Some(missing) = missing {
        let mut reason = missing.to_owned();
        if !header.other_keys.is_empty() {
            let keys: Vec<String> = header
                .other_keys
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect();
            reason.push_str(&format!(" (top-level keys: {})", keys.join(", ")));
        }
        return Err(ctx.not_sarif(reason, None));
    }
    let Some(version) = header.version else {
        return Ok(());
    };
    let raw = version.get();
    if raw == "\"2.1.0\"" {
        return Ok(());
    }
    let offset = ctx.offset_of(raw);
    let (line, column) = ctx.line_column(offset);
    // A long value is cut so the message stays one line.
    let found: String = if raw.chars().count() > 40 {
        format!("{}…", raw.chars().take(40).collect::<String>())
    } else {
        raw.to_owned()
    };
    Err(SarifError::UnsupportedVersion {
        name: ctx.name.to_owned(),
        line,
        column,
        found,
        src: ctx.source(),
        span: label(offset, column, raw.len()),
    })
}

/// "an object", "a string" … for the first character of a JSON value.
fn json_kind(raw: &str) -> &'static str {
    match raw.chars().next() {
        Some('{') => "an object",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        _ => "a number",
    }
}

/// Fails at the first `[`/`{` that opens level `MAX_DEPTH + 1`, outside strings.
fn check_depth(text: &str, base: usize, ctx: &Ctx<'_>) -> Result<(), SarifError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let offset = base + i;
                    let (line, column) = ctx.line_column(offset);
                    return Err(SarifError::TooDeep {
                        name: ctx.name.to_owned(),
                        line,
                        column,
                        limit: MAX_DEPTH,
                        src: ctx.source(),
                        span: label(offset, column, 1),
                    });
                }
            }
            // Unbalanced closers are left to the JSON parser to report.
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A label at `offset`, or none when it is more than 65,535 columns into its line (miette's
/// renderer cannot draw one there; the message still gives the line and column).
fn label(offset: usize, column: usize, len: usize) -> Option<SourceSpan> {
    palisade_core::json::label_at(offset, column).map(|_| SourceSpan::new(offset.into(), len))
}

/// The input and its name, to build errors with spans.
struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
}

impl<'a> Ctx<'a> {
    fn new(bytes: &'a [u8], name: &'a str) -> Result<Self, SarifError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Self { name, text }),
            Err(e) => {
                let offset = e.valid_up_to();
                let lossy = String::from_utf8_lossy(bytes).into_owned();
                let ctx = Ctx { name, text: &lossy };
                let (line, column) = ctx.line_column(offset);
                Err(SarifError::Json {
                    name: name.to_owned(),
                    line,
                    column,
                    reason: "invalid UTF-8".into(),
                    span: label(offset.min(lossy.len()), column, 1),
                    src: NamedSource::new(name, lossy.clone()),
                })
            }
        }
    }

    fn source(&self) -> NamedSource<String> {
        NamedSource::new(self.name, self.text.to_owned())
    }

    /// Byte offset of a slice borrowed from `self.text`.
    fn offset_of(&self, slice: &str) -> usize {
        (slice.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    fn not_sarif(&self, reason: String, span: Option<(usize, usize)>) -> SarifError {
        SarifError::NotSarif {
            name: self.name.to_owned(),
            reason,
            src: self.source(),
            span: span.map(|(o, l)| SourceSpan::new(o.into(), l)),
        }
    }

    /// A JSON syntax error in `part`, a slice of the text starting at byte `base`.
    fn json_error(&self, e: &serde_json::Error, part: &str, base: usize) -> SarifError {
        let offset = base + offset_in(part, e.line(), e.column());
        let (line, column) = self.line_column(offset);
        let reason = strip_position(&e.to_string());
        SarifError::Json {
            name: self.name.to_owned(),
            line,
            column,
            reason,
            src: self.source(),
            span: label(offset, column, 0),
        }
    }

    /// A wrong value inside `runs` (which starts at byte `base`).
    fn value_error(
        &self,
        e: &serde_path_to_error::Error<serde_json::Error>,
        part: &str,
        base: usize,
    ) -> SarifError {
        let inner = e.inner();
        let offset = base + offset_in(part, inner.line(), inner.column());
        let (line, column) = self.line_column(offset);
        let mut pointer = String::from("/runs");
        for segment in e.path().iter() {
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Segment::Enum { variant } => {
                    pointer.push('/');
                    pointer.push_str(variant);
                }
                Segment::Unknown => pointer.push_str("/?"),
            }
        }
        let reason = strip_position(&inner.to_string());
        let span = label(offset, column, 0);
        if inner.is_syntax() || inner.is_eof() {
            // Cannot happen after the top-level pass validated the syntax; kept total anyway.
            return SarifError::Json {
                name: self.name.to_owned(),
                line,
                column,
                reason,
                src: self.source(),
                span,
            };
        }
        SarifError::InvalidValue {
            name: self.name.to_owned(),
            line,
            column,
            pointer,
            reason,
            src: self.source(),
            span,
        }
    }
}

/// Largest char boundary not above `i` (str::floor_char_boundary is not stable everywhere).
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset in `text` of serde_json's 1-based line and column (column counts bytes; 0 means
/// "before the first byte of the line").
fn offset_in(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0usize;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// serde_json appends " at line L column C"; our messages carry the place already.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns the SARIF object model into findings.
fn build_report(runs: Vec<RawRun>) -> Report {
    let mut report = Report {
        tools: Vec::new(),
        findings: Vec::new(),
        suppressed: 0,
    };
    for run in runs {
        let tool = run.tool.driver.name.clone();
        if !report.tools.contains(&tool) {
            report.tools.push(tool.clone());
        }
        let rules = RuleIndex::new(&run.tool.driver, run.tool.extensions.as_ref().map(|e| &e.0));
        for result in run.results.map(|r| r.0).unwrap_or_default() {
            if is_suppressed(&result) {
                report.suppressed += 1;
                continue;
            }
            report.findings.push(finding(&tool, &result, &rules));
        }
    }
    report
}

/// SARIF §3.27.23/§3.35: a result with a suppression that is not under review or rejected is
/// suppressed; `baselineState: "absent"` means it is gone from the code.
fn is_suppressed(result: &RawResult) -> bool {
    let accepted = result.suppressions.as_ref().is_some_and(|s| {
        s.0.iter()
            .any(|s| matches!(s.status.as_deref(), None | Some("accepted")))
    });
    accepted || result.baseline_state.as_deref() == Some("absent")
}

/// The rules of one run, found by (component, index) or by id.
struct RuleIndex<'a> {
    /// Component 0 is the driver, `i + 1` is `extensions[i]`.
    components: Vec<&'a [RawRule]>,
    by_id: HashMap<&'a str, &'a RawRule>,
}

impl<'a> RuleIndex<'a> {
    fn new(driver: &'a RawComponent, extensions: Option<&'a Vec<RawComponent>>) -> Self {
        let mut components: Vec<&'a [RawRule]> = vec![rules_of(driver)];
        components.extend(extensions.into_iter().flatten().map(rules_of));
        let mut by_id = HashMap::new();
        for rules in &components {
            for rule in *rules {
                // The first rule with an id wins, the driver's before extensions'.
                by_id.entry(rule.id.as_str()).or_insert(rule);
            }
        }
        Self { components, by_id }
    }

    fn find(&self, result: &RawResult) -> Option<&'a RawRule> {
        let reference = result.rule.as_ref();
        let component = reference
            .and_then(|r| r.tool_component.as_ref())
            .and_then(|c| c.index)
            .and_then(|i| usize::try_from(i).ok())
            .map_or(0, |i| i + 1);
        let index = result
            .rule_index
            .or_else(|| reference.and_then(|r| r.index));
        if let Some(rule) = index
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.components.get(component)?.get(i))
        {
            return Some(rule);
        }
        let id = result
            .rule_id
            .as_deref()
            .or_else(|| reference.and_then(|r| r.id.as_deref()))?;
        self.by_id.get(id).copied()
    }
}

fn rules_of(component: &RawComponent) -> &[RawRule] {
    component.rules.as_ref().map_or(&[], |r| r.0.as_slice())
}

fn level_of(raw: RawLevel) -> Level {
    match raw {
        RawLevel::None => Level::None,
        RawLevel::Note => Level::Note,
        RawLevel::Warning => Level::Warning,
        RawLevel::Error => Level::Error,
    }
}

fn finding(tool: &str, result: &RawResult, rules: &RuleIndex<'_>) -> Finding {
    let rule = rules.find(result);
    let rule_id = result
        .rule_id
        .clone()
        .or_else(|| result.rule.as_ref().and_then(|r| r.id.clone()))
        .or_else(|| rule.map(|r| r.id.clone()));
    let rule_level = rule
        .and_then(|r| r.default_configuration.as_ref())
        .and_then(|c| c.level);
    // SARIF §3.27.9/§3.27.10: a result whose kind is not "fail" (pass, open, review …) is not a
    // problem, so its level defaults to none and a rule's score does not apply to it.
    let fails = matches!(result.kind.as_deref(), None | Some("fail"));
    let level = match (result.level, fails) {
        (Some(level), _) => level_of(level),
        (None, true) => rule_level.map_or(Level::Warning, level_of),
        (None, false) => Level::None,
    };
    let score = || {
        let own = result.properties.as_ref()?.security_severity.as_ref()?;
        own.score()
    };
    let rule_score = || {
        let theirs = rule?.properties.as_ref()?.security_severity.as_ref()?;
        theirs.score()
    };
    let severity = if fails {
        score()
            .or_else(rule_score)
            .map_or_else(|| level.severity(), Severity::from_score)
    } else {
        level.severity()
    };
    Finding {
        tool: tool.to_owned(),
        rule_id,
        rule_name: rule.and_then(|r| r.name.clone()),
        level,
        severity,
        message: message(result, rule),
        location: location(result),
    }
}

/// `message.text`, else the rule's `messageStrings[message.id]`, else its short description;
/// `{0}`-style placeholders are filled from `message.arguments`.
fn message(result: &RawResult, rule: Option<&RawRule>) -> String {
    let msg = result.message.as_ref();
    let args: &[String] = msg
        .and_then(|m| m.arguments.as_ref())
        .map_or(&[], |a| a.0.as_slice());
    if let Some(text) = msg.and_then(|m| m.text.as_deref()) {
        return fill(text, args);
    }
    let from_id = msg
        .and_then(|m| m.id.as_deref())
        .and_then(|id| rule?.message_strings.as_ref()?.get(id)?.text.as_deref());
    if let Some(text) = from_id {
        return fill(text, args);
    }
    let short = rule.and_then(|r| r.short_description.as_ref()?.text.as_deref());
    if let Some(text) = short {
        return text.to_owned();
    }
    let any_string = rule
        .and_then(|r| r.message_strings.as_ref())
        .and_then(|m| m.values().find_map(|s| s.text.as_deref()));
    any_string.map_or_else(String::new, |t| fill(t, args))
}

/// Replaces `{n}` with the n-th argument (SARIF §3.11.5); `{{`/`}}` are literal braces.
fn fill(text: &str, args: &[String]) -> String {
    if !text.contains('{') && !text.contains('}') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let arg = digits.parse::<usize>().ok().and_then(|n| args.get(n));
                match (arg, chars.peek()) {
                    (Some(arg), Some('}')) => {
                        chars.next();
                        out.push_str(arg);
                    }
                    _ => {
                        out.push('{');
                        out.push_str(&digits);
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn location(result: &RawResult) -> Option<Location> {
    let physical = result
        .locations
        .as_ref()?
        .0
        .as_ref()?
        .physical_location
        .as_ref()?;
    let uri = physical.artifact_location.as_ref()?.uri.clone()?;
    let region = physical.region.as_ref();
    Some(Location {
        uri,
        start_line: region.and_then(|r| r.start_line),
        start_column: region.and_then(|r| r.start_column),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_placeholders() {
        let args = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(fill("x {1} y {0} {{lit}} {7}", &args), "x b y a {lit} {7}");
        assert_eq!(fill("plain", &args), "plain");
        assert_eq!(fill("dangling {", &args), "dangling {");
    }

    #[test]
    fn offsets_from_line_column() {
        let text = "ab\ncde\nf";
        assert_eq!(offset_in(text, 1, 1), 0);
        assert_eq!(offset_in(text, 2, 2), 4);
        assert_eq!(offset_in(text, 3, 1), 7);
        assert_eq!(offset_in(text, 9, 9), text.len());
    }

    #[test]
    fn strips_serde_position() {
        assert_eq!(
            strip_position("expected value at line 3 column 7"),
            "expected value"
        );
    }
}
