//! S8: a tone sent through the VoIP encoder and decoder in 20 ms frames comes out at the same
//! pitch and about the same loudness.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::opus::{OpusConfig, OpusDecoder, OpusEncoder, MAX_DECODED_SAMPLES};
use media::audio::{rms_level, tone_frequency, AudioSource, ToneSource, FRAME_SAMPLES, SAMPLE_RATE};

/// One second of `frequency_hz` through the codec; returns what was sent and what came out.
fn round_trip(frequency_hz: f64) -> (Vec<i16>, Vec<i16>) {
    let mut tone = ToneSource::new(frequency_hz, 0.5);
    let mut encoder = OpusEncoder::new(OpusConfig::default()).unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    let (mut sent, mut received) = (Vec::new(), Vec::new());
    let mut frame = [0i16; FRAME_SAMPLES];
    let mut decoded = vec![0i16; MAX_DECODED_SAMPLES];
    for _ in 0..50 {
        tone.next_frame(&mut frame).unwrap();
        sent.extend_from_slice(&frame);
        let packet = encoder.encode(&frame).unwrap().to_vec();
        assert!(packet.len() > 3 && packet.len() <= 200, "a 20 ms packet at 32 kbit/s is about 80 bytes, got {}", packet.len());
        let n = decoder.decode(&packet, &mut decoded).unwrap();
        assert_eq!(n, FRAME_SAMPLES, "one 20 ms frame per packet");
        received.extend_from_slice(&decoded[..n]);
    }
    (sent, received)
}

fn assert_tone_survives(frequency_hz: f64) {
    let (sent, received) = round_trip(frequency_hz);
    // The first frames hold the codec's start-up delay; judge the steady part.
    let steady = &received[10 * FRAME_SAMPLES..];
    let heard = tone_frequency(steady, SAMPLE_RATE);
    assert!((heard - frequency_hz).abs() <= frequency_hz * 0.02, "sent {frequency_hz} Hz, heard {heard:.1} Hz");
    let (sent_level, heard_level) = (rms_level(&sent), rms_level(steady));
    assert!(heard_level > sent_level * 0.7 && heard_level < sent_level * 1.3, "sent at RMS {sent_level:.3}, heard at RMS {heard_level:.3}");
}

#[test]
fn a_440_hz_tone_keeps_its_pitch_and_level() {
    assert_tone_survives(440.0);
}

#[test]
fn a_1_khz_tone_keeps_its_pitch_and_level() {
    assert_tone_survives(1000.0);
}

#[test]
fn stereo_packets_from_a_browser_decode_to_the_same_tone_in_mono() {
    // Browsers announce opus/48000/2 and may send stereo; this encoder stands in for one.
    let mut browser = opus::Encoder::new(48_000, opus::Channels::Stereo, opus::Application::Voip).unwrap();
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut decoder = OpusDecoder::new().unwrap();
    let mut mono = [0i16; FRAME_SAMPLES];
    let mut heard = Vec::new();
    let mut out = vec![0i16; MAX_DECODED_SAMPLES];
    for _ in 0..50 {
        tone.next_frame(&mut mono).unwrap();
        let stereo: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
        let packet = browser.encode_vec(&stereo, 4000).unwrap();
        let n = decoder.decode(&packet, &mut out).unwrap();
        assert_eq!(n, FRAME_SAMPLES, "960 samples per channel, one channel out");
        heard.extend_from_slice(&out[..n]);
    }
    let frequency = tone_frequency(&heard[10 * FRAME_SAMPLES..], SAMPLE_RATE);
    assert!((frequency - 440.0).abs() <= 440.0 * 0.02, "heard {frequency:.1} Hz");
}
