//! A sink with no device: it measures what it is given, so the customer's window can show who
//! is speaking even on a machine without speakers, and tests can see what arrived.

use super::{rms_level, AudioSink};

/// Keeps the level of the last frame played and how many frames were played.
#[derive(Debug, Clone, Default)]
pub struct LevelSink {
    last_rms: f64,
    frames: u64,
}

impl LevelSink {
    /// Level below which a participant counts as silent: about −40 dBFS, above a quiet room's
    /// hiss after Opus but well below speech.
    pub const SPEAKING_THRESHOLD: f64 = 0.01;

    pub fn new() -> LevelSink {
        LevelSink::default()
    }

    /// RMS level of the last frame played, as a fraction of full scale.
    pub fn level(&self) -> f64 {
        self.last_rms
    }

    /// Frames played so far.
    pub fn frames_played(&self) -> u64 {
        self.frames
    }

    /// Whether the last frame was loud enough to show "… is speaking".
    pub fn is_speaking(&self) -> bool {
        self.last_rms >= Self::SPEAKING_THRESHOLD
    }
}

impl AudioSink for LevelSink {
    fn play(&mut self, frame: &[i16]) {
        self.last_rms = rms_level(frame);
        self.frames += 1;
    }
}
