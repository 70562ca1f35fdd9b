//! The text arguments of protocol 0 opcodes, read as CPython reads them: `int(line, 0)` and
//! C's `strtol` for INT (so `1_0`, ` 10 `, `0x10` and, in C, `010` are ints),
//! `int(line)` for memo keys, `float(line)`, `codecs.escape_decode` for STRING and
//! `raw-unicode-escape` for UNICODE. Where C and Python differ, whatever either accepts is
//! accepted: the scanner must never stop where a loader goes on.

/// A parsed int.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Int {
    Small(i64),
    /// Outside i64; the digits (sign included) are kept so memo keys stay distinct.
    Big(Box<str>),
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// Python's `int(s, base)` for base 10 or 0 (which reads `0x`, `0o`, `0b` prefixes and
/// refuses leading zeros on other numbers). Underscores may separate digits.
pub(crate) fn python_int(s: &[u8], base0: bool) -> Option<Int> {
    let s = trim(s);
    let (negative, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits, after_prefix) = if base0 && s.len() >= 2 && s[0] == b'0' {
        match s[1] {
            b'x' | b'X' => (16, &s[2..], true),
            b'o' | b'O' => (8, &s[2..], true),
            b'b' | b'B' => (2, &s[2..], true),
            _ => (10, s, false),
        }
    } else {
        (10, s, false)
    };
    // After a base prefix one underscore may come before the first digit.
    let digits = match digits {
        [b'_', rest @ ..] if after_prefix => rest,
        _ => digits,
    };
    if digits.is_empty() || digits[0] == b'_' || digits[digits.len() - 1] == b'_' {
        return None;
    }
    let mut value: i128 = 0;
    let mut big = false;
    let mut clean = String::new();
    let mut previous_underscore = false;
    for &b in digits {
        if b == b'_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        let d = (b as char).to_digit(radix)?;
        clean.push(b as char);
        if !big {
            match value
                .checked_mul(i128::from(radix))
                .and_then(|v| v.checked_add(i128::from(d)))
            {
                Some(v) => value = v,
                None => big = true,
            }
        }
    }
    // Base 0 refuses `010` (but not `0`, `00` or `0_0`).
    if base0 && radix == 10 && clean.len() > 1 && clean.starts_with('0') && value != 0 {
        return None;
    }
    let signed = if negative { -value } else { value };
    match i64::try_from(signed) {
        Ok(v) if !big => Some(Int::Small(v)),
        _ => {
            // Keep a canonical spelling: decimal digits of the value when it fits i128.
            let text = if big {
                let digits = clean.trim_start_matches('0');
                format!("{}{radix}r{digits}", if negative { "-" } else { "" })
            } else {
                signed.to_string()
            };
            Some(Int::Big(text.into()))
        }
    }
}

/// C's `strtol(s, &end, 0)` accepting the whole argument: leading space, a sign, `0x` hex,
/// `0` octal or decimal, and nothing after.
fn c_strtol(s: &[u8]) -> Option<Int> {
    let start = s.iter().position(|&b| !is_space(b))?;
    let mut s = &s[start..];
    let negative = match s.first() {
        Some(b'-') => {
            s = &s[1..];
            true
        }
        Some(b'+') => {
            s = &s[1..];
            false
        }
        _ => false,
    };
    let (radix, digits) = match s {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16, rest)
        }
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        _ => (10, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        let d = (b as char).to_digit(radix)?;
        value = value
            .checked_mul(i64::from(radix))?
            .checked_add(i64::from(d))?;
    }
    Some(Int::Small(if negative { -value } else { value }))
}

/// INT's argument: `00` and `01` are False and True; otherwise `int(s, 0)` (Python) or
/// `strtol` (C).
pub(crate) enum IntArg {
    Bool(bool),
    Int(Int),
}

pub(crate) fn int_arg(line: &[u8]) -> Option<IntArg> {
    match line {
        b"00" => return Some(IntArg::Bool(false)),
        b"01" => return Some(IntArg::Bool(true)),
        _ => {}
    }
    python_int(line, true)
        .or_else(|| c_strtol(line))
        .map(IntArg::Int)
}

/// LONG's argument: an optional trailing `L`, then `int(s, 0)`.
pub(crate) fn long_arg(line: &[u8]) -> Option<Int> {
    let line = line.strip_suffix(b"L").unwrap_or(line);
    python_int(line, true)
}

/// FLOAT's argument: what Python's `float()` accepts (underscores between digits, spaces,
/// `inf`, `nan` …), read leniently.
pub(crate) fn float_arg(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(trim(line)) else {
        return false;
    };
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    !clean.is_empty() && clean.parse::<f64>().is_ok()
}

/// STRING's argument: quoted with `'` or `"`, then `codecs.escape_decode`. None when CPython
/// refuses it (unquoted, a bad `\x` escape, a trailing backslash).
pub(crate) fn string_arg(line: &[u8]) -> Option<Vec<u8>> {
    let inner = match line {
        [q @ (b'\'' | b'"'), inner @ .., last] if last == q => inner,
        _ => return None,
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let c = *inner.get(i)?;
        i += 1;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'a' => out.push(0x07),
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let hex = inner.get(i..i + 2)?;
                let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(value);
                i += 2;
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// UNICODE's argument: `raw-unicode-escape` (bytes are Latin-1 characters; an odd run of
/// backslashes before `u`/`U` starts a `\uXXXX`/`\UXXXXXXXX` escape). None when CPython
/// refuses it.
pub(crate) fn raw_unicode_escape(line: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b != b'\\' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let run_start = i;
        while i < line.len() && line[i] == b'\\' {
            i += 1;
        }
        let run = i - run_start;
        let escape = run % 2 == 1 && matches!(line.get(i), Some(b'u' | b'U'));
        let literal = if escape { run - 1 } else { run };
        out.extend(std::iter::repeat_n('\\', literal));
        if !escape {
            continue;
        }
        let count = if line[i] == b'u' { 4 } else { 8 };
        let hex = line.get(i + 1..i + 1 + count)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let value = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        if value > 0x10ffff {
            return None;
        }
        // A lone surrogate is a valid str in Python but not in Rust: keep a placeholder that
        // makes the name implausible (it can name no module).
        out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
        i += 1 + count;
    }
    Some(out)
}

/// The result of decoding BINUNICODE's bytes as CPython does (`utf-8`, `surrogatepass`).
pub(crate) enum Utf8 {
    Text(String),
    /// Valid only with lone surrogates: a str Rust cannot hold.
    Surrogates,
    Invalid,
}

pub(crate) fn utf8_surrogatepass(bytes: Vec<u8>) -> Utf8 {
    match String::from_utf8(bytes) {
        Ok(s) => Utf8::Text(s),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut rest = &bytes[..];
            loop {
                match std::str::from_utf8(rest) {
                    Ok(_) => return Utf8::Surrogates,
                    Err(e) => {
                        let at = e.valid_up_to();
                        match rest.get(at..at + 3) {
                            Some([0xed, 0xa0..=0xbf, 0x80..=0xbf]) => rest = &rest[at + 3..],
                            _ => return Utf8::Invalid,
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_as_python_and_c_read_them() {
        let small = |s: &[u8], base0| python_int(s, base0);
        assert_eq!(small(b"1_0", true), Some(Int::Small(10)));
        assert_eq!(small(b" 10 \n", true), Some(Int::Small(10)));
        assert_eq!(small(b"0x10", true), Some(Int::Small(16)));
        assert_eq!(small(b"0x_1f", true), Some(Int::Small(31)));
        assert_eq!(small(b"-0b101", true), Some(Int::Small(-5)));
        assert_eq!(small(b"010", true), None);
        assert_eq!(small(b"010", false), Some(Int::Small(10)));
        assert_eq!(small(b"0_0", true), Some(Int::Small(0)));
        assert_eq!(small(b"1__0", true), None);
        assert_eq!(small(b"_1", true), None);
        assert_eq!(small(b"1_", true), None);
        assert_eq!(small(b"", true), None);
        assert_eq!(small(b"12x", true), None);
        assert!(matches!(
            small(b"99999999999999999999999999999999999999999", false),
            Some(Int::Big(_))
        ));
        assert!(matches!(int_arg(b"010"), Some(IntArg::Int(Int::Small(8)))));
        assert!(matches!(int_arg(b"00"), Some(IntArg::Bool(false))));
        assert!(int_arg(b"").is_none());
        assert!(int_arg(b"1 2").is_none());
        assert_eq!(long_arg(b"1_0L"), Some(Int::Small(10)));
    }

    #[test]
    fn floats() {
        for ok in [
            &b"1.5"[..],
            b"1_0.5",
            b" inf ",
            b"-Infinity",
            b"nan",
            b"1e5",
            b".5",
        ] {
            assert!(float_arg(ok), "{ok:?}");
        }
        for bad in [&b""[..], b"x", b"1.5.5"] {
            assert!(!float_arg(bad), "{bad:?}");
        }
    }

    #[test]
    fn string_escapes() {
        assert_eq!(string_arg(b"'o\\x73'").unwrap(), b"os");
        assert_eq!(string_arg(b"\"os\"").unwrap(), b"os");
        assert_eq!(string_arg(b"'\\157s'").unwrap(), b"os");
        assert_eq!(string_arg(b"'o\\q'").unwrap(), b"o\\q");
        assert_eq!(string_arg(b"'a\\'b'").unwrap(), b"a'b");
        assert!(string_arg(b"'o\\x7'").is_none());
        assert!(string_arg(b"'o\\'").is_none());
        assert!(string_arg(b"os").is_none());
        assert!(string_arg(b"'").is_none());
    }

    #[test]
    fn raw_unicode_escapes() {
        assert_eq!(raw_unicode_escape(b"o\\u0073").unwrap(), "os");
        assert_eq!(raw_unicode_escape(b"o\\s").unwrap(), "o\\s");
        assert_eq!(raw_unicode_escape(b"\\\\u0073").unwrap(), "\\\\u0073");
        assert_eq!(raw_unicode_escape(b"\\\\\\u0073").unwrap(), "\\\\s");
        assert_eq!(raw_unicode_escape(b"\\U00000073").unwrap(), "s");
        assert_eq!(raw_unicode_escape(b"\xe9").unwrap(), "\u{e9}");
        assert!(raw_unicode_escape(b"\\u00").is_none());
        assert!(raw_unicode_escape(b"\\U00110000").is_none());
    }

    #[test]
    fn utf8_with_surrogates() {
        assert!(matches!(utf8_surrogatepass(b"os".to_vec()), Utf8::Text(s) if s == "os"));
        assert!(matches!(
            utf8_surrogatepass(b"a\xed\xa0\x80b".to_vec()),
            Utf8::Surrogates
        ));
        assert!(matches!(
            utf8_surrogatepass(b"\xff".to_vec()),
            Utf8::Invalid
        ));
    }
}
