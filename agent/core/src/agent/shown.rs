//! S10, the CSR's own screen shown on this computer: the console says which of its video
//! tracks carries it (`csr_share_started`); the picture is shown only while the customer allows
//! `csr_screen_share` to that CSR and signaling runs the activity, in that order, like anything
//! the agent does. A revocation, the CSR's stop, or signaling's stop hides it at once.

use super::io::Command;
use super::Ctx;
use crate::customer::{Hint, Notice};
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode, ParticipantId};
use std::collections::{BTreeMap, VecDeque};

/// Longest track id taken from a console (a browser's is a 36-character UUID).
const MAX_TRACK_CHARS: usize = 128;

const CAP: Capability = Capability::CsrScreenShare;

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// Granted; signaling does not list the activity yet.
    Waiting,
    Showing,
}

#[derive(Debug)]
struct Screen {
    track: String,
    phase: Phase,
}

#[derive(Debug, Default)]
pub(super) struct ShownScreens {
    screens: BTreeMap<ParticipantId, Screen>,
    finished: Vec<(ParticipantId, Capability)>,
}

pub(super) fn is_shown_screen(msg: &PeerMessage) -> bool {
    matches!(msg, PeerMessage::CsrShareStarted { .. } | PeerMessage::CsrShareStopped)
}

fn show(out: &mut VecDeque<Command>, csr: &ParticipantId, track: Option<String>, shown: bool) {
    out.push_back(Command::ShowCsrScreen { csr: csr.clone(), track, shown });
}

impl ShownScreens {
    /// The CSRs whose screen is shown now.
    pub(super) fn running(&self) -> Vec<(ParticipantId, Capability)> {
        self.screens.iter().filter(|(_, s)| s.phase == Phase::Showing).map(|(c, _)| (c.clone(), CAP)).collect()
    }

    pub(super) fn on_message(&mut self, ctx: &Ctx<'_>, csr: ParticipantId, msg: PeerMessage, out: &mut VecDeque<Command>) {
        match msg {
            PeerMessage::CsrShareStarted { track } => {
                if track.is_empty() || track.chars().count() > MAX_TRACK_CHARS {
                    return out.push_back(Command::ToPeer { csr, msg: PeerMessage::Error { error: ErrorCode::InvalidMessage.into() } });
                }
                if let Err(code) = ctx.gate.check(&csr, CAP) {
                    return out.push_back(Command::ToPeer { csr, msg: PeerMessage::Error { error: code.into() } });
                }
                // Known as a screen at once, so its first pictures never show as a camera.
                show(out, &csr, Some(track.clone()), false);
                self.screens.insert(csr.clone(), Screen { track, phase: Phase::Waiting });
                self.reconcile(ctx, out);
            }
            PeerMessage::CsrShareStopped => self.stop(ctx, &csr, out),
            _ => {}
        }
    }

    fn stop(&mut self, ctx: &Ctx<'_>, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        if let Some(s) = self.screens.remove(csr) {
            show(out, csr, None, false);
            if s.phase == Phase::Showing {
                out.push_back(Command::Show(Notice::Info(format!("{} stopped showing their screen.", ctx.name(csr)))));
                self.finished.push((csr.clone(), CAP));
            }
        }
    }

    /// The CSR's connection or seat is gone: nothing more of theirs is shown, and the customer
    /// is told as for the CSR's own stop (an "allow once" ends with it).
    pub(super) fn peer_gone(&mut self, ctx: &Ctx<'_>, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        self.stop(ctx, csr, out);
    }

    /// The session ended: everything is hidden, without a line for each.
    pub(super) fn stop_all(&mut self, out: &mut VecDeque<Command>) {
        for csr in std::mem::take(&mut self.screens).into_keys() {
            show(out, &csr, None, false);
        }
    }

    /// Hides what lost its grant or signaling's acceptance; shows what has both now. Returns what
    /// ended, for "allow once" grants to end with it.
    pub(super) fn reconcile(&mut self, ctx: &Ctx<'_>, out: &mut VecDeque<Command>) -> Vec<(ParticipantId, Capability)> {
        let csrs: Vec<ParticipantId> = self.screens.keys().cloned().collect();
        for csr in csrs {
            let granted = ctx.gate.check(&csr, CAP).is_ok();
            let accepted = ctx.accepted(&csr, &[CAP]);
            let Some(s) = self.screens.get_mut(&csr) else { continue };
            match s.phase {
                _ if !granted => {
                    let shown = s.phase == Phase::Showing;
                    self.screens.remove(&csr);
                    show(out, &csr, None, false);
                    if shown {
                        self.finished.push((csr.clone(), CAP));
                    }
                }
                Phase::Waiting if accepted => {
                    s.phase = Phase::Showing;
                    let track = s.track.clone();
                    show(out, &csr, Some(track), true);
                    let text = format!("{} shows you their screen.", ctx.name(&csr));
                    out.push_back(Command::Show(Notice::Told { text, hint: Hint::Revoke }));
                }
                Phase::Showing if !accepted => self.stop(ctx, &csr, out),
                _ => {}
            }
        }
        std::mem::take(&mut self.finished)
    }
}
