//! Shares, remote control and the customer's devices, as decisions: a share starts only when
//! the CSR asking holds a live grant covering its target *and* signaling accepted the activity
//! (S12, S21), in that order; it stops as soon as either goes.

use super::io::{Command, ShareId, ShareReady};
use super::Ctx;
use crate::customer::{Hint, Notice};
use protocol::media::{MediaKind, ShareTarget};
use protocol::peer::PeerMessage;
use protocol::policy::share_grants;
use protocol::{Capability, ErrorCode, ParticipantId};
use std::collections::{BTreeMap, VecDeque};

/// How long a share waits for signaling to accept its activity before it is given up.
const ACCEPT_WAIT_MS: u64 = 15_000;

#[derive(Debug)]
enum Phase {
    /// Asked for; signaling has not accepted the activity yet.
    Waiting {
        since_ms: u64,
    },
    /// The driver is opening the capture.
    Opening,
    Running,
}

#[derive(Debug)]
struct Share {
    id: ShareId,
    target: ShareTarget,
    phase: Phase,
    /// What signaling lists it as (view or control), once accepted.
    listed: Option<Capability>,
}

#[derive(Debug, PartialEq, Eq)]
enum Device {
    Starting,
    Running,
}

#[derive(Debug, Default)]
pub(super) struct MediaTable {
    shares: BTreeMap<ParticipantId, Share>,
    devices: BTreeMap<(ParticipantId, MediaKind), Device>,
    next_share: ShareId,
    next_track: u32,
    control: (bool, bool),
    /// What stopped since the last reconcile, for "allow once" grants to end with it.
    finished: Vec<(ParticipantId, Capability)>,
    /// The fake or real clock's last tick.
    now_ms: u64,
    /// CSRs who stopped their share while signaling still listed it as running: that listing
    /// is the old share's, and a next share of theirs waits until signaling has dropped it
    /// (else the old share's stop, arriving late, would end the new one).
    stale: BTreeMap<ParticipantId, bool>,
}

pub(super) fn is_media(msg: &PeerMessage) -> bool {
    matches!(
        msg,
        PeerMessage::ListSources { .. }
            | PeerMessage::StartShare { .. }
            | PeerMessage::StopShare
            | PeerMessage::KeyframeRequest
            | PeerMessage::Input { .. }
            | PeerMessage::Clipboard { .. }
            | PeerMessage::StartMedia { .. }
            | PeerMessage::StopMedia { .. }
    )
}

fn device_capability(kind: MediaKind) -> Capability {
    match kind {
        MediaKind::Microphone => Capability::Microphone,
        MediaKind::Camera => Capability::Camera,
    }
}

fn to_peer(out: &mut VecDeque<Command>, csr: &ParticipantId, msg: PeerMessage) {
    out.push_back(Command::ToPeer { csr: csr.clone(), msg });
}

fn error(out: &mut VecDeque<Command>, csr: &ParticipantId, code: ErrorCode) {
    to_peer(out, csr, PeerMessage::Error { error: code.into() });
}

impl MediaTable {
    /// What runs now: (CSR, capability it runs under).
    pub(super) fn running(&self) -> Vec<(ParticipantId, Capability)> {
        let mut out: Vec<_> = self
            .shares
            .iter()
            .filter(|(_, s)| matches!(s.phase, Phase::Running))
            .map(|(c, s)| (c.clone(), s.listed.unwrap_or(share_grants(s.target.is_application())[0])))
            .collect();
        out.extend(self.devices.iter().filter(|(_, d)| **d == Device::Running).map(|((c, k), _)| (c.clone(), device_capability(*k))));
        out
    }

    pub(super) fn opening(&self, csr: &ParticipantId, share: ShareId) -> bool {
        self.shares.get(csr).is_some_and(|s| s.id == share && matches!(s.phase, Phase::Opening))
    }

    pub(super) fn on_message(&mut self, ctx: &Ctx<'_>, csr: ParticipantId, msg: PeerMessage, out: &mut VecDeque<Command>) {
        match msg {
            PeerMessage::ListSources { request } => {
                let allowed = |c: Capability| ctx.gate.check(&csr, c).is_ok();
                let monitors = allowed(Capability::ScreenView);
                // Only what the grants cover: no window titles for a desktop-only grant.
                let windows = allowed(Capability::ApplicationView);
                if !monitors && !windows {
                    return error(out, &csr, ErrorCode::ConsentRequired);
                }
                out.push_back(Command::ListSources { csr, request, monitors, windows });
            }
            PeerMessage::StartShare { target } => self.want_share(ctx, csr, target, out),
            PeerMessage::StopShare => {
                if let Some(s) = self.shares.get(&csr) {
                    let application = s.target.is_application();
                    if ctx.accepted(&csr, &share_grants(application)) {
                        self.stale.insert(csr.clone(), application);
                    }
                }
                // Stopping what already stopped (signaling's listing of the CSR's own stop can
                // arrive before this message) is what the CSR asked for: no error.
                self.end_share(&csr, ErrorCode::ActivityNotActive, out);
            }
            PeerMessage::KeyframeRequest => {
                if self.shares.get(&csr).is_some_and(|s| matches!(s.phase, Phase::Running)) {
                    out.push_back(Command::KeyframeNow { csr });
                }
            }
            PeerMessage::Input { event } => {
                // Only into the CSR's own running share, under their control grant.
                let Some(s) = self.shares.get(&csr).filter(|s| matches!(s.phase, Phase::Running)) else { return };
                let control = share_grants(s.target.is_application())[1];
                if ctx.gate.check(&csr, control).is_ok() {
                    out.push_back(Command::Inject { csr, event });
                }
            }
            PeerMessage::Clipboard { text } => {
                if !self.controls(ctx, &csr) {
                    return error(out, &csr, ErrorCode::ConsentRequired);
                }
                out.push_back(Command::SetClipboard { csr, text });
            }
            PeerMessage::StartMedia { kind } => {
                if let Err(code) = ctx.gate.check(&csr, device_capability(kind)) {
                    return error(out, &csr, code);
                }
                if self.devices.contains_key(&(csr.clone(), kind)) {
                    return error(out, &csr, ErrorCode::ActivityActive);
                }
                self.start_device(csr, kind, out);
            }
            PeerMessage::StopMedia { kind } => {
                if !self.stop_device(&csr, kind, ErrorCode::ActivityNotActive, out) {
                    error(out, &csr, ErrorCode::ActivityNotActive);
                }
            }
            _ => error(out, &csr, ErrorCode::InvalidMessage),
        }
    }

    fn start_device(&mut self, csr: ParticipantId, kind: MediaKind, out: &mut VecDeque<Command>) {
        self.next_track += 1;
        let track = format!("{}-{}", if kind == MediaKind::Camera { "camera" } else { "mic" }, self.next_track);
        self.devices.insert((csr.clone(), kind), Device::Starting);
        out.push_back(Command::StartDevice { csr, kind, track });
    }

    /// Whether `kind` runs (or starts) towards `csr`.
    pub(super) fn device_wanted(&self, csr: &ParticipantId, kind: MediaKind) -> bool {
        self.devices.contains_key(&(csr.clone(), kind))
    }

    /// The customer starts `kind` towards `csr` on their own (S9), under the grant their offer
    /// gave; the CSR's console hears of it as of any device (`media_started`).
    pub(super) fn start_own_device(&mut self, ctx: &Ctx<'_>, csr: ParticipantId, kind: MediaKind, out: &mut VecDeque<Command>) {
        if ctx.gate.check(&csr, device_capability(kind)).is_ok() && !self.device_wanted(&csr, kind) {
            self.start_device(csr, kind, out);
        }
    }

    /// Whether `csr` controls something of this computer now (clipboard goes with control).
    fn controls(&self, ctx: &Ctx<'_>, csr: &ParticipantId) -> bool {
        self.shares
            .get(csr)
            .is_some_and(|s| matches!(s.phase, Phase::Running) && ctx.gate.check(csr, share_grants(s.target.is_application())[1]).is_ok())
    }

    /// S10: a share is wanted; it starts once the grant and signaling's acceptance are both there.
    fn want_share(&mut self, ctx: &Ctx<'_>, csr: ParticipantId, target: ShareTarget, out: &mut VecDeque<Command>) {
        let grants = share_grants(target.is_application());
        if !grants.iter().any(|c| ctx.gate.check(&csr, *c).is_ok()) {
            return error(out, &csr, ErrorCode::ConsentRequired);
        }
        // S6: only the primary customer shares an application.
        if target.is_application() && !ctx.is_primary() {
            return error(out, &csr, ErrorCode::NotPrimary);
        }
        // A new share replaces the running one.
        self.end_share(&csr, ErrorCode::ActivityNotActive, out);
        self.next_share += 1;
        self.shares.insert(csr, Share { id: self.next_share, target, phase: Phase::Waiting { since_ms: self.now_ms }, listed: None });
        // `reconcile` opens it when signaling accepted the activity.
    }

    pub(super) fn share_opened(
        &mut self,
        ctx: &Ctx<'_>,
        csr: &ParticipantId,
        share: ShareId,
        result: Result<ShareReady, ErrorCode>,
        out: &mut VecDeque<Command>,
    ) {
        let current = self.shares.get(csr).filter(|s| s.id == share && matches!(s.phase, Phase::Opening));
        let Some(s) = current else {
            // Revoked or replaced while it was being opened: it never shows anything.
            if result.is_ok() {
                out.push_back(Command::EndShare { csr: csr.clone(), share });
            }
            return;
        };
        match result {
            Ok(ready) => {
                let target = s.target;
                if let Some(s) = self.shares.get_mut(csr) {
                    s.phase = Phase::Running;
                }
                let control = ctx.gate.check(csr, share_grants(target.is_application())[1]).is_ok();
                let what = match (target.is_application(), control) {
                    (false, false) => "sees your screen",
                    (false, true) => "sees and controls your screen",
                    (true, false) => "sees one of your application windows",
                    (true, true) => "sees and controls one of your application windows",
                };
                out.push_back(Command::Show(Notice::Told { text: format!("{} now {what}.", ctx.name(csr)), hint: Hint::Revoke }));
                to_peer(out, csr, PeerMessage::ShareStarted { target, track: ready.track, width: ready.width, height: ready.height });
                to_peer(out, csr, PeerMessage::RenegotiationNeeded);
            }
            Err(code) => {
                self.shares.remove(csr);
                error(out, csr, code);
            }
        }
    }

    pub(super) fn share_failed(&mut self, csr: &ParticipantId, share: ShareId, code: ErrorCode, out: &mut VecDeque<Command>) {
        if self.shares.get(csr).is_some_and(|s| s.id == share) {
            self.end_share(csr, code, out);
        }
    }

    /// Ends `csr`'s share and tells the console why; false when none was wanted.
    fn end_share(&mut self, csr: &ParticipantId, reason: ErrorCode, out: &mut VecDeque<Command>) -> bool {
        let Some(s) = self.shares.remove(csr) else { return false };
        if matches!(s.phase, Phase::Waiting { .. }) {
            return true;
        }
        self.finished.push((csr.clone(), s.listed.unwrap_or(share_grants(s.target.is_application())[0])));
        // The driver's EndShare returns only when nothing of the share can go out any more.
        out.push_back(Command::EndShare { csr: csr.clone(), share: s.id });
        if matches!(s.phase, Phase::Running) {
            to_peer(out, csr, PeerMessage::ShareStopped { reason: reason.into() });
            to_peer(out, csr, PeerMessage::RenegotiationNeeded);
        }
        true
    }

    pub(super) fn device_started(
        &mut self,
        ctx: &Ctx<'_>,
        csr: &ParticipantId,
        kind: MediaKind,
        result: Result<String, ErrorCode>,
        out: &mut VecDeque<Command>,
    ) {
        let key = (csr.clone(), kind);
        if self.devices.get(&key) != Some(&Device::Starting) {
            if result.is_ok() {
                out.push_back(Command::StopDevice { csr: csr.clone(), kind });
            }
            return;
        }
        match result {
            Ok(track) if ctx.gate.check(csr, device_capability(kind)).is_ok() => {
                self.devices.insert(key, Device::Running);
                to_peer(out, csr, PeerMessage::MediaStarted { kind, track });
                to_peer(out, csr, PeerMessage::RenegotiationNeeded);
            }
            Ok(_) => {
                self.devices.remove(&key);
                out.push_back(Command::StopDevice { csr: csr.clone(), kind });
            }
            Err(code) => {
                self.devices.remove(&key);
                error(out, csr, code);
            }
        }
    }

    fn stop_device(&mut self, csr: &ParticipantId, kind: MediaKind, reason: ErrorCode, out: &mut VecDeque<Command>) -> bool {
        let Some(d) = self.devices.remove(&(csr.clone(), kind)) else { return false };
        self.finished.push((csr.clone(), device_capability(kind)));
        out.push_back(Command::StopDevice { csr: csr.clone(), kind });
        if d == Device::Running {
            to_peer(out, csr, PeerMessage::MediaStopped { kind, reason: reason.into() });
            to_peer(out, csr, PeerMessage::RenegotiationNeeded);
        }
        true
    }

    pub(super) fn clipboard_changed(&mut self, ctx: &Ctx<'_>, text: String, out: &mut VecDeque<Command>) {
        let to: Vec<ParticipantId> = self.shares.keys().filter(|c| self.controls(ctx, c)).cloned().collect();
        for csr in to {
            to_peer(out, &csr, PeerMessage::Clipboard { text: text.clone() });
        }
    }

    pub(super) fn connected(&mut self, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        if self.shares.get(csr).is_some_and(|s| matches!(s.phase, Phase::Running)) {
            out.push_back(Command::KeyframeNow { csr: csr.clone() });
        }
    }

    pub(super) fn tick(&mut self, now_ms: u64, out: &mut VecDeque<Command>) {
        self.now_ms = now_ms;
        let mut expired = vec![];
        for (csr, s) in self.shares.iter() {
            if let Phase::Waiting { since_ms } = s.phase {
                if now_ms.saturating_sub(since_ms) > ACCEPT_WAIT_MS {
                    expired.push(csr.clone());
                }
            }
        }
        for csr in expired {
            self.shares.remove(&csr);
            error(out, &csr, ErrorCode::ActivityNotActive);
        }
        if self.control.0 || self.control.1 {
            out.push_back(Command::PollClipboard);
        }
    }

    /// `csr` lost control of the session (S18): their share and devices end, and they are told
    /// why (not a revocation by the customer).
    pub(super) fn host_lost(&mut self, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        self.end_share(csr, ErrorCode::NotHost, out);
        let kinds: Vec<MediaKind> = self.devices.keys().filter(|(c, _)| c == csr).map(|(_, k)| *k).collect();
        for kind in kinds {
            self.stop_device(csr, kind, ErrorCode::NotHost, out);
        }
    }

    /// The CSR's connection is gone: what ran on it ends without a word to it.
    pub(super) fn peer_gone(&mut self, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        if let Some(s) = self.shares.remove(csr) {
            if !matches!(s.phase, Phase::Waiting { .. }) {
                out.push_back(Command::EndShare { csr: csr.clone(), share: s.id });
            }
        }
        let kinds: Vec<MediaKind> = self.devices.keys().filter(|(c, _)| c == csr).map(|(_, k)| *k).collect();
        for kind in kinds {
            self.devices.remove(&(csr.clone(), kind));
            out.push_back(Command::StopDevice { csr: csr.clone(), kind });
        }
    }

    pub(super) fn stop_all(&mut self, out: &mut VecDeque<Command>) {
        let csrs: Vec<ParticipantId> = self.shares.keys().chain(self.devices.keys().map(|(c, _)| c)).cloned().collect();
        for csr in csrs {
            self.peer_gone(&csr, out);
        }
    }

    /// Stops what lost its grant or signaling's acceptance; opens what has both now. Returns
    /// what ended, for "allow once" grants to end with it.
    pub(super) fn reconcile(&mut self, ctx: &Ctx<'_>, out: &mut VecDeque<Command>) -> Vec<(ParticipantId, Capability)> {
        self.stale.retain(|csr, application| ctx.accepted(csr, &share_grants(*application)));
        let csrs: Vec<ParticipantId> = self.shares.keys().cloned().collect();
        for csr in csrs {
            let Some(s) = self.shares.get(&csr) else { continue };
            let grants = share_grants(s.target.is_application());
            let granted = grants.iter().any(|c| ctx.gate.check(&csr, *c).is_ok());
            let accepted = ctx.accepted(&csr, &grants) && !self.stale.contains_key(&csr);
            let primary_ok = !s.target.is_application() || ctx.is_primary();
            match s.phase {
                _ if !granted => {
                    self.end_share(&csr, ErrorCode::ConsentRevoked, out);
                }
                _ if !primary_ok => {
                    self.end_share(&csr, ErrorCode::NotPrimary, out);
                }
                Phase::Waiting { .. } if accepted => {
                    let (id, target) = (s.id, s.target);
                    let listed = ctx.listed(&csr, &grants);
                    if let Some(s) = self.shares.get_mut(&csr) {
                        s.phase = Phase::Opening;
                        s.listed = listed;
                    }
                    out.push_back(Command::OpenShare { csr, share: id, target });
                }
                Phase::Running | Phase::Opening if !accepted => {
                    self.end_share(&csr, ErrorCode::ActivityNotActive, out);
                }
                _ => {}
            }
        }
        let lost: Vec<(ParticipantId, MediaKind)> =
            self.devices.keys().filter(|(c, k)| ctx.gate.check(c, device_capability(*k)).is_err()).cloned().collect();
        for (csr, kind) in lost {
            self.stop_device(&csr, kind, ErrorCode::ConsentRevoked, out);
        }
        let control = (
            self.shares.iter().any(|(c, s)| !s.target.is_application() && ctx.gate.check(c, Capability::RemoteControl).is_ok()),
            self.shares.iter().any(|(c, s)| s.target.is_application() && ctx.gate.check(c, Capability::ApplicationControl).is_ok()),
        );
        if control != self.control {
            self.control = control;
            out.push_back(Command::ControlAllowed { desktop: control.0, application: control.1 });
        }
        std::mem::take(&mut self.finished)
    }
}
