//! Helpers shared by the fuzz targets in `fuzz_targets/`: each target feeds arbitrary bytes to
//! one of Palisade's readers of untrusted input and asks only that it return (Ok or Err)
//! without panicking, and that its error renders.
//!
//! ```no_run
//! let err = palisade_sarif::parse(b"{", "fuzz.sarif").unwrap_err();
//! palisade_fuzz::render(&err);
//! ```

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// Renders a diagnostic as the binary would (graphical, no colour) and checks it names
/// something. A rendering failure (for example a span past the end of the source) is not a
/// panic, so it is tolerated; a panic inside miette or our `Display` impls is what the fuzzer
/// catches.
pub fn render(diagnostic: &dyn Diagnostic) -> String {
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let _ = handler.render_report(&mut out, diagnostic);
    assert!(
        !diagnostic.to_string().is_empty(),
        "an error with an empty message"
    );
    out
}

/// The first byte after any blanks and a UTF-8 byte order mark: what the CycloneDX reader
/// looks at to choose JSON or XML.
pub fn first_significant_byte(data: &[u8]) -> Option<u8> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    data.iter().copied().find(|b| !b.is_ascii_whitespace())
}
