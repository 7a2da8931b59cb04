//! S8 on a machine without a sound card (like CI): opening the microphone does not fail the
//! conference; a stand-in source takes its place and the reason is there to show the customer.
//! The speaker likewise becomes a level meter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::audio::{open_microphone, open_speaker, tone_frequency, AudioFrame, MicrophoneFallback, Origin, FRAME_SAMPLES, SAMPLE_RATE};

#[test]
fn the_microphone_falls_back_to_a_tone_and_says_why() {
    let mut microphone = open_microphone(MicrophoneFallback::Tone { frequency_hz: 440.0, amplitude: 0.3 });
    match &microphone.origin {
        Origin::Fallback { reason } => {
            eprintln!("fallback because: {reason}");
            assert!(reason.starts_with("no microphone could be opened: "), "{reason}");
            let mut audio = Vec::new();
            let mut frame: AudioFrame = [0; FRAME_SAMPLES];
            for _ in 0..10 {
                microphone.source.next_frame(&mut frame).unwrap();
                audio.extend_from_slice(&frame);
            }
            let frequency = tone_frequency(&audio, SAMPLE_RATE);
            assert!((frequency - 440.0).abs() < 1.0, "the stand-in tone is sent: {frequency}");
        }
        // A developer's machine with a microphone: nothing to check about the fallback.
        Origin::Device { name } => eprintln!("this machine has a microphone ({name}); fallback not exercised"),
    }
}

#[test]
fn an_unreadable_fallback_file_is_reported_and_silence_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut microphone = open_microphone(MicrophoneFallback::WavFile(dir.path().join("missing.wav")));
    if let Origin::Fallback { reason } = &microphone.origin {
        assert!(reason.contains("missing.wav") && reason.contains("silence is sent"), "{reason}");
        let mut frame: AudioFrame = [1; FRAME_SAMPLES];
        microphone.source.next_frame(&mut frame).unwrap();
        assert!(frame.iter().all(|&s| s == 0));
    }
}

#[test]
fn the_speaker_falls_back_to_a_level_meter_and_says_why() {
    let mut speaker = open_speaker();
    if let Origin::Fallback { reason } = &speaker.origin {
        eprintln!("fallback because: {reason}");
        assert!(reason.starts_with("no speaker could be opened: "), "{reason}");
    }
    // Either way, playing never fails.
    speaker.sink.play(&[0; FRAME_SAMPLES]);
}
