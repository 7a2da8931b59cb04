//! A WAV file can stand in for the microphone (demos, machines without one): 16-bit PCM at
//! 48 kHz is played in a loop, stereo mixed to mono, and any other format is refused with a
//! message that says what was found and what is needed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::{tone_frequency, AudioError, AudioFrame, AudioSource, WavFileSource, FRAME_SAMPLES, SAMPLE_RATE};
use std::f64::consts::TAU;
use std::path::Path;

/// Writes a canonical 44-byte-header PCM WAV.
fn write_wav(path: &Path, rate: u32, channels: u16, bits: u16, data: &[u8]) {
    let block = channels * bits / 8;
    let mut file = Vec::new();
    file.extend_from_slice(b"RIFF");
    file.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    file.extend_from_slice(b"WAVEfmt ");
    file.extend_from_slice(&16u32.to_le_bytes());
    file.extend_from_slice(&1u16.to_le_bytes()); // PCM
    file.extend_from_slice(&channels.to_le_bytes());
    file.extend_from_slice(&rate.to_le_bytes());
    file.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    file.extend_from_slice(&block.to_le_bytes());
    file.extend_from_slice(&bits.to_le_bytes());
    file.extend_from_slice(b"data");
    file.extend_from_slice(&(data.len() as u32).to_le_bytes());
    file.extend_from_slice(data);
    std::fs::write(path, file).unwrap();
}

fn sine(frequency_hz: f64, samples: usize) -> Vec<i16> {
    (0..samples).map(|i| ((TAU * frequency_hz * i as f64 / 48_000.0).sin() * 10_000.0) as i16).collect()
}

fn frames(source: &mut impl AudioSource, count: usize) -> Vec<i16> {
    let mut frame: AudioFrame = [0; FRAME_SAMPLES];
    let mut all = Vec::new();
    for _ in 0..count {
        source.next_frame(&mut frame).unwrap();
        all.extend_from_slice(&frame);
    }
    all
}

#[test]
fn a_48k_mono_file_plays_its_samples_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("voice.wav");
    // 1.5 frames long, so the loop point falls inside a frame.
    let samples: Vec<i16> = (0..1440).map(|i| i as i16).collect();
    write_wav(&path, 48_000, 1, 16, &samples.iter().flat_map(|s| s.to_le_bytes()).collect::<Vec<u8>>());

    let mut source = WavFileSource::open(&path).unwrap();
    assert_eq!(source.len_samples(), 1440);
    let played = frames(&mut source, 3);
    let expected: Vec<i16> = samples.iter().chain(&samples).copied().collect();
    assert_eq!(played, expected);
}

#[test]
fn a_48k_stereo_file_is_mixed_to_mono() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stereo.wav");
    let left = sine(440.0, 48_000);
    // The right channel is silent: the mix is the left at half level.
    let data: Vec<u8> = left.iter().flat_map(|&l| [l.to_le_bytes(), 0i16.to_le_bytes()]).flatten().collect();
    write_wav(&path, 48_000, 2, 16, &data);

    let mut source = WavFileSource::open(&path).unwrap();
    let played = frames(&mut source, 50);
    assert_eq!(played[1000], left[1000] / 2);
    let frequency = tone_frequency(&played, SAMPLE_RATE);
    assert!((frequency - 440.0).abs() < 1.0, "{frequency}");
}

#[test]
fn an_8_bit_22_khz_file_is_refused_with_what_was_found_and_what_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.wav");
    write_wav(&path, 22_050, 1, 8, &[128u8; 2205]);

    let error = WavFileSource::open(&path).unwrap_err();
    assert!(matches!(error, AudioError::UnsupportedWav { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("8 bit") && message.contains("22050 Hz"), "says what it found: {message}");
    assert!(message.contains("16-bit PCM WAV at 48000 Hz"), "says what it needs: {message}");
    assert!(message.contains("old.wav"), "names the file: {message}");
    assert_eq!(error.code(), "unsupported_audio_file");
    assert!(!error.is_retryable());
}

#[test]
fn a_file_that_is_not_wav_or_is_missing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello, this is not audio").unwrap();
    let error = WavFileSource::open(&path).unwrap_err();
    assert!(error.to_string().contains("not a RIFF/WAVE file"), "{error}");

    let error = WavFileSource::open(dir.path().join("missing.wav")).unwrap_err();
    assert!(matches!(error, AudioError::Io { .. }), "{error:?}");
}
