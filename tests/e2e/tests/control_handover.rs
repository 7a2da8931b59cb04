//! S17, S18: a second CSR joins, the host hands control over, the former host's console
//! switches to the non-host view with End disabled, and the new host ends the session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_former_host_sees_the_non_host_view_after_handing_control_over() {
    e2e::run_scenario("handover", e2e::Needs::default());
}
