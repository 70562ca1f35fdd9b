//! What the gate decided: for the whole evaluation and for each request.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The verdict of a whole evaluation: the release goes ahead or it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every request was allowed or fully waived.
    Allow,
    /// A request was denied (or a policy failed to evaluate).
    Deny,
}

impl Decision {
    /// `"allow"` or `"deny"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        }
    }

    /// The word in human reports: `ALLOW` or `DENY`.
    pub fn shout(self) -> &'static str {
        match self {
            Decision::Allow => "ALLOW",
            Decision::Deny => "DENY",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The outcome of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestDecision {
    /// Cedar allowed it.
    Allow,
    /// Denied (by a forbid, by no permit, or by a policy error).
    Deny,
    /// Denied, but every determining forbid is covered by an unexpired waiver.
    Waived,
}

impl RequestDecision {
    /// `"allow"`, `"deny"` or `"waived"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestDecision::Allow => "allow",
            RequestDecision::Deny => "deny",
            RequestDecision::Waived => "waived",
        }
    }
}

impl fmt::Display for RequestDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
