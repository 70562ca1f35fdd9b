//! `lock` and `hash`: pinning and hashing local files.

use std::path::PathBuf;

/// `palisade lock`.
#[derive(clap::Args, Clone)]
pub struct LockArgs {
    /// The pipeline file (default: pipeline.pal in the current folder).
    #[arg(value_name = "PIPELINE")]
    pub pipeline: Option<PathBuf>,
}

/// `palisade hash`.
#[derive(clap::Args, Clone)]
pub struct HashArgs {
    /// Files or directories to hash.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs `palisade lock`.
pub fn lock(_args: LockArgs) -> miette::Result<u8> {
    Err(miette::miette!("palisade lock is not built yet"))
}

/// Runs `palisade hash`.
pub fn hash(_args: HashArgs) -> miette::Result<u8> {
    Err(miette::miette!("palisade hash is not built yet"))
}
