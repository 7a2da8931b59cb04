//! Carrying out sharing and remote control (S6, S10, S21) as the core decided: the customer's
//! screen or one window as a VP8 video track, the CSR's input, clipboard text. Frames stop at
//! the next picture once the grant is gone (the capture thread reads the grant snapshot before
//! handing each frame on); input passes the input gate, whose grants the core sets.

use crate::events::Grants;
use crate::events::{AgentEvent, OpenedCapture};
use crate::peer::CsrPeer;
use agent_core::agent::{ShareId, ShareReady};
use media::capture::{self, ScreenCapture};
use media::clipboard::Clipboard;
use media::input::{Action, ControlGrants, InputGate, InputInjector, Verdict};
use media::pipeline::{ScreenStream, StreamControls, StreamFrame, StreamOptions};
use protocol::media::ShareTarget;
use protocol::peer::PeerMessage;
use protocol::policy::share_grants;
use protocol::{ErrorCode, ParticipantId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::data_channel::DataChannel;
use webrtc::rtp_transceiver::RtpSender;

/// Pictures per second of a share: enough for a pointer to move smoothly, cheap on a static
/// screen (unchanged pictures are not encoded).
const SHARE_FPS: u32 = 30;

/// One running share towards one CSR.
struct Share {
    id: ShareId,
    target: ShareTarget,
    stream: ScreenStream,
    controls: StreamControls,
    sender: Arc<dyn RtpSender>,
    writer: tokio::task::JoinHandle<()>,
    /// A second handle on the source, to map input onto where it is now (windows move).
    probe: Box<dyn ScreenCapture>,
    surface: Option<(Instant, media::input::Surface)>,
}

/// The shares, the input gate and the clipboard of this agent.
#[derive(Default)]
pub struct Shares {
    running: HashMap<ParticipantId, Share>,
    input: InputGate,
    injector: Option<Box<dyn InputInjector>>,
    clipboard: Option<Box<dyn Clipboard>>,
    next_track: u32,
}

/// Lists what can be shared, off the session task, and answers on the control channel.
pub fn list_sources(channel: Option<Arc<dyn DataChannel>>, request: String, monitors: bool, windows: bool) {
    tokio::spawn(async move {
        let msg = match tokio::task::spawn_blocking(|| capture::sources(None)).await {
            Ok(Ok(s)) => PeerMessage::Sources {
                request,
                monitors: if monitors { s.monitors } else { vec![] },
                windows: if windows { s.windows } else { vec![] },
            },
            Ok(Err(e)) => PeerMessage::Error { error: e.code().into() },
            Err(_) => PeerMessage::Error { error: ErrorCode::Internal.into() },
        };
        if let Some(c) = channel {
            crate::peer::send_control(&c, &msg).await;
        }
    });
}

/// Opens the capture off the session task; the result comes back as an event.
pub fn open(csr: ParticipantId, share: ShareId, target: ShareTarget, events: mpsc::Sender<AgentEvent>) {
    tokio::task::spawn_blocking(move || {
        let opened = (|| {
            let mut capture = capture::open(None, target)?;
            let probe = capture::open(None, target)?;
            let surface = capture.surface()?;
            Ok::<_, capture::CaptureError>(OpenedCapture { capture, probe, surface })
        })();
        let result = opened.map(Box::new).map_err(|e| {
            tracing::warn!(error = %e, "cannot capture");
            e.code()
        });
        let _ = events.blocking_send(AgentEvent::CaptureOpened { csr, share, target, result });
    });
}

impl Shares {
    /// Starts sending an opened capture to `csr`.
    pub async fn start(
        &mut self,
        csr: &ParticipantId,
        share: ShareId,
        target: ShareTarget,
        opened: OpenedCapture,
        peer: &CsrPeer,
        grants: Grants,
    ) -> Result<ShareReady, ErrorCode> {
        if !crate::tracks::console_takes(&peer.pc, "VP8").await {
            return Err(ErrorCode::UnsupportedCodec);
        }
        self.next_track += 1;
        let track_id = format!("share-{}", self.next_track);
        let track = crate::tracks::video_track(&track_id).map(Arc::new).map_err(|_| ErrorCode::Internal)?;
        let sender = crate::tracks::add_sending(&peer.pc, track.clone()).await.map_err(|_| ErrorCode::Internal)?;
        let (tx, rx) = mpsc::channel::<StreamFrame>(4);
        let allowed = share_grants(target.is_application());
        let who = csr.clone();
        let stream = ScreenStream::start(opened.capture, StreamOptions { max_fps: Some(SHARE_FPS), ..Default::default() }, move |f| {
            if !allowed.iter().any(|c| grants.borrow().contains(&(who.clone(), *c))) {
                return false;
            }
            match f {
                // A full queue means the network is behind: drop the picture, not the share.
                Ok(frame) => !matches!(tx.try_send(frame), Err(mpsc::error::TrySendError::Closed(_))),
                Err(e) => {
                    tracing::warn!(error = %e, "the share stopped");
                    false
                }
            }
        });
        let controls = stream.controls();
        let writer = tokio::spawn(crate::tracks::write_video(track, sender.clone(), rx, controls.clone(), peer.estimate.clone()));
        let s = opened.surface;
        let surface = media::input::Surface { x: s.x, y: s.y, width: s.width, height: s.height, application: target.is_application() };
        let share_state =
            Share { id: share, target, stream, controls, sender, writer, probe: opened.probe, surface: Some((Instant::now(), surface)) };
        self.running.insert(csr.clone(), share_state);
        Ok(ShareReady { track: track_id, width: s.width, height: s.height })
    }

    /// Ends share `share` of `csr`: when this returns nothing of it is sent any more.
    pub async fn end(&mut self, csr: &ParticipantId, share: ShareId, peer: Option<&CsrPeer>) {
        if self.running.get(csr).is_none_or(|s| s.id != share) {
            return;
        }
        let Some(Share { stream, writer, sender, .. }) = self.running.remove(csr) else { return };
        // Waiting for the aborted writer means that no picture, not even one it was writing, goes
        // out after this: the CSR hears of the stop only then.
        writer.abort();
        let _ = writer.await;
        // Joining the threads waits for at most one picture: off the session task.
        tokio::task::spawn_blocking(move || stream.stop());
        let releases = self.input.set_surface(None);
        self.inject(releases);
        if let Some(p) = peer {
            let _ = p.pc.remove_track(&sender).await;
        }
    }

    pub fn keyframe(&self, csr: &ParticipantId) {
        if let Some(s) = self.running.get(csr) {
            s.controls.force_keyframe();
        }
    }

    /// The input gate's grants, as the core decided.
    pub fn set_control(&mut self, desktop: bool, application: bool) {
        let releases = self.input.set_grants(ControlGrants { remote_control: desktop, application_control: application });
        self.inject(releases);
        if !desktop && !application {
            self.clipboard = None;
        }
    }

    /// Input from `csr`, mapped onto where its share is now.
    pub fn input(&mut self, csr: &ParticipantId, event: protocol::media::InputEvent) -> Option<String> {
        let surface = self.running.get_mut(csr).and_then(current_surface);
        let releases = self.input.set_surface(surface);
        self.inject(releases);
        match self.input.handle(&event) {
            Verdict::Inject(action) => self.inject(vec![action]),
            Verdict::Drop(reason) => {
                tracing::debug!(?reason, dropped = self.input.dropped(), "input dropped");
                None
            }
        }
    }

    /// Carries out input actions through the platform's injector, opened on first use; says
    /// what to tell the customer when it cannot.
    fn inject(&mut self, actions: Vec<Action>) -> Option<String> {
        if actions.is_empty() {
            return None;
        }
        if self.injector.is_none() {
            match media::input::open_injector(None) {
                Ok(i) => self.injector = Some(i),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot inject input");
                    return Some(format!("Remote control cannot work on this desktop: {e}"));
                }
            }
        }
        let inj = self.injector.as_mut()?;
        for a in &actions {
            if let Err(e) = inj.inject(a) {
                tracing::warn!(error = %e, "input injection failed");
                self.injector = None;
                return None;
            }
        }
        None
    }

    /// Clipboard text from a CSR who controls (the core checked); the error to send back.
    pub fn set_clipboard(&mut self, text: &str) -> Option<ErrorCode> {
        if self.clipboard.is_none() {
            self.clipboard = media::clipboard::open_clipboard(None).map_err(|e| tracing::warn!(error = %e, "no clipboard")).ok();
        }
        let c = self.clipboard.as_mut()?;
        c.set_text(text).err().map(|e| {
            tracing::warn!(error = %e, "clipboard");
            if text.len() > media::clipboard::MAX_CLIPBOARD_BYTES {
                ErrorCode::MessageTooLarge
            } else {
                ErrorCode::Internal
            }
        })
    }

    /// The customer's new clipboard text, if it changed.
    pub fn poll_clipboard(&mut self) -> Option<String> {
        if self.clipboard.is_none() {
            self.clipboard = media::clipboard::open_clipboard(None).ok();
        }
        self.clipboard.as_mut().and_then(|c| c.poll_change().ok().flatten())
    }
}

/// Where the share is on the desktop now; windows are looked up at most twice a second.
fn current_surface(share: &mut Share) -> Option<media::input::Surface> {
    if let Some((at, s)) = share.surface {
        if at.elapsed() < Duration::from_millis(500) {
            return Some(s);
        }
    }
    let s = share.probe.surface().ok()?;
    let s = media::input::Surface { x: s.x, y: s.y, width: s.width, height: s.height, application: share.target.is_application() };
    share.surface = Some((Instant::now(), s));
    Some(s)
}
