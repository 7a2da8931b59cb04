//! A WAV file as the microphone: for demos, support staff testing their setup, and machines
//! without a sound card. Only what the conference uses directly is read (16-bit PCM at 48 kHz);
//! anything else is refused with a message that says how to convert it, rather than resampled.

use super::{AudioError, AudioFrame, AudioSource, SAMPLE_RATE};
use std::path::{Path, PathBuf};

/// Plays the samples of a 16-bit PCM WAV file (48 kHz, mono or stereo mixed to mono) over and
/// over.
#[derive(Debug, Clone)]
pub struct WavFileSource {
    samples: Vec<i16>,
    position: usize,
}

/// The parts of a `fmt ` chunk this reader looks at.
struct Format {
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
}

impl WavFileSource {
    /// Reads the whole file; a missing file, a file that is not WAV, or a WAV in another format
    /// is an error here rather than on the first frame.
    pub fn open(path: impl AsRef<Path>) -> Result<WavFileSource, AudioError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| AudioError::Io { path: path.to_owned(), source })?;
        let samples = parse(&bytes).map_err(|found| AudioError::UnsupportedWav { path: PathBuf::from(path), found })?;
        Ok(WavFileSource { samples, position: 0 })
    }

    /// Length of one pass through the file, in samples at 48 kHz.
    pub fn len_samples(&self) -> usize {
        self.samples.len()
    }
}

impl AudioSource for WavFileSource {
    fn next_frame(&mut self, out: &mut AudioFrame) -> Result<(), AudioError> {
        // `parse` never returns an empty file, so the modulo below is safe.
        for sample in out.iter_mut() {
            *sample = self.samples[self.position];
            self.position = (self.position + 1) % self.samples.len();
        }
        Ok(())
    }
}

/// The file's samples as 48 kHz mono, or a description of what was found instead.
fn parse(bytes: &[u8]) -> Result<Vec<i16>, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut format: Option<Format> = None;
    let mut rest = &bytes[12..];
    while rest.len() >= 8 {
        let id = &rest[0..4];
        let declared = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let body = &rest[8..];
        // Files cut short (a recording that was interrupted) keep what they have.
        let body = &body[..declared.min(body.len())];
        match id {
            b"fmt " => format = Some(parse_format(body)?),
            b"data" => {
                let format = format.ok_or("a data chunk before the fmt chunk")?;
                check_format(&format)?;
                return samples(body, format.channels);
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        let skip = (8 + declared + (declared & 1)).min(rest.len());
        rest = &rest[skip..];
    }
    Err("no data chunk".into())
}

fn parse_format(body: &[u8]) -> Result<Format, String> {
    if body.len() < 16 {
        return Err("a truncated fmt chunk".into());
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let mut tag = u16_at(0);
    // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
    if tag == 0xFFFE && body.len() >= 26 {
        tag = u16_at(24);
    }
    Ok(Format { tag, channels: u16_at(2), rate: u32::from_le_bytes([body[4], body[5], body[6], body[7]]), bits: u16_at(14) })
}

fn check_format(format: &Format) -> Result<(), String> {
    let described = || {
        let encoding = if format.tag == 1 { "PCM".to_string() } else { format!("format tag {:#06x}", format.tag) };
        format!("{encoding}, {} bit, {} Hz, {} channel(s)", format.bits, format.rate, format.channels)
    };
    let supported = format.tag == 1 && format.bits == 16 && format.rate == SAMPLE_RATE && matches!(format.channels, 1 | 2);
    if supported {
        Ok(())
    } else {
        Err(described())
    }
}

fn samples(data: &[u8], channels: u16) -> Result<Vec<i16>, String> {
    let frame_bytes = 2 * usize::from(channels);
    let samples: Vec<i16> = data
        .chunks_exact(frame_bytes)
        .map(|frame| {
            let left = i16::from_le_bytes([frame[0], frame[1]]);
            if channels == 1 {
                return left;
            }
            let right = i16::from_le_bytes([frame[2], frame[3]]);
            // The mean of two i16 always fits an i16.
            ((i32::from(left) + i32::from(right)) / 2) as i16
        })
        .collect();
    if samples.is_empty() {
        return Err("no samples".into());
    }
    Ok(samples)
}
