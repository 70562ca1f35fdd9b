//! The registry of diagnostic codes: every `palisade::…` code any crate emits, with what it
//! means. Users grep for codes and link to them, so they are API: a test
//! (`tests/codes.rs`) fails if a crate emits a code that is not listed here, if a listed code
//! is no longer emitted, if a code is listed twice, or if `docs/diagnostics.md` (generated from
//! this table) is out of date.

/// One diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The code, `palisade::<area>::<what>`.
    pub code: &'static str,
    /// What it means, in one sentence.
    pub meaning: &'static str,
}

const fn code(code: &'static str, meaning: &'static str) -> Code {
    Code { code, meaning }
}

/// Every code, grouped by area, in the order `docs/diagnostics.md` lists them.
pub const CODES: &[Code] = &[
    code(
        "palisade::ai::inconsistent",
        "The numbers in the document contradict each other (a summary that does not match its rows)",
    ),
    code(
        "palisade::ai::invalid_value",
        "A value has the wrong type, is missing or out of range",
    ),
    code(
        "palisade::ai::limit",
        "A count limit was reached (lines, results, flows, validators, YAML aliases or nodes …)",
    ),
    code(
        "palisade::ai::nemo_missing_prompt",
        "A NeMo Guardrails rail needs a prompt template the configuration does not define",
    ),
    code(
        "palisade::ai::nemo_unknown_flow",
        "A NeMo Guardrails rail names a flow that is neither in NeMo's flow library nor defined in the configuration's own Colang files",
    ),
    code(
        "palisade::ai::not_utf8",
        "The bytes are not UTF-8 (every format read here is UTF-8 text)",
    ),
    code(
        "palisade::ai::syntax",
        "The text is not well-formed JSON, YAML or XML (truncated, stray characters …)",
    ),
    code(
        "palisade::ai::too_deep",
        "Arrays, objects, mappings or elements are nested deeper than the limit",
    ),
    code(
        "palisade::ai::too_large",
        "The input is larger than the reader's limit",
    ),
    code(
        "palisade::ai::unknown_format",
        "Well-formed input, but not the format this reader expects",
    ),
    code(
        "palisade::ai::unsupported",
        "A recognised format, in a version or variant this reader does not read",
    ),
    code(
        "palisade::attest::hash",
        "A released artifact's content could not be hashed",
    ),
    code(
        "palisade::sign::input",
        "`palisade sign` was given no file, or a file it cannot read (a folder is signed by its digest)",
    ),
    code(
        "palisade::sign::key",
        "`palisade sign` needs a P-256 key: Sigstore message signatures over a SHA-256 digest are checked with P-256 only",
    ),
    code(
        "palisade::sign::digest",
        "`palisade sign --digest` was not `sha256:` followed by 64 hex digits",
    ),
    code(
        "palisade::attest::key_pair",
        "The signing key given to attest could not be read, decrypted or used",
    ),
    code(
        "palisade::attest::no_digest",
        "A released artifact has no digest to put in the statement",
    ),
    code("palisade::bundle::invalid", "The JSON is not a bundle"),
    code(
        "palisade::bundle::too_large",
        "The file is larger than the bundle limit",
    ),
    code(
        "palisade::cyclonedx::invalid_value",
        "A value Palisade reads has the wrong type or an unknown value",
    ),
    code(
        "palisade::cyclonedx::io",
        "The file could not be opened or read (missing, unreadable, a directory …)",
    ),
    code(
        "palisade::cyclonedx::not_cyclonedx",
        "The document parses but is not a CycloneDX BOM",
    ),
    code(
        "palisade::cyclonedx::syntax",
        "The text is not well-formed JSON or XML (truncated, stray characters, not UTF-8 …)",
    ),
    code(
        "palisade::cyclonedx::too_deep",
        "Nesting deeper than the reader allows (JSON or XML depth, or components in components)",
    ),
    code(
        "palisade::cyclonedx::too_large",
        "The file is larger than the limit",
    ),
    code(
        "palisade::cyclonedx::too_many_components",
        "More components than the limit",
    ),
    code(
        "palisade::cyclonedx::unsupported_version",
        "The document declares a specification version this reader does not support",
    ),
    code(
        "palisade::evidence::errors",
        "Every evidence error of one evaluation, reported together",
    ),
    code(
        "palisade::evidence::guardrails_depth",
        "A guardrails configuration folder nests deeper than the limit",
    ),
    code(
        "palisade::evidence::guardrails_files",
        "A guardrails configuration folder holds more files than the limit",
    ),
    code(
        "palisade::evidence::guardrails_format",
        "A guardrails file is neither a NeMo Guardrails configuration nor a Guardrails AI guard or .rail spec",
    ),
    code(
        "palisade::evidence::redteam_format",
        "A red-team report is neither a garak report nor promptfoo results",
    ),
    code(
        "palisade::evidence::bom_signature",
        "A model declares a bom_signature but no bom for it to sign",
    ),
    code(
        "palisade::evidence::unusable",
        "One evidence file that could not be used",
    ),
    code(
        "palisade::graph::cycle",
        "Stages and artifacts form a cycle",
    ),
    code(
        "palisade::graph::unresolved",
        "A reference the syntax stage should have resolved did not resolve",
    ),
    code("palisade::hash::io", "Any other input/output error"),
    code(
        "palisade::hash::non_utf8_name",
        "A file or directory name that is not valid UTF-8 cannot be written into a lock file or a model-signing manifest unambiguously",
    ),
    code("palisade::hash::not_found", "The path does not exist"),
    code(
        "palisade::hash::not_regular_file",
        "A fifo, socket or device",
    ),
    code(
        "palisade::hash::permission_denied",
        "The operating system refused to open or list the path",
    ),
    code(
        "palisade::hash::symlink",
        "A symbolic link inside a hashed directory (model signing refuses them too, since the link's target is outside what the digest describes)",
    ),
    code(
        "palisade::hash::too_deep",
        "Directories nested deeper than the limit",
    ),
    code(
        "palisade::hash::too_many_files",
        "The directory holds more files than the limit",
    ),
    code(
        "palisade::init::exists",
        "`palisade init` found a pipeline.pal and does not overwrite it without --force",
    ),
    code(
        "palisade::init::read",
        "`palisade init` could not list the folder it was asked to look at",
    ),
    code(
        "palisade::init::write",
        "`palisade init` could not write pipeline.pal or the policies folder",
    ),
    code(
        "palisade::intoto::attestation::invalid",
        "Valid JSON, but not a stage attestation",
    ),
    code(
        "palisade::intoto::attestation::limit",
        "A limit on untrusted input was reached (entries, digests, nesting)",
    ),
    code(
        "palisade::intoto::attestation::syntax",
        "A JSON syntax error in an attestation, with the place it occurred",
    ),
    code(
        "palisade::intoto::attestation::too_large",
        "The attestation is larger than the limit",
    ),
    code(
        "palisade::intoto::attestation::unsupported",
        "A well-formed attestation of a kind that says nothing about a stage's inputs and outputs (another predicate type, another DSSE payload type)",
    ),
    code(
        "palisade::intoto::invalid",
        "The JSON is not an in-toto statement",
    ),
    code(
        "palisade::intoto::key::rsa",
        "An RSA public key that is malformed or not acceptable",
    ),
    code(
        "palisade::intoto::run::outside_base",
        "A path given to record is not inside the folder paths are recorded relative to",
    ),
    code(
        "palisade::intoto::run::request",
        "The request to record a run is unusable (no command, a name that is not UTF-8 …)",
    ),
    code(
        "palisade::intoto::run::spawn",
        "The command could not be started",
    ),
    code(
        "palisade::intoto::too_large",
        "The payload is larger than the limit",
    ),
    code(
        "palisade::json::syntax",
        "A JSON syntax error in a named file, with the place it occurred",
    ),
    code("palisade::key::decrypt", "Decryption failed"),
    code("palisade::key::io", "A key file could not be read"),
    code(
        "palisade::key::malformed",
        "The DER inside the PEM block does not decode as the key it claims to be",
    ),
    code(
        "palisade::key::password_required",
        "The key is encrypted and no password was given",
    ),
    code(
        "palisade::key::pem",
        "The text is not PEM, or a block is malformed",
    ),
    code(
        "palisade::key::unsupported",
        "The PEM block is of a kind that does not hold the expected key",
    ),
    code(
        "palisade::keygen::exists",
        "keygen would overwrite an existing key file",
    ),
    code(
        "palisade::keygen::password",
        "The password for a new encrypted key could not be read or does not match",
    ),
    code(
        "palisade::keygen::write",
        "A new key file could not be written",
    ),
    code(
        "palisade::keyless::artifact",
        "Keyless verification: the artifact or in-toto subject does not match what was signed",
    ),
    code(
        "palisade::keyless::bundle",
        "Keyless verification: the bundle is malformed or of an unsupported version",
    ),
    code(
        "palisade::keyless::chain",
        "Keyless verification: the certificate does not chain to a CA of the trusted root valid at the signed time",
    ),
    code(
        "palisade::keyless::checkpoint",
        "Keyless verification: the transparency-log checkpoint or inclusion proof does not verify",
    ),
    code(
        "palisade::keyless::identity",
        "Keyless verification: the certificate's identity claims match no required identity",
    ),
    code(
        "palisade::keyless::key",
        "Keyless verification: the public key or certificate cannot be used",
    ),
    code(
        "palisade::keyless::sct",
        "Keyless verification: the embedded SCT does not verify with a CT log of the trusted root",
    ),
    code(
        "palisade::keyless::signature",
        "Keyless verification: the signature over the artifact or envelope does not verify",
    ),
    code(
        "palisade::keyless::timestamp",
        "Keyless verification: an RFC 3161 timestamp does not verify with a TSA of the trusted root",
    ),
    code(
        "palisade::keyless::tlog",
        "Keyless verification: the transparency-log entry does not match the bundle or its promise does not verify",
    ),
    code(
        "palisade::keyless::trust_root",
        "The trusted root (trusted_root.json) cannot be read or used",
    ),
    code(
        "palisade::keyless::unsupported",
        "Keyless verification: a bundle feature this verifier does not support",
    ),
    code(
        "palisade::lock::invalid",
        "The JSON is well formed but a value is wrong",
    ),
    code(
        "palisade::lock::io",
        "The file could not be read or written",
    ),
    code(
        "palisade::lock::sign",
        "palisade lock --sign could not sign the lock or write its signature bundle",
    ),
    code("palisade::lock::syntax", "The file is not valid UTF-8 JSON"),
    code(
        "palisade::lock::too_large",
        "The file is larger than a lock file may be",
    ),
    code(
        "palisade::model_signing::io",
        "A file of the model could not be read",
    ),
    code(
        "palisade::model_signing::limit",
        "The model is too large to list (files, shards or nesting)",
    ),
    code(
        "palisade::model_signing::payload",
        "The bundle does not hold a model_signing statement",
    ),
    code(
        "palisade::model_signing::symlink",
        "The model contains a symbolic link",
    ),
    code(
        "palisade::modelfmt::directory",
        "A directory holds more files, or nests deeper, than the limits",
    ),
    code(
        "palisade::modelfmt::json",
        "Invalid JSON (a Keras config, a safetensors header)",
    ),
    code(
        "palisade::modelfmt::limit",
        "A limit on sizes, counts or depth was reached",
    ),
    code(
        "palisade::modelfmt::malformed",
        "The binary structure is truncated or invalid (HDF5, protobuf, GGUF, safetensors)",
    ),
    code(
        "palisade::modelfmt::read",
        "The file or directory could not be read",
    ),
    code(
        "palisade::modelfmt::shape",
        "Valid JSON of the wrong shape (a Keras config that is not an object, a safetensors header whose __metadata__ is not a string map …)",
    ),
    code(
        "palisade::modelfmt::too_large",
        "The file is larger than the limit (checked from its size before reading)",
    ),
    code(
        "palisade::modelfmt::unsupported",
        "A valid file that uses a feature this reader does not handle (HDF5 dense attribute storage, a big-endian GGUF …)",
    ),
    code(
        "palisade::modelfmt::zip",
        "The zip archive is broken, encrypted, too big or has too many members",
    ),
    code(
        "palisade::output",
        "The report or output file could not be written (a broken pipe is not an error)",
    ),
    code(
        "palisade::pickle::directory",
        "A directory holds more files, or nests deeper, than the limits",
    ),
    code(
        "palisade::pickle::limit",
        "A limit on opcodes, stack, memo, memory, archive members or nesting was reached",
    ),
    code(
        "palisade::pickle::pattern_dangerous",
        "The pattern names only dangerous imports",
    ),
    code(
        "palisade::pickle::pattern_syntax",
        "Not module.name, module:qual.name or prefix.*",
    ),
    code(
        "palisade::pickle::read",
        "The file or directory could not be read",
    ),
    code(
        "palisade::pickle::too_large",
        "The file is larger than the limit (checked from its metadata)",
    ),
    code(
        "palisade::pickle::zip_bomb",
        "A compressed member or file inflates past the limit (a zip bomb, or an absurd pickle)",
    ),
    code(
        "palisade::policy::annotation",
        "A policy annotation is missing or has a bad value",
    ),
    code(
        "palisade::policy::cedar",
        "Cedar could not parse the file, or strict validation against the schema failed",
    ),
    code(
        "palisade::policy::impossible",
        "Strict validation found that a policy can never apply (it reads an attribute its entity types lack, or compares values of different types)",
    ),
    code(
        "palisade::policy::internal",
        "Palisade could not turn the graph into Cedar entities or requests",
    ),
    code(
        "palisade::policy::invalid",
        "Everything wrong with a policy pack, reported at once",
    ),
    code(
        "palisade::policy::io",
        "A policy file or folder could not be read",
    ),
    code(
        "palisade::policy::schema",
        "The generated schema itself is broken (a bug, caught by a unit test)",
    ),
    code(
        "palisade::policy::unknown_entity",
        "A policy names an entity (Identity::'trainr') that the pipeline does not declare",
    ),
    code(
        "palisade::policy::unknown_waiver_policy",
        "A waiver names a policy id that no loaded policy has",
    ),
    code(
        "palisade::read::io",
        "Any other failure of the operating system",
    ),
    code(
        "palisade::read::not_a_file",
        "A directory, FIFO, socket or device",
    ),
    code("palisade::read::not_found", "It does not exist"),
    code(
        "palisade::read::outside",
        "It leads outside the pipeline's folder",
    ),
    code(
        "palisade::read::too_large",
        "Over the limit for this kind of input",
    ),
    code(
        "palisade::run::no_attestation",
        "`palisade run`: the stage declares no `attestation` to write the record to",
    ),
    code(
        "palisade::run::param",
        "`palisade run --param`: not `KEY=VALUE` with a dotted key, or a key given twice",
    ),
    code(
        "palisade::run::stage",
        "`palisade run`: the pipeline declares no stage of that name",
    ),
    code(
        "palisade::run::write",
        "`palisade run`: the attestation file could not be written",
    ),
    code(
        "palisade::sarif::invalid_value",
        "A value deep inside the log has the wrong type or is out of range",
    ),
    code(
        "palisade::sarif::json",
        "The bytes are not valid JSON (syntax error, truncated file, bad UTF-8)",
    ),
    code(
        "palisade::sarif::not_sarif",
        "Valid JSON, but not a SARIF log (no runs, no version, not an object …)",
    ),
    code(
        "palisade::sarif::read",
        "The file could not be opened or read (missing, a directory, no permission …)",
    ),
    code(
        "palisade::sarif::too_deep",
        "Arrays/objects are nested deeper than the limit",
    ),
    code(
        "palisade::sarif::too_large",
        "The file is larger than the limit",
    ),
    code(
        "palisade::sarif::version",
        "A SARIF log of a version other than 2.1.0",
    ),
    code(
        "palisade::spdx::invalid_value",
        "A value the reader uses has the wrong type, is missing, or has an unknown value",
    ),
    code(
        "palisade::spdx::not_spdx",
        "Valid JSON, but not an SPDX document (neither spdxVersion nor an SPDX 3 @context)",
    ),
    code(
        "palisade::spdx::syntax",
        "The bytes are not well-formed JSON (truncated, stray characters, not UTF-8 …)",
    ),
    code(
        "palisade::spdx::tag_value",
        "The document is SPDX tag-value, which this reader does not parse",
    ),
    code(
        "palisade::spdx::too_deep",
        "Arrays/objects are nested deeper than the limit",
    ),
    code(
        "palisade::spdx::too_large",
        "The input is larger than the limit",
    ),
    code(
        "palisade::spdx::too_many",
        "More elements (or list entries) than the limits allows",
    ),
    code(
        "palisade::spdx::unsupported_version",
        "An SPDX version this reader does not support",
    ),
    code(
        "palisade::syntax::bidi_control",
        "A bidirectional-override or isolate character (U+202A–202E, U+2066–2069) in the file",
    ),
    code(
        "palisade::syntax::conflicting_attributes",
        "Two attributes that exclude each other (path with ref/uri, or ref with uri)",
    ),
    code(
        "palisade::syntax::digest_mismatch",
        "digest disagrees with the digest inside ref",
    ),
    code(
        "palisade::syntax::duplicate_attribute",
        "The same attribute set twice in one block",
    ),
    code(
        "palisade::syntax::duplicate_name",
        "Two declarations of the same kind with the same name",
    ),
    code(
        "palisade::syntax::errors",
        "All errors of one pipeline file, reported together",
    ),
    code(
        "palisade::syntax::extra_pipeline",
        "A second pipeline block",
    ),
    code(
        "palisade::syntax::integer_range",
        "An integer that does not fit in 64 bits",
    ),
    code(
        "palisade::syntax::invalid_date",
        "A date that is malformed or does not exist",
    ),
    code(
        "palisade::syntax::invalid_digest",
        "A digest that is not sha256:<64 hex> or sha512:<128 hex>",
    ),
    code(
        "palisade::syntax::invalid_duration",
        "A duration (summary_max_age) that is not a number and a unit (s, m, h, d, w)",
    ),
    code(
        "palisade::syntax::invalid_escape",
        "An unknown or malformed escape sequence inside a string",
    ),
    code(
        "palisade::syntax::invalid_exposure",
        "An exposure other than public/internal/private",
    ),
    code(
        "palisade::syntax::invalid_ignore",
        "An artifact's ignore pattern is refused (negation, character class, `..`, only wildcards)",
    ),
    code(
        "palisade::syntax::invalid_model_format",
        "A model format that is not one of the documented formats",
    ),
    code(
        "palisade::syntax::invalid_name",
        "A name that is empty or holds control, bidi or line-separator characters",
    ),
    code(
        "palisade::syntax::invalid_path",
        "A path that is empty or cannot be checked",
    ),
    code(
        "palisade::syntax::invalid_threshold",
        "A vulnerability threshold other than critical/high/medium/low",
    ),
    code("palisade::syntax::io", "The file could not be read"),
    code(
        "palisade::syntax::limit",
        "An explicit limit was exceeded (declarations, string length, list length)",
    ),
    code(
        "palisade::syntax::missing_attribute",
        "A required attribute is missing",
    ),
    code(
        "palisade::syntax::missing_pipeline",
        "The file has no pipeline block (it is empty, only comments, or starts with something else)",
    ),
    code(
        "palisade::syntax::nested_pipeline",
        "A pipeline block inside the pipeline block",
    ),
    code(
        "palisade::syntax::no_artifacts",
        "A release without artifacts",
    ),
    code("palisade::syntax::not_utf8", "The file is not UTF-8 text"),
    code(
        "palisade::syntax::outside_pipeline",
        "Something outside the pipeline block",
    ),
    code(
        "palisade::syntax::parse",
        "The text does not follow the grammar",
    ),
    code(
        "palisade::syntax::path_escapes",
        "A path that leaves the pipeline's folder through .. or is absolute",
    ),
    code(
        "palisade::syntax::symlink_escapes",
        "A path that leaves the pipeline's folder through a symlink",
    ),
    code(
        "palisade::syntax::too_large",
        "The file is larger than the limit (8 MiB)",
    ),
    code(
        "palisade::syntax::too_many_errors",
        "More errors than are worth reporting",
    ),
    code(
        "palisade::syntax::undeclared",
        "A reference to something that is not declared",
    ),
    code(
        "palisade::syntax::unknown_attribute",
        "An attribute the block's kind does not have",
    ),
    code(
        "palisade::syntax::unknown_kind",
        "A block or reference names a kind the language does not have",
    ),
    code(
        "palisade::syntax::unknown_policy_pack",
        "A policies entry starting with @ other than @baseline",
    ),
    code(
        "palisade::syntax::unterminated_comment",
        "A /* comment without */",
    ),
    code(
        "palisade::syntax::unterminated_string",
        "A string without its closing quote on the same line",
    ),
    code(
        "palisade::syntax::wrong_reference_kind",
        "A reference of a kind the attribute does not take",
    ),
    code("palisade::syntax::wrong_type", "A value of the wrong type"),
    code(
        "palisade::testcase::at",
        "An // at: line that is not an RFC 3339 time",
    ),
    code(
        "palisade::testcase::contradiction",
        "expect: allow together with deny or waived lines",
    ),
    code(
        "palisade::testcase::expectation",
        "An // expect: line in no known form",
    ),
    code("palisade::testcase::missing", "No // expect: line at all"),
    code(
        "palisade::usage",
        "A command-line usage error (an unknown option value, a missing argument, an @pack other than @baseline)",
    ),
    code("palisade::verify::io", "The bundle file could not be read"),
    code(
        "palisade::verify::trust",
        "A trusted key or certificate file could not be used",
    ),
    code(
        "palisade::verify::usage",
        "The arguments do not fit the bundle (e.g. a keyless bundle without an identity)",
    ),
];

/// `docs/diagnostics.md`: every code with its meaning, grouped by area.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\nEvery error and warning palisade prints carries a stable code \
         (`palisade::<area>::<what>`). Errors exit 2 (unusable input) unless the table says \
         otherwise. Generated from `crates/palisade-core/src/codes.rs` by its test \
         (`PALISADE_BLESS=1 cargo test -p palisade-core --test codes` rewrites this file).\n",
    );
    let mut area = "";
    for entry in CODES {
        let this = entry
            .code
            .trim_start_matches("palisade::")
            .split("::")
            .next()
            .unwrap_or("");
        if this != area {
            area = this;
            out.push_str(&format!(
                "\n## {area}\n\n| code | meaning |\n| --- | --- |\n"
            ));
        }
        out.push_str(&format!("| `{}` | {} |\n", entry.code, entry.meaning));
    }
    out
}

/// The entry for `code`, if registered.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}
