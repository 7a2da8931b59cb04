//! What the receiver tells the agent about its media, brought out of the crate's interceptor
//! chain: keyframe requests (RTCP PLI and FIR) and the send-side bandwidth estimate.
//!
//! The crate's interceptors consume inbound RTCP; without this one, a browser that lost a
//! picture asks in vain (shared/notes/webrtc-interop.md, pitfall 7). It sits last in the chain,
//! marks keyframe requests for delivery to the sending track, and reads the congestion
//! controller's estimate (GCC over the receiver's transport-wide feedback, set up in
//! `rtc::build_peer`) off the feedback packets that carry it into a [`SendEstimate`] the
//! shares follow.

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::sansio::Protocol;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

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

    /// kbit/s, or `None` before the first feedback changed the estimate.
    pub fn kbps(&self) -> Option<u32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            k => Some(k),
        }
    }

    fn set(&self, bits_per_second: f64) {
        let kbps = (bits_per_second / 1000.0).round().clamp(1.0, u32::MAX as f64) as u32;
        self.0.store(kbps, Ordering::Relaxed);
    }
}

pub struct MediaFeedback {
    estimate: SendEstimate,
    inbound: VecDeque<TaggedPacket>,
    outbound: VecDeque<TaggedPacket>,
}

impl MediaFeedback {
    pub fn new(estimate: SendEstimate) -> MediaFeedback {
        MediaFeedback { estimate, inbound: VecDeque::new(), outbound: VecDeque::new() }
    }
}

fn asks_for_keyframe(p: &dyn rtc::rtcp::Packet) -> bool {
    let any = p.as_any();
    any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for MediaFeedback {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
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
                if carries_estimate {
                    self.inbound.push_back(msg);
                }
                return Ok(());
            }
            msg.message.packet = Packet::Rtcp(wanted);
            msg.message.add(Attribute::DeliverToApplication);
        }
        self.inbound.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.inbound.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.outbound.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.outbound.pop_front()
    }
}

impl Interceptor for MediaFeedback {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
