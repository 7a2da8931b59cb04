//! Issue 15: the customer's agent in a network namespace whose firewall drops UDP and lets TCP
//! out only to 443 and the support site reaches the console through coturn's TLS listener on
//! 443 (the agent's TURN stream bridge); view, control, chat and a file work. The test fails if
//! the firewall dropped no UDP (the agent must have tried it first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_whose_network_drops_udp_is_helped_through_turn_over_tls_on_443() {
    e2e::run_scenario("udp_blocked", e2e::Needs { udp_blocked_agent: true, xvfb: true, ..Default::default() });
}
