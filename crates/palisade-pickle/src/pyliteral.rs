//! Python literals as `ast.literal_eval` reads them, for `.npy` headers: strings with every
//! prefix, escape and implicit concatenation, numbers with underscores and bases, tuples,
//! lists, dicts (the last duplicate key wins), sets, `True`/`False`/`None`, comments and line
//! continuations. Whatever is not handled is an error, never a guess: the caller fails closed.

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Bytes(Vec<u8>),
    Int(i128),
    /// An int past i128.
    BigInt,
    Bool(bool),
    None,
    /// A float or complex number.
    Number,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    /// Entries in first-insertion order, each key once, holding its last value.
    Dict(Vec<(Lit, Lit)>),
    Set(Vec<Lit>),
}

/// An error and the character offset where it was found.
pub(crate) type LitError = (usize, String);

const MAX_DEPTH: usize = 64;

/// Parses `text` as one Python literal expression. `long_suffix` accepts Python 2's `10L`
/// (numpy retries version 1 and 2 headers without them).
pub(crate) fn parse(text: &str, long_suffix: bool) -> Result<Lit, LitError> {
    let mut p = Parser {
        s: text.chars().collect(),
        i: 0,
        long_suffix,
    };
    let value = p.expr_list(0)?;
    p.ws(true);
    if p.i < p.s.len() {
        return p.err("unexpected text after the literal");
    }
    Ok(value)
}

struct Parser {
    s: Vec<char>,
    i: usize,
    long_suffix: bool,
}

impl Parser {
    fn err<T>(&self, why: &str) -> Result<T, LitError> {
        Err((self.i, why.to_owned()))
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces, comments and line continuations (newlines too: inside brackets they
    /// are insignificant, and a header is one logical line).
    fn ws(&mut self, _anywhere: bool) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\x0c' | '\n' | '\r' => self.i += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '\\' if matches!(self.s.get(self.i + 1), Some('\n')) => self.i += 2,
                '\\' if matches!(self.s.get(self.i + 1), Some('\r'))
                    && matches!(self.s.get(self.i + 2), Some('\n')) =>
                {
                    self.i += 3;
                }
                _ => break,
            }
        }
    }

    /// `a` or `a, b, …` (a tuple without parentheses).
    fn expr_list(&mut self, depth: usize) -> Result<Lit, LitError> {
        let first = self.expr(depth)?;
        self.ws(true);
        if self.peek() != Some(',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek() == Some(',') {
            self.i += 1;
            self.ws(true);
            if self.peek().is_none() {
                break;
            }
            items.push(self.expr(depth)?);
            self.ws(true);
        }
        Ok(Lit::Tuple(items))
    }

    /// A literal, a signed number, or `number ± imaginary`.
    fn expr(&mut self, depth: usize) -> Result<Lit, LitError> {
        if depth > MAX_DEPTH {
            return self.err("nested too deeply");
        }
        self.ws(true);
        let value = match self.peek() {
            Some(sign @ ('+' | '-')) => {
                self.i += 1;
                self.ws(true);
                match self.atom(depth + 1)? {
                    Lit::Int(i) => Lit::Int(if sign == '-' { -i } else { i }),
                    Lit::Bool(b) => Lit::Int(if sign == '-' {
                        -i128::from(b)
                    } else {
                        i128::from(b)
                    }),
                    n @ (Lit::BigInt | Lit::Number) => n,
                    _ => return self.err("a sign before something that is not a number"),
                }
            }
            _ => self.atom(depth + 1)?,
        };
        self.ws(true);
        // literal_eval allows `real ± imaginary` (complex literals).
        if matches!(self.peek(), Some('+' | '-'))
            && matches!(value, Lit::Int(_) | Lit::BigInt | Lit::Number)
        {
            self.i += 1;
            self.ws(true);
            match self.atom(depth + 1)? {
                Lit::Number => return Ok(Lit::Number),
                _ => return self.err("only a complex number may follow + or -"),
            }
        }
        Ok(value)
    }

    fn atom(&mut self, depth: usize) -> Result<Lit, LitError> {
        self.ws(true);
        let Some(c) = self.peek() else {
            return self.err("the literal ends early");
        };
        match c {
            '(' => {
                self.i += 1;
                self.ws(true);
                if self.peek() == Some(')') {
                    self.i += 1;
                    return Ok(Lit::Tuple(Vec::new()));
                }
                let first = self.expr(depth)?;
                self.ws(true);
                if self.peek() == Some(')') {
                    self.i += 1;
                    return Ok(first);
                }
                let mut items = vec![first];
                self.seq_tail(&mut items, ')', depth)?;
                Ok(Lit::Tuple(items))
            }
            '[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws(true);
                if self.peek() == Some(']') {
                    self.i += 1;
                    return Ok(Lit::List(items));
                }
                items.push(self.expr(depth)?);
                self.ws(true);
                if self.peek() == Some(']') {
                    self.i += 1;
                    return Ok(Lit::List(items));
                }
                self.seq_tail(&mut items, ']', depth)?;
                Ok(Lit::List(items))
            }
            '{' => self.braces(depth),
            '0'..='9' | '.' => self.number(),
            _ if c.is_alphabetic() || c == '_' => {
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.i += 1;
                }
                let word: String = self.s[start..self.i].iter().collect();
                if matches!(self.peek(), Some('\'' | '"')) {
                    self.i = start;
                    return self.strings();
                }
                match word.as_str() {
                    "True" => Ok(Lit::Bool(true)),
                    "False" => Ok(Lit::Bool(false)),
                    "None" => Ok(Lit::None),
                    "set" => {
                        self.ws(true);
                        if self.peek() == Some('(') {
                            self.i += 1;
                            self.ws(true);
                            if self.peek() == Some(')') {
                                self.i += 1;
                                return Ok(Lit::Set(Vec::new()));
                            }
                        }
                        self.err("only set() may be called")
                    }
                    _ => self.err("a name that is not True, False or None"),
                }
            }
            '\'' | '"' => self.strings(),
            _ => self.err("unexpected character"),
        }
    }

    /// After the first item and a separator: `, item, item [,] close`.
    fn seq_tail(
        &mut self,
        items: &mut Vec<Lit>,
        close: char,
        depth: usize,
    ) -> Result<(), LitError> {
        loop {
            self.ws(true);
            match self.peek() {
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(());
                }
                Some(',') => {
                    self.i += 1;
                    self.ws(true);
                    if self.peek() == Some(close) {
                        self.i += 1;
                        return Ok(());
                    }
                    items.push(self.expr(depth)?);
                }
                _ => return self.err("expected ',' or a closing bracket"),
            }
        }
    }

    fn braces(&mut self, depth: usize) -> Result<Lit, LitError> {
        self.i += 1;
        self.ws(true);
        if self.peek() == Some('}') {
            self.i += 1;
            return Ok(Lit::Dict(Vec::new()));
        }
        let first = self.expr(depth)?;
        self.ws(true);
        if self.peek() != Some(':') {
            let mut items = vec![first];
            if self.peek() == Some('}') {
                self.i += 1;
            } else {
                self.seq_tail(&mut items, '}', depth)?;
            }
            return Ok(Lit::Set(items));
        }
        let mut entries: Vec<(Lit, Lit)> = Vec::new();
        let mut key = first;
        loop {
            self.i += 1; // ':'
            let value = self.expr(depth)?;
            match entries.iter_mut().find(|(k, _)| same_key(k, &key)) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
            self.ws(true);
            match self.peek() {
                Some('}') => {
                    self.i += 1;
                    return Ok(Lit::Dict(entries));
                }
                Some(',') => {
                    self.i += 1;
                    self.ws(true);
                    if self.peek() == Some('}') {
                        self.i += 1;
                        return Ok(Lit::Dict(entries));
                    }
                    key = self.expr(depth)?;
                    self.ws(true);
                    if self.peek() != Some(':') {
                        return self.err("expected ':' in a dict");
                    }
                }
                _ => return self.err("expected ',' or '}' in a dict"),
            }
        }
    }

    fn number(&mut self) -> Result<Lit, LitError> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            || (matches!(self.peek(), Some('+' | '-'))
                && matches!(self.s.get(self.i - 1), Some('e' | 'E'))
                && !self.s[start..self.i].iter().any(|c| matches!(c, 'x' | 'X')))
        {
            self.i += 1;
        }
        let mut text: String = self.s[start..self.i].iter().collect();
        if self.long_suffix && (text.ends_with('L') || text.ends_with('l')) {
            text.pop();
        }
        if text.ends_with(['j', 'J']) {
            let body = &text[..text.len() - 1];
            return if is_float(body) || crate::pytext::python_int(body.as_bytes(), false).is_some()
            {
                Ok(Lit::Number)
            } else {
                self.err("invalid number")
            };
        }
        match crate::pytext::python_int(text.as_bytes(), true) {
            Some(crate::pytext::Int::Small(i)) => return Ok(Lit::Int(i128::from(i))),
            Some(crate::pytext::Int::Big(b)) => {
                return Ok(b.parse::<i128>().map_or(Lit::BigInt, Lit::Int));
            }
            None => {}
        }
        if is_float(&text) {
            return Ok(Lit::Number);
        }
        self.err("invalid number")
    }

    /// One or more adjacent string literals, concatenated.
    fn strings(&mut self) -> Result<Lit, LitError> {
        let mut text: Option<String> = None;
        let mut bytes: Option<Vec<u8>> = None;
        loop {
            self.ws(true);
            let start = self.i;
            let mut prefix = String::new();
            while let Some(c) = self.peek().filter(|c| c.is_ascii_alphabetic()) {
                prefix.push(c.to_ascii_lowercase());
                self.i += 1;
            }
            if !matches!(self.peek(), Some('\'' | '"')) {
                self.i = start;
                break;
            }
            let (raw, is_bytes) = match prefix.as_str() {
                "" | "u" => (false, false),
                "r" => (true, false),
                "b" => (false, true),
                "br" | "rb" => (true, true),
                _ => return self.err("a string prefix literal_eval refuses"),
            };
            let part = self.one_string(raw, is_bytes)?;
            match (part, &mut text, &mut bytes) {
                (Part::Text(t), Some(acc), None) => acc.push_str(&t),
                (Part::Text(t), None, None) => text = Some(t),
                (Part::Bytes(b), None, Some(acc)) => acc.extend_from_slice(&b),
                (Part::Bytes(b), None, None) => bytes = Some(b),
                _ => return self.err("str and bytes literals concatenated"),
            }
        }
        match (text, bytes) {
            (Some(t), None) => Ok(Lit::Str(t)),
            (None, Some(b)) => Ok(Lit::Bytes(b)),
            _ => self.err("expected a string"),
        }
    }

    fn one_string(&mut self, raw: bool, is_bytes: bool) -> Result<Part, LitError> {
        let quote = self.s[self.i];
        let triple =
            self.s.get(self.i + 1) == Some(&quote) && self.s.get(self.i + 2) == Some(&quote);
        self.i += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated string");
            };
            if c == quote
                && (!triple
                    || (self.s.get(self.i + 1) == Some(&quote)
                        && self.s.get(self.i + 2) == Some(&quote)))
            {
                self.i += if triple { 3 } else { 1 };
                break;
            }
            if c == '\n' && !triple {
                return self.err("newline in a string");
            }
            if is_bytes && !c.is_ascii() {
                return self.err("non-ASCII character in a bytes literal");
            }
            self.i += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return self.err("unterminated string");
            };
            self.i += 1;
            if raw {
                // A raw string keeps the backslash; it still protects the quote.
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(e),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut value = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                value = value * 8 + d;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    let ch = if is_bytes {
                        char::from((value & 0xff) as u8)
                    } else {
                        char::from_u32(value).ok_or((self.i, "bad octal escape".to_owned()))?
                    };
                    out.push(ch);
                }
                'x' => out.push(self.hex_escape(2)?),
                'u' if !is_bytes => out.push(self.hex_escape(4)?),
                'U' if !is_bytes => out.push(self.hex_escape(8)?),
                'N' if !is_bytes => return self.err("\\N{…} escapes are not handled"),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
        Ok(if is_bytes {
            Part::Bytes(out.chars().map(|c| c as u32 as u8).collect())
        } else {
            Part::Text(out)
        })
    }

    fn hex_escape(&mut self, digits: usize) -> Result<char, LitError> {
        let hex: String = self
            .s
            .get(self.i..self.i + digits)
            .unwrap_or(&[])
            .iter()
            .collect();
        if hex.len() != digits || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.err("truncated escape");
        }
        self.i += digits;
        u32::from_str_radix(&hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or((
                self.i,
                "escape out of range (or a lone surrogate)".to_owned(),
            ))
    }
}

enum Part {
    Text(String),
    Bytes(Vec<u8>),
}

fn is_float(text: &str) -> bool {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    text.contains(['.', 'e', 'E'])
        && !text.starts_with('_')
        && !text.ends_with('_')
        && !text.contains("__")
        && clean
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && clean
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && clean.parse::<f64>().is_ok()
}

/// Python dict key equality for the keys headers use (str, bytes, ints and bools).
fn same_key(a: &Lit, b: &Lit) -> bool {
    match (a, b) {
        (Lit::Str(x), Lit::Str(y)) => x == y,
        (Lit::Bytes(x), Lit::Bytes(y)) => x == y,
        (Lit::Int(_) | Lit::Bool(_), Lit::Int(_) | Lit::Bool(_)) => as_int(a) == as_int(b),
        (Lit::None, Lit::None) => true,
        _ => false,
    }
}

fn as_int(l: &Lit) -> Option<i128> {
    match l {
        Lit::Int(i) => Some(*i),
        Lit::Bool(b) => Some(i128::from(*b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Lit {
        parse(text, false).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn numpy_headers() {
        let lit = ok("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }          \n");
        assert_eq!(
            lit,
            Lit::Dict(vec![
                (Lit::Str("descr".into()), Lit::Str("<f8".into())),
                (Lit::Str("fortran_order".into()), Lit::Bool(false)),
                (
                    Lit::Str("shape".into()),
                    Lit::Tuple(vec![Lit::Int(2), Lit::Int(3)])
                ),
            ])
        );
        assert_eq!(ok("(3,)"), Lit::Tuple(vec![Lit::Int(3)]));
        assert_eq!(ok("(3)"), Lit::Int(3));
        assert_eq!(ok("()"), Lit::Tuple(vec![]));
    }

    #[test]
    fn strings_as_python_reads_them() {
        assert_eq!(ok(r"'\x64escr'"), Lit::Str("descr".into()));
        assert_eq!(ok(r"'de' 'scr'"), Lit::Str("descr".into()));
        assert_eq!(ok(r"u'descr'"), Lit::Str("descr".into()));
        assert_eq!(ok(r#""""descr""""#), Lit::Str("descr".into()));
        assert_eq!(ok(r"'\u004f'"), Lit::Str("O".into()));
        assert_eq!(ok(r"'\117'"), Lit::Str("O".into()));
        assert_eq!(ok(r"r'\x4f'"), Lit::Str("\\x4f".into()));
        assert_eq!(ok(r"'\q'"), Lit::Str("\\q".into()));
        assert_eq!(ok(r"b'\x4f'"), Lit::Bytes(b"O".to_vec()));
        assert_eq!(ok("'a' # comment\n"), Lit::Str("a".into()));
        assert!(parse(r"'a' b'b'", false).is_err());
        assert!(parse(r"f'x'", false).is_err());
        assert!(parse(r"'\N{LATIN CAPITAL LETTER O}'", false).is_err());
        assert!(parse("'abc", false).is_err());
    }

    #[test]
    fn duplicate_keys_the_last_wins() {
        let lit = ok("{'descr': '<f8', 'descr': '|O'}");
        assert_eq!(
            lit,
            Lit::Dict(vec![(Lit::Str("descr".into()), Lit::Str("|O".into()))])
        );
        let lit = ok("{1: 'a', True: 'b'}");
        assert_eq!(lit, Lit::Dict(vec![(Lit::Int(1), Lit::Str("b".into()))]));
    }

    #[test]
    fn numbers_and_names() {
        assert_eq!(ok("1_000"), Lit::Int(1000));
        assert_eq!(ok("0x10"), Lit::Int(16));
        assert_eq!(ok("-3"), Lit::Int(-3));
        assert_eq!(ok("1.5e3"), Lit::Number);
        assert_eq!(ok("1+2j"), Lit::Number);
        assert_eq!(ok("None"), Lit::None);
        assert_eq!(ok("set()"), Lit::Set(vec![]));
        assert_eq!(ok("{1, 2}"), Lit::Set(vec![Lit::Int(1), Lit::Int(2)]));
        assert!(parse("010", false).is_err());
        assert!(parse("10L", false).is_err());
        assert_eq!(parse("10L", true).unwrap(), Lit::Int(10));
        assert!(parse("foo", false).is_err());
        assert!(parse("print(1)", false).is_err());
        assert!(parse(&"[".repeat(100), false).is_err());
    }
}
