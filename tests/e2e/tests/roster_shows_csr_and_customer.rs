//! Scenario 1 (S2, S4, S5): sign in, start a session with a tracking code, invite; the agent
//! joins by code and the console's participants panel shows the host CSR and the customer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_roster_shows_the_host_and_the_customer_who_joined_by_code() {
    e2e::run_scenario("roster", e2e::Needs::default());
}
