//! Opus for the VoIP conference (S8): an encoder set up the way WebRTC peers expect
//! (48 kHz, 20 ms frames, VoIP mode, in-band FEC, DTX) and a decoder that turns packets, or the
//! absence of one, back into 20 ms frames. Sans-IO: packets in, samples out; RTP, pacing and
//! the jitter buffer belong to the caller.
//!
//! Mono is used on purpose: a voice comes from one mouth and one microphone, so a second channel
//! costs bits for nothing, and at the same bitrate mono gives Opus's speech modes (SILK, hybrid)
//! twice the bits per channel. The decoder is mono too; Opus downmixes stereo packets (browsers
//! announce `opus/48000/2`) on decoding, so either side may send stereo.

use super::{AudioFrame, SAMPLE_RATE};

/// Bitrate of the encoder unless set otherwise: wideband speech with room for FEC.
pub const DEFAULT_BITRATE_BPS: i32 = 32_000;
/// Expected packet loss unless set otherwise. FEC is only emitted when this is above zero.
pub const DEFAULT_EXPECTED_LOSS_PERCENT: u8 = 10;
/// A packet at most this long carries no audio: it is a DTX (silence) marker and the caller
/// need not send it. WebRTC stacks skip such packets too. During DTX libopus still emits one
/// small comfort-noise packet every 400 ms; that one is longer and must be sent.
pub const DTX_PACKET_MAX_BYTES: usize = 2;
/// The longest an Opus packet can decode to (120 ms at 48 kHz): a buffer this long accepts any
/// packet a peer may send, whatever its frame duration.
pub const MAX_DECODED_SAMPLES: usize = 5_760;
/// RFC 6716's largest packet for one frame; 1275 bytes plus the TOC byte.
const MAX_PACKET_BYTES: usize = 1_276;

/// What went wrong with Opus.
#[derive(Debug, thiserror::Error)]
pub enum OpusError {
    /// The codec could not be created or refused a setting (a bitrate out of range, for
    /// instance). Retrying the same settings cannot help.
    #[error("could not set up the Opus {what}: {source}")]
    Setup {
        what: &'static str,
        #[source]
        source: opus::Error,
    },
    /// The encoder failed on a frame. Not expected with valid settings; the frame is lost.
    #[error("Opus could not encode a frame: {0}")]
    Encode(#[source] opus::Error),
    /// A received packet could not be decoded (corrupt, or the output buffer too short for its
    /// duration). Conceal it with [`OpusDecoder::conceal`] and go on.
    #[error("Opus could not decode a packet: {0}")]
    Decode(#[source] opus::Error),
}

impl OpusError {
    /// A stable code the console and agent can show.
    pub fn code(&self) -> &'static str {
        match self {
            OpusError::Setup { .. } => "audio_codec_setup",
            OpusError::Encode(_) => "audio_encode_failed",
            OpusError::Decode(_) => "audio_decode_failed",
        }
    }
}

/// Settings of [`OpusEncoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusConfig {
    /// Target bitrate in bits per second (Opus accepts 500..=512000).
    pub bitrate_bps: i32,
    /// The packet loss the encoder should plan for, 0..=100; the more, the more FEC it adds.
    pub expected_loss_percent: u8,
    /// In-band forward error correction: each packet carries a coarse copy of the previous one.
    pub fec: bool,
    /// Discontinuous transmission: silence becomes tiny packets (see [`DTX_PACKET_MAX_BYTES`]).
    pub dtx: bool,
}

impl Default for OpusConfig {
    fn default() -> OpusConfig {
        OpusConfig { bitrate_bps: DEFAULT_BITRATE_BPS, expected_loss_percent: DEFAULT_EXPECTED_LOSS_PERCENT, fec: true, dtx: true }
    }
}

/// Encodes 20 ms frames of 48 kHz mono into Opus packets, one packet per frame.
pub struct OpusEncoder {
    inner: opus::Encoder,
    packet: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder").finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder with `config`, in VoIP mode (speech-tuned, favours intelligibility).
    pub fn new(config: OpusConfig) -> Result<OpusEncoder, OpusError> {
        let setup = |source| OpusError::Setup { what: "encoder", source };
        let mut inner = opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip).map_err(setup)?;
        inner.set_bitrate(opus::Bitrate::Bits(config.bitrate_bps)).map_err(setup)?;
        inner.set_inband_fec(config.fec).map_err(setup)?;
        inner.set_packet_loss_perc(i32::from(config.expected_loss_percent.min(100))).map_err(setup)?;
        inner.set_dtx(config.dtx).map_err(setup)?;
        Ok(OpusEncoder { inner, packet: vec![0; MAX_PACKET_BYTES] })
    }

    /// Encodes one frame. The packet borrows the encoder's buffer; copy it out to keep it. A
    /// packet of at most [`DTX_PACKET_MAX_BYTES`] is a silence marker the caller may skip.
    pub fn encode(&mut self, frame: &AudioFrame) -> Result<&[u8], OpusError> {
        let len = self.inner.encode(frame, &mut self.packet).map_err(OpusError::Encode)?;
        Ok(&self.packet[..len])
    }

    /// Changes the target bitrate, for instance when congestion control says so.
    pub fn set_bitrate(&mut self, bits_per_second: i32) -> Result<(), OpusError> {
        self.inner.set_bitrate(opus::Bitrate::Bits(bits_per_second)).map_err(|source| OpusError::Setup { what: "bitrate", source })
    }

    /// Changes the packet loss the encoder plans for (from RTCP receiver reports, say).
    pub fn set_expected_loss_percent(&mut self, percent: u8) -> Result<(), OpusError> {
        self.inner
            .set_packet_loss_perc(i32::from(percent.min(100)))
            .map_err(|source| OpusError::Setup { what: "expected packet loss", source })
    }

    /// Whether the last frame was encoded as DTX silence.
    pub fn in_dtx(&mut self) -> bool {
        self.inner.get_in_dtx().unwrap_or(false)
    }
}

/// Decodes Opus packets into 48 kHz mono, and fills the gaps left by lost packets.
///
/// When the packet with sequence number `n` is missing: if packet `n + 1` has arrived, call
/// [`recover_from_next`](Self::recover_from_next) with it (FEC rebuilds `n` from the copy `n + 1`
/// carries) and then [`decode`](Self::decode) it as usual; if not, call
/// [`conceal`](Self::conceal), which extrapolates from what was heard last.
pub struct OpusDecoder {
    inner: opus::Decoder,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder").finish_non_exhaustive()
    }
}

impl OpusDecoder {
    pub fn new() -> Result<OpusDecoder, OpusError> {
        let inner = opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono).map_err(|source| OpusError::Setup { what: "decoder", source })?;
        Ok(OpusDecoder { inner })
    }

    /// Decodes `packet` into `out` and returns how many samples it held (960 for the 20 ms
    /// packets this module sends; peers may send other durations, which a buffer of
    /// [`MAX_DECODED_SAMPLES`] always fits).
    pub fn decode(&mut self, packet: &[u8], out: &mut [i16]) -> Result<usize, OpusError> {
        if packet.is_empty() {
            // An empty slice means "lost" to libopus; say so explicitly instead.
            return self.conceal(out);
        }
        self.inner.decode(packet, out, false).map_err(OpusError::Decode)
    }

    /// Rebuilds the lost packet just before `next_packet` from the FEC data `next_packet`
    /// carries, into `out`, whose length must be the lost packet's duration (normally
    /// [`FRAME_SAMPLES`](super::FRAME_SAMPLES)). Without FEC data in `next_packet` this conceals instead. Decode
    /// `next_packet` itself afterwards.
    pub fn recover_from_next(&mut self, next_packet: &[u8], out: &mut [i16]) -> Result<usize, OpusError> {
        if next_packet.is_empty() {
            return self.conceal(out);
        }
        self.inner.decode(next_packet, out, true).map_err(OpusError::Decode)
    }

    /// Fills `out` (the lost packet's duration, normally [`FRAME_SAMPLES`](super::FRAME_SAMPLES)) with packet-loss
    /// concealment: a continuation of the last sound that fades out over repeated losses.
    pub fn conceal(&mut self, out: &mut [i16]) -> Result<usize, OpusError> {
        self.inner.decode(&[], out, false).map_err(OpusError::Decode)
    }

    /// Forgets the decoder's history, as when a new speaker's stream starts.
    pub fn reset(&mut self) -> Result<(), OpusError> {
        self.inner.reset_state().map_err(|source| OpusError::Setup { what: "decoder reset", source })
    }
}
