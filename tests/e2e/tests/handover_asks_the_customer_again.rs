//! S18, S21 in Chromium: after a hand-over the new host does not inherit the former host's
//! control; the customer is asked, by the new host's name, before anything runs for them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn after_a_hand_over_the_customer_is_asked_before_the_new_host_controls() {
    e2e::run_scenario("handover_asks_the_customer", e2e::Needs { xvfb: true, ..Default::default() });
}
