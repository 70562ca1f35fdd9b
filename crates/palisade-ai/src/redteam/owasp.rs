//! The OWASP Top 10 for LLM Applications **2025** and how red-team categories map onto it.
//!
//! ## garak
//!
//! garak tags its probes with the **2023** (v1.1) list (`owasp:llm01` … `owasp:llm10`, defined
//! in garak's `data/tags.misp.tsv`: `llm02` is "Insecure Output Handling", `llm06` "Sensitive
//! Information Disclosure", `llm10` "Model Theft"). The 2025 list renumbered and merged them, so
//! a tag is translated before use:
//!
//! | garak tag (2023) | 2023 title | 2025 id |
//! | --- | --- | --- |
//! | `owasp:llm01` | Prompt Injection | LLM01 |
//! | `owasp:llm02` | Insecure Output Handling | LLM05 |
//! | `owasp:llm03` | Training Data Poisoning | LLM04 |
//! | `owasp:llm04` | Model Denial of Service | LLM10 |
//! | `owasp:llm05` | Supply Chain Vulnerabilities | LLM03 |
//! | `owasp:llm06` | Sensitive Information Disclosure | LLM02 |
//! | `owasp:llm07` | Insecure Plugin Design | LLM06 |
//! | `owasp:llm08` | Excessive Agency | LLM06 |
//! | `owasp:llm09` | Overreliance | LLM09 |
//! | `owasp:llm10` | Model Theft | LLM10 |
//!
//! The 2023 tags cannot say "system prompt leakage" (LLM07, new in 2025), and several probe
//! modules carry no OWASP tag at all, so each probe module also maps to 2025 ids by this table
//! (every module of garak 0.17.1). A probe's ids are the union of its translated tags (as the
//! report records them for that probe) and its module's row. A module missing here and a probe
//! with no tag map to no id: the attempts still count in the totals, under no OWASP id.
//!
//! | garak probe module | 2025 ids |
//! | --- | --- |
//! | `adaptive_attacks` | LLM01 |
//! | `agent_breaker` | LLM01, LLM06 |
//! | `ansiescape` | LLM05 |
//! | `apikey` | LLM02 |
//! | `atkgen` | |
//! | `audio` | LLM01 |
//! | `av_spam_scanning` | LLM05 |
//! | `badchars` | LLM01 |
//! | `continuation` | |
//! | `dan` | LLM01 |
//! | `divergence` | LLM02, LLM10 |
//! | `doctor` | LLM01 |
//! | `donotanswer` | |
//! | `dra` | LLM01 |
//! | `encoding` | LLM01 |
//! | `exploitation` | LLM05 |
//! | `fileformats` | LLM03 |
//! | `fitd` | LLM01 |
//! | `glitch` | |
//! | `goat` | LLM01 |
//! | `goodside` | |
//! | `grandma` | LLM01 |
//! | `latentinjection` | LLM01 |
//! | `leakreplay` | LLM02 |
//! | `lmrc` | |
//! | `malwaregen` | |
//! | `misleading` | LLM09 |
//! | `packagehallucination` | LLM09 |
//! | `phrasing` | LLM01 |
//! | `promptinject` | LLM01 |
//! | `propile` | LLM02 |
//! | `realtoxicityprompts` | |
//! | `sata` | LLM01 |
//! | `smuggling` | LLM01 |
//! | `snowball` | LLM09 |
//! | `suffix` | LLM01 |
//! | `sysprompt_extraction` | LLM07 |
//! | `tap` | LLM01 |
//! | `test` | |
//! | `topic` | |
//! | `visual_jailbreak` | LLM01 |
//! | `web_injection` | LLM02, LLM05 |
//!
//! An empty row is deliberate: toxicity, harmful-content and hallucination-of-facts probes test
//! things the OWASP list does not name (their own garak tags still apply).
//!
//! ## promptfoo
//!
//! promptfoo's own `OWASP_LLM_TOP_10_MAPPING` (`src/redteam/constants/frameworks.ts`, 0.121.20,
//! already on the 2025 list) gives each id the plugins that test it; read backwards it maps a
//! plugin to ids. `harmful` and `pii` there stand for every `harmful:*` / `pii:*` plugin.
//! Three plugins promptfoo's table leaves out are added (marked *palisade*).
//!
//! | promptfoo plugin | 2025 ids |
//! | --- | --- |
//! | `ascii-smuggling` | LLM01 |
//! | `indirect-prompt-injection` | LLM01 |
//! | `prompt-extraction` | LLM01, LLM02, LLM07 |
//! | `harmful:*` | LLM01 |
//! | `harmful:privacy` | LLM01, LLM02, LLM07, LLM08 |
//! | `harmful:misinformation-disinformation` | LLM01, LLM04, LLM09 |
//! | `harmful:hate` | LLM01, LLM04 |
//! | `harmful:radicalization` | LLM01, LLM04 |
//! | `harmful:specialized-advice` | LLM01, LLM04, LLM09 |
//! | `pii:api-db`, `pii:direct`, `pii:session`, `pii:social` | LLM02, LLM07, LLM08 |
//! | `cross-session-leak` | LLM02, LLM08 |
//! | `bias:age`, `bias:disability`, `bias:gender`, `bias:race` | LLM04 |
//! | `shell-injection`, `sql-injection`, `ssrf` | LLM05, LLM06 |
//! | `debug-access` | LLM05 |
//! | `excessive-agency`, `bfla`, `bola` | LLM06 |
//! | `rbac` | LLM06, LLM07 |
//! | `hallucination`, `overreliance` | LLM09 |
//! | `divergent-repetition`, `reasoning-dos` | LLM10 |
//! | `system-prompt-override` (*palisade*) | LLM01 |
//! | `special-token-injection` (*palisade*) | LLM01 |
//! | `rag-poisoning` (*palisade*) | LLM04, LLM08 |
//!
//! promptfoo's table also lists strategies under most ids; those say which strategies its
//! OWASP preset runs, not what a strategy tests, so they are not read as a mapping. Instead, a
//! test delivered through any strategy other than `basic` (base64, jailbreak, jailbreak-templates,
//! crescendo …) is an obfuscated or injected prompt, which the 2025 text of LLM01 names
//! ("encodes malicious instructions (e.g., using Base64 or emojis) to evade filters"): such a
//! test also counts under LLM01. A plugin missing here (`intent`, `policy`, `competitors` …:
//! their meaning is the user's own) maps to no id unless its strategy adds LLM01.

use serde::{Serialize, Serializer};

/// One risk of the OWASP Top 10 for LLM Applications 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwaspLlm {
    /// LLM01:2025 Prompt Injection.
    Llm01,
    /// LLM02:2025 Sensitive Information Disclosure.
    Llm02,
    /// LLM03:2025 Supply Chain.
    Llm03,
    /// LLM04:2025 Data and Model Poisoning.
    Llm04,
    /// LLM05:2025 Improper Output Handling.
    Llm05,
    /// LLM06:2025 Excessive Agency.
    Llm06,
    /// LLM07:2025 System Prompt Leakage.
    Llm07,
    /// LLM08:2025 Vector and Embedding Weaknesses.
    Llm08,
    /// LLM09:2025 Misinformation.
    Llm09,
    /// LLM10:2025 Unbounded Consumption.
    Llm10,
}

impl OwaspLlm {
    /// All ten, in order.
    pub const ALL: [OwaspLlm; 10] = [
        OwaspLlm::Llm01,
        OwaspLlm::Llm02,
        OwaspLlm::Llm03,
        OwaspLlm::Llm04,
        OwaspLlm::Llm05,
        OwaspLlm::Llm06,
        OwaspLlm::Llm07,
        OwaspLlm::Llm08,
        OwaspLlm::Llm09,
        OwaspLlm::Llm10,
    ];

    /// The id as OWASP writes it: `"LLM01"` … `"LLM10"`.
    pub fn id(self) -> &'static str {
        match self {
            OwaspLlm::Llm01 => "LLM01",
            OwaspLlm::Llm02 => "LLM02",
            OwaspLlm::Llm03 => "LLM03",
            OwaspLlm::Llm04 => "LLM04",
            OwaspLlm::Llm05 => "LLM05",
            OwaspLlm::Llm06 => "LLM06",
            OwaspLlm::Llm07 => "LLM07",
            OwaspLlm::Llm08 => "LLM08",
            OwaspLlm::Llm09 => "LLM09",
            OwaspLlm::Llm10 => "LLM10",
        }
    }

    /// The 2025 title.
    pub fn title(self) -> &'static str {
        match self {
            OwaspLlm::Llm01 => "Prompt Injection",
            OwaspLlm::Llm02 => "Sensitive Information Disclosure",
            OwaspLlm::Llm03 => "Supply Chain",
            OwaspLlm::Llm04 => "Data and Model Poisoning",
            OwaspLlm::Llm05 => "Improper Output Handling",
            OwaspLlm::Llm06 => "Excessive Agency",
            OwaspLlm::Llm07 => "System Prompt Leakage",
            OwaspLlm::Llm08 => "Vector and Embedding Weaknesses",
            OwaspLlm::Llm09 => "Misinformation",
            OwaspLlm::Llm10 => "Unbounded Consumption",
        }
    }

    /// Parses `"LLM01"` (any case).
    pub fn from_id(text: &str) -> Option<OwaspLlm> {
        OwaspLlm::ALL
            .into_iter()
            .find(|owasp| owasp.id().eq_ignore_ascii_case(text))
    }
}

impl Serialize for OwaspLlm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

use OwaspLlm::*;

/// garak's 2023 tags (`owasp:llm01` …) translated to 2025 ids.
pub const GARAK_TAGS_2023: &[(&str, OwaspLlm)] = &[
    ("owasp:llm01", Llm01),
    ("owasp:llm02", Llm05),
    ("owasp:llm03", Llm04),
    ("owasp:llm04", Llm10),
    ("owasp:llm05", Llm03),
    ("owasp:llm06", Llm02),
    ("owasp:llm07", Llm06),
    ("owasp:llm08", Llm06),
    ("owasp:llm09", Llm09),
    ("owasp:llm10", Llm10),
];

/// garak probe modules (garak 0.17.1) and the 2025 ids every probe of the module tests.
pub const GARAK_MODULES: &[(&str, &[OwaspLlm])] = &[
    ("adaptive_attacks", &[Llm01]),
    ("agent_breaker", &[Llm01, Llm06]),
    ("ansiescape", &[Llm05]),
    ("apikey", &[Llm02]),
    ("atkgen", &[]),
    ("audio", &[Llm01]),
    ("av_spam_scanning", &[Llm05]),
    ("badchars", &[Llm01]),
    ("continuation", &[]),
    ("dan", &[Llm01]),
    ("divergence", &[Llm02, Llm10]),
    ("doctor", &[Llm01]),
    ("donotanswer", &[]),
    ("dra", &[Llm01]),
    ("encoding", &[Llm01]),
    ("exploitation", &[Llm05]),
    ("fileformats", &[Llm03]),
    ("fitd", &[Llm01]),
    ("glitch", &[]),
    ("goat", &[Llm01]),
    ("goodside", &[]),
    ("grandma", &[Llm01]),
    ("latentinjection", &[Llm01]),
    ("leakreplay", &[Llm02]),
    ("lmrc", &[]),
    ("malwaregen", &[]),
    ("misleading", &[Llm09]),
    ("packagehallucination", &[Llm09]),
    ("phrasing", &[Llm01]),
    ("promptinject", &[Llm01]),
    ("propile", &[Llm02]),
    ("realtoxicityprompts", &[]),
    ("sata", &[Llm01]),
    ("smuggling", &[Llm01]),
    ("snowball", &[Llm09]),
    ("suffix", &[Llm01]),
    ("sysprompt_extraction", &[Llm07]),
    ("tap", &[Llm01]),
    ("test", &[]),
    ("topic", &[]),
    ("visual_jailbreak", &[Llm01]),
    ("web_injection", &[Llm02, Llm05]),
];

/// The 2025 ids of one garak probe (`module.Class`), from its module and the tags the report
/// recorded for it.
pub fn garak_probe<'a>(probe: &str, tags: impl IntoIterator<Item = &'a str>) -> Vec<OwaspLlm> {
    let module = probe.split('.').next().unwrap_or(probe);
    let mut ids: Vec<OwaspLlm> = GARAK_MODULES
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, ids)| ids.to_vec())
        .unwrap_or_default();
    for tag in tags {
        let tag = tag.to_ascii_lowercase();
        if let Some((_, id)) = GARAK_TAGS_2023.iter().find(|(name, _)| *name == tag) {
            ids.push(*id);
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// promptfoo plugin ids (exact) and their 2025 ids: promptfoo's `OWASP_LLM_TOP_10_MAPPING`
/// read backwards, plus the rows marked *palisade* in the module docs.
pub const PROMPTFOO_PLUGINS: &[(&str, &[OwaspLlm])] = &[
    ("ascii-smuggling", &[Llm01]),
    ("indirect-prompt-injection", &[Llm01]),
    ("prompt-extraction", &[Llm01, Llm02, Llm07]),
    ("harmful:privacy", &[Llm01, Llm02, Llm07, Llm08]),
    (
        "harmful:misinformation-disinformation",
        &[Llm01, Llm04, Llm09],
    ),
    ("harmful:hate", &[Llm01, Llm04]),
    ("harmful:radicalization", &[Llm01, Llm04]),
    ("harmful:specialized-advice", &[Llm01, Llm04, Llm09]),
    ("pii:api-db", &[Llm02, Llm07, Llm08]),
    ("pii:direct", &[Llm02, Llm07, Llm08]),
    ("pii:session", &[Llm02, Llm07, Llm08]),
    ("pii:social", &[Llm02, Llm07, Llm08]),
    ("cross-session-leak", &[Llm02, Llm08]),
    ("bias:age", &[Llm04]),
    ("bias:disability", &[Llm04]),
    ("bias:gender", &[Llm04]),
    ("bias:race", &[Llm04]),
    ("shell-injection", &[Llm05, Llm06]),
    ("sql-injection", &[Llm05, Llm06]),
    ("ssrf", &[Llm05, Llm06]),
    ("debug-access", &[Llm05]),
    ("excessive-agency", &[Llm06]),
    ("bfla", &[Llm06]),
    ("bola", &[Llm06]),
    ("rbac", &[Llm06, Llm07]),
    ("hallucination", &[Llm09]),
    ("overreliance", &[Llm09]),
    ("divergent-repetition", &[Llm10]),
    ("reasoning-dos", &[Llm10]),
    ("system-prompt-override", &[Llm01]),
    ("special-token-injection", &[Llm01]),
    ("rag-poisoning", &[Llm04, Llm08]),
];

/// promptfoo plugin-id prefixes that stand for a whole collection in its table (`harmful`).
pub const PROMPTFOO_PREFIXES: &[(&str, &[OwaspLlm])] = &[("harmful:", &[Llm01])];

/// The 2025 ids of one promptfoo red-team test, from its plugin and strategy.
pub fn promptfoo_test(plugin: &str, strategy: Option<&str>) -> Vec<OwaspLlm> {
    let mut ids: Vec<OwaspLlm> = match PROMPTFOO_PLUGINS.iter().find(|(id, _)| *id == plugin) {
        Some((_, ids)) => ids.to_vec(),
        None => PROMPTFOO_PREFIXES
            .iter()
            .find(|(prefix, _)| plugin.starts_with(prefix))
            .map(|(_, ids)| ids.to_vec())
            .unwrap_or_default(),
    };
    if strategy.is_some_and(|strategy| !strategy.is_empty() && strategy != "basic") {
        ids.push(Llm01);
    }
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables in this module's docs, row by row, as (first column, ids).
    fn doc_table(header: &str) -> Vec<(String, Vec<OwaspLlm>)> {
        let source = include_str!("owasp.rs");
        let mut rows = Vec::new();
        let mut inside = false;
        for line in source.lines() {
            let Some(line) = line.strip_prefix("//!") else {
                if inside {
                    break;
                }
                continue;
            };
            let line = line.trim();
            if line.starts_with(header) {
                inside = true;
                continue;
            }
            if !inside || line.starts_with("| ---") {
                continue;
            }
            if !line.starts_with('|') {
                if !rows.is_empty() {
                    break;
                }
                continue;
            }
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let ids = cells
                .last()
                .unwrap()
                .split(',')
                .filter_map(|id| OwaspLlm::from_id(id.trim()))
                .collect();
            rows.push((cells[0].to_owned(), ids));
        }
        rows
    }

    fn names(cell: &str) -> Vec<String> {
        cell.split(',')
            .map(|name| {
                name.trim()
                    .trim_end_matches("(*palisade*)")
                    .trim()
                    .trim_matches('`')
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn garak_tag_table_matches_the_docs() {
        let rows = doc_table("| garak tag (2023)");
        assert_eq!(rows.len(), GARAK_TAGS_2023.len());
        for ((cell, ids), (tag, id)) in rows.iter().zip(GARAK_TAGS_2023) {
            assert_eq!(names(cell), vec![tag.to_string()]);
            assert_eq!(ids, &vec![*id], "{tag}");
        }
    }

    #[test]
    fn garak_module_table_matches_the_docs() {
        let rows = doc_table("| garak probe module");
        assert_eq!(rows.len(), GARAK_MODULES.len());
        for ((cell, ids), (module, table_ids)) in rows.iter().zip(GARAK_MODULES) {
            assert_eq!(names(cell), vec![module.to_string()]);
            assert_eq!(ids.as_slice(), *table_ids, "{module}");
        }
    }

    #[test]
    fn promptfoo_table_matches_the_docs() {
        let rows = doc_table("| promptfoo plugin");
        let mut from_docs = Vec::new();
        for (cell, ids) in rows {
            for name in names(&cell) {
                from_docs.push((name, ids.clone()));
            }
        }
        let mut from_code: Vec<(String, Vec<OwaspLlm>)> = PROMPTFOO_PLUGINS
            .iter()
            .map(|(id, ids)| (id.to_string(), ids.to_vec()))
            .collect();
        from_code.extend(
            PROMPTFOO_PREFIXES
                .iter()
                .map(|(prefix, ids)| (format!("{prefix}*"), ids.to_vec())),
        );
        from_docs.sort();
        from_code.sort();
        assert_eq!(from_docs, from_code);
    }

    #[test]
    fn garak_probes_map_through_module_and_translated_tags() {
        // promptinject carries owasp:llm01 in the report; its module says LLM01 too.
        assert_eq!(
            garak_probe("promptinject.HijackHateHumans", ["owasp:llm01"]),
            vec![Llm01]
        );
        // sysprompt_extraction is tagged llm01 (2023); 2025 adds system prompt leakage.
        assert_eq!(
            garak_probe(
                "sysprompt_extraction.SystemPromptExtraction",
                ["owasp:llm01"]
            ),
            vec![Llm01, Llm07]
        );
        // 2023 llm06 (sensitive information) is 2025 LLM02; llm02 (output handling) is LLM05.
        assert_eq!(
            garak_probe(
                "web_injection.MarkdownImageExfil",
                ["OWASP:LLM02", "owasp:llm06"]
            ),
            vec![Llm02, Llm05]
        );
        assert_eq!(
            garak_probe("lmrc.Profanity", ["avid-effect:ethics:E0101"]),
            vec![]
        );
        assert_eq!(garak_probe("newmodule.Probe", ["owasp:llm04"]), vec![Llm10]);
        assert_eq!(garak_probe("newmodule.Probe", std::iter::empty()), vec![]);
    }

    #[test]
    fn promptfoo_tests_map_through_plugin_and_strategy() {
        assert_eq!(promptfoo_test("intent", None), vec![]);
        assert_eq!(promptfoo_test("intent", Some("basic")), vec![]);
        assert_eq!(promptfoo_test("intent", Some("base64")), vec![Llm01]);
        assert_eq!(
            promptfoo_test("prompt-extraction", Some("jailbreak-templates")),
            vec![Llm01, Llm02, Llm07]
        );
        assert_eq!(promptfoo_test("harmful:cybercrime", None), vec![Llm01]);
        assert_eq!(
            promptfoo_test("harmful:privacy", None),
            vec![Llm01, Llm02, Llm07, Llm08]
        );
        assert_eq!(
            promptfoo_test("pii:direct", None),
            vec![Llm02, Llm07, Llm08]
        );
        assert_eq!(promptfoo_test("sql-injection", None), vec![Llm05, Llm06]);
        assert_eq!(promptfoo_test("pii", None), vec![]);
    }

    #[test]
    fn ids_round_trip() {
        for owasp in OwaspLlm::ALL {
            assert_eq!(OwaspLlm::from_id(owasp.id()), Some(owasp));
            assert_eq!(OwaspLlm::from_id(&owasp.id().to_lowercase()), Some(owasp));
        }
        assert_eq!(OwaspLlm::from_id("LLM11"), None);
        assert_eq!(Llm07.title(), "System Prompt Leakage");
    }
}
