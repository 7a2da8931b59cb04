//! Whatever name a peer offers, the file lands inside the folder it was sent to, under a plain
//! visible name, and nothing is created anywhere else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::transfer::{safe_name, Incoming, Limits};
use common::{names_in, sha_hex, tree};

fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "../../etc/passwd",
        "..\\..\\windows\\system32",
        "/abs/path",
        "a/b/../../c",
        "",
        ".",
        "..",
        "CON",
        "con.txt",
        "name\0with nul",
        "\u{202e}txt.exe",
        ".hidden",
        "trailing. ",
        "line\nbreak.txt",
        "\r\n",
        "../",
        "..\\",
        "/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("n".repeat(1000));
    names.push(format!("{}.tar.gz", "ü".repeat(500)));
    names
}

/// `name` is `expected`, or `expected` numbered because it was taken: "file (2)", "a (1).txt".
fn is_name_or_numbered(name: &str, expected: &str) -> bool {
    let (stem, ext) = match expected.rfind('.') {
        Some(dot) if dot > 0 => expected.split_at(dot),
        _ => (expected, ""),
    };
    let numbered = name.strip_prefix(stem).and_then(|rest| rest.strip_prefix(" (")).and_then(|rest| rest.strip_suffix(ext));
    name == expected || numbered.and_then(|n| n.strip_suffix(')')).is_some_and(|n| n.parse::<u32>().is_ok())
}

#[test]
fn hostile_names_land_inside_the_target_folder_under_safe_names() {
    let base = tempfile::tempdir().unwrap();
    let outer = base.path().join("outer");
    let target = outer.join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(outer.join("neighbour.txt"), b"untouched").unwrap();
    let base_before = names_in(base.path());
    let outer_before = names_in(&outer);

    for offered in hostile_names() {
        let content = format!("sent as {offered:?}");
        let sha = sha_hex(content.as_bytes());
        let mut incoming = Incoming::open(&target, &offered, content.len() as u64, &sha, &Limits::default()).unwrap();
        incoming.write(content.as_bytes()).unwrap();
        let saved = incoming.finish().unwrap();

        assert_eq!(saved.parent(), Some(target.as_path()), "{offered:?} left the folder: {saved:?}");
        let name = saved.file_name().unwrap().to_str().unwrap();
        assert!(is_name_or_numbered(name, &safe_name(&offered)), "{offered:?} saved as {name:?}");
        assert!(!name.starts_with('.') && name.len() <= 210, "{offered:?} saved as {name:?}");
        assert!(!name.chars().any(|c| c.is_control() || c == '\\' || c == '\u{202e}'), "{name:?}");
        assert_eq!(std::fs::read_to_string(&saved).unwrap(), content);
    }

    assert_eq!(names_in(base.path()), base_before, "nothing created next to the target's parent");
    assert_eq!(names_in(&outer), outer_before, "nothing created next to the target");
    assert_eq!(std::fs::read(outer.join("neighbour.txt")).unwrap(), b"untouched");
    let created = tree(&target);
    assert_eq!(created.len(), hostile_names().len(), "one file each, no partials, no folders");
    assert!(created.iter().all(|p| p.parent() == Some(target.as_path()) && p.is_file()));
    assert!(!std::path::Path::new("/abs").exists());
}

#[test]
fn hostile_names_are_saved_under_their_sanitized_form_or_a_numbered_variant() {
    let dir = tempfile::tempdir().unwrap();
    let expected = [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32", "system32"),
        ("/abs/path", "path"),
        ("a/b/../../c", "c"),
        ("", "file"),
        (".", "file (1)"),
        ("..", "file (2)"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("name\0with nul", "name_with nul"),
        ("\u{202e}txt.exe", "txt.exe"),
        (".hidden", "hidden"),
        ("trailing. ", "trailing"),
    ];
    for (offered, saved_as) in expected {
        let mut incoming = Incoming::open(dir.path(), offered, 1, &sha_hex(b"x"), &Limits::default()).unwrap();
        incoming.write(b"x").unwrap();
        assert_eq!(incoming.finish().unwrap(), dir.path().join(saved_as), "{offered:?}");
    }
}
