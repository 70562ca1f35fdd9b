//! Who can reach a release.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who can reach a release, least exposed first (so `max` is "most exposed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Reachable by the owning team only.
    Private,
    /// Reachable inside the organisation.
    Internal,
    /// Reachable from the internet.
    Public,
}

impl Exposure {
    /// Every exposure, least exposed first.
    pub const ALL: [Exposure; 3] = [Exposure::Private, Exposure::Internal, Exposure::Public];

    /// The keyword as written in `.pal` files and seen by policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Public => "public",
            Exposure::Internal => "internal",
            Exposure::Private => "private",
        }
    }

    /// The policy value of an optional exposure: `"none"` when nothing is released.
    pub fn name_of(exposure: Option<Exposure>) -> &'static str {
        exposure.map_or("none", Exposure::as_str)
    }
}

impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A word that is not an exposure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an exposure (public, internal or private)")]
pub struct UnknownExposure(pub String);

impl FromStr for Exposure {
    type Err = UnknownExposure;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Exposure::ALL
            .into_iter()
            .find(|e| e.as_str() == text)
            .ok_or_else(|| UnknownExposure(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_exposed_is_the_max() {
        assert_eq!(
            [Exposure::Internal, Exposure::Public, Exposure::Private]
                .into_iter()
                .max(),
            Some(Exposure::Public)
        );
        assert_eq!(Exposure::name_of(None), "none");
        assert_eq!("internal".parse::<Exposure>().unwrap(), Exposure::Internal);
        assert!("Public".parse::<Exposure>().is_err());
    }
}
