//! The session rules (S1, S4–S7, S9–S12, S17–S22) as a state machine without I/O.
//!
//! Signaling feeds every participant action into [`Session::handle`] and gets back either the
//! events to broadcast and record, or the [`ErrorCode`] of the refused rule. The state
//! serialises whole, so signaling stores a snapshot after every change and a restart resumes
//! live sessions exactly where they were.

use crate::capability::{Activity, Capability, SiteFeatures};
use crate::error::ErrorCode;
use crate::ids::{ParticipantId, RequestId, SessionId};
use crate::policy::{self, GrantScope};
use crate::signal::{Roster, RosterEntry};
use serde::{Deserialize, Serialize};

/// Whether a participant is a support representative or a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Csr,
    Customer,
}

/// A participant currently in the session (left participants are removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub online: bool,
    /// Join order, used to choose the next primary customer.
    pub seq: u64,
    /// A team lead watching (issue 16): sees the session and chats, runs nothing and asks for
    /// nothing until they take the session over. Customers are shown who observes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observer: bool,
}

/// The state of one customer's consent to one capability for one CSR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum GrantState {
    /// Asked, not answered yet. `carry_over_from` names the former host when the new host
    /// asks to carry on what they ran (S18, S21).
    Pending {
        request: RequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carry_over_from: Option<ParticipantId>,
    },
    /// Granted and not revoked.
    Granted {
        request: RequestId,
        #[serde(default)]
        scope: GrantScope,
    },
}

/// One customer's consent to one capability, given to one CSR by name (S21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub customer: ParticipantId,
    pub capability: Capability,
    /// The CSR who asked and to whom it is given; only their activities run under it.
    pub csr: ParticipantId,
    #[serde(flatten)]
    pub state: GrantState,
}

impl Grant {
    pub fn is_granted(&self) -> bool {
        matches!(self.state, GrantState::Granted { .. })
    }
    fn request(&self) -> &RequestId {
        match &self.state {
            GrantState::Pending { request, .. } | GrantState::Granted { request, .. } => request,
        }
    }
    fn is_pending(&self, r: &RequestId) -> bool {
        matches!(&self.state, GrantState::Pending { request, .. } if request == r)
    }
}

/// An activity that is running now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    pub activity: Activity,
    /// The customer whose computer it reaches into, for consent-backed activities.
    pub customer: Option<ParticipantId>,
    pub by: ParticipantId,
}

/// Why an activity stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Stopped,
    Revoked,
    ParticipantLeft,
    PrimaryChanged,
    SessionEnded,
    /// Control passed to another CSR (S18): what the former host ran stops.
    HostChanged,
}

/// Something a participant does, as seen by the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Join {
        id: ParticipantId,
        name: String,
        role: Role,
    },
    /// A team lead joins to observe (issue 16): a CSR seat that runs nothing.
    Observe {
        id: ParticipantId,
        name: String,
    },
    /// The observing team lead takes control from the host (S18 as if the host handed it over).
    TakeOver {
        by: ParticipantId,
    },
    Presence {
        id: ParticipantId,
        online: bool,
    },
    Leave {
        id: ParticipantId,
    },
    Promote {
        by: ParticipantId,
        customer: ParticipantId,
    },
    TransferControl {
        by: ParticipantId,
        to: ParticipantId,
    },
    RequestConsent {
        by: ParticipantId,
        customer: ParticipantId,
        capability: Capability,
        request: RequestId,
    },
    AnswerConsent {
        by: ParticipantId,
        request: RequestId,
        granted: bool,
        scope: GrantScope,
    },
    Revoke {
        by: ParticipantId,
        capability: Capability,
    },
    /// The customer offers their camera or microphone to a CSR on their own (S9): a grant.
    OfferConsent {
        by: ParticipantId,
        csr: ParticipantId,
        capability: Capability,
        request: RequestId,
    },
    Start {
        by: ParticipantId,
        activity: Activity,
        customer: Option<ParticipantId>,
    },
    Stop {
        by: ParticipantId,
        activity: Activity,
        customer: Option<ParticipantId>,
    },
    End {
        by: ParticipantId,
    },
}

/// What changed, for signaling to broadcast and record (S22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    Joined {
        id: ParticipantId,
        role: Role,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        observer: bool,
    },
    Left {
        id: ParticipantId,
    },
    PresenceChanged {
        id: ParticipantId,
        online: bool,
    },
    HostChanged {
        from: ParticipantId,
        to: ParticipantId,
    },
    PrimaryChanged {
        from: Option<ParticipantId>,
        to: Option<ParticipantId>,
    },
    ConsentRequested {
        request: RequestId,
        by: ParticipantId,
        customer: ParticipantId,
        capability: Capability,
    },
    ConsentGranted {
        request: RequestId,
        customer: ParticipantId,
        capability: Capability,
        #[serde(default)]
        csr: ParticipantId,
        #[serde(default)]
        scope: GrantScope,
    },
    ConsentDenied {
        request: RequestId,
        customer: ParticipantId,
        capability: Capability,
        #[serde(default)]
        csr: ParticipantId,
    },
    ConsentRevoked {
        customer: ParticipantId,
        capability: Capability,
    },
    /// A grant ended without a revocation: an "Allow once" grant whose activity stopped, or the
    /// former host's grants at a hand-over (S18, S21).
    ConsentEnded {
        customer: ParticipantId,
        capability: Capability,
        csr: ParticipantId,
    },
    /// A question not answered yet can no longer be answered: whoever asked lost control (S18).
    ConsentWithdrawn {
        request: RequestId,
        customer: ParticipantId,
        capability: Capability,
        csr: ParticipantId,
    },
    /// S18, S21: the new host asks the customer, in one question, to carry on what the former
    /// host was allowed; the customer answers `request` like any consent request.
    CarryOverRequested {
        request: RequestId,
        customer: ParticipantId,
        from: ParticipantId,
        to: ParticipantId,
        capabilities: Vec<Capability>,
    },
    ActivityStarted {
        activity: Activity,
        customer: Option<ParticipantId>,
        by: ParticipantId,
    },
    ActivityStopped {
        activity: Activity,
        customer: Option<ParticipantId>,
        reason: StopReason,
    },
    Ended {
        by: ParticipantId,
    },
}

impl Event {
    /// The customer a consent or activity event is about: only that customer (and the CSRs)
    /// may see it; other customers do not learn what someone else shares.
    pub fn about_customer(&self) -> Option<&ParticipantId> {
        match self {
            Event::ConsentRequested { customer, .. }
            | Event::ConsentGranted { customer, .. }
            | Event::ConsentDenied { customer, .. }
            | Event::ConsentRevoked { customer, .. }
            | Event::ConsentEnded { customer, .. }
            | Event::ConsentWithdrawn { customer, .. }
            | Event::CarryOverRequested { customer, .. } => Some(customer),
            Event::ActivityStarted { customer, .. } | Event::ActivityStopped { customer, .. } => customer.as_ref(),
            _ => None,
        }
    }
}

/// One live (or ended) session's rule state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    features: SiteFeatures,
    members: Vec<Member>,
    host: ParticipantId,
    primary: Option<ParticipantId>,
    grants: Vec<Grant>,
    running: Vec<Running>,
    ended: bool,
    next_seq: u64,
}

type Outcome = Result<Vec<Event>, ErrorCode>;

impl Session {
    /// A CSR starts a session on demand and holds control (S1, S4).
    pub fn start(host: ParticipantId, host_name: String, features: SiteFeatures) -> Self {
        let member = Member { id: host.clone(), name: host_name, role: Role::Csr, online: false, seq: 0, observer: false };
        Self { features, members: vec![member], host, primary: None, grants: vec![], running: vec![], ended: false, next_seq: 1 }
    }

    pub fn host(&self) -> &ParticipantId {
        &self.host
    }
    pub fn primary(&self) -> Option<&ParticipantId> {
        self.primary.as_ref()
    }
    pub fn members(&self) -> &[Member] {
        &self.members
    }
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }
    pub fn running(&self) -> &[Running] {
        &self.running
    }
    pub fn features(&self) -> SiteFeatures {
        self.features
    }
    pub fn is_ended(&self) -> bool {
        self.ended
    }
    pub fn member(&self, id: &ParticipantId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// Whether `customer` gave `csr` a live grant that covers `capability` (S21).
    pub fn is_granted(&self, customer: &ParticipantId, capability: Capability, csr: &ParticipantId) -> bool {
        self.grants.iter().any(|g| &g.customer == customer && &g.csr == csr && g.is_granted() && policy::covers(g.capability, capability))
    }

    /// Checks that a chat message's sender and recipients are in the session (S7).
    pub fn check_chat(&self, by: &ParticipantId, to: &[ParticipantId]) -> Result<(), ErrorCode> {
        self.live()?;
        self.require_member(by)?;
        for r in to {
            self.require_member(r).map_err(|_| ErrorCode::UnknownParticipant)?;
        }
        Ok(())
    }

    /// Checks that `by` may address `to` peer to peer (SDP, ICE): both in this session.
    pub fn check_relay(&self, by: &ParticipantId, to: &ParticipantId) -> Result<(), ErrorCode> {
        self.live()?;
        self.require_member(by)?;
        self.require_member(to).map_err(|_| ErrorCode::UnknownParticipant).map(|_| ())
    }

    /// Applies one input. On refusal the state is unchanged.
    pub fn handle(&mut self, input: Input) -> Outcome {
        self.live()?;
        match input {
            Input::Join { id, name, role } => self.join(id, name, role, false),
            Input::Observe { id, name } => self.join(id, name, Role::Csr, true),
            Input::TakeOver { by } => self.take_over(&by),
            Input::Presence { id, online } => self.presence(&id, online),
            Input::Leave { id } => self.leave(&id),
            Input::Promote { by, customer } => self.promote(&by, &customer),
            Input::TransferControl { by, to } => self.transfer_control(&by, &to),
            Input::RequestConsent { by, customer, capability, request } => self.request_consent(&by, &customer, capability, request),
            Input::AnswerConsent { by, request, granted, scope } => self.answer_consent(&by, &request, granted, scope),
            Input::Revoke { by, capability } => self.revoke(&by, capability),
            Input::OfferConsent { by, csr, capability, request } => self.offer_consent(&by, &csr, capability, request),
            Input::Start { by, activity, customer } => self.start_activity(&by, activity, customer),
            Input::Stop { by, activity, customer } => self.stop_activity(&by, activity, customer),
            Input::End { by } => self.end(&by),
        }
    }

    fn live(&self) -> Result<(), ErrorCode> {
        if self.ended {
            Err(ErrorCode::SessionEnded)
        } else {
            Ok(())
        }
    }

    fn require_member(&self, id: &ParticipantId) -> Result<&Member, ErrorCode> {
        self.member(id).ok_or(ErrorCode::NotInSession)
    }

    fn require_host(&self, by: &ParticipantId) -> Result<(), ErrorCode> {
        self.require_member(by)?;
        if by == &self.host {
            Ok(())
        } else {
            Err(ErrorCode::NotHost)
        }
    }

    fn require_customer(&self, id: &ParticipantId) -> Result<&Member, ErrorCode> {
        let m = self.member(id).ok_or(ErrorCode::UnknownParticipant)?;
        if m.role == Role::Customer {
            Ok(m)
        } else {
            Err(ErrorCode::NotACustomer)
        }
    }

    fn has_customer(&self) -> bool {
        self.members.iter().any(|m| m.role == Role::Customer)
    }

    /// S12 and friends: the refusal of `wanted` by what runs now.
    fn blocked(&self, wanted: Activity) -> Result<(), ErrorCode> {
        policy::blocked_by(self.running.iter().map(|r| r.activity), wanted).map_or(Ok(()), Err)
    }

    fn join(&mut self, id: ParticipantId, name: String, role: Role, observer: bool) -> Outcome {
        if self.member(&id).is_some() {
            return Err(ErrorCode::AlreadyExists);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.members.push(Member { id: id.clone(), name, role, online: false, seq, observer });
        let mut events = vec![Event::Joined { id: id.clone(), role, observer }];
        if role == Role::Customer && self.primary.is_none() {
            self.primary = Some(id.clone());
            events.push(Event::PrimaryChanged { from: None, to: Some(id) });
        }
        Ok(events)
    }

    fn presence(&mut self, id: &ParticipantId, online: bool) -> Outcome {
        let m = self.members.iter_mut().find(|m| &m.id == id).ok_or(ErrorCode::NotInSession)?;
        if m.online == online {
            return Ok(vec![]);
        }
        m.online = online;
        Ok(vec![Event::PresenceChanged { id: id.clone(), online }])
    }

    /// A participant leaves for good (S18, S19). The host must hand over control first. Grants
    /// given by a customer who leaves, or to a CSR who leaves, go with them.
    fn leave(&mut self, id: &ParticipantId) -> Outcome {
        self.require_member(id)?;
        if id == &self.host {
            return Err(ErrorCode::HostCannotLeave);
        }
        let mut events = self.stop_where(|r| r.customer.as_ref() == Some(id) || &r.by == id, StopReason::ParticipantLeft);
        self.grants.retain(|g| &g.customer != id && &g.csr != id);
        self.members.retain(|m| &m.id != id);
        events.push(Event::Left { id: id.clone() });
        if self.primary.as_ref() == Some(id) {
            let next = self.members.iter().filter(|m| m.role == Role::Customer).min_by_key(|m| m.seq).map(|m| m.id.clone());
            self.primary = next.clone();
            events.push(Event::PrimaryChanged { from: Some(id.clone()), to: next });
        }
        Ok(events)
    }

    /// S6: the host makes a secondary customer primary; application sharing of the former
    /// primary stops, since only the primary shares an application.
    fn promote(&mut self, by: &ParticipantId, customer: &ParticipantId) -> Outcome {
        self.require_host(by)?;
        self.require_customer(customer)?;
        if self.primary.as_ref() == Some(customer) {
            return Err(ErrorCode::AlreadyPrimary);
        }
        let from = self.primary.replace(customer.clone());
        let mut events = self.stop_where(
            |r| r.customer == from && r.activity.consent().is_some_and(Capability::is_application_sharing),
            StopReason::PrimaryChanged,
        );
        events.push(Event::PrimaryChanged { from, to: Some(customer.clone()) });
        Ok(events)
    }

    /// S18, S21: control passes to another CSR who is connected; the former host stays a CSR.
    /// A grant belongs to the CSR who asked: the former host's grants end and what they ran
    /// stops, and each customer who had granted them something is asked once whether the new
    /// host may carry it on.
    fn transfer_control(&mut self, by: &ParticipantId, to: &ParticipantId) -> Outcome {
        self.require_host(by)?;
        let target = self.member(to).ok_or(ErrorCode::UnknownParticipant)?;
        if target.role != Role::Csr {
            return Err(ErrorCode::NotACsr);
        }
        if to == &self.host {
            return Err(ErrorCode::AlreadyHost);
        }
        if target.observer {
            return Err(ErrorCode::Observing);
        }
        if !target.online {
            return Err(ErrorCode::ParticipantOffline);
        }
        Ok(self.hand_over(to))
    }

    /// Issue 16: an observing team lead takes control; from then on they are the host and no
    /// longer an observer, and everything goes as at a hand-over (S18, S21): the former host's
    /// grants end, and each customer is asked once whether the lead may carry them on.
    fn take_over(&mut self, by: &ParticipantId) -> Outcome {
        let m = self.members.iter_mut().find(|m| &m.id == by).ok_or(ErrorCode::NotInSession)?;
        if !m.observer {
            return Err(ErrorCode::Forbidden);
        }
        m.observer = false;
        Ok(self.hand_over(by))
    }

    /// Control passes to `to`, a CSR of the session who is not the host.
    fn hand_over(&mut self, to: &ParticipantId) -> Vec<Event> {
        let from = std::mem::replace(&mut self.host, to.clone());
        let mut events = vec![Event::HostChanged { from: from.clone(), to: to.clone() }];
        events.extend(self.stop_where(|r| r.by == from && r.activity.consent().is_some(), StopReason::HostChanged));
        let (former, kept): (Vec<Grant>, Vec<Grant>) = std::mem::take(&mut self.grants).into_iter().partition(|g| g.csr == from);
        self.grants = kept;
        let mut carry: Vec<(ParticipantId, Vec<Capability>)> = vec![];
        for g in former {
            if !g.is_granted() {
                let request = g.request().clone();
                events.push(Event::ConsentWithdrawn { request, customer: g.customer, capability: g.capability, csr: from.clone() });
                continue;
            }
            events.push(Event::ConsentEnded { customer: g.customer.clone(), capability: g.capability, csr: from.clone() });
            // A transfer's one-shot grant does not carry over: each transfer is asked anew.
            if g.capability.is_one_shot()
                || self.grants.iter().any(|n| n.customer == g.customer && &n.csr == to && n.capability == g.capability)
            {
                continue;
            }
            match carry.iter_mut().find(|(c, _)| c == &g.customer) {
                Some((_, caps)) => caps.push(g.capability),
                None => carry.push((g.customer.clone(), vec![g.capability])),
            }
        }
        for (customer, capabilities) in carry {
            let request = RequestId(format!("carry-{}-{}", self.next_seq, customer.0));
            self.next_seq += 1;
            for &capability in &capabilities {
                self.grants.push(Grant {
                    customer: customer.clone(),
                    capability,
                    csr: to.clone(),
                    state: GrantState::Pending { request: request.clone(), carry_over_from: Some(from.clone()) },
                });
            }
            events.push(Event::CarryOverRequested { request, customer, from: from.clone(), to: to.clone(), capabilities });
        }
        events
    }

    /// S10, S21: only the host asks; the customer answers.
    fn request_consent(&mut self, by: &ParticipantId, customer: &ParticipantId, capability: Capability, request: RequestId) -> Outcome {
        // The host asks for everything; a CSR in the audio conference also asks for the
        // customer's microphone, for themselves, to hear them (S8).
        let in_conference = self.running.iter().any(|r| r.activity == Activity::AudioConference && &r.by == by);
        if !(capability == Capability::Microphone && in_conference) {
            self.require_host(by)?;
        }
        let target = self.require_customer(customer)?;
        if !self.features.allows(Activity::Capability(capability)) {
            return Err(ErrorCode::FeatureDisabled);
        }
        if capability.is_application_sharing() && self.primary.as_ref() != Some(&target.id) {
            return Err(ErrorCode::NotPrimary);
        }
        self.blocked(Activity::Capability(capability))?;
        if let Some(needed) = capability.requires() {
            if !self.is_granted(customer, needed, by) {
                return Err(ErrorCode::ConsentRequired);
            }
        }
        if self.grants.iter().any(|g| g.request() == &request) {
            return Err(ErrorCode::AlreadyExists);
        }
        if self.is_granted(customer, capability, by) {
            return Err(ErrorCode::AlreadyGranted);
        }
        if self.grants.iter().any(|g| &g.customer == customer && &g.csr == by && g.capability == capability && !g.is_granted()) {
            return Err(ErrorCode::ConsentPending);
        }
        self.grants.push(Grant {
            customer: customer.clone(),
            capability,
            csr: by.clone(),
            state: GrantState::Pending { request: request.clone(), carry_over_from: None },
        });
        Ok(vec![Event::ConsentRequested { request, by: by.clone(), customer: customer.clone(), capability }])
    }

    /// The customer answers one request (a carry-over request covers several capabilities).
    fn answer_consent(&mut self, by: &ParticipantId, request: &RequestId, granted: bool, scope: GrantScope) -> Outcome {
        self.require_member(by)?;
        let mut events = vec![];
        let mut kept = Vec::with_capacity(self.grants.len());
        for mut g in std::mem::take(&mut self.grants) {
            if &g.customer != by || !g.is_pending(request) {
                kept.push(g);
                continue;
            }
            let (customer, capability, csr) = (g.customer.clone(), g.capability, g.csr.clone());
            if granted {
                // A replaced grant of the same capability to the same CSR goes (scope may change).
                kept.retain(|o: &Grant| !(o.customer == customer && o.csr == csr && o.capability == capability));
                g.state = GrantState::Granted { request: request.clone(), scope };
                events.push(Event::ConsentGranted { request: request.clone(), customer, capability, csr, scope });
                kept.push(g);
            } else {
                events.push(Event::ConsentDenied { request: request.clone(), customer, capability, csr });
            }
        }
        self.grants = kept;
        if events.is_empty() {
            return Err(ErrorCode::UnknownRequest);
        }
        Ok(events)
    }

    /// S9, S21: the customer shares their own camera (or microphone) with a CSR without being
    /// asked. Their offer is their explicit grant, for this session, to that CSR by name; a
    /// request of the CSR for it that is still open is answered by it.
    fn offer_consent(&mut self, by: &ParticipantId, csr: &ParticipantId, capability: Capability, request: RequestId) -> Outcome {
        self.require_customer(by).map_err(|e| if e == ErrorCode::UnknownParticipant { ErrorCode::NotInSession } else { e })?;
        if self.member(csr).is_none_or(|m| m.role != Role::Csr) {
            return Err(ErrorCode::UnknownParticipant);
        }
        if !matches!(capability, Capability::Camera | Capability::Microphone) {
            return Err(ErrorCode::InvalidMessage);
        }
        if !self.features.allows(Activity::Capability(capability)) {
            return Err(ErrorCode::FeatureDisabled);
        }
        if self.grants.iter().any(|g| g.request() == &request) {
            return Err(ErrorCode::AlreadyExists);
        }
        if self.is_granted(by, capability, csr) {
            return Err(ErrorCode::AlreadyGranted);
        }
        self.grants.retain(|g| !(&g.customer == by && &g.csr == csr && g.capability == capability));
        let scope = GrantScope::Session;
        self.grants.push(Grant {
            customer: by.clone(),
            capability,
            csr: csr.clone(),
            state: GrantState::Granted { request: request.clone(), scope },
        });
        Ok(vec![Event::ConsentGranted { request, customer: by.clone(), capability, csr: csr.clone(), scope }])
    }

    /// S21: revocation takes effect at once, for every CSR; what depends on the grant stops
    /// with it, and revoking either of "see" and "control" ends both.
    fn revoke(&mut self, by: &ParticipantId, capability: Capability) -> Outcome {
        self.require_customer(by).map_err(|e| if e == ErrorCode::UnknownParticipant { ErrorCode::NotInSession } else { e })?;
        let gone = policy::revoked_with(capability);
        if !self.grants.iter().any(|g| &g.customer == by && gone.contains(&g.capability)) {
            return Err(ErrorCode::NotFound);
        }
        let mut events = vec![];
        for c in &gone {
            if self.grants.iter().any(|g| &g.customer == by && g.capability == *c) {
                events.push(Event::ConsentRevoked { customer: by.clone(), capability: *c });
            }
        }
        self.grants.retain(|g| !(&g.customer == by && gone.contains(&g.capability)));
        events.extend(self.stop_where(
            |r| r.customer.as_ref() == Some(by) && r.activity.consent().is_some_and(|c| gone.contains(&c)),
            StopReason::Revoked,
        ));
        Ok(events)
    }

    fn start_activity(&mut self, by: &ParticipantId, activity: Activity, customer: Option<ParticipantId>) -> Outcome {
        let m = self.require_member(by)?;
        if m.role != Role::Csr {
            return Err(ErrorCode::NotACsr);
        }
        if m.observer {
            return Err(ErrorCode::Observing);
        }
        if !self.features.allows(activity) {
            return Err(ErrorCode::FeatureDisabled);
        }
        if activity.is_video() && !self.has_customer() {
            return Err(ErrorCode::NoCustomerJoined);
        }
        let customer = match activity.consent() {
            Some(capability) => {
                let c = customer.ok_or(ErrorCode::NotACustomer)?;
                self.require_customer(&c)?;
                if capability.is_application_sharing() && self.primary.as_ref() != Some(&c) {
                    return Err(ErrorCode::NotPrimary);
                }
                self.blocked(activity)?;
                if !self.is_granted(&c, capability, by) {
                    return Err(ErrorCode::ConsentRequired);
                }
                Some(c)
            }
            None => {
                self.blocked(activity)?;
                None
            }
        };
        // A CSR's own video or place in the audio conference is theirs: another CSR runs their own.
        if self.running.iter().any(|r| r.activity == activity && r.customer == customer && (!activity.is_personal() || &r.by == by)) {
            return Err(ErrorCode::ActivityActive);
        }
        self.running.push(Running { activity, customer: customer.clone(), by: by.clone() });
        Ok(vec![Event::ActivityStarted { activity, customer, by: by.clone() }])
    }

    fn stop_activity(&mut self, by: &ParticipantId, activity: Activity, customer: Option<ParticipantId>) -> Outcome {
        self.require_member(by)?;
        let customer = if activity.consent().is_some() { customer } else { None };
        let role = self.require_member(by)?.role;
        let running = |r: &&Running| r.activity == activity && r.customer == customer;
        if role == Role::Customer && customer.as_ref() != Some(by) {
            return Err(if self.running.iter().any(|r| running(&r)) { ErrorCode::NotACsr } else { ErrorCode::ActivityNotActive });
        }
        let idx = self
            .running
            .iter()
            .position(|r| running(&r) && (!activity.is_personal() || &r.by == by))
            .ok_or(ErrorCode::ActivityNotActive)?;
        let r = self.running.remove(idx);
        let mut events = vec![Event::ActivityStopped { activity, customer, reason: StopReason::Stopped }];
        events.extend(self.stop_inside(&r));
        events.extend(self.end_once_grants(&r));
        Ok(events)
    }

    /// What runs inside a stopped activity stops with it: each transfer of the advanced file
    /// transfer, whoever started it, so no transfer outlives the activity (or its "allow once"
    /// grant) it lives in.
    fn stop_inside(&mut self, outer: &Running) -> Vec<Event> {
        let Some(capability) = outer.activity.consent() else { return vec![] };
        let customer = outer.customer.clone();
        self.stop_where(
            |r| r.customer == customer && r.activity.consent().and_then(Capability::requires) == Some(capability),
            StopReason::Stopped,
        )
    }

    /// "Allow once" (and each transfer's one-shot grant) ends with the activity it allowed.
    fn end_once_grants(&mut self, stopped: &Running) -> Vec<Event> {
        let (Some(capability), Some(customer)) = (stopped.activity.consent(), &stopped.customer) else { return vec![] };
        let mine = |g: &Grant| &g.customer == customer && g.csr == stopped.by;
        // A grant still used by another activity of the same CSR (control and view of the same
        // window under one "see and control" grant) lives on until that one stops too. An
        // activity uses the narrowest of that CSR's grants that covers it (as the agent lists
        // "in use"): a view with its own "see" grant does not keep a "control" grant alive.
        let running = &self.running;
        let grants = &self.grants;
        let in_use = |g: &Grant| {
            running.iter().any(|r| {
                r.by == stopped.by
                    && r.customer.as_ref() == Some(customer)
                    && r.activity.consent().is_some_and(|c| {
                        policy::covers(g.capability, c)
                            && grants
                                .iter()
                                .filter(|o| mine(o) && o.is_granted() && policy::covers(o.capability, c))
                                .all(|o| policy::covers(o.capability, g.capability))
                    })
            })
        };
        // The stopped activity ran under the narrowest of the CSR's grants that covers it: a
        // "see and control" grant given beside a "see" grant allowed nothing of a view.
        let narrowest = |g: &Grant| {
            grants
                .iter()
                .filter(|o| mine(o) && o.is_granted() && policy::covers(o.capability, capability))
                .all(|o| policy::covers(o.capability, g.capability))
        };
        let once = |g: &Grant| {
            mine(g)
                && !in_use(g)
                && policy::covers(g.capability, capability)
                && (g.capability.is_one_shot() || (matches!(g.state, GrantState::Granted { scope: GrantScope::Once, .. }) && narrowest(g)))
        };
        let gone: Vec<Capability> = self.grants.iter().filter(|g| once(g)).map(|g| g.capability).collect();
        // What lives inside an ended grant ends with it (each transfer inside the activity).
        let ends = |g: &Grant| once(g) || (mine(g) && g.capability.requires().is_some_and(|r| gone.contains(&r)));
        let ending: Vec<bool> = self.grants.iter().map(ends).collect();
        let mut ended = vec![];
        for g in self.grants.iter().zip(&ending).filter(|(_, e)| **e).map(|(g, _)| g) {
            ended.push(match &g.state {
                GrantState::Granted { .. } => {
                    Event::ConsentEnded { customer: g.customer.clone(), capability: g.capability, csr: g.csr.clone() }
                }
                GrantState::Pending { request, .. } => Event::ConsentWithdrawn {
                    request: request.clone(),
                    customer: g.customer.clone(),
                    capability: g.capability,
                    csr: g.csr.clone(),
                },
            });
        }
        let mut ending = ending.into_iter();
        self.grants.retain(|_| !ending.next().unwrap_or(false));
        ended
    }

    /// S19: only the host ends; customers leave instead.
    fn end(&mut self, by: &ParticipantId) -> Outcome {
        let m = self.require_member(by)?;
        if m.role == Role::Customer {
            return Err(ErrorCode::CustomerCannotEnd);
        }
        self.require_host(by)?;
        let mut events = self.stop_where(|_| true, StopReason::SessionEnded);
        self.grants.clear();
        self.ended = true;
        events.push(Event::Ended { by: by.clone() });
        Ok(events)
    }

    fn stop_where(&mut self, pred: impl Fn(&Running) -> bool, reason: StopReason) -> Vec<Event> {
        let (stopped, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.running).into_iter().partition(|r| pred(r));
        self.running = kept;
        let mut events = vec![];
        for r in stopped {
            events.push(Event::ActivityStopped { activity: r.activity, customer: r.customer.clone(), reason });
            // At the end every grant goes anyway; at a hand-over the former host's grants are
            // offered to the new host whole (`transfer_control`).
            if !matches!(reason, StopReason::SessionEnded | StopReason::HostChanged) {
                events.extend(self.end_once_grants(&r));
            }
        }
        events
    }

    /// The view every participant gets pushed on each change.
    pub fn roster(&self, session: &SessionId) -> Roster {
        let participants = self
            .members
            .iter()
            .map(|m| RosterEntry {
                id: m.id.clone(),
                name: m.name.clone(),
                role: m.role,
                online: m.online,
                host: m.id == self.host,
                primary: self.primary.as_ref() == Some(&m.id),
                observer: m.observer,
                client: None,
            })
            .collect();
        Roster {
            session: session.clone(),
            host: self.host.clone(),
            primary: self.primary.clone(),
            participants,
            grants: self.grants.clone(),
            running: self.running.clone(),
            features: self.features,
            ended: self.ended,
        }
    }

    /// Checks the invariants the rules promise; used by tests and debug assertions.
    pub fn invariant_violation(&self) -> Option<String> {
        if !self.ended {
            match self.member(&self.host) {
                Some(m) if m.role == Role::Csr && !m.observer => {}
                _ => return Some("the host is not a CSR in the session, or only observes".into()),
            }
        }
        if self.members.iter().any(|m| m.observer && m.role != Role::Csr) {
            return Some("a customer observes".into());
        }
        if let Some(r) = self.running.iter().find(|r| self.member(&r.by).is_some_and(|m| m.observer)) {
            return Some(format!("an observer runs {:?}", r.activity));
        }
        let customers: Vec<_> = self.members.iter().filter(|m| m.role == Role::Customer).collect();
        match (&self.primary, customers.is_empty()) {
            (None, false) => return Some("customers present but no primary".into()),
            (Some(_), true) => return Some("a primary without customers".into()),
            (Some(p), false) if !customers.iter().any(|c| &c.id == p) => return Some("primary is not a customer".into()),
            _ => {}
        }
        for r in &self.running {
            if let Some(c) = r.activity.consent() {
                let Some(cust) = &r.customer else { return Some("consent activity without customer".into()) };
                if !self.is_granted(cust, c, &r.by) {
                    return Some(format!("{c:?} running without a live grant to the CSR who runs it"));
                }
                if c.is_application_sharing() && self.primary.as_ref() != Some(cust) {
                    return Some("application shared by a secondary customer".into());
                }
            }
        }
        for r in &self.running {
            if policy::blocked_by(self.running.iter().map(|o| o.activity), r.activity).is_some() {
                return Some("file transfer during application sharing".into());
            }
        }
        if self.ended && !(self.running.is_empty() && self.grants.is_empty()) {
            return Some("something still runs after the end".into());
        }
        None
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
