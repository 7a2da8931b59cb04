//! S8 on a lossy network: when the packet that carries a change in the voice is lost, FEC
//! rebuilds the change from the next packet; concealment could only guess from the past.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::opus::{OpusConfig, OpusDecoder, OpusEncoder, MAX_DECODED_SAMPLES};
use media::audio::{tone_frequency, AudioSource, ToneSource, FRAME_SAMPLES, SAMPLE_RATE};

/// 400 Hz for 20 frames, then 1 kHz; the first 1 kHz packet is lost. Returns the frequency heard
/// in its place, rebuilt with FEC or concealed.
fn heard_in_the_gap(with_fec: bool) -> f64 {
    let mut encoder = OpusEncoder::new(OpusConfig { expected_loss_percent: 20, ..OpusConfig::default() }).unwrap();
    let (mut low, mut high) = (ToneSource::new(400.0, 0.5), ToneSource::new(1000.0, 0.5));
    let mut frame = [0i16; FRAME_SAMPLES];
    let packets: Vec<Vec<u8>> = (0..30)
        .map(|i| {
            let source: &mut dyn AudioSource = if i < 20 { &mut low } else { &mut high };
            source.next_frame(&mut frame).unwrap();
            encoder.encode(&frame).unwrap().to_vec()
        })
        .collect();
    let mut decoder = OpusDecoder::new().unwrap();
    let mut out = vec![0i16; MAX_DECODED_SAMPLES];
    for packet in &packets[..20] {
        decoder.decode(packet, &mut out).unwrap();
    }
    let gap = &mut out[..FRAME_SAMPLES];
    if with_fec {
        decoder.recover_from_next(&packets[21], gap).unwrap();
    } else {
        decoder.conceal(gap).unwrap();
    }
    // The second half: the codec's own delay smears the first few milliseconds.
    tone_frequency(&gap[FRAME_SAMPLES / 2..], SAMPLE_RATE)
}

#[test]
fn a_lost_packet_is_rebuilt_from_the_next_packets_fec_with_the_new_pitch() {
    let rebuilt = heard_in_the_gap(true);
    assert!((rebuilt - 1000.0).abs() < 50.0, "FEC rebuilt {rebuilt:.0} Hz where 1000 Hz was said");
}

#[test]
fn concealment_without_the_next_packet_can_only_continue_the_old_pitch() {
    let concealed = heard_in_the_gap(false);
    assert!((concealed - 400.0).abs() < 50.0, "concealment gave {concealed:.0} Hz");
}
