//! Scenario (S9, S10): after the CSR's video and the customer's camera, the camera keeps
//! playing when the CSR starts viewing the customer's screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_customers_camera_keeps_playing_when_a_screen_share_starts() {
    e2e::run_scenario("camera_during_screen_share", e2e::Needs { xvfb: true, ..Default::default() });
}
