//! The agent's decisions, without I/O (after str0m's and quinn-proto's shape): every event goes
//! in through [`Agent::handle`], and [`Agent::poll`] gives back what the driver must do. The
//! core owns the consent gate, what signaling accepted, the shares, devices, offers and
//! transfers (each with the CSR it belongs to) and the customer's report. Slow work (opening a
//! capture, hashing a file, collecting system information) is a [`Command`] whose result
//! comes back as an [`Input`], so a revocation is decided before anything queued behind it.

mod files;
mod io;
mod media;
mod shown;

pub use io::{Command, Destination, Input, PullReady, ShareId, ShareReady, TransferEnd};

use crate::consent::{Answer, ConsentGate, GateInput, GateOutput, GrantEntry};
use crate::customer::{CustomerAction, GrantView, Hint, Notice, Person};
use protocol::media::MediaKind;
use protocol::peer::PeerMessage;
use protocol::policy::{self, displayable};
use protocol::rules::{Event, Role};
use protocol::signal::{ClientMessage, Roster};
use protocol::{Activity, Capability, ErrorCode, ParticipantId, RequestId};
use std::collections::{BTreeSet, VecDeque};

/// The customer agent's state for one session.
#[derive(Debug)]
pub struct Agent {
    me: ParticipantId,
    roster: Option<Roster>,
    gate: ConsentGate,
    out: VecDeque<Command>,
    media: media::MediaTable,
    screens: shown::ShownScreens,
    files: files::FileTable,
    /// The last grant snapshot published, to publish only changes.
    published: Option<BTreeSet<(ParticipantId, Capability)>>,
    /// Offers the customer made on their own (their camera), to name each one.
    offers: u32,
    now_ms: u64,
    ended: bool,
}

impl Agent {
    /// `shared_folder`: whether the customer shares a folder for advanced transfer.
    pub fn new(me: ParticipantId, shared_folder: bool) -> Self {
        Self {
            me,
            roster: None,
            gate: ConsentGate::new(),
            out: VecDeque::new(),
            media: media::MediaTable::default(),
            screens: shown::ShownScreens::default(),
            files: files::FileTable::new(shared_folder),
            published: None,
            offers: 0,
            now_ms: 0,
            ended: false,
        }
    }

    /// The next thing to do, in order.
    pub fn poll(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    pub fn me(&self) -> &ParticipantId {
        &self.me
    }

    pub fn gate(&self) -> &ConsentGate {
        &self.gate
    }

    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Whether share `share` of `csr` is still being opened (not revoked or replaced meanwhile).
    pub fn share_wanted(&self, csr: &ParticipantId, share: ShareId) -> bool {
        self.media.opening(csr, share)
    }

    /// Whether `id` is a CSR of this session (only CSRs negotiate peers with the agent).
    pub fn is_csr(&self, id: &ParticipantId) -> bool {
        self.member_role(id) == Some(Role::Csr)
    }

    /// A participant's name as it may be shown (untrusted text).
    pub fn name_of(&self, id: &ParticipantId) -> String {
        name_in(self.roster.as_ref(), id)
    }

    /// What runs on this computer now, by whom: for tests and the customer's list.
    pub fn running(&self) -> Vec<(ParticipantId, Capability)> {
        let mut all = self.media.running();
        all.extend(self.files.running());
        all.extend(self.screens.running());
        // Recording runs in the CSR's browser, not here; signaling lists it, and the customer's
        // list shows the grant it runs under as in use (S16).
        let recording = Activity::Capability(Capability::Recording);
        if let Some(roster) = &self.roster {
            let mine = roster.running.iter().filter(|r| r.activity == recording && r.customer.as_ref() == Some(&self.me));
            all.extend(mine.map(|r| (r.by.clone(), Capability::Recording)));
        }
        all
    }

    /// The grants in force as the customer sees them: who, what, for how long, and whether
    /// each is in use now (a window lists them live; the terminal on `grants`).
    pub fn grant_views(&self) -> Vec<GrantView> {
        let running = self.running();
        let grants = self.gate.grants();
        // In use: the narrowest of the CSR's grants that covers what runs (a view under
        // "see" and "see and control" uses "see"; control uses "see and control").
        let in_use = |g: &GrantEntry| {
            running.iter().any(|(c, cap)| {
                c == &g.csr
                    && policy::covers(g.capability, *cap)
                    && grants
                        .iter()
                        .filter(|o| &o.csr == c && policy::covers(o.capability, *cap))
                        .all(|o| policy::covers(o.capability, g.capability))
            })
        };
        grants
            .iter()
            .map(|g| GrantView { csr_name: self.name_of(&g.csr), capability: g.capability, scope: g.scope, running: in_use(g) })
            .collect()
    }

    /// Takes one event; what to do next comes out of [`Agent::poll`].
    pub fn handle(&mut self, input: Input) {
        if self.ended {
            return;
        }
        match input {
            Input::Welcome { session, you } => {
                let first = self.roster.is_none();
                self.me = you;
                if first {
                    self.show(Notice::Joined { session: session.0 });
                }
            }
            Input::Roster(r) => self.on_roster(r),
            Input::Event(e) => self.on_event(e),
            Input::Chat { from, to, text } => {
                let to = to.iter().map(|t| if t == &self.me { "you".to_owned() } else { self.name_of(t) }).collect();
                self.show(Notice::Chat { from: self.name_of(&from), to, text: displayable(&text, true) });
            }
            Input::ServerError(text) => self.show(Notice::Problem(displayable(&text, false))),
            Input::LinkLost => {
                self.show(Notice::Info("Lost the connection to the support server; reconnecting. The session goes on.".into()))
            }
            Input::LinkGone(code) => self.finish(farewell(code)),
            Input::Peer { csr, msg } => self.on_peer(csr, msg),
            Input::PeerGarbage { csr, code } => self.peer_error(&csr, code),
            Input::PeerConnected { csr } => self.media.connected(&csr, &mut self.out),
            Input::PeerGone { csr } => {
                self.media.peer_gone(&csr, &mut self.out);
                self.files.peer_gone(&csr, &mut self.out);
                let ctx = ctx!(self);
                self.screens.peer_gone(&ctx, &csr, &mut self.out);
            }
            Input::FileChannel { csr, transfer } => self.files.channel(&csr, transfer, &mut self.out),
            Input::Customer(a) => self.on_customer(a),
            Input::Tick { now_ms } => {
                self.now_ms = now_ms;
                self.media.tick(now_ms, &mut self.out);
            }
            other => self.on_result(other),
        }
        self.reconcile();
    }

    fn on_result(&mut self, input: Input) {
        let ctx = ctx!(self);
        match input {
            Input::ShareOpened { csr, share, result } => self.media.share_opened(&ctx, &csr, share, result, &mut self.out),
            Input::ShareFailed { csr, share, code } => self.media.share_failed(&csr, share, code, &mut self.out),
            Input::DeviceStarted { csr, kind, result } => self.media.device_started(&ctx, &csr, kind, result, &mut self.out),
            Input::ClipboardChanged(text) => self.media.clipboard_changed(&ctx, text, &mut self.out),
            Input::IncomingOpened { transfer, result } => self.files.incoming_opened(&ctx, transfer, result, &mut self.out),
            Input::PullOpened { transfer, result } => self.files.pull_opened(transfer, result, &mut self.out),
            Input::PullDescribed { csr, transfer, consent, result } => {
                let gate_in = self.files.pull_described(&ctx, csr, transfer, consent, result, &mut self.out);
                if let Some(i) = gate_in {
                    self.gate_do(i);
                }
            }
            Input::TransferProgress { transfer, done } => self.files.progress(transfer, done, &mut self.out),
            Input::TransferEnded { transfer, end } => self.files.transfer_ended(&ctx, transfer, end, &mut self.out),
            Input::ReportReady { csr, report } => self.files.report_ready(&ctx, csr, *report, &mut self.out),
            _ => {}
        }
        // "Allow once" of system information ends with the report it allowed.
        for (csr, c) in self.files.take_finished_once() {
            self.gate_do(GateInput::ActivityEnded { csr, capability: c });
        }
    }

    fn member_role(&self, id: &ParticipantId) -> Option<Role> {
        self.roster.as_ref().and_then(|r| r.participants.iter().find(|p| &p.id == id)).map(|p| p.role)
    }

    fn show(&mut self, n: Notice) {
        self.out.push_back(Command::Show(n));
    }

    fn peer_error(&mut self, csr: &ParticipantId, code: ErrorCode) {
        self.out.push_back(Command::ToPeer { csr: csr.clone(), msg: PeerMessage::Error { error: code.into() } });
    }

    fn finish(&mut self, bye: String) {
        let out = self.gate.handle(GateInput::Ended);
        self.apply(out);
        self.media.stop_all(&mut self.out);
        self.files.stop_all(&mut self.out);
        self.screens.stop_all(&mut self.out);
        self.reconcile();
        self.out.push_back(Command::Finish(bye));
        self.ended = true;
    }

    fn on_roster(&mut self, roster: Roster) {
        let people = |r: &Roster| -> Vec<(ParticipantId, bool, String)> {
            r.participants.iter().map(|p| (p.id.clone(), p.online, p.name.clone())).collect()
        };
        let changed = self.roster.as_ref().is_none_or(|old| people(old) != people(&roster));
        let gone: Vec<ParticipantId> = self
            .roster
            .iter()
            .flat_map(|r| r.participants.iter())
            .filter(|p| p.role == Role::Csr && !roster.participants.iter().any(|n| n.id == p.id))
            .map(|p| p.id.clone())
            .collect();
        // Told by the name they had (the new roster no longer lists them).
        let ctx = ctx!(self);
        for csr in &gone {
            self.screens.peer_gone(&ctx, csr, &mut self.out);
        }
        self.roster = Some(roster);
        for csr in gone {
            self.media.peer_gone(&csr, &mut self.out);
            self.files.peer_gone(&csr, &mut self.out);
            self.gate_do(GateInput::Withdrawn { csr: csr.clone(), capability: None });
            self.out.push_back(Command::ClosePeer { csr });
        }
        if changed {
            let list = self
                .roster
                .iter()
                .flat_map(|r| r.participants.iter())
                .map(|p| Person {
                    id: p.id.clone(),
                    name: displayable(&p.name, false),
                    role: p.role,
                    online: p.online,
                    you: p.id == self.me,
                    observer: p.observer,
                })
                .collect();
            self.show(Notice::People(list));
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::ConsentRequested { request, by, customer, capability } if customer == self.me => {
                let by_name = self.name_of(&by);
                self.gate_do(GateInput::Requested { request, capability, by, by_name });
            }
            Event::CarryOverRequested { request, customer, from, to, capabilities } if customer == self.me => {
                let (to_name, from_name) = (self.name_of(&to), self.name_of(&from));
                self.gate_do(GateInput::CarryOver { request, capabilities, to, to_name, from_name });
            }
            Event::HostChanged { from, to } => {
                // S18: the former host's support activity ends; their grants were theirs.
                let (from_name, to_name) = (self.name_of(&from), self.name_of(&to));
                self.show(Notice::Info(format!("{to_name} (support) has taken over the session from {from_name}.")));
                self.media.host_lost(&from, &mut self.out);
                self.gate_do(GateInput::Withdrawn { csr: from, capability: None });
            }
            Event::ConsentEnded { customer, capability, csr } if customer == self.me => {
                // Signaling ended the grant to show a screen (the CSR's stop ended an "allow
                // once", or a hand-over): the CSR stopped showing, said so even when this comes
                // before the console's own stop on the data channel (seed 661479).
                if capability == Capability::CsrScreenShare {
                    let ctx = ctx!(self);
                    self.screens.peer_gone(&ctx, &csr, &mut self.out);
                }
                self.gate_do(GateInput::Withdrawn { csr, capability: Some(capability) });
            }
            Event::ActivityStarted { activity: Activity::Capability(Capability::Recording), customer: Some(customer), by }
                if customer == self.me =>
            {
                // S16: the customer is told when recording starts and stops.
                let name = self.name_of(&by);
                self.show(Notice::Told {
                    text: format!("Recording started: {name} (support) is recording this session."),
                    hint: Hint::RevokeRecording,
                });
            }
            Event::ActivityStopped { activity: Activity::Capability(c), customer: Some(customer), .. } if customer == self.me => {
                if c == Capability::Recording {
                    self.show(Notice::Info("Recording stopped: this session is no longer recorded.".into()));
                }
                // Signaling stopped it (the CSR, a revocation, a new primary): "once" ends.
                let owners: Vec<ParticipantId> = self.gate.grants().into_iter().map(|g| g.csr).collect();
                for csr in owners {
                    if !self.signaling_accepted(&csr, &[c]) {
                        self.gate_do(GateInput::ActivityEnded { csr, capability: c });
                    }
                }
            }
            Event::Ended { .. } => {
                // Before the farewell: the session's driver stops at `Finish`.
                self.show(Notice::SurveyOffered);
                self.finish(farewell(ErrorCode::SessionEnded));
            }
            _ => {}
        }
    }

    fn signaling_accepted(&self, csr: &ParticipantId, capabilities: &[Capability]) -> bool {
        accepted_in(self.roster.as_ref(), &self.me, csr, capabilities)
    }

    fn on_peer(&mut self, csr: ParticipantId, msg: PeerMessage) {
        if !self.is_csr(&csr) {
            return;
        }
        let ctx = ctx!(self);
        if media::is_media(&msg) {
            self.media.on_message(&ctx, csr, msg, &mut self.out);
            return;
        }
        if shown::is_shown_screen(&msg) {
            self.screens.on_message(&ctx, csr, msg, &mut self.out);
            return;
        }
        let gate_in = self.files.on_message(&ctx, csr, msg, &mut self.out);
        if let Some(i) = gate_in {
            self.gate_do(i);
        }
    }

    fn on_customer(&mut self, action: CustomerAction) {
        match action {
            CustomerAction::Answer { request, answer } => {
                let asked = self.gate.open_prompts().into_iter().find(|p| p.request == request);
                self.gate_do(GateInput::Answered { request: request.clone(), answer });
                if let Some(csr) = self.files.asker(&request) {
                    let taken = if answer == Answer::Deny { Err(ErrorCode::Declined) } else { self.gate.take_transfer(&csr, &request) };
                    let ctx = ctx!(self);
                    self.files.answered(&ctx, &request, taken, &mut self.out);
                }
                let Some(p) = asked.filter(|_| answer != Answer::Deny) else { return };
                let what: Vec<&str> = p.capabilities.iter().filter(|c| !c.is_one_shot()).map(|c| c.asks_to()).collect();
                if !what.is_empty() {
                    let name = self.name_of(&p.csr);
                    let how = if answer == Answer::Once { "until this activity stops" } else { "for this session" };
                    self.show(Notice::Told { text: format!("Allowed {how}: {name} may {}.", what.join(", ")), hint: Hint::Revoke });
                }
            }
            CustomerAction::ShareCamera => self.share_camera(),
            CustomerAction::Revoke(capability) => self.revoke(capability),
            CustomerAction::RevokeAll => {
                let all: BTreeSet<Capability> = self.gate.grants().into_iter().map(|g| g.capability).collect();
                if all.is_empty() {
                    self.show(Notice::Info("Nothing is allowed, so there is nothing to take back.".into()));
                }
                for c in all {
                    self.revoke(c);
                }
            }
            CustomerAction::Chat { to, text } => self.out.push_back(Command::Signal(ClientMessage::Chat { to, text })),
            CustomerAction::ShowGrants => {
                let list = self.grant_views();
                self.show(Notice::Grants(list));
            }
            CustomerAction::AcceptFile(t) => {
                let ctx = ctx!(self);
                self.files.accept(&ctx, t, &mut self.out);
            }
            CustomerAction::DeclineFile(t) => self.files.decline(t, &mut self.out),
            CustomerAction::SendReport(yes) => {
                let ctx = ctx!(self);
                self.files.send_report(&ctx, yes, &mut self.out);
            }
            CustomerAction::Leave => {
                self.out.push_back(Command::Signal(ClientMessage::Leave));
                self.finish("You left the session. Nothing is shared any more.".into());
            }
        }
    }

    fn revoke(&mut self, capability: Capability) {
        let out = self.gate.handle(GateInput::Revoked { capability });
        if out.is_empty() {
            self.show(Notice::Problem("That permission was not given, so there is nothing to take back.".into()));
        }
        self.apply(out);
    }

    /// S9: the customer shares their camera back with the host CSR on their own. The offer is
    /// their grant (sent to signaling, which records it); the camera starts as if the CSR had
    /// asked, and their console shows it.
    fn share_camera(&mut self) {
        let Some(host) = self.roster.as_ref().map(|r| r.host.clone()).filter(|h| self.is_csr(h)) else {
            return self.show(Notice::Info("No one from support is in the session to share your camera with.".into()));
        };
        let name = self.name_of(&host);
        if self.media.device_wanted(&host, MediaKind::Camera) {
            return self.show(Notice::Told { text: format!("{name} already sees your camera."), hint: Hint::RevokeCamera });
        }
        self.offers += 1;
        let request = RequestId(format!("own-camera-{}", self.offers));
        self.gate_do(GateInput::Offered { request, csr: host.clone(), capability: Capability::Camera });
        let ctx = ctx!(self);
        self.media.start_own_device(&ctx, host, MediaKind::Camera, &mut self.out);
        self.show(Notice::Told { text: format!("You share your camera with {name}."), hint: Hint::RevokeCamera });
    }

    fn gate_do(&mut self, input: GateInput) {
        let out = self.gate.handle(input);
        self.apply(out);
    }

    fn apply(&mut self, out: Vec<GateOutput>) {
        for o in out {
            match o {
                GateOutput::Ask(p) => self.show(Notice::Ask { request: p.request, capabilities: p.capabilities, text: p.text }),
                GateOutput::Withdraw { request } => self.show(Notice::Withdrawn {
                    request,
                    text: "A question was withdrawn: the person who asked no longer leads the session.".into(),
                }),
                GateOutput::SendAnswer { request, granted, scope } => {
                    self.out.push_back(Command::Signal(ClientMessage::ConsentAnswer { request, granted, scope }))
                }
                GateOutput::SendOffer { request, csr, capability } => {
                    self.out.push_back(Command::Signal(ClientMessage::ConsentOffer { request, csr, capability }))
                }
                GateOutput::SendRevoke { capability } => {
                    self.out.push_back(Command::Signal(ClientMessage::ConsentRevoke { capability }));
                    // Named by the widest of what ended ("see and control your screen").
                    let family = policy::revoked_with(capability);
                    let widest = family.iter().copied().find(|w| family.iter().all(|c| policy::covers(*w, *c))).unwrap_or(capability);
                    self.show(Notice::Info(format!("Stopped: support may no longer {}.", widest.asks_to())));
                }
            }
        }
    }

    /// After every event: whatever lost its grant (or signaling's acceptance) stops now, and
    /// the loops get the new grant snapshot first.
    fn reconcile(&mut self) {
        let snapshot = self.gate.snapshot();
        if self.published.as_ref() != Some(&snapshot) {
            self.out.push_back(Command::Grants(snapshot.clone()));
            self.published = Some(snapshot);
        }
        let ctx = ctx!(self);
        let mut ended = self.media.reconcile(&ctx, &mut self.out);
        ended.extend(self.files.reconcile(&ctx, &mut self.out));
        ended.extend(self.screens.reconcile(&ctx, &mut self.out));
        for (csr, capability) in ended {
            let out = self.gate.handle(GateInput::ActivityEnded { csr, capability });
            self.apply(out);
        }
        let snapshot = self.gate.snapshot();
        if self.published.as_ref() != Some(&snapshot) {
            self.out.push_back(Command::Grants(snapshot.clone()));
            self.published = Some(snapshot);
        }
    }
}

/// A read-only view of the session for the sub-tables' decisions (borrowing only the fields
/// they do not own).
macro_rules! ctx {
    ($a:expr) => {
        Ctx { me: &$a.me, roster: $a.roster.as_ref(), gate: &$a.gate }
    };
}
use ctx;

pub(crate) struct Ctx<'a> {
    me: &'a ParticipantId,
    roster: Option<&'a Roster>,
    gate: &'a ConsentGate,
}

fn name_in(roster: Option<&Roster>, id: &ParticipantId) -> String {
    let found = roster.and_then(|r| r.participants.iter().find(|p| &p.id == id));
    found.map(|p| displayable(&p.name, false)).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "Someone".into())
}

/// Whether signaling runs one of `capabilities` of `csr` on `me`'s computer now.
fn accepted_in(roster: Option<&Roster>, me: &ParticipantId, csr: &ParticipantId, capabilities: &[Capability]) -> bool {
    roster.is_some_and(|r| {
        r.running.iter().any(|run| {
            &run.by == csr && run.customer.as_ref() == Some(me) && run.activity.consent().is_some_and(|c| capabilities.contains(&c))
        })
    })
}

impl Ctx<'_> {
    fn name(&self, id: &ParticipantId) -> String {
        name_in(self.roster, id)
    }

    fn is_primary(&self) -> bool {
        self.roster.is_none_or(|r| r.primary.as_ref() == Some(self.me))
    }

    /// The refusal of `wanted` by what signaling runs now (S12).
    fn blocked(&self, wanted: Activity) -> Option<ErrorCode> {
        let running = self.roster.iter().flat_map(|r| r.running.iter()).map(|r| r.activity);
        policy::blocked_by(running, wanted)
    }

    fn accepted(&self, csr: &ParticipantId, capabilities: &[Capability]) -> bool {
        accepted_in(self.roster, self.me, csr, capabilities)
    }

    /// Which of `capabilities` signaling lists `csr` as running on `me`'s computer.
    fn listed(&self, csr: &ParticipantId, capabilities: &[Capability]) -> Option<Capability> {
        let runs = self.roster.iter().flat_map(|r| r.running.iter());
        runs.filter(|run| &run.by == csr && run.customer.as_ref() == Some(self.me))
            .find_map(|run| run.activity.consent().filter(|c| capabilities.contains(c)))
    }
}

fn farewell(code: ErrorCode) -> String {
    match code {
        ErrorCode::SessionEnded => "The support session has ended. Nothing is shared any more.".into(),
        other => format!("The session cannot go on: {}", other.message()),
    }
}
