//! Scenario (S9, S10): the customer's screen and camera at once, each shown in its own place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_customers_screen_and_camera_show_at_once_each_in_its_place() {
    e2e::run_scenario("screen_and_camera", e2e::Needs { xvfb: true, ..Default::default() });
}
