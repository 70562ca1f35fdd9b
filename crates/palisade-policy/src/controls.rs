//! The control frameworks policies map to: one table, the single source for `@control`
//! validation, the per-framework report sections and `docs/controls.md`.
//!
//! A `@control("…")` value belongs to the framework whose `prefix` it starts with; it must
//! then be one of that framework's ids (a typo such as `OWASP-LLM11` is a load error, since it
//! would otherwise show the real control as "not covered"). A value no framework claims
//! (`NIST-800-53-AC-6`, `GDPR-ART-32`, your own) is kept and grouped under "other controls".
//!
//! To add a framework, append a [`Framework`] row; to map a rule, add `@control` lines to it
//! (the annotation may repeat).

/// One framework: its full list of control ids, so a report can say what is not covered.
#[derive(Debug, Clone, Copy)]
pub struct Framework {
    /// Short key used in reports (`owasp-llm`).
    pub key: &'static str,
    /// Its name and version.
    pub name: &'static str,
    /// Where it is published.
    pub url: &'static str,
    /// A `@control` value starting with this belongs to the framework.
    pub prefix: &'static str,
    /// True for AI frameworks (the baseline test requires AI rules to map into each).
    pub ai: bool,
    /// Every control id, with its title (empty when the table does not carry one).
    pub controls: &'static [(&'static str, &'static str)],
}

impl Framework {
    /// The title of one of its controls.
    pub fn title(&self, control: &str) -> Option<&'static str> {
        self.controls
            .iter()
            .find(|(id, _)| *id == control)
            .map(|(_, title)| *title)
    }
}

/// Every framework Palisade knows the full list of.
pub const FRAMEWORKS: &[Framework] = &[
    Framework {
        key: "owasp-llm",
        name: "OWASP Top 10 for LLM Applications 2025",
        url: "https://genai.owasp.org/llm-top-10/",
        prefix: "OWASP-LLM",
        ai: true,
        controls: OWASP_LLM,
    },
    Framework {
        key: "mitre-atlas",
        name: "MITRE ATLAS 5.6.0 techniques",
        url: "https://atlas.mitre.org/techniques",
        prefix: "AML.",
        ai: true,
        controls: ATLAS,
    },
    Framework {
        key: "nist-ai-rmf",
        name: "NIST AI RMF 1.0 (AI 100-1) subcategories",
        url: "https://doi.org/10.6028/NIST.AI.100-1",
        prefix: "NIST-AI-RMF-",
        ai: true,
        controls: NIST_AI_RMF,
    },
    Framework {
        key: "slsa",
        name: "SLSA v1.0 build levels",
        url: "https://slsa.dev/spec/v1.0/levels",
        prefix: "SLSA-",
        ai: false,
        controls: SLSA,
    },
    Framework {
        key: "nist-ssdf",
        name: "NIST SSDF 1.1 (SP 800-218) practices",
        url: "https://doi.org/10.6028/NIST.SP.800-218",
        prefix: "NIST-SSDF-",
        ai: false,
        controls: NIST_SSDF,
    },
    Framework {
        key: "owasp-cicd",
        name: "OWASP Top 10 CI/CD Security Risks",
        url: "https://owasp.org/www-project-top-10-ci-cd-security-risks/",
        prefix: "OWASP-CICD-SEC-",
        ai: false,
        controls: OWASP_CICD,
    },
];

/// The framework a `@control` value claims to belong to (by prefix), if any.
pub fn framework_of(control: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| control.starts_with(f.prefix))
}

/// Checks one `@control` value: `Err` with a message when it claims a framework (by prefix)
/// but is none of its ids.
pub fn check(control: &str) -> Result<(), String> {
    if control.trim().is_empty() {
        return Err("@control is empty".to_owned());
    }
    match framework_of(control) {
        Some(framework) if framework.title(control).is_none() => {
            let close =
                palisade_syntax::suggest(control, framework.controls.iter().map(|(id, _)| *id));
            Err(format!(
                "@control({control:?}) starts like {} but is none of its ids{}",
                framework.name,
                close.map_or_else(String::new, |c| format!(" (did you mean {c:?}?)"))
            ))
        }
        _ => Ok(()),
    }
}

const OWASP_LLM: &[(&str, &str)] = &[
    ("OWASP-LLM01", "Prompt Injection"),
    ("OWASP-LLM02", "Sensitive Information Disclosure"),
    ("OWASP-LLM03", "Supply Chain"),
    ("OWASP-LLM04", "Data and Model Poisoning"),
    ("OWASP-LLM05", "Improper Output Handling"),
    ("OWASP-LLM06", "Excessive Agency"),
    ("OWASP-LLM07", "System Prompt Leakage"),
    ("OWASP-LLM08", "Vector and Embedding Weaknesses"),
    ("OWASP-LLM09", "Misinformation"),
    ("OWASP-LLM10", "Unbounded Consumption"),
];

/// Techniques and sub-techniques of MITRE ATLAS 5.6.0 (mitre-atlas/atlas-data,
/// `data/techniques.yaml`), by id.
const ATLAS: &[(&str, &str)] = &[
    ("AML.T0000", "Search Open Technical Databases"),
    (
        "AML.T0000.000",
        "Search Open Technical Databases: Journals and Conference Proceedings",
    ),
    (
        "AML.T0000.001",
        "Search Open Technical Databases: Pre-Print Repositories",
    ),
    (
        "AML.T0000.002",
        "Search Open Technical Databases: Technical Blogs",
    ),
    ("AML.T0001", "Search Open AI Vulnerability Analysis"),
    ("AML.T0002", "Acquire Public AI Artifacts"),
    ("AML.T0002.000", "Acquire Public AI Artifacts: Datasets"),
    ("AML.T0002.001", "Acquire Public AI Artifacts: Models"),
    (
        "AML.T0002.002",
        "Acquire Public AI Artifacts: AI Agent Configuration",
    ),
    ("AML.T0003", "Search Victim-Owned Websites"),
    ("AML.T0004", "Search Application Repositories"),
    ("AML.T0005", "Create Proxy AI Model"),
    (
        "AML.T0005.000",
        "Create Proxy AI Model: Train Proxy via Gathered AI Artifacts",
    ),
    (
        "AML.T0005.001",
        "Create Proxy AI Model: Train Proxy via Replication",
    ),
    (
        "AML.T0005.002",
        "Create Proxy AI Model: Use Pre-Trained Model",
    ),
    ("AML.T0006", "Active Scanning"),
    ("AML.T0007", "Discover AI Artifacts"),
    ("AML.T0008", "Acquire Infrastructure"),
    (
        "AML.T0008.000",
        "Acquire Infrastructure: AI Development Workspaces",
    ),
    ("AML.T0008.001", "Acquire Infrastructure: Consumer Hardware"),
    ("AML.T0008.002", "Acquire Infrastructure: Domains"),
    (
        "AML.T0008.003",
        "Acquire Infrastructure: Physical Countermeasures",
    ),
    ("AML.T0008.004", "Acquire Infrastructure: Serverless"),
    (
        "AML.T0008.005",
        "Acquire Infrastructure: AI Service Proxies",
    ),
    ("AML.T0010", "AI Supply Chain Compromise"),
    ("AML.T0010.000", "AI Supply Chain Compromise: Hardware"),
    ("AML.T0010.001", "AI Supply Chain Compromise: AI Software"),
    ("AML.T0010.002", "AI Supply Chain Compromise: Data"),
    ("AML.T0010.003", "AI Supply Chain Compromise: Model"),
    (
        "AML.T0010.004",
        "AI Supply Chain Compromise: Container Registry",
    ),
    ("AML.T0010.005", "AI Supply Chain Compromise: AI Agent Tool"),
    ("AML.T0011", "User Execution"),
    ("AML.T0011.000", "User Execution: Unsafe AI Artifacts"),
    ("AML.T0011.001", "User Execution: Malicious Package"),
    ("AML.T0011.002", "User Execution: Poisoned AI Agent Tool"),
    ("AML.T0011.003", "User Execution: Malicious Link"),
    ("AML.T0012", "Valid Accounts"),
    ("AML.T0013", "Discover AI Model Ontology"),
    ("AML.T0014", "Discover AI Model Family"),
    ("AML.T0015", "Evade AI Model"),
    ("AML.T0016", "Obtain Capabilities"),
    (
        "AML.T0016.000",
        "Obtain Capabilities: Adversarial AI Attack Implementations",
    ),
    ("AML.T0016.001", "Obtain Capabilities: Software Tools"),
    ("AML.T0016.002", "Obtain Capabilities: Generative AI"),
    ("AML.T0017", "Develop Capabilities"),
    (
        "AML.T0017.000",
        "Develop Capabilities: Adversarial AI Attacks",
    ),
    ("AML.T0018", "Manipulate AI Model"),
    ("AML.T0018.000", "Manipulate AI Model: Poison AI Model"),
    (
        "AML.T0018.001",
        "Manipulate AI Model: Modify AI Model Architecture",
    ),
    ("AML.T0018.002", "Manipulate AI Model: Embed Malware"),
    ("AML.T0019", "Publish Poisoned Datasets"),
    ("AML.T0020", "Poison Training Data"),
    ("AML.T0021", "Establish Accounts"),
    ("AML.T0024", "Exfiltration via AI Inference API"),
    (
        "AML.T0024.000",
        "Exfiltration via AI Inference API: Infer Training Data Membership",
    ),
    (
        "AML.T0024.001",
        "Exfiltration via AI Inference API: Invert AI Model",
    ),
    (
        "AML.T0024.002",
        "Exfiltration via AI Inference API: Extract AI Model",
    ),
    ("AML.T0025", "Exfiltration via Cyber Means"),
    ("AML.T0029", "Denial of AI Service"),
    ("AML.T0031", "Erode AI Model Integrity"),
    ("AML.T0034", "Cost Harvesting"),
    ("AML.T0034.000", "Cost Harvesting: Excessive Queries"),
    (
        "AML.T0034.001",
        "Cost Harvesting: Resource-Intensive Queries",
    ),
    (
        "AML.T0034.002",
        "Cost Harvesting: Agentic Resource Consumption",
    ),
    ("AML.T0035", "AI Artifact Collection"),
    ("AML.T0036", "Data from Information Repositories"),
    ("AML.T0037", "Data from Local System"),
    ("AML.T0040", "AI Model Inference API Access"),
    ("AML.T0041", "Physical Environment Access"),
    ("AML.T0042", "Verify Attack"),
    ("AML.T0043", "Craft Adversarial Data"),
    (
        "AML.T0043.000",
        "Craft Adversarial Data: White-Box Optimization",
    ),
    (
        "AML.T0043.001",
        "Craft Adversarial Data: Black-Box Optimization",
    ),
    (
        "AML.T0043.002",
        "Craft Adversarial Data: Black-Box Transfer",
    ),
    (
        "AML.T0043.003",
        "Craft Adversarial Data: Manual Modification",
    ),
    (
        "AML.T0043.004",
        "Craft Adversarial Data: Insert Backdoor Trigger",
    ),
    ("AML.T0044", "Full AI Model Access"),
    ("AML.T0046", "Spamming AI System with Chaff Data"),
    ("AML.T0047", "AI-Enabled Product or Service"),
    ("AML.T0048", "External Harms"),
    ("AML.T0048.000", "External Harms: Financial Harm"),
    ("AML.T0048.001", "External Harms: Reputational Harm"),
    ("AML.T0048.002", "External Harms: Societal Harm"),
    ("AML.T0048.003", "External Harms: User Harm"),
    (
        "AML.T0048.004",
        "External Harms: AI Intellectual Property Theft",
    ),
    ("AML.T0049", "Exploit Public-Facing Application"),
    ("AML.T0050", "Command and Scripting Interpreter"),
    ("AML.T0051", "LLM Prompt Injection"),
    ("AML.T0051.000", "LLM Prompt Injection: Direct"),
    ("AML.T0051.001", "LLM Prompt Injection: Indirect"),
    ("AML.T0051.002", "LLM Prompt Injection: Triggered"),
    ("AML.T0052", "Phishing"),
    (
        "AML.T0052.000",
        "Phishing: Spearphishing via Social Engineering LLM",
    ),
    ("AML.T0052.001", "Phishing: Deepfake-Assisted Phishing"),
    ("AML.T0053", "AI Agent Tool Invocation"),
    ("AML.T0054", "LLM Jailbreak"),
    ("AML.T0055", "Unsecured Credentials"),
    ("AML.T0056", "Extract LLM System Prompt"),
    ("AML.T0057", "LLM Data Leakage"),
    ("AML.T0058", "Publish Poisoned Models"),
    ("AML.T0059", "Erode Dataset Integrity"),
    ("AML.T0060", "Publish Hallucinated Entities"),
    ("AML.T0061", "LLM Prompt Self-Replication"),
    ("AML.T0062", "Discover LLM Hallucinations"),
    ("AML.T0063", "Discover AI Model Outputs"),
    ("AML.T0064", "Gather RAG-Indexed Targets"),
    ("AML.T0065", "LLM Prompt Crafting"),
    ("AML.T0066", "Retrieval Content Crafting"),
    ("AML.T0067", "LLM Trusted Output Components Manipulation"),
    (
        "AML.T0067.000",
        "LLM Trusted Output Components Manipulation: Citations",
    ),
    ("AML.T0068", "LLM Prompt Obfuscation"),
    ("AML.T0069", "Discover LLM System Information"),
    (
        "AML.T0069.000",
        "Discover LLM System Information: Special Character Sets",
    ),
    (
        "AML.T0069.001",
        "Discover LLM System Information: System Instruction Keywords",
    ),
    (
        "AML.T0069.002",
        "Discover LLM System Information: System Prompt",
    ),
    ("AML.T0070", "RAG Poisoning"),
    ("AML.T0071", "False RAG Entry Injection"),
    ("AML.T0072", "Reverse Shell"),
    ("AML.T0073", "Impersonation"),
    ("AML.T0074", "Masquerading"),
    ("AML.T0075", "Cloud Service Discovery"),
    ("AML.T0076", "Corrupt AI Model"),
    ("AML.T0077", "LLM Response Rendering"),
    ("AML.T0078", "Drive-by Compromise"),
    ("AML.T0079", "Stage Capabilities"),
    ("AML.T0080", "AI Agent Context Poisoning"),
    ("AML.T0080.000", "AI Agent Context Poisoning: Memory"),
    ("AML.T0080.001", "AI Agent Context Poisoning: Thread"),
    ("AML.T0081", "Modify AI Agent Configuration"),
    ("AML.T0082", "RAG Credential Harvesting"),
    ("AML.T0083", "Credentials from AI Agent Configuration"),
    ("AML.T0084", "Discover AI Agent Configuration"),
    (
        "AML.T0084.000",
        "Discover AI Agent Configuration: Embedded Knowledge",
    ),
    (
        "AML.T0084.001",
        "Discover AI Agent Configuration: Tool Definitions",
    ),
    (
        "AML.T0084.002",
        "Discover AI Agent Configuration: Activation Triggers",
    ),
    (
        "AML.T0084.003",
        "Discover AI Agent Configuration: Call Chains",
    ),
    ("AML.T0085", "Data from AI Services"),
    ("AML.T0085.000", "Data from AI Services: RAG Databases"),
    ("AML.T0085.001", "Data from AI Services: AI Agent Tools"),
    ("AML.T0086", "Exfiltration via AI Agent Tool Invocation"),
    ("AML.T0087", "Gather Victim Identity Information"),
    ("AML.T0088", "Generate Deepfakes"),
    ("AML.T0089", "Process Discovery"),
    ("AML.T0090", "OS Credential Dumping"),
    ("AML.T0091", "Use Alternate Authentication Material"),
    (
        "AML.T0091.000",
        "Use Alternate Authentication Material: Application Access Token",
    ),
    ("AML.T0092", "Manipulate User LLM Chat History"),
    (
        "AML.T0093",
        "Prompt Infiltration via Public-Facing Application",
    ),
    ("AML.T0094", "Delay Execution of LLM Instructions"),
    ("AML.T0095", "Search Open Websites/Domains"),
    (
        "AML.T0095.000",
        "Search Open Websites/Domains: Code Repositories",
    ),
    ("AML.T0096", "AI Service API"),
    ("AML.T0097", "Virtualization/Sandbox Evasion"),
    ("AML.T0098", "AI Agent Tool Credential Harvesting"),
    ("AML.T0099", "AI Agent Tool Data Poisoning"),
    ("AML.T0100", "AI Agent Clickbait"),
    ("AML.T0101", "Data Destruction via AI Agent Tool Invocation"),
    ("AML.T0102", "Generate Malicious Commands"),
    ("AML.T0103", "Deploy AI Agent"),
    ("AML.T0104", "Publish Poisoned AI Agent Tool"),
    ("AML.T0105", "Escape to Host"),
    ("AML.T0106", "Exploitation for Credential Access"),
    ("AML.T0107", "Exploitation for Defense Evasion"),
    ("AML.T0108", "AI Agent"),
    ("AML.T0109", "AI Supply Chain Rug Pull"),
    ("AML.T0110", "AI Agent Tool Poisoning"),
    ("AML.T0111", "AI Supply Chain Reputation Inflation"),
    ("AML.T0112", "Machine Compromise"),
    ("AML.T0112.000", "Machine Compromise: Local AI Agent"),
    ("AML.T0112.001", "Machine Compromise: AI Artifacts"),
];

/// The 72 subcategories of the AI RMF Core (GOVERN 1.1 … MANAGE 4.3), written
/// `NIST-AI-RMF-<FUNCTION>-<n.m>`.
const NIST_AI_RMF: &[(&str, &str)] = &[
    ("NIST-AI-RMF-GOVERN-1.1", ""),
    ("NIST-AI-RMF-GOVERN-1.2", ""),
    ("NIST-AI-RMF-GOVERN-1.3", ""),
    ("NIST-AI-RMF-GOVERN-1.4", ""),
    ("NIST-AI-RMF-GOVERN-1.5", ""),
    ("NIST-AI-RMF-GOVERN-1.6", ""),
    ("NIST-AI-RMF-GOVERN-1.7", ""),
    ("NIST-AI-RMF-GOVERN-2.1", ""),
    ("NIST-AI-RMF-GOVERN-2.2", ""),
    ("NIST-AI-RMF-GOVERN-2.3", ""),
    ("NIST-AI-RMF-GOVERN-3.1", ""),
    ("NIST-AI-RMF-GOVERN-3.2", ""),
    ("NIST-AI-RMF-GOVERN-4.1", ""),
    ("NIST-AI-RMF-GOVERN-4.2", ""),
    ("NIST-AI-RMF-GOVERN-4.3", ""),
    ("NIST-AI-RMF-GOVERN-5.1", ""),
    ("NIST-AI-RMF-GOVERN-5.2", ""),
    ("NIST-AI-RMF-GOVERN-6.1", ""),
    ("NIST-AI-RMF-GOVERN-6.2", ""),
    ("NIST-AI-RMF-MAP-1.1", ""),
    ("NIST-AI-RMF-MAP-1.2", ""),
    ("NIST-AI-RMF-MAP-1.3", ""),
    ("NIST-AI-RMF-MAP-1.4", ""),
    ("NIST-AI-RMF-MAP-1.5", ""),
    ("NIST-AI-RMF-MAP-1.6", ""),
    ("NIST-AI-RMF-MAP-2.1", ""),
    ("NIST-AI-RMF-MAP-2.2", ""),
    ("NIST-AI-RMF-MAP-2.3", ""),
    ("NIST-AI-RMF-MAP-3.1", ""),
    ("NIST-AI-RMF-MAP-3.2", ""),
    ("NIST-AI-RMF-MAP-3.3", ""),
    ("NIST-AI-RMF-MAP-3.4", ""),
    ("NIST-AI-RMF-MAP-3.5", ""),
    ("NIST-AI-RMF-MAP-4.1", ""),
    ("NIST-AI-RMF-MAP-4.2", ""),
    ("NIST-AI-RMF-MAP-5.1", ""),
    ("NIST-AI-RMF-MAP-5.2", ""),
    ("NIST-AI-RMF-MEASURE-1.1", ""),
    ("NIST-AI-RMF-MEASURE-1.2", ""),
    ("NIST-AI-RMF-MEASURE-1.3", ""),
    ("NIST-AI-RMF-MEASURE-2.1", ""),
    ("NIST-AI-RMF-MEASURE-2.2", ""),
    ("NIST-AI-RMF-MEASURE-2.3", ""),
    ("NIST-AI-RMF-MEASURE-2.4", ""),
    ("NIST-AI-RMF-MEASURE-2.5", ""),
    ("NIST-AI-RMF-MEASURE-2.6", ""),
    ("NIST-AI-RMF-MEASURE-2.7", ""),
    ("NIST-AI-RMF-MEASURE-2.8", ""),
    ("NIST-AI-RMF-MEASURE-2.9", ""),
    ("NIST-AI-RMF-MEASURE-2.10", ""),
    ("NIST-AI-RMF-MEASURE-2.11", ""),
    ("NIST-AI-RMF-MEASURE-2.12", ""),
    ("NIST-AI-RMF-MEASURE-2.13", ""),
    ("NIST-AI-RMF-MEASURE-3.1", ""),
    ("NIST-AI-RMF-MEASURE-3.2", ""),
    ("NIST-AI-RMF-MEASURE-3.3", ""),
    ("NIST-AI-RMF-MEASURE-4.1", ""),
    ("NIST-AI-RMF-MEASURE-4.2", ""),
    ("NIST-AI-RMF-MEASURE-4.3", ""),
    ("NIST-AI-RMF-MANAGE-1.1", ""),
    ("NIST-AI-RMF-MANAGE-1.2", ""),
    ("NIST-AI-RMF-MANAGE-1.3", ""),
    ("NIST-AI-RMF-MANAGE-1.4", ""),
    ("NIST-AI-RMF-MANAGE-2.1", ""),
    ("NIST-AI-RMF-MANAGE-2.2", ""),
    ("NIST-AI-RMF-MANAGE-2.3", ""),
    ("NIST-AI-RMF-MANAGE-2.4", ""),
    ("NIST-AI-RMF-MANAGE-3.1", ""),
    ("NIST-AI-RMF-MANAGE-3.2", ""),
    ("NIST-AI-RMF-MANAGE-4.1", ""),
    ("NIST-AI-RMF-MANAGE-4.2", ""),
    ("NIST-AI-RMF-MANAGE-4.3", ""),
];

const SLSA: &[(&str, &str)] = &[
    ("SLSA-L1", "Build L1: provenance exists"),
    (
        "SLSA-L2",
        "Build L2: hosted build platform, signed provenance",
    ),
    ("SLSA-L3", "Build L3: hardened builds"),
];

const NIST_SSDF: &[(&str, &str)] = &[
    (
        "NIST-SSDF-PO.1",
        "Define security requirements for software development",
    ),
    ("NIST-SSDF-PO.2", "Implement roles and responsibilities"),
    ("NIST-SSDF-PO.3", "Implement supporting toolchains"),
    (
        "NIST-SSDF-PO.4",
        "Define and use criteria for software security checks",
    ),
    (
        "NIST-SSDF-PO.5",
        "Implement and maintain secure environments for software development",
    ),
    (
        "NIST-SSDF-PS.1",
        "Protect all forms of code from unauthorized access and tampering",
    ),
    (
        "NIST-SSDF-PS.2",
        "Provide a mechanism for verifying software release integrity",
    ),
    (
        "NIST-SSDF-PS.3",
        "Archive and protect each software release",
    ),
    (
        "NIST-SSDF-PW.1",
        "Design software to meet security requirements and mitigate security risks",
    ),
    (
        "NIST-SSDF-PW.2",
        "Review the software design to verify compliance with security requirements and risk information",
    ),
    (
        "NIST-SSDF-PW.4",
        "Reuse existing, well-secured software when feasible instead of duplicating functionality",
    ),
    (
        "NIST-SSDF-PW.5",
        "Create source code by adhering to secure coding practices",
    ),
    (
        "NIST-SSDF-PW.6",
        "Configure the compilation, interpreter, and build processes to improve executable security",
    ),
    (
        "NIST-SSDF-PW.7",
        "Review and/or analyze human-readable code to identify vulnerabilities",
    ),
    (
        "NIST-SSDF-PW.8",
        "Test executable code to identify vulnerabilities",
    ),
    (
        "NIST-SSDF-PW.9",
        "Configure software to have secure settings by default",
    ),
    (
        "NIST-SSDF-RV.1",
        "Identify and confirm vulnerabilities on an ongoing basis",
    ),
    (
        "NIST-SSDF-RV.2",
        "Assess, prioritize, and remediate vulnerabilities",
    ),
    (
        "NIST-SSDF-RV.3",
        "Analyze vulnerabilities to identify their root causes",
    ),
];

const OWASP_CICD: &[(&str, &str)] = &[
    ("OWASP-CICD-SEC-1", "Insufficient Flow Control Mechanisms"),
    (
        "OWASP-CICD-SEC-2",
        "Inadequate Identity and Access Management",
    ),
    ("OWASP-CICD-SEC-3", "Dependency Chain Abuse"),
    ("OWASP-CICD-SEC-4", "Poisoned Pipeline Execution"),
    (
        "OWASP-CICD-SEC-5",
        "Insufficient PBAC (Pipeline-Based Access Controls)",
    ),
    ("OWASP-CICD-SEC-6", "Insufficient Credential Hygiene"),
    ("OWASP-CICD-SEC-7", "Insecure System Configuration"),
    ("OWASP-CICD-SEC-8", "Ungoverned Usage of 3rd Party Services"),
    ("OWASP-CICD-SEC-9", "Improper Artifact Integrity Validation"),
    ("OWASP-CICD-SEC-10", "Insufficient Logging and Visibility"),
];

/// What an evaluation says about one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A loaded policy enforces it and none of them denied anything.
    Passed,
    /// A policy enforcing it denied a request (or failed to evaluate), unwaived.
    Failed,
    /// Its policies denied only requests that waivers cover.
    Waived,
    /// No loaded policy names it.
    NotCovered,
}

impl Status {
    /// `passed`, `failed`, `waived`, `not covered`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Waived => "waived",
            Status::NotCovered => "not covered",
        }
    }
}

/// One control's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ControlResult {
    /// `OWASP-LLM01`.
    pub id: String,
    /// Its title, when the table has one.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub title: &'static str,
    /// The outcome.
    pub status: Status,
    /// The loaded policies naming it, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// Unwaived violations of those policies.
    pub violations: usize,
    /// Waived violations of those policies.
    pub waived: usize,
}

/// One framework's results: every control of its list, so what is not covered shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FrameworkResult {
    /// `owasp-llm`, or `other` for controls no framework claims.
    pub framework: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Controls in its list (for `other`: those the policies name).
    pub controls: usize,
    /// Controls some loaded policy enforces.
    pub checked: usize,
    /// Checked and nothing denied.
    pub passed: usize,
    /// Checked and denied.
    pub failed: usize,
    /// Checked, denied, all waived.
    pub waived: usize,
    /// In the list but enforced by no loaded policy.
    pub not_covered: usize,
    /// Each control, in the list's order.
    pub results: Vec<ControlResult>,
}

/// Results by framework: the [`FRAMEWORKS`] in order, then `other` when a policy names a
/// control no framework claims.
pub fn coverage(pack: &crate::PolicyPack, evaluation: &crate::Evaluation) -> Vec<FrameworkResult> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut policies: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, info) in &pack.info {
        for control in &info.controls {
            policies
                .entry(control.as_str())
                .or_default()
                .insert(id.as_str());
        }
    }
    let count = |list: &[crate::Violation], rules: &BTreeSet<&str>| {
        list.iter()
            .filter(|v| rules.contains(v.policy.as_str()))
            .count()
    };
    let result = |id: &str, title: &'static str| {
        let rules = policies.get(id).cloned().unwrap_or_default();
        let violations = count(&evaluation.violations, &rules);
        let waived = count(&evaluation.waived, &rules);
        let status = if rules.is_empty() {
            Status::NotCovered
        } else if violations > 0 {
            Status::Failed
        } else if waived > 0 {
            Status::Waived
        } else {
            Status::Passed
        };
        ControlResult {
            id: id.to_owned(),
            title,
            status,
            policies: rules.iter().map(|r| (*r).to_owned()).collect(),
            violations,
            waived,
        }
    };
    let summarise = |framework: &'static str, name: &'static str, results: Vec<ControlResult>| {
        let of = |s: Status| results.iter().filter(|r| r.status == s).count();
        FrameworkResult {
            framework,
            name,
            controls: results.len(),
            checked: results.len() - of(Status::NotCovered),
            passed: of(Status::Passed),
            failed: of(Status::Failed),
            waived: of(Status::Waived),
            not_covered: of(Status::NotCovered),
            results,
        }
    };
    let mut out: Vec<FrameworkResult> = FRAMEWORKS
        .iter()
        .map(|f| {
            let results = f
                .controls
                .iter()
                .map(|(id, title)| result(id, title))
                .collect();
            summarise(f.key, f.name, results)
        })
        .collect();
    let other: Vec<ControlResult> = policies
        .keys()
        .filter(|c| framework_of(c).is_none())
        .map(|c| result(c, ""))
        .collect();
    if !other.is_empty() {
        out.push(summarise("other", "Other controls", other));
    }
    out
}

/// `docs/controls.md`: every framework's full list, with the baseline rules mapped to each
/// control.
pub fn markdown(baseline: &crate::PolicyPack) -> String {
    use std::collections::{BTreeMap, BTreeSet};
    use std::fmt::Write as _;
    let mut rules: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, info) in &baseline.info {
        for control in &info.controls {
            rules
                .entry(control.as_str())
                .or_default()
                .insert(id.as_str());
        }
    }
    let list = |control: &str| {
        rules.get(control).map_or_else(String::new, |r| {
            r.iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let mut out = String::from(
        "# Controls\n\n\
         <!-- Generated from crates/palisade-policy/src/controls.rs and policies/baseline/ by\n\
         `PALISADE_BLESS=1 cargo test --workspace --lib -- docs_controls_md`; do not edit. -->\n\n\
         Every baseline rule names the controls it enforces with `@control(\"…\")`, which may repeat.\n\
         A value belongs to the framework whose prefix it starts with and must be one of that\n\
         framework's ids below (a typo is a load error, `palisade::policy::annotation`); a value no\n\
         framework claims (`NIST-800-53-AC-6`, your own `GDPR-ART-32`) is reported under \"other\".\n\n\
         `palisade evaluate --controls` (human, json and markdown reports) groups the result by\n\
         framework: for each control whether it was checked (a loaded policy names it), and then\n\
         passed (none of its policies denied anything), failed (one denied, unwaived), waived\n\
         (every denial is waived) or not covered (no loaded policy names it).\n\n",
    );
    let _ = writeln!(
        out,
        "| framework | prefix | controls | covered by the baseline |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for f in FRAMEWORKS {
        let covered = f
            .controls
            .iter()
            .filter(|(id, _)| rules.contains_key(id))
            .count();
        let _ = writeln!(
            out,
            "| [{}]({}) | `{}` | {} | {covered} |",
            f.name,
            f.url,
            f.prefix,
            f.controls.len()
        );
    }
    for f in FRAMEWORKS {
        let _ = writeln!(out, "\n## {}\n", f.name);
        let _ = writeln!(out, "| control | title | baseline rules |");
        let _ = writeln!(out, "|---|---|---|");
        for (id, title) in f.controls {
            let _ = writeln!(out, "| `{id}` | {title} | {} |", list(id));
        }
    }
    let other: Vec<&&str> = rules.keys().filter(|c| framework_of(c).is_none()).collect();
    if !other.is_empty() {
        let _ = writeln!(out, "\n## Other controls the baseline names\n");
        let _ = writeln!(out, "| control | baseline rules |");
        let _ = writeln!(out, "|---|---|");
        for id in other {
            let _ = writeln!(out, "| `{id}` | {} |", list(id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_complete_unique_and_under_its_prefix() {
        let mut seen = std::collections::BTreeSet::new();
        for f in FRAMEWORKS {
            for (id, _) in f.controls {
                assert!(id.starts_with(f.prefix), "{id} in {}", f.key);
                assert_eq!(framework_of(id).map(|g| g.key), Some(f.key), "{id}");
                assert!(seen.insert(*id), "{id} twice");
            }
        }
        let size = |key: &str| {
            FRAMEWORKS
                .iter()
                .find(|f| f.key == key)
                .unwrap()
                .controls
                .len()
        };
        assert_eq!(size("owasp-llm"), 10);
        assert_eq!(size("nist-ai-rmf"), 72);
        assert_eq!(size("mitre-atlas"), 170);
        assert_eq!(size("owasp-cicd"), 10);
        assert_eq!(size("nist-ssdf"), 19);
    }

    #[test]
    fn a_value_is_checked_only_against_the_framework_it_claims() {
        assert!(check("OWASP-LLM01").is_ok());
        assert!(check("AML.T0051.001").is_ok());
        assert!(check("NIST-800-53-AC-6").is_ok());
        assert!(check("GDPR-ART-32").is_ok());
        let typo = check("OWASP-LLM11").unwrap_err();
        assert!(typo.contains("OWASP Top 10 for LLM"), "{typo}");
        assert!(check("NIST-AI-RMF-MAP-4").is_err());
        assert!(check("AML.T9999").is_err());
        assert!(check(" ").is_err());
    }
}
