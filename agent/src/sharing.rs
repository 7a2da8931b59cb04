//! Sharing and remote control (S6, S10, S21): the customer's screen or one window as a VP8
//! video track, the CSR's input, and clipboard text. Every request is checked by the consent
//! gate first; frames stop at the next picture once the grant is gone (the encoder thread reads
//! the grant snapshot before handing each frame on), and input is dropped and counted without
//! a live control grant.

use crate::session::Session;
use crate::ui::{CustomerUi, Notice};
use agent_core::consent::ConsentGate;
use media::capture::{self, ScreenCapture};
use media::clipboard::Clipboard;
use media::input::{Action, ControlGrants, InputGate, InputInjector, Verdict};
use media::pipeline::{ScreenStream, StreamControls, StreamFrame, StreamOptions};
use protocol::media::ShareTarget;
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode, ParticipantId};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::rtp_transceiver::RtpSender;

/// Pictures per second of a share: enough for a pointer to move smoothly, cheap on a static
/// screen (unchanged pictures are not encoded).
const SHARE_FPS: u32 = 30;

/// One running share towards one CSR.
pub(crate) struct Share {
    target: ShareTarget,
    stream: ScreenStream,
    controls: StreamControls,
    sender: Arc<dyn RtpSender>,
    writer: tokio::task::JoinHandle<()>,
    /// A second handle on the source, to map input onto where it is now (windows move).
    probe: Box<dyn ScreenCapture>,
    surface: Option<(Instant, media::input::Surface)>,
}

/// What the session keeps for sharing and control.
#[derive(Default)]
pub(crate) struct MediaState {
    pub(crate) shares: HashMap<ParticipantId, Share>,
    pub(crate) input: InputGate,
    injector: Option<Box<dyn InputInjector>>,
    clipboard: Option<Box<dyn Clipboard>>,
    pub(crate) devices: HashMap<(ParticipantId, protocol::media::MediaKind), crate::devices::DeviceTrack>,
    pub(crate) next_track: u32,
    /// Size of the last picture of each CSR's video, to say when it starts or changes.
    pub(crate) remote_video: HashMap<ParticipantId, (u32, u32)>,
}

/// The grants under which `target` may be shown: viewing or controlling it.
fn share_grants(target: ShareTarget) -> [Capability; 2] {
    if target.is_application() {
        [Capability::ApplicationView, Capability::ApplicationControl]
    } else {
        [Capability::ScreenView, Capability::RemoteControl]
    }
}

fn share_allowed(gate: &ConsentGate, target: ShareTarget) -> bool {
    share_grants(target).iter().any(|c| gate.check(*c).is_ok())
}

impl<U: CustomerUi> Session<U> {
    pub(crate) async fn on_media_message(&mut self, csr: ParticipantId, msg: PeerMessage) {
        match msg {
            PeerMessage::ListSources { request } => self.list_sources(csr, request).await,
            PeerMessage::StartShare { target } => self.start_share(csr, target).await,
            PeerMessage::StopShare => {
                if !self.stop_share(&csr, ErrorCode::ActivityNotActive).await {
                    self.peer_error(&csr, ErrorCode::ActivityNotActive).await;
                }
            }
            PeerMessage::KeyframeRequest => {
                if let Some(s) = self.media.shares.get(&csr) {
                    s.controls.request_keyframe();
                }
            }
            PeerMessage::Input { event } => self.on_input(&csr, event).await,
            PeerMessage::Clipboard { text } => self.on_clipboard(&csr, text).await,
            PeerMessage::StartMedia { .. } | PeerMessage::StopMedia { .. } => self.on_device_media(csr, msg).await,
            _ => self.peer_error(&csr, ErrorCode::InvalidMessage).await,
        }
    }

    async fn list_sources(&mut self, csr: ParticipantId, request: String) {
        let any = [Capability::ScreenView, Capability::RemoteControl, Capability::ApplicationView, Capability::ApplicationControl];
        if !any.iter().any(|c| self.gate.check(*c).is_ok()) {
            return self.peer_error(&csr, ErrorCode::ConsentRequired).await;
        }
        match tokio::task::spawn_blocking(|| capture::sources(None)).await {
            Ok(Ok(s)) => {
                // Only what the grants cover: no window titles for a desktop-only grant.
                let windows =
                    if self.gate.check(Capability::ApplicationView).is_ok() || self.gate.check(Capability::ApplicationControl).is_ok() {
                        s.windows
                    } else {
                        vec![]
                    };
                let monitors = if share_allowed(&self.gate, ShareTarget::Monitor { index: 0 }) { s.monitors } else { vec![] };
                self.to_peer(&csr, &PeerMessage::Sources { request, monitors, windows }).await
            }
            Ok(Err(e)) => self.peer_error(&csr, e.code()).await,
            Err(_) => self.peer_error(&csr, ErrorCode::Internal).await,
        }
    }

    /// S10: starts sending `target` to `csr` once the gate allows it.
    async fn start_share(&mut self, csr: ParticipantId, target: ShareTarget) {
        if !share_allowed(&self.gate, target) {
            return self.peer_error(&csr, ErrorCode::ConsentRequired).await;
        }
        // S6: only the primary customer shares an application.
        if target.is_application() && self.roster.as_ref().is_some_and(|r| r.primary.as_ref() != Some(&self.me)) {
            return self.peer_error(&csr, ErrorCode::NotPrimary).await;
        }
        let Some((pc, estimate)) = self.peers.get(&csr).map(|p| (p.pc.clone(), p.estimate.clone())) else { return };
        // A new share replaces the running one.
        self.stop_share(&csr, ErrorCode::ActivityNotActive).await;
        let opened = tokio::task::spawn_blocking(move || {
            let mut cap = capture::open(None, target)?;
            let probe = capture::open(None, target)?;
            let surface = cap.surface()?;
            Ok::<_, capture::CaptureError>((cap, probe, surface))
        })
        .await;
        let (cap, probe, surface) = match opened {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot capture");
                return self.peer_error(&csr, e.code()).await;
            }
            Err(_) => return self.peer_error(&csr, ErrorCode::Internal).await,
        };
        self.media.next_track += 1;
        let track_id = format!("share-{}", self.media.next_track);
        let track = match crate::tracks::video_track(&track_id) {
            Ok(t) => Arc::new(t),
            Err(e) => {
                tracing::warn!(error = %e, "cannot make a video track");
                return self.peer_error(&csr, ErrorCode::Internal).await;
            }
        };
        let sender = match pc.add_track(track.clone() as Arc<dyn TrackLocal>).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot add the video track");
                return self.peer_error(&csr, ErrorCode::Internal).await;
            }
        };
        let (tx, rx) = mpsc::channel::<StreamFrame>(4);
        let grants = self.grants.subscribe();
        let allowed = share_grants(target);
        let stream = ScreenStream::start(cap, StreamOptions { max_fps: Some(SHARE_FPS), ..Default::default() }, move |f| {
            if !still_granted(&grants, &allowed) {
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
        let writer = tokio::spawn(crate::tracks::write_video(track, sender.clone(), rx, controls.clone(), estimate));
        let (width, height) = (surface.width, surface.height);
        let input_surface = media::input::Surface { x: surface.x, y: surface.y, width, height, application: target.is_application() };
        self.media
            .shares
            .insert(csr.clone(), Share { target, stream, controls, sender, writer, probe, surface: Some((Instant::now(), input_surface)) });
        let what = if target.is_application() { "one of your application windows" } else { "your screen" };
        self.ui.show(Notice::Info(format!("{} now sees {what}. Type `revoke` to stop it at any moment.", self.name_of(&csr))));
        self.to_peer(&csr, &PeerMessage::ShareStarted { target, track: track_id, width, height }).await;
        self.to_peer(&csr, &PeerMessage::RenegotiationNeeded).await;
    }

    /// Ends `csr`'s share, if any: both threads, the writer, and any input still held. Gives
    /// back the track's sender for the caller to remove.
    async fn end_share(&mut self, csr: &ParticipantId) -> Option<Arc<dyn RtpSender>> {
        let Share { stream, writer, sender, .. } = self.media.shares.remove(csr)?;
        // Waiting for the aborted writer means that no picture, not even one it was writing, goes
        // out after this: the CSR hears of the stop only then.
        writer.abort();
        let _ = writer.await;
        // Joining the threads waits for at most one picture: off the session task.
        tokio::task::spawn_blocking(move || stream.stop());
        let releases = self.media.input.set_surface(None);
        self.inject(releases);
        Some(sender)
    }

    /// Stops `csr`'s share, telling the console why (`consent_revoked`, or the CSR's own stop);
    /// false when none was running.
    pub(crate) async fn stop_share(&mut self, csr: &ParticipantId, reason: ErrorCode) -> bool {
        let Some(sender) = self.end_share(csr).await else { return false };
        if let Some(p) = self.peers.get(csr) {
            let _ = p.pc.remove_track(&sender).await;
        }
        self.to_peer(csr, &PeerMessage::ShareStopped { reason: reason.into() }).await;
        self.to_peer(csr, &PeerMessage::RenegotiationNeeded).await;
        true
    }

    /// After every change of grants: shares and control that lost theirs stop now.
    pub(crate) async fn media_grants_changed(&mut self) {
        let grants = ControlGrants {
            remote_control: self.gate.check(Capability::RemoteControl).is_ok(),
            application_control: self.gate.check(Capability::ApplicationControl).is_ok(),
        };
        let releases = self.media.input.set_grants(grants);
        self.inject(releases);
        let lost: Vec<ParticipantId> =
            self.media.shares.iter().filter(|(_, s)| !share_allowed(&self.gate, s.target)).map(|(c, _)| c.clone()).collect();
        for csr in lost {
            self.stop_share(&csr, ErrorCode::ConsentRevoked).await;
        }
        if !grants.remote_control && !grants.application_control {
            self.media.clipboard = None;
        }
        self.devices_grants_changed().await;
    }

    /// A CSR's connection is gone: its share ends.
    pub(crate) async fn media_peer_gone(&mut self, csr: &ParticipantId) {
        self.devices_peer_gone(csr);
        self.end_share(csr).await;
    }

    /// The connection to `csr` (re)connected: a fresh keyframe lets its decoder start.
    pub(crate) fn media_peer_connected(&self, csr: &ParticipantId) {
        if let Some(s) = self.media.shares.get(csr) {
            s.controls.force_keyframe();
        }
    }

    async fn on_input(&mut self, csr: &ParticipantId, event: protocol::media::InputEvent) {
        let surface = self.media.shares.get_mut(csr).and_then(current_surface);
        let releases = self.media.input.set_surface(surface);
        self.inject(releases);
        match self.media.input.handle(&event) {
            Verdict::Inject(action) => {
                tracing::debug!(?event, ?action, "input");
                self.inject(vec![action])
            }
            Verdict::Drop(reason) => tracing::debug!(?reason, dropped = self.media.input.dropped(), "input dropped"),
        }
    }

    /// Carries out input actions through the platform's injector, opened on first use.
    fn inject(&mut self, actions: Vec<Action>) {
        if actions.is_empty() {
            return;
        }
        if self.media.injector.is_none() {
            match media::input::open_injector(None) {
                Ok(i) => self.media.injector = Some(i),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot inject input");
                    self.ui.show(Notice::Problem(format!("Remote control cannot work on this desktop: {e}")));
                    return;
                }
            }
        }
        let Some(inj) = self.media.injector.as_mut() else { return };
        for a in &actions {
            if let Err(e) = inj.inject(a) {
                tracing::warn!(error = %e, "input injection failed");
                self.media.injector = None;
                return;
            }
        }
    }

    fn control_granted(&self) -> bool {
        self.gate.check(Capability::RemoteControl).is_ok() || self.gate.check(Capability::ApplicationControl).is_ok()
    }

    /// Clipboard text from the CSR: under the control grant only.
    async fn on_clipboard(&mut self, csr: &ParticipantId, text: String) {
        if !self.control_granted() {
            return self.peer_error(csr, ErrorCode::ConsentRequired).await;
        }
        if self.media.clipboard.is_none() {
            self.media.clipboard = media::clipboard::open_clipboard(None).map_err(|e| tracing::warn!(error = %e, "no clipboard")).ok();
        }
        if let Some(c) = self.media.clipboard.as_mut() {
            if let Err(e) = c.set_text(&text) {
                self.peer_error(
                    csr,
                    if text.len() > media::clipboard::MAX_CLIPBOARD_BYTES { ErrorCode::MessageTooLarge } else { ErrorCode::Internal },
                )
                .await;
                tracing::warn!(error = %e, "clipboard");
            }
        }
    }

    /// Called on the session's tick: the customer's new clipboard text goes to the CSRs who
    /// control, and only to them.
    pub(crate) async fn media_tick(&mut self) {
        if !self.control_granted() || self.media.shares.is_empty() {
            return;
        }
        if self.media.clipboard.is_none() {
            self.media.clipboard = media::clipboard::open_clipboard(None).ok();
        }
        let changed = self.media.clipboard.as_mut().and_then(|c| c.poll_change().ok().flatten());
        if let Some(text) = changed {
            let to: Vec<ParticipantId> = self.media.shares.keys().cloned().collect();
            for csr in to {
                self.to_peer(&csr, &PeerMessage::Clipboard { text: text.clone() }).await;
            }
        }
    }
}

/// Where input lands: the captured surface, and whether it is one application's window.
fn input_surface(s: capture::Surface, target: ShareTarget) -> media::input::Surface {
    media::input::Surface { x: s.x, y: s.y, width: s.width, height: s.height, application: target.is_application() }
}

fn still_granted(grants: &watch::Receiver<BTreeSet<Capability>>, allowed: &[Capability]) -> bool {
    let now = grants.borrow();
    allowed.iter().any(|c| now.contains(c))
}

/// Where the share is on the desktop now; windows are looked up at most twice a second.
fn current_surface(share: &mut Share) -> Option<media::input::Surface> {
    if let Some((at, s)) = share.surface {
        if at.elapsed() < Duration::from_millis(500) {
            return Some(s);
        }
    }
    let s = input_surface(share.probe.surface().ok()?, share.target);
    share.surface = Some((Instant::now(), s));
    Some(s)
}
