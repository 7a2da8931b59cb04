//! S11, S12: an offered file blocks application sharing with signaling's reason (kept on screen)
//! until the CSR ends the offer or the customer downloads it; then the application is shared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn application_sharing_starts_once_the_file_offer_ended() {
    e2e::run_scenario(
        "s12_offer_then_application",
        e2e::Needs { xvfb: true, app_window: Some("Customer's invoice app"), ..Default::default() },
    );
}
