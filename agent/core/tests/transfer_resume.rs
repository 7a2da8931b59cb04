//! A transfer cut off half-way resumes from what arrived: only the missing bytes flow again,
//! the whole file is still checked, and until then nothing carries the final name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{Incoming, Limits, Outgoing};
use common::{names_in, pattern, pump, sha_of_file, write_file};
use proptest::prelude::*;
use protocol::ErrorCode;

#[test]
fn an_interrupted_transfer_resumes_from_the_partial_and_finishes_intact() {
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let data = pattern(3 * 1024 * 1024 + 12_345, 11);
    let source = write_file(from.path(), "setup.exe", &data);
    let (mut outgoing, meta) = Outgoing::open(&source, &Limits::default()).unwrap();
    let only_hidden = |dir: &std::path::Path| names_in(dir).iter().all(|n| n.starts_with('.') && n.ends_with(".part"));

    // First attempt: the connection drops after about half the file.
    let mut first = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    let half = pump(&mut outgoing, &mut first, meta.size / 2, |_| assert!(only_hidden(to.path())));
    assert!(half >= meta.size / 2 && half < meta.size);
    first.suspend();
    let partials = names_in(to.path());
    assert_eq!(partials.len(), 1);
    assert_ne!(partials[0], "setup.exe", "the partial never has the final name");
    assert_eq!(std::fs::metadata(to.path().join(&partials[0])).unwrap().len(), half);

    // Second attempt: same name, size and checksum; the receiver asks for the rest only.
    let mut second = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    assert_eq!(second.offset(), half);
    assert_eq!(second.received(), half);
    let (mut outgoing, _) = Outgoing::open(&source, &Limits::default()).unwrap();
    outgoing.start_at(second.offset()).unwrap();
    let rest = pump(&mut outgoing, &mut second, u64::MAX, |_| assert!(only_hidden(to.path())));
    assert_eq!(rest, meta.size - half, "only the missing bytes are written");

    let saved = second.finish().unwrap();
    assert_eq!(saved, to.path().join("setup.exe"));
    assert_eq!(sha_of_file(&saved), meta.sha256);
    assert_eq!(names_in(to.path()), ["setup.exe"]);
}

#[test]
fn a_partial_damaged_between_attempts_fails_the_check_and_the_retry_starts_clean() {
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let data = pattern(1024 * 1024, 5);
    let source = write_file(from.path(), "disk.img", &data);
    let (mut outgoing, meta) = Outgoing::open(&source, &Limits::default()).unwrap();

    let mut first = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    pump(&mut outgoing, &mut first, meta.size / 2, |_| {});
    first.suspend();
    // Something flips a byte of the partial while no transfer runs.
    let partial = to.path().join(&names_in(to.path())[0]);
    let mut bytes = std::fs::read(&partial).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&partial, &bytes).unwrap();

    let mut second = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    outgoing.start_at(second.offset()).unwrap();
    pump(&mut outgoing, &mut second, u64::MAX, |_| {});
    let err = second.finish().unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChecksumMismatch);
    assert!(names_in(to.path()).is_empty(), "neither the file nor its partial is kept");

    let mut third = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    assert_eq!(third.offset(), 0);
    outgoing.start_at(0).unwrap();
    pump(&mut outgoing, &mut third, u64::MAX, |_| {});
    assert_eq!(sha_of_file(&third.finish().unwrap()), meta.sha256);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random file sizes, chunk sizes and interruption points: whatever happens, each attempt
    /// resumes exactly where the previous one stopped and the file ends up intact.
    #[test]
    fn any_sequence_of_interruptions_ends_with_the_intact_file(
        len in 0usize..150_000,
        seed in any::<u64>(),
        chunk in 1usize..40_000,
        cuts in proptest::collection::vec(0.0f64..1.0, 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let data = pattern(len, seed);
        let sha = common::sha_hex(&data);
        let mut stops: Vec<usize> = cuts.iter().map(|c| (c * len as f64) as usize).collect();
        stops.sort_unstable();
        stops.push(len);
        let mut kept = 0usize;
        for (i, &stop) in stops.iter().enumerate() {
            let mut incoming = Incoming::open(dir.path(), "f.bin", len as u64, &sha, &Limits::default()).unwrap();
            prop_assert_eq!(incoming.offset(), kept as u64);
            let from = kept.min(stop);
            for piece in data[from..stop.max(from)].chunks(chunk) {
                incoming.write(piece).unwrap();
            }
            kept = stop.max(kept);
            if i + 1 < stops.len() {
                incoming.suspend();
                prop_assert!(!dir.path().join("f.bin").exists());
            } else {
                let saved = incoming.finish().unwrap();
                prop_assert_eq!(std::fs::read(&saved).unwrap(), data.clone());
                prop_assert_eq!(names_in(dir.path()), vec!["f.bin".to_owned()]);
            }
        }
    }
}
