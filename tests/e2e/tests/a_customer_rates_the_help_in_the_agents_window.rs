//! Issue 16, the satisfaction survey in the agent's window (Xvfb, driven over AT-SPI): the CSR
//! ends the session; the window asks; the customer's rating and comment reach the history
//! (scenarios/window_survey.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_rates_the_help_in_the_agents_window_and_the_history_shows_it() {
    e2e::run_scenario("window_survey", e2e::Needs { xvfb: true, ..Default::default() });
}
