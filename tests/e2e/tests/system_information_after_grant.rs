//! Scenario 6 (S14, S21): system information is shown, in sections, only after the customer
//! allowed and confirmed it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn system_information_is_shown_after_the_customer_allows_it() {
    e2e::run_scenario("sysinfo", e2e::Needs::default());
}
