//! Issue 13 (the customer's side): the CSR invites in Chromium, the customer opens the link,
//! downloads the agent from the join page, makes it executable and opens it with no arguments
//! under Xvfb; it joins the inviting CSR's session by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_downloaded_agent_opened_with_no_arguments_joins_the_session_that_invited() {
    e2e::run_scenario("download_agent", e2e::Needs { xvfb: true, ..Default::default() });
}
