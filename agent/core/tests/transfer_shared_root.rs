//! Advanced transfer (S11) reaches only the folder the customer shares: the CSR lists it,
//! pulls files from it and pushes files into it, and no path or symbolic link leads out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{Incoming, Limits, Outgoing, SharedRoot};
use common::{sha_hex, sha_of_file, write_file};
use protocol::peer::{DirEntry, EntryKind};
use protocol::ErrorCode;
use std::os::unix::fs::symlink;

/// A shared folder with files, folders and links in and out, next to a secret outside it.
fn setup() -> (tempfile::TempDir, SharedRoot) {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("shared");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::create_dir_all(root.join("Archive")).unwrap();
    write_file(&root, "b.txt", b"bee");
    write_file(&root, "A.txt", b"a");
    write_file(&root.join("docs"), "report.pdf", b"%PDF-report");
    write_file(base.path(), "secret.txt", b"outside the share");
    std::fs::create_dir(base.path().join("private")).unwrap();
    symlink(base.path().join("secret.txt"), root.join("escape")).unwrap();
    symlink(base.path().join("private"), root.join("escape-dir")).unwrap();
    symlink(root.join("b.txt"), root.join("inner")).unwrap();
    symlink("docs/report.pdf", root.join("docs-link")).unwrap();
    let share = SharedRoot::new(&root).unwrap();
    (base, share)
}

fn kinds(entries: &[DirEntry]) -> Vec<(&str, EntryKind, u64)> {
    entries.iter().map(|e| (e.name.as_str(), e.kind, e.size)).collect()
}

#[test]
fn a_folder_is_listed_folders_first_then_by_name_and_outside_links_are_not_followed() {
    let (_base, share) = setup();
    let entries = share.list("").unwrap();
    assert_eq!(
        kinds(&entries),
        [
            ("Archive", EntryKind::Dir, 0),
            ("docs", EntryKind::Dir, 0),
            ("A.txt", EntryKind::File, 1),
            ("b.txt", EntryKind::File, 3),
            ("docs-link", EntryKind::File, 11),
            ("escape", EntryKind::Other, 0),
            ("escape-dir", EntryKind::Other, 0),
            ("inner", EntryKind::File, 3),
        ]
    );
    assert!(entries.iter().find(|e| e.name == "b.txt").unwrap().modified.is_some());
    assert_eq!(share.list("/").unwrap(), entries);
    assert_eq!(kinds(&share.list("docs").unwrap()), [("report.pdf", EntryKind::File, 11)]);
}

#[test]
fn paths_that_leave_the_share_are_refused() {
    let (_base, share) = setup();
    for rel in ["..", "../secret.txt", "docs/../../secret.txt", "missing/..", "/etc/passwd", "escape", "escape-dir", "escape-dir/x"] {
        let err = share.file(rel).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PathNotAllowed, "{rel:?}: {err}");
    }
    for rel in ["..", "/tmp", "escape-dir", "docs/..", "./docs"] {
        assert_eq!(share.list(rel).unwrap_err().code(), ErrorCode::PathNotAllowed, "{rel:?}");
        assert_eq!(share.dir(rel).unwrap_err().code(), ErrorCode::PathNotAllowed, "{rel:?}");
    }
    assert_eq!(share.file("docs\0/report.pdf").unwrap_err().code(), ErrorCode::PathNotAllowed);
    assert_eq!(share.file("docs\\report.pdf").unwrap_err().code(), ErrorCode::PathNotAllowed);
}

#[test]
fn what_lies_beyond_a_link_out_of_the_share_cannot_be_probed() {
    let (base, share) = setup();
    std::fs::write(base.path().join("private/id_rsa"), b"key").unwrap();
    let present = share.file("escape-dir/id_rsa").unwrap_err();
    let absent = share.file("escape-dir/nothing").unwrap_err();
    assert_eq!(present.code(), ErrorCode::PathNotAllowed);
    assert_eq!(absent.code(), ErrorCode::PathNotAllowed);
    assert_eq!(share.list("escape-dir").unwrap_err().code(), ErrorCode::PathNotAllowed);
}

#[test]
fn a_link_to_a_folder_inside_the_share_can_be_walked_through() {
    let (_base, share) = setup();
    symlink("docs", share.root().join("papers")).unwrap();
    assert_eq!(share.file("papers/report.pdf").unwrap(), share.root().join("docs/report.pdf"));
    assert_eq!(kinds(&share.list("papers").unwrap()), [("report.pdf", EntryKind::File, 11)]);
}

#[test]
fn pulls_get_regular_files_inside_the_share_only() {
    let (base, share) = setup();
    let report = share.file("docs/report.pdf").unwrap();
    assert!(report.starts_with(share.root()));
    assert_eq!(share.file("/docs/report.pdf").unwrap_err().code(), ErrorCode::PathNotAllowed, "absolute paths are refused");
    // A link inside the share is followed to its target inside the share.
    assert_eq!(share.file("docs-link").unwrap(), report);
    // A folder is not a file to pull: file_unreadable (its message says to choose a file).
    let err = share.file("docs").unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileUnreadable);
    assert_eq!(share.file("").unwrap_err().code(), ErrorCode::FileUnreadable);
    assert_eq!(share.file("docs/missing.pdf").unwrap_err().code(), ErrorCode::NotFound);

    // And the pulled file travels intact.
    let (mut outgoing, meta) = Outgoing::open(&report, &Limits::default()).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let mut incoming = Incoming::open(dest.path(), &meta.name, meta.size, &meta.sha256, &Limits::default()).unwrap();
    let mut buf = vec![0u8; protocol::peer::CHUNK_BYTES];
    while let n @ 1.. = outgoing.next_chunk(&mut buf).unwrap() {
        incoming.write(&buf[..n]).unwrap();
    }
    assert_eq!(sha_of_file(&incoming.finish().unwrap()), sha_hex(b"%PDF-report"));
    assert_eq!(std::fs::read(base.path().join("secret.txt")).unwrap(), b"outside the share");
}

#[test]
fn pushes_go_into_existing_folders_of_the_share() {
    let (_base, share) = setup();
    let docs = share.dir("docs").unwrap();
    assert_eq!(docs, share.root().join("docs"));
    assert_eq!(share.dir("").unwrap(), share.root());
    assert_eq!(share.dir("b.txt").unwrap_err().code(), ErrorCode::PathNotAllowed);
    assert_eq!(share.dir("new-folder").unwrap_err().code(), ErrorCode::NotFound);

    let mut incoming = Incoming::open(&docs, "../../fix.sh", 2, &sha_hex(b"ok"), &Limits::default()).unwrap();
    incoming.write(b"ok").unwrap();
    assert_eq!(incoming.finish().unwrap(), docs.join("fix.sh"));
}
