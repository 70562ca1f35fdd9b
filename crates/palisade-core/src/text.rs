//! Escaping text that came from an input before it reaches an output.
//!
//! Names, messages and evidence strings are written by whoever wrote the input: a SARIF
//! message, a package name, a policy's `@message`, a pickle's import name. Printed raw, an
//! ESC or OSC sequence can recolour, retitle or rewrite the terminal (a fake green "allowed"
//! line), a bidi control can reorder what the reader sees (Trojan Source), a line separator
//! can start a line that looks like palisade's own; in Markdown (PR comments) a backtick or a
//! bracket can break out into links, images and HTML. Every renderer passes input text
//! through one of these functions.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is a character that changes how text around it is displayed: a C0/C1 control,
/// DEL, a bidi embedding/override/isolate or mark, or a Unicode line/paragraph separator.
pub fn is_display_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn escape_with(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_display_control(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_display_control(c) && !keep(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escapes every display control, newlines and tabs included (`\u{1b}` style): for a value
/// printed on one line (a name, a message, a reason).
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape_with(text, |_| false)
}

/// Escapes every display control but newlines and tabs: for a multi-line block (a rendered
/// diagnostic).
pub fn escape_block(text: &str) -> Cow<'_, str> {
    escape_with(text, |c| c == '\n' || c == '\t')
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML and XML text and attributes, after
/// [`escape_line`].
pub fn escape_html(text: &str) -> String {
    let line = escape_line(text);
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown (GitHub and GitLab flavoured) so it renders as the same plain
/// text: every inline syntax character is backslash-escaped and HTML is entity-escaped, after
/// [`escape_line`]. Never put input text inside a code span: backslashes do not escape there.
pub fn escape_markdown(text: &str) -> String {
    let line = escape_line(text);
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Emphasis, code spans, links and images, tables, strikethrough, math, mentions.
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '|' | '~' | '$' | '@' | '#' => {
                out.push('\\');
                out.push(c);
            }
            // Autolinks: `https://…` and `www.…` (GFM links them without any brackets).
            ':' if chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/') => {
                out.push_str("\\:");
            }
            '.' if i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w')) => {
                out.push_str("\\.");
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(escape_line("plain"), Cow::Borrowed("plain"));
        assert_eq!(
            escape_line("a\u{1b}]0;pwned\u{7}b\n\u{202E}c\u{2028}"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{a}\\u{202e}c\\u{2028}"
        );
        assert_eq!(escape_block("a\n\tb\u{1b}[2J"), "a\n\tb\\u{1b}[2J");
        assert_eq!(escape_line("\u{9b}31m"), "\\u{9b}31m");
    }

    #[test]
    fn markdown_cannot_break_out() {
        let hostile = "x`](https://evil.example)![img](https://evil.example/i.png)<img src=x onerror=alert(1)>";
        let escaped = escape_markdown(hostile);
        assert!(!escaped.contains("<img"));
        // Every bracket and bang is escaped, so nothing opens a link or an image.
        for c in ['[', ']', '!'] {
            assert!(
                !escaped.replace(&format!("\\{c}"), "").contains(c),
                "{escaped}"
            );
        }
        assert!(escaped.contains("\\`"));
        assert!(!escaped.contains("https://"), "{escaped}");
        assert_eq!(
            escape_markdown("see www.evil.example"),
            "see www\\.evil.example"
        );
        assert_eq!(escape_markdown("@everyone $x$"), "\\@everyone \\$x\\$");
        // Plain names stay readable.
        assert_eq!(
            escape_markdown("Dataset::\"transactions\" → fraud-xgb v1.2"),
            "Dataset::\"transactions\" → fraud-xgb v1.2"
        );
        assert_eq!(
            escape_html("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
