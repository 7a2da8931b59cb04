//! Why the emulator could not be set up or run.

use std::io;

/// An error of `wan up` / `wan down`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WanError {
    /// Not retryable: the name would not make valid namespace names.
    #[error("invalid link name {0:?}: use 1–40 characters among letters, digits, '-', '_' and '.'")]
    InvalidName(String),
    /// Retryable after `wan down --name …` removed the leftovers of an earlier run.
    #[error("network namespace {0} already exists: run `wan down --name …` to remove leftovers")]
    NamespaceExists(String),
    /// An `ip` command failed; its stderr says why (often: not root).
    #[error("`{command}` failed: {stderr}")]
    Command { command: String, stderr: String },
    /// A system call failed.
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    /// The two namespaces could not exchange a probe (is the forwarding broken?).
    #[error("the namespaces could not reach each other within {0:?}")]
    Unreachable(std::time::Duration),
}

impl WanError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}
