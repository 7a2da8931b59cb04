//! VoIP audio for the audio conference (S8): where the customer's voice comes from
//! ([`AudioSource`]: a microphone, a tone, a WAV file), where the other side's voice goes
//! ([`AudioSink`]: a speaker, or a level meter when there is none), and the Opus codec in
//! [`opus`]. Everything moves in 20 ms frames of 48 kHz mono i16, the shape Opus and WebRTC
//! (opus/48000) use, so no resampling happens between a source and the encoder.
//!
//! Device access sits behind the two traits; [`open_microphone`] and [`open_speaker`] pick the
//! machine's device through cpal (ALSA on Linux) and fall back to a device-free source or sink,
//! saying why, when there is none. Opening the microphone is the caller's business only after
//! the customer's grant (S21).

mod device;
mod level;
pub mod opus;
mod tone;
mod wav;

pub use device::{open_microphone, open_speaker, Microphone, MicrophoneFallback, Origin, Speaker};
pub use level::LevelSink;
pub use tone::ToneSource;
pub use wav::WavFileSource;

use std::path::PathBuf;

/// Samples per second of every frame in this module.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms frame at [`SAMPLE_RATE`], mono.
pub const FRAME_SAMPLES: usize = 960;
/// How long one frame lasts.
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(20);

/// One 20 ms frame of 48 kHz mono audio.
pub type AudioFrame = [i16; FRAME_SAMPLES];

/// Something that produces the local participant's audio, one 20 ms frame at a time.
///
/// A device-backed source blocks until a frame has been captured; generated and file sources
/// return at once, so the caller paces them (one frame per [`FRAME_DURATION`]).
pub trait AudioSource {
    /// Fills `out` with the next 20 ms of 48 kHz mono audio.
    fn next_frame(&mut self, out: &mut AudioFrame) -> Result<(), AudioError>;
}

/// Something that plays the remote participants' audio.
pub trait AudioSink {
    /// Plays one frame of 48 kHz mono audio (normally [`FRAME_SAMPLES`] long). A sink never fails
    /// the call: a device that went away is reported through its own status, not by stopping
    /// the conference.
    fn play(&mut self, frame: &[i16]);
}

impl<S: AudioSource + ?Sized> AudioSource for Box<S> {
    fn next_frame(&mut self, out: &mut AudioFrame) -> Result<(), AudioError> {
        (**self).next_frame(out)
    }
}

impl<S: AudioSink + ?Sized> AudioSink for Box<S> {
    fn play(&mut self, frame: &[i16]) {
        (**self).play(frame)
    }
}

/// What went wrong with an audio device or file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// No usable device: none is plugged in, or the system refused to open it. Retrying helps
    /// only after the customer plugs in or frees a device.
    #[error("no {what} could be opened: {reason}. Plug one in, or close the program that holds it, and try again")]
    NoDevice { what: &'static str, reason: String },
    /// The device stopped delivering audio while in use (unplugged, or the sound server
    /// stopped). Reopening it may help.
    #[error("the {what} stopped delivering audio: {reason}")]
    DeviceLost { what: &'static str, reason: String },
    /// The file is not 16-bit PCM WAV at 48 kHz with one or two channels. Retrying cannot help;
    /// convert the file (for example `ffmpeg -i in.wav -ar 48000 -ac 1 -c:a pcm_s16le out.wav`).
    #[error("{path}: unsupported audio file ({found}); only 16-bit PCM WAV at 48000 Hz, mono or stereo, is read")]
    UnsupportedWav { path: PathBuf, found: String },
    /// The file could not be read. Retrying helps only if the file appears.
    #[error("{path}: cannot read the audio file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AudioError {
    /// A stable code the console and agent can show (matching the protocol's error codes
    /// where one exists).
    pub fn code(&self) -> &'static str {
        match self {
            AudioError::NoDevice { .. } | AudioError::DeviceLost { .. } => "device_unavailable",
            AudioError::UnsupportedWav { .. } => "unsupported_audio_file",
            AudioError::Io { .. } => "audio_file_unreadable",
        }
    }

    /// Whether trying the same operation again, unchanged, can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, AudioError::NoDevice { .. } | AudioError::DeviceLost { .. })
    }
}

/// Root-mean-square level of `samples` as a fraction of full scale (0.0 silence, about 0.707 a
/// full-scale sine).
pub fn rms_level(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt() / 32768.0
}

/// The dominant frequency of `samples` (mono, `rate` samples per second) in hertz, from the
/// upward zero crossings with linear interpolation between the samples around each, so the
/// answer is much finer than one sample period. Returns 0.0 when fewer than two crossings occur
/// (silence, or too short a stretch). Meant for tones, as the tests and the level meter use it;
/// speech has no single frequency.
pub fn tone_frequency(samples: &[i16], rate: u32) -> f64 {
    // Hysteresis against noise and codec ripple around zero: a crossing counts only after the
    // signal has been clearly negative since the previous one.
    let peak = samples.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0);
    let threshold = f64::from(peak) * 0.05;
    let mut armed = false;
    let mut first: Option<f64> = None;
    let mut last = 0.0;
    let mut crossings = 0usize;
    for (i, pair) in samples.windows(2).enumerate() {
        let (a, b) = (f64::from(pair[0]), f64::from(pair[1]));
        if a < -threshold {
            armed = true;
        }
        if armed && a < 0.0 && b >= 0.0 {
            let at = i as f64 + (-a) / (b - a);
            first.get_or_insert(at);
            last = at;
            crossings += 1;
            armed = false;
        }
    }
    match first {
        Some(first) if crossings >= 2 && last > first => (crossings - 1) as f64 * f64::from(rate) / (last - first),
        _ => 0.0,
    }
}
