//! Relay only: with coturn on loopback (`use-auth-secret`), signaling handing out its
//! credentials, and both peers restricted to relay candidates, the console reaches the agent
//! through the TURN server and the control channel works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_control_channel_works_through_the_turn_relay_only() {
    e2e::run_scenario("relay_control_channel", e2e::Needs { turn: true, ..Default::default() });
}
