//! PII scans by Microsoft Presidio's analyzer (presidio-analyzer 2.2.366), in its own JSON.
//!
//! Presidio's unit of output is the `RecognizerResult`; its `to_dict()` is what the analyzer's
//! REST service (`POST /analyze`) returns and what a script saves with
//! `json.dump([r.to_dict() for r in results])`:
//!
//! ```json
//! {"entity_type": "EMAIL_ADDRESS", "start": 25, "end": 45, "score": 1.0,
//!  "analysis_explanation": null,
//!  "recognition_metadata": {"recognizer_name": "EmailRecognizer", "recognizer_identifier": "EmailRecognizer_1403…"}}
//! ```
//!
//! Two shapes are read: a flat array of results (one text: `AnalyzerEngine.analyze`), and an
//! array of arrays, one per text (`BatchAnalyzerEngine.analyze_iterator` over the lines or
//! records of a file). Fields read: `entity_type`, `start`, `end`, `score`,
//! `recognition_metadata.recognizer_name`; anything else is skipped.
//!
//! Presidio records neither its version nor what it scanned: [`PiiScan::version`] and
//! [`PiiScan::file_digest`] are always `None` for this format, and tying the scan to the file
//! it is about is the caller's job (the pipeline says which output the scan belongs to; the
//! scan's offsets must fall inside that file's records, see [`PiiScan::max_end`]). A flat
//! array says nothing about how many texts were scanned ([`PiiScan::texts_scanned`] is `None`);
//! the batch shape does. Every score must be a number in [0, 1], every span `start <= end`.
//!
//! Presidio runs offline with its pattern recognizers (e-mail, phone, credit card, IBAN, IP,
//! US SSN, URL …) when its spaCy engine is given a blank pipeline saved to disk instead of
//! `en_core_web_lg`; the NER-based entities (PERSON, LOCATION, NRP) then find nothing.
//! `tests/fixtures/ai/pii/make.py` does this.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::AiError;
use crate::source::{Bounded, MAX_DEPTH, Source, json_kind};

/// Largest scan read, in bytes (256 MiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Most findings (and texts) read.
pub const MAX_FINDINGS: usize = 1_000_000;

const EXPECTED: &str =
    "a Presidio analyzer result (a JSON array of RecognizerResult objects, or one array per text)";

/// One entity Presidio found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `entity_type` (`EMAIL_ADDRESS`, `PHONE_NUMBER`, `CREDIT_CARD` …).
    pub entity_type: String,
    /// `score`, in [0, 1].
    pub score: f64,
    /// Which text of a batch (0 for a single text).
    pub text_index: usize,
    /// `start` offset in that text (characters, as Python counts them).
    pub start: u64,
    /// `end` offset.
    pub end: u64,
    /// `recognition_metadata.recognizer_name`, if recorded.
    pub recognizer: Option<String>,
}

/// Findings of one entity type.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct EntityStats {
    /// How many.
    pub count: u64,
    /// The highest score.
    pub max_score: f64,
}

/// A PII scan reduced to what a gate needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PiiScan {
    /// The tool: `"presidio-analyzer"`.
    pub tool: &'static str,
    /// The tool's version, when the file records it (Presidio's does not).
    pub version: Option<String>,
    /// The file scanned, when the scan records it (Presidio's does not).
    pub file: Option<String>,
    /// That file's digest, when recorded (Presidio's does not).
    pub file_digest: Option<String>,
    /// How many texts were scanned: known for the batch shape only.
    pub texts_scanned: Option<usize>,
    /// Per entity type.
    pub entities: BTreeMap<String, EntityStats>,
    /// The highest score of any finding (`None` when nothing was found).
    pub max_score: Option<f64>,
    /// The furthest `end` offset of any finding.
    pub max_end: u64,
    /// Every finding, in file order.
    pub findings: Vec<Finding>,
}

impl PiiScan {
    /// Findings scored at least `threshold` (Presidio's own default cut-off is 0; its
    /// documentation suggests 0.5 and above for decisions).
    pub fn count_at_least(&self, threshold: f64) -> u64 {
        self.findings
            .iter()
            .filter(|f| f.score >= threshold)
            .count() as u64
    }

    /// Entity types with a finding scored at least `threshold`.
    pub fn entity_types_at_least(&self, threshold: f64) -> Vec<String> {
        let mut types: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.score >= threshold)
            .map(|f| f.entity_type.clone())
            .collect();
        types.sort();
        types.dedup();
        types
    }
}

#[derive(Deserialize)]
struct RawResult {
    entity_type: String,
    start: u64,
    end: u64,
    score: f64,
    recognition_metadata: Option<RawMetadata>,
}

#[derive(Deserialize)]
struct RawMetadata {
    recognizer_name: Option<String>,
}

/// Parses a Presidio analyzer result held in memory; `name` names it in errors.
pub fn parse_presidio(bytes: &[u8], name: &str) -> Result<PiiScan, AiError> {
    let source = Source::decode(bytes, name, MAX_FILE_BYTES)?;
    source.check_json_depth(source.text, MAX_DEPTH)?;
    if !source.text.trim_start().starts_with('[') {
        source.json::<serde::de::IgnoredAny>(source.text)?;
        return Err(source.unknown_format(
            EXPECTED,
            &format!("the top level is {}", json_kind(source.text)),
        ));
    }
    // The batch shape is an array of arrays; a flat array holds result objects.
    let inside = source.text.trim_start()[1..].trim_start();
    let batch = inside.starts_with('[');
    if !batch && !inside.starts_with('{') && !inside.starts_with(']') {
        source.json::<serde::de::IgnoredAny>(source.text)?;
        return Err(
            source.unknown_format(EXPECTED, &format!("the array holds {}", json_kind(inside)))
        );
    }
    let texts: Vec<Vec<RawResult>> = if batch {
        source
            .json::<Bounded<Bounded<RawResult, MAX_FINDINGS>, MAX_FINDINGS>>(source.text)?
            .0
            .into_iter()
            .map(|text| text.0)
            .collect()
    } else {
        vec![
            source
                .json::<Bounded<RawResult, MAX_FINDINGS>>(source.text)?
                .0,
        ]
    };
    let total: usize = texts.iter().map(Vec::len).sum();
    if total > MAX_FINDINGS {
        return Err(source.limit(format!("{total} findings"), MAX_FINDINGS as u64));
    }
    let mut scan = PiiScan {
        tool: "presidio-analyzer",
        version: None,
        file: None,
        file_digest: None,
        texts_scanned: batch.then_some(texts.len()),
        entities: BTreeMap::new(),
        max_score: None,
        max_end: 0,
        findings: Vec::with_capacity(total),
    };
    for (text_index, results) in texts.into_iter().enumerate() {
        for (within, raw) in results.into_iter().enumerate() {
            // Located only when there is an error: a scan from the start per finding would
            // make a large file quadratic.
            let invalid = |reason: String| {
                let pointer = if batch {
                    format!("/{text_index}/{within}")
                } else {
                    format!("/{within}")
                };
                source.invalid(&pointer, source.locate(&pointer), &reason)
            };
            if !(raw.score.is_finite() && (0.0..=1.0).contains(&raw.score)) {
                return Err(invalid(format!("score {} is not in [0, 1]", raw.score)));
            }
            if raw.start > raw.end {
                return Err(invalid(format!(
                    "start {} is after end {}",
                    raw.start, raw.end
                )));
            }
            if raw.entity_type.is_empty() {
                return Err(invalid("empty entity_type".to_owned()));
            }
            let stats = scan.entities.entry(raw.entity_type.clone()).or_default();
            stats.count += 1;
            stats.max_score = stats.max_score.max(raw.score);
            scan.max_score = Some(scan.max_score.map_or(raw.score, |max| max.max(raw.score)));
            scan.max_end = scan.max_end.max(raw.end);
            scan.findings.push(Finding {
                entity_type: raw.entity_type,
                score: raw.score,
                text_index,
                start: raw.start,
                end: raw.end,
                recognizer: raw.recognition_metadata.and_then(|m| m.recognizer_name),
            });
        }
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = r#"{"entity_type": "EMAIL_ADDRESS", "start": 25, "end": 45, "score": 1.0, "analysis_explanation": null, "recognition_metadata": {"recognizer_name": "EmailRecognizer", "recognizer_identifier": "EmailRecognizer_1"}}"#;
    const PHONE: &str = r#"{"entity_type": "PHONE_NUMBER", "start": 54, "end": 69, "score": 0.4}"#;

    #[test]
    fn flat_and_batch_shapes() {
        let flat = format!("[{EMAIL}, {PHONE}]");
        let scan = parse_presidio(flat.as_bytes(), "s.json").unwrap();
        assert_eq!(scan.texts_scanned, None);
        assert_eq!(scan.entities["EMAIL_ADDRESS"].count, 1);
        assert_eq!(scan.max_score, Some(1.0));
        assert_eq!(scan.max_end, 69);
        assert_eq!(scan.count_at_least(0.5), 1);
        assert_eq!(
            scan.entity_types_at_least(0.3),
            ["EMAIL_ADDRESS", "PHONE_NUMBER"]
        );
        assert_eq!(
            scan.findings[0].recognizer.as_deref(),
            Some("EmailRecognizer")
        );
        let batch = format!("[[{EMAIL}], [], [{PHONE}, {PHONE}]]");
        let scan = parse_presidio(batch.as_bytes(), "s.json").unwrap();
        assert_eq!(scan.texts_scanned, Some(3));
        assert_eq!(scan.findings[2].text_index, 2);
        assert_eq!(scan.entities["PHONE_NUMBER"].count, 2);
        let clean = parse_presidio(b"[[], []]", "s.json").unwrap();
        assert_eq!((clean.texts_scanned, clean.max_score), (Some(2), None));
        assert_eq!(parse_presidio(b"[]", "s.json").unwrap().texts_scanned, None);
    }

    #[test]
    fn bad_values_are_errors() {
        let error = parse_presidio(
            PHONE
                .replace("0.4", "1.5")
                .replace('{', "[{")
                .replace('}', "}]")
                .as_bytes(),
            "s.json",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("score 1.5 is not in [0, 1]"),
            "{error}"
        );
        let error =
            parse_presidio(format!("[[{EMAIL}], {EMAIL}]").as_bytes(), "s.json").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("at /1: invalid type: map, expected an array of at most"),
            "{error}"
        );
        let error = parse_presidio(
            br#"[{"entity_type": "X", "start": 5, "end": 1, "score": 0.5}]"#,
            "s.json",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("start 5 is after end 1"),
            "{error}"
        );
        let error = parse_presidio(br#"[{"entity": "X"}]"#, "s.json").unwrap_err();
        assert!(
            error.to_string().contains("missing field `entity_type`"),
            "{error}"
        );
        let error = parse_presidio(br#"{"results": []}"#, "s.json").unwrap_err();
        assert!(
            error.to_string().contains("the top level is an object"),
            "{error}"
        );
        let error = parse_presidio(b"[1, 2]", "s.json").unwrap_err();
        assert!(
            error.to_string().contains("the array holds a number"),
            "{error}"
        );
    }
}
