//! A small, lenient PEM reader (RFC 7468 "lax"): any line width, CRLF or LF, several blocks.
//!
//! Written here rather than taken from `pem-rfc7468` because that crate is strict about the
//! 64-column wrapping, and key files in the wild are not always wrapped that way.

use base64::Engine as _;

/// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block, decoded.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Most PEM files hold one block; a CA bundle may hold a few dozen.
const MAX_BLOCKS: usize = 256;

/// Decodes every PEM block of `text`, in order. Text outside blocks is ignored.
pub(crate) fn decode_all(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        let line_no = index + 1;
        match &mut current {
            None => {
                if let Some(label) = line
                    .strip_prefix("-----BEGIN ")
                    .and_then(|rest| rest.strip_suffix("-----"))
                {
                    current = Some((label.to_string(), String::new()));
                }
            }
            Some((label, body)) => {
                if let Some(end) = line
                    .strip_prefix("-----END ")
                    .and_then(|rest| rest.strip_suffix("-----"))
                {
                    if end != label {
                        return Err(format!(
                            "line {line_no}: `-----END {end}-----` closes a `{label}` block"
                        ));
                    }
                    let der = base64::engine::general_purpose::STANDARD
                        .decode(body.as_bytes())
                        .map_err(|e| format!("the `{label}` block ending on line {line_no} is not valid base64: {e}"))?;
                    blocks.push(PemBlock {
                        label: label.clone(),
                        der,
                    });
                    if blocks.len() > MAX_BLOCKS {
                        return Err(format!("more than {MAX_BLOCKS} PEM blocks"));
                    }
                    current = None;
                } else if line.contains(':') {
                    // RFC 1421 headers mean legacy OpenSSL encryption, which we do not support.
                    return Err(format!(
                        "line {line_no}: PEM headers (legacy `Proc-Type`/`DEK-Info` encryption) are not supported; convert the key to PKCS#8"
                    ));
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    if let Some((label, _)) = current {
        return Err(format!(
            "the `{label}` block has no `-----END {label}-----` line"
        ));
    }
    if blocks.is_empty() {
        return Err("no PEM block (`-----BEGIN …-----`) found".to_string());
    }
    Ok(blocks)
}

/// Encodes `der` as one PEM block with 64-column lines and LF line ends.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_several_blocks_with_crlf_and_odd_widths() {
        let text = "junk\r\n-----BEGIN A-----\r\nAAEC\r\nAw==\r\n-----END A-----\r\n-----BEGIN B-----\nBA==\n-----END B-----\n";
        let blocks = decode_all(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "A");
        assert_eq!(blocks[0].der, vec![0, 1, 2, 3]);
        assert_eq!(blocks[1].label, "B");
        assert_eq!(blocks[1].der, vec![4]);
    }

    #[test]
    fn round_trips() {
        let der: Vec<u8> = (0..=200).collect();
        let text = encode("THING", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        let blocks = decode_all(&text).unwrap();
        assert_eq!(blocks[0].der, der);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            decode_all("hello").err().unwrap(),
            "no PEM block (`-----BEGIN …-----`) found"
        );
        assert_eq!(
            decode_all("-----BEGIN A-----\nAAAA\n").err().unwrap(),
            "the `A` block has no `-----END A-----` line"
        );
        assert_eq!(
            decode_all("-----BEGIN A-----\nAAAA\n-----END B-----\n")
                .err()
                .unwrap(),
            "line 3: `-----END B-----` closes a `A` block"
        );
        assert!(
            decode_all("-----BEGIN A-----\n!!!!\n-----END A-----\n")
                .err()
                .unwrap()
                .starts_with("the `A` block ending on line 3 is not valid base64")
        );
        assert!(
            decode_all("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n-----END A-----\n")
                .err()
                .unwrap()
                .contains("PEM headers")
        );
    }
}
