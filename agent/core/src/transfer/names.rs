//! File names offered by a peer: what they become on the customer's disk. A name from the wire
//! is only ever a hint; what is saved is a plain, visible, portable file name inside the chosen
//! folder, and never replaces a file that is already there.

use std::path::{Path, PathBuf};

/// Longest saved name, in bytes (file systems allow 255; room is left for " (12)" and for the
/// partial file's decorations).
pub const MAX_NAME_BYTES: usize = 200;

/// An extension longer than this is not worth keeping when a name must be shortened.
const MAX_KEPT_EXTENSION_BYTES: usize = 50;

/// Turns whatever name a peer offers into a safe plain file name. Deterministic and idempotent.
///
/// - only the last non-empty path component counts (`/` and `\` both separate);
/// - control characters, line and paragraph separators and the characters Windows forbids
///   (`<>:"|?*`) become `_`; bidirectional controls (which disguise `txt.exe` as `exe.txt`) and
///   byte-order marks are removed;
/// - leading dots and white space are removed (so the file is never hidden, never `.`/`..`),
///   and so are trailing dots and white space (Windows drops them silently);
/// - at most [`MAX_NAME_BYTES`] bytes, cut on a character boundary, keeping the extension;
/// - Windows device names (`CON`, `nul.txt`, `COM1`…) get a leading `_`;
/// - nothing left gives `file`.
pub fn safe_name(offered: &str) -> String {
    let component = offered.split(['/', '\\']).rev().find(|c| !c.is_empty()).unwrap_or("");
    let cleaned: String = component.chars().filter_map(clean_char).collect();
    let mut name = fit(trim(&cleaned));
    if is_windows_device(&name) {
        name = fit(&format!("_{name}"));
    }
    if name.is_empty() {
        name = "file".to_owned();
    }
    name
}

/// `dir/name` if nothing is there, else the first free `name (1).ext`, `name (2).ext`… A dangling
/// symbolic link counts as taken. Checking and creating are separate steps, so whoever creates
/// the file must still refuse to overwrite (as [`crate::transfer::Incoming::finish`] does).
pub fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let (stem, ext) = split_extension(name);
    let mut candidate = dir.join(name);
    let mut n = 0u64;
    while std::fs::symlink_metadata(&candidate).is_ok() {
        n += 1;
        candidate = dir.join(format!("{stem} ({n}){ext}"));
    }
    candidate
}

/// The hidden partial file that receives `name` with this SHA-256: it never takes a name
/// [`safe_name`] can produce (those never start with a dot), and the same offer finds it again.
pub(crate) fn partial_name(name: &str, sha256: &[u8; 32]) -> String {
    format!(".{name}.{}.part", super::to_hex(&sha256[..8]))
}

fn clean_char(c: char) -> Option<char> {
    match c {
        // Bidirectional controls and byte-order marks: invisible, only there to mislead.
        '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' => None,
        '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{2028}' | '\u{2029}' => Some('_'),
        c if c.is_control() => Some('_'),
        c => Some(c),
    }
}

fn trim(name: &str) -> &str {
    let junk = |c: char| c == '.' || c.is_whitespace();
    name.trim_start_matches(junk).trim_end_matches(junk)
}

/// Shortens a trimmed name to [`MAX_NAME_BYTES`], keeping a reasonable extension.
fn fit(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let (stem, ext) = split_extension(name);
    let cut = if !ext.is_empty() && ext.len() <= MAX_KEPT_EXTENSION_BYTES {
        format!("{}{ext}", cut_at_char(stem, MAX_NAME_BYTES - ext.len()))
    } else {
        cut_at_char(name, MAX_NAME_BYTES).to_owned()
    };
    // The cut may leave the name ending in a dot or a space.
    trim(&cut).to_owned()
}

fn cut_at_char(s: &str, max_bytes: usize) -> &str {
    let end = (0..=max_bytes.min(s.len())).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    &s[..end]
}

/// `("report", ".pdf")`; a leading dot is not an extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// Names Windows keeps for devices, whatever their extension (`nul.txt` is the device too).
fn is_windows_device(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    match base.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let port = base.strip_prefix("COM").or_else(|| base.strip_prefix("LPT"));
            matches!(port, Some("0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hostile_names_become_plain_names() {
        let cases = [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\system32", "system32"),
            ("/abs/path", "path"),
            ("a/b/../../c", "c"),
            ("dir/", "dir"),
            ("", "file"),
            (".", "file"),
            ("..", "file"),
            ("x/..", "file"),
            ("CON", "_CON"),
            ("con.txt", "_con.txt"),
            ("Com1.tar.gz", "_Com1.tar.gz"),
            ("lpt9", "_lpt9"),
            ("COM10", "COM10"),
            ("console.txt", "console.txt"),
            ("name\0with nul", "name_with nul"),
            ("\u{202e}txt.exe", "txt.exe"),
            ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
            (".hidden", "hidden"),
            ("...", "file"),
            ("trailing. ", "trailing"),
            ("line\nbreak.txt", "line_break.txt"),
            ("what?.txt", "what_.txt"),
            ("C:evil", "C_evil"),
            ("  spaced  .txt  ", "spaced  .txt"),
        ];
        for (offered, expected) in cases {
            assert_eq!(safe_name(offered), expected, "{offered:?}");
        }
    }

    #[test]
    fn long_names_are_cut_to_200_bytes_keeping_the_extension() {
        let long = format!("{}.pdf", "a".repeat(1000));
        let name = safe_name(&long);
        assert_eq!(name.len(), MAX_NAME_BYTES);
        assert!(name.ends_with("a.pdf"));

        // Multi-byte characters are never split.
        let wide = format!("{}.txt", "é".repeat(300));
        let name = safe_name(&wide);
        assert!(name.len() <= MAX_NAME_BYTES && name.ends_with(".txt"), "{name}");

        // An absurd "extension" is not kept.
        let name = safe_name(&format!("a.{}", "b".repeat(500)));
        assert_eq!(name, format!("a.{}", "b".repeat(MAX_NAME_BYTES - 2)));
    }

    #[test]
    fn taken_names_get_a_number_before_the_extension() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unique_path(dir.path(), "a.txt"), dir.path().join("a.txt"));
        std::fs::write(dir.path().join("a.txt"), b"1").unwrap();
        assert_eq!(unique_path(dir.path(), "a.txt"), dir.path().join("a (1).txt"));
        std::fs::write(dir.path().join("a (1).txt"), b"2").unwrap();
        assert_eq!(unique_path(dir.path(), "a.txt"), dir.path().join("a (2).txt"));
        // A dangling link is taken too: writing through it would create a file elsewhere.
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("b")).unwrap();
        assert_eq!(unique_path(dir.path(), "b"), dir.path().join("b (1)"));
    }

    #[test]
    fn partial_names_are_hidden_and_never_a_safe_name() {
        let partial = partial_name("a.txt", &[0xab; 32]);
        assert_eq!(partial, ".a.txt.abababababababab.part");
        assert_ne!(safe_name(&partial), partial);
    }

    /// Strings rich in what makes names dangerous, plus arbitrary text.
    fn nasty_names() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/".to_owned()),
            Just("\\".to_owned()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just(" ".to_owned()),
            Just("\0".to_owned()),
            Just("\n".to_owned()),
            Just("\u{202e}".to_owned()),
            Just("CON".to_owned()),
            Just("é".to_owned()),
            Just("a".repeat(90)),
            any::<String>(),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn safe_name_is_always_a_plain_idempotent_name(offered in nasty_names()) {
            let name = safe_name(&offered);
            prop_assert!(!name.is_empty());
            prop_assert!(name.len() <= MAX_NAME_BYTES);
            prop_assert!(name != "." && name != "..");
            prop_assert!(!name.starts_with('.'));
            prop_assert!(!name.chars().any(|c| c == '/' || c == '\\' || c == '\0' || c.is_control()));
            prop_assert!(!is_windows_device(&name));
            prop_assert_eq!(safe_name(&name), name);
        }

        #[test]
        fn safe_name_of_any_text_is_plain(offered in any::<String>()) {
            let name = safe_name(&offered);
            prop_assert!(!name.is_empty() && name.len() <= MAX_NAME_BYTES);
            prop_assert!(!name.chars().any(|c| c == '/' || c == '\\' || c.is_control()));
            prop_assert_eq!(safe_name(&name), name);
        }
    }
}
