//! The file-transfer engine of the customer agent (S11–S13): real file I/O, no networking.
//!
//! The driver moves bytes over the `file:<id>` data channels and calls in here:
//! - [`Incoming`] receives one file into a folder (S11 basic downloads, S11 advanced pushes),
//!   through a hidden partial file that survives a lost connection so the next offer of the same
//!   file resumes where it stopped, and that takes its final name only once its SHA-256 checks;
//! - [`Outgoing`] reads one file for a pull, hashed up front so the header can announce it;
//! - [`SharedRoot`] confines the CSR's advanced transfers to the folder the customer shares;
//! - [`safe_name`] and [`unique_path`] turn whatever name a peer offers into a plain file name
//!   that never overwrites anything.
//!
//! Consent (S13, S21) is not checked here: the driver asks [`crate::consent`] before it opens a
//! transfer and before every chunk. Every call here blocks on the disk; opening a file hashes it
//! (or the partial being resumed) in full, so drivers call `open` and `finish` off the async
//! executor. Unix only for now (`statvfs`, `O_NOFOLLOW`, `flock`, positional writes).

#![warn(missing_docs)]

mod incoming;
mod names;
mod outgoing;
mod share;
mod space;

pub use incoming::Incoming;
pub use names::{safe_name, unique_path, MAX_NAME_BYTES};
pub use outgoing::{FileMeta, Outgoing};
pub use share::SharedRoot;
pub use space::free_space;

use protocol::ErrorCode;
use std::io;

/// What this computer accepts when it receives a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes; larger offers are refused with `file_too_large`.
    pub max_file_bytes: u64,
    /// Free space left on the receiving disk after a transfer; offers that would eat into it are
    /// refused with `insufficient_space` before any byte flows.
    pub keep_free_bytes: u64,
}

impl Default for Limits {
    /// 4 GiB per file, 256 MiB kept free.
    fn default() -> Self {
        Limits { max_file_bytes: 4 << 30, keep_free_bytes: 256 << 20 }
    }
}

/// Why a transfer, or one of its steps, was refused or stopped.
///
/// Messages name only the sanitized file name, or the relative path the CSR sent, never a full
/// path of the customer's computer: they go to the CSR as well as to the customer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The file is larger than [`Limits::max_file_bytes`].
    #[error("{name} is {size} bytes, more than the {max} bytes this computer accepts; send a smaller file or split it")]
    TooLarge {
        /// The sanitized file name.
        name: String,
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        max: u64,
    },
    /// The disk cannot take the file and still keep [`Limits::keep_free_bytes`] free.
    #[error("not enough disk space for {name}: it needs {needed} bytes free (the file and a safety margin), {free} are free; free some space and try again")]
    NoSpace {
        /// The sanitized file name.
        name: String,
        /// Bytes still to write plus the margin kept free.
        needed: u64,
        /// Bytes free on the disk.
        free: u64,
    },
    /// The disk filled up while the file was being written.
    #[error("the disk filled up while {name} was being written; free some space and send it again")]
    DiskFull {
        /// The sanitized file name.
        name: String,
    },
    /// The bytes that arrived do not hash to the announced SHA-256; nothing was kept.
    #[error("{name} arrived damaged (its SHA-256 does not match) and was not kept; send it again")]
    ChecksumMismatch {
        /// The sanitized file name.
        name: String,
    },
    /// The path leaves the shared folder, or is not a plain relative path.
    #[error("the path {path:?} is not allowed: {why}; choose an entry of the shared folder")]
    PathNotAllowed {
        /// The relative path as the CSR sent it (shortened).
        path: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Nothing exists at that path of the shared folder.
    #[error("nothing named {path:?} in the shared folder; list the folder again")]
    NotFound {
        /// The relative path as the CSR sent it (shortened).
        path: String,
    },
    /// The file to send cannot be read.
    #[error("{name} cannot be read: {why}")]
    Unreadable {
        /// The sanitized file name, or the relative path the CSR sent.
        name: String,
        /// Why: the operating system's reason, or what the entry is instead of a file.
        why: String,
    },
    /// The file changed size while it was being read; the announced checksum no longer holds.
    #[error("{name} changed while it was being sent; send it again once it is no longer being written")]
    Changed {
        /// The sanitized file name.
        name: String,
    },
    /// The file cannot be written into the receiving folder.
    #[error("{name} cannot be saved: {why}; check that the folder exists and is writable")]
    Unwritable {
        /// The sanitized file name.
        name: String,
        /// The operating system's reason.
        why: String,
    },
    /// The same file is already being received by another transfer.
    #[error("{name} is already being received by another transfer; wait for it to end")]
    Busy {
        /// The sanitized file name.
        name: String,
    },
    /// The peer asked for something that does not fit the transfer (bad checksum text, bytes
    /// past the end, an offset past the end…).
    #[error("invalid transfer request: {what}")]
    Invalid {
        /// What does not fit.
        what: String,
    },
}

impl TransferError {
    /// The stable code sent to the peer in `TransferFailed` or `Error`.
    pub fn code(&self) -> ErrorCode {
        match self {
            TransferError::TooLarge { .. } => ErrorCode::FileTooLarge,
            TransferError::NoSpace { .. } | TransferError::DiskFull { .. } => ErrorCode::InsufficientSpace,
            TransferError::ChecksumMismatch { .. } => ErrorCode::ChecksumMismatch,
            TransferError::PathNotAllowed { .. } => ErrorCode::PathNotAllowed,
            TransferError::NotFound { .. } => ErrorCode::NotFound,
            TransferError::Unreadable { .. } | TransferError::Changed { .. } => ErrorCode::FileUnreadable,
            TransferError::Unwritable { .. } | TransferError::Busy { .. } => ErrorCode::FileUnwritable,
            TransferError::Invalid { .. } => ErrorCode::InvalidMessage,
        }
    }

    /// Whether the same transfer may succeed if simply started again (nothing else changing).
    pub fn retryable(&self) -> bool {
        matches!(self, TransferError::ChecksumMismatch { .. } | TransferError::Changed { .. } | TransferError::Busy { .. })
    }

    /// A write or flush failed: a full disk says so, anything else is "cannot be saved".
    pub(crate) fn from_write(name: &str, err: io::Error) -> TransferError {
        match err.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => TransferError::DiskFull { name: name.to_owned() },
            _ => TransferError::Unwritable { name: name.to_owned(), why: err.to_string() },
        }
    }

    pub(crate) fn unreadable(name: &str, err: io::Error) -> TransferError {
        TransferError::Unreadable { name: name.to_owned(), why: err.to_string() }
    }

    pub(crate) fn invalid(what: impl Into<String>) -> TransferError {
        TransferError::Invalid { what: what.into() }
    }
}

/// Size of the buffer used to hash files: the chunk size, so memory stays small whatever the file.
pub(crate) const HASH_BUF_BYTES: usize = protocol::peer::CHUNK_BYTES;

/// Lower-case hex of a digest, as on the wire.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

/// Parses a SHA-256 given as 64 hex digits (either case).
pub(crate) fn parse_sha256(hex: &str) -> Result<[u8; 32], TransferError> {
    let bad = || TransferError::invalid("the SHA-256 must be 64 hexadecimal digits");
    let digits = hex.as_bytes();
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16).ok_or_else(bad)?;
        let lo = (pair[1] as char).to_digit(16).ok_or_else(bad)?;
        *byte = (hi * 16 + lo) as u8;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_round_trips_and_rejects_malformed_text() {
        let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37)).collect();
        let hex = to_hex(&bytes);
        assert_eq!(hex.len(), 64);
        assert_eq!(parse_sha256(&hex).unwrap().to_vec(), bytes);
        assert_eq!(parse_sha256(&hex.to_uppercase()).unwrap().to_vec(), bytes);
        for bad in ["", "abc", &hex[..63], &format!("{hex}0"), &format!("g{}", &hex[1..]), &format!("é{}", &hex[2..])] {
            assert_eq!(parse_sha256(bad).unwrap_err().code(), ErrorCode::InvalidMessage, "{bad:?}");
        }
    }

    #[test]
    fn errors_map_to_stable_codes_and_say_whether_to_retry() {
        let name = || "a.txt".to_owned();
        let mismatch = TransferError::ChecksumMismatch { name: name() };
        assert_eq!(mismatch.code(), ErrorCode::ChecksumMismatch);
        assert!(mismatch.retryable());
        let full = TransferError::from_write("a.txt", io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(full.code(), ErrorCode::InsufficientSpace);
        assert!(!full.retryable());
        let denied = TransferError::from_write("a.txt", io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(denied.code(), ErrorCode::FileUnwritable);
        let too_large = TransferError::TooLarge { name: name(), size: 10, max: 5 };
        assert_eq!(too_large.code(), ErrorCode::FileTooLarge);
        assert!(too_large.to_string().contains("a.txt"));
    }

    #[test]
    fn default_limits_are_four_gib_and_keep_256_mib_free() {
        let limits = Limits::default();
        assert_eq!(limits.max_file_bytes, 4 * 1024 * 1024 * 1024);
        assert_eq!(limits.keep_free_bytes, 256 * 1024 * 1024);
    }
}
