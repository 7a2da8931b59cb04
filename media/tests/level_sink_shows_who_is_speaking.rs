//! S8: the customer's window shows who is speaking from the level of the audio played, even on
//! a machine with nothing to play it on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::{AudioFrame, AudioSink, AudioSource, LevelSink, ToneSource, FRAME_SAMPLES};

#[test]
fn speech_level_shows_speaking_and_silence_does_not() {
    let mut sink = LevelSink::new();
    assert!(!sink.is_speaking());
    let mut frame: AudioFrame = [0; FRAME_SAMPLES];
    ToneSource::new(300.0, 0.2).next_frame(&mut frame).unwrap();
    sink.play(&frame);
    assert!(sink.is_speaking());
    assert!((sink.level() - 0.2 / std::f64::consts::SQRT_2).abs() < 0.005, "{}", sink.level());
    sink.play(&[0; FRAME_SAMPLES]);
    assert!(!sink.is_speaking());
    assert_eq!(sink.frames_played(), 2);
}
