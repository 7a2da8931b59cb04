//! Scenario 3 (S10, S21): after the customer's grant the console's video shows the pattern on
//! the agent's Xvfb; revocation stops it at once. Run again relay-only through coturn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_console_shows_the_customers_desktop_until_the_customer_revokes() {
    e2e::run_scenario("view_desktop", e2e::Needs { xvfb: true, ..Default::default() });
}

#[test]
fn the_desktop_view_also_works_through_the_turn_relay_only() {
    e2e::run_scenario("view_desktop", e2e::Needs { xvfb: true, turn: true, ..Default::default() });
}
