//! Issue 14, phase 2: the customer page is a WebRTC peer of the console. The customer's screen
//! (the product's question, then the browser's picker) stopped from the page within 200 ms,
//! the call and the camera both ways, the CSR's screen in the page, a file each way with
//! SHA-256, system information as the browser tells it, remote control as needing the agent,
//! a reload that reconnects, and Leave.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_in_the_browser_shares_talks_sees_and_swaps_files_without_the_agent() {
    e2e::run_scenario("browser_peer", e2e::Needs::default());
}
