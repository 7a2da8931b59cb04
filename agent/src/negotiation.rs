//! The peer connections, one per CSR: answering offers (first connection, renegotiation, ICE
//! restart, a reloaded console), ICE candidates, bye. Plumbing only: which CSR may negotiate
//! is the core's answer, what runs on a connection is the core's decision.

use crate::events::AgentEvent;
use crate::peer::{self, CsrPeer};
use crate::rtc::{self, PeerSetup};
use protocol::peer::PeerMessage;
use protocol::signal::{ClientMessage, SignalPayload};
use protocol::ParticipantId;
use std::collections::HashMap;
use tokio::sync::mpsc;

pub struct Peers {
    pub setup: PeerSetup,
    map: HashMap<ParticipantId, CsrPeer>,
}

/// What a negotiation message did to the connection.
pub enum Negotiated {
    Nothing,
    /// The old connection of this CSR is gone (bye, or replaced by a reloaded console).
    Gone,
}

impl Peers {
    pub fn new(setup: PeerSetup) -> Self {
        Self { setup, map: HashMap::new() }
    }

    pub fn get(&self, csr: &ParticipantId) -> Option<&CsrPeer> {
        self.map.get(csr)
    }

    pub fn set_control(&mut self, csr: &ParticipantId, channel: Option<std::sync::Arc<dyn webrtc::data_channel::DataChannel>>) {
        if let Some(p) = self.map.get_mut(csr) {
            p.control = channel;
        }
    }

    pub async fn send(&self, csr: &ParticipantId, msg: &PeerMessage) {
        if let Some(channel) = self.map.get(csr).and_then(|p| p.control.clone()) {
            peer::send_control(&channel, msg).await;
        }
    }

    pub async fn close(&mut self, csr: &ParticipantId, say_bye: bool) {
        if let Some(p) = self.map.remove(csr) {
            if let (true, Some(c)) = (say_bye, &p.control) {
                peer::send_control(c, &PeerMessage::Bye).await;
            }
            let _ = p.pc.close().await;
        }
    }

    pub fn csrs(&self) -> Vec<ParticipantId> {
        self.map.keys().cloned().collect()
    }

    /// SDP or ICE from a CSR (the caller checked it is one).
    pub async fn on_signal(
        &mut self,
        from: &ParticipantId,
        payload: SignalPayload,
        link: &mpsc::Sender<ClientMessage>,
        events: &mpsc::Sender<AgentEvent>,
    ) -> Negotiated {
        let result = match payload {
            SignalPayload::Offer { sdp } => self.answer_offer(from, sdp, link, events).await,
            SignalPayload::Ice { candidate } => match self.map.get(from) {
                Some(p) => {
                    tracing::debug!(csr = %from, candidate = %candidate.candidate, "remote candidate");
                    p.pc.add_ice_candidate(rtc::candidate_in(candidate)).await.map(|_| Negotiated::Nothing).map_err(|e| e.to_string())
                }
                None => {
                    tracing::debug!(csr = %from, candidate = %candidate.candidate, "remote candidate before any offer: dropped");
                    Ok(Negotiated::Nothing)
                }
            },
            SignalPayload::Bye => {
                self.close(from, false).await;
                Ok(Negotiated::Gone)
            }
            SignalPayload::Answer { .. } => Ok(Negotiated::Nothing),
        };
        result.unwrap_or_else(|e| {
            tracing::warn!(csr = %from, error = %e, "negotiation failed");
            Negotiated::Nothing
        })
    }

    /// The CSR offers; the agent answers. A new DTLS certificate means a new peer (the console
    /// reloaded without saying bye); the same certificate is a renegotiation or an ICE restart.
    async fn answer_offer(
        &mut self,
        csr: &ParticipantId,
        sdp: String,
        link: &mpsc::Sender<ClientMessage>,
        events: &mpsc::Sender<AgentEvent>,
    ) -> Result<Negotiated, String> {
        let mut outcome = Negotiated::Nothing;
        if let Some(p) = self.map.get(csr) {
            let current = p.pc.remote_description().await;
            if current.is_some_and(|d| fingerprint(&d.sdp) != fingerprint(&sdp)) {
                tracing::info!(%csr, "the console started a new connection; replacing the old one");
                self.close(csr, false).await;
                outcome = Negotiated::Gone;
            }
        }
        if !self.map.contains_key(csr) {
            let p = peer::connect(&self.setup, csr.clone(), events.clone()).await.map_err(|e| e.to_string())?;
            self.map.insert(csr.clone(), p);
        }
        let pc = self.map.get(csr).map(|p| p.pc.clone()).ok_or("no connection")?;
        pc.set_remote_description(rtc::offer(sdp).map_err(|e| e.to_string())?).await.map_err(|e| e.to_string())?;
        let answer = pc.create_answer(None).await.map_err(|e| e.to_string())?;
        pc.set_local_description(answer.clone()).await.map_err(|e| e.to_string())?;
        let _ = link.send(ClientMessage::Signal { to: csr.clone(), payload: SignalPayload::Answer { sdp: answer.sdp } }).await;
        Ok(outcome)
    }
}

/// The DTLS fingerprints of an SDP, which identify the peer's certificate. A set: browsers repeat
/// the line in every media section, so an offer that adds a section (the CSR's camera) is still
/// the same peer.
fn fingerprint(sdp: &str) -> std::collections::BTreeSet<&str> {
    sdp.lines().filter(|l| l.starts_with("a=fingerprint:")).map(str::trim).collect()
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn an_offer_with_one_more_media_section_comes_from_the_same_peer() {
        let first = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AA:BB\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 AA:BB\r\n";
        let more = format!("{first}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 AA:BB\r\n");
        assert_eq!(fingerprint(first), fingerprint(&more));
        assert_ne!(fingerprint(first), fingerprint(&first.replace("AA:BB", "CC:DD")));
    }
}
