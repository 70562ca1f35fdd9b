//! Chat templates: Jinja code shipped in model metadata and rendered at inference. Rendered
//! outside a sandbox (llama-cpp-python before 0.2.72: CVE-2024-34359), a template reaches
//! Python itself through attribute chains: `().__class__.__base__.__subclasses__()`,
//! `cycler.__init__.__globals__.os.popen(…)`, `lipsum.__globals__`, `|attr('__class__')`.
//! Real chat templates need none of that; they loop over messages, compare roles, trim and
//! concatenate strings, and use `namespace()` for state.
//!
//! Only template code is checked (`{{ … }}`, `{% … %}`, not `{# … #}` comments or
//! `{% raw %}` text): identifiers, and string literals (which `attr`, `[…]` and `~` turn into
//! attribute names). An unterminated tag or string is checked to the end of the template,
//! so text is never skipped on a parse this lexer and Jinja might disagree on.

/// Identifiers that reach Python internals or Jinja globals with gadgets (`lipsum`, `cycler`,
/// `joiner` and `namespace` expose `__init__.__globals__`; `request`, `config`, `url_for` and
/// `get_flashed_messages` are Flask's), or that run or import things.
const DENIED_IDENTIFIERS: &[&str] = &[
    "attr",
    "builtins",
    "config",
    "cycler",
    "eval",
    "exec",
    "func_globals",
    "get_flashed_messages",
    "getattr",
    "globals",
    "import",
    "joiner",
    "lipsum",
    "mro",
    "popen",
    "request",
    "self",
    "subclasses",
    "subprocess",
    "url_for",
];

/// Escapes that spell an underscore (to build `__class__` past a filter on `_`).
const UNDERSCORE_ESCAPES: &[&str] = &["\\x5f", "\\x5F", "\\u005f", "\\u005F", "\\137"];

/// Why a chat template looks like a template injection: one line per pattern found (empty
/// for a template that uses none). The check is lexical and errs towards flagging.
///
/// ```
/// use palisade_modelfmt::template_injections;
///
/// let benign = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] | trim }}{% endfor %}";
/// assert!(template_injections(benign).is_empty());
/// let evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
/// assert_eq!(
///     template_injections(evil),
///     [
///         "`cycler` in template code",
///         "dunder name `__init__` in template code",
///         "dunder name `__globals__` in template code",
///         "`popen` in template code",
///     ]
/// );
/// ```
pub fn template_injections(template: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut note = |why: String| {
        if !found.contains(&why) {
            found.push(why);
        }
    };
    for code in code_regions(template) {
        for token in tokens(code) {
            match token {
                Token::Identifier(name) => {
                    if name.contains("__") {
                        note(format!("dunder name `{name}` in template code"));
                    } else if DENIED_IDENTIFIERS.contains(&name) {
                        note(format!("`{name}` in template code"));
                    }
                }
                Token::Str(text) => {
                    if let Some(dunder) = dunder_in(text) {
                        note(format!("string spells the dunder name `{dunder}`"));
                    } else if UNDERSCORE_ESCAPES.iter().any(|e| text.contains(e)) {
                        note("string escapes an underscore (builds a dunder name)".to_owned());
                    }
                }
            }
        }
    }
    found
        .into_iter()
        .map(|why| crate::text::escape_controls(&why))
        .collect()
}

/// The first `__name__`-like run inside a string literal (`'__class__'`, `'__'`).
fn dunder_in(text: &str) -> Option<String> {
    let at = text.find("__")?;
    let rest = &text[at..];
    let end = rest
        .char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_ascii_alphanumeric()))
        .map_or(rest.len(), |(i, _)| i);
    Some(rest[..end].chars().take(60).collect())
}

/// The code inside `{{ … }}` and `{% … %}` tags, skipping comments and `raw` blocks.
fn code_regions(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let (close, is_statement) = match after.as_bytes().first() {
            Some(b'{') => ("}}", false),
            Some(b'%') => ("%}", true),
            Some(b'#') => {
                // A comment: skip to its end (or the end of the template).
                rest = after.find("#}").map_or("", |end| &after[end + 2..]);
                continue;
            }
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let end = find_close(body, close);
        let code = &body[..end];
        rest = body.get(end + 2..).unwrap_or("");
        if is_statement && is_raw_open(code) {
            // `{% raw %}` … `{% endraw %}`: text, not code.
            match find_endraw(rest) {
                Some(after_raw) => rest = after_raw,
                None => rest = "",
            }
            continue;
        }
        out.push(code);
    }
    out
}

/// Where `close` ends a tag body, ignoring it inside string literals (the end of the text
/// if it never does).
fn find_close(body: &str, close: &str) -> usize {
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'\'' || b == b'"' {
                    quote = Some(b);
                } else if bytes[i..].starts_with(close.as_bytes()) {
                    return i;
                }
            }
        }
        i += 1;
    }
    body.len()
}

fn is_raw_open(code: &str) -> bool {
    code.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "raw"
}

/// The text after the `{% endraw %}` that closes a raw block.
fn find_endraw(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find("{%") {
        let body = &rest[open + 2..];
        let close = body.find("%}")?;
        if body[..close].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace())
            == "endraw"
        {
            return Some(&body[close + 2..]);
        }
        rest = &body[close + 2..];
    }
    None
}

enum Token<'a> {
    Identifier(&'a str),
    Str(&'a str),
}

/// Identifiers and string literals of a piece of Jinja code (numbers and operators dropped).
fn tokens(code: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' || b == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            out.push(Token::Str(&code[start..j.min(bytes.len())]));
            i = j + 1;
        } else if b == b'_' || b.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            out.push(Token::Identifier(&code[start..i]));
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Templates shipped with real models (abridged from their tokenizer configs).
    const REAL_TEMPLATES: &[&str] = &[
        // Llama 3 instruct
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
        // ChatML (Qwen, OpenHermes)
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        // Mistral instruct
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
        // Tool use with namespace(), selectattr, tojson and a comment
        "{#- tools -#}{%- set ns = namespace(system_message='', found=false) -%}{%- for tool in tools | selectattr('type', 'equalto', 'function') | map(attribute='function') -%}{{- tool | tojson(indent=4) }}{%- endfor -%}{%- if ns.found %}{{ strftime_now('%d %b %Y') }}{% endif %}",
    ];

    #[test]
    fn real_templates_are_clean() {
        for template in REAL_TEMPLATES {
            assert_eq!(
                template_injections(template),
                Vec::<String>::new(),
                "{template}"
            );
        }
    }

    #[test]
    fn known_payloads_are_flagged() {
        let cases: &[(&str, &str)] = &[
            (
                "{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}",
                "dunder name `__class__` in template code",
            ),
            (
                "{{ lipsum.__globals__['os'].popen('id').read() }}",
                "`lipsum` in template code",
            ),
            (
                "{{ joiner.__init__.__globals__ }}",
                "`joiner` in template code",
            ),
            (
                "{{ namespace.__init__.__globals__.os }}",
                "dunder name `__init__` in template code",
            ),
            (
                "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
                "`attr` in template code",
            ),
            (
                "{{ ()['__cl' ~ 'ass__'] }}",
                "string spells the dunder name `__cl`",
            ),
            ("{{ request.application }}", "`request` in template code"),
            ("{{ config.items() }}", "`config` in template code"),
            (
                "{{ self._TemplateReference__context }}",
                "`self` in template code",
            ),
            (
                "{{ x['\\x5f\\x5fdict\\x5f\\x5f'] }}",
                "string escapes an underscore (builds a dunder name)",
            ),
            // An unterminated tag is checked to the end.
            (
                "text {{ x.__class__ ",
                "dunder name `__class__` in template code",
            ),
        ];
        for (template, expected) in cases {
            let found = template_injections(template);
            assert!(found.iter().any(|f| f == expected), "{template}: {found:?}");
        }
    }

    #[test]
    fn comments_raw_blocks_and_text_are_not_code() {
        assert!(template_injections("{# __class__ #}hello __class__ config").is_empty());
        assert!(template_injections("{% raw %}{{ __class__ }}{% endraw %}{{ x }}").is_empty());
        assert!(!template_injections("{% raw %}a{% endraw %}{{ x.__class__ }}").is_empty());
        // `}}` inside a string does not end the tag.
        assert_eq!(
            template_injections("{{ '}}' ~ x.__class__ }}"),
            ["dunder name `__class__` in template code"]
        );
    }
}
