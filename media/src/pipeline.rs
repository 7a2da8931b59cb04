//! The capture → convert → encode pipeline of a screen or window share, on two threads so
//! both cores work: one captures and converts the next picture while the other encodes the
//! last. An unchanged screen costs one comparison per tick and no encoding. Pictures are not
//! queued: the capture thread hands a picture over only when the encoder takes it, and times
//! the next capture to finish just as the encoder finishes (from running averages of both), so
//! a picture waits for no one and the share shows the newest screen.

use crate::budget::RateBudget;
use crate::capture::{CaptureError, ScreenCapture};
use crate::convert::{self, ConvertError};
use crate::frame::I420Frame;
use crate::vp8::{CodecError, EncodedFrame, Encoder, EncoderConfig};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a share is paced and encoded.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    /// Most pictures per second; `None` captures as fast as the machine allows (benchmarks).
    pub max_fps: Option<u32>,
    /// Start bitrate, kbit/s; `None` picks one from the picture size.
    pub bitrate_kbps: Option<u32>,
    pub speed: i32,
    pub threads: u32,
    /// libvpx's screen-content tuning.
    pub screen_content: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { max_fps: Some(30), bitrate_kbps: None, speed: crate::vp8::SCREEN_SPEED, threads: 2, screen_content: true }
    }
}

/// One encoded picture and when its capture began.
#[derive(Debug)]
pub struct StreamFrame {
    pub frame: EncodedFrame,
    pub width: u32,
    pub height: u32,
    pub captured_at: Instant,
    pub encoded_at: Instant,
}

/// Why a share stopped by itself.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Convert(#[from] ConvertError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The share's capture or encoder thread could not be started.
    #[error("could not start a share thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Lowest bitrate a congestion limit sets, kbit/s: below it a 1080p screen's text is no
/// longer readable.
pub const MIN_BITRATE_KBPS: u32 = 100;

/// The next picture is timed to be ready this fraction of an encode after the encoder is free.
const JIT_LATE_DIVISOR: u32 = 5;

/// Longest a keyframe request waits for the last keyframe to arrive.
pub const KEYFRAME_HOLD_MAX: Duration = Duration::from_secs(1);

/// Longest a still screen goes without a picture (a keyframe) being sent.
pub const REFRESH: Duration = Duration::from_secs(3);

struct Shared {
    stop: AtomicBool,
    want_keyframe: AtomicBool,
    /// A keyframe at once, even while the last one may still be on its way.
    force_keyframe: AtomicBool,
    /// The bitrate asked for, kbit/s; 0 until the first picture picks one from its size.
    bitrate_kbps: AtomicU32,
    /// What the network carries, kbit/s (the congestion controller's estimate); 0 for no limit.
    limit_kbps: AtomicU32,
    /// Under a limit: the bytes sent against it, which the capture thread waits on.
    budget: Mutex<Option<RateBudget>>,
    /// Running average of one encode, microseconds.
    encode_us: AtomicU32,
}

/// A running share. Dropping it stops both threads.
pub struct ScreenStream {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl ScreenStream {
    /// Starts sharing what `capture` shows; every encoded picture, or the error that ended the
    /// share, goes to `sink` on the encoder thread. `sink` returns `false` to stop. Where a
    /// thread cannot be started, `sink` hears why ([`StreamError::Thread`]) on the calling
    /// thread and the stream returned is already stopped.
    pub fn start<F>(capture: Box<dyn ScreenCapture>, opts: StreamOptions, mut sink: F) -> ScreenStream
    where
        F: FnMut(Result<StreamFrame, StreamError>) -> bool + Send + 'static,
    {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            want_keyframe: AtomicBool::new(true),
            force_keyframe: AtomicBool::new(false),
            bitrate_kbps: AtomicU32::new(opts.bitrate_kbps.unwrap_or(0)),
            limit_kbps: AtomicU32::new(0),
            budget: Mutex::new(None),
            encode_us: AtomicU32::new(0),
        });
        // Two picture buffers circulate: one being filled, one being encoded.
        let (to_encoder, from_capture) = mpsc::sync_channel::<Result<(I420Frame, Instant), StreamError>>(0);
        let (to_capture, free) = mpsc::channel::<I420Frame>();
        for _ in 0..2 {
            let _ = to_capture.send(I420Frame::new(2, 2));
        }
        // The sink goes to the encoder thread only once both threads run, so that a thread
        // which cannot be started is still reported to it.
        let (give_sink, take_sink) = mpsc::channel::<F>();
        let s = shared.clone();
        let encoder = std::thread::Builder::new().name("share-encode".into()).spawn(move || {
            if let Ok(sink) = take_sink.recv() {
                encode_loop(opts, s, from_capture, to_capture, sink);
            }
        });
        let s = shared.clone();
        let capturer =
            std::thread::Builder::new().name("share-capture".into()).spawn(move || capture_loop(capture, opts, s, free, to_encoder));
        let mut threads = Vec::with_capacity(2);
        let mut failed = None;
        for spawned in [encoder, capturer] {
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        match failed {
            None => {
                // The encoder thread waits for it; it is gone only if that thread is.
                let _ = give_sink.send(sink);
            }
            Some(e) => {
                shared.stop.store(true, Ordering::Relaxed);
                drop(give_sink);
                sink(Err(StreamError::Thread(e)));
            }
        }
        ScreenStream { shared, threads }
    }

    /// A handle that asks for keyframes and sets the bitrate from other tasks.
    pub fn controls(&self) -> StreamControls {
        StreamControls(self.shared.clone())
    }

    /// Stops and waits for both threads.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for ScreenStream {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Keyframe and bitrate control of a running [`ScreenStream`], for the task that sends its
/// frames and hears the receiver's requests.
#[derive(Clone)]
pub struct StreamControls(Arc<Shared>);

impl StreamControls {
    /// A keyframe soon (PLI/FIR from the receiver, a new viewer): the next picture, unless the
    /// last keyframe cannot have arrived yet at the rate the stream may send — then the first
    /// picture after that. A receiver that asks again while a large keyframe crawls over a
    /// slow link would otherwise get a new one before the last, and none ever completes.
    pub fn request_keyframe(&self) {
        self.0.want_keyframe.store(true, Ordering::Relaxed);
    }

    /// The next picture is a keyframe, whenever the last one was (the last one never left:
    /// pictures before negotiation are dropped).
    pub fn force_keyframe(&self) {
        self.0.force_keyframe.store(true, Ordering::Relaxed);
        self.0.want_keyframe.store(true, Ordering::Relaxed);
    }

    /// Sets the bitrate the share aims at (the size's default until then).
    pub fn set_bitrate(&self, kbps: u32) {
        self.0.bitrate_kbps.store(kbps, Ordering::Relaxed);
    }

    /// Follows the congestion controller: from the next picture on, the encoder aims at no more
    /// than `kbps` (never below [`MIN_BITRATE_KBPS`]), and where even its coarsest pictures are
    /// larger than that allows (busy content), fewer pictures are taken so that the stream stays
    /// within `kbps` (see [`crate::budget`]). `None` lifts the limit.
    pub fn limit_bitrate(&self, kbps: Option<u32>) {
        self.0.limit_kbps.store(kbps.map_or(0, |k| k.max(MIN_BITRATE_KBPS)), Ordering::Relaxed);
        if kbps.is_none() {
            *self.0.budget.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// The bitrate the encoder aims at now, kbit/s (0 before the first picture).
    pub fn bitrate_kbps(&self) -> u32 {
        effective_kbps(&self.0)
    }
}

fn capture_loop(
    mut capture: Box<dyn ScreenCapture>,
    opts: StreamOptions,
    shared: Arc<Shared>,
    free: mpsc::Receiver<I420Frame>,
    out: mpsc::SyncSender<Result<(I420Frame, Instant), StreamError>>,
) {
    let interval = opts.max_fps.map(|f| Duration::from_secs_f64(1.0 / f.max(1) as f64));
    let mut next = Instant::now();
    let mut spare: Option<I420Frame> = None;
    let mut last_sent = Instant::now();
    let mut capture_us = 0u32;
    while !shared.stop.load(Ordering::Relaxed) {
        // Under a congestion limit, a picture is taken only when the last ones are paid for.
        if wait_for_budget(&shared) {
            continue;
        }
        if let Some(iv) = interval {
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
            next = (next + iv).max(Instant::now() - iv);
        }
        // Capture only when the encoder can take the picture: a capture it would drop costs
        // the core the encoder needs.
        if spare.is_none() {
            match free.recv_timeout(Duration::from_millis(50)) {
                Ok(b) => spare = Some(b),
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        let started = Instant::now();
        let shot = match capture.capture() {
            Ok(s) => s,
            Err(e) => {
                let _ = out.send(Err(e.into()));
                return;
            }
        };
        // A still screen sends nothing, except a refresh keyframe now and then: a receiver
        // that lost the last picture and cannot ask (no PLI) recovers within `REFRESH`.
        if !shot.changed && !shared.want_keyframe.load(Ordering::Relaxed) {
            if last_sent.elapsed() < REFRESH {
                continue;
            }
            shared.want_keyframe.store(true, Ordering::Relaxed);
        }
        last_sent = Instant::now();
        // Always there: the wait above keeps the encoder's free buffer until it is used.
        let Some(mut buf) = spare.take() else { continue };
        if let Err(e) = convert::bgra_to_i420(&shot.frame, &mut buf) {
            let _ = out.send(Err(e.into()));
            return;
        }
        let took = started.elapsed().as_micros() as u32;
        capture_us = if capture_us == 0 { took } else { (capture_us * 7 + took) / 8 };
        if out.send(Ok((buf, started))).is_err() {
            return;
        }
        // The encoder just took this picture and needs about `encode_us`; the next picture
        // takes `capture_us` to make. Start it so that it is ready just after the encoder is:
        // encode times vary, and a picture ready early waits (older when encoded) while the
        // encoder waiting a little for a fresh one costs nothing seen. A fifth of an encode
        // late: 1080p median capture→encoded 15.0 → 13.7 ms at the same rate (docs/performance.md).
        let encode_us = shared.encode_us.load(Ordering::Relaxed);
        let ready_at = encode_us + encode_us / JIT_LATE_DIVISOR;
        if ready_at > capture_us {
            std::thread::sleep(Duration::from_micros((ready_at - capture_us).min(100_000) as u64));
        }
    }
}

fn encode_loop<F>(
    opts: StreamOptions,
    shared: Arc<Shared>,
    input: mpsc::Receiver<Result<(I420Frame, Instant), StreamError>>,
    recycle: mpsc::Sender<I420Frame>,
    mut sink: F,
) where
    F: FnMut(Result<StreamFrame, StreamError>) -> bool,
{
    let mut encoder: Option<Encoder> = None;
    let started = Instant::now();
    // No keyframe on request before this: the last one is still on its way.
    let mut keyframe_hold: Option<Instant> = None;
    while !shared.stop.load(Ordering::Relaxed) {
        let (pic, captured_at) = match input.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                sink(Err(e));
                return;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let t = Instant::now();
        let result = encode_one(&mut encoder, &pic, &opts, &shared, captured_at.duration_since(started), &mut keyframe_hold);
        let took = t.elapsed().as_micros() as u32;
        let avg = shared.encode_us.load(Ordering::Relaxed);
        shared.encode_us.store(if avg == 0 { took } else { (avg * 7 + took) / 8 }, Ordering::Relaxed);
        let _ = recycle.send(pic);
        if let Ok(Some(f)) = &result {
            spend(&shared, f.0.data.len());
        }
        let keep_going = match result {
            Ok(Some(f)) => sink(Ok(StreamFrame { width: f.1, height: f.2, frame: f.0, captured_at, encoded_at: Instant::now() })),
            Ok(None) => true,
            Err(e) => {
                sink(Err(e));
                false
            }
        };
        if !keep_going {
            shared.stop.store(true, Ordering::Relaxed);
            return;
        }
    }
}

/// Waits (in short steps, so a stop is seen) while the budget is in debt; true when it waited.
fn wait_for_budget(shared: &Shared) -> bool {
    let now = Instant::now();
    let ready = shared.budget.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map_or(now, |b| b.ready_at(now));
    if ready <= now {
        return false;
    }
    std::thread::sleep((ready - now).min(Duration::from_millis(20)));
    true
}

/// Counts an encoded picture against the congestion limit, if there is one.
fn spend(shared: &Shared, bytes: usize) {
    let now = Instant::now();
    let mut budget = shared.budget.lock().unwrap_or_else(|e| e.into_inner());
    match shared.limit_kbps.load(Ordering::Relaxed) {
        0 => *budget = None,
        kbps => {
            let rate = kbps as f64 * 1000.0;
            let b = budget.get_or_insert_with(|| RateBudget::new(rate, now));
            if b.rate() != rate {
                b.set_rate(rate, now);
            }
            b.spend(bytes, now);
        }
    }
}

/// The bitrate asked for, capped by the congestion limit.
fn effective_kbps(shared: &Shared) -> u32 {
    let asked = shared.bitrate_kbps.load(Ordering::Relaxed);
    match shared.limit_kbps.load(Ordering::Relaxed) {
        0 => asked,
        limit => asked.min(limit),
    }
}

fn encode_one(
    encoder: &mut Option<Encoder>,
    pic: &I420Frame,
    opts: &StreamOptions,
    shared: &Shared,
    at: Duration,
    keyframe_hold: &mut Option<Instant>,
) -> Result<Option<(EncodedFrame, u32, u32)>, StreamError> {
    // A new size (a window was resized) needs a new encoder, which starts with a keyframe.
    if encoder.as_ref().is_none_or(|e| e.size() != (pic.width, pic.height)) {
        let mut cfg = EncoderConfig::screen(pic.width, pic.height);
        cfg.speed = opts.speed;
        cfg.threads = opts.threads;
        cfg.screen_content = opts.screen_content;
        match shared.bitrate_kbps.load(Ordering::Relaxed) {
            0 => shared.bitrate_kbps.store(cfg.bitrate_kbps, Ordering::Relaxed),
            kbps => cfg.bitrate_kbps = kbps,
        }
        *encoder = Some(Encoder::new(cfg)?);
    }
    let Some(enc) = encoder.as_mut() else { return Ok(None) };
    let kbps = effective_kbps(shared);
    if kbps != enc.bitrate_kbps() {
        enc.set_bitrate(kbps)?;
    }
    let now = Instant::now();
    let forced = shared.force_keyframe.swap(false, Ordering::Relaxed);
    if forced || (keyframe_hold.is_none_or(|h| now >= h) && shared.want_keyframe.load(Ordering::Relaxed)) {
        shared.want_keyframe.store(false, Ordering::Relaxed);
        enc.request_keyframe();
    }
    let out = enc.encode(pic, at.as_millis() as i64)?;
    if let Some(f) = out.as_ref().filter(|f| f.keyframe) {
        // As long as the stream takes to send it.
        let kbps = match shared.limit_kbps.load(Ordering::Relaxed) {
            0 => shared.bitrate_kbps.load(Ordering::Relaxed),
            limit => limit,
        };
        let on_its_way = Duration::from_secs_f64(f.data.len() as f64 * 8.0 / (kbps.max(1) as f64 * 1000.0));
        *keyframe_hold = Some(now + on_its_way.min(KEYFRAME_HOLD_MAX));
    }
    Ok(out.map(|f| (f, pic.width, pic.height)))
}
