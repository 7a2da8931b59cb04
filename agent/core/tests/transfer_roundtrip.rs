//! A file sent chunk by chunk arrives intact under the name it was offered with, and never
//! replaces a file already there (S11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{Incoming, Limits, Outgoing};
use common::{names_in, pattern, pump, sha_hex, sha_of_file, write_file};

#[test]
fn a_20_mib_file_arrives_intact_under_the_offered_name() {
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let data = pattern(20 * 1024 * 1024, 7);
    let source = write_file(from.path(), "holiday photos.zip", &data);

    let (mut outgoing, meta) = Outgoing::open(&source, &Limits::default()).unwrap();
    assert_eq!((meta.name.as_str(), meta.size), ("holiday photos.zip", data.len() as u64));
    assert_eq!(meta.sha256, sha_hex(&data));

    let mut incoming = Incoming::open(to.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    assert_eq!(incoming.offset(), 0);
    outgoing.start_at(incoming.offset()).unwrap();
    let final_path = to.path().join("holiday photos.zip");
    let mut chunks = 0;
    let moved = pump(&mut outgoing, &mut incoming, u64::MAX, |_| {
        chunks += 1;
        assert!(!final_path.exists(), "a half-written file must not carry the final name");
    });
    assert_eq!(moved, meta.size);
    assert_eq!(chunks, 320, "20 MiB in 64 KiB chunks");
    assert_eq!(outgoing.sent(), meta.size);
    assert!(incoming.is_complete());

    let saved = incoming.finish().unwrap();
    assert_eq!(saved, final_path);
    assert_eq!(sha_of_file(&saved), meta.sha256);
    assert_eq!(names_in(to.path()), ["holiday photos.zip"], "no partial file is left behind");
}

#[test]
fn a_taken_name_gets_a_number_and_the_existing_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "notes.txt", b"the customer's own notes");
    let data = b"from the CSR";

    for expected in ["notes (1).txt", "notes (2).txt"] {
        let mut incoming = Incoming::open(dir.path(), "notes.txt", data.len() as u64, &sha_hex(data), &Limits::default()).unwrap();
        incoming.write(data).unwrap();
        let saved = incoming.finish().unwrap();
        assert_eq!(saved, dir.path().join(expected));
        assert_eq!(std::fs::read(&saved).unwrap(), data);
    }
    assert_eq!(std::fs::read(dir.path().join("notes.txt")).unwrap(), b"the customer's own notes");
    assert_eq!(names_in(dir.path()), ["notes (1).txt", "notes (2).txt", "notes.txt"]);
}
