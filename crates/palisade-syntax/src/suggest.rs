//! "Did you mean" suggestions: the closest candidate by Damerau-Levenshtein distance.

/// The candidate closest to `word`, if one is close enough to be a plausible typo.
///
/// Distance is the optimal-string-alignment variant of Damerau-Levenshtein (insertions,
/// deletions, substitutions and swaps of neighbours each cost 1), compared case-insensitively.
/// A candidate qualifies when its distance is at most a third of the longer word's length
/// (at least 1). Ties go to the earliest candidate, so callers list candidates in a useful order.
///
/// ```
/// assert_eq!(palisade_syntax::suggest("datset", ["dataset", "model"]), Some("dataset"));
/// assert_eq!(palisade_syntax::suggest("zzz", ["dataset", "model"]), None);
/// ```
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    // Very long words are never typos of our keywords or names; keep the cost bounded.
    if word.is_empty() || word.len() > 256 {
        return None;
    }
    let mut best: Option<(usize, &'a str)> = None;
    let mut scratch = Scratch::default();
    for candidate in candidates {
        let chars: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
        let longest = word.len().max(chars.len());
        let threshold = (longest / 3).max(1);
        // The length difference is a lower bound of the distance: skip cheaply.
        if word.len().abs_diff(chars.len()) > threshold || chars.len() > 256 {
            continue;
        }
        let distance = scratch.osa_distance(&word, &chars);
        if distance <= threshold && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Reused rows of the dynamic-programming table.
#[derive(Default)]
struct Scratch {
    two_back: Vec<usize>,
    one_back: Vec<usize>,
    current: Vec<usize>,
}

impl Scratch {
    /// Optimal string alignment distance between `a` and `b`.
    fn osa_distance(&mut self, a: &[char], b: &[char]) -> usize {
        let width = b.len() + 1;
        self.two_back.clear();
        self.two_back.resize(width, 0);
        self.one_back.clear();
        self.one_back.extend(0..width);
        self.current.clear();
        self.current.resize(width, 0);
        for (i, &ca) in a.iter().enumerate() {
            self.current[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let cost = usize::from(ca != cb);
                let mut value = (self.one_back[j] + cost)
                    .min(self.one_back[j + 1] + 1)
                    .min(self.current[j] + 1);
                if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb {
                    value = value.min(self.two_back[j - 1] + 1);
                }
                self.current[j + 1] = value;
            }
            std::mem::swap(&mut self.two_back, &mut self.one_back);
            std::mem::swap(&mut self.one_back, &mut self.current);
        }
        self.one_back[b.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        Scratch::default().osa_distance(&a, &b)
    }

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("modle", "model"), 1);
        assert_eq!(distance("datset", "dataset"), 1);
        assert_eq!(distance("ca", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let kinds = ["key", "identity", "code", "dataset", "model", "image"];
        assert_eq!(suggest("modle", kinds), Some("model"));
        assert_eq!(suggest("Dataset", kinds), Some("dataset"));
        assert_eq!(suggest("imgae", kinds), Some("image"));
        assert_eq!(suggest("kye", kinds), Some("key"));
        assert_eq!(suggest("pipeline", kinds), None);
        assert_eq!(suggest("", kinds), None);
        assert_eq!(suggest("x", kinds), None);
        assert_eq!(suggest("fromat", ["path", "format"]), Some("format"));
        // Ties go to the first candidate; a closer later one still wins.
        assert_eq!(suggest("cat", ["bat", "hat"]), Some("bat"));
        assert_eq!(suggest("cat", ["cats", "cat"]), Some("cat"));
    }
}
