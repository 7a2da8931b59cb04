//! Issue 14, phase 1: the customer joins from the invitation's page in the browser (no
//! download): name, Who is here, chat both ways with send-to, a screen request answered by the
//! page as needing the agent (the console says so), a reload that keeps the seat, Leave that
//! asks first; and a second customer by the code page. The console shows them "in the browser".
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_joins_in_the_browser_chats_is_asked_reloads_and_leaves() {
    e2e::run_scenario("browser_join", e2e::Needs::default());
}
