//! Issue 19, finding 3: a hung, then killed, agent mid-share is shown as not responding, then
//! offline, within seconds (never "offline" and "connected" at once), and its frozen picture
//! is replaced by a notice; an agent that answers again shows its live picture again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_whose_agent_stops_responding_is_shown_so_within_seconds() {
    e2e::run_scenario("agent_stops_responding", e2e::Needs { xvfb: true, ..Default::default() });
}
