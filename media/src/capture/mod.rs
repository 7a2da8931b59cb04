//! Screen and window capture behind [`ScreenCapture`], one module per platform. X11 is the
//! first backend ([`x11`]); Wayland (PipeWire portal), Windows and macOS slot in beside it and
//! the session logic never changes. A platform without a backend gets
//! [`CaptureError::Unsupported`], never a black picture.

use crate::frame::BgraFrame;
use protocol::media::{MonitorInfo, ShareTarget, WindowInfo};
use protocol::ErrorCode;

#[cfg(target_os = "linux")]
pub mod x11;

/// What the customer's desktop offers to share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub monitors: Vec<MonitorInfo>,
    pub windows: Vec<WindowInfo>,
}

/// Where the shared surface sits on the desktop, in desktop pixels: input coordinates are
/// mapped onto it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Surface {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// One captured picture and whether it differs from the one before (so an unchanged screen
/// costs no encoding).
#[derive(Debug)]
pub struct Captured<'a> {
    pub frame: BgraFrame<'a>,
    pub changed: bool,
}

/// A capture of one monitor or one window.
pub trait ScreenCapture: Send {
    /// Takes the next picture. A window that went away gives [`CaptureError::SourceGone`].
    fn capture(&mut self) -> Result<Captured<'_>, CaptureError>;
    /// Where the captured surface is on the desktop now (windows move).
    fn surface(&mut self) -> Result<Surface, CaptureError>;
}

/// Why capturing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No backend for this desktop (Wayland without the portal backend, Windows, macOS).
    #[error("screen capture is not supported here: {0}")]
    Unsupported(String),
    /// The display could not be reached (no `DISPLAY`, server gone). Retrying helps only once
    /// the display is back.
    #[error("cannot connect to the display: {0}")]
    NoDisplay(String),
    /// The monitor or window asked for does not exist (any more).
    #[error("the monitor or window to capture does not exist")]
    SourceGone,
    /// The X server refused a request; the text is the server's error.
    #[error("the display server refused the capture: {0}")]
    Server(String),
    /// Shared memory for the picture could not be set up.
    #[error("shared memory for capture failed: {0}")]
    SharedMemory(String),
}

impl CaptureError {
    /// The stable code the console shows.
    pub fn code(&self) -> ErrorCode {
        match self {
            CaptureError::SourceGone => ErrorCode::SourceNotFound,
            _ => ErrorCode::CaptureUnavailable,
        }
    }
}

/// Lists the monitors and application windows of `display` (the environment's when `None`).
pub fn sources(display: Option<&str>) -> Result<Sources, CaptureError> {
    #[cfg(target_os = "linux")]
    {
        x11::sources(display)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = display;
        Err(CaptureError::Unsupported("only X11 is implemented so far".into()))
    }
}

/// Opens a capture of `target` on `display`.
pub fn open(display: Option<&str>, target: ShareTarget) -> Result<Box<dyn ScreenCapture>, CaptureError> {
    #[cfg(target_os = "linux")]
    {
        Ok(Box::new(x11::X11Capture::open(display, target)?))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (display, target);
        Err(CaptureError::Unsupported("only X11 is implemented so far".into()))
    }
}
