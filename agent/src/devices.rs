//! The customer's microphone and camera (S8, S9, S21), sent only under their grant: Opus for
//! the microphone (48 kHz, 20 ms, in-band FEC, DTX), VP8 for the camera. Without a device the
//! agent sends what it was told to instead (a WAV file, a tone, or silence; a test pattern for
//! the camera) and tells the customer why. Each device runs on a thread of its own that reads
//! the grant snapshot before every frame, so revocation stops the next frame.

use crate::events::{AgentEvent, Grants};
use crate::peer::CsrPeer;
use crate::tracks::{self, SampleOut};
use media::audio::{open_microphone, AudioSource, Origin, FRAME_SAMPLES};
use media::camera::{CameraSource, TestPatternCamera};
use media::vp8::{Encoder, EncoderConfig};
use protocol::media::MediaKind;
use protocol::{Capability, ErrorCode, ParticipantId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::rtp_transceiver::RtpSender;

const CAMERA_SIZE: (u32, u32) = (640, 480);
const CAMERA_FPS: u64 = 15;
/// Fewest time between two preview pictures of the customer's own camera (10 a second).
const PREVIEW_EVERY_MS: u64 = 100;

/// Copies of what the customer's camera sends, for a window's preview. At most one picture is
/// on its way to the session task at a time and at most ten a second leave the camera
/// threads: a busy session drops pictures, it never queues them.
pub struct Preview {
    events: mpsc::Sender<AgentEvent>,
    on_its_way: AtomicBool,
    /// Milliseconds after `start` of the last copy; 0 before the first.
    last_ms: AtomicU64,
    start: Instant,
}

impl Preview {
    fn offer(&self, pic: &media::I420Frame) {
        let now = (self.start.elapsed().as_millis() as u64).max(1);
        let last = self.last_ms.load(Ordering::Relaxed);
        if last != 0 && now < last + PREVIEW_EVERY_MS {
            return;
        }
        if self.on_its_way.swap(true, Ordering::AcqRel) {
            return;
        }
        self.last_ms.store(now, Ordering::Relaxed);
        if self.events.try_send(AgentEvent::OwnCamera(Box::new(pic.clone()))).is_err() {
            self.on_its_way.store(false, Ordering::Release);
        }
    }
}

/// One device track towards one CSR.
struct DeviceTrack {
    sender: Arc<dyn RtpSender>,
    writer: tokio::task::JoinHandle<()>,
}

fn capability(kind: MediaKind) -> Capability {
    match kind {
        MediaKind::Microphone => Capability::Microphone,
        MediaKind::Camera => Capability::Camera,
    }
}

/// One encoded frame from a device thread.
struct Encoded {
    data: Vec<u8>,
    /// When it was captured (a picture) or encoded (sound).
    at: Instant,
    duration: Duration,
    /// A camera picture, stamped with its capture instant (`SampleOut::write_at_capture_time`).
    video: bool,
}

/// The device tracks running, one per CSR and kind.
#[derive(Default)]
pub struct Devices {
    running: HashMap<(ParticipantId, MediaKind), DeviceTrack>,
    /// Set when the UI shows the customer's own camera.
    preview: Option<Arc<Preview>>,
}

impl Devices {
    /// Camera threads started from now on copy pictures for the UI's preview into `events`.
    pub fn show_preview(&mut self, events: mpsc::Sender<AgentEvent>) {
        self.preview =
            Some(Arc::new(Preview { events, on_its_way: AtomicBool::new(false), last_ms: AtomicU64::new(0), start: Instant::now() }));
    }

    /// The session task took the preview picture on its way: the next may leave.
    pub fn preview_taken(&self) {
        if let Some(p) = &self.preview {
            p.on_its_way.store(false, Ordering::Release);
        }
    }

    /// Whether the camera is sent to anyone now.
    pub fn camera_running(&self) -> bool {
        self.running.keys().any(|(_, k)| *k == MediaKind::Camera)
    }

    /// Starts `kind` towards `csr` on a thread of its own (the core checked the grant). Returns
    /// what to tell the customer (no such device, a stand-in is used) besides the result.
    pub async fn start(
        &mut self,
        csr: &ParticipantId,
        kind: MediaKind,
        track_id: &str,
        peer: &CsrPeer,
        grants: Grants,
        fallback: media::audio::MicrophoneFallback,
    ) -> (Result<String, ErrorCode>, Option<String>) {
        let (track, codec) = match kind {
            MediaKind::Camera => (tracks::video_track(track_id), "VP8"),
            MediaKind::Microphone => (tracks::audio_track(track_id), "opus"),
        };
        if !tracks::console_takes(&peer.pc, codec).await {
            return (Err(ErrorCode::UnsupportedCodec), None);
        }
        let Ok(track) = track.map(Arc::new) else { return (Err(ErrorCode::Internal), None) };
        let Ok(sender) = tracks::add_sending(&peer.pc, track.clone()).await else { return (Err(ErrorCode::Internal), None) };
        let (tx, rx) = mpsc::channel::<Encoded>(8);
        let mut said = None;
        let allowed = (csr.clone(), capability(kind));
        let started = match kind {
            MediaKind::Microphone => {
                let mic = open_microphone(fallback);
                if let Origin::Fallback { reason } = &mic.origin {
                    said = Some(format!("No microphone is used: {reason}"));
                }
                std::thread::Builder::new().name("microphone".into()).spawn(move || microphone(mic.source, mic.origin, grants, allowed, tx))
            }
            MediaKind::Camera => {
                let camera: Box<dyn CameraSource + Send> = match media::camera::open_camera(CAMERA_SIZE.0, CAMERA_SIZE.1) {
                    Ok(c) => c,
                    Err(e) => {
                        said = Some(format!("No camera is used ({e}); a test picture is sent instead."));
                        match TestPatternCamera::new(CAMERA_SIZE.0, CAMERA_SIZE.1) {
                            Ok(p) => Box::new(p),
                            Err(_) => return (Err(ErrorCode::DeviceUnavailable), said),
                        }
                    }
                };
                let preview = self.preview.clone();
                std::thread::Builder::new().name("camera".into()).spawn(move || camera_loop(camera, grants, allowed, tx, preview))
            }
        };
        if started.is_err() {
            let _ = peer.pc.remove_track(&sender).await;
            return (Err(ErrorCode::Internal), said);
        }
        let writer = tokio::spawn(write_device(SampleOut::new(track, sender.clone()), rx));
        self.running.insert((csr.clone(), kind), DeviceTrack { sender, writer });
        (Ok(track_id.to_owned()), said)
    }

    /// Stops one device track: when this returns nothing of it is sent any more.
    pub async fn stop(&mut self, csr: &ParticipantId, kind: MediaKind, peer: Option<&CsrPeer>) {
        let Some(dev) = self.running.remove(&(csr.clone(), kind)) else { return };
        // The thread ends on its own at the next frame (its channel closes). Waiting for the
        // aborted writer: nothing it was writing goes out after the stop is announced.
        dev.writer.abort();
        let _ = dev.writer.await;
        if let Some(p) = peer {
            let _ = p.pc.remove_track(&dev.sender).await;
        }
    }
}

fn granted(grants: &Grants, allowed: &(ParticipantId, Capability)) -> bool {
    grants.borrow().contains(allowed)
}

/// Reads 20 ms frames, encodes them with Opus; a generated source is paced here, a device
/// paces itself.
fn microphone(
    mut source: Box<dyn AudioSource + Send>,
    origin: Origin,
    grants: Grants,
    allowed: (ParticipantId, Capability),
    out: mpsc::Sender<Encoded>,
) {
    let Ok(mut enc) = media::audio::opus::OpusEncoder::new(Default::default()) else { return };
    let paced = matches!(origin, Origin::Fallback { .. });
    let frame_time = Duration::from_millis(20);
    let start = Instant::now();
    let mut frame = [0i16; FRAME_SAMPLES];
    for n in 1u32.. {
        if !granted(&grants, &allowed) || out.is_closed() {
            return;
        }
        if source.next_frame(&mut frame).is_err() {
            return;
        }
        let Ok(packet) = enc.encode(&frame) else { return };
        let _ = out.try_send(Encoded { data: packet.to_vec(), at: Instant::now(), duration: frame_time, video: false });
        if paced {
            if let Some(wait) = (start + frame_time * n).checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
}

/// Captures camera pictures (or the test pattern) and encodes them with VP8.
fn camera_loop(
    mut camera: Box<dyn CameraSource + Send>,
    grants: Grants,
    allowed: (ParticipantId, Capability),
    out: mpsc::Sender<Encoded>,
    preview: Option<Arc<Preview>>,
) {
    let (w, h) = camera.size();
    let cfg = EncoderConfig { bitrate_kbps: 800, screen_content: false, keyframe_interval: 90, ..EncoderConfig::screen(w, h) };
    let Ok(mut enc) = Encoder::new(cfg) else { return };
    let interval = Duration::from_millis(1000 / CAMERA_FPS);
    let start = Instant::now();
    for n in 1u32.. {
        if !granted(&grants, &allowed) || out.is_closed() {
            return;
        }
        let Ok(pic) = camera.next_frame() else { return };
        let captured = Instant::now();
        if let Some(p) = &preview {
            p.offer(&pic);
        }
        if let Ok(Some(f)) = enc.encode(&pic, start.elapsed().as_millis() as i64) {
            let _ = out.try_send(Encoded { data: f.data, at: captured, duration: interval, video: true });
        }
        if let Some(wait) = (start + interval * n).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

async fn write_device(mut out: SampleOut, mut frames: mpsc::Receiver<Encoded>) {
    let mut last: Option<Instant> = None;
    while let Some(f) = frames.recv().await {
        let written = if f.video {
            // RTP timestamps are the capture instants, as for a share (a picture written with
            // its duration would carry the previous picture's instant).
            let gap = last.map(|l| f.at.saturating_duration_since(l)).unwrap_or_default();
            last = Some(f.at);
            out.write_at_capture_time(f.data, f.at, gap).await
        } else {
            out.write(f.data, f.at, f.duration).await
        };
        if let Err(e) = written {
            tracing::debug!(error = %e, "device frame not sent");
        }
    }
}
