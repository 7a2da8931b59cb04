//! A generated sine tone: the microphone stand-in on machines without a sound card, and the
//! signal the codec tests measure.

use super::{AudioError, AudioFrame, AudioSource, SAMPLE_RATE};
use std::f64::consts::TAU;

/// A sine of one frequency and amplitude whose phase carries on from frame to frame, so the
/// joins between 20 ms frames are inaudible and a frequency measured across frames is exact.
#[derive(Debug, Clone)]
pub struct ToneSource {
    /// Phase advance per sample, in radians.
    step: f64,
    amplitude: f64,
    phase: f64,
}

impl ToneSource {
    /// A tone of `frequency_hz` at `amplitude` (a fraction of full scale, clamped to 0.0..=1.0).
    pub fn new(frequency_hz: f64, amplitude: f64) -> ToneSource {
        ToneSource { step: TAU * frequency_hz / f64::from(SAMPLE_RATE), amplitude: amplitude.clamp(0.0, 1.0) * 32767.0, phase: 0.0 }
    }

    /// Silence, as a source: what a muted microphone sends.
    pub fn silence() -> ToneSource {
        ToneSource::new(0.0, 0.0)
    }
}

impl AudioSource for ToneSource {
    fn next_frame(&mut self, out: &mut AudioFrame) -> Result<(), AudioError> {
        for sample in out.iter_mut() {
            *sample = (self.phase.sin() * self.amplitude).round() as i16;
            // Kept within one turn so precision does not drift over an hour-long call.
            self.phase = (self.phase + self.step) % TAU;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::{rms_level, tone_frequency, FRAME_SAMPLES};

    fn two_frames(tone: &mut ToneSource) -> Vec<i16> {
        let mut frame = [0i16; FRAME_SAMPLES];
        let mut all = Vec::new();
        for _ in 0..2 {
            tone.next_frame(&mut frame).unwrap();
            all.extend_from_slice(&frame);
        }
        all
    }

    #[test]
    fn a_tone_runs_on_across_frame_boundaries_without_a_jump() {
        // 441 Hz is not a whole number of cycles per 20 ms, so a phase reset would show.
        let samples = two_frames(&mut ToneSource::new(441.0, 0.8));
        let step = |i: usize| (i32::from(samples[i + 1]) - i32::from(samples[i])).abs();
        let largest_inside = (0..FRAME_SAMPLES - 1).map(step).max().unwrap();
        assert!(step(FRAME_SAMPLES - 1) <= largest_inside, "the join jumps by {}", step(FRAME_SAMPLES - 1));
    }

    #[test]
    fn tone_frequency_and_level_measure_a_generated_tone() {
        for frequency in [200.0, 440.0, 1000.0, 3150.0] {
            let samples = two_frames(&mut ToneSource::new(frequency, 0.5));
            let measured = tone_frequency(&samples, SAMPLE_RATE);
            assert!((measured - frequency).abs() < frequency * 0.001, "{frequency} Hz measured as {measured}");
            assert!((rms_level(&samples) - 0.5 / std::f64::consts::SQRT_2).abs() < 0.002);
        }
        assert_eq!(tone_frequency(&two_frames(&mut ToneSource::silence()), SAMPLE_RATE), 0.0);
    }
}
