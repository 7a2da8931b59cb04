//! Issue 16, the support queue (S3): a customer asks a team for help on its page and waits
//! (place 1, a message to the team); the CSR sees them in the console's Queue panel and takes
//! them; the customer's page becomes the session in the browser and chat goes both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_asks_for_help_waits_and_is_taken_into_a_session_in_the_browser() {
    e2e::run_scenario("queue", e2e::Needs::default());
}
