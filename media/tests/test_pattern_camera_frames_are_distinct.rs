//! S9 without a camera: the test pattern gives frames of the asked size, each different from the
//! one before and carrying its own number, so a receiver can tell them apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::camera::{open_camera, CameraError, CameraSource, TestPatternCamera};

#[test]
fn frames_have_the_asked_size_and_well_formed_planes() {
    for (width, height) in [(640, 480), (1280, 720), (321, 241), (64, 48)] {
        let mut camera = TestPatternCamera::new(width, height).unwrap();
        assert_eq!(camera.size(), (width, height));
        let frame = camera.next_frame().unwrap();
        assert_eq!((frame.width, frame.height), (width, height));
        assert!(frame.is_well_formed(), "{width}x{height}");
        assert_eq!(frame.y.len(), (width * height) as usize);
        assert_eq!(frame.u.len(), (width.div_ceil(2) * height.div_ceil(2)) as usize);
    }
}

#[test]
fn consecutive_frames_differ_and_carry_their_number() {
    let mut camera = TestPatternCamera::new(640, 480).unwrap();
    let frames: Vec<_> = (0..200).map(|_| camera.next_frame().unwrap()).collect();
    for (i, pair) in frames.windows(2).enumerate() {
        assert_ne!(pair[0], pair[1], "frames {i} and {} are identical", i + 1);
    }
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(TestPatternCamera::read_counter(frame), Some(i as u32));
    }
    assert_eq!(camera.next_number(), 200);
}

#[test]
fn the_pattern_shows_colour_bars() {
    let frame = TestPatternCamera::new(700, 480).unwrap().next_frame().unwrap();
    // Bar centres along row 100: luma falls from white to blue.
    let lumas: Vec<u8> = (0..7).map(|bar| frame.y[100 * 700 + bar * 100 + 50]).collect();
    assert!(lumas.windows(2).all(|p| p[0] > p[1]), "bar luma {lumas:?}");
    let chroma = |bar: usize| (frame.u[50 * 350 + bar * 50 + 25], frame.v[50 * 350 + bar * 50 + 25]);
    assert!(chroma(1).0 < 100, "yellow has little blue: {:?}", chroma(1));
    assert!(chroma(5).1 > 180, "red has much red: {:?}", chroma(5));
}

#[test]
fn a_too_small_size_is_refused() {
    let error = TestPatternCamera::new(16, 16).unwrap_err();
    assert!(matches!(error, CameraError::UnsupportedSize { .. }), "{error:?}");
    assert!(!error.is_retryable());
}

#[test]
fn without_a_camera_opening_one_says_so() {
    match open_camera(640, 480) {
        Err(error @ CameraError::NoDevice { .. }) => {
            assert_eq!(error.code(), "device_unavailable");
            assert!(error.to_string().starts_with("no camera could be opened: "), "{error}");
        }
        Err(other) => panic!("unexpected error {other:?}"),
        Ok(camera) => assert!(camera.size().0 > 0),
    }
}
