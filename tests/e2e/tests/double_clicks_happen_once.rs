//! S4, S5: double-clicking Start session opens one live session; double-clicking Invite
//! customer shows one invitation dialog whose code admits the customer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_double_click_starts_one_session_and_shows_one_invitation() {
    e2e::run_scenario("double_clicks", e2e::Needs::default());
}
