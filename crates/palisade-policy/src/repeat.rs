//! Repeatable `@control` annotations. Cedar rejects a policy that names one annotation key
//! twice, but a rule usually enforces controls of several frameworks, so Palisade lets
//! `@control("…")` repeat: before Cedar parses a file, the second and later `@control` keys of
//! each policy are renamed to keys of the same length (`c__0001`, `c__0002`, …), so every byte
//! offset, and so every span in every diagnostic, stays where it was in the file as written.
//! [`controls`] reads them back in written order.

use std::borrow::Cow;

use cedar_policy::Policy;

/// The annotation that may repeat.
const KEY: &str = "control";
/// Renamed keys: this prefix and four digits, as long as [`KEY`].
const RENAMED_PREFIX: &str = "c__";
/// More repeats than this in one policy are left for Cedar to reject as duplicates.
const MAX_REPEATS: usize = 9999;

/// The text Cedar parses: `text` with every repeated `@control` key of a policy renamed.
/// Comments and string literals are skipped; a policy ends at a `;` outside them.
pub(crate) fn number_repeated_controls(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut renames: Vec<(usize, usize)> = Vec::new(); // (offset of the key, repeat number)
    let mut seen = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b';' => {
                seen = 0;
                i += 1;
            }
            b'@' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if &text[start..i] == KEY {
                    if seen > 0 && seen <= MAX_REPEATS {
                        renames.push((start, seen));
                    }
                    seen += 1;
                }
            }
            _ => i += 1,
        }
    }
    if renames.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (at, n) in renames {
        out.push_str(&text[from..at]);
        out.push_str(&format!("{RENAMED_PREFIX}{n:04}"));
        from = at + KEY.len();
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// Every `@control` value of a parsed policy, in written order.
pub(crate) fn controls(policy: &Policy) -> Vec<String> {
    let mut renamed: Vec<(&str, &str)> = policy
        .annotations()
        .filter(|(key, _)| {
            key.strip_prefix(RENAMED_PREFIX)
                .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    renamed.sort_unstable();
    policy
        .annotation(KEY)
        .into_iter()
        .chain(renamed.into_iter().map(|(_, value)| value))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn repeats_are_renamed_in_place() {
        let text = "@id(\"a\")\n@control(\"X\") @ control(\"Y\")\n// @control(\"comment\")\n@message(\"@control(\\\"no\\\")\")\n@control(\"Z\")\npermit (principal, action, resource);\n@control(\"W\")\npermit (principal, action, resource);\n";
        let rewritten = number_repeated_controls(text);
        assert_eq!(rewritten.len(), text.len());
        assert_eq!(
            rewritten,
            text.replacen("@ control", "@ c__0001", 1).replacen(
                "@control(\"Z\")",
                "@c__0002(\"Z\")",
                1
            )
        );
        let set = cedar_policy::PolicySet::from_str(&rewritten).unwrap();
        let mut all: Vec<Vec<String>> = set.policies().map(controls).collect();
        all.sort();
        assert_eq!(all, vec![vec!["W"], vec!["X", "Y", "Z"]]);
    }

    #[test]
    fn text_without_repeats_is_borrowed() {
        let text = "@control(\"X\") permit (principal, action, resource);";
        assert!(matches!(number_repeated_controls(text), Cow::Borrowed(_)));
    }
}
