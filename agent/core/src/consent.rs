//! The consent gate (S21, S22): what the customer allowed, to whom, for how long. A grant
//! counts only when the customer said yes *in this agent*, and only for the CSR who asked;
//! signaling or a CSR can take grants away but never add one. Sans-IO: [`crate::agent::Agent`]
//! feeds it and carries out what it returns.

use protocol::policy::{self, GrantScope};
use protocol::{Capability, ErrorCode, ParticipantId, RequestId};
use std::collections::{BTreeMap, BTreeSet};

/// How the customer answered a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Deny,
    /// Ends when the activity it allowed stops.
    Once,
    /// Until revoked or the session ends.
    ForSession,
}

impl Answer {
    fn scope(self) -> Option<GrantScope> {
        match self {
            Answer::Deny => None,
            Answer::Once => Some(GrantScope::Once),
            Answer::ForSession => Some(GrantScope::Session),
        }
    }
}

/// A question put to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub request: RequestId,
    /// Who asks.
    pub csr: ParticipantId,
    /// What the answer allows (several for a hand-over's carry-on question).
    pub capabilities: Vec<Capability>,
    /// "Alice (support) asks to see and control your screen."
    pub text: String,
}

/// Something the gate was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateInput {
    /// Signaling relayed a consent request addressed to this customer.
    Requested { request: RequestId, capability: Capability, by: ParticipantId, by_name: String },
    /// S18: the new host asks to carry on what the former host was allowed.
    CarryOver { request: RequestId, capabilities: Vec<Capability>, to: ParticipantId, to_name: String, from_name: String },
    /// The control channel described what a per-transfer request is about ("send you
    /// report.pdf, 2.1 MB"). Per-transfer prompts wait for it, so the customer always sees
    /// exactly what they allow.
    Described { request: RequestId, what: String },
    /// The customer answered a prompt.
    Answered { request: RequestId, answer: Answer },
    /// The customer offers their own camera or microphone to `csr` without being asked (S9):
    /// their grant, for this session.
    Offered { request: RequestId, csr: ParticipantId, capability: Capability },
    /// The customer takes a capability back from everyone (with what it implies, S21).
    Revoked { capability: Capability },
    /// Signaling ended grants of `csr` (a hand-over, an "allow once" whose activity stopped):
    /// `None` ends all of them.
    Withdrawn { csr: ParticipantId, capability: Option<Capability> },
    /// An activity of `csr` under `capability` stopped: an "Allow once" grant covering it ends.
    ActivityEnded { csr: ParticipantId, capability: Capability },
    /// The session ended or the customer left: every grant ends.
    Ended,
}

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateOutput {
    /// Ask the customer.
    Ask(Prompt),
    /// A question can no longer be answered (its asker lost control, the session ended).
    Withdraw { request: RequestId },
    /// Tell signaling the customer's answer (it is recorded there, S22).
    SendAnswer { request: RequestId, granted: bool, scope: GrantScope },
    /// Tell signaling about a revocation (recorded, S22).
    SendRevoke { capability: Capability },
    /// Tell signaling about the customer's own offer (recorded as their grant, S22).
    SendOffer { request: RequestId, csr: ParticipantId, capability: Capability },
}

#[derive(Debug, Clone)]
struct Pending {
    capabilities: Vec<Capability>,
    csr: ParticipantId,
    /// The sentence of the prompt, without what the transfer is.
    asker: String,
    /// For per-transfer requests: what the transfer is, once the control channel said so.
    what: Option<String>,
    asked: bool,
}

/// One grant as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantEntry {
    pub csr: ParticipantId,
    pub capability: Capability,
    pub scope: GrantScope,
}

/// Grants the customer gave in this agent, and the questions still open.
#[derive(Debug, Default)]
pub struct ConsentGate {
    pending: BTreeMap<RequestId, Pending>,
    granted: BTreeMap<(ParticipantId, Capability), GrantScope>,
    /// One-shot grants for single transfers (S13): request → the CSR it was given to.
    transfers: BTreeMap<RequestId, ParticipantId>,
    /// Descriptions that arrived before their request.
    early: BTreeMap<RequestId, String>,
    ended: bool,
}

/// Most questions open at once, and most early descriptions kept: a CSR cannot grow either.
const MAX_OPEN: usize = 64;

impl ConsentGate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `csr` may use `capability` now. Every capability handler calls this first.
    pub fn check(&self, csr: &ParticipantId, capability: Capability) -> Result<(), ErrorCode> {
        let covered = self.granted.keys().any(|(c, g)| c == csr && policy::covers(*g, capability));
        if !self.ended && covered {
            Ok(())
        } else {
            Err(ErrorCode::ConsentRequired)
        }
    }

    /// Uses up the one-shot grant of one transfer of `csr`; the advanced activity must be
    /// granted to them too.
    pub fn take_transfer(&mut self, csr: &ParticipantId, request: &RequestId) -> Result<(), ErrorCode> {
        self.check(csr, Capability::AdvancedFileTransfer)?;
        match self.transfers.get(request) {
            Some(owner) if owner == csr => {
                self.transfers.remove(request);
                Ok(())
            }
            _ => Err(ErrorCode::ConsentRequired),
        }
    }

    /// The grants in force, for display.
    pub fn grants(&self) -> Vec<GrantEntry> {
        self.granted
            .iter()
            .map(|((csr, capability), scope)| GrantEntry { csr: csr.clone(), capability: *capability, scope: *scope })
            .collect()
    }

    /// Every (CSR, capability) allowed now, with what each grant includes: the snapshot that
    /// frame and chunk loops read before each send.
    pub fn snapshot(&self) -> BTreeSet<(ParticipantId, Capability)> {
        let mut out = BTreeSet::new();
        if self.ended {
            return out;
        }
        for (csr, c) in self.granted.keys() {
            out.insert((csr.clone(), *c));
            for i in policy::includes(*c) {
                out.insert((csr.clone(), *i));
            }
        }
        out
    }

    /// The prompts not answered yet, oldest first.
    pub fn open_prompts(&self) -> Vec<Prompt> {
        self.pending.iter().filter(|(_, p)| p.asked).map(|(r, p)| prompt(r, p)).collect()
    }

    pub fn handle(&mut self, input: GateInput) -> Vec<GateOutput> {
        if self.ended {
            return vec![];
        }
        match input {
            GateInput::Requested { request, capability, by, by_name } => {
                let asker = format!("{by_name} (support) asks to");
                self.add(request, Pending { capabilities: vec![capability], csr: by, asker, what: None, asked: false })
            }
            GateInput::CarryOver { request, capabilities, to, to_name, from_name } => {
                let asker = format!("{to_name} (support) has taken over from {from_name}. Let {to_name} carry on:");
                self.add(request, Pending { capabilities, csr: to, asker, what: None, asked: false })
            }
            GateInput::Described { request, what } => match self.pending.remove(&request) {
                Some(mut p) if p.capabilities == [Capability::FileTransferItem] && p.what.is_none() => {
                    p.what = Some(what);
                    let out = maybe_ask(&request, &mut p);
                    self.pending.insert(request, p);
                    out
                }
                Some(p) => {
                    self.pending.insert(request, p);
                    vec![]
                }
                None => {
                    if self.early.len() < MAX_OPEN {
                        self.early.insert(request, what);
                    }
                    vec![]
                }
            },
            GateInput::Answered { request, answer } => {
                let Some(p) = self.pending.get(&request).filter(|p| p.asked) else { return vec![] };
                let p = p.clone();
                self.pending.remove(&request);
                let scope = answer.scope();
                if let Some(scope) = scope {
                    for c in &p.capabilities {
                        if c.is_one_shot() {
                            self.transfers.insert(request.clone(), p.csr.clone());
                        } else {
                            self.granted.insert((p.csr.clone(), *c), scope);
                        }
                    }
                }
                vec![GateOutput::SendAnswer { request, granted: scope.is_some(), scope: scope.unwrap_or_default() }]
            }
            GateInput::Offered { request, csr, capability } => {
                if !matches!(capability, Capability::Camera | Capability::Microphone) || self.check(&csr, capability).is_ok() {
                    return vec![];
                }
                self.granted.insert((csr.clone(), capability), GrantScope::Session);
                vec![GateOutput::SendOffer { request, csr, capability }]
            }
            GateInput::Revoked { capability } => {
                let gone = policy::revoked_with(capability);
                let before = self.granted.len() + self.transfers.len();
                self.granted.retain(|(_, c), _| !gone.contains(c));
                if gone.contains(&Capability::FileTransferItem) {
                    self.transfers.clear();
                }
                if self.granted.len() + self.transfers.len() < before {
                    vec![GateOutput::SendRevoke { capability }]
                } else {
                    vec![]
                }
            }
            GateInput::Withdrawn { csr, capability } => {
                // Signaling ended exactly this grant (an "allow once" whose activity stopped):
                // the other of a pair lives on ("see" after "see and control" once ended).
                self.granted.retain(|(c, g), _| !(c == &csr && capability.is_none_or(|ended| ended == *g)));
                if capability.is_none() {
                    self.transfers.retain(|_, c| c != &csr);
                    let withdrawn: Vec<RequestId> = self.pending.iter().filter(|(_, p)| p.csr == csr).map(|(r, _)| r.clone()).collect();
                    return withdrawn
                        .into_iter()
                        .filter_map(|request| self.pending.remove(&request).filter(|p| p.asked).map(|_| GateOutput::Withdraw { request }))
                        .collect();
                }
                vec![]
            }
            GateInput::ActivityEnded { csr, capability } => {
                // The activity ran under the narrowest of this CSR's grants that covers it; that
                // one ends if it was "once" (a "see and control" grant beside a "see" grant
                // allowed nothing of a view, and lives on).
                let covering: Vec<Capability> =
                    self.granted.keys().filter(|(c, g)| c == &csr && policy::covers(*g, capability)).map(|(_, g)| *g).collect();
                let narrowest = |g: Capability| covering.iter().all(|&o| policy::covers(o, g));
                self.granted
                    .retain(|(c, g), scope| !(c == &csr && *scope == GrantScope::Once && policy::covers(*g, capability) && narrowest(*g)));
                vec![]
            }
            GateInput::Ended => {
                self.ended = true;
                self.granted.clear();
                self.transfers.clear();
                let open: Vec<RequestId> = self.pending.iter().filter(|(_, p)| p.asked).map(|(r, _)| r.clone()).collect();
                self.pending.clear();
                open.into_iter().map(|request| GateOutput::Withdraw { request }).collect()
            }
        }
    }

    fn add(&mut self, request: RequestId, mut p: Pending) -> Vec<GateOutput> {
        if self.pending.contains_key(&request) || self.pending.len() >= MAX_OPEN {
            return vec![];
        }
        p.what = self.early.remove(&request);
        let out = maybe_ask(&request, &mut p);
        self.pending.insert(request, p);
        out
    }
}

fn maybe_ask(request: &RequestId, p: &mut Pending) -> Vec<GateOutput> {
    let ready = p.capabilities != [Capability::FileTransferItem] || p.what.is_some();
    if p.asked || !ready {
        return vec![];
    }
    p.asked = true;
    vec![GateOutput::Ask(prompt(request, p))]
}

fn prompt(request: &RequestId, p: &Pending) -> Prompt {
    let what = match &p.what {
        Some(what) => what.clone(),
        None => p.capabilities.iter().map(|c| c.asks_to()).collect::<Vec<_>>().join(", "),
    };
    let end = if p.asker.ends_with(':') { "?" } else { "." };
    Prompt { request: request.clone(), csr: p.csr.clone(), capabilities: p.capabilities.clone(), text: format!("{} {what}{end}", p.asker) }
}

#[cfg(test)]
#[path = "consent_tests.rs"]
mod tests;
