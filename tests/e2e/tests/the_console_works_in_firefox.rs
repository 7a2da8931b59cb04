//! The CSR console in a second browser engine (issue 15): Debian's Firefox ESR, driven over
//! WebDriver BiDi, runs the same scenarios as Chromium — sign in, start a session, invite the
//! customer's agent, chat both ways; view the customer's desktop (pixels of the video checked)
//! until the customer revokes; a file each way with matching SHA-256.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::{Browser, Needs};

#[test]
fn in_firefox_the_csr_signs_in_invites_and_chats_both_ways() {
    e2e::run_scenario("chat", Needs { browser: Browser::Firefox, ..Default::default() });
}

#[test]
fn in_firefox_the_console_shows_the_customers_desktop_until_the_customer_revokes() {
    e2e::run_scenario("view_desktop", Needs { xvfb: true, browser: Browser::Firefox, ..Default::default() });
}

#[test]
fn in_firefox_files_move_each_way_with_matching_sha256() {
    e2e::run_scenario("files", Needs { browser: Browser::Firefox, ..Default::default() });
}
