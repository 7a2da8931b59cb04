//! Remote control of the customer's computer (S10, S21). Owns two things:
//!
//! - [`InputGate`], the sans-IO rule for which of the CSR's input events may act and where: it
//!   needs a live control grant, maps surface fractions onto root pixels, counts what it drops
//!   and hands back the releases of held keys and buttons when control ends;
//! - [`InputInjector`], the per-OS backend that performs the gate's [`Action`]s. X11 (XTEST) is
//!   the first backend; [`open_injector`] says clearly when a system has none yet.
//!
//! The agent drives both: it feeds the gate from its consent gate and share state, and injects
//! what the gate lets through.

mod gate;
pub mod keymap;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;

pub use gate::{Action, Button, ControlGrants, DropReason, InputGate, Surface, Verdict, MAX_TEXT_CHARS, MAX_WHEEL_STEPS};

/// Why input could not be injected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// This system has no injection backend yet (Wayland, Windows, macOS). Retrying cannot help.
    #[error("remote control is not available here: {0}")]
    Unsupported(String),
    /// The display server could not be reached. Retrying helps only once it runs (log in again).
    #[error("cannot connect to the X display {display}: {detail}. Check that the agent runs in the customer's X session (DISPLAY)")]
    Connect { display: String, detail: String },
    /// The X server lacks the XTEST extension. Retrying cannot help.
    #[error("the X server has no XTEST extension, which remote control needs; enable it in the X server's configuration")]
    NoXTest,
    /// The keyboard mapping has no free keycode to type a character it lacks. Retrying cannot help.
    #[error("cannot type {0}: the keyboard mapping has no free keycode to bind it to")]
    NoFreeKeycode(String),
    /// The X server refused a request. Retrying the same action fails the same way.
    #[error("the X server refused {request}: {detail}")]
    X11 { request: &'static str, detail: String },
    /// The connection to the display server broke. Reopen the injector to retry.
    #[error("lost the connection to the X server: {0}")]
    ConnectionLost(String),
}

impl InputError {
    /// A stable code the console and agent can show.
    pub fn code(&self) -> &'static str {
        match self {
            InputError::Unsupported(_) => "input_unsupported",
            InputError::Connect { .. } => "input_display_unreachable",
            InputError::NoXTest => "input_no_xtest",
            InputError::NoFreeKeycode(_) => "input_no_free_keycode",
            InputError::X11 { .. } => "input_x11_error",
            InputError::ConnectionLost(_) => "input_connection_lost",
        }
    }
}

/// Performs input on the customer's computer. One per OS backend; the gate decides what reaches it.
pub trait InputInjector: Send {
    /// Performs `action` and waits until the system has accepted it.
    fn inject(&mut self, action: &Action) -> Result<(), InputError>;
}

/// The injector for this system: XTEST on the X display `display` (`None`: `$DISPLAY`), or
/// [`InputError::Unsupported`] where no backend exists yet.
pub fn open_injector(display: Option<&str>) -> Result<Box<dyn InputInjector>, InputError> {
    open_platform_injector(display)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn open_platform_injector(display: Option<&str>) -> Result<Box<dyn InputInjector>, InputError> {
    let no_x_display = display.is_none() && std::env::var_os("DISPLAY").is_none();
    if no_x_display && std::env::var_os("WAYLAND_DISPLAY").is_some() {
        return Err(InputError::Unsupported(
            "this is a Wayland session without X; remote control needs an X11 session for now (choose \"GNOME on Xorg\" or similar at login)"
                .into(),
        ));
    }
    Ok(Box::new(x11::X11Injector::connect(display)?))
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn open_platform_injector(_display: Option<&str>) -> Result<Box<dyn InputInjector>, InputError> {
    Err(InputError::Unsupported(format!("no input backend for {} yet; the customer's screen can still be shared", std::env::consts::OS)))
}
