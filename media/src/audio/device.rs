//! The machine's microphone and speaker through cpal, which carries one backend per OS (ALSA on
//! Linux, WASAPI on Windows, CoreAudio on macOS), and the fallbacks used when there is none.
//!
//! cpal's streams may not leave the thread that made them, so each device lives on a thread of
//! its own that owns the stream; the [`AudioSource`]/[`AudioSink`] handed out talks to it over
//! channels and is `Send`. Dropping the handle stops the thread and closes the device.

use super::{AudioError, AudioFrame, AudioSink, AudioSource, LevelSink, ToneSource, WavFileSource, FRAME_SAMPLES, SAMPLE_RATE};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long [`AudioSource::next_frame`] waits for a device before calling it lost.
const CAPTURE_TIMEOUT: Duration = Duration::from_millis(500);
/// Captured frames kept while the caller is busy; older ones are dropped beyond that.
const CAPTURE_QUEUE_FRAMES: usize = 25;
/// The most audio a speaker keeps queued; beyond it the oldest is dropped so latency stays low.
const PLAYBACK_MAX_QUEUED: Duration = Duration::from_millis(200);

/// Where a microphone's or speaker's audio really comes from or goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A sound device, by the name the OS gives it.
    Device { name: String },
    /// No device could be used: a stand-in took its place, for the reason given.
    Fallback { reason: String },
}

/// What [`open_microphone`] uses when the machine has no microphone.
#[derive(Debug, Clone, PartialEq)]
pub enum MicrophoneFallback {
    /// A sine tone; the other side hears that audio flows.
    Tone { frequency_hz: f64, amplitude: f64 },
    /// A WAV file played in a loop (16-bit PCM, 48 kHz); silence if it cannot be read.
    WavFile(PathBuf),
    /// Silence, which Opus DTX turns into almost no traffic.
    Silence,
}

/// The local participant's microphone, or its stand-in.
pub struct Microphone {
    pub source: Box<dyn AudioSource + Send>,
    pub origin: Origin,
}

/// Where remote participants' audio is played, or a level meter when there is no speaker.
pub struct Speaker {
    pub sink: Box<dyn AudioSink + Send>,
    pub origin: Origin,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone").field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker").field("origin", &self.origin).finish_non_exhaustive()
    }
}

/// Opens the default input device. When there is none, or it cannot be opened, logs why and
/// returns `fallback` instead, with the reason in [`Microphone::origin`] so the agent can tell
/// the customer. Call only after the customer granted the microphone (S21).
pub fn open_microphone(fallback: MicrophoneFallback) -> Microphone {
    match DeviceMicrophone::open() {
        Ok((source, name)) => Microphone { source: Box::new(source), origin: Origin::Device { name } },
        Err(error) => {
            let mut reason = error.to_string();
            let source: Box<dyn AudioSource + Send> = match fallback {
                MicrophoneFallback::Tone { frequency_hz, amplitude } => Box::new(ToneSource::new(frequency_hz, amplitude)),
                MicrophoneFallback::Silence => Box::new(ToneSource::silence()),
                MicrophoneFallback::WavFile(path) => match WavFileSource::open(&path) {
                    Ok(file) => Box::new(file),
                    Err(file_error) => {
                        reason = format!("{reason}; the fallback file failed too ({file_error}), so silence is sent");
                        Box::new(ToneSource::silence())
                    }
                },
            };
            tracing::warn!(%reason, code = error.code(), "no microphone: sending a stand-in");
            Microphone { source, origin: Origin::Fallback { reason } }
        }
    }
}

/// Opens the default output device; when there is none, logs why and returns a [`LevelSink`].
pub fn open_speaker() -> Speaker {
    match DeviceSpeaker::open() {
        Ok((sink, name)) => Speaker { sink: Box::new(sink), origin: Origin::Device { name } },
        Err(error) => {
            let reason = error.to_string();
            tracing::warn!(%reason, code = error.code(), "no speaker: audio is measured, not played");
            Speaker { sink: Box::new(LevelSink::new()), origin: Origin::Fallback { reason } }
        }
    }
}

/// What the capture thread sends.
enum Captured {
    Frame(Box<AudioFrame>),
    Failed(String),
}

/// A cpal input stream, resampled to 48 kHz mono and cut into 20 ms frames.
struct DeviceMicrophone {
    frames: Receiver<Captured>,
    /// Dropped with the microphone, which ends the thread holding the stream.
    _stop: mpsc::Sender<()>,
}

impl DeviceMicrophone {
    fn open() -> Result<(DeviceMicrophone, String), AudioError> {
        let (frames_tx, frames) = mpsc::sync_channel(CAPTURE_QUEUE_FRAMES);
        let (stop, stop_rx) = mpsc::channel::<()>();
        let (ready_tx, ready) = mpsc::channel();
        std::thread::Builder::new()
            .name("microphone".into())
            .spawn(move || match start_capture(frames_tx) {
                Ok((stream, name)) => {
                    let _ = ready_tx.send(Ok(name));
                    // Blocks until the microphone is dropped; the stream closes when this returns.
                    let _ = stop_rx.recv();
                    drop(stream);
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                }
            })
            .map_err(|e| no_device("microphone", format!("cannot start its thread: {e}")))?;
        let name = ready.recv().map_err(|_| no_device("microphone", "its thread ended while opening it".into()))??;
        Ok((DeviceMicrophone { frames, _stop: stop }, name))
    }
}

impl AudioSource for DeviceMicrophone {
    fn next_frame(&mut self, out: &mut AudioFrame) -> Result<(), AudioError> {
        let lost = |reason: String| AudioError::DeviceLost { what: "microphone", reason };
        match self.frames.recv_timeout(CAPTURE_TIMEOUT) {
            Ok(Captured::Frame(frame)) => {
                *out = *frame;
                Ok(())
            }
            Ok(Captured::Failed(reason)) => Err(lost(reason)),
            Err(RecvTimeoutError::Timeout) => Err(lost(format!("no audio for {} ms", CAPTURE_TIMEOUT.as_millis()))),
            Err(RecvTimeoutError::Disconnected) => Err(lost("the capture stream closed".into())),
        }
    }
}

fn no_device(what: &'static str, reason: String) -> AudioError {
    // cpal's messages end in a full stop; the error's own text goes on after the reason.
    let reason = reason.trim_end_matches('.').to_string();
    AudioError::NoDevice { what, reason }
}

/// Why the default device has no configuration. cpal's own text blames an unplugged device even
/// when the machine simply has no sound card, which is what a customer should be told instead.
fn unusable_config(what: &'static str, name: &str, error: impl std::fmt::Display) -> AudioError {
    let error = error.to_string();
    let error = error.trim_end_matches('.');
    if kernel_lists_no_sound_card() {
        return no_device(what, format!("this machine has no sound card (device {name:?}: {error})"));
    }
    no_device(what, format!("device {name:?} has no usable configuration: {error}"))
}

/// Whether Linux says there is no sound card at all: no ALSA in the kernel, or no card in it.
fn kernel_lists_no_sound_card() -> bool {
    cfg!(target_os = "linux") && std::fs::read_to_string("/proc/asound/cards").map_or(true, |cards| cards.contains("no soundcards"))
}

/// Builds and starts the input stream on the calling thread.
fn start_capture(frames: SyncSender<Captured>) -> Result<(cpal::Stream, String), AudioError> {
    let host = cpal::default_host();
    let device = host.default_input_device().ok_or_else(|| no_device("microphone", "the system has no input device".into()))?;
    let name = device.name().unwrap_or_else(|_| "unnamed input".into());
    let supported = device.default_input_config().map_err(|e| unusable_config("microphone", &name, e))?;
    let config: cpal::StreamConfig = supported.config();
    let build = |e: cpal::BuildStreamError| no_device("microphone", format!("input device {name:?} could not be opened: {e}"));
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => capture_stream::<f32>(&device, &config, frames).map_err(build)?,
        cpal::SampleFormat::I16 => capture_stream::<i16>(&device, &config, frames).map_err(build)?,
        cpal::SampleFormat::U16 => capture_stream::<u16>(&device, &config, frames).map_err(build)?,
        cpal::SampleFormat::I32 => capture_stream::<i32>(&device, &config, frames).map_err(build)?,
        other => return Err(no_device("microphone", format!("input device {name:?} delivers {other} samples, which are not supported"))),
    };
    stream.play().map_err(|e| no_device("microphone", format!("input device {name:?} would not start: {e}")))?;
    Ok((stream, name))
}

fn capture_stream<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    frames: SyncSender<Captured>,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let mut resampler = Resampler::new(config.sample_rate.0, SAMPLE_RATE);
    let mut mono = Vec::new();
    let mut resampled = Vec::new();
    let mut pending: Vec<i16> = Vec::with_capacity(FRAME_SAMPLES * 2);
    let errors = frames.clone();
    device.build_input_stream(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            mono.clear();
            mono.extend(data.chunks(channels).map(|c| c.iter().map(|s| s.to_sample::<f32>()).sum::<f32>() / c.len() as f32));
            resampled.clear();
            resampler.push(&mono, &mut resampled);
            pending.extend(resampled.iter().map(|&s| (s.clamp(-1.0, 1.0) * 32767.0) as i16));
            while pending.len() >= FRAME_SAMPLES {
                let mut frame = Box::new([0i16; FRAME_SAMPLES]);
                frame.copy_from_slice(&pending[..FRAME_SAMPLES]);
                pending.drain(..FRAME_SAMPLES);
                // A full queue means the caller is behind: dropping audio beats blocking the
                // device's thread.
                let _ = frames.try_send(Captured::Frame(frame));
            }
        },
        move |error| {
            let _ = errors.try_send(Captured::Failed(error.to_string()));
        },
        None,
    )
}

/// A cpal output stream fed from a queue that [`AudioSink::play`] fills.
struct DeviceSpeaker {
    queue: Arc<Mutex<VecDeque<f32>>>,
    device_rate: u32,
    resampler: Resampler,
    resampled: Vec<f32>,
    _stop: mpsc::Sender<()>,
}

impl DeviceSpeaker {
    fn open() -> Result<(DeviceSpeaker, String), AudioError> {
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        let (stop, stop_rx) = mpsc::channel::<()>();
        let (ready_tx, ready) = mpsc::channel();
        let shared = Arc::clone(&queue);
        std::thread::Builder::new()
            .name("speaker".into())
            .spawn(move || match start_playback(shared) {
                Ok((stream, name, rate)) => {
                    let _ = ready_tx.send(Ok((name, rate)));
                    let _ = stop_rx.recv();
                    drop(stream);
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                }
            })
            .map_err(|e| no_device("speaker", format!("cannot start its thread: {e}")))?;
        let (name, rate) = ready.recv().map_err(|_| no_device("speaker", "its thread ended while opening it".into()))??;
        let speaker =
            DeviceSpeaker { queue, device_rate: rate, resampler: Resampler::new(SAMPLE_RATE, rate), resampled: Vec::new(), _stop: stop };
        Ok((speaker, name))
    }
}

impl AudioSink for DeviceSpeaker {
    fn play(&mut self, frame: &[i16]) {
        let samples: Vec<f32> = frame.iter().map(|&s| f32::from(s) / 32768.0).collect();
        self.resampled.clear();
        self.resampler.push(&samples, &mut self.resampled);
        let max = (u128::from(self.device_rate) * PLAYBACK_MAX_QUEUED.as_millis() / 1000) as usize;
        // A poisoned lock means the device thread panicked; nothing can be played then.
        if let Ok(mut queue) = self.queue.lock() {
            queue.extend(self.resampled.iter().copied());
            let excess = queue.len().saturating_sub(max);
            queue.drain(..excess);
        }
    }
}

/// Builds and starts the output stream on the calling thread; returns it with the device's
/// name and sample rate.
fn start_playback(queue: Arc<Mutex<VecDeque<f32>>>) -> Result<(cpal::Stream, String, u32), AudioError> {
    let host = cpal::default_host();
    let device = host.default_output_device().ok_or_else(|| no_device("speaker", "the system has no output device".into()))?;
    let name = device.name().unwrap_or_else(|_| "unnamed output".into());
    let supported = device.default_output_config().map_err(|e| unusable_config("speaker", &name, e))?;
    let config: cpal::StreamConfig = supported.config();
    let build = |e: cpal::BuildStreamError| no_device("speaker", format!("output device {name:?} could not be opened: {e}"));
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => playback_stream::<f32>(&device, &config, queue).map_err(build)?,
        cpal::SampleFormat::I16 => playback_stream::<i16>(&device, &config, queue).map_err(build)?,
        cpal::SampleFormat::U16 => playback_stream::<u16>(&device, &config, queue).map_err(build)?,
        cpal::SampleFormat::I32 => playback_stream::<i32>(&device, &config, queue).map_err(build)?,
        other => return Err(no_device("speaker", format!("output device {name:?} takes {other} samples, which are not supported"))),
    };
    stream.play().map_err(|e| no_device("speaker", format!("output device {name:?} would not start: {e}")))?;
    Ok((stream, name, config.sample_rate.0))
}

fn playback_stream<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    queue: Arc<Mutex<VecDeque<f32>>>,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let channels = usize::from(config.channels.max(1));
    device.build_output_stream(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let mut queue = queue.lock().ok();
            for frame in data.chunks_mut(channels) {
                // Underrun plays silence.
                let sample = queue.as_mut().and_then(|q| q.pop_front()).unwrap_or(0.0);
                frame.fill(T::from_sample(sample));
            }
        },
        |error| tracing::warn!(%error, "speaker stream error"),
        None,
    )
}

/// Linear-interpolation resampler for a stream pushed in pieces of any length. Good enough for
/// speech into a 48 kHz codec (aliasing above 8 kHz is inaudible in a call); not for music.
#[derive(Debug, Clone)]
pub(crate) struct Resampler {
    /// Input samples advanced per output sample.
    step: f64,
    /// Position of the next output sample, with 0.0 at `previous` and 1.0 at the next input.
    position: f64,
    previous: f32,
}

impl Resampler {
    pub(crate) fn new(from_rate: u32, to_rate: u32) -> Resampler {
        Resampler { step: f64::from(from_rate.max(1)) / f64::from(to_rate.max(1)), position: 1.0, previous: 0.0 }
    }

    /// Appends to `out` the output samples that `input` completes.
    pub(crate) fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let Some(&last) = input.last() else { return };
        let at = |i: usize| if i == 0 { self.previous } else { input[i - 1] };
        let available = input.len() as f64;
        // A position on a sample needs only that sample; between two, it needs both.
        while self.position <= available {
            let index = self.position.floor();
            let fraction = (self.position - index) as f32;
            let i = index as usize;
            let sample = if fraction == 0.0 {
                at(i)
            } else if i < input.len() {
                at(i) * (1.0 - fraction) + at(i + 1) * fraction
            } else {
                break;
            };
            out.push(sample);
            self.position += self.step;
        }
        self.position -= available;
        self.previous = last;
    }
}

#[cfg(test)]
mod tests {
    use super::Resampler;

    #[test]
    fn resampling_44k1_to_48k_yields_the_right_count_and_keeps_a_ramp_straight() {
        let mut resampler = Resampler::new(44_100, 48_000);
        let mut out = Vec::new();
        let input: Vec<f32> = (0..4410).map(|i| i as f32).collect();
        for piece in input.chunks(441) {
            resampler.push(piece, &mut out);
        }
        assert!((out.len() as i64 - 4800).abs() <= 1, "{} samples", out.len());
        for pair in out.windows(2) {
            assert!((pair[1] - pair[0] - 0.91875).abs() < 1e-3, "{pair:?}");
        }
    }

    #[test]
    fn resampling_at_the_same_rate_changes_nothing() {
        let mut resampler = Resampler::new(48_000, 48_000);
        let mut out = Vec::new();
        resampler.push(&[0.5, -0.25, 0.125], &mut out);
        assert_eq!(out, vec![0.5, -0.25, 0.125]);
    }
}
