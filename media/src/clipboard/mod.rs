//! Clipboard text sync between the CSR and the customer, under the same grant as control (S10,
//! S21): text the CSR copies becomes the customer's clipboard ([`Clipboard::set_text`]), and text
//! the customer copies is reported to the agent ([`Clipboard::poll_change`]) to send to the CSR.
//! The agent decides whether a grant allows either direction; this module only moves text.
//!
//! Per-OS backends behind the [`Clipboard`] trait; X11 first ([`open_clipboard`]).

#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;

/// The most clipboard text moved either way, in bytes of UTF-8. Larger text is refused when set
/// and ignored when copied by the customer.
pub const MAX_CLIPBOARD_BYTES: usize = 1 << 20;

/// Why the clipboard could not be read or set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClipboardError {
    /// This system has no clipboard backend yet. Retrying cannot help.
    #[error("clipboard sync is not available here: {0}")]
    Unsupported(String),
    /// The display server could not be reached. Retrying helps only once it runs.
    #[error("cannot connect to the X display {display}: {detail}. Check that the agent runs in the customer's X session (DISPLAY)")]
    Connect { display: String, detail: String },
    /// The X server lacks XFIXES, needed to notice the customer copying. Retrying cannot help.
    #[error("the X server has no XFIXES extension, which clipboard sync needs")]
    NoXFixes,
    /// The text is larger than [`MAX_CLIPBOARD_BYTES`]. Retrying the same text cannot help.
    #[error("clipboard text of {bytes} bytes is larger than the {MAX_CLIPBOARD_BYTES} bytes that can be synced; copy less")]
    TooLarge { bytes: usize },
    /// Another application took the clipboard back at once. Retrying may help.
    #[error("another application kept the clipboard; try again")]
    NotOwner,
    /// The X server refused a request. Retrying fails the same way.
    #[error("the X server refused {request}: {detail}")]
    X11 { request: &'static str, detail: String },
    /// The clipboard's connection or thread ended. Reopen the clipboard to retry.
    #[error("the clipboard connection ended: {0}")]
    Stopped(String),
}

impl ClipboardError {
    /// A stable code the console and agent can show.
    pub fn code(&self) -> &'static str {
        match self {
            ClipboardError::Unsupported(_) => "clipboard_unsupported",
            ClipboardError::Connect { .. } => "clipboard_display_unreachable",
            ClipboardError::NoXFixes => "clipboard_no_xfixes",
            ClipboardError::TooLarge { .. } => "clipboard_too_large",
            ClipboardError::NotOwner => "clipboard_not_owner",
            ClipboardError::X11 { .. } => "clipboard_x11_error",
            ClipboardError::Stopped(_) => "clipboard_stopped",
        }
    }
}

/// The customer's clipboard, as text.
pub trait Clipboard: Send {
    /// Makes `text` the customer's clipboard content, as if they had copied it. Returns once the
    /// clipboard holds it; other applications paste it until one of them copies something else.
    fn set_text(&mut self, text: &str) -> Result<(), ClipboardError>;

    /// The text another application put on the clipboard since the last call, if any (the latest
    /// when several changes queued up). Our own [`set_text`](Clipboard::set_text) is not reported.
    /// Never blocks: the agent calls it on a timer or after each control-channel message.
    fn poll_change(&mut self) -> Result<Option<String>, ClipboardError>;
}

/// The clipboard of this system: the X display `display` (`None`: `$DISPLAY`), or
/// [`ClipboardError::Unsupported`] where no backend exists yet.
pub fn open_clipboard(display: Option<&str>) -> Result<Box<dyn Clipboard>, ClipboardError> {
    open_platform_clipboard(display)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn open_platform_clipboard(display: Option<&str>) -> Result<Box<dyn Clipboard>, ClipboardError> {
    if display.is_none() && std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_some() {
        return Err(ClipboardError::Unsupported("this is a Wayland session without X; clipboard sync needs an X11 session for now".into()));
    }
    Ok(Box::new(x11::X11Clipboard::open(display)?))
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn open_platform_clipboard(_display: Option<&str>) -> Result<Box<dyn Clipboard>, ClipboardError> {
    Err(ClipboardError::Unsupported(format!("no clipboard backend for {} yet", std::env::consts::OS)))
}
