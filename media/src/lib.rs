//! Capture, encoding and input for the agent: the customer's screen or one window (X11 first,
//! behind [`capture::ScreenCapture`] so Wayland, Windows and macOS backends can follow), colour
//! conversion, VP8 through libvpx, and input injection behind [`input::InputInjector`].

pub mod audio;
pub mod camera;
pub mod capture;
pub mod convert;
pub mod frame;
pub mod input;
pub mod vp8;

pub use frame::I420Frame;
