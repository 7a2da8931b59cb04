//! A pair harness without sockets (after quinn-proto's `tests/util.rs`): the real session rules
//! stand in for signaling, a fake console sends what a CSR's console sends, and a fake driver
//! carries out the agent core's commands, holding the results of slow work until the test lets
//! them arrive. One fake clock drives everything.
//

use agent_core::agent::{Agent, Command, Input, PullReady, ShareId, ShareReady, TransferEnd};
use agent_core::consent::Answer;
use agent_core::customer::{CustomerAction, Notice};
use protocol::media::{MediaKind, ShareTarget};
use protocol::peer::{PeerMessage, TransferId};
use protocol::policy::{share_grants, GrantScope};
use protocol::rules::{self, Event, Role};
use protocol::signal::ClientMessage;
use protocol::{Activity, Capability, ErrorCode, ParticipantId, RequestId, SessionId, SiteFeatures};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const ALICE: &str = "alice";
pub const BOB: &str = "bob";
pub const DANA: &str = "dana";

pub fn id(s: &str) -> ParticipantId {
    ParticipantId::from(s)
}

/// What the fake driver runs now, as the real one would.
#[derive(Debug, Default)]
pub struct Running {
    pub shares: BTreeMap<ParticipantId, (ShareId, ShareTarget)>,
    pub devices: BTreeSet<(ParticipantId, MediaKind)>,
    /// Transfers whose task runs: id → what it needs.
    pub transfers: BTreeMap<TransferId, Option<(ParticipantId, Capability)>>,
    /// CSRs' screen tracks (S10): track → whether its pictures are shown.
    pub csr_screens: BTreeMap<ParticipantId, (String, bool)>,
}

pub struct Pair {
    pub rules: rules::Session,
    pub agent: Agent,
    pub now_ms: u64,
    pub running: Running,
    /// The last grant snapshot the loops were given.
    pub snapshot: BTreeSet<(ParticipantId, Capability)>,
    /// Slow work finished but not yet reported to the core.
    pub later: VecDeque<Input>,
    /// What each CSR's console received from the agent.
    pub to_console: BTreeMap<ParticipantId, Vec<PeerMessage>>,
    /// What the customer was shown.
    pub shown: Vec<Notice>,
    /// Consent questions open in the customer's UI.
    pub open: Vec<RequestId>,
    /// Every event signaling produced, for checks of the record.
    pub record: Vec<Event>,
    pub finished: bool,
    next_request: u32,
    opening: BTreeMap<ShareId, ShareTarget>,
}

impl Pair {
    /// Alice hosts, Bob is a second CSR, Dana is the customer running this agent.
    pub fn new() -> Pair {
        let mut rules = rules::Session::start(id(ALICE), "Alice".into(), SiteFeatures::default());
        for (who, name, role) in [(BOB, "Bob", Role::Csr), (DANA, "Dana", Role::Customer)] {
            rules.handle(rules::Input::Join { id: id(who), name: name.into(), role }).unwrap();
        }
        for who in [ALICE, BOB, DANA] {
            rules.handle(rules::Input::Presence { id: id(who), online: true }).unwrap();
        }
        let mut p = Pair {
            rules,
            agent: Agent::new(id(DANA), true),
            now_ms: 0,
            running: Running::default(),
            snapshot: BTreeSet::new(),
            later: VecDeque::new(),
            to_console: BTreeMap::new(),
            shown: vec![],
            open: vec![],
            record: vec![],
            finished: false,
            next_request: 0,
            opening: BTreeMap::new(),
        };
        p.feed(Input::Welcome { session: SessionId::from("s1"), you: id(DANA) });
        p.roster();
        p
    }

    fn roster(&mut self) {
        let r = self.rules.roster(&SessionId::from("s1"));
        self.feed(Input::Roster(r));
    }

    /// One input to signaling's rules as `by` sends it; the agent gets what it may see.
    pub fn signal(&mut self, input: rules::Input) -> Result<(), ErrorCode> {
        let events = self.rules.handle(input)?;
        self.record.extend(events.iter().cloned());
        for e in events {
            let about = e.about_customer().cloned();
            if about.is_none_or(|c| c == id(DANA)) {
                self.feed(Input::Event(e));
            }
        }
        self.roster();
        Ok(())
    }

    /// A console's message to the agent over its control channel.
    pub fn peer(&mut self, csr: &str, msg: PeerMessage) {
        self.feed(Input::Peer { csr: id(csr), msg });
    }

    /// The host asks Dana; returns the request id when signaling accepted it.
    pub fn ask(&mut self, csr: &str, capability: Capability) -> Option<RequestId> {
        self.next_request += 1;
        let request = RequestId(format!("q{}", self.next_request));
        let input = rules::Input::RequestConsent { by: id(csr), customer: id(DANA), capability, request: request.clone() };
        self.signal(input).ok().map(|_| request)
    }

    pub fn customer(&mut self, action: CustomerAction) {
        self.feed(Input::Customer(action));
    }

    /// Dana answers the oldest open question.
    pub fn answer(&mut self, answer: Answer) -> bool {
        if self.open.is_empty() {
            return false;
        }
        let request = self.open.remove(0);
        self.customer(CustomerAction::Answer { request, answer });
        true
    }

    /// A console starts a share as the real one does: signaling first, then the agent.
    pub fn start_share(&mut self, csr: &str, capability: Capability, target: ShareTarget) -> Result<(), ErrorCode> {
        let started =
            self.signal(rules::Input::Start { by: id(csr), activity: Activity::Capability(capability), customer: Some(id(DANA)) });
        self.peer(csr, PeerMessage::StartShare { target });
        started
    }

    pub fn stop_share(&mut self, csr: &str, capability: Capability) {
        self.peer(csr, PeerMessage::StopShare);
        let _ = self.signal(rules::Input::Stop { by: id(csr), activity: Activity::Capability(capability), customer: Some(id(DANA)) });
    }

    /// Lets the oldest finished slow work report back.
    pub fn deliver_one(&mut self) -> bool {
        match self.later.pop_front() {
            // As the real driver: a capture the core still wants starts sending; one revoked
            // or replaced while it opened is dropped.
            Some(Input::ShareOpened { csr, share, result: Ok(ready) }) => {
                let target = self.opening.remove(&share);
                let result = match target {
                    Some(t) if self.agent.share_wanted(&csr, share) => {
                        self.running.shares.insert(csr.clone(), (share, t));
                        Ok(ready)
                    }
                    _ => Err(ErrorCode::ActivityNotActive),
                };
                self.feed(Input::ShareOpened { csr, share, result });
                true
            }
            Some(i) => {
                self.feed(i);
                true
            }
            None => false,
        }
    }

    pub fn deliver_all(&mut self) {
        while self.deliver_one() {}
    }

    pub fn tick(&mut self, ms: u64) {
        self.now_ms += ms;
        self.feed(Input::Tick { now_ms: self.now_ms });
    }

    pub fn feed(&mut self, input: Input) {
        self.agent.handle(input);
        while let Some(cmd) = self.agent.poll() {
            self.carry_out(cmd);
        }
        // Transfer loops read the snapshot before each chunk: one that lost its grant ends.
        let lost: Vec<TransferId> = self
            .running
            .transfers
            .iter()
            .filter(|(_, needs)| needs.as_ref().is_some_and(|n| !self.snapshot.contains(n)))
            .map(|(t, _)| t.clone())
            .collect();
        for t in lost {
            self.running.transfers.remove(&t);
            self.later.push_back(Input::TransferEnded { transfer: t, end: TransferEnd::Failed(ErrorCode::ConsentRevoked) });
        }
    }

    fn carry_out(&mut self, cmd: Command) {
        match cmd {
            Command::Signal(m) => self.customer_signal(m),
            Command::ToPeer { csr, msg } => self.to_console.entry(csr).or_default().push(msg),
            Command::Show(n) => {
                match &n {
                    Notice::Ask { request, .. } => self.open.push(request.clone()),
                    Notice::Withdrawn { request, .. } => self.open.retain(|r| r != request),
                    _ => {}
                }
                self.shown.push(n);
            }
            Command::Grants(g) => self.snapshot = g,
            Command::OpenShare { csr, share, target } => {
                let ready = ShareReady { track: format!("share-{share}"), width: 640, height: 480 };
                self.opening.insert(share, target);
                self.later.push_back(Input::ShareOpened { csr, share, result: Ok(ready) });
            }
            Command::EndShare { csr, share } => {
                if self.running.shares.get(&csr).is_some_and(|(s, _)| *s == share) {
                    self.running.shares.remove(&csr);
                }
            }
            Command::StartDevice { csr, kind, track } => {
                self.running.devices.insert((csr.clone(), kind));
                self.later.push_back(Input::DeviceStarted { csr, kind, result: Ok(track) });
            }
            Command::StopDevice { csr, kind } => {
                self.running.devices.remove(&(csr, kind));
            }
            Command::OpenIncoming { transfer, .. } => self.later.push_back(Input::IncomingOpened { transfer, result: Ok(0) }),
            Command::OpenPull { transfer, .. } => {
                let ready = PullReady { name: "logs.txt".into(), size: 10, sha256: "00".into() };
                self.later.push_back(Input::PullOpened { transfer, result: Ok(ready) })
            }
            Command::DescribePull { csr, transfer, consent, path } => {
                self.later.push_back(Input::PullDescribed { csr, transfer, consent, result: Ok((path.into(), 10)) })
            }
            Command::Receive { transfer, needs } => {
                self.running.transfers.insert(transfer, needs);
            }
            Command::Send { transfer, needs, .. } => {
                self.running.transfers.insert(transfer, Some(needs));
            }
            Command::DropTransfer { transfer } => {
                self.running.transfers.remove(&transfer);
            }
            Command::CollectReport { csr } => {
                let report = Box::new(protocol::peer::SystemReport::default());
                self.later.push_back(Input::ReportReady { csr, report });
            }
            Command::Finish(_) => {
                self.finished = true;
                self.running = Running::default();
            }
            Command::ShowCsrScreen { csr, track, shown } => match track {
                Some(t) => {
                    self.running.csr_screens.insert(csr, (t, shown));
                }
                None => {
                    self.running.csr_screens.remove(&csr);
                }
            },
            Command::ControlAllowed { .. }
            | Command::ClosePeer { .. }
            | Command::ListSources { .. }
            | Command::KeyframeNow { .. }
            | Command::Inject { .. }
            | Command::SetClipboard { .. }
            | Command::PollClipboard
            | Command::ListDir { .. } => {}
        }
    }

    fn customer_signal(&mut self, m: ClientMessage) {
        let by = id(DANA);
        let input = match m {
            ClientMessage::ConsentAnswer { request, granted, scope } => rules::Input::AnswerConsent { by, request, granted, scope },
            ClientMessage::ConsentRevoke { capability } => rules::Input::Revoke { by, capability },
            ClientMessage::ConsentOffer { request, csr, capability } => rules::Input::OfferConsent { by, csr, capability, request },
            ClientMessage::Leave => rules::Input::Leave { id: by },
            _ => return,
        };
        let _ = self.signal(input);
    }

    /// What a share of `target` runs under: does `csr` hold a grant covering it?
    pub fn share_allowed(&self, csr: &ParticipantId, target: ShareTarget) -> bool {
        share_grants(target.is_application()).iter().any(|c| self.agent.gate().check(csr, *c).is_ok())
    }

    /// The messages a console received, oldest first, and forgets them.
    pub fn take(&mut self, csr: &str) -> Vec<PeerMessage> {
        self.to_console.remove(&id(csr)).unwrap_or_default()
    }

    pub fn shown_text(&self) -> Vec<String> {
        self.shown.iter().map(|n| format!("{n:?}")).collect()
    }

    pub fn scope_of(&self, csr: &str, c: Capability) -> Option<GrantScope> {
        self.agent.gate().grants().into_iter().find(|g| g.csr == id(csr) && g.capability == c).map(|g| g.scope)
    }
}

impl Default for Pair {
    fn default() -> Self {
        Self::new()
    }
}
