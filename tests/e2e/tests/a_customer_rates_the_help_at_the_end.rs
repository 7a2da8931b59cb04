//! Issue 16, the satisfaction survey in a real browser: the customer rates the ended session in
//! their page; the rating reaches history, CSV, the API and a signed webhook.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_rates_the_help_at_the_end_and_every_report_shows_it() {
    e2e::run_scenario("survey", e2e::Needs::default());
}
