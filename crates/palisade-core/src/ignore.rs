//! An artifact's `ignore = [...]` patterns: gitignore-like globs, relative to the artifact's
//! folder, naming files and folders left out of its content digest (and so out of
//! `palisade.lock`'s pin). They are always written in the pipeline, never implied.
//!
//! The semantics are a strict subset of `.gitignore`, so that a reviewer reads them the way
//! git would:
//!
//! | pattern | matches |
//! | --- | --- |
//! | `name` (no `/` but a trailing one) | an entry called `name` at any depth |
//! | `name/` (trailing `/`) | only a *folder* called `name`, at any depth, with everything under it |
//! | `a/b`, `/a` (a `/` before the end) | the path `a/b` (or `a`) from the artifact's folder only |
//! | `*` | any run of characters within one path segment (never a `/`) |
//! | `?` | one character within a segment |
//! | `**` (a whole segment) | zero or more folders: `**/x` = `x` anywhere, `a/**` = all under `a` |
//!
//! A matched folder is left out with everything under it. Refused (an error, never a silent
//! guess): an empty pattern, negation (`!x`), character classes (`[...]`), a backslash, `.` or
//! `..` segments, an empty segment (`a//b`), `**` inside a segment (`a**b`), control
//! characters, and a pattern made only of wildcards (`*`, `**`, `*/`), which would leave
//! nothing or nearly everything out.
//!
//! ```
//! use palisade_core::ignore::IgnoreList;
//!
//! let list = IgnoreList::parse(&["__pycache__/", "*.pyc"]).unwrap();
//! assert!(list.matches("src/__pycache__", true));
//! assert!(!list.matches("src/__pycache__", false)); // a file of that name is kept
//! assert!(list.matches("a/b/mod.cpython-312.pyc", false));
//! assert!(!list.matches("a/b/mod.py", false));
//! ```

use std::fmt;

/// At most this many patterns on one artifact.
pub const MAX_PATTERNS: usize = 64;
/// At most this many bytes in one pattern.
pub const MAX_PATTERN_LEN: usize = 256;
/// At most this many `**` segments in one pattern.
pub const MAX_DOUBLE_STARS: usize = 4;

/// One path segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: zero or more whole segments.
    AnyDepth,
    /// A segment glob with `*` and `?`.
    Glob(Vec<char>),
}

/// One parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePattern {
    written: String,
    /// Trailing `/`: matches folders only.
    dir_only: bool,
    /// The segments, from the artifact's folder. A pattern of one segment without a `/` before
    /// its end is prefixed with `**` (it matches at any depth).
    segments: Vec<Segment>,
}

impl IgnorePattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

/// Why a pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// Why, in a few words.
    pub reason: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ignore pattern {:?}: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for PatternError {}

/// Parses one pattern (see the module documentation for what is accepted).
pub fn parse_pattern(written: &str) -> Result<IgnorePattern, PatternError> {
    let fail = |reason: &str| PatternError {
        pattern: written.to_owned(),
        reason: reason.to_owned(),
    };
    if written.is_empty() {
        return Err(fail("is empty"));
    }
    if written.len() > MAX_PATTERN_LEN {
        return Err(fail(&format!("is longer than {MAX_PATTERN_LEN} bytes")));
    }
    if written.starts_with('!') {
        return Err(fail(
            "negation (`!`) is not supported: list only what to leave out",
        ));
    }
    if written.contains('\\') {
        return Err(fail(
            "a backslash is not allowed: separate folders with `/`",
        ));
    }
    if written.contains(['[', ']']) {
        return Err(fail(
            "character classes (`[...]`) are not supported: use `*` or `?`",
        ));
    }
    if written.chars().any(char::is_control) {
        return Err(fail("control characters are not allowed"));
    }
    let dir_only = written.ends_with('/');
    let body = written.strip_suffix('/').unwrap_or(written);
    let anchored = body.starts_with('/');
    let body = body.strip_prefix('/').unwrap_or(body);
    if body.is_empty() {
        return Err(fail("names nothing"));
    }
    let mut segments = Vec::new();
    let mut double_stars = 0;
    for part in body.split('/') {
        match part {
            "" => return Err(fail("has an empty segment (`//`)")),
            "." | ".." => return Err(fail("`.` and `..` segments are not allowed")),
            "**" => {
                double_stars += 1;
                // `**/**` is one `**`.
                if segments.last() != Some(&Segment::AnyDepth) {
                    segments.push(Segment::AnyDepth);
                }
            }
            p if p.contains("**") => {
                return Err(fail(
                    "`**` must be a whole segment (`**/x`, `a/**`), not part of a name",
                ));
            }
            p => segments.push(Segment::Glob(p.chars().collect())),
        }
    }
    if double_stars > MAX_DOUBLE_STARS {
        return Err(fail(&format!(
            "has more than {MAX_DOUBLE_STARS} `**` segments"
        )));
    }
    let literal = segments.iter().any(|s| match s {
        Segment::AnyDepth => false,
        Segment::Glob(chars) => chars.iter().any(|c| *c != '*'),
    });
    if !literal {
        return Err(fail(
            "is only wildcards: it would leave out everything (name what to ignore)",
        ));
    }
    if !anchored && !body.contains('/') {
        segments.insert(0, Segment::AnyDepth);
    }
    Ok(IgnorePattern {
        written: written.to_owned(),
        dir_only,
        segments,
    })
}

/// An artifact's parsed `ignore` list (empty: nothing is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IgnoreList {
    patterns: Vec<IgnorePattern>,
}

impl IgnoreList {
    /// Parses every pattern; the first refused one is the error.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<IgnoreList, PatternError> {
        if patterns.len() > MAX_PATTERNS {
            return Err(PatternError {
                pattern: patterns
                    .get(MAX_PATTERNS)
                    .map(|p| p.as_ref().to_owned())
                    .unwrap_or_default(),
                reason: format!("more than {MAX_PATTERNS} patterns on one artifact"),
            });
        }
        Ok(IgnoreList {
            patterns: patterns
                .iter()
                .map(|p| parse_pattern(p.as_ref()))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether there is no pattern.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns as written, in order.
    pub fn written(&self) -> Vec<String> {
        self.patterns.iter().map(|p| p.written.clone()).collect()
    }

    /// Whether the entry at `rel` ('/'-separated, relative to the artifact's folder) is left
    /// out; `is_dir` says whether it is a folder (a symbolic link is not one).
    pub fn matches(&self, rel: &str, is_dir: bool) -> bool {
        let path: Vec<&str> = rel.split('/').collect();
        self.patterns
            .iter()
            .any(|p| (is_dir || !p.dir_only) && segments_match(&p.segments, &path))
    }
}

/// Whether the pattern segments match the whole path (dynamic programming over both: no
/// backtracking blow-up whatever the input).
fn segments_match(pattern: &[Segment], path: &[&str]) -> bool {
    // reach[j]: the first i pattern segments match the first j path segments.
    let mut reach = vec![false; path.len() + 1];
    reach[0] = true;
    for segment in pattern {
        let mut next = vec![false; path.len() + 1];
        match segment {
            Segment::AnyDepth => {
                let mut any = false;
                for j in 0..=path.len() {
                    any |= reach[j];
                    next[j] = any;
                }
            }
            Segment::Glob(glob) => {
                for j in 0..path.len() {
                    if reach[j] && glob_match(glob, path[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reach = next;
    }
    reach[path.len()]
}

/// `*` and `?` within one segment (greedy with one backtrack point: linear in practice).
fn glob_match(glob: &[char], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let (mut g, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, n));
                g += 1;
            }
            Some(c) if *c == '?' || *c == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((sg, sn)) => {
                    g = sg + 1;
                    n = sn + 1;
                    star = Some((sg, sn + 1));
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &[&str]) -> IgnoreList {
        IgnoreList::parse(patterns).unwrap()
    }

    #[test]
    fn names_match_at_any_depth() {
        let l = list(&["__pycache__/", "*.pyc", ".DS_Store"]);
        assert!(l.matches("__pycache__", true));
        assert!(l.matches("pkg/sub/__pycache__", true));
        assert!(!l.matches("__pycache__", false));
        assert!(l.matches("x.pyc", false));
        assert!(l.matches("a/b/x.pyc", false));
        assert!(!l.matches("a/b/x.pyco", false));
        assert!(!l.matches("a/pyc", false));
        assert!(l.matches("deep/.DS_Store", false));
        assert!(l.matches("deep/.DS_Store", true));
    }

    #[test]
    fn a_slash_anchors_to_the_artifact_folder() {
        let l = list(&["build/out", "/dist"]);
        assert!(l.matches("build/out", true));
        assert!(l.matches("build/out", false));
        assert!(!l.matches("src/build/out", false));
        assert!(l.matches("dist", true));
        assert!(!l.matches("src/dist", true));
    }

    #[test]
    fn double_star_spans_folders() {
        let l = list(&["logs/**", "**/tmp/*.log", "a/**/z"]);
        assert!(l.matches("logs/x", false));
        assert!(l.matches("logs/x/y", false));
        assert!(!l.matches("src/logs/x", false));
        assert!(l.matches("tmp/a.log", false));
        assert!(l.matches("q/r/tmp/a.log", false));
        assert!(!l.matches("q/r/tmp/a.txt", false));
        assert!(l.matches("a/z", true));
        assert!(l.matches("a/b/c/z", false));
        assert!(!l.matches("a/b/c/y", false));
    }

    #[test]
    fn star_and_question_stay_in_a_segment() {
        let l = list(&["/a*b", "?.txt"]);
        assert!(l.matches("ab", false));
        assert!(l.matches("axxb", false));
        assert!(!l.matches("ax/xb", false));
        assert!(l.matches("x.txt", false));
        assert!(!l.matches("xy.txt", false));
        assert!(glob_match(
            &"*a*a*a*a*b".chars().collect::<Vec<_>>(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
        ));
        assert!(!glob_match(
            &"*a*a*a*a*b".chars().collect::<Vec<_>>(),
            &"a".repeat(200)
        ));
    }

    #[test]
    fn refused_patterns_say_why() {
        for bad in [
            "", "!keep.py", "a\\b", "[ab].py", "a//b", "../x", "./x", "a**b", "*", "**", "*/", "/",
            "**/*", "a\nb",
        ] {
            let err = parse_pattern(bad).unwrap_err();
            assert!(!err.reason.is_empty(), "{bad:?}");
        }
        assert!(parse_pattern("**/x/**/y/**/z/**/w/**/v").is_err());
        let many: Vec<String> = (0..=MAX_PATTERNS).map(|i| format!("f{i}")).collect();
        assert!(IgnoreList::parse(&many).is_err());
    }

    #[test]
    fn empty_list_ignores_nothing() {
        let l = IgnoreList::default();
        assert!(l.is_empty());
        assert!(!l.matches("anything", true));
    }
}
