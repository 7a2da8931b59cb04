//! S8: a muted or silent participant costs almost nothing on the wire: after a few frames of
//! silence, DTX makes every packet a tiny marker the sender may skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::opus::{OpusConfig, OpusDecoder, OpusEncoder, DTX_PACKET_MAX_BYTES, MAX_DECODED_SAMPLES};
use media::audio::{rms_level, AudioSource, ToneSource, FRAME_SAMPLES};

#[test]
fn silence_encodes_to_packets_of_at_most_three_bytes_after_a_few_frames_but_for_rare_noise_updates() {
    let mut encoder = OpusEncoder::new(OpusConfig::default()).unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    let mut silence = ToneSource::silence();
    let mut frame = [0i16; FRAME_SAMPLES];
    let mut out = vec![0i16; MAX_DECODED_SAMPLES];
    let mut sizes = Vec::new();
    for _ in 0..50 {
        silence.next_frame(&mut frame).unwrap();
        let packet = encoder.encode(&frame).unwrap().to_vec();
        sizes.push(packet.len());
        let n = decoder.decode(&packet, &mut out).unwrap();
        assert!(rms_level(&out[..n]) < 0.001, "silence decodes to silence");
    }
    // libopus waits 200 ms (10 frames) of inactivity before it starts DTX; from then on every
    // packet is a marker of at most three bytes, except one small comfort-noise update every
    // 400 ms (20 frames) that keeps the receiver's background noise right.
    let after_start = &sizes[12..];
    let updates: Vec<usize> = (0..after_start.len()).filter(|&i| after_start[i] > 3).collect();
    assert!(after_start.iter().filter(|&&len| len <= DTX_PACKET_MAX_BYTES).count() >= after_start.len() * 9 / 10, "sizes: {sizes:?}");
    assert!(updates.len() <= 2, "at most one update per 400 ms: {sizes:?}");
    assert!(updates.windows(2).all(|w| w[1] - w[0] >= 20), "updates 400 ms apart: {sizes:?}");
    assert!(updates.iter().all(|&i| after_start[i] <= 40), "updates are small: {sizes:?}");
    assert!(encoder.in_dtx(), "the encoder reports that it is in DTX");
}

#[test]
fn speech_after_silence_leaves_dtx_at_once() {
    let mut encoder = OpusEncoder::new(OpusConfig::default()).unwrap();
    let mut frame = [0i16; FRAME_SAMPLES];
    let mut silence = ToneSource::silence();
    for _ in 0..30 {
        silence.next_frame(&mut frame).unwrap();
        encoder.encode(&frame).unwrap();
    }
    let mut tone = ToneSource::new(440.0, 0.5);
    tone.next_frame(&mut frame).unwrap();
    let packet_len = encoder.encode(&frame).unwrap().len();
    assert!(packet_len > DTX_PACKET_MAX_BYTES, "the first spoken frame is sent in full ({packet_len} bytes)");
}
