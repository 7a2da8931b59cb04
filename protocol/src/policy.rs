//! Which grant covers what, what a running activity blocks, and how untrusted text is shown:
//! the policy of S12 and S21 in one place. The session rules (signaling), the agent's core and,
//! through the generated `console/js/policy.js`, the console all use these functions; a test
//! fails when the console's copy differs.

use crate::capability::{Activity, Capability};
use crate::error::ErrorCode;

/// How long a grant lasts (S21): "Allow once" ends with the activity it allowed, "Allow for
/// this session" lasts until revoked or the session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    Once,
    #[default]
    Session,
}

/// What a grant of `c` includes besides itself: control includes seeing (S21: "a capability
/// that implies another is asked as what it is").
pub fn includes(c: Capability) -> &'static [Capability] {
    match c {
        Capability::RemoteControl => &[Capability::ScreenView],
        Capability::ApplicationControl => &[Capability::ApplicationView],
        _ => &[],
    }
}

/// Whether a grant of `granted` allows `wanted`.
pub fn covers(granted: Capability, wanted: Capability) -> bool {
    granted == wanted || includes(granted).contains(&wanted)
}

/// Everything a revocation of `c` ends: `c`, what it includes, what includes it, and what
/// lives inside it (each advanced transfer inside the advanced activity). Revoking either of
/// "see" and "control" stops both.
pub fn revoked_with(c: Capability) -> Vec<Capability> {
    Capability::ALL.into_iter().filter(|&o| o == c || covers(c, o) || covers(o, c) || o.requires() == Some(c)).collect()
}

/// The grants under which a share of an application window (`application`) or of the whole
/// desktop may run: viewing it, or controlling it (which includes viewing).
pub fn share_grants(application: bool) -> [Capability; 2] {
    if application {
        [Capability::ApplicationView, Capability::ApplicationControl]
    } else {
        [Capability::ScreenView, Capability::RemoteControl]
    }
}

/// S12: the rule refusing `wanted` while `running` runs (for the same customer's computer or,
/// for file transfers, anyone's), with the refusal's code; `None` when both may run together.
pub fn blocks(running: Activity, wanted: Activity) -> Option<ErrorCode> {
    let app = |a: Activity| a.consent().is_some_and(Capability::is_application_sharing);
    if app(running) && wanted.is_file_transfer() {
        Some(ErrorCode::ApplicationSharingActive)
    } else if running.is_file_transfer() && app(wanted) {
        Some(ErrorCode::FileTransferActive)
    } else {
        None
    }
}

/// The first refusal of `wanted` by any of `running` (S12).
pub fn blocked_by(running: impl IntoIterator<Item = Activity>, wanted: Activity) -> Option<ErrorCode> {
    running.into_iter().find_map(|r| blocks(r, wanted))
}

/// Untrusted text (a chat message, a name) as it may be shown: control characters (terminal
/// escapes included) and bidirectional overrides removed, line breaks kept when `multiline`.
pub fn displayable(text: &str, multiline: bool) -> String {
    text.chars().filter(|&c| !is_bidi_control(c) && (!c.is_control() || (multiline && (c == '\n' || c == '\t')))).collect()
}

/// A file name as it may be shown: control and bidi characters are made visible as
/// `<U+202E>`, so "invoice\u{202E}fdp.exe" cannot pass for a .pdf.
pub fn visible_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if is_bidi_control(c) || c.is_control() {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a file name hides what it is (bidi or control characters): such a name is refused
/// as a download name.
pub fn is_deceptive_file_name(name: &str) -> bool {
    name.chars().any(|c| is_bidi_control(c) || c.is_control())
}

/// The Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The console's copy of this policy, as the JavaScript module `console/js/policy.js`.
pub fn console_module() -> String {
    let name = |c: Capability| format!("'{}'", Activity::Capability(c).wire_name());
    let mut js = String::from(
        "// Generated from protocol/src/policy.rs by `UPDATE_POLICY=1 cargo test -p protocol --test console_policy`.\n\
         // Do not edit: a test fails when this copy differs from the Rust policy.\n\n",
    );
    js.push_str("/** What a grant includes besides itself (control includes seeing). */\nexport const INCLUDES = {\n");
    for c in Capability::ALL {
        let inc: Vec<String> = includes(c).iter().map(|&i| name(i)).collect();
        if !inc.is_empty() {
            js.push_str(&format!("  {}: [{}],\n", Activity::Capability(c).wire_name(), inc.join(", ")));
        }
    }
    js.push_str("};\n\n/** Whether a grant of `granted` allows `wanted`. */\n");
    js.push_str(
        "export function covers(granted, wanted) {\n  return granted === wanted || (INCLUDES[granted] || []).includes(wanted);\n}\n\n",
    );
    js.push_str("/** S12: [running, wanted, refusal code] for every pair that may not run together. */\nexport const BLOCKS = [\n");
    let activities: Vec<Activity> = Capability::ALL
        .into_iter()
        .map(Activity::Capability)
        .chain([Activity::BasicFileTransfer, Activity::CsrVideo, Activity::AudioConference])
        .collect();
    for &r in &activities {
        for &w in &activities {
            if let Some(code) = blocks(r, w) {
                js.push_str(&format!("  ['{}', '{}', '{}'],\n", r.wire_name(), w.wire_name(), code.code()));
            }
        }
    }
    js.push_str("];\n\n/** The refusal code of `wanted` while the activities `running` run, or null. */\n");
    js.push_str(
        "export function blockedBy(running, wanted) {\n  for (const r of running) {\n    const hit = BLOCKS.find(([a, b]) => a === r && b === wanted);\n    if (hit) return hit[2];\n  }\n  return null;\n}\n\n",
    );
    js.push_str("/** The bidi formatting characters; a file name holding one (or a control character) is shown with it made visible. */\n");
    js.push_str("const HIDDEN = /[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/gu;\n\n");
    js.push_str("/** A file name as shown: `invoice<U+202E>fdp.exe`. */\nexport function visibleFileName(name) {\n");
    js.push_str("  return name.replace(HIDDEN, (c) => `<U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);\n}\n\n");
    js.push_str("/** Whether a file name hides what it is: refused as a download name. */\nexport function isDeceptiveFileName(name) {\n");
    js.push_str("  return new RegExp(HIDDEN.source, 'u').test(name);\n}\n\n");
    js.push_str("/** Untrusted text as shown: control and bidi characters removed (line breaks kept when multiline). */\n");
    js.push_str("export function displayable(text, multiline = false) {\n");
    js.push_str("  return text.replace(HIDDEN, (c) => (multiline && (c === '\\n' || c === '\\t') ? c : ''));\n}\n");
    js
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;

    #[test]
    fn control_includes_seeing_and_revoking_either_ends_both() {
        assert!(covers(RemoteControl, ScreenView));
        assert!(!covers(ScreenView, RemoteControl));
        assert!(covers(ApplicationControl, ApplicationView));
        assert_eq!(revoked_with(ScreenView), vec![ScreenView, RemoteControl]);
        assert_eq!(revoked_with(RemoteControl), vec![ScreenView, RemoteControl]);
        assert_eq!(revoked_with(ApplicationView), vec![ApplicationView, ApplicationControl]);
        assert_eq!(revoked_with(AdvancedFileTransfer), vec![AdvancedFileTransfer, FileTransferItem]);
        assert_eq!(revoked_with(FileTransferItem), vec![FileTransferItem]);
        assert_eq!(revoked_with(Camera), vec![Camera]);
    }

    #[test]
    fn s12_application_sharing_and_file_transfer_exclude_each_other() {
        let app = Activity::Capability(ApplicationView);
        assert_eq!(blocks(app, Activity::BasicFileTransfer), Some(ErrorCode::ApplicationSharingActive));
        assert_eq!(blocks(Activity::BasicFileTransfer, app), Some(ErrorCode::FileTransferActive));
        assert_eq!(blocks(Activity::Capability(ScreenView), Activity::BasicFileTransfer), None);
        assert_eq!(
            blocked_by([Activity::CsrVideo, Activity::Capability(FileTransferItem)], Activity::Capability(ApplicationControl)),
            Some(ErrorCode::FileTransferActive)
        );
    }

    #[test]
    fn untrusted_text_loses_escapes_and_bidi_overrides() {
        assert_eq!(displayable("\u{1b}[31mred\u{1b}]0;title\u{7}", false), "[31mred]0;title");
        assert_eq!(displayable("a\nb\u{202E}c", true), "a\nbc");
        assert_eq!(displayable("a\nb", false), "ab");
        assert_eq!(visible_file_name("invoice\u{202E}fdp.exe"), "invoice<U+202E>fdp.exe");
        assert!(is_deceptive_file_name("invoice\u{202E}fdp.exe"));
        assert!(!is_deceptive_file_name("İlker's report.pdf"));
    }
}
