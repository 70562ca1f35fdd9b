//! Declassification evidence: whether a PII scan of a stage's output shows the personal data
//! gone, so that a stage declaring `declassifies = ["pii"]` may stop the `pii` label.
//!
//! The scan is Presidio's analyzer JSON ([`crate::pii`]). The verdict is simple and strict:
//! **no finding scored at or above the threshold** ([`DEFAULT_SCORE_THRESHOLD`], 0.4: Presidio's
//! pattern recognizers score a bare phone number 0.4 and an e-mail, IBAN or card number 1.0, so
//! the bar keeps every pattern a redaction stage would act on). A scan with findings, or that
//! scanned no text, is no evidence. What it does not prove: Presidio's JSON names neither the
//! file it scanned nor the recognizers that ran (see [`crate::pii`]); an empty scan says
//! nothing about entity types its recognizers cannot see (names, with no NER model).

use crate::pii::PiiScan;

/// Findings scored at least this count against declassification.
pub const DEFAULT_SCORE_THRESHOLD: f64 = 0.4;

/// What a PII scan says about a declassification claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No finding at or above the threshold: the claim is evidenced.
    Clean,
    /// Findings at or above the threshold: the claim is not evidenced.
    Findings {
        /// How many.
        count: u64,
        /// Their entity types, sorted.
        entity_types: Vec<String>,
    },
    /// The scan scanned nothing (a batch of zero texts).
    Empty,
}

impl Verdict {
    /// Why the claim is not evidenced (`None` when clean).
    pub fn reason(&self, threshold: f64) -> Option<String> {
        match self {
            Verdict::Clean => None,
            Verdict::Findings {
                count,
                entity_types,
            } => Some(format!(
                "the PII scan still finds {count} entit{} scored {threshold} or more ({})",
                if *count == 1 { "y" } else { "ies" },
                entity_types.join(", ")
            )),
            Verdict::Empty => Some("the PII scan scanned no text".to_owned()),
        }
    }
}

/// Judges `scan` at `threshold`.
pub fn judge(scan: &PiiScan, threshold: f64) -> Verdict {
    if scan.texts_scanned == Some(0) {
        return Verdict::Empty;
    }
    let count = scan.count_at_least(threshold);
    if count == 0 {
        Verdict::Clean
    } else {
        Verdict::Findings {
            count,
            entity_types: scan.entity_types_at_least(threshold),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::parse_presidio;

    #[test]
    fn findings_at_or_above_the_threshold_block_declassification() {
        let clean = parse_presidio(b"[[], []]", "s.json").unwrap();
        assert_eq!(judge(&clean, DEFAULT_SCORE_THRESHOLD), Verdict::Clean);
        let low = parse_presidio(
            br#"[[{"entity_type": "US_BANK_NUMBER", "start": 0, "end": 8, "score": 0.05}]]"#,
            "s.json",
        )
        .unwrap();
        assert_eq!(judge(&low, DEFAULT_SCORE_THRESHOLD), Verdict::Clean);
        let phone = parse_presidio(
            br#"[[{"entity_type": "PHONE_NUMBER", "start": 0, "end": 8, "score": 0.4}]]"#,
            "s.json",
        )
        .unwrap();
        let verdict = judge(&phone, DEFAULT_SCORE_THRESHOLD);
        assert_eq!(
            verdict.reason(DEFAULT_SCORE_THRESHOLD).unwrap(),
            "the PII scan still finds 1 entity scored 0.4 or more (PHONE_NUMBER)"
        );
        let none = parse_presidio(b"[]", "s.json").unwrap();
        assert_eq!(judge(&none, DEFAULT_SCORE_THRESHOLD), Verdict::Clean);
        let empty = parse_presidio(b"[[]]", "s.json").unwrap();
        assert_eq!(judge(&empty, DEFAULT_SCORE_THRESHOLD), Verdict::Clean);
    }
}
