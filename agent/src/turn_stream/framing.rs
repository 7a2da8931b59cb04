//! Frames on a TURN stream (RFC 8656 §12.5, RFC 5766 §11.5), sans-IO.
//!
//! On TCP and TLS the datagrams the crate's TURN client sends become frames of one stream:
//! a STUN message (first two bits 00) is self-delimiting, 20 header bytes plus the length in bytes
//! 2..4; ChannelData (first byte 0x40–0x4F) is 4 header bytes plus the length in bytes 2..4, padded
//! to a multiple of 4 on a stream. Anything else on the stream is garbage: the stream is closed.

/// The largest frame either way (header included); a longer length field closes the stream.
pub const MAX_FRAME: usize = 64 * 1024;
/// Bytes buffered per stream before a frame completes; more means the peer misbehaves.
pub const MAX_BUFFERED: usize = 2 * MAX_FRAME;

const STUN_HEADER: usize = 20;
const CHANNEL_HEADER: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The first byte is neither STUN (0x00–0x3F) nor ChannelData (0x40–0x4F).
    #[error("turn_stream_garbage: first byte {0:#04x} is neither STUN nor ChannelData")]
    Garbage(u8),
    /// A length field announces more than [`MAX_FRAME`].
    #[error("turn_stream_frame_too_large: {0} bytes")]
    TooLarge(usize),
    /// A STUN length that is not a multiple of 4 (RFC 8489 §5).
    #[error("turn_stream_bad_stun_length: {0}")]
    BadStunLength(usize),
    /// More than [`MAX_BUFFERED`] bytes fed without a frame being taken out.
    #[error("turn_stream_buffer_full")]
    BufferFull,
}

impl FrameError {
    /// The stable code logged and documented in docs/security.md.
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::Garbage(_) => "turn_stream_garbage",
            FrameError::TooLarge(_) => "turn_stream_frame_too_large",
            FrameError::BadStunLength(_) => "turn_stream_bad_stun_length",
            FrameError::BufferFull => "turn_stream_buffer_full",
        }
    }
}

/// The frame a datagram becomes on the stream, with its total length on the stream.
/// `Ok(None)` while the header is incomplete.
fn frame_len(head: &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
    let Some(&first) = head.first() else { return Ok(None) };
    if head.len() < CHANNEL_HEADER {
        return match first {
            0x00..=0x4F => Ok(None),
            other => Err(FrameError::Garbage(other)),
        };
    }
    let length = usize::from(u16::from_be_bytes([head[2], head[3]]));
    match first {
        0x00..=0x3F => {
            if length % 4 != 0 {
                return Err(FrameError::BadStunLength(length));
            }
            let total = STUN_HEADER + length;
            if total > MAX_FRAME {
                return Err(FrameError::TooLarge(total));
            }
            Ok(Some((total, total)))
        }
        0x40..=0x4F => {
            let datagram = CHANNEL_HEADER + length;
            if datagram > MAX_FRAME {
                return Err(FrameError::TooLarge(datagram));
            }
            Ok(Some((datagram, padded(datagram))))
        }
        other => Err(FrameError::Garbage(other)),
    }
}

fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

/// Checks a datagram from the crate and returns the padding to write after it on the stream.
pub fn outgoing_padding(datagram: &[u8]) -> Result<usize, FrameError> {
    match frame_len(datagram)? {
        // ChannelData may come padded already (RFC 8656 §12.5 allows it over UDP; the crate does).
        Some((len, on_stream)) if (len..=on_stream).contains(&datagram.len()) => Ok(on_stream - datagram.len()),
        // A datagram whose length field disagrees with its size would desynchronise the stream.
        Some((len, _)) => Err(FrameError::TooLarge(len.max(datagram.len()))),
        None => Err(FrameError::Garbage(datagram.first().copied().unwrap_or(0))),
    }
}

/// Fed the bytes read from the stream, yields the datagrams for the crate (padding dropped).
/// After an error the stream is to be closed; the deframer stays failed.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    failed: Option<FrameError>,
}

impl Deframer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends what was read. Refuses more than [`MAX_BUFFERED`] bytes pending.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.buf.len() + bytes.len() > MAX_BUFFERED {
            self.failed = Some(FrameError::BufferFull);
            return Err(FrameError::BufferFull);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// The next complete datagram, `Ok(None)` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let (len, on_stream) = match frame_len(&self.buf) {
            Ok(Some(lens)) => lens,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.failed = Some(e);
                return Err(e);
            }
        };
        if self.buf.len() < on_stream {
            return Ok(None);
        }
        let frame = self.buf[..len].to_vec();
        self.buf.drain(..on_stream);
        Ok(Some(frame))
    }

    /// Bytes held for an incomplete frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// Requests remembered to recognise a retransmission.
const REMEMBERED_REQUESTS: usize = 128;

/// Drops the crate's retransmissions of STUN requests on a stream (RFC 8656 §12.5: over TCP the
/// client does not retransmit). The crate's TURN client thinks it speaks UDP and sends a request
/// again when the answer is slow, e.g. while the TLS handshake is still under way; over a
/// stream the copies would reach the server as new requests and a second Allocate is refused
/// (437 Allocation Mismatch), which fails the relay. Indications and ChannelData always pass.
#[derive(Debug, Default)]
pub struct Retransmissions {
    sent: std::collections::VecDeque<[u8; 12]>,
}

impl Retransmissions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `datagram` goes on the stream: false for a request already sent.
    pub fn first_time(&mut self, datagram: &[u8]) -> bool {
        if datagram.len() < STUN_HEADER || datagram[0] & 0xC0 != 0 {
            return true;
        }
        // The class bits of the message type (RFC 8489 §5): 0b00 is a request.
        let class = (u16::from_be_bytes([datagram[0], datagram[1]]) & 0x0110) >> 4;
        if class != 0 {
            return true;
        }
        let mut id = [0u8; 12];
        id.copy_from_slice(&datagram[8..STUN_HEADER]);
        if self.sent.contains(&id) {
            return false;
        }
        if self.sent.len() == REMEMBERED_REQUESTS {
            self.sent.pop_front();
        }
        self.sent.push_back(id);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stun(body: usize) -> Vec<u8> {
        let mut m = vec![0x00, 0x01];
        m.extend_from_slice(&u16::try_from(body).unwrap().to_be_bytes());
        m.extend_from_slice(&[0x21, 0x12, 0xA4, 0x42]);
        m.extend_from_slice(&[7; 12]);
        m.extend(std::iter::repeat_n(0xAB, body));
        m
    }

    fn channel_data(payload: usize) -> Vec<u8> {
        let mut m = vec![0x40, 0x00];
        m.extend_from_slice(&u16::try_from(payload).unwrap().to_be_bytes());
        m.extend(std::iter::repeat_n(0xCD, payload));
        m
    }

    fn on_stream(datagram: &[u8]) -> Vec<u8> {
        let mut s = datagram.to_vec();
        s.extend(std::iter::repeat_n(0, outgoing_padding(datagram).unwrap()));
        s
    }

    fn drain(d: &mut Deframer) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(f) = d.next_frame().unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn a_retransmitted_request_is_not_sent_again_but_indications_and_channel_data_are() {
        let mut r = Retransmissions::new();
        let allocate = stun(8);
        assert!(r.first_time(&allocate));
        assert!(!r.first_time(&allocate), "the same transaction again is a retransmission");
        let mut other = stun(8);
        other[8] ^= 1;
        assert!(r.first_time(&other), "another transaction is new");
        let mut indication = stun(8);
        indication[1] = 0x16; // Send indication: class 0b01
        assert!(r.first_time(&indication) && r.first_time(&indication));
        let data = channel_data(10);
        assert!(r.first_time(&data) && r.first_time(&data));
    }

    #[test]
    fn the_memory_of_sent_requests_is_bounded() {
        let mut r = Retransmissions::new();
        for i in 0..(REMEMBERED_REQUESTS + 10) {
            let mut m = stun(0);
            m[8..12].copy_from_slice(&u32::try_from(i).unwrap().to_be_bytes());
            assert!(r.first_time(&m));
        }
        assert_eq!(r.sent.len(), REMEMBERED_REQUESTS);
    }

    #[test]
    fn channel_data_the_crate_already_padded_goes_on_the_stream_as_it_is() {
        let mut padded = channel_data(155);
        padded.push(0);
        assert_eq!(outgoing_padding(&padded), Ok(0));
        assert_eq!(outgoing_padding(&channel_data(155)), Ok(1));
        padded.extend_from_slice(&[0; 4]);
        assert!(outgoing_padding(&padded).is_err(), "more than the padding desynchronises the stream");
    }

    #[test]
    fn a_frame_split_across_reads_comes_out_whole_once_complete() {
        let msg = stun(8);
        let mut d = Deframer::new();
        for byte in &msg[..msg.len() - 1] {
            d.feed(&[*byte]).unwrap();
            assert_eq!(d.next_frame().unwrap(), None);
        }
        d.feed(&msg[msg.len() - 1..]).unwrap();
        assert_eq!(d.next_frame().unwrap(), Some(msg));
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn several_frames_in_one_read_come_out_in_order() {
        let a = stun(0);
        let b = channel_data(5);
        let c = channel_data(8);
        let mut bytes = on_stream(&a);
        bytes.extend(on_stream(&b));
        bytes.extend(on_stream(&c));
        let mut d = Deframer::new();
        d.feed(&bytes).unwrap();
        assert_eq!(drain(&mut d), vec![a, b, c]);
    }

    #[test]
    fn channel_data_is_padded_to_four_on_the_stream_and_unpadded_for_the_crate() {
        assert_eq!(outgoing_padding(&channel_data(5)).unwrap(), 3);
        assert_eq!(outgoing_padding(&channel_data(8)).unwrap(), 0);
        assert_eq!(outgoing_padding(&stun(4)).unwrap(), 0);
        let mut d = Deframer::new();
        let cd = channel_data(1);
        let mut bytes = on_stream(&cd);
        assert_eq!(bytes.len(), 8);
        // The padding of the first frame arriving with the next frame's start.
        bytes.extend(&stun(0)[..3]);
        d.feed(&bytes).unwrap();
        assert_eq!(d.next_frame().unwrap(), Some(cd));
        assert_eq!(d.pending(), 3);
    }

    #[test]
    fn garbage_closes_the_stream_and_stays_an_error() {
        let mut d = Deframer::new();
        d.feed(&[0x80, 0, 0, 0]).unwrap();
        assert_eq!(d.next_frame(), Err(FrameError::Garbage(0x80)));
        assert_eq!(d.feed(&stun(0)), Err(FrameError::Garbage(0x80)));
        assert_eq!(FrameError::Garbage(0x80).code(), "turn_stream_garbage");
        let mut one_byte = Deframer::new();
        one_byte.feed(&[0xFF]).unwrap();
        assert_eq!(one_byte.next_frame(), Err(FrameError::Garbage(0xFF)));
    }

    #[test]
    fn a_stun_length_not_a_multiple_of_four_is_refused() {
        let mut msg = stun(4);
        msg[3] = 5;
        let mut d = Deframer::new();
        d.feed(&msg).unwrap();
        assert_eq!(d.next_frame(), Err(FrameError::BadStunLength(5)));
    }

    #[test]
    fn a_frame_over_64_kib_is_refused_from_its_header() {
        let mut d = Deframer::new();
        // 20 + 65532 bytes of STUN: over the limit, refused before any body arrives.
        d.feed(&[0x00, 0x01, 0xFF, 0xFC]).unwrap();
        assert_eq!(d.next_frame(), Err(FrameError::TooLarge(20 + 0xFFFC)));
        // ChannelData's largest is 4 + 65535, also over.
        let mut c = Deframer::new();
        c.feed(&[0x40, 0x00, 0xFF, 0xFF]).unwrap();
        assert_eq!(c.next_frame(), Err(FrameError::TooLarge(4 + 0xFFFF)));
        // The largest allowed ChannelData passes.
        let big = channel_data(MAX_FRAME - 4);
        let mut ok = Deframer::new();
        ok.feed(&big).unwrap();
        assert_eq!(ok.next_frame().unwrap().map(|f| f.len()), Some(MAX_FRAME));
    }

    #[test]
    fn a_datagram_whose_length_field_disagrees_with_its_size_is_not_written() {
        let mut bad = channel_data(8);
        bad.truncate(10);
        assert!(outgoing_padding(&bad).is_err());
        assert_eq!(outgoing_padding(&[0xC0, 0, 0, 0]), Err(FrameError::Garbage(0xC0)));
    }

    #[test]
    fn more_than_the_buffer_bound_pending_is_refused() {
        let mut d = Deframer::new();
        // A frame header promising the largest allowed ChannelData, then more than the bound.
        let chunk = vec![0u8; MAX_BUFFERED];
        assert_eq!(d.feed(&chunk), Ok(()));
        assert_eq!(d.feed(&[0]), Err(FrameError::BufferFull));
        assert_eq!(d.next_frame(), Err(FrameError::BufferFull));
    }
}
