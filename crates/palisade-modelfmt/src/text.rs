//! Showing text that came from a hostile file: control characters escaped, long text cut.

/// The most characters of one quoted value shown in a finding or an error.
const SHOWN_CHARS: usize = 200;

/// Escapes every control character (newlines and tabs included: a finding is one line) as
/// `\u{…}`, so a file cannot move the cursor, retitle the terminal or forge report lines.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Bytes from the file as text: invalid UTF-8 replaced, control characters escaped, cut to
/// [`SHOWN_CHARS`] characters with `…`.
pub(crate) fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        cut.push('…');
    }
    escape_controls(&cut)
}

/// Whether a relative path from a file (ONNX external data, a zip member) leaves the folder on
/// its face: absolute (`/x`, `\x`,
/// `C:x`) or climbing (`..` as a component, with `/` or `\` as separator).
pub(crate) fn leaves_folder(location: &str) -> bool {
    let bytes = location.as_bytes();
    bytes.first().is_some_and(|&b| b == b'/' || b == b'\\')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
        || location.split(['/', '\\']).any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_long_text_cut() {
        assert_eq!(escape_controls("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\u{a}c");
        assert_eq!(shown(b"ok\xff"), "ok\u{fffd}");
        let long = "x".repeat(500);
        let cut = shown(long.as_bytes());
        assert_eq!(cut.chars().count(), SHOWN_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn escaping_locations() {
        for escapes in [
            "/etc/passwd",
            "\\\\server\\share",
            "C:\\x",
            "c:x",
            "../x",
            "a/../../x",
            "a\\..\\x",
            "..",
        ] {
            assert!(leaves_folder(escapes), "{escapes}");
        }
        for stays in ["weights.bin", "sub/w.bin", "..weights", "a..b/c", "./w", ""] {
            assert!(!leaves_folder(stays), "{stays}");
        }
    }
}
