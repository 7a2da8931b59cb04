//! Issue 13: a customer who already has the agent opens it with no arguments; its Join screen
//! takes the support site and the code the join page shows; a mistyped code is refused in words
//! (scenarios/download_agent.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_join_screen_takes_the_code_from_the_page() {
    e2e::run_scenario("download_agent", e2e::Needs { xvfb: true, ..Default::default() });
}
