//! What the receiver tells the agent about its media, brought out of the crate's interceptor
//! chain: keyframe requests (RTCP PLI and FIR) and the send-side bandwidth estimate.
//!
//! The crate's interceptors consume inbound RTCP; without this one, a browser that lost a
//! picture asks in vain (docs/webrtc-interop.md, pitfall 7). It sits last in the chain,
//! marks keyframe requests for delivery to the sending track, and reads the congestion
//! controller's estimate (GCC over the receiver's transport-wide feedback, set up in
//! `rtc::build_peer`) off the feedback packets that carry it into a [`SendEstimate`] the
//! shares follow.

use crate::read_filter::OnRead;
use rtc::interceptor::{Attribute, Packet, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Slot after the default interceptors and the congestion controller.
pub const SLOT: usize = 14_000;

/// The congestion controller's latest estimate of what the path to one CSR carries, shared
/// between the interceptor that reads it and the shares that follow it.
#[derive(Clone, Debug)]
pub struct SendEstimate(Arc<AtomicU32>);

impl SendEstimate {
    /// The controller's starting point, until its first change.
    pub fn starting_at(bits_per_second: f64) -> SendEstimate {
        let e = SendEstimate(Arc::default());
        e.set(bits_per_second);
        e
    }

    /// kbit/s (the starting point until feedback changes it).
    pub fn kbps(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, bits_per_second: f64) {
        let kbps = (bits_per_second / 1000.0).round().clamp(1.0, u32::MAX as f64) as u32;
        self.0.store(kbps, Ordering::Relaxed);
    }
}

pub struct MediaFeedback {
    estimate: SendEstimate,
}

impl MediaFeedback {
    pub fn new(estimate: SendEstimate) -> MediaFeedback {
        MediaFeedback { estimate }
    }
}

fn asks_for_keyframe(p: &dyn rtc::rtcp::Packet) -> bool {
    let any = p.as_any();
    any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
}

impl OnRead for MediaFeedback {
    fn on_read(&mut self, mut msg: TaggedPacket) -> Option<TaggedPacket> {
        let estimate = msg.message.get(&Attribute::TargetBitrateChanged { bits_per_second: 0.0 });
        if let Some(Attribute::TargetBitrateChanged { bits_per_second }) = estimate {
            tracing::debug!(kbps = bits_per_second / 1000.0, "send-side bandwidth estimate");
            self.estimate.set(*bits_per_second);
        }
        let carries_estimate = estimate.is_some();
        if let Packet::Rtcp(packets) = &msg.message.packet {
            let wanted: Vec<Box<dyn rtc::rtcp::Packet>> = packets.iter().filter(|p| asks_for_keyframe(p.as_ref())).cloned().collect();
            if wanted.is_empty() {
                // Reports and NACKs were already acted on by the interceptors before this one;
                // a packet with the estimate goes on, for the connection's statistics.
                return carries_estimate.then_some(msg);
            }
            msg.message.packet = Packet::Rtcp(wanted);
            msg.message.add(Attribute::DeliverToApplication);
        }
        Some(msg)
    }
}
