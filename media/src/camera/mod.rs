//! The local participant's camera for video sharing (S9): a [`CameraSource`] gives I420 frames,
//! the shape the VP8 encoder takes. Devices are per OS behind the trait; [`open_camera`] finds
//! the machine's camera, and [`TestPatternCamera`] stands in where there is none (tests,
//! demos, headless machines). Opening the customer's camera is the caller's business only
//! after the customer's grant (S21).

mod pattern;
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]
mod v4l2;

pub use pattern::TestPatternCamera;

use crate::frame::I420Frame;

/// Something that produces the local participant's video, one frame per call.
///
/// A device-backed camera blocks until the next frame is captured; [`TestPatternCamera`] returns
/// at once, so the caller paces it.
pub trait CameraSource {
    /// The next frame, of [`size`](Self::size).
    fn next_frame(&mut self) -> Result<I420Frame, CameraError>;
    /// Width and height of the frames, in pixels.
    fn size(&self) -> (u32, u32);
}

impl<C: CameraSource + ?Sized> CameraSource for Box<C> {
    fn next_frame(&mut self) -> Result<I420Frame, CameraError> {
        (**self).next_frame()
    }

    fn size(&self) -> (u32, u32) {
        (**self).size()
    }
}

/// What went wrong with a camera.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// No camera can be used on this machine. Retrying helps only after one is plugged in (or,
    /// where this says so, once this platform's backend exists); callers fall back to
    /// [`TestPatternCamera`] or tell the other side there is no video.
    #[error("no camera could be opened: {reason}")]
    NoDevice { reason: String },
    /// The camera stopped delivering frames (unplugged, or taken by another program).
    #[error("the camera stopped delivering frames: {reason}")]
    DeviceLost { reason: String },
    /// The requested frame size cannot be produced. Retrying the same size cannot help.
    #[error("a {width}x{height} camera frame cannot be produced: {reason}")]
    UnsupportedSize { width: u32, height: u32, reason: &'static str },
}

impl CameraError {
    /// A stable code the console and agent can show (matching the protocol's error codes
    /// where one exists).
    pub fn code(&self) -> &'static str {
        match self {
            CameraError::NoDevice { .. } | CameraError::DeviceLost { .. } => "device_unavailable",
            CameraError::UnsupportedSize { .. } => "unsupported_video_size",
        }
    }

    /// Whether trying the same operation again, unchanged, can succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, CameraError::UnsupportedSize { .. })
    }
}

/// Opens the machine's camera at about `width` x `height` (the device picks the nearest size
/// it has; see [`CameraSource::size`]).
///
/// On Linux (64-bit) this tries each `/dev/video*` through V4L2 in turn and returns the first
/// that streams YUYV or I420. Elsewhere, and when none works, it returns
/// [`CameraError::NoDevice`] with the reasons, so callers fall back to [`TestPatternCamera`].
/// Media Foundation (Windows) and AVFoundation (macOS) backends plug in here without changing
/// callers.
pub fn open_camera(width: u32, height: u32) -> Result<Box<dyn CameraSource + Send>, CameraError> {
    let devices = video_devices();
    if devices.is_empty() {
        return Err(CameraError::NoDevice { reason: "this machine has no camera (no video device found)".into() });
    }
    let mut reasons = Vec::new();
    for device in &devices {
        match open_device(device, width, height) {
            Ok(camera) => return Ok(camera),
            Err(error) => reasons.push(error.to_string()),
        }
    }
    Err(CameraError::NoDevice { reason: reasons.join("; ") })
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]
fn open_device(path: &str, width: u32, height: u32) -> Result<Box<dyn CameraSource + Send>, CameraError> {
    Ok(Box::new(v4l2::V4l2Camera::open(path, width, height)?))
}

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64"))))]
fn open_device(path: &str, _width: u32, _height: u32) -> Result<Box<dyn CameraSource + Send>, CameraError> {
    Err(CameraError::NoDevice { reason: format!("found {path}, but camera capture is not implemented on this platform yet") })
}

/// Video device nodes (`/dev/video0` …), sorted; empty where the OS has no such nodes.
fn video_devices() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev") else { return Vec::new() };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.strip_prefix("video").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
        .map(|name| format!("/dev/{name}"))
        .collect();
    found.sort();
    found
}
