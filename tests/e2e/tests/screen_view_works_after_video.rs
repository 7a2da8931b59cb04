//! Scenario (S9, S10): after the CSR's video and the customer's camera, viewing the desktop
//! shows the customer's screen, and switching between desktop and application shares keeps
//! showing each picture, with no error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn screen_view_shows_the_desktop_after_video_was_used() {
    e2e::run_scenario("video_then_screen", e2e::Needs { xvfb: true, app_window: Some("Customer's invoice app"), ..Default::default() });
}
