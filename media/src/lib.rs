//! Media for the agent, each device behind a per-OS trait so Wayland, Windows and macOS
//! backends can follow: screen and window capture ([`capture::ScreenCapture`], X11 first),
//! colour conversion, VP8 through libvpx and the share pipeline, input injection
//! ([`input::InputInjector`]) and clipboard, VoIP audio (Opus, microphone and speaker), and the
//! camera (V4L2, or a test pattern).

pub mod audio;
pub mod budget;
pub mod camera;
pub mod capture;
pub mod clipboard;
pub mod convert;
pub mod frame;
pub mod input;
pub mod pipeline;
pub mod vp8;

pub use frame::{BgraFrame, I420Frame};
