//! Every renderer fed strings an attacker controls (policy ids and messages, waiver reasons,
//! file names, lineage from SBOM names): terminal escapes, bidi overrides, Markdown and HTML,
//! XML breakers. Text formats must show them inert; data formats must carry them faithfully
//! and stay well-formed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade_core::{Decision, Severity, Timestamp};
use palisade_policy::{
    Action, Evaluation, Location, PolicyPack, Reason, Summary, Violation, WaiverUse,
};
use palisade_report::{Format, render};

const EVIL: &str = "x\u{1b}]0;pwned\u{7}\u{1b}[32mALLOW\u{202e}txt.exe`![i](https://e.example/p.png)<script>]]></y>&\"'\u{2028}";

fn evaluation() -> Evaluation {
    let violation = |waiver: Option<WaiverUse>| Violation {
        policy: format!("policy-{EVIL}"),
        severity: Severity::High,
        message: format!("message {EVIL}"),
        principal: format!("Release::\"{EVIL}\""),
        action: Action::Release,
        resource: format!("Model::\"{EVIL}\""),
        path: vec![format!("Dataset::\"{EVIL}\""), format!("Model::\"{EVIL}\"")],
        location: Location {
            file: format!("dir/{EVIL}.pal"),
            line: 3,
            column: 1,
        },
        reason: Reason::Forbidden,
        help: Some(format!("help {EVIL}")),
        control: Some(format!("control {EVIL}")),
        controls: vec![format!("control {EVIL}"), format!("OWASP-LLM01{EVIL}")],
        policy_location: Some(Location {
            file: format!("{EVIL}.cedar"),
            line: 1,
            column: 1,
        }),
        waiver,
        error: None,
    };
    Evaluation {
        pipeline: format!("pipe {EVIL}"),
        decision: Decision::Deny,
        at: Timestamp::from_unix(1_795_998_808),
        policy_digest: "sha256:00".to_owned(),
        summary: Summary {
            requests: 2,
            allowed: 0,
            denied: 1,
            waived: 1,
            errors: 0,
        },
        violations: vec![violation(None)],
        waived: vec![violation(Some(WaiverUse {
            name: format!("w {EVIL}"),
            expires: "2027-01-31".to_owned(),
            reason: format!("reason {EVIL}"),
        }))],
        warnings: vec![format!("warning {EVIL}")],
        outcomes: Vec::new(),
    }
}

fn control_but_layout(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && c != '\t' && palisade_core::text::is_display_control(c))
        .collect()
}

#[test]
fn text_reports_show_hostile_strings_inert() {
    let pack = PolicyPack::load(Vec::new()).unwrap();
    let evaluation = evaluation();
    for format in [Format::Human, Format::Markdown] {
        let text = render(format, &evaluation, &pack);
        assert!(raw_controls(&text).is_empty(), "{format:?}: {text}");
        assert!(text.contains("u{1b}"), "{format:?}: {text}");
    }
    let markdown = render(Format::Markdown, &evaluation, &pack);
    for raw in ["<script>", "![i](", "`!["] {
        assert!(!markdown.contains(raw), "{raw}: {markdown}");
    }
}

#[test]
fn data_reports_carry_hostile_strings_faithfully_and_stay_well_formed() {
    let pack = PolicyPack::load(Vec::new()).unwrap();
    let evaluation = evaluation();
    for format in [Format::Json, Format::Sarif, Format::CodeQuality] {
        let text = render(format, &evaluation, &pack);
        // JSON escapes every control character; bidi characters are valid JSON text and
        // are carried as they are (a consumer renders them for its own medium).
        assert!(!text.chars().any(control_but_layout), "{format:?}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            value.to_string().contains("pwned"),
            "{format:?} lost the message"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &evaluation, &pack)).unwrap();
    assert_eq!(json["violations"][0]["message"], format!("message {EVIL}"));

    let junit = render(Format::Junit, &evaluation, &pack);
    // XML 1.0 cannot carry most control characters at all, not even as references.
    assert!(raw_controls(&junit).is_empty(), "{junit}");
    assert!(
        !junit.contains("&#x1b;") && !junit.contains("&#27;"),
        "{junit}"
    );
    assert!(
        !junit.contains("<script>") && !junit.contains("]]></y>"),
        "{junit}"
    );
}
