//! Offers the customer's computer cannot or will not take are refused before a single byte is
//! written: too large for the limit, too large for the disk, or malformed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{Incoming, Limits};
use common::{names_in, sha_hex};
use protocol::ErrorCode;

#[test]
fn a_file_above_the_size_limit_is_refused_before_any_byte_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { max_file_bytes: 10, ..Limits::default() };
    let err = Incoming::open(dir.path(), "big.iso", 11, &sha_hex(b"whatever"), &limits).unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileTooLarge);
    assert!(!err.retryable());
    assert!(err.to_string().contains("big.iso"), "{err}");
    assert!(names_in(dir.path()).is_empty());
    // Exactly at the limit is fine.
    assert!(Incoming::open(dir.path(), "ok.iso", 10, &sha_hex(b"0123456789"), &limits).is_ok());
}

#[test]
fn a_file_the_disk_cannot_hold_is_refused_before_any_byte_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { keep_free_bytes: u64::MAX / 2, ..Limits::default() };
    let err = Incoming::open(dir.path(), "movie.mkv", 1024, &sha_hex(b"whatever"), &limits).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InsufficientSpace);
    assert!(err.to_string().contains("free some space"), "{err}");
    assert!(!err.to_string().contains(&*dir.path().to_string_lossy()), "no full path in {err}");
    assert!(names_in(dir.path()).is_empty());
}

#[test]
fn a_malformed_checksum_is_refused_before_any_byte_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for sha in ["", "abc", &"z".repeat(64), &"a".repeat(65)] {
        let err = Incoming::open(dir.path(), "a.txt", 1, sha, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidMessage, "{sha:?}");
    }
    assert!(names_in(dir.path()).is_empty());
}

#[test]
fn a_discarded_transfer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut incoming = Incoming::open(dir.path(), "a.txt", 4, &sha_hex(b"abcd"), &Limits::default()).unwrap();
    incoming.write(b"ab").unwrap();
    incoming.discard();
    assert!(names_in(dir.path()).is_empty());
}
