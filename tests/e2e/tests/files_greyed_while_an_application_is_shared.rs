//! Scenario (S12): while the CSR views one of the customer's applications, the Files tab is
//! greyed out with the reason; stopping the application share restores it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn s12_file_transfer_is_greyed_out_while_an_application_is_viewed() {
    e2e::run_scenario("s12_files_greyed", e2e::Needs { xvfb: true, app_window: Some("Customer's invoice app"), ..Default::default() });
}
