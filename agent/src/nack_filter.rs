//! Limits retransmissions asked for by the receiver. The crate's NACK responder resends every
//! packet named in every NACK, and a receiver may ask again every 100 ms for a packet still
//! waiting in a queue on the path (the crate's own NACK generator does, without limit). On a
//! slow link whose queue holds a second, each lost or late packet was then sent ten times: a
//! storm that kept the queue full and the share frozen. This interceptor sits on the wire side
//! of the responder and lets through a request for a packet only once per [`HOLD`], at most
//! [`MAX_RESENDS`] times, and resends no more than [`RETRANSMIT_SHARE_OF_ESTIMATE`] of the
//! path's estimated rate (the pictures take the rest, `tracks::VIDEO_SHARE_OF_ESTIMATE`) — as
//! Chromium's sender limits its retransmissions.

use crate::feedback::SendEstimate;
use crate::read_filter::OnRead;
use media::budget::RateBudget;
use rtc::interceptor::{Packet, TaggedPacket};
use rtc::rtcp::transport_feedbacks::transport_layer_nack::{nack_pairs_from_sequence_numbers, TransportLayerNack};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Wire-ward of the crate's NACK responder (4 000), application-ward of the pacer slot.
pub const SLOT: usize = 3_500;

/// Shortest time between two resends of one packet: a request within it was sent before the
/// last resend could arrive.
pub const HOLD: Duration = Duration::from_millis(250);

/// Most resends of one packet; after them a keyframe (PLI) is the cheaper repair.
pub const MAX_RESENDS: u8 = 3;

/// Share of the estimated rate that retransmissions may take.
pub const RETRANSMIT_SHARE_OF_ESTIMATE: f64 = 0.15;

/// What a resent packet is counted as, bytes (a full one: pictures fill their packets).
const RESEND_BYTES: usize = 1_200;

/// What is remembered of a resent packet, and for how long.
const FORGET_AFTER: Duration = Duration::from_secs(5);

pub struct NackFilter {
    estimate: SendEstimate,
    /// Bytes resent against [`RETRANSMIT_SHARE_OF_ESTIMATE`].
    budget: Option<RateBudget>,
    /// Last resend and how many so far, by stream and sequence number.
    resent: HashMap<(u32, u16), (Instant, u8)>,
    last_sweep: Option<Instant>,
}

impl NackFilter {
    pub fn new(estimate: SendEstimate) -> NackFilter {
        NackFilter { estimate, budget: None, resent: HashMap::new(), last_sweep: None }
    }

    /// The sequence numbers of `nack` to resend now, remembered as resent at `now`.
    fn admit(&mut self, now: Instant, nack: &TransportLayerNack) -> Vec<u16> {
        let rate = self.estimate.kbps() as f64 * 1000.0 * RETRANSMIT_SHARE_OF_ESTIMATE;
        let budget = self.budget.get_or_insert_with(|| RateBudget::new(rate, now));
        if budget.rate() != rate.max(1.0) {
            budget.set_rate(rate, now);
        }
        let mut keep = Vec::new();
        for pair in &nack.nacks {
            for seq in pair.packet_list() {
                // Over the budget: not resent, and not remembered (it may be asked for again).
                if budget.ready_at(now) > now {
                    continue;
                }
                match self.resent.get_mut(&(nack.media_ssrc, seq)) {
                    None => {
                        self.resent.insert((nack.media_ssrc, seq), (now, 1));
                        budget.spend(RESEND_BYTES, now);
                        keep.push(seq);
                    }
                    Some((at, n)) if *n < MAX_RESENDS && now.saturating_duration_since(*at) >= HOLD => {
                        (*at, *n) = (now, *n + 1);
                        budget.spend(RESEND_BYTES, now);
                        keep.push(seq);
                    }
                    Some(_) => {}
                }
            }
        }
        keep
    }

    fn sweep(&mut self, now: Instant) {
        if self.last_sweep.is_some_and(|t| now.saturating_duration_since(t) < FORGET_AFTER) {
            return;
        }
        self.last_sweep = Some(now);
        self.resent.retain(|_, (at, _)| now.saturating_duration_since(*at) < FORGET_AFTER);
    }
}

impl OnRead for NackFilter {
    fn on_read(&mut self, mut msg: TaggedPacket) -> Option<TaggedPacket> {
        let now = msg.now;
        if let Packet::Rtcp(packets) = &msg.message.packet {
            if packets.iter().any(|p| p.as_any().is::<TransportLayerNack>()) {
                self.sweep(now);
                let mut kept: Vec<Box<dyn rtc::rtcp::Packet>> = Vec::with_capacity(packets.len());
                for p in packets {
                    let Some(nack) = p.as_any().downcast_ref::<TransportLayerNack>() else {
                        kept.push(p.clone());
                        continue;
                    };
                    let seqs = self.admit(now, nack);
                    if !seqs.is_empty() {
                        kept.push(Box::new(TransportLayerNack { nacks: nack_pairs_from_sequence_numbers(&seqs), ..nack.clone() }));
                    }
                }
                // An emptied packet still goes on: interceptors application-ward may read
                // attributes off it.
                msg.message.packet = Packet::Rtcp(kept);
            }
        }
        Some(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nack(seqs: &[u16]) -> TransportLayerNack {
        TransportLayerNack { sender_ssrc: 1, media_ssrc: 7, nacks: nack_pairs_from_sequence_numbers(seqs) }
    }

    fn filter() -> NackFilter {
        NackFilter::new(SendEstimate::starting_at(10_000_000.0))
    }

    #[test]
    fn a_packet_asked_for_again_within_the_hold_is_not_resent_twice() {
        let mut f = filter();
        let t = Instant::now();
        assert_eq!(f.admit(t, &nack(&[10, 11, 12])), vec![10, 11, 12]);
        assert_eq!(f.admit(t + Duration::from_millis(100), &nack(&[10, 11, 12, 13])), vec![13]);
        assert_eq!(f.admit(t + HOLD, &nack(&[10])), vec![10], "asked again after the hold: resent");
    }

    #[test]
    fn a_packet_is_resent_at_most_max_resends_times() {
        let mut f = filter();
        let t = Instant::now();
        let sent: usize = (0..10).map(|i| f.admit(t + HOLD * i, &nack(&[5])).len()).sum();
        assert_eq!(sent, MAX_RESENDS as usize);
    }

    #[test]
    fn streams_are_told_apart() {
        let mut f = filter();
        let t = Instant::now();
        f.admit(t, &nack(&[3]));
        let other = TransportLayerNack { media_ssrc: 8, ..nack(&[3]) };
        assert_eq!(f.admit(t, &other), vec![3]);
    }

    #[test]
    fn resends_stay_within_their_share_of_the_estimate() {
        // 1 Mbit/s: 150 kbit/s for resends (15.6 packets a second), a quarter second saved up.
        let mut f = NackFilter::new(SendEstimate::starting_at(1_000_000.0));
        let t = Instant::now();
        let all: Vec<u16> = (0..100).collect();
        assert_eq!(f.admit(t, &nack(&all)).len(), 4, "a burst of requests: what the savings allow");
        // Two seconds of requests for a hundred lost packets every 100 ms.
        let resent: usize = (1..=20).map(|i| f.admit(t + Duration::from_millis(100 * i), &nack(&all)).len()).sum();
        assert!((30..=33).contains(&resent), "two seconds' worth at 150 kbit/s: {resent} packets");
    }
}
