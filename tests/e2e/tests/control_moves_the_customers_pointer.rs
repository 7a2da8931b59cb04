//! Scenario 4 (S10, S21): in control mode, a click in the console moves the pointer on the
//! agent's X server to the matching spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_click_in_the_console_moves_the_customers_pointer_there() {
    e2e::run_scenario("control", e2e::Needs { xvfb: true, ..Default::default() });
}
