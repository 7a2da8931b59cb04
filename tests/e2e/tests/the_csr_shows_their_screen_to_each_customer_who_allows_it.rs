//! S10, the CSR's own screen (issue 14): shown in the agent's window (pixels checked on Xvfb)
//! and announced in the terminal, each only after that customer allowed it; a customer closes it
//! for themselves; the CSR's stop ends it for everyone (scenarios/csr_shows_screen.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_csr_shows_their_screen_to_each_customer_who_allows_it() {
    e2e::run_scenario("csr_shows_screen", e2e::Needs { xvfb: true, ..Default::default() });
}
