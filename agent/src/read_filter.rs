//! An interceptor that acts on inbound packets and passes everything else through unchanged:
//! the part `feedback` and `nack_filter` share. Each says only what it does with an inbound
//! packet ([`OnRead`]); the queues and the crate's interceptor plumbing are here.

use rtc::interceptor::{Interceptor, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use std::collections::VecDeque;
use std::time::Instant;

/// What a [`ReadFilter`] does with one inbound packet: the packet to pass on, or `None` to
/// drop it.
pub trait OnRead: Send + Sync {
    fn on_read(&mut self, msg: TaggedPacket) -> Option<TaggedPacket>;
}

pub struct ReadFilter<T> {
    inner: T,
    inbound: VecDeque<TaggedPacket>,
    outbound: VecDeque<TaggedPacket>,
}

impl<T: OnRead> ReadFilter<T> {
    pub fn new(inner: T) -> ReadFilter<T> {
        ReadFilter { inner, inbound: VecDeque::new(), outbound: VecDeque::new() }
    }
}

impl<T: OnRead> Protocol<TaggedPacket, TaggedPacket, ()> for ReadFilter<T> {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Some(msg) = self.inner.on_read(msg) {
            self.inbound.push_back(msg);
        }
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

impl<T: OnRead> Interceptor for ReadFilter<T> {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
