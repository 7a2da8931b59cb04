//! S8 on a lossy network: with every fifth packet lost, the decoder rebuilds the gaps (from the
//! FEC copy in the following packet, or by concealment when that has not arrived) and the
//! listener still hears the tone, at its pitch, without holes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::opus::{OpusConfig, OpusDecoder, OpusEncoder, MAX_DECODED_SAMPLES};
use media::audio::{rms_level, tone_frequency, AudioSource, ToneSource, FRAME_SAMPLES, SAMPLE_RATE};

/// How the receiver fills the gap a lost packet leaves.
#[derive(Clone, Copy)]
enum Repair {
    /// The next packet has arrived: rebuild from its FEC data.
    FecFromNext,
    /// Nothing to rebuild from yet: conceal.
    Conceal,
}

/// Two seconds of 440 Hz with every fifth packet dropped; returns what the listener hears and
/// the RMS level of each rebuilt frame.
fn listen_through_loss(repair: Repair) -> (Vec<i16>, Vec<f64>) {
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut encoder = OpusEncoder::new(OpusConfig { expected_loss_percent: 20, ..OpusConfig::default() }).unwrap();
    let mut frame = [0i16; FRAME_SAMPLES];
    let packets: Vec<Vec<u8>> = (0..100)
        .map(|_| {
            tone.next_frame(&mut frame).unwrap();
            encoder.encode(&frame).unwrap().to_vec()
        })
        .collect();

    let mut decoder = OpusDecoder::new().unwrap();
    let mut heard = Vec::new();
    let mut rebuilt_levels = Vec::new();
    let mut out = vec![0i16; MAX_DECODED_SAMPLES];
    for (sequence, packet) in packets.iter().enumerate() {
        let lost = sequence % 5 == 4;
        if lost {
            let gap = &mut out[..FRAME_SAMPLES];
            let n = match (repair, packets.get(sequence + 1)) {
                (Repair::FecFromNext, Some(next)) => decoder.recover_from_next(next, gap).unwrap(),
                _ => decoder.conceal(gap).unwrap(),
            };
            assert_eq!(n, FRAME_SAMPLES, "a rebuilt packet lasts as long as the lost one");
            if sequence > 10 {
                rebuilt_levels.push(rms_level(&out[..n]));
            }
        } else {
            let n = decoder.decode(packet, &mut out).unwrap();
            assert_eq!(n, FRAME_SAMPLES);
        }
        heard.extend_from_slice(&out[..FRAME_SAMPLES]);
    }
    (heard, rebuilt_levels)
}

fn assert_tone_holds(repair: Repair) {
    let (heard, rebuilt_levels) = listen_through_loss(repair);
    let steady = &heard[10 * FRAME_SAMPLES..];
    let frequency = tone_frequency(steady, SAMPLE_RATE);
    assert!((frequency - 440.0).abs() <= 440.0 * 0.02, "heard {frequency:.1} Hz through 20 % loss");
    let sent_level = 0.5 / std::f64::consts::SQRT_2;
    for level in rebuilt_levels {
        assert!(level > sent_level * 0.3, "a rebuilt frame fell to RMS {level:.3} (sent {sent_level:.3}): a hole the listener hears");
    }
}

#[test]
fn every_fifth_packet_lost_is_rebuilt_from_the_next_packets_fec() {
    assert_tone_holds(Repair::FecFromNext);
}

#[test]
fn every_fifth_packet_lost_is_concealed_when_the_next_has_not_arrived() {
    assert_tone_holds(Repair::Conceal);
}
