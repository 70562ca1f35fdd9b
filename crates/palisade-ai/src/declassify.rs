//! Declassification evidence: whether a PII scan of a stage's output shows the personal data
//! gone, so that a stage declaring `declassifies = ["pii"]` may stop the `pii` label.
//!
//! The scan is Presidio's analyzer JSON ([`crate::pii`]). Two checks live here, on bytes:
//!
//! - [`judge`]: **no finding scored at or above the threshold** ([`DEFAULT_SCORE_THRESHOLD`],
//!   0.4: Presidio's pattern recognizers score a bare phone number 0.4 and an e-mail, IBAN or
//!   card number 1.0, so the bar keeps every pattern a redaction stage would act on), and the
//!   scan says what it scanned: only the batch shape (one array per text) records how many
//!   texts it covered; a flat array, or a batch of zero texts, is no evidence;
//! - [`coverage`]: the scan covers the output, text for record: Presidio's batch output has one
//!   entry per record it was given, so its number of texts must equal the output's records
//!   ([`count_records`]: CSV/TSV records, the header row may be scanned or not; JSONL lines).
//!   A scan of fewer texts skipped records; of more, it is a scan of some other file.
//!
//! What they do not prove: Presidio's JSON names neither the file it scanned nor the
//! recognizers that ran (see [`crate::pii`]), so binding the scan to this output (a signature
//! by the stage's identity, or the stage's verified attestation listing both) is the caller's
//! job; an empty scan says nothing about entity types its recognizers cannot see (names, with
//! no NER model).

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
    /// A flat array (one text's results, `AnalyzerEngine.analyze`) with no findings: it does
    /// not say what it scanned, so it cannot show a whole output clean.
    Unscoped,
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
            Verdict::Unscoped => Some(
                "the PII scan is a flat array (one text's results), which does not say what it scanned: scan the output record by record (BatchAnalyzerEngine, one array per record)"
                    .to_owned(),
            ),
        }
    }
}

/// Judges `scan` at `threshold`.
pub fn judge(scan: &PiiScan, threshold: f64) -> Verdict {
    if scan.texts_scanned == Some(0) {
        return Verdict::Empty;
    }
    let count = scan.count_at_least(threshold);
    if count == 0 && scan.texts_scanned.is_none() {
        Verdict::Unscoped
    } else if count == 0 {
        Verdict::Clean
    } else {
        Verdict::Findings {
            count,
            entity_types: scan.entity_types_at_least(threshold),
        }
    }
}

/// How a scanned output's records are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// `.csv` / `.tsv`: RFC 4180 records (a newline inside double quotes is part of a field),
    /// blank lines included, as Python's `csv.reader` yields them. The header row may be
    /// scanned or not.
    Csv,
    /// `.jsonl` / `.ndjson`: one record per non-blank line.
    Jsonl,
}

impl RecordFormat {
    /// The format of an output named `name` (by its extension), `None` when palisade does not
    /// count its records.
    pub fn of(name: &str) -> Option<RecordFormat> {
        let lower = name.to_ascii_lowercase();
        let extension = lower.rsplit_once('.').map_or("", |(_, e)| e);
        match extension {
            "csv" | "tsv" => Some(RecordFormat::Csv),
            "jsonl" | "ndjson" => Some(RecordFormat::Jsonl),
            _ => None,
        }
    }
}

/// Counts the records of an output, streaming (outputs can be large).
pub fn count_records(mut reader: impl std::io::Read, format: RecordFormat) -> std::io::Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut records = 0u64;
    let mut in_quotes = false;
    // Whether the current line holds anything (for JSONL: anything but white space).
    let mut open_line = false;
    let mut last = b'\n';
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        for &byte in &buffer[..read] {
            match (format, byte) {
                (RecordFormat::Csv, b'"') => {
                    in_quotes = !in_quotes;
                    open_line = true;
                }
                (RecordFormat::Csv, b'\n') if !in_quotes => {
                    records += 1;
                    open_line = false;
                }
                (RecordFormat::Jsonl, b'\n') => {
                    records += u64::from(open_line);
                    open_line = false;
                }
                (RecordFormat::Jsonl, b' ' | b'\t' | b'\r') => {}
                _ => open_line = true,
            }
            last = byte;
        }
    }
    if last != b'\n' && open_line {
        records += 1;
    }
    Ok(records)
}

/// Whether a scan of `texts` texts covers an output of `records` records in `format`: `None`
/// when it does, otherwise why not.
pub fn coverage(texts: Option<usize>, records: u64, format: RecordFormat) -> Option<String> {
    let Some(texts) = texts else {
        return Some("the PII scan does not say how many records it scanned".to_owned());
    };
    let texts = texts as u64;
    let covered = match format {
        RecordFormat::Csv => texts == records || (records > 0 && texts == records - 1),
        RecordFormat::Jsonl => texts == records,
    };
    if covered {
        return None;
    }
    let records_text = match format {
        RecordFormat::Csv => format!("{records} CSV records (header included)"),
        RecordFormat::Jsonl => format!("{records} JSON lines"),
    };
    Some(if texts < records {
        format!(
            "the PII scan covers {texts} texts but the output holds {records_text}: records were not scanned"
        )
    } else {
        format!(
            "the PII scan covers {texts} texts but the output holds {records_text}: it is a scan of some other data"
        )
    })
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
        // A flat `[]` says nothing about what was scanned; `[[]]` is one clean text, which
        // covers an output of one record only.
        let none = parse_presidio(b"[]", "s.json").unwrap();
        assert_eq!(judge(&none, DEFAULT_SCORE_THRESHOLD), Verdict::Unscoped);
        assert!(none.texts_scanned.is_none());
        let empty = parse_presidio(b"[[]]", "s.json").unwrap();
        assert_eq!(judge(&empty, DEFAULT_SCORE_THRESHOLD), Verdict::Clean);
        assert!(coverage(empty.texts_scanned, 7, RecordFormat::Csv).is_some());
        let zero = parse_presidio(b"[[]]", "s.json").map(|mut s| {
            s.texts_scanned = Some(0);
            s
        });
        assert_eq!(
            judge(&zero.unwrap(), DEFAULT_SCORE_THRESHOLD),
            Verdict::Empty
        );
    }

    #[test]
    fn records_are_counted_as_python_reads_them() {
        let csv = |text: &str| count_records(text.as_bytes(), RecordFormat::Csv).unwrap();
        assert_eq!(csv(""), 0);
        assert_eq!(csv("a,b\n1,2\n"), 2);
        assert_eq!(csv("a,b\n1,2"), 2);
        assert_eq!(csv("a,b\r\n1,\"two\nlines\"\r\n3,4\r\n"), 3);
        assert_eq!(csv("a\n\nb\n"), 3, "csv.reader yields [] for a blank line");
        let jsonl = |text: &str| count_records(text.as_bytes(), RecordFormat::Jsonl).unwrap();
        assert_eq!(jsonl("{}\n{}\n"), 2);
        assert_eq!(jsonl("{}\n\n  \n{\"a\": \"\\\"\"}"), 2);
        assert_eq!(RecordFormat::of("out/x.CSV"), Some(RecordFormat::Csv));
        assert_eq!(RecordFormat::of("x.ndjson"), Some(RecordFormat::Jsonl));
        assert_eq!(RecordFormat::of("x.parquet"), None);
    }

    #[test]
    fn a_scan_covers_the_output_text_for_record() {
        assert_eq!(coverage(Some(7), 7, RecordFormat::Csv), None);
        assert_eq!(
            coverage(Some(6), 7, RecordFormat::Csv),
            None,
            "header not scanned"
        );
        assert!(
            coverage(Some(5), 7, RecordFormat::Csv)
                .unwrap()
                .contains("records were not scanned")
        );
        assert!(
            coverage(Some(8), 7, RecordFormat::Csv)
                .unwrap()
                .contains("some other data")
        );
        assert!(coverage(Some(5), 6, RecordFormat::Jsonl).is_some());
        assert_eq!(coverage(Some(6), 6, RecordFormat::Jsonl), None);
        assert!(coverage(None, 6, RecordFormat::Jsonl).is_some());
    }
}
