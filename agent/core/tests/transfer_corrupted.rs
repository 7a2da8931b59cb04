//! A file damaged on the way is not kept: the receiver says `checksum_mismatch`, nothing takes
//! the final name, and no partial is left for a retry to resume from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{Incoming, Limits};
use common::{names_in, pattern, sha_hex, sha_of_file};
use protocol::peer::CHUNK_BYTES;
use protocol::ErrorCode;

#[test]
fn a_corrupted_transfer_is_refused_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(5 * CHUNK_BYTES + 17, 3);
    let sha = sha_hex(&data);

    let mut incoming = Incoming::open(dir.path(), "contract.pdf", data.len() as u64, &sha, &Limits::default()).unwrap();
    for (i, chunk) in data.chunks(CHUNK_BYTES).enumerate() {
        let mut chunk = chunk.to_vec();
        if i == 2 {
            chunk[9] ^= 0x01; // one bit flipped in transit
        }
        incoming.write(&chunk).unwrap();
    }
    assert!(incoming.is_complete());
    let err = incoming.finish().unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChecksumMismatch);
    assert!(err.retryable());
    assert!(err.to_string().contains("contract.pdf"), "{err}");
    assert!(names_in(dir.path()).is_empty(), "nothing under the final name and no partial");

    // The retry starts from the first byte and succeeds.
    let mut retry = Incoming::open(dir.path(), "contract.pdf", data.len() as u64, &sha, &Limits::default()).unwrap();
    assert_eq!(retry.offset(), 0);
    for chunk in data.chunks(CHUNK_BYTES) {
        retry.write(chunk).unwrap();
    }
    assert_eq!(sha_of_file(&retry.finish().unwrap()), sha);
}

#[test]
fn bytes_past_the_announced_size_are_refused_and_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = b"exactly ten";
    let mut incoming = Incoming::open(dir.path(), "t.txt", 10, &sha_hex(&data[..10]), &Limits::default()).unwrap();
    incoming.write(&data[..6]).unwrap();
    let err = incoming.write(&data[6..]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMessage);
    assert_eq!(incoming.received(), 6);
    assert_eq!(incoming.write(&data[6..10]).unwrap(), 10);
    assert_eq!(std::fs::read(incoming.finish().unwrap()).unwrap(), &data[..10]);
}
