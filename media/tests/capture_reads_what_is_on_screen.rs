//! A pattern drawn on a real X server (Xvfb) is what capture returns, for a whole monitor and
//! for one application window alone; an unchanged screen is reported unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::capture::{self, CaptureError};
use protocol::media::ShareTarget;
use test_support::draw::{Painter, QUADRANTS};

fn bgr(rgb: u32) -> [u8; 3] {
    [(rgb & 0xff) as u8, (rgb >> 8 & 0xff) as u8, (rgb >> 16) as u8]
}

#[test]
fn the_monitor_capture_shows_the_drawn_pattern() {
    let x = test_support::Xvfb::start(640, 480);
    let p = Painter::connect(&x.display);
    p.quadrants(p.root, 0, 0, 640, 480);

    let sources = capture::sources(Some(&x.display)).unwrap();
    assert_eq!(sources.monitors.len(), 1);
    assert_eq!((sources.monitors[0].width, sources.monitors[0].height), (640, 480));

    let mut cap = capture::open(Some(&x.display), ShareTarget::Monitor { index: 0 }).unwrap();
    let shot = cap.capture().unwrap();
    assert!(shot.changed, "the first picture is news");
    assert_eq!((shot.frame.width, shot.frame.height), (640, 480));
    for (i, (px, py)) in [(160, 120), (480, 120), (160, 360), (480, 360)].into_iter().enumerate() {
        assert_eq!(shot.frame.pixel(px, py), bgr(QUADRANTS[i]), "quadrant {i}");
    }
    assert!(!cap.capture().unwrap().changed, "nothing moved");
    p.fill(p.root, 10, 10, 5, 5, 0x123456);
    let again = cap.capture().unwrap();
    assert!(again.changed);
    assert_eq!(again.frame.pixel(12, 12), bgr(0x123456));
}

#[test]
fn one_application_window_is_captured_alone() {
    let x = test_support::Xvfb::start(800, 600);
    let p = Painter::connect(&x.display);
    p.fill(p.root, 0, 0, 800, 600, 0x808080);
    let other = p.window("Other program", 0, 0, 200, 150, 0xff00ff);
    let app = p.window("Customer's app", 300, 200, 240, 160, 0x000000);
    p.quadrants(app, 0, 0, 240, 160);
    let _ = other;

    let sources = capture::sources(Some(&x.display)).unwrap();
    let listed = sources.windows.iter().find(|w| w.title == "Customer's app").expect("the window is offered");
    assert_eq!((listed.width, listed.height), (240, 160));

    let mut cap = capture::open(Some(&x.display), ShareTarget::Window { id: listed.id }).unwrap();
    let shot = cap.capture().unwrap();
    assert_eq!((shot.frame.width, shot.frame.height), (240, 160), "only the window, not the screen");
    for (i, (px, py)) in [(60, 40), (180, 40), (60, 120), (180, 120)].into_iter().enumerate() {
        assert_eq!(shot.frame.pixel(px, py), bgr(QUADRANTS[i]), "quadrant {i}");
    }
    let s = cap.surface().unwrap();
    assert_eq!((s.x, s.y, s.width, s.height), (300, 200, 240, 160));
}

#[test]
fn a_window_that_closed_is_reported_gone() {
    let x = test_support::Xvfb::start(320, 240);
    let p = Painter::connect(&x.display);
    let w = p.window("Short-lived", 10, 10, 100, 100, 0x00ff00);
    let mut cap = capture::open(Some(&x.display), ShareTarget::Window { id: w.into() }).unwrap();
    assert!(cap.capture().is_ok());
    x11rb::protocol::xproto::ConnectionExt::destroy_window(&p.conn, w).unwrap();
    p.sync();
    assert!(matches!(cap.capture(), Err(CaptureError::SourceGone)));
}

#[test]
fn a_missing_display_is_a_clear_error() {
    let err = capture::open(Some(":4095"), ShareTarget::Monitor { index: 0 }).err().expect("no such display");
    assert!(matches!(err, CaptureError::NoDisplay(_)), "{err}");
}

/// scrap's segment was mode 0777: any local user could read the screen. Ours must not be
/// reachable by anyone else: no SysV segment that others may read exists while capturing.
#[test]
fn no_other_user_can_read_the_capture_buffer() {
    let x = test_support::Xvfb::start(320, 240);
    let mut cap = capture::open(Some(&x.display), ShareTarget::Monitor { index: 0 }).unwrap();
    cap.capture().unwrap();
    let table = std::fs::read_to_string("/proc/sysvipc/shm").unwrap_or_default();
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (mode, size) = (u32::from_str_radix(cols[2], 8).unwrap_or(0), cols[3].parse::<u64>().unwrap_or(0));
        assert!(!(size == 320 * 240 * 4 * 2 && mode & 0o077 != 0), "a capture segment readable by others: {line}");
    }
}
