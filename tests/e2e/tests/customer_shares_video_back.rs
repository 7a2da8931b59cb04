//! Scenario (S9, S21): when the CSR's video starts the customer is offered to share theirs back;
//! `camera on` shows their camera in the console without the CSR asking, and revoking stops it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_customer_shares_their_camera_back_on_their_own() {
    e2e::run_scenario("customer_offers_video", e2e::Needs::default());
}
