//! The consent gate (S21, S22): the one place in the agent that decides whether a capability
//! may run. A capability counts as granted only when the customer said yes *in this agent*;
//! what signaling or a CSR claims grants nothing. Sans-IO: the driver feeds it what arrives
//! (requests from signaling, descriptions from the control channel, the customer's answers)
//! and carries out what it returns (prompts, answers and revocations to send, stops).

use protocol::{Capability, ErrorCode, ParticipantId, RequestId};
use std::collections::{BTreeMap, BTreeSet};

/// A question put to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub request: RequestId,
    pub capability: Capability,
    /// "Alice (support) asks to see your screen. Allow? [y/N]"
    pub text: String,
}

/// Something the gate was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateInput {
    /// Signaling relayed a consent request addressed to this customer.
    Requested { request: RequestId, capability: Capability, by: ParticipantId, by_name: String },
    /// The control channel described what a per-transfer request is about ("send you
    /// report.pdf, 2.1 MB"). Per-transfer prompts wait for it, so the customer always sees
    /// exactly what they allow.
    Described { request: RequestId, what: String },
    /// The customer answered a prompt.
    Answered { request: RequestId, granted: bool },
    /// The customer takes a grant back.
    Revoked { capability: Capability },
    /// The session ended or the customer left: every grant ends.
    Ended,
}

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateOutput {
    /// Ask the customer.
    Ask(Prompt),
    /// Tell signaling the customer's answer (it is recorded there, S22).
    SendAnswer { request: RequestId, granted: bool },
    /// Tell signaling about a revocation (recorded, S22).
    SendRevoke { capability: Capability },
    /// Stop this capability now: the next frame, event or chunk must not go out.
    Stop { capability: Capability },
}

#[derive(Debug, Clone)]
struct Pending {
    capability: Capability,
    by_name: String,
    /// For per-transfer requests: what the transfer is, once the control channel said so.
    what: Option<String>,
    asked: bool,
}

/// Grants the customer gave in this agent, and the questions still open.
#[derive(Debug, Default)]
pub struct ConsentGate {
    pending: BTreeMap<RequestId, Pending>,
    granted: BTreeSet<Capability>,
    /// One-shot grants for single transfers (S13), by request id.
    transfers: BTreeSet<RequestId>,
    /// Descriptions that arrived before their request.
    early: BTreeMap<RequestId, String>,
    ended: bool,
}

impl ConsentGate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `capability` may run now. Every capability handler calls this first.
    pub fn check(&self, capability: Capability) -> Result<(), ErrorCode> {
        if !self.ended && self.granted.contains(&capability) {
            Ok(())
        } else {
            Err(ErrorCode::ConsentRequired)
        }
    }

    /// Uses up the one-shot grant of one transfer; the advanced activity must be granted too.
    pub fn take_transfer(&mut self, request: &RequestId) -> Result<(), ErrorCode> {
        self.check(Capability::AdvancedFileTransfer)?;
        if self.transfers.remove(request) {
            Ok(())
        } else {
            Err(ErrorCode::ConsentRequired)
        }
    }

    /// The capabilities granted now, for display and for the transfer loops' snapshot.
    pub fn granted(&self) -> Vec<Capability> {
        self.granted.iter().copied().collect()
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
            GateInput::Requested { request, capability, by_name, .. } => {
                if self.pending.contains_key(&request) {
                    return vec![];
                }
                let what = self.early.remove(&request);
                let mut p = Pending { capability, by_name, what, asked: false };
                let out = self.maybe_ask(&request, &mut p);
                self.pending.insert(request, p);
                out
            }
            GateInput::Described { request, what } => match self.pending.remove(&request) {
                Some(mut p) if p.capability == Capability::FileTransferItem && p.what.is_none() => {
                    p.what = Some(what);
                    let out = self.maybe_ask(&request, &mut p);
                    self.pending.insert(request, p);
                    out
                }
                Some(p) => {
                    self.pending.insert(request, p);
                    vec![]
                }
                None => {
                    // Bounded: a CSR cannot grow this without limit.
                    if self.early.len() < 64 {
                        self.early.insert(request, what);
                    }
                    vec![]
                }
            },
            GateInput::Answered { request, granted } => {
                let Some(p) = self.pending.get(&request).filter(|p| p.asked) else { return vec![] };
                let capability = p.capability;
                self.pending.remove(&request);
                if granted {
                    if capability == Capability::FileTransferItem {
                        self.transfers.insert(request.clone());
                    } else {
                        self.granted.insert(capability);
                    }
                }
                vec![GateOutput::SendAnswer { request, granted }]
            }
            GateInput::Revoked { capability } => {
                let mut out = vec![];
                let mut gone = vec![capability];
                if capability == Capability::AdvancedFileTransfer {
                    self.transfers.clear();
                    gone.push(Capability::FileTransferItem);
                }
                if self.granted.remove(&capability) || gone.len() > 1 {
                    out.push(GateOutput::SendRevoke { capability });
                }
                out.extend(gone.into_iter().map(|capability| GateOutput::Stop { capability }));
                out
            }
            GateInput::Ended => {
                self.ended = true;
                let stops = self.granted.iter().map(|&capability| GateOutput::Stop { capability }).collect();
                self.granted.clear();
                self.transfers.clear();
                self.pending.clear();
                stops
            }
        }
    }

    fn maybe_ask(&self, request: &RequestId, p: &mut Pending) -> Vec<GateOutput> {
        let ready = p.capability != Capability::FileTransferItem || p.what.is_some();
        if p.asked || !ready {
            return vec![];
        }
        p.asked = true;
        vec![GateOutput::Ask(prompt(request, p))]
    }
}

fn prompt(request: &RequestId, p: &Pending) -> Prompt {
    let ask = match (&p.what, p.capability) {
        (Some(what), _) => what.clone(),
        (None, c) => c.asks_to().to_owned(),
    };
    Prompt { request: request.clone(), capability: p.capability, text: format!("{} (support) asks to {ask}. Allow? [y/N]", p.by_name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(gate: &mut ConsentGate, id: &str, c: Capability) -> Vec<GateOutput> {
        gate.handle(GateInput::Requested { request: id.into(), capability: c, by: "csr".into(), by_name: "Alice".into() })
    }

    #[test]
    fn s21_nothing_runs_without_the_customers_yes() {
        let mut g = ConsentGate::new();
        for c in Capability::ALL {
            assert_eq!(g.check(c), Err(ErrorCode::ConsentRequired));
        }
        let out = req(&mut g, "r1", Capability::ScreenView);
        let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
        assert_eq!(p.text, "Alice (support) asks to see your screen. Allow? [y/N]");
        assert_eq!(g.check(Capability::ScreenView), Err(ErrorCode::ConsentRequired), "asked is not granted");
        assert_eq!(
            g.handle(GateInput::Answered { request: "r1".into(), granted: true }),
            vec![GateOutput::SendAnswer { request: "r1".into(), granted: true }]
        );
        assert_eq!(g.check(Capability::ScreenView), Ok(()));
    }

    #[test]
    fn a_denial_grants_nothing_and_an_unknown_answer_is_ignored() {
        let mut g = ConsentGate::new();
        req(&mut g, "r1", Capability::SystemInfo);
        g.handle(GateInput::Answered { request: "r1".into(), granted: false });
        assert!(g.check(Capability::SystemInfo).is_err());
        assert!(g.handle(GateInput::Answered { request: "forged".into(), granted: true }).is_empty());
        assert!(g.granted().is_empty());
    }

    #[test]
    fn s21_revocation_stops_at_once_and_is_reported() {
        let mut g = ConsentGate::new();
        req(&mut g, "r1", Capability::RemoteControl);
        g.handle(GateInput::Answered { request: "r1".into(), granted: true });
        let out = g.handle(GateInput::Revoked { capability: Capability::RemoteControl });
        assert_eq!(
            out,
            vec![
                GateOutput::SendRevoke { capability: Capability::RemoteControl },
                GateOutput::Stop { capability: Capability::RemoteControl }
            ]
        );
        assert!(g.check(Capability::RemoteControl).is_err());
    }

    #[test]
    fn s13_each_transfer_is_asked_with_what_it_is_and_used_once() {
        let mut g = ConsentGate::new();
        req(&mut g, "a", Capability::AdvancedFileTransfer);
        g.handle(GateInput::Answered { request: "a".into(), granted: true });
        // The request comes first, the description later: the prompt waits for it.
        assert!(req(&mut g, "t1", Capability::FileTransferItem).is_empty());
        let out = g.handle(GateInput::Described { request: "t1".into(), what: "send you report.pdf (2.0 MiB)".into() });
        let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
        assert_eq!(p.text, "Alice (support) asks to send you report.pdf (2.0 MiB). Allow? [y/N]");
        g.handle(GateInput::Answered { request: "t1".into(), granted: true });
        assert_eq!(g.take_transfer(&"t1".into()), Ok(()));
        assert_eq!(g.take_transfer(&"t1".into()), Err(ErrorCode::ConsentRequired), "one grant, one transfer");
        // Description first, request later.
        g.handle(GateInput::Described { request: "t2".into(), what: "copy notes.txt from your computer".into() });
        assert!(matches!(req(&mut g, "t2", Capability::FileTransferItem)[0], GateOutput::Ask(_)));
    }

    #[test]
    fn transfers_need_the_advanced_grant_alive() {
        let mut g = ConsentGate::new();
        req(&mut g, "a", Capability::AdvancedFileTransfer);
        g.handle(GateInput::Answered { request: "a".into(), granted: true });
        req(&mut g, "t1", Capability::FileTransferItem);
        g.handle(GateInput::Described { request: "t1".into(), what: "x".into() });
        g.handle(GateInput::Answered { request: "t1".into(), granted: true });
        let out = g.handle(GateInput::Revoked { capability: Capability::AdvancedFileTransfer });
        assert!(out.contains(&GateOutput::Stop { capability: Capability::FileTransferItem }));
        assert_eq!(g.take_transfer(&"t1".into()), Err(ErrorCode::ConsentRequired));
    }

    #[test]
    fn after_the_end_every_grant_is_gone_and_nothing_is_asked() {
        let mut g = ConsentGate::new();
        req(&mut g, "r1", Capability::Microphone);
        g.handle(GateInput::Answered { request: "r1".into(), granted: true });
        assert_eq!(g.handle(GateInput::Ended), vec![GateOutput::Stop { capability: Capability::Microphone }]);
        assert!(g.check(Capability::Microphone).is_err());
        assert!(req(&mut g, "r2", Capability::Camera).is_empty());
    }
}
