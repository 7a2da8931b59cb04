//! Wire types of sharing and remote control (S8–S10): what can be shared, what is shared, and
//! the CSR's input events. Coordinates are fractions of the shared surface (0.0 at the left or
//! top edge, 1.0 at the right or bottom edge), so the console never needs the customer's pixel
//! geometry and the agent maps them onto whatever it shares.

use serde::{Deserialize, Serialize};

/// One monitor of the customer's desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorInfo {
    /// Index used in [`ShareTarget::Monitor`].
    pub index: u32,
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub primary: bool,
}

/// One top-level application window of the customer's desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// The window system's id (an X11 window id), used in [`ShareTarget::Window`].
    pub id: u64,
    pub title: String,
    pub width: u32,
    pub height: u32,
}

/// What a share shows: a whole monitor (S10 "view desktop") or one window ("view application").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ShareTarget {
    Monitor { index: u32 },
    Window { id: u64 },
}

impl ShareTarget {
    /// Whether this is application sharing, which S6 and S12 treat apart.
    pub fn is_application(self) -> bool {
        matches!(self, ShareTarget::Window { .. })
    }
}

/// The customer's own media the CSR may ask for (S8, S9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Microphone,
    Camera,
}

/// A pointer button, named as the browser's `MouseEvent.button` numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointerButton {
    Left,
    Middle,
    Right,
    Back,
    Forward,
}

/// Modifier keys held during a key event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifiers {
    #[serde(default)]
    pub shift: bool,
    #[serde(default)]
    pub ctrl: bool,
    #[serde(default)]
    pub alt: bool,
    #[serde(default)]
    pub meta: bool,
}

/// One input event from the CSR's console (S10), applied only under a live control grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum InputEvent {
    /// The pointer moved to (x, y) of the shared surface.
    PointerMove { x: f64, y: f64 },
    /// A button went down or up at (x, y).
    PointerButton { x: f64, y: f64, button: PointerButton, down: bool },
    /// Wheel steps at (x, y): positive `dy` scrolls down, positive `dx` right; one step is one
    /// notch of a wheel.
    Wheel { x: f64, y: f64, dx: i32, dy: i32 },
    /// A key by its `KeyboardEvent.code` ("KeyA", "Enter", "ShiftLeft"…), layout-independent.
    Key {
        code: String,
        down: bool,
        #[serde(default)]
        modifiers: Modifiers,
    },
    /// Text typed as a whole (IME composition, paste-as-typing).
    Text { text: String },
}

impl InputEvent {
    /// The surface position the event acts at, if it has one.
    pub fn position(&self) -> Option<(f64, f64)> {
        match *self {
            InputEvent::PointerMove { x, y } | InputEvent::PointerButton { x, y, .. } | InputEvent::Wheel { x, y, .. } => Some((x, y)),
            InputEvent::Key { .. } | InputEvent::Text { .. } => None,
        }
    }
}
